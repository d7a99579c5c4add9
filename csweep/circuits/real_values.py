"""Numbers a caller passes, as float64, refusing what only looks like real numbers to NumPy.

``np.asarray(x, dtype=np.float64)`` drops a complex number's imaginary part (with a warning that
is easy to miss), turns a ``datetime64`` into seconds since 1970 and a ``timedelta64`` into a
count of its unit: a sweep would then run on numbers the caller never meant. Every argument that
becomes an array of numbers (weights, edge attributes, inputs, initial states) goes through
:func:`real_float64` instead.
"""

from __future__ import annotations

import datetime
import math
import numbers

import numpy as np

_NOT_REAL = (complex, np.complexfloating, np.datetime64, np.timedelta64, datetime.date,
             datetime.timedelta)


def real_float64(value, where: str) -> np.ndarray:
    """``value`` as a float64 array (a new one, or ``value`` itself when it already is one);
    :class:`TypeError` naming ``where`` for complex numbers, dates, durations, text or objects
    that are not numbers."""
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    kind = array.dtype.kind
    if kind == "O":
        bad = next((v for v in array.flat if isinstance(v, _NOT_REAL)), None)
        if bad is not None:
            raise TypeError(f"{where} must hold real numbers; received {type(bad).__name__} "
                            f"{bad!r}")
    elif kind not in "biuf":
        raise TypeError(f"{where} must hold real numbers; received dtype {array.dtype} "
                        f"({_kind_name(kind)})")
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where} must hold real numbers: {exc}") from None


def real_number(value, where: str, *, finite: bool = True) -> float:
    """One real number as a Python float (NumPy scalars too); :class:`TypeError` for complex
    numbers, dates, booleans and text, :class:`ValueError` for NaN or infinity when ``finite``."""
    refused = TypeError(f"{where} must be a real number; received {type(value).__name__} "
                        f"{value!r}")
    if isinstance(value, (bool, np.bool_, str, bytes, np.ndarray) + _NOT_REAL):
        raise refused
    if isinstance(value, (numbers.Real, np.integer, np.floating)):
        number = float(value)
    else:
        try:                        # a Decimal, or another number type that knows its float
            number = float(value)
        except (TypeError, ValueError):
            raise refused from None
    if finite and not math.isfinite(number):
        raise ValueError(f"{where} must be a finite number; received {number!r}")
    return number


def _kind_name(kind: str) -> str:
    return {"c": "complex numbers: csweep does not drop an imaginary part",
            "M": "dates", "m": "durations", "U": "text", "S": "bytes",
            "V": "raw records"}.get(kind, "not numbers")
