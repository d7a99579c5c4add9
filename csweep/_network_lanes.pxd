# A tile of TILE parameter sets of a network, stepped together (as _integrate steps JRC2 tiles):
# every per-set value is a row of TILE lanes (structure of arrays, set minor), so each step's
# loops run across the tile's lanes and the compiler vectorises them. Each lane performs one
# set's operations in the order of network_rhs (_network.pxd), so a set's numbers do not depend
# on the tile it is in, nor on its width, nor on the build. A value every lane of a tile shares
# (a weight, a rate's or an Euler synapse's coefficients) is broadcast instead of read as a row:
# the same operations on the same numbers, less data per step. The row operations are C, in
# csweep/src/network_lanes.h; the tile's layout and right-hand side are below. A tile of a network
# of the Jansen-Rit column's shape (t.fused) is stepped instead in one pass over its lanes,
# csweep/src/network_column.h: the same operations in the same order.

from csweep._common cimport csweep_sigmoid
from csweep._network cimport EDGE_DISCRETE, EDGE_GAMMA, Network

cdef extern from "csweep/src/network_lanes.h":
    enum: TILE "CSWEEP_NET_TILE"
    void csweep_row_copy(double* d, const double* a) noexcept nogil
    void csweep_row_inputs(double* out, const double* ext, int n, const double* weight,
                           const double* const* source) noexcept nogil
    void csweep_row_inputs_shared(double* out, const double* ext, int n, const double* weight,
                                  const double* const* source) noexcept nogil
    int csweep_row_uniform(const double* row) noexcept nogil
    void csweep_row_potential(double* out, int n, const int* syn, const double* y) noexcept nogil
    void csweep_row_synapse_terms(double* d, const double* c, const double* z, int n,
                                  const int* terms, const double* const* term_row,
                                  const int* term_in,
                                  const double* inp) noexcept nogil
    void csweep_row_synapse_euler(double* z, const double* c, int n, const int* terms,
                                  const double* const* term_row, const int* term_in,
                                  const double* inp,
                                  double dt) noexcept nogil
    void csweep_prefetch_row(const double* row) noexcept nogil
    void csweep_row_rate(double* m, const double* abc, const double* v) noexcept nogil
    void csweep_row_rate_shared(double* m, const double* abc, const double* v) noexcept nogil
    void csweep_row_synapse_euler_shared(double* z, const double* c, int n, const int* terms,
                                         const double* const* term_row, const int* term_in,
                                         const double* inp, double dt) noexcept nogil
    void csweep_row_stage(double* d, const double* k, const double* prev, const double* z,
                          const int* order, int j) noexcept nogil


cdef extern from "csweep/src/network_column.h":
    # the Jansen-Rit column's shape, stepped in one pass over the lanes (see the header)
    enum:
        CSWEEP_COL_SYN
        CSWEEP_COL_TERM
        CSWEEP_COL_WEIGHT
        CSWEEP_COL_RATE
        CSWEEP_COL_ROWS
    ctypedef struct csweep_column_t:
        double* state[4]
        double* deriv[4]
        const double* input[5]
        const double* coef
        int p2_first
    void csweep_column_euler(const csweep_column_t* column, double dt) noexcept nogil
    void csweep_column_rhs(const csweep_column_t* column) noexcept nogil


cdef struct Lists:
    # the network's index lists, grouped (each group in the kernel's own order, so that every
    # sum adds its terms in network_rhs's order): [start[k], start[k+1]) of items
    const int* node_syn_start   # (n_nodes+1,) synapses of each node
    const int* node_syn
    const int* in_edge_start    # (n_in+1,) edges into each input
    const int* in_edge
    const int* syn_term_start   # (n_syn+1,) input terms of each synapse
    const int* syn_term


cdef struct NetworkTile:
    const Network* net
    const Lists* lists
    # (rows, TILE) blocks; rows: n_state for the state and the solvers' stages
    double* y
    double* dy
    double* y0
    double* k1
    double* k2
    double* k3
    double* syn_coef    # (3*n_syn) a_v, a_x, a_0 of each synapse
    double* term_coef   # (n_terms)
    const double** term_row  # (n_terms,) each term's coefficient row: its own, or an equal one
    double* rate_abc    # (3*n_nodes)
    double* coef_shared  # (3*n_syn + 3*n_nodes,) a synapse's a_v, a_x, a_0 (Euler) or a node's
    int* syn_shared      # A, B, C as one value each, where every lane has the same (the flags:
    int* node_shared     # (n_syn,), (n_nodes,)): broadcast instead of read as rows
    double* in_const    # (n_in)
    double* weight      # (n_edges) in the input lists' order (lists.in_edge)
    double* weight_shared  # (n_edges,) the same, one value each, where every edge's lanes share
    int shared_weights  # their weight (then the right-hand side reads weight_shared)
    double* rate        # (n_edges) gamma stage rate
    double* v_in        # (n_nodes) summed synaptic potential
    double* m           # (n_nodes) rate
    double* ext         # (n_in) this step's inputs before edges, of inputs a series drives
    const double** ext_row  # (n_in,) each input's row before edges: its t.ext or t.in_const row
    int* series_inputs  # (n_series,) the inputs a series drives
    int n_series
    double* inp         # (n_in) inputs with edges
    double* delayed     # (n_edges) delayed rates held over the step
    double* mixed       # (n_edges) rates an edge carries, where its lanes differ in kind
    int* edge_pos       # (n_edges,) each edge's place in the input lists (lists.in_edge)
    const double** source  # (n_edges,) in the input lists' order: the row an edge carries: its
    #                        source's rate, the history row of its delay (the same in every
    #                        lane), or its mixed row
    int* mixed_edges    # (n_mixed,) edges whose lanes differ (gamma, or unequal discrete delays)
    int n_mixed
    int* gamma_edges    # (n_gamma,) the gamma edges
    int n_gamma
    double* chain_last  # (n_edges) gamma chain outputs of the previous step (Euler)
    double* history     # (sum of history_len) each source node's rate of its last steps
    int* order          # (n_edges) delay steps or gamma stages of each lane
    int* order_max      # (n_edges,) the most stages of the tile's lanes
    int* uniform        # (n_edges,) 1 when every lane has the same order
    int* discrete_edges  # (n_edges,) discrete edges with a delay: first the n_shared whose lanes
    int n_shared         # share one (they read a history row in place), then the n_discrete -
    int n_discrete       # n_shared whose lanes differ (gathered into t.delayed)
    int* shared_start   # (n_nodes+1,) the n_shared edges grouped by source node: node n's are
    int* shared_pos     # [shared_start[n], shared_start[n+1]) of shared_pos (each one's place
    int* shared_back    # in the input lists) and shared_back (its delay in history doubles)
    int* slot           # (n_nodes,) the history row of this step
    const int* history_len     # (n_nodes,) steps of a node's rate history (0: none)
    const int* history_offset  # (n_nodes,) its first row
    int euler           # Euler reads gamma chains one step late, as PyRates 1.2.3 does
    int rates_of_y      # t.m and t.v_in are those of t.y (tile_inputs computed them): the
    #                     step's first right-hand side need not compute them again
    int fused           # the network has the column's shape: a step is one pass over the lanes
    csweep_column_t column  # (network_column.h) with these rows, instead of the row operations
    double* column_coef  # (CSWEEP_COL_ROWS) the rows it reads, at its fixed offsets


cdef inline void tile_rates(const Network* net, NetworkTile* t, const double* y) noexcept nogil:
    # t.v_in, t.m from state y (network_rates, lane by lane)
    cdef int node
    cdef const Lists* lists = t.lists
    for node in range(net.n_nodes):
        csweep_row_potential(t.v_in + node * TILE,
                             lists.node_syn_start[node + 1] - lists.node_syn_start[node],
                             lists.node_syn + lists.node_syn_start[node], y)
        if t.node_shared[node]:
            csweep_row_rate_shared(t.m + node * TILE, t.coef_shared + 3 * (net.n_syn + node),
                                   t.v_in + node * TILE)
        else:
            csweep_row_rate(t.m + node * TILE, t.rate_abc + 3 * node * TILE, t.v_in + node * TILE)


cdef inline void tile_drive(const Network* net, NetworkTile* t, const double* y) noexcept nogil:
    # t.m, t.v_in and the inputs t.inp of state y, with this step's t.ext and t.delayed: what
    # the synapses' derivatives read (network_rhs's first part)
    cdef int e, k, i, j, n, base
    cdef double* mixed
    cdef const double* source
    cdef const double* held
    cdef const int* order
    cdef const Lists* lists = t.lists
    if t.rates_of_y and y == t.y:
        t.rates_of_y = 0        # computed by tile_inputs from this very state
    else:
        tile_rates(net, t, y)
    for k in range(t.n_mixed):
        e = t.mixed_edges[k]
        mixed = t.mixed + e * TILE
        source = t.m + net.edge_src[e] * TILE
        order = t.order + e * TILE
        if net.edge_kind[e] == EDGE_GAMMA and not t.euler:
            base = 2 * net.n_syn + net.edge_offset[e]
            for i in range(TILE):
                n = order[i]
                mixed[i] = y[(base + (n - 1 if n > 0 else 0)) * TILE + i] if n > 0 else source[i]
        else:
            held = t.delayed + e * TILE
            for i in range(TILE):
                mixed[i] = held[i] if order[i] > 0 else source[i]
    if t.shared_weights:
        for j in range(net.n_in):
            csweep_row_inputs_shared(t.inp + j * TILE, t.ext_row[j],
                                     lists.in_edge_start[j + 1] - lists.in_edge_start[j],
                                     t.weight_shared + lists.in_edge_start[j],
                                     t.source + lists.in_edge_start[j])
        return
    for j in range(net.n_in):
        csweep_row_inputs(t.inp + j * TILE, t.ext_row[j],
                          lists.in_edge_start[j + 1] - lists.in_edge_start[j],
                          t.weight + lists.in_edge_start[j] * TILE,
                          t.source + lists.in_edge_start[j])


cdef inline void tile_stages(const Network* net, NetworkTile* t, const double* y,
                             double* dy) noexcept nogil:
    # dy of the gamma chains' stages (network_rhs's last part)
    cdef int e, k, j, base
    for k in range(t.n_gamma):
        e = t.gamma_edges[k]
        base = 2 * net.n_syn + net.edge_offset[e]
        for j in range(t.order_max[e]):
            # stage j follows stage j-1 (the source's rate for the first); lanes with fewer
            # stages leave it at rest, as a single set's chain does
            csweep_row_stage(dy + (base + j) * TILE, t.rate + e * TILE,
                             t.m + net.edge_src[e] * TILE if j == 0 else y + (base + j - 1) * TILE,
                             y + (base + j) * TILE, t.order + e * TILE, j)


cdef inline void tile_rhs(const Network* net, NetworkTile* t, const double* y,
                          double* dy) noexcept nogil:
    # dy = f(y) for every lane (network_rhs), with this step's t.ext and t.delayed
    cdef int s
    cdef const Lists* lists = t.lists
    if t.fused and y == t.y and dy == t.dy:
        csweep_column_rhs(&t.column)
        return
    tile_drive(net, t, y)
    for s in range(net.n_syn):
        csweep_row_synapse_terms(dy + 2 * s * TILE, t.syn_coef + 3 * s * TILE, y + 2 * s * TILE,
                                 lists.syn_term_start[s + 1] - lists.syn_term_start[s],
                                 lists.syn_term + lists.syn_term_start[s], t.term_row, net.term_in,
                                 t.inp)
    tile_stages(net, t, y, dy)


cdef inline void tile_euler(const Network* net, NetworkTile* t, double dt) noexcept nogil:
    # One Euler step of t.y: each synapse stepped in place as its derivative is known (no row
    # of dy to write and read back); the gamma stages, which read the previous stage, in a
    # second pass. Bitwise tile_rhs followed by y + dt * dy.
    cdef int s
    cdef Py_ssize_t j
    cdef const Lists* lists = t.lists
    cdef double* y = t.y
    cdef double* dy = t.dy
    if t.fused:
        csweep_column_euler(&t.column, dt)
        return
    tile_drive(net, t, y)
    for s in range(net.n_syn):
        if t.syn_shared[s]:
            csweep_row_synapse_euler_shared(y + 2 * s * TILE, t.coef_shared + 3 * s,
                                            lists.syn_term_start[s + 1] - lists.syn_term_start[s],
                                            lists.syn_term + lists.syn_term_start[s], t.term_row,
                                            net.term_in, t.inp, dt)
        else:
            csweep_row_synapse_euler(y + 2 * s * TILE, t.syn_coef + 3 * s * TILE,
                                     lists.syn_term_start[s + 1] - lists.syn_term_start[s],
                                     lists.syn_term + lists.syn_term_start[s], t.term_row,
                                     net.term_in, t.inp, dt)
    if net.n_chain == 0:
        return
    tile_stages(net, t, y, dy)
    for j in range(2 * net.n_syn * TILE, net.n_state * TILE):
        y[j] = y[j] + dt * dy[j]


cdef inline void tile_inputs(const Network* net, NetworkTile* t, Py_ssize_t step,
                             Py_ssize_t start, Py_ssize_t width) noexcept nogil:
    # This step's input values and delayed rates for the tile of sets start..start+width-1
    # (_network_inputs, lane by lane); lanes past width repeat the tile's first set.
    cdef int j, e, i, n, node, length, slot, k, base
    cdef const double* row
    cdef double* dest
    cdef double* ring
    cdef double* current
    cdef const int* order
    for k in range(t.n_series):     # the others read their t.in_const row in place
        j = t.series_inputs[k]
        dest = t.ext + j * TILE
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
        for k in range(t.n_gamma):
            e = t.gamma_edges[k]
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
    for node in range(net.n_nodes):
        # the edges whose lanes share a delay (one not swept), node by node: each reads the row
        # its delay back from the node's current one, in the node's ring
        if t.shared_start[node] == t.shared_start[node + 1]:
            continue
        ring = t.history + t.history_offset[node] * TILE
        current = ring + t.slot[node] * TILE
        length = t.history_len[node] * TILE
        for k in range(t.shared_start[node], t.shared_start[node + 1]):
            row = current - t.shared_back[k]
            row = row + length if row < ring else row
            t.source[t.shared_pos[k]] = row
            csweep_prefetch_row(row)    # read by this step's right-hand side: fetch them all now
    # (measured no faster on the 68-column connectome, issue 18: fetching each row a step
    # ahead, during the previous step's input sums; fetching them node by node between the
    # rates' sigmoids; summing two inputs' edges in one loop. perf puts about a tenth of the
    # run in this loop, waiting on the rows' L3 traffic, and a third in the sigmoids.)
    for k in range(t.n_shared, t.n_discrete):
        e = t.discrete_edges[k]
        node = net.edge_src[e]
        length = t.history_len[node]
        ring = t.history + t.history_offset[node] * TILE
        order = t.order + e * TILE
        dest = t.delayed + e * TILE
        for i in range(TILE):
            slot = t.slot[node] - order[i]
            slot = slot + length if slot < 0 else slot
            dest[i] = ring[slot * TILE + i]
    for node in range(net.n_nodes):     # the next step's rows
        if t.history_len[node] > 0:
            t.slot[node] = t.slot[node] + 1 if t.slot[node] + 1 < t.history_len[node] else 0
