"""kernels (bottom layer: imports no other stage): the choice between the compiled builds. The
compiled sources themselves stay at the top of the package (csweep/_integrate.pyx, _network.pyx,
_dopri.pyx, _noise.pyx, ...; see docs/architecture.md)."""
