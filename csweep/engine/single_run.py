"""PyRates' calls for one simulation: ``CircuitTemplate.run``, ``integrate``, and the caches.

``CircuitTemplate.run`` is ``grid_search`` with a one-set grid of the circuit's own values (the
kernel, its arithmetic and its numbers are a grid's; a set run alone equals the same set in a
grid bit for bit), reshaped as PyRates returns one simulation: one flat column per ``outputs``
key, the sample times as the index. The circuits stage cannot import the engine, so the engine
gives ``CircuitTemplate`` its ``run`` and ``get_run_func`` through
:func:`csweep.circuits.circuit.register_simulator` when csweep is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..circuits import circuit as circuits_api
from ..circuits.circuit import CircuitTemplate, register_simulator
from ..models.timing import make_time_grid
from .adaptive_call import IMPLICIT
from .run_func import get_run_func
from .sweep import grid_search

logger = logging.getLogger("csweep")

__all__ = ["run_circuit", "integrate", "clear_frontend_caches", "clear"]


def run_circuit(circuit, *, simulation_time: float, step_size: float,
                inputs: Mapping[str, Any] | None = None, outputs: Mapping[str, str] | list | None = None,
                **kwargs: Any) -> pd.DataFrame:
    """``CircuitTemplate.run``: one simulation of ``circuit`` as PyRates returns it."""
    outputs = _outputs(outputs)
    if kwargs.get("solver") == "scipy" and kwargs.get("method") in IMPLICIT:
        return _run_with_solve_ivp(circuit, simulation_time, step_size, inputs, outputs,
                                   **kwargs)
    result = grid_search(circuit, pd.DataFrame(index=[0]), {}, step_size=step_size,
                         simulation_time=simulation_time, outputs=outputs, inputs=inputs,
                         **kwargs)
    frame = result.results
    if frame is None:       # keep_timeseries=False: the features are the result
        return result
    frame = frame.copy()
    frame.columns = pd.Index([column[0] for column in frame.columns])
    return frame


def _run_with_solve_ivp(circuit, simulation_time, step_size, inputs, outputs, *, method: str,
                        rtol: float | None = None, atol: float | None = None,
                        sampling_step_size: float | None = None, cutoff: float = 0.0,
                        float_precision: str = "float32", **ignored: Any) -> pd.DataFrame:
    """One simulation with an implicit solve_ivp method (Radau, BDF, LSODA), which csweep does
    not compile: SciPy's ``solve_ivp`` on :func:`get_run_func`'s vector field, in Python, as
    PyRates runs it (``first_step=step_size``, the sample times as ``t_eval``). Slow: a 1 s
    JRC2 run takes 3.3 s with Radau, 1.0 s with BDF, 0.2 s with LSODA, against 0.05 s for the
    compiled RK45 (and a grid's other sets would each take as long)."""
    try:
        from scipy.integrate import solve_ivp
    except ImportError:
        raise ImportError(f"method={method!r} runs SciPy's solve_ivp, which is not installed: "
                          "pip install 'csweep[scipy]' (or use method='RK45', 'DOP853' or "
                          "'RK23', which csweep compiles)") from None
    logger.info("csweep: method=%r runs SciPy's solve_ivp in Python (tens of times slower "
                "than the compiled RK45, DOP853 and RK23)", method)
    grid = make_time_grid(simulation_time, step_size, sampling_step_size, cutoff)
    func, args, _, state_map = get_run_func(circuit, "vector_field", step_size, inputs=inputs,
                                            vectorize=False, float_precision=float_precision)
    missing = [path for path in outputs.values() if path not in state_map]
    if missing:
        raise ValueError(f"outputs: {missing[0]!r} is not a state variable; with method="
                         f"{method!r} csweep records state variables only: "
                         f"{', '.join(state_map)}")
    t_end = float(simulation_time)
    times = grid.index          # PyRates' sample times from the cutoff on
    tolerances = {key: value for key, value in (("rtol", rtol), ("atol", atol))
                  if value is not None}
    t0, y0, dy, *parameters = args
    solution = solve_ivp(lambda t, y: np.array(func(t, y, dy, *parameters), dtype=np.float64),
                         (float(t0), t_end), np.asarray(y0, dtype=np.float64),
                         method=method, first_step=step_size, t_eval=times, **tolerances)
    if not solution.success:
        raise RuntimeError(f"solve_ivp({method}) failed: {solution.message}")
    return pd.DataFrame({key: solution.y[state_map[path]] for key, path in outputs.items()},
                        index=pd.Index(times))


def _outputs(outputs) -> dict[str, str]:
    if isinstance(outputs, Mapping):
        return dict(outputs)
    if isinstance(outputs, str):
        return {outputs: outputs}
    if isinstance(outputs, (list, tuple)) and all(isinstance(o, str) for o in outputs):
        return {path: path for path in outputs}     # PyRates names each column by its path
    raise TypeError("outputs must be a dict of column name -> 'node/op/var' path (or a list of "
                    f"paths); received {outputs!r}")


def integrate(circuit: str | CircuitTemplate, simulation_time: float, step_size: float,
              **kwargs: Any) -> pd.DataFrame:
    """PyRates' ``integrate``: ``circuit`` (a template or its name, loaded as
    ``CircuitTemplate.from_yaml`` loads it) run once, as ``CircuitTemplate.run`` runs it; with
    ``clear=True`` the template cache is cleared afterwards, as in PyRates."""
    if isinstance(circuit, str):
        circuit = CircuitTemplate.from_yaml(circuit)
    if not isinstance(circuit, CircuitTemplate):
        circuit = CircuitTemplate._wrap(circuit)
    results = circuit.run(simulation_time=simulation_time, step_size=step_size, **kwargs)
    if kwargs.get("clear"):
        clear_frontend_caches()
    return results


def clear_frontend_caches(clear_template_cache: bool = True, clear_ir_cache: bool = True) -> None:
    """PyRates' ``clear_frontend_caches``: forget the templates ``CircuitTemplate.from_yaml``
    gave (with ``clear_template_cache``), so that the next one loads the file afresh, without
    the changes ``update_var`` made. csweep keeps no compiled-model cache to clear
    (``clear_ir_cache`` changes nothing); its cache of compiled template files follows the files'
    modification times by itself."""
    if clear_template_cache:
        circuits_api.clear_template_cache()


def clear(model: Any = None, **kwargs: Any) -> None:
    """PyRates' ``clear(model, **kwargs)``: ``model.clear()`` then
    :func:`clear_frontend_caches` with ``kwargs``."""
    if hasattr(model, "clear"):
        model.clear()
    clear_frontend_caches(**kwargs)


register_simulator(run=run_circuit, get_run_func=get_run_func)
