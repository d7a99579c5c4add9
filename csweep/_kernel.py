"""Which compiled kernel runs: the AVX2 build on CPUs that have AVX2, else the baseline build.

Both are the same Cython source (``_integrate.pyx``) and give bitwise identical results; the AVX2
build steps four parameter sets per instruction instead of two. ``CSWEEP_KERNEL=baseline`` forces
the baseline build (for testing it on an AVX2 machine); ``CSWEEP_KERNEL=avx2`` insists on AVX2.
"""

from __future__ import annotations

import os

from . import _integrate as baseline

CHOICES = ("auto", "baseline", "avx2")


def select_kernel(choice: str | None = None):
    """The kernel module for ``choice`` (default: the CSWEEP_KERNEL environment variable)."""
    choice = (choice or os.environ.get("CSWEEP_KERNEL") or "auto").lower()
    if choice not in CHOICES:
        raise ValueError(f"CSWEEP_KERNEL must be one of {', '.join(CHOICES)}; received {choice!r}")
    if choice == "baseline":
        return baseline
    try:
        from . import _integrate_avx2 as avx2  # noqa: PLC0415 (absent on non-x86 builds)
    except ImportError:
        avx2 = None
    if avx2 is not None and baseline.cpu_has_avx2():
        return avx2
    if choice == "avx2":
        raise RuntimeError("CSWEEP_KERNEL=avx2, but " + ("this CPU has no AVX2" if avx2 is not None
                           else "csweep was built without its AVX2 kernel"))
    return baseline


kernel = select_kernel()


def kernel_info() -> dict:
    """The compiled kernel in use: its instruction set and whether it runs on several threads."""
    return {"simd": kernel.simd(), "openmp": kernel.openmp_enabled(),
            "max_threads": kernel.max_threads()}
