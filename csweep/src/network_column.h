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

/* the rows of one tile the column's step reads and writes (rows of CSWEEP_NET_TILE lanes) */
typedef struct {
    double* y[8];           /* state: v and x of P1, P2, E's synapse and I's, in turn */
    double* dy[8];          /* their derivatives (the multi-stage solvers' right-hand side) */
    const double* potential[2];  /* the v rows of P1 and P2 in the order P's potential sums
                                    them */
    const double* syn[4];   /* each synapse's rows a_v, a_x, a_0 (three rows one after another) */
    const double* term[5];  /* term coefficients: P1's two in order, P2's, E's synapse's, I's */
    const double* input[5]; /* the inputs those terms read, before edges (a constant's row, or
                               the row of this step's series values) */
    const double* weight[4];  /* the edges' weights: E to P1's input, I to P2's, P to E's, P to
                                 I's */
    const double* rate[3];  /* rows A, B, C of nodes P, E, I (three rows one after another) */
} csweep_column_t;

/* the synapse's dx/dt: (a_v * v + a_x * x + a_0), then + c * input per term */
CSWEEP_COLUMN_INLINE double csweep_column_syn(const double* c, int i, double v, double x) {
    return c[i] * v + c[CSWEEP_NET_TILE + i] * x + c[2 * CSWEEP_NET_TILE + i];
}

/* the node's rate A * sigmoid(B * (v - C)) */
CSWEEP_COLUMN_INLINE double csweep_column_rate(const double* abc, int i, double v) {
    return abc[i] * csweep_sigmoid(abc[CSWEEP_NET_TILE + i]
                                   * (v - abc[2 * CSWEEP_NET_TILE + i]));
}

/* lane i's derivatives d[0..7] (the order of y) from state c->y */
CSWEEP_COLUMN_INLINE void csweep_column_lane(const csweep_column_t* c, int i, double* d) {
    const double v_p1 = c->y[0][i], x_p1 = c->y[1][i], v_p2 = c->y[2][i], x_p2 = c->y[3][i];
    const double v_e = c->y[4][i], x_e = c->y[5][i], v_i = c->y[6][i], x_i = c->y[7][i];
    double pot_p = 0.0;
    pot_p = pot_p + c->potential[0][i];
    pot_p = pot_p + c->potential[1][i];
    const double pot_e = 0.0 + v_e, pot_i = 0.0 + v_i;
    const double m_p = csweep_column_rate(c->rate[0], i, pot_p);
    const double m_e = csweep_column_rate(c->rate[1], i, pot_e);
    const double m_i = csweep_column_rate(c->rate[2], i, pot_i);
    const double in_p1 = c->input[0][i] + c->weight[0][i] * m_e;
    const double in_u = c->input[1][i];
    const double in_p2 = c->input[2][i] + c->weight[1][i] * m_i;
    const double in_e = c->input[3][i] + c->weight[2][i] * m_p;
    const double in_i = c->input[4][i] + c->weight[3][i] * m_p;
    double acc = csweep_column_syn(c->syn[0], i, v_p1, x_p1);
    acc = acc + c->term[0][i] * in_p1;
    d[1] = acc + c->term[1][i] * in_u;
    d[3] = csweep_column_syn(c->syn[1], i, v_p2, x_p2) + c->term[2][i] * in_p2;
    d[5] = csweep_column_syn(c->syn[2], i, v_e, x_e) + c->term[3][i] * in_e;
    d[7] = csweep_column_syn(c->syn[3], i, v_i, x_i) + c->term[4][i] * in_i;
    d[0] = x_p1;
    d[2] = x_p2;
    d[4] = x_e;
    d[6] = x_i;
}

/* one Euler step of every lane, in place: y = y + dt * f(y) */
static inline void csweep_column_euler(const csweep_column_t* column, double dt) {
    const csweep_column_t c = *column;     /* the rows' pointers in registers */
    CSWEEP_EACH_LANE
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double d[8];
        csweep_column_lane(&c, i, d);
        for (int s = 0; s < 8; s++) c.y[s][i] = c.y[s][i] + dt * d[s];
    }
}

/* dy = f(y) for every lane (the right-hand side Heun and RK4 take) */
static inline void csweep_column_rhs(const csweep_column_t* column) {
    const csweep_column_t c = *column;
    CSWEEP_EACH_LANE
    for (int i = 0; i < CSWEEP_NET_TILE; i++) {
        double d[8];
        csweep_column_lane(&c, i, d);
        for (int s = 0; s < 8; s++) c.dy[s][i] = d[s];
    }
}

#endif  /* CSWEEP_NETWORK_COLUMN_H */
