# Networks of second-order synapses and sigmoid rates (JRC, JRC_2delaycoupled, users' variants):
# the kernel's view of a network (Network, built from NetworkArrays by bind_network), one set's
# work space (Work) and one set's right-hand side, used by _dopri (solver="scipy"); the
# fixed-step tiles (_network_tiles) compute the same, lane by lane, in _network_lanes.pxd.

from cython cimport floating

from csweep._common cimport csweep_sigmoid

cdef enum:
    # numbered as csweep.models.network reads them (_network.EDGE_KINDS)
    EDGE_NONE = 0       # the source's current rate
    EDGE_DISCRETE = 1   # the source's rate edge_order steps ago (ring buffer)
    EDGE_GAMMA = 2      # the last of edge_order first-order stages of rate edge_rate


cdef struct Network:
    # Pointers into C-contiguous arrays; (rows, n_sets) arrays hold one value per set in each row.
    Py_ssize_t n_sets
    int n_syn, n_nodes, n_in, n_terms, n_edges, n_chain, n_ring, n_state
    const int* syn_node          # (n_syn,) node of each synapse
    const double* syn_coef       # (3*n_syn, n_sets) a_v, a_x, a_0 of dx/dt per synapse
    const int* term_syn          # (n_terms,) synapse of each input term
    const int* term_in           # (n_terms,) input variable of each input term
    const double* term_coef      # (n_terms, n_sets) coefficient of that input in dx/dt
    const double* rate_abc       # (3*n_nodes, n_sets) A, B, C of m = A/(1+exp(-B(v-C)))
    const double* in_const       # (n_in, n_sets) input value when no series drives it
    const double* series         # (series_rows, series_cols) input series, row k at step k
    Py_ssize_t series_rows, series_cols
    const int* in_col            # (n_in,) first column of the input's series, or -1
    const int* in_width          # (n_in,) 1 (shared) or n_sets (one column per set)
    const int* edge_src          # (n_edges,) source node
    const int* edge_tgt          # (n_edges,) target input variable
    const int* edge_kind         # (n_edges,) EDGE_NONE, EDGE_DISCRETE or EDGE_GAMMA
    const double* edge_weight    # (n_edges, n_sets)
    const int* edge_order        # (n_edges, n_sets) delay in steps, or number of gamma stages
    const double* edge_rate      # (n_edges, n_sets) rate of the gamma stages (1/s)
    const int* edge_offset       # (n_edges,) first chain state or ring slot of the edge


cdef struct Work:
    # One set's scratch space: its state y (and buffers the caller may use), then per-node,
    # per-input and per-edge values.
    double* y
    double* dy
    double* y0
    double* k1
    double* k2
    double* k3
    double* v_in        # (n_nodes,) summed synaptic potential
    double* m           # (n_nodes,) rate
    double* ext         # (n_in,) input values of this step before edges
    double* inp         # (n_in,) input values including edges
    double* delayed     # (n_edges,) delayed rates held over this step
    double* chain_last  # (n_edges,) each gamma chain's output at the previous step (Euler)
    double* ring        # (n_ring,)
    int euler           # Euler reads gamma chains one step late, as PyRates 1.2.3 does


cdef class NetworkArrays:
    cdef const int[::1] syn_node
    cdef const double[:, ::1] syn_coef
    cdef const int[::1] term_syn
    cdef const int[::1] term_in
    cdef const double[:, ::1] term_coef
    cdef int n_terms
    cdef const double[:, ::1] rate_abc
    cdef const double[:, ::1] in_const
    cdef const double[:, ::1] series
    cdef const int[::1] in_col
    cdef const int[::1] in_width
    cdef const int[::1] edge_src
    cdef const int[::1] edge_tgt
    cdef const int[::1] edge_kind
    cdef const double[:, ::1] edge_weight
    cdef const int[:, ::1] edge_order
    cdef const double[:, ::1] edge_rate
    cdef const int[::1] edge_offset
    cdef int n_edges
    cdef int n_chain
    cdef int n_ring


cdef void bind_network(Network* net, NetworkArrays a)
cdef void network_load_state(const Network* net, Work* w, const double* column,
                             Py_ssize_t stride) noexcept nogil
cdef void network_save_state(const Network* net, const Work* w, double* column,
                             Py_ssize_t stride, Py_ssize_t steps) noexcept nogil


cdef inline void network_rates(const Network* net, Py_ssize_t i, const double* y, double* v_in,
                               double* m) noexcept nogil:
    cdef int s, node
    for node in range(net.n_nodes):
        v_in[node] = 0.0
    for s in range(net.n_syn):
        v_in[net.syn_node[s]] += y[2 * s]
    for node in range(net.n_nodes):
        m[node] = net.rate_abc[(3 * node) * net.n_sets + i] * csweep_sigmoid(
            net.rate_abc[(3 * node + 1) * net.n_sets + i]
            * (v_in[node] - net.rate_abc[(3 * node + 2) * net.n_sets + i]))


cdef inline void network_rhs(const Network* net, Py_ssize_t i, const double* y, double* dy,
                             Work* w) noexcept nogil:
    # dy = f(y) for set i, with this step's inputs w.ext and delayed rates w.delayed
    cdef int s, t, e, j, n, base
    cdef double source, k, prev, z
    cdef Py_ssize_t row
    network_rates(net, i, y, w.v_in, w.m)
    for j in range(net.n_in):
        w.inp[j] = w.ext[j]
    for e in range(net.n_edges):
        row = e * net.n_sets + i
        n = net.edge_order[row]
        if net.edge_kind[e] == EDGE_GAMMA and n > 0:
            source = w.delayed[e] if w.euler else y[2 * net.n_syn + net.edge_offset[e] + n - 1]
        elif net.edge_kind[e] == EDGE_DISCRETE and n > 0:
            source = w.delayed[e]
        else:
            source = w.m[net.edge_src[e]]
        w.inp[net.edge_tgt[e]] += net.edge_weight[row] * source
    for s in range(net.n_syn):
        dy[2 * s] = y[2 * s + 1]
        dy[2 * s + 1] = (net.syn_coef[(3 * s) * net.n_sets + i] * y[2 * s]
                         + net.syn_coef[(3 * s + 1) * net.n_sets + i] * y[2 * s + 1]
                         + net.syn_coef[(3 * s + 2) * net.n_sets + i])
    for t in range(net.n_terms):
        dy[2 * net.term_syn[t] + 1] += net.term_coef[t * net.n_sets + i] * w.inp[net.term_in[t]]
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_GAMMA:
            continue
        row = e * net.n_sets + i
        n = net.edge_order[row]
        k = net.edge_rate[row]
        base = 2 * net.n_syn + net.edge_offset[e]
        prev = w.m[net.edge_src[e]]
        for j in range(n):
            z = y[base + j]
            dy[base + j] = k * (prev - z)
            prev = z


cdef inline void network_record(const Network* net, Py_ssize_t i, Work* w, const double* y,
                                const int[::1] record, floating[:, :, :] out,
                                Py_ssize_t j) noexcept nogil:
    # out[j, :, i] = the recorded variables of state y
    cdef Py_ssize_t o
    cdef int var
    cdef double value
    network_rates(net, i, y, w.v_in, w.m)
    for o in range(record.shape[0]):
        var = record[o]
        if var < 2 * net.n_syn:
            value = y[var]
        elif var < 2 * net.n_syn + net.n_nodes:
            value = w.m[var - 2 * net.n_syn]
        else:
            value = w.v_in[var - 2 * net.n_syn - net.n_nodes]
        out[j, o, i] = <floating>value


cdef inline void network_work(const Network* net, Work* w, double* rest) noexcept nogil:
    # points w's per-node, per-input and per-edge values into rest
    w.v_in = rest
    w.m = w.v_in + net.n_nodes
    w.ext = w.m + net.n_nodes
    w.inp = w.ext + net.n_in
    w.delayed = w.inp + net.n_in
    w.chain_last = w.delayed + net.n_edges
    w.ring = w.chain_last + net.n_edges


cdef inline Py_ssize_t network_work_size(const Network* net) noexcept nogil:
    # doubles network_work uses
    return 2 * net.n_nodes + 2 * net.n_in + 2 * net.n_edges + net.n_ring + 1
