/* A network tile's row operations, one lane per parameter set; declared to Cython in
   csweep/_network_lanes.pxd. */
#ifndef CSWEEP_NETWORK_LANES_H
#define CSWEEP_NETWORK_LANES_H

#include "common.h"    /* csweep_sigmoid */

/* A tile's row operations, one lane per set: the rows are distinct (restrict), so the
   compiler vectorises each across the tile without run-time overlap checks. Each sum adds
   its terms in the order network_rhs (_network.pxd) does. TILE (CSWEEP_NET_TILE) is 16
   lanes, or what the build defines (setup.py builds _network_tiles8 with 8), independent of
   _jrc2.pxd's TILE: a wider row pays each row operation's index loads, loop control and
   pointer arithmetic for more sets. */
#ifndef CSWEEP_NET_TILE
#define CSWEEP_NET_TILE 16
#endif
#if defined(_MSC_VER) && !defined(restrict)
#define restrict __restrict
#endif
/* a history row into the cache ahead of its use (its lines are L3's: a connectome's
   histories outgrow L2, and one step reads a row of every delayed edge) */
static inline void csweep_prefetch_row(const double* row) {
#if defined(__GNUC__)
    for (int q = 0; q < CSWEEP_NET_TILE; q += 8) __builtin_prefetch(row + q, 0, 3);
#else
    (void)row;
#endif
}
#if defined(__GNUC__)
/* A row as CSWEEP_PARTS vectors of the build's width (GCC's vector extension), so that sums
   over a list of rows stay in registers; aligned(8): a row need not start on a vector
   boundary (tile blocks do, input series need not). Vector types alias their element
   type. */
#if defined(__AVX512F__)
#define CSWEEP_VEC_BYTES 64
#elif defined(__AVX__)
#define CSWEEP_VEC_BYTES 32
#else
#define CSWEEP_VEC_BYTES 16
#endif
#define CSWEEP_PARTS (8 * CSWEEP_NET_TILE / CSWEEP_VEC_BYTES)
#define CSWEEP_W (CSWEEP_VEC_BYTES / 8)
typedef double csweep_vec_t __attribute__((vector_size(CSWEEP_VEC_BYTES), aligned(8)));
#define CSWEEP_V(p, q) (*(csweep_vec_t*)((p) + (q) * CSWEEP_W))
#define CSWEEP_CV(p, q) (*(const csweep_vec_t*)((p) + (q) * CSWEEP_W))
static inline void csweep_row_copy(double* restrict d, const double* restrict a) {
    for (int q = 0; q < CSWEEP_PARTS; q++) CSWEEP_V(d, q) = CSWEEP_CV(a, q);
}
/* out = ext + weight[k] * source[k] over the input's edges k = 0..n-1 (weight rows and
   source pointers in the input lists' order: read along, without an index list) */
static inline void csweep_row_inputs(double* restrict out, const double* restrict ext, int n,
                                     const double* restrict weight,
                                     const double* const* restrict source) {
    csweep_vec_t acc[CSWEEP_PARTS];
    for (int q = 0; q < CSWEEP_PARTS; q++) acc[q] = CSWEEP_CV(ext, q);
    for (int k = 0; k < n; k++) {
        const double* w = weight + k * CSWEEP_NET_TILE;
        const double* x = source[k];
        for (int q = 0; q < CSWEEP_PARTS; q++)
            acc[q] = acc[q] + CSWEEP_CV(w, q) * CSWEEP_CV(x, q);
    }
    for (int q = 0; q < CSWEEP_PARTS; q++) CSWEEP_V(out, q) = acc[q];
}
/* the same sum where every edge's weight is one value in every lane, weight[k] (a row of
   TILE equal values, broadcast: the same products; a connectome's weight rows would
   otherwise be a third of the data a step reads) */
static inline void csweep_row_inputs_shared(double* restrict out,
                                            const double* restrict ext, int n,
                                            const double* restrict weight,
                                            const double* const* restrict source) {
    csweep_vec_t acc[CSWEEP_PARTS];
    for (int q = 0; q < CSWEEP_PARTS; q++) acc[q] = CSWEEP_CV(ext, q);
    for (int k = 0; k < n; k++) {
        csweep_vec_t w;
        for (int l = 0; l < CSWEEP_W; l++) w[l] = weight[k];
        const double* x = source[k];
        for (int q = 0; q < CSWEEP_PARTS; q++) acc[q] = acc[q] + w * CSWEEP_CV(x, q);
    }
    for (int q = 0; q < CSWEEP_PARTS; q++) CSWEEP_V(out, q) = acc[q];
}
/* out = 0 + the potentials v of synapses syn[0..n-1] */
static inline void csweep_row_potential(double* restrict out, int n, const int* restrict syn,
                                        const double* restrict y) {
    csweep_vec_t acc[CSWEEP_PARTS];
    for (int q = 0; q < CSWEEP_PARTS; q++) acc[q] = (csweep_vec_t){0.0};   /* +0.0 */
    for (int k = 0; k < n; k++) {
        const double* v = y + 2 * syn[k] * CSWEEP_NET_TILE;
        for (int q = 0; q < CSWEEP_PARTS; q++) acc[q] = acc[q] + CSWEEP_CV(v, q);
    }
    for (int q = 0; q < CSWEEP_PARTS; q++) CSWEEP_V(out, q) = acc[q];
}
/* a synapse: d/dt v = x, d/dt x = a_v*v + a_x*x + a_0 + its input terms (rows v, x of z and
   d; c: a_v, a_x, a_0) */
static inline void csweep_row_synapse_terms(double* restrict d, const double* restrict c,
                                            const double* restrict z, int n,
                                            const int* restrict terms,
                                            const double* const* restrict term_row,
                                            const int* restrict term_in,
                                            const double* restrict inp) {
    const int T = CSWEEP_NET_TILE;
    csweep_vec_t acc[CSWEEP_PARTS];
    for (int q = 0; q < CSWEEP_PARTS; q++) {
        csweep_vec_t x = CSWEEP_CV(z + T, q);
        acc[q] = CSWEEP_CV(c, q) * CSWEEP_CV(z, q) + CSWEEP_CV(c + T, q) * x
                 + CSWEEP_CV(c + 2 * T, q);
        CSWEEP_V(d, q) = x;
    }
    for (int k = 0; k < n; k++) {
        const double* tc = term_row[terms[k]];
        const double* u = inp + term_in[terms[k]] * T;
        for (int q = 0; q < CSWEEP_PARTS; q++)
            acc[q] = acc[q] + CSWEEP_CV(tc, q) * CSWEEP_CV(u, q);
    }
    for (int q = 0; q < CSWEEP_PARTS; q++) CSWEEP_V(d + T, q) = acc[q];
}
/* the same derivative, and an Euler step of the synapse in place: z = z + dt * d/dt z, the
   arithmetic of the two-pass step (rows v, x of z are the synapse's alone: no later row
   operation of the step reads them) */
static inline void csweep_row_synapse_euler(double* restrict z, const double* restrict c,
                                            int n, const int* restrict terms,
                                            const double* const* restrict term_row,
                                            const int* restrict term_in,
                                            const double* restrict inp, double dt) {
    const int T = CSWEEP_NET_TILE;
    csweep_vec_t acc[CSWEEP_PARTS], step;
    for (int l = 0; l < CSWEEP_W; l++) step[l] = dt;
    for (int q = 0; q < CSWEEP_PARTS; q++)
        acc[q] = CSWEEP_CV(c, q) * CSWEEP_CV(z, q) + CSWEEP_CV(c + T, q) * CSWEEP_CV(z + T, q)
                 + CSWEEP_CV(c + 2 * T, q);
    for (int k = 0; k < n; k++) {
        const double* tc = term_row[terms[k]];
        const double* u = inp + term_in[terms[k]] * T;
        for (int q = 0; q < CSWEEP_PARTS; q++)
            acc[q] = acc[q] + CSWEEP_CV(tc, q) * CSWEEP_CV(u, q);
    }
    for (int q = 0; q < CSWEEP_PARTS; q++) {
        csweep_vec_t x = CSWEEP_CV(z + T, q);
        CSWEEP_V(z, q) = CSWEEP_CV(z, q) + step * x;
        CSWEEP_V(z + T, q) = x + step * acc[q];
    }
}
/* the same where every lane has one a_v, a_x, a_0: c = (a_v, a_x, a_0), broadcast */
static inline void csweep_row_synapse_euler_shared(double* restrict z,
                                                   const double* restrict c, int n,
                                                   const int* restrict terms,
                                                   const double* const* restrict term_row,
                                                   const int* restrict term_in,
                                                   const double* restrict inp, double dt) {
    const int T = CSWEEP_NET_TILE;
    csweep_vec_t acc[CSWEEP_PARTS], step, a_v, a_x, a_0;
    for (int l = 0; l < CSWEEP_W; l++) {
        step[l] = dt;
        a_v[l] = c[0];
        a_x[l] = c[1];
        a_0[l] = c[2];
    }
    for (int q = 0; q < CSWEEP_PARTS; q++)
        acc[q] = a_v * CSWEEP_CV(z, q) + a_x * CSWEEP_CV(z + T, q) + a_0;
    for (int k = 0; k < n; k++) {
        const double* tc = term_row[terms[k]];
        const double* u = inp + term_in[terms[k]] * T;
        for (int q = 0; q < CSWEEP_PARTS; q++)
            acc[q] = acc[q] + CSWEEP_CV(tc, q) * CSWEEP_CV(u, q);
    }
    for (int q = 0; q < CSWEEP_PARTS; q++) {
        csweep_vec_t x = CSWEEP_CV(z + T, q);
        CSWEEP_V(z, q) = CSWEEP_CV(z, q) + step * x;
        CSWEEP_V(z + T, q) = x + step * acc[q];
    }
}
#else
static inline void csweep_row_copy(double* restrict d, const double* restrict a) {
    for (int i = 0; i < CSWEEP_NET_TILE; i++) d[i] = a[i];
}
static inline void csweep_row_inputs(double* restrict out, const double* restrict ext, int n,
                                     const double* restrict weight,
                                     const double* const* restrict source) {
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double acc = ext[i];
        for (int k = 0; k < n; k++)
            acc = acc + weight[k * CSWEEP_NET_TILE + i] * source[k][i];
        out[i] = acc;
    }
}
static inline void csweep_row_inputs_shared(double* restrict out,
                                            const double* restrict ext, int n,
                                            const double* restrict weight,
                                            const double* const* restrict source) {
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double acc = ext[i];
        for (int k = 0; k < n; k++) acc = acc + weight[k] * source[k][i];
        out[i] = acc;
    }
}
static inline void csweep_row_potential(double* restrict out, int n, const int* restrict syn,
                                        const double* restrict y) {
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double acc = 0.0;
        for (int k = 0; k < n; k++) acc = acc + y[2 * syn[k] * CSWEEP_NET_TILE + i];
        out[i] = acc;
    }
}
static inline void csweep_row_synapse_terms(double* restrict d, const double* restrict c,
                                            const double* restrict z, int n,
                                            const int* restrict terms,
                                            const double* const* restrict term_row,
                                            const int* restrict term_in,
                                            const double* restrict inp) {
    const int T = CSWEEP_NET_TILE;
    for (int i = 0; i < T; i++) {
        double acc = c[i] * z[i] + c[T + i] * z[T + i] + c[2 * T + i];
        d[i] = z[T + i];
        for (int k = 0; k < n; k++)
            acc = acc + term_row[terms[k]][i] * inp[term_in[terms[k]] * T + i];
        d[T + i] = acc;
    }
}
static inline void csweep_row_synapse_euler(double* restrict z, const double* restrict c,
                                            int n, const int* restrict terms,
                                            const double* const* restrict term_row,
                                            const int* restrict term_in,
                                            const double* restrict inp, double dt) {
    const int T = CSWEEP_NET_TILE;
    for (int i = 0; i < T; i++) {
        double acc = c[i] * z[i] + c[T + i] * z[T + i] + c[2 * T + i];
        for (int k = 0; k < n; k++)
            acc = acc + term_row[terms[k]][i] * inp[term_in[terms[k]] * T + i];
        z[i] = z[i] + dt * z[T + i];
        z[T + i] = z[T + i] + dt * acc;
    }
}
static inline void csweep_row_synapse_euler_shared(double* restrict z,
                                                   const double* restrict c, int n,
                                                   const int* restrict terms,
                                                   const double* const* restrict term_row,
                                                   const int* restrict term_in,
                                                   const double* restrict inp, double dt) {
    const int T = CSWEEP_NET_TILE;
    for (int i = 0; i < T; i++) {
        double acc = c[0] * z[i] + c[1] * z[T + i] + c[2];
        for (int k = 0; k < n; k++)
            acc = acc + term_row[terms[k]][i] * inp[term_in[terms[k]] * T + i];
        z[i] = z[i] + dt * z[T + i];
        z[T + i] = z[T + i] + dt * acc;
    }
}
#endif
/* 1 when the row's lanes hold one value, bit for bit */
static inline int csweep_row_uniform(const double* row) {
    for (int i = 1; i < CSWEEP_NET_TILE; i++)
        if (memcmp(row + i, row, sizeof(double)) != 0) return 0;
    return 1;
}
/* m = A * sigmoid(B * (v - C)), abc: rows A, B, C */
static inline void csweep_row_rate(double* restrict m, const double* restrict abc,
                                   const double* restrict v) {
    for (int i = 0; i < CSWEEP_NET_TILE; i++)
        m[i] = abc[i] * csweep_sigmoid(abc[CSWEEP_NET_TILE + i]
                                       * (v[i] - abc[2 * CSWEEP_NET_TILE + i]));
}
/* the same where every lane has one A, B, C: abc = (A, B, C), broadcast */
static inline void csweep_row_rate_shared(double* restrict m, const double* restrict abc,
                                          const double* restrict v) {
    const double a = abc[0], b = abc[1], c = abc[2];
    for (int i = 0; i < CSWEEP_NET_TILE; i++) m[i] = a * csweep_sigmoid(b * (v[i] - c));
}
/* gamma stage j: d = k * (prev - z) in lanes with more than j stages, else 0 */
static inline void csweep_row_stage(double* restrict d, const double* restrict k,
                                    const double* restrict prev, const double* restrict z,
                                    const int* restrict order, int j) {
    for (int i = 0; i < CSWEEP_NET_TILE; i++)
        d[i] = j < order[i] ? k[i] * (prev[i] - z[i]) : 0.0;
}

#endif  /* CSWEEP_NETWORK_LANES_H */
