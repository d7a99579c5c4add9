"""features.spectrum: a vector feature, Welch's PSD at given frequencies, carried by every engine."""

import concurrent.futures

import numpy as np
import pytest
import scipy.signal

import csweep
from csweep import features as F

FREQS = np.linspace(2, 40, 33)
PARAM_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUTPUTS = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}


def call(**extra):
    kwargs = dict(param_grid={"c": [100.0, 135.0, 270.0, 190.0]}, param_map=PARAM_MAP,
                  step_size=1e-4, simulation_time=3.0, outputs=OUTPUTS,
                  inputs={"jrc/jrc_op/u": csweep.noise.uniform(120, 320, seed=1)},
                  sampling_step_size=1e-3, float_precision="float64", progress=False)
    kwargs.update(extra)
    return csweep.grid_search("JRC2", **kwargs)


@pytest.fixture(scope="module")
def in_memory():
    return call(features={"s": F.spectrum("V_e - V_i", FREQS, log=True),
                          "lin": F.spectrum("V_e", [0.0, 7.3, 500.0, 501.0]),
                          "f": F.dominant_frequency("V_e - V_i")})


def test_spectrum_agrees_with_scipy_welch_and_np_interp(in_memory):
    """Tolerance 1e-9 in log10 units (the issue's); measured about 1e-14."""
    res = in_memory.results
    sub = in_memory.features["s"]
    assert sub.shape == (4, 33)
    np.testing.assert_array_equal(np.asarray(sub.columns, dtype=float), FREQS)
    for i, label in enumerate(in_memory.results_map.index):
        x = res["V_e"][label].to_numpy().ravel() - res["V_i"][label].to_numpy().ravel()
        f, p = scipy.signal.welch(x, fs=1000.0, nperseg=2000)
        np.testing.assert_allclose(sub.iloc[i].to_numpy(), np.log10(np.interp(FREQS, f, p)),
                                   rtol=0, atol=1e-9)
        lin = in_memory.features["lin"].iloc[i].to_numpy()
        f, p = scipy.signal.welch(res["V_e"][label].to_numpy().ravel(), fs=1000.0, nperseg=2000)
        np.testing.assert_allclose(lin[:3], np.interp([0.0, 7.3, 500.0], f, p), rtol=1e-9,
                                   atol=1e-12 * p.max())
        assert np.isnan(lin[3])           # above Nyquist's frequency


def test_the_frame_keeps_scalar_columns_plain(in_memory):
    frame = in_memory.features
    assert list(frame["c"]) == [100.0, 135.0, 270.0, 190.0]
    assert frame["f"].ndim == 1 and frame["s"].shape == (4, 33)
    # without a vector feature, the frame is as before: plain columns
    plain = call(features={"f": F.dominant_frequency("V_e - V_i")}).features
    assert list(plain.columns) == ["c", "f"]


def test_a_set_s_spectrum_does_not_depend_on_its_block(in_memory):
    one = call(features={"s": F.spectrum("V_e - V_i", FREQS, log=True)},
               param_grid=__import__("pandas").DataFrame({"c": [270.0]}, index=[2]))
    np.testing.assert_array_equal(one.features["s"].to_numpy()[0],
                                  in_memory.features["s"].to_numpy()[2])


def test_a_sweeps_features_are_those_of_its_records():
    # each set's numbers are those of its records alone, as from_frames computes them from the
    # frames (the sweep's in kept working arrays, block by block)
    features = {"s": F.spectrum("V_e - V_i", FREQS, log=True), "m": F.mean("V_e")}
    grid = {"c": [100.0, 135.0, 270.0, 190.0, 160.0]}
    for block_size in (5, 2):
        got = call(param_grid=grid, features=features, block_size=block_size)
        whole = csweep.features.from_frames(got.results, got.results_map, features)
        np.testing.assert_array_equal(got.features.to_numpy(), whole.to_numpy())
    # a parameter column that is not float64 keeps its dtype in the features frame
    ints = call(param_grid=__import__("pandas").DataFrame({"c": [100, 135]}), features=features)
    assert ints.features[("c", "")].dtype == np.int64
    np.testing.assert_array_equal(ints.features["s"].to_numpy(),
                                  got.features["s"].to_numpy()[:2])


def test_a_custom_feature_keeps_the_signal_it_was_given():
    # built-in features work in arrays each thread keeps from block to block; a user's
    # function may keep what it receives, so beside one every signal is an array of its own
    received = []
    features = {"s": F.spectrum("V_e", FREQS),
                "kept": F.custom(lambda x, t: (received.append(x), x[-1])[1], "V_e")}
    got = call(features=features, block_size=2)
    assert len(received) == 2 and not np.shares_memory(received[0], received[1])
    series = got.results["V_e"].to_numpy()
    np.testing.assert_array_equal(received[0], series[:, :2])
    np.testing.assert_array_equal(received[1], series[:, 2:])


def test_store_resume_and_executor_carry_it(in_memory, tmp_path):
    features = {"s": F.spectrum("V_e - V_i", FREQS, log=True)}
    want = in_memory.features["s"].to_numpy()
    path = tmp_path / "s.zarr"
    stored = call(features=features, store=path, keep_timeseries=False, block_size=1)
    np.testing.assert_array_equal(stored.features["s"].to_numpy(), want)
    xr = pytest.importorskip("xarray")
    data = xr.open_zarr(path)
    assert data["s"].dims == ("run", "s_frequency")
    np.testing.assert_array_equal(data["s_frequency"].to_numpy(), FREQS)
    from csweep.store import verify_store
    assert verify_store(path).ok
    resumed = call(features=features, store=path, keep_timeseries=False, resume=True,
                   block_size=1)
    np.testing.assert_array_equal(resumed.features["s"].to_numpy(), want)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pooled = call(features=features, keep_timeseries=False, executor=pool, block_size=2)
    np.testing.assert_array_equal(pooled.features["s"].to_numpy(), want)


def test_a_damaged_spectrum_is_found_by_its_checksum(tmp_path):
    zarr = pytest.importorskip("zarr")
    path = tmp_path / "s.zarr"
    call(features={"s": F.spectrum("V_e", FREQS)}, store=path, keep_timeseries=False,
         block_size=2)
    zarr.open_group(str(path), mode="r+")["s"][3, 5] = 1.0
    from csweep.store import verify_store
    report = verify_store(path)
    assert not report.ok and list(report.damaged) == [1]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="freqs must be a non-empty"):
        F.spectrum("V_e", [])
    with pytest.raises(ValueError, match="freqs must be"):
        F.spectrum("V_e", [-1.0, 2.0])
    with pytest.raises(ValueError, match="repeat"):
        F.spectrum("V_e", [2.0, 2.0])
    with pytest.raises(ValueError, match="segment"):
        F.spectrum("V_e", [2.0], segment=0)
    with pytest.raises(TypeError, match="log"):
        F.spectrum("V_e", [2.0], log="yes")
