"""A 20,000-set tutorial-length sweep with features only: wall time and peak RSS.

    python benchmarks/large_sweep.py [--sets 20000] [--store PATH] [--check 64]

Runs README's large-sweep example (c = linspace(60, 1400, N), 10 s at dt = 1e-4, per-set uniform
120-320 Hz noise, features of V_e - V_i, keep_timeseries=False), then prints the wall time and
the process's peak resident memory (VmHWM). With --check K, K sets spread over the grid are run
again in memory, with their time series, and their features computed from those frames are
compared with the sweep's.
"""

import argparse
import time

import numpy as np
import pandas as pd

import csweep
from csweep import features as F
from csweep import noise

FEATURES = {"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
            "power": F.dominant_power("V_e - V_i", band=(1, 40)),
            "amplitude": F.peak_to_peak("V_e - V_i"), "mean": F.mean("V_e - V_i")}


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(grid, **kw):
    return csweep.grid_search(
        "JRC2", grid, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
        simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0,
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)}, **kw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=20_000)
    parser.add_argument("--store", default=None, help="also write a features-only Zarr store")
    parser.add_argument("--check", type=int, default=64,
                        help="sets re-run in memory to check the features (0: none)")
    args = parser.parse_args()
    grid = pd.DataFrame({"c": np.linspace(60, 1400, args.sets)})
    before = peak_rss_mb()
    started = time.perf_counter()
    result = run(grid, features=FEATURES, keep_timeseries=False, store=args.store,
                 progress=True)
    seconds = time.perf_counter() - started
    print(f"{args.sets} sets, 10 s each, features only: {seconds:.1f} s "
          f"({seconds / args.sets * 1e3:.2f} ms per set); peak RSS {peak_rss_mb():.0f} MB "
          f"({before:.0f} MB before the sweep); csweep {csweep.__version__}, {csweep.kernel_info()}")
    if args.check:
        rows = np.unique(np.linspace(0, args.sets - 1, args.check).astype(int))
        subset = grid.iloc[rows]
        frames = run(subset)
        expected = F.from_frames(frames[0], frames[1], FEATURES)
        got = result.features.iloc[rows]
        same = np.array_equal(got[list(FEATURES)].to_numpy(), expected[list(FEATURES)].to_numpy())
        print(f"features of {len(rows)} sets re-run in memory with their time series: "
              f"{'identical' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
