"""solver="scipy": csweep's compiled per-set RK45 against PyRates 1.2.3's solve_ivp, in one run.

    python benchmarks/scipy_solver.py [--repeats 3] [--noise]

The call: the tutorial's six C values, 2 s, default tolerances (rtol 1e-3, atol 1e-6), RK45,
with the constant default input, or with ``--noise`` the tutorial's uniform 120-320 Hz input (one
row per 0.1 ms step, which also bounds the step). csweep's time is the median of ``--repeats``
calls; PyRates' (when ``pyrates`` is importable) is measured once per repeat too, alternating.
Also prints csweep's steps per set.
"""

import argparse
import copy
import statistics
import time

import numpy as np

import csweep

CALL = dict(circuit_template="model_templates.neural_mass_models.jansenrit.JRC2",
            param_grid={"C": [68.0, 128.0, 135.0, 270.0, 675.0, 1350.0]},
            param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
            simulation_time=2.0, step_size=1e-4, sampling_step_size=1e-3, cutoff=1.0,
            outputs={"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"},
            solver="scipy", method="RK45")


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--noise", action="store_true", help="drive the column with noise")
    args = parser.parse_args()
    call = dict(CALL)
    if args.noise:
        call["inputs"] = {"jrc/jrc_op/u": np.random.default_rng(0).uniform(120, 320, (20000, 1))}
    try:
        import pyrates
    except ImportError:
        pyrates = None
    ours, theirs = [], []
    csweep.grid_search(**call)                       # warm: template parsing, imports
    for _ in range(args.repeats):
        seconds, result = timed(lambda: csweep.grid_search(**call))
        ours.append(seconds)
        if pyrates is not None:
            # a copy: PyRates rewrites the caller's inputs dict (an 'all/' prefix on its keys)
            theirs.append(timed(lambda: pyrates.grid_search(
                **{**copy.deepcopy(call), "backend": "default"}))[0])
    print(f"csweep {csweep.__version__}: median {1e3 * statistics.median(ours):.1f} ms "
          f"({', '.join(f'{1e3 * s:.1f}' for s in ours)} ms)")
    print(result.solver_stats.to_string())
    if theirs:
        median = statistics.median(theirs)
        print(f"PyRates {pyrates.__version__}: median {median:.2f} s "
              f"({', '.join(f'{s:.2f}' for s in theirs)} s)")
        print(f"csweep is {median / statistics.median(ours):.0f}x faster")
    else:
        print("PyRates is not installed here: pip install pyrates==1.2.3 to compare")


if __name__ == "__main__":
    main()
