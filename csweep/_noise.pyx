"""Generated noise: a counter-based generator, so a value depends only on (seed, stream, step).

The generator is Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy
as 1, 2, 3", SC11, 2011): ten rounds of two 32x32->64-bit multiplies and xors, which vector
units do several at once (SSE2 pmuludq, AVX2/AVX-512 vpmuludq), so one row of a block (a step
of every set) is drawn several sets per instruction. Its key is the seed; its 128-bit counter
holds the step quad (words 0, 1) and the set's stream (words 2, 3): distinct (stream, step)
pairs are distinct counters, so streams never overlap. One call gives 4 uniform values (32 bits
each) or 4 normal values (two Box-Muller pairs of 32-bit uniforms, its log, cos and sin
csweep's own, csweep/src/fastmath.h, vectorised across a row's sets).

csweep.noise fills input series with it, block by block, where a kernel reads its inputs from
memory; the JRC2 kernel's tiles draw it themselves as they step (the generator is in _philox.pxd,
shared by both). Built with the baseline flags and again per instruction set (_noise_avx2,
_noise_avx512, picked by csweep.kernels.builds); every build gives the same bits: integer
arithmetic, an exact conversion to double, and (normal values) IEEE-rounded arithmetic only,
without fused multiply-adds.
"""

from cython.parallel cimport prange, threadid
from cython.view cimport array as cvarray
from libc.stdint cimport uint64_t

from csweep._philox cimport (NOISE_NORMAL, NOISE_SCRATCH_ROWS, NOISE_UNIFORM, NoiseSpec,
                             csweep_log, csweep_noise_simd, csweep_philox4x32_10,
                             csweep_sincos_turn, noise_rows)

NOISE_KINDS = {"uniform": NOISE_UNIFORM, "normal": NOISE_NORMAL}
#: the stream of a noise series shared by every set (per-set streams are the set indices)
SHARED_STREAM = 0xFFFFFFFFFFFFFFFF
#: the generator and the version of csweep's noise streams built on it, recorded with a store
#: (version 1 was SplitMix64's output function on a counter, csweep 0.1 before issue 18;
#: version 2 took 53 bits per uniform value and one Philox call per normal value; version 3's
#: uniform values are version 4's, its normal values took the C library's log, cos and sin;
#: version 4's uniform values are version 5's, its normal values took one Philox call per
#: Box-Muller pair, u1 and u2 of 53 bits each, where version 5 draws two pairs per call from
#: 32-bit u1 and u2: half the generator's work per value, and tails that stop at
#: sqrt(-2 log 2^-32) = 6.66 standard deviations instead of 8.57)
GENERATOR = "philox4x32-10"
STREAM_VERSION = 5

# rows a thread draws at a time (fill_noise)
cdef enum:
    ROWS_PER_TASK = 64


def simd():
    """The vector instruction set this build of the generator was compiled for."""
    return csweep_noise_simd.decode()


def philox4x32_10(counter, key):
    """Philox4x32-10 of a counter (4 words of 32 bits) and a key (2 words): its 4 output words,
    as Random123 writes them (for the known-answer tests)."""
    cdef uint64_t r01, r23
    csweep_philox4x32_10(counter[0], counter[1], counter[2], counter[3], key[0], key[1],
                         &r01, &r23)
    return (r01 >> 32, r01 & 0xFFFFFFFF, r23 >> 32, r23 & 0xFFFFFFFF)


def log_values(const double[::1] x, double[::1] out):
    """out[i] = log(x[i]) as the normal draw computes it (x positive, finite and normal), in
    one loop that gcc vectorises as it does the draw's (for the accuracy tests)."""
    cdef Py_ssize_t i
    for i in range(min(x.shape[0], out.shape[0])):
        out[i] = csweep_log(x[i])


def sincos_turn_values(const double[::1] u, double[::1] cos_out, double[::1] sin_out):
    """cos_out[i], sin_out[i] = cos(2 pi u[i]), sin(2 pi u[i]) as the normal draw computes
    them (0 <= u[i] < 2**50; for the accuracy tests)."""
    cdef Py_ssize_t i
    for i in range(min(u.shape[0], cos_out.shape[0], sin_out.shape[0])):
        csweep_sincos_turn(u[i], &cos_out[i], &sin_out[i])


def fill_noise(double[:, ::1] out, const uint64_t[::1] streams, uint64_t seed,
               Py_ssize_t first_step, int kind, double a, double b, int n_threads,
               const double[::1] a_values=None, const double[::1] b_values=None):
    """Fill out[k, c] with the noise value of stream streams[c] at step first_step + k.

    out      OUT (n_steps, n_streams)
    streams  IN  (n_streams,) each column's stream (a set's, or SHARED_STREAM)
    seed     the generator's key
    kind     NOISE_KINDS value:
             uniform on [a, b): steps 4j .. 4j + 3 take output words 0 .. 3 of the Philox
             call at counter (j, stream), 32 bits each: a + (b - a) * (word / 2^32);
             normal with mean a and standard deviation b: steps 4j .. 4j + 3 take two
             Box-Muller pairs of the call at counter (j, stream), steps 4j and 4j + 1 from
             words 0 and 1, steps 4j + 2 and 4j + 3 from words 2 and 3: with
             u1 = 1 - word / 2^32 in (0, 1] (words 0, 2), u2 = word / 2^32 in [0, 1)
             (words 1, 3) and r = b * sqrt(-2 log u1), a pair's first step is
             a + r cos(2 pi u2), its second a + r sin(2 pi u2) (log, cos and sin as
             log_values and sincos_turn_values compute them); |value - a| <= 6.66 b
    a_values, b_values  IN (n_streams,) or None: column c's own a and b (both or neither),
             in the same arithmetic (uniform: drawn on [0, 1), then a + (b - a) * u)
    """
    cdef Py_ssize_t task, first, n = out.shape[1], n_steps = out.shape[0]
    cdef Py_ssize_t n_tasks = (n_steps + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    cdef int threads = max(n_threads, 1)
    cdef NoiseSpec spec
    if n == 0 or n_steps == 0:
        return
    spec.kind, spec.a, spec.b, spec.seed = kind, a, b, seed
    spec.a_set = spec.b_set = NULL
    if (a_values is None) != (b_values is None):
        raise ValueError("fill_noise: give both a_values and b_values, or neither")
    if a_values is not None:
        if a_values.shape[0] != n or b_values.shape[0] != n:
            raise ValueError(f"fill_noise: a_values and b_values need {n} values (one per "
                             f"stream); received {a_values.shape[0]} and {b_values.shape[0]}")
        spec.a_set, spec.b_set = &a_values[0], &b_values[0]
    # each thread's scratch rows: the steps of its first and last groups of 4 outside its rows
    cdef double[:, ::1] scratch = cvarray(shape=(threads, NOISE_SCRATCH_ROWS * n), itemsize=8,
                                          format="d")
    for task in prange(n_tasks, nogil=True, schedule="static", num_threads=threads):
        first = task * ROWS_PER_TASK
        noise_rows(&spec, &streams[0], n, first_step + first,
                   min(ROWS_PER_TASK, n_steps - first), &out[first, 0], n,
                   &scratch[threadid(), 0])
