"""How much memory a sweep may take, checked before anything large is allocated.

The limit is 90 % of the memory the system could give this process now (Linux ``MemAvailable``),
or the environment variable ``CSWEEP_MEMORY_LIMIT`` when set (bytes, or a number with a unit:
``64GB``, ``512MB``, ``2TiB``), which raises (or lowers) it. What exceeds it is refused with a
:class:`MemoryError` naming what would have been allocated and how large it is, rather than
grown until the system kills the process.
"""

from __future__ import annotations

import os
import re

#: the environment variable that sets the memory limit
MEMORY_LIMIT_ENV = "CSWEEP_MEMORY_LIMIT"
#: share of the available memory a sweep may take when no limit is set
AVAILABLE_SHARE = 0.9
#: needs below this are not checked (reading the memory available costs more than a small
#: sweep; no limit worth setting is this small)
ALWAYS_FITS = 2**16
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def available_memory() -> int | None:
    """Bytes the system could give this process now (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def memory_limit(available: int | None = None) -> tuple[float | None, str]:
    """(bytes a sweep may take, or None when unknown; the limit in words)."""
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)", text)
        if not match or match.group(2).upper() not in _UNITS:
            raise ValueError(f"{MEMORY_LIMIT_ENV} must be a size such as 64GB or 512MB (or "
                             f"bytes); received {text!r}")
        return (float(match.group(1)) * _UNITS[match.group(2).upper()],
                f"the limit {MEMORY_LIMIT_ENV}={text}")
    if available is None:
        available = available_memory()
    if available is None:
        return None, "unknown"
    return AVAILABLE_SHARE * available, (f"{AVAILABLE_SHARE:.0%} of the {size_text(available)} "
                                         "available")


def check_memory(needed: float, what: str, advice: str = "",
                 available: int | None = None) -> None:
    """Refuse, before allocating, ``what`` when its ``needed`` bytes exceed the memory limit."""
    if needed < ALWAYS_FITS:
        return
    limit, described = memory_limit(available)
    if limit is not None and needed > limit:
        raise MemoryError(
            f"csweep: {what} would need {size_text(needed)} in memory, more than {described}. "
            + (f"{advice} " if advice else "")
            + f"To allow more, set the environment variable {MEMORY_LIMIT_ENV} (e.g. "
            f"{MEMORY_LIMIT_ENV}=64GB).")


def size_text(n: float) -> str:
    """``n`` bytes in words: ``12.5 GB``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n} B"
