"""Normal noise before and after noise streams version 4: the C library's log, cos and sin, one
value at a time (version 3), against csweep's own, vectorised (version 4), alternating in one run.

Two builds cannot be imported into one process, so each measurement is a child process of this
script, with one tree or the other first on its path, taken in turn (old, new, old, new, ...):

    mkdir -p /tmp/v3 && cp -r <a version 3 checkout, built>/csweep /tmp/v3/
    python benchmarks/noise_v3_v4.py --old /tmp/v3 [--new .] [--sets 500] [--repeats 5]

A child measures, on 2 threads:
1. the generator alone: a block of 224 sets x 50,000 steps filled with normal and with uniform
   noise (csweep.noise's widest build); ns per value;
2. in a sweep: N sets x 10 s of JRC2 in memory (float32 frames) driven by one shared input
   array, by per-set normal noise and by per-set uniform noise, both drawn in the kernel's tiles
   as they step; the noise's cost per set-step is the difference to the shared array.
Medians of the repeats; the load average before and after.
"""

import json
import os
import statistics
import time

import two_trees  # benchmarks/two_trees.py, beside this script


def child(sets):
    import numpy as np  # noqa: PLC0415

    import csweep  # noqa: PLC0415
    import csweep.noise as noise_module  # noqa: PLC0415

    generator = noise_module.noise_kernel
    block = np.empty((50_000, 224))
    streams = np.arange(224, dtype=np.uint64)
    figures = {"version": noise_module.STREAM_VERSION, "simd": generator.simd()}
    for kind, name in ((1, "fill normal"), (0, "fill uniform")):
        generator.fill_noise(block, streams, 0, 0, kind, 0.0, 1.0, 2)
        started = time.perf_counter()
        generator.fill_noise(block, streams, 0, 0, kind, 0.0, 1.0, 2)
        figures[name] = (time.perf_counter() - started) / block.size * 1e9
    c = np.linspace(60.0, 1400.0, sets)
    shared = np.random.default_rng(42).uniform(120.0, 320.0, 100_000)
    inputs = {"shared": shared, "normal": noise_module.normal(220.0, 22.0, seed=0),
              "uniform": noise_module.uniform(120.0, 320.0, seed=0)}
    for name, u in inputs.items():
        started = time.perf_counter()
        csweep.grid_search(
            "JRC2", {"c": c}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
            step_size=1e-4, simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0,
            outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
            inputs={"jrc/jrc_op/u": u}, float_precision="float32", progress=False, n_threads=2)
        figures[f"sweep {name}"] = (time.perf_counter() - started) / (sets * 100_000) * 1e9
    print(json.dumps(figures))


def main():
    runs = two_trees.run(__doc__, 3, 500, 5, child, __file__)
    if runs is None:
        return
    for name, figures in runs.items():
        print(f"{name}: noise streams version {figures[0]['version']}, {figures[0]['simd']}")
        for key in ("fill normal", "fill uniform", "sweep shared", "sweep normal",
                    "sweep uniform"):
            values = [f[key] for f in figures]
            print(f"  {key:14s} ns per {'value' if key.startswith('fill') else 'set-step'}: "
                  f"median {statistics.median(values):.2f} (runs {', '.join(f'{v:.2f}' for v in values)})")
        for kind in ("normal", "uniform"):
            extra = [f[f"sweep {kind}"] - f["sweep shared"] for f in figures]
            ratio = [f[f"sweep {kind}"] / f["sweep shared"] for f in figures]
            print(f"  {kind} noise in the tiles: +{statistics.median(extra):.2f} ns per set-step,"
                  f" {statistics.median(ratio):.2f}x the shared array")
    print(f"load average {os.getloadavg()} after")


if __name__ == "__main__":
    main()
