# The network tiles of _network_tiles.pyx in tiles of 8 sets instead of 16 (setup.py defines
# CSWEEP_NET_TILE=8 for this module and its per-instruction-set builds): a sweep of few sets
# spreads over more threads, and wastes fewer lanes in a partial tile. csweep.kernels.builds
# picks the width per kernel call (network_tiles_for); both widths compute bitwise identical
# results, each set's as a single set's scalar steps would.
include "_network_tiles.pyx"
