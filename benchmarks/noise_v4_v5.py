"""Normal noise before and after noise streams version 5: one Box-Muller pair per Philox call
from 53-bit uniforms (version 4) against two pairs per call from 32-bit uniforms (version 5),
alternating in one run.

Two builds cannot be imported into one process, so each measurement is a child process of this
script, with one tree or the other first on its path, taken in turn (old, new, old, new, ...):

    mkdir -p /tmp/v4 && cp -r <a version 4 checkout, built>/csweep /tmp/v4/
    python benchmarks/noise_v4_v5.py --old /tmp/v4 [--new .] [--sets 2000] [--repeats 3]

A child measures:
1. the generator alone, on one thread: a block of 224 sets x 20,000 steps filled with normal
   and with uniform noise (csweep.noise's widest build); ns per value, the best of 3 fills;
2. the JRC2 kernel alone (its widest build, Euler, one thread, 256 sets x 20,000 steps, two
   outputs recorded every 10 steps): driven by one shared input array, by per-set uniform
   noise, by per-set normal noise and by normal noise of per-set mean and std, drawn in its
   tiles; ns per set-step, the best of 5 rounds of the four in turn;
3. issue 27's inference data set (benchmarks/fit.py's cases, one round each, in this order):
   ``--sets`` sets of 8 s with normal noise of per-set mean and std, the 33-value log-spectrum
   feature, into a Zarr store, no time series kept; the same with uniform noise of per-set
   bounds; the same sets in memory driven by one shared input array. Each child gives the
   ratios of the two noises' wall and CPU times (every thread) to the shared array's (after
   one untimed round of 16 sets: a child's first calls import and load).
Medians of the repeats; the load average before and after.
"""

import json
import os
import statistics
import sys
import time

import two_trees  # benchmarks/two_trees.py, beside this script


def kernel_alone(rounds=5, n=256, steps=20_000):
    """ns per set-step of the JRC2 kernel, by input (see the module's docstring)."""
    import numpy as np  # noqa: PLC0415

    from csweep import _runtime  # noqa: PLC0415
    from csweep.kernels.builds import kernel  # noqa: PLC0415

    params = np.array([3.25e-3, 10e-3, 22e-3, 20e-3, 5.0, 560.0, 6e-3, 135.0, 4.0, 3.0])
    params = np.repeat(params[:, None], n, axis=1)
    params[7] = np.linspace(100.0, 400.0, n)                     # C
    rng = np.random.default_rng(1)
    mean, std = rng.uniform(100.0, 300.0, n), rng.uniform(0.0, 60.0, n)
    record, none, zero = np.array([4, 6], np.int32), np.empty((0, 0)), np.zeros((1, 1))
    out = np.empty((steps // 10, 2, n))
    shared = 200.0 + 20.0 * rng.standard_normal((steps, 1))
    inputs = {"kernel shared": (shared, None),
              "kernel uniform": (zero, [(0, 120.0, 320.0, 3, None, None), None]),
              "kernel normal": (zero, [(1, 200.0, 20.0, 3, None, None), None]),
              "kernel normal per-set": (zero, [(1, 0.0, 0.0, 3, mean, std), None])}
    best = dict.fromkeys(inputs, float("inf"))
    for _ in range(rounds):
        for name, (u, drawn) in inputs.items():
            started = time.perf_counter()
            kernel.integrate_jrc2(params, u, zero, record, out, none, none, 10, 0, steps,
                                  _runtime.SOLVERS["euler"], 1e-4, 1, False, noise=drawn,
                                  streams=np.arange(n, dtype=np.uint64) if drawn else None)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: t / (n * steps) * 1e9 for name, t in best.items()}


def child(sets):
    import numpy as np  # noqa: PLC0415

    import csweep.noise as noise_module  # noqa: PLC0415

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fit  # noqa: PLC0415  # benchmarks/fit.py: the inference data set's cases

    generator = noise_module.noise_kernel
    block = np.empty((20_000, 224))
    streams = np.arange(224, dtype=np.uint64)
    figures = {"version": noise_module.STREAM_VERSION, "simd": generator.simd()}
    for kind, name in ((1, "fill normal"), (0, "fill uniform")):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            generator.fill_noise(block, streams, 0, 0, kind, 0.0, 1.0, 1)
            best = min(best, time.perf_counter() - started)
        figures[name] = best / block.size * 1e9
    figures.update(kernel_alone())
    names = ("normal noise, mean and std per set, store", "uniform noise, bounds per set, store",
             "one shared input array, in memory")
    warm = fit.inference_cases(8.0, 16)     # first calls import and load; not timed
    for name in names:
        warm[name]()
    cases = fit.inference_cases(8.0, sets)
    for name in names:
        started = time.process_time()
        figures[name] = fit.timed(cases[name])[0]
        figures[f"{name} cpu"] = time.process_time() - started
    print(json.dumps(figures))


def report(runs):
    shared = "one shared input array, in memory"
    for name, figures in runs.items():
        print(f"{name}: noise streams version {figures[0]['version']}, {figures[0]['simd']}")
        for key in ("fill normal", "fill uniform"):
            values = [f[key] for f in figures]
            print(f"  {key:12s} ns per value (1 thread): median {statistics.median(values):.2f} "
                  f"(runs {', '.join(f'{v:.2f}' for v in values)})")
        base = [f["kernel shared"] for f in figures]
        print(f"  kernel, shared array: ns per set-step (1 thread): median "
              f"{statistics.median(base):.2f}")
        for key in ("kernel uniform", "kernel normal", "kernel normal per-set"):
            extra = [f[key] - f["kernel shared"] for f in figures]
            print(f"  {key}: +{statistics.median(extra):.2f} ns per set-step "
                  f"(runs {', '.join(f'{e:.2f}' for e in extra)})")
        for key in ("normal noise, mean and std per set, store",
                    "uniform noise, bounds per set, store"):
            ratio = [f[key] / f[shared] for f in figures]
            cpu = [f[f"{key} cpu"] / f[f"{shared} cpu"] for f in figures]
            print(f"  {key}: {statistics.median([f[key] for f in figures]):.2f} s, ratio to "
                  f"the shared array median {statistics.median(ratio):.2f} "
                  f"(runs {', '.join(f'{r:.2f}' for r in ratio)}); CPU time (every thread): "
                  f"{statistics.median(cpu):.2f} (runs {', '.join(f'{r:.2f}' for r in cpu)})")
        print(f"  {shared}: {statistics.median([f[shared] for f in figures]):.2f} s")


def main():
    runs = two_trees.run(__doc__, 4, 2000, 3, child, __file__)
    if runs is None:
        return
    report(runs)
    print(f"load average {os.getloadavg()} after")


if __name__ == "__main__":
    main()
