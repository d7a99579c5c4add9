/* The Jansen-Rit column written as a network (the JRC template's shape), stepped in one pass
   over a tile's lanes with every value of a lane's step in registers; declared to Cython in
   csweep/_network_lanes.pxd, which uses it for the tiles _network_tiles.pyx recognises as this
   shape (column_plan) and the row operations of network_lanes.h for every other network.

   The shape: three nodes and four synapses, no delays. The pyramidal node P has two synapses,
   P1 and P2 (its potential sums them in either order); each interneuron node, E and I, has one.
   P1 reads two input terms, in this order: an input with one edge, from E, and an input with no
   edge (the column's external drive u, a constant or a series). P2 reads one input, with one
   edge from I; E's and I's synapses read one input each, with one edge from P. Edges into
   inputs no term reads change nothing and may be there.

   Each lane performs exactly the operations of the row operations, in their order (network_rhs
   in _network.pxd): potentials 0 + v summed in the node's order, rates A * sigmoid(B * (v - C)),
   inputs ext + w * m, synapses (a_v * v + a_x * x + a_0) + c * input for each term in its order,
   Euler's v + dt * x and x + dt * dx. With -ffp-contract=off (setup.py) the results are bitwise
   those of the row operations: only the loads, stores and loop control go. */
#ifndef CSWEEP_NETWORK_COLUMN_H
#define CSWEEP_NETWORK_COLUMN_H

#include "common.h"           /* csweep_sigmoid */
#include "network_lanes.h"    /* CSWEEP_NET_TILE */

/* the lane loop carries no dependence between lanes: vectorise it without run-time overlap
   checks (the rows it writes, the state's, are not rows it reads for another lane) */
#if defined(__clang__)
#define CSWEEP_EACH_LANE _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define CSWEEP_EACH_LANE _Pragma("GCC ivdep")
#elif defined(_MSC_VER)
#define CSWEEP_EACH_LANE __pragma(loop(ivdep))
#else
#define CSWEEP_EACH_LANE
#endif

/* the lane's step inlined into the lane loop, whatever the size of the module around it (which
   the compiler's inlining budget counts): a call in the loop would keep it from vectorising */
#if defined(__GNUC__)
#define CSWEEP_COLUMN_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define CSWEEP_COLUMN_INLINE static __forceinline
#else
#define CSWEEP_COLUMN_INLINE static inline
#endif

/* The rows a tile's fused step reads, copied once into one block at fixed offsets (so the step
   holds one pointer for them all, not thirty): rows of CSWEEP_NET_TILE lanes. */
enum {
    CSWEEP_COL_SYN = 0,      /* a_v, a_x, a_0 of P1, P2, E's synapse and I's (3 rows each) */
    CSWEEP_COL_TERM = 12,    /* term coefficients: P1's two in order, P2's, E's synapse's, I's */
    CSWEEP_COL_WEIGHT = 17,  /* edge weights: E to P1's input, I to P2's, P to E's, P to I's */
    CSWEEP_COL_RATE = 21,    /* A, B, C of nodes P, E, I (3 rows each) */
    CSWEEP_COL_ROWS = 30
};

/* the tile's rows the column's step reads and writes */
typedef struct {
    double* state[4];       /* the v rows of P1, P2, E's synapse and I's (x: the next row) */
    double* deriv[4];       /* the rows of their derivatives (the multi-stage solvers') */
    const double* input[5]; /* the inputs the terms read, before edges (a constant's row, or the
                               row of this step's series values) */
    const double* coef;     /* (CSWEEP_COL_ROWS, CSWEEP_NET_TILE) as above */
    int p2_first;           /* P's potential sums P2's v, then P1's (else P1's, then P2's) */
} csweep_column_t;

#define CSWEEP_COL(row) (coef[(row) * CSWEEP_NET_TILE + i])

/* the synapse's dx/dt: (a_v * v + a_x * x + a_0), before its terms */
CSWEEP_COLUMN_INLINE double csweep_column_syn(const double* coef, int i, int s, double v,
                                              double x) {
    return CSWEEP_COL(CSWEEP_COL_SYN + 3 * s) * v + CSWEEP_COL(CSWEEP_COL_SYN + 3 * s + 1) * x
           + CSWEEP_COL(CSWEEP_COL_SYN + 3 * s + 2);
}

/* the node's rate A * sigmoid(B * (v - C)) */
CSWEEP_COLUMN_INLINE double csweep_column_rate(const double* coef, int i, int node, double v) {
    return CSWEEP_COL(CSWEEP_COL_RATE + 3 * node)
           * csweep_sigmoid(CSWEEP_COL(CSWEEP_COL_RATE + 3 * node + 1)
                            * (v - CSWEEP_COL(CSWEEP_COL_RATE + 3 * node + 2)));
}

/* lane i's derivatives d[0..7] (v, x of P1, P2, E's synapse, I's) from the state; p2_first a
   constant where it is called, so that each order of P's sum has its own loop */
CSWEEP_COLUMN_INLINE void csweep_column_lane(const csweep_column_t* c, int i, int p2_first,
                                             double* d) {
    const double* coef = c->coef;
    const double v_p1 = c->state[0][i], x_p1 = c->state[0][CSWEEP_NET_TILE + i];
    const double v_p2 = c->state[1][i], x_p2 = c->state[1][CSWEEP_NET_TILE + i];
    const double v_e = c->state[2][i], x_e = c->state[2][CSWEEP_NET_TILE + i];
    const double v_i = c->state[3][i], x_i = c->state[3][CSWEEP_NET_TILE + i];
    double pot_p = 0.0;
    pot_p = pot_p + (p2_first ? v_p2 : v_p1);
    pot_p = pot_p + (p2_first ? v_p1 : v_p2);
    const double pot_e = 0.0 + v_e, pot_i = 0.0 + v_i;
    const double m_p = csweep_column_rate(coef, i, 0, pot_p);
    const double m_e = csweep_column_rate(coef, i, 1, pot_e);
    const double m_i = csweep_column_rate(coef, i, 2, pot_i);
    const double in_p1 = c->input[0][i] + CSWEEP_COL(CSWEEP_COL_WEIGHT) * m_e;
    const double in_u = c->input[1][i];
    const double in_p2 = c->input[2][i] + CSWEEP_COL(CSWEEP_COL_WEIGHT + 1) * m_i;
    const double in_e = c->input[3][i] + CSWEEP_COL(CSWEEP_COL_WEIGHT + 2) * m_p;
    const double in_i = c->input[4][i] + CSWEEP_COL(CSWEEP_COL_WEIGHT + 3) * m_p;
    double acc = csweep_column_syn(coef, i, 0, v_p1, x_p1);
    acc = acc + CSWEEP_COL(CSWEEP_COL_TERM) * in_p1;
    d[1] = acc + CSWEEP_COL(CSWEEP_COL_TERM + 1) * in_u;
    d[3] = csweep_column_syn(coef, i, 1, v_p2, x_p2) + CSWEEP_COL(CSWEEP_COL_TERM + 2) * in_p2;
    d[5] = csweep_column_syn(coef, i, 2, v_e, x_e) + CSWEEP_COL(CSWEEP_COL_TERM + 3) * in_e;
    d[7] = csweep_column_syn(coef, i, 3, v_i, x_i) + CSWEEP_COL(CSWEEP_COL_TERM + 4) * in_i;
    d[0] = x_p1;
    d[2] = x_p2;
    d[4] = x_e;
    d[6] = x_i;
}

#undef CSWEEP_COL

/* one Euler step of every lane, in place: y = y + dt * f(y) */
CSWEEP_COLUMN_INLINE void csweep_column_euler_in(const csweep_column_t* c, double dt,
                                                 int p2_first) {
    CSWEEP_EACH_LANE
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double d[8];
        csweep_column_lane(c, i, p2_first, d);
        for (int s = 0; s < 4; s++) {
            double* z = c->state[s];
            z[i] = z[i] + dt * d[2 * s];
            z[CSWEEP_NET_TILE + i] = z[CSWEEP_NET_TILE + i] + dt * d[2 * s + 1];
        }
    }
}

static inline void csweep_column_euler(const csweep_column_t* column, double dt) {
    const csweep_column_t c = *column;     /* the pointers in registers */
    if (c.p2_first)
        csweep_column_euler_in(&c, dt, 1);
    else
        csweep_column_euler_in(&c, dt, 0);
}

/* dy = f(y) for every lane (the right-hand side Heun and RK4 take) */
CSWEEP_COLUMN_INLINE void csweep_column_rhs_in(const csweep_column_t* c, int p2_first) {
    CSWEEP_EACH_LANE
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double d[8];
        csweep_column_lane(c, i, p2_first, d);
        for (int s = 0; s < 4; s++) {
            c->deriv[s][i] = d[2 * s];
            c->deriv[s][CSWEEP_NET_TILE + i] = d[2 * s + 1];
        }
    }
}

static inline void csweep_column_rhs(const csweep_column_t* column) {
    const csweep_column_t c = *column;
    if (c.p2_first)
        csweep_column_rhs_in(&c, 1);
    else
        csweep_column_rhs_in(&c, 0);
}

#endif  /* CSWEEP_NETWORK_COLUMN_H */
