"""Networks of second-order synapses and sigmoid rates (JRC, JRC_2delaycoupled, users' variants):
the kernel's arrays (NetworkArrays) and one set's state exchange, shared by the fixed-step tiles
(_network_tiles, built per instruction set) and solver="scipy" (_dopri). Built once.

The network's layout and one set's right-hand side are in _network.pxd (_dopri's); a tile's in
_network_lanes.pxd.
"""

from csweep._network cimport EDGE_DISCRETE, EDGE_GAMMA, EDGE_NONE

#: the kernel's edge kinds, as csweep.models.network builds ``edge_kind``
EDGE_KINDS = {"none": EDGE_NONE, "discrete": EDGE_DISCRETE, "gamma": EDGE_GAMMA}


cdef inline int _ring_length(const Network* net, int e) noexcept nogil:
    # rings are laid out back to back: an edge's ring ends where the next discrete edge's begins
    cdef int f
    for f in range(e + 1, net.n_edges):
        if net.edge_kind[f] == EDGE_DISCRETE:
            return net.edge_offset[f] - net.edge_offset[e]
    return net.n_ring - net.edge_offset[e]


# A set's full state, as initial_state / return_final_state exchange it: y (n_state), each
# edge's previous chain output (n_edges), then the rate-history rings (n_ring), each rotated so
# that the slot of the run's last step + 1 comes first: a run that starts from this state at
# step 0 finds every delayed rate where the longer run would have found it.

cdef void network_load_state(const Network* net, Work* w, const double* column,
                             Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(net.n_state):
        w.y[j] = column[j * stride]
    for j in range(net.n_edges):
        w.chain_last[j] = column[(net.n_state + j) * stride]
    for j in range(net.n_ring):
        w.ring[j] = column[(net.n_state + net.n_edges + j) * stride]


cdef void network_save_state(const Network* net, const Work* w, double* column,
                             Py_ssize_t stride, Py_ssize_t steps) noexcept nogil:
    cdef Py_ssize_t j, k, base, length
    cdef int e
    for j in range(net.n_state):
        column[j * stride] = w.y[j]
    for j in range(net.n_edges):
        column[(net.n_state + j) * stride] = w.chain_last[j]
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_DISCRETE:
            continue
        length = _ring_length(net, e)
        base = net.edge_offset[e]
        for k in range(length):
            column[(net.n_state + net.n_edges + base + k) * stride] = w.ring[
                base + (k + steps) % length]


cdef class NetworkArrays:
    """A network's kernel arrays, laid out as ``struct Network`` describes and built by
    csweep.models.network: every ``(rows, n_sets)`` array holds one value per set in each row; index
    arrays with no entries (no input terms, no edges) hold one unused element, and n_terms /
    n_edges give the real counts. States per set: v, x of each synapse, then the gamma-delay
    stages."""

    def __init__(self, const int[::1] syn_node, const double[:, ::1] syn_coef,
                 const int[::1] term_syn, const int[::1] term_in,
                 const double[:, ::1] term_coef, int n_terms, const double[:, ::1] rate_abc,
                 const double[:, ::1] in_const, const double[:, ::1] series,
                 const int[::1] in_col, const int[::1] in_width, const int[::1] edge_src,
                 const int[::1] edge_tgt, const int[::1] edge_kind,
                 const double[:, ::1] edge_weight, const int[:, ::1] edge_order,
                 const double[:, ::1] edge_rate, const int[::1] edge_offset, int n_edges,
                 int n_chain, int n_ring):
        self.syn_node = syn_node
        self.syn_coef = syn_coef
        self.term_syn = term_syn
        self.term_in = term_in
        self.term_coef = term_coef
        self.n_terms = n_terms
        self.rate_abc = rate_abc
        self.in_const = in_const
        self.series = series
        self.in_col = in_col
        self.in_width = in_width
        self.edge_src = edge_src
        self.edge_tgt = edge_tgt
        self.edge_kind = edge_kind
        self.edge_weight = edge_weight
        self.edge_order = edge_order
        self.edge_rate = edge_rate
        self.edge_offset = edge_offset
        self.n_edges = n_edges
        self.n_chain = n_chain
        self.n_ring = n_ring


cdef void bind_network(Network* net, NetworkArrays a):
    # net's fields point into a's arrays
    net.n_sets = a.syn_coef.shape[1]
    net.n_syn = a.syn_node.shape[0]
    net.n_nodes = a.rate_abc.shape[0] // 3
    net.n_in = a.in_const.shape[0]
    net.n_terms = a.n_terms
    net.n_edges = a.n_edges
    net.n_chain = a.n_chain
    net.n_ring = a.n_ring
    net.n_state = 2 * net.n_syn + a.n_chain
    net.syn_node = &a.syn_node[0]
    net.syn_coef = &a.syn_coef[0, 0]
    net.term_syn = &a.term_syn[0]
    net.term_in = &a.term_in[0]
    net.term_coef = &a.term_coef[0, 0]
    net.rate_abc = &a.rate_abc[0, 0]
    net.in_const = &a.in_const[0, 0]
    net.series = &a.series[0, 0]
    net.series_rows = a.series.shape[0]
    net.series_cols = a.series.shape[1]
    net.in_col = &a.in_col[0]
    net.in_width = &a.in_width[0]
    net.edge_src = &a.edge_src[0]
    net.edge_tgt = &a.edge_tgt[0]
    net.edge_kind = &a.edge_kind[0]
    net.edge_weight = &a.edge_weight[0, 0]
    net.edge_order = &a.edge_order[0, 0]
    net.edge_rate = &a.edge_rate[0, 0]
    net.edge_offset = &a.edge_offset[0]
