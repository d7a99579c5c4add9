"""The public name of :mod:`csweep.analysis.plot`, kept for the docs and existing scripts."""

from .analysis.plot import *  # noqa: F403 (this module is that one under its public name)
from .analysis.plot import __all__, __doc__  # noqa: F401
