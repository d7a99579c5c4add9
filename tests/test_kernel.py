"""The compiled kernel against a NumPy restatement of the rules, and its determinism."""

import numpy as np
import pytest

import csweep

JRC2 = "JRC2"
STATES = ["V_ein", "X_ein", "V_iin", "X_iin", "V_e", "X_e", "V_i", "X_i"]


def random_sets(n, seed):
    rng = np.random.default_rng(seed)
    defaults = dict(h_e=3.25e-3, tau_e=10e-3, h_i=22e-3, tau_i=20e-3, m_max=5.0, r=560.0,
                    V_thr=6e-3, c=135.0, ei_ratio=4.0, io_ratio=3.0)
    return {k: v * rng.uniform(0.7, 1.3, n) for k, v in defaults.items()}


def sweep_all(grid, inputs=None, solver="euler", T=0.2, dt=1e-4, dts=5e-4, **kw):
    param_map = {k: {"vars": [f"jrc_op/{k}"], "nodes": ["jrc"]} for k in grid}
    outputs = {s: f"jrc/jrc_op/{s}" for s in STATES}
    return csweep.grid_search(JRC2, grid, param_map, step_size=dt, simulation_time=T,
                              outputs=outputs, inputs=inputs, sampling_step_size=dts,
                              solver=solver, float_precision="float64", **kw)


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
@pytest.mark.parametrize("per_set_input", [False, True])
def test_kernel_matches_numpy_oracle(jrc2, solver, per_set_input):
    n, T, dt, dts = 37, 0.2, 1e-4, 5e-4  # 37 sets: two full tiles and a partial one
    grid = random_sets(n, seed=1)
    rng = np.random.default_rng(2)
    n_steps = round(T / dt)
    u = rng.uniform(120, 320, (n_steps, n if per_set_input else 1))
    m_in = rng.uniform(0, 20, (n_steps, 1))
    results, _ = sweep_all(grid, {"jrc/jrc_op/u": u, "jrc/jrc_op/m_in": m_in}, solver, T, dt, dts)
    expected = jrc2(grid, np.broadcast_to(u, (n_steps, n)), np.broadcast_to(m_in, (n_steps, n)),
                    n_steps, round(dts / dt), dt, solver)[: round(T / dts)]
    got = results.to_numpy().reshape(len(results), 8, n)
    scale = np.abs(expected).max(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10 * scale.max())
    assert np.all(np.abs(got - expected) <= 1e-10 * scale)


def test_firing_rate_output_is_the_sigmoid_of_the_recorded_state():
    results, _ = csweep.grid_search(
        JRC2, {"C": [68.0, 135.0]}, {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        step_size=1e-4, simulation_time=0.5, sampling_step_size=1e-3, float_precision="float64",
        outputs={"m": "jrc/jrc_op/m", "V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"})
    v = results["V_e"].to_numpy() - results["V_i"].to_numpy()
    np.testing.assert_allclose(results["m"].to_numpy(), 5.0 / (1 + np.exp(-560.0 * (v - 6e-3))),
                               rtol=1e-14)


def test_thread_count_does_not_change_results():
    grid = random_sets(70, seed=3)
    u = np.random.default_rng(4).uniform(120, 320, (2000, 70))
    one, _ = sweep_all(grid, {"jrc/jrc_op/u": u}, n_threads=1)
    two, _ = sweep_all(grid, {"jrc/jrc_op/u": u}, n_threads=2)
    np.testing.assert_array_equal(one.to_numpy(), two.to_numpy())


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_set_alone_equals_set_inside_a_larger_grid(solver):
    grid = random_sets(40, seed=5)
    u = np.random.default_rng(6).uniform(120, 320, (2000, 40))
    whole, _ = sweep_all(grid, {"jrc/jrc_op/u": u}, solver)
    for i in (0, 17, 39):  # first lane, middle of a tile, the partial last tile
        alone, _ = sweep_all({k: v[i:i + 1] for k, v in grid.items()},
                             {"jrc/jrc_op/u": u[:, i:i + 1]}, solver)
        np.testing.assert_array_equal(alone.to_numpy(), whole.to_numpy()[:, i::40])


def test_no_input_array_holds_the_input_at_its_default():
    """u = input(220) without an array: identical to passing a constant series of 220."""
    grid = {"c": [100.0, 135.0, 300.0]}
    default, _ = sweep_all(grid)
    explicit, _ = sweep_all(grid, {"jrc/jrc_op/u": np.full(2000, 220.0)})
    np.testing.assert_array_equal(default.to_numpy(), explicit.to_numpy())


def test_sweeping_an_input_constant_equals_a_constant_series():
    swept, _ = sweep_all({"u": [150.0, 220.0, 300.0]})
    for i, level in enumerate([150.0, 220.0, 300.0]):
        single, _ = sweep_all({"c": [135.0]}, {"jrc/jrc_op/u": np.full(2000, level)})
        np.testing.assert_array_equal(single.to_numpy(), swept.to_numpy()[:, i::3])


def test_kernel_derivatives_are_the_tests_equations(jrc2_equations):
    """_integrate.jrc2_derivatives, the kernel's right-hand side that csweep.models.jrc2_column holds
    templates against, computes conftest's JRC2 equations: to 1e-12 of each row's largest value
    (measured 1.4e-16; the kernel forms h_e*c/tau_e and the like first, and has its own
    exp)."""
    from csweep import _integrate
    n = 19                                           # two tiles and a partial one
    p = random_sets(n, 11)
    rng = np.random.default_rng(12)
    y = np.concatenate([rng.uniform(-0.02, 0.02, (1, n)) if s.startswith("V") else
                        rng.uniform(-2, 2, (1, n)) for s in STATES])
    u, m_in = rng.uniform(120, 320, n), rng.uniform(0, 20, n)
    params = np.array([p[name] for name in _integrate.JRC2_PARAMETERS])
    got = _integrate.jrc2_derivatives(params, y, u, m_in)
    want = jrc2_equations(y, p, u, m_in)
    m = p["m_max"] / (1 + np.exp(-p["r"] * (y[4] - y[6] - p["V_thr"])))
    for row, expected in enumerate([m, *want]):
        scale = np.abs(expected).max()
        np.testing.assert_allclose(got[row], expected, rtol=0, atol=1e-12 * scale)


def test_kernel_exp_is_accurate_to_about_one_ulp():
    from csweep import _integrate
    x = np.concatenate([np.linspace(-700, 700, 20001), np.random.default_rng(7).uniform(-50, 50, 20001)])
    got = np.array([_integrate.exp(v) for v in x])
    assert np.max(np.abs(got / np.exp(x) - 1)) <= 4 * np.finfo(float).eps


def test_build_has_openmp():
    """Fails on a serial build unless CSWEEP_ALLOW_SERIAL=1 says one is expected."""
    import os
    if os.environ.get("CSWEEP_ALLOW_SERIAL") == "1":
        return
    assert csweep.openmp_enabled(), "csweep was built without OpenMP (set CSWEEP_ALLOW_SERIAL=1 if intended)"
