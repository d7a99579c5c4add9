"""One ``grid_search`` call, validated into one immutable :class:`SweepSpec`.

Every engine (in memory, into a store, on Dask or an executor) takes the spec whole; a store's
fingerprint and attributes are read from it. The settings each block integrates with are its
:class:`BlockSettings`, the part a task sends to another process (never the whole grid or inputs).
Validation runs in the order the arguments are documented, so the first wrong one is named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _integrate
from ..analysis.features import Feature, check_features
from ..analysis.result import initial_state_array
from ..models.base import CompiledModel, PreparedSweep, Stepping
from ..models.inputs import align_inputs
from ..models.mapping import initial_values, map_parameters, with_initial_values
from ..models.recognise import compiled_model
from ..models.timing import TimeGrid, as_python_float, make_time_grid
from ..noise import set_streams
from .grid import make_grid, set_labels
from .pyrates_keywords import check_pyrates_keywords
from .scipy_solver import AdaptivePlan, Tolerances, check_tolerances, held_inputs, warn_float32_overflow
from .scipy_solver import plan as plan_adaptive

SOLVERS = (*_integrate.SOLVERS, "scipy")
PRECISIONS = ("float32", "float64")
#: most kernel threads accepted (results are the same for any number)
MAX_THREADS = 1024


@dataclass(frozen=True, eq=False)
class BlockSettings:
    """What every block of a sweep is integrated with, the same for each set."""

    timeline: TimeGrid
    record: np.ndarray               # the recorded state/output rows, in ``outputs`` order
    output_names: list[str]
    solver: str
    dt: float
    compute_precision: str
    want_final: bool
    features: dict[str, Feature]
    adaptive: AdaptivePlan | None    # solver="scipy": the plan every set follows

    @property
    def stepping(self) -> Stepping:
        """How the model steps each block (what :meth:`PreparedSweep.run` takes)."""
        t = self.timeline
        return Stepping(self.solver, self.dt, t.n_steps, t.every, t.first,
                        self.compute_precision, self.adaptive)


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """A validated ``grid_search`` call: what was asked (as given where a store records it) and
    the arrays derived from it that the kernels take."""

    template: str                    # a name, or ``file:name`` of a template object
    model: CompiledModel
    grid: pd.DataFrame
    labels: list[str]
    param_map: Mapping[str, Any]
    outputs: dict[str, str]
    inputs: Mapping[str, Any] | None
    step_size: float
    simulation_time: float
    sampling_step_size: float | None
    cutoff: float
    float_precision: str
    tolerances: Tolerances | None
    permute_grid: bool
    keep_timeseries: bool
    store: str | os.PathLike[str] | None
    resume: bool
    threads: int                     # kernel threads asked for (a pool may share cores out)
    values_dtype: str                # of the recorded values (float64 for solver="scipy")
    settings: BlockSettings
    prepared: PreparedSweep          # the mapped parameters of every set
    channels: list                   # one input array or Noise per model input
    y_init: np.ndarray | None
    streams: np.ndarray              # each set's noise stream

    @property
    def n_sets(self) -> int:
        return len(self.grid)

    @property
    def solver(self) -> str:
        return self.settings.solver

    @property
    def compute_precision(self) -> str:
        return self.settings.compute_precision

    @property
    def return_final_state(self) -> bool:
        return self.settings.want_final


def make_spec(circuit_template, param_grid, param_map, step_size, simulation_time, outputs, inputs,
              sampling_step_size, permute_grid, *, cutoff, solver, float_precision, n_threads,
              compute_precision, features, keep_timeseries, store, resume, initial_state,
              return_final_state, client, executor, method, rtol, atol,
              pyrates_keywords) -> SweepSpec:
    """Check every argument of ``grid_search`` (see there) and derive the kernels' arrays."""
    check_pyrates_keywords(pyrates_keywords)
    _check_choices(solver, float_precision, compute_precision, keep_timeseries, resume,
                   return_final_state, store)
    tolerances = check_tolerances(solver, method, rtol, atol)
    threads = resolve_n_threads(n_threads)
    if (client is not None or executor is not None) and keep_timeseries and store is None:
        raise ValueError("client=/executor= run blocks on other processes, which write time "
                         "series to a store rather than send them back: pass store=PATH, or "
                         "keep_timeseries=False with features={...}")
    timeline = make_time_grid(simulation_time, step_size, sampling_step_size, cutoff)
    step_size = as_python_float(step_size)   # checked above; a NumPy float32 as its decimal

    model = compiled_model(circuit_template)
    _check_model_precision(model, solver, compute_precision)
    grid = make_grid(param_grid, permute_grid)
    labels = set_labels(grid, model.name, from_dataframe=not isinstance(param_grid, Mapping))
    params, constants, swept = map_parameters(model, grid, param_map)
    channels = align_inputs(inputs, list(model.inputs), constants, swept, timeline.n_steps, len(grid))
    held_precision = float_precision if model.holds_float32_parameters else "float64"
    if tolerances is not None:
        warn_float32_overflow(params, list(model.parameters), labels, held_precision)
        channels = held_inputs(channels, list(model.inputs), float_precision)
    record = record_indices(outputs, model.recordables)
    output_names = list(outputs)
    checked_features = check_features(features, output_names, [str(c) for c in grid.columns])
    prepared = model.prepare(params, float(step_size))
    if solver == "scipy" and prepared.adaptive_refusal:
        raise ValueError(prepared.adaptive_refusal)
    y_init = with_initial_values(
        initial_state_array(initial_state, prepared.state_names, len(grid)), prepared.state_names,
        initial_values(model, grid, param_map, initial_state_given=initial_state is not None))
    settings = BlockSettings(
        timeline=timeline, record=record, output_names=output_names, solver=solver,
        dt=float(step_size), compute_precision=compute_precision, want_final=return_final_state,
        features=checked_features, adaptive=None if tolerances is None else plan_adaptive(
            timeline, float(step_size), tolerances, held_precision))
    return SweepSpec(
        template=template_name(circuit_template), model=model, grid=grid, labels=labels,
        param_map=param_map, outputs=dict(outputs), inputs=inputs, step_size=step_size,
        simulation_time=simulation_time, sampling_step_size=sampling_step_size, cutoff=cutoff,
        float_precision=float_precision, tolerances=tolerances, permute_grid=permute_grid,
        keep_timeseries=keep_timeseries, store=store, resume=resume, threads=threads,
        # PyRates' solve_ivp integrates and returns float64 whatever float_precision (which there
        # sets how the parameters are held; see csweep.models.jrc2_column.adaptive_coefficients)
        values_dtype="float64" if solver == "scipy" else float_precision,
        settings=settings, prepared=prepared, channels=channels, y_init=y_init,
        streams=set_streams(grid.index))


def _check_choices(solver, float_precision, compute_precision, keep_timeseries, resume,
                   return_final_state, store) -> None:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(map(repr, SOLVERS))}; received {solver!r}")
    if float_precision not in PRECISIONS:
        raise ValueError(f"float_precision must be 'float32' or 'float64'; received "
                         f"{float_precision!r}")
    if compute_precision not in PRECISIONS:
        raise ValueError(f"compute_precision must be 'float64' or 'float32'; received "
                         f"{compute_precision!r}")
    for name, flag in (("keep_timeseries", keep_timeseries), ("resume", resume),
                       ("return_final_state", return_final_state)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; received {flag!r}")
    if store is not None and (not isinstance(store, (str, os.PathLike)) or not os.fspath(store)):
        raise (ValueError if isinstance(store, (str, os.PathLike)) else TypeError)(
            f"store must be the path of a folder (str or os.PathLike); received {store!r}")
    if resume and store is None:
        raise ValueError("resume=True continues a sweep written to a store; pass store=PATH")


def _check_model_precision(model: CompiledModel, solver: str, compute_precision: str) -> None:
    if compute_precision not in model.compute_precisions:
        raise ValueError(f"compute_precision={compute_precision!r} is not available for the "
                         f"{model.name} template; its kernel computes in "
                         f"{' or '.join(model.compute_precisions)}")
    if solver == "scipy" and compute_precision != "float64":
        raise ValueError("solver='scipy' computes in float64; drop compute_precision='float32'")


def template_name(template) -> str:
    if isinstance(template, (str, os.PathLike)):
        return os.fspath(template)
    # a template object; a store's resume compares its definition through the model's
    # fingerprint (csweep.circuits.fingerprint), so the name here is only the store's title
    return f"{template.file}:{template.name}"


def resolve_n_threads(n_threads) -> int:
    """None or -1 -> every core (OpenMP's default), a positive int -> itself."""
    if n_threads is None or (isinstance(n_threads, (int, np.integer)) and n_threads == -1):
        return max(1, _integrate.max_threads() if _integrate.openmp_enabled() else os.cpu_count() or 1)
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 1:
        raise ValueError(f"n_threads must be None, -1 or a positive integer; received {n_threads!r}")
    if n_threads > MAX_THREADS:   # GNU OpenMP aborts or crashes when it cannot make the threads
        raise ValueError(f"n_threads must be at most {MAX_THREADS}; received {n_threads} (this "
                         f"machine has {os.cpu_count()} cores)")
    return int(n_threads)


def record_indices(outputs, recordables: tuple[str, ...]) -> np.ndarray:
    if not isinstance(outputs, Mapping) or not outputs:
        raise TypeError("outputs must be a non-empty dict of name -> 'node/op/var'; received "
                        f"{outputs!r}")
    indices = []
    for name, path in outputs.items():
        if not isinstance(name, str):
            raise TypeError(f"outputs: names must be strings; received {name!r}")
        if path not in recordables:
            raise KeyError(f"outputs[{name!r}]: unknown path {path!r}; expected one of "
                           f"{', '.join(recordables)}")
        indices.append(recordables.index(path))
    return np.array(indices, dtype=np.intc)
