"""The public name of :mod:`csweep.engine.store`, kept for the docs and existing scripts."""

from .engine.store import *  # noqa: F403 (this module is that one under its public name)
from .engine.store import __all__, __doc__  # noqa: F401
