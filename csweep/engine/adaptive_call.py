"""``solver="scipy"``: PyRates' adaptive-solver call (its ``method``, ``rtol`` and ``atol`` checked here,
each set's steps and status reported here; the plan and held values are the model's,
:mod:`csweep.models.adaptive`), run by csweep's compiled Dormand-Prince 5(4)
(or, with ``method="DOP853"`` or ``"RK23"``, Hairer's 8(5,3) pair or Bogacki-Shampine 3(2)).

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
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import _dopri
from ..models.adaptive import Tolerances

#: the solve_ivp methods csweep compiles (explicit embedded Runge-Kutta pairs, each with
#: solve_ivp's error norm and step-size rule); the implicit ones are refused, saying why
METHODS = tuple(_dopri.METHODS)
IMPLICIT = ("Radau", "BDF", "LSODA")
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-6
STATUS = {**_dopri.RK45_STATUS, -1: "not run by this call (an earlier call's block)"}


def check_tolerances(solver: str, method, rtol, atol) -> Tolerances | None:
    """The tolerances of an adaptive run (None for the fixed-step solvers, which ignore
    ``method``, ``rtol`` and ``atol`` as PyRates' do)."""
    if solver != "scipy":
        return None
    if method in IMPLICIT:
        raise ValueError(f"method={method!r} is an implicit solve_ivp method, for stiff systems, "
                         "which csweep does not compile; Jansen-Rit models are not stiff at "
                         "PyRates' step sizes, and csweep compiles RK45 (solve_ivp's default), "
                         "DOP853 and RK23 per set. CircuitTemplate.run(..., solver='scipy', "
                         f"method={method!r}) runs one set with SciPy's solve_ivp in Python "
                         "(for a 1 s JRC2 run: Radau 3.3 s, BDF 1.0 s, LSODA 0.2 s, against "
                         "0.05 s compiled), and CircuitTemplate.get_run_func(...) gives the "
                         "vector field for solve_ivp")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))} with "
                         f"solver='scipy': csweep runs its own compiled embedded Runge-Kutta "
                         f"pairs, not SciPy; received {method!r}. For a fixed step use "
                         "solver='rk4'")
    values: dict = {"method": method}
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
