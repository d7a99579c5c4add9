"""``CircuitTemplate.get_run_func``: the circuit's vector field for ``scipy.integrate.solve_ivp``."""

from __future__ import annotations

from typing import Any


def get_run_func(circuit, func_name: str, step_size: float, **kwargs: Any):
    raise NotImplementedError("get_run_func is not written yet")
