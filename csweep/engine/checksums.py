"""Checksums of a store: one sha256 per block and array, and one over everything else a reader
trusts.

A block's checksum of an array is the sha256 of the store's identity (its call), the array's
name and the block's index (so a checksum is bound to the place it belongs: two blocks' chunk
files swapped together with their checksums no longer match, nor a block copied in from another
store), then of the values the block wrote to it, as the array's dtype,
C order, with the run axis last (``(n_time, n_runs)`` for a series, ``(n_runs,)`` for a feature):
the layout the kernel produces, so writing costs no transposed copy. Reading it back, the stored
``(n_runs, ...)`` region is transposed first.

The metadata checksums (:func:`metadata_digests`) cover what is written once, when the store is
created: the values of the coordinates (``time``, ``run``, ``state``, each parameter), the
group's attributes (the call, ``block_size``, ``csweep_n_blocks``, ...), and the layout of every
array (shape, chunks, dtype, fill value, attributes).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings

import numpy as np

ALGORITHM = "sha256"
DIGEST_BYTES = 32
#: the layout of a store's checksums; a store of another format is refused (not misread)
STORE_FORMAT = 2


def digest(values, dtype, where: str = "") -> np.ndarray:
    """The checksum of one array's values for one block, in stored orientation ``(n_runs, ...)``,
    as ``DIGEST_BYTES`` uint8; ``where`` (``"V_e#3"``: the array and the block) is hashed first,
    binding the checksum to its place."""
    canonical = np.ascontiguousarray(np.asarray(values, dtype=dtype).T)
    hasher = hashlib.new(ALGORITHM, f"{where};{canonical.dtype.str}{canonical.shape};".encode())
    # hashlib reads the buffer without a copy and releases the GIL while it hashes
    hasher.update(canonical.reshape(-1).view(np.uint8).data)
    return np.frombuffer(hasher.digest(), dtype=np.uint8)


def block_place(name: str, block: int, store: str = "") -> str:
    """What a block's checksum of array ``name`` is bound to: the array, the block, and the
    store's identity (:func:`store_identity`), so a block copied from another store with its
    checksums does not pass either."""
    return f"{store}/{name}#{int(block)}"


def store_identity(call: str) -> str:
    """A store's identity: the sha256 of its call's fingerprint (its ``csweep_call``)."""
    return hashlib.sha256(str(call).encode()).hexdigest()[:32]


def metadata_digests(group, block_arrays, progress_group: str,
                     folder: str | None = None) -> dict[str, str]:
    """sha256 (hex) of what a reader of ``group`` trusts beyond its blocks' values, by name:
    ``attributes``, ``layout``, and ``values of NAME`` (and, with the store's ``folder``,
    ``chunks of NAME``: its chunk files' bytes) for each array no block writes. An array that
    cannot be read gets ``"unreadable"``."""
    found = {"attributes": _hex(_json(dict(group.attrs)))}
    layout = {}
    for name, array in sorted(_arrays(group)):
        layout[name] = _layout(array)
        if name not in block_arrays:
            try:
                values = np.ascontiguousarray(array[...])
            except Exception:  # noqa: BLE001 (a damaged chunk fails in the codec, in many ways)
                found[f"values of {name}"] = "unreadable"
                continue
            hasher = hashlib.sha256(f"{name};{values.dtype.str}{values.shape};".encode())
            hasher.update(values.reshape(-1).view(np.uint8).data)
            found[f"values of {name}"] = hasher.hexdigest()
            if folder is not None:
                found[f"chunks of {name}"] = _chunk_files(os.path.join(folder, name))
    try:
        progress = group[progress_group]
        for name, array in sorted(_arrays(progress)):
            layout[f"{progress_group}/{name}"] = _layout(array)
    except Exception:  # noqa: BLE001 (a lost or damaged group)
        layout[progress_group] = "unreadable"
    found["layout"] = _hex(_json(layout))
    return found


def _chunk_files(directory: str) -> str:
    """sha256 of an array's chunk files (names and bytes; Zarr's own .z files left out)."""
    hasher = hashlib.sha256()
    names = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
    for name in names:
        if not name.startswith("."):
            with open(os.path.join(directory, name), "rb") as handle:
                hasher.update(f"{name};".encode())
                hasher.update(hashlib.file_digest(handle, "sha256").digest())
    return hasher.hexdigest()


def _arrays(group):
    with warnings.catch_warnings():     # Zarr warns of files it does not know (the lock)
        warnings.simplefilter("ignore")
        return list(group.arrays())


def _layout(array) -> dict:
    return {"shape": list(array.shape), "chunks": list(array.chunks), "dtype": str(array.dtype),
            "fill_value": repr(array.fill_value), "attributes": dict(array.attrs)}


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class BackgroundDigests:
    """The checksums of a block's arrays, computed on a thread while the block is written."""

    def __init__(self, items):
        """``items``: (values in stored orientation, dtype, place) per array, in checksum
        order."""
        self._items = list(items)
        self._result: np.ndarray | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._result = np.stack([digest(*item) for item in self._items]) if self._items \
                else np.zeros((0, DIGEST_BYTES), np.uint8)
        except BaseException as exc:  # re-raised in the caller's thread by result()
            self._error = exc

    def result(self) -> np.ndarray:
        """``(n_arrays, DIGEST_BYTES)`` uint8, once computed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result
