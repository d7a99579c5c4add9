"""The public name of :mod:`csweep.analysis.features`, kept for the docs and existing scripts."""

from .analysis.features import *  # noqa: F403 (this module is that one under its public name)
from .analysis.features import __all__, __doc__  # noqa: F401
