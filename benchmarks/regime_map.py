"""csweep.regime_map against the uniform grid it stands for (issue 28).

The case: the lumped Jansen-Rit column (JRC2) with constant input u in [0, 400] Hz against the
connectivity C in [60, 700], 4 s from rest (step 1e-4 s, the first second dropped), labelled by
csweep.jansen_rit_regimes (rest / oscillation at 5 Hz or more / slower large waves).

Measured in one run, A B A B, medians:
  map   regime_map(resolution=R): its evaluations, wall time, and its own overhead (the time
        outside the batches' grid_search calls: choosing points, classifying, filling the grid)
  same  one grid_search of exactly the map's sets: the map's wall time over this one's, and
        the same for CPU time (steadier than wall time where other jobs share the cores)
With --uniform, once: the uniform R x R grid (R**2 sets) in one grid_search: its wall time,
and the map's agreement with it (all cells, and the cells within two cells of a boundary).
--reference FILE keeps the uniform labels (.npy) so a second run need not sweep them again.

    python benchmarks/regime_map.py --resolution 512 --uniform --reference /tmp/uniform512.npy
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

import csweep

REGION = {"u": (0.0, 400.0), "C": (60.0, 700.0)}
PARAM_MAP = {"u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]},
             "C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}


def run_options(step: float) -> dict:
    return dict(step_size=step, simulation_time=4.0, sampling_step_size=1e-3, cutoff=1.0,
                outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"})


def near_boundary(grid: np.ndarray, reach: int = 2) -> np.ndarray:
    n0, n1 = grid.shape
    padded = np.pad(grid, reach, mode="edge")
    out = np.zeros(grid.shape, dtype=bool)
    for di in range(2 * reach + 1):
        for dj in range(2 * reach + 1):
            out |= padded[di:di + n0, dj:dj + n1] != grid
    return out


def timed_map(classify, resolution: int, step: float, **options):
    """The map, its wall time, and the time spent inside the batches' Sweep.run calls."""
    inside = [0.0]
    real = csweep.Sweep.run

    def evaluate(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            inside[0] += time.perf_counter() - started

    csweep.Sweep.run = evaluate
    try:
        started, cpu = time.perf_counter(), time.process_time()
        m = csweep.regime_map("JRC2", REGION, PARAM_MAP, classify, resolution=resolution,
                              progress=False, **run_options(step), **options)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        csweep.Sweep.run = real
    return m, wall, cpu, inside[0]


def one_sweep(classify, grid: pd.DataFrame, step: float) -> tuple[float, float]:
    """Wall and CPU time (this process's, all threads) of one grid_search of ``grid``."""
    started, cpu = time.perf_counter(), time.process_time()
    csweep.grid_search("JRC2", param_grid=grid, param_map=PARAM_MAP, features=classify.features,
                       keep_timeseries=False, progress=False, **run_options(step))
    return time.perf_counter() - started, time.process_time() - cpu


def uniform_labels(classify, resolution: int, step: float, reference: Path | None):
    if reference is not None and reference.exists():
        return np.load(reference), None
    centres = [csweep.RegimeMap(REGION, resolution, pd.DataFrame(), np.zeros((1, 1))).centres[k]
               for k in REGION]
    u, c = np.meshgrid(*centres, indexing="ij")
    started = time.perf_counter()
    result = csweep.grid_search("JRC2", param_grid=pd.DataFrame({"u": u.ravel(), "C": c.ravel()}),
                                param_map=PARAM_MAP, features=classify.features,
                                keep_timeseries=False, progress=False, **run_options(step))
    wall = time.perf_counter() - started
    labels = np.asarray(classify(result.features)).reshape(resolution, resolution)
    if reference is not None:
        np.save(reference, labels)
    return labels, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=512)
    parser.add_argument("--step", type=float, default=1e-4)
    parser.add_argument("--repeats", type=int, default=2, help="A B pairs (medians)")
    parser.add_argument("--method", default="welch", help="the classifier's spectrum: welch or fft")
    parser.add_argument("--uniform", action="store_true", help="also sweep the uniform grid once")
    parser.add_argument("--reference", type=Path, help="uniform labels (.npy) to read or write")
    args = parser.parse_args()
    classify = csweep.jansen_rit_regimes(method=args.method)
    n = args.resolution
    maps, sweeps, overheads, map_cpu, sweep_cpu = [], [], [], [], []
    for _ in range(args.repeats):
        m, wall, cpu, inside = timed_map(classify, n, args.step)
        maps.append(wall)
        map_cpu.append(cpu)
        overheads.append(wall - inside)
        wall, cpu = one_sweep(classify, m.points[list(REGION)], args.step)
        sweeps.append(wall)
        sweep_cpu.append(cpu)
    print(f"regime map {n}x{n}: {m.n_evaluations} sets = {m.cost:.2%} of the uniform grid's "
          f"{n * n}, in {m.n_batches} batches")
    print(f"  wall time (median of {args.repeats}): map {statistics.median(maps):.2f} s, one "
          f"grid_search of the same sets {statistics.median(sweeps):.2f} s, ratio "
          f"{statistics.median(maps) / statistics.median(sweeps):.3f}")
    print(f"  CPU time (this process, all threads; steadier on a shared machine): map "
          f"{statistics.median(map_cpu):.2f} s, one grid_search {statistics.median(sweep_cpu):.2f} s,"
          f" ratio {statistics.median(map_cpu) / statistics.median(sweep_cpu):.3f}")
    print(f"  the refinement's own overhead (outside grid_search): "
          f"{statistics.median(overheads):.2f} s; per-call overhead included in the batches")
    if args.uniform or (args.reference is not None and args.reference.exists()):
        labels, wall = uniform_labels(classify, n, args.step, args.reference)
        grid = m.to_grid()
        near = near_boundary(labels)
        agree = grid == labels
        if wall is not None:
            print(f"  uniform grid: {n * n} sets in {wall:.1f} s, "
                  f"{wall / statistics.median(maps):.1f}x the map's wall time")
        print(f"  agreement with the uniform grid: {agree.mean():.4%} of the cells, "
              f"{agree[near].mean():.3%} of the {near.sum()} cells within two cells of a boundary")


if __name__ == "__main__":
    main()
