"""PyRates 1.2.3's one-simulation workflows against its recordings (issue 25; recorded by
tests/data/recorders/record_pyrates_workflows.py, described in tests/data/README.md).

Float64 Euler runs are held to 1e-10 of each column's range (measured: about 1e-13); the
adaptive and float32 runs to the error PyRates' own solver or precision has, measured against
its tighter or float64 recording."""

import json
from pathlib import Path

import numpy as np
import pytest

from csweep import CircuitTemplate, clear_frontend_caches, grid_search, integrate

DATA = Path(__file__).parent / "data"
JR = "model_templates.neural_mass_models.jansenrit"


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_frontend_caches()
    yield
    clear_frontend_caches()


def recorded(name):
    folder = DATA / name
    call = json.loads((folder / "call.json").read_text())
    z = np.load(folder / "results.npz")
    inputs = np.load(folder / "inputs.npz") if (folder / "inputs.npz").exists() else None
    return call, z, inputs


def worst(frame, z, columns=None):
    """The largest difference from the recording, as a fraction of each column's range."""
    ours = frame.to_numpy() if columns is None else frame[columns].to_numpy()
    theirs = z["values"]
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(frame.index.to_numpy(), z["index"])
    return worst_between(ours, theirs)


def test_run_with_an_input():
    call, z, inputs = recorded("run_jrc_float64")
    kwargs = dict(call["kwargs"], inputs={"pc/rpo_e_in/u": inputs["noise"]})
    res = CircuitTemplate.from_yaml(f"{JR}.JRC").run(**kwargs)
    assert list(res.columns) == [c[0] for c in z["columns"]]
    assert worst(res, z) < 1e-10


def test_integrate():
    call, z, _ = recorded("integrate_jrc2_float64")
    res = integrate(f"{JR}.JRC2", **call["kwargs"])
    assert list(res.columns) == ["V_pce", "V_pci"]
    assert worst(res, z) < 1e-10


def test_update_var_on_nodes():
    call, z, _ = recorded("update_var_nodes_float64")
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(node_vars=call["node_vars"])
    assert worst(jrc.run(**call["kwargs"]), z) < 1e-10


def test_update_var_on_edges_and_the_edges_pyrates_lists():
    call, z, _ = recorded("update_var_edges_float64")
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(edge_vars=[tuple(e) for e in call["edge_vars"]])
    assert [[s, t, tpl, dict(attr)] for s, t, tpl, attr in jrc.edges] == call["edges"]
    assert worst(jrc.run(**call["kwargs"]), z) < 1e-10


def within_pyrates_solver_error(recording, run, **kwargs):
    """csweep's default-tolerance DOP853 against PyRates': no further from PyRates than PyRates
    and csweep each are from a tight solution (csweep's DOP853 at rtol 1e-13, which
    test_methods.py holds to SciPy's own). Returns PyRates' own error."""
    call, z, _ = recorded(recording)
    ours = run(**call["kwargs"], **kwargs)
    tight = run(**dict(call["kwargs"], rtol=1e-13, atol=1e-16), **kwargs).to_numpy()
    pyrates_error = worst_between(z["values"], tight)
    ours_error = worst_between(ours.to_numpy(), tight)
    assert ours_error <= pyrates_error
    assert worst(ours, z) <= pyrates_error + ours_error
    return pyrates_error


def test_dop853_is_within_pyrates_own_solver_error():
    jrc2 = CircuitTemplate.from_yaml(f"{JR}.JRC2")
    # measured: PyRates 1.5e-4 of the range from the tight solution, csweep 4.5e-15 (its steps
    # end on every 1 ms sample, where an 8th-order step is exact to rounding)
    assert within_pyrates_solver_error("dop853_default", jrc2.run) < 3e-4


def test_the_jansen_rit_introductions_run():
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    # RK45 at solve_ivp's defaults over the whole network in PyRates, per set with its steps
    # ending on every sample in csweep; measured: PyRates 3.3e-4 of the range from the tight
    # solution, csweep 7.6e-9
    error = within_pyrates_solver_error("intro_jrc_scipy", jrc.run)
    assert error < 1e-3, error


def test_the_notebooks_coupled_columns():
    call, z, _ = recorded("notebook_ccm_euler")
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(**call["update_var"])
    ccm = CircuitTemplate(name="ccm", circuits={"jrc1": jrc, "jrc2": jrc},
                          edges=[tuple(e) for e in call["circuit_edges"]])
    res = ccm.run(**call["kwargs"])
    # float32 Euler: PyRates computes in float32, csweep in float64 and rounds; they differ
    # by PyRates' float32 error, within README's 1.2e-4 of an oscillating column's range
    # (measured 3.0e-8 V, 1.5e-5 of the range)
    assert res.dtypes.tolist() == [np.float32] * 2
    assert worst(res, z) < 1.2e-4
    # DOP853 at default tolerances: measured 1.9e-3 of the range for PyRates, 9e-6 for csweep
    assert within_pyrates_solver_error("notebook_ccm_dop853", ccm.run) < 3e-3


def worst_between(a, b):
    """max |a - b| per column over its range, or over 1e-3 of its magnitude for a column that
    barely moves (the notebook's saturated columns span 9e-12 V at 0.03 V, where one ulp of the
    value is 4e-7 of the range)."""
    span = np.maximum(np.ptp(b, axis=0), 1e-3 * np.abs(b).max(axis=0))
    return float(np.max(np.abs(a - b).max(axis=0) / span))


def test_the_notebooks_grid_search_after_its_update_var():
    # PyRates' grid_search of the template's name runs the cached template changed by the
    # notebook's update_var (pc/pro/s = 400); csweep does the same
    for precision in ("float64", "float32"):
        call, z, inputs = recorded(f"notebook_grid_{precision}")
        kwargs = dict(call["kwargs"], inputs={"pc/rpo_e_in/u": inputs["noise"]})
        CircuitTemplate.from_yaml(f"{JR}.JRC").update_var(node_vars=call["update_var_before"])
        results, _ = grid_search(kwargs.pop("circuit_template"), **kwargs)
        assert [tuple(c) for c in z["columns"]] == [tuple(map(str, c)) for c in results.columns]
        if precision == "float64":
            assert worst(results, z) < 1e-10
        else:
            # PyRates' own float32 error, column by column (up to 4.8e-6 V, on the saturated
            # C = 1350 column), plus float32's rounding of csweep's float64 result
            _, z64, _ = recorded("notebook_grid_float64")
            own = np.abs(z["values"] - z64["values"]).max(axis=0)
            ulp = np.spacing(np.abs(z64["values"]).max(axis=0).astype(np.float32))
            assert np.all(np.abs(results.to_numpy() - z["values"]).max(axis=0) <= own + ulp)
            assert 4.7e-6 < own.max() < 4.9e-6
        clear_frontend_caches()


def test_get_run_func_is_pyrates_vector_field():
    folder = DATA / "run_func_jrc"
    call = json.loads((folder / "call.json").read_text())
    z = np.load(folder / "dy.npz")
    func, args, _, state_map = CircuitTemplate.from_yaml(f"{JR}.JRC").get_run_func(
        func_name="jrc_run", step_size=1e-4, backend="default", vectorize=True, solver="scipy")
    assert {k: v if isinstance(v, int) else list(v) for k, v in state_map.items()} == \
        call["state_map"]
    t0, y0, *func_args = args
    np.testing.assert_array_equal(np.asarray(y0, float), z["y0"])
    for y, expected in zip(z["states"], z["dy"], strict=True):
        ours = np.array(func(0.0, y.copy(), *func_args), dtype=np.float64)
        # both float32 buffers from float32 parameters: equal to float32 rounding
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_the_notebooks_solve_ivp_call():
    integrate_ = pytest.importorskip("scipy.integrate")
    z = np.load(DATA / "run_func_jrc" / "dy.npz")
    func, args, _, _ = CircuitTemplate.from_yaml(f"{JR}.JRC").get_run_func(
        func_name="jrc_run", step_size=1e-4, backend="default", vectorize=True, solver="scipy")
    t0, y0, *func_args = args
    sol = integrate_.solve_ivp(func, (t0, 2.0), y0, args=func_args)
    # RK45 at solve_ivp's default tolerances (rtol 1e-3): the same steps, to float32 rounding
    # of the vector field
    assert sol.t.shape == z["t"].shape
    np.testing.assert_allclose(sol.t, z["t"], rtol=1e-6)
    assert worst_between(sol.y.T, z["y"].T) < 1e-4
