"""The network kernel's tiles: connectomes from add_edges_from_matrix (dense and sparse weight
matrices), sets in tiles that differ in their delays, and runs continued from a final state,
each bit for bit what a set run alone (or in one piece) gives."""

import numpy as np
import pytest
from conftest import JRC, need

import csweep
from csweep import CircuitTemplate

N = 6


def connectome(weight, delay):
    column = CircuitTemplate.from_yaml(JRC)
    regions = [f"r{i}" for i in range(N)]
    net = CircuitTemplate("connectome", circuits={r: column for r in regions})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=weight,
                              edge_attr={"delay": delay})
    return net


def matrices(density, seed=3):
    rng = np.random.default_rng(seed)
    weight = (rng.uniform(size=(N, N)) < density) * rng.uniform(0.5, 2.0, (N, N))
    np.fill_diagonal(weight, 0.0)
    # delays of 2.5-37.5 steps... of 1e-4 s: several per source, unequal
    return weight, rng.uniform(2.5e-3, 3.75e-3, (N, N))


def sweep(net, grid, param_map, **kw):
    args = dict(step_size=1e-4, simulation_time=0.08, sampling_step_size=1e-3,
                outputs={"v0": "r0/pc/rpo_e_in/v", "v5": f"r{N - 1}/pc/rpo_e_in/v"},
                float_precision="float64", progress=False)
    args.update(kw)
    return csweep.grid_search(net, grid, param_map, **args)


H_MAP = {"h": {"vars": ["rpo_e_in/h"], "nodes": [f"r{i}/pc" for i in range(N)]}}
H = list(np.linspace(3.0e-3, 3.6e-3, 11))      # a tile and a partial one


@pytest.mark.parametrize("density", [1.0, 0.3])
@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_connectome_set_alone_equals_the_set_in_tiles(density, solver):
    net = connectome(*matrices(density))
    grid, _ = sweep(net, {"h": H}, H_MAP, solver=solver, n_threads=2)
    alone, _ = sweep(net, {"h": H[9:10]}, H_MAP, solver=solver, n_threads=1)
    np.testing.assert_array_equal(alone.to_numpy(), grid.to_numpy()[:, [9, 20]])
    assert np.ptp(grid.to_numpy()[:, 0]) > 1e-4      # the columns do move


def test_sparse_weight_matrix_is_the_dense_one():
    sparse = need("scipy.sparse")
    weight, delay = matrices(0.3)
    dense_run, _ = sweep(connectome(weight, delay), {"h": H[:3]}, H_MAP)
    sparse_run, _ = sweep(connectome(sparse.csr_matrix(weight), delay), {"h": H[:3]}, H_MAP)
    np.testing.assert_array_equal(sparse_run.to_numpy(), dense_run.to_numpy())


def test_sets_with_different_discrete_delays_share_a_tile():
    net = connectome(*matrices(0.3))
    edge = next((e.source, e.target) for e in net.all_edges() if e.delay is not None)
    delays = list(np.linspace(1e-3, 6e-3, 9))        # 10..60 steps, one per set
    d_map = {"d": {"vars": ["delay"], "edges": [edge]}}
    grid, _ = sweep(net, {"d": delays}, d_map)
    for k in (0, 4, 8):
        alone, _ = sweep(net, {"d": delays[k:k + 1]}, d_map)
        np.testing.assert_array_equal(alone.to_numpy(), grid.to_numpy()[:, [k, 9 + k]])
    assert np.abs(np.diff(grid.to_numpy()[:, :9], axis=1)).max() > 1e-6


@pytest.mark.parametrize("solver", ["euler", "heun"])
def test_a_run_continued_from_its_final_state_is_the_run_in_one_piece(solver):
    """The tiles keep one rate history per source node; the exchanged state keeps one per edge
    (edges of a source have unequal delays here), and the translation loses nothing."""
    net = connectome(*matrices(0.5))
    kw = dict(solver=solver, sampling_step_size=1e-4)
    whole = sweep(net, {"h": H[:9]}, H_MAP, simulation_time=0.06, **kw)[0].to_numpy()
    first = sweep(net, {"h": H[:9]}, H_MAP, simulation_time=0.03, return_final_state=True, **kw)
    second = sweep(net, {"h": H[:9]}, H_MAP, simulation_time=0.03,
                   initial_state=first.final_state, **kw)[0].to_numpy()
    np.testing.assert_array_equal(second[1:], whole[301:600])
