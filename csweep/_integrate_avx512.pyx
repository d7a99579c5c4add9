# The kernel of _integrate.pyx, compiled a third time for CPUs with AVX-512 (F, DQ, VL, BW, CD;
# see setup.py); csweep.kernels.builds picks this build at run time when the CPU has those. All builds
# compute bitwise identical results: no fused multiply-add (-ffp-contract=off), the same IEEE
# operations.
include "_integrate.pyx"
