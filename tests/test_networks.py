"""Jansen-Rit networks: the 3-population JRC, delay-coupled columns, edges, nested inputs."""

import textwrap

import numpy as np
import pandas as pd
import pytest

import csweep
from csweep import TemplateError

FLOAT32_REL, FLOAT32_ABS = 1e-3, 3e-7   # as in test_reference.py, for the same reason
FLOAT64_REL = 1e-9


def run(kwargs, **changes):
    kwargs = dict(kwargs, **changes)
    return csweep.grid_search(kwargs.pop("circuit_template"), **kwargs)


def relative_errors(results, expected):
    got, want = results.to_numpy(np.float64), expected.to_numpy(np.float64)
    span = want.max(axis=0) - want.min(axis=0)
    return np.abs(got - want).max(axis=0), span


def test_delay_coupled_columns_match_pyrates_float32(case):
    """d1's frames, for h set on both pyramidal nodes (what PyRates 1.2.3 ran, see data/README)."""
    c = case("d1_delaycoupled_nodes")
    both = {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc", "jrc2/pc"]}}
    results, results_map = run(c.kwargs, param_map=both)
    assert results.columns.equals(c.results.columns) and results.columns.nlevels == 5
    np.testing.assert_array_equal(results.index.to_numpy(), c.results.index.to_numpy())
    assert (results.dtypes == np.float32).all()
    pd.testing.assert_frame_equal(results_map, c.results_map)
    error, span = relative_errors(results, c.results)
    assert np.all(error <= FLOAT32_REL * span + FLOAT32_ABS)


def test_delay_coupled_columns_match_pyrates_float64(case):
    """Gamma-distributed delays (16 stages of 4000/s), to 1e-9 of the range (measured 6e-14)."""
    c = case("d1_both_pc_float64")
    results, _ = run(c.kwargs)
    error, span = relative_errors(results, c.results)
    assert np.all(error <= FLOAT64_REL * span), (error / span).max()


def test_nested_node_sets_only_the_node_named(case):
    """nodes=['jrc1/pc'] changes jrc1's pyramidal cells and not jrc2's (PyRates 1.2.3 changes both)."""
    c = case("d1_delaycoupled_nodes")
    only_jrc1, _ = run(c.kwargs, float_precision="float64")
    both, _ = run(c.kwargs, float_precision="float64",
                  param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc", "jrc2/pc"]}})
    default_set = only_jrc1.columns.get_level_values(1) == "JRC_2delaycoupled_1"  # h = default
    np.testing.assert_array_equal(only_jrc1.loc[:, default_set], both.loc[:, default_set])
    assert np.abs(only_jrc1.to_numpy() - both.to_numpy()).max() > 1e-3
    from csweep.circuits.template_reader import load_template
    from csweep.models.mapping import map_parameters, resolve
    from csweep.models.recognise import compile_circuit
    model = compile_circuit(load_template("JRC_2delaycoupled"))
    grid = pd.DataFrame({"h": [0.003, 0.0035]})
    params, _ = map_parameters(model, grid, resolve(model, c.kwargs["param_map"]))
    rows = list(model.parameters)
    np.testing.assert_array_equal(params[rows.index("jrc1/pc/rpo_e_in/h")], [0.003, 0.0035])
    np.testing.assert_array_equal(params[rows.index("jrc2/pc/rpo_e_in/h")], [3.25e-3, 3.25e-3])


def test_discrete_delays_are_exact_whole_steps(case):
    c = case("discrete_delay_float64")
    ran = run(c.kwargs, circuit_template=f"{c.folder / 'as_pyrates_ran_it.yaml'}:DDC")[0]
    error, span = relative_errors(ran, c.results)
    assert np.all(error <= FLOAT64_REL * span), (error / span).max()
    written = run(c.kwargs, circuit_template=f"{c.folder / 'as_written.yaml'}:DDC")[0]
    error, span = relative_errors(written, c.results)
    assert np.all(error > 1e-2 * span)  # PyRates' extra 1-step delay on pc -> ein/iin shows


def test_input_on_a_nested_circuit_drives_it(case):
    """d2: PyRates 1.2.3 raises AttributeError; csweep runs it and the noise reaches jrc1."""
    c = case("d2_delaycoupled_with_input")
    driven, _ = run(c.kwargs, float_precision="float64")
    constant, _ = run({k: v for k, v in c.kwargs.items() if k != "inputs"}, float_precision="float64")
    assert driven.shape == (1500, 6) and driven.columns.nlevels == 5
    v1 = driven["v1_pce"].to_numpy() - constant["v1_pce"].to_numpy()
    v2 = driven["v2_pce"].to_numpy() - constant["v2_pce"].to_numpy()
    # the noise (120-320 Hz around the default 220) moves jrc1's pyramidal PSP by about 0.5 mV,
    # and reaches jrc2 only through the delayed coupling, more weakly
    assert np.abs(v1).max() > 1e-4 and 0 < np.abs(v2).max() < np.abs(v1).max()
    # the same as a constant-input run when the series is the constant default
    flat = {k: np.full_like(v, 220.0) for k, v in c.kwargs["inputs"].items()}
    np.testing.assert_array_equal(run(c.kwargs, inputs=flat, float_precision="float64")[0].to_numpy(),
                                  constant.to_numpy())


def test_edges_by_index_and_delay_sweeps():
    base = dict(circuit_template="JRC_2delaycoupled", step_size=1e-4, simulation_time=0.3,
                sampling_step_size=1e-3, outputs={"v": "jrc2/pc/rpo_e_in/v"},
                float_precision="float64")
    edge = ("jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in")
    by_pair, _ = run(base, param_grid={"w": [0.0, 20.0]},
                     param_map={"w": {"vars": ["weight"], "edges": [edge]}})
    by_index, _ = run(base, param_grid={"w": [0.0, 20.0]},
                      param_map={"w": {"vars": ["weight"], "edges": [(*edge, 0)]}})
    np.testing.assert_array_equal(by_pair.to_numpy(), by_index.to_numpy())
    default, _ = run(base, param_grid={"w": [20.0]}, param_map={"w": {"vars": ["weight"], "edges": [edge]}})
    np.testing.assert_array_equal(by_pair.to_numpy()[:, 1], default.to_numpy()[:, 0])
    assert np.abs(by_pair.to_numpy()[:, 0] - by_pair.to_numpy()[:, 1]).max() > 1e-4
    delays, _ = run(base, param_grid={"d": [2e-3, 4e-3, 8e-3]},
                    param_map={"d": {"vars": ["delay"], "edges": [edge]}})
    np.testing.assert_array_equal(delays.to_numpy()[:, 1], default.to_numpy()[:, 0])
    assert np.abs(np.diff(delays.to_numpy(), axis=1)).max() > 1e-5
    with pytest.raises(KeyError, match="no edge 'jrc1/pc/pro/m' -> 'jrc2/ein/rpo_e/m_in'"):
        run(base, param_grid={"w": [1.0]},
            param_map={"w": {"vars": ["weight"], "edges": [("jrc1/pc/pro/m", "jrc2/ein/rpo_e/m_in")]}})
    with pytest.raises(KeyError, match="edges have 'weight', 'delay' and 'spread'"):
        run(base, param_grid={"w": [1.0]}, param_map={"w": {"vars": ["gain"], "edges": [edge]}})


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_network_threads_and_grid_position_do_not_change_results(solver):
    kwargs = dict(circuit_template="JRC_2delaycoupled", step_size=1e-4, simulation_time=0.2,
                  outputs={"v": "jrc1/pc/rpo_e_in/v", "m": "jrc2/pc/pro/m"},
                  param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}},
                  float_precision="float64", solver=solver)
    h = list(np.linspace(2.8e-3, 3.6e-3, 9))
    one, _ = run(kwargs, param_grid={"h": h}, n_threads=1)
    two, _ = run(kwargs, param_grid={"h": h}, n_threads=2)
    np.testing.assert_array_equal(one.to_numpy(), two.to_numpy())
    alone, _ = run(kwargs, param_grid={"h": h[4:5]})
    np.testing.assert_array_equal(alone.to_numpy(), one.to_numpy()[:, [4, 13]])


def test_network_solvers_converge(case):
    """On the 3-population JRC, Heun and RK4 approach a fine RK4 solution faster than Euler."""
    kwargs = dict(circuit_template="JRC", param_grid={"h": [3.25e-3]},
                  param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}, simulation_time=0.5,
                  outputs={"v": "pc/rpo_e_in/v"}, float_precision="float64", sampling_step_size=1e-3)
    fine = run(kwargs, step_size=1e-5, solver="rk4")[0].to_numpy()
    errors = {s: np.abs(run(kwargs, step_size=1e-4, solver=s)[0].to_numpy() - fine).max()
              for s in ("euler", "heun", "rk4")}
    assert errors["heun"] * 20 < errors["euler"] and errors["rk4"] < errors["heun"], errors


def test_user_template_inheriting_with_replace_equals_param_map(tmp_path):
    """A user's JRC with other synaptic constants, written by inheritance, equals the bundled
    JRC with the same constants set through param_map."""
    (tmp_path / "my_jrc.yaml").write_text(textwrap.dedent("""
        slow_e:
          base: model_templates.neural_mass_models.jansenrit.rpo_e
          equations:
            replace:
              tau: tau_slow
          variables:
            tau_slow: 12e-3
        slow_e_in:
          base: model_templates.neural_mass_models.jansenrit.rpo_e_in
          variables: {h: 3.5e-3}
        PC2:
          base: NodeTemplate
          operators: {rpo_e_in: slow_e_in, rpo_i: model_templates.neural_mass_models.jansenrit.rpo_i,
                      pro: model_templates.neural_mass_models.jansenrit.pro}
        EIN2:
          base: NodeTemplate
          operators: {rpo_e: slow_e, pro: model_templates.neural_mass_models.jansenrit.pro}
        MyJRC:
          base: model_templates.neural_mass_models.jansenrit.JRC
          nodes: {pc: PC2, ein: EIN2}
    """))
    common = dict(step_size=1e-4, simulation_time=0.5, sampling_step_size=1e-3,
                  outputs={"v": "pc/rpo_e_in/v", "e": "ein/rpo_e/v"}, float_precision="float64")
    own, own_map = csweep.grid_search(f"{tmp_path / 'my_jrc.yaml'}:MyJRC", {"w": [100.0, 135.0]},
                                      {"w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]}},
                                      **common)
    grid = {"w": [100.0, 135.0], "tau": [12e-3] * 2, "h": [3.5e-3] * 2}
    param_map = {"w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]},
                 "tau": {"vars": ["rpo_e/tau"], "nodes": ["ein"]},
                 "h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}
    bundled, _ = csweep.grid_search("JRC", grid, param_map, **common)
    np.testing.assert_allclose(own.to_numpy(), bundled.to_numpy(), rtol=0,
                               atol=1e-12 * np.abs(bundled.to_numpy()).max())
    assert list(own_map.index) == ["MyJRC_0", "MyJRC_1"]


@pytest.mark.parametrize("body, match", [
    ("""
    C:
      base: model_templates.neural_mass_models.jansenrit.JRC
      edges:
        - [pc/pro/m, ein/rpo_e/m_zz, null, {weight: 1.0}]
    """, r"edge pc/pro/m -> ein/rpo_e/m_zz: unknown target variable 'ein/rpo_e/m_zz'"),
    ("""
    C:
      base: model_templates.neural_mass_models.jansenrit.JRC
      edges:
        - [pc/pro/q, ein/rpo_e/m_in, null, {weight: 1.0}]
    """, r"unknown source variable 'pc/pro/q'"),
    ("""
    cubic:
      base: model_templates.neural_mass_models.jansenrit.rpo_e
      equations:
        replace:
          "v/tau^2": "v^3/tau^2"
    N: {base: NodeTemplate, operators: {rpo_e: cubic, pro: model_templates.neural_mass_models.jansenrit.pro}}
    C:
      base: model_templates.neural_mass_models.jansenrit.JRC
      nodes: {ein: N}
    """, r"template 'cubic' \(operator 'rpo_e' of node 'ein'.*cannot place equation 'd/dt \* x = .*v\^3"),
    ("""
    three:
      base: OperatorTemplate
      equations: ["d/dt * a = b", "d/dt * b = -a", "d/dt * c = a"]
      variables: {a: output(0.0), b: variable(0.0), c: variable(0.0)}
    N: {base: NodeTemplate, operators: [three]}
    C: {base: CircuitTemplate, nodes: {n: N}}
    """, r"template 'three'.*cannot place equation 'd/dt \* a = b'"),
])
def test_malformed_networks_name_file_template_and_key(tmp_path, body, match):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(body))
    with pytest.raises(TemplateError, match=match) as info:
        csweep.grid_search(f"{path}:C", {"x": [1.0]}, {"x": {"vars": ["weight"], "edges": []}},
                           step_size=1e-4, simulation_time=0.01, outputs={"v": "pc/rpo_e_in/v"})
    assert str(path) in str(info.value)


def test_list_and_inspect_templates():
    names = csweep.list_templates()
    assert {"jansenrit.JRC2", "jansenrit.JRC", "jansenrit.JRC_2delaycoupled"} <= set(names)
    text = csweep.load_template("JRC_2delaycoupled").describe()
    assert "node jrc1/pc" in text and "operator rpo_e_in" in text
    assert "edge jrc1/pc/pro/m -> jrc2/pc/rpo_e_in/m_in (weight=20, delay=0.004, spread=0.001)" in text


def test_bundled_variants():
    common = dict(step_size=1e-4, simulation_time=0.5, float_precision="float64")
    plain, _ = csweep.grid_search("JRC", {"h": [3.25e-3]}, {"h": {"vars": ["rpo_e/h"], "nodes": ["iin"]}},
                                  outputs={"v": "pc/rpo_i/v"}, **common)
    driven, _ = csweep.grid_search("JRC_inhibitory_input", {"u": [0.0, 300.0]},
                                   {"u": {"vars": ["rpo_e/u"], "nodes": ["iin"]}},
                                   outputs={"v": "pc/rpo_i/v"}, **common)
    np.testing.assert_array_equal(driven.to_numpy()[:, 0], plain.to_numpy()[:, 0])
    assert driven.to_numpy()[:, 1].mean() < driven.to_numpy()[:, 0].mean() - 1e-3  # more inhibition
    edges = [(f"jrc{a}/pc/pro/m", f"jrc{b}/pc/rpo_e_in/m_in") for a in (1, 2, 3) for b in (1, 2, 3) if a != b]
    coupled, _ = csweep.grid_search("JRC_3coupled", {"g": [0.0, 60.0]},
                                    {"g": {"vars": ["weight"], "edges": edges}},
                                    outputs={"v": "jrc3/pc/rpo_e_in/v"}, **common)
    single, _ = csweep.grid_search("JRC", {"h": [3.25e-3]}, {"h": {"vars": ["rpo_e/h"], "nodes": ["iin"]}},
                                   outputs={"v": "pc/rpo_e_in/v"}, **common)
    np.testing.assert_array_equal(coupled.to_numpy()[:, 0], single.to_numpy()[:, 0])
    assert np.abs(coupled.to_numpy()[:, 1] - coupled.to_numpy()[:, 0]).max() > 1e-3


JRC = "model_templates.neural_mass_models.jansenrit.JRC"


def test_probes_of_distinct_values_give_every_set_its_own_and_name_a_failing_set():
    """A network's coefficients are probed on the distinct parameter values of a sweep (and kept
    for the next): sets with equal values get equal numbers, each set the numbers it gets alone,
    and a failing set is still named by its own index."""
    m_map = {"m": {"vars": ["pro/m_max"], "nodes": ["pc"]}}
    kw = dict(step_size=1e-4, simulation_time=0.05, outputs={"v": "pc/rpo_e_in/v"},
              float_precision="float64", progress=False)
    together = csweep.grid_search(JRC, {"m": [5.0, 4.0, 5.0, 6.0, 4.0]}, m_map, **kw)[0]
    for k, m in enumerate([5.0, 4.0, 5.0, 6.0, 4.0]):
        alone = csweep.grid_search(JRC, {"m": [m]}, m_map, **kw)[0]
        np.testing.assert_array_equal(together.iloc[:, k].to_numpy(), alone.iloc[:, 0].to_numpy())
    with pytest.raises(ValueError, match="parameter set 3 gives m = -5"):
        csweep.grid_search(JRC, {"m": [5.0, 5.0, 5.0, -5.0, 5.0]}, m_map, **kw)
