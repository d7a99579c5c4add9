"""A sweep written block by block to a Zarr store that ``xarray.open_zarr`` reads as a dataset.

Layout (Zarr format 2, with xarray's ``_ARRAY_DIMENSIONS`` so any Zarr reader sees the dims):

- ``time`` (time): sample times in s; ``run`` (run): the set labels of ``results_map``'s index;
- one coordinate on ``run`` per parameter column (``/`` in a name becomes ``.``; the original is
  the variable's ``csweep_name`` attribute);
- one variable ``(run, time)`` per output (unless ``keep_timeseries=False``), dtype
  ``float_precision``, chunked one block of runs by the whole record;
- one variable ``(run,)`` per feature, float64 (a vector feature: ``(run, <name>_frequency)``,
  with that frequency coordinate); ``diverged (run,)``, True for runs whose state
  became NaN or infinite; ``final_state (run, state)`` with a ``state`` coordinate when
  ``return_final_state=True``;
- the attributes of the call (dt, cutoff, solver, template, param_map, inputs and their seeds,
  csweep version, ...), and in the ``_csweep`` group, which xarray does not read, one flag per
  block that is set once the block's values are all written.

Values of runs whose block has not finished are NaN. ``resume=True`` reopens a store, checks that
the call that made it is the same one (its ``csweep_call`` attribute), and runs only the blocks
not yet flagged.

Trust (docs/robustness.md, "Stores"):

- a store is built in a hidden sibling folder and renamed into place once whole, so a kill during
  creation leaves no store at ``path`` (POSIX renames a folder atomically); csweep only ever
  removes that folder of its own;
- the process writing a store holds an advisory lock on ``_csweep/lock`` (``fcntl.flock``,
  released by the system when the process dies), so a second writer stops with a message;
- each block writes a sha256 per array to ``_csweep/checksum`` before its flag, bound to the
  block and the array; a resume re-runs flagged blocks whose values no longer match, and
  :func:`verify_store` reports them;
- what is written once (coordinates, labels, time, the attributes, every array's layout) has
  its own checksums (``_csweep``'s ``metadata_sha256``): a store whose metadata no longer
  matches is reported by :func:`verify_store` and refused by a resume, before any flag changes;
- a finished, undamaged store is read without a lock, so it can be read where it cannot be
  written (an archive, a read-only folder).
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import secrets
import shutil
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..models.divergence import user_stacklevel
from .checksums import (
    ALGORITHM,
    DIGEST_BYTES,
    STORE_FORMAT,
    BackgroundDigests,
    block_place,
    digest,
    metadata_digests,
    store_identity,
)

PROGRESS_GROUP = "_csweep"
FLAGS = f"{PROGRESS_GROUP}/block_done"
CHECKSUMS = f"{PROGRESS_GROUP}/checksum"
#: the ``_csweep`` group's attribute holding the metadata checksums (checksums.metadata_digests)
METADATA = "metadata_sha256"
LOCK_FILE = "lock"
#: set by tests only: a folder where store creation and block writes announce themselves and
#: wait for a go-ahead, so that a test can kill or race a process at a known moment
TEST_HOOKS = "CSWEEP_TEST_HOOKS"

#: what each entry of a call's fingerprint stands for, in a refused resume's message
FINGERPRINT_NAMES = {
    "model": "the circuit (its template files' content or definition)",
    "features": "the features (their definitions or a custom function's code)",
    "csweep_version": "the csweep version",
    "kernel": "the compiled kernel's arithmetic (its instruction set)",
    "inputs": "the inputs (an array's content, or generated noise: its kind, values, seed, "
              "generator and stream version)",
}


__all__ = ["SweepStore", "StoreReport", "StoreDamagedError", "StoreBusyError", "DamagedStoreWarning",
           "verify_store", "variable_name"]

class StoreDamagedError(ValueError):
    """A store whose values do not match the checksums written with them."""


class StoreBusyError(RuntimeError):
    """A store another process is writing at this moment."""


class DamagedStoreWarning(UserWarning):
    """A resume found blocks whose stored values do not match their checksums; it runs them again."""


def _zarr():
    try:
        import zarr  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError("store= needs the zarr package: pip install 'csweep[zarr]'") from None
    return zarr


def variable_name(name: str) -> str:
    """A parameter or output name as a Zarr array name (no '/', no leading dot)."""
    safe = str(name).replace("/", ".")
    return safe if safe and not safe.startswith(".") else f"_{safe}"


class SweepStore:
    """Writes a sweep's blocks into a Zarr store and remembers which are done."""

    def __init__(self, path, group, n_blocks: int, lock=None):
        self.path = path
        self.group = group
        self.done = group[FLAGS]
        self.checksums = group[CHECKSUMS]
        self.checked_arrays = list(self.checksums.attrs["arrays"])
        self.n_blocks = n_blocks
        self.block_size = int(group.attrs["block_size"])
        self.identity = store_identity(group.attrs["csweep_call"])
        self.n_runs = int(group["run"].shape[0])
        self._arrays: dict = {}
        self._lock = lock
        #: opened for reading only (a finished, whole store a resume found): nothing to write
        self.read_only = False

    def _array(self, name: str):
        """The store's array ``name``, opened once (opening reads its metadata from disk)."""
        if name not in self._arrays:
            self._arrays[name] = self.group[name]
        return self._arrays[name]

    def close(self) -> None:
        """Release the writer's lock (the system also releases it when the process ends)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path, *, call: dict, attrs: dict, resume: bool, layout: dict) -> SweepStore:
        """Create the store for ``call`` (or, with ``resume``, reopen the one it made).

        ``layout`` holds what the arrays need: labels, times, parameter columns, outputs, dtype,
        features, block_size, n_blocks, state_names (or None).
        """
        zarr = _zarr()
        path = os.fspath(path)
        if not os.path.lexists(path):
            store = cls._create_atomically(zarr, path, call, attrs, layout)
            if store is not None:
                return store
            if not resume:
                raise FileExistsError(
                    f"store {path!r} was created by another process while this call created it; "
                    "pass resume=True to continue that sweep once it stops, or choose another path")
        elif not resume:
            raise FileExistsError(
                f"store {path!r} already exists; pass resume=True to continue the sweep that "
                "wrote it, or remove it (or choose another path) to start again")
        return cls._reopen(zarr, path, call)

    @classmethod
    def _reopen(cls, zarr, path, call) -> SweepStore:
        """The store, checked (its layout, the call, its metadata, then its finished blocks)
        before anything in it changes. Finished and whole, it is returned for reading, without a lock
        (no write access needed); else under the writer's lock, its damaged blocks unflagged."""
        group = _open_csweep_group(zarr, path, mode="r")
        try:
            stored = json.loads(group.attrs["csweep_call"])
        except (TypeError, ValueError):
            stored = None       # damaged: told by the metadata's checksums below
        if stored is not None and stored != call:
            differ = sorted(k for k in set(stored) | set(call) if stored.get(k) != call.get(k))
            named = [f"{k} ({FINGERPRINT_NAMES[k]})" if k in FINGERPRINT_NAMES else k
                     for k in differ]
            raise ValueError(f"resume=True: store {path!r} was written by a different call; "
                             f"these arguments differ: {', '.join(named)}"
                             f"{_noise_versions_differ(stored, call)}. Use the same arguments, model "
                             "and features, or another store path to start a new sweep")
        _refuse_damaged_metadata(zarr, path, group, "resume=True")
        n_blocks = int(group.attrs["csweep_n_blocks"])
        reader = cls(path, group, n_blocks)
        if not reader.pending() and not reader.damaged_blocks(reader.done_blocks()):
            reader.read_only = True
            return reader
        lock = _lock(os.path.join(path, PROGRESS_GROUP, LOCK_FILE), path)
        try:
            group = _open_csweep_group(zarr, path, mode="r+")
            # checked again under the lock: another process may have finished or changed it
            _refuse_damaged_metadata(zarr, path, group, "resume=True")
            store = cls(path, group, n_blocks, lock)
            damaged = store.damaged_blocks(store.done_blocks())
        except BaseException:
            os.close(lock)
            raise
        if damaged:
            warnings.warn(f"csweep: store {path!r}: {_describe_damage(damaged)} no longer match "
                          "the checksums written with them; resume=True runs these blocks again",
                          DamagedStoreWarning, stacklevel=user_stacklevel())
            for index in damaged:
                store.done[index] = 0
        return store

    @classmethod
    def attach(cls, path) -> SweepStore:
        """The store a client created, opened by a worker to write its blocks."""
        group = _zarr().open_group(os.fspath(path), mode="r+")
        return cls(os.fspath(path), group, int(group.attrs["csweep_n_blocks"]))

    @classmethod
    def _create_atomically(cls, zarr, path, call, attrs, layout) -> SweepStore | None:
        """Build the store in a hidden sibling folder and rename it to ``path``; None when
        another process put a store (or anything) there first. Only the folder made here is ever
        removed, and only before the rename."""
        target = os.path.abspath(path)
        parent, name = os.path.split(target)
        # os.mkdir, not tempfile.mkdtemp: the store gets the umask's permissions, not 0o700
        building = os.path.join(parent, f".{name}.creating-{os.getpid()}-{secrets.token_hex(4)}")
        os.mkdir(building)
        lock = None
        try:
            cls._create(zarr, building, call, attrs, layout)
            # held from before the rename: no other process can join a store still being set up
            lock = _lock(os.path.join(building, PROGRESS_GROUP, LOCK_FILE), path)
            test_hook("created")
            try:
                os.rename(building, target)   # atomic; fails when path is a non-empty folder
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                    os.close(lock)
                    shutil.rmtree(building, ignore_errors=True)
                    return None
                raise
        except BaseException:
            if lock is not None:
                os.close(lock)
            shutil.rmtree(building, ignore_errors=True)
            raise
        return cls(path, zarr.open_group(path, mode="r+"), layout["n_blocks"], lock)

    @classmethod
    def _create(cls, zarr, path, call, attrs, layout) -> None:
        group = zarr.open_group(path, mode="w-", zarr_format=2)
        block = layout["block_size"]
        labels = np.asarray([str(label) for label in layout["labels"]])
        n_runs, n_time = len(labels), len(layout["times"])

        def array(name, data_or_shape, dims, dtype, chunks, **extra):
            shape = data_or_shape if isinstance(data_or_shape, tuple) else np.shape(data_or_shape)
            kind = np.dtype(dtype).kind
            # no fill value for flags: xarray would read every False as missing
            fill = "" if kind == "U" else np.nan if kind == "f" else None if kind == "b" else 0
            arr = group.create_array(name, shape=shape, chunks=chunks, dtype=dtype,
                                     fill_value=fill,
                                     attributes={"_ARRAY_DIMENSIONS": list(dims), **extra})
            if not isinstance(data_or_shape, tuple):
                arr[...] = data_or_shape
            return arr

        array("time", np.asarray(layout["times"], dtype=np.float64), ["time"], "float64",
              (max(n_time, 1),), units="s", long_name="sample time")
        array("run", labels, ["run"], labels.dtype if n_runs else "<U1", (max(n_runs, 1),),
              long_name="parameter set")
        coordinates = []
        for column, values in layout["parameters"].items():
            name = variable_name(column)
            values = np.asarray(values)
            dtype = values.dtype if values.dtype.kind in "fiub" else np.asarray(
                [str(v) for v in values]).dtype
            array(name, values.astype(dtype), ["run"], dtype, (block,), csweep_name=str(column))
            coordinates.append(name)
        coords_attr = " ".join(coordinates)
        for output in layout["outputs"]:
            array(variable_name(output), (n_runs, n_time), ["run", "time"], layout["dtype"],
                  (block, max(n_time, 1)), csweep_name=output, coordinates=coords_attr,
                  path=layout["output_paths"][output])
        for name, description in layout["features"].items():
            freqs = description.get("freqs")       # a vector feature: one value per frequency
            if freqs is not None:
                axis = f"{variable_name(name)}_frequency"
                array(axis, np.asarray(freqs, dtype=np.float64), [axis], "float64",
                      (len(freqs),), units="Hz", csweep_name=f"{name} frequency")
            array(variable_name(name), (n_runs,) if freqs is None else (n_runs, len(freqs)),
                  ["run"] if freqs is None else ["run", axis], "float64",
                  (block,) if freqs is None else (block, len(freqs)), csweep_name=name,
                  coordinates=coords_attr, feature=json.dumps(description))
        array("diverged", (n_runs,), ["run"], "bool", (block,), coordinates=coords_attr,
              long_name="the run's state became NaN or infinite")
        if layout["state_names"] is not None:
            names = np.asarray(layout["state_names"])
            array("state", names, ["state"], names.dtype, (len(names),))
            array("final_state", (n_runs, len(names)), ["run", "state"], "float64",
                  (block, len(names)), coordinates=coords_attr,
                  long_name="state after the last step")
        # one write of the attributes (attrs.update would rewrite them once per key)
        group.update_attributes({**attrs, "csweep_call": json.dumps(call),
                                 "csweep_n_blocks": layout["n_blocks"],
                                 "csweep_store_format": STORE_FORMAT})
        progress = group.create_group(PROGRESS_GROUP)
        n_blocks = max(layout["n_blocks"], 1)
        progress.create_array("block_done", shape=(n_blocks,), chunks=(1,), dtype="uint8",
                              fill_value=0)
        checked = _checked_arrays(layout)
        progress.create_array("checksum", shape=(n_blocks, len(checked), DIGEST_BYTES),
                              chunks=(1, len(checked), DIGEST_BYTES), dtype="uint8",
                              fill_value=0, attributes={"arrays": checked,
                                                        "algorithm": ALGORITHM})
        # the metadata's checksums, of the store as a reader sees it on disk
        written = zarr.open_group(path, mode="r", use_consolidated=False)
        progress.update_attributes({METADATA: metadata_digests(written, checked, PROGRESS_GROUP,
                                                               folder=path)})
        zarr.consolidate_metadata(path)

    # -- writing ------------------------------------------------------------------------------

    def pending(self) -> list[int]:
        """Blocks not yet written completely."""
        flags = self.done[:]
        return [b for b in range(self.n_blocks) if not flags[b]]

    def done_blocks(self) -> list[int]:
        flags = self.done[:]
        return [b for b in range(self.n_blocks) if flags[b]]

    def bounds(self, index: int) -> tuple[int, int]:
        start = index * self.block_size
        return start, min(start + self.block_size, self.n_runs)

    def write_block(self, index: int, start: int, stop: int, outputs: dict[str, np.ndarray],
                    features: dict[str, np.ndarray], final_state: np.ndarray | None,
                    diverged: np.ndarray) -> None:
        """Write runs start..stop-1 and their checksums, then flag the block done (a block never
        flagged is rewritten on resume, so an interrupted write leaves nothing that is taken as
        finished; a flagged block whose values are later damaged fails its checksums)."""
        writes: dict[str, tuple[object, np.ndarray]] = {
            variable_name(name): ((slice(start, stop), slice(None)), values.T)
            for name, values in outputs.items()}            # values: (n_time, n_block)
        writes.update({variable_name(name): (slice(start, stop), values)
                       for name, values in features.items()})
        if final_state is not None:
            writes["final_state"] = ((slice(start, stop), slice(None)), final_state.T)
        writes["diverged"] = (slice(start, stop), diverged)
        if self.read_only:
            # a call that took the store for new joined it finished: its values are there
            return
        if sorted(writes) != sorted(self.checked_arrays):
            raise ValueError(f"block {index} writes {sorted(writes)}; the store holds "
                             f"{sorted(self.checked_arrays)}")
        digests = BackgroundDigests((writes[name][1], self._array(name).dtype,
                                     block_place(name, index, self.identity))
                                    for name in self.checked_arrays)
        _write_all([(self._array(name), where, values) for name, (where, values) in writes.items()])
        sums = digests.result()
        test_hook("written")
        self.checksums[index] = sums
        self.done[index] = 1

    # -- reading and checking -----------------------------------------------------------------

    def damaged_blocks(self, blocks, names=None, read=None) -> dict[int, list[str]]:
        """Of ``blocks``, those whose arrays (all, or ``names``) do not match their checksums:
        block -> the arrays that differ (or cannot be read). ``read``, a dict, receives each
        array whose ``blocks`` were all read and found as written: the values checked."""
        names = self.checked_arrays if names is None else names
        columns = [self.checked_arrays.index(name) for name in names]
        sums = self.checksums[...]
        damaged: dict[int, list[str]] = {}
        for name, column in zip(names, columns, strict=True):
            array = self._array(name)
            # a feature column is small: read at once (block by block if a chunk is unreadable)
            whole = _read(array, slice(None)) if array.ndim == 1 else None
            pieces = []
            for index in blocks:
                start, stop = self.bounds(index)
                values = (whole[start:stop] if whole is not None
                          else _read(array, slice(start, stop)))
                if values is None or not np.array_equal(
                        digest(values, array.dtype, block_place(name, index, self.identity)),
                        sums[index, column]):
                    damaged.setdefault(index, []).append(name)
                pieces.append(values)
            if read is not None and (whole is not None or pieces) \
                    and not any(name in found for found in damaged.values()):
                read[name] = whole if whole is not None else np.concatenate(pieces)
        return dict(sorted(damaged.items()))

    def read_checked(self, names) -> dict[str, np.ndarray]:
        """Arrays ``names`` (run-major), after checking every block's checksums of them: a
        damaged block raises :class:`StoreDamagedError` rather than return wrong values. Each
        array is read once: what is returned is what was checked."""
        names = [variable_name(n) for n in names]
        read: dict[str, np.ndarray] = {}
        damaged = self.damaged_blocks(range(self.n_blocks), names, read)
        if damaged:
            raise StoreDamagedError(
                f"store {self.path!r}: {_describe_damage(damaged)} do not match the checksums "
                "written with them (changed or damaged after they were written); resume=True "
                "runs these blocks again")
        return {name: read[name] if name in read else self._array(name)[...] for name in names}

    def read_results(self, features, want_final: bool):
        """``(features, final state or None, diverged)`` of every set, checked (read_checked)
        in one pass over the checksums."""
        names = [*features, "diverged", *(["final_state"] if want_final else [])]
        found = self.read_checked(names)
        return ({name: found[variable_name(name)] for name in features},
                found["final_state"].T if want_final else None,
                found["diverged"].astype(bool))

    def read_features(self, names) -> dict[str, np.ndarray]:
        found = self.read_checked(list(names))
        return {name: found[variable_name(name)] for name in names}


@dataclass
class StoreReport:
    """What :func:`verify_store` found: ``damaged`` maps a block to the arrays whose values do
    not match their checksums; ``unfinished`` lists blocks never completed (their runs are NaN
    until ``resume=True`` runs them)."""

    path: str
    n_blocks: int
    block_size: int
    n_runs: int
    damaged: dict[int, list[str]] = field(default_factory=dict)
    unfinished: list[int] = field(default_factory=list)
    #: what of the metadata (``attributes``, ``layout``, ``values of c``, ...) no longer matches
    #: its checksums
    metadata: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the metadata and every finished block's values match their checksums."""
        return not self.damaged and not self.metadata

    def __str__(self) -> str:
        finished = self.n_blocks - len(self.unfinished)
        lines = [f"{self.path}: {self.n_runs} runs in {self.n_blocks} blocks of "
                 f"{self.block_size}; {finished} finished"]
        if self.unfinished:
            lines.append(f"unfinished blocks (resume=True runs them): {_ranges(self.unfinished)}")
        if self.metadata:
            lines.append(f"DAMAGED metadata: {', '.join(self.metadata)} (the coordinates, labels, "
                         "attributes or layout a reader trusts); resume=True refuses this store")
        for index, names in self.damaged.items():
            start = index * self.block_size
            stop = min(start + self.block_size, self.n_runs)
            lines.append(f"DAMAGED block {index} (runs {start}-{stop - 1}): {', '.join(names)}")
        lines.append("the metadata and every finished block match their checksums" if self.ok
                     else f"{len(self.damaged)} damaged blocks: resume=True runs them again"
                     if not self.metadata else "the store's metadata is damaged")
        return "\n".join(lines)


def verify_store(path: str | os.PathLike[str]) -> StoreReport:
    """Check every finished block of a csweep store against the checksums written with it.

    Returns a :class:`StoreReport` listing each damaged block and the arrays that differ
    (``report.ok`` is False when any does), and the blocks not finished yet. Reads the whole
    store. Also on the command line: ``csweep verify STORE``.
    """
    zarr = _zarr()
    path = os.fspath(path)
    group = _open_csweep_group(zarr, path, mode="r", check_layout=False)
    metadata = damaged_metadata(zarr, path, group)
    try:
        _check_layout(path, group)
    except StoreDamagedError:       # the blocks cannot be placed: the metadata is what is told
        attrs = group.attrs
        return StoreReport(path, _int_or(attrs.get("csweep_n_blocks")),
                           _int_or(attrs.get("block_size")), _int_or(group["run"].shape[0]),
                           metadata=metadata or ["attributes"])
    store = SweepStore(path, group, int(group.attrs["csweep_n_blocks"]))
    return StoreReport(path, store.n_blocks, store.block_size, store.n_runs,
                       damaged=store.damaged_blocks(store.done_blocks()),
                       unfinished=store.pending(), metadata=metadata)


def damaged_metadata(zarr, path: str, group) -> list[str]:
    """What of the store's metadata no longer matches the checksums written when it was made:
    ``attributes``, ``layout``, ``values of NAME``; checked as xarray and Zarr read it, through
    the consolidated metadata (``.zmetadata``) and without it; the coordinates' chunk files
    byte for byte too (a damaged compressed chunk may still decode, to values that vary)."""
    views = []
    for consolidated in ((False, True) if os.path.exists(os.path.join(path, ".zmetadata"))
                         else (False,)):
        try:
            views.append(zarr.open_group(path, mode="r", use_consolidated=consolidated))
        except Exception:  # noqa: BLE001 (Zarr raises many kinds for a damaged store)
            return ["layout"]
    differ: list[str] = []
    checked = list(group[CHECKSUMS].attrs["arrays"])
    for view in views:
        try:
            expected = dict(view[PROGRESS_GROUP].attrs[METADATA])
        except Exception:  # noqa: BLE001 (lost or damaged)
            expected = {}
        found = metadata_digests(view, checked, PROGRESS_GROUP, folder=path)
        for name in sorted(set(expected) | set(found)):
            if expected.get(name) != found.get(name) and name not in differ:
                differ.append(name)
    return differ


def _int_or(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _noise_versions_differ(stored, call) -> str:
    """'; the store's noise on X was drawn by noise streams version N ...' for each generated
    noise whose generator or stream version differs between two calls' fingerprints, or ''."""
    notes = []
    stored_inputs, inputs = stored.get("inputs"), call.get("inputs")
    if not isinstance(stored_inputs, dict) or not isinstance(inputs, dict):
        return ""
    for name, now in sorted(inputs.items()):
        before = stored_inputs.get(name)
        if not (isinstance(now, dict) and isinstance(before, dict) and "noise" in before):
            continue
        then = (before.get("generator"), before.get("stream_version"))
        if then != (now.get("generator"), now.get("stream_version")):
            drawn = ("version 1 (splitmix64; the store records no version)" if then == (None, None)
                     else f"version {then[1]} ({then[0]})")
            notes.append(f"; the store's noise on {name!r} was drawn by noise streams {drawn}, "
                         f"this csweep draws version {now.get('stream_version')} "
                         f"({now.get('generator')})")
    return "".join(notes)


def _refuse_damaged_metadata(zarr, path: str, group, what: str) -> None:
    differ = damaged_metadata(zarr, path, group)
    if differ:
        raise StoreDamagedError(
            f"{what}: store {path!r}: its metadata no longer matches the checksums written when "
            f"it was made ({', '.join(differ)}): a reader would get wrong coordinates, labels or "
            "attributes, and the blocks could not be placed; no block was changed. Restore it "
            "from a copy, or start the sweep again in a new store ('csweep verify' reports it)")


def _open_csweep_group(zarr, path: str, mode: str, check_layout: bool = True):
    """The store's root group, once it is known to be a whole csweep store."""
    if not os.path.isdir(path):
        raise ValueError(f"store {path!r} is not a folder, so not a csweep store")
    try:
        group = zarr.open_group(path, mode=mode)
        known = "csweep_call" in group.attrs
        if known:
            group[FLAGS], group[CHECKSUMS]
    except Exception as exc:  # noqa: BLE001 (Zarr raises many kinds for a damaged store)
        raise ValueError(f"store {path!r} cannot be read as a csweep store ({type(exc).__name__}: "
                         f"{exc}); it was not written by this csweep, or its metadata is "
                         "damaged") from None
    if not known:
        raise ValueError(f"store {path!r} was not written by csweep.grid_search (it has no "
                         "csweep_call attribute); resume=True continues only a csweep sweep")
    if not os.path.isdir(os.path.join(path, PROGRESS_GROUP)):
        raise ValueError(f"store {path!r} cannot be read as a csweep store: its {PROGRESS_GROUP} "
                         "folder (the blocks' flags and checksums) is missing, so no block can be "
                         "trusted; its metadata is damaged. Start the sweep again in a new store")
    found = group.attrs.get("csweep_store_format", 1)
    if found != STORE_FORMAT:
        raise ValueError(f"store {path!r} has store format {found!r}; this csweep reads format "
                         f"{STORE_FORMAT} (since issue 30 checksums cover the coordinates and "
                         "attributes and are bound to their blocks), so it cannot check it. Read "
                         "it with the csweep that wrote it, or run the sweep again")
    if check_layout:
        _check_layout(path, group)
    return group


def _check_layout(path: str, group) -> None:
    """The attributes a resume relies on, consistent with the arrays: a clear refusal rather
    than a bare IndexError (or a resume that leaves runs NaN) when they were edited."""
    try:
        block_size = group.attrs["block_size"]
        n_blocks = group.attrs["csweep_n_blocks"]
        n_runs = group["run"].shape[0]
        flags, sums = group[FLAGS].shape, group[CHECKSUMS].shape
        arrays = list(group[CHECKSUMS].attrs["arrays"])
    except Exception as exc:  # noqa: BLE001 (Zarr raises many kinds for a damaged store)
        raise ValueError(f"store {path!r} cannot be read as a csweep store ({type(exc).__name__}: "
                         f"{exc}); its metadata is damaged") from None
    problems = []
    if not (isinstance(block_size, int) and not isinstance(block_size, bool) and block_size > 0):
        problems.append(f"block_size is {block_size!r}, not a positive integer")
    elif not (isinstance(n_blocks, int) and n_blocks == -(-n_runs // block_size)):
        problems.append(f"csweep_n_blocks is {n_blocks!r}, but {n_runs} runs in blocks of "
                        f"{block_size} make {-(-n_runs // block_size)}")
    elif flags != (max(n_blocks, 1),) or sums[:2] != (max(n_blocks, 1), len(arrays)):
        problems.append(f"the flags {flags} and checksums {sums} do not hold {n_blocks} blocks of "
                        f"{len(arrays)} arrays")
    if problems:
        raise StoreDamagedError(f"store {path!r}: its attributes no longer describe its arrays "
                                f"({'; '.join(problems)}); they were edited or damaged, and no "
                                "block was changed. Restore them, or start the sweep again in a "
                                "new store")


def _read(array, where):
    """``array[where]``, or None when its chunks cannot be read (truncated, corrupted)."""
    try:
        return array[where]
    except Exception:  # noqa: BLE001 (a damaged chunk fails in the codec, in many ways)
        return None


def _checked_arrays(layout) -> list[str]:
    """The arrays each block writes, in checksum order."""
    names = [variable_name(o) for o in layout["outputs"]]
    names += [variable_name(f) for f in layout["features"]]
    if layout["state_names"] is not None:
        names.append("final_state")
    return [*names, "diverged"]


def _describe_damage(damaged: dict[int, list[str]]) -> str:
    return "the values of " + "; ".join(f"block {b} ({', '.join(names)})"
                                        for b, names in damaged.items())


def _ranges(blocks: list[int]) -> str:
    shown = ", ".join(map(str, blocks[:20]))
    return shown + (f", ... ({len(blocks)} in all)" if len(blocks) > 20 else "")


def _lock(lock_path: str, store_path: str):
    """An exclusive advisory lock on ``lock_path`` for this process's lifetime (an open file
    descriptor); :class:`StoreBusyError` when another process holds it. Without fcntl
    (Windows) no lock is taken."""
    try:
        import fcntl  # noqa: PLC0415 (POSIX only)
    except ImportError:
        return None
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        raise StoreBusyError(f"store {store_path!r} is being written by another process at this "
                             "moment (another sweep, or its resume); wait until it ends, then "
                             "pass resume=True to continue it if it stopped early") from None
    return descriptor


def test_hook(moment: str) -> None:
    """For tests of kills and races only (``CSWEEP_TEST_HOOKS`` unset: nothing): announce
    ``moment`` with a file ``<dir>/<moment>.<pid>`` and wait until ``<dir>/<moment>.go`` exists."""
    folder = os.environ.get(TEST_HOOKS)
    if not folder:
        return
    with open(os.path.join(folder, f"{moment}.{os.getpid()}"), "w"):
        pass
    go = os.path.join(folder, f"{moment}.go")
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.01)


def _write_all(writes) -> None:
    """``array[where] = values`` for each write, all at once: each Zarr write costs a couple of
    milliseconds of round trips through Zarr's I/O thread, so a block's writes are gathered."""
    try:
        from zarr.core.sync import sync  # noqa: PLC0415 (Zarr 3's bridge to its event loop)
    except ImportError:
        sync = None  # type: ignore[assignment]
    if sync is None or not all(hasattr(array, "async_array") for array, _, _ in writes):
        for array, where, values in writes:
            array[where] = values
        return

    async def gather():
        await asyncio.gather(*(array.async_array.setitem(where, values)
                               for array, where, values in writes))

    sync(gather())
