"""``grid_search``: PyRates' parameter-sweep call, run by csweep's compiled kernel."""

from __future__ import annotations

import copy
import logging
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.features import compute, feature_frame
from ..analysis.result import (
    DivergenceWarning,
    SweepResult,
    final_state_frame,
    results_frame,
    results_map_frame,
)
from ..kernels.builds import fork_safe_threads
from ..models.inputs import block_channels
from ..noise import Noise
from .blocks import check_fits, plan_block_size
from .cluster import gather, make_pool
from .progress import make_progress
from .scipy_solver import STATUS as adaptive_status
from .scipy_solver import new_stats, stats_frame
from .spec import BlockSettings, SweepSpec, make_spec

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
    started = time.perf_counter()
    spec = make_spec(circuit_template, param_grid, param_map, step_size, simulation_time, outputs,
                     inputs, sampling_step_size, permute_grid, cutoff=cutoff, solver=solver,
                     float_precision=float_precision, n_threads=n_threads,
                     compute_precision=compute_precision, features=features,
                     keep_timeseries=keep_timeseries, store=store, resume=resume,
                     initial_state=initial_state, return_final_state=return_final_state,
                     client=client, executor=executor, method=method, rtol=rtol, atol=atol,
                     pyrates_keywords=pyrates_keywords)
    pool = make_pool(client, executor)
    try:
        run, block, slots = _plan(spec, pool, n_threads, block_size)
        results, computed, final, diverged = _execute(spec, run, pool, block, slots, progress)
    finally:
        if pool is not None:
            pool.close()
    log = logger.info if verbose else logger.debug
    log("csweep: %d sets x %d steps (%s, %d threads, blocks of %d) in %.3f s", spec.n_sets,
        spec.settings.timeline.n_steps, spec.solver, run.threads, block,
        time.perf_counter() - started)
    return _result(spec, run, results, computed, final, diverged)


def _plan(spec: SweepSpec, pool, n_threads, block_size) -> tuple[_Run, int, int]:
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
    noise_bytes = 0 if spec.prepared.draws_noise(spec.settings.stepping) else \
        8 * timeline.n_steps * sum(isinstance(c, Noise) and c.per_set for c in spec.channels)
    threads, slots = spec.threads, 1
    if pool is not None:   # the kernel threads of each task, from the cluster's shape
        slots, pool_threads = pool.slots_and_threads()
        threads = pool_threads if n_threads is None else threads
    block = plan_block_size(n_sets, timeline.n_steps, noise_bytes + (
        0 if in_memory else series_bytes + 8 * n_records * (n_outputs + 2)),
        threads, block_size, n_slots=slots if pool is not None else None,
        overlapped=spec.store is not None or bool(spec.settings.features))
    run = _Run(spec.settings, spec.prepared, spec.channels, spec.y_init, spec.streams, threads)
    return run, block, slots


def _execute(spec: SweepSpec, run: _Run, pool, block: int, slots: int, progress):
    """Every block, in memory, into the store, or as tasks on the pool: the results frame (or
    None), the features, final states and divergence flags of every set."""
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
    computed, final, diverged = run.in_memory(values, block, progress, spec.values_dtype)
    results = (results_frame(values, timeline.index, spec.outputs, spec.labels)
               if values is not None else None)
    return results, computed, final, diverged


def _result(spec: SweepSpec, run: _Run, results, computed, final, diverged) -> SweepResult:
    """The frames, with a warning for sets the solver stopped early and for sets that diverged."""
    results_map = results_map_frame(spec.grid, spec.labels)
    feature_table = feature_frame(results_map, computed) if spec.settings.features else None
    final_state = (final_state_frame(final, spec.prepared.state_names, spec.labels)
                   if spec.return_final_state else None)
    solver_stats = None if run.stats is None else stats_frame(run.stats, spec.labels)
    failed = (solver_stats[~solver_stats["status"].isin(["ok", adaptive_status[-1]])]
              if solver_stats is not None else results_map.iloc[:0])
    n_sets = spec.n_sets
    if len(failed):   # stacklevel 3: the user, above grid_search
        warnings.warn(f"csweep: solver='scipy' stopped early for {len(failed)} of {n_sets} "
                      "parameter sets (" + ", ".join(
                          f"{label}: {status}" for label, status in failed["status"][:10].items())
                      + "); their remaining values are NaN. SweepResult.solver_stats has every "
                      "set's steps and status", DivergenceWarning, stacklevel=3)
    diverged_labels = results_map.index[diverged]
    unexplained = diverged_labels.difference(failed.index, sort=False)   # not warned of above
    if len(unexplained):
        shown = ", ".join(map(str, unexplained[:10])) + (", ..." if len(unexplained) > 10 else "")
        warnings.warn(f"csweep: {len(unexplained)} of {n_sets} parameter sets diverged (their "
                      f"state became NaN or infinite; their values are not to be trusted): "
                      f"{shown}. SweepResult.diverged lists them all; the other sets are "
                      "unaffected. A smaller step_size, or parameters in the model's range, may "
                      "help.", DivergenceWarning, stacklevel=3)
    return SweepResult(results, results_map, features=feature_table, final_state=final_state,
                       store=None if spec.store is None else os.fspath(spec.store),
                       diverged=diverged_labels, solver_stats=solver_stats)


class _Run:
    """One sweep's integration, block by block, with features and final states per block: the
    settings every block shares and the per-set arrays of the sets it holds."""

    def __init__(self, settings: BlockSettings, prepared, channels: list, y_init, streams,
                 threads: int):
        self.settings, self.prepared, self.channels = settings, prepared, channels
        self.y_init, self.streams, self.threads = y_init, streams, threads
        self.n_sets = prepared.n_sets
        self.shared_noise: dict = {}
        self.stats = None if settings.adaptive is None else new_stats(self.n_sets)

    @property
    def features(self) -> dict:
        return self.settings.features

    @property
    def want_final(self) -> bool:
        return self.settings.want_final

    def blocks(self, block: int) -> list[tuple[int, int]]:
        return [(a, min(a + block, self.n_sets)) for a in range(0, self.n_sets, block)]

    def block(self, start: int, stop: int, out: np.ndarray, final: np.ndarray | None):
        """Integrate sets start..stop-1 into ``out`` (n_records, n_outputs, stop-start) and
        ``final`` (n_state, stop-start); return the block's features and which of its sets
        diverged (their state or records became NaN or infinite)."""
        state = self.integrate(start, stop, out, final)
        return self.finish(out, state)

    def integrate(self, start: int, stop: int, out: np.ndarray,
                  final: np.ndarray | None) -> np.ndarray:
        """The kernel's part of :meth:`block`: sets start..stop-1 into ``out`` and ``final`` (or
        a new state buffer); return the final state."""
        t, settings = self.settings.timeline, self.settings
        threads = fork_safe_threads(self.threads)
        channels = block_channels(self.channels, start, stop, t.n_steps, threads,
                                  self.streams, self.shared_noise,
                                  self.prepared.draws_noise(settings.stepping))
        state = final if final is not None else np.empty((len(self.prepared.state_names),
                                                          stop - start))
        self.prepared.run(
            start, stop, channels, settings.record, out, settings.stepping, threads,
            y_init=None if self.y_init is None else self.y_init[:, start:stop], y_final=state,
            stats=None if self.stats is None else self.stats[start:stop])
        return state

    def finish(self, out: np.ndarray, state: np.ndarray):
        """The part of :meth:`block` after the kernel: the block's features and divergence flags
        from its records ``out`` and final ``state`` (NumPy only: may run on another thread)."""
        t, settings = self.settings.timeline, self.settings
        # a non-finite value never returns to finite, so the last state tells; the records are
        # checked too, for float32 records that overflow while the float64 state does not
        with np.errstate(all="ignore"):
            diverged = ~(np.isfinite(state).all(axis=0)
                         & np.isfinite(out.sum(axis=(0, 1), dtype=np.float64)))
        features = (compute(self.features, out, settings.output_names, t.index)
                    if self.features else {})
        return features, diverged

    def subset(self, start: int, stop: int, leave_out=()) -> _Run:
        """Sets start..stop-1 as a run of their own, holding copies of only their values: what
        a block task sends to another process. Channels in ``leave_out`` (indices of arrays
        shared by every set, sent once per worker instead) are None until :meth:`with_channels`
        puts them back."""
        channels = [None if i in leave_out
                    else c if isinstance(c, Noise) or c.shape[1] == 1
                    else np.ascontiguousarray(c[:, start:stop])
                    for i, c in enumerate(self.channels)]
        return _Run(self.settings, self.prepared.subset(start, stop), channels,
                    None if self.y_init is None else self.y_init[:, start:stop].copy(),
                    self.streams[start:stop].copy(), self.threads)

    def with_channels(self, shared: Mapping) -> _Run:
        """A copy of this run with the channels :meth:`subset` left out put back from ``shared``."""
        run = copy.copy(self)
        run.channels = [shared.get(i, c) for i, c in enumerate(self.channels)]
        run.shared_noise = {}
        return run

    def block_to_scratch(self, start: int, stop: int, dtype, outputs):
        """Integrate sets start..stop-1 into new buffers; return the series of ``outputs`` (a
        subset of ``output_names``, each ``(n_records, stop-start)``), the features, the final
        state (or None) and the divergence flags: what a store receives for a block."""
        out, final = self.scratch(stop - start, dtype)
        features, diverged = self.block(start, stop, out, final)
        return self.series(out, outputs), features, final, diverged

    def scratch(self, n_sets: int, dtype) -> tuple[np.ndarray, np.ndarray | None]:
        """New records and final-state buffers for a block of ``n_sets`` sets."""
        return self.records_buffer(n_sets, dtype), self.final_buffer(n_sets)

    def records_buffer(self, n_sets: int, dtype) -> np.ndarray:
        """Room for a block's records, ``(n_records, n_outputs, n_sets)``."""
        return np.empty((self.settings.timeline.n_records, len(self.settings.record), n_sets),
                        dtype=dtype)

    def scratch_turn(self, pair: list, turn: int, n_sets: int, dtype,
                     with_final: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Block ``turn``'s records and final-state buffers from ``pair``, two scratch blocks
        that take turns (block k+1 is integrated into one while block k's features and writes
        read the other): the slot's own, or new ones when it is empty or sized for another block
        (the last). At most two are alive."""
        held = pair[turn % 2]
        if held is None or held[0].shape[-1] != n_sets:
            held = pair[turn % 2] = None    # freed before its successor is allocated
            pair[turn % 2] = held = (self.scratch(n_sets, dtype) if with_final
                                     else (self.records_buffer(n_sets, dtype), None))
        return held

    def series(self, out: np.ndarray, outputs) -> dict[str, np.ndarray]:
        """Of a block's records ``out``, the series of ``outputs``, each ``(n_records, n_sets)``."""
        return {name: out[:, self.settings.output_names.index(name), :] for name in outputs}

    def final_buffer(self, n_sets: int) -> np.ndarray | None:
        """Room for the final state of ``n_sets`` sets, when it is wanted."""
        if not self.want_final:
            return None
        return np.zeros((len(self.prepared.state_names), n_sets))

    def in_memory(self, values, block, progress, dtype):
        """Every block in turn; records into ``values`` (or a scratch block when None). Block
        k's features and divergence flags are computed on a worker thread while block k+1 is
        integrated (NumPy and the kernel release the GIL); without ``values``, two scratch
        blocks take turns, as in a store sweep."""
        t = self.settings.timeline
        n_out = len(self.settings.record)
        full = None if values is None else values.reshape(t.n_records, n_out, self.n_sets)
        final = self.final_buffer(self.n_sets)
        computed = {name: np.empty(self.n_sets) for name in self.features}
        diverged = np.zeros(self.n_sets, dtype=bool)
        scratch: list = [None, None]      # without values: the two blocks that take turns
        reporter = make_progress(progress, self.n_sets)

        def collect(finishing):       # wait for a block's features; keep them
            if finishing is not None:
                future, start, stop = finishing
                found, diverged[start:stop] = future.result()
                for name, column in found.items():
                    computed[name][start:stop] = column
                reporter.update(stop)

        finishing = None
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="csweep-features") as worker:
                for turn, (start, stop) in enumerate(self.blocks(block)):
                    out = (full[:, :, start:stop] if full is not None
                           else self.scratch_turn(scratch, turn, stop - start, dtype, False)[0])
                    state = self.integrate(start, stop, out,
                                           None if final is None else final[:, start:stop])
                    collect(finishing)
                    finishing = (worker.submit(self.finish, out, state), start, stop)
                collect(finishing)
        finally:
            reporter.close()
        return computed, final, diverged
