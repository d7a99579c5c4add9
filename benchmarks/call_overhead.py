"""The fixed cost of a call: ``Sweep.run`` and ``grid_search`` on small and large calls, measured
in one run, the contenders alternating (A B A B ...), medians of ``--repeats``.

    python benchmarks/call_overhead.py                  # about a minute on 2 cores
    python benchmarks/call_overhead.py --repeats 41 --skip-networks

What it prints, each figure for whole calls as a user makes them:

1. ``Sweep.run`` on 8 sets for 10 steps against ``Sweep.run`` on 64 sets for 1 s (10,000 steps):
   the ratio of the medians (target: at most 0.2), and the same two calls as ``grid_search``.
2. Where a small ``Sweep.run`` spends its time: mapping the grid (``bind_grid``), the kernel
   (``BlockRunner.integrate``), and the rest (features, frames, result).
3. The PyRates tutorial (6 sets, 10 s, a shared noise input) as ``grid_search``: the share of
   the call spent in the kernel (target: at least 80%).
4. Networks as whole ``grid_search`` calls: the column written as three nodes (``JRC``, 240
   sets, 1 s) against the same ``JRC2`` call (target: at most 1.5x), and 16 sets of the
   68-column connectome (0.5 s) against 16 ``JRC2`` sets, per set-step-column (target: at most
   2x).

The machine's other work skews wall times: read the ratios, and the load average printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from network_speed import connectome  # benchmarks/network_speed.py, beside this script

import csweep
from csweep import Sweep, grid_search
from csweep.engine import runner, sweep

STEP = 1e-4
JRC = "model_templates.neural_mass_models.jansenrit.JRC"
C_MAP = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUTPUTS = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}


def alternate(calls: dict, repeats: int) -> dict[str, list[float]]:
    """Each call once untimed, then ``repeats`` rounds of every call in turn: name -> seconds."""
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return times


def print_medians(times: dict[str, list[float]]) -> dict[str, float]:
    """Print each call's median and best time; return the medians."""
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"  {name:<36} median {median * 1e3:9.3f} ms  best {min(times[name]) * 1e3:9.3f} ms")
    return medians


def small_and_large(repeats: int) -> None:
    small_grid = {"C": np.linspace(100, 200, 8)}
    large_grid = {"C": np.linspace(100, 200, 64)}
    small = Sweep("JRC2", C_MAP, 10 * STEP, STEP, outputs=OUTPUTS, progress=False)
    large = Sweep("JRC2", C_MAP, 1.0, STEP, outputs=OUTPUTS, progress=False)
    common = dict(param_map=C_MAP, step_size=STEP, outputs=OUTPUTS, progress=False)
    times = alternate({
        "Sweep.run 8 sets x 10 steps": lambda: small.run(small_grid),
        "Sweep.run 64 sets x 10,000 steps": lambda: large.run(large_grid),
        "grid_search 8 sets x 10 steps": lambda: grid_search(
            "JRC2", small_grid, simulation_time=10 * STEP, **common),
        "grid_search 64 sets x 10,000 steps": lambda: grid_search(
            "JRC2", large_grid, simulation_time=1.0, **common),
    }, repeats)
    medians = print_medians(times)
    names = list(medians)
    print(f"  Sweep.run small / large: {medians[names[0]] / medians[names[1]]:.3f} "
          "(target <= 0.2)")
    print(f"  grid_search small / large: {medians[names[2]] / medians[names[3]]:.3f}")
    where_it_goes(small, small_grid, repeats)


def where_it_goes(small: Sweep, grid: dict, repeats: int) -> None:
    """The small call's median time in each stage, measured by wrapping the stage's function."""
    spent: dict[str, list[float]] = {"bind_grid": [], "kernel": [], "call": []}
    originals = {"bind_grid": (sweep, "bind_grid"),
                 "kernel": (runner.BlockRunner, "integrate")}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name][-1] += time.perf_counter() - started
        return wrapper

    saved = {name: getattr(owner, attr) for name, (owner, attr) in originals.items()}
    for name, (owner, attr) in originals.items():
        setattr(owner, attr, timed(name, saved[name]))
    try:
        for _ in range(repeats):
            for values in spent.values():
                values.append(0.0)
            started = time.perf_counter()
            small.run(grid)
            spent["call"][-1] = time.perf_counter() - started
    finally:
        for name, (owner, attr) in originals.items():
            setattr(owner, attr, saved[name])
    call = statistics.median(spent["call"])
    bind = statistics.median(spent["bind_grid"])
    kernel = statistics.median(spent["kernel"])
    print(f"  where a small Sweep.run's {call * 1e6:.0f} us go (medians): mapping the grid "
          f"{bind * 1e6:.0f} us, the kernel {kernel * 1e6:.0f} us, the rest (features, frames, "
          f"result) {(call - bind - kernel) * 1e6:.0f} us")


def tutorial_share(repeats: int) -> None:
    noise = np.random.default_rng(0).uniform(120.0, 320.0, (100_000, 1))
    kernel: list[float] = []
    integrate = runner.BlockRunner.integrate

    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return integrate(self, *args, **kwargs)
        finally:
            kernel[-1] += time.perf_counter() - started

    def call():
        return grid_search(
            "model_templates.neural_mass_models.jansenrit.JRC2",
            param_grid={"C": [68.0, 128.0, 135.0, 270.0, 675.0, 1350.0]}, param_map=C_MAP,
            simulation_time=10.0, step_size=STEP, sampling_step_size=1e-3, cutoff=1.0,
            inputs={"jrc/jrc_op/u": noise},
            outputs={"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"},
            backend="default", solver="euler", progress=False)

    call()
    runner.BlockRunner.integrate = timed
    whole = []
    try:
        for _ in range(repeats):
            kernel.append(0.0)
            started = time.perf_counter()
            call()
            whole.append(time.perf_counter() - started)
    finally:
        runner.BlockRunner.integrate = integrate
    shares = [k / w for k, w in zip(kernel, whole, strict=True)]
    print(f"  tutorial grid_search: median {statistics.median(whole) * 1e3:.2f} ms, of which the "
          f"kernel {statistics.median(kernel) * 1e3:.2f} ms; kernel share median "
          f"{statistics.median(shares):.1%} (target >= 80%)")


def networks(repeats: int) -> None:
    u1 = np.random.default_rng(42).uniform(120, 320, round(1.0 / STEP))
    h240 = np.linspace(3.0e-3, 3.5e-3, 240)
    common = dict(step_size=STEP, sampling_step_size=1e-2, progress=False,
                  float_precision="float64")
    net = connectome(68, 0.3)
    regions = [f"r{i}/pc" for i in range(68)]
    h16 = h240[:16]
    times = alternate({
        "JRC2 240 sets 1 s": lambda: grid_search(
            "JRC2", {"h": h240}, {"h": {"vars": ["jrc_op/h_e"], "nodes": ["jrc"]}},
            simulation_time=1.0, outputs={"v": "jrc/jrc_op/V_e"}, inputs={"jrc/jrc_op/u": u1},
            **common),
        "JRC 240 sets 1 s": lambda: grid_search(
            JRC, {"h": h240}, {"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}},
            simulation_time=1.0, outputs={"v": "pc/rpo_e_in/v"}, inputs={"pc/rpo_e_in/u": u1},
            **common),
        "JRC2 16 sets 0.5 s": lambda: grid_search(
            "JRC2", {"h": h16}, {"h": {"vars": ["jrc_op/h_e"], "nodes": ["jrc"]}},
            simulation_time=0.5, outputs={"v": "jrc/jrc_op/V_e"},
            inputs={"jrc/jrc_op/u": u1[:5000]}, **common),
        "connectome 68, 16 sets 0.5 s": lambda: grid_search(
            net, {"h": h16}, {"h": {"vars": ["rpo_e_in/h"], "nodes": regions}},
            simulation_time=0.5, outputs={"v": "r0/pc/rpo_e_in/v"}, **common),
    }, repeats)
    medians = print_medians(times)
    names = list(medians)
    print(f"  JRC / JRC2 (whole calls): {medians[names[1]] / medians[names[0]]:.2f} "
          "(target <= 1.5)")
    print(f"  connectome per set-step-column / JRC2 per set-step: "
          f"{medians[names[3]] / 68 / medians[names[2]]:.2f} (target <= 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--skip-networks", action="store_true")
    args = parser.parse_args()
    print(f"csweep {csweep.__version__}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}")
    print("1-2. small and large calls")
    small_and_large(args.repeats)
    print("3. the tutorial")
    tutorial_share(max(5, args.repeats // 3))
    if not args.skip_networks:
        print("4. networks")
        networks(max(5, args.repeats // 3))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
