"""PyRates' calls for one simulation: ``CircuitTemplate.run``, ``integrate``, and the caches.

``CircuitTemplate.run`` is ``grid_search`` with a one-set grid of the circuit's own values (the
kernel, its arithmetic and its numbers are a grid's; a set run alone equals the same set in a
grid bit for bit), reshaped as PyRates returns one simulation: one flat column per ``outputs``
key, the sample times as the index. The circuits stage cannot import the engine, so the engine
gives ``CircuitTemplate`` its ``run`` and ``get_run_func`` through
:func:`csweep.circuits.circuit.register_simulator` when csweep is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..circuits import circuit as circuits_api
from ..circuits.circuit import CircuitTemplate, register_simulator
from .run_func import get_run_func
from .sweep import grid_search

__all__ = ["run_circuit", "integrate", "clear_frontend_caches", "clear"]


def run_circuit(circuit, *, simulation_time: float, step_size: float,
                inputs: Mapping[str, Any] | None = None, outputs: Mapping[str, str] | list | None = None,
                **kwargs: Any) -> pd.DataFrame:
    """``CircuitTemplate.run``: one simulation of ``circuit`` as PyRates returns it."""
    outputs = _outputs(outputs)
    result = grid_search(circuit, pd.DataFrame(index=[0]), {}, step_size=step_size,
                         simulation_time=simulation_time, outputs=outputs, inputs=inputs,
                         **kwargs)
    frame = result.results
    if frame is None:       # keep_timeseries=False: the features are the result
        return result
    frame = frame.copy()
    frame.columns = pd.Index([column[0] for column in frame.columns])
    return frame


def _outputs(outputs) -> dict[str, str]:
    if isinstance(outputs, Mapping):
        return dict(outputs)
    if isinstance(outputs, str):
        return {outputs: outputs}
    if isinstance(outputs, (list, tuple)) and all(isinstance(o, str) for o in outputs):
        return {path: path for path in outputs}     # PyRates names each column by its path
    raise TypeError("outputs must be a dict of column name -> 'node/op/var' path (or a list of "
                    f"paths); received {outputs!r}")


def integrate(circuit, simulation_time: float, step_size: float, **kwargs: Any) -> pd.DataFrame:
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
