"""The network tiles' lanes: a set's numbers are the same whether its tile's lanes share a
coefficient (the tile broadcasts it) or differ in it (the tile reads a row), in full tiles and in
a partial last one, in the wide and the narrow tiles, for every fixed-step solver."""

import numpy as np
import pytest
from conftest import JRC

import csweep
from csweep import CircuitTemplate
from csweep.kernels import builds

WIDE = builds.network_kernel.tile_width()
NARROW = builds.narrow_network_kernel.tile_width()
COMMON = dict(step_size=1e-4, sampling_step_size=1e-3, float_precision="float64",
              progress=False)
# on 2 threads: one full narrow tile and a partial one; four full wide tiles and a partial one
SIZES = {NARROW: NARROW + 3, WIDE: 4 * WIDE + 3}

# every per-lane row kind the tiles read: a synapse's coefficients (tau), a node's rate (v_thr),
# an edge's weight, an input term's coefficient (h)
MAP = {"tau": {"vars": ["rpo_e/tau"], "nodes": ["ein"]},
       "thr": {"vars": ["pro/v_thr"], "nodes": ["pc"]},
       "w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]},
       "h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}


def swept(n_sets):
    rng = np.random.default_rng(1)
    return {"tau": list(rng.uniform(8e-3, 12e-3, n_sets)),
            "thr": list(rng.uniform(5e-3, 7e-3, n_sets)),
            "w": list(rng.uniform(100.0, 140.0, n_sets)),
            "h": list(rng.uniform(3e-3, 3.5e-3, n_sets))}


def test_few_sets_take_the_narrow_tiles_and_many_the_wide_ones():
    assert (NARROW, WIDE) == (8, 16)
    assert builds.network_tiles_for(1, 1).tile_width() == NARROW       # fewer empty lanes
    assert builds.network_tiles_for(WIDE, 2).tile_width() == NARROW    # both threads busy
    assert builds.network_tiles_for(256, 2).tile_width() == WIDE
    for width, n_sets in SIZES.items():
        assert builds.network_tiles_for(n_sets, 2).tile_width() == width


@pytest.mark.parametrize("width", [NARROW, WIDE])
@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_a_set_alone_equals_the_set_among_sets_that_differ_in_every_row(solver, width):
    n_sets = SIZES[width]
    grid_values = swept(n_sets)
    run = dict(COMMON, simulation_time=0.2, solver=solver,
               outputs={"v": "pc/rpo_e_in/v", "e": "ein/rpo_e/v"})
    grid, _ = csweep.grid_search(JRC, grid_values, MAP, n_threads=2, **run)
    for k in (0, width + 1, n_sets - 1):     # first tile, second tile, the partial one
        one = {name: values[k:k + 1] for name, values in grid_values.items()}
        alone, _ = csweep.grid_search(JRC, one, MAP, n_threads=1, **run)
        np.testing.assert_array_equal(alone.to_numpy(), grid.to_numpy()[:, [k, n_sets + k]])
    assert np.ptp(grid.to_numpy()[-1, :n_sets]) > 1e-4       # the sets do differ


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
    g = list(np.linspace(20.0, 80.0, 4 * WIDE + 2))      # wide tiles
    run = dict(COMMON, simulation_time=0.1, outputs={"v": "r0/pc/rpo_e_in/v"})
    grid, _ = csweep.grid_search(net, {"g": g}, g_map, n_threads=2, **run)
    for k in (1, WIDE + 1, 4 * WIDE + 1):
        alone, _ = csweep.grid_search(net, {"g": g[k:k + 1]}, g_map, n_threads=1, **run)
        np.testing.assert_array_equal(alone.to_numpy()[:, 0], grid.to_numpy()[:, k])
    assert np.ptp(grid.to_numpy()[-1]) > 1e-6


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_a_run_continued_from_its_final_state_is_the_run_in_one_piece(width):
    """The tiles' state (synapses, and each node's rate history, which the exchanged state keeps
    per edge) goes out and back in, in tiles of either width."""
    n = 4
    rng = np.random.default_rng(3)
    weight = (rng.uniform(size=(n, n)) < 0.7) * rng.uniform(0.5, 2.0, (n, n))
    np.fill_diagonal(weight, 0.0)
    column = CircuitTemplate.from_yaml(JRC)
    regions = [f"r{i}" for i in range(n)]
    net = CircuitTemplate("net", circuits={r: column for r in regions})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=weight,
                              edge_attr={"delay": rng.uniform(1e-3, 4e-3, (n, n))})
    n_sets = SIZES[width]
    grid = {"h": list(np.linspace(3.0e-3, 3.6e-3, n_sets))}
    h_map = {"h": {"vars": ["rpo_e_in/h"], "nodes": [f"{r}/pc" for r in regions]}}
    run = dict(COMMON, sampling_step_size=1e-4, outputs={"v": "r0/pc/rpo_e_in/v"}, n_threads=2)
    whole = csweep.grid_search(net, grid, h_map, simulation_time=0.04, **run)[0].to_numpy()
    first = csweep.grid_search(net, grid, h_map, simulation_time=0.02, return_final_state=True,
                               **run)
    second = csweep.grid_search(net, grid, h_map, simulation_time=0.02,
                                initial_state=first.final_state, **run)[0].to_numpy()
    np.testing.assert_array_equal(second[1:], whole[201:400])
