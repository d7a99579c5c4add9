"""The public name of :mod:`csweep.analysis.losses`: built-in losses for :func:`csweep.fit`."""

from .analysis.losses import *  # noqa: F403 (this module is that one under its public name)
from .analysis.losses import __all__, __doc__  # noqa: F401
