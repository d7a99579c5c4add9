"""solver="scipy": an adaptive Dormand-Prince 5(4) integrator per parameter set, for the JRC2
column and for networks (one compiled stepper per model, over the fused Problem type).

Built once, with the baseline flags. The models' right-hand sides come from _jrc2.pxd and
_network.pxd, the same code the fixed-step kernels inline.
"""

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, NAN, fabs, isfinite, nextafter, pow, sqrt
from libc.stdlib cimport free, malloc

from csweep._jrc2 cimport B_K, B_M, B_SIZE, B_U, B_Y, N_COEF, N_STATES, TILE, jrc2_lane, jrc2_rate
from csweep._network cimport (Network, NetworkArrays, Work, bind_network, network_load_state,
                              network_record, network_rhs, network_save_state, network_work,
                              network_work_size)

cdef extern from *:
    ctypedef double* restrict_double "double *__restrict__"

# The tableaus of method="RK23" (Bogacki-Shampine 3(2)) and method="DOP853" (Hairer's 8(5,3)
# pair of Dormand and Prince): the published coefficients, as the doubles scipy.integrate
# holds them (its RK23 class and dop853_coefficients module)
cdef extern from *:
    """
    static const double DOP853_C[12] = {0.0, 0.05260015195876773, 0.0789002279381516,
        0.1183503419072274, 0.2816496580927726, 0.3333333333333333, 0.25, 0.3076923076923077,
        0.6512820512820513, 0.6, 0.8571428571428571, 1.0};
    static const double DOP853_A[12][12] = {{0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0},
        {0.05260015195876773, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
        {0.0197250569845379, 0.0591751709536137, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
        {0.02958758547680685, 0.0, 0.08876275643042054, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0},
        {0.2413651341592667, 0.0, -0.8845494793282861, 0.924834003261792, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0},
        {0.037037037037037035, 0.0, 0.0, 0.17082860872947386, 0.12546768756682242, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0},
        {0.037109375, 0.0, 0.0, 0.17025221101954405, 0.06021653898045596, -0.017578125, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0},
        {0.03709200011850479, 0.0, 0.0, 0.17038392571223998, 0.10726203044637328,
        -0.015319437748624402, 0.008273789163814023, 0.0, 0.0, 0.0, 0.0, 0.0},
        {0.6241109587160757, 0.0, 0.0, -3.3608926294469414, -0.868219346841726, 27.59209969944671,
        20.154067550477894, -43.48988418106996, 0.0, 0.0, 0.0, 0.0},
        {0.47766253643826434, 0.0, 0.0, -2.4881146199716677, -0.590290826836843, 21.230051448181193,
        15.279233632882423, -33.28821096898486, -0.020331201708508627, 0.0, 0.0, 0.0},
        {-0.9371424300859873, 0.0, 0.0, 5.186372428844064, 1.0914373489967295, -8.149787010746927,
        -18.52006565999696, 22.739487099350505, 2.4936055526796523, -3.0467644718982196, 0.0, 0.0},
        {2.273310147516538, 0.0, 0.0, -10.53449546673725, -2.0008720582248625, -17.9589318631188,
        27.94888452941996, -2.8589982771350235, -8.87285693353063, 12.360567175794303,
        0.6433927460157636, 0.0}};
    static const double DOP853_B[12] = {0.054293734116568765, 0.0, 0.0, 0.0, 0.0, 4.450312892752409,
        1.8915178993145003, -5.801203960010585, 0.3111643669578199, -0.1521609496625161,
        0.20136540080403034, 0.04471061572777259};
    static const double DOP853_E3[13] = {-0.18980075407240762, 0.0, 0.0, 0.0, 0.0,
        4.450312892752409, 1.8915178993145003, -5.801203960010585, -0.4226823213237919,
        -0.1521609496625161, 0.20136540080403034, 0.02265179219836082, 0.0};
    static const double DOP853_E5[13] = {0.01312004499419488, 0.0, 0.0, 0.0, 0.0,
        -1.2251564463762044, -0.4957589496572502, 1.6643771824549864, -0.35032884874997366,
        0.3341791187130175, 0.08192320648511571, -0.022355307863886294, 0.0};
    static const double RK23_C[3] = {0.0, 0.5, 0.75};
    static const double RK23_A[3][3] = {{0.0, 0.0, 0.0},
        {0.5, 0.0, 0.0},
        {0.0, 0.75, 0.0}};
    static const double RK23_B[3] = {0.2222222222222222, 0.3333333333333333, 0.4444444444444444};
    static const double RK23_E[4] = {0.06944444444444445, -0.08333333333333333, -0.1111111111111111,
        0.125};
    """
    const double DOP853_C[12]
    const double DOP853_A[12][12]
    const double DOP853_B[12]
    const double DOP853_E3[13]
    const double DOP853_E5[13]
    const double RK23_C[3]
    const double RK23_A[3][3]
    const double RK23_B[3]
    const double RK23_E[4]

cdef enum:
    RK45_OK = 0
    RK45_STEP_UNDERFLOW = 1     # the step needed fell below 10 ulp of the time
    RK45_NOT_FINITE = 2         # the state or its error estimate became NaN or infinite

RK45_STATUS = {RK45_OK: "ok", RK45_STEP_UNDERFLOW: "step size underflow",
               RK45_NOT_FINITE: "the state became NaN or infinite"}

cdef enum:
    METHOD_RK45 = 0
    METHOD_DOP853 = 1
    METHOD_RK23 = 2

#: the method names the entry points take -> their codes
METHODS = {"RK45": METHOD_RK45, "DOP853": METHOD_DOP853, "RK23": METHOD_RK23}

cdef struct Series:
    # One column of an input series: row k at time k * spacing, linear in between
    const double* first     # the column's row 0
    Py_ssize_t stride       # doubles from one row to the next
    Py_ssize_t rows


cdef inline double _interpolated(const Series* x, double t, double spacing) noexcept nogil:
    # the series at time t, held beyond its last row
    cdef Py_ssize_t k
    cdef double a
    if x.rows == 1:
        return x.first[0]
    a = t / spacing
    if a <= 0:
        return x.first[0]
    k = <Py_ssize_t>a
    if k >= x.rows - 1:
        return x.first[(x.rows - 1) * x.stride]
    return x.first[k * x.stride] + (a - k) * (x.first[(k + 1) * x.stride] - x.first[k * x.stride])


cdef inline Series _column(const double[:, :] series, Py_ssize_t column) noexcept nogil:
    cdef Series x
    x.first = &series[0, column]
    x.stride = series.strides[0] // sizeof(double)
    x.rows = series.shape[0]
    return x


# A set's right-hand side: what it needs besides t and y. spacing is the input rows' (s).

cdef struct Jrc2Context:
    double* b               # a tile block whose lane 0 holds the set's coefficients
    Series u, m_in
    double spacing


cdef struct NetworkContext:
    const Network* net
    Py_ssize_t i
    Work* w
    double spacing


cdef inline void _jrc2_rk45_rhs(Jrc2Context* c, double t, const double* y,
                                double* dy) noexcept nogil:
    cdef int s
    for s in range(N_STATES):
        c.b[B_Y + s * TILE] = y[s]
    c.b[B_U] = _interpolated(&c.u, t, c.spacing)
    c.b[B_M] = _interpolated(&c.m_in, t, c.spacing)
    jrc2_lane(c.b, 0, dy, 1)


cdef inline void _network_rk45_rhs(NetworkContext* c, double t, const double* y,
                                   double* dy) noexcept nogil:
    # the inputs interpolated at t; gamma chains read from the state (w.euler is 0); no
    # discrete delays (integrate_network_rk45 refuses them)
    cdef const Network* net = c.net
    cdef Series x
    cdef int j
    x.stride = net.series_cols
    x.rows = net.series_rows
    for j in range(net.n_in):
        if net.in_col[j] < 0:
            c.w.ext[j] = net.in_const[j * net.n_sets + c.i]
        else:
            x.first = net.series + net.in_col[j] + (c.i if net.in_width[j] > 1 else 0)
            c.w.ext[j] = _interpolated(&x, t, c.spacing)
    network_rhs(net, c.i, y, dy, c.w)


# The models the stepper integrates: one compiled stepper per model, so that the right-hand
# side is a direct call the compiler can inline and JRC2's 8 states are a constant (unrolled,
# vectorised stages)
ctypedef fused Problem:
    Jrc2Context
    NetworkContext


cdef inline void _rhs(Problem* c, double t, const double* y, double* dy) noexcept nogil:
    if Problem is Jrc2Context:
        _jrc2_rk45_rhs(c, t, y, dy)
    else:
        _network_rk45_rhs(c, t, y, dy)


cdef struct Dopri:
    # One set's embedded Runge-Kutta integration in progress, stepped by _dopri_advance:
    # Dormand-Prince 5(4) (RK45), Hairer's 8(5,3) (DOP853) or Bogacki-Shampine 3(2) (RK23).
    # Step-size control as scipy.integrate's (Hairer, Norsett & Wanner): the new step is
    # the old times 0.9 * error^exponent (the safety factor), kept within [0.2, 10], with
    # exponent -1/5, -1/8 and -1/3 (minus one over the error estimator's order plus one).
    int n                   # states
    int method              # METHOD_RK45, METHOD_DOP853 or METHOD_RK23
    int last                # the stage holding f(t + h, y_new), which becomes the next k1
    double exponent
    double t                # the time of y
    double h                # the next step to try
    double rtol, atol
    Py_ssize_t rows         # input rows (1: constant inputs, no row to land on)
    Py_ssize_t row          # the next row ahead of t
    long long accepted, rejected
    bint rejected_last
    double* y               # (n,) the state at t
    double* k               # (13 * n,) the stages (RK45: 7, RK23: 4); k[:n] is f(t, y)
    double* w               # (n,) a stage's state, then the step's result
    double* err             # (n,) the step's error estimate (RK45)

cdef enum:
    DOPRI_BUFFERS = 16      # y, up to 13 stages, w, err: 16 * n doubles per set


cdef void _dopri_start(Dopri* d, Problem* c, int n, double* buffers, double rtol, double atol,
                       double first_step, Py_ssize_t rows, int method) noexcept nogil:
    # d at t = 0, its state y = buffers[:n] as the caller filled it, k1 = f(0, y); buffers
    # holds DOPRI_BUFFERS * n doubles; rows is the input series' (c.spacing apart)
    d.n = n
    d.method = method
    d.last = 12 if method == METHOD_DOP853 else (3 if method == METHOD_RK23 else 6)
    d.exponent = -1.0 / 8 if method == METHOD_DOP853 else (-1.0 / 3 if method == METHOD_RK23
                                                           else -0.2)
    d.rtol = rtol
    d.atol = atol
    d.rows = rows
    d.y = buffers
    d.k = buffers + n
    d.w = buffers + 14 * n
    d.err = buffers + 15 * n
    d.t = 0
    d.h = first_step
    d.row = 1
    d.accepted = 0
    d.rejected = 0
    d.rejected_last = False
    _rhs(c, 0.0, d.y, d.k)


cdef inline double _scaled_rms(const double* e, const double* y0, const double* y1, int n,
                               double rtol, double atol) noexcept nogil:
    # sqrt(mean((e / (atol + rtol * max(|y0|, |y1|)))^2)), the error norm of scipy's RK45
    cdef double total = 0, scale, a, c
    cdef int s
    for s in range(n):
        a = fabs(y0[s])
        c = fabs(y1[s])
        scale = atol + rtol * (a if a > c else c)
        total += (e[s] / scale) * (e[s] / scale)
    return sqrt(total / n)


cdef inline double _dopri_trial(Dopri* d, Problem* c, double t, double step) noexcept nogil:
    # One Dormand-Prince 5(4) trial step of size step from (t, d.y): its result in d.w, the
    # stages in d.k (k7 = f(t + step, d.w)), and its scaled error norm returned
    cdef int n = N_STATES if Problem is Jrc2Context else d.n
    cdef int s
    # the state, stage state and stages are disjoint stretches of one buffer: restrict lets the
    # compiler keep them in registers and vectorise the stage sums
    cdef restrict_double y = d.y
    cdef restrict_double w = d.w
    cdef restrict_double k1 = d.k
    cdef restrict_double k2 = d.k + n
    cdef restrict_double k3 = d.k + 2 * n
    cdef restrict_double k4 = d.k + 3 * n
    cdef restrict_double k5 = d.k + 4 * n
    cdef restrict_double k6 = d.k + 5 * n
    cdef restrict_double k7 = d.k + 6 * n
    cdef restrict_double err = d.err
    # the Dormand-Prince tableau; each coefficient is a constant the compiler folds, so a
    # stage multiplies (scipy's RK45 also multiplies by the rounded coefficients)
    for s in range(n):
        w[s] = y[s] + step * ((1.0 / 5) * k1[s])
    _rhs(c, t + step * (1.0 / 5), w, k2)
    for s in range(n):
        w[s] = y[s] + step * ((3.0 / 40) * k1[s] + (9.0 / 40) * k2[s])
    _rhs(c, t + step * (3.0 / 10), w, k3)
    for s in range(n):
        w[s] = y[s] + step * ((44.0 / 45) * k1[s] - (56.0 / 15) * k2[s] + (32.0 / 9) * k3[s])
    _rhs(c, t + step * (4.0 / 5), w, k4)
    for s in range(n):
        w[s] = y[s] + step * ((19372.0 / 6561) * k1[s] - (25360.0 / 2187) * k2[s]
                              + (64448.0 / 6561) * k3[s] - (212.0 / 729) * k4[s])
    _rhs(c, t + step * (8.0 / 9), w, k5)
    for s in range(n):
        w[s] = y[s] + step * ((9017.0 / 3168) * k1[s] - (355.0 / 33) * k2[s]
                              + (46732.0 / 5247) * k3[s] + (49.0 / 176) * k4[s]
                              - (5103.0 / 18656) * k5[s])
    _rhs(c, t + step, w, k6)
    for s in range(n):          # the fifth-order solution
        w[s] = y[s] + step * ((35.0 / 384) * k1[s] + (500.0 / 1113) * k3[s]
                              + (125.0 / 192) * k4[s] - (2187.0 / 6784) * k5[s]
                              + (11.0 / 84) * k6[s])
    _rhs(c, t + step, w, k7)
    for s in range(n):          # minus the embedded fourth-order one
        err[s] = step * ((-71.0 / 57600) * k1[s] + (71.0 / 16695) * k3[s]
                         - (71.0 / 1920) * k4[s] + (17253.0 / 339200) * k5[s]
                         - (22.0 / 525) * k6[s] + (1.0 / 40) * k7[s])
    return _scaled_rms(err, y, w, n, d.rtol, d.atol)


cdef inline double _stage_sum(const double* k, const double* coefficients, int stages, int n,
                              int s) noexcept nogil:
    # sum_j coefficients[j] * k_j[s] over the stages with a coefficient
    cdef double total = 0
    cdef int j
    for j in range(stages):
        if coefficients[j] != 0:
            total += coefficients[j] * k[j * n + s]
    return total


cdef double _dop853_trial(Dopri* d, Problem* c, double t, double step) noexcept nogil:
    # One step of Hairer's 8(5,3) pair (scipy.integrate.DOP853's rk_step): the result in d.w,
    # the 12 stages and f(t + step, d.w) in d.k, and scipy's error norm returned, the fifth-
    # and third-order estimates combined: |h| * e5^2 / sqrt((e5^2 + 0.01 * e3^2) * n)
    cdef int n = N_STATES if Problem is Jrc2Context else d.n
    cdef int s, stage
    cdef double* k = d.k
    cdef double e5, e3, scale, a, b, sum5 = 0, sum3 = 0
    for stage in range(1, 12):
        for s in range(n):
            d.w[s] = d.y[s] + step * _stage_sum(k, &DOP853_A[stage][0], stage, n, s)
        _rhs(c, t + DOP853_C[stage] * step, d.w, k + stage * n)
    for s in range(n):
        d.w[s] = d.y[s] + step * _stage_sum(k, DOP853_B, 12, n, s)
    _rhs(c, t + step, d.w, k + 12 * n)
    for s in range(n):
        e5 = _stage_sum(k, DOP853_E5, 13, n, s)
        e3 = _stage_sum(k, DOP853_E3, 13, n, s)
        a = fabs(d.y[s])
        b = fabs(d.w[s])
        scale = d.atol + d.rtol * (a if a > b else b)
        sum5 += (e5 / scale) * (e5 / scale)
        sum3 += (e3 / scale) * (e3 / scale)
    if sum5 == 0 and sum3 == 0:
        return 0.0
    return fabs(step) * sum5 / sqrt((sum5 + 0.01 * sum3) * n)


cdef double _rk23_trial(Dopri* d, Problem* c, double t, double step) noexcept nogil:
    # One Bogacki-Shampine 3(2) step (scipy.integrate.RK23's): the result in d.w, the stages
    # and f(t + step, d.w) in d.k, and the RMS error norm of step * sum_j E_j k_j returned
    cdef int n = N_STATES if Problem is Jrc2Context else d.n
    cdef int s, stage
    cdef double* k = d.k
    for stage in range(1, 3):
        for s in range(n):
            d.w[s] = d.y[s] + step * _stage_sum(k, &RK23_A[stage][0], stage, n, s)
        _rhs(c, t + RK23_C[stage] * step, d.w, k + stage * n)
    for s in range(n):
        d.w[s] = d.y[s] + step * _stage_sum(k, RK23_B, 3, n, s)
    _rhs(c, t + step, d.w, k + 3 * n)
    for s in range(n):
        d.err[s] = step * _stage_sum(k, RK23_E, 4, n, s)
    return _scaled_rms(d.err, d.y, d.w, n, d.rtol, d.atol)


cdef int _dopri_advance(Dopri* d, Problem* c, double target) noexcept nogil:
    # Steps d from d.t to target, landing on it and, on the way, on every input row: between
    # rows the interpolated input is linear, so no step straddles a kink, where the error
    # estimate would fail and steps be rejected. Returns an RK45_* status.
    cdef int n = N_STATES if Problem is Jrc2Context else d.n
    cdef int s
    cdef restrict_double y = d.y
    cdef restrict_double w = d.w
    cdef restrict_double k1 = d.k
    cdef restrict_double k7 = d.k + d.last * n     # f(t + h, y_new): the next step's k1
    # d's fields in locals for the loop: the right-hand side's stores to its double arrays
    # would otherwise make the compiler reload them
    cdef double t = d.t, h = d.h, spacing = c.spacing
    cdef Py_ssize_t row = d.row, last_row = d.rows - 1
    cdef int status = RK45_OK
    cdef double stop, step, norm, factor
    cdef bint clipped
    while t < target:
        stop = target
        if row < last_row and row * spacing < stop:      # the last row ends the kinks
            stop = row * spacing
        step = h
        # a step that would end within 10 ulp of the stop ends on it (else rounding could leave
        # a step too small to take)
        clipped = t + step >= stop - 10 * (nextafter(stop, INFINITY) - stop)
        if clipped:
            step = stop - t
        if step < 10 * (nextafter(t, INFINITY) - t):
            status = RK45_STEP_UNDERFLOW
            break
        if d.method == METHOD_RK45:
            norm = _dopri_trial(d, c, t, step)
        elif d.method == METHOD_DOP853:
            norm = _dop853_trial(d, c, t, step)
        else:
            norm = _rk23_trial(d, c, t, step)
        if not isfinite(norm):
            status = RK45_NOT_FINITE
            break
        if norm < 1:
            factor = 10.0 if norm == 0 else 0.9 * pow(norm, d.exponent)
            if factor > 10.0:
                factor = 10.0
            if d.rejected_last and factor > 1:
                factor = 1
            # a step shortened to land on a stop does not shorten the next one
            h = step * factor if not clipped or step * factor > h else h
            t = stop if clipped else t + step
            while row < last_row and row * spacing <= t:
                row += 1
            for s in range(n):
                y[s] = w[s]
                k1[s] = k7[s]
            d.accepted += 1
            d.rejected_last = False
        else:
            factor = 0.9 * pow(norm, d.exponent)
            h = step * (factor if factor > 0.2 else 0.2)
            d.rejected += 1
            d.rejected_last = True
    d.t = t
    d.h = h
    d.row = row
    return status


cdef void _fail_records(floating[:, :, :] out, Py_ssize_t j, Py_ssize_t i, double* y,
                        int n) noexcept nogil:
    # a failed set: its remaining records and its final state are NaN
    cdef Py_ssize_t o
    cdef int s
    while j < out.shape[0]:
        for o in range(out.shape[1]):
            out[j, o, i] = <floating>NAN
        j += 1
    for s in range(n):
        y[s] = NAN


cdef void _dopri_finish(Dopri* d, Problem* c, int status, floating[:, :, :] out, Py_ssize_t i,
                        bint to_end, double t_end, long long[:, ::1] stats) noexcept nogil:
    # After the records: steps on to t_end when to_end (and nothing failed), fills a failed
    # set's records and state with NaN and reports set i's counts and status
    if to_end and status == RK45_OK:
        status = _dopri_advance(d, c, t_end)
        if status != RK45_OK:
            _fail_records(out, out.shape[0], i, d.y, d.n)
    stats[i, 0] = d.accepted
    stats[i, 1] = d.rejected
    stats[i, 2] = status


cdef void _jrc2_rk45_set(const double[:, :] coefficients, const double[:, :] u,
                         const double[:, :] m_in, const int[::1] record, floating[:, :, :] out,
                         const double[:, :] y_init, double[:, :] y_final,
                         const double[::1] times, double t_end, double spacing, double rtol,
                         double atol, double first_step, long long[:, ::1] stats,
                         Py_ssize_t i, int method) noexcept nogil:
    # Integrates set i, recording at each of times; on failure the remaining records and the
    # final state are NaN.
    cdef double b[B_SIZE]
    cdef double buffers[DOPRI_BUFFERS * N_STATES]
    cdef Jrc2Context context
    cdef Dopri d
    cdef int status = RK45_OK, s, o, var
    cdef Py_ssize_t j
    for s in range(B_SIZE):
        b[s] = 0
    for s in range(N_COEF):
        b[B_K + s * TILE] = coefficients[s, i]
    context.b = b
    context.u = _column(u, i if u.shape[1] > 1 else 0)
    context.m_in = _column(m_in, i if m_in.shape[1] > 1 else 0)
    context.spacing = spacing
    for s in range(N_STATES):
        buffers[s] = y_init[s, i] if y_init.shape[0] > 0 else 0.0
    _dopri_start(&d, &context, N_STATES, buffers, rtol, atol, first_step,
                 u.shape[0] if u.shape[0] > m_in.shape[0] else m_in.shape[0], method)
    for j in range(times.shape[0]):
        status = _dopri_advance(&d, &context, times[j])
        if status != RK45_OK:
            _fail_records(out, j, i, d.y, N_STATES)
            break
        for s in range(N_STATES):
            b[B_Y + s * TILE] = d.y[s]
        for o in range(record.shape[0]):
            var = record[o]
            out[j, o, i] = <floating>(d.y[var] if var < N_STATES else jrc2_rate(b, 0))
    _dopri_finish(&d, &context, status, out, i, y_final.shape[0] > 0, t_end, stats)
    if y_final.shape[0] > 0:
        for s in range(N_STATES):
            y_final[s, i] = d.y[s]


def integrate_jrc2_rk45(const double[:, :] coefficients, const double[:, :] u,
                        const double[:, :] m_in, const int[::1] record, floating[:, :, :] out,
                        const double[:, :] y_init, double[:, :] y_final,
                        const double[::1] times, double t_end, double spacing, double rtol,
                        double atol, double first_step, long long[:, ::1] stats,
                        int n_threads, str method="RK45"):
    """Integrate every JRC2 parameter set with its own adaptive steps of ``method`` (a key of
    METHODS: Dormand-Prince 5(4) by default).

    coefficients  IN  (N_COEF, n_sets) one row per name in JRC2_COEFFICIENTS, derived from the
                      parameters by the caller (csweep.models.jrc2_column.adaptive_coefficients)
    record, out, y_init, y_final  as for integrate_jrc2
    u, m_in  IN  (1 or n_rows, 1 or n_sets): row k is the input at time k * spacing, linearly
                 interpolated in between (PyRates' rule for solver="scipy"); steps end on rows
    times    IN  (n_records,) increasing record times (s); out[j] is the state at times[j]
    t_end    end of the run (s), reached when y_final has rows
    rtol, atol   tolerances of the error control (scipy.integrate.RK45's norm)
    first_step   the first step tried (s)
    stats    OUT (n_sets, 3): accepted steps, rejected steps, status (RK45_STATUS)
    """
    # chunks of up to 16 sets: neighbouring sets share cache lines of ``out``, which one thread
    # then writes (steps vary per set, hence dynamic)
    cdef Py_ssize_t i
    cdef Py_ssize_t n_sets = coefficients.shape[1]
    cdef Py_ssize_t chunk = max(1, min(16, n_sets // max(1, n_threads)))
    cdef int code = _method_code(method)
    if coefficients.shape[0] != N_COEF:
        raise ValueError(f"coefficients must have {N_COEF} rows (JRC2_COEFFICIENTS); received "
                         f"{coefficients.shape[0]}")
    if not first_step > 0:
        raise ValueError(f"first_step must be positive; received {first_step}")
    for i in prange(n_sets, nogil=True, schedule="dynamic", chunksize=chunk,
                    num_threads=n_threads):
        _jrc2_rk45_set(coefficients, u, m_in, record, out, y_init, y_final, times, t_end,
                       spacing, rtol, atol, first_step, stats, i, code)


cdef int _network_rk45_set(const Network* net, Py_ssize_t i, const int[::1] record,
                           floating[:, :, :] out, const double[:, :] y_init,
                           double[:, :] y_final, const double[::1] times, double t_end,
                           double spacing, double rtol, double atol, double first_step,
                           long long[:, ::1] stats, int method) noexcept nogil:
    # Integrates set i as _jrc2_rk45_set does; returns -1 when out of memory.
    cdef int n = net.n_state, status = RK45_OK
    cdef Py_ssize_t size = DOPRI_BUFFERS * n + network_work_size(net), j
    cdef double* block = <double*>malloc(size * sizeof(double))
    cdef Work w
    cdef NetworkContext context
    cdef Dopri d
    if block == NULL:
        return -1
    for j in range(size):
        block[j] = 0.0
    w.y = block                 # the Dopri state, where network_load_state puts it
    network_work(net, &w, block + DOPRI_BUFFERS * n)
    w.euler = 0
    if y_init.shape[0] > 0:
        network_load_state(net, &w, &y_init[0, i], y_init.strides[0] // sizeof(double))
    context.net = net
    context.i = i
    context.w = &w
    context.spacing = spacing
    _dopri_start(&d, &context, n, block, rtol, atol, first_step, net.series_rows, method)
    for j in range(times.shape[0]):
        status = _dopri_advance(&d, &context, times[j])
        if status != RK45_OK:
            _fail_records(out, j, i, d.y, n)
            break
        network_record(net, i, &w, d.y, record, out, j)
    _dopri_finish(&d, &context, status, out, i, y_final.shape[0] > 0, t_end, stats)
    if y_final.shape[0] > 0:
        network_save_state(net, &w, &y_final[0, i], y_final.strides[0] // sizeof(double), 0)
    free(block)
    return 0


def integrate_network_rk45(NetworkArrays network, const int[::1] record,
                           floating[:, :, :] out, const double[:, :] y_init,
                           double[:, :] y_final, const double[::1] times, double t_end,
                           double spacing, double rtol, double atol, double first_step,
                           long long[:, ::1] stats, int n_threads, str method="RK45"):
    """Integrate every network parameter set with its own adaptive steps of ``method`` (a key
    of METHODS: Dormand-Prince 5(4) by default).

    network, record, out, y_init and y_final are integrate_network's; the series' rows are
    placed k * spacing apart and interpolated linearly; times .. stats are integrate_jrc2_rk45's.
    Discrete delays (n_ring > 0) are refused: their step-indexed rate histories have no meaning
    between adaptive steps.
    """
    cdef Network net
    cdef Py_ssize_t i
    cdef int failed = 0
    cdef int code = _method_code(method)
    if network.n_ring != 0:
        raise ValueError("solver='scipy' cannot integrate discrete edge delays")
    if not first_step > 0:
        raise ValueError(f"first_step must be positive; received {first_step}")
    bind_network(&net, network)
    for i in prange(net.n_sets, nogil=True, schedule="dynamic", chunksize=1,
                    num_threads=n_threads):
        if _network_rk45_set(&net, i, record, out, y_init, y_final, times, t_end, spacing,
                             rtol, atol, first_step, stats, code) != 0:
            failed += 1
    if failed:
        raise MemoryError("csweep: could not allocate a parameter set's work space")


def _method_code(str method):
    try:
        return METHODS[method]
    except KeyError:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; received {method!r}") from None
