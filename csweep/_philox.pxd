# Philox4x32-10 and the noise rows drawn from it (csweep.noise's generator), shared by the
# generator module (_noise.pyx fills input series) and the kernel tiles (_integrate.pyx draws a
# tile's noise as it steps, a few rows at a time, instead of reading a series from memory). Both
# call noise_rows, so a (seed, stream, step) gives the same value wherever it is drawn. The C
# (Philox, the rows of uniform values and the Box-Muller rows) is csweep/src/philox.h, with the
# log and sin/cos of the normal draw in csweep/src/fastmath.h.

from libc.stdint cimport uint32_t, uint64_t

cdef extern from "csweep/src/philox.h":
    const char* csweep_noise_simd
    void csweep_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                              uint32_t k0, uint32_t k1, uint64_t *r01,
                              uint64_t *r23) noexcept nogil
    void csweep_philox_row(double *w01, double *w23, const uint64_t *streams, Py_ssize_t n,
                           uint64_t counter, uint64_t seed, double a01, double s01, double a23,
                           double s23) noexcept nogil
    void csweep_philox_rows4(double *w0, double *w1, double *w2, double *w3,
                             const uint64_t *streams, Py_ssize_t n, uint64_t counter,
                             uint64_t seed, double a, double s) noexcept nogil
    void csweep_box_muller_rows(double *first0, double *first1, Py_ssize_t pair_stride,
                                Py_ssize_t pairs, Py_ssize_t n, const double *a_set,
                                const double *b_set, double a, double b) noexcept nogil
    double csweep_log(double x) noexcept nogil
    void csweep_sincos_turn(double u, double *c, double *s) noexcept nogil


cdef struct NoiseSpec:
    # a generated-noise channel: its kind (NOISE_KIND_*, or NO_NOISE: the channel is a series)
    # and values; a, b: uniform low and high, or normal mean and standard deviation
    int kind
    double a
    double b
    uint64_t seed
    # per-set values (NULL: a and b for every set): a_set[c], b_set[c] replace a and b for the
    # stream in column c of the rows noise_rows fills
    const double* a_set
    const double* b_set


cdef enum:
    NO_NOISE = -1
    NOISE_UNIFORM = 0
    NOISE_NORMAL = 1


cdef inline double* _row(double* out, Py_ssize_t k, Py_ssize_t n_steps, Py_ssize_t stride,
                         double* scratch) noexcept nogil:
    # row k of out, or scratch for a step outside the n_steps asked for
    return out + k * stride if 0 <= k < n_steps else scratch


cdef inline void noise_rows(const NoiseSpec* spec, const uint64_t* streams, Py_ssize_t n,
                            Py_ssize_t first_step, Py_ssize_t n_steps, double* out,
                            Py_ssize_t stride, double* scratch) noexcept nogil:
    # out[k * stride + c] = the value of stream streams[c] at step first_step + k, for k <
    # n_steps and c < n; scratch: n doubles. Noise streams version 4:
    # Uniform on [a, b): steps 4j .. 4j + 3 take output words 0 .. 3 of the Philox call at
    # counter (j, stream), 32 bits each: a + (b - a) * (word / 2^32).
    # Normal: steps 2j and 2j + 1 take the Box-Muller pair of the call at counter (j, stream):
    # with u1 = 1 - (words 0, 1) in (0, 1] and u2 = (words 2, 3) in [0, 1) (their top 53 bits)
    # and r = b * sqrt(-2 log u1), step 2j is a + r cos(2 pi u2) and step 2j + 1 a + r sin(...),
    # log, cos and sin csweep's own (csweep/src/fastmath.h: the same bits on every build; version
    # 3 called the C library's, one value at a time).
    # With per-set values (spec.a_set, spec.b_set), column c takes a_set[c] and b_set[c] for a
    # and b in the same arithmetic: uniform values are drawn on [0, 1) (a + 1 * u is u exactly)
    # and then mapped, a + (b - a) * u, as the vector code maps them with scalar a and b.
    cdef Py_ssize_t j, k, c, i, first_pair, last_pair
    cdef double* row0
    cdef double* row1
    cdef bint per_set = spec.a_set != NULL
    if n_steps <= 0:
        return
    if spec.kind == NOISE_UNIFORM:
        for j in range(first_step // 4, (first_step + n_steps - 1) // 4 + 1):
            k = 4 * j - first_step
            csweep_philox_rows4(_row(out, k, n_steps, stride, scratch),
                                _row(out, k + 1, n_steps, stride, scratch),
                                _row(out, k + 2, n_steps, stride, scratch),
                                _row(out, k + 3, n_steps, stride, scratch),
                                streams, n, <uint64_t>j, spec.seed,
                                0.0 if per_set else spec.a,
                                1.0 if per_set else spec.b - spec.a)
            if per_set:
                for i in range(max(k, 0), min(k + 4, n_steps)):
                    row0 = out + i * stride
                    for c in range(n):
                        row0[c] = spec.a_set[c] + (spec.b_set[c] - spec.a_set[c]) * row0[c]
    else:
        # Philox fills every pair's rows with (u1, u2), then the pairs wholly inside the steps
        # asked for are transformed in one call (their rows are `stride` apart); a pair with a
        # row outside (the first or the last, its other row in scratch) is transformed at once,
        # before the scratch row is used again
        first_pair = first_step // 2
        last_pair = (first_step + n_steps - 1) // 2
        for j in range(first_pair, last_pair + 1):
            k = 2 * j - first_step
            row0 = _row(out, k, n_steps, stride, scratch)
            row1 = _row(out, k + 1, n_steps, stride, scratch)
            csweep_philox_row(row0, row1, streams, n, <uint64_t>j, spec.seed, 1.0, -1.0, 0.0,
                              1.0)
            if row0 == scratch or row1 == scratch:
                csweep_box_muller_rows(row0, row1, 0, 1, n, spec.a_set, spec.b_set, spec.a,
                                       spec.b)
        if 2 * first_pair < first_step:
            first_pair += 1
        if 2 * last_pair + 1 >= first_step + n_steps:
            last_pair -= 1
        if last_pair >= first_pair:
            row0 = out + (2 * first_pair - first_step) * stride
            csweep_box_muller_rows(row0, row0 + stride, 2 * stride, last_pair - first_pair + 1,
                                   n, spec.a_set, spec.b_set, spec.a, spec.b)
