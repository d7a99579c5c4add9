"""``param_grid`` -> one row per parameter set, checked, in PyRates' order."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..models.memory import check_memory

#: bytes a parameter set costs besides its records, about (measured: bind_grid holds 188 bytes a
#: set at its peak for one column; the frames and features built after it add to that)
BYTES_PER_SET = 512
#: the largest integer magnitude from which float64 holds every integer exactly
MAX_EXACT_INTEGER = 2**53


def make_grid(param_grid, permute_grid: bool = False) -> pd.DataFrame:
    """The parameter sets of a sweep as a new DataFrame, one row per set, one column per key.

    A dict is traversed pairwise (all lists of one length) or, with ``permute_grid=True``, as every
    combination in PyRates' order (``np.meshgrid`` with 'xy' indexing, stacked on the last axis:
    for two keys the first varies fastest). A DataFrame is used row by row as it is; its index
    labels name the sets. The caller's object is never modified.
    """
    if not isinstance(permute_grid, (bool, np.bool_)):
        # a string such as "False" or "no" is truthy: it would mean every combination
        raise TypeError(f"permute_grid must be True or False; received {permute_grid!r}")
    if isinstance(param_grid, pd.DataFrame):
        grid = param_grid          # only read: its values are copied below, its index shared
        if permute_grid:
            raise ValueError("permute_grid=True needs param_grid as a dict of value lists; "
                             "received a DataFrame, whose rows are already the parameter sets")
        if grid.columns.has_duplicates:
            raise ValueError(f"param_grid has duplicate columns: {list(grid.columns)}")
        if grid.index.has_duplicates:
            raise ValueError("param_grid's index labels name the parameter sets and must be unique; "
                             f"received duplicates {list(grid.index[grid.index.duplicated()])}")
        values = {str(key): _as_values(grid[key].to_numpy(), key) for key in grid.columns}
    elif isinstance(param_grid, Mapping):
        values = {key: _as_values(value, key) for key, value in param_grid.items()}
    else:
        raise TypeError("param_grid must be a dict of value lists or a pandas DataFrame; "
                        f"received {type(param_grid).__name__}")
    if not values and isinstance(param_grid, pd.DataFrame) and len(grid.index) == 1:
        return pd.DataFrame(index=grid.index)   # one set of the template's own values (run())
    if not values:
        raise ValueError("param_grid is empty; expected at least one parameter with values")
    lengths = {key: len(v) for key, v in values.items()}
    if 0 in lengths.values():
        empty = [key for key, n in lengths.items() if n == 0]
        raise ValueError(f"param_grid[{empty[0]!r}] is empty; expected at least one value")
    check_sets_fit(values, permute_grid)
    if isinstance(param_grid, pd.DataFrame):
        return pd.DataFrame(values, index=grid.index)
    if permute_grid:
        arrays = list(values.values())
        combos = np.stack(np.meshgrid(*arrays), -1).reshape(-1, len(arrays))
        return pd.DataFrame(combos, columns=list(values))
    if len(set(lengths.values())) > 1:
        raise ValueError("param_grid lists must have one length to be traversed pairwise; "
                         f"received lengths {lengths}. Pass permute_grid=True for every "
                         "combination")
    return pd.DataFrame(values)


def check_sets_fit(values: dict, permute_grid: bool) -> None:
    """Refuse, before the sets are made, a grid whose sets cannot all be held: each costs
    about ``BYTES_PER_SET`` (its label, its row of the grid and of the mapped parameters, its
    noise stream, its features and divergence flag) and 16 bytes per column."""
    lengths = [len(v) for v in values.values()]
    n_sets = math.prod(lengths) if permute_grid else max(lengths)
    shown = (f"{' x '.join(map(str, lengths))} = {n_sets} parameter sets with permute_grid=True"
             if permute_grid else f"{n_sets} parameter sets")
    check_memory(float(n_sets) * (BYTES_PER_SET + 16 * len(lengths)), f"param_grid ({shown})",
                 "Sweep fewer sets per call (several calls, each with its own store).")


def _as_values(value, key) -> np.ndarray:
    """One grid entry as a new 1-D real array (ints kept as int64), finite."""
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
        raise TypeError(f"param_grid[{key!r}] must be a sequence of numbers; received "
                        f"{type(value).__name__} {value!r}")
    try:
        array = np.array(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"param_grid[{key!r}] must be a sequence of numbers: {exc}") from None
    if array.ndim != 1:
        raise ValueError(f"param_grid[{key!r}] must be one-dimensional; received shape {array.shape}")
    if array.dtype.kind == "b":
        raise TypeError(f"param_grid[{key!r}] must hold real numbers; received booleans")
    if array.dtype.kind == "O":   # Python objects: numbers only (NumPy would parse strings)
        odd = [v for v in array if isinstance(v, (bool, np.bool_))
               or not isinstance(v, numbers.Real)]
        if odd:
            raise TypeError(f"param_grid[{key!r}] must hold real numbers; received "
                            f"{type(odd[0]).__name__} {odd[0]!r}")
        if all(isinstance(v, numbers.Integral) for v in array):
            _check_exact(array, key)
            array = array.astype(np.int64)
    if array.dtype.kind not in "iufO":   # strings, bytes, dates, ...
        raise TypeError(f"param_grid[{key!r}] must hold real numbers; received dtype "
                        f"{array.dtype}" + (f" ({array[0]!r}, ...)" if len(array) else ""))
    if array.dtype.kind in "iu":
        _check_exact(array, key)
    array = array.astype(np.int64 if array.dtype.kind in "iu" else np.float64)
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)][0]
        raise ValueError(f"param_grid[{key!r}] must be finite; received {bad}")
    return array


def _check_exact(array: np.ndarray, key) -> None:
    """Integers the kernel's float64 holds exactly: |v| <= 2**53 (and no unsigned wrap-around)."""
    if array.dtype.kind == "O":
        big = [int(v) for v in array if abs(int(v)) > MAX_EXACT_INTEGER]
    else:   # compared in the array's own integer type: no conversion that could wrap
        big = array[(array > MAX_EXACT_INTEGER) | (array < -MAX_EXACT_INTEGER)].tolist() \
            if array.dtype.kind == "i" else array[array > MAX_EXACT_INTEGER].tolist()
    if big:
        raise ValueError(f"param_grid[{key!r}] holds the integer {big[0]}, which float64 (the "
                         f"kernel's arithmetic) cannot hold exactly; integers up to 2**53 = "
                         f"{MAX_EXACT_INTEGER} in magnitude are accepted (or pass floats)")


def set_labels(grid: pd.DataFrame, template_name: str, from_dataframe: bool) -> list[str]:
    """``f"{template_name}_{label}"`` for each set: 0, 1, ... or the DataFrame's own labels,
    which must stay distinct as text (``1`` and ``"1"`` would both name ``JRC2_1``)."""
    labels = grid.index if from_dataframe else range(len(grid))
    names = [f"{template_name}_{label}" for label in labels]
    if len(set(names)) < len(names):
        seen: dict[str, object] = {}
        for label, name in zip(labels, names, strict=True):
            if name in seen:
                raise ValueError(f"param_grid's index labels {seen[name]!r} and {label!r} both "
                                 f"name the parameter set {name!r}; labels must differ as text")
            seen[name] = label
    return names
