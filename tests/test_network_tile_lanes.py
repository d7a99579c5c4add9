"""The network tiles' lanes: a set's numbers are the same whether its tile's lanes share a
coefficient (the tile broadcasts it) or differ in it (the tile reads a row), in full tiles and in
a partial last one, for every fixed-step solver."""

import numpy as np
import pytest

import csweep
from csweep import CircuitTemplate
from csweep.kernels.builds import network_kernel

JRC = "model_templates.neural_mass_models.jansenrit.JRC"
WIDTH = network_kernel.tile_width()
N_SETS = 2 * WIDTH + 3       # two full tiles and a partial one
COMMON = dict(step_size=1e-4, sampling_step_size=1e-3, float_precision="float64",
              progress=False)

# every per-lane row kind the tiles read: a synapse's coefficients (tau), a node's rate (v_thr),
# an edge's weight, an input term's coefficient (h)
RNG = np.random.default_rng(1)
GRID = {"tau": list(RNG.uniform(8e-3, 12e-3, N_SETS)),
        "thr": list(RNG.uniform(5e-3, 7e-3, N_SETS)),
        "w": list(RNG.uniform(100.0, 140.0, N_SETS)),
        "h": list(RNG.uniform(3e-3, 3.5e-3, N_SETS))}
MAP = {"tau": {"vars": ["rpo_e/tau"], "nodes": ["ein"]},
       "thr": {"vars": ["pro/v_thr"], "nodes": ["pc"]},
       "w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]},
       "h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}


def test_the_tile_is_wider_than_the_lumped_columns():
    assert WIDTH >= 8 and WIDTH % 8 == 0


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_a_set_alone_equals_the_set_among_sets_that_differ_in_every_row(solver):
    run = dict(COMMON, simulation_time=0.2, solver=solver,
               outputs={"v": "pc/rpo_e_in/v", "e": "ein/rpo_e/v"})
    grid, _ = csweep.grid_search(JRC, GRID, MAP, n_threads=2, **run)
    for k in (0, WIDTH + 5, N_SETS - 1):     # first tile, second tile, the partial one
        one = {name: values[k:k + 1] for name, values in GRID.items()}
        alone, _ = csweep.grid_search(JRC, one, MAP, n_threads=1, **run)
        np.testing.assert_array_equal(alone.to_numpy(), grid.to_numpy()[:, [k, N_SETS + k]])
    assert np.ptp(grid.to_numpy()[-1, :N_SETS]) > 1e-4       # the sets do differ


def test_a_connectome_set_alone_equals_the_set_among_swept_couplings():
    n = 5
    rng = np.random.default_rng(2)
    weight = (rng.uniform(size=(n, n)) < 0.6) * rng.uniform(0.5, 2.0, (n, n))
    np.fill_diagonal(weight, 0.0)
    column = CircuitTemplate.from_yaml(JRC)
    regions = [f"r{i}" for i in range(n)]
    net = CircuitTemplate("net", circuits={r: column for r in regions})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=weight,
                              edge_attr={"delay": rng.uniform(1e-3, 4e-3, (n, n))})
    edges = [(e.source, e.target) for e in net.all_edges() if e.delay is not None]
    g_map = {"g": {"vars": ["weight"], "edges": edges}}
    g = list(np.linspace(20.0, 80.0, WIDTH + 2))
    run = dict(COMMON, simulation_time=0.1, outputs={"v": "r0/pc/rpo_e_in/v"})
    grid, _ = csweep.grid_search(net, {"g": g}, g_map, n_threads=2, **run)
    for k in (1, WIDTH + 1):
        alone, _ = csweep.grid_search(net, {"g": g[k:k + 1]}, g_map, n_threads=1, **run)
        np.testing.assert_array_equal(alone.to_numpy()[:, 0], grid.to_numpy()[:, k])
    assert np.ptp(grid.to_numpy()[-1]) > 1e-6
