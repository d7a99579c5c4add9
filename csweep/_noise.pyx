"""Generated noise: a counter-based generator, so a value depends only on (seed, stream, step).

csweep.noise fills input series with it, block by block; built once, with the baseline flags.
"""

from cython.parallel cimport prange
from libc.math cimport cos, log, sqrt
from libc.stdint cimport uint64_t

NOISE_KINDS = {"uniform": 0, "normal": 1}
#: the stream of a noise series shared by every set (per-set streams are the set indices)
SHARED_STREAM = 0xFFFFFFFFFFFFFFFF


cdef inline uint64_t _mix64(uint64_t z) noexcept nogil:
    # SplitMix64's output function (Steele, Lea & Flood 2014): a bijection that scatters every
    # input bit over the output; applied to a counter it passes BigCrush.
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return z ^ (z >> 31)


cdef inline double _unit(uint64_t key, uint64_t counter) noexcept nogil:
    # a uniform double in [0, 1) with 53 random bits
    return <double>(_mix64(key + (counter + 1) * <uint64_t>0x9E3779B97F4A7C15) >> 11) \
        * 1.1102230246251565e-16


def stream_key(uint64_t seed, uint64_t stream):
    """The generator key of one noise stream: a set's own series, or the shared one."""
    return _mix64(_mix64(seed + <uint64_t>0x9E3779B97F4A7C15) ^ stream)


def fill_noise(double[:, ::1] out, const uint64_t[::1] keys, Py_ssize_t first_step, int kind,
               double a, double b, int n_threads):
    """Fill out[k, c] with the noise value of stream keys[c] at step first_step + k.

    kind     NOISE_KINDS value: uniform on [a, b), or normal with mean a and standard deviation b
             (Box-Muller from the stream's draws 2*step and 2*step + 1)
    """
    cdef Py_ssize_t k, c, step
    cdef double u1, u2
    cdef double span = b - a
    for k in prange(out.shape[0], nogil=True, schedule="static", num_threads=n_threads):
        step = first_step + k
        for c in range(out.shape[1]):
            if kind == 0:
                out[k, c] = a + span * _unit(keys[c], <uint64_t>step)
            else:
                u1 = 1.0 - _unit(keys[c], 2 * <uint64_t>step)       # (0, 1]: log(u1) is finite
                u2 = _unit(keys[c], 2 * <uint64_t>step + 1)
                out[k, c] = a + b * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2)
