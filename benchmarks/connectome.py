"""Time to build a connectome with CircuitTemplate.add_edges_from_matrix and to set up its sweep.

    python benchmarks/connectome.py                 # 68 and 500 regions, 30% and 5% connected

For each size: JRC columns from ``CircuitTemplate.from_yaml``, joined pyramidal rate ->
pyramidal excitatory input by a random weight matrix with gamma delays (spread = delay / 4,
16 stages); "build" is the Python API alone, "sweep set-up" is ``grid_search`` for one set and
one step (recognising the operators, the kernel's arrays), "10 ms" a 2-set run of 100 steps.
"""

import argparse
import time

import numpy as np

import csweep
from csweep import CircuitTemplate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[68, 500])
    parser.add_argument("--density", type=float, nargs="+", default=[0.3, 0.05])
    args = parser.parse_args()
    for n, density in zip(args.sizes, args.density, strict=True):
        rng = np.random.default_rng(0)
        w = rng.uniform(0.0, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < density)
        np.fill_diagonal(w, 0.0)
        d = rng.uniform(1e-3, 2e-2, (n, n))
        started = time.perf_counter()
        jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
        regions = [f"r{i}" for i in range(n)]
        net = CircuitTemplate("connectome", circuits={r: jrc for r in regions})
        net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=w,
                                  edge_attr={"delay": d, "spread": d / 4})
        built = time.perf_counter()
        call = dict(param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": ["r0/pc"]}},
                    step_size=1e-4, outputs={"v": "r0/pc/rpo_e_in/v"}, progress=False)
        csweep.grid_search(net, {"h": [3.25e-3]}, simulation_time=1e-4, **call)
        set_up = time.perf_counter()
        csweep.grid_search(net, {"h": [3.25e-3, 3.5e-3]}, simulation_time=1e-2, **call)
        ran = time.perf_counter()
        print(f"{n} regions, {len(net.all_edges())} edges: build {built - started:.3f} s, "
              f"sweep set-up {set_up - built:.3f} s, 10 ms of 2 sets {ran - set_up:.3f} s")


if __name__ == "__main__":
    main()
