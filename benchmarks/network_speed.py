"""The network kernel against the lumped column (JRC2), alternating in one run.

    python benchmarks/network_speed.py                      # about a minute on 2 busy cores
    python benchmarks/network_speed.py --sets 512 --repeats 9 --threads 2
    python benchmarks/network_speed.py --columns 500 --density 0.05   # a larger connectome

Four workloads, each the kernel call that ``csweep.grid_search`` makes (captured from a real
call, then timed alone, so that the sweep's set-up and frames are not counted):

- ``JRC2``: the lumped column, ``--sets`` sets (``h_e`` swept over 3.0-3.5 mV), Euler,
  ``dt = 1e-4``, ``--seconds`` of simulated time, one input series ``u`` shared by all sets,
  ``V_e`` recorded every 10 ms. Unit: ns per set-step.
- ``JRC``: the same column written as three nodes and four edges, the same sets (``h`` of
  ``pc/rpo_e_in``) and input. Unit: ns per set-step; ratio to JRC2. The tiles step a network of
  this shape in one pass over their lanes (``csweep/src/network_column.h``); ``JRC (row
  operations)`` is the same call with that turned off (``fuse_columns(False)``), as every other
  network is stepped: bitwise the same numbers.
- ``connectome``: ``--columns`` JRC columns (68) joined by a random weight matrix
  (``--density``: 30% of pairs; weights uniform in [0, 1)) with discrete delays uniform in
  2.5-37.5 ms (``CircuitTemplate.add_edges_from_matrix``), ``--sets // 8`` sets, a quarter of the
  simulated time. Unit: ns per set-step-column; ratio to JRC2's ns per set-step.

Every repeat runs the four in turn (A B C D A B C D ...); the figures are medians and bests of the
repeats. The machine's other work skews wall times: read the ratios, and the load average the
script prints.
"""

import argparse
import os
import statistics
import time

import numpy as np

import csweep
from csweep import CircuitTemplate
from csweep.kernels import builds as _kernel

STEP = 1e-4
JRC = "model_templates.neural_mass_models.jansenrit.JRC"
NETWORK_TILES = [_kernel.network_kernel, _kernel.narrow_network_kernel]


def captured_call(modules, name, sweep):
    """The arguments ``sweep()`` passes to ``name`` of one of ``modules`` (its one kernel call;
    a network sweep of few sets calls the narrow tiles' build)."""
    originals = {module: getattr(module, name) for module in modules}
    calls = []

    def recorder(original):
        def record(*args, **kwargs):
            calls.append((original, args, kwargs))
            return original(*args, **kwargs)
        return record

    for module, original in originals.items():
        setattr(module, name, recorder(original))
    try:
        sweep()
    finally:
        for module, original in originals.items():
            setattr(module, name, original)
    assert len(calls) == 1, f"expected one kernel call, got {len(calls)} (raise block_size?)"
    original, args, kwargs = calls[0]
    return lambda: original(*args, **kwargs)


def connectome(n: int, density: float, seed: int = 0) -> CircuitTemplate:
    rng = np.random.default_rng(seed)
    weight = (rng.uniform(size=(n, n)) < density) * rng.uniform(0.0, 1.0, (n, n))
    np.fill_diagonal(weight, 0.0)
    delay = rng.uniform(2.5e-3, 37.5e-3, (n, n))
    column = CircuitTemplate.from_yaml(JRC)
    regions = [f"r{i}" for i in range(n)]
    net = CircuitTemplate("connectome", circuits={r: column for r in regions})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=weight,
                              edge_attr={"delay": delay})
    return net


def workloads(n_sets: int, seconds: float, threads: int, columns: int, density: float):
    """name -> (kernel call, cost units of one call, unit's name)"""
    steps = round(seconds / STEP)
    u = np.random.default_rng(42).uniform(120, 320, steps)
    h = np.linspace(3.0e-3, 3.5e-3, n_sets)
    common = dict(step_size=STEP, simulation_time=seconds, sampling_step_size=1e-2,
                  progress=False, float_precision="float64", n_threads=threads,
                  block_size=n_sets)
    jrc2 = captured_call([_kernel.kernel], "integrate_jrc2", lambda: csweep.grid_search(
        "JRC2", {"h": h}, {"h": {"vars": ["jrc_op/h_e"], "nodes": ["jrc"]}},
        outputs={"v": "jrc/jrc_op/V_e"}, inputs={"jrc/jrc_op/u": u}, **common))
    jrc = captured_call(NETWORK_TILES, "integrate_network", lambda: csweep.grid_search(
        JRC, {"h": h}, {"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}},
        outputs={"v": "pc/rpo_e_in/v"}, inputs={"pc/rpo_e_in/u": u}, **common))
    def row_operations():       # the same call without the column's fused step
        previous = [tiles.fuse_columns(False) for tiles in NETWORK_TILES]
        try:
            jrc()
        finally:
            for tiles, setting in zip(NETWORK_TILES, previous, strict=True):
                tiles.fuse_columns(setting)
    net = connectome(columns, density)
    few = max(n_sets // 8, 1)
    short = dict(common, simulation_time=seconds / 4, block_size=few)
    regions = [f"r{i}/pc" for i in range(columns)]
    conn = captured_call(NETWORK_TILES, "integrate_network", lambda: csweep.grid_search(
        net, {"h": h[:few]}, {"h": {"vars": ["rpo_e_in/h"], "nodes": regions}},
        outputs={"v": "r0/pc/rpo_e_in/v"}, **short))
    return {"JRC2": (jrc2, n_sets * steps, "ns per set-step"),
            "JRC": (jrc, n_sets * steps, "ns per set-step"),
            "JRC (row operations)": (row_operations, n_sets * steps, "ns per set-step"),
            f"connectome {columns}": (conn, few * (steps // 4) * columns,
                                        "ns per set-step-column")}, len(net.all_edges())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=2.0, help="simulated time (s)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--columns", type=int, default=68, help="the connectome's columns")
    parser.add_argument("--density", type=float, default=0.3,
                        help="the share of column pairs joined by a delayed edge")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}; kernel {csweep.kernel_info()}")
    runs, n_edges = workloads(args.sets, args.seconds, args.threads, args.columns, args.density)
    walls = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, (call, _, _) in runs.items():
            started = time.perf_counter()
            call()
            walls[name].append(time.perf_counter() - started)
    base = statistics.median(walls["JRC2"]) / runs["JRC2"][1]
    best_base = min(walls["JRC2"]) / runs["JRC2"][1]
    print(f"{args.sets} sets, {args.seconds} s, {args.threads} threads, {args.repeats} repeats "
          f"alternating; the connectome has {n_edges} edges (internal ones included)")
    print("| workload | median ns | best ns | unit | x JRC2 (median) | x JRC2 (best) |")
    print("|---|---:|---:|---|---:|---:|")
    for name, (_, units, unit) in runs.items():
        median = statistics.median(walls[name]) / units
        best = min(walls[name]) / units
        print(f"| {name} | {median * 1e9:.2f} | {best * 1e9:.2f} | {unit} | "
              f"{median / base:.2f} | {best / best_base:.2f} |")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
