"""What csweep warns of when a set's state becomes NaN or infinite, and where the warning points."""

from __future__ import annotations

import sys
from types import FrameType


class DivergenceWarning(RuntimeWarning):
    """Some parameter sets' state became NaN or infinite (see ``SweepResult.diverged``)."""


def user_stacklevel() -> int:
    """The ``stacklevel`` of a warning raised here that points at the caller's line: the first
    frame outside csweep, counted from the function that warns."""
    package = __name__.split(".")[0]
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == package:
        frame, level = frame.f_back, level + 1
    return level
