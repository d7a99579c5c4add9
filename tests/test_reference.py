"""csweep against recorded PyRates 1.2.3 calls: same frames, same numbers within stated tolerances."""

import numpy as np
import pandas as pd
import pytest

import csweep

# float64 recordings: csweep computes the same Euler/Heun recursion in float64, so only rounding
# differs (measured: 1.2e-12 of the range on the tutorial, 8e-13 on Heun). 1e-9 leaves room for
# other compilers' rounding while still catching any change of scheme, input alignment or sampling.
FLOAT64_REL = 1e-9
# float32 recordings: PyRates computed them in float32; csweep computes in float64 and rounds the
# result. The gap is PyRates' own float32 error: its float32 and float64 tutorial runs differ by
# up to 1.2e-4 of a column's range, and by 2.5e-7 V on a column that sits at a fixed point (range
# 5.7e-6 V), where float32 Euler stalls once dt*f falls below half an ulp. Hence 1e-3 of the range
# plus an absolute 3e-7 V for such near-constant columns.
FLOAT32_REL, FLOAT32_ABS = 1e-3, 3e-7


def run(case):
    kwargs = dict(case.kwargs)
    return csweep.grid_search(kwargs.pop("circuit_template"), **kwargs)


def assert_same_layout(results, results_map, case):
    expected = case.results
    assert results.shape == expected.shape
    assert results.columns.equals(expected.columns)
    assert results.columns.nlevels == expected.columns.nlevels
    assert results.index.dtype == np.float64 and results.index.name is None
    np.testing.assert_array_equal(results.index.to_numpy(), expected.index.to_numpy())
    assert (results.dtypes == expected.dtypes.iloc[0]).all()
    pd.testing.assert_frame_equal(results_map, case.results_map)


def column_errors(results, expected):
    got, want = results.to_numpy(np.float64), expected.to_numpy(np.float64)
    return np.abs(got - want).max(axis=0), want.max(axis=0) - want.min(axis=0)


@pytest.mark.parametrize("name", ["a_tutorial_float64", "e_heun_T2_float64"])
def test_float64_recordings_match(case, name):
    c = case(name)
    results, results_map = run(c)
    assert_same_layout(results, results_map, c)
    error, span = column_errors(results, c.results)
    assert np.all(error <= FLOAT64_REL * span), (error / span).max()


@pytest.mark.parametrize("name", ["a_tutorial", "b_2d_permute", "f1_grid12_per_set_input",
                                  "c1_jrc_nodes_h", "c3_jrc_edges"])
def test_float32_recordings_match(case, name):
    c = case(name)
    results, results_map = run(c)
    assert_same_layout(results, results_map, c)
    error, span = column_errors(results, c.results)
    assert np.all(error <= FLOAT32_REL * span + FLOAT32_ABS), (error - FLOAT32_REL * span).max()


def test_float32_result_is_the_float64_result_rounded(case):
    c = case("a_tutorial")
    results32, _ = run(c)
    kwargs = dict(c.kwargs, float_precision="float64")
    results64, _ = csweep.grid_search(kwargs.pop("circuit_template"), **kwargs)
    np.testing.assert_array_equal(results32.to_numpy(), results64.to_numpy().astype(np.float32))


def test_tutorial_access_pattern(case):
    results, _ = run(case("a_tutorial"))
    sub = results["V_pce"]["JRC2_0"]
    assert isinstance(sub, pd.DataFrame) and sub.shape == (9000, 1)
    assert list(sub.columns) == [("jrc", "jrc_op/V_e")]
    assert results.index[0] == 1.0 and results.index[-1] == 9.999


def test_shared_input_with_twelve_sets_equals_input_repeated_per_set(case):
    """PyRates 1.2.3 raises IndexError on this call (f0); csweep broadcasts the shared series."""
    c = case("f0_grid12_shared_input_error")
    shared, shared_map = run(c)
    (key, series), = c.kwargs["inputs"].items()
    n_sets = len(c.kwargs["param_grid"]["C"])
    assert series.shape == (20000, 1) and n_sets == 12
    repeated = dict(c.kwargs, inputs={key: np.repeat(series, n_sets, axis=1)})
    per_set, per_set_map = csweep.grid_search(repeated.pop("circuit_template"), **repeated)
    pd.testing.assert_frame_equal(shared, per_set)
    pd.testing.assert_frame_equal(shared_map, per_set_map)
    assert shared.shape == (1500, 24)
