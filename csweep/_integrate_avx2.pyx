# The kernel of _integrate.pyx, compiled a second time for CPUs with AVX2 (see setup.py);
# csweep.kernels.builds picks this build at run time when the CPU has AVX2. Both builds compute
# bitwise identical results: no fused multiply-add (-ffp-contract=off), the same IEEE operations.
include "_integrate.pyx"
