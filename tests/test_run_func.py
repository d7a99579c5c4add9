"""``CircuitTemplate.get_run_func``: the vector field, its arguments and PyRates' state layout,
for ``scipy.integrate.solve_ivp`` (issue 25)."""

import importlib.util

import numpy as np
import pytest

from csweep import CircuitTemplate, clear_frontend_caches

JR = "model_templates.neural_mass_models.jansenrit"
DEFAULTS = dict(tau_e=10e-3, h_e=3.25e-3, tau_i=20e-3, h_i=22e-3, m_max=5.0, r=560.0,
                V_thr=6e-3, c=135.0, ei_ratio=4.0, io_ratio=3.0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_frontend_caches()


def test_the_layout_is_pyrates():
    # PyRates 1.2.3's state map for JRC (vectorize=True): ein and iin share one vector
    _, args, names, state_map = CircuitTemplate.from_yaml(f"{JR}.JRC").get_run_func(
        "jrc_run", step_size=1e-4, backend="default", vectorize=True, solver="scipy")
    assert state_map == {"pc/rpo_e_in/v": 0, "pc/rpo_e_in/x": 1, "pc/rpo_i/v": 2,
                         "pc/rpo_i/x": 3, "ein/rpo_e/v": (4, 6), "ein/rpo_e/x": (6, 8)}
    assert names[:3] == ("t", "y", "dy") and len(names) == len(args)
    assert args[0].dtype == args[1].dtype == np.float32 and args[1].shape == (8,)
    _, args, _, state_map = CircuitTemplate.from_yaml(f"{JR}.JRC").get_run_func(
        "jrc_run", step_size=1e-4, vectorize=False, float_precision="float64")
    assert state_map["iin/rpo_e/x"] == 7 and args[1].dtype == np.float64


def test_the_vector_field_is_the_equations(jrc2_equations):
    func, args, _, state_map = CircuitTemplate.from_yaml(f"{JR}.JRC2").get_run_func(
        "jrc2_run", step_size=1e-4, float_precision="float64")
    assert list(state_map.values()) == list(range(8))
    t0, y0, *func_args = args
    p = {k: np.array([v]) for k, v in DEFAULTS.items()}
    for y in np.random.default_rng(1).normal(0.0, 0.01, (4, 8)):
        expected = jrc2_equations(y[:, None], p, 220.0, 0.0)[:, 0]
        assert np.allclose(func(0.0, y, *func_args), expected, rtol=1e-13, atol=0)


def test_solve_ivp_runs_it_as_the_notebook_does_and_agrees_with_run(tmp_path, monkeypatch):
    integrate = pytest.importorskip("scipy.integrate")
    monkeypatch.chdir(tmp_path)
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    func, args, _, state_map = jrc.get_run_func(func_name="jrc_run", file_name="jrc1",
                                                step_size=1e-4, backend="default",
                                                vectorize=True, solver="scipy",
                                                float_precision="float64")
    t0, y0, *func_args = args
    times = np.arange(0.0, 0.5, 1e-3)
    # PyRates' function returns its dy buffer, which float64 solve_ivp keeps without copying
    # (tests/data/README.md): a copy gives the exact solution to compare with
    sol = integrate.solve_ivp(lambda t, y, *a: func(t, y, *a).copy(), (t0, 0.5), y0,
                              args=func_args, method="DOP853", rtol=1e-10, atol=1e-13,
                              t_eval=times)
    run = jrc.run(simulation_time=0.5, step_size=1e-4, sampling_step_size=1e-3,
                  outputs={"e": "pc/rpo_e_in/v", "i": "pc/rpo_i/v"}, solver="scipy",
                  method="DOP853", rtol=1e-10, atol=1e-13, float_precision="float64")
    for column, index in (("e", state_map["pc/rpo_e_in/v"]), ("i", state_map["pc/rpo_i/v"])):
        error = np.abs(sol.y[index] - run[column].to_numpy()).max() / np.ptp(sol.y[index])
        assert error < 1e-8, error
    # the file is a readable module of the same function
    text = (tmp_path / "jrc1.py").read_text()
    assert "def jrc_run(t, y, dy," in text and "exp(" in text
    spec = importlib.util.spec_from_file_location("jrc1", tmp_path / "jrc1.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    y = np.linspace(-0.01, 0.01, 8)
    assert np.array_equal(module.jrc_run(0.0, y, np.zeros(8), *func_args[1:]),
                          func(0.0, y, np.zeros(8), *func_args[1:]))


def test_what_it_cannot_write_is_refused():
    pair = CircuitTemplate.from_yaml(f"{JR}.JRC_2delaycoupled")
    with pytest.raises(ValueError, match="has a delay"):
        pair.get_run_func("f", step_size=1e-4)
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    with pytest.raises(ValueError, match="inputs= is not supported"):
        jrc.get_run_func("f", step_size=1e-4, inputs={"pc/rpo_e_in/u": np.ones(10)})
    with pytest.raises(ValueError, match="func_name must be a Python identifier"):
        jrc.get_run_func("not a name", step_size=1e-4)
