"""One sweep run locally, on a two-worker Dask LocalCluster and on a process pool: wall times.

    python benchmarks/distributed_sweep.py [--sets 2000] [--repeats 3] [--workers 2]

Needs the 'csweep[dask]' extra. The sweep is README's large-sweep example (c = linspace(60, 1400,
N), 10 s at dt = 1e-4, per-set uniform 120-320 Hz noise, four features of V_e - V_i) written to a
Zarr store with its time series. It runs, alternating and ``--repeats`` times each (medians):

- ``local``: in this process, on every core (``n_threads`` = the cores);
- ``dask``: on ``LocalCluster(n_workers=W, threads_per_worker=1, processes=True)``;
- ``pool``: on ``ProcessPoolExecutor(W)`` (forkserver).

The cost of a block is measured on a probe sweep of many tiny blocks (N sets x 0.05 s, 8 sets per
block, so that the integration itself is negligible): wall time x task slots / blocks, the time a
slot spends per block on scheduling, sending the task, computing features and writing the store
(for the local run: wall time / blocks, one block at a time). Every engine's store is checked
identical to the local one.
"""

import argparse
import concurrent.futures
import multiprocessing
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import csweep
from csweep import features as F
from csweep import noise
from csweep.engine.cluster import usable_cores

FEATURES = {"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
            "power": F.dominant_power("V_e - V_i", band=(1, 40)),
            "amplitude": F.peak_to_peak("V_e - V_i"), "mean": F.mean("V_e - V_i")}


def sweep(n_sets, store, simulation_time=10.0, **kw):
    return csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, n_sets)},
        {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
        simulation_time=simulation_time, sampling_step_size=1e-3,
        cutoff=min(1.0, simulation_time / 2), outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)}, features=FEATURES,
        store=store, progress=False, **kw)


def timed(n_sets, store, **kw):
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    sweep(n_sets, store, **kw)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import distributed
    import xarray

    folder = Path(tempfile.mkdtemp(prefix="csweep-bench-"))
    engines = {}
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, \
            concurrent.futures.ProcessPoolExecutor(
                args.workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        engines = {"local": {}, "dask": {"client": client}, "pool": {"executor": pool}}
        for name, engine in engines.items():         # warm up: imports, worker start-up
            sweep(64, folder / f"warm-{name}.zarr", simulation_time=0.1, **engine)
        timings = {name: [] for name in engines}
        probe = {name: [] for name in engines}
        n_probe_blocks = -(-args.sets // 8)
        for repeat in range(args.repeats):
            for name, engine in engines.items():
                timings[name].append(timed(args.sets, folder / f"{name}.zarr", **engine))
                probe[name].append(timed(args.sets, folder / "probe.zarr", simulation_time=0.05,
                                         block_size=8, **engine))
            print(f"repeat {repeat + 1}: " + ", ".join(
                f"{n} {timings[n][-1]:.2f} s (probe {probe[n][-1]:.2f} s)" for n in engines))
        local = xarray.open_zarr(folder / "local.zarr").load()
        for name in ("dask", "pool"):
            xarray.testing.assert_identical(local, xarray.open_zarr(folder / f"{name}.zarr").load())

    print(f"\n{args.sets} sets x 10 s (100,000 steps), time series and 4 features to a store; "
          f"medians of {args.repeats}; {usable_cores()} cores")
    print(f"| engine | wall time (s) | x local | probe: {n_probe_blocks} tiny blocks (s) | "
          "cost per block (ms of a slot) |")
    print("|---|---:|---:|---:|---:|")
    local_time = statistics.median(timings["local"])
    for name in engines:
        wall, wall_probe = statistics.median(timings[name]), statistics.median(probe[name])
        slots = 1 if name == "local" else args.workers
        print(f"| {name} | {wall:.2f} | {wall / local_time:.2f} | {wall_probe:.2f} | "
              f"{1e3 * wall_probe * slots / n_probe_blocks:.1f} |")
    print("\nstores of dask and pool identical to local: yes")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
