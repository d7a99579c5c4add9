"""The features' compiled passes (csweep/_features.pyx): a set's mean, standard deviation and
power spectrum depend on its own samples only (not on the sets beside it, the block or the chunk
of sets cut at a time), and are NumPy's and scipy.signal.welch's numbers."""

import numpy as np
import pytest
from conftest import need

from csweep import _features
from csweep.analysis import features
from csweep.analysis.features import _spectrum


def signals(n_samples, n_sets, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) * 1e-3
    tones = np.sin(2 * np.pi * rng.uniform(2, 40, n_sets) * t[:, None])
    return 3.0 + rng.uniform(0.5, 4, n_sets) * tones + rng.standard_normal((n_samples, n_sets))


@pytest.mark.parametrize("method, segment", [("welch", 0.5), ("welch", 0.501), ("fft", 0.5)])
def test_a_sets_spectrum_is_the_same_alone_in_any_group_and_on_any_threads(method, segment):
    # 23 sets: groups of 8, 8 and 7 columns (the compiled pass's tasks), one or two threads
    x = signals(2001, 23)
    whole = _spectrum(x, 1e-3, method, segment)[1]
    assert np.isfinite(whole).all() and (whole[1:] > 0).all()
    np.testing.assert_array_equal(_spectrum(x, 1e-3, method, segment, threads=2)[1], whole)
    np.testing.assert_array_equal(_spectrum(x, 1e-3, method, segment, threads=7)[1], whole)
    for j in (0, 7, 8, 15, 22):
        np.testing.assert_array_equal(_spectrum(x[:, [j]], 1e-3, method, segment)[1][:, 0],
                                      whole[:, j])
    # shifted by 3 columns, every set sits elsewhere in its group
    shifted = np.hstack([signals(2001, 3, seed=9), x])
    np.testing.assert_array_equal(_spectrum(shifted, 1e-3, method, segment, 2)[1][:, 3:], whole)
    # a strided view of the same samples gives the same numbers
    wide = np.repeat(x, 2, axis=1)
    np.testing.assert_array_equal(_spectrum(wide[:, ::2], 1e-3, method, segment)[1], whole)


def test_a_diverged_set_leaves_the_spectra_beside_it_alone():
    # sets 6 and 7 share a transform (their lanes side by side): 7's NaN stays in 7
    x = signals(2001, 9)
    alone = _spectrum(x, 1e-3, "welch", 0.5)[1]
    x[300:400, 7] = np.nan
    got = _spectrum(x, 1e-3, "welch", 0.5, threads=2)[1]
    assert np.isnan(got[:, 7]).all()
    np.testing.assert_array_equal(np.delete(got, 7, axis=1), np.delete(alone, 7, axis=1))


def test_the_compiled_spectrum_is_numpys_fft_up_to_rounding():
    # pocketfft's real FFT (csweep/src/pocketfft) against NumPy's, through the same segments,
    # window and sums
    x = signals(3000, 6, seed=7)
    length, hop = 500, 250
    window = np.hanning(length + 1)[:-1]
    starts = range(0, x.shape[0] - length + 1, hop)
    segments = np.stack([x[s:s + length] - x[s:s + length].mean(axis=0) for s in starts])
    power = np.abs(np.fft.rfft(segments * window[None, :, None], axis=1)) ** 2
    want = power.mean(axis=0) / (1e3 * (window ** 2).sum())
    want[1:-1] *= 2
    got = _spectrum(x, 1e-3, "welch", length * 1e-3)[1]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_spectra_in_threads_at_once_are_each_their_own():
    # each thread cuts its segments into room of its own, kept between calls: two threads
    # computing spectra at the same time (a sweep's features thread and a fit's, say) give
    # the numbers each gives alone
    from concurrent.futures import ThreadPoolExecutor

    blocks = [signals(3000, 5, seed) for seed in range(6)]
    alone = [_spectrum(x, 1e-3, "welch", 0.5)[1] for x in blocks]
    with ThreadPoolExecutor(2) as pool:
        for _ in range(3):
            together = list(pool.map(lambda x: _spectrum(x, 1e-3, "welch", 0.5)[1], blocks))
            for got, want in zip(together, alone, strict=True):
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n_samples, nperseg", [(3000, 500), (3001, 501), (999, 2), (50, 50)])
def test_welch_of_even_and_odd_segments_matches_scipy(n_samples, nperseg):
    signal = need("scipy.signal")
    x = signals(n_samples, 5, seed=1)
    freqs, psd = _spectrum(x, 1e-3, "welch", nperseg * 1e-3)
    ref_f, ref = signal.welch(x, fs=1000.0, nperseg=nperseg, axis=0)
    np.testing.assert_allclose(freqs, ref_f)
    # a few ulps apart: the same sums, in a different order than scipy's
    np.testing.assert_allclose(psd, ref, rtol=1e-10)


def test_periodogram_of_an_odd_record_matches_scipy():
    signal = need("scipy.signal")
    x = signals(1001, 4, seed=2)
    freqs, psd = _spectrum(x, 1e-3, "fft", 2.0)
    ref_f, ref = signal.periodogram(x, fs=1000.0, axis=0)
    np.testing.assert_allclose(freqs, ref_f)
    np.testing.assert_allclose(psd[1:], ref[1:], rtol=1e-10)
    assert psd[0].max() < 1e-20          # the mean is removed


def test_the_welch_pass_refuses_arrays_that_do_not_fit():
    x = np.zeros((100, 4))
    psd = np.empty((21, 4))
    with pytest.raises(ValueError, match="window has 39 values; expected 40"):
        _features.welch_psd(x, 40, 20, np.ones(39), 1.0, psd, 1)
    with pytest.raises(ValueError, match="segments of 101 samples, 50 apart, do not fit in 100"):
        _features.welch_psd(x, 101, 50, np.ones(101), 1.0, np.empty((51, 4)), 1)
    with pytest.raises(ValueError, match="segments of 40 samples, 0 apart"):
        _features.welch_psd(x, 40, 0, np.ones(40), 1.0, psd, 1)
    with pytest.raises(ValueError, match=r"psd of shape \(20, 4\) cannot take 21 frequencies"):
        _features.welch_psd(x, 40, 20, np.ones(40), 1.0, np.empty((20, 4)), 1)
    with pytest.raises(ValueError, match="of 3 columns"):
        _features.welch_psd(np.zeros((100, 3)), 40, 20, np.ones(40), 1.0, psd, 1)
    with pytest.raises(ValueError, match="n_threads must be at least 1; received 0"):
        _features.welch_psd(x, 40, 20, np.ones(40), 1.0, psd, 0)


def test_a_sets_mean_and_std_are_numpys_and_the_same_alone():
    x = signals(3001, 9, seed=3) * 1e-3
    mean, std = _features.column_moments(x, True)
    # NumPy's own numbers for a block of several sets (its sums run down each column in order)
    np.testing.assert_array_equal(mean, x.mean(axis=0))
    np.testing.assert_array_equal(std, x.std(axis=0))
    for j in range(9):
        alone = _features.column_moments(np.ascontiguousarray(x[:, [j]]), True)
        assert (alone[0][0], alone[1][0]) == (mean[j], std[j])
    assert _features.column_moments(x, False)[1] is None
    with pytest.raises(ValueError, match="at least one sample"):
        _features.column_moments(np.zeros((0, 3)), True)


def test_mean_and_std_features_of_a_block_of_one_set_equal_those_among_others():
    x = signals(2001, 5, seed=4)
    values = x[:, np.newaxis, :]
    wanted = {"m": features.mean("x"), "s": features.std("x")}
    together = features.compute(wanted, values, ["x"], np.arange(2001) * 1e-3)
    for j in range(5):
        alone = features.compute(wanted, values[:, :, j:j + 1], ["x"], np.arange(2001) * 1e-3)
        assert (alone["m"][0], alone["s"][0]) == (together["m"][j], together["s"][j])
    empty = features.compute(wanted, values[:0], ["x"], np.zeros(0))
    assert np.isnan(empty["m"]).all() and np.isnan(empty["s"]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_columns_finite_is_numpys_isfinite_of_each_column(dtype):
    rng = np.random.default_rng(3)
    x = (rng.uniform(-0.5, 0.5, (1001, 37)) * np.finfo(dtype).max).astype(dtype)
    x[0, 0] = np.finfo(dtype).max               # the largest finite values stay finite
    x[1, 1] = -np.finfo(dtype).max
    for value, row, column in ((np.nan, 5, 3), (np.inf, 1000, 7), (-np.inf, 400, 36),
                               (np.nan, 0, 20), (np.inf, 0, 20)):
        x[row, column] = value
    got = _features.columns_finite(x)
    np.testing.assert_array_equal(got, np.isfinite(x).all(axis=0))
    assert got.dtype == bool and got.sum() == 37 - 4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weighted_sum_is_numpys_signal_bit_for_bit(dtype):
    # a signal such as "0.1*V_e - V_i": NumPy's 0.0 + f * values[:, c, :] term by term (float32
    # products in float32, the factor rounded to it; sums in double), also from strided records
    rng = np.random.default_rng(5)
    values = (rng.standard_normal((500, 3, 7)) * 1e-2).astype(dtype)
    values[3, 0, 2] = -0.0
    for terms in ([(0, 1.0), (2, -1.0)], [(1, 0.1), (0, 3.7), (1, -2.2)], [(0, -1.0)]):
        want = np.zeros((500, 7))
        for column, factor in terms:
            want += factor * values[:, column, :]
        for records in (values, np.repeat(values, 2, axis=2)[:, :, ::2]):
            got = np.empty((500, 7))
            _features.weighted_sum(records, np.array([c for c, _ in terms], np.intp),
                                   np.array([f for _, f in terms]), got)
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    with pytest.raises(ValueError, match="column 3 of 3 outputs"):
        _features.weighted_sum(values, np.array([3], np.intp), np.array([1.0]), got)
