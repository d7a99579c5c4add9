"""Simulation time, step size, sampling and cutoff -> step counts and the returned time index."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .memory import check_memory

#: relative tolerance for "sampling_step_size is a whole multiple of step_size"
MULTIPLE_TOLERANCE = 1e-9
#: most steps a run may have
MAX_STEPS = 2**53


@dataclass(frozen=True)
class TimeGrid:
    """The steps of a run and the samples it keeps.

    Sample ``j`` is the state before step ``j * every``, at time ``index``-value
    ``linspace(0, T, n_samples, endpoint=False)[j]``; samples ``first .. n_samples-1`` are kept.
    """

    n_steps: int        # round(simulation_time / step_size): rows an input array must have
    every: int          # steps between samples: round(sampling_step_size / step_size)
    first: int          # index of the first kept sample (the first at or after the cutoff)
    index: np.ndarray   # float64 times of the kept samples

    @property
    def n_records(self) -> int:
        return len(self.index)


def as_python_float(value) -> float:
    """A number as a Python float; a NumPy float32 (or float16) scalar as the decimal it prints
    as: ``np.float32(1e-4)`` is 1e-4, not 9.99999974738e-05 (which 1e-3 is not a multiple of)."""
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return float(str(value))
    return float(value)


def _positive_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in seconds; received {type(value).__name__} "
                        f"{value!r}")
    value = as_python_float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds; received {value}")
    return value


def make_time_grid(simulation_time, step_size, sampling_step_size=None, cutoff=0.0) -> TimeGrid:
    """Check the timing arguments and derive the step and sample counts, as PyRates does."""
    simulation_time = _positive_number(simulation_time, "simulation_time")
    step_size = _positive_number(step_size, "step_size")
    n_steps = round(simulation_time / step_size)
    if n_steps > MAX_STEPS:     # the kernels count steps in 64-bit integers, exactly to 2**53
        raise ValueError(f"simulation_time / step_size = {simulation_time} / {step_size} is "
                         f"{n_steps:.3g} steps; at most {MAX_STEPS:.3g} (2**53) are counted exactly")
    if n_steps < 1:
        raise ValueError(f"simulation_time ({simulation_time}) is shorter than one step_size "
                         f"({step_size})")
    if sampling_step_size is None:
        sampling_step_size = step_size
    sampling_step_size = _positive_number(sampling_step_size, "sampling_step_size")
    ratio = sampling_step_size / step_size
    every = round(ratio)
    if every < 1 or abs(ratio - every) > MULTIPLE_TOLERANCE * ratio:
        raise ValueError(f"sampling_step_size must be a whole multiple of step_size ({step_size}); "
                         f"received {sampling_step_size} ({ratio:.6g} steps)")
    if cutoff is None:
        cutoff = 0.0
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float, np.integer, np.floating)):
        raise TypeError(f"cutoff must be a number of seconds; received {type(cutoff).__name__}")
    cutoff = as_python_float(cutoff)
    if not (0.0 <= cutoff < simulation_time):
        raise ValueError(f"cutoff must be in [0, simulation_time) = [0, {simulation_time}); "
                         f"received {cutoff}")
    n_samples = round(simulation_time / sampling_step_size)
    if n_samples < 1:
        raise ValueError(f"sampling_step_size ({sampling_step_size}) is longer than "
                         f"simulation_time ({simulation_time}): no sample would be recorded")
    # the time index (and later every record) has a value per sample: refused before it is made
    check_memory(16.0 * n_samples, f"the time index of {n_samples} samples (simulation_time "
                 f"{simulation_time} s / sampling_step_size {sampling_step_size} s)",
                 "Use a shorter simulation_time or a longer sampling_step_size.")
    return _time_grid(simulation_time, sampling_step_size, cutoff, n_steps, n_samples, every)


@functools.lru_cache(maxsize=32)
def _time_grid(simulation_time: float, sampling_step_size: float, cutoff: float, n_steps: int,
               n_samples: int, every: int) -> TimeGrid:
    """The samples of checked timing arguments, kept for the calls that repeat them (a sweep's
    calls of a few sets pay for the linspace otherwise); the index is read-only, as it is
    shared."""
    times = np.linspace(0.0, simulation_time, n_samples, endpoint=False)
    kept = np.flatnonzero(times >= cutoff)
    if len(kept) == 0:
        raise ValueError(f"cutoff {cutoff} leaves no sample: the last sample is at {times[-1]}")
    if (n_samples - 1) * every > n_steps:
        raise ValueError(f"sampling_step_size {sampling_step_size} and simulation_time "
                         f"{simulation_time} ask for a sample after the last of {n_steps} steps")
    index = times[kept]
    index.flags.writeable = False
    return TimeGrid(n_steps=n_steps, every=every, first=int(kept[0]), index=index)
