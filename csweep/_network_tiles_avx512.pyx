# The network tiles of _network_tiles.pyx, compiled again for CPUs with AVX512 (see setup.py);
# csweep.kernels.builds picks this build at run time when the CPU has AVX512. Every build computes bitwise
# identical results: no fused multiply-add (-ffp-contract=off), the same IEEE operations.
include "_network_tiles.pyx"
