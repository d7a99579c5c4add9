"""Property-based tests of grid_search's arguments (hypothesis, derandomized: the same examples
every run).

Every generated call either runs and gives the same numbers as a clean equivalent call (float64,
C-contiguous, writable NumPy arrays), or raises ValueError, TypeError or KeyError with a message
(MemoryError for a sweep too big for the machine); never another exception, a crash or a partial
result.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import JRC2_MAP, need

import csweep

hypothesis = need("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.slow     # hundreds of generated calls

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
DOCUMENTED = (ValueError, TypeError, KeyError)
STEPS = 50                     # 5 ms at dt = 0.1 ms: each call integrates 50 steps
OUTPUTS = {"V_e": "jrc/jrc_op/V_e"}


def sweep(param_grid, param_map=JRC2_MAP, inputs=None, **kw):
    args = dict(step_size=1e-4, simulation_time=STEPS * 1e-4, outputs=OUTPUTS,
                float_precision="float64", progress=False)
    args.update(kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", csweep.DivergenceWarning)
        return csweep.grid_search("JRC2", param_grid, param_map, inputs=inputs, **args)


def refused_cleanly(call) -> bool:
    """True when ``call`` raises a documented error with a message; any other exception fails."""
    try:
        call()
    except (*DOCUMENTED, MemoryError) as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return True
    return False


# -- containers: the same numbers in any shape of the caller's choosing ---------------------------

def containers(values: np.ndarray):
    """The ways a caller may hold ``values``: (name, object, the float64 values it means)."""
    as_float32 = values.astype(np.float32)
    doubled = np.repeat(values, 2)
    readonly = values.copy()
    readonly.setflags(write=False)
    integral = np.round(values)
    return {
        "list": (list(values), values),
        "tuple": (tuple(values), values),
        "float32": (as_float32, as_float32.astype(np.float64)),
        "int64": (integral.astype(np.int64), integral),
        "int16": (integral.astype(np.int16), integral),
        "object": (np.array(list(values), dtype=object), values),
        "series": (pd.Series(values, index=np.arange(len(values)) * 7), values),
        "strided": (doubled[::2], values),
        "readonly": (readonly, values),
        "python ints": ([int(v) for v in integral], integral),
    }


CONNECTIVITY = st.lists(st.floats(50.0, 1500.0), min_size=1, max_size=5).map(np.array)
CONTAINER = st.sampled_from(sorted(containers(np.ones(1))))


@FUZZ
@given(values=CONNECTIVITY, kind=CONTAINER)
def test_any_container_of_grid_values_gives_the_clean_result(values, kind):
    given_values, meaning = containers(values)[kind]
    original = given_values.copy() if hasattr(given_values, "copy") else given_values
    got = sweep({"c": given_values})
    clean = sweep({"c": np.ascontiguousarray(meaning, dtype=np.float64)})
    pd.testing.assert_frame_equal(got[0], clean[0], check_exact=True)
    pd.testing.assert_frame_equal(got[1], clean[1], check_exact=True, check_dtype=False)
    if isinstance(original, np.ndarray):                     # the caller's object is untouched
        np.testing.assert_array_equal(given_values, original)


def input_forms(series: np.ndarray):
    """The ways a caller may hold an input series (1-D or 2-D): (object, the float64 it means)."""
    integral = np.round(series)
    readonly = series.copy()
    readonly.setflags(write=False)
    forms = {
        "list": (series.tolist(), series),
        "float32": (series.astype(np.float32), series.astype(np.float32).astype(np.float64)),
        "int64": (integral.astype(np.int64), integral),
        "object": (series.astype(object), series),
        "fortran": (np.asfortranarray(series), series),
        "strided": (np.repeat(series, 2, axis=0)[::2], series),
        "readonly": (readonly, series),
    }
    if series.ndim == 1:
        forms["series"] = (pd.Series(series), series)
    else:
        forms["dataframe"] = (pd.DataFrame(series, columns=[f"s{k}" for k in range(series.shape[1])]),
                              series)
    return forms


@FUZZ
@given(values=st.lists(st.floats(120.0, 320.0), min_size=STEPS, max_size=STEPS),
       n_sets=st.integers(1, 3), layout=st.sampled_from(["(steps,)", "(steps, 1)", "(steps, n)"]),
       kind=st.sampled_from(["list", "float32", "int64", "object", "fortran", "strided",
                             "readonly", "series", "dataframe"]))
def test_any_container_of_input_values_gives_the_clean_result(values, n_sets, layout, kind):
    base = np.array(values)
    series = {"(steps,)": base, "(steps, 1)": base[:, None],
              "(steps, n)": np.stack([base + 10 * k for k in range(n_sets)], axis=1)}[layout]
    forms = input_forms(series)
    hypothesis.assume(kind in forms)
    given_values, meaning = forms[kind]
    grid = {"c": np.linspace(100, 300, n_sets)}
    got = sweep(grid, inputs={"jrc/jrc_op/u": given_values})
    clean = sweep(grid, inputs={"jrc/jrc_op/u": np.ascontiguousarray(meaning, dtype=np.float64)})
    pd.testing.assert_frame_equal(got[0], clean[0], check_exact=True)


# -- hostile values: run correctly or are refused with a documented error ------------------------

ODD_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
                        st.sampled_from([0.0, -0.0, 1e-320, 1e308, -1e308, np.nan, np.inf]))
ODD_VALUES = st.one_of(
    st.lists(ODD_NUMBERS, max_size=4),
    st.lists(st.one_of(ODD_NUMBERS, st.text(max_size=3), st.none(), st.booleans()), max_size=3),
    st.lists(st.lists(st.floats(0, 10), max_size=2), max_size=2),
    ODD_NUMBERS, st.text(max_size=5), st.none(), st.just(np.empty((0,))),
    st.just(np.ones((2, 2))), st.just({"a": 1}),
)


@FUZZ
@given(values=ODD_VALUES, var=st.sampled_from(["c", "tau_e", "m_max", "u", "V_thr", "io_ratio"]))
def test_odd_grid_values_run_or_are_refused(values, var):
    param_map = {"c": {"vars": [f"jrc_op/{var}"], "nodes": ["jrc"]}}

    def call():
        result = sweep({"c": values}, param_map=param_map)
        n_sets = len(result.results_map)
        assert result[0].shape == (STEPS, n_sets)               # never a partial result
        finite = np.isfinite(result[0].to_numpy()).all(axis=0)
        diverged = result[0].columns.get_level_values(1).isin(result.diverged)
        assert np.array_equal(~finite & ~diverged, np.zeros(n_sets, bool))  # NaN only if flagged

    refused_cleanly(call)


KEYS = st.sampled_from(["c", "C", "", "jrc_op/c", "vars", "nodes", "edges"])
STRINGS = st.one_of(KEYS, st.text(max_size=8))
PARAM_MAPS = st.one_of(
    st.dictionaries(KEYS, st.dictionaries(st.sampled_from(["vars", "nodes", "edges", "x"]),
                                          st.one_of(st.lists(STRINGS, max_size=3), STRINGS,
                                                    st.none(), st.integers()),
                                          max_size=3), max_size=3),
    st.none(), st.lists(STRINGS, max_size=2), st.text(max_size=4), st.integers())


@FUZZ
@given(param_map=PARAM_MAPS)
def test_odd_param_maps_are_refused_or_run(param_map):
    def call():
        result = sweep({"c": [100.0, 200.0]}, param_map=param_map)
        assert result[0].shape == (STEPS, 2)

    refused_cleanly(call)


ARGUMENT = st.sampled_from(["step_size", "simulation_time", "sampling_step_size", "cutoff",
                            "solver", "float_precision", "compute_precision", "n_threads",
                            "outputs", "inputs", "block_size", "permute_grid", "progress",
                            "features", "keep_timeseries", "initial_state", "return_final_state"])
ANYTHING = st.one_of(ODD_NUMBERS, st.text(max_size=6), st.none(), st.booleans(),
                     st.lists(st.integers(-3, 3), max_size=3),
                     st.dictionaries(st.text(max_size=4), st.text(max_size=12), max_size=2),
                     st.sampled_from(["euler", "rk4", "float32", "jrc/jrc_op/V_e",
                                      {"V": "jrc/jrc_op/V_x"}, {"jrc/jrc_op/u": [1.0]},
                                      np.ones((STEPS, 5)), np.full(STEPS, np.nan)]))


@FUZZ
@given(name=ARGUMENT, value=ANYTHING)
def test_any_odd_keyword_value_runs_or_is_refused(name, value):
    def call():
        result = sweep({"c": [100.0, 200.0]}, **{name: value})
        if result[0] is not None:
            assert result[0].shape[1] == 2 * len(result[0].columns.levels[0])

    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(float(value)) and value > 0:
        steps = {"simulation_time": value / 1e-4, "step_size": STEPS * 1e-4 / value}.get(name, 0)
        hypothesis.assume(steps <= 1e6)    # more would be a valid sweep that just runs long
    refused_cleanly(call)
