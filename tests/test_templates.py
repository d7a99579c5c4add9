"""Template names resolve as in PyRates; user files and inheritance work; bad files are refused."""

import textwrap
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from conftest import JRC2_MAP

import csweep
from csweep import TemplateError, load_template

OUT = {"V": "jrc/jrc_op/V_e"}


def sweep(template, grid=None):
    results, _ = csweep.grid_search(template, grid or {"c": [100.0, 200.0]}, JRC2_MAP, step_size=1e-4,
                                    simulation_time=0.2, outputs=OUT, float_precision="float64")
    return results.to_numpy()


@pytest.mark.parametrize("name", ["model_templates.neural_mass_models.jansenrit.JRC2",
                                  "jansenrit.JRC2", "JRC2"])
def test_names_resolve_to_the_bundled_template(name):
    template = load_template(name)
    assert template.name == "JRC2" and list(template.node_paths()) == ["jrc"]
    assert template.node_paths()["jrc"].operators["jrc_op"].variables["c"].default == 135.0


def test_user_file_inheriting_with_replace_equals_param_map(tmp_path):
    """A user's operator inherits jrc_op, replaces a constant in an equation and a default."""
    (tmp_path / "mine.yaml").write_text(textwrap.dedent("""
        my_op:
          base: model_templates.neural_mass_models.jansenrit.jrc_op
          equations:
            replace:
              h_i: h_i_new
          variables:
            h_i_new: 25e-3
            h_i: 22e-3
        my_node:
          base: NodeTemplate
          operators: {jrc_op: my_op}
        MyJRC:
          base: CircuitTemplate
          nodes: {jrc: my_node}
    """))
    with pytest.raises(TemplateError, match="h_i_new"):
        # h_i_new is not among the lumped operator's parameters: refused, naming it
        sweep(f"{tmp_path / 'mine.yaml'}:MyJRC")


def test_user_file_with_other_defaults_equals_param_map(tmp_path):
    (tmp_path / "mine.yaml").write_text(textwrap.dedent("""
        my_op:
          base: model_templates.neural_mass_models.jansenrit.jrc_op
          variables:
            h_i: 25e-3
            tau_e: 12e-3
        my_node:
          base: NodeTemplate
          operators: [my_op]
        MyJRC:
          base: CircuitTemplate
          nodes: {jrc: my_node}
    """))
    own = csweep.grid_search(f"{tmp_path / 'mine.yaml'}:MyJRC", {"c": [100.0, 200.0]},
                             {"c": {"vars": ["my_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
                             simulation_time=0.2, outputs={"V": "jrc/my_op/V_e"},
                             float_precision="float64")[0]
    grid = {"c": [100.0, 200.0], "h_i": [25e-3] * 2, "tau_e": [12e-3] * 2}
    param_map = {k: {"vars": [f"jrc_op/{k}"], "nodes": ["jrc"]} for k in grid}
    bundled = csweep.grid_search("JRC2", grid, param_map, step_size=1e-4, simulation_time=0.2,
                                 outputs=OUT, float_precision="float64")[0]
    np.testing.assert_array_equal(own.to_numpy(), bundled.to_numpy())
    assert own.columns[0] == ("V", "MyJRC_0", "jrc", "my_op/V_e")


def test_dotted_name_found_in_working_directory(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "models.yaml").write_text(textwrap.dedent("""
        Col:
          base: model_templates.neural_mass_models.jansenrit.JRC2
    """))
    monkeypatch.chdir(tmp_path)
    np.testing.assert_array_equal(sweep("pkg.models.Col"), sweep("JRC2"))


@pytest.mark.parametrize("text, match", [
    ("A: {base: Nothing}", "no template 'Nothing'"),
    ("A: {base: B}\nB: {base: A}", "cycle in 'base' inheritance"),
    ("A: [1, 2]", "expected a mapping with 'base'"),
    ("A: {base: CircuitTemplate, nodes: {jrc: N}}\nN: {base: NodeTemplate, operators: [O]}\n"
     "O: {base: OperatorTemplate, equations: ['d/dt * x = __import__(1)']}", "unknown function"),
    ("A: {base: CircuitTemplate, nodes: {jrc: N}}\nN: {base: NodeTemplate, operators: [O]}\n"
     "O: {base: OperatorTemplate, equations: ['d/dt * x = y.attr']}", "unsupported syntax Attribute"),
    ("A: {base: CircuitTemplate\n", "not valid YAML"),
    ("A: !!python/object/apply:os.system ['echo hi']", "not valid YAML"),
    ("A: {base: CircuitTemplate, nodes: {jrc: N}}\nN: {base: NodeTemplate, operators: [O]}\n"
     "O: {base: OperatorTemplate, variables: {x: input(abc)}}", "variable 'x'"),
    ("A: {base: CircuitTemplate, colour: red}", "unknown key"),
])
def test_malformed_templates_are_refused_naming_file_and_template(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError, match=match) as info:
        load_template(f"{path}:A")
    assert str(path) in str(info.value)


def test_operator_with_a_different_equation_is_refused(tmp_path):
    (tmp_path / "m.yaml").write_text(textwrap.dedent("""
        op:
          base: model_templates.neural_mass_models.jansenrit.jrc_op
          equations:
            replace:
              "2*X_i/tau_i": "3*X_i/tau_i"
        node: {base: NodeTemplate, operators: {jrc_op: op}}
        C: {base: CircuitTemplate, nodes: {jrc: node}}
    """))
    with pytest.raises(TemplateError, match=r"equation 'd/dt \* X_i = .*3\*X_i/tau_i' does not compute"):
        sweep(f"{tmp_path / 'm.yaml'}:C")


def test_pyrates_names_resolve_to_csweep_even_with_a_model_templates_package_on_the_path(
        tmp_path, monkeypatch):
    """With PyRates installed, its model_templates package is on sys.path: csweep's names must
    still mean csweep's own templates."""
    import sys
    folder = tmp_path / "model_templates" / "neural_mass_models"
    folder.mkdir(parents=True)
    (folder / "jansenrit.yaml").write_text("JRC2: {base: CircuitTemplate}\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    template = load_template("model_templates.neural_mass_models.jansenrit.JRC2")
    bundled = Path(str(resources.files("csweep.templates") / "jansenrit.yaml"))
    assert Path(template.file).resolve() == bundled.resolve(), template.file
    assert list(template.node_paths()) == ["jrc"]


def test_bare_variable_kinds_default_to_zero(tmp_path):
    """PyRates' format also writes `output`, `input`, `variable` without a default."""
    (tmp_path / "bare.yaml").write_text(textwrap.dedent("""
        op:
          base: OperatorTemplate
          equations: ["d/dt * v = x", "d/dt * x = m_in - v - x"]
          variables: {v: output, x: variable, m_in: input}
    """))
    op = load_template(f"{tmp_path / 'bare.yaml'}:op")
    assert {k: (v.kind, v.default) for k, v in op.variables.items()} == {
        "v": ("output", 0.0), "x": ("variable", 0.0), "m_in": ("input", 0.0)}
