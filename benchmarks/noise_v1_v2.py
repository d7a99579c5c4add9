"""Generated noise before and after issue 18: SplitMix64 (noise streams version 1) against
Philox4x32-10 (version 2 when this was written; the tree's own streams, version 3 since
f399910, where the text below says version 2), alternating in one run.

    git show 17e9bc3:csweep/_noise.pyx > /tmp/noise_v1/noise_v1.pyx
    (cd /tmp/noise_v1 && cythonize -i -3 noise_v1.pyx)        # or any build with -O3 -fopenmp
    python benchmarks/noise_v1_v2.py --v1-dir /tmp/noise_v1 [--sets 2000] [--repeats 5]

1. The generator alone: one block of the pipeline (224 sets x 100,000 steps, uniform, 2
   threads) filled by version 1, by version 2's baseline (SSE2) build and by its widest build;
   ns per value.
2. In a sweep: N sets x 10 s of JRC2 in memory (float32 frames) driven by one shared input
   array, by version 1's per-set noise and by version 2's; the noise's cost per set-step is
   the difference to the shared array. Version 1 is put in place of version 2's generator
   (csweep.noise.noise_kernel) for its runs; its values are those csweep drew before.
Medians and bests of the repeats; the load average before and after.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

import csweep
import csweep.noise as noise_module
from csweep import _noise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--v1-dir", required=True, help="folder of the built noise_v1 module")
    parser.add_argument("--sets", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, args.v1_dir)
    import noise_v1  # noqa: PLC0415

    class Version1:
        """Version 1's fill_noise behind version 2's signature (keys as Noise.block made them)."""

        @staticmethod
        def fill_noise(out, streams, seed, first_step, kind, a, b, n_threads):
            keys = np.array([noise_v1.stream_key(int(seed), int(s)) for s in streams], np.uint64)
            noise_v1.fill_noise(out, keys, first_step, kind, a, b, n_threads)

    widest = noise_module.noise_kernel
    streams = np.arange(224, dtype=np.uint64)
    block = np.empty((100_000, 224))
    generators = {"v1 SplitMix64": Version1, "v2 Philox sse2": _noise,
                  f"v2 Philox {widest.simd()}": widest}
    c = np.linspace(60.0, 1400.0, args.sets)
    shared = np.random.default_rng(42).uniform(120.0, 320.0, 100_000)

    def sweep(u, generator=widest):
        noise_module.noise_kernel = generator
        try:
            csweep.grid_search(
                "JRC2", {"c": c}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                step_size=1e-4, simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0,
                outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
                inputs={"jrc/jrc_op/u": u}, float_precision="float32", progress=False)
        finally:
            noise_module.noise_kernel = widest

    generated = noise_module.uniform(120.0, 320.0, seed=0)
    sweeps = {"shared array": lambda: sweep(shared),
              "v1 SplitMix64": lambda: sweep(generated, Version1),
              f"v2 Philox {widest.simd()}": lambda: sweep(generated)}
    print(f"csweep {csweep.__version__}, {csweep.kernel_info()}; load average "
          f"{os.getloadavg()} before")
    fills = {name: [] for name in generators}
    runs = {name: [] for name in sweeps}
    for _ in range(args.repeats):
        for name, generator in generators.items():
            started = time.perf_counter()
            generator.fill_noise(block, streams, 0, 0, 0, 120.0, 320.0, 2)
            fills[name].append(time.perf_counter() - started)
        for name, run in sweeps.items():
            started = time.perf_counter()
            run()
            runs[name].append(time.perf_counter() - started)
    print(f"load average {os.getloadavg()} after; {args.repeats} repeats")
    print("1. one block (224 sets x 100,000 steps, uniform, 2 threads), ns per value:")
    for name, values in fills.items():
        print(f"   {name:18s} median {statistics.median(values) / block.size * 1e9:5.2f}  "
              f"best {min(values) / block.size * 1e9:5.2f}")
    set_steps = args.sets * 100_000
    print(f"2. {args.sets} sets x 10 s in memory; ns per set-step (x the shared array's):")
    for how, pick in (("median", statistics.median), ("best", min)):
        base = pick(runs["shared array"])
        print(f"   {how}: " + ";  ".join(
            f"{name} {pick(v) / set_steps * 1e9:.2f} ({pick(v) / base:.2f}x, noise "
            f"{(pick(v) - base) / set_steps * 1e9:+.2f})" for name, v in runs.items()))


if __name__ == "__main__":
    main()
