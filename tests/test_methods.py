"""solver="scipy" with solve_ivp's other explicit methods, compiled per set as RK45 is:
method="DOP853" (Hairer's 8(5,3) pair) and "RK23" (Bogacki-Shampine 3(2)); the implicit
methods are refused saying why and what to do instead (issue 25)."""

import numpy as np
import pandas as pd
import pytest

from csweep import CircuitTemplate, grid_search

JRC2 = "model_templates.neural_mass_models.jansenrit.JRC2"
C = [68.0, 128.0, 135.0, 270.0, 675.0, 1350.0]
KWARGS = dict(param_grid={"c": C}, param_map={"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
              step_size=1e-4, simulation_time=2.0, sampling_step_size=1e-3, solver="scipy",
              outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
              float_precision="float64")
DEFAULTS = dict(tau_e=10e-3, h_e=3.25e-3, tau_i=20e-3, h_i=22e-3, m_max=5.0, r=560.0,
                V_thr=6e-3, ei_ratio=4.0, io_ratio=3.0)


@pytest.fixture(scope="module")
def tight():
    return grid_search(JRC2, method="DOP853", rtol=1e-13, atol=1e-16, **KWARGS)[0]


def _relative_error(results, reference):
    span = (reference.max() - reference.min()).to_numpy()
    return float(np.max((results - reference).abs().max().to_numpy() / span))


def test_the_tight_reference_is_scipys_own_dop853(tight, jrc2_equations):
    # SciPy's solve_ivp on the tests' NumPy statement of the equations, set by set
    integrate = pytest.importorskip("scipy.integrate")
    times = tight.index.to_numpy()
    worst = 0.0
    for k, c in enumerate(C):
        p = {key: np.array([v]) for key, v in dict(DEFAULTS, c=c).items()}

        def f(t, y, p=p):
            return jrc2_equations(y[:, None], p, 220.0, 0.0)[:, 0]

        sol = integrate.solve_ivp(f, (0.0, 2.0), np.zeros(8), method="DOP853", rtol=1e-12,
                                  atol=1e-15, t_eval=times)
        for column, state in (("V_e", 4), ("V_i", 6)):
            ours = tight[column].iloc[:, k].to_numpy()
            worst = max(worst, np.abs(sol.y[state] - ours).max() / np.ptp(ours))
    # measured 4.0e-12 of a column's range at worst (SciPy's dense output at rtol 1e-12)
    assert worst < 1e-9, worst


@pytest.mark.parametrize("method, rtol, atol, bound", [
    # measured (of a column's range, at worst over the 6 sets): RK45 2.7e-6, 5.5e-7;
    # DOP853 5.0e-7, 5.0e-8; RK23 2.9e-4, 1.3e-5
    ("RK45", 1e-3, 1e-6, 1e-5), ("RK45", 1e-6, 1e-9, 2e-6),
    ("DOP853", 1e-3, 1e-6, 2e-6), ("DOP853", 1e-6, 1e-9, 2e-7),
    ("RK23", 1e-3, 1e-6, 1e-3), ("RK23", 1e-6, 1e-9, 5e-5),
])
def test_each_method_is_within_its_tolerance_of_the_tight_solution(tight, method, rtol, atol,
                                                                     bound):
    result = grid_search(JRC2, method=method, rtol=rtol, atol=atol, **KWARGS)
    assert (result.solver_stats["status"] == "ok").all()
    assert _relative_error(result[0], tight) < bound


def test_dop853_takes_fewer_steps_than_rk45_at_tight_tolerances():
    steps = {m: grid_search(JRC2, method=m, rtol=1e-9, atol=1e-12, **KWARGS).solver_stats
             for m in ("RK45", "DOP853")}
    assert steps["DOP853"]["accepted_steps"].sum() < 0.7 * steps["RK45"]["accepted_steps"].sum()


def test_dop853_on_a_network_agrees_with_rk45():
    kwargs = dict(param_grid={"h": [3e-3, 3.25e-3]},
                  param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}, step_size=1e-4,
                  simulation_time=0.5, sampling_step_size=1e-3, solver="scipy",
                  outputs={"v": "pc/rpo_e_in/v"}, float_precision="float64", rtol=1e-10,
                  atol=1e-13)
    jrc = "model_templates.neural_mass_models.jansenrit.JRC"
    a = grid_search(jrc, method="DOP853", **kwargs)[0]
    b = grid_search(jrc, method="RK45", **kwargs)[0]
    assert _relative_error(a, b) < 1e-7


@pytest.mark.parametrize("method", ["Radau", "BDF", "LSODA"])
def test_implicit_methods_are_refused_by_grid_search_saying_what_to_do(method):
    with pytest.raises(ValueError, match="CircuitTemplate.run") as info:
        grid_search(JRC2, method=method, **KWARGS)
    assert method in str(info.value) and "DOP853" in str(info.value)


@pytest.mark.parametrize("method, bound", [("Radau", 1e-6), ("BDF", 2e-5), ("LSODA", 1e-5)])
def test_run_takes_the_implicit_methods_to_scipy(tight, method, bound):
    # one set through SciPy's solve_ivp on get_run_func's vector field, as PyRates runs it;
    # measured at rtol 1e-6: Radau 1.1e-7, BDF 4.0e-6, LSODA 1.8e-6 of the range
    pytest.importorskip("scipy")
    kwargs = {k: v for k, v in KWARGS.items() if k not in ("param_grid", "param_map")}
    column = CircuitTemplate.from_yaml(JRC2).update_var({"jrc/jrc_op/c": 270.0})
    result = column.run(method=method, rtol=1e-6, atol=1e-9, **dict(kwargs, simulation_time=0.5))
    reference = pd.DataFrame({key: tight[key]["JRC2_3"].iloc[:, 0] for key in ("V_e", "V_i")})
    assert _relative_error(result, reference.loc[result.index]) < bound


def test_an_unknown_method_is_named():
    with pytest.raises(ValueError, match="'RK45', 'DOP853', 'RK23'.*received 'RK4'"):
        grid_search(JRC2, method="RK4", **KWARGS)
