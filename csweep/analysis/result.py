"""What ``grid_search`` returns: the PyRates-shaped ``results`` and ``results_map`` frames built from
the recorded samples, and the state that carries one run into the next."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..circuits.real_values import real_float64
from ..models.divergence import DivergenceWarning as DivergenceWarning


class SweepResult(tuple):
    """``(results, results_map)``, as PyRates returns them, plus csweep's extras.

    Unpacks like PyRates' pair (``results, results_map = grid_search(...)``); the extras are
    attributes:

    - ``features``: DataFrame, one row per set (``results_map``'s index and parameter columns,
      then one column per feature), or None when no features were asked for;
    - ``final_state``: DataFrame, one row per set, one column per state variable (pass it as
      ``initial_state=`` to continue the runs), or None;
    - ``store``: the path of the Zarr store written, or None;
    - ``diverged``: the labels (``results_map``'s index) of the sets whose state became NaN or
      infinite, whose values are not to be trusted from then on; empty when none did;
    - ``solver_stats``: with ``solver="scipy"``, a DataFrame of each set's accepted and rejected
      steps and status ("ok", or why its integration stopped); else None.
    """

    features: pd.DataFrame | None
    final_state: pd.DataFrame | None
    store: str | None
    diverged: pd.Index
    solver_stats: pd.DataFrame | None

    def __new__(cls, results, results_map, *, features=None, final_state=None, store=None,
                diverged=None, solver_stats=None):
        self = super().__new__(cls, (results, results_map))
        self.features = features
        self.final_state = final_state
        self.store = store
        self.diverged = pd.Index([], dtype=object) if diverged is None else diverged
        self.solver_stats = solver_stats
        return self

    @property
    def results(self) -> pd.DataFrame | None:
        return self[0]

    @property
    def results_map(self) -> pd.DataFrame:
        return self[1]

    def __getnewargs_ex__(self):
        return (self[0], self[1]), {"features": self.features, "final_state": self.final_state,
                                    "store": self.store, "diverged": self.diverged,
                                    "solver_stats": self.solver_stats}

    def __repr__(self) -> str:
        extras = [name for name in ("features", "final_state", "store")
                  if getattr(self, name) is not None]
        shape = None if self[0] is None else self[0].shape
        return (f"SweepResult(results: {shape}, results_map: {self[1].shape}"
                + (f", with {', '.join(extras)}" if extras else "") + ")")


def final_state_frame(final: np.ndarray, state_names, labels) -> pd.DataFrame:
    """``(n_state, n_sets)`` -> one row per set, one column per state variable."""
    return pd.DataFrame(final.T.copy(), index=pd.Index(labels), columns=list(state_names))


def initial_state_array(initial_state, state_names, n_sets: int) -> np.ndarray | None:
    """``initial_state`` as the kernel's ``(n_state, n_sets)`` float64 array, checked."""
    if initial_state is None:
        return None
    names = list(state_names)
    if isinstance(initial_state, pd.DataFrame):
        missing = [n for n in names if n not in initial_state.columns]
        extra = [c for c in initial_state.columns if c not in names]
        if missing or extra:
            raise KeyError("initial_state's columns must be this sweep's state variables "
                           f"({', '.join(names)}); missing {missing}, unexpected {extra}")
        values = initial_state[names].to_numpy()
    else:
        values = np.asarray(initial_state)
    values = real_float64(values, "initial_state")
    if values.shape != (n_sets, len(names)):
        raise ValueError(f"initial_state must have one row per parameter set and one column per "
                         f"state variable, shape ({n_sets}, {len(names)}); received "
                         f"{values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("initial_state holds NaN or infinite values; expected finite numbers")
    return np.ascontiguousarray(values.T)


def column_index(outputs: dict[str, str], labels: list[str]) -> pd.MultiIndex:
    """``(output_name, set_label, *node_path, "op/var")`` for each output, then each set: the
    MultiIndex ``pd.MultiIndex.from_tuples`` makes of these tuples (levels sorted, as it sorts
    them), built from its levels and codes without hashing every tuple."""
    parts = [[name, *path.split("/")[:-2], "/".join(path.split("/")[-2:])]
             for name, path in outputs.items()]
    if len({len(p) for p in parts}) > 1 or len(set(labels)) < len(labels):
        # node paths of different depths: from_tuples pads the shorter ones
        return pd.MultiIndex.from_tuples([(p[0], label, *p[1:]) for p in parts for label in labels])
    n_sets = len(labels)
    per_output = [np.repeat(np.arange(len(parts)), n_sets), np.tile(np.arange(n_sets), len(parts))]
    levels, codes = [], []
    for depth in range(len(parts[0]) + 1):
        if depth == 1:
            values, which = list(labels), per_output[1]
        else:
            values, which = [p[depth if depth == 0 else depth - 1] for p in parts], per_output[0]
        level = sorted(set(values))
        position = {value: k for k, value in enumerate(level)}
        levels.append(level)
        codes.append(np.array([position[v] for v in values], dtype=np.intp)[which])
    return pd.MultiIndex(levels=levels, codes=codes, verify_integrity=False)


#: column indexes :func:`cached_column_index` keeps (a MultiIndex is immutable: frames share it)
COLUMN_INDEXES_KEPT = 8
_column_indexes: dict[tuple, pd.MultiIndex] = {}


def cached_column_index(outputs: dict[str, str], labels: list[str]) -> pd.MultiIndex:
    """:func:`column_index`, kept for the next sweep of the same outputs and sets (a Sweep's
    runs, repeated grid_search calls): building it costs more than a small sweep."""
    key = (tuple(outputs.items()), tuple(labels))
    index = _column_indexes.get(key)
    if index is None:
        index = column_index(outputs, labels)
        while len(_column_indexes) >= COLUMN_INDEXES_KEPT:
            _column_indexes.pop(next(iter(_column_indexes)), None)
        _column_indexes[key] = index
    return index


def results_frame(values: np.ndarray, index: np.ndarray, columns: pd.MultiIndex) -> pd.DataFrame:
    """Wrap the kernel's output buffer, ``(n_records, n_outputs * n_sets)``, without copying it."""
    return pd.DataFrame(values, index=pd.Index(index), columns=columns, copy=False)


def results_map_frame(grid: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The parameter sets, indexed by their labels, values as given."""
    frame = grid.copy()
    frame.index = pd.Index(labels)
    return frame
