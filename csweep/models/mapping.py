"""``param_map`` + parameter sets -> per-set values of the kernel's parameters and inputs.

Each grid key names ``{"vars": ["op/var", ...], "nodes": ["node", ...]}``: the key's value of a set
is assigned to every listed variable on every listed node. A listed state variable (``jrc_op/V_e``,
``rpo_e_in/v``) takes the value as its initial value, the state at t = 0, as in PyRates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .base import CompiledModel, refuse_first_bad_set


@dataclass(frozen=True)
class ParameterMap:
    """A ``param_map`` resolved against a model once: each grid key -> the ``node/op/var`` paths
    it sets, and which of those are input variables (swept constants) or state variables
    (initial values). A sweep's grid is checked against it (:meth:`check_keys`) and mapped by
    :func:`map_parameters` and :func:`initial_values`, however many grids it runs."""

    paths: dict[str, list[str]]
    swept_inputs: frozenset[str]
    state_keys: dict[str, list[str]]     # grid key -> the state paths it gives initial values

    def check_keys(self, grid_keys) -> None:
        """Every grid key has an entry, and every entry a grid key (PyRates' rule)."""
        keys = [str(k) for k in grid_keys]
        missing = [k for k in keys if k not in self.paths]
        if missing:
            raise KeyError(f"param_grid key {missing[0]!r} has no entry in param_map; param_map "
                           f"has {', '.join(map(repr, self.paths)) or 'no keys'}")
        extra = [k for k in self.paths if k not in keys]
        if extra:
            raise KeyError(f"param_map key {extra[0]!r} is not a param_grid key; param_grid has "
                           f"{', '.join(map(repr, keys))}")


def resolve(model: CompiledModel, param_map) -> ParameterMap:
    """Check ``param_map`` against ``model`` and resolve each key to the paths it sets."""
    paths = resolve_param_map(model, param_map)
    swept = frozenset(p for ps in paths.values() for p in ps if p in model.inputs)
    states = {key: [p for p in ps if p in model.states] for key, ps in paths.items()}
    return ParameterMap(paths, swept, {k: v for k, v in states.items() if v})


def map_parameters(model: CompiledModel, grid: pd.DataFrame, pmap: ParameterMap) -> tuple[
        np.ndarray, np.ndarray]:
    """Per-set parameter rows ``(n_params, n_sets)`` and input constants ``(n_inputs, n_sets)``
    of ``grid``, whose keys :meth:`ParameterMap.check_keys` accepted."""
    n_sets = len(grid)
    parameters = list(model.parameters)
    inputs = list(model.inputs)
    params = np.empty((len(parameters), n_sets))
    params[:] = np.array(list(model.parameters.values()))[:, np.newaxis]
    constants = np.empty((len(inputs), n_sets))
    constants[:] = np.array(list(model.inputs.values()), dtype=float)[:, np.newaxis]

    for key, paths in pmap.paths.items():
        values = grid[key].to_numpy(dtype=np.float64)
        for path in paths:
            if path in model.parameters:
                params[parameters.index(path)] = values
            elif path in model.inputs:
                constants[inputs.index(path)] = values
            # else a state: see initial_values
    _check_limits(model, parameters, params, grid.index)
    return params, constants


def _check_limits(model: CompiledModel, parameters: list[str], params: np.ndarray,
                  labels: pd.Index) -> None:
    """Refuse the first parameter, in ``model.limits`` order, that a set gives a value outside
    its limit, naming the first such set (every limit checked in one pass first: a call's few
    sets would otherwise pay a pass per limited parameter)."""
    limits = list(model.limits.items())
    if not limits:
        return
    rows = params[[parameters.index(path) for path, _ in limits]]
    strict = np.array([s for _, (s, _) in limits])[:, np.newaxis]
    if not np.where(strict, rows <= 0, rows < 0).any():
        return
    for row, (path, (is_strict, what)) in zip(rows, limits, strict=True):
        refuse_first_bad_set(  # the message is made at once, inside this iteration
            row <= 0 if is_strict else row < 0,
            lambda k: f"{path} must be {'> 0' if is_strict else '>= 0'} ({what}); "  # noqa: B023
                      f"parameter set {labels[k]!r} gives {row[k]}")  # noqa: B023


def initial_values(grid: pd.DataFrame, pmap: ParameterMap,
                   initial_state_given: bool = False) -> dict[str, np.ndarray]:
    """The per-set initial values ``(n_sets,)`` a ``param_map`` gives state variables, by path.

    Refused with ``initial_state=`` (``initial_state_given``), which gives every state too.
    """
    found: dict[str, np.ndarray] = {}
    for key, paths in pmap.state_keys.items():
        if initial_state_given:
            raise ValueError(f"param_map[{key!r}] sets the initial value of {paths[0]}, which "
                             "initial_state= also gives (it holds every state variable): "
                             "ambiguous; give the initial value in one place only")
        values = grid[key].to_numpy(dtype=np.float64)
        for path in paths:
            found[path] = values
    return found


def with_initial_values(y_init: np.ndarray | None, state_names, values: dict) -> np.ndarray | None:
    """``y_init`` (or the rest state, zeros) with the rows of ``values`` (path -> ``(n_sets,)``,
    the initial values a ``param_map`` gave) set; ``y_init`` itself when there are none."""
    if not values:
        return y_init
    names = list(state_names)
    n_sets = len(next(iter(values.values())))
    start = np.zeros((len(names), n_sets)) if y_init is None else y_init.copy()
    for path, row in values.items():
        start[names.index(path)] = row
    return start


def resolve_param_map(model: CompiledModel, param_map) -> dict[str, list[str]]:
    """Each ``param_map`` key -> the ``node/op/var`` paths it sets, checked against ``model``."""
    if not isinstance(param_map, Mapping):
        raise TypeError(f"param_map must be a dict of grid key -> {{'vars': [...], 'nodes': "
                        f"[...]}}; received {type(param_map).__name__}")
    grid_keys = list(param_map)
    odd = [k for k in grid_keys if not isinstance(k, str)]
    if odd:
        raise TypeError(f"param_map keys must be strings (the param_grid keys); received {odd[0]!r}")
    settable = {**model.parameters, **model.inputs, **dict.fromkeys(model.states)}
    nodes = model.node_paths()
    resolved = {}
    for key in grid_keys:
        entry = param_map[key]
        where = f"param_map[{key!r}]"
        if not isinstance(entry, Mapping) or "vars" not in entry:
            raise TypeError(f"{where} must be a dict with 'vars' and 'nodes'; received {entry!r}")
        var_list = _string_list(entry["vars"], f"{where}['vars']")
        if "edges" in entry:
            if "nodes" in entry:
                raise ValueError(f"{where} has both 'nodes' and 'edges'; give one of them")
            resolved[key] = _edge_paths(model, entry["edges"], var_list, where)
            continue
        if "nodes" not in entry:
            raise KeyError(f"{where} needs 'nodes' (or 'edges'): what its variables belong to")
        node_list = _string_list(entry["nodes"], f"{where}['nodes']")
        paths = []
        for node in node_list:
            if node not in nodes:
                raise KeyError(f"{where}['nodes']: unknown node {node!r}; the {model.name} template "
                               f"has nodes {', '.join(map(repr, nodes))}")
            for var in var_list:
                path = f"{node}/{var}"
                if path in model.recordables and path not in settable:
                    raise KeyError(f"{where}['vars']: {var!r} on node {node!r} is computed from "
                                   "the state at every step, so it has no value of its own to set; "
                                   "set the parameters or initial states it is computed from")
                if path not in settable:
                    options = [p[len(node) + 1:] for p in settable if p.startswith(node + "/")]
                    raise KeyError(f"{where}['vars']: {var!r} is not a variable of node {node!r}; "
                                   f"expected 'op/var', one of {', '.join(options)}")
                paths.append(path)
        resolved[key] = paths
    return resolved


def _edge_paths(model: CompiledModel, edges, var_list: list[str], where: str) -> list[str]:
    """``(source, target)`` or ``(source, target, idx)`` edges -> their parameter paths."""
    if not model.edges:
        raise ValueError(f"{where}['edges']: the {model.name} template has no edges; use 'nodes'")
    if not isinstance(edges, (list, tuple)) or not edges:
        raise TypeError(f"{where}['edges'] must be a non-empty list of (source, target) or "
                        f"(source, target, idx); received {edges!r}")
    known = ", ".join(f"({s!r}, {t!r})" for s, t in dict.fromkeys(model.edges.values()))
    paths = []
    for edge in edges:
        if (not isinstance(edge, (list, tuple)) or len(edge) not in (2, 3)
                or not all(isinstance(part, str) for part in edge[:2])):
            raise TypeError(f"{where}['edges']: expected (source, target) or (source, target, idx); "
                            f"received {edge!r}")
        source, target, index = edge[0], edge[1], edge[2] if len(edge) == 3 else 0
        key = f"{source}->{target}#{index}"
        if key not in model.edges:
            raise KeyError(f"{where}['edges']: no edge {source!r} -> {target!r} (index {index}); "
                           f"the {model.name} template has edges {known}")
        for var in var_list:
            if f"{key}/{var}" not in model.parameters:
                raise KeyError(f"{where}['vars']: edges have 'weight', 'delay' and 'spread'; "
                               f"received {var!r}")
            paths.append(f"{key}/{var}")
    return paths


def _string_list(value, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{where} must be a non-empty list of strings; received {value!r}")
    return list(value)
