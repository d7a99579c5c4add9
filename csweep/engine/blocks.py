"""How many parameter sets run at once, and whether a sweep's frames fit in memory.

A sweep runs in blocks of sets. A block is sized so that its scratch memory (recorded values
before they reach a store or features, generated noise) stays within ``BLOCK_MEMORY`` and so that
integrating it takes well under a second (``BLOCK_SET_STEPS`` set-steps per thread), which is
how quickly Ctrl-C and progress respond. A block holds a whole number of the kernel's tiles per
thread, except the last. Where blocks overlap (a sweep computes a block's features, and a store
sweep writes it, while the next block runs; a pool runs blocks side by side), a sweep is cut into
at least a few blocks, so that the work left after the last block's integration is small.
"""

from __future__ import annotations

import numpy as np

from .. import _integrate
from ..models.memory import ALWAYS_FITS, available_memory, check_memory

#: bytes of per-block scratch memory aimed for
BLOCK_MEMORY = 256 * 2**20
#: set x step products per thread in one block: about 0.3 s at the kernel's 3-6 ns per set-step
BLOCK_SET_STEPS = 60_000_000
TILE = _integrate.SETS_PER_TILE
#: blocks per task slot aimed for when blocks run as tasks (client= / executor=), so that slots
#: finishing early find work and a lost worker costs little
BLOCKS_PER_SLOT = 4
#: blocks aimed for when each block's features and store write overlap the next block's
#: integration: what is left after the last block is then an eighth of the features and writes
OVERLAPPED_BLOCKS = 8
#: tiles per thread an overlapped block keeps at least (see plan_block_size)
OVERLAPPED_TILES = 2


def plan_block_size(n_sets: int, n_steps: int, bytes_per_set: int, n_threads: int,
                    block_size=None, n_slots=None, overlapped=False) -> int:
    """The number of sets per block: ``block_size`` when given, else from the limits above
    (and, while blocks stay a tile per thread or more, at least ``BLOCKS_PER_SLOT`` blocks per
    slot for blocks that run as tasks on ``n_slots`` slots, or ``OVERLAPPED_BLOCKS`` blocks when
    ``overlapped``)."""
    if block_size is not None:
        check_block_size(block_size)
        return min(int(block_size), max(n_sets, 1))
    unit = TILE * n_threads
    by_memory = BLOCK_MEMORY // max(bytes_per_set, 1)
    by_time = BLOCK_SET_STEPS * n_threads // max(n_steps, 1)
    limit = min(by_memory, by_time)
    wanted_blocks = (BLOCKS_PER_SLOT * n_slots if n_slots is not None
                     else OVERLAPPED_BLOCKS if overlapped else None)
    if wanted_blocks is not None:
        # overlapped blocks keep OVERLAPPED_TILES tiles per thread: cut finer, a kernel call's
        # threads (one tile each) wait on whichever the features thread slows, which costs more
        # than the overlap gains (a fit's generation of 32 sets: blocks of 16 took 7% longer
        # per set than one of 32; benchmarks/fit.py)
        floor = OVERLAPPED_TILES * unit if n_slots is None else unit
        limit = min(limit, max(-(-n_sets // wanted_blocks) + unit - 1, floor))
    size = max(unit, limit // unit * unit)
    return max(1, min(size, n_sets))


def check_block_size(block_size) -> None:
    """None (planned per sweep) or a positive number of sets per block."""
    if block_size is not None and (isinstance(block_size, bool)
                                   or not isinstance(block_size, (int, np.integer))
                                   or block_size < 1):
        raise ValueError(f"block_size must be a positive integer (sets per block); received "
                         f"{block_size!r}")


def check_fits(frame_bytes: int, what: str) -> None:
    """Refuse, before anything is allocated, a sweep whose in-memory result would not fit."""
    if frame_bytes < ALWAYS_FITS:
        return
    check_memory(frame_bytes, what, advice=(
        "Keep only per-run numbers with features={...} and keep_timeseries=False, write the "
        "time series to disk with store='sweep.zarr', record less often (sampling_step_size) "
        "or from later (cutoff), or use float_precision='float32'."),
        available=available_memory())
