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
    void csweep_philox_rows4(double *w0, double *w1, double *w2, double *w3,
                             const uint64_t *streams, Py_ssize_t n, uint64_t counter,
                             uint64_t seed, double a02, double s02, double a13,
                             double s13) noexcept nogil
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
    # rows of scratch noise_rows needs (each n wide): the rows of a group of 4 steps outside
    # the steps asked for, at most 3, each its own (a normal pair's rows are drawn together)
    NOISE_SCRATCH_ROWS = 3


cdef inline void _group_rows(double* out, Py_ssize_t k, Py_ssize_t n_steps, Py_ssize_t stride,
                             Py_ssize_t n, double* scratch, double** rows) noexcept nogil:
    # rows[i] = row k + i of out (i < 4), or for a step outside the n_steps asked for a scratch
    # row of its own
    cdef int i, spare = 0
    for i in range(4):
        if 0 <= k + i < n_steps:
            rows[i] = out + (k + i) * stride
        else:
            rows[i] = scratch + spare * n
            spare += 1


cdef inline void noise_rows(const NoiseSpec* spec, const uint64_t* streams, Py_ssize_t n,
                            Py_ssize_t first_step, Py_ssize_t n_steps, double* out,
                            Py_ssize_t stride, double* scratch) noexcept nogil:
    # out[k * stride + c] = the value of stream streams[c] at step first_step + k, for k <
    # n_steps and c < n; scratch: NOISE_SCRATCH_ROWS * n doubles. Noise streams version 5:
    # steps 4j .. 4j + 3 take output words 0 .. 3 of the Philox call at counter (j, stream), 32
    # bits each, u = word / 2^32 in [0, 1):
    # Uniform on [a, b): a + (b - a) * u.
    # Normal: two Box-Muller pairs, steps (4j, 4j + 1) from words 0 and 1, steps (4j + 2,
    # 4j + 3) from words 2 and 3: with u1 = 1 - u(word 0 or 2) in (0, 1], u2 = u(word 1 or 3)
    # in [0, 1) and r = b * sqrt(-2 log u1), the pair's first step is a + r cos(2 pi u2) and
    # its second a + r sin(2 pi u2), log, cos and sin csweep's own (csweep/src/fastmath.h: the
    # same bits on every build). |value - a| <= b sqrt(-2 log 2^-32) = 6.66 b. (Version 4 drew
    # one pair per call, u1 and u2 of 53 bits each.)
    # With per-set values (spec.a_set, spec.b_set), column c takes a_set[c] and b_set[c] for a
    # and b in the same arithmetic: uniform values are drawn on [0, 1) (a + 1 * u is u exactly)
    # and then mapped, a + (b - a) * u, as the vector code maps them with scalar a and b.
    cdef Py_ssize_t j, k, c, i, first_pair, last_pair
    cdef double* rows[4]
    cdef double* row0
    cdef bint per_set = spec.a_set != NULL
    if n_steps <= 0:
        return
    for j in range(first_step // 4, (first_step + n_steps - 1) // 4 + 1):
        k = 4 * j - first_step
        _group_rows(out, k, n_steps, stride, n, scratch, rows)
        if spec.kind == NOISE_UNIFORM:
            csweep_philox_rows4(rows[0], rows[1], rows[2], rows[3], streams, n, <uint64_t>j,
                                spec.seed, 0.0 if per_set else spec.a,
                                1.0 if per_set else spec.b - spec.a, 0.0 if per_set else spec.a,
                                1.0 if per_set else spec.b - spec.a)
            if per_set:
                for i in range(max(k, 0), min(k + 4, n_steps)):
                    row0 = out + i * stride
                    for c in range(n):
                        row0[c] = spec.a_set[c] + (spec.b_set[c] - spec.a_set[c]) * row0[c]
            continue
        # (u1, u2, u1', u2'); a pair with one row outside the steps asked for (in a group at
        # either end) is transformed at once, before the scratch rows are used again; the
        # pairs wholly inside, after the loop, in one call (their rows are `stride` apart)
        csweep_philox_rows4(rows[0], rows[1], rows[2], rows[3], streams, n, <uint64_t>j,
                            spec.seed, 1.0, -1.0, 0.0, 1.0)
        for i in range(0, 4, 2):
            if (0 <= k + i < n_steps) != (0 <= k + i + 1 < n_steps):
                csweep_box_muller_rows(rows[i], rows[i + 1], 0, 1, n, spec.a_set, spec.b_set,
                                       spec.a, spec.b)
    if spec.kind == NOISE_NORMAL:
        first_pair = (first_step + 1) // 2                  # the pairs wholly inside
        last_pair = (first_step + n_steps) // 2 - 1
        if last_pair >= first_pair:
            row0 = out + (2 * first_pair - first_step) * stride
            csweep_box_muller_rows(row0, row0 + stride, 2 * stride, last_pair - first_pair + 1,
                                   n, spec.a_set, spec.b_set, spec.a, spec.b)
