"""The model's side of ``solver="scipy"``: the plan every set's adaptive steps follow, and how
parameters and inputs are held, as PyRates holds them for ``solve_ivp``.

``float_precision`` means here what it means in PyRates' solve_ivp path: how the parameters and
inputs are held (float32 by default), not the arithmetic of the integration, which is float64,
nor the returned values, which are float64 either way. The engine checks the call's ``method``,
``rtol`` and ``atol`` (:mod:`csweep.engine.adaptive_call`) and reports each set's steps.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..noise import Noise
from .divergence import DivergenceWarning, user_stacklevel


@dataclass(frozen=True)
class Tolerances:
    """A checked ``method``, ``rtol`` and ``atol``."""

    rtol: float
    atol: float
    method: str = "RK45"


@dataclass(frozen=True)
class AdaptivePlan:
    """The arguments of the adaptive kernel that do not depend on the block."""

    times: np.ndarray       # record times (s)
    t_end: float
    spacing: float          # time between input rows
    first_step: float       # step_size, as PyRates passes first_step=dt to solve_ivp
    rtol: float
    atol: float
    parameter_precision: str    # how the kernel holds the parameters ("float32" as PyRates does)
    method: str = "RK45"        # a key of csweep._dopri.METHODS


def plan(timeline, dt: float, tolerances: Tolerances, parameter_precision: str) -> AdaptivePlan:
    """The plan of a run on ``timeline`` (a :class:`csweep.models.timing.TimeGrid`)."""
    t_end = timeline.n_steps * dt
    rows = timeline.n_steps
    spacing = t_end / (rows - 1) if rows > 1 else t_end
    times = (timeline.first + np.arange(timeline.n_records)) * timeline.every * dt
    return AdaptivePlan(times=np.ascontiguousarray(times, dtype=np.float64), t_end=t_end,
                        spacing=spacing, first_step=dt, rtol=tolerances.rtol,
                        atol=tolerances.atol, parameter_precision=parameter_precision,
                        method=tolerances.method)


def warn_float32_overflow(params: np.ndarray, names: list, labels, float_precision: str):
    """Warn of parameters float32 cannot hold when ``float_precision="float32"`` holds them: they
    become infinite, as in PyRates, and their sets fail (the kernel flags them)."""
    if float_precision != "float32":
        return
    with np.errstate(over="ignore"):
        lost = np.isinf(params.astype(np.float32)) & np.isfinite(params)
    if lost.any():
        rows, sets = np.nonzero(lost)
        shown = ", ".join(f"{names[r]} = {params[r, k]:g} ({labels[k]})"
                          for r, k in list(zip(rows, sets, strict=True))[:5])
        warnings.warn(f"csweep: float_precision='float32' holds the parameters in float32 with "
                      f"solver='scipy', as PyRates does, and {len(set(sets))} set(s) have values "
                      f"beyond its range, which become infinite: {shown}. Pass "
                      "float_precision='float64' to integrate them", DivergenceWarning,
                      stacklevel=user_stacklevel())


def held_inputs(channels: list, names: list, float_precision: str) -> list:
    """The input channels as PyRates holds them for solve_ivp: under ``float_precision="float32"``
    input arrays and constants are float32 values (interpolated in float64; values beyond
    float32's range become infinite, with a warning). csweep's generated noise has no PyRates
    counterpart and is left in float64."""
    if float_precision != "float32":
        return channels
    held = []
    for name, channel in zip(names, channels, strict=True):
        if isinstance(channel, Noise):
            held.append(channel)
            continue
        with np.errstate(over="ignore"):
            single = channel.astype(np.float32)
        if np.any(np.isinf(single) & np.isfinite(channel)):
            warnings.warn(f"csweep: input {name} has values beyond float32's range, which "
                          "float_precision='float32' holds as infinite (as PyRates does); pass "
                          "float_precision='float64' to integrate them", DivergenceWarning,
                          stacklevel=user_stacklevel())
        held.append(single.astype(np.float64))
    return held
