"""A sweep's arguments, validated in two steps: everything but the grid once, into a
:class:`SweepSetup` (what a :class:`csweep.Sweep` holds), then each grid it runs, into a
:class:`SweepSpec` (:func:`bind_grid`).

The block runner (:mod:`csweep.engine.runner`) is built from a spec; a store's fingerprint and
attributes are read from it. The settings each block integrates with are its
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

from .. import _runtime
from ..analysis.features import Feature, check_features
from ..analysis.result import initial_state_array
from ..models.adaptive import AdaptivePlan, Tolerances, held_inputs, warn_float32_overflow
from ..models.adaptive import plan as plan_adaptive
from ..models.base import CompiledModel, PreparedSweep, Stepping
from ..models.inputs import align_inputs, check_inputs, mapped_keys, noise_keys, with_noise_values
from ..models.mapping import ParameterMap, initial_values, map_parameters, resolve, with_initial_values
from ..models.recognise import compiled_model
from ..models.timing import TimeGrid, as_python_float, make_time_grid
from ..noise import set_streams
from .adaptive_call import check_tolerances
from .grid import make_grid, set_labels
from .pyrates_keywords import check_pyrates_keywords

SOLVERS = (*_runtime.SOLVERS, "scipy")
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
class SweepSetup:
    """A validated call of everything but the grid: what a :class:`csweep.Sweep` holds and runs
    any number of grids with. Arrays derived here (the model, the checked inputs, the block
    settings) are shared by every run."""

    template: str                    # a name, or ``file:name`` of a template object
    model: CompiledModel
    param_map: Mapping[str, Any]
    pmap: ParameterMap               # param_map resolved against the model
    outputs: dict[str, str]
    inputs: Mapping[str, Any] | None
    checked_inputs: dict[str, Any]   # input path -> float64 (n_steps, cols) array or Noise
    step_size: float
    simulation_time: float
    sampling_step_size: float | None
    cutoff: float
    float_precision: str
    held_precision: str              # how solver="scipy" holds the parameters
    tolerances: Tolerances | None
    keep_timeseries: bool
    threads: int                     # kernel threads asked for (a pool may share cores out)
    values_dtype: str                # of the recorded values (float64 for solver="scipy")
    settings: BlockSettings
    initial_state: Any

    @property
    def solver(self) -> str:
        return self.settings.solver


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


def make_setup(circuit_template, param_map, step_size, simulation_time, outputs, inputs,
               sampling_step_size, *, cutoff, solver, float_precision, n_threads,
               compute_precision, features, keep_timeseries, initial_state, return_final_state,
               method, rtol, atol, pyrates_keywords) -> SweepSetup:
    """Check every argument of ``grid_search`` but the grid and the run's own (``store``,
    ``resume``, ``client``, ``executor``; see there), and derive what every grid's run shares."""
    check_pyrates_keywords(pyrates_keywords)
    _check_choices(solver, float_precision, compute_precision, keep_timeseries,
                   return_final_state)
    tolerances = check_tolerances(solver, method, rtol, atol)
    threads = resolve_n_threads(n_threads)
    timeline = make_time_grid(simulation_time, step_size, sampling_step_size, cutoff)
    step_size = as_python_float(step_size)   # checked above; a NumPy float32 as its decimal

    model = compiled_model(circuit_template)
    _check_model_precision(model, solver, compute_precision)
    pmap = resolve(model, param_map)
    checked_inputs = check_inputs(inputs, list(model.inputs), pmap.swept_inputs, timeline.n_steps)
    held_precision = float_precision if model.holds_float32_parameters else "float64"
    record = record_indices(outputs, model.recordables)
    output_names = list(outputs)
    settings = BlockSettings(
        timeline=timeline, record=record, output_names=output_names, solver=solver,
        dt=float(step_size), compute_precision=compute_precision, want_final=return_final_state,
        features=check_features(features, output_names, [*param_map, *noise_keys(inputs)]),
        adaptive=None if tolerances is None else plan_adaptive(
            timeline, float(step_size), tolerances, held_precision))
    return SweepSetup(
        template=template_name(circuit_template), model=model, param_map=param_map, pmap=pmap,
        outputs=dict(outputs), inputs=inputs, checked_inputs=checked_inputs,
        step_size=step_size, simulation_time=simulation_time,
        sampling_step_size=sampling_step_size, cutoff=cutoff, float_precision=float_precision,
        held_precision=held_precision, tolerances=tolerances, keep_timeseries=keep_timeseries,
        threads=threads,
        # PyRates' solve_ivp integrates and returns float64 whatever float_precision (which there
        # sets how the parameters are held; see csweep.models.jrc2_column.adaptive_coefficients)
        values_dtype="float64" if solver == "scipy" else float_precision,
        settings=settings, initial_state=initial_state)


def bind_grid(setup: SweepSetup, param_grid, permute_grid, *, store, resume, client,
              executor) -> SweepSpec:
    """One run of ``setup``: its grid checked and mapped to the kernels' arrays."""
    _check_run(setup.keep_timeseries, store, resume, client, executor)
    model, pmap = setup.model, setup.pmap
    grid = make_grid(param_grid, permute_grid)
    labels = set_labels(grid, model.name, from_dataframe=not isinstance(param_grid, Mapping))
    pmap.check_keys(mapped_keys(grid, setup.param_map, setup.checked_inputs))
    params, constants = map_parameters(model, grid, pmap)    # reads param_map's keys only
    channels = with_noise_values(align_inputs(setup.checked_inputs, list(model.inputs),
                                              constants, pmap.swept_inputs, len(grid)), grid)
    if setup.tolerances is not None:
        warn_float32_overflow(params, list(model.parameters), labels, setup.held_precision)
        channels = held_inputs(channels, list(model.inputs), setup.float_precision)
    prepared = model.prepare(params, setup.settings.dt)
    if setup.solver == "scipy" and prepared.adaptive_refusal:
        raise ValueError(prepared.adaptive_refusal)
    starts = initial_values(grid, pmap, initial_state_given=setup.initial_state is not None)
    # the state's names only where a start is given (a network names them when asked)
    y_init = (None if setup.initial_state is None and not starts else with_initial_values(
        initial_state_array(setup.initial_state, prepared.state_names, len(grid)),
        prepared.state_names, starts))
    return SweepSpec(
        template=setup.template, model=model, grid=grid, labels=labels,
        param_map=setup.param_map, outputs=setup.outputs, inputs=setup.inputs,
        step_size=setup.step_size, simulation_time=setup.simulation_time,
        sampling_step_size=setup.sampling_step_size, cutoff=setup.cutoff,
        float_precision=setup.float_precision, tolerances=setup.tolerances,
        permute_grid=permute_grid, keep_timeseries=setup.keep_timeseries, store=store,
        resume=resume, threads=setup.threads, values_dtype=setup.values_dtype,
        settings=setup.settings, prepared=prepared, channels=channels, y_init=y_init,
        streams=set_streams(grid.index))


def _check_run(keep_timeseries, store, resume, client, executor) -> None:
    if not isinstance(resume, (bool, np.bool_)):
        raise TypeError(f"resume must be True or False; received {resume!r}")
    if store is not None and (not isinstance(store, (str, os.PathLike)) or not os.fspath(store)):
        raise (ValueError if isinstance(store, (str, os.PathLike)) else TypeError)(
            f"store must be the path of a folder (str or os.PathLike); received {store!r}")
    if resume and store is None:
        raise ValueError("resume=True continues a sweep written to a store; pass store=PATH")
    if (client is not None or executor is not None) and keep_timeseries and store is None:
        raise ValueError("client=/executor= run blocks on other processes, which write time "
                         "series to a store rather than send them back: pass store=PATH, or "
                         "keep_timeseries=False with features={...}")


def _check_choices(solver, float_precision, compute_precision, keep_timeseries,
                   return_final_state) -> None:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(map(repr, SOLVERS))}; received {solver!r}")
    if float_precision not in PRECISIONS:
        raise ValueError(f"float_precision must be 'float32' or 'float64'; received "
                         f"{float_precision!r}")
    if compute_precision not in PRECISIONS:
        raise ValueError(f"compute_precision must be 'float64' or 'float32'; received "
                         f"{compute_precision!r}")
    for name, flag in (("keep_timeseries", keep_timeseries),
                       ("return_final_state", return_final_state)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; received {flag!r}")


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
        return max(1, _runtime.max_threads() if _runtime.openmp_enabled() else os.cpu_count() or 1)
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
