"""csweep against The Virtual Brain on a 68-region Jansen-Rit connectome, alternating in one run.

    python benchmarks/tvb_jansenrit.py                        # csweep only, if tvb is missing
    python benchmarks/tvb_jansenrit.py --tvb-python /work/tvbenv/bin/python

The network (the same on both sides, from one NumPy generator): 68 Jansen-Rit columns, a weight
matrix of density 0.3 (weights uniform in [0, 1), no self-connections), discrete conduction
delays uniform in 2.5-37.5 ms; the pyramidal population's firing rate (5 Hz at most) of the
source, delayed, times the weight, added to the target's excitatory input to its pyramidal
population (beside the constant 220 Hz input); Euler, dt = 0.1 ms, 10 s; both potentials of
every pyramidal population recorded every 1 ms.

- csweep: the network built with CircuitTemplate.add_edges_from_matrix from PyRates' JRC
  (three nodes per column), ``--sets`` parameter sets (the excitatory synaptic gain h of every
  column from 3.0 to 3.5 mV) integrated together on the kernel's threads. Units V and s.
- The Virtual Brain (tvb-library, in its own environment: ``python -m venv /work/tvbenv &&
  /work/tvbenv/bin/pip install tvb-library==2.10.0``; never a dependency of csweep): its
  JansenRit model (six states, mV and ms; its firing threshold v0 set to PyRates' 6 mV from
  TVB's default 5.52 mV), SigmoidalJansenRit coupling with a = 1, tract lengths
  equal to the delays in ms at a conduction speed of 1 mm/ms, EulerDeterministic(dt=0.1), a
  SubSample monitor of y1 and y2 every 1 ms. One simulation per process, one core (TVB runs one
  parameter set at a time). It runs in a subprocess under ``--tvb-python`` (or in this process
  when ``import tvb`` works here); a short untimed run compiles its numba code first, and the
  time is that of ``Simulator.run`` alone.

Reported: median wall times, ns per region-step (TVB) and per set-region-step (csweep), and the
ratio. The machine's load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

N_REGIONS, DENSITY, SEED = 68, 0.3, 0
DELAYS_S = (2.5e-3, 37.5e-3)
DT_S = 1e-4


def connectome(n=N_REGIONS, density=DENSITY, seed=SEED):
    """(weights[target, source], delays[target, source] in s), as both sides read them."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.0, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < density)
    np.fill_diagonal(weights, 0.0)
    delays = np.where(weights > 0, rng.uniform(*DELAYS_S, (n, n)), 0.0)
    return weights, delays


# -- csweep ------------------------------------------------------------------------------------

def csweep_network():
    from csweep import CircuitTemplate  # noqa: PLC0415

    weights, delays = connectome()
    jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    regions = [f"r{i}" for i in range(len(weights))]
    net = CircuitTemplate("connectome", circuits={r: jrc for r in regions})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=weights,
                              edge_attr={"delay": delays})
    return net, regions


def run_csweep(net, regions, n_sets, simulation_time, threads):
    import csweep  # noqa: PLC0415

    outputs = {f"{r}_{p}": f"{r}/pc/{p}/v" for r in regions for p in ("rpo_e_in", "rpo_i")}
    started = time.perf_counter()
    csweep.grid_search(net, {"h": np.linspace(3.0e-3, 3.5e-3, n_sets)},
                       {"h": {"vars": ["rpo_e_in/h"], "nodes": [f"{r}/pc" for r in regions]}},
                       step_size=DT_S, simulation_time=simulation_time, sampling_step_size=1e-3,
                       outputs=outputs, n_threads=threads, progress=False)
    return time.perf_counter() - started


# -- The Virtual Brain ---------------------------------------------------------------------------

def run_tvb(simulation_time):
    """Seconds of Simulator.run for one simulation (after an untimed short one)."""
    from tvb.datatypes.connectivity import Connectivity  # noqa: PLC0415
    from tvb.simulator import coupling, integrators, models, monitors, simulator  # noqa: PLC0415

    weights, delays = connectome()
    n = len(weights)
    conn = Connectivity(weights=weights, tract_lengths=delays * 1e3, speed=np.array([1.0]),
                        region_labels=np.array([f"r{i}" for i in range(n)]),
                        centres=np.zeros((n, 3)))
    conn.configure()

    def simulation(length_ms):
        sim = simulator.Simulator(
            model=models.JansenRit(v0=np.array([6.0])), connectivity=conn,
            coupling=coupling.SigmoidalJansenRit(a=np.array([1.0])),
            integrator=integrators.EulerDeterministic(dt=DT_S * 1e3),
            monitors=(monitors.SubSample(period=1.0, variables_of_interest=np.array([1, 2])),),
            simulation_length=length_ms)
        sim.configure()
        return sim

    simulation(50.0).run()                     # compiles numba's code
    sim = simulation(simulation_time * 1e3)
    started = time.perf_counter()
    ((times, data),) = sim.run()
    seconds = time.perf_counter() - started
    if not np.isfinite(data).all():
        raise RuntimeError("TVB's run diverged")
    return seconds


def tvb_in_subprocess(python, simulation_time):
    out = subprocess.run([python, __file__, "--tvb-once", "--simulation-time",
                          str(simulation_time)], check=True, capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1"))
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def tvb_runner(python):
    """How to run TVB here: a callable(simulation_time) -> seconds, or None without TVB."""
    if python:
        return lambda t: tvb_in_subprocess(python, t)
    try:
        import tvb.simulator  # noqa: F401, PLC0415
    except ImportError:
        return None
    return lambda t: tvb_in_subprocess(sys.executable, t)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=4, help="csweep's parameter sets")
    parser.add_argument("--simulation-time", type=float, default=10.0, help="seconds")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="csweep's kernel threads")
    parser.add_argument("--tvb-python", default=None,
                        help="a Python interpreter with tvb-library installed")
    parser.add_argument("--tvb-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tvb_once:
        print(json.dumps({"seconds": run_tvb(args.simulation_time)}))
        return
    import csweep  # noqa: PLC0415

    steps = round(args.simulation_time / DT_S)
    started = time.perf_counter()
    net, regions = csweep_network()
    print(f"csweep {csweep.__version__}, {csweep.kernel_info()}; network of {len(regions)} "
          f"columns, {int((connectome()[0] > 0).sum())} delayed edges, built in "
          f"{time.perf_counter() - started:.2f} s")
    tvb = tvb_runner(args.tvb_python)
    if tvb is None:
        print("tvb is not importable here: csweep's side only (see --help to add TVB's)")
    run_csweep(net, regions, 2, 0.01, args.threads)          # untimed: the set-up's caches
    print(f"load average {os.getloadavg()} before")
    times = {"csweep": [], "tvb": []}
    for _ in range(args.repeats):
        times["csweep"].append(run_csweep(net, regions, args.sets, args.simulation_time,
                                          args.threads))
        if tvb is not None:
            times["tvb"].append(tvb(args.simulation_time))
    print(f"load average {os.getloadavg()} after; {args.simulation_time:g} s, {steps} steps, "
          f"{args.repeats} repeats")
    cs = statistics.median(times["csweep"])
    cs_ns = cs / (args.sets * N_REGIONS * steps) * 1e9
    print(f"csweep  {args.sets} sets together: median {cs:.2f} s, {cs_ns:.0f} ns per "
          f"set-region-step; runs " + " ".join(f"{t:.2f}" for t in times["csweep"]))
    if times["tvb"]:
        tv = statistics.median(times["tvb"])
        tv_ns = tv / (N_REGIONS * steps) * 1e9
        print(f"TVB     1 simulation, 1 core: median {tv:.2f} s, {tv_ns:.0f} ns per region-step; "
              "runs " + " ".join(f"{t:.2f}" for t in times["tvb"]))
        print(f"TVB / csweep per (set-)region-step: {tv_ns / cs_ns:.1f}x")


if __name__ == "__main__":
    main()
