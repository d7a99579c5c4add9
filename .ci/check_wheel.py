"""Checks a built csweep wheel (and the sdist it came from) before anyone installs it:

    python .ci/check_wheel.py wheelhouse/csweep-*.whl [dist/csweep-*.tar.gz]

- the licence is in the wheel's metadata and the sdist, and so is pocketfft's (compiled in);
- every extension module (csweep/*.so, whatever their names) is stripped (no symbol table, no
  debug sections) and at most 1 MB;
- the bundled templates and py.typed are in the wheel;
- a Linux wheel is tagged manylinux and carries its OpenMP runtime (auditwheel's csweep.libs/);
- the sdist holds what a wheel is built from (the .pyx, the C headers and C++, pocketfft,
  templates, LICENSE, README) and no generated C.
"""

from __future__ import annotations

import fnmatch
import struct
import sys
import tarfile
import zipfile
from pathlib import Path

MAX_MODULE_BYTES = 1_000_000
ROOT = Path(__file__).resolve().parents[1]


def elf_section_names(data: bytes) -> list[str]:
    """The section names of a 64-bit little-endian ELF file (Linux x86-64 and aarch64)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]       # sh_offset of the section-name table
    names = []
    for name_offset, *_ in headers:
        start = names_at + name_offset
        names.append(data[start:data.index(b"\0", start)].decode())
    return names


def check_wheel(path: Path) -> list[str]:
    problems = []
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        if not any(fnmatch.fnmatch(n, "csweep-*.dist-info/licenses/LICENSE") for n in names):
            problems.append("no LICENSE in the wheel's .dist-info/licenses/")
        if not any(fnmatch.fnmatch(n, "csweep-*.dist-info/licenses/csweep/src/pocketfft/LICENSE.md")
                   for n in names):
            problems.append("no pocketfft licence (compiled into csweep._features) in the wheel")
        modules = [n for n in names if fnmatch.fnmatch(n, "csweep/*.so")
                   or fnmatch.fnmatch(n, "csweep/*.pyd")]
        if not modules:
            problems.append("no extension module csweep/*.so")
        for name in modules:
            size = wheel.getinfo(name).file_size
            line = f"  {name}: {size / 1e6:.2f} MB"
            if size > MAX_MODULE_BYTES:
                problems.append(f"{name} is {size} bytes; at most {MAX_MODULE_BYTES}")
            if name.endswith(".so"):
                sections = elf_section_names(wheel.read(name))
                debug = [s for s in sections if s == ".symtab" or s.startswith(".debug")]
                if debug:
                    problems.append(f"{name} is not stripped: {', '.join(debug)}")
                line += ", stripped" if not debug else ""
            print(line)
        templates = sorted(p.name for p in (ROOT / "templates").glob("*.yaml"))
        shipped = sorted(Path(n).name for n in names if fnmatch.fnmatch(n, "csweep/templates/*.yaml"))
        if shipped != templates:
            problems.append(f"templates in the wheel {shipped}; the repository has {templates}")
        if "csweep/py.typed" not in names:
            problems.append("no csweep/py.typed")
        if "linux" in path.name:
            if "manylinux" not in path.name:
                problems.append("a Linux wheel not tagged manylinux (run auditwheel repair)")
            if not any(fnmatch.fnmatch(n, "csweep.libs/libgomp*.so*") for n in names):
                problems.append("no OpenMP runtime (csweep.libs/libgomp*) vendored")
    return problems


def check_sdist(path: Path) -> list[str]:
    with tarfile.open(path) as sdist:
        names = [n.split("/", 1)[1] for n in sdist.getnames() if "/" in n]
    problems = [f"{want} is not in the sdist" for want in ("LICENSE", "README.md", "CHANGELOG.md",
                                                            "csweep/py.typed", "setup.py")
                if want not in names]
    for pattern in ("csweep/*.pyx", "csweep/src/*.h", "csweep/src/*.cpp",
                    "csweep/src/pocketfft/pocketfft_hdronly.h", "csweep/src/pocketfft/LICENSE.md",
                    "templates/*.yaml"):
        if not fnmatch.filter(names, pattern):
            problems.append(f"no {pattern} in the sdist")
    generated = fnmatch.filter(names, "csweep/*.c")
    if generated:
        problems.append(f"generated C in the sdist: {generated}")
    return problems


def main(paths: list[str]) -> int:
    problems = []
    for name in paths:
        path = Path(name)
        print(f"{path.name}:")
        problems += [f"{path.name}: {p}" for p in
                     (check_sdist(path) if path.name.endswith(".tar.gz") else check_wheel(path))]
    for problem in problems:
        print(f"check_wheel: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
