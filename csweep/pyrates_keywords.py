"""The public name of :mod:`csweep.engine.pyrates_keywords`, kept for the docs and existing scripts."""

from .engine.pyrates_keywords import *  # noqa: F403 (this module is that one under its public name)
from .engine.pyrates_keywords import __all__, __doc__  # noqa: F401
