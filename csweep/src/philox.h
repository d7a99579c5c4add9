/* Philox4x32-10 and the noise rows drawn from it; declared to Cython in csweep/_philox.pxd. */
#ifndef CSWEEP_PHILOX_H
#define CSWEEP_PHILOX_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fastmath.h"

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

/* w * 2^-32, a double in [0, 1) from the 32 bits of w, exactly */
static inline double csweep_unit32(uint32_t w) {
    return (double)w * 2.3283064365386962890625e-10;
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
#define CSWEEP_OR(x, y) _mm512_or_si512(x, y)
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
#define CSWEEP_OR(x, y) _mm256_or_si256(x, y)
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
#define CSWEEP_OR(x, y) _mm_or_si128(x, y)
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
/* csweep_unit32 of every lane's low 32 bits, then offset + scale * u, as the scalar code
   computes it: those bits as the top of the mantissa of a number in [1, 2), minus 1 */
static inline csweep_vd csweep_unit32_lanes(csweep_vi v, double offset, double scale) {
    csweep_vi high = CSWEEP_OR(CSWEEP_SRL(CSWEEP_SLL(v, 32), 12),
                               CSWEEP_SET1(0x3FF0000000000000ull));
    csweep_vd u = CSWEEP_SUBD(CSWEEP_AS_DOUBLE(high), CSWEEP_SET1D(1.0));
    return CSWEEP_ADDD(CSWEEP_SET1D(offset), CSWEEP_MULD(CSWEEP_SET1D(scale), u));
}

/* Philox4x32-10 of CSWEEP_LANES counters (t0, t1, stream words) at once: on return x0..x3
   hold the output words 0..3 in the low halves of their lanes (x1 and x3 carry other bits
   in their high halves) */
static inline void csweep_philox_lanes(uint32_t t0, uint32_t t1, csweep_vi stream,
                                       uint32_t k0, uint32_t k1, csweep_vi *x0,
                                       csweep_vi *x1, csweep_vi *x2, csweep_vi *x3) {
    const csweep_vi m0 = CSWEEP_SET1(0xD2511F53u), m1 = CSWEEP_SET1(0xCD9E8D57u);
    csweep_vi a0 = CSWEEP_SET1(t0), a1 = CSWEEP_SET1(t1);
    csweep_vi a2 = stream, a3 = CSWEEP_SRL(stream, 32);
    for (int round = 0; round < 10; round++) {
        csweep_vi p0 = CSWEEP_MUL32(a0, m0);
        csweep_vi p1 = CSWEEP_MUL32(a2, m1);
        a0 = CSWEEP_XOR(CSWEEP_XOR(CSWEEP_SRL(p1, 32), a1), CSWEEP_SET1(k0));
        a2 = CSWEEP_XOR(CSWEEP_XOR(CSWEEP_SRL(p0, 32), a3), CSWEEP_SET1(k1));
        a1 = p1;
        a3 = p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    *x0 = a0; *x1 = a1; *x2 = a2; *x3 = a3;
}
#endif

/* (n and the loop counters are ptrdiff_t, the width of Cython's Py_ssize_t, so that this header
   needs no Python.h.) */
#if defined(__GNUC__)
#define CSWEEP_NOINLINE __attribute__((noinline))
#define CSWEEP_UNUSED __attribute__((unused))
#else
#define CSWEEP_NOINLINE
#define CSWEEP_UNUSED
#endif

/* One Philox call per set c < n, counter (counter, streams[c]), key seed: w<i>[c] = a02 +
   s02 * u(word i) for the output words i = 0 and 2, a13 + s13 * u(word i) for i = 1 and 3,
   u(w) = w / 2^32 (uniform values: the same a and s for all four; normal values: u1 = 1 - u
   and u2 = u of two Box-Muller pairs). Not inlined: a call draws a row of every lane (and a
   tile calls it once per four steps), and a tile need not carry a copy of it. The rows may
   be one and the same (a caller may send rows it does not keep to one scratch row). */
static CSWEEP_NOINLINE void csweep_philox_rows4(double *w0, double *w1, double *w2,
                              double *w3, const uint64_t *restrict streams, ptrdiff_t n,
                              uint64_t counter, uint64_t seed, double a02, double s02,
                              double a13, double s13) {
    uint32_t t0 = (uint32_t)counter, t1 = (uint32_t)(counter >> 32);
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    ptrdiff_t c = 0;
#if CSWEEP_LANES > 1
    for (; c + CSWEEP_LANES <= n; c += CSWEEP_LANES) {
        csweep_vi x0, x1, x2, x3;
        csweep_philox_lanes(t0, t1, CSWEEP_LOAD(streams + c), k0, k1, &x0, &x1, &x2, &x3);
        CSWEEP_STORED(w0 + c, csweep_unit32_lanes(x0, a02, s02));
        CSWEEP_STORED(w1 + c, csweep_unit32_lanes(x1, a13, s13));
        CSWEEP_STORED(w2 + c, csweep_unit32_lanes(x2, a02, s02));
        CSWEEP_STORED(w3 + c, csweep_unit32_lanes(x3, a13, s13));
    }
#endif
    for (; c < n; c++) {
        uint64_t r01, r23;
        csweep_philox4x32_10(t0, t1, (uint32_t)streams[c], (uint32_t)(streams[c] >> 32),
                             k0, k1, &r01, &r23);
        w0[c] = a02 + s02 * csweep_unit32((uint32_t)(r01 >> 32));
        w1[c] = a13 + s13 * csweep_unit32((uint32_t)r01);
        w2[c] = a02 + s02 * csweep_unit32((uint32_t)(r23 >> 32));
        w3[c] = a13 + s13 * csweep_unit32((uint32_t)r23);
    }
}

/* The Box-Muller pairs of `pairs` pairs of rows (noise streams version 5): pair p's rows are
   row0 = first0 + p * pair_stride and row1 = first1 + p * pair_stride. On entry row0[c] = u1 in
   (0, 1] and row1[c] = u2 in [0, 1) (multiples of 2^-32); on return, with r = b sqrt(-2 log
   u1), row0[c] = a + r cos(2 pi u2) and row1[c] = a + r sin(2 pi u2), for c < n, a and b the
   scalars or, when a_set is not NULL, a_set[c] and b_set[c]. log and sin/cos are csweep's own
   (csweep/src/fastmath.h): gcc vectorises the loops over c, and every build gives the same
   bits. Many pairs per call keep a narrow row (a tile's 8 sets, one AVX-512 vector) from
   waiting on each pair's long chain of dependent operations: independent pairs overlap. The
   rows differ. */
static CSWEEP_NOINLINE void csweep_box_muller_rows(double *restrict first0,
                              double *restrict first1, ptrdiff_t pair_stride, ptrdiff_t pairs,
                              ptrdiff_t n, const double *restrict a_set,
                              const double *restrict b_set, double a, double b) {
    for (ptrdiff_t p = 0; p < pairs; p++) {
        double *restrict row0 = first0 + p * pair_stride;
        double *restrict row1 = first1 + p * pair_stride;
        if (a_set != NULL) {
            for (ptrdiff_t c = 0; c < n; c++) {
                double cosine, sine;
                double radius = b_set[c] * sqrt(-2.0 * csweep_log(row0[c]));
                csweep_sincos_turn(row1[c], &cosine, &sine);
                row0[c] = a_set[c] + radius * cosine;
                row1[c] = a_set[c] + radius * sine;
            }
        } else {
            for (ptrdiff_t c = 0; c < n; c++) {
                double cosine, sine;
                double radius = b * sqrt(-2.0 * csweep_log(row0[c]));
                csweep_sincos_turn(row1[c], &cosine, &sine);
                row0[c] = a + radius * cosine;
                row1[c] = a + radius * sine;
            }
        }
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

#endif  /* CSWEEP_PHILOX_H */
