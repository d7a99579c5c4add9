# Shared by csweep's compiled modules (_integrate, _network, _dopri): the kernel's own exp and
# sigmoid (inline C in csweep/src/common.h, so that each module compiles them into its loops),
# the arithmetic type of a JRC2 tile and the fixed-step solvers' numbers.

cdef extern from "csweep/src/common.h":
    double csweep_exp(double x) noexcept nogil
    double csweep_sigmoid(double x) noexcept nogil
    float csweep_expf(float x) noexcept nogil
    float csweep_sigmoidf(float x) noexcept nogil
    const char* csweep_simd


ctypedef fused real:
    # the arithmetic of a JRC2 tile: double by default, float with compute_precision="float32"
    float
    double


cdef inline real sigmoid(real x) noexcept nogil:
    if real is float:
        return csweep_sigmoidf(x)
    else:
        return csweep_sigmoid(x)


cdef enum:
    # the fixed-step solvers, numbered as the kernels' ``solver`` argument (SOLVERS in _integrate)
    EULER = 0
    HEUN = 1
    RK4 = 2
