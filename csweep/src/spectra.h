/* Real FFTs for csweep's Welch spectra (csweep/_features.pyx), by pocketfft (BSD-3-Clause,
 * csweep/src/pocketfft: the FFT NumPy 2 and SciPy use) through csweep/src/spectra.cpp.
 *
 * Each transform takes CSWEEP_FFT_LANES signals at once, interleaved (value i of lane j at
 * data[i * CSWEEP_FFT_LANES + j]): pocketfft's real transform run on vectors of that many
 * doubles, each lane's arithmetic that of a transform of its own, so a lane's result does not
 * depend on the other lanes. The result, in place, in FFTPACK's order: X[0].re, X[1].re,
 * X[1].im, X[2].re, ..., and for an even length X[length / 2].re last. */
#ifndef CSWEEP_SPECTRA_H
#define CSWEEP_SPECTRA_H

#include <stddef.h>

/* GCC's and Clang's vector extension: two doubles, an SSE2 register (four or eight, which the
 * baseline build splits into SSE2 halves, took three times as long). Other compilers (MSVC):
 * one signal per transform, the same arithmetic (the same bits as two lanes: checked by building
 * both). */
#if defined(__GNUC__) || defined(__clang__)
#define CSWEEP_FFT_LANES 2
#else
#define CSWEEP_FFT_LANES 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A plan of real transforms of `length` values (read-only, shared by threads), or NULL when
 * memory ran out. */
void *csweep_rfft_plan(size_t length);
void csweep_rfft_free(void *plan);
/* The forward transform of `data` (length x CSWEEP_FFT_LANES doubles) in place: 0, or 1 when
 * memory ran out. */
int csweep_rfft_lanes(const void *plan, double *data);

#ifdef __cplusplus
}
#endif

#endif
