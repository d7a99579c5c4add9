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

    /* What the CPU running us has (to pick a build), and what this build uses. */
    static int csweep_cpu_has_avx2(void) {
    #if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    #else
        return 0;
    #endif
    }
    static int csweep_cpu_has_avx512(void) {
    #if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd");
    #else
        return 0;
    #endif
    }
    #ifdef __AVX512F__
    static const char *csweep_simd = "avx512";
    #elif defined(__AVX2__)
    static const char *csweep_simd = "avx2";
    #elif defined(__SSE2__) || defined(_M_X64)
    static const char *csweep_simd = "sse2";
    #else
    static const char *csweep_simd = "none";
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

    /* The same for float, |x| <= 87: Taylor polynomial of degree 7 (truncation below 6e-9). */
    static inline float csweep_expf(float x) {
        const float shift = 12582912.0f;
        float kf = x * 1.44269504088896341f + shift;
        uint32_t ki;
        memcpy(&ki, &kf, 4);
        float k = kf - shift;
        float r = x - k * 0.693145751953125f;
        r = r - k * 1.428606765330187045e-06f;
        float p = 1.98412698e-4f;
        p = p * r + 1.38888889e-3f;
        p = p * r + 8.33333333e-3f;
        p = p * r + 4.16666667e-2f;
        p = p * r + 1.66666667e-1f;
        p = p * r + 0.5f;
        p = p * r + 1.0f;
        p = p * r + 1.0f;
        uint32_t bits = (ki << 23) + 0x3f800000u;
        float scale;
        memcpy(&scale, &bits, 4);
        return p * scale;
    }

    static inline float csweep_sigmoidf(float x) {
        x = x < -80.0f ? -80.0f : x;
        x = x > 80.0f ? 80.0f : x;
        return 1.0f / (1.0f + csweep_expf(-x));
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
    int csweep_cpu_has_avx2() noexcept nogil
    int csweep_cpu_has_avx512() noexcept nogil
    const char* csweep_simd
    int csweep_max_threads() noexcept nogil
    double csweep_exp(double x) noexcept nogil
    double csweep_sigmoid(double x) noexcept nogil
    float csweep_expf(float x) noexcept nogil
    float csweep_sigmoidf(float x) noexcept nogil


cdef enum:
    TILE = 8            # parameter sets stepped together by one thread (two AVX2 vectors)
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


def cpu_has_avx2():
    """True when the CPU this process runs on has AVX2."""
    return bool(csweep_cpu_has_avx2())


def cpu_has_avx512():
    """True when the CPU this process runs on has the AVX-512 subsets the avx512 build uses."""
    return bool(csweep_cpu_has_avx512())


def simd():
    """The vector instruction set this build of the kernel was compiled for."""
    return csweep_simd.decode()


def exp(double x):
    """The kernel's own exp, exposed so that tests can hold its accuracy against libm."""
    return csweep_exp(x)


def expf(float x):
    """The kernel's single-precision exp (compute_precision="float32"), for the same tests."""
    return csweep_expf(x)


ctypedef fused real:
    # the arithmetic of a JRC2 tile: double by default, float with compute_precision="float32"
    float
    double

cdef enum:
    # rows of a tile's coefficient block, each TILE wide, derived once per tile from the
    # parameters so that a step only multiplies and adds
    K_EIN = 0           # h_e*c/tau_e: drive of X_ein by m
    K_IIN = 1           # h_e*c/(ei_ratio*tau_e): drive of X_iin by m
    K_E = 2             # h_e/tau_e: drive of X_e by its summed input
    K_EC = 3            # c*0.8*m_max: excitatory interneurons -> pyramidal cells
    K_MIN = 4           # c/io_ratio: weight of m_in
    K_I = 5             # h_i*c/(ei_ratio*tau_i)*m_max: drive of X_i
    K_E2 = 6            # 1/tau_e^2
    K_E1 = 7            # 2/tau_e
    K_I2 = 8            # 1/tau_i^2
    K_I1 = 9            # 2/tau_i
    K_MMAX = 10
    K_R = 11
    K_VTHR = 12
    N_COEF = 13

#: the coefficient rows' names, in row order (solver="scipy" takes them derived by Python)
JRC2_COEFFICIENTS = ("K_EIN", "K_IIN", "K_E", "K_EC", "K_MIN", "K_I", "K_E2", "K_E1", "K_I2",
                     "K_I1", "K_MMAX", "K_R", "K_VTHR")


cdef inline real _sigmoid(real x) noexcept nogil:
    if real is float:
        return csweep_sigmoidf(x)
    else:
        return csweep_sigmoid(x)


cdef void _jrc2_coefficients(const double[:, :] params, Py_ssize_t start, Py_ssize_t n,
                             real* k) noexcept nogil:
    # k: OUT (N_COEF, TILE). Derived in double, then rounded to the tile's precision.
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
        k[K_EIN * TILE + i] = <real>(h_e * c / tau_e)
        k[K_IIN * TILE + i] = <real>(h_e * c / (ei * tau_e))
        k[K_E * TILE + i] = <real>(h_e / tau_e)
        k[K_EC * TILE + i] = <real>(c * 0.8 * m_max)
        k[K_MIN * TILE + i] = <real>(c / io)
        k[K_I * TILE + i] = <real>(h_i * c / (ei * tau_i) * m_max)
        k[K_E2 * TILE + i] = <real>(1.0 / (tau_e * tau_e))
        k[K_E1 * TILE + i] = <real>(2.0 / tau_e)
        k[K_I2 * TILE + i] = <real>(1.0 / (tau_i * tau_i))
        k[K_I1 * TILE + i] = <real>(2.0 / tau_i)
        k[K_MMAX * TILE + i] = <real>m_max
        k[K_R * TILE + i] = <real>params[5, s]
        k[K_VTHR * TILE + i] = <real>params[6, s]


cdef enum:
    # A tile's working block: every value a step reads or writes, at fixed offsets from one
    # pointer, so the compiler can prove that the derivative stores never overlap the state,
    # coefficient and input loads, and vectorises the step across the tile.
    B_Y = 0                                  # (N_STATES, TILE) the state the rhs reads
    B_DY = N_STATES * TILE                   # (N_STATES, TILE) the derivative it writes
    B_K = 2 * N_STATES * TILE                # (N_COEF, TILE) coefficients
    B_U = 2 * N_STATES * TILE + N_COEF * TILE    # (TILE,) input u of this step
    B_M = B_U + TILE                         # (TILE,) input m_in of this step
    B_SIZE = B_M + TILE


cdef inline real _rate(const real* b, int i) noexcept nogil:
    # the pyramidal firing rate m of lane i, from the block's state
    return b[B_K + K_MMAX * TILE + i] * _sigmoid(
        b[B_K + K_R * TILE + i] * (b[B_Y + 4 * TILE + i] - b[B_Y + 6 * TILE + i]
                                   - b[B_K + K_VTHR * TILE + i]))


cdef inline void _jrc2_lane(real* b, int i, real* d) noexcept nogil:
    # d[0..7] = the derivative of lane i's state b[B_Y..], with inputs b[B_U..], b[B_M..]
    cdef real m = _rate(b, i)
    d[0] = b[B_Y + 1 * TILE + i]
    d[1] = (b[B_K + K_EIN * TILE + i] * m
            - b[B_Y + 0 * TILE + i] * b[B_K + K_E2 * TILE + i]
            - b[B_Y + 1 * TILE + i] * b[B_K + K_E1 * TILE + i])
    d[2] = b[B_Y + 3 * TILE + i]
    d[3] = (b[B_K + K_IIN * TILE + i] * m
            - b[B_Y + 2 * TILE + i] * b[B_K + K_E2 * TILE + i]
            - b[B_Y + 3 * TILE + i] * b[B_K + K_E1 * TILE + i])
    d[4] = b[B_Y + 5 * TILE + i]
    d[5] = (b[B_K + K_E * TILE + i] * (
        b[B_K + K_EC * TILE + i] * _sigmoid(
            b[B_K + K_R * TILE + i] * (b[B_Y + 0 * TILE + i] - b[B_K + K_VTHR * TILE + i]))
        + b[B_K + K_MIN * TILE + i] * b[B_M + i] + b[B_U + i])
        - b[B_Y + 4 * TILE + i] * b[B_K + K_E2 * TILE + i]
        - b[B_Y + 5 * TILE + i] * b[B_K + K_E1 * TILE + i])
    d[6] = b[B_Y + 7 * TILE + i]
    d[7] = (b[B_K + K_I * TILE + i] * _sigmoid(
        b[B_K + K_R * TILE + i] * (b[B_Y + 2 * TILE + i] - b[B_K + K_VTHR * TILE + i]))
        - b[B_Y + 6 * TILE + i] * b[B_K + K_I2 * TILE + i]
        - b[B_Y + 7 * TILE + i] * b[B_K + K_I1 * TILE + i])


cdef inline void _jrc2_rhs(real* b) noexcept nogil:
    # b[B_DY..] = f(b[B_Y..], inputs b[B_U..], b[B_M..]) for every lane of the tile.
    # Written out rather than through _jrc2_lane: GCC vectorises this form in float too.
    cdef int i
    cdef real m
    for i in range(TILE):
        m = _rate(b, i)
        b[B_DY + 0 * TILE + i] = b[B_Y + 1 * TILE + i]
        b[B_DY + 1 * TILE + i] = (b[B_K + K_EIN * TILE + i] * m
                                  - b[B_Y + 0 * TILE + i] * b[B_K + K_E2 * TILE + i]
                                  - b[B_Y + 1 * TILE + i] * b[B_K + K_E1 * TILE + i])
        b[B_DY + 2 * TILE + i] = b[B_Y + 3 * TILE + i]
        b[B_DY + 3 * TILE + i] = (b[B_K + K_IIN * TILE + i] * m
                                  - b[B_Y + 2 * TILE + i] * b[B_K + K_E2 * TILE + i]
                                  - b[B_Y + 3 * TILE + i] * b[B_K + K_E1 * TILE + i])
        b[B_DY + 4 * TILE + i] = b[B_Y + 5 * TILE + i]
        b[B_DY + 5 * TILE + i] = (
            b[B_K + K_E * TILE + i] * (
                b[B_K + K_EC * TILE + i] * _sigmoid(
                    b[B_K + K_R * TILE + i] * (b[B_Y + 0 * TILE + i] - b[B_K + K_VTHR * TILE + i]))
                + b[B_K + K_MIN * TILE + i] * b[B_M + i] + b[B_U + i])
            - b[B_Y + 4 * TILE + i] * b[B_K + K_E2 * TILE + i]
            - b[B_Y + 5 * TILE + i] * b[B_K + K_E1 * TILE + i])
        b[B_DY + 6 * TILE + i] = b[B_Y + 7 * TILE + i]
        b[B_DY + 7 * TILE + i] = (
            b[B_K + K_I * TILE + i] * _sigmoid(
                b[B_K + K_R * TILE + i] * (b[B_Y + 2 * TILE + i] - b[B_K + K_VTHR * TILE + i]))
            - b[B_Y + 6 * TILE + i] * b[B_K + K_I2 * TILE + i]
            - b[B_Y + 7 * TILE + i] * b[B_K + K_I1 * TILE + i])


cdef inline void _jrc2_euler(real* b, real dt) noexcept nogil:
    # One Euler step in a single pass: each lane's derivative, then its update (the same
    # arithmetic as _jrc2_rhs followed by y + dt*f, bitwise, without writing f to memory)
    cdef int i, s
    cdef real d[N_STATES]
    for i in range(TILE):
        _jrc2_lane(b, i, d)
        for s in range(N_STATES):
            b[B_Y + s * TILE + i] = b[B_Y + s * TILE + i] + dt * d[s]


cdef inline void _jrc2_step(int solver, real dt, real* b, real* y0, real* k1, real* k2,
                            real* k3) noexcept nogil:
    # One step of the chosen solver on the block's state; inputs are held over the step.
    # y0, k1..k3: (N_STATES, TILE) scratch for the multi-stage methods.
    cdef int j
    cdef real half = <real>0.5 * dt
    cdef real sixth = dt / <real>6.0
    if solver == 0 and real is double:   # Euler in one pass (measured 1.15x faster in double;
        _jrc2_euler(b, dt)                 # in float only the two-pass form vectorises)
        return
    _jrc2_rhs(b)
    if solver == 0:        # Euler
        for j in range(N_STATES * TILE):
            b[B_Y + j] = b[B_Y + j] + dt * b[B_DY + j]
    elif solver == 1:      # Heun's method (explicit trapezoid)
        for j in range(N_STATES * TILE):
            y0[j] = b[B_Y + j]
            k1[j] = b[B_DY + j]
            b[B_Y + j] = y0[j] + dt * k1[j]
        _jrc2_rhs(b)
        for j in range(N_STATES * TILE):
            b[B_Y + j] = y0[j] + half * (k1[j] + b[B_DY + j])
    else:                  # classic fourth-order Runge-Kutta
        for j in range(N_STATES * TILE):
            y0[j] = b[B_Y + j]
            k1[j] = b[B_DY + j]
            b[B_Y + j] = y0[j] + half * k1[j]
        _jrc2_rhs(b)
        for j in range(N_STATES * TILE):
            k2[j] = b[B_DY + j]
            b[B_Y + j] = y0[j] + half * k2[j]
        _jrc2_rhs(b)
        for j in range(N_STATES * TILE):
            k3[j] = b[B_DY + j]
            b[B_Y + j] = y0[j] + dt * k3[j]
        _jrc2_rhs(b)
        for j in range(N_STATES * TILE):
            b[B_Y + j] = y0[j] + sixth * (k1[j] + <real>2.0 * k2[j] + <real>2.0 * k3[j]
                                          + b[B_DY + j])


cdef inline void _load_input(const double[:, :] series, Py_ssize_t step, Py_ssize_t start,
                             Py_ssize_t n, real* dest) noexcept nogil:
    # series: (1 or n_steps rows, 1 or n_sets columns); a single row or column is broadcast
    cdef Py_ssize_t row = step if series.shape[0] > 1 else 0
    cdef Py_ssize_t i
    if series.shape[1] == 1:
        for i in range(TILE):
            dest[i] = <real>series[row, 0]
    else:
        for i in range(TILE):
            dest[i] = <real>series[row, start + (i if i < n else 0)]


cdef void _jrc2_tile(real precision, const double[:, :] params, const double[:, :] u,
                     const double[:, :] m_in, const int[::1] record, floating[:, :, :] out,
                     const double[:, :] y_init, double[:, :] y_final, Py_ssize_t start,
                     Py_ssize_t n, Py_ssize_t every, Py_ssize_t first, Py_ssize_t n_steps,
                     int solver, double dt) noexcept nogil:
    # Integrates sets start .. start+n-1 from y_init (or rest) and writes their recorded samples
    # and, when y_final has rows, their state after n_steps steps.
    # `precision` only selects the arithmetic (float or double) of this specialisation.
    cdef real b[B_SIZE]
    cdef real y0[N_STATES * TILE]
    cdef real k1[N_STATES * TILE]
    cdef real k2[N_STATES * TILE]
    cdef real k3[N_STATES * TILE]
    cdef Py_ssize_t j, i, o, step = 0, target
    cdef int var
    for j in range(B_SIZE):
        b[j] = 0
    if y_init.shape[0] > 0:
        for j in range(N_STATES):
            for i in range(TILE):
                b[B_Y + j * TILE + i] = <real>y_init[j, start + (i if i < n else 0)]
    _jrc2_coefficients(params, start, n, &b[B_K])
    _load_input(u, 0, start, n, &b[B_U])         # constant inputs are loaded once
    _load_input(m_in, 0, start, n, &b[B_M])
    # one pass per record, and one more to reach n_steps when the final state is wanted; the
    # stepping loop stays in this function, where the compiler sees that b is a local array
    for j in range(out.shape[0] + (1 if y_final.shape[0] > 0 else 0)):
        target = (first + j) * every if j < out.shape[0] else n_steps
        while step < target:
            if u.shape[0] > 1:
                _load_input(u, step, start, n, &b[B_U])
            if m_in.shape[0] > 1:
                _load_input(m_in, step, start, n, &b[B_M])
            _jrc2_step(solver, <real>dt, b, y0, k1, k2, k3)
            step += 1
        if j == out.shape[0]:
            break
        for o in range(record.shape[0]):
            var = record[o]
            for i in range(n):
                if var < N_STATES:
                    out[j, o, start + i] = <floating>b[B_Y + var * TILE + i]
                else:  # the pyramidal firing rate m, from the state before the step
                    out[j, o, start + i] = <floating>_rate(b, i)
    if y_final.shape[0] > 0:
        for j in range(N_STATES):
            for i in range(n):
                y_final[j, start + i] = b[B_Y + j * TILE + i]


def integrate_jrc2(const double[:, :] params, const double[:, :] u, const double[:, :] m_in,
                   const int[::1] record, floating[:, :, :] out, const double[:, :] y_init,
                   double[:, :] y_final, Py_ssize_t every, Py_ssize_t first, Py_ssize_t n_steps,
                   int solver, double dt, int n_threads, bint single=False):
    """Integrate the lumped Jansen-Rit model (JRC2) for every parameter set.

    params   IN  (N_PARAMS, n_sets)   one row per name in JRC2_PARAMETERS
    u        IN  (1 or n_steps, 1 or n_sets)   extrinsic input; one row or column is broadcast
    m_in     IN  (1 or n_steps, 1 or n_sets)   input from other columns, same convention
    record   IN  (n_out,)   indices into JRC2_RECORDABLE, in output order
    out      OUT (n_records, n_out, n_sets)   out[j, o, s] = variable record[o] of set s at step
                 (first + j) * every, i.e. the state before that step
    y_init   IN  (N_STATES, n_sets) initial state, or (0, 0): every set starts at rest
    y_final  OUT (N_STATES, n_sets) state after n_steps steps, or (0, 0): not wanted (the
                 integration then stops at the last record)
    every    steps between records; first: index of the first record kept
    solver   SOLVERS value; dt: step size (> 0); n_threads: OpenMP threads (>= 1)
    single   compute in float instead of double (inputs and parameters rounded to float)
    Every array may be a strided view (a block of a larger sweep's arrays).
    """
    cdef Py_ssize_t n_sets = params.shape[1]
    cdef Py_ssize_t n_tiles = (n_sets + TILE - 1) // TILE
    cdef Py_ssize_t t
    for t in prange(n_tiles, nogil=True, schedule="dynamic", num_threads=n_threads):
        if single:
            _jrc2_tile(<float>0, params, u, m_in, record, out, y_init, y_final, t * TILE,
                       min(TILE, n_sets - t * TILE), every, first, n_steps, solver, dt)
        else:
            _jrc2_tile(<double>0, params, u, m_in, record, out, y_init, y_final, t * TILE,
                       min(TILE, n_sets - t * TILE), every, first, n_steps, solver, dt)


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


cdef inline Py_ssize_t _network_advance(const Network* net, Py_ssize_t i, Work* w,
                                        Py_ssize_t step, Py_ssize_t target, int solver,
                                        double dt) noexcept nogil:
    # Steps set i from `step` to `target` and returns target.
    while step < target:
        _network_inputs(net, i, step, w)
        _network_step(net, i, solver, dt, w)
        step += 1
    return step


# A set's full state, as initial_state / return_final_state exchange it: y (n_state), each
# edge's previous chain output (n_edges), then the rate-history rings (n_ring), each rotated so
# that the slot of the run's last step + 1 comes first: a run that starts from this state at
# step 0 finds every delayed rate where the longer run would have found it.

cdef void _network_load_state(const Network* net, Work* w, const double* column,
                              Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(net.n_state):
        w.y[j] = column[j * stride]
    for j in range(net.n_edges):
        w.chain_last[j] = column[(net.n_state + j) * stride]
    for j in range(net.n_ring):
        w.ring[j] = column[(net.n_state + net.n_edges + j) * stride]


cdef void _network_save_state(const Network* net, const Work* w, double* column,
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


cdef void _network_record(const Network* net, Py_ssize_t i, Work* w, const double* y,
                          const int[::1] record, floating[:, :, :] out,
                          Py_ssize_t j) noexcept nogil:
    # out[j, :, i] = the recorded variables of state y
    cdef Py_ssize_t o
    cdef int var
    cdef double value
    _network_rates(net, i, y, w.v_in, w.m)
    for o in range(record.shape[0]):
        var = record[o]
        if var < 2 * net.n_syn:
            value = y[var]
        elif var < 2 * net.n_syn + net.n_nodes:
            value = w.m[var - 2 * net.n_syn]
        else:
            value = w.v_in[var - 2 * net.n_syn - net.n_nodes]
        out[j, o, i] = <floating>value


cdef void _network_work(const Network* net, Work* w, double* rest) noexcept nogil:
    # points w's per-node, per-input and per-edge values into rest
    w.v_in = rest
    w.m = w.v_in + net.n_nodes
    w.ext = w.m + net.n_nodes
    w.inp = w.ext + net.n_in
    w.delayed = w.inp + net.n_in
    w.chain_last = w.delayed + net.n_edges
    w.ring = w.chain_last + net.n_edges


cdef inline Py_ssize_t _network_work_size(const Network* net) noexcept nogil:
    # doubles _network_work uses
    return 2 * net.n_nodes + 2 * net.n_in + 2 * net.n_edges + net.n_ring + 1


cdef int _network_set(const Network* net, Py_ssize_t i, const int[::1] record,
                      floating[:, :, :] out, const double[:, :] y_init, double[:, :] y_final,
                      Py_ssize_t every, Py_ssize_t first, Py_ssize_t n_steps, int solver,
                      double dt) noexcept nogil:
    # Integrates set i from y_init (or rest) and writes its records and, when y_final has rows,
    # its state after n_steps steps; returns -1 when out of memory.
    cdef int n = net.n_state
    cdef Py_ssize_t size = 6 * n + _network_work_size(net)
    cdef double* block = <double*>malloc(size * sizeof(double))
    cdef Work w
    cdef Py_ssize_t j, step = 0, j0
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
    _network_work(net, &w, block + 6 * n)
    w.euler = solver == 0
    if y_init.shape[0] > 0:
        _network_load_state(net, &w, &y_init[0, i], y_init.strides[0] // sizeof(double))
    for j in range(out.shape[0]):
        step = _network_advance(net, i, &w, step, (first + j) * every, solver, dt)
        _network_record(net, i, &w, w.y, record, out, j)
    if y_final.shape[0] > 0:
        step = _network_advance(net, i, &w, step, n_steps, solver, dt)
        _network_save_state(net, &w, &y_final[0, i], y_final.strides[0] // sizeof(double),
                            n_steps)
    free(block)
    return 0


cdef class NetworkArrays:
    """A network's kernel arrays, laid out as ``struct Network`` describes and built by
    csweep.network: every ``(rows, n_sets)`` array holds one value per set in each row; index
    arrays with no entries (no input terms, no edges) hold one unused element, and n_terms /
    n_edges give the real counts. States per set: v, x of each synapse, then the gamma-delay
    stages."""

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


cdef void _bind_network(Network* net, NetworkArrays a):
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
    (Euler's one-step lag) and the discrete delays' rate histories (see _network_save_state).
    """
    cdef Network net
    cdef Py_ssize_t i
    cdef int failed = 0
    _bind_network(&net, network)
    for i in prange(net.n_sets, nogil=True, schedule="dynamic", chunksize=4,
                    num_threads=n_threads):
        if _network_set(&net, i, record, out, y_init, y_final, every, first, n_steps, solver,
                        dt) != 0:
            failed += 1      # a reduction: every thread's failures reach the check below
    if failed:
        raise MemoryError("csweep: could not allocate a parameter set's work space")


# ------------------------------------------------------------------------------------------------
# Generated noise: a counter-based generator, so a value depends only on (seed, stream, step)
# ------------------------------------------------------------------------------------------------

from libc.math cimport cos, log, sqrt
from libc.stdint cimport uint64_t

NOISE_KINDS = {"uniform": 0, "normal": 1}
#: the stream of a noise series shared by every set (per-set streams are the set indices)
SHARED_STREAM = 0xFFFFFFFFFFFFFFFF


cdef inline uint64_t _mix64(uint64_t z) noexcept nogil:
    # SplitMix64's output function (Steele, Lea & Flood 2014): a bijection that scatters every
    # input bit over the output; applied to a counter it passes BigCrush.
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return z ^ (z >> 31)


cdef inline double _unit(uint64_t key, uint64_t counter) noexcept nogil:
    # a uniform double in [0, 1) with 53 random bits
    return <double>(_mix64(key + (counter + 1) * <uint64_t>0x9E3779B97F4A7C15) >> 11) \
        * 1.1102230246251565e-16


def stream_key(uint64_t seed, uint64_t stream):
    """The generator key of one noise stream: a set's own series, or the shared one."""
    return _mix64(_mix64(seed + <uint64_t>0x9E3779B97F4A7C15) ^ stream)


def fill_noise(double[:, ::1] out, const uint64_t[::1] keys, Py_ssize_t first_step, int kind,
               double a, double b, int n_threads):
    """Fill out[k, c] with the noise value of stream keys[c] at step first_step + k.

    kind     NOISE_KINDS value: uniform on [a, b), or normal with mean a and standard deviation b
             (Box-Muller from the stream's draws 2*step and 2*step + 1)
    """
    cdef Py_ssize_t k, c, step
    cdef double u1, u2
    cdef double span = b - a
    for k in prange(out.shape[0], nogil=True, schedule="static", num_threads=n_threads):
        step = first_step + k
        for c in range(out.shape[1]):
            if kind == 0:
                out[k, c] = a + span * _unit(keys[c], <uint64_t>step)
            else:
                u1 = 1.0 - _unit(keys[c], 2 * <uint64_t>step)       # (0, 1]: log(u1) is finite
                u2 = _unit(keys[c], 2 * <uint64_t>step + 1)
                out[k, c] = a + b * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2)


# ------------------------------------------------------------------------------------------------
# solver="scipy": an adaptive Dormand-Prince 5(4) integrator per parameter set
# ------------------------------------------------------------------------------------------------

from libc.math cimport INFINITY, NAN, fabs, isfinite, nextafter, pow, sqrt

cdef extern from *:
    ctypedef double* restrict_double "double *__restrict__"

cdef enum:
    RK45_OK = 0
    RK45_STEP_UNDERFLOW = 1     # the step needed fell below 10 ulp of the time
    RK45_NOT_FINITE = 2         # the state or its error estimate became NaN or infinite

RK45_STATUS = {RK45_OK: "ok", RK45_STEP_UNDERFLOW: "step size underflow",
               RK45_NOT_FINITE: "the state became NaN or infinite"}

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
    _jrc2_lane(c.b, 0, dy)


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
    _network_rhs(net, c.i, y, dy, c.w)


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
    # One set's Dormand-Prince 5(4) integration in progress, stepped by _dopri_advance.
    # Step-size control as scipy.integrate.RK45's (Hairer, Norsett & Wanner): the new step is
    # the old times 0.9 * error^(-1/5) (the safety factor), kept within [0.2, 10].
    int n                   # states
    double t                # the time of y
    double h                # the next step to try
    double rtol, atol
    Py_ssize_t rows         # input rows (1: constant inputs, no row to land on)
    Py_ssize_t row          # the next row ahead of t
    long long accepted, rejected
    bint rejected_last
    double* y               # (n,) the state at t
    double* k               # (7 * n,) the stages; the first n hold f(t, y)
    double* w               # (n,) a stage's state, then the step's result
    double* err             # (n,) the step's error estimate

cdef enum:
    DOPRI_BUFFERS = 10      # y, the 7 stages, w, err: 10 * n doubles per set


cdef void _dopri_start(Dopri* d, Problem* c, int n, double* buffers, double rtol, double atol,
                       double first_step, Py_ssize_t rows) noexcept nogil:
    # d at t = 0, its state y = buffers[:n] as the caller filled it, k1 = f(0, y); buffers
    # holds DOPRI_BUFFERS * n doubles; rows is the input series' (c.spacing apart)
    d.n = n
    d.rtol = rtol
    d.atol = atol
    d.rows = rows
    d.y = buffers
    d.k = buffers + n
    d.w = buffers + 8 * n
    d.err = buffers + 9 * n
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


cdef int _dopri_advance(Dopri* d, Problem* c, double target) noexcept nogil:
    # Steps d from d.t to target, landing on it and, on the way, on every input row: between
    # rows the interpolated input is linear, so no step straddles a kink, where the error
    # estimate would fail and steps be rejected. Returns an RK45_* status.
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
        norm = _scaled_rms(err, y, w, n, d.rtol, d.atol)
        if not isfinite(norm):
            status = RK45_NOT_FINITE
            break
        if norm < 1:
            factor = 10.0 if norm == 0 else 0.9 * pow(norm, -0.2)
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
            factor = 0.9 * pow(norm, -0.2)
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
                         Py_ssize_t i) noexcept nogil:
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
                 u.shape[0] if u.shape[0] > m_in.shape[0] else m_in.shape[0])
    for j in range(times.shape[0]):
        status = _dopri_advance(&d, &context, times[j])
        if status != RK45_OK:
            _fail_records(out, j, i, d.y, N_STATES)
            break
        for s in range(N_STATES):
            b[B_Y + s * TILE] = d.y[s]
        for o in range(record.shape[0]):
            var = record[o]
            out[j, o, i] = <floating>(d.y[var] if var < N_STATES else _rate(b, 0))
    _dopri_finish(&d, &context, status, out, i, y_final.shape[0] > 0, t_end, stats)
    if y_final.shape[0] > 0:
        for s in range(N_STATES):
            y_final[s, i] = d.y[s]


def integrate_jrc2_rk45(const double[:, :] coefficients, const double[:, :] u,
                        const double[:, :] m_in, const int[::1] record, floating[:, :, :] out,
                        const double[:, :] y_init, double[:, :] y_final,
                        const double[::1] times, double t_end, double spacing, double rtol,
                        double atol, double first_step, long long[:, ::1] stats,
                        int n_threads):
    """Integrate every JRC2 parameter set with its own adaptive Dormand-Prince 5(4) steps.

    coefficients  IN  (N_COEF, n_sets) one row per name in JRC2_COEFFICIENTS, derived from the
                      parameters by the caller (csweep.lumped.adaptive_coefficients)
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
    if coefficients.shape[0] != N_COEF:
        raise ValueError(f"coefficients must have {N_COEF} rows (JRC2_COEFFICIENTS); received "
                         f"{coefficients.shape[0]}")
    if not first_step > 0:
        raise ValueError(f"first_step must be positive; received {first_step}")
    for i in prange(n_sets, nogil=True, schedule="dynamic", chunksize=chunk,
                    num_threads=n_threads):
        _jrc2_rk45_set(coefficients, u, m_in, record, out, y_init, y_final, times, t_end,
                       spacing, rtol, atol, first_step, stats, i)


cdef int _network_rk45_set(const Network* net, Py_ssize_t i, const int[::1] record,
                           floating[:, :, :] out, const double[:, :] y_init,
                           double[:, :] y_final, const double[::1] times, double t_end,
                           double spacing, double rtol, double atol, double first_step,
                           long long[:, ::1] stats) noexcept nogil:
    # Integrates set i as _jrc2_rk45_set does; returns -1 when out of memory.
    cdef int n = net.n_state, status = RK45_OK
    cdef Py_ssize_t size = DOPRI_BUFFERS * n + _network_work_size(net), j
    cdef double* block = <double*>malloc(size * sizeof(double))
    cdef Work w
    cdef NetworkContext context
    cdef Dopri d
    if block == NULL:
        return -1
    for j in range(size):
        block[j] = 0.0
    w.y = block                 # the Dopri state, where _network_load_state puts it
    _network_work(net, &w, block + DOPRI_BUFFERS * n)
    w.euler = 0
    if y_init.shape[0] > 0:
        _network_load_state(net, &w, &y_init[0, i], y_init.strides[0] // sizeof(double))
    context.net = net
    context.i = i
    context.w = &w
    context.spacing = spacing
    _dopri_start(&d, &context, n, block, rtol, atol, first_step, net.series_rows)
    for j in range(times.shape[0]):
        status = _dopri_advance(&d, &context, times[j])
        if status != RK45_OK:
            _fail_records(out, j, i, d.y, n)
            break
        _network_record(net, i, &w, d.y, record, out, j)
    _dopri_finish(&d, &context, status, out, i, y_final.shape[0] > 0, t_end, stats)
    if y_final.shape[0] > 0:
        _network_save_state(net, &w, &y_final[0, i], y_final.strides[0] // sizeof(double), 0)
    free(block)
    return 0


def integrate_network_rk45(NetworkArrays network, const int[::1] record,
                           floating[:, :, :] out, const double[:, :] y_init,
                           double[:, :] y_final, const double[::1] times, double t_end,
                           double spacing, double rtol, double atol, double first_step,
                           long long[:, ::1] stats, int n_threads):
    """Integrate every network parameter set with its own adaptive Dormand-Prince 5(4) steps.

    network, record, out, y_init and y_final are integrate_network's; the series' rows are
    placed k * spacing apart and interpolated linearly; times .. stats are integrate_jrc2_rk45's.
    Discrete delays (n_ring > 0) are refused: their step-indexed rate histories have no meaning
    between adaptive steps.
    """
    cdef Network net
    cdef Py_ssize_t i
    cdef int failed = 0
    if network.n_ring != 0:
        raise ValueError("solver='scipy' cannot integrate discrete edge delays")
    if not first_step > 0:
        raise ValueError(f"first_step must be positive; received {first_step}")
    _bind_network(&net, network)
    for i in prange(net.n_sets, nogil=True, schedule="dynamic", chunksize=1,
                    num_threads=n_threads):
        if _network_rk45_set(&net, i, record, out, y_init, y_final, times, t_end, spacing,
                             rtol, atol, first_step, stats) != 0:
            failed += 1
    if failed:
        raise MemoryError("csweep: could not allocate a parameter set's work space")
