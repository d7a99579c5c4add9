# Philox4x32-10 and the noise rows drawn from it (csweep.noise's generator), shared by the
# generator module (_noise.pyx fills input series) and the kernel tiles (_integrate.pyx draws a
# tile's noise as it steps, a few rows at a time, instead of reading a series from memory). Both
# call noise_rows, so a (seed, stream, step) gives the same value wherever it is drawn.

from libc.math cimport cos, log, sqrt
from libc.stdint cimport uint32_t, uint64_t

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    /* Philox4x32-10 of (counter c0..c3, key k0, k1), as Random123's philox4x32 with 10 rounds:
       each round multiplies words 0 and 2 by the Philox constants, xors the high halves with
       words 1, 3 and the key, and the key is bumped by the Weyl constants between rounds.
       Returns the output words as (w0 << 32 | w1) and (w2 << 32 | w3). */
    static inline void csweep_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                            uint32_t k0, uint32_t k1,
                                            uint64_t *r01, uint64_t *r23) {
        for (int round = 0; round < 10; round++) {
            uint64_t p0 = (uint64_t)c0 * 0xD2511F53u;
            uint64_t p1 = (uint64_t)c2 * 0xCD9E8D57u;
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
            uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint32_t)p1;
            c3 = (uint32_t)p0;
            c0 = n0;
            c2 = n2;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        *r01 = ((uint64_t)c0 << 32) | c1;
        *r23 = ((uint64_t)c2 << 32) | c3;
    }

    /* (v >> 11) * 2^-53, a double in [0, 1) from the top 53 bits of v, exactly, without an
       integer-to-double conversion (AVX2 has none for 64-bit integers): the top 52 bits as the
       mantissa of a number in [1, 2), minus 1, plus the 53rd bit as 2^-53 (each step exact). */
    static inline double csweep_unit53(uint64_t v) {
        uint64_t high = 0x3FF0000000000000ull | (v >> 12);
        uint64_t low = (0 - ((v >> 11) & 1)) & 0x3CA0000000000000ull;
        double h, l;
        memcpy(&h, &high, 8);
        memcpy(&l, &low, 8);
        return (h - 1.0) + l;
    }

    /* The x86-64 builds draw 2 (SSE2), 4 (AVX2) or 8 (AVX-512) sets at once with the same
       rounds written in intrinsics (one text, the macros below): gcc's own vectorisation of
       the 32x32->64-bit multiplies spends more on shuffles than on the multiplies. Other
       machines run the portable C above. Each 32-bit word sits in the low half of a 64-bit lane
       (the multiply reads only that half, so high halves are cleared only at the end). */
    #if defined(__AVX512F__)
    #include <immintrin.h>
    #define CSWEEP_LANES 8
    typedef __m512i csweep_vi;
    typedef __m512d csweep_vd;
    #define CSWEEP_SET1(x) _mm512_set1_epi64((long long)(x))
    #define CSWEEP_MUL32(x, y) _mm512_mul_epu32(x, y)
    #define CSWEEP_XOR(x, y) _mm512_xor_si512(x, y)
    #define CSWEEP_AND(x, y) _mm512_and_si512(x, y)
    #define CSWEEP_OR(x, y) _mm512_or_si512(x, y)
    #define CSWEEP_SUB(x, y) _mm512_sub_epi64(x, y)
    #define CSWEEP_SRL(x, n) _mm512_srli_epi64(x, n)
    #define CSWEEP_SLL(x, n) _mm512_slli_epi64(x, n)
    #define CSWEEP_LOAD(p) _mm512_loadu_si512((const void *)(p))
    #define CSWEEP_AS_DOUBLE(x) _mm512_castsi512_pd(x)
    #define CSWEEP_SET1D(x) _mm512_set1_pd(x)
    #define CSWEEP_ADDD(x, y) _mm512_add_pd(x, y)
    #define CSWEEP_SUBD(x, y) _mm512_sub_pd(x, y)
    #define CSWEEP_MULD(x, y) _mm512_mul_pd(x, y)
    #define CSWEEP_STORED(p, x) _mm512_storeu_pd(p, x)
    #elif defined(__AVX2__)
    #include <immintrin.h>
    #define CSWEEP_LANES 4
    typedef __m256i csweep_vi;
    typedef __m256d csweep_vd;
    #define CSWEEP_SET1(x) _mm256_set1_epi64x((long long)(x))
    #define CSWEEP_MUL32(x, y) _mm256_mul_epu32(x, y)
    #define CSWEEP_XOR(x, y) _mm256_xor_si256(x, y)
    #define CSWEEP_AND(x, y) _mm256_and_si256(x, y)
    #define CSWEEP_OR(x, y) _mm256_or_si256(x, y)
    #define CSWEEP_SUB(x, y) _mm256_sub_epi64(x, y)
    #define CSWEEP_SRL(x, n) _mm256_srli_epi64(x, n)
    #define CSWEEP_SLL(x, n) _mm256_slli_epi64(x, n)
    #define CSWEEP_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
    #define CSWEEP_AS_DOUBLE(x) _mm256_castsi256_pd(x)
    #define CSWEEP_SET1D(x) _mm256_set1_pd(x)
    #define CSWEEP_ADDD(x, y) _mm256_add_pd(x, y)
    #define CSWEEP_SUBD(x, y) _mm256_sub_pd(x, y)
    #define CSWEEP_MULD(x, y) _mm256_mul_pd(x, y)
    #define CSWEEP_STORED(p, x) _mm256_storeu_pd(p, x)
    #elif defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    #define CSWEEP_LANES 2
    typedef __m128i csweep_vi;
    typedef __m128d csweep_vd;
    #define CSWEEP_SET1(x) _mm_set1_epi64x((long long)(x))
    #define CSWEEP_MUL32(x, y) _mm_mul_epu32(x, y)
    #define CSWEEP_XOR(x, y) _mm_xor_si128(x, y)
    #define CSWEEP_AND(x, y) _mm_and_si128(x, y)
    #define CSWEEP_OR(x, y) _mm_or_si128(x, y)
    #define CSWEEP_SUB(x, y) _mm_sub_epi64(x, y)
    #define CSWEEP_SRL(x, n) _mm_srli_epi64(x, n)
    #define CSWEEP_SLL(x, n) _mm_slli_epi64(x, n)
    #define CSWEEP_LOAD(p) _mm_loadu_si128((const __m128i *)(p))
    #define CSWEEP_AS_DOUBLE(x) _mm_castsi128_pd(x)
    #define CSWEEP_SET1D(x) _mm_set1_pd(x)
    #define CSWEEP_ADDD(x, y) _mm_add_pd(x, y)
    #define CSWEEP_SUBD(x, y) _mm_sub_pd(x, y)
    #define CSWEEP_MULD(x, y) _mm_mul_pd(x, y)
    #define CSWEEP_STORED(p, x) _mm_storeu_pd(p, x)
    #else
    #define CSWEEP_LANES 1
    #endif

    #if CSWEEP_LANES > 1
    /* csweep_unit53 of every lane, then offset + scale * u, as the scalar code computes it */
    static inline csweep_vd csweep_unit53_lanes(csweep_vi v, double offset, double scale) {
        csweep_vi high = CSWEEP_OR(CSWEEP_SRL(v, 12), CSWEEP_SET1(0x3FF0000000000000ull));
        csweep_vi bit = CSWEEP_AND(CSWEEP_SRL(v, 11), CSWEEP_SET1(1));
        csweep_vi low = CSWEEP_AND(CSWEEP_SUB(CSWEEP_SET1(0), bit),
                                   CSWEEP_SET1(0x3CA0000000000000ull));
        csweep_vd u = CSWEEP_ADDD(CSWEEP_SUBD(CSWEEP_AS_DOUBLE(high), CSWEEP_SET1D(1.0)),
                                  CSWEEP_AS_DOUBLE(low));
        return CSWEEP_ADDD(CSWEEP_SET1D(offset), CSWEEP_MULD(CSWEEP_SET1D(scale), u));
    }
    #endif

    /* One Philox call per set c < n, counter (counter, streams[c]), key seed:
       w01[c] = a01 + s01 * u(words 0, 1), w23[c] = a23 + s23 * u(words 2, 3) */
    #if defined(__GNUC__)
    #define CSWEEP_NOINLINE __attribute__((noinline))
    #define CSWEEP_UNUSED __attribute__((unused))
    #else
    #define CSWEEP_NOINLINE
    #define CSWEEP_UNUSED
    #endif

    /* Not inlined: a call draws a row of every lane (and a tile calls it once per two steps),
       and a tile need not carry a copy of it. */
    static CSWEEP_NOINLINE void csweep_philox_row(double *restrict w01, double *restrict w23,
                                  const uint64_t *restrict streams, Py_ssize_t n,
                                  uint64_t counter, uint64_t seed,
                                  double a01, double s01, double a23, double s23) {
        uint32_t t0 = (uint32_t)counter, t1 = (uint32_t)(counter >> 32);
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        Py_ssize_t c = 0;
    #if CSWEEP_LANES > 1
        const csweep_vi m0 = CSWEEP_SET1(0xD2511F53u), m1 = CSWEEP_SET1(0xCD9E8D57u);
        const csweep_vi low32 = CSWEEP_SET1(0xFFFFFFFFu);
        for (; c + CSWEEP_LANES <= n; c += CSWEEP_LANES) {
            csweep_vi stream = CSWEEP_LOAD(streams + c);
            csweep_vi x0 = CSWEEP_SET1(t0), x1 = CSWEEP_SET1(t1);
            csweep_vi x2 = stream, x3 = CSWEEP_SRL(stream, 32);
            uint32_t r0 = k0, r1 = k1;
            for (int round = 0; round < 10; round++) {
                csweep_vi p0 = CSWEEP_MUL32(x0, m0);
                csweep_vi p1 = CSWEEP_MUL32(x2, m1);
                x0 = CSWEEP_XOR(CSWEEP_XOR(CSWEEP_SRL(p1, 32), x1), CSWEEP_SET1(r0));
                x2 = CSWEEP_XOR(CSWEEP_XOR(CSWEEP_SRL(p0, 32), x3), CSWEEP_SET1(r1));
                x1 = p1;
                x3 = p0;
                r0 += 0x9E3779B9u;
                r1 += 0xBB67AE85u;
            }
            csweep_vi v01 = CSWEEP_OR(CSWEEP_SLL(x0, 32), CSWEEP_AND(x1, low32));
            csweep_vi v23 = CSWEEP_OR(CSWEEP_SLL(x2, 32), CSWEEP_AND(x3, low32));
            CSWEEP_STORED(w01 + c, csweep_unit53_lanes(v01, a01, s01));
            CSWEEP_STORED(w23 + c, csweep_unit53_lanes(v23, a23, s23));
        }
    #endif
        for (; c < n; c++) {
            uint64_t r01, r23;
            csweep_philox4x32_10(t0, t1, (uint32_t)streams[c], (uint32_t)(streams[c] >> 32),
                                 k0, k1, &r01, &r23);
            w01[c] = a01 + s01 * csweep_unit53(r01);
            w23[c] = a23 + s23 * csweep_unit53(r23);
        }
    }

    #ifdef __AVX512F__
    static const char *csweep_noise_simd CSWEEP_UNUSED = "avx512";
    #elif defined(__AVX2__)
    static const char *csweep_noise_simd CSWEEP_UNUSED = "avx2";
    #elif defined(__SSE2__) || defined(_M_X64)
    static const char *csweep_noise_simd CSWEEP_UNUSED = "sse2";
    #else
    static const char *csweep_noise_simd CSWEEP_UNUSED = "none";
    #endif
    """
    const char* csweep_noise_simd
    void csweep_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                              uint32_t k0, uint32_t k1, uint64_t *r01,
                              uint64_t *r23) noexcept nogil
    void csweep_philox_row(double *w01, double *w23, const uint64_t *streams, Py_ssize_t n,
                           uint64_t counter, uint64_t seed, double a01, double s01, double a23,
                           double s23) noexcept nogil


cdef struct NoiseSpec:
    # a generated-noise channel: its kind (NOISE_KIND_*, or NO_NOISE: the channel is a series)
    # and values; a, b: uniform low and high, or normal mean and standard deviation
    int kind
    double a
    double b
    uint64_t seed


cdef enum:
    NO_NOISE = -1
    NOISE_UNIFORM = 0
    NOISE_NORMAL = 1


cdef inline void noise_rows(const NoiseSpec* spec, const uint64_t* streams, Py_ssize_t n,
                            Py_ssize_t first_step, Py_ssize_t n_steps, double* out,
                            Py_ssize_t stride, double* scratch) noexcept nogil:
    # out[k * stride + c] = the value of stream streams[c] at step first_step + k, for k <
    # n_steps and c < n; scratch: n doubles.
    # Uniform on [a, b): steps 2j and 2j + 1 take the top 53 bits of output words 0, 1 and 2, 3
    # of the Philox call at counter (j, stream). Normal: step j takes the Box-Muller transform of
    # the uniforms u1 = 1 - (words 0, 1) in (0, 1] and u2 = (words 2, 3) in [0, 1) of the call at
    # counter (j, stream).
    cdef Py_ssize_t j, k, c
    cdef double* row0
    cdef double* row1
    if n_steps <= 0:
        return
    if spec.kind == NOISE_UNIFORM:
        for j in range(first_step // 2, (first_step + n_steps - 1) // 2 + 1):
            k = 2 * j - first_step
            row0 = out + k * stride if k >= 0 else scratch
            row1 = out + (k + 1) * stride if k + 1 < n_steps else scratch
            csweep_philox_row(row0, row1, streams, n, <uint64_t>j, spec.seed, spec.a,
                              spec.b - spec.a, spec.a, spec.b - spec.a)
    else:
        for k in range(n_steps):
            row0 = out + k * stride
            csweep_philox_row(row0, scratch, streams, n, <uint64_t>(first_step + k), spec.seed,
                              1.0, -1.0, 0.0, 1.0)
            for c in range(n):
                row0[c] = spec.a + spec.b * sqrt(-2.0 * log(row0[c])) * cos(6.283185307179586
                                                                            * scratch[c])
