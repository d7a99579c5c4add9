/* The kernel's own exp and sigmoid (double and float) and the instruction set a module was
   compiled for; declared to Cython in csweep/_common.pxd. */
#ifndef CSWEEP_COMMON_H
#define CSWEEP_COMMON_H

#include <stdint.h>
#include <string.h>

/* exp(x) for |x| <= 708 without libm, so that loops calling it vectorise (plain IEEE
   arithmetic, no -ffast-math): x = k*ln2 + r with |r| <= ln2/2, exp(r) by its Taylor
   polynomial of degree 13 (truncation below 5e-18), 2^k assembled in the exponent bits.
   Rounding to the nearest integer uses the 1.5*2^52 shift, which needs no SSE4.1. */
static inline double csweep_exp(double x) {
    const double shift = 6755399441055744.0;
    double kd = x * 1.4426950408889634 + shift;
    uint64_t ki;
    memcpy(&ki, &kd, 8);
    double k = kd - shift;
    double r = x - k * 6.93147180369123816490e-01;
    r = r - k * 1.90821492927058770002e-10;
    double p = 1.6059043836821613e-10;
    p = p * r + 2.08767569878681e-09;
    p = p * r + 2.505210838544172e-08;
    p = p * r + 2.755731922398589e-07;
    p = p * r + 2.7557319223985893e-06;
    p = p * r + 2.4801587301587302e-05;
    p = p * r + 1.9841269841269841e-04;
    p = p * r + 1.3888888888888889e-03;
    p = p * r + 8.3333333333333332e-03;
    p = p * r + 4.1666666666666664e-02;
    p = p * r + 1.6666666666666666e-01;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits = (ki << 52) + 0x3ff0000000000000ull;
    double scale;
    memcpy(&scale, &bits, 8);
    return p * scale;
}

/* The same for float, |x| <= 87: Taylor polynomial of degree 7 (truncation below 6e-9). */
static inline float csweep_expf(float x) {
    const float shift = 12582912.0f;
    float kf = x * 1.44269504088896341f + shift;
    uint32_t ki;
    memcpy(&ki, &kf, 4);
    float k = kf - shift;
    float r = x - k * 0.693145751953125f;
    r = r - k * 1.428606765330187045e-06f;
    float p = 1.98412698e-4f;
    p = p * r + 1.38888889e-3f;
    p = p * r + 8.33333333e-3f;
    p = p * r + 4.16666667e-2f;
    p = p * r + 1.66666667e-1f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t bits = (ki << 23) + 0x3f800000u;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

static inline float csweep_sigmoidf(float x) {
    x = x < -80.0f ? -80.0f : x;
    x = x > 80.0f ? 80.0f : x;
    return 1.0f / (1.0f + csweep_expf(-x));
}

/* 1 / (1 + exp(-x)); the argument is clamped so that no finite input overflows, and a NaN
   passes through as NaN (so a blown-up set stays visibly blown up). */
static inline double csweep_sigmoid(double x) {
    x = x < -700.0 ? -700.0 : x;
    x = x > 700.0 ? 700.0 : x;
    return 1.0 / (1.0 + csweep_exp(-x));
}

/* The vector instruction set a module (a build of the tiles) was compiled for (unused by the
   modules that do not report it). */
#if defined(__GNUC__)
#define CSWEEP_MAYBE_UNUSED __attribute__((unused))
#else
#define CSWEEP_MAYBE_UNUSED
#endif
#ifdef __AVX512F__
static const char *csweep_simd CSWEEP_MAYBE_UNUSED = "avx512";
#elif defined(__AVX2__)
static const char *csweep_simd CSWEEP_MAYBE_UNUSED = "avx2";
#elif defined(__SSE2__) || defined(_M_X64)
static const char *csweep_simd CSWEEP_MAYBE_UNUSED = "sse2";
#else
static const char *csweep_simd CSWEEP_MAYBE_UNUSED = "none";
#endif

#endif  /* CSWEEP_COMMON_H */
