"""The block runner: one sweep's sets integrated block by block, each block's features, final
states and divergence flags computed, whichever engine runs the blocks."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING

import numpy as np

from .. import _features, _integrate
from ..analysis.features import allocate, compute
from ..kernels.builds import fork_safe_threads
from ..models.inputs import block_channels
from ..noise import Noise
from .adaptive_call import new_stats
from .progress import reporting

if TYPE_CHECKING:
    from .spec import BlockSettings, SweepSpec

#: sets a tile of the JRC2 kernel holds (the network kernels' tiles are as wide or wider)
TILE = _integrate.SETS_PER_TILE
#: set-steps of work below which another kernel thread is not woken (about 0.3-0.6 ms of work)
MIN_SET_STEPS_PER_THREAD = 100_000


class Collected:
    """Every set's features, final state and divergence flag, kept block by block."""

    def __init__(self, runner: BlockRunner):
        self.features = allocate(runner.features, runner.n_sets)
        self.final = runner.final_buffer(runner.n_sets)
        self.diverged = np.zeros(runner.n_sets, dtype=bool)

    def keep(self, start: int, stop: int, features: dict, diverged: np.ndarray,
             final: np.ndarray | None = None) -> None:
        """Keep sets start..stop-1's values (``final`` when they were not integrated into
        :attr:`final` directly)."""
        for name, column in features.items():
            self.features[name][start:stop] = column
        if final is not None and self.final is not None:
            self.final[:, start:stop] = final
        self.diverged[start:stop] = diverged


def _records_finite(out: np.ndarray) -> np.ndarray:
    """Per set, whether every record of ``out`` ``(n_records, n_outputs, n_sets)`` is finite
    (in one compiled pass along its rows when ``out`` is contiguous, as a sweep of one block's
    records are: a tenth of NumPy's isfinite and reduction)."""
    if out.flags.c_contiguous and out.dtype in (np.float32, np.float64):
        columns = _features.columns_finite(out.reshape(out.shape[0], -1))
        return columns.reshape(out.shape[1:]).all(axis=0)
    with np.errstate(all="ignore"):     # finite float32 values sum to a finite float64
        return np.isfinite(out.sum(axis=(0, 1), dtype=np.float64))


def _done(func, *args) -> Future:
    """``func(*args)`` run here, as a finished future."""
    future: Future = Future()
    future.set_result(func(*args))
    return future


class BlockRunner:
    """One sweep's integration, block by block, with features and final states per block: the
    settings every block shares and the per-set arrays of the sets it holds. Every engine runs
    its blocks through one: in memory (:meth:`in_memory`), into a store
    (:mod:`csweep.engine.sweep_store`), and as tasks on Dask or an executor
    (:mod:`csweep.engine.cluster`, which sends :meth:`subset` of it to each task)."""

    def __init__(self, settings: BlockSettings, prepared, channels: list, y_init, streams,
                 threads: int):
        self.settings, self.prepared, self.channels = settings, prepared, channels
        self.y_init, self.streams, self.threads = y_init, streams, threads
        self.n_sets = prepared.n_sets
        self.shared_noise: dict = {}
        self.stats = None if settings.adaptive is None else new_stats(self.n_sets)

    @classmethod
    def from_spec(cls, spec: SweepSpec, threads: int) -> BlockRunner:
        """The runner of every set of ``spec``, its kernel on ``threads`` threads."""
        return cls(spec.settings, spec.prepared, spec.channels, spec.y_init, spec.streams, threads)

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
        return self.finish(out, state, fork_safe_threads(self.threads))

    def integrate(self, start: int, stop: int, out: np.ndarray,
                  final: np.ndarray | None) -> np.ndarray:
        """The kernel's part of :meth:`block`: sets start..stop-1 into ``out`` and ``final`` (or
        a new state buffer); return the final state."""
        t, settings = self.settings.timeline, self.settings
        threads = fork_safe_threads(self.kernel_threads(stop - start))
        channels = block_channels(self.channels, start, stop, t.n_steps, threads,
                                  self.streams, self.shared_noise,
                                  self.prepared.draws_noise(settings.stepping))
        state = final if final is not None else np.empty((self.prepared.n_state,
                                                          stop - start))
        self.prepared.run(
            start, stop, channels, settings.record, out, settings.stepping, threads,
            y_init=None if self.y_init is None else self.y_init[:, start:stop], y_final=state,
            stats=None if self.stats is None else self.stats[start:stop])
        return state

    def kernel_threads(self, n_sets: int) -> int:
        """Threads for a block of ``n_sets`` sets: no more than it has tiles, nor than its work
        keeps busy (a thread woken for a few microseconds of work costs more than it does,
        and far more when other processes hold the cores). Results are the same for any
        number of threads."""
        if self.settings.adaptive is not None:
            return self.threads           # adaptive steps: the work is not known in advance
        tiles = -(-n_sets // TILE)
        work = n_sets * self.settings.timeline.n_steps * self.prepared.work_per_step
        by_work = int(work // MIN_SET_STEPS_PER_THREAD)
        return max(1, min(self.threads, tiles, by_work))

    def finish(self, out: np.ndarray, state: np.ndarray, threads: int = 1):
        """The part of :meth:`block` after the kernel: the block's features and divergence flags
        from its records ``out`` and final ``state``, its spectra on ``threads`` threads (one
        while the kernel runs the next block; the same numbers on any number). Releases the
        GIL in its compiled passes: may run on another thread."""
        t, settings = self.settings.timeline, self.settings
        # a non-finite value never returns to finite, so the last state tells; float32 records
        # are checked too, for values that overflow float32 while the float64 state does not
        finite = np.isfinite(state).all(axis=0)
        if out.dtype != np.float64:
            finite &= _records_finite(out)
        diverged = ~finite
        features = (compute(self.features, out, settings.output_names, t.index, threads)
                    if self.features else {})
        return features, diverged

    def subset(self, start: int, stop: int, leave_out=()) -> BlockRunner:
        """Sets start..stop-1 as a run of their own, holding copies of only their values: what
        a block task sends to another process. Channels in ``leave_out`` (indices of arrays
        shared by every set, sent once per worker instead) are None until :meth:`with_channels`
        puts them back."""
        channels = [None if i in leave_out
                    else c.subset(start, stop) if isinstance(c, Noise)
                    else c if c.shape[1] == 1
                    else np.ascontiguousarray(c[:, start:stop])
                    for i, c in enumerate(self.channels)]
        return BlockRunner(self.settings, self.prepared.subset(start, stop), channels,
                    None if self.y_init is None else self.y_init[:, start:stop].copy(),
                    self.streams[start:stop].copy(), self.threads)

    def with_channels(self, shared: Mapping) -> BlockRunner:
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
        wanted = (self.settings.timeline.n_records, len(self.settings.record), n_sets)
        if held is None or held[0].shape != wanted or held[0].dtype != np.dtype(dtype) \
                or (with_final and held[1] is None and self.want_final):
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
        return np.zeros((self.prepared.n_state, n_sets))

    def in_memory(self, values, block, progress, dtype, worker=None, scratch=None):
        """Every block in turn; records into ``values`` (or a scratch block when None). Block
        k's features and divergence flags are computed on ``worker`` (a one-thread executor)
        while block k+1 is integrated (NumPy and the kernel release the GIL); a sweep of one
        block, or without a worker, computes them here. Without ``values``, two scratch blocks
        take turns, as in a store sweep: those of ``scratch`` (a pair, kept by the caller to
        be used again) or new ones."""
        t = self.settings.timeline
        n_out = len(self.settings.record)
        full = None if values is None else values.reshape(t.n_records, n_out, self.n_sets)
        kept = Collected(self)
        scratch = [None, None] if scratch is None else scratch   # without values: two blocks
        bounds = self.blocks(block)

        def collect(finishing):       # wait for a block's features; keep them
            if finishing is not None:
                future, start, stop = finishing
                kept.keep(start, stop, *future.result())
                reporter.update(stop)

        finishing = None
        with reporting(progress, self.n_sets) as reporter:
            for turn, (start, stop) in enumerate(bounds):
                out = (full[:, :, start:stop] if full is not None
                       else self.scratch_turn(scratch, turn, stop - start, dtype, False)[0])
                state = self.integrate(start, stop, out,
                                       None if kept.final is None else kept.final[:, start:stop])
                collect(finishing)
                # a sweep of one block (a fit's generation) computes its spectra on the kernel's
                # threads once the kernel is done; blocks overlapped with the kernel, on one
                finishing = (_done(self.finish, out, state, fork_safe_threads(self.threads))
                             if len(bounds) == 1 or worker is None
                             else worker.submit(self.finish, out, state), start, stop)
            collect(finishing)
        return kept.features, kept.final, kept.diverged
