"""csweep's noise streams (version 5): Philox4x32-10 as published, every build drawing the same
bits, and each value the documented function of (seed, stream, step), whatever steps a fill
starts and stops at. (csweep's own log and sin/cos of the normal draw, and the normal values'
statistics: tests/test_noise_fastmath.py.)"""


import numpy as np
import pytest
from conftest import noise_builds

from csweep import _noise, noise
from csweep.kernels import builds as _kernel

# Random123's known-answer vectors for philox4x32 with 10 rounds (its kat_vectors file):
# counter (4 words), key (2 words) -> output (4 words)
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]



@pytest.mark.parametrize("counter, key, expected", KNOWN_ANSWERS)
def test_philox_gives_the_published_known_answers(counter, key, expected):
    for build in noise_builds():
        assert build.philox4x32_10(counter, key) == expected, build.simd()


def _words(seed, counter, stream):
    return _noise.philox4x32_10((counter & 0xFFFFFFFF, counter >> 32, stream & 0xFFFFFFFF,
                                 stream >> 32), (seed & 0xFFFFFFFF, seed >> 32))


def _normal(seed, step, stream, mean, std):
    """Step `step` of a normal stream as version 5 defines it, with csweep's own log and sin/cos:
    the pair (4j, 4j + 1) from words 0 and 1 of the call at (j, stream), (4j + 2, 4j + 3) from
    words 2 and 3, u1 = 1 - word / 2**32, u2 = word / 2**32."""
    w = _words(seed, step // 4, stream)
    pair = (step % 4) // 2
    u1, u2 = 1.0 - w[2 * pair] * 2.0**-32, w[2 * pair + 1] * 2.0**-32
    log_u1, cos_sin = np.empty(1), (np.empty(1), np.empty(1))
    _noise.log_values(np.array([u1]), log_u1)
    _noise.sincos_turn_values(np.array([u2]), *cos_sin)
    exact = mean + std * np.sqrt(-2.0 * np.log(u1)) * (np.cos, np.sin)[step % 2](2 * np.pi * u2)
    return mean + std * np.sqrt(-2.0 * log_u1[0]) * cos_sin[step % 2][0], exact


def test_each_value_is_the_documented_function_of_seed_stream_and_step():
    """Uniform: steps 4j .. 4j + 3 take output words 0 .. 3 (32 bits each) of the call at counter
    (j, stream); normal: steps 4j and 4j + 1 the Box-Muller pair (cos, sin) of (1 - word 0,
    word 1) / 2**32 of the call at (j, stream), steps 4j + 2 and 4j + 3 that of (1 - word 2,
    word 3). Checked in Python for first steps at every offset in a quad, the shared stream and
    a 64-bit seed, on every build (the vector lanes and the scalar tail both)."""
    seed, low, high, mean, std = 2**63 + 12345, 120.0, 320.0, 1.5, 2.0
    streams = np.array([0, 1, 2**32 + 7, 5, 6, 7, 8, 9, 10, 11, _noise.SHARED_STREAM], np.uint64)
    for build in noise_builds():
        for first in (0, 1, 2, 3, 6):
            u = np.empty((7, len(streams)))
            g = np.empty((7, len(streams)))
            build.fill_noise(u, streams, seed, first, 0, low, high, 2)
            build.fill_noise(g, streams, seed, first, 1, mean, std, 1)
            for k in range(7):
                step = first + k
                for c, stream in enumerate(streams.tolist()):
                    w = _words(seed, step // 4, stream)
                    expected = low + (high - low) * (w[step % 4] * 2.0 ** -32)
                    assert u[k, c] == expected, (build.simd(), step, stream)
                    ours, exact = _normal(seed, step, stream, mean, std)
                    assert g[k, c] == pytest.approx(exact, rel=1e-14, abs=1e-14)
                    # bit for bit, with csweep's own log and sin/cos
                    assert g[k, c] == ours, (build.simd(), step, stream)


@pytest.mark.parametrize("kind", [0, 1])
def test_fills_starting_and_stopping_inside_a_group_of_four_steps(kind):
    """A fill may start and stop at any step: a group of 4 steps (one Philox call, two normal
    pairs) straddling either end, or both, has up to 3 rows outside the fill, each of which
    (normal) its pair's other value needs. Every first step mod 4 (0 .. 7) and every length 1 ..
    9, on every build and thread count, with scalar and per-set values, equal a long fill's
    rows bit for bit."""
    streams = np.array([3, 4, 5, 6, 7, 8, 9, 10, 11, 2**40 + 1, 12], np.uint64)
    a_values = np.linspace(-3.0, 5.0, len(streams))
    b_values = np.linspace(0.0, 4.0, len(streams)) + (a_values if kind == 0 else 0.0)
    for per_set in ((None, None), (a_values, b_values)):
        whole = np.empty((20, len(streams)))
        _noise.fill_noise(whole, streams, 77, 0, kind, 1.0, 3.0, 1, *per_set)
        for build in noise_builds():
            for first in range(8):
                for length in range(1, 10):
                    for threads in (1, 2):
                        part = np.full((length, len(streams)), np.nan)
                        build.fill_noise(part, streams, 77, first, kind, 1.0, 3.0, threads,
                                         *per_set)
                        np.testing.assert_array_equal(
                            part, whole[first:first + length],
                            err_msg=f"{build.simd()} first={first} length={length}")


def test_normal_values_stop_at_the_tail_of_32_bit_uniforms():
    """The largest radius of a pair is sqrt(-2 log 2**-32) = 6.66 standard deviations (u1 =
    2**-32, the smallest 32-bit u1), reached by no smaller u1; and u1 = 1 gives the mean."""
    log = np.empty(2)
    _noise.log_values(np.array([2.0**-32, 1.0]), log)
    bound = np.sqrt(-2.0 * log[0])
    assert bound == pytest.approx(np.sqrt(64 * np.log(2.0)), rel=1e-15)
    assert 6.66 < bound < 6.661 and log[1] == 0.0


def test_uniform_values_cover_their_range_evenly():
    """32 bits per value: every value is low + (high - low) * k / 2**32, and a million of them
    fill [low, high) evenly (each tenth of the range holds a tenth of them, within 2%)."""
    values = np.empty((250_000, 4))
    _noise.fill_noise(values, np.arange(4, dtype=np.uint64), 3, 0, 0, -1.0, 1.0, 2)
    k = (values + 1.0) / 2.0 * 2.0**32
    np.testing.assert_array_equal(k, np.round(k))
    assert values.min() >= -1.0 and values.max() < 1.0
    counts = np.histogram(values, bins=10, range=(-1.0, 1.0))[0]
    np.testing.assert_allclose(counts / values.size, 0.1, rtol=0.02)
    normal = np.empty((250_000, 4))
    _noise.fill_noise(normal, np.arange(4, dtype=np.uint64), 3, 0, 1, 0.0, 1.0, 2)
    # the sin half of each pair is as normal as the cos half, and independent of it
    for half in (normal[0::2], normal[1::2]):
        assert abs(half.mean()) < 0.005 and abs(half.std() - 1.0) < 0.005
    assert abs(np.corrcoef(normal[0::2].ravel(), normal[1::2].ravel())[0, 1]) < 0.005


@pytest.mark.parametrize("kind", [0, 1])
def test_every_build_draws_the_same_bits_for_any_block_of_steps_and_sets(kind):
    streams = np.arange(3, 40, dtype=np.uint64)
    whole = np.empty((300, len(streams)))
    _noise.fill_noise(whole, streams, 9, 0, kind, 120.0, 320.0, 1)
    for build in noise_builds():
        for first, steps, sets in ((0, 300, slice(None)), (1, 1, slice(5, 6)), (7, 120, slice(2, 15)),
                                   (150, 150, slice(0, 37, 3))):
            part = np.empty((steps, len(streams[sets])))
            build.fill_noise(part, np.ascontiguousarray(streams[sets]), 9, first, kind, 120.0,
                             320.0, 2)
            np.testing.assert_array_equal(part, whole[first:first + steps, sets],
                                          err_msg=f"{build.simd()} first={first}")


def test_the_selected_build_is_the_widest_the_cpu_runs():
    assert _kernel.noise_kernel.simd() == noise_builds()[-1].simd()


def test_describe_names_the_generator_and_stream_version():
    described = noise.uniform(120, 320, seed=3).describe()
    assert described["generator"] == "philox4x32-10" == noise.GENERATOR
    assert described["stream_version"] == 5 == noise.STREAM_VERSION


def test_a_sets_stream_is_its_integer_label_or_its_labels_hash():
    # integer labels are their own streams (mod 2**64), read at once from an integer index;
    # any other label's stream is the first 8 bytes of the SHA-256 of its text
    import hashlib

    import pandas as pd

    from csweep.noise import set_streams

    def hashed(label):
        return int.from_bytes(hashlib.sha256(str(label).encode()).digest()[:8], "little")

    assert set_streams(pd.RangeIndex(5, 9)).tolist() == [5, 6, 7, 8]
    assert set_streams(pd.Index([-1, -2**63, 2**63 - 1])).tolist() == [
        2**64 - 1, 2**63, 2**63 - 1]
    assert set_streams(pd.Index(np.array([2**64 - 1], np.uint64))).tolist() == [2**64 - 1]
    assert set_streams(pd.Index([2**64 + 5, 7], dtype=object)).tolist() == [5, 7]
    assert set_streams(pd.Index(["a", 3])).tolist() == [hashed("a"), 3]
    assert set_streams(pd.Index([True, 2.0])).tolist() == [hashed(True), hashed(2.0)]
