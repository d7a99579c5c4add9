"""solver="scipy": csweep's compiled Dormand-Prince 5(4), one adaptive step sequence per set."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import need

import csweep

solve_ivp = need("scipy.integrate").solve_ivp

C_VALUES = [68.0, 128.0, 135.0, 270.0, 675.0, 1350.0]
JRC2 = dict(h_e=3.25e-3, tau_e=10e-3, h_i=22e-3, tau_i=20e-3, m_max=5.0, r=560.0, V_thr=6e-3,
            ei_ratio=4.0, io_ratio=3.0)
C_MAP = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUTPUTS = {"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}


@pytest.fixture(scope="module")
def column(jrc2_equations):
    """The JRC2 column (conftest's equations) for SciPy: column(t, s, c, u) with u(t) the input."""
    def f(t, s, c, u):
        return jrc2_equations(s, {**JRC2, "c": c}, u(t), 0.0)
    return f


def scipy_frame(column, times, method, u=lambda t: 220.0, c_values=C_VALUES, **tolerances):
    """V_e and V_i of each C at ``times``, from solve_ivp, as (n_times, 2 * n_sets)."""
    out = np.empty((len(times), 2 * len(c_values)))
    for k, c in enumerate(c_values):
        sol = solve_ivp(column, (0, times[-1]), np.zeros(8), method=method, t_eval=times,
                        args=(c, u), **tolerances)
        out[:, k], out[:, len(c_values) + k] = sol.y[4], sol.y[6]
    return out


def relative_errors(got, want):
    span = want.max(axis=0) - want.min(axis=0)
    moving = span > 1e-6                  # columns at rest are compared in volts below
    error = np.abs(got - want).max(axis=0)
    return error[moving] / span[moving], error[~moving]


RECORDING = "e_scipy_tight_noinput_T2"


@pytest.fixture
def recorded(case):
    return case(RECORDING)


@pytest.fixture(scope="module")
def tight(column):
    """The recorded call's true solution: DOP853 at rtol 1e-13, atol 1e-16."""
    times = np.load(Path(__file__).parent / "data" / RECORDING / "results.npz")["index"]
    return scipy_frame(column, times, "DOP853", rtol=1e-13, atol=1e-16)


@pytest.mark.slow     # the tight SciPy reference (DOP853 at 1e-13), seconds
def test_tight_tolerances_reach_the_true_solution(recorded, tight):
    """rtol 1e-8, atol 1e-10 (the recorded PyRates call), float64: against DOP853 at 1e-13."""
    result = csweep.grid_search(**{**recorded.kwargs, "float_precision": "float64"})
    relative, at_rest = relative_errors(result[0].to_numpy(), tight)
    assert relative.max() < 1.5e-7, relative        # measured 8.1e-8
    assert at_rest.max() < 1e-11                     # volts; measured 4e-13
    assert (result.solver_stats["status"] == "ok").all()
    assert result.solver_stats["accepted_steps"].between(1000, 5000).all()


@pytest.mark.slow     # the tight SciPy reference, seconds
def test_agrees_with_the_pyrates_recording(recorded, tight):
    """The recorded call as it stands (PyRates' default float_precision, float32): PyRates holds
    the parameters in float32, which moves its trajectories off the float64 model's by up to
    2.7e-5 of a column's range; csweep holds them the same way and agrees to 1e-7."""
    result = csweep.grid_search(**recorded.kwargs)
    assert (result[0].dtypes == np.float64).all()        # solve_ivp's float64, as PyRates returns
    pyrates = recorded.results.to_numpy()
    ours, at_rest = relative_errors(result[0].to_numpy(), pyrates)
    assert ours.max() < 2e-7, ours                   # measured 8.7e-8
    assert at_rest.max() < 1e-11                     # volts; measured 4e-13
    held_apart, _ = relative_errors(pyrates, tight)  # what holding them in float32 does
    assert held_apart.max() > 2e-5


@pytest.mark.slow     # seconds of adaptive steps
def test_pyrates_float64_recording_carries_its_buffer_reuse_error(case, tight, column):
    """PyRates 1.2.3 in float64: its right-hand side returns its own dy buffer, which solve_ivp
    keeps (no float32 -> float64 copy) as the derivative a step starts from, so a rejected
    step's retry starts from the failed attempt's last evaluation. SciPy alone, given such a
    function, reproduces the recording; csweep integrates the model and differs from it by the
    recording's own error."""
    recorded = case("e_scipy_tight_noinput_T2_float64")
    pyrates = recorded.results.to_numpy()
    c = np.array(C_VALUES)
    buffer = np.empty(48)

    def reused_buffer(t, flat):      # all sets as one system, variable by variable, as PyRates
        buffer[:] = np.ravel(column(t, flat.reshape(8, -1), c, lambda t: 220.0))
        return buffer

    times = np.arange(2000) * 1e-3
    kw = dict(method="RK45", rtol=1e-8, atol=1e-10, first_step=1e-4, t_eval=times)
    states = solve_ivp(reused_buffer, (0, 2.0), np.zeros(48), **kw).y.reshape(8, 6, -1)
    scipy_reused = np.hstack([states[4].T, states[6].T])[1000:]
    mechanism, _ = relative_errors(scipy_reused, pyrates)
    assert mechanism.max() < 1e-9, mechanism         # measured 1.5e-11: the same failure

    pyrates_error, _ = relative_errors(pyrates, tight)
    result = csweep.grid_search(**recorded.kwargs)
    ours, _ = relative_errors(result[0].to_numpy(), pyrates)
    assert pyrates_error.max() > 3e-5                # measured 4.2e-5
    np.testing.assert_allclose(ours, pyrates_error, rtol=0.05, atol=2e-7)


@pytest.mark.slow     # the tight SciPy reference, seconds
def test_default_tolerances_are_as_accurate_as_scipys_rk45(recorded, tight, column):
    kwargs = {k: v for k, v in recorded.kwargs.items() if k not in ("rtol", "atol")}
    result = csweep.grid_search(**{**kwargs, "float_precision": "float64"})
    ours, _ = relative_errors(result[0].to_numpy(), tight)
    scipy_rk45 = scipy_frame(column, recorded.results.index.to_numpy(), "RK45")   # rtol 1e-3, atol 1e-6
    theirs, _ = relative_errors(scipy_rk45, tight)
    assert ours.max() <= theirs.max(), (ours.max(), theirs.max())  # 2.7e-3 vs 3.9e-3


def landing_on_rows(column, times, grid, u, c_values):
    """V_e and V_i with u interpolated on grid: DOP853 at rtol 1e-12 over each stretch between
    input rows and record times, so that no step crosses a kink of the interpolated input."""
    stops = np.union1d(grid, times)
    out = np.empty((len(times), 2 * len(c_values)))
    for k, c in enumerate(c_values):
        y, row, drive = np.zeros(8), 0, (lambda t, k=k: np.interp(t, grid, u[:, k]))
        for start, stop in zip(stops[:-1], stops[1:], strict=True):
            if row < len(times) and start == times[row]:
                out[row, k], out[row, len(c_values) + k] = y[4], y[6]
                row += 1
            y = solve_ivp(column, (start, stop), y, method="DOP853", rtol=1e-12, atol=1e-15,
                          args=(c, drive)).y[:, -1]
    return out


def test_inputs_are_interpolated_on_pyrates_time_grid_and_steps_land_on_their_rows(column):
    """Input rows sit on linspace(0, T, rows) and are interpolated linearly (PyRates' rule).
    Steps end on the rows, so each integrates a smooth stretch and the error control holds."""
    steps, T = 250, 0.05
    u = np.random.default_rng(0).uniform(120, 320, (steps, 2))
    result = csweep.grid_search("JRC2", {"C": [135.0, 270.0]}, C_MAP, T / steps, T, OUTPUTS,
                                inputs={"jrc/jrc_op/u": u}, solver="scipy", rtol=1e-10,
                                atol=1e-12, float_precision="float64", sampling_step_size=1e-3,
                                progress=False)
    expected = landing_on_rows(column, result[0].index.to_numpy(), np.linspace(0, T, steps), u,
                               [135.0, 270.0])
    relative, _ = relative_errors(result[0].to_numpy(), expected)
    assert relative.max() < 1e-9, relative               # measured 1.1e-11
    stats = result.solver_stats
    assert (stats["accepted_steps"] >= steps - 1).all()
    # steps crossing kinks would be rejected about as often as accepted
    assert (stats["rejected_steps"] < 0.2 * stats["accepted_steps"]).all(), stats


def test_per_set_inputs_agree_with_pyrates_to_its_own_error(case):
    """PyRates' steps cross the input's kinks: at rtol 1e-8 its recording is off the exact
    solution of its own problem by up to 4.8e-5 of a column's range (tests/data/README.md).
    csweep's steps land on the rows; it differs from the recording by that, and its own
    result does not depend on the tolerance."""
    recorded = case("scipy_input_per_set")
    result = csweep.grid_search(**recorded.kwargs)
    relative, _ = relative_errors(result[0].to_numpy(), recorded.results.to_numpy())
    assert relative.max() < 6e-5, relative               # measured 4.8e-5
    loose = csweep.grid_search(**{**recorded.kwargs, "rtol": 1e-3, "atol": 1e-6})
    tolerance_effect, _ = relative_errors(loose[0].to_numpy(), result[0].to_numpy())
    assert tolerance_effect.max() < 1e-9


def test_a_set_that_fails_is_flagged_and_the_others_are_unchanged():
    grid = pd.DataFrame({"C": [135.0, 1e308, 270.0]})     # c * 0.8 * m_max overflows
    kw = dict(step_size=1e-4, simulation_time=0.5, outputs=OUTPUTS, solver="scipy",
              float_precision="float64", progress=False)
    with pytest.warns(csweep.DivergenceWarning, match=r"solver='scipy' stopped early for 1 of 3.*"
                                                      r"JRC2_1: the state became NaN or infinite"):
        result = csweep.grid_search("JRC2", grid, C_MAP, **kw)
    assert list(result.solver_stats["status"]) == ["ok", "the state became NaN or infinite", "ok"]
    assert list(result.diverged) == ["JRC2_1"]
    failed = result[0].xs("JRC2_1", axis=1, level=1)
    assert (failed.iloc[0] == 0).all()               # the state at t = 0, then nothing
    assert failed.iloc[1:].isna().all().all()
    clean = csweep.grid_search("JRC2", grid.drop(index=1), C_MAP, **kw)
    for label in ("JRC2_0", "JRC2_2"):
        np.testing.assert_array_equal(result[0].xs(label, axis=1, level=1).to_numpy(),
                                      clean[0].xs(label, axis=1, level=1).to_numpy())
    pd.testing.assert_frame_equal(result.solver_stats.drop(index="JRC2_1"), clean.solver_stats)


def test_values_float32_cannot_hold_fail_their_sets_under_float32():
    """As in PyRates, float_precision="float32" holds c = 1e300 as infinity: that set fails,
    with a warning that says why, and the others are unchanged."""
    kw = dict(step_size=1e-4, simulation_time=0.1, outputs=OUTPUTS, solver="scipy",
              progress=False)
    with pytest.warns(csweep.DivergenceWarning) as caught:
        result = csweep.grid_search("JRC2", {"C": [135.0, 1e300]}, C_MAP, **kw)
    messages = [str(w.message) for w in caught]
    assert any("jrc/jrc_op/c = 1e+300 (JRC2_1)" in m and "beyond its range" in m
               and "float_precision='float64'" in m for m in messages), messages
    assert list(result.solver_stats["status"]) == ["ok", "the state became NaN or infinite"]
    alone = csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP, **kw)
    np.testing.assert_array_equal(result[0].xs("JRC2_0", axis=1, level=1).to_numpy(),
                                  alone[0].to_numpy())
    with pytest.warns(csweep.DivergenceWarning) as caught:
        driven = csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP,
                                    inputs={"jrc/jrc_op/u": np.full(1000, 1e39)}, **kw)
    assert "input jrc/jrc_op/u has values beyond float32's range" in str(caught[0].message)
    assert "JRC2_0: the state became NaN or infinite" in str(caught[1].message)
    assert list(driven.diverged) == ["JRC2_0"]


def test_threads_and_blocks_do_not_change_the_numbers():
    kw = dict(step_size=1e-4, outputs=OUTPUTS, solver="scipy", float_precision="float64",
              inputs={"jrc/jrc_op/u": csweep.noise.uniform(120, 320, seed=3)}, progress=False)
    grid = {"C": np.linspace(60, 1400, 24)}
    one = csweep.grid_search("JRC2", grid, C_MAP, simulation_time=0.5, n_threads=1, **kw)
    two = csweep.grid_search("JRC2", grid, C_MAP, simulation_time=0.5, n_threads=2,
                             block_size=5, **kw)
    pd.testing.assert_frame_equal(one[0], two[0], check_exact=True)
    pd.testing.assert_frame_equal(one.solver_stats, two.solver_stats)


@pytest.mark.parametrize("changes, error, message", [
    (dict(method="LSODA"), ValueError, "method must be 'RK45' with solver='scipy'.*'LSODA'"),
    (dict(rtol=-1.0), ValueError, "rtol must be a positive, finite number"),
    (dict(atol=[1e-6] * 8), TypeError, "per-variable tolerances are not supported"),
    (dict(rtol=1e-20), ValueError, "rtol must be at least"),
    (dict(compute_precision="float32"), ValueError, "solver='scipy' computes in float64"),
])
def test_bad_adaptive_arguments_are_refused(changes, error, message):
    with pytest.raises(error, match=message):
        csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP, 1e-4, 0.1, OUTPUTS, solver="scipy",
                           **changes)


JRC_H = {"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}


@pytest.mark.parametrize("template, param_map, outputs, input_path", [
    ("JRC", JRC_H, {"v": "pc/rpo_e_in/v", "m": "pc/pro/m"}, "pc/rpo_e_in/u"),
    ("JRC_2delaycoupled", {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}},
     {"v1": "jrc1/pc/rpo_e_in/v", "v2": "jrc2/pc/rpo_e_in/v"}, "jrc1/pc/rpo_e_in/u"),  # gamma delays
])
def test_networks_take_their_own_adaptive_steps(template, param_map, outputs, input_path):
    kw = dict(param_grid={"h": [3e-3, 3.25e-3, 3.5e-3]}, param_map=param_map,
              simulation_time=0.5, outputs=outputs, float_precision="float64",
              sampling_step_size=1e-3, progress=False)
    fine = csweep.grid_search(template, **kw, step_size=1e-5, solver="rk4")[0].to_numpy()
    result = csweep.grid_search(template, **kw, step_size=1e-4, solver="scipy", rtol=1e-10,
                                atol=1e-12)
    relative, _ = relative_errors(result[0].to_numpy(), fine)
    assert relative.max() < 1e-9, relative           # measured 3e-11 (JRC), 5e-13 (delays)
    assert (result.solver_stats["status"] == "ok").all()
    driven = dict(kw, step_size=1e-4, solver="scipy",
                  inputs={input_path: csweep.noise.uniform(120, 320, seed=2)})
    one = csweep.grid_search(template, **driven, n_threads=1)
    two = csweep.grid_search(template, **driven, n_threads=2, block_size=2)
    pd.testing.assert_frame_equal(one[0], two[0], check_exact=True)
    pd.testing.assert_frame_equal(one.solver_stats, two.solver_stats)


def test_a_network_with_inputs_follows_the_lumped_column():
    """The JRC network is the JRC2 column written as three populations: under the same per-set
    input array, with steps landing on its rows, both give the same pyramidal potential."""
    u = np.random.default_rng(4).uniform(120, 320, (2000, 3))
    kw = dict(step_size=1e-4, simulation_time=0.2, sampling_step_size=1e-3, solver="scipy",
              rtol=1e-10, atol=1e-12, float_precision="float64", progress=False)
    column_ = csweep.grid_search("JRC2", {"C": [108.0, 135.0, 270.0]}, C_MAP,
                                 outputs={"V_e": "jrc/jrc_op/V_e"},
                                 inputs={"jrc/jrc_op/u": u}, **kw)
    c = np.array([108.0, 135.0, 270.0])
    weights = {"w_pe": c, "w_pi": c / 4, "w_ep": 0.8 * c, "w_ip": c / 4}
    network = csweep.grid_search("JRC", pd.DataFrame(weights), {
        "w_pe": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]},
        "w_pi": {"vars": ["weight"], "edges": [("pc/pro/m", "iin/rpo_e/m_in")]},
        "w_ep": {"vars": ["weight"], "edges": [("ein/pro/m", "pc/rpo_e_in/m_in")]},
        "w_ip": {"vars": ["weight"], "edges": [("iin/pro/m", "pc/rpo_i/m_in")]}},
        outputs={"V_e": "pc/rpo_e_in/v"}, inputs={"pc/rpo_e_in/u": u}, **kw)
    relative, _ = relative_errors(network[0].to_numpy(), column_[0].to_numpy())
    assert relative.max() < 1e-12, relative          # measured 4e-15
    assert (network.solver_stats["accepted_steps"] >= 1999).all()     # one step per row at least


def test_network_agrees_with_pyrates_to_its_float32_parameters(case):
    """PyRates' default float32 holds the network's parameters in float32; csweep reproduces that
    for the lumped column only and integrates networks with float64 parameters, so it differs
    from PyRates' float32 recording by their rounding (a column's range moves by up to 3.8e-6)."""
    recorded = case("jrc_network_scipy")
    result = csweep.grid_search(**recorded.kwargs)
    assert (result[0].dtypes == np.float64).all()
    relative, _ = relative_errors(result[0].to_numpy(), recorded.results.to_numpy())
    assert relative.max() < 5e-6, relative           # measured 3.8e-6


def test_discrete_delays_are_refused_with_the_solvers_they_have(case):
    recorded = case("discrete_delay_float64")
    kwargs = {**recorded.kwargs, "solver": "scipy",
              "circuit_template": f"{recorded.folder / 'as_written.yaml'}:DDC"}
    with pytest.raises(ValueError, match="solver='scipy' cannot integrate discrete edge delays.*"
                                         "'euler', 'heun' or 'rk4', or give the delays a spread"):
        csweep.grid_search(**kwargs)


def test_the_fixed_step_solvers_ignore_tolerances_as_pyrates_does():
    kw = dict(step_size=1e-4, simulation_time=0.1, outputs=OUTPUTS, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP, **kw)[0]
        ignored = csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP, method="RK45", rtol=1e-9,
                                     atol=1e-12, **kw)
    pd.testing.assert_frame_equal(plain, ignored[0])
    assert ignored.solver_stats is None


def test_a_resumed_store_says_which_sets_this_call_integrated(tmp_path):
    zarr = need("zarr")
    kw = dict(step_size=1e-4, simulation_time=0.1, outputs=OUTPUTS, solver="scipy",
              block_size=2, store=tmp_path / "s.zarr", progress=False)
    first = csweep.grid_search("JRC2", {"C": [68.0, 135.0, 270.0, 675.0]}, C_MAP, **kw)
    assert (first.solver_stats["status"] == "ok").all()
    zarr.open_group(tmp_path / "s.zarr", mode="r+")["_csweep/block_done"][1] = 0
    resumed = csweep.grid_search("JRC2", {"C": [68.0, 135.0, 270.0, 675.0]}, C_MAP, resume=True,
                                 **kw)
    assert list(resumed.solver_stats["status"]) == [
        "not run by this call (an earlier call's block)"] * 2 + ["ok"] * 2
    pd.testing.assert_frame_equal(resumed.solver_stats.iloc[2:], first.solver_stats.iloc[2:])
