"""Noise values per set (issue 27): csweep.noise.normal("mu", "sigma") and uniform("lo", "hi")
take each set's values from param_grid keys, and every invariance of generated noise holds."""

import concurrent.futures

import numpy as np
import pandas as pd
import pytest

import csweep
from csweep import _runtime, noise
from csweep.kernels import builds as _kernel

OUTPUTS = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}
PARAM_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
U = "jrc/jrc_op/u"
NO_STATE = np.empty((0, 0))
DEFAULTS = (3.25e-3, 10e-3, 22e-3, 20e-3, 5.0, 560.0, 6e-3, 135.0, 0.8, 0.25)  # JRC2_PARAMETERS


def sweep(grid, u, param_map=PARAM_MAP, **extra):
    kwargs = dict(step_size=1e-4, simulation_time=0.3, outputs=OUTPUTS, inputs={U: u},
                  float_precision="float64", progress=False)
    kwargs.update(extra)
    return csweep.grid_search("JRC2", grid, param_map, **kwargs)


def values(result):
    return result.results.to_numpy()


GRID = pd.DataFrame({"c": [135.0, 200.0, 90.0, 135.0, 300.0],
                     "mu": [220.0, 180.0, 250.0, 220.0, 120.0],
                     "sigma": [22.0, 0.0, 35.0, 22.0, 5.0]})


def test_series_with_per_set_values_are_the_scalar_series_bit_for_bit():
    """fill_noise with per-set values equal to scalar ones draws the same bits (normal and
    uniform), and each column depends only on its own stream and values."""
    streams = np.arange(7, dtype=np.uint64) * 31 + 5
    for scalar, kind, a, b in ((noise.normal(3.0, 2.5, seed=9), "normal", 3.0, 2.5),
                               (noise.uniform(-1.0, 4.0, seed=9), "uniform", -1.0, 4.0)):
        want = scalar.block(1001, streams, 2, first_step=3)
        per_set = noise.Noise(kind, "a", "b", seed=9).with_grid(
            pd.DataFrame({"a": np.full(7, a), "b": np.full(7, b)}))
        np.testing.assert_array_equal(per_set.block(1001, streams, 2, first_step=3), want)
        mixed = noise.Noise(kind, "a", "b", seed=9).with_grid(
            pd.DataFrame({"a": [a, 0.0, a, 7.0, a, a, 1.0], "b": [b, 9.0, b, 8.0, b, b, 1.0]}))
        got = mixed.block(1001, streams, 1, first_step=3)
        for column in (0, 2, 4, 5):
            np.testing.assert_array_equal(got[:, column], want[:, column])


def test_a_zero_std_is_a_constant_input_of_the_mean():
    per_set = sweep(GRID, noise.normal("mu", "sigma", seed=3))
    constant = sweep(GRID.iloc[[1]][["c"]], np.full(3000, 180.0))
    np.testing.assert_array_equal(values(per_set)[:, [1, 6]], values(constant))


def test_a_set_alone_equals_the_set_among_others_at_any_thread_count():
    u = noise.normal("mu", "sigma", seed=3)
    full = values(sweep(GRID, u, n_threads=2, block_size=2))
    for label in (0, 2, 4):
        alone = values(sweep(GRID.iloc[[label]], u, n_threads=1))
        np.testing.assert_array_equal(alone, full[:, [label, 5 + label]])
    # sets 0 and 3 have the same values and the same stream only if labelled alike: row 3
    # is its own stream, so its trace differs from row 0's
    assert not np.array_equal(full[:, 0], full[:, 3])


def test_per_set_values_equal_scalar_noise_in_a_sweep():
    grid = GRID.assign(mu=220.0, sigma=22.0)
    np.testing.assert_array_equal(values(sweep(grid, noise.normal("mu", "sigma", seed=3))),
                                  values(sweep(grid[["c"]], noise.normal(220.0, 22.0, seed=3))))
    grid = GRID.assign(lo=100.0)[["c", "lo"]]
    np.testing.assert_array_equal(values(sweep(grid, noise.uniform("lo", 320.0, seed=1))),
                                  values(sweep(grid[["c"]], noise.uniform(100.0, 320.0, seed=1))))


def test_the_kernel_draws_per_set_values_as_the_series_holds_them():
    """The tiles' draw (the fixed-step JRC2 kernel) against the series path, 19 sets (a
    partial tile), per-set mean and std of u and per-set bounds of m_in."""
    n_sets, n_steps = 19, 1001
    streams = np.arange(n_sets, dtype=np.uint64) * 977 + 2**40
    grid = pd.DataFrame({"mu": np.linspace(100, 300, n_sets), "s": np.linspace(0, 40, n_sets),
                         "lo": np.linspace(-5, 5, n_sets)})
    u = noise.normal("mu", "s", seed=5).with_grid(grid)
    m = noise.uniform("lo", 10.0, seed=6).with_grid(grid)
    params = np.array([[value] * n_sets for value in DEFAULTS])

    def run(u_in, m_in, **drawn):
        out = np.empty((n_steps // 10, 3, n_sets))
        _kernel.kernel.integrate_jrc2(params, u_in, m_in, np.array([4, 6, 8], np.intc), out,
                                      NO_STATE, NO_STATE, 10, 0, n_steps,
                                      _runtime.SOLVERS["euler"], 1e-4, 2, False, **drawn)
        return out

    want = run(u.block(n_steps, streams, 2), m.block(n_steps, streams, 2))
    unread = np.full((1, 1), np.nan)
    got = run(unread, unread, noise=[u.kernel_spec(), m.kernel_spec()], streams=streams)
    assert np.isfinite(want).all()
    np.testing.assert_array_equal(got, want)


def test_stores_and_executors_carry_noise_parameters(tmp_path):
    u = noise.normal("mu", "sigma", seed=3)
    features = {"m": csweep.features.mean("V_e")}
    want = sweep(GRID, u, features=features, keep_timeseries=False).features
    stored = sweep(GRID, u, features=features, store=tmp_path / "s.zarr", keep_timeseries=False,
                   block_size=2)
    pd.testing.assert_frame_equal(stored.features, want)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pooled = sweep(GRID, u, features=features, keep_timeseries=False, executor=pool,
                       block_size=2)
    pd.testing.assert_frame_equal(pooled.features, want)
    with pytest.raises(ValueError, match="inputs"):   # another noise: another call
        sweep(GRID, noise.normal("mu", "sigma", seed=4), features=features,
              store=tmp_path / "s.zarr", keep_timeseries=False, resume=True, block_size=2)


def test_a_key_may_also_be_mapped():
    grid = pd.DataFrame({"c": [135.0, 200.0], "mu": [220.0, 180.0]})
    both = {**PARAM_MAP, "mu": {"vars": ["jrc_op/m_max"], "nodes": ["jrc"]}}
    result = sweep(grid.assign(mu=[5.0, 5.0]), noise.normal("mu", 1.0), both)
    assert np.isfinite(values(result)).all()


def test_bad_noise_parameters_are_refused():
    with pytest.raises(KeyError, match="std='nope' is not a param_grid key"):
        sweep(GRID[["c", "mu"]], noise.normal("mu", "nope"))
    with pytest.raises(ValueError, match="parameter set 1 gives mean=180.0, std=-1.0"):
        sweep(GRID.assign(sigma=[1.0, -1.0, 1.0, 1.0, 1.0]), noise.normal("mu", "sigma"))
    with pytest.raises(ValueError, match="low <= high"):
        sweep(GRID[["c", "mu"]], noise.uniform("mu", 200.0))
    with pytest.raises(ValueError, match="per_set=True"):
        noise.normal("mu", 1.0, per_set=False)
    with pytest.raises(TypeError, match="param_grid key"):
        noise.normal([1.0], 1.0)
    with pytest.raises(KeyError, match="no entry in param_map"):   # other keys still need one
        sweep(GRID.assign(x=1.0), noise.normal("mu", "sigma"))


def test_a_sweep_file_takes_grid_keys_for_noise_and_a_spectrum():
    from csweep.engine.sweep_file import sweep_arguments

    args = sweep_arguments({
        "template": "JRC2", "grid": {"C": [135.0], "mu": [200.0]},
        "param_map": {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, "outputs": OUTPUTS,
        "step_size": 1e-4, "simulation_time": 0.3,
        "inputs": {U: {"noise": "normal", "mean": "mu", "std": 20, "seed": 0}},
        "features": {"s": {"feature": "spectrum", "signal": "V_e", "freqs": [5, 10],
                           "log": True}}})
    assert args["inputs"][U] == noise.normal("mu", 20.0, seed=0)
    assert args["features"]["s"].freqs == (5.0, 10.0) and args["features"]["s"].log
