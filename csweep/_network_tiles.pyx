"""Networks of second-order synapses and sigmoid rates (JRC, JRC_2delaycoupled, connectomes):
fixed-step integration of every parameter set, in tiles of TILE sets (16; 8 in the
_network_tiles8 build, for sweeps of few sets) stepped together as the JRC2 kernel steps its tiles
(the tile's layout and right-hand side: _network_lanes.pxd). OpenMP distributes tiles over
threads. Compiled per instruction set, as _integrate is (csweep.kernels.builds picks the build and
the width); every build computes each set's numbers bitwise as a single set's scalar steps would.
A network of the Jansen-Rit column's shape (_column_plan) is stepped in one pass over a tile's
lanes (csweep/src/network_column.h), bitwise the row operations' numbers (fuse_columns).

Discrete delays read each source node's rate history (one per node, as long as its longest
delay): the state that initial_state / return_final_state exchange keeps one history per edge
(network_save_state in _network.pyx), which _load_tile and _save_tile translate.
"""

import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp

from csweep._common cimport EULER, csweep_simd
from csweep._fixed_step cimport fixed_step
from csweep._network cimport (EDGE_DISCRETE, EDGE_GAMMA, EDGE_NONE, Network, NetworkArrays,
                              bind_network)
from csweep._network_lanes cimport (CSWEEP_COL_RATE, CSWEEP_COL_ROWS, CSWEEP_COL_SYN,
                                    CSWEEP_COL_TERM, CSWEEP_COL_WEIGHT, TILE, Lists, NetworkTile,
                                    csweep_row_uniform, tile_inputs, tile_rates)


cdef extern from "csweep/src/aligned.h":
    void* csweep_aligned_malloc(size_t size) noexcept nogil
    void csweep_aligned_free(void* p) noexcept nogil


def simd():
    """The vector instruction set this build of the network tiles was compiled for."""
    return csweep_simd.decode()


def tile_width():
    """Parameter sets one tile steps together (each thread steps whole tiles)."""
    return TILE


cdef int _fuse_columns = 1
cdef Py_ssize_t _fused_calls = 0


def fuse_columns(enabled=None):
    """Whether this build steps networks of the Jansen-Rit column's shape in one pass over a
    tile's lanes (csweep/src/network_column.h; bitwise the row operations' numbers, which every
    other network takes); ``enabled`` sets it (tests turn it off to compare the two). Returns the
    setting it had."""
    global _fuse_columns
    previous = bool(_fuse_columns)
    if enabled is not None:
        _fuse_columns = 1 if enabled else 0
    return previous


def fused_calls():
    """How many kernel calls of this build have stepped a network of the column's shape in one
    pass (tests check that a comparison of the two paths did take the fused one)."""
    return _fused_calls


cdef struct ColumnPlan:
    # a network of the Jansen-Rit column's shape (network_column.h): the synapses P1, P2, E's and
    # I's; P's two in the order its potential sums them; the terms of P1 (two, in order), P2,
    # E's and I's synapse, and the input each reads; the edges into the inputs of terms 0, 2, 3,
    # 4 (their places in the input lists); nodes P, E, I
    int syn[4]
    int summed[2]
    int term[5]
    int input[5]
    int edge[4]
    int node[3]


cdef inline int _n_terms(const Lists* lists, int s) noexcept nogil:
    return lists.syn_term_start[s + 1] - lists.syn_term_start[s]


cdef inline int _edge_from(const Network* net, const Lists* lists, int j) noexcept nogil:
    # the source node of input j's one edge; -1 when it has none or several
    if lists.in_edge_start[j + 1] - lists.in_edge_start[j] != 1:
        return -1
    return net.edge_src[lists.in_edge[lists.in_edge_start[j]]]


cdef int _column_parts(const Network* net, const Lists* lists, ColumnPlan* p) noexcept nogil:
    # P (the node with two synapses), its synapses and their terms: 1 when one of them, P1,
    # reads an input fed by one edge then one fed by none, and the other, P2, one input fed by
    # one edge, from two nodes other than P; E and I are those nodes
    cdef int node, k, n_p = 0, count
    for node in range(3):
        count = lists.node_syn_start[node + 1] - lists.node_syn_start[node]
        if count == 2:
            p.node[0] = node
            n_p += 1
        elif count != 1:
            return 0
    if n_p != 1:
        return 0
    k = lists.node_syn_start[p.node[0]]
    p.summed[0] = lists.node_syn[k]
    p.summed[1] = lists.node_syn[k + 1]
    k = 0 if _n_terms(lists, p.summed[0]) == 2 else 1
    p.syn[0] = p.summed[k]
    p.syn[1] = p.summed[1 - k]
    if _n_terms(lists, p.syn[0]) != 2 or _n_terms(lists, p.syn[1]) != 1:
        return 0
    p.term[0] = lists.syn_term[lists.syn_term_start[p.syn[0]]]
    p.term[1] = lists.syn_term[lists.syn_term_start[p.syn[0]] + 1]
    p.term[2] = lists.syn_term[lists.syn_term_start[p.syn[1]]]
    k = net.term_in[p.term[1]]
    if lists.in_edge_start[k + 1] != lists.in_edge_start[k]:
        return 0
    p.node[1] = _edge_from(net, lists, net.term_in[p.term[0]])
    p.node[2] = _edge_from(net, lists, net.term_in[p.term[2]])
    return (p.node[1] >= 0 and p.node[2] >= 0 and p.node[1] != p.node[0]
            and p.node[2] != p.node[0] and p.node[1] != p.node[2])


cdef int _column_plan(const Network* net, const Lists* lists, ColumnPlan* p) noexcept nogil:
    # 1 when the network has the column's shape (network_column.h), with p its parts; else 0.
    # Terms whose input has edges other than these, delays, gamma chains: not the shape.
    cdef int e, k, s
    if net.n_nodes != 3 or net.n_syn != 4 or net.n_chain != 0 or net.n_ring != 0:
        return 0
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_NONE:
            return 0
    if not _column_parts(net, lists, p):
        return 0
    for k in range(2):      # E's synapse and I's: one term each, its input fed by P alone
        s = lists.node_syn[lists.node_syn_start[p.node[1 + k]]]
        if _n_terms(lists, s) != 1:
            return 0
        p.syn[2 + k] = s
        p.term[3 + k] = lists.syn_term[lists.syn_term_start[s]]
        if _edge_from(net, lists, net.term_in[p.term[3 + k]]) != p.node[0]:
            return 0
    for k in range(5):
        p.input[k] = net.term_in[p.term[k]]
    p.edge[0] = lists.in_edge_start[p.input[0]]
    for k in range(1, 4):
        p.edge[k] = lists.in_edge_start[p.input[k + 1]]
    return 1


cdef inline void _copy_row(const double* rows, int n, double* dest) noexcept nogil:
    # n rows of TILE lanes
    cdef int j
    for j in range(n * TILE):
        dest[j] = rows[j]


cdef void _column_rows(const ColumnPlan* p, NetworkTile* t) noexcept nogil:
    # the rows the column's fused step reads, copied into t.column_coef at its offsets, and the
    # rows it reads and writes in place (after _share_equal_rows, whose rows it reads)
    cdef int k
    cdef double* coef = t.column_coef
    for k in range(4):
        t.column.state[k] = t.y + 2 * p.syn[k] * TILE
        t.column.deriv[k] = t.dy + 2 * p.syn[k] * TILE
        _copy_row(t.syn_coef + 3 * p.syn[k] * TILE, 3, coef + (CSWEEP_COL_SYN + 3 * k) * TILE)
        _copy_row(t.weight + p.edge[k] * TILE, 1, coef + (CSWEEP_COL_WEIGHT + k) * TILE)
    for k in range(5):
        _copy_row(t.term_row[p.term[k]], 1, coef + (CSWEEP_COL_TERM + k) * TILE)
        t.column.input[k] = t.ext_row[p.input[k]]
    for k in range(3):
        _copy_row(t.rate_abc + 3 * p.node[k] * TILE, 3, coef + (CSWEEP_COL_RATE + 3 * k) * TILE)
    t.column.coef = coef
    t.column.p2_first = p.summed[0] == p.syn[1]
    t.fused = 1


cdef struct Histories:
    # the rate histories' layout, shared by every tile
    const int* node_len      # (n_nodes,) steps kept of each node's rate (0: no discrete edge)
    const int* node_offset   # (n_nodes,) first row of its history
    const int* edge_len      # (n_edges,) the edge's own ring length in the exchanged state
    int rows


cdef inline Py_ssize_t _lane(Py_ssize_t start, Py_ssize_t width, int i) noexcept nogil:
    # the set a lane steps: lanes past a partial tile's width repeat its first set
    return start + (i if i < width else 0)


cdef void _copy_rows(const double* rows, Py_ssize_t n_sets, int n_rows, Py_ssize_t start,
                     Py_ssize_t width, double* dest) noexcept nogil:
    # dest (n_rows, TILE) = the tile's columns of rows (n_rows, n_sets)
    cdef int r, i
    for r in range(n_rows):
        for i in range(TILE):
            dest[r * TILE + i] = rows[r * n_sets + _lane(start, width, i)]


cdef void _shared_rows(const double* rows, int n, double* values, int* shared) noexcept nogil:
    # shared[k]: whether item k's three rows (rows 3k..3k+2) hold one value in every lane, bit
    # for bit; values[3k..3k+2]: those values
    cdef int k, r
    for k in range(n):
        shared[k] = 1
        for r in range(3 * k, 3 * k + 3):
            values[r] = rows[r * TILE]
            shared[k] = shared[k] and csweep_row_uniform(rows + r * TILE)


cdef void _share_equal_rows(const double** rows, int n, const int* series_col) noexcept nogil:
    # rows[k] = an earlier rows[j] holding bitwise the same values, where there is one (rows a
    # series fills each step, series_col[k] >= 0, are left alone): a connectome's columns repeat
    # a few rows, which a step then brings into the cache once. Compared with up to 64 distinct
    # rows, so that setting up a large network stays linear.
    cdef const double* distinct[64]
    cdef int n_distinct = 0, k, d
    for k in range(n):
        if series_col != NULL and series_col[k] >= 0:
            continue
        for d in range(n_distinct):
            if memcmp(distinct[d], rows[k], TILE * sizeof(double)) == 0:
                rows[k] = distinct[d]
                break
        else:
            if n_distinct < 64:
                distinct[n_distinct] = rows[k]
                n_distinct += 1


cdef void _load_tile(const Network* net, const Histories* h, NetworkTile* t,
                     const double[:, :] y_init, Py_ssize_t start, Py_ssize_t width) noexcept nogil:
    # the tile's state from y_init's columns; an edge's ring entry k is its source's rate at step
    # k - ring length (relative to the run's first step). Lanes innermost: y_init's rows and the
    # history's rows are read and written along (a connectome's state is tens of MB).
    cdef int r, e, i, k, node, length
    cdef Py_ssize_t row
    cdef double* dest
    for r in range(net.n_state):
        for i in range(TILE):
            t.y[r * TILE + i] = y_init[r, _lane(start, width, i)]
    for e in range(net.n_edges):
        for i in range(TILE):
            t.chain_last[e * TILE + i] = y_init[net.n_state + e, _lane(start, width, i)]
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_DISCRETE:
            continue
        node = net.edge_src[e]
        length = h.edge_len[e]
        for k in range(length):
            dest = t.history + (h.node_offset[node]
                                + (k - length + h.node_len[node]) % h.node_len[node]) * TILE
            row = net.n_state + net.n_edges + net.edge_offset[e] + k
            for i in range(TILE):
                dest[i] = y_init[row, _lane(start, width, i)]


cdef void _save_tile(const Network* net, const Histories* h, const NetworkTile* t,
                     double[:, :] y_final, Py_ssize_t start, Py_ssize_t width,
                     Py_ssize_t steps) noexcept nogil:
    # y_final's columns of the tile's sets, after `steps` steps, in network_save_state's layout
    # (lanes innermost, as in _load_tile)
    cdef int r, e, i, k, node, length
    cdef Py_ssize_t slot, row
    cdef const double* source
    for r in range(net.n_state):
        for i in range(width):
            y_final[r, start + i] = t.y[r * TILE + i]
    for e in range(net.n_edges):
        for i in range(width):
            y_final[net.n_state + e, start + i] = t.chain_last[e * TILE + i]
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_DISCRETE:
            continue
        node = net.edge_src[e]
        length = h.edge_len[e]
        for k in range(length):
            slot = (steps - length + k) % h.node_len[node]
            slot = slot + h.node_len[node] if slot < 0 else slot
            source = t.history + (h.node_offset[node] + slot) * TILE
            row = net.n_state + net.n_edges + net.edge_offset[e] + k
            for i in range(width):
                y_final[row, start + i] = source[i]


cdef void _record(const Network* net, NetworkTile* t, const int[::1] record,
                  floating[:, :, :] out, Py_ssize_t j, Py_ssize_t start,
                  Py_ssize_t width) noexcept nogil:
    # out[j, :, start..start+width-1] = the recorded variables of the tile's state
    cdef Py_ssize_t o
    cdef int var, i
    cdef const double* row
    tile_rates(net, t, t.y)
    for o in range(record.shape[0]):
        var = record[o]
        if var < 2 * net.n_syn:
            row = t.y + var * TILE
        elif var < 2 * net.n_syn + net.n_nodes:
            row = t.m + (var - 2 * net.n_syn) * TILE
        else:
            row = t.v_in + (var - 2 * net.n_syn - net.n_nodes) * TILE
        for i in range(width):
            out[j, o, start + i] = <floating>row[i]


cdef struct TileSize:
    # what a tile takes: doubles (rows of TILE, then the values every lane shares), ints and
    # row pointers
    Py_ssize_t doubles
    Py_ssize_t ints
    Py_ssize_t pointers


cdef inline double* _doubles(double* block, TileSize* size, Py_ssize_t n) noexcept nogil:
    # the next n doubles of block (NULL while only counting)
    cdef double* p = block + size.doubles if block != NULL else NULL
    size.doubles += n
    return p


cdef inline int* _ints(int* ints, TileSize* size, Py_ssize_t n) noexcept nogil:
    cdef int* p = ints + size.ints if ints != NULL else NULL
    size.ints += n
    return p


cdef inline const double** _pointers(const double** source, TileSize* size,
                                     Py_ssize_t n) noexcept nogil:
    cdef const double** p = source + size.pointers if source != NULL else NULL
    size.pointers += n
    return p


cdef TileSize _carve(const Network* net, const Histories* h, NetworkTile* t, double* block,
                     int* ints, const double** source) noexcept nogil:
    # The tile's rows one after another in ``block``, its integers in ``ints``, its row pointers
    # in ``source``, and what they take: the one statement of a tile's memory (with NULLs it
    # only counts, for the allocation).
    cdef int n = net.n_state, n_edges = net.n_edges
    cdef TileSize size
    size.doubles = size.ints = size.pointers = 0
    t.y = _doubles(block, &size, n * TILE)
    t.dy = _doubles(block, &size, n * TILE)
    t.y0 = _doubles(block, &size, n * TILE)
    t.k1 = _doubles(block, &size, n * TILE)
    t.k2 = _doubles(block, &size, n * TILE)
    t.k3 = _doubles(block, &size, n * TILE)
    t.syn_coef = _doubles(block, &size, 3 * net.n_syn * TILE)
    t.term_coef = _doubles(block, &size, net.n_terms * TILE)
    t.rate_abc = _doubles(block, &size, 3 * net.n_nodes * TILE)
    t.in_const = _doubles(block, &size, net.n_in * TILE)
    t.weight = _doubles(block, &size, n_edges * TILE)
    t.rate = _doubles(block, &size, n_edges * TILE)
    t.v_in = _doubles(block, &size, net.n_nodes * TILE)
    t.m = _doubles(block, &size, net.n_nodes * TILE)
    t.ext = _doubles(block, &size, net.n_in * TILE)
    t.inp = _doubles(block, &size, net.n_in * TILE)
    t.delayed = _doubles(block, &size, n_edges * TILE)
    t.chain_last = _doubles(block, &size, n_edges * TILE)
    t.mixed = _doubles(block, &size, n_edges * TILE)
    t.history = _doubles(block, &size, h.rows * TILE)
    t.column_coef = _doubles(block, &size, CSWEEP_COL_ROWS * TILE)
    t.weight_shared = _doubles(block, &size, n_edges)
    t.coef_shared = _doubles(block, &size, 3 * net.n_syn + 3 * net.n_nodes)
    t.order = _ints(ints, &size, n_edges * TILE)
    t.order_max = _ints(ints, &size, n_edges)
    t.uniform = _ints(ints, &size, n_edges)
    t.mixed_edges = _ints(ints, &size, n_edges)
    t.discrete_edges = _ints(ints, &size, n_edges)
    t.shared_start = _ints(ints, &size, net.n_nodes + 1)
    t.shared_pos = _ints(ints, &size, n_edges)
    t.shared_back = _ints(ints, &size, n_edges)
    t.edge_pos = _ints(ints, &size, n_edges)
    t.gamma_edges = _ints(ints, &size, n_edges)
    t.slot = _ints(ints, &size, net.n_nodes)
    t.series_inputs = _ints(ints, &size, net.n_in)
    t.syn_shared = _ints(ints, &size, net.n_syn)
    t.node_shared = _ints(ints, &size, net.n_nodes)
    t.source = _pointers(source, &size, n_edges)
    t.ext_row = _pointers(source, &size, net.n_in)
    t.term_row = _pointers(source, &size, net.n_terms)
    return size


cdef void _lay_out(const Network* net, const Histories* h, const Lists* lists, NetworkTile* t,
                   double* block, int* ints, const double** source) noexcept nogil:
    # The tile's memory as _carve lays it out, and the pointers and counts that start it.
    cdef int i
    t.net = net
    t.lists = lists
    _carve(net, h, t, block, ints, source)
    for i in range(net.n_terms):
        t.term_row[i] = t.term_coef + i * TILE
    t.n_series = 0
    for i in range(net.n_in):
        if net.in_col[i] < 0:       # a constant: read in place each step
            t.ext_row[i] = t.in_const + i * TILE
        else:                       # a series: tile_inputs copies this step's values
            t.ext_row[i] = t.ext + i * TILE
            t.series_inputs[t.n_series] = i
            t.n_series += 1
    for i in range(net.n_nodes):
        t.slot[i] = 0
    t.rates_of_y = 0
    t.fused = 0
    t.history_len = h.node_len
    t.history_offset = h.node_offset


cdef void _edge_rows(const Network* net, NetworkTile* t, const double** source, Py_ssize_t start,
                     Py_ssize_t width) noexcept nogil:
    # Each edge's delay order per lane, whether its lanes share one, and the row it carries.
    cdef int n_edges = net.n_edges, e, i, k, node
    for e in range(n_edges):
        t.order_max[e] = 0
        t.uniform[e] = 1
        for i in range(TILE):
            t.order[e * TILE + i] = net.edge_order[e * net.n_sets + _lane(start, width, i)]
            if net.edge_kind[e] == EDGE_GAMMA:
                t.order_max[e] = max(t.order_max[e], t.order[e * TILE + i])
            if t.order[e * TILE + i] != t.order[e * TILE]:
                t.uniform[e] = 0
    # the row each edge carries: its source's rate; a discrete delay the same in every lane
    # points into the history each step (tile_inputs); other delayed edges their mixed row
    t.n_mixed = 0
    for i in range(n_edges):
        t.edge_pos[t.lists.in_edge[i]] = i
    for e in range(n_edges):
        source[t.edge_pos[e]] = t.m + net.edge_src[e] * TILE
        if net.edge_kind[e] == EDGE_GAMMA or (net.edge_kind[e] == EDGE_DISCRETE
                                              and not t.uniform[e]):
            source[t.edge_pos[e]] = t.mixed + e * TILE
            t.mixed_edges[t.n_mixed] = e
            t.n_mixed += 1
    t.n_gamma = 0
    for e in range(n_edges):
        if net.edge_kind[e] == EDGE_GAMMA:
            t.gamma_edges[t.n_gamma] = e
            t.n_gamma += 1
    # the discrete edges with a delay, shared ones first (tile_inputs)
    t.n_shared = 0
    for e in range(n_edges):
        if net.edge_kind[e] == EDGE_DISCRETE and t.uniform[e] and t.order[e * TILE] > 0:
            t.discrete_edges[t.n_shared] = e
            t.n_shared += 1
    # ... and grouped by source node, with where each one's row is read and how far back
    for node in range(net.n_nodes + 1):
        t.shared_start[node] = 0
    for k in range(t.n_shared):
        t.shared_start[net.edge_src[t.discrete_edges[k]] + 1] += 1
    for node in range(net.n_nodes):
        t.shared_start[node + 1] += t.shared_start[node]
    for k in range(t.n_shared):
        e = t.discrete_edges[k]
        node = net.edge_src[e]
        t.shared_pos[t.shared_start[node]] = t.edge_pos[e]
        t.shared_back[t.shared_start[node]] = t.order[e * TILE] * TILE
        t.shared_start[node] += 1
    for node in range(net.n_nodes, 0, -1):     # back to each group's first
        t.shared_start[node] = t.shared_start[node - 1]
    t.shared_start[0] = 0
    t.n_discrete = t.n_shared
    for e in range(n_edges):
        if net.edge_kind[e] == EDGE_DISCRETE and not t.uniform[e]:
            t.discrete_edges[t.n_discrete] = e
            t.n_discrete += 1


cdef int _network_tile(const Network* net, const Histories* h, const Lists* lists,
                       const ColumnPlan* column, const int[::1] record,
                       floating[:, :, :] out, const double[:, :] y_init, double[:, :] y_final,
                       Py_ssize_t start, Py_ssize_t width, Py_ssize_t every, Py_ssize_t first,
                       Py_ssize_t n_steps, int solver, double dt) noexcept nogil:
    # Integrates sets start..start+width-1 from y_init (or rest) and writes their records and,
    # when y_final has rows, their state after n_steps steps; returns -1 when out of memory.
    cdef int n = net.n_state, n_edges = net.n_edges
    cdef NetworkTile t
    cdef TileSize size = _carve(net, h, &t, NULL, NULL, NULL)
    cdef Py_ssize_t rows = (size.doubles + TILE - 1) // TILE    # whole rows: aligned vectors
    cdef double* block = <double*>csweep_aligned_malloc(rows * TILE * sizeof(double))
    cdef int* ints = <int*>malloc(size.ints * sizeof(int))
    cdef const double** source = <const double**>malloc(   # + 1: no malloc(0) (NULL)
        (size.pointers + 1) * sizeof(double*))
    cdef Py_ssize_t j, step = 0, target
    if block == NULL or ints == NULL or source == NULL:
        csweep_aligned_free(block)
        free(ints)
        free(source)
        return -1
    for j in range(rows * TILE):
        block[j] = 0.0
    _lay_out(net, h, lists, &t, block, ints, source)
    t.euler = solver == EULER
    _copy_rows(net.syn_coef, net.n_sets, 3 * net.n_syn, start, width, t.syn_coef)
    _copy_rows(net.term_coef, net.n_sets, net.n_terms, start, width, t.term_coef)
    _copy_rows(net.rate_abc, net.n_sets, 3 * net.n_nodes, start, width, t.rate_abc)
    _shared_rows(t.syn_coef, net.n_syn, t.coef_shared, t.syn_shared)
    _shared_rows(t.rate_abc, net.n_nodes, t.coef_shared + 3 * net.n_syn, t.node_shared)
    _copy_rows(net.in_const, net.n_sets, net.n_in, start, width, t.in_const)
    _share_equal_rows(t.ext_row, net.n_in, net.in_col)
    _share_equal_rows(t.term_row, net.n_terms, NULL)
    t.shared_weights = 1
    for j in range(n_edges):    # in the input lists' order, as the right-hand side reads them
        _copy_rows(net.edge_weight + lists.in_edge[j] * net.n_sets, net.n_sets, 1, start, width,
                   t.weight + j * TILE)
        t.weight_shared[j] = t.weight[j * TILE]
        t.shared_weights = t.shared_weights and csweep_row_uniform(t.weight + j * TILE)
    _copy_rows(net.edge_rate, net.n_sets, n_edges, start, width, t.rate)
    _edge_rows(net, &t, source, start, width)
    if column != NULL:
        _column_rows(column, &t)
    if y_init.shape[0] > 0:
        _load_tile(net, h, &t, y_init, start, width)
    # one pass per record, and one more to reach n_steps when the final state is wanted
    for j in range(out.shape[0] + (1 if y_final.shape[0] > 0 else 0)):
        target = (first + j) * every if j < out.shape[0] else n_steps
        while step < target:
            tile_inputs(net, &t, step, start, width)
            fixed_step(&t, solver, dt, t.y, t.dy, n * TILE, t.y0, t.k1, t.k2, t.k3)
            step += 1
        if j < out.shape[0]:
            _record(net, &t, record, out, j, start, width)
    if y_final.shape[0] > 0:
        _save_tile(net, h, &t, y_final, start, width, n_steps)
    csweep_aligned_free(block)
    free(ints)
    free(source)
    return 0


def _history_layout(NetworkArrays network):
    """Each node's rate-history length and first row (a node keeps its longest discrete edge's
    ring length), and each edge's ring length in the exchanged state."""
    kind = np.asarray(network.edge_kind)[:network.n_edges]
    offset = np.asarray(network.edge_offset)[:network.n_edges]
    source = np.asarray(network.edge_src)[:network.n_edges]
    n_nodes = network.rate_abc.shape[0] // 3
    edge_len = np.zeros(max(network.n_edges, 1), np.intc)
    discrete = np.flatnonzero(kind == EDGE_DISCRETE)
    # rings are laid out back to back, in edge order
    ends = np.append(offset[discrete][1:], network.n_ring)
    edge_len[discrete] = ends - offset[discrete]
    node_len = np.zeros(n_nodes, np.intc)
    np.maximum.at(node_len, source[discrete], edge_len[discrete])
    node_offset = (np.cumsum(node_len) - node_len).astype(np.intc)
    return node_len, node_offset, edge_len, int(node_len.sum())


def _grouped(keys, n_groups):
    """(start, items): the indices of ``keys`` grouped by key, in their order within a group;
    group k is items[start[k]:start[k+1]]."""
    keys = np.asarray(keys)
    items = np.argsort(keys, kind="stable").astype(np.intc)
    start = np.searchsorted(keys[items], np.arange(n_groups + 1)).astype(np.intc)
    return start, (items if len(items) else np.zeros(1, np.intc))


def _index_lists(NetworkArrays network):
    """Each node's synapses, each input's edges and each synapse's input terms (struct Lists)."""
    n_nodes = network.rate_abc.shape[0] // 3
    n_syn = network.syn_node.shape[0]
    return (*_grouped(np.asarray(network.syn_node), n_nodes),
            *_grouped(np.asarray(network.edge_tgt)[:network.n_edges], network.in_const.shape[0]),
            *_grouped(np.asarray(network.term_syn)[:network.n_terms], n_syn))


def integrate_network(NetworkArrays network, const int[::1] record, floating[:, :, :] out,
                      const double[:, :] y_init, double[:, :] y_final, Py_ssize_t every,
                      Py_ssize_t first, Py_ssize_t n_steps, int solver, double dt,
                      int n_threads):
    """Integrate a network of second-order synapses and sigmoid rates for every parameter set.

    network  IN  the network's arrays (csweep._network.NetworkArrays)
    record   IN  (n_out,)   0..2*n_syn-1: synapse states (v at 2s, x at 2s+1); then the rate m of
                 each node; then each node's summed potential
    out      OUT (n_records, n_out, n_sets)   as for integrate_jrc2
    y_init   IN  (n_state + n_edges + n_ring, n_sets) initial state, or (0, 0): at rest
    y_final  OUT same shape: the state after n_steps steps, or (0, 0): not wanted
    The state holds the synapse and gamma-stage states, each edge's previous chain output
    (Euler's one-step lag) and the discrete delays' rate histories (see network_save_state).
    """
    global _fused_calls
    cdef Network net
    cdef Histories h
    cdef Lists lists
    cdef ColumnPlan plan
    cdef const ColumnPlan* column = NULL
    cdef Py_ssize_t t, n_tiles
    cdef int failed = 0
    bind_network(&net, network)
    node_len, node_offset, edge_len, rows = _history_layout(network)
    cdef const int[::1] node_len_view = node_len
    cdef const int[::1] node_offset_view = node_offset
    cdef const int[::1] edge_len_view = edge_len
    h.node_len = &node_len_view[0]
    h.node_offset = &node_offset_view[0]
    h.edge_len = &edge_len_view[0]
    h.rows = rows
    groups = _index_lists(network)
    cdef const int[::1] node_syn_start = groups[0], node_syn = groups[1]
    cdef const int[::1] in_edge_start = groups[2], in_edge = groups[3]
    cdef const int[::1] syn_term_start = groups[4], syn_term = groups[5]
    lists.node_syn_start = &node_syn_start[0]
    lists.node_syn = &node_syn[0]
    lists.in_edge_start = &in_edge_start[0]
    lists.in_edge = &in_edge[0]
    lists.syn_term_start = &syn_term_start[0]
    lists.syn_term = &syn_term[0]
    if _fuse_columns and _column_plan(&net, &lists, &plan):
        _fused_calls += 1
        column = &plan
    n_tiles = (net.n_sets + TILE - 1) // TILE
    for t in prange(n_tiles, nogil=True, schedule="dynamic", num_threads=n_threads):
        if _network_tile(&net, &h, &lists, column, record, out, y_init, y_final, t * TILE,
                         min(TILE, net.n_sets - t * TILE), every, first, n_steps, solver,
                         dt) != 0:
            failed += 1      # a reduction: every thread's failures reach the check below
    if failed:
        raise MemoryError("csweep: could not allocate a tile of parameter sets' work space")
