# The lumped Jansen-Rit column (JRC2): its layout and its right-hand side, written once here and
# inlined where it is stepped (_integrate's tiles, _dopri's adaptive steps).

from csweep._common cimport real, sigmoid

cdef enum:
    TILE = 8            # parameter sets stepped together by one thread (two AVX2 vectors)
    N_STATES = 8
    N_RECORDABLE = 9    # the 8 states, then the firing rate m

cdef enum:
    # Jrc2 parameters: rows of the ``params`` argument, in the order of _integrate.JRC2_PARAMETERS
    P_H_E = 0
    P_TAU_E = 1
    P_H_I = 2
    P_TAU_I = 3
    P_M_MAX = 4
    P_R = 5
    P_V_THR = 6
    P_C = 7
    P_EI_RATIO = 8
    P_IO_RATIO = 9
    N_PARAMS = 10

cdef enum:
    # state rows, in the order of _integrate.JRC2_STATES
    S_V_EIN = 0
    S_X_EIN = 1
    S_V_IIN = 2
    S_X_IIN = 3
    S_V_E = 4
    S_X_E = 5
    S_V_I = 6
    S_X_I = 7

cdef enum:
    # rows of a tile's coefficient block, each TILE wide, derived once per tile from the
    # parameters so that a step only multiplies and adds (order: _integrate.JRC2_COEFFICIENTS)
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


cdef inline void jrc2_coefficients(const double[:, :] params, Py_ssize_t start, Py_ssize_t n,
                                   real* k) noexcept nogil:
    # k: OUT (N_COEF, TILE). Derived in double, then rounded to the tile's precision.
    # Lanes past n (a partial last tile) repeat the tile's first set; they are never recorded.
    cdef Py_ssize_t i, s
    cdef double h_e, tau_e, h_i, tau_i, m_max, c, ei, io
    for i in range(TILE):
        s = start + (i if i < n else 0)
        h_e = params[P_H_E, s]
        tau_e = params[P_TAU_E, s]
        h_i = params[P_H_I, s]
        tau_i = params[P_TAU_I, s]
        m_max = params[P_M_MAX, s]
        c = params[P_C, s]
        ei = params[P_EI_RATIO, s]
        io = params[P_IO_RATIO, s]
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
        k[K_R * TILE + i] = <real>params[P_R, s]
        k[K_VTHR * TILE + i] = <real>params[P_V_THR, s]


cdef inline real jrc2_rate(const real* b, int i) noexcept nogil:
    # the pyramidal firing rate m of lane i, from the block's state
    return b[B_K + K_MMAX * TILE + i] * sigmoid(
        b[B_K + K_R * TILE + i] * (b[B_Y + S_V_E * TILE + i] - b[B_Y + S_V_I * TILE + i]
                                   - b[B_K + K_VTHR * TILE + i]))


cdef inline void jrc2_lane(const real* b, int i, real* d, int stride) noexcept nogil:
    # d[s * stride] = the derivative of state s of lane i (state b[B_Y..], inputs b[B_U..],
    # b[B_M..]); the one statement of the JRC2 equations in csweep
    cdef real m = jrc2_rate(b, i)
    d[S_V_EIN * stride] = b[B_Y + S_X_EIN * TILE + i]
    d[S_X_EIN * stride] = (b[B_K + K_EIN * TILE + i] * m
                           - b[B_Y + S_V_EIN * TILE + i] * b[B_K + K_E2 * TILE + i]
                           - b[B_Y + S_X_EIN * TILE + i] * b[B_K + K_E1 * TILE + i])
    d[S_V_IIN * stride] = b[B_Y + S_X_IIN * TILE + i]
    d[S_X_IIN * stride] = (b[B_K + K_IIN * TILE + i] * m
                           - b[B_Y + S_V_IIN * TILE + i] * b[B_K + K_E2 * TILE + i]
                           - b[B_Y + S_X_IIN * TILE + i] * b[B_K + K_E1 * TILE + i])
    d[S_V_E * stride] = b[B_Y + S_X_E * TILE + i]
    d[S_X_E * stride] = (b[B_K + K_E * TILE + i] * (
        b[B_K + K_EC * TILE + i] * sigmoid(
            b[B_K + K_R * TILE + i] * (b[B_Y + S_V_EIN * TILE + i] - b[B_K + K_VTHR * TILE + i]))
        + b[B_K + K_MIN * TILE + i] * b[B_M + i] + b[B_U + i])
        - b[B_Y + S_V_E * TILE + i] * b[B_K + K_E2 * TILE + i]
        - b[B_Y + S_X_E * TILE + i] * b[B_K + K_E1 * TILE + i])
    d[S_V_I * stride] = b[B_Y + S_X_I * TILE + i]
    d[S_X_I * stride] = (b[B_K + K_I * TILE + i] * sigmoid(
        b[B_K + K_R * TILE + i] * (b[B_Y + S_V_IIN * TILE + i] - b[B_K + K_VTHR * TILE + i]))
        - b[B_Y + S_V_I * TILE + i] * b[B_K + K_I2 * TILE + i]
        - b[B_Y + S_X_I * TILE + i] * b[B_K + K_I1 * TILE + i])


cdef inline void jrc2_rhs(real* b) noexcept nogil:
    # b[B_DY..] = f(b[B_Y..], inputs b[B_U..], b[B_M..]) for every lane of the tile
    cdef int i
    for i in range(TILE):
        jrc2_lane(b, i, &b[B_DY + i], TILE)


cdef inline void jrc2_euler(real* b, real dt) noexcept nogil:
    # One Euler step in a single pass: each lane's derivative, then its update (the same
    # arithmetic as jrc2_rhs followed by y + dt*f, bitwise, without writing f to memory)
    cdef int i, s
    cdef real d[N_STATES]
    for i in range(TILE):
        jrc2_lane(b, i, d, 1)
        for s in range(N_STATES):
            b[B_Y + s * TILE + i] = b[B_Y + s * TILE + i] + dt * d[s]
