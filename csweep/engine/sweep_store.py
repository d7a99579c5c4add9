"""Running a sweep into a Zarr store: the call's fingerprint, resuming, interrupt-safe writes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ..circuits.fingerprint import callable_fingerprint
from ..noise import Noise
from .progress import reporting
from .store import PROGRESS_GROUP, SweepStore, test_hook, variable_name

logger = logging.getLogger("csweep")

RESERVED = ("time", "run", "state", "final_state", "diverged", PROGRESS_GROUP)


def run_to_store(run, spec, *, block, progress, pool=None, slots=1):
    """Integrate ``run`` (the sets of ``spec``) block by block into the store at ``spec.store``,
    here or as tasks on ``pool`` (:mod:`csweep.engine.cluster`, with ``slots`` task slots); return
    the features and final states of every set (read back from the store for blocks an earlier
    call wrote)."""
    from .. import __version__  # noqa: PLC0415 (the package imports this module)
    from ..kernels.builds import kernel_info  # noqa: PLC0415

    t, path, dtype = spec.settings.timeline, spec.store, spec.values_dtype
    grid, labels = spec.grid, spec.labels
    output_names = spec.settings.output_names if spec.keep_timeseries else []
    _check_names(grid.columns, output_names, run.features)
    described = {name: feature.describe() for name, feature in run.features.items()}
    call = _fingerprint(spec, described)
    call["features"] = {name: {**described[name], **_code(name, feature)}
                        for name, feature in run.features.items()}
    info = kernel_info()
    call.update(csweep_version=__version__, kernel=info["simd"] if spec.compute_precision
                == "float64" else info["simd_float32"])
    n_blocks = len(run.blocks(block))
    attrs = {
        "title": f"csweep sweep of {spec.template}",
        "template": spec.template, "dt": float(spec.step_size),
        "simulation_time": float(spec.simulation_time),
        "sampling_step_size": float(spec.sampling_step_size or spec.step_size),
        "cutoff": float(spec.cutoff or 0.0), "solver": spec.solver,
        "tolerances": json.dumps(call["tolerances"]),
        "float_precision": spec.float_precision,
        "compute_precision": spec.compute_precision,
        "param_map": json.dumps(spec.param_map, default=str),
        "outputs": json.dumps(spec.outputs),
        "inputs": json.dumps(call["inputs"]),
        "seed": json.dumps({k: v["seed"] for k, v in call["inputs"].items() if "seed" in v}),
        "features": json.dumps(described),
        "csweep_version": __version__, "block_size": block,
    }
    layout = {"labels": labels, "times": t.index,
              "parameters": {c: grid[c].to_numpy() for c in grid.columns},
              "outputs": output_names, "output_paths": spec.outputs, "dtype": dtype,
              "features": described,
              "block_size": block, "n_blocks": n_blocks,
              "state_names": list(run.prepared.state_names) if run.want_final else None}

    def open_store() -> SweepStore:
        store = SweepStore.open(path, call=call, attrs=attrs, resume=spec.resume, layout=layout)
        test_hook("opened")
        return store

    with ThreadPoolExecutor(1, thread_name_prefix="csweep-store") as writer:
        if pool is None and not os.path.lexists(path):
            # a new store, every block pending: the writer thread creates it (its arrays take
            # about 0.1 s) while this thread integrates the first block, whose write waits for it
            opened = writer.submit(open_store)
            bounds, pending = run.blocks(block), list(range(n_blocks))
        else:
            opened = Future()
            opened.set_result(open_store())
            store = opened.result()
            bounds = run.blocks(int(store.group.attrs["block_size"]))   # a resumed sweep keeps
            pending = store.pending()                                   # its blocks
            if spec.resume:
                logger.info("csweep: resuming %s: %d of %d blocks to run", path, len(pending),
                            store.n_blocks)
        done_sets = run.n_sets - sum(bounds[b][1] - bounds[b][0] for b in pending)
        try:
            with reporting(progress, run.n_sets, initial=done_sets) as reporter:
                if pool is None:
                    _run_here(run, opened, bounds, pending, output_names, dtype, reporter,
                              done_sets, writer)
                else:
                    from .cluster import run_blocks  # noqa: PLC0415

                    run_blocks(pool, run, bounds, pending, slots=slots, store=path,
                               store_outputs=output_names, dtype=dtype, reporter=reporter,
                               done_sets=done_sets, on_result=lambda start, stop, result: None)
            return opened.result().read_results(list(run.features), run.want_final)
        finally:
            if opened.exception() is None:      # waits for a store still being created
                opened.result().close()


def _run_here(run, opened, bounds, pending, output_names, dtype, reporter, done_sets,
              writer) -> None:
    """Every pending block in turn; block k's features, divergence check and store write run on
    the ``writer`` thread while this thread integrates block k+1 (the kernel, NumPy and zarr
    release the GIL), so the cores are not left idle after each block. Two scratch buffers
    alternate: block k+1 is integrated into the one block k-1 used, which is free once its write
    is done. ``opened``, a future of the store, is the writer's first task when it creates the
    store. Blocks are written and flagged in order, one at a time, each only after its values;
    an error or Ctrl-C here lets the block being written finish before it is raised."""
    scratch = [None, None]
    writing = None                                  # (future, sets of the block) being written
    for turn, index in enumerate(pending):
        start, stop = bounds[index]
        out, final = run.scratch_turn(scratch, turn, stop - start, dtype)
        state = run.integrate(start, stop, out, final)
        done_sets = _written(writing, reporter, done_sets)
        writing = (writer.submit(_finish_and_write, run, opened, index, start, stop, out, state,
                                 final, output_names), stop - start)
    _written(writing, reporter, done_sets)


def _finish_and_write(run, opened, index, start, stop, out, state, final, output_names) -> None:
    """A block's features and divergence flags, then its values, checksums and done flag (into
    the store of future ``opened``, done by now: it came first on the writer thread)."""
    found, diverged = run.finish(out, state)
    opened.result().write_block(index, start, stop, run.series(out, output_names), found, final, diverged)
    logger.debug("csweep: block %d (sets %d-%d) written", index, start, stop - 1)


def _written(writing, reporter, done_sets: int) -> int:
    """Wait for the block being written (raising its error, if any) and report it done."""
    if writing is None:
        return done_sets
    future, n_sets = writing
    with _deferred_interrupt():
        future.result()
    done_sets += n_sets
    reporter.update(done_sets)
    return done_sets


def _check_names(parameters, outputs, features) -> None:
    seen: dict[str, str] = {}
    for kind, names in (("parameter", parameters), ("output", outputs),
                        ("feature", features)):
        for name in names:
            var = variable_name(str(name))
            if var in RESERVED:
                raise ValueError(f"store: {kind} name {name!r} is reserved in the store "
                                 f"({', '.join(RESERVED)}); rename it")
            if var in seen:
                raise ValueError(f"store: {kind} {name!r} and {seen[var]} would share the "
                                 f"array name {var!r}; rename one")
            seen[var] = f"{kind} {name!r}"


def _fingerprint(spec, features: dict) -> dict:
    """Everything that determines a store's contents, as plain JSON-able data; arrays hashed."""
    inputs = {}
    grid, labels = spec.grid, spec.labels
    for key, value in (spec.inputs or {}).items():
        if isinstance(value, Noise):
            inputs[key] = value.describe()
        else:
            array = np.ascontiguousarray(np.asarray(value, dtype=np.float64))
            inputs[key] = {"array": list(array.shape), "sha256": _digest(array)}
    grid_values = np.ascontiguousarray(grid.to_numpy(dtype=np.float64))
    initial = spec.y_init
    return {
        "model": {"name": spec.model.name, "sha256": spec.model.source},
        "param_map": json.loads(json.dumps(spec.param_map, default=str)),
        "grid": {"columns": [str(c) for c in grid.columns], "labels": [str(x) for x in labels],
                 "sha256": _digest(grid_values)},
        "outputs": spec.outputs,
        "inputs": inputs,
        **{k: (None if getattr(spec, k) is None else float(getattr(spec, k)))
           for k in ("step_size", "simulation_time", "sampling_step_size", "cutoff")},
        **{k: getattr(spec, k) for k in ("solver", "float_precision", "compute_precision")},
        **{k: bool(getattr(spec, k)) for k in ("return_final_state", "permute_grid")},
        "initial_state": None if initial is None else _digest(initial),
        "tolerances": None if spec.tolerances is None else vars(spec.tolerances),
        "features": features,
        "keep_timeseries": bool(spec.keep_timeseries),
    }


def _code(name: str, feature) -> dict:
    """What identifies a feature's function: the version the user named, else its code."""
    if feature.func is None:
        return {}
    if feature.version is not None:
        return {"version": feature.version}
    return {"code": callable_fingerprint(feature.func, f"features[{name!r}]")}


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@contextlib.contextmanager
def _deferred_interrupt():
    """Hold Ctrl-C back while a block is written, then raise it, so a store is never left with a
    block half written and flagged, nor a flag set for values not written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt

