"""A sweep written block by block to a Zarr store that ``xarray.open_zarr`` reads as a dataset.

Layout (Zarr format 2, with xarray's ``_ARRAY_DIMENSIONS`` so any Zarr reader sees the dims):

- ``time`` (time): sample times in s; ``run`` (run): the set labels of ``results_map``'s index;
- one coordinate on ``run`` per parameter column (``/`` in a name becomes ``.``; the original is
  the variable's ``csweep_name`` attribute);
- one variable ``(run, time)`` per output (unless ``keep_timeseries=False``), dtype
  ``float_precision``, chunked one block of runs by the whole record;
- one variable ``(run,)`` per feature, float64; ``diverged (run,)``, True for runs whose state
  became NaN or infinite; ``final_state (run, state)`` with a ``state`` coordinate when
  ``return_final_state=True``;
- the attributes of the call (dt, cutoff, solver, template, param_map, inputs and their seeds,
  csweep version, ...), and in the ``_csweep`` group, which xarray does not read, one flag per
  block that is set once the block's values are all written.

Values of runs whose block has not finished are NaN. ``resume=True`` reopens a store, checks that
the call that made it is the same one (its ``csweep_call`` attribute), and runs only the blocks
not yet flagged.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import numpy as np

PROGRESS_GROUP = "_csweep"


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

    def __init__(self, path, group, n_blocks: int):
        self.path = path
        self.group = group
        self.done = group[f"{PROGRESS_GROUP}/block_done"]
        self.n_blocks = n_blocks
        self._arrays: dict = {}

    def _array(self, name: str):
        """The store's array ``name``, opened once (opening reads its metadata from disk)."""
        if name not in self._arrays:
            self._arrays[name] = self.group[name]
        return self._arrays[name]

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path, *, call: dict, attrs: dict, resume: bool, layout: dict) -> SweepStore:
        """Create the store for ``call`` (or, with ``resume``, reopen the one it made).

        ``layout`` holds what the arrays need: labels, times, parameter columns, outputs, dtype,
        features, block_size, n_blocks, state_names (or None).
        """
        zarr = _zarr()
        path = os.fspath(path)
        if os.path.exists(path):
            if not resume:
                raise FileExistsError(
                    f"store {path!r} already exists; pass resume=True to continue the sweep that "
                    "wrote it, or remove it (or choose another path) to start again")
            group = zarr.open_group(path, mode="r+")
            stored = group.attrs.get("csweep_call")
            if stored is None:
                raise ValueError(f"store {path!r} was not written by csweep.grid_search; "
                                 "resume=True continues only a csweep sweep")
            stored = json.loads(stored)
            if stored != call:
                differ = sorted(k for k in set(stored) | set(call) if stored.get(k) != call.get(k))
                raise ValueError(f"resume=True: store {path!r} was written by a different call; "
                                 f"these arguments differ: {', '.join(differ)}. Use the same "
                                 "arguments, or another store path to start a new sweep")
            return cls(path, group, int(group.attrs["csweep_n_blocks"]))
        try:
            return cls._create(zarr, path, call, attrs, layout)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)   # never leave a half-made store behind
            raise

    @classmethod
    def attach(cls, path) -> SweepStore:
        """The store a client created, opened by a worker to write its blocks."""
        group = _zarr().open_group(os.fspath(path), mode="r+")
        return cls(os.fspath(path), group, int(group.attrs["csweep_n_blocks"]))

    @classmethod
    def _create(cls, zarr, path, call, attrs, layout) -> SweepStore:
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
            array(variable_name(name), (n_runs,), ["run"], "float64", (block,), csweep_name=name,
                  coordinates=coords_attr, feature=json.dumps(description))
        array("diverged", (n_runs,), ["run"], "bool", (block,), coordinates=coords_attr,
              long_name="the run's state became NaN or infinite")
        if layout["state_names"] is not None:
            names = np.asarray(layout["state_names"])
            array("state", names, ["state"], names.dtype, (len(names),))
            array("final_state", (n_runs, len(names)), ["run", "state"], "float64",
                  (block, len(names)), coordinates=coords_attr,
                  long_name="state after the last step")
        group.attrs.update({**attrs, "csweep_call": json.dumps(call),
                            "csweep_n_blocks": layout["n_blocks"]})
        progress = group.create_group(PROGRESS_GROUP)
        progress.create_array("block_done", shape=(max(layout["n_blocks"], 1),), chunks=(1,),
                              dtype="uint8", fill_value=0)
        zarr.consolidate_metadata(path)
        return cls(path, group, layout["n_blocks"])

    # -- writing ------------------------------------------------------------------------------

    def pending(self) -> list[int]:
        """Blocks not yet written completely."""
        flags = self.done[:]
        return [b for b in range(self.n_blocks) if not flags[b]]

    def write_block(self, index: int, start: int, stop: int, outputs: dict[str, np.ndarray],
                    features: dict[str, np.ndarray], final_state: np.ndarray | None,
                    diverged: np.ndarray) -> None:
        """Write runs start..stop-1, then flag the block done (a block never flagged is rewritten
        on resume, so an interrupted write leaves nothing that is taken as finished)."""
        writes = [(variable_name(name), (slice(start, stop), slice(None)), values.T)
                  for name, values in outputs.items()]            # values: (n_time, n_block)
        writes += [(variable_name(name), slice(start, stop), values)
                   for name, values in features.items()]
        if final_state is not None:
            writes.append(("final_state", (slice(start, stop), slice(None)), final_state.T))
        writes.append(("diverged", slice(start, stop), diverged))
        _write_all([(self._array(name), where, values) for name, where, values in writes])
        self.done[index] = 1

    def read_features(self, names) -> dict[str, np.ndarray]:
        return {name: self._array(variable_name(name))[:] for name in names}

    def read_final_state(self) -> np.ndarray:
        return self._array("final_state")[:].T

    def read_diverged(self) -> np.ndarray:
        return self._array("diverged")[:].astype(bool)


def _write_all(writes) -> None:
    """``array[where] = values`` for each write, all at once: each Zarr write costs a couple of
    milliseconds of round trips through Zarr's I/O thread, so a block's writes are gathered."""
    try:
        from zarr.core.sync import sync  # noqa: PLC0415 (Zarr 3's bridge to its event loop)
    except ImportError:
        sync = None
    if sync is None or not all(hasattr(array, "async_array") for array, _, _ in writes):
        for array, where, values in writes:
            array[where] = values
        return

    async def gather():
        await asyncio.gather(*(array.async_array.setitem(where, values)
                               for array, where, values in writes))

    sync(gather())
