"""Which compiled JRC2 kernel and noise generator run: the widest build the CPU can execute
(AVX-512, AVX2, baseline).

All builds of a module are the same Cython source (``_integrate.pyx``, ``_noise.pyx``) compiled
with different instruction sets, and they give bitwise identical results; wider vectors step
(or draw noise for) more parameter sets per instruction. Only the JRC2 tiles and the noise
generator have such builds: the network and solver="scipy" modules (``_network``, ``_dopri``)
are built once and imported directly.
``CSWEEP_KERNEL=baseline`` (or ``avx2``, ``avx512``) asks for one build of both, for testing or
benchmarking; ``auto`` (the default) picks the widest available.
"""

from __future__ import annotations

import importlib
import logging
import os

from . import _integrate as baseline
from . import _noise as baseline_noise

CHOICES = ("auto", "baseline", "avx2", "avx512")
_CPU_HAS = {"avx2": baseline.cpu_has_avx2, "avx512": baseline.cpu_has_avx512}


def _build(name, module="_integrate"):
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
    """The kernel module for ``choice`` (default: the CSWEEP_KERNEL environment variable) and
    the arithmetic it will run; ``module="_noise"``: the noise generator's build."""
    choice = (choice or os.environ.get("CSWEEP_KERNEL") or "auto").lower()
    if choice not in CHOICES:
        raise ValueError(f"CSWEEP_KERNEL must be one of {', '.join(CHOICES)}; received {choice!r}")
    fallback = baseline_noise if module == "_noise" else baseline
    if choice == "baseline":
        return fallback
    for name in PREFERENCE[precision] if choice == "auto" else (choice,):
        # the CPU first: a build's module initialisation already runs its instruction set, so
        # importing the AVX-512 build on a CPU without it dies of SIGILL
        if not _CPU_HAS[name]():
            if choice != "auto":
                raise RuntimeError(f"CSWEEP_KERNEL={choice}, but this CPU has no {name.upper()}")
            continue
        build = _build(name, module)
        if build is not None:
            return build
        if choice != "auto":
            raise RuntimeError(f"CSWEEP_KERNEL={choice}, but csweep was built without its "
                               f"{name} kernel")
    return fallback


kernel = select_kernel()
single_kernel = select_kernel(precision="float32")
noise_kernel = select_kernel(module="_noise")


def kernel_info() -> dict:
    """The compiled kernel in use: its instruction set and whether it runs on several threads."""
    return {"simd": kernel.simd(), "simd_float32": single_kernel.simd(),
            "simd_noise": noise_kernel.simd(),
            "openmp": kernel.openmp_enabled(),
            "max_threads": kernel.max_threads()}


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
