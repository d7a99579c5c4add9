/* Cache-line-aligned allocation of the network tiles' blocks; declared to Cython in
   csweep/_network_tiles.pyx. */
#ifndef CSWEEP_ALIGNED_H
#define CSWEEP_ALIGNED_H

/* Tile blocks aligned to a cache line: a row of TILE doubles is then whole vectors that
   never straddle two lines (a straddling store defeats store-to-load forwarding). */
#include <stdlib.h>
#ifdef _WIN32
#include <malloc.h>
static void* csweep_aligned_malloc(size_t size) { return _aligned_malloc(size, 64); }
static void csweep_aligned_free(void* p) { _aligned_free(p); }
#else
static void* csweep_aligned_malloc(size_t size) {
    void* p = NULL;
    return posix_memalign(&p, 64, size) == 0 ? p : NULL;
}
static void csweep_aligned_free(void* p) { free(p); }
#endif

#endif  /* CSWEEP_ALIGNED_H */
