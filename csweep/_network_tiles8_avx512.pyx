# The narrow network tiles (_network_tiles8.pyx), compiled again for CPUs with AVX512 (see
# setup.py).
include "_network_tiles.pyx"
