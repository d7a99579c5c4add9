# A tile of TILE parameter sets of a network, stepped together (as _integrate steps JRC2 tiles):
# every per-set value is a row of TILE lanes (structure of arrays, set minor), so each step's
# loops run across the tile's lanes and the compiler vectorises them. Each lane performs one
# set's operations in the order of network_rhs (_network.pxd), so a set's numbers do not depend
# on the tile it is in, nor on the build.

from csweep._common cimport csweep_sigmoid
from csweep._jrc2 cimport TILE
from csweep._network cimport EDGE_DISCRETE, EDGE_GAMMA, Network


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
    double* chain_last  # (n_edges) gamma chain outputs of the previous step (Euler)
    double* history     # (sum of history_len) each source node's rate of its last steps
    int* order          # (n_edges) delay steps or gamma stages of each lane
    int* order_max      # (n_edges,) the most stages of the tile's lanes
    const int* history_len     # (n_nodes,) steps of a node's rate history (0: none)
    const int* history_offset  # (n_nodes,) its first row
    int euler           # Euler reads gamma chains one step late, as PyRates 1.2.3 does


cdef inline void tile_rates(const Network* net, NetworkTile* t, const double* y) noexcept nogil:
    # t.v_in, t.m from state y (network_rates, lane by lane)
    cdef int s, node, i
    cdef double* v
    cdef double* m
    cdef const double* ys
    cdef const double* a
    for i in range(net.n_nodes * TILE):
        t.v_in[i] = 0.0
    for s in range(net.n_syn):
        v = t.v_in + net.syn_node[s] * TILE
        ys = y + 2 * s * TILE
        for i in range(TILE):
            v[i] = v[i] + ys[i]
    for node in range(net.n_nodes):
        v = t.v_in + node * TILE
        m = t.m + node * TILE
        a = t.rate_abc + 3 * node * TILE
        for i in range(TILE):
            m[i] = a[i] * csweep_sigmoid(a[TILE + i] * (v[i] - a[2 * TILE + i]))


cdef inline void tile_rhs(const Network* net, NetworkTile* t, const double* y,
                          double* dy) noexcept nogil:
    # dy = f(y) for every lane (network_rhs), with this step's t.ext and t.delayed
    cdef int s, e, k, i, j, n, base
    cdef double* target
    cdef double* d
    cdef const double* w
    cdef const double* source
    cdef const double* held
    cdef const double* z
    cdef const double* prev
    cdef const double* c
    cdef const int* order
    tile_rates(net, t, y)
    for i in range(net.n_in * TILE):
        t.inp[i] = t.ext[i]
    for e in range(net.n_edges):
        target = t.inp + net.edge_tgt[e] * TILE
        w = t.weight + e * TILE
        source = t.m + net.edge_src[e] * TILE
        order = t.order + e * TILE
        held = t.delayed + e * TILE
        if net.edge_kind[e] == EDGE_GAMMA and not t.euler:
            base = 2 * net.n_syn + net.edge_offset[e]
            for i in range(TILE):
                n = order[i]
                target[i] = target[i] + w[i] * (
                    y[(base + (n - 1 if n > 0 else 0)) * TILE + i] if n > 0 else source[i])
        elif net.edge_kind[e] == EDGE_GAMMA or net.edge_kind[e] == EDGE_DISCRETE:
            for i in range(TILE):
                target[i] = target[i] + w[i] * (held[i] if order[i] > 0 else source[i])
        else:
            for i in range(TILE):
                target[i] = target[i] + w[i] * source[i]
    for s in range(net.n_syn):
        c = t.syn_coef + 3 * s * TILE
        z = y + 2 * s * TILE
        d = dy + 2 * s * TILE
        for i in range(TILE):
            d[i] = z[TILE + i]
            d[TILE + i] = c[i] * z[i] + c[TILE + i] * z[TILE + i] + c[2 * TILE + i]
    for k in range(net.n_terms):
        d = dy + (2 * net.term_syn[k] + 1) * TILE
        c = t.term_coef + k * TILE
        source = t.inp + net.term_in[k] * TILE
        for i in range(TILE):
            d[i] = d[i] + c[i] * source[i]
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_GAMMA:
            continue
        base = 2 * net.n_syn + net.edge_offset[e]
        c = t.rate + e * TILE
        order = t.order + e * TILE
        for j in range(t.order_max[e]):
            # stage j follows stage j-1 (the source's rate for the first); lanes with fewer
            # stages leave it at rest, as a single set's chain does
            prev = t.m + net.edge_src[e] * TILE if j == 0 else y + (base + j - 1) * TILE
            z = y + (base + j) * TILE
            d = dy + (base + j) * TILE
            for i in range(TILE):
                d[i] = c[i] * (prev[i] - z[i]) if j < order[i] else 0.0


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
            for i in range(TILE):
                dest[i] = t.in_const[j * TILE + i]
        else:
            row = net.series + step * net.series_cols + net.in_col[j]
            if net.in_width[j] <= 1:
                for i in range(TILE):
                    dest[i] = row[0]
            elif width == TILE:
                for i in range(TILE):
                    dest[i] = row[start + i]
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
    for node in range(net.n_nodes):
        length = t.history_len[node]
        if length == 0:
            continue
        dest = t.history + (t.history_offset[node] + step % length) * TILE
        source = t.m + node * TILE
        for i in range(TILE):
            dest[i] = source[i]
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_DISCRETE:
            continue
        node = net.edge_src[e]
        length = t.history_len[node]
        slot = step % length
        ring = t.history + t.history_offset[node] * TILE
        order = t.order + e * TILE
        dest = t.delayed + e * TILE
        for i in range(TILE):
            k = slot - order[i]
            k = k + length if k < 0 else k
            dest[i] = ring[k * TILE + i]
