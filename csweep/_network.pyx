"""Networks of second-order synapses and sigmoid rates (JRC, JRC_2delaycoupled, users' variants):
fixed-step integration of every parameter set, one set per OpenMP iteration.

Built once, with the baseline flags (only the JRC2 tiles of _integrate gain from wider vectors).
The network's layout and right-hand side are in _network.pxd (shared with _dopri); the solvers
in _fixed_step.pxd (shared with _integrate).
"""

from cython cimport floating
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc

from csweep._common cimport EULER
from csweep._fixed_step cimport NetworkSet, fixed_step
from csweep._network cimport (EDGE_DISCRETE, EDGE_GAMMA, EDGE_NONE, N_BUFFERS, network_rates,
                              network_record, network_work, network_work_size)

#: the kernel's edge kinds, as csweep.network builds ``edge_kind``
EDGE_KINDS = {"none": EDGE_NONE, "discrete": EDGE_DISCRETE, "gamma": EDGE_GAMMA}


cdef void _network_inputs(const Network* net, Py_ssize_t i, Py_ssize_t step,
                          Work* w) noexcept nogil:
    # This step's input values and delayed rates, held over the step.
    cdef int j, e, d, length, n
    cdef Py_ssize_t slot
    for j in range(net.n_in):
        if net.in_col[j] < 0:
            w.ext[j] = net.in_const[j * net.n_sets + i]
        else:
            w.ext[j] = net.series[step * net.series_cols + net.in_col[j]
                                  + (i if net.in_width[j] > 1 else 0)]
    if w.euler:
        # Euler: a gamma chain's output reaches its target one step later (PyRates' order of
        # evaluation, which csweep keeps so that Euler results agree with PyRates')
        for e in range(net.n_edges):
            n = net.edge_order[e * net.n_sets + i]
            if net.edge_kind[e] == EDGE_GAMMA and n > 0:
                w.delayed[e] = w.chain_last[e]
                w.chain_last[e] = w.y[2 * net.n_syn + net.edge_offset[e] + n - 1]
    if net.n_ring == 0:
        return
    network_rates(net, i, w.y, w.v_in, w.m)
    for e in range(net.n_edges):
        if net.edge_kind[e] != EDGE_DISCRETE:
            continue
        # the ring of edge e holds the source's rate of the last `length` steps
        length = _ring_length(net, e)
        d = net.edge_order[e * net.n_sets + i]
        slot = step % length
        w.ring[net.edge_offset[e] + slot] = w.m[net.edge_src[e]]
        w.delayed[e] = w.ring[net.edge_offset[e] + (slot - d + length) % length]


cdef inline int _ring_length(const Network* net, int e) noexcept nogil:
    # rings are laid out back to back: an edge's ring ends where the next discrete edge's begins
    cdef int f
    for f in range(e + 1, net.n_edges):
        if net.edge_kind[f] == EDGE_DISCRETE:
            return net.edge_offset[f] - net.edge_offset[e]
    return net.n_ring - net.edge_offset[e]


cdef inline Py_ssize_t _network_advance(const Network* net, Py_ssize_t i, Work* w,
                                        Py_ssize_t step, Py_ssize_t target, int solver,
                                        double dt) noexcept nogil:
    # Steps set i from `step` to `target` and returns target.
    cdef NetworkSet model
    model.net = net
    model.i = i
    model.w = w
    while step < target:
        _network_inputs(net, i, step, w)
        fixed_step(&model, solver, dt, w.y, w.dy, net.n_state, w.y0, w.k1, w.k2, w.k3)
        step += 1
    return step


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


cdef int _network_set(const Network* net, Py_ssize_t i, const int[::1] record,
                      floating[:, :, :] out, const double[:, :] y_init, double[:, :] y_final,
                      Py_ssize_t every, Py_ssize_t first, Py_ssize_t n_steps, int solver,
                      double dt) noexcept nogil:
    # Integrates set i from y_init (or rest) and writes its records and, when y_final has rows,
    # its state after n_steps steps; returns -1 when out of memory.
    cdef int n = net.n_state
    cdef Py_ssize_t size = N_BUFFERS * n + network_work_size(net)
    cdef double* block = <double*>malloc(size * sizeof(double))
    cdef Work w
    cdef Py_ssize_t j, step = 0, j0
    if block == NULL:
        return -1
    for j0 in range(size):
        block[j0] = 0.0
    w.y = block
    w.dy = block + n
    w.y0 = block + 2 * n
    w.k1 = block + 3 * n
    w.k2 = block + 4 * n
    w.k3 = block + 5 * n
    network_work(net, &w, block + N_BUFFERS * n)
    w.euler = solver == EULER
    if y_init.shape[0] > 0:
        network_load_state(net, &w, &y_init[0, i], y_init.strides[0] // sizeof(double))
    for j in range(out.shape[0]):
        step = _network_advance(net, i, &w, step, (first + j) * every, solver, dt)
        network_record(net, i, &w, w.y, record, out, j)
    if y_final.shape[0] > 0:
        step = _network_advance(net, i, &w, step, n_steps, solver, dt)
        network_save_state(net, &w, &y_final[0, i], y_final.strides[0] // sizeof(double),
                           n_steps)
    free(block)
    return 0


cdef class NetworkArrays:
    """A network's kernel arrays, laid out as ``struct Network`` describes and built by
    csweep.network: every ``(rows, n_sets)`` array holds one value per set in each row; index
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


def integrate_network(NetworkArrays network, const int[::1] record, floating[:, :, :] out,
                      const double[:, :] y_init, double[:, :] y_final, Py_ssize_t every,
                      Py_ssize_t first, Py_ssize_t n_steps, int solver, double dt,
                      int n_threads):
    """Integrate a network of second-order synapses and sigmoid rates for every parameter set.

    network  IN  the network's arrays (NetworkArrays)

    record   IN  (n_out,)   0..2*n_syn-1: synapse states (v at 2s, x at 2s+1); then the rate m of
                 each node; then each node's summed potential
    out      OUT (n_records, n_out, n_sets)   as for integrate_jrc2
    y_init   IN  (n_state + n_edges + n_ring, n_sets) initial state, or (0, 0): at rest
    y_final  OUT same shape: the state after n_steps steps, or (0, 0): not wanted
    The state holds the synapse and gamma-stage states, each edge's previous chain output
    (Euler's one-step lag) and the discrete delays' rate histories (see network_save_state).
    """
    cdef Network net
    cdef Py_ssize_t i
    cdef int failed = 0
    bind_network(&net, network)
    for i in prange(net.n_sets, nogil=True, schedule="dynamic", chunksize=4,
                    num_threads=n_threads):
        if _network_set(&net, i, record, out, y_init, y_final, every, first, n_steps, solver,
                        dt) != 0:
            failed += 1      # a reduction: every thread's failures reach the check below
    if failed:
        raise MemoryError("csweep: could not allocate a parameter set's work space")
