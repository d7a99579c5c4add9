"""csweep's compiled kernel for the lumped Jansen-Rit column (JRC2): fixed-step integration of
many parameter sets at once. Compiled per instruction set (baseline, AVX2, AVX-512; see
csweep.kernels.builds), as is the noise generator (_noise): these tiles gain from wider vectors. Networks
(_network) and solver="scipy" (_dopri) are modules of their own, built once.

Only arithmetic lives here. Python (csweep.engine.sweep) validates every argument, allocates every array
and explains errors; the kernel trusts what it receives (``dt > 0``, positive time constants,
shapes as documented) because bounds checks and zero-division checks are compiled out.

Layout: parameter sets are stepped in tiles of ``TILE`` sets held in local arrays, structure of
arrays (state variable major, set minor), so the compiler can vectorise each step across the tile.
OpenMP distributes tiles over threads; each tile is independent and there is no shared
accumulator, so results do not depend on the number of threads.
"""

import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport uint64_t

from csweep._common cimport csweep_exp, csweep_expf, csweep_simd, real
from csweep._fixed_step cimport Jrc2Tile, fixed_step
from csweep._jrc2 cimport (B_DY, B_K, B_M, B_SIZE, B_U, B_Y, N_PARAMS, N_STATES, TILE,
                           jrc2_coefficients, jrc2_lane, jrc2_rate)
from csweep._philox cimport NO_NOISE, NOISE_SCRATCH_ROWS, NoiseSpec, noise_rows

# Row order of the ``params`` argument, state order and recordable order of the JRC2 kernel.
# csweep.models.jrc2_column reads these names: they are the one definition of the layout.
JRC2_PARAMETERS = ("h_e", "tau_e", "h_i", "tau_i", "m_max", "r", "V_thr", "c", "ei_ratio",
                   "io_ratio")
JRC2_INPUTS = ("u", "m_in")
JRC2_STATES = ("V_ein", "X_ein", "V_iin", "X_iin", "V_e", "X_e", "V_i", "X_i")
JRC2_RECORDABLE = JRC2_STATES + ("m",)
#: parameter sets per tile: blocks of a sweep hold whole tiles (csweep.engine.blocks)
SETS_PER_TILE = TILE

# steps of generated noise a tile draws at a time (per channel: DRAWN_ROWS x TILE doubles, 4 KiB,
# which stay in the first-level cache while the tile steps through them)
cdef enum:
    DRAWN_ROWS = 64


def simd():
    """The vector instruction set this build of the kernel was compiled for."""
    return csweep_simd.decode()


def exp(double x):
    """The kernel's own exp, exposed so that tests can hold its accuracy against libm."""
    return csweep_exp(x)


def expf(float x):
    """The kernel's single-precision exp (compute_precision="float32"), for the same tests."""
    return csweep_expf(x)


#: the coefficient rows' names, in row order (solver="scipy" takes them derived by Python)
JRC2_COEFFICIENTS = ("K_EIN", "K_IIN", "K_E", "K_EC", "K_MIN", "K_I", "K_E2", "K_E1", "K_I2",
                     "K_I1", "K_MMAX", "K_R", "K_VTHR")


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


cdef inline void _draw_input(const NoiseSpec* spec, const uint64_t* lanes, Py_ssize_t step,
                             double* drawn, double* spare, real* dest) noexcept nogil:
    # the tile's generated noise at this step, drawn DRAWN_ROWS steps at a time into ``drawn``
    # (the values csweep.noise would fill a series with: noise_rows draws both)
    cdef Py_ssize_t row = step % DRAWN_ROWS
    cdef int i
    if row == 0:
        noise_rows(spec, lanes, TILE, step, DRAWN_ROWS, drawn, TILE, spare)
    for i in range(TILE):
        dest[i] = <real>drawn[row * TILE + i]


cdef void _jrc2_tile(real precision, const double[:, :] params, const double[:, :] u,
                     const double[:, :] m_in, const NoiseSpec* noise, const uint64_t* streams,
                     const int[::1] record, floating[:, :, :] out,
                     const double[:, :] y_init, double[:, :] y_final, Py_ssize_t start,
                     Py_ssize_t n, Py_ssize_t every, Py_ssize_t first, Py_ssize_t n_steps,
                     int solver, double dt) noexcept nogil:
    # Integrates sets start .. start+n-1 from y_init (or rest) and writes their recorded samples
    # and, when y_final has rows, their state after n_steps steps. noise[0], noise[1]: u and m_in
    # drawn from the generator (set i's stream streams[i]) instead of read from u and m_in.
    # `precision` only selects the arithmetic (float or double) of this specialisation.
    cdef real b[B_SIZE]
    cdef double drawn_u[DRAWN_ROWS * TILE]
    cdef double drawn_m[DRAWN_ROWS * TILE]
    cdef double spare[NOISE_SCRATCH_ROWS * TILE]
    cdef uint64_t lanes[TILE]
    cdef Jrc2Tile model
    cdef real y0[N_STATES * TILE]
    cdef real k1[N_STATES * TILE]
    cdef real k2[N_STATES * TILE]
    cdef real k3[N_STATES * TILE]
    cdef Py_ssize_t j, i, o, step = 0, target
    cdef int var
    # per-set noise values: the tile's lanes' own a and b, in a copy of the spec pointing at them
    cdef NoiseSpec lane_noise[2]
    cdef double lane_a[2 * TILE]
    cdef double lane_b[2 * TILE]
    for j in range(2):
        lane_noise[j] = noise[j]
        if noise[j].kind != NO_NOISE and noise[j].a_set != NULL:
            for i in range(TILE):
                lane_a[j * TILE + i] = noise[j].a_set[start + (i if i < n else 0)]
                lane_b[j * TILE + i] = noise[j].b_set[start + (i if i < n else 0)]
            lane_noise[j].a_set = &lane_a[j * TILE]
            lane_noise[j].b_set = &lane_b[j * TILE]
    for j in range(B_SIZE):
        b[j] = 0
    if y_init.shape[0] > 0:
        for j in range(N_STATES):
            for i in range(TILE):
                b[B_Y + j * TILE + i] = <real>y_init[j, start + (i if i < n else 0)]
    model.b = b
    if streams != NULL:     # lanes past n repeat the tile's first set, as for series
        for i in range(TILE):
            lanes[i] = streams[start + (i if i < n else 0)]
    jrc2_coefficients(params, start, n, &b[B_K])
    _load_input(u, 0, start, n, &b[B_U])         # constant inputs are loaded once
    _load_input(m_in, 0, start, n, &b[B_M])
    # one pass per record, and one more to reach n_steps when the final state is wanted; the
    # stepping loop stays in this function, where the compiler sees that b is a local array
    for j in range(out.shape[0] + (1 if y_final.shape[0] > 0 else 0)):
        target = (first + j) * every if j < out.shape[0] else n_steps
        while step < target:
            if noise[0].kind != NO_NOISE:
                _draw_input(&lane_noise[0], lanes, step, drawn_u, spare, &b[B_U])
            elif u.shape[0] > 1:
                _load_input(u, step, start, n, &b[B_U])
            if noise[1].kind != NO_NOISE:
                _draw_input(&lane_noise[1], lanes, step, drawn_m, spare, &b[B_M])
            elif m_in.shape[0] > 1:
                _load_input(m_in, step, start, n, &b[B_M])
            fixed_step(&model, solver, <real>dt, &b[B_Y], &b[B_DY], N_STATES * TILE, y0, k1, k2,
                       k3)
            step += 1
        if j == out.shape[0]:
            break
        for o in range(record.shape[0]):
            var = record[o]
            for i in range(n):
                if var < N_STATES:
                    out[j, o, start + i] = <floating>b[B_Y + var * TILE + i]
                else:  # the pyramidal firing rate m, from the state before the step
                    out[j, o, start + i] = <floating>jrc2_rate(b, i)
    if y_final.shape[0] > 0:
        for j in range(N_STATES):
            for i in range(n):
                y_final[j, start + i] = b[B_Y + j * TILE + i]


def integrate_jrc2(const double[:, :] params, const double[:, :] u, const double[:, :] m_in,
                   const int[::1] record, floating[:, :, :] out, const double[:, :] y_init,
                   double[:, :] y_final, Py_ssize_t every, Py_ssize_t first, Py_ssize_t n_steps,
                   int solver, double dt, int n_threads, bint single=False, noise=None,
                   const uint64_t[::1] streams=None):
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
    solver   csweep._runtime.SOLVERS value; dt: step size (> 0); n_threads: OpenMP threads (>= 1)
    single   compute in float instead of double (inputs and parameters rounded to float)
    noise    None, or for (u, m_in) each None (read the array) or (kind, a, b, seed, a_values,
             b_values): generated noise the tiles draw as they step (csweep._noise.fill_noise's
             values, kind a NOISE_KINDS value; a_values and b_values None or (n_sets,) float64
             arrays, each set's own a and b); the array is then not read
    streams  IN  (n_sets,) uint64   each set's noise stream, when noise has an entry
    Every array may be a strided view (a block of a larger sweep's arrays).
    """
    cdef Py_ssize_t n_sets = params.shape[1]
    cdef Py_ssize_t n_tiles = (n_sets + TILE - 1) // TILE
    cdef Py_ssize_t t, c
    cdef NoiseSpec drawn[2]
    cdef const uint64_t* stream_of = NULL
    # per-set a and b of u (0, 1) and of m_in (2, 3), held here while the tiles read them
    cdef const double[::1] a_u = None
    cdef const double[::1] b_u = None
    cdef const double[::1] a_m = None
    cdef const double[::1] b_m = None
    drawn[0].kind = drawn[1].kind = NO_NOISE
    drawn[0].a_set = drawn[0].b_set = drawn[1].a_set = drawn[1].b_set = NULL
    for c, channel in enumerate(noise if noise is not None else ()):
        if channel is not None:
            if streams is None or streams.shape[0] != n_sets:
                raise ValueError(f"integrate_jrc2: generated noise needs streams of shape "
                                 f"({n_sets},); received "
                                 f"{None if streams is None else streams.shape[0]}")
            drawn[c].kind, drawn[c].a, drawn[c].b, drawn[c].seed = channel[:4]
            stream_of = &streams[0]
            if len(channel) > 4 and channel[4] is not None:
                if len(channel[4]) != n_sets or len(channel[5]) != n_sets:
                    raise ValueError(f"integrate_jrc2: per-set noise values need {n_sets} "
                                     "values each")
                if c == 0:
                    a_u, b_u = channel[4], channel[5]
                    drawn[0].a_set, drawn[0].b_set = &a_u[0], &b_u[0]
                else:
                    a_m, b_m = channel[4], channel[5]
                    drawn[1].a_set, drawn[1].b_set = &a_m[0], &b_m[0]
    for t in prange(n_tiles, nogil=True, schedule="dynamic", num_threads=n_threads):
        if single:
            _jrc2_tile(<float>0, params, u, m_in, drawn, stream_of, record, out, y_init,
                       y_final, t * TILE, min(TILE, n_sets - t * TILE), every, first, n_steps,
                       solver, dt)
        else:
            _jrc2_tile(<double>0, params, u, m_in, drawn, stream_of, record, out, y_init,
                       y_final, t * TILE, min(TILE, n_sets - t * TILE), every, first, n_steps,
                       solver, dt)


def jrc2_derivatives(const double[:, :] params, const double[:, :] y, const double[:] u,
                     const double[:] m_in):
    """The JRC2 column's firing rate m and derivatives, as the tiles compute them in double.

    params IN (N_PARAMS, n) as for integrate_jrc2; y IN (N_STATES, n) states; u, m_in IN (n,).
    Returns an (1 + N_STATES, n) array: m, then d/dt of each state in JRC2_STATES order
    (csweep.models.jrc2_column holds a template's equations against these).
    """
    cdef Py_ssize_t n = params.shape[1], start, i, s, width
    cdef double b[B_SIZE]
    cdef double d[N_STATES]
    if params.shape[0] != N_PARAMS or y.shape[0] != N_STATES or y.shape[1] != n \
            or u.shape[0] != n or m_in.shape[0] != n:
        raise ValueError(f"jrc2_derivatives: expected params ({N_PARAMS}, n), y ({N_STATES}, n), "
                         f"u and m_in (n,); received ({params.shape[0]}, {n}), "
                         f"({y.shape[0]}, {y.shape[1]}), {u.shape[0]}, {m_in.shape[0]}")
    out = np.empty((1 + N_STATES, n))
    cdef double[:, ::1] result = out
    for start in range(0, n, TILE):
        width = min(TILE, n - start)
        jrc2_coefficients(params, start, width, &b[B_K])
        for i in range(width):
            for s in range(N_STATES):
                b[B_Y + s * TILE + i] = y[s, start + i]
            b[B_U + i] = u[start + i]
            b[B_M + i] = m_in[start + i]
        for i in range(width):
            jrc2_lane(b, <int>i, d, 1)
            result[0, start + i] = jrc2_rate(b, <int>i)
            for s in range(N_STATES):
                result[1 + s, start + i] = d[s]
    return out
