"""What this build of csweep and the CPU running it can do, apart from any kernel: whether the
kernels run on several threads (OpenMP) and on how many by default, which vector instruction
sets the CPU has (csweep.kernels.builds picks a build of the tiles with them), and the numbers
the fixed-step kernels take as their ``solver`` argument. Built once, with the baseline flags and
OpenMP as every kernel module is, so its answers hold for each of them.
"""

from csweep._common cimport EULER, HEUN, RK4

cdef extern from "csweep/src/runtime.h":
    int csweep_openmp_enabled() noexcept nogil
    int csweep_cpu_has_avx2() noexcept nogil
    int csweep_cpu_has_avx512() noexcept nogil
    int csweep_max_threads() noexcept nogil


#: the fixed-step solvers' names and their numbers, the ``solver`` argument of the JRC2 and
#: network tiles (_integrate.integrate_jrc2, _network_tiles.integrate_network)
SOLVERS = {"euler": EULER, "heun": HEUN, "rk4": RK4}


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
