"""csweep's compiled kernel: fixed-step integration of many Jansen-Rit parameter sets at once.

Only arithmetic lives here. Python (csweep.sweep) validates every argument, allocates every array
and explains errors; the kernel trusts what it receives (``dt > 0``, positive time constants,
shapes as documented) because bounds checks and zero-division checks are compiled out.

Layout: parameter sets are stepped in tiles of ``TILE`` sets held in local arrays, structure of
arrays (state variable major, set minor), so the compiler can vectorise each step across the tile.
OpenMP distributes tiles over threads; each tile is independent and there is no shared
accumulator, so results do not depend on the number of threads.
"""

from cython.parallel cimport prange
from cython cimport floating

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #ifdef _OPENMP
    #include <omp.h>
    static int csweep_openmp_enabled(void) { return 1; }
    static int csweep_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int csweep_openmp_enabled(void) { return 0; }
    static int csweep_max_threads(void) { return 1; }
    #endif

    /* exp(x) for |x| <= 708 without libm, so that loops calling it vectorise (plain IEEE
       arithmetic, no -ffast-math): x = k*ln2 + r with |r| <= ln2/2, exp(r) by its Taylor
       polynomial of degree 13 (truncation below 5e-18), 2^k assembled in the exponent bits.
       Rounding to the nearest integer uses the 1.5*2^52 shift, which needs no SSE4.1. */
    static inline double csweep_exp(double x) {
        const double shift = 6755399441055744.0;
        double kd = x * 1.4426950408889634 + shift;
        uint64_t ki;
        memcpy(&ki, &kd, 8);
        double k = kd - shift;
        double r = x - k * 6.93147180369123816490e-01;
        r = r - k * 1.90821492927058770002e-10;
        double p = 1.6059043836821613e-10;
        p = p * r + 2.08767569878681e-09;
        p = p * r + 2.505210838544172e-08;
        p = p * r + 2.755731922398589e-07;
        p = p * r + 2.7557319223985893e-06;
        p = p * r + 2.4801587301587302e-05;
        p = p * r + 1.9841269841269841e-04;
        p = p * r + 1.3888888888888889e-03;
        p = p * r + 8.3333333333333332e-03;
        p = p * r + 4.1666666666666664e-02;
        p = p * r + 1.6666666666666666e-01;
        p = p * r + 0.5;
        p = p * r + 1.0;
        p = p * r + 1.0;
        uint64_t bits = (ki << 52) + 0x3ff0000000000000ull;
        double scale;
        memcpy(&scale, &bits, 8);
        return p * scale;
    }

    /* 1 / (1 + exp(-x)); the argument is clamped so that no finite input overflows, and a NaN
       passes through as NaN (so a blown-up set stays visibly blown up). */
    static inline double csweep_sigmoid(double x) {
        x = x < -700.0 ? -700.0 : x;
        x = x > 700.0 ? 700.0 : x;
        return 1.0 / (1.0 + csweep_exp(-x));
    }
    """
    int csweep_openmp_enabled() noexcept nogil
    int csweep_max_threads() noexcept nogil
    double csweep_exp(double x) noexcept nogil
    double csweep_sigmoid(double x) noexcept nogil


cdef enum:
    TILE = 16           # parameter sets stepped together by one thread
    N_STATES = 8
    N_PARAMS = 10
    N_RECORDABLE = 9    # the 8 states, then the firing rate m

# Row order of the ``params`` argument, state order and recordable order of the JRC2 kernel.
# csweep.lumped reads these names: they are the one definition of the layout.
JRC2_PARAMETERS = ("h_e", "tau_e", "h_i", "tau_i", "m_max", "r", "V_thr", "c", "ei_ratio",
                   "io_ratio")
JRC2_INPUTS = ("u", "m_in")
JRC2_STATES = ("V_ein", "X_ein", "V_iin", "X_iin", "V_e", "X_e", "V_i", "X_i")
JRC2_RECORDABLE = JRC2_STATES + ("m",)
SOLVERS = {"euler": 0, "heun": 1, "rk4": 2}


def openmp_enabled():
    """True when this build of csweep runs parameter sets on several threads (OpenMP)."""
    return bool(csweep_openmp_enabled())


def max_threads():
    """The number of threads OpenMP would use by default (1 without OpenMP)."""
    return csweep_max_threads()


def exp(double x):
    """The kernel's own exp, exposed so that tests can hold its accuracy against libm."""
    return csweep_exp(x)


cdef struct Jrc2Coefficients:
    # derived once per tile from the parameters, so that a step only multiplies and adds
    double k_ein[TILE]     # h_e*c/tau_e: drive of X_ein by m
    double k_iin[TILE]     # h_e*c/(ei_ratio*tau_e): drive of X_iin by m
    double k_e[TILE]       # h_e/tau_e: drive of X_e by its summed input
    double k_ec[TILE]      # c*0.8*m_max: excitatory interneurons -> pyramidal cells
    double k_min[TILE]     # c/io_ratio: weight of m_in
    double k_i[TILE]       # h_i*c/(ei_ratio*tau_i)*m_max: drive of X_i
    double e2[TILE]        # 1/tau_e^2
    double e1[TILE]        # 2/tau_e
    double i2[TILE]        # 1/tau_i^2
    double i1[TILE]        # 2/tau_i
    double m_max[TILE]
    double r[TILE]
    double v_thr[TILE]


cdef void _jrc2_coefficients(const double[:, ::1] params, Py_ssize_t start, Py_ssize_t n,
                             Jrc2Coefficients* k) noexcept nogil:
    # Lanes past n (a partial last tile) repeat the tile's first set; they are never recorded.
    cdef Py_ssize_t i, s
    cdef double h_e, tau_e, h_i, tau_i, m_max, c, ei, io
    for i in range(TILE):
        s = start + (i if i < n else 0)
        h_e = params[0, s]
        tau_e = params[1, s]
        h_i = params[2, s]
        tau_i = params[3, s]
        m_max = params[4, s]
        c = params[7, s]
        ei = params[8, s]
        io = params[9, s]
        k.k_ein[i] = h_e * c / tau_e
        k.k_iin[i] = h_e * c / (ei * tau_e)
        k.k_e[i] = h_e / tau_e
        k.k_ec[i] = c * 0.8 * m_max
        k.k_min[i] = c / io
        k.k_i[i] = h_i * c / (ei * tau_i) * m_max
        k.e2[i] = 1.0 / (tau_e * tau_e)
        k.e1[i] = 2.0 / tau_e
        k.i2[i] = 1.0 / (tau_i * tau_i)
        k.i1[i] = 2.0 / tau_i
        k.m_max[i] = m_max
        k.r[i] = params[5, s]
        k.v_thr[i] = params[6, s]


cdef inline void _jrc2_rhs(const double* y, double* dy, const Jrc2Coefficients* k,
                           const double* u, const double* m_in) noexcept nogil:
    # y, dy: (N_STATES, TILE) state and derivative; u, m_in: (TILE,) inputs of this step
    cdef int i
    cdef double m
    for i in range(TILE):
        m = k.m_max[i] * csweep_sigmoid(k.r[i] * (y[4 * TILE + i] - y[6 * TILE + i] - k.v_thr[i]))
        dy[0 * TILE + i] = y[1 * TILE + i]
        dy[1 * TILE + i] = k.k_ein[i] * m - y[0 * TILE + i] * k.e2[i] - y[1 * TILE + i] * k.e1[i]
        dy[2 * TILE + i] = y[3 * TILE + i]
        dy[3 * TILE + i] = k.k_iin[i] * m - y[2 * TILE + i] * k.e2[i] - y[3 * TILE + i] * k.e1[i]
        dy[4 * TILE + i] = y[5 * TILE + i]
        dy[5 * TILE + i] = (k.k_e[i] * (k.k_ec[i] * csweep_sigmoid(k.r[i] * (y[0 * TILE + i] - k.v_thr[i]))
                                        + k.k_min[i] * m_in[i] + u[i])
                            - y[4 * TILE + i] * k.e2[i] - y[5 * TILE + i] * k.e1[i])
        dy[6 * TILE + i] = y[7 * TILE + i]
        dy[7 * TILE + i] = (k.k_i[i] * csweep_sigmoid(k.r[i] * (y[2 * TILE + i] - k.v_thr[i]))
                            - y[6 * TILE + i] * k.i2[i] - y[7 * TILE + i] * k.i1[i])


cdef inline void _axpy(double* out, const double* y, double a, const double* x) noexcept nogil:
    # out = y + a*x over one tile's states
    cdef int j
    for j in range(N_STATES * TILE):
        out[j] = y[j] + a * x[j]


cdef inline void _jrc2_step(int solver, double dt, double* y, double* k1, double* k2, double* k3,
                            double* k4, double* tmp, const Jrc2Coefficients* k,
                            const double* u, const double* m_in) noexcept nogil:
    # One step of the chosen solver; the input is held constant over the step.
    cdef int j
    _jrc2_rhs(y, k1, k, u, m_in)
    if solver == 0:        # Euler
        _axpy(y, y, dt, k1)
    elif solver == 1:      # Heun's method (explicit trapezoid)
        _axpy(tmp, y, dt, k1)
        _jrc2_rhs(tmp, k2, k, u, m_in)
        for j in range(N_STATES * TILE):
            y[j] = y[j] + 0.5 * dt * (k1[j] + k2[j])
    else:                  # classic fourth-order Runge-Kutta
        _axpy(tmp, y, 0.5 * dt, k1)
        _jrc2_rhs(tmp, k2, k, u, m_in)
        _axpy(tmp, y, 0.5 * dt, k2)
        _jrc2_rhs(tmp, k3, k, u, m_in)
        _axpy(tmp, y, dt, k3)
        _jrc2_rhs(tmp, k4, k, u, m_in)
        for j in range(N_STATES * TILE):
            y[j] = y[j] + dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j])


cdef inline void _load_input(const double[:, ::1] series, Py_ssize_t step, Py_ssize_t start,
                             Py_ssize_t n, double* dest) noexcept nogil:
    # series: (1 or n_steps rows, 1 or n_sets columns); a single row or column is broadcast
    cdef Py_ssize_t row = step if series.shape[0] > 1 else 0
    cdef Py_ssize_t i
    if series.shape[1] == 1:
        for i in range(TILE):
            dest[i] = series[row, 0]
    else:
        for i in range(TILE):
            dest[i] = series[row, start + (i if i < n else 0)]


cdef void _jrc2_tile(const double[:, ::1] params, const double[:, ::1] u,
                     const double[:, ::1] m_in, const int[::1] record, floating[:, ::1] out,
                     Py_ssize_t start, Py_ssize_t n, Py_ssize_t every, Py_ssize_t first,
                     int solver, double dt) noexcept nogil:
    # Integrates sets start .. start+n-1 from rest and writes their recorded samples.
    cdef double y[N_STATES * TILE]
    cdef double k1[N_STATES * TILE]
    cdef double k2[N_STATES * TILE]
    cdef double k3[N_STATES * TILE]
    cdef double k4[N_STATES * TILE]
    cdef double tmp[N_STATES * TILE]
    cdef double u_now[TILE]
    cdef double m_in_now[TILE]
    cdef Jrc2Coefficients k
    cdef Py_ssize_t n_sets = params.shape[1]
    cdef Py_ssize_t j, i, o, step = 0, target
    cdef int var
    for j in range(N_STATES * TILE):
        y[j] = 0.0
    _jrc2_coefficients(params, start, n, &k)
    for j in range(out.shape[0]):
        target = (first + j) * every
        while step < target:
            _load_input(u, step, start, n, u_now)
            _load_input(m_in, step, start, n, m_in_now)
            _jrc2_step(solver, dt, y, k1, k2, k3, k4, tmp, &k, u_now, m_in_now)
            step += 1
        for o in range(record.shape[0]):
            var = record[o]
            for i in range(n):
                if var < N_STATES:
                    out[j, o * n_sets + start + i] = <floating>y[var * TILE + i]
                else:  # the pyramidal firing rate m, from the state before the step
                    out[j, o * n_sets + start + i] = <floating>(k.m_max[i] * csweep_sigmoid(
                        k.r[i] * (y[4 * TILE + i] - y[6 * TILE + i] - k.v_thr[i])))


def integrate_jrc2(const double[:, ::1] params, const double[:, ::1] u,
                   const double[:, ::1] m_in, const int[::1] record, floating[:, ::1] out,
                   Py_ssize_t every, Py_ssize_t first, int solver, double dt, int n_threads):
    """Integrate the lumped Jansen-Rit model (JRC2) for every parameter set.

    params   IN  (N_PARAMS, n_sets)   one row per name in JRC2_PARAMETERS
    u        IN  (1 or n_steps, 1 or n_sets)   extrinsic input; one row or column is broadcast
    m_in     IN  (1 or n_steps, 1 or n_sets)   input from other columns, same convention
    record   IN  (n_out,)   indices into JRC2_RECORDABLE, in output order
    out      OUT (n_records, n_out * n_sets)   out[j, o*n_sets + s] = variable record[o] of set s
                 at step (first + j) * every, i.e. the state before that step
    every    steps between records; first: index of the first record kept
    solver   SOLVERS value; dt: step size (> 0); n_threads: OpenMP threads (>= 1)
    """
    cdef Py_ssize_t n_sets = params.shape[1]
    cdef Py_ssize_t n_tiles = (n_sets + TILE - 1) // TILE
    cdef Py_ssize_t t
    for t in prange(n_tiles, nogil=True, schedule="dynamic", num_threads=n_threads):
        _jrc2_tile(params, u, m_in, record, out, t * TILE, min(TILE, n_sets - t * TILE),
                   every, first, solver, dt)


# ------------------------------------------------------------------------------------------------
# Networks of second-order synapses and sigmoid rates (JRC, JRC_2delaycoupled, users' variants)
# ------------------------------------------------------------------------------------------------

from libc.stdlib cimport malloc, free

cdef enum:
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
    Py_ssize_t series_cols
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
    # One set's scratch space: 6 state-sized buffers, then per-node, per-input and per-edge values.
    double* y
    double* k1
    double* k2
    double* k3
    double* k4
    double* tmp
    double* v_in        # (n_nodes,) summed synaptic potential
    double* m           # (n_nodes,) rate
    double* ext         # (n_in,) input values of this step before edges
    double* inp         # (n_in,) input values including edges
    double* delayed     # (n_edges,) delayed rates held over this step
    double* chain_last  # (n_edges,) each gamma chain's output at the previous step (Euler)
    double* ring        # (n_ring,)
    int euler           # Euler reads gamma chains one step late, as PyRates 1.2.3 does


cdef void _network_rates(const Network* net, Py_ssize_t i, const double* y, double* v_in,
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


cdef void _network_rhs(const Network* net, Py_ssize_t i, const double* y, double* dy,
                       Work* w) noexcept nogil:
    cdef int s, t, e, j, n, base
    cdef double source, k, prev, z
    cdef Py_ssize_t row
    _network_rates(net, i, y, w.v_in, w.m)
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


cdef void _network_step(const Network* net, Py_ssize_t i, int solver, double dt,
                        Work* w) noexcept nogil:
    cdef int j
    cdef int n = net.n_state
    _network_rhs(net, i, w.y, w.k1, w)
    if solver == 0:
        for j in range(n):
            w.y[j] = w.y[j] + dt * w.k1[j]
    elif solver == 1:
        for j in range(n):
            w.tmp[j] = w.y[j] + dt * w.k1[j]
        _network_rhs(net, i, w.tmp, w.k2, w)
        for j in range(n):
            w.y[j] = w.y[j] + 0.5 * dt * (w.k1[j] + w.k2[j])
    else:
        for j in range(n):
            w.tmp[j] = w.y[j] + 0.5 * dt * w.k1[j]
        _network_rhs(net, i, w.tmp, w.k2, w)
        for j in range(n):
            w.tmp[j] = w.y[j] + 0.5 * dt * w.k2[j]
        _network_rhs(net, i, w.tmp, w.k3, w)
        for j in range(n):
            w.tmp[j] = w.y[j] + dt * w.k3[j]
        _network_rhs(net, i, w.tmp, w.k4, w)
        for j in range(n):
            w.y[j] = w.y[j] + dt / 6.0 * (w.k1[j] + 2.0 * w.k2[j] + 2.0 * w.k3[j] + w.k4[j])


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
    _network_rates(net, i, w.y, w.v_in, w.m)
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


cdef int _network_set(const Network* net, Py_ssize_t i, const int[::1] record,
                      floating[:, ::1] out, Py_ssize_t every, Py_ssize_t first, int solver,
                      double dt) noexcept nogil:
    # Integrates set i from rest and writes its records; returns -1 when out of memory.
    cdef int n = net.n_state
    cdef Py_ssize_t size = (6 * n + 2 * net.n_nodes + 2 * net.n_in + 2 * net.n_edges + net.n_ring
                            + 1)
    cdef double* block = <double*>malloc(size * sizeof(double))
    cdef Work w
    cdef Py_ssize_t j, o, step = 0, target, j0
    cdef int var
    cdef double value
    if block == NULL:
        return -1
    for j0 in range(size):
        block[j0] = 0.0
    w.y = block
    w.k1 = block + n
    w.k2 = block + 2 * n
    w.k3 = block + 3 * n
    w.k4 = block + 4 * n
    w.tmp = block + 5 * n
    w.v_in = block + 6 * n
    w.m = w.v_in + net.n_nodes
    w.ext = w.m + net.n_nodes
    w.inp = w.ext + net.n_in
    w.delayed = w.inp + net.n_in
    w.chain_last = w.delayed + net.n_edges
    w.ring = w.chain_last + net.n_edges
    w.euler = solver == 0
    for j in range(out.shape[0]):
        target = (first + j) * every
        while step < target:
            _network_inputs(net, i, step, &w)
            _network_step(net, i, solver, dt, &w)
            step += 1
        _network_rates(net, i, w.y, w.v_in, w.m)
        for o in range(record.shape[0]):
            var = record[o]
            if var < 2 * net.n_syn:
                value = w.y[var]
            elif var < 2 * net.n_syn + net.n_nodes:
                value = w.m[var - 2 * net.n_syn]
            else:
                value = w.v_in[var - 2 * net.n_syn - net.n_nodes]
            out[j, o * net.n_sets + i] = <floating>value
    free(block)
    return 0


def integrate_network(const int[::1] syn_node, const double[:, ::1] syn_coef,
                      const int[::1] term_syn, const int[::1] term_in,
                      const double[:, ::1] term_coef, int n_terms,
                      const double[:, ::1] rate_abc, const double[:, ::1] in_const,
                      const double[:, ::1] series, const int[::1] in_col,
                      const int[::1] in_width, const int[::1] edge_src,
                      const int[::1] edge_tgt, const int[::1] edge_kind,
                      const double[:, ::1] edge_weight, const int[:, ::1] edge_order,
                      const double[:, ::1] edge_rate, const int[::1] edge_offset, int n_edges,
                      int n_chain, int n_ring, const int[::1] record, floating[:, ::1] out,
                      Py_ssize_t every, Py_ssize_t first, int solver, double dt, int n_threads):
    """Integrate a network of second-order synapses and sigmoid rates for every parameter set.

    Every ``(rows, n_sets)`` argument is IN and holds one value per set in each row; the layout
    of each is described in ``struct Network`` above and built by csweep.network. Index arrays
    with no entries (no input terms, no edges) hold one unused element, and n_terms / n_edges
    give the real counts. States per set: v, x of each synapse, then the gamma-delay stages.

    record   IN  (n_out,)   0..2*n_syn-1: synapse states (v at 2s, x at 2s+1); then the rate m of
                 each node; then each node's summed potential
    out      OUT (n_records, n_out * n_sets)   as for integrate_jrc2
    """
    cdef Network net
    cdef Py_ssize_t i
    cdef int failed = 0
    net.n_sets = syn_coef.shape[1]
    net.n_syn = syn_node.shape[0]
    net.n_nodes = rate_abc.shape[0] // 3
    net.n_in = in_const.shape[0]
    net.n_terms = n_terms
    net.n_edges = n_edges
    net.n_chain = n_chain
    net.n_ring = n_ring
    net.n_state = 2 * net.n_syn + n_chain
    net.syn_node = &syn_node[0]
    net.syn_coef = &syn_coef[0, 0]
    net.term_syn = &term_syn[0]
    net.term_in = &term_in[0]
    net.term_coef = &term_coef[0, 0]
    net.rate_abc = &rate_abc[0, 0]
    net.in_const = &in_const[0, 0]
    net.series = &series[0, 0]
    net.series_cols = series.shape[1]
    net.in_col = &in_col[0]
    net.in_width = &in_width[0]
    net.edge_src = &edge_src[0]
    net.edge_tgt = &edge_tgt[0]
    net.edge_kind = &edge_kind[0]
    net.edge_weight = &edge_weight[0, 0]
    net.edge_order = &edge_order[0, 0]
    net.edge_rate = &edge_rate[0, 0]
    net.edge_offset = &edge_offset[0]
    for i in prange(net.n_sets, nogil=True, schedule="dynamic", chunksize=4,
                    num_threads=n_threads):
        if _network_set(&net, i, record, out, every, first, solver, dt) != 0:
            failed = 1
    if failed:
        raise MemoryError("csweep: could not allocate a parameter set's work space")
