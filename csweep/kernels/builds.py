"""Which compiled tiles run: the widest build the CPU can execute (AVX-512, AVX2, baseline).

The JRC2 tiles (``_integrate.pyx``) and the network tiles (``_network_tiles.pyx``) are each
compiled with different instruction sets, and every build gives bitwise identical results; wider
vectors step more parameter sets per instruction. solver="scipy" and the network arrays
(``_dopri``, ``_network``) are built once and imported directly; the noise generator
(``_noise.pyx``) has per-instruction-set builds too.
``CSWEEP_KERNEL=baseline`` (or ``avx2``, ``avx512``) asks for one build, for testing or
benchmarking; ``auto`` (the default) picks the widest available.
"""

from __future__ import annotations

import importlib
import logging
import os

from .. import _runtime

CHOICES = ("auto", "baseline", "avx2", "avx512")
_CPU_HAS = {"avx2": _runtime.cpu_has_avx2, "avx512": _runtime.cpu_has_avx512}


def _build(module, name):
    try:
        return importlib.import_module(f"csweep.{module}_{name}")
    except ImportError:  # not built: a non-x86 machine, or CSWEEP_NO_AVX2 at build time
        return None


# Widest first, except that single precision runs best on the AVX2 build: measured on an AVX-512
# Xeon (benchmarks/README.md), the AVX-512 build steps float64 tiles 1.45x faster than the AVX2
# build but float32 tiles 1.8x slower.
PREFERENCE = {"float64": ("avx512", "avx2"), "float32": ("avx2", "avx512")}


def select_kernel(choice: str | None = None, precision: str = "float64",
                  module: str = "_integrate"):
    """The build of ``module`` (the JRC2 tiles, "_network_tiles" or the noise generator
    "_noise") for ``choice`` (default: the CSWEEP_KERNEL environment variable) and the arithmetic
    it will run."""
    choice = (choice or os.environ.get("CSWEEP_KERNEL") or "auto").lower()
    if choice not in CHOICES:
        raise ValueError(f"CSWEEP_KERNEL must be one of {', '.join(CHOICES)}; received {choice!r}")
    if choice == "baseline":
        return importlib.import_module(f"csweep.{module}")
    for name in PREFERENCE[precision] if choice == "auto" else (choice,):
        # the CPU first: a build's module initialisation already runs its instruction set, so
        # importing the AVX-512 build on a CPU without it dies of SIGILL
        if not _CPU_HAS[name]():
            if choice != "auto":
                raise RuntimeError(f"CSWEEP_KERNEL={choice}, but this CPU has no {name.upper()}")
            continue
        build = _build(module, name)
        if build is not None:
            return build
        if choice != "auto":
            raise RuntimeError(f"CSWEEP_KERNEL={choice}, but csweep was built without its "
                               f"{name} kernel")
    return importlib.import_module(f"csweep.{module}")


kernel = select_kernel()
single_kernel = select_kernel(precision="float32")
network_kernel = select_kernel(module="_network_tiles")
narrow_network_kernel = select_kernel(module="_network_tiles8")

# Time of a tile of 8 sets against one of 16, each on one thread (JRC and a 68-column connectome,
# benchmarks/README.md): the narrow tile does half the lanes' work for more than half the time.
NARROW_TILE_COST = 0.65


def network_tiles_for(n_sets: int, n_threads: int):
    """The network tiles for a kernel call of ``n_sets`` sets on ``n_threads`` threads: tiles of
    16 sets, or of 8 where the wide tiles would leave a thread idle or lanes empty for longer
    than narrow ones take (a sweep of few sets). Both give bitwise the same numbers."""
    def rounds(width):      # tiles one thread steps, one after another
        tiles = (n_sets + width - 1) // width
        return (tiles + max(n_threads, 1) - 1) // max(n_threads, 1)
    wide, narrow = network_kernel.tile_width(), narrow_network_kernel.tile_width()
    if rounds(narrow) * NARROW_TILE_COST < rounds(wide):
        return narrow_network_kernel
    return network_kernel
noise_kernel = select_kernel(module="_noise")


def kernel_info() -> dict:
    """The compiled kernel in use: its instruction set and whether it runs on several threads."""
    return {"simd": kernel.simd(), "simd_float32": single_kernel.simd(),
            "simd_noise": noise_kernel.simd(),
            "simd_network": network_kernel.simd(),
            "openmp": _runtime.openmp_enabled(),
            "max_threads": _runtime.max_threads()}


# GNU OpenMP cannot start threads in a process forked after its parent ran a parallel region:
# the child's first parallel region hangs. This happens to a fork-based process pool (Python's
# default start method on Linux before 3.14) once the parent has run a sweep on several threads.
# Such a child runs csweep on one thread instead (the pool's processes are its parallelism).
_openmp_started = False
_forked_after_openmp = False


def _after_fork_in_child() -> None:
    global _forked_after_openmp
    _forked_after_openmp = _forked_after_openmp or _openmp_started


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def fork_safe_threads(n_threads: int) -> int:
    """``n_threads``, or 1 in a process forked after OpenMP ran on several threads; call it
    right before a kernel call that runs on ``n_threads``."""
    global _openmp_started
    if n_threads > 1 and _forked_after_openmp:
        logging.getLogger("csweep").debug(
            "csweep: this process was forked after OpenMP started threads, which GNU OpenMP does "
            "not support; running on 1 thread (use the 'spawn' or 'forkserver' start method for "
            "more)")
        return 1
    if n_threads > 1:
        _openmp_started = True
    return n_threads
