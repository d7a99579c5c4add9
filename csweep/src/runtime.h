/* What this build has (OpenMP) and what the CPU running it has (AVX2, AVX-512); declared to
   Cython in csweep/_runtime.pyx. */
#ifndef CSWEEP_RUNTIME_H
#define CSWEEP_RUNTIME_H

#ifdef _OPENMP
#include <omp.h>
static int csweep_openmp_enabled(void) { return 1; }
static int csweep_max_threads(void) { return omp_get_max_threads(); }
#else
static int csweep_openmp_enabled(void) { return 0; }
static int csweep_max_threads(void) { return 1; }
#endif

/* What the CPU running us has (to pick a build), and what this build uses. */
static int csweep_cpu_has_avx2(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}
static int csweep_cpu_has_avx512(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd");
#else
    return 0;
#endif
}

#endif  /* CSWEEP_RUNTIME_H */
