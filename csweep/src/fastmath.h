/* csweep's own log and sin/cos for the normal noise draw (noise streams versions 4 and 5; see
   csweep/_philox.pxd and csweep/noise.py). Written so that gcc vectorises them across a row's
   lanes: no library calls, no data-dependent branches (selections are bit masks), no integer
   <-> double conversions (AVX2 has none for 64-bit integers; the bits are moved instead).
   Only IEEE-rounded +, -, *, / and sqrt on doubles, and integer operations, with no fused
   multiply-add (the build's -ffp-contract=off) and no reassociation (no -ffast-math): every
   build (baseline, AVX2, AVX-512) and the scalar tail of a row give the same bits.

   The polynomials are near-minimax fits of our own (mpmath's chebyfit, degree 6, at 60
   digits; benchmarks/fastmath_fit.py prints them), their coefficients rounded to double.
   Largest errors measured (tests/test_noise_fastmath.py: 3.2 million points against long double
   logl, 1.5 million turns against sinl and cosl of the exactly reduced argument, a few thousand
   against mpmath): csweep_log 0.83 ulp, csweep_sincos_turn 1.50 ulp (cos) and 1.48 ulp (sin).
   Version 5 gives them 32-bit inputs (multiples of 2^-32), for which nothing here is cheaper:
   the reductions are exact for any double and the polynomials' degrees are set by the output's
   precision. (A table reduction, log m = log c + log(m c) with m c exact for a 32-bit m and a
   21-bit c, would spare the log its division, but gcc does not vectorise its table loads: a
   prototype drew 1.84 ns per value against 1.71, Philox included, AVX-512, one thread.) */
#ifndef CSWEEP_FASTMATH_H
#define CSWEEP_FASTMATH_H

#include <stdint.h>
#include <string.h>

static inline uint64_t csweep_bits(double x) {
    uint64_t b;
    memcpy(&b, &x, 8);
    return b;
}

static inline double csweep_double(uint64_t b) {
    double x;
    memcpy(&x, &b, 8);
    return x;
}

/* log(1 + f) = 2 atanh(s) with s = f / (2 + f) = f - s (f - R(s^2)) for R(z) ~ 2 (atanh(sqrt z)
   / sqrt z - 1), z up to (3 - 2 sqrt 2)^2 = 0.0294: R(z) = z P(z), P fitted to degree 6 */
#define CSWEEP_LOG_P0 0.666666666666667
#define CSWEEP_LOG_P1 0.39999999999899444
#define CSWEEP_LOG_P2 0.2857142862600327
#define CSWEEP_LOG_P3 0.22222211130259878
#define CSWEEP_LOG_P4 0.18182889455674947
#define CSWEEP_LOG_P5 0.15331710618210773
#define CSWEEP_LOG_P6 0.14616585424888623
/* ln 2 in two parts: the high part's 32 bits make k * LN2_HI exact for any exponent k */
#define CSWEEP_LN2_HI 0.6931471803691238
#define CSWEEP_LN2_LO 1.9082149292705877e-10
/* the bits of sqrt(2) / 2, 0x1.6a09e667f3bcdp-1 */
#define CSWEEP_SQRT_HALF_BITS 0x3FE6A09E667F3BCDull

/* The natural log of a positive, finite, normal x (the draw's x is in [2^-32, 1]).
   x = 2^k m with m in [sqrt(2)/2, sqrt(2)) (k and m from x's bits, without a branch), then
   log x = k ln 2 + log(1 + f), f = m - 1 (exact). */
static inline double csweep_log(double x) {
    uint64_t ix = csweep_bits(x);
    /* the biased exponent of x / (sqrt(2)/2) rounded down: k + 1023 (positive for normal x) */
    uint64_t e = (ix - CSWEEP_SQRT_HALF_BITS + 0x3FF0000000000000ull) >> 52;
    double m = csweep_double(ix + 0x3FF0000000000000ull - (e << 52));
    /* k as a double: 2^52 + e, minus 2^52 + 1023 (both exact) */
    double k = csweep_double(0x4330000000000000ull + e) - 4503599627371519.0;
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double r = z * (CSWEEP_LOG_P0 + z * (CSWEEP_LOG_P1 + z * (CSWEEP_LOG_P2 + z * (CSWEEP_LOG_P3
               + z * (CSWEEP_LOG_P4 + z * (CSWEEP_LOG_P5 + z * CSWEEP_LOG_P6))))));
    double hfsq = 0.5 * f * f;
    return k * CSWEEP_LN2_HI - ((hfsq - (s * (hfsq + r) + k * CSWEEP_LN2_LO)) - f);
}

/* sin(pi/2 f) = f S(f^2) and cos(pi/2 f) = 1 + f^2 C(f^2) for |f| <= 1/2, S and C fitted to
   degree 6 */
#define CSWEEP_SIN_S0 1.5707963267948966
#define CSWEEP_SIN_S1 -0.6459640975062443
#define CSWEEP_SIN_S2 0.07969262624604301
#define CSWEEP_SIN_S3 -0.004681754132340976
#define CSWEEP_SIN_S4 0.0001604411507421909
#define CSWEEP_SIN_S5 -3.59864335298231e-06
#define CSWEEP_SIN_S6 5.633933781537854e-08
#define CSWEEP_COS_C0 -1.2337005501361697
#define CSWEEP_COS_C1 0.2536695079010478
#define CSWEEP_COS_C2 -0.020863480763340773
#define CSWEEP_COS_C3 0.0009192602745468447
#define CSWEEP_COS_C4 -2.5202039028029178e-05
#define CSWEEP_COS_C5 4.710678405505227e-07
#define CSWEEP_COS_C6 -6.329396344967424e-09

/* cos(2 pi u) and sin(2 pi u) for 0 <= u < 2^50 (the draw's u is in [0, 1)), reduced exactly
   in turns instead of radians: 4u = q + f with q an integer (rounded to nearest) and |f| <=
   1/2 (4u and 4u - q are exact), then the quadrant q mod 4 swaps and negates cos(pi/2 f) and
   sin(pi/2 f) with bit masks. Exact at the quarter turns (sin(2 pi 0.5) is 0, not 1.2e-16). */
static inline void csweep_sincos_turn(double u, double *c, double *s) {
    double t = 4.0 * u;
    double shifted = t + 6755399441055744.0;            /* 1.5 * 2^52: q in the low bits */
    double f = t - (shifted - 6755399441055744.0);
    uint64_t q = csweep_bits(shifted);
    double z = f * f;
    double sp = f * (CSWEEP_SIN_S0 + z * (CSWEEP_SIN_S1 + z * (CSWEEP_SIN_S2 + z * (CSWEEP_SIN_S3
                + z * (CSWEEP_SIN_S4 + z * (CSWEEP_SIN_S5 + z * CSWEEP_SIN_S6))))));
    double cp = 1.0 + z * (CSWEEP_COS_C0 + z * (CSWEEP_COS_C1 + z * (CSWEEP_COS_C2 + z * (
                CSWEEP_COS_C3 + z * (CSWEEP_COS_C4 + z * (CSWEEP_COS_C5 + z * CSWEEP_COS_C6))))));
    uint64_t swap = 0 - (q & 1);                         /* odd quadrants swap sin and cos */
    uint64_t sb = csweep_bits(sp), cb = csweep_bits(cp);
    uint64_t cos_bits = (cb & ~swap) | (sb & swap);
    uint64_t sin_bits = (sb & ~swap) | (cb & swap);
    /* cos is negative in quadrants 1 and 2, sin in 2 and 3 */
    *c = csweep_double(cos_bits ^ (((q + 1) & 2) << 62));
    *s = csweep_double(sin_bits ^ ((q & 2) << 62));
}

#endif  /* CSWEEP_FASTMATH_H */
