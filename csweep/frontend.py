"""PyRates' ``pyrates.frontend`` names, so that ``from pyrates.frontend import CircuitTemplate``
becomes ``from csweep.frontend import CircuitTemplate`` (the same classes as ``csweep``'s)."""

from .circuits.circuit import CircuitTemplate, NodeTemplate, OperatorTemplate

__all__ = ["CircuitTemplate", "NodeTemplate", "OperatorTemplate"]
