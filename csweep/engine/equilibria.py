"""``csweep.equilibria`` and ``csweep.bifurcations``: every equilibrium of every parameter set,
its stability, and the folds and Hopf points along a parameter, without integrating.

The call reads like :func:`csweep.grid_search`'s: a template, a ``param_grid`` and a
``param_map`` checked by the same code (:func:`csweep.engine.grid.make_grid`,
:func:`csweep.models.mapping.map_parameters`), with the same messages. The model's rest
equations (:mod:`csweep.models.fixed_points`) are solved for all sets at once
(:mod:`csweep.analysis.rest_points`).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.rest_points import critical_points, describe, equilibrium_roots, solve
from ..models.fixed_points import RestSystem, rest_system
from ..models.mapping import map_parameters, resolve
from ..models.recognise import compiled_model
from .grid import make_grid
from .spec import resolve_n_threads

__all__ = ["equilibria", "bifurcations"]


def equilibria(circuit_template: Any, param_grid: Mapping[str, Any] | pd.DataFrame,
               param_map: Mapping[str, Mapping[str, Any]], permute_grid: bool = False, *,
               scan_points: int = 256, eigenvalues: bool = True, starts: int = 256,
               n_threads: int | None = None) -> pd.DataFrame:
    """Every equilibrium of every parameter set, its state, eigenvalues and stability.

    Parameters
    ----------
    circuit_template, param_grid, param_map, permute_grid
        As in :func:`csweep.grid_search` (``param_map`` may not set initial values: equilibria
        do not depend on them).
    scan_points : int
        Points of the scan that brackets the roots of the one-dimensional rest equation (see
        :doc:`/bifurcations`); a root pair closer than one cell of it is missed.
    eigenvalues : bool
        Give the Jacobian's eigenvalues. False leaves them out and, for the lumped column, tells
        ``stable`` by the Routh-Hurwitz test on its characteristic polynomial instead (half the
        time of the call with them).
    starts : int
        For networks that no single node reduces to one equation: Newton starts per set.
    n_threads : int, optional
        Threads solving blocks of sets (None or -1: every core, as in ``grid_search``).

    Returns
    -------
    DataFrame
        One row per (set, equilibrium), indexed by ``(set, equilibrium)`` (the set's label in
        the grid, the equilibrium's rank by ``potential``); columns: the grid's parameters,
        ``potential`` (the summed synaptic potential of the node the equations reduce to: the
        pyramidal ``V_e - V_i`` of a Jansen-Rit column), each state variable by path (the
        ``outputs`` paths of ``grid_search``), ``stable`` (every eigenvalue's real part < 0;
        NA for networks with delayed edges, whose stability the delay-free Jacobian does not
        tell) and ``eigenvalue_0``, ... (complex, by falling real part).
    """
    model, grid, system = _rest_of(circuit_template, param_grid, param_map, permute_grid)
    _check_count(scan_points, "scan_points", 8)
    _check_count(starts, "starts", 1)
    set_index, V, info = solve(system, scan_points, starts=starts, eigenvalues=eigenvalues,
                               n_threads=resolve_n_threads(n_threads))
    return _frame(model, grid, system, set_index, V, info)


def _rest_of(circuit_template, param_grid, param_map, permute_grid=False):
    model = compiled_model(circuit_template)
    grid = make_grid(param_grid, permute_grid)
    return model, grid, _system(model, grid, param_map)


def _system(model, grid: pd.DataFrame, param_map) -> RestSystem:
    pmap = resolve(model, param_map)
    pmap.check_keys(grid.columns)
    for key, states in pmap.state_keys.items():
        raise ValueError(f"param_map[{key!r}] sets the initial value of {states[0]} (a state "
                         "variable); equilibria do not depend on initial values: leave it out")
    params, constants = map_parameters(model, grid, pmap)
    return rest_system(model, params, constants)


def _check_count(value, name: str, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}; received {value!r}")


def _frame(model, grid: pd.DataFrame, system: RestSystem, set_index, V, info) -> pd.DataFrame:
    labels = grid.index[set_index]
    rank = np.arange(len(set_index)) - np.searchsorted(set_index, set_index)
    index = pd.MultiIndex.from_arrays([labels, rank], names=["set", "equilibrium"])
    cut = 0 if system.cut is None else system.cut
    columns: dict[str, Any] = {key: grid[key].to_numpy()[set_index] for key in grid.columns}
    columns["potential"] = V[cut]
    columns.update({path: info["states"][:, k] for k, path in enumerate(model.states)})
    stable = pd.array(info["stable"], dtype="boolean")
    if system.delayed:
        stable[:] = pd.NA
    columns["stable"] = stable
    if "eigenvalues" in info:
        values = info["eigenvalues"]
        columns.update({f"eigenvalue_{k}": values[:, k] for k in range(values.shape[1])})
    return pd.DataFrame(columns, index=index)


def bifurcations(circuit_template: str | os.PathLike[str] | Any,
                 parameter: Mapping[str, tuple[float, float]],
                 param_grid: Mapping[str, Any] | pd.DataFrame | None = None,
                 param_map: Mapping[str, Mapping[str, Any]] | None = None,
                 permute_grid: bool = False, *, points: int = 400,
                 scan_points: int = 256) -> pd.DataFrame:
    """The folds and Hopf points of the equilibria along one parameter, for each set of the
    other parameters' grid.

    Parameters
    ----------
    circuit_template : str or template
        As in :func:`csweep.grid_search`.
    parameter : dict
        ``{key: (low, high)}``: the param_map key to vary and its range.
    param_grid : dict or DataFrame, optional
        The other parameters' sets (none: the template's values); with a second parameter, the
        rows of the result trace the fold and Hopf curves of the plane.
    param_map : dict
        Grid key -> ``{"vars": [...], "nodes": [...]}``, for ``parameter``'s key and every key
        of ``param_grid``.
    points : int
        Samples of the parameter range on which changes are detected: a fold pair or Hopf pair
        closer than one sample apart is missed. Each change is then refined by bisection on the
        parameter to 1e-12 of the range.

    Returns
    -------
    DataFrame
        One row per point: the other parameters, ``kind`` ("fold" or "hopf"), ``value`` (the
        parameter's value, also under the parameter's own name), ``frequency`` (Hz, of the
        Hopf point's eigenvalue pair; NaN at folds), ``potential`` and the state variables
        at the point (as in :func:`equilibria`).
        Sorted by set and value. With delayed edges only folds are reported (a warning says so).
    """
    key, low, high = _parameter(parameter)
    _check_count(points, "points", 3)
    _check_count(scan_points, "scan_points", 8)
    if param_map is None or not isinstance(param_map, Mapping) or key not in param_map:
        raise KeyError(f"param_map must map the parameter {key!r} (and every param_grid key) to "
                       f"{{'vars': [...], 'nodes': [...]}}; received {param_map!r}")
    model = compiled_model(circuit_template)
    other = (pd.DataFrame(index=pd.RangeIndex(1)) if param_grid is None
             else make_grid(param_grid, permute_grid))
    if key in other.columns:
        raise ValueError(f"param_grid must not hold the parameter {key!r}: bifurcations varies "
                         f"it over {(low, high)}")
    sweep = _Sweep(model, other, key, param_map, scan_points)
    probe = sweep.system(np.array([low]), np.array([0]))
    if probe.cut is None:
        raise ValueError(f"the {model.name} template's rest equations do not reduce to one "
                         "equation in one node's potential (it has feedback loops through "
                         "more than one node), which bifurcations needs; csweep.equilibria "
                         "finds its equilibria by Newton's method")
    values = np.linspace(low, high, points)
    found = [sweep.folds(values)]
    if probe.delayed:
        warnings.warn(f"the {model.name} template has delayed edges: its Hopf points depend on "
                      "the delays, which the rest equations do not hold; folds only",
                      UserWarning, stacklevel=2)
    else:
        found.append(sweep.hopfs(values))
    return sweep.frame(found)


def _parameter(parameter) -> tuple[str, float, float]:
    if not isinstance(parameter, Mapping) or len(parameter) != 1:
        raise TypeError("parameter must be a dict of one param_map key -> (low, high), such as "
                        f"{{'u': (-60, 420)}}; received {parameter!r}")
    (key, span), = parameter.items()
    try:
        low, high = (float(x) for x in span)
    except (TypeError, ValueError):
        raise TypeError(f"parameter[{key!r}] must be (low, high); received {span!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"parameter[{key!r}] must be finite with low < high; received {span!r}")
    return str(key), low, high


class _Sweep:
    """One bifurcation call: systems at any parameter values for any of the other sets."""

    def __init__(self, model, other: pd.DataFrame, key: str, param_map, scan_points: int):
        self.model, self.other, self.key = model, other, key
        self.param_map, self.scan_points = param_map, scan_points
        self.low_high = (0.0, 1.0)

    def system(self, values: np.ndarray, rows: np.ndarray) -> RestSystem:
        grid = self.other.iloc[rows].reset_index(drop=True)
        grid[self.key] = values
        return _system(self.model, grid, self.param_map)

    def _sample(self, values):
        n_other, n_points = len(self.other), len(values)
        self.low_high = (values[0], values[-1])
        rows = np.repeat(np.arange(n_other), n_points)
        return rows, np.tile(values, n_other)

    def folds(self, values) -> dict:
        """Folds: a critical point of ``F`` whose value changes sign between two samples."""
        rows, p = self._sample(values)
        system = self.system(p, rows)
        sets, y = critical_points(system, self.scan_points)
        g = system.take(sets).residual(y, derivative=False)[0]
        first, second = _pairs(sets, len(values), len(p))
        change = (g[first] > 0) != (g[second] > 0)
        first, second = first[change], second[change]
        brackets = (p[sets[first]], p[sets[second]], y[first], y[second], rows[sets[first]])

        def sign(system_mid, target):
            s, y_c = critical_points(system_mid, self.scan_points)
            y_c = _nearest(s, y_c, target, system_mid.n_sets)
            return system_mid.residual(y_c, derivative=False)[0] > 0, y_c

        return self._refine("fold", brackets, g[first] > 0, sign)

    def hopfs(self, values) -> dict:
        """Hopf points: the count of complex eigenvalues with positive real part changes along a
        branch (roots matched by rank between samples with as many roots)."""
        rows, p = self._sample(values)
        system = self.system(p, rows)
        sets, V, rate = equilibrium_roots(system, self.scan_points)
        count = _complex_unstable(describe(system, sets, V, rate)["eigenvalues"])
        first, second = _pairs(sets, len(values), len(p))
        change = count[first] != count[second]
        first, second = first[change], second[change]
        y = V[system.cut]
        brackets = (p[sets[first]], p[sets[second]], y[first], y[second], rows[sets[first]])

        def sign(system_mid, target):
            s, V_mid, rate_mid = equilibrium_roots(system_mid, self.scan_points)
            pick = _nearest_index(s, V_mid[system_mid.cut], target, system_mid.n_sets)
            n = _complex_unstable(describe(system_mid, s[pick], V_mid[:, pick],
                                           rate_mid[:, pick])["eigenvalues"])
            return n == start_count, V_mid[system_mid.cut, pick]

        start_count = count[first]
        return self._refine("hopf", brackets, np.ones(len(first), bool), sign)

    def _refine(self, kind, brackets, start_sign, sign) -> dict:
        """Bisection on the parameter until the brackets are 1e-12 of the range wide."""
        a, b, y_a, y_b, rows = brackets
        tolerance = 1e-12 * (self.low_high[1] - self.low_high[0])
        y = 0.5 * (y_a + y_b)
        while len(a) and np.max(b - a) > tolerance:
            mid = 0.5 * (a + b)
            target = y_a + (y_b - y_a) * 0.5
            same, y = sign(self.system(mid, rows), target)
            keep_left = same == start_sign
            a, b = np.where(keep_left, mid, a), np.where(keep_left, b, mid)
            y_a, y_b = np.where(keep_left, y, y_a), np.where(keep_left, y_b, y)
        return {"kind": kind, "value": 0.5 * (a + b), "rows": rows, "y": 0.5 * (y_a + y_b)}

    def frame(self, found: list[dict]) -> pd.DataFrame:
        parts = []
        for part in found:
            if not len(part["value"]):
                continue
            parts.append(self._describe(part))
        value = [] if self.key == "value" else ["value"]
        columns = [*self.other.columns, "kind", *value, self.key, "frequency", "potential",
                   *self.model.states]
        if not parts:
            return pd.DataFrame(columns=columns)
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.sort_values(["_row", self.key], kind="stable").drop(columns="_row")
        return frame.reset_index(drop=True)[columns]

    def _describe(self, part: dict) -> pd.DataFrame:
        rows, value, y = part["rows"], part["value"], part["y"]
        system = self.system(value, rows)
        _, _, V, rate = (np.array(x) for x in system.residual(y))
        info = describe(system, np.arange(len(rows)), V, rate)
        frequency = np.full(len(rows), np.nan)
        keep = np.ones(len(rows), bool)
        if part["kind"] == "hopf":
            ev = info["eigenvalues"]
            nearest = np.argmin(np.where(ev.imag != 0, np.abs(ev.real), np.inf), axis=1)
            pair = ev[np.arange(len(rows)), nearest]
            frequency = np.abs(pair.imag) / (2 * np.pi)
            # a crossing pair, not a pair meeting on the real axis (where the count of
            # complex eigenvalues with positive real part changes too)
            scale = np.abs(ev).max(axis=1)
            keep = (np.abs(pair.real) <= 1e-6 * scale) & (np.abs(pair.imag) > 1e-6 * scale)
        columns: dict[str, Any] = {c: self.other[c].to_numpy()[rows] for c in self.other.columns}
        columns.update({"kind": part["kind"], "value": value, self.key: value,
                        "frequency": frequency,
                        "potential": y, "_row": rows})
        columns.update({path: info["states"][:, k] for k, path in enumerate(self.model.states)})
        return pd.DataFrame(columns)[keep]


def _pairs(sets: np.ndarray, n_points: int, n_sets: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of points with the same rank in consecutive samples of one other set,
    where both samples hold as many points."""
    counts = np.bincount(sets, minlength=n_sets)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(sets)) - start[sets]
    nxt = sets + 1
    ok = ((nxt % n_points) != 0) & (nxt < n_sets)
    ok[ok] &= counts[sets[ok]] == counts[nxt[ok]]
    first = np.flatnonzero(ok)
    return first, start[nxt[first]] + rank[first]


def _complex_unstable(eigenvalues: np.ndarray) -> np.ndarray:
    return np.sum((eigenvalues.real > 0) & (eigenvalues.imag != 0), axis=1)


def _nearest_index(sets, y, target, n_sets) -> np.ndarray:
    """For each set 0..n_sets-1, the index of its point nearest ``target[set]``."""
    distance = np.abs(y - target[sets])
    order = np.lexsort((distance, sets))
    first = np.searchsorted(sets[order], np.arange(n_sets))
    return order[np.minimum(first, len(order) - 1)]   # (every set has a point)


def _nearest(sets, y, target, n_sets) -> np.ndarray:
    return y[_nearest_index(sets, y, target, n_sets)]
