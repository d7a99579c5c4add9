"""``solver="scipy"``: PyRates' adaptive-solver call, run by csweep's compiled Dormand-Prince 5(4).

PyRates hands ``solver="scipy"`` to ``scipy.integrate.solve_ivp`` over the whole vectorised
network, so one step size serves every parameter set and Python runs on every step. csweep
integrates each set with its own adaptive steps inside the compiled kernel: the embedded
Runge-Kutta pair of Dormand and Prince (``method="RK45"``, solve_ivp's default) with solve_ivp's
error norm and step-size control (safety 0.9, factors within [0.2, 10]), ``rtol`` and ``atol``
(default 1e-3 and 1e-6, as solve_ivp's). Steps are shortened to land on each sample time, so the
records are the integrator's own states, not interpolated ones.

Inputs follow PyRates' rule for this solver: the rows of an input array are placed on
``linspace(0, simulation_time, rows)`` and interpolated linearly between them. Steps also end on
the rows, so that none crosses a kink of the interpolated input (where the error estimate
would not hold); the largest step is thus the rows' spacing. The first step tried is
``step_size``, as PyRates passes ``first_step=step_size`` to solve_ivp.

``float_precision`` means here what it means in PyRates' solve_ivp path: how the parameters and
inputs are held (float32 by default), not the arithmetic of the integration, which is float64,
nor the returned values, which are float64 either way.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _dopri
from ..analysis.result import DivergenceWarning, user_stacklevel
from ..noise import Noise

METHODS = ("RK45",)
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-6
STATUS = {**_dopri.RK45_STATUS, -1: "not run by this call (an earlier call's block)"}


@dataclass(frozen=True)
class Tolerances:
    rtol: float
    atol: float


def check_tolerances(solver: str, method, rtol, atol) -> Tolerances | None:
    """The tolerances of an adaptive run (None for the fixed-step solvers, which ignore
    ``method``, ``rtol`` and ``atol`` as PyRates' do)."""
    if solver != "scipy":
        return None
    if method not in METHODS:
        raise ValueError(f"method must be 'RK45' with solver='scipy': csweep runs its own "
                         f"compiled RK45 (Dormand-Prince 5(4), solve_ivp's default), not SciPy; "
                         f"received {method!r}. For a fixed step use solver='rk4'")
    values = {}
    for name, value, default in (("rtol", rtol, DEFAULT_RTOL), ("atol", atol, DEFAULT_ATOL)):
        value = default if value is None else value
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must be a positive number; received {value!r} (per-variable "
                            "tolerances are not supported)")
        value = float(value)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive, finite number; received {value}")
        values[name] = value
    if values["rtol"] < 100 * np.finfo(float).eps:
        raise ValueError(f"rtol must be at least {100 * np.finfo(float).eps:.3g} (100 machine "
                         f"epsilons, as solve_ivp requires); received {values['rtol']}")
    return Tolerances(**values)


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


def plan(timeline, dt: float, tolerances: Tolerances, parameter_precision: str) -> AdaptivePlan:
    t_end = timeline.n_steps * dt
    rows = timeline.n_steps
    spacing = t_end / (rows - 1) if rows > 1 else t_end
    times = (timeline.first + np.arange(timeline.n_records)) * timeline.every * dt
    return AdaptivePlan(times=np.ascontiguousarray(times, dtype=np.float64), t_end=t_end,
                        spacing=spacing, first_step=dt, rtol=tolerances.rtol,
                        atol=tolerances.atol, parameter_precision=parameter_precision)


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


def new_stats(n_sets: int) -> np.ndarray:
    """Room for each set's accepted and rejected steps and status; the kernel fills in the sets
    it runs (a resumed store's finished blocks keep status -1: not run by this call)."""
    stats = np.zeros((n_sets, 3), dtype=np.longlong)
    stats[:, 2] = -1
    return stats


def stats_frame(stats: np.ndarray, labels) -> pd.DataFrame:
    """Per set: accepted and rejected steps, and the integrator's status ("ok", why it stopped,
    or that an earlier call integrated it)."""
    return pd.DataFrame({"accepted_steps": stats[:, 0].astype(np.int64),
                         "rejected_steps": stats[:, 1].astype(np.int64),
                         "status": [STATUS[int(s)] for s in stats[:, 2]]},
                        index=pd.Index(labels))
