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
