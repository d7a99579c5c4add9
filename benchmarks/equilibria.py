"""Equilibria of 100,000 sets against simulating them for 1,000 steps, measured in one run.

    python benchmarks/equilibria.py [--sets 100000] [--repeats 2] [--template JRC2]
                                    [--scan-points 256]

The grid: the lumped column's input u from -60 to 420 Hz times 10 values of C from 100 to 300
(permute_grid), so that a third of the sets have three equilibria. Timed A B A B (medians):

- A: ``csweep.grid_search`` of those sets for 1,000 steps of 1e-4 s (Euler, the default), with
  ``keep_timeseries=False`` and one feature (the mean of V_e - V_i), so no frame of samples is
  built;
- B: ``csweep.equilibria`` of the same sets (every equilibrium, state and stability), once with
  the eigenvalues (``eigenvalues=True``, the default) and once without.

Prints the medians and the ratios B / A.
"""

import argparse
import statistics
import time

import numpy as np

import csweep
from csweep import features as F

MAPS = {"JRC2": {"u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]},
                 "c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        "JRC": {"u": {"vars": ["rpo_e_in/u"], "nodes": ["pc"]},
                "c": {"vars": ["rpo_e/h"], "nodes": ["ein"]}}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--template", default="JRC2", choices=sorted(MAPS))
    parser.add_argument("--scan-points", type=int, default=256)
    args = parser.parse_args()
    n_c = 10
    if args.template == "JRC2":
        second = np.linspace(100, 300, n_c)
    else:   # the excitatory interneurons' gain stands in for C in the network
        second = np.linspace(2.5e-3, 4e-3, n_c)
    grid = {"u": np.linspace(-60, 420, args.sets // n_c), "c": second}
    param_map = MAPS[args.template]
    outputs = ({"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"} if args.template == "JRC2"
               else {"V_e": "pc/rpo_e_in/v", "V_i": "pc/rpo_i/v"})

    def simulate():
        return csweep.grid_search(args.template, grid, param_map, step_size=1e-4,
                                  simulation_time=0.1, outputs=outputs, permute_grid=True,
                                  keep_timeseries=False, features={"mean": F.mean("V_e + V_i")},
                                  progress=False)

    def rest(eigenvalues):
        return csweep.equilibria(args.template, grid, param_map, permute_grid=True,
                                 eigenvalues=eigenvalues, scan_points=args.scan_points)

    runs = {"simulate 1,000 steps": simulate, "equilibria": lambda: rest(True),
            "equilibria, eigenvalues=False": lambda: rest(False)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            result = run()
            times[name].append(time.perf_counter() - started)
    frame = rest(True)
    n_sets = len(grid["u"]) * n_c
    print(f"{args.template}: {n_sets} sets, {len(frame)} equilibria "
          f"({(frame.groupby(level='set').size() == 3).sum()} sets with three); "
          f"csweep {csweep.__version__}, {csweep.kernel_info()}")
    base = statistics.median(times["simulate 1,000 steps"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:32s} median {median:6.2f} s of {len(values)}  ratio {median / base:.2f}")
    del result


if __name__ == "__main__":
    main()
