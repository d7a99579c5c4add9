"""``grid_search`` and :class:`Sweep`: PyRates' parameter-sweep call, run by csweep's compiled
kernel; a ``Sweep`` holds everything of the call but the grid, checked once, and runs any
number of grids."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.features import feature_frame
from ..analysis.result import (
    DivergenceWarning,
    SweepResult,
    cached_column_index,
    final_state_frame,
    results_frame,
    results_map_frame,
)
from ..models.divergence import user_stacklevel
from ..noise import Noise
from .adaptive_call import STATUS as adaptive_status
from .adaptive_call import stats_frame
from .blocks import check_block_size, check_fits, plan_block_size
from .cluster import gather, make_pool
from .progress import check_progress
from .runner import BlockRunner
from .spec import SweepSetup, SweepSpec, bind_grid, make_setup

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import pandas as pd

    from ..analysis.features import Feature
    from ..circuits.template_reader import Template

logger = logging.getLogger("csweep")

#: PyRates keywords accepted for drop-in compatibility; they do not change csweep's results.
COMPATIBILITY_KEYWORDS = ("backend", "vectorize", "verbose", "clear")


def grid_search(circuit_template: str | os.PathLike[str] | Template,
                param_grid: Mapping[str, Sequence[float] | np.ndarray] | pd.DataFrame,
                param_map: Mapping[str, Mapping[str, Any]], step_size: float,
                simulation_time: float, outputs: Mapping[str, str],
                inputs: Mapping[str, np.ndarray | Noise | float] | None = None,
                sampling_step_size: float | None = None, permute_grid: bool = False, *,
                cutoff: float = 0.0, solver: str = "euler", float_precision: str = "float32",
                backend: object = None, vectorize: object = True, verbose: bool = False,
                clear: object = True, n_threads: int | None = None,
                compute_precision: str = "float64",
                features: Mapping[str, Feature | Callable[..., Any]] | None = None,
                keep_timeseries: bool = True, store: str | os.PathLike[str] | None = None,
                resume: bool = False, block_size: int | None = None,
                progress: bool | Callable[[int, int], object] | None = None,
                initial_state: pd.DataFrame | np.ndarray | None = None,
                return_final_state: bool = False, client: Any = None, executor: Executor | None = None,
                method: str = "RK45", rtol: float | None = None,
                atol: float | None = None, **pyrates_keywords: Any) -> SweepResult:
    """Integrate a circuit once per parameter set and return PyRates-shaped frames.

    Parameters (PyRates' names and meanings)
    ----------------------------------------
    circuit_template : str or template
        ``"model_templates.neural_mass_models.jansenrit.JRC2"`` (PyRates' name, served by csweep's
        bundled template), ``"JRC2"``, ``"path/to/file.yaml:NAME"``, or a loaded template.
    param_grid : dict of sequences, or DataFrame
        A dict is traversed pairwise; with ``permute_grid=True`` every combination is run (for two
        keys the first varies fastest). A DataFrame gives one set per row, labelled by its index.
    param_map : dict
        Grid key -> ``{"vars": ["op/var", ...], "nodes": ["node", ...]}``. A state variable
        listed there (``"jrc_op/V_e"``, ``"rpo_e_in/v"``) takes the value as its initial value,
        the state at t = 0, as in PyRates.
    step_size, simulation_time : float
        Integration step and duration, in s; ``round(simulation_time / step_size)`` steps are run.
    outputs : dict
        Output name -> ``"node/op/var"`` path of a state or output variable.
    inputs : dict, optional
        ``"node/op/var"`` of an input variable -> array of ``(steps,)`` or ``(steps, 1)`` (one
        series shared by all sets) or ``(steps, n_sets)`` (column i drives set i). Row k is used at
        step k. An input variable without an array keeps its template default (or swept value).
        A value may also be generated noise, drawn per set and step from its seed and
        reproducible whatever the block size, thread count or other sets:
        ``csweep.noise.uniform(120, 320, seed=0)`` or ``csweep.noise.normal(...)`` (csweep's own).
    sampling_step_size : float, optional
        Record every ``sampling_step_size`` seconds (a whole multiple of ``step_size``); default:
        every step. Sample j is the state at ``j * sampling_step_size``, before that step.
    permute_grid : bool
        Run every combination of the grid's values.
    cutoff : float
        Drop samples before this time (s).
    solver : {"euler", "heun", "rk4", "scipy"}
        Fixed-step method. ``"heun"`` is Heun's method (explicit trapezoid, second order); PyRates
        1.2.3's ``"heun"`` is a different, first-order scheme (see the migration notes).
        ``"scipy"``: each set takes its own adaptive steps, csweep's compiled Dormand-Prince
        5(4) with solve_ivp's error control, first step ``step_size``; input rows are placed on
        ``linspace(0, simulation_time, rows)`` and interpolated linearly, as in PyRates, and
        steps end on the rows. Networks with discrete edge delays (no spread) are refused.
        ``SweepResult.solver_stats`` gives each set's accepted and rejected steps and status.
    method, rtol, atol
        With ``solver="scipy"``: ``"RK45"`` (default), ``"DOP853"`` or ``"RK23"``, compiled
        per set with solve_ivp's error control (the implicit ``"Radau"``, ``"BDF"`` and
        ``"LSODA"`` are refused), relative and absolute tolerance (default 1e-3 and 1e-6, as
        solve_ivp's). The fixed-step solvers ignore them, as PyRates' do.
    float_precision : {"float32", "float64"}
        dtype of the returned values. csweep computes in float64 unless ``compute_precision``
        says otherwise. With ``solver="scipy"``, as in PyRates: how inputs and the lumped
        column's parameters are held (float32 values, as PyRates' solve_ivp path holds them),
        while the integration and the returned values are float64.
    backend, vectorize, verbose, clear
        Accepted for compatibility with PyRates and ignored: csweep has one compiled backend,
        always vectorises over parameter sets, keeps no caches to clear, and logs through
        ``logging.getLogger("csweep")`` (``verbose=True`` logs the timings at INFO level).
    **pyrates_keywords
        The other keywords PyRates 1.2.3 passes on to ``CircuitTemplate.run``, its compiler,
        backends and ``solve_ivp`` (``in_place``, ``file_name``, ``decorator``, ``max_step``,
        ...): accepted and changing nothing, or, for the few that would change PyRates'
        numbers in a way csweep does not reproduce (``dde_approx``, ``node_values``,
        ``edge_values``, ``hist``, ``events``), accepted at PyRates' default only.
        ``csweep.pyrates_keywords`` lists each with the reason; any other keyword is a
        TypeError.

    Keywords of csweep's own
    ------------------------
    n_threads : int, optional
        OpenMP threads: None or -1 for all cores, or a positive number. Results are identical
        for any number of threads.
    compute_precision : {"float64", "float32"}
        Arithmetic of the integration. "float32" (lumped JRC2 only) is 1.4-2x as fast and
        departs from the float64 result by a small fraction of each set's range (README gives
        the measured figures); parameters and inputs are rounded to float32 first.

    Large sweeps (csweep's own keywords; see docs/large-sweeps.md)
    ---------------------------------------------------------------
    features : dict, optional
        Name -> per-run feature (``csweep.features.dominant_frequency("V_e - V_i")``, ...), or a
        callable; computed after each block. Returned as ``SweepResult.features``: one row per
        set, ``results_map``'s index and parameter columns, then one column per feature.
    keep_timeseries : bool
        False: do not keep the recorded time series (``results`` is None, or the store holds
        features only); only features (and final states) are returned.
    store : str or path, optional
        Write each block to this Zarr store (``pip install 'csweep[zarr]'``) instead of memory;
        ``xarray.open_zarr(store)`` reads it. ``results`` is then None.
    resume : bool
        With ``store``: continue the interrupted sweep that wrote it (the same call, model and
        features' code), running only the blocks not yet written and any whose values no
        longer match their checksums. Without ``resume`` an existing store is refused.
    block_size : int, optional
        Sets integrated per block; default: from a 256 MB scratch budget and about 0.3 s of
        work per block (how often progress is shown and Ctrl-C is honoured).
    progress : None, bool or callable
        None: progress on an interactive terminal, as a tqdm bar (``pip install
        'csweep[progress]'``) or, without tqdm, one line on stderr that updates itself;
        True/False: always/never (True without a terminal or tqdm: a line per tenth of the
        sweep); a callable receives ``(sets_done, n_sets)`` after each block.
    initial_state : DataFrame or array, optional
        Each set's state at t = 0, as ``SweepResult.final_state`` of an earlier sweep of the same
        template (one row per set, in set order) or an ``(n_sets, n_state)`` array. Default: rest
        (every state 0), with the initial values ``param_map`` gives; a ``param_map`` that gives
        one together with ``initial_state`` is refused as ambiguous.
    return_final_state : bool
        Also return each set's state after the last step as ``SweepResult.final_state``, to
        continue the run with ``initial_state=``.

    Sweeps on several processes or machines (see docs/distributed-sweeps.md)
    ------------------------------------------------------------------------
    client : dask.distributed.Client or str, optional
        Run the blocks as tasks on this Dask cluster (or the scheduler at this address;
        ``pip install 'csweep[dask]'``). Each worker writes its blocks into ``store`` (a path
        every worker can write) and returns only features; a lost worker's blocks are run
        again elsewhere, and a failing block is retried twice. Needs ``store=`` or
        ``keep_timeseries=False``: time series are never sent through the client.
    executor : concurrent.futures.Executor, optional
        The same on any executor (a ProcessPoolExecutor, ``Client.get_executor()``, an MPI pool).
        With either, ``n_threads`` is the kernel's threads per task; by default each host's
        cores are shared out among its task slots (a process pool of k processes: cores // k
        each).

    To run many grids with the same settings (a fit, a map refined batch by batch), build a
    :class:`Sweep` once and call :meth:`Sweep.run` per grid: ``grid_search`` is
    ``Sweep(...).run(param_grid, ...)``, and the same numbers, bitwise.

    Returns
    -------
    SweepResult
        A tuple ``(results, results_map)``, so ``results, results_map = grid_search(...)`` works
        as in PyRates, with attributes ``.features``, ``.final_state`` and ``.store``.
    results : DataFrame or None
        ``(n_samples, n_outputs * n_sets)`` with column tuples
        ``(output, f"{template}_{label}", *node_path, "op/var")``; a MultiIndex for any number of
        sets (PyRates flattens it for a single set). Index: float64 sample times. None with
        ``store=`` or ``keep_timeseries=False``.
    results_map : DataFrame
        The parameter sets, one row per set, indexed ``f"{template}_{label}"``.
    """
    sweep = Sweep(circuit_template, param_map, simulation_time, step_size, inputs=inputs,
                  outputs=outputs, sampling_step_size=sampling_step_size, cutoff=cutoff,
                  solver=solver, float_precision=float_precision, backend=backend,
                  vectorize=vectorize, verbose=verbose, clear=clear, n_threads=n_threads,
                  compute_precision=compute_precision, features=features,
                  keep_timeseries=keep_timeseries, block_size=block_size, progress=progress,
                  initial_state=initial_state, return_final_state=return_final_state,
                  method=method, rtol=rtol, atol=atol, **pyrates_keywords)
    return sweep.run(param_grid, permute_grid, store=store, resume=resume, client=client,
                     executor=executor)


class Sweep:
    """Everything of a :func:`grid_search` call but the grid, checked and prepared once; run it
    on any number of grids with :meth:`run`.

    ``Sweep(circuit_template, param_map, simulation_time, step_size, inputs=..., outputs=...,
    ...)`` takes :func:`grid_search`'s arguments (note the PyRates ``run()`` order of
    ``simulation_time`` and ``step_size``), with the same defaults and the same errors, except
    the grid and where a run goes (``param_grid``, ``permute_grid``, ``store``, ``resume``,
    ``client``, ``executor``: :meth:`run`'s). The template is read and recognised, ``param_map``
    resolved against it, inputs, outputs and features checked here, once; each :meth:`run` then
    maps its grid and calls the kernel, keeping a features thread and scratch blocks between
    calls (and, like ``grid_search``, the last frames' column indexes). ``sweep.run(grid)``
    returns what ``grid_search(..., param_grid=grid)`` returns, bitwise.

    A ``Sweep`` is immutable: :meth:`replace` makes a new one with some settings changed. It
    pickles (for Dask and executors) as its arguments and is prepared again where it is
    unpickled. Input arrays are held, not copied: do not write into them while the ``Sweep`` is
    in use.
    """

    __slots__ = ("_arguments", "_setup", "_cache")
    _arguments: dict[str, Any]
    _setup: SweepSetup
    _cache: _RunCache

    def __init__(self, circuit_template: str | os.PathLike[str] | Template,
                 param_map: Mapping[str, Mapping[str, Any]], simulation_time: float,
                 step_size: float, inputs: Mapping[str, np.ndarray | Noise | float] | None = None,
                 outputs: Mapping[str, str] | None = None,
                 sampling_step_size: float | None = None, *, cutoff: float = 0.0,
                 solver: str = "euler", float_precision: str = "float32", backend: object = None,
                 vectorize: object = True, verbose: bool = False, clear: object = True,
                 n_threads: int | None = None, compute_precision: str = "float64",
                 features: Mapping[str, Feature | Callable[..., Any]] | None = None,
                 keep_timeseries: bool = True, block_size: int | None = None,
                 progress: bool | Callable[[int, int], object] | None = None,
                 initial_state: pd.DataFrame | np.ndarray | None = None,
                 return_final_state: bool = False, method: str = "RK45",
                 rtol: float | None = None, atol: float | None = None,
                 **pyrates_keywords: Any) -> None:
        arguments = {k: v for k, v in locals().items()
                     if k not in ("self", "pyrates_keywords", "__class__")}
        setup = make_setup(
            circuit_template, param_map, step_size, simulation_time, outputs, inputs,
            sampling_step_size, cutoff=cutoff, solver=solver, float_precision=float_precision,
            n_threads=n_threads, compute_precision=compute_precision, features=features,
            keep_timeseries=keep_timeseries, initial_state=initial_state,
            return_final_state=return_final_state, method=method, rtol=rtol, atol=atol,
            pyrates_keywords=pyrates_keywords)
        check_block_size(block_size)
        check_progress(progress)
        # copies of the caller's dicts: a Sweep's settings never change behind it
        for name in ("param_map", "outputs", "inputs", "features"):
            if isinstance(arguments[name], Mapping):
                arguments[name] = copy.deepcopy(dict(arguments[name])) if name != "inputs" \
                    else dict(arguments[name])
        object.__setattr__(self, "_arguments", {**arguments, **pyrates_keywords})
        object.__setattr__(self, "_setup", setup)
        object.__setattr__(self, "_cache", _RunCache())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a csweep.Sweep is immutable; sweep.replace(name=value) makes a "
                             "new one with a setting changed")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a csweep.Sweep is immutable")

    def __reduce__(self):
        return _rebuild, (self._arguments,)

    def __repr__(self) -> str:
        a, setup = self._arguments, self._setup
        return (f"csweep.Sweep({setup.template!r}, {len(setup.pmap.paths)} swept parameter(s) "
                f"{list(setup.pmap.paths)}, simulation_time={a['simulation_time']!r}, "
                f"step_size={a['step_size']!r}, solver={setup.solver!r}, "
                f"outputs={list(setup.outputs)})")

    @property
    def arguments(self) -> dict[str, Any]:
        """The arguments this ``Sweep`` was made with (a copy)."""
        return dict(self._arguments)

    @property
    def parameters(self) -> list[str]:
        """The ``param_grid`` keys a grid must have: ``param_map``'s keys."""
        return list(self._setup.pmap.paths)

    def replace(self, **changes: Any) -> Sweep:
        """A new ``Sweep`` with the arguments ``changes`` names changed (checked again)."""
        unknown = sorted(set(changes) - set(_constructor_names()) - set(self._arguments))
        if unknown:
            raise TypeError(f"Sweep.replace: unknown argument(s) {', '.join(unknown)}; a Sweep "
                            f"takes {', '.join(_constructor_names())}")
        return _rebuild({**self._arguments, **changes})

    def run(self, param_grid: Mapping[str, Sequence[float] | np.ndarray] | pd.DataFrame,
            permute_grid: bool = False, store: str | os.PathLike[str] | None = None,
            resume: bool = False, client: Any = None,
            executor: Executor | None = None) -> SweepResult:
        """Run every parameter set of ``param_grid`` (as :func:`grid_search` takes it) and return
        what :func:`grid_search` returns; ``store``, ``resume``, ``client`` and ``executor`` as
        there."""
        started = time.perf_counter()
        setup, arguments = self._setup, self._arguments
        spec = bind_grid(setup, param_grid, permute_grid, store=store, resume=resume,
                         client=client, executor=executor)
        pool = make_pool(client, executor)
        try:
            run, block, slots = _plan(spec, pool, arguments["n_threads"],
                                      arguments["block_size"])
            with self._cache.scratch() as scratch:
                results, computed, final, diverged = _execute(
                    spec, run, pool, block, slots, arguments["progress"],
                    (self._cache.worker(), scratch))
        finally:
            if pool is not None:
                pool.close()
        log = logger.info if arguments["verbose"] else logger.debug
        log("csweep: %d sets x %d steps (%s, %d threads, blocks of %d) in %.3f s", spec.n_sets,
            spec.settings.timeline.n_steps, spec.solver, run.kernel_threads(block), block,
            time.perf_counter() - started)
        return _result(spec, run, results, computed, final, diverged)


def features_sweep(circuit_template, param_map, features, keywords: Mapping[str, Any],
                   caller: str) -> tuple[Sweep, Any]:
    """The one :class:`Sweep` of a tool that runs many grids and reads only their features (no
    time series kept, no progress of its own: the tool reports its own), made from the rest of
    grid_search's keywords the tool was given; and the executor those runs go to (a run's
    keyword), if any."""
    keywords = dict(keywords)
    executor = keywords.pop("executor", None)
    missing = [name for name in ("simulation_time", "step_size") if name not in keywords]
    if missing:
        raise TypeError(f"{caller} needs {' and '.join(missing)} (as grid_search does)")
    return Sweep(circuit_template, dict(param_map or {}), keywords.pop("simulation_time"),
                 keywords.pop("step_size"), features=dict(features), keep_timeseries=False,
                 progress=False, **keywords), executor


def _rebuild(arguments: dict[str, Any]) -> Sweep:
    return Sweep(**arguments)


def _constructor_names() -> list[str]:
    code = Sweep.__init__.__code__
    return list(code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount])


class _RunCache:
    """What a :class:`Sweep` keeps between runs: a features thread and the scratch blocks. Not
    part of its settings, and not pickled."""

    def __init__(self) -> None:
        self._worker: ThreadPoolExecutor | None = None
        self._scratch: list = [None, None]
        self._scratch_lock = threading.Lock()

    def worker(self) -> ThreadPoolExecutor:
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="csweep-features")
        return self._worker

    @contextlib.contextmanager
    def scratch(self):
        """The two scratch blocks of a sweep without time series, kept for the next run; new
        ones (not kept) while another thread's run of the same Sweep holds them."""
        if not self._scratch_lock.acquire(blocking=False):
            yield [None, None]
            return
        try:
            yield self._scratch
        finally:
            self._scratch_lock.release()


def _plan(spec: SweepSpec, pool, n_threads, block_size) -> tuple[BlockRunner, int, int]:
    """The run of every set, its block size and the pool's task slots, from what a block holds:
    its generated noise series and, unless the records go straight into the frame, the block's
    records plus the float64 signals the features derive from them."""
    timeline, n_sets, n_records = spec.settings.timeline, spec.n_sets, spec.settings.timeline.n_records
    n_outputs = len(spec.settings.record)
    series_bytes = n_records * n_outputs * np.dtype(spec.values_dtype).itemsize
    in_memory = spec.keep_timeseries and spec.store is None
    if in_memory:
        check_fits(series_bytes * n_sets, f"the results frame of {n_sets} sets x "
                   f"{n_records} samples x {n_outputs} outputs ({spec.values_dtype})")
    # a set's state (its start, its steps, its end; a gamma chain's stages are states too)
    state_bytes = 3 * 8 * spec.prepared.n_state
    if spec.return_final_state:
        check_fits(state_bytes // 3 * n_sets * 2, f"the final state of {n_sets} sets x "
                   f"{spec.prepared.n_state} state variables (float64)")
    noise_bytes = state_bytes + (0 if spec.prepared.draws_noise(spec.settings.stepping) else
                                 8 * timeline.n_steps * sum(isinstance(c, Noise) and c.per_set
                                                            for c in spec.channels))
    threads, slots = spec.threads, 1
    if pool is not None:   # the kernel threads of each task, from the cluster's shape
        slots, pool_threads = pool.slots_and_threads()
        threads = pool_threads if n_threads is None else threads
    block = plan_block_size(n_sets, timeline.n_steps, noise_bytes + (
        0 if in_memory else series_bytes + 8 * n_records * (n_outputs + 2)),
        threads, block_size, n_slots=slots if pool is not None else None,
        overlapped=spec.store is not None or bool(spec.settings.features))
    run = BlockRunner.from_spec(spec, threads)
    return run, block, slots


def _execute(spec: SweepSpec, run: BlockRunner, pool, block: int, slots: int, progress, kept):
    """Every block, in memory, into the store, or as tasks on the pool: the results frame (or
    None), the features, final states and divergence flags of every set. ``kept``: what the
    Sweep keeps between runs (its features thread and scratch blocks)."""
    if spec.store is not None:
        from .sweep_store import run_to_store  # noqa: PLC0415 (needs the optional zarr)

        return None, *run_to_store(run, spec, block=block, progress=progress, pool=pool,
                                   slots=slots)
    if pool is not None:
        return None, *gather(pool, run, run.blocks(block), slots=slots, dtype=spec.values_dtype,
                             progress=progress)
    timeline = spec.settings.timeline
    values = (np.empty((timeline.n_records, len(spec.settings.record) * spec.n_sets),
                       dtype=spec.values_dtype) if spec.keep_timeseries else None)
    worker, scratch = kept
    computed, final, diverged = run.in_memory(values, block, progress, spec.values_dtype, worker,
                                              scratch)
    results = (results_frame(values, timeline.index,
                             cached_column_index(spec.outputs, spec.labels))
               if values is not None else None)
    return results, computed, final, diverged


def _result(spec: SweepSpec, run: BlockRunner, results, computed, final, diverged) -> SweepResult:
    """The frames, with a warning for sets the solver stopped early and for sets that diverged."""
    results_map = results_map_frame(spec.grid, spec.labels)
    feature_table = (feature_frame(results_map, computed, spec.settings.features)
                     if spec.settings.features else None)
    final_state = (final_state_frame(final, spec.prepared.state_names, spec.labels)
                   if spec.return_final_state else None)
    solver_stats = None if run.stats is None else stats_frame(run.stats, spec.labels)
    failed = (solver_stats[~solver_stats["status"].isin(["ok", adaptive_status[-1]])]
              if solver_stats is not None else results_map.iloc[:0])
    n_sets = spec.n_sets
    if len(failed):
        warnings.warn(f"csweep: solver='scipy' stopped early for {len(failed)} of {n_sets} "
                      "parameter sets (" + ", ".join(
                          f"{label}: {status}" for label, status in failed["status"][:10].items())
                      + "); their remaining values are NaN. SweepResult.solver_stats has every "
                      "set's steps and status", DivergenceWarning, stacklevel=user_stacklevel())
    diverged_labels = results_map.index[diverged] if diverged.any() else results_map.index[:0]
    unexplained = (diverged_labels.difference(failed.index, sort=False)   # not warned of above
                   if len(diverged_labels) else diverged_labels)
    if len(unexplained):
        shown = ", ".join(map(str, unexplained[:10])) + (", ..." if len(unexplained) > 10 else "")
        warnings.warn(f"csweep: {len(unexplained)} of {n_sets} parameter sets diverged (their "
                      f"state became NaN or infinite; their values are not to be trusted): "
                      f"{shown}. SweepResult.diverged lists them all; the other sets are "
                      "unaffected. A smaller step_size, or parameters in the model's range, may "
                      "help.", DivergenceWarning, stacklevel=user_stacklevel())
    return SweepResult(results, results_map, features=feature_table, final_state=final_state,
                       store=None if spec.store is None else os.fspath(spec.store),
                       diverged=diverged_labels, solver_stats=solver_stats)
