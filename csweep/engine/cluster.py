"""Sweeps on a Dask cluster or any ``concurrent.futures`` executor: blocks of sets are the tasks.

The calling process (the client) splits the sweep into the same blocks a local run uses and
submits one task per block. A task carries its block's parameter values, initial states and input
columns; generated noise travels as its seed, and an input array shared by every set travels once
per worker (with Dask; an executor sends it with each task). On the worker, the compiled kernel
integrates the block on the task's threads, the block is written into the store (flagged done
after its values), and the task returns only the block's features (and final states when there is
no store), never time series. Finished blocks are recorded by the store's flags, so a worker lost
mid-block, a failed task or an interrupted client leaves only unflagged blocks for a retry or for
``resume=True``. Results are bitwise those of a local run: a set's numbers do not depend on its
block, on the thread count or on the machine's other sets.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import time
import uuid
from collections import deque
from dataclasses import dataclass

import numpy as np

from .progress import reporting
from .runner import BlockRunner, Collected

logger = logging.getLogger("csweep")

#: times Dask reruns a block whose task raised (a lost worker's blocks are rescheduled anyway)
RETRIES = 2
#: tasks submitted ahead of the results, per task slot (bounds the client's memory)
IN_FLIGHT_PER_SLOT = 4


@dataclass
class BlockTask:
    """One block of sets, with everything a worker needs to integrate it."""

    index: int
    start: int
    stop: int
    run: BlockRunner               # of these sets only
    store: str | None              # absolute path of the store, or None: return the results
    store_outputs: tuple[str, ...]  # outputs written to the store (none: features only)
    dtype: str


def run_block(task: BlockTask, shared: dict) -> dict:
    """Integrate one block on a worker; write it to the store; return its features (and the
    final states, divergence flags and, with solver="scipy", each set's steps and status)."""
    run = task.run.with_channels(shared)
    started = time.perf_counter()
    series, features, final, diverged = run.block_to_scratch(
        0, task.stop - task.start, task.dtype, task.store_outputs)
    if task.store is not None:
        from .store import SweepStore  # noqa: PLC0415 (zarr: only where a store is written)

        SweepStore.attach(task.store).write_block(task.index, task.start, task.stop, series,
                                                  features, final, diverged)
        final = None
    return {"index": task.index, "features": features, "final": final, "diverged": diverged,
            "stats": run.stats, "seconds": time.perf_counter() - started}


def make_pool(client=None, executor=None):
    """The engine that runs block tasks: a Dask client (or a scheduler address) or an executor;
    None when neither is given."""
    if client is not None and executor is not None:
        raise ValueError("pass client= (a Dask cluster) or executor= (any concurrent.futures "
                         "executor), not both")
    if client is not None:
        return _DaskPool(*_dask_client(client))
    if executor is None:
        return None
    if not callable(getattr(executor, "submit", None)):
        raise TypeError("executor must be a concurrent.futures.Executor (an object with "
                        f"submit()); received {type(executor).__name__}")
    if type(executor).__module__.startswith("distributed"):  # Client.get_executor()
        return _ExecutorPool(executor, slots_and_threads=lambda: _dask_slots(executor._client))
    return _ExecutorPool(executor)


def _dask_client(client):
    try:
        import distributed  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError("client= needs Dask's distributed scheduler: pip install "
                          "'csweep[dask]'") from None
    if isinstance(client, distributed.Client):
        return client, False
    if isinstance(client, str):
        return distributed.Client(client), True      # a scheduler address: ours to close
    raise TypeError("client must be a dask.distributed.Client or a scheduler address such as "
                    f"'tcp://host:8786'; received {type(client).__name__}")


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which batch schedulers set)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _dask_slots(client) -> tuple[int, int]:
    """(task slots of the cluster, kernel threads per task). Each host's cores are shared out
    among the task slots of its workers, so that threads x slots never exceeds the cores; a
    cluster of unequal hosts gets the smallest share."""
    workers = client.scheduler_info()["workers"]
    if not workers:
        logger.info("csweep: waiting for a Dask worker")
        client.wait_for_workers(1)
        workers = client.scheduler_info()["workers"]
    cores = client.run(usable_cores)
    slots: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for address, info in workers.items():
        slots[info["host"]] = slots.get(info["host"], 0) + int(info["nthreads"])
        host_cores[info["host"]] = int(cores.get(address, 1))
    threads = min(max(1, host_cores[h] // max(slots[h], 1)) for h in slots)
    return sum(slots.values()), threads


class _ExecutorPool:
    """Block tasks on a ``concurrent.futures.Executor``."""

    def __init__(self, executor, slots_and_threads=None):
        self.executor = executor
        self._slots_and_threads = slots_and_threads or self._executor_slots

    def _executor_slots(self) -> tuple[int, int]:
        slots = getattr(self.executor, "_max_workers", None)   # process and thread pools
        if not isinstance(slots, int) or slots < 1:
            return usable_cores(), 1   # unknown (an MPI pool...): one thread per task
        return slots, max(1, usable_cores() // slots)

    def slots_and_threads(self) -> tuple[int, int]:
        return self._slots_and_threads()

    def share(self, arrays: dict) -> dict:
        return arrays

    def submit(self, task: BlockTask, shared):
        return self.executor.submit(run_block, task, shared)

    def wait_first(self, futures) -> set:
        return concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)[0]

    def cancel(self, futures) -> None:
        for future in futures:
            future.cancel()

    def close(self) -> None:
        pass


class _DaskPool:
    """Block tasks on a Dask cluster, rerun on failure, tagged ``csweep-block-N-<sweep>``."""

    def __init__(self, client, owned: bool):
        import distributed  # noqa: PLC0415 (optional dependency)

        self.client, self.owned, self._distributed = client, owned, distributed
        self.token = uuid.uuid4().hex[:8]

    def slots_and_threads(self) -> tuple[int, int]:
        return _dask_slots(self.client)

    def share(self, arrays: dict):
        # A task's result rather than scattered data: if the workers holding it are lost, the
        # scheduler can compute it again from the task, which it cannot do for scattered data.
        if not arrays:
            return {}
        return self.client.submit(_identity, arrays, pure=False, key=f"csweep-inputs-{self.token}")

    def submit(self, task: BlockTask, shared):
        return self.client.submit(run_block, task, shared, retries=RETRIES, pure=False,
                                  key=f"csweep-block-{task.index}-{self.token}")

    def wait_first(self, futures) -> set:
        return set(self._distributed.wait(list(futures), return_when="FIRST_COMPLETED").done)

    def cancel(self, futures) -> None:
        self.client.cancel(list(futures))

    def close(self) -> None:
        if self.owned:
            self.client.close()


def _identity(value):
    return value


def run_blocks(pool, run, bounds, pending, *, slots, store, store_outputs, dtype, reporter,
               done_sets, on_result) -> None:
    """Run blocks ``pending`` of ``run`` as tasks on ``pool`` (``slots`` task slots; each task
    integrates on ``run.threads`` threads); ``on_result(start, stop, result)`` for each block as
    it finishes."""
    logger.info("csweep: %d blocks on %d task slots, %d kernel thread(s) per task",
                len(pending), slots, run.threads)
    shared_channels = [i for i, c in enumerate(run.channels)
                       if isinstance(c, np.ndarray) and c.shape[1] == 1 and c.shape[0] > 1]
    shared = pool.share({i: run.channels[i] for i in shared_channels})
    store = None if store is None else os.path.abspath(store)
    queue = deque(pending)
    running: dict = {}
    window = max(2, IN_FLIGHT_PER_SLOT * slots)
    started = time.perf_counter()
    busy = 0.0
    try:
        while queue or running:
            while queue and len(running) < window:
                index = queue.popleft()
                start, stop = bounds[index]
                task = BlockTask(index, start, stop,
                                 run.subset(start, stop, leave_out=shared_channels),
                                 store, tuple(store_outputs), dtype)
                running[pool.submit(task, shared)] = index
            for future in pool.wait_first(running):
                index = running.pop(future)
                start, stop = bounds[index]
                try:
                    result = future.result()
                except BaseException as exc:
                    _add_note(exc, f"csweep: block {index} (sets {start}-{stop - 1}) failed" + (
                        "; the blocks already finished are in the store: resume=True runs only "
                        "the rest" if store is not None else ""))
                    raise
                busy += result["seconds"]
                if run.stats is not None:       # solver="scipy": the block's steps and status
                    run.stats[start:stop] = result["stats"]
                on_result(start, stop, result)
                done_sets += stop - start
                reporter.update(done_sets)
    except BaseException:
        pool.cancel(list(running))
        raise
    wall = time.perf_counter() - started
    if pending:
        logger.info("csweep: %d blocks in %.2f s; %.3f s per block in tasks, %.3f s per block of "
                    "wall time per slot", len(pending), wall, busy / len(pending),
                    wall * min(slots, len(pending)) / len(pending))


def gather(pool, run, bounds, *, slots, dtype, progress):
    """Run every block on ``pool`` without a store: the features, final states and divergence
    flags of all sets."""
    kept = Collected(run)

    def keep(start, stop, result):
        kept.keep(start, stop, result["features"], result["diverged"], result["final"])

    with reporting(progress, run.n_sets) as reporter:
        run_blocks(pool, run, bounds, list(range(len(bounds))), slots=slots, store=None,
                   store_outputs=(), dtype=dtype, reporter=reporter, done_sets=0, on_result=keep)
    return kept.features, kept.final, kept.diverged


def _add_note(exc: BaseException, note: str) -> None:
    if hasattr(exc, "add_note"):    # Python 3.11+
        exc.add_note(note)
    else:
        logger.error(note)
