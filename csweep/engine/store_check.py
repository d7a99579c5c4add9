"""``csweep.verify_store(path)``: check a store's blocks without importing Zarr at ``import csweep``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import StoreReport


def verify_store(path: str | os.PathLike[str]) -> StoreReport:
    """Check every finished block of a csweep store against the checksums written with it.

    Returns a :class:`csweep.store.StoreReport`: ``report.damaged`` maps each damaged block to
    the arrays whose values differ (``report.ok`` is False when there is any),
    ``report.unfinished`` lists blocks not written yet, and ``print(report)`` says it in words.
    Reads the whole store. On the command line: ``csweep verify STORE``.
    """
    from .store import verify_store as verify  # noqa: PLC0415 (zarr is an optional extra)

    return verify(path)
