"""State variables in param_map set each set's initial value, as in PyRates 1.2.3 (issue 16)."""

import numpy as np
import pandas as pd
import pytest

import csweep

# The recordings are float64 Euler runs, so only rounding differs: measured 2.1e-15 (JRC2) and
# 7.8e-15 (JRC) of a column's range. 1e-11 leaves room for another compiler's rounding over the
# 5000 steps and still catches an initial value applied one step late or to the wrong state
# (either moves the first rows by a whole part of the range).
REL = 1e-11


def run(kwargs, **changes):
    kwargs = dict(kwargs, **changes)
    kwargs.pop("verbose", None)
    return csweep.grid_search(kwargs.pop("circuit_template"), **kwargs)


def relative_error(results, expected):
    got, want = results.to_numpy(np.float64), expected.to_numpy(np.float64)
    return (np.abs(got - want).max(axis=0) / (want.max(axis=0) - want.min(axis=0))).max()


@pytest.mark.parametrize("name", ["initial_values_jrc2_float64", "initial_values_jrc_float64"])
def test_initial_values_match_pyrates(case, name):
    c = case(name)
    results, results_map = run(c.kwargs)
    assert results.columns.equals(c.results.columns)
    np.testing.assert_array_equal(results.index.to_numpy(), c.results.index.to_numpy())
    pd.testing.assert_frame_equal(results_map, c.results_map)
    assert relative_error(results, c.results) <= REL


@pytest.mark.parametrize("name, output, key", [
    ("initial_values_jrc2_float64", "V_e", "V0"), ("initial_values_jrc_float64", "v_pce", "v0")])
def test_the_first_row_is_the_initial_value(case, name, output, key):
    c = case(name)
    results, results_map = run(c.kwargs)
    np.testing.assert_array_equal(results[output].iloc[0].to_numpy(), results_map[key].to_numpy())


def test_an_initial_value_of_zero_is_the_rest_state(case):
    c = case("initial_values_jrc2_float64")
    zero, _ = run(c.kwargs, param_grid=dict(c.kwargs["param_grid"], V0=[0.0] * 3))
    rest, _ = run(c.kwargs, param_grid={"C": c.kwargs["param_grid"]["C"]},
                  param_map={"C": c.kwargs["param_map"]["C"]})
    np.testing.assert_array_equal(zero.to_numpy(), rest.to_numpy())
    c = case("initial_values_jrc_float64")
    zero, _ = run(c.kwargs, param_grid={"v0": [0.0] * 3, "x0": [0.0] * 3})
    rest, _ = run(c.kwargs, param_grid={"h": [3.25e-3] * 3},
                  param_map={"h": {"vars": ["rpo_e/h"], "nodes": ["iin"]}})
    np.testing.assert_array_equal(zero.to_numpy(), rest.to_numpy())


def test_initial_values_equal_the_same_initial_state(case):
    """param_map's initial value is what initial_state= with that row set gives, bit for bit."""
    c = case("initial_values_jrc_float64")
    swept = run(c.kwargs, simulation_time=0.05, return_final_state=True)
    rest = run(c.kwargs, simulation_time=0.05, return_final_state=True,
               param_grid={"v0": [0.0] * 3, "x0": [0.0] * 3})
    start = rest.final_state * 0.0
    start["pc/rpo_e_in/v"] = c.kwargs["param_grid"]["v0"]
    start["ein/rpo_e/x"] = c.kwargs["param_grid"]["x0"]
    other = {"h": {"vars": ["rpo_e/h"], "nodes": ["iin"]}}
    explicit = run(c.kwargs, simulation_time=0.05, param_grid={"h": [3.25e-3] * 3},
                   param_map=other, initial_state=start.to_numpy())
    np.testing.assert_array_equal(swept[0].to_numpy(), explicit[0].to_numpy())


def test_initial_values_with_the_adaptive_solver_start_there(case):
    c = case("initial_values_jrc2_float64")
    adaptive = dict(solver="scipy", rtol=1e-8, atol=1e-10, simulation_time=0.1)
    results, results_map = run(c.kwargs, **adaptive)
    np.testing.assert_array_equal(results["V_e"].iloc[0].to_numpy(), results_map["V0"].to_numpy())
    start = np.zeros((3, 8))
    start[:, 4] = c.kwargs["param_grid"]["V0"]       # V_e, the fifth state of the column
    explicit, _ = run(c.kwargs, **adaptive, param_grid={"C": c.kwargs["param_grid"]["C"]},
                      param_map={"C": c.kwargs["param_map"]["C"]}, initial_state=start)
    np.testing.assert_array_equal(results.to_numpy(), explicit.to_numpy())


def test_initial_value_and_initial_state_together_are_ambiguous(case):
    c = case("initial_values_jrc2_float64")
    first = run(c.kwargs, simulation_time=0.01, return_final_state=True)
    with pytest.raises(ValueError, match=r"param_map\['V0'\] sets the initial value of "
                                         r"jrc/jrc_op/V_e.*initial_state.*ambiguous"):
        run(c.kwargs, initial_state=first.final_state)


def test_a_computed_variable_has_no_initial_value_to_set(case):
    c = case("initial_values_jrc2_float64")
    with pytest.raises(KeyError, match=r"'jrc_op/m' on node 'jrc' is computed from the state"):
        run(c.kwargs, param_map={"V0": {"vars": ["jrc_op/m"], "nodes": ["jrc"]},
                                 "C": c.kwargs["param_map"]["C"]})
