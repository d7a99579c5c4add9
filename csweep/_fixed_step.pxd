# Euler, Heun and classic Runge-Kutta, written once over the models they step (as _dopri's
# Dormand-Prince is over its Problem type): a JRC2 tile (_integrate) and a tile of a network's
# sets (_network_tiles). Each model's right-hand side reads its state y in place and writes dy.

from csweep._common cimport EULER, HEUN, real
from csweep._jrc2 cimport jrc2_euler, jrc2_rhs
from csweep._network_lanes cimport NetworkTile, tile_euler, tile_rhs


cdef struct Jrc2Tile:
    void* b             # the tile's block (_jrc2's B_* layout), of the stepper's real type

# one compiled stepper per model, so that the right-hand side is a direct, inlined call
ctypedef fused Model:
    Jrc2Tile
    NetworkTile


cdef inline void model_rhs(Model* m, real* y, real* dy) noexcept nogil:
    # dy = f(y); y and dy are the model's own buffers (a tile's B_Y and B_DY rows)
    if Model is NetworkTile:
        tile_rhs(m.net, m, m.y, m.dy)      # always double: the tile's own buffers
    else:
        jrc2_rhs(<real*>m.b)


cdef inline void fixed_step(Model* m, int solver, real dt, real* y, real* dy, Py_ssize_t n,
                            real* y0, real* k1, real* k2, real* k3) noexcept nogil:
    # One step of the chosen solver (EULER, HEUN, RK4) on the model's n states y; inputs are
    # held over the step. y0, k1..k3: n-sized scratch for the multi-stage methods.
    cdef Py_ssize_t j
    cdef real half = <real>0.5 * dt
    cdef real sixth = dt / <real>6.0
    if Model is Jrc2Tile:
        if solver == EULER and real is double:   # JRC2's Euler in one pass (measured 1.15x
            jrc2_euler(<double*>m.b, dt)           # faster in double; in float only the
            return                                 # two-pass form vectorises)
    else:
        if solver == EULER:     # a network's synapses stepped as their derivatives are known
            tile_euler(m.net, m, dt)
            return
    model_rhs(m, y, dy)
    if solver == EULER:
        for j in range(n):
            y[j] = y[j] + dt * dy[j]
    elif solver == HEUN:     # Heun's method (explicit trapezoid)
        for j in range(n):
            y0[j] = y[j]
            k1[j] = dy[j]
            y[j] = y0[j] + dt * k1[j]
        model_rhs(m, y, dy)
        for j in range(n):
            y[j] = y0[j] + half * (k1[j] + dy[j])
    else:                    # classic fourth-order Runge-Kutta
        for j in range(n):
            y0[j] = y[j]
            k1[j] = dy[j]
            y[j] = y0[j] + half * k1[j]
        model_rhs(m, y, dy)
        for j in range(n):
            k2[j] = dy[j]
            y[j] = y0[j] + half * k2[j]
        model_rhs(m, y, dy)
        for j in range(n):
            k3[j] = dy[j]
            y[j] = y0[j] + dt * k3[j]
        model_rhs(m, y, dy)
        for j in range(n):
            y[j] = y0[j] + sixth * (k1[j] + <real>2.0 * k2[j] + <real>2.0 * k3[j] + dy[j])
