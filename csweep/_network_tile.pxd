# A tile of TILE parameter sets of a network, stepped together (as _integrate steps JRC2 tiles):
# every per-set value is a row of TILE lanes (structure of arrays, set minor), so each step's
# loops run across the tile's lanes and the compiler vectorises them. Each lane performs one
# set's operations in the order of network_rhs (_network.pxd), so a set's numbers do not depend
# on the tile it is in, nor on the build.

from csweep._common cimport csweep_sigmoid
from csweep._jrc2 cimport TILE
from csweep._network cimport EDGE_DISCRETE, EDGE_GAMMA, Network

cdef extern from *:
    """
    /* A tile's row operations, one lane per set: the rows are distinct (restrict), so the
       compiler vectorises each across the tile without run-time overlap checks. TILE is
       _jrc2.pxd's (asserted in _network_tiles.pyx). */
    #define CSWEEP_NET_TILE 8
    #if defined(_MSC_VER) && !defined(restrict)
    #define restrict __restrict
    #endif
    #if defined(__GNUC__)
    /* A row as one value of GCC's vector extension (split into the build's widest vectors);
       aligned(8): a row need not start on a vector boundary (tile blocks do, input series
       need not). Vector types alias their element type. */
    typedef double csweep_row_t __attribute__((vector_size(8 * CSWEEP_NET_TILE), aligned(8)));
    #define CSWEEP_ROW(p) (*(csweep_row_t*)(p))
    #define CSWEEP_CROW(p) (*(const csweep_row_t*)(p))
    static inline void csweep_row_add(double* restrict d, const double* restrict a) {
        CSWEEP_ROW(d) = CSWEEP_ROW(d) + CSWEEP_CROW(a);
    }
    static inline void csweep_row_copy(double* restrict d, const double* restrict a) {
        CSWEEP_ROW(d) = CSWEEP_CROW(a);
    }
    static inline void csweep_row_axpy(double* restrict d, const double* restrict w,
                                       const double* restrict x) {
        CSWEEP_ROW(d) = CSWEEP_ROW(d) + CSWEEP_CROW(w) * CSWEEP_CROW(x);
    }
    static inline void csweep_row_synapse(double* restrict d, const double* restrict c,
                                          const double* restrict z) {
        const int T = CSWEEP_NET_TILE;
        csweep_row_t v = CSWEEP_CROW(z), x = CSWEEP_CROW(z + T);
        CSWEEP_ROW(d) = x;
        CSWEEP_ROW(d + T) = CSWEEP_CROW(c) * v + CSWEEP_CROW(c + T) * x + CSWEEP_CROW(c + 2 * T);
    }
    #else
    static inline void csweep_row_add(double* restrict d, const double* restrict a) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++) d[i] = d[i] + a[i];
    }
    static inline void csweep_row_copy(double* restrict d, const double* restrict a) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++) d[i] = a[i];
    }
    /* d += w * x */
    static inline void csweep_row_axpy(double* restrict d, const double* restrict w,
                                       const double* restrict x) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++) d[i] = d[i] + w[i] * x[i];
    }
    /* a synapse: d/dt v = x, d/dt x = a_v*v + a_x*x + a_0 (rows v, x of z and d; c: a_v, a_x, a_0) */
    static inline void csweep_row_synapse(double* restrict d, const double* restrict c,
                                          const double* restrict z) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++) {
            d[i] = z[CSWEEP_NET_TILE + i];
            d[CSWEEP_NET_TILE + i] = c[i] * z[i] + c[CSWEEP_NET_TILE + i] * z[CSWEEP_NET_TILE + i]
                                     + c[2 * CSWEEP_NET_TILE + i];
        }
    }
    #endif
    /* m = A * sigmoid(B * (v - C)), abc: rows A, B, C */
    static inline void csweep_row_rate(double* restrict m, const double* restrict abc,
                                       const double* restrict v) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++)
            m[i] = abc[i] * csweep_sigmoid(abc[CSWEEP_NET_TILE + i]
                                           * (v[i] - abc[2 * CSWEEP_NET_TILE + i]));
    }
    /* d += w * (held where the lane's order > 0, else x) */
    static inline void csweep_row_axpy_held(double* restrict d, const double* restrict w,
                                            const double* restrict held,
                                            const double* restrict x, const int* restrict order) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++)
            d[i] = d[i] + w[i] * (order[i] > 0 ? held[i] : x[i]);
    }
    /* gamma stage j: d = k * (prev - z) in lanes with more than j stages, else 0 */
    static inline void csweep_row_stage(double* restrict d, const double* restrict k,
                                        const double* restrict prev, const double* restrict z,
                                        const int* restrict order, int j) {
        for (int i = 0; i < CSWEEP_NET_TILE; i++)
            d[i] = j < order[i] ? k[i] * (prev[i] - z[i]) : 0.0;
    }
    """
    enum: CSWEEP_NET_TILE
    void csweep_row_add(double* d, const double* a) noexcept nogil
    void csweep_row_copy(double* d, const double* a) noexcept nogil
    void csweep_row_rate(double* m, const double* abc, const double* v) noexcept nogil
    void csweep_row_axpy(double* d, const double* w, const double* x) noexcept nogil
    void csweep_row_axpy_held(double* d, const double* w, const double* held, const double* x,
                              const int* order) noexcept nogil
    void csweep_row_synapse(double* d, const double* c, const double* z) noexcept nogil
    void csweep_row_stage(double* d, const double* k, const double* prev, const double* z,
                          const int* order, int j) noexcept nogil


cdef struct NetworkTile:
    const Network* net
    # (rows, TILE) blocks; rows: n_state for the state and the solvers' stages
    double* y
    double* dy
    double* y0
    double* k1
    double* k2
    double* k3
    double* syn_coef    # (3*n_syn) a_v, a_x, a_0 of each synapse
    double* term_coef   # (n_terms)
    double* rate_abc    # (3*n_nodes)
    double* in_const    # (n_in)
    double* weight      # (n_edges)
    double* rate        # (n_edges) gamma stage rate
    double* v_in        # (n_nodes) summed synaptic potential
    double* m           # (n_nodes) rate
    double* ext         # (n_in) this step's inputs before edges
    double* inp         # (n_in) inputs with edges
    double* delayed     # (n_edges) delayed rates held over the step
    const double** held  # (n_edges,) each edge's delayed row: its delayed row, or (a discrete
    #                      delay the same in every lane) its history row
    double* chain_last  # (n_edges) gamma chain outputs of the previous step (Euler)
    double* history     # (sum of history_len) each source node's rate of its last steps
    int* order          # (n_edges) delay steps or gamma stages of each lane
    int* order_max      # (n_edges,) the most stages of the tile's lanes
    int* uniform        # (n_edges,) 1 when every lane has the same order
    int* slot           # (n_nodes,) the history row of this step
    const int* history_len     # (n_nodes,) steps of a node's rate history (0: none)
    const int* history_offset  # (n_nodes,) its first row
    int euler           # Euler reads gamma chains one step late, as PyRates 1.2.3 does
    int rates_of_y      # t.m and t.v_in are those of t.y (tile_inputs computed them): the
    #                     step's first right-hand side need not compute them again


cdef inline void tile_rates(const Network* net, NetworkTile* t, const double* y) noexcept nogil:
    # t.v_in, t.m from state y (network_rates, lane by lane)
    cdef int s, node
    for node in range(net.n_nodes * TILE):
        t.v_in[node] = 0.0
    for s in range(net.n_syn):
        csweep_row_add(t.v_in + net.syn_node[s] * TILE, y + 2 * s * TILE)
    for node in range(net.n_nodes):
        csweep_row_rate(t.m + node * TILE, t.rate_abc + 3 * node * TILE, t.v_in + node * TILE)


cdef inline void tile_rhs(const Network* net, NetworkTile* t, const double* y,
                          double* dy) noexcept nogil:
    # dy = f(y) for every lane (network_rhs), with this step's t.ext and t.delayed
    cdef int s, e, k, i, j, n, base
    cdef double* target
    cdef const double* w
    cdef const double* source
    cdef const int* order
    if t.rates_of_y and y == t.y:
        t.rates_of_y = 0        # computed by tile_inputs from this very state
    else:
        tile_rates(net, t, y)
    for i in range(net.n_in):
        csweep_row_copy(t.inp + i * TILE, t.ext + i * TILE)
    for e in range(net.n_edges):
        target = t.inp + net.edge_tgt[e] * TILE
        w = t.weight + e * TILE
        source = t.m + net.edge_src[e] * TILE
        order = t.order + e * TILE
        if net.edge_kind[e] == EDGE_GAMMA and not t.euler:
            base = 2 * net.n_syn + net.edge_offset[e]
            for i in range(TILE):
                n = order[i]
                target[i] = target[i] + w[i] * (
                    y[(base + (n - 1 if n > 0 else 0)) * TILE + i] if n > 0 else source[i])
        elif net.edge_kind[e] == EDGE_GAMMA or net.edge_kind[e] == EDGE_DISCRETE:
            if t.uniform[e]:
                csweep_row_axpy(target, w, t.held[e] if order[0] > 0 else source)
            else:
                csweep_row_axpy_held(target, w, t.held[e], source, order)
        else:
            csweep_row_axpy(target, w, source)
    for s in range(net.n_syn):
        csweep_row_synapse(dy + 2 * s * TILE, t.syn_coef + 3 * s * TILE, y + 2 * s * TILE)
    for k in range(net.n_terms):
        csweep_row_axpy(dy + (2 * net.term_syn[k] + 1) * TILE, t.term_coef + k * TILE,
                        t.inp + net.term_in[k] * TILE)
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_GAMMA:
            continue
        base = 2 * net.n_syn + net.edge_offset[e]
        for j in range(t.order_max[e]):
            # stage j follows stage j-1 (the source's rate for the first); lanes with fewer
            # stages leave it at rest, as a single set's chain does
            csweep_row_stage(dy + (base + j) * TILE, t.rate + e * TILE,
                             t.m + net.edge_src[e] * TILE if j == 0 else y + (base + j - 1) * TILE,
                             y + (base + j) * TILE, t.order + e * TILE, j)


cdef inline void tile_inputs(const Network* net, NetworkTile* t, Py_ssize_t step,
                             Py_ssize_t start, Py_ssize_t width) noexcept nogil:
    # This step's input values and delayed rates for the tile of sets start..start+width-1
    # (_network_inputs, lane by lane); lanes past width repeat the tile's first set.
    cdef int j, e, i, n, node, length, slot, k, base
    cdef const double* row
    cdef double* dest
    cdef double* ring
    cdef const double* source
    cdef const int* order
    for j in range(net.n_in):
        dest = t.ext + j * TILE
        if net.in_col[j] < 0:
            csweep_row_copy(dest, t.in_const + j * TILE)
        else:
            row = net.series + step * net.series_cols + net.in_col[j]
            if net.in_width[j] <= 1:
                for i in range(TILE):
                    dest[i] = row[0]
            elif width == TILE:
                csweep_row_copy(dest, row + start)
            else:
                for i in range(TILE):
                    dest[i] = row[start + (i if i < width else 0)]
    if t.euler:
        # Euler: a gamma chain's output reaches its target one step later (PyRates' order)
        for e in range(net.n_edges):
            if net.edge_kind[e] != EDGE_GAMMA:
                continue
            base = 2 * net.n_syn + net.edge_offset[e]
            order = t.order + e * TILE
            for i in range(TILE):
                n = order[i]
                if n > 0:
                    t.delayed[e * TILE + i] = t.chain_last[e * TILE + i]
                    t.chain_last[e * TILE + i] = t.y[(base + n - 1) * TILE + i]
    if net.n_ring == 0:
        return
    # each source node's rate enters its history once; each discrete edge reads its delay's
    # entry (the same value the edge's own ring held in _network.pyx)
    tile_rates(net, t, t.y)
    t.rates_of_y = 1
    for node in range(net.n_nodes):
        if t.history_len[node] > 0:
            csweep_row_copy(t.history + (t.history_offset[node] + t.slot[node]) * TILE,
                            t.m + node * TILE)
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_DISCRETE:
            continue
        node = net.edge_src[e]
        length = t.history_len[node]
        slot = t.slot[node]
        ring = t.history + t.history_offset[node] * TILE
        order = t.order + e * TILE
        dest = t.delayed + e * TILE
        if t.uniform[e]:    # every lane reads the same row (a delay the sweep does not vary)
            k = slot - order[0]
            t.held[e] = ring + (k + length if k < 0 else k) * TILE
        else:
            for i in range(TILE):
                k = slot - order[i]
                k = k + length if k < 0 else k
                dest[i] = ring[k * TILE + i]
    for node in range(net.n_nodes):     # the next step's rows
        if t.history_len[node] > 0:
            t.slot[node] = t.slot[node] + 1 if t.slot[node] + 1 < t.history_len[node] else 0
