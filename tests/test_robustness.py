"""Numerical blow-ups are flagged, meaningless parameters refused, and sweeps are safe to run
from several threads at once and to interrupt."""

import gc
import threading
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import JRC2_OUTPUTS, need

import csweep
from csweep import features as F
from csweep import noise

JRC2_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]},
            "tau_e": {"vars": ["jrc_op/tau_e"], "nodes": ["jrc"]}}


def jrc2(grid, **kw):
    args = dict(step_size=1e-4, simulation_time=0.5, sampling_step_size=1e-3, outputs=JRC2_OUTPUTS,
                float_precision="float64", progress=False)
    args.update(kw)
    return csweep.grid_search("JRC2", grid, JRC2_MAP, **args)


# -- blow-ups -------------------------------------------------------------------------------------

# tau_e = 1e-6 s is 100x shorter than the step: forward Euler grows without bound and overflows
UNSTABLE = pd.DataFrame({"c": [135.0, 270.0, 135.0, 675.0], "tau_e": [10e-3, 10e-3, 1e-6, 10e-3]},
                        index=[0, 1, 2, 3])


def test_a_set_that_blows_up_is_flagged_and_the_others_are_unchanged():
    with pytest.warns(csweep.DivergenceWarning, match=r"1 of 4 parameter sets diverged.*JRC2_2"):
        result = jrc2(UNSTABLE, features={"ptp": F.peak_to_peak("V_e")})
    assert list(result.diverged) == ["JRC2_2"]
    values = result[0].xs("JRC2_2", axis=1, level=1).to_numpy()
    assert not np.all(np.isfinite(values))                # the flag is not a false alarm
    healthy = UNSTABLE.drop(index=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", csweep.DivergenceWarning)   # a clean run does not warn
        clean = jrc2(healthy, features={"ptp": F.peak_to_peak("V_e")})
    assert len(clean.diverged) == 0
    for label in clean.results_map.index:
        np.testing.assert_array_equal(result[0].xs(label, axis=1, level=1).to_numpy(),
                                      clean[0].xs(label, axis=1, level=1).to_numpy())
    np.testing.assert_array_equal(result.features.drop(index="JRC2_2")["ptp"].to_numpy(),
                                  clean.features["ptp"].to_numpy())


def test_blow_ups_are_flagged_without_time_series_and_in_a_store(tmp_path):
    need("zarr")
    xr = need("xarray")
    kw = dict(features={"ptp": F.peak_to_peak("V_e")}, block_size=2)
    with pytest.warns(csweep.DivergenceWarning):
        only_features = jrc2(UNSTABLE, keep_timeseries=False, **kw)
    with pytest.warns(csweep.DivergenceWarning):
        stored = jrc2(UNSTABLE, store=tmp_path / "s.zarr", **kw)
    assert list(only_features.diverged) == list(stored.diverged) == ["JRC2_2"]
    assert xr.open_zarr(tmp_path / "s.zarr")["diverged"].values.tolist() == [False, False, True,
                                                                             False]


def test_a_network_set_that_blows_up_is_flagged():
    grid = {"h": [3.25e-3, 1e300]}        # the potential overflows within a few steps
    with pytest.warns(csweep.DivergenceWarning, match="JRC_2delaycoupled_1"):
        result = csweep.grid_search(
            "JRC_2delaycoupled", grid, {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}},
            step_size=1e-4, simulation_time=0.1, outputs={"v": "jrc1/pc/rpo_e_in/v"},
            progress=False)
    assert list(result.diverged) == ["JRC_2delaycoupled_1"]
    assert np.all(np.isfinite(result[0].xs("JRC_2delaycoupled_0", axis=1, level=1).to_numpy()))


def test_float32_records_that_overflow_are_flagged():
    # a finite float64 state of ~1e39 V is inf in float32 records
    grid = pd.DataFrame({"c": [135.0, 1e42], "tau_e": [10e-3, 10e-3]})
    with pytest.warns(csweep.DivergenceWarning, match="JRC2_1"):
        result = jrc2(grid, float_precision="float32", simulation_time=0.05)
    assert list(result.diverged) == ["JRC2_1"]


# -- parameters without a meaning are refused -------------------------------------------------------

@pytest.mark.parametrize("var, value, message", [
    ("tau_i", -0.02, r"jrc/jrc_op/tau_i must be > 0 \(a time constant\); parameter set 1 gives -0.02"),
    ("io_ratio", 0.0, r"io_ratio must be > 0 \(a ratio"),
    ("m_max", -5.0, r"m_max must be >= 0 \(a maximum firing rate\)"),
    ("r", -560.0, r"r must be >= 0 \(the sigmoid's slope\)"),
    ("c", -135.0, r"c must be >= 0 \(a connectivity\)"),
    ("h_i", -22e-3, r"h_i must be >= 0 \(a synaptic gain\)"),
])
def test_meaningless_column_parameters_are_refused(var, value, message):
    with pytest.raises(ValueError, match=message):
        csweep.grid_search("JRC2", {"x": [1.0, value]}, {"x": {"vars": [f"jrc_op/{var}"],
                                                              "nodes": ["jrc"]}},
                           1e-4, 0.01, JRC2_OUTPUTS, progress=False)


@pytest.mark.parametrize("param_map, value, message", [
    ({"vars": ["rpo_e_in/tau"], "nodes": ["jrc1/pc"]}, -10e-3,
     r"parameter set 1 makes d/dt x = .*a synapse whose potential does not decay"),
    ({"vars": ["rpo_e_in/tau"], "nodes": ["jrc1/pc"]}, 0.0,
     r"parameter set 1 makes the coefficients of d/dt x infinite or NaN.*a time constant of 0"),
    ({"vars": ["pro/m_max"], "nodes": ["jrc2/pc"]}, -5.0, "a firing rate must be >= 0"),
    ({"vars": ["pro/s"], "nodes": ["jrc2/pc"]}, -560.0, "must rise with the potential"),
    ({"vars": ["delay"], "edges": [["jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in"]]}, -4e-3,
     r"delay must be >= 0 \(a duration in s\); parameter set 1 gives -0.004"),
    ({"vars": ["spread"], "edges": [["jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in"]]}, -1e-3,
     "spread must be >= 0"),
])
def test_meaningless_network_parameters_are_refused(param_map, value, message):
    default = {"delay": 4e-3, "spread": 1e-3, "tau": 10e-3, "m_max": 5.0, "s": 560.0}
    first = default[param_map["vars"][0].rpartition("/")[2]]
    with pytest.raises(ValueError, match=message):
        csweep.grid_search("JRC_2delaycoupled", {"x": [first, value]}, {"x": param_map},
                           1e-4, 0.01, {"v": "jrc1/pc/rpo_e_in/v"}, progress=False)


# -- concurrency ------------------------------------------------------------------------------------

@pytest.mark.slow     # eight threads of sweeps
def test_concurrent_calls_from_eight_threads_equal_serial_calls():
    """8 threads x 50 calls of grid_search, each of one of five different sweeps (lumped and
    network, noise and arrays, Euler, Heun and RK4), bitwise equal to the same calls made one by one."""
    rng = np.random.default_rng(5)
    u = rng.uniform(120, 320, (500, 3))
    calls = [
        lambda: csweep.grid_search("JRC2", {"c": [68.0, 135.0, 675.0]},
                                   {"c": JRC2_MAP["c"]}, 1e-4, 0.05, JRC2_OUTPUTS,
                                   inputs={"jrc/jrc_op/u": u}, n_threads=2, progress=False)[0],
        lambda: csweep.grid_search("JRC2", {"c": np.linspace(60, 1400, 20)},
                                   {"c": JRC2_MAP["c"]}, 1e-4, 0.05, JRC2_OUTPUTS, solver="rk4",
                                   inputs={"jrc/jrc_op/u": noise.normal(220, 30, seed=3)},
                                   n_threads=1, progress=False)[0],
        lambda: csweep.grid_search("JRC_2delaycoupled", {"h": [3e-3, 3.5e-3]},
                                   {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}}, 1e-4,
                                   0.05, {"v": "jrc1/pc/rpo_e_in/v"}, solver="heun",
                                   progress=False)[0],
        lambda: csweep.grid_search("JRC", {"w": [0.5, 1.0]},
                                   {"w": {"vars": ["weight"],
                                          "edges": [["pc/pro/m", "ein/rpo_e/m_in"]]}},
                                   1e-4, 0.05, {"v": "pc/rpo_e_in/v"}, progress=False)[0],
        lambda: csweep.grid_search("JRC2", {"c": [135.0]}, {"c": JRC2_MAP["c"]}, 1e-4, 0.05,
                                   JRC2_OUTPUTS, compute_precision="float32", progress=False)[0],
    ]
    expected = [call() for call in calls]
    results, errors = {}, []

    def worker(thread):
        try:
            for k in range(50):
                which = (thread + k) % len(calls)
                results[thread, k] = (which, calls[which]())
        except BaseException as exc:   # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 400
    for which, frame in results.values():
        pd.testing.assert_frame_equal(frame, expected[which], check_exact=True)


# -- interrupts -------------------------------------------------------------------------------------

def test_ctrl_c_in_an_in_memory_sweep_returns_quickly_and_frees_its_memory():
    """The frame (100 MB) and every block's scratch are freed once KeyboardInterrupt leaves."""
    n_sets, seconds = 2000, 1.3     # 2000 sets x 13000 samples x 1 output x float32 = 104 MB
    stopped = {}

    def interrupt(done, total):
        if done:
            stopped["at"] = time.perf_counter()
            raise KeyboardInterrupt

    kw = dict(step_size=1e-4, simulation_time=seconds, outputs={"V_e": "jrc/jrc_op/V_e"},
              inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=1)}, progress=interrupt,
              block_size=64)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            csweep.grid_search("JRC2", {"c": np.linspace(60, 1400, n_sets)},
                               {"c": JRC2_MAP["c"]}, **kw)
        returned = time.perf_counter()
        gc.collect()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before > 100e6                   # the frame was allocated...
    assert after - before < 1e6                    # ...and nothing of it is left
    assert returned - stopped["at"] < 1.0          # back to the caller well within a second
    assert returned - started < 30
