"""Checksums of a store's blocks: one sha256 per block and array, written before the block's flag.

A block's checksum of an array is the sha256 of the values the block wrote to it, as the array's
dtype, C order, with the run axis last (``(n_time, n_runs)`` for a series, ``(n_runs,)`` for a
feature): the layout the kernel produces, so writing costs no transposed copy. Reading it back,
the stored ``(n_runs, ...)`` region is transposed first.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np

ALGORITHM = "sha256"
DIGEST_BYTES = 32


def digest(values, dtype) -> np.ndarray:
    """The checksum of one array's values for one block, in stored orientation ``(n_runs, ...)``,
    as ``DIGEST_BYTES`` uint8."""
    canonical = np.ascontiguousarray(np.asarray(values, dtype=dtype).T)
    # hashlib reads the buffer without a copy and releases the GIL while it hashes
    value = hashlib.new(ALGORITHM, canonical.reshape(-1).view(np.uint8).data).digest()
    return np.frombuffer(value, dtype=np.uint8)


class BackgroundDigests:
    """The checksums of a block's arrays, computed on a thread while the block is written."""

    def __init__(self, items):
        """``items``: (values in stored orientation, dtype) per array, in checksum order."""
        self._items = list(items)
        self._result: np.ndarray | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._result = np.stack([digest(v, d) for v, d in self._items]) if self._items \
                else np.zeros((0, DIGEST_BYTES), np.uint8)
        except BaseException as exc:  # re-raised in the caller's thread by result()
            self._error = exc

    def result(self) -> np.ndarray:
        """``(n_arrays, DIGEST_BYTES)`` uint8, once computed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result
