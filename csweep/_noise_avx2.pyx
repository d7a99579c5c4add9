# The generator of _noise.pyx, compiled a second time for CPUs with AVX2 (see setup.py);
# csweep.kernels.builds picks this build at run time when the CPU has AVX2. Every build draws the
# same bits: the generator is integer arithmetic, its conversion to double exact, and the
# normal draw IEEE-rounded arithmetic without fused multiply-adds (csweep/src/fastmath.h).
include "_noise.pyx"
