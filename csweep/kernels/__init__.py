"""Stage 3, kernels: the choice between the compiled builds. The compiled sources themselves stay
at csweep/_integrate.pyx, _network.pyx, _dopri.pyx, _noise.pyx (see docs/architecture.md)."""
