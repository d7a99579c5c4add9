"""The network tiles' fused step for the Jansen-Rit column's shape (csweep/src/network_column.h):
a network of that shape, however its nodes and synapses are numbered, is stepped in one pass over
a tile's lanes, and gives bit for bit what the row operations every other network takes give
(each build's ``fuse_columns(False)`` turns the fused step off); other shapes are not fused."""

import numpy as np
import pytest
from conftest import JRC

import csweep
from csweep import CircuitTemplate, NodeTemplate, OperatorTemplate, noise
from csweep.kernels import builds

BUILDS = (builds.network_kernel, builds.narrow_network_kernel)
WIDE = builds.network_kernel.tile_width()
NARROW = builds.narrow_network_kernel.tile_width()
JR = "model_templates.neural_mass_models.jansenrit"
COMMON = dict(step_size=1e-4, sampling_step_size=1e-3, float_precision="float64",
              progress=False)
QUICK = dict(COMMON, simulation_time=0.01, outputs={"v": "pc/rpo_e_in/v"})
# every kind of row the fused step reads, swept on every node: synapses' coefficients (tau, h),
# nodes' rates (v_thr, s), edges' weights, input terms' coefficients (h of the 2-term synapse)
MAP = {"tau_e": {"vars": ["rpo_e/tau"], "nodes": ["ein"]},
       "h_i": {"vars": ["rpo_e/h"], "nodes": ["iin"]},
       "tau_pi": {"vars": ["rpo_i/tau"], "nodes": ["pc"]},
       "thr": {"vars": ["pro/v_thr"], "nodes": ["pc"]},
       "s_i": {"vars": ["pro/s"], "nodes": ["iin"]},
       "w_pe": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]},
       "w_ip": {"vars": ["weight"], "edges": [("iin/pro/m", "pc/rpo_i/m_in")]},
       "h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}
OUTPUTS = {"v": "pc/rpo_e_in/v", "x_i": "pc/rpo_i/x", "e": "ein/rpo_e/v", "i": "iin/rpo_e/v"}


def swept(n_sets, seed=1):
    rng = np.random.default_rng(seed)
    return {"tau_e": rng.uniform(8e-3, 12e-3, n_sets), "h_i": rng.uniform(3e-3, 3.5e-3, n_sets),
            "tau_pi": rng.uniform(18e-3, 22e-3, n_sets), "thr": rng.uniform(5e-3, 7e-3, n_sets),
            "s_i": rng.uniform(500.0, 600.0, n_sets), "w_pe": rng.uniform(100.0, 140.0, n_sets),
            "w_ip": rng.uniform(25.0, 40.0, n_sets), "h": rng.uniform(3e-3, 3.5e-3, n_sets)}


def fused_calls():
    return sum(build.fused_calls() for build in BUILDS)


def both_paths(circuit, grid, param_map, **kwargs):
    """The sweep with the fused step, then with the row operations (every build's switch off)."""
    before = fused_calls()
    fused = csweep.grid_search(circuit, grid, param_map, **kwargs)
    after = fused_calls()
    assert after > before, "the column's shape was not fused"
    previous = [build.fuse_columns(False) for build in BUILDS]
    try:
        generic = csweep.grid_search(circuit, grid, param_map, **kwargs)
    finally:
        for build, setting in zip(BUILDS, previous, strict=True):
            build.fuse_columns(setting)
    assert fused_calls() == after, "the switch did not turn the fused step off"
    return fused, generic


def assert_bitwise(fused, generic):
    a, b = np.ascontiguousarray(fused.to_numpy()), np.ascontiguousarray(generic.to_numpy())
    assert a.dtype == b.dtype == np.float64
    np.testing.assert_array_equal(a.view(np.uint64), b.view(np.uint64))


def test_the_switch_takes_the_row_operations():
    before = fused_calls()
    previous = [build.fuse_columns(False) for build in BUILDS]
    try:
        csweep.grid_search(JRC, {"h": [3e-3, 3.5e-3]}, {"h": MAP["h"]}, **QUICK)
    finally:
        for build, setting in zip(BUILDS, previous, strict=True):
            assert build.fuse_columns(setting) is False
    assert fused_calls() == before
    assert all(build.fuse_columns() is True for build in BUILDS)


INPUTS = {
    "series": lambda n_steps: {"pc/rpo_e_in/u": np.random.default_rng(4).uniform(120, 320,
                                                                                 n_steps)},
    "constant": lambda n_steps: {},         # the template's u, swept below (a row per set)
    "noise": lambda n_steps: {"pc/rpo_e_in/u": noise.normal(220.0, 22.0, seed=7)},
}


@pytest.mark.parametrize("width", [NARROW, WIDE])
@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
@pytest.mark.parametrize("drive", list(INPUTS))
def test_the_fused_column_is_bitwise_the_row_operations(drive, solver, width):
    """Random parameters on every node and edge, full tiles and a partial one, a shared series,
    the template's constant and per-set noise; records of every node and the final state."""
    n_sets = width + 3 if width == NARROW else 4 * width + 3    # full tiles and a partial one
    assert builds.network_tiles_for(n_sets, 2).tile_width() == width
    run = dict(COMMON, simulation_time=0.15, solver=solver, outputs=OUTPUTS, n_threads=2,
               inputs=INPUTS[drive](1500), return_final_state=True)
    grid, param_map = swept(n_sets), MAP
    if drive == "constant":
        grid = dict(grid, u=np.random.default_rng(5).uniform(120, 320, n_sets))
        param_map = dict(MAP, u={"vars": ["rpo_e_in/u"], "nodes": ["pc"]})
    fused, generic = both_paths(JRC, grid, param_map, **run)
    assert_bitwise(fused[0], generic[0])
    assert_bitwise(fused.final_state, generic.final_state)
    assert np.ptp(fused[0].to_numpy()[-1, :n_sets]) > 1e-5       # the sets do differ


def test_a_run_continued_from_a_state_is_bitwise_the_row_operations():
    n_sets = 21
    first = csweep.grid_search(JRC, swept(n_sets), MAP, simulation_time=0.05, outputs=OUTPUTS,
                               return_final_state=True, **COMMON)
    start = first.final_state.to_numpy()
    fused, generic = both_paths(JRC, swept(n_sets), MAP, simulation_time=0.05, outputs=OUTPUTS,
                                initial_state=start, return_final_state=True, **COMMON)
    assert_bitwise(fused[0], generic[0])
    assert_bitwise(fused.final_state, generic.final_state)


def column(nodes_order, pc_operators):
    """The column built in Python, its nodes and the pyramidal node's synapses in the given
    orders (the kernel numbers nodes and synapses by them)."""
    op = {n: OperatorTemplate.from_yaml(f"{JR}.{n}") for n in ("rpo_e_in", "rpo_e", "rpo_i", "pro")}
    pc = NodeTemplate("PC", operators=[op[n] for n in pc_operators])
    inn = NodeTemplate("IN", operators=[op["rpo_e"], op["pro"]])
    nodes = {"pc": pc, "ein": inn, "iin": inn}
    edges = [("iin/pro/m", "pc/rpo_i/m_in", None, {"weight": 33.75}),
             ("pc/pro/m", "ein/rpo_e/m_in", None, {"weight": 135.0}),
             ("ein/pro/m", "pc/rpo_e_in/m_in", None, {"weight": 108.0}),
             ("pc/pro/m", "iin/rpo_e/m_in", None, {"weight": 33.75})]
    return CircuitTemplate("col", nodes={n: nodes[n] for n in nodes_order}, edges=edges)


@pytest.mark.parametrize("nodes_order, pc_operators", [
    (("iin", "pc", "ein"), ("rpo_i", "rpo_e_in", "pro")),
    (("ein", "iin", "pc"), ("pro", "rpo_e_in", "rpo_i")),
])
def test_the_shape_is_recognised_however_it_is_numbered(nodes_order, pc_operators):
    n_sets = 19
    fused, generic = both_paths(column(nodes_order, pc_operators), swept(n_sets), MAP,
                                simulation_time=0.1, outputs=OUTPUTS, solver="heun", **COMMON)
    assert_bitwise(fused[0], generic[0])
    bundled, _ = csweep.grid_search(JRC, swept(n_sets), MAP, simulation_time=0.1,
                                    outputs=OUTPUTS, solver="heun", **COMMON)
    # the pyramidal potential's two synapses summed in the other order may round differently
    np.testing.assert_allclose(fused[0].to_numpy(), bundled.to_numpy(), rtol=1e-9, atol=1e-12)


def delayed():
    jrc = CircuitTemplate.from_yaml(JRC)
    edges = [(e.source, e.target, None, {"weight": e.weight,
                                         **({"delay": 2e-3} if e.target.startswith("ein") else {})})
             for e in jrc.all_edges()]
    return CircuitTemplate("delayed", nodes=jrc.nodes, edges=edges)


def one_more_edge():
    jrc = CircuitTemplate.from_yaml(JRC)
    edges = [(e.source, e.target, None, {"weight": e.weight}) for e in jrc.all_edges()]
    return CircuitTemplate("more", nodes=jrc.nodes,
                           edges=[*edges, ("ein/pro/m", "iin/rpo_e/m_in", None, {"weight": 5.0})])


@pytest.mark.parametrize("circuit, where", [
    (delayed, "pc"),                                        # a discrete delay
    (one_more_edge, "pc"),                                  # an input with two edges
    (lambda: "JRC_2delaycoupled", "jrc1/pc"),               # two columns
])
def test_other_networks_take_the_row_operations(circuit, where):
    before = fused_calls()
    csweep.grid_search(circuit(), {"h": [3e-3, 3.5e-3]},
                       {"h": {"vars": ["rpo_e_in/h"], "nodes": [where]}},
                       **dict(QUICK, outputs={"v": f"{where}/rpo_e_in/v"}))
    assert fused_calls() == before
