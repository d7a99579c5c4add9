"""PyRates' one-simulation calls: ``CircuitTemplate.run``, ``integrate``, ``update_var``,
``clear_frontend_caches``, ``clear`` and edges read as PyRates' 4-tuples (issue 25)."""

import numpy as np
import pandas as pd
import pytest

import csweep
from csweep import CircuitTemplate, clear_frontend_caches, grid_search, integrate

JR = "model_templates.neural_mass_models.jansenrit"
TIME = dict(simulation_time=0.3, step_size=1e-4, sampling_step_size=1e-3)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_frontend_caches()
    yield
    clear_frontend_caches()


def test_run_is_the_same_set_of_a_grid_bit_for_bit():
    # the lumped column with c changed by update_var, against the same c as set 1 of 3
    column = CircuitTemplate.from_yaml(f"{JR}.JRC2").update_var({"jrc/jrc_op/c": 270.0})
    outputs = {"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}
    alone = column.run(outputs=outputs, float_precision="float64", cutoff=0.1, **TIME)
    grid, _ = grid_search(f"{JR}.JRC2", {"c": [135.0, 270.0, 675.0]},
                          {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, outputs=outputs,
                          float_precision="float64", cutoff=0.1, **TIME)
    assert list(alone.columns) == ["V_pce", "V_pci"]
    pd.testing.assert_index_equal(alone.index, grid.index)
    for key in outputs:
        assert np.array_equal(alone[key].to_numpy(), grid[key]["JRC2_1"].iloc[:, 0].to_numpy())


@pytest.mark.parametrize("solver", ["euler", "scipy"])
def test_run_of_a_network_with_a_changed_edge_is_that_set_of_a_grid(solver):
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(edge_vars=[("pc/pro/m", "ein/rpo_e/m_in", {"weight": 160.0})])
    outputs = {"e": "pc/rpo_e_in/v", "i": "pc/rpo_i/v"}
    alone = jrc.run(outputs=outputs, solver=solver, **TIME)
    clear_frontend_caches()
    grid, _ = grid_search(f"{JR}.JRC", {"w": [135.0, 160.0]},
                          {"w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]}},
                          outputs=outputs, solver=solver, **TIME)
    # float32 by default, as PyRates' (its solve_ivp path returns float64, and so does csweep's)
    assert alone.dtypes.tolist() == [np.float32 if solver == "euler" else np.float64] * 2
    for key in outputs:
        assert np.array_equal(alone[key].to_numpy(), grid[key]["JRC_1"].iloc[:, 0].to_numpy())


def test_flat_columns_add_up_as_in_pyrates():
    res = integrate(f"{JR}.JRC", outputs={"psp_e": "pc/rpo_e_in/v", "psp_i": "pc/rpo_i/v"},
                    clear=True, **TIME)
    v = res["psp_e"] + res["psp_i"]
    assert isinstance(v, pd.Series) and not v.isna().any()
    assert res.index[0] == 0.0 and len(res) == 300


def test_edges_read_as_pyrates_tuples_and_keep_their_fields():
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    source, target, template, attributes = jrc.edges[0]
    assert (source, target, template) == ("pc/pro/m", "ein/rpo_e/m_in", None)
    assert attributes["weight"] == jrc.edges[0][3]["weight"] == jrc.edges[0].weight == 135.0
    assert len(jrc.edges[0]) == 4 and "delay" not in attributes
    with pytest.raises(TypeError, match="update_var"):
        jrc.edges[0][3]["weight"] = 1.0
    # a circuit built from another's edges (PyRates' tuples) keeps them
    copy = CircuitTemplate("copy", nodes=dict(jrc.nodes), edges=list(jrc.edges))
    assert copy.edges == jrc.edges


def test_update_var_changes_in_place_and_returns_the_circuit():
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    ein_before = jrc.nodes["ein"]
    assert jrc.update_var(node_vars={"pc/pro/s": 400.0}) is jrc
    assert jrc.nodes["pc"].operators["pro"].variables["s"].default == 400.0
    assert jrc.nodes["ein"] is ein_before
    jrc.update_var(edge_vars=[("pc/pro/m", "ein/rpo_e/m_in", {"weight": 160.0, "delay": 2e-3,
                                                              "spread": 5e-4})])
    assert jrc.edges[0][3] == {"weight": 160.0, "delay": 2e-3, "spread": 5e-4}
    assert jrc.edges[1][3] == {"weight": 33.75}
    # one value per node matched (PyRates' rule), 'all' for every node
    jrc.update_var({"all/pro/m_max": np.array([4.0, 5.0, 6.0])})
    assert [jrc.nodes[n].operators["pro"].variables["m_max"].default
            for n in ("pc", "ein", "iin")] == [4.0, 5.0, 6.0]
    # a one-element array as scipy.optimize gives it
    jrc.update_var({"pc/rpo_e_in/h": np.array([3.5e-3])})
    assert jrc.nodes["pc"].operators["rpo_e_in"].variables["h"].default == 3.5e-3


def test_update_var_on_a_shared_sub_circuit_changes_the_node_named_only():
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    pair = CircuitTemplate("pair", circuits={"a": jrc, "b": jrc},
                           edges=[("a/pc/pro/m", "b/pc/rpo_e_in/m_in", None, {"weight": 10.0})])
    pair.update_var({"a/pc/pro/s": 500.0}, [("a/pc/pro/m", "a/ein/rpo_e/m_in", {"weight": 1.0}),
                                            ("a/pc/pro/m", "b/pc/rpo_e_in/m_in", {"weight": 2.0})])
    assert pair.circuits["a"].nodes["pc"].operators["pro"].variables["s"].default == 500.0
    assert pair.circuits["b"].nodes["pc"].operators["pro"].variables["s"].default == 560.0
    assert jrc.nodes["pc"].operators["pro"].variables["s"].default == 560.0
    assert pair.circuits["a"].edges[0].weight == 1.0 and jrc.edges[0].weight == 135.0
    assert pair.edges[0].weight == 2.0


@pytest.mark.parametrize("node_vars, edge_vars, match", [
    ({"pc/pro/nothing": 1.0}, None, "no operator 'pro' with a variable 'nothing'"),
    ({"xx/pro/s": 1.0}, None, "has no node 'xx'"),
    ({"s": 1.0}, None, "must be 'node/op/var'"),
    (None, [("pc/pro/m", "iin/rpo_i/m_in", {"weight": 1.0})], "has no edge"),
    (None, [("pc/pro/m", "ein/rpo_e/m_in", {"gain": 1.0})], "not an edge attribute"),
    (None, [("pc/pro/m", "ein/rpo_e/m_in")], "must be \\(source, target"),
])
def test_update_var_refuses_what_it_cannot_set(node_vars, edge_vars, match):
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    with pytest.raises((KeyError, ValueError, TypeError), match=match):
        jrc.update_var(node_vars, edge_vars)


def test_the_template_cache_is_pyrates_until_cleared():
    # PyRates caches templates by name: a changed from_yaml template is what a later
    # from_yaml, integrate or grid_search of that name runs, until clear_frontend_caches()
    kwargs = dict(param_grid={"w": [135.0]}, outputs={"e": "pc/rpo_e_in/v"},
                  param_map={"w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]}},
                  float_precision="float64", **TIME)
    before = grid_search(f"{JR}.JRC", **kwargs)[0]
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(node_vars={"pc/pro/s": 400.0})
    assert CircuitTemplate.from_yaml(f"{JR}.JRC") is jrc
    changed = grid_search(f"{JR}.JRC", **kwargs)[0]
    assert np.abs(changed.to_numpy() - before.to_numpy()).max() > 1e-4
    clear_frontend_caches()
    assert CircuitTemplate.from_yaml(f"{JR}.JRC") is not jrc
    assert np.array_equal(grid_search(f"{JR}.JRC", **kwargs)[0].to_numpy(), before.to_numpy())


def test_clear_and_the_compatibility_keywords_change_nothing():
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    outputs = {"e": "pc/rpo_e_in/v"}
    first = jrc.run(outputs=outputs, **TIME)
    assert jrc.clear() is None
    csweep.clear(jrc)
    again = jrc.run(outputs=outputs, backend="torch", vectorize=False, verbose=False,
                    clear=False, in_place=False, **TIME)
    pd.testing.assert_frame_equal(first, again)
    with pytest.raises(TypeError, match="outputs must be a dict"):
        jrc.run(outputs=None, **TIME)


def test_pyrates_frontend_names():
    # ``from pyrates.frontend import CircuitTemplate`` with only the import changed
    from csweep.frontend import CircuitTemplate as Circuit
    from csweep.frontend import NodeTemplate, OperatorTemplate
    assert Circuit is CircuitTemplate
    assert NodeTemplate is csweep.NodeTemplate and OperatorTemplate is csweep.OperatorTemplate
