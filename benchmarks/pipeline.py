"""A whole sweep pipeline against the in-memory kernel, alternating in one run.

    python benchmarks/pipeline.py [--sets 2000] [--simulation-time 10] [--repeats 3]

Contenders (JRC2, c = linspace(60, 1400, N), dt = 1e-4, V_e and V_i every 1 ms after 1 s):

  pipeline         per-set generated noise (csweep.noise.uniform(120, 320)), two features of
                   V_e - V_i (dominant frequency, peak to peak), a features-only Zarr store
                   (keep_timeseries=False): issue 18's pipeline
  in memory        the same sets with one shared input array (uniform 120-320, NumPy), the time
                   series returned as a frame: the kernel's own speed
  generated noise  the same in memory, with the per-set generated noise instead of the shared
                   array: (this - in memory) / (N x steps) is what generated noise costs per
                   set-step
  same features    the pipeline's sweep in memory (no store) with the shared input array: the
                   two features, keep_timeseries=False; pipeline / this is what generated noise
                   and the store add to the same work

Every contender once, then every contender again, ...; medians and bests (minimum) of the
repeats, and their ratios to the in-memory run's. The store needs
``pip install 'csweep[zarr]'``; without it the pipeline runs without a store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time

import numpy as np

import csweep
from csweep import features as F
from csweep import noise

FEATURES = {"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
            "amplitude": F.peak_to_peak("V_e - V_i")}
STEP = 1e-4


def sweep(c, simulation_time, u, **kw):
    return csweep.grid_search(
        "JRC2", {"c": c}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=STEP,
        simulation_time=simulation_time, sampling_step_size=1e-3, cutoff=1.0,
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}, inputs={"jrc/jrc_op/u": u},
        progress=False, **kw)


def has_zarr() -> bool:
    try:
        import xarray  # noqa: F401, PLC0415
        import zarr  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=2000)
    parser.add_argument("--simulation-time", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="kernel threads (all cores)")
    args = parser.parse_args()
    c = np.linspace(60.0, 1400.0, args.sets)
    n_steps = round(args.simulation_time / STEP)
    shared = np.random.default_rng(42).uniform(120.0, 320.0, n_steps)
    generated = noise.uniform(120.0, 320.0, seed=0)
    store = has_zarr()
    folder = tempfile.mkdtemp(prefix="csweep-pipeline-")

    def pipeline():
        path = os.path.join(folder, "sweep.zarr")
        shutil.rmtree(path, ignore_errors=True)
        return sweep(c, args.simulation_time, generated, features=FEATURES,
                     keep_timeseries=False, store=path if store else None,
                     n_threads=args.threads)

    contenders = {
        "pipeline": pipeline,
        "in memory": lambda: sweep(c, args.simulation_time, shared, float_precision="float32",
                                   n_threads=args.threads),
        "generated noise": lambda: sweep(c, args.simulation_time, generated,
                                         float_precision="float32", n_threads=args.threads),
        "same features": lambda: sweep(c, args.simulation_time, shared, features=FEATURES,
                                       keep_timeseries=False, n_threads=args.threads),
    }
    sweep(c[:16], 0.01 + 1.0, generated)                       # untimed warm-up
    print(f"csweep {csweep.__version__}, {csweep.kernel_info()}, noise "
          f"{noise.GENERATOR} v{noise.STREAM_VERSION}; load average {os.getloadavg()} before")
    times = {name: [] for name in contenders}
    try:
        for _ in range(args.repeats):
            for name, run in contenders.items():
                started = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average {os.getloadavg()} after; {args.sets} sets x {args.simulation_time:g} s, "
          f"{args.repeats} repeats, {'with' if store else 'WITHOUT'} a Zarr store")
    base = statistics.median(times["in memory"])
    best = min(times["in memory"])
    set_steps = args.sets * n_steps
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:16s} median {median:7.3f} s  ({median / set_steps * 1e9:6.2f} ns per "
              f"set-step)  x in memory {median / base:5.2f}  best {min(values):7.3f} s  "
              f"x in memory's best {min(values) / best:5.2f}   runs: "
              + " ".join(f"{v:.2f}" for v in values))
    for how, pick in (("medians", statistics.median), ("bests", min)):
        extra = pick(times["generated noise"]) - pick(times["in memory"])
        print(f"generated noise costs {extra / set_steps * 1e9:.2f} ns per set-step over the "
              f"shared array ({how}); pipeline x same features "
              f"{pick(times['pipeline']) / pick(times['same features']):.2f}")


if __name__ == "__main__":
    main()
