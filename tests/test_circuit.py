"""PyRates' Python API for circuits (issue 16): CircuitTemplate, NodeTemplate, OperatorTemplate,
add_edges_from_matrix, and grid_search on what they build."""

import time

import numpy as np
import pytest
from conftest import need

import csweep
from csweep import CircuitTemplate, NodeTemplate, OperatorTemplate, TemplateError

JR = "model_templates.neural_mass_models.jansenrit"
# The recordings are float64 Euler runs: measured 1.7e-14 (gamma delays) and 2.1e-14 (discrete
# delays) of a column's range. 1e-11 leaves room for other compilers' rounding over 10000 steps
# and still catches a delay one step off or an edge read [source, target] (both move whole
# percents of the range).
REL = 1e-11
QUICK = dict(step_size=1e-4, simulation_time=0.05, sampling_step_size=1e-3,
             float_precision="float64", progress=False)


def column(intra_delay=None):
    """One JRC built in Python from the named operator templates, as the recordings built it."""
    op = {n: OperatorTemplate.from_yaml(f"{JR}.{n}") for n in ("rpo_e_in", "rpo_e", "rpo_i", "pro")}
    pc = NodeTemplate("PC", operators=[op["rpo_e_in"], op["rpo_i"], op["pro"]])
    inn = NodeTemplate("IN", operators=[op["rpo_e"], op["pro"]])
    extra = {} if intra_delay is None else {"delay": intra_delay}
    edges = [("pc/pro/m", "ein/rpo_e/m_in", None, {"weight": 135.0, **extra}),
             ("pc/pro/m", "iin/rpo_e/m_in", None, {"weight": 33.75, **extra}),
             ("ein/pro/m", "pc/rpo_e_in/m_in", None, {"weight": 108.0}),
             ("iin/pro/m", "pc/rpo_i/m_in", None, {"weight": 33.75})]
    return CircuitTemplate("col", nodes={"pc": pc, "ein": inn, "iin": inn}, edges=edges)


def recorded_network(c, intra_delay=None):
    matrices = np.load(c.folder / "circuit.npz")
    spec = c.circuit["add_edges_from_matrix"]
    names = c.circuit["columns"]
    net = CircuitTemplate(c.circuit["name"], circuits={n: column(intra_delay) for n in names})
    net.add_edges_from_matrix(spec["source_var"], spec["target_var"], names,
                              weight=matrices["weight"],
                              edge_attr={k: matrices[k] for k in spec["edge_attr"]})
    return net


def sweep(c, circuit, **changes):
    kwargs = {k: v for k, v in c.kwargs.items() if k not in ("circuit_template", "verbose")}
    return csweep.grid_search(circuit, **dict(kwargs, **changes))


def relative_error(results, expected):
    got, want = results.to_numpy(np.float64), expected.to_numpy(np.float64)
    return (np.abs(got - want).max(axis=0) / (want.max(axis=0) - want.min(axis=0))).max()


@pytest.fixture
def recorded(case):
    def load(name):
        c = case(name)
        c.circuit = __import__("json").loads((c.folder / "call.json").read_text())["circuit"]
        return c
    return load


@pytest.mark.parametrize("kind, intra_delay", [("gamma", None), ("discrete", 1e-4)])
def test_matrix_network_matches_pyrates(recorded, kind, intra_delay):
    c = recorded(f"circuit_matrix_{kind}_float64")
    net = recorded_network(c, intra_delay)
    before = (net.describe(), net.all_edges())
    results, results_map = sweep(c, net)
    assert (net.describe(), net.all_edges()) == before        # the caller's circuit is unchanged
    assert results.columns.equals(c.results.columns) and results.columns.nlevels == 5
    np.testing.assert_array_equal(results.index.to_numpy(), c.results.index.to_numpy())
    assert list(results_map.index) == list(c.results_map.index)
    assert relative_error(results, c.results) <= REL


def test_weights_and_delays_are_read_target_by_source(recorded):
    """The transposed matrices give another network: [target, source] is not [source, target]."""
    c = recorded("circuit_matrix_gamma_float64")
    matrices = np.load(c.folder / "circuit.npz")
    net = recorded_network(c)
    edges = net.all_edges()[16:]            # after the four columns' own edges
    names = c.circuit["columns"]
    w, d = matrices["weight"], matrices["delay"]
    expected = [(f"{names[i]}/pc/pro/m", f"{names[j]}/pc/rpo_e_in/m_in", w[j, i], d[j, i])
                for i in range(4) for j in range(4) if abs(w[j, i]) > 1e-6]
    assert [(e.source, e.target, e.weight, e.delay) for e in edges] == expected
    transposed = CircuitTemplate("net", circuits={n: column() for n in names})
    transposed.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", names, weight=w.T,
                                     edge_attr={"delay": d.T, "spread": matrices["spread"].T})
    results, _ = sweep(c, transposed)
    assert relative_error(results, c.results) > 1e-3


def test_built_in_python_equals_the_template_file():
    """JRC and JRC_2delaycoupled built with the API run exactly as the bundled files do."""
    grid = {"h": [3e-3, 3.5e-3]}
    pmap = {"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}
    out = {"v": "pc/rpo_e_in/v", "w": "ein/rpo_e/v"}
    from_file, _ = csweep.grid_search("JRC", grid, pmap, outputs=out, **QUICK)
    jrc = column()
    built, _ = csweep.grid_search(CircuitTemplate("JRC", nodes=jrc.nodes, edges=list(jrc.edges)),
                                  grid, pmap, outputs=out, **QUICK)
    np.testing.assert_array_equal(built.to_numpy(), from_file.to_numpy())
    loaded = CircuitTemplate.from_yaml(f"{JR}.JRC")
    assert isinstance(loaded, CircuitTemplate) and loaded.path.endswith("jansenrit.yaml")
    via_object, _ = csweep.grid_search(loaded, grid, pmap, outputs=out, **QUICK)
    np.testing.assert_array_equal(via_object.to_numpy(), from_file.to_numpy())

    pmap2 = {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc", "jrc2/pc"]}}
    out2 = {"v1": "jrc1/pc/rpo_e_in/v", "v2": "jrc2/pc/rpo_e_in/v"}
    coupled, _ = csweep.grid_search("JRC_2delaycoupled", grid, pmap2, outputs=out2, **QUICK)
    edges = [{"source": "jrc1/pc/pro/m", "target": "jrc2/pc/rpo_e_in/m_in", "template": None,
              "variables": {"weight": 20.0, "delay": 4e-3, "spread": 1e-3}},
             ("jrc2/pc/pro/m", "jrc1/pc/rpo_e_in/m_in", None,
              {"weight": 40.0, "delay": 4e-3, "spread": 1e-3})]
    pair = CircuitTemplate("JRC_2delaycoupled", circuits={"jrc1": f"{JR}.JRC", "jrc2": loaded},
                           edges=edges)
    built, _ = csweep.grid_search(pair, grid, pmap2, outputs=out2, **QUICK)
    np.testing.assert_array_equal(built.to_numpy(), coupled.to_numpy())


def test_operators_and_node_variations_built_in_python():
    """An operator written in Python and a node's changed defaults act as in a file."""
    synapse = OperatorTemplate(
        "syn", equations=["d/dt * v = x", "d/dt * x = h*(m_in + u)/tau - 2*x/tau - v/tau^2"],
        variables={"v": "output(0.0)", "x": "variable(0.0)", "h": 3.25e-3, "tau": 10e-3,
                   "m_in": "input(0.0)", "u": {"vtype": "input", "value": 220.0}})
    others = [OperatorTemplate.from_yaml(f"{JR}.{n}") for n in ("rpo_i", "pro")]
    pc = NodeTemplate("PC", operators={synapse: {"h": 3.5e-3}, others[0]: None, others[1]: {}})
    jrc = column()
    mine = CircuitTemplate("mine", nodes=dict(jrc.nodes, pc=pc), edges=[
        (e.source.replace("rpo_e_in", "syn"), e.target.replace("rpo_e_in", "syn"), None,
         {"weight": e.weight}) for e in jrc.edges])
    grid, out = {"u": [220.0, 250.0]}, {"v": "pc/syn/v"}
    got, _ = csweep.grid_search(mine, grid, {"u": {"vars": ["syn/u"], "nodes": ["pc"]}},
                                outputs=out, **QUICK)
    want, _ = csweep.grid_search(
        "JRC", {"u": grid["u"], "h": [3.5e-3] * 2},
        {"u": {"vars": ["rpo_e_in/u"], "nodes": ["pc"]}, "h": {"vars": ["rpo_e_in/h"],
                                                             "nodes": ["pc"]}},
        outputs={"v": "pc/rpo_e_in/v"}, **QUICK)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert synapse.variables["h"].default == 3.25e-3       # the variation made a new operator
    assert pc.update_var("syn", "h", 4e-3).operators["syn"].variables["h"].default == 4e-3


def test_matrix_edges_can_be_swept_and_updates_add_edges():
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    net = CircuitTemplate("net", circuits={"a": jrc, "b": jrc})
    w = np.array([[0.0, 30.0], [0.0, 0.0]])       # b -> a only
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", ["a", "b"], weight=w,
                              edge_attr={"delay": 3e-3})
    assert [(e.source, e.target, e.delay) for e in net.all_edges()[8:]] == [
        ("b/pc/pro/m", "a/pc/rpo_e_in/m_in", 3e-3)]
    edge = ("b/pc/pro/m", "a/pc/rpo_e_in/m_in")
    swept, _ = csweep.grid_search(net, {"w": [0.0, 30.0]}, {"w": {"vars": ["weight"],
                                                                "edges": [edge]}},
                                  outputs={"v": "a/pc/rpo_e_in/v"}, **QUICK)
    zero = net.update_template(edges=[])
    assert zero is not net and len(zero.all_edges()) == len(net.all_edges())
    uncoupled = CircuitTemplate("net", circuits={"a": jrc, "b": jrc})
    alone, _ = csweep.grid_search(uncoupled, {"h": [3.25e-3]}, {"h": {"vars": ["rpo_e/h"],
                                                                    "nodes": ["a/ein"]}},
                                  outputs={"v": "a/pc/rpo_e_in/v"}, **QUICK)
    np.testing.assert_array_equal(swept.iloc[:, 0].to_numpy(), alone.iloc[:, 0].to_numpy())
    assert np.abs(swept.iloc[:, 1].to_numpy() - alone.iloc[:, 0].to_numpy()).max() > 1e-5
    assert uncoupled.update_template(edges=[("a/pc/pro/m", "b/pc/rpo_e_in/m_in", None,
                                             {"weight": 2.0})], in_place=True) is None
    assert len(uncoupled.all_edges()) == 9 and len(jrc.all_edges()) == 4


def test_rectangular_matrices_and_the_callers_arrays(recorded):
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    net = CircuitTemplate("net", circuits={n: jrc for n in "abc"})
    w = np.array([[5.0, 0.0, 2e-7], [1.0, 2.0, 3.0]])   # 2 targets x 3 sources
    before = w.copy()
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_i/m_in", ["a", "b", "c"], target_nodes=["b", "c"],
                              weight=w, edge_attr={"delay": 1e-3, "spread": 5e-4})
    added = [(e.source[0], e.target[0], e.weight) for e in net.all_edges()[12:]]
    assert added == [("a", "b", 5.0), ("a", "c", 1.0), ("b", "c", 2.0), ("c", "c", 3.0)]
    assert all(e.spread == 5e-4 for e in net.all_edges()[12:])
    np.testing.assert_array_equal(w, before)
    with pytest.raises(ValueError, match=r"weight must have shape \(2, 3\) \(targets x sources"):
        net.add_edges_from_matrix("pc/pro/m", "pc/rpo_i/m_in", ["a", "b", "c"],
                                  target_nodes=["b", "c"], weight=w.T)


@pytest.mark.parametrize("call, error, match", [
    (lambda: CircuitTemplate("x", nodes={"pc": NodeTemplate.from_yaml(f"{JR}.PC")},
                             circuits={"j": f"{JR}.JRC"}), ValueError, "nodes or circuits, not both"),
    (lambda: CircuitTemplate.from_yaml(f"{JR}.PC"), TypeError, "is a NodeTemplate, not a Circuit"),
    (lambda: CircuitTemplate("x", nodes={"pc": 3}), TypeError, r"nodes\['pc'\]: expected a Node"),
    (lambda: OperatorTemplate("o", ["d/dt * v ="], {"v": "output"}), TemplateError, "'o'"),
    (lambda: CircuitTemplate("x", circuits={"a": f"{JR}.JRC"}).add_edges_from_matrix(
        "pc/pro/m", "pc/rpo_e_in/m_in", ["a", "z"], weight=np.ones((2, 2))), KeyError,
     r"source_nodes\[1\] = 'z' gives z/pc/pro/m, but circuit 'x' has no node 'z/pc'"),
    (lambda: CircuitTemplate("x", circuits={"a": f"{JR}.JRC"}).add_edges_from_matrix(
        "pc/pro/m", "pc/rpo_e_in/m_in", ["a"], edge_attr={"gain": 2.0}), TemplateError,
     "'gain' are not edge variables"),
    (lambda: CircuitTemplate("x", circuits={"a": f"{JR}.JRC"}).add_edges_from_matrix(
        "pc/pro/m", "pc/rpo_e_in/m_in", ["a"], template="my.Edge"), TemplateError,
     "edge templates are not supported"),
    (lambda: CircuitTemplate("x", circuits={"a": f"{JR}.JRC"}).add_edges_from_matrix(
        "pc/pro/m", "pc/rpo_e_in/m_in", ["a"], weight=[[np.nan]]), ValueError, "NaN"),
])
def test_mistakes_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_68_column_connectome_builds_in_well_under_a_second():
    rng = np.random.default_rng(1)
    w = rng.uniform(0.0, 1.0, (68, 68)) * (rng.uniform(size=(68, 68)) < 0.3)
    np.fill_diagonal(w, 0.0)
    d = rng.uniform(1e-3, 2e-2, (68, 68))
    started = time.perf_counter()
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    names = [f"r{i}" for i in range(68)]
    net = CircuitTemplate("connectome", circuits={n: jrc for n in names})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", names, weight=w,
                              edge_attr={"delay": d})
    built = time.perf_counter() - started
    assert len(net.all_edges()) == 68 * 4 + np.count_nonzero(w)
    assert built < 0.5, built           # measured 0.07 s
    results, _ = csweep.grid_search(net, {"k": [1.0]}, {"k": {"vars": ["pro/m_max"],
                                                              "nodes": ["r0/pc"]}},
                                    outputs={"v": "r5/pc/rpo_e_in/v"}, step_size=1e-4,
                                    simulation_time=0.01, progress=False)
    assert results.shape == (100, 1) and np.isfinite(results.to_numpy()).all()


@pytest.mark.slow     # a 500-column network
def test_a_500_column_network_runs():
    rng = np.random.default_rng(2)
    w = rng.uniform(1.0, 5.0, (500, 500)) * (rng.uniform(size=(500, 500)) < 0.01)
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    names = [f"r{i}" for i in range(500)]
    net = CircuitTemplate("big", circuits={n: jrc for n in names})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", names, weight=w,
                              edge_attr={"delay": np.full((500, 500), 2e-3), "spread": 1e-3})
    results, _ = csweep.grid_search(net, {"h": [3.25e-3, 3.5e-3]},
                                    {"h": {"vars": ["rpo_e_in/h"], "nodes": ["r0/pc"]}},
                                    outputs={"v0": "r0/pc/rpo_e_in/v", "v1": "r499/pc/rpo_e_in/v"},
                                    step_size=1e-4, simulation_time=2e-3, progress=False,
                                    float_precision="float64")
    assert results.shape == (20, 4) and np.isfinite(results.to_numpy()).all()
    assert results.iloc[-1, 0] != results.iloc[-1, 1]        # h reached r0 in set 1 only
    np.testing.assert_array_equal(results.iloc[:, 2], results.iloc[:, 3])


def test_one_rule_for_gamma_chains_alone_or_in_a_grid(recorded):
    """PyRates 1.2.3 reads a gamma chain that carries one edge without the one-step lag (Euler)
    it has when edges share the chain: run alone, the recorded network's unique-delay edges
    lose the lag, and its columns move by up to 7.3e-3 of their range against the same set in a
    grid. csweep has one rule, the grid's: a set gives the same numbers alone or in a grid."""
    c = recorded("circuit_matrix_gamma_float64")
    pyrates_alone = np.load(c.folder / "single_set.npz")["values"]
    pyrates_in_grid = c.results.iloc[:, ::2].to_numpy()
    span = pyrates_in_grid.max(axis=0) - pyrates_in_grid.min(axis=0)
    assert (np.abs(pyrates_alone - pyrates_in_grid).max(axis=0) / span).max() > 5e-3
    net = recorded_network(c)
    in_grid, _ = sweep(c, net)
    alone, _ = sweep(c, net, param_grid={"h": [3.25e-3]})
    np.testing.assert_array_equal(alone.to_numpy(), in_grid.iloc[:, ::2].to_numpy())


def test_loaded_parts_answer_to_the_api():
    pair = CircuitTemplate.from_yaml(f"{JR}.JRC_2delaycoupled")
    jrc1 = pair.circuits["jrc1"]
    assert isinstance(jrc1, CircuitTemplate) and isinstance(jrc1.nodes["pc"], NodeTemplate)
    assert isinstance(jrc1.nodes["pc"].operators["pro"], OperatorTemplate)
    jrc1.add_edges_from_matrix("pro/m", "rpo_i/m_in", ["ein"], target_nodes=["pc"],
                               weight=[[2.0]])
    assert len(jrc1.all_edges()) == 5 and len(pair.circuits["jrc2"].all_edges()) == 4


def test_resuming_a_store_refuses_a_changed_circuit(tmp_path):
    need("zarr")
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    net = CircuitTemplate("net", circuits={"a": jrc, "b": jrc})
    call = dict(param_grid={"h": [3.25e-3]}, param_map={"h": {"vars": ["rpo_e/h"],
                                                              "nodes": ["a/ein"]}},
                outputs={"v": "a/pc/rpo_e_in/v"}, store=tmp_path / "s.zarr", **QUICK)
    csweep.grid_search(net, **call)
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", ["a", "b"], weight=np.eye(2)[::-1])
    with pytest.raises(ValueError, match="these arguments differ: model"):
        csweep.grid_search(net, **call, resume=True)


def test_the_readme_connectome_examples_run():
    """README's add_edges_from_matrix examples, as written (2 s shortened to 20 ms)."""
    import re
    import textwrap
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", readme, re.S)
              if "add_edges_from_matrix" in b]
    assert len(blocks) == 2
    rng = np.random.default_rng(3)
    for block in blocks:
        scope = {"W": rng.uniform(0, 1, (68, 68)) * (rng.uniform(size=(68, 68)) < 0.1),
                 "D": rng.uniform(1e-3, 1e-2, (68, 68))}
        exec(block.replace("simulation_time=2.0", "simulation_time=0.02"), scope)
        assert len(scope["net"].all_edges()) == 68 * 4 + np.count_nonzero(scope["W"])
        if "results" in scope:                          # the migration notes' sweep
            assert scope["results"].shape == (20, 3)
            assert np.isfinite(scope["results"].to_numpy()).all()
    assert scope["net"].nodes == {} and len(scope["net"].circuits) == 68
