"""Builds csweep's compiled kernel; all metadata lives in pyproject.toml.

Environment switches:
  CSWEEP_DEBUG=1      compile with bounds, wraparound and initialisation checks (slow; for tests)
  CSWEEP_NO_OPENMP=1  build without OpenMP (serial kernel); also chosen automatically when the
                      compiler cannot build an OpenMP program
"""

import os
import sys
import tempfile
import textwrap

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools._distutils.ccompiler import new_compiler
from setuptools._distutils.errors import CompileError, LinkError
from setuptools._distutils.sysconfig import customize_compiler

DEBUG = os.environ.get("CSWEEP_DEBUG", "") not in ("", "0")


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
    compiler = new_compiler()
    customize_compiler(compiler)
    program = textwrap.dedent("""
        #include <omp.h>
        int main(void) { int n = 0;
        #pragma omp parallel reduction(+:n)
        n += 1;
        return n > 0 ? 0 : 1; }
    """)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "check_openmp.c")
        with open(source, "w") as handle:
            handle.write(program)
        for compile_flags, link_flags in candidates:
            try:
                objects = compiler.compile([source], output_dir=tmp, extra_postargs=compile_flags)
                compiler.link_executable(objects, os.path.join(tmp, "check_openmp"),
                                         extra_postargs=link_flags)
                return compile_flags, link_flags
            except (CompileError, LinkError):
                continue
    print("csweep: the C compiler cannot build OpenMP code; building a serial kernel",
          file=sys.stderr)
    return [], []


compile_openmp, link_openmp = openmp_flags()
if sys.platform == "win32":
    compile_args = ["/O2", "/fp:precise"]
else:
    # -ffp-contract=off: no fused multiply-add, so vector and scalar lanes round alike and a set's
    # result does not depend on its position in the grid. No -march=native, no -ffast-math.
    compile_args = ["-O3", "-ffp-contract=off", "-fno-math-errno"]
    if DEBUG:
        compile_args = ["-O0", "-g"]

extension = Extension(
    "csweep._integrate",
    ["csweep/_integrate.pyx"],
    extra_compile_args=compile_args + compile_openmp,
    extra_link_args=link_openmp,
)

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
}

setup(ext_modules=cythonize([extension], compiler_directives=directives))
