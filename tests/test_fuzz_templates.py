"""Property-based tests of the template reader (hypothesis, derandomized): random YAML documents
and random mutations of the bundled templates are read, and swept when they still describe a
model, or refused with a TemplateError (a ValueError) naming the file; never another exception."""

import warnings
from importlib import resources

import numpy as np
import pytest
import yaml
from conftest import need

import csweep
from csweep import TemplateError, load_template
from csweep.models.recognise import compiled_model

hypothesis = need("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.slow     # hundreds of generated templates

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
BUNDLED = (resources.files("csweep.templates") / "jansenrit.yaml").read_text()
LINES = BUNDLED.splitlines()
CIRCUITS = ["JRC2", "JRC", "JRC_2delaycoupled", "JRC_inhibitory_input", "JRC_3coupled"]


def read_and_sweep(path, name):
    """Load ``path:name``; when it is a circuit csweep integrates, sweep one of its parameters
    briefly around its default."""
    template = f"{path}:{name}"
    try:
        load_template(template)
        model = compiled_model(template)
    except ValueError as exc:           # TemplateError and EquationError are ValueErrors
        assert str(exc).strip()
        return "refused"
    node_parameters = [p for p in model.parameters if "->" not in p]
    if not node_parameters:
        return "no node parameter"
    node, _, var = node_parameters[0].rpartition("/")[0], None, node_parameters[0]
    node = node.rpartition("/")[0]
    default = model.parameters[node_parameters[0]]
    grid = {"x": [default, default * 1.01]}
    param_map = {"x": {"vars": [var[len(node) + 1:]], "nodes": [node]}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", csweep.DivergenceWarning)
            result = csweep.grid_search(template, grid, param_map, 1e-4, 0.002,
                                        {"o": model.recordables[0]}, progress=False)
    except (ValueError, TypeError, KeyError) as exc:
        assert str(exc).strip()
        return "refused"
    assert result[0].shape == (20, 2)
    return "ran"


MUTATIONS = st.sampled_from(["delete", "duplicate", "swap", "replace", "insert"])
JUNK = st.one_of(st.sampled_from(["", "-", ":", "{", "}", "[", "]", "*", "&a", "*a", "!!str", "?",
                                  "0", "-1e309", "nan", "null", "base: JRC2", "d/dt * x = x",
                                  "    - \"m = m_max*sigmoid(r*(V_e - V_i - V_thr))\"",
                                  "  variables: {}", "tau_e: -1", "tau_e: 0", "c: 1e308"]),
                 st.text(max_size=12))


@FUZZ
@given(edits=st.lists(st.tuples(MUTATIONS, st.integers(0, len(LINES) - 1), JUNK), min_size=1,
                      max_size=4),
       name=st.sampled_from(CIRCUITS))
def test_mutated_bundled_templates_are_read_or_refused(tmp_path_factory, edits, name):
    lines = list(LINES)
    for kind, at, junk in edits:
        at %= max(len(lines), 1)
        if kind == "delete" and lines:
            del lines[at]
        elif kind == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif kind == "swap" and len(lines) > 1:
            lines[at], lines[at - 1] = lines[at - 1], lines[at]
        elif kind == "replace" and lines:
            lines[at] = lines[at][: len(lines[at]) // 2] + junk
        else:
            lines.insert(at, junk)
    path = tmp_path_factory.mktemp("mutated") / "jansenrit.yaml"
    path.write_text("\n".join(lines))
    hypothesis.event(read_and_sweep(path, name))


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
              st.sampled_from(["CircuitTemplate", "NodeTemplate", "OperatorTemplate",
                               "EdgeTemplate", "JRC2", "input(0.0)", "output", "d/dt * x = y"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(
                                ["base", "nodes", "edges", "operators", "equations", "variables",
                                 "circuits", "description"])), inner, max_size=4)),
    max_leaves=30)


@FUZZ
@given(document=st.dictionaries(st.sampled_from(["A", "B", "C"]), YAML_VALUES, max_size=3))
def test_random_yaml_documents_are_read_or_refused(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("random") / "doc.yaml"
    path.write_text(yaml.safe_dump(document))
    hypothesis.event(read_and_sweep(path, "A"))


@FUZZ
@given(text=st.text(max_size=200))
def test_random_text_is_read_or_refused(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("text") / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_template(f"{path}:A")
    except TemplateError as exc:
        assert str(path) in str(exc)


def test_the_fuzzed_reader_still_reads_the_bundled_file(tmp_path):
    path = tmp_path / "jansenrit.yaml"
    path.write_text(BUNDLED)
    assert {read_and_sweep(path, name) for name in CIRCUITS} == {"ran"}
    np.testing.assert_array_equal(
        csweep.grid_search(f"{path}:JRC2", {"c": [135.0]}, {"c": {"vars": ["jrc_op/c"],
                                                                   "nodes": ["jrc"]}},
                           1e-4, 0.01, {"v": "jrc/jrc_op/V_e"}, progress=False)[0].to_numpy(),
        csweep.grid_search("JRC2", {"c": [135.0]}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                           1e-4, 0.01, {"v": "jrc/jrc_op/V_e"}, progress=False)[0].to_numpy())
