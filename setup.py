"""Builds csweep's compiled kernel; all metadata lives in pyproject.toml.

Environment switches:
  CSWEEP_DEBUG=1      compile with bounds, wraparound and initialisation checks (slow; for tests)
  CSWEEP_SANITIZE=address
                      compile and link with AddressSanitizer (-fsanitize=address
                      -fno-omit-frame-pointer -g); combine with CSWEEP_DEBUG=1 for -O0 and the
                      checks above. The interpreter is not instrumented, so run with libasan
                      preloaded: LD_PRELOAD=$(gcc -print-file-name=libasan.so)
                      ASAN_OPTIONS=detect_leaks=0 (.ci/memcheck asan does this)
  CSWEEP_NO_OPENMP=1  build without OpenMP (serial kernel); also chosen automatically when the
                      compiler cannot build an OpenMP program
  CSWEEP_NO_AVX2=1    build only the baseline kernel; by default x86-64 builds also compile the
                      JRC2 and network tiles and the noise generator for AVX2
                      (csweep._integrate_avx2, csweep._network_tiles_avx2,
                      csweep._network_tiles8_avx2, csweep._noise_avx2)
                      and AVX-512 (..._avx512), and csweep uses the best one the CPU has
                      (the network arrays and solver="scipy" modules are built once)
Release builds (neither switch above) carry no debug information: -g0, and on Linux the linker
strips the modules (-s), which makes them about a fifth of the size. The extensions compile in
parallel, one per core.
Debug and sanitizer builds keep their generated C and objects in build/debug, build/asan or
build/debug-asan, apart from the release build's (a stale file of one never ends up in another).
"""

import os
import platform
import re
import sys
import tempfile
import textwrap

import Cython
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools._distutils.ccompiler import new_compiler
from setuptools._distutils.errors import CompileError, LinkError
from setuptools._distutils.sysconfig import customize_compiler

DEBUG = os.environ.get("CSWEEP_DEBUG", "") not in ("", "0")
SANITIZE = os.environ.get("CSWEEP_SANITIZE", "") not in ("", "0")
if SANITIZE and os.environ["CSWEEP_SANITIZE"] != "address":
    sys.exit(f"csweep: CSWEEP_SANITIZE must be 'address'; received {os.environ['CSWEEP_SANITIZE']!r}")
# the source tree's root: the kernel's C headers are included as "csweep/src/x.h" from it
ROOT = os.path.dirname(os.path.abspath(__file__))
VARIANT = "-".join(name for name, on in (("debug", DEBUG), ("asan", SANITIZE)) if on)


def _compiles(compile_flags, link_flags, program):
    """Whether this C compiler builds and links ``program`` with these flags."""
    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "check.c")
        with open(source, "w") as handle:
            handle.write(program)
        try:
            objects = compiler.compile([source], output_dir=tmp, extra_postargs=compile_flags)
            compiler.link_executable(objects, os.path.join(tmp, "check"), extra_postargs=link_flags)
        except (CompileError, LinkError):
            return False
    return True


def openmp_flags():
    """Compiler and linker flags for OpenMP, or none when this compiler cannot use it."""
    if os.environ.get("CSWEEP_NO_OPENMP", "") not in ("", "0"):
        return [], []
    if sys.platform == "win32":
        candidates = [(["/openmp"], [])]
    elif sys.platform == "darwin":
        candidates = [(["-Xpreprocessor", "-fopenmp"], ["-lomp"]), (["-fopenmp"], ["-fopenmp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    program = textwrap.dedent("""
        #include <omp.h>
        int main(void) { int n = 0;
        #pragma omp parallel reduction(+:n)
        n += 1;
        return n > 0 ? 0 : 1; }
    """)
    for compile_flags, link_flags in candidates:
        if _compiles(compile_flags, link_flags, program):
            return compile_flags, link_flags
    print("csweep: the C compiler cannot build OpenMP code; building a serial kernel",
          file=sys.stderr)
    return [], []


compile_openmp, link_openmp = openmp_flags()
if sys.platform == "win32":
    compile_args = ["/O2", "/fp:precise"]
else:
    # -ffp-contract=off: no fused multiply-add, so vector and scalar lanes round alike and a set's
    # result does not depend on its position in the grid. -fno-trapping-math lets the compiler turn
    # the sigmoid's clamp into vector min/max (values are unchanged: IEEE results, NaN kept).
    # No -march=native, no -ffast-math.
    compile_args = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]
    if DEBUG:
        compile_args = ["-O0", "-g"]
link_args = []
if not (DEBUG or SANITIZE) and sys.platform != "win32":
    # Python's own CFLAGS carry -g; a release module needs no debug information (2.2 MB -> 0.4 MB)
    compile_args = compile_args + ["-g0"]
    if sys.platform.startswith("linux"):
        link_args = ["-s"]
if SANITIZE:
    compile_args = compile_args + ["-g", "-fsanitize=address", "-fno-omit-frame-pointer"]
    link_args = ["-fsanitize=address"]


SIMD_CHECKS = {
    "avx2": "#include <immintrin.h>\nint main(void) { __m256d x = _mm256_set1_pd(1.0);"
            " return (int)_mm256_cvtsd_f64(_mm256_add_pd(x, x)) - 2; }\n",
    "avx512": "#include <immintrin.h>\nint main(void) { __m512d x = _mm512_set1_pd(1.0);"
              " return (int)_mm512_reduce_add_pd(x) - 8; }\n",
}
SIMD_FLAGS = {
    "avx2": (["/arch:AVX2"], ["-mavx2"]),
    "avx512": (["/arch:AVX512"], ["-mavx2", "-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw",
                                  "-mavx512cd"]),
}


def simd_flags(name):
    """Flags for the `name` build of the kernel, or None where there is no such build."""
    if os.environ.get("CSWEEP_NO_AVX2", "") not in ("", "0"):
        return None
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    flags = SIMD_FLAGS[name][0 if sys.platform == "win32" else 1]
    return flags if _compiles(flags, [], SIMD_CHECKS[name]) else None


# The kernel's modules, each built once with the baseline flags, except the tiles (_integrate:
# JRC2, _network_tiles: networks) and the noise generator (_noise), the code that gains from wider
# vectors, built again per instruction set below (_features: the features' mean, std and Welch
# spectra, for csweep.analysis.features; _runtime: OpenMP and the CPU's
# instruction sets). They share inline code through the .pxd files, and C code through the
# headers in csweep/src (included as "csweep/src/x.h", from the source tree's root).
KERNEL_MODULES = ("_integrate", "_network", "_network_tiles", "_network_tiles8", "_dopri", "_noise",
                  "_features", "_runtime")
PER_INSTRUCTION_SET = ("_integrate", "_network_tiles", "_network_tiles8", "_noise")
# _network_tiles8 is _network_tiles in tiles of 8 sets instead of 16 (for sweeps of few sets)
MACROS = {"_network_tiles8": [("CSWEEP_NET_TILE", "8")]}
# C++ compiled into a module beside its .pyx: pocketfft (BSD-3-Clause, the FFT of NumPy 2 and SciPy;
# csweep/src/pocketfft) for _features' Welch spectra, called from its threads (csweep/src/spectra.h)
SOURCES = {"_features": ["csweep/src/spectra.cpp"]}
# what a module's sources include beyond SHARED (a change rebuilds it)
INCLUDES = {"_network_tiles8": ["csweep/_network_tiles.pyx"],
            "_features": ["csweep/src/pocketfft/pocketfft_hdronly.h"]}

SHARED = ["csweep/_common.pxd", "csweep/_jrc2.pxd", "csweep/_network.pxd", "csweep/_philox.pxd",
          "csweep/_network_lanes.pxd", "csweep/_fixed_step.pxd"] + sorted(
    f"csweep/src/{name}" for name in os.listdir(os.path.join(ROOT, "csweep", "src"))
    if name.endswith(".h"))


def kernel_extension(name, source, extra_flags=(), depends=()):
    return Extension(f"csweep.{name}", [source, *SOURCES.get(name, [])],
                     extra_compile_args=compile_args + compile_openmp + list(extra_flags),
                     extra_link_args=link_openmp + link_args,
                     depends=SHARED + list(depends) + INCLUDES.get(name.rsplit("_avx", 1)[0], []),
                     define_macros=MACROS.get(name.rsplit("_avx", 1)[0], []),
                     include_dirs=[ROOT])


extensions = [kernel_extension(name, f"csweep/{name}.pyx") for name in KERNEL_MODULES]
for simd in SIMD_FLAGS:
    flags = simd_flags(simd)
    for name in PER_INSTRUCTION_SET if flags is not None else ():
        extensions.append(kernel_extension(f"{name}_{simd}", f"csweep/{name}_{simd}.pyx",
                                           flags, [f"csweep/{name}.pyx"]))

# Cython's runtime support (memoryviews, above all) compiled once into csweep._cyutility instead
# of into each of the kernel's modules: it is most of each module's C. Needs Cython 3.1.
shared_utility = {}
if tuple(int(part) for part in re.findall(r"\d+", Cython.__version__)[:2]) >= (3, 1):
    shared_utility = {"shared_utility_qualified_name": "csweep._cyutility"}
    extensions.append(Extension("csweep._cyutility", ["csweep/_cyutility.c"],
                                extra_compile_args=compile_args, extra_link_args=link_args))

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
}

# the modules compile in parallel, one per core
options = {"build_ext": {"parallel": os.cpu_count() or 1}}
if VARIANT:
    options["build"] = {"build_base": f"build/{VARIANT}"}
setup(ext_modules=cythonize(extensions, compiler_directives=directives,
                            build_dir=f"build/{VARIANT}" if VARIANT else None,
                            **shared_utility),
      options=options)
