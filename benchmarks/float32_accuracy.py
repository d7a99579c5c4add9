"""Accuracy and speed of compute_precision="float32" against float64 on a 600-set grid.

Workload W of benchmarks/README.md (c = linspace(60, 1400, N), 10 s, Euler, dt = 1e-4, shared
uniform 120-320 Hz noise, V_e and V_i every 1 ms after 1 s). For each set, the error of V_e - V_i
relative to that set's range (max - min of the float64 result) is reported: the worst set and the
median set. Timings alternate float64 and float32 runs and report medians.

    python benchmarks/float32_accuracy.py [--sets 600] [--repeats 3] [--threads 2]
"""

import argparse
import time

import numpy as np

import csweep


def sweep(c, noise, compute_precision, threads):
    started = time.perf_counter()
    results, _ = csweep.grid_search(
        "JRC2", {"c": c}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
        simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0,
        inputs={"jrc/jrc_op/u": noise}, outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        float_precision="float64", compute_precision=compute_precision, n_threads=threads)
    elapsed = time.perf_counter() - started
    return (results["V_e"].to_numpy() - results["V_i"].to_numpy()), elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    c = np.linspace(60, 1400, args.sets)
    noise = np.random.default_rng(42).uniform(120, 320, (100000, 1))
    times = {"float64": [], "float32": []}
    for _ in range(args.repeats):
        for precision in times:
            signal, elapsed = sweep(c, noise, precision, args.threads)
            times[precision].append(elapsed)
            if precision == "float64":
                reference = signal
            else:
                single = signal
    span = reference.max(axis=0) - reference.min(axis=0)
    relative = np.abs(single - reference).max(axis=0) / span
    worst = int(np.argmax(relative))
    print(f"{args.sets} sets, {args.threads} threads, csweep {csweep.__version__}, "
          f"kernel {csweep.kernel_info()}")
    for precision, values in times.items():
        print(f"  {precision}: median {np.median(values):.3f} s over {len(values)} runs")
    print(f"  speed-up float32/float64: {np.median(times['float64']) / np.median(times['float32']):.2f}x")
    print(f"  error of V_e - V_i relative to each set's range: median {np.median(relative):.2e}, "
          f"90th percentile {np.percentile(relative, 90):.2e}, worst {relative[worst]:.2e} "
          f"(c = {c[worst]:.1f}, range {span[worst] * 1e3:.3f} mV)")


if __name__ == "__main__":
    main()
