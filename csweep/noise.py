"""Generated noise inputs: ``inputs={"jrc/jrc_op/u": csweep.noise.uniform(120, 320, seed=0)}``.

A noise input is drawn step by step from a counter-based generator keyed by ``(seed, set, step)``
(or ``(seed, step)`` for one series shared by every set), so a set's trace does not depend on the
block size, the number of threads, the order of the sets or which other sets run with it.
A set is known by its row label in the parameter grid: its position for a dict ``param_grid``,
its index label for a DataFrame. To re-run set 42 of a sweep alone, pass the grid's row 42 as a
one-row DataFrame with index label 42 (``grid.iloc[[42]]`` of ``results_map``'s parameter
columns with a 0..n-1 index); it gets the same input and so the same trace. Nothing of size
``(steps, n_sets)`` is built by the caller; csweep draws one block of sets at a time.

The generator is Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy
as 1, 2, 3", SC11, 2011) keyed by the seed, its counter the stream and a step number. Each call
gives 128 bits, four words of 32 bits, for steps 4j to 4j + 3: four uniform values
(``low + (high - low) * k / 2**32`` for an integer ``k``), or four normal values, two
Box-Muller pairs of 32-bit uniforms (steps 4j and 4j + 1 from words 0 and 1, steps 4j + 2 and
4j + 3 from words 2 and 3): with ``u1 = 1 - k1 / 2**32`` in (0, 1], ``u2 = k2 / 2**32`` in
[0, 1) and ``r = std * sqrt(-2 log u1)``, ``mean + r cos(2 pi u2)`` and
``mean + r sin(2 pi u2)``, the log, cos and sin csweep's own (vectorised, within 2 ulp, the same
bits on every build). A normal value therefore lies within ``sqrt(-2 log 2**-32) = 6.66``
standard deviations of the mean: the normal law's tails beyond (a probability of 2.7e-11 per
value) are not drawn. These are csweep's noise streams version 5 (:data:`GENERATOR`,
:data:`STREAM_VERSION`). Version 4 drew the same uniform values, and each normal pair from a
call of its own, with 53-bit ``u1`` and ``u2`` (tails to 8.57 standard deviations, twice the
generator's work per value); version 3 took the C library's log, cos and sin for those pairs
(which differ from version 4's in their last bits); version 2 (development versions after
csweep 0.1.0) took 53 bits per uniform value and one call per normal value, and version 1 was
SplitMix64's output function on a counter: each drew other numbers from the same seed. A store
records the generator and version, and refuses to resume a sweep started with another.
It is not NumPy's generator either: a seed here gives different numbers from
``np.random.default_rng(seed)``.
"""

from __future__ import annotations

import hashlib
import numbers
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import _noise  # type: ignore[attr-defined]  # compiled; no stub (pyproject: mypy)
from .kernels.builds import noise_kernel

__all__ = ["GENERATOR", "STREAM_VERSION", "Noise", "normal", "uniform"]

#: the counter-based generator csweep draws noise from
GENERATOR = _noise.GENERATOR
#: the version of csweep's noise streams: which numbers a (seed, set, step) gives
STREAM_VERSION = _noise.STREAM_VERSION


@dataclass(frozen=True)
class Noise:
    """A noise input specification; build one with :func:`uniform` or :func:`normal`.

    ``a`` and ``b`` are numbers, or names of ``param_grid`` keys whose values set them per set;
    a sweep gives such a noise its per-set values (:meth:`with_grid`) before it is drawn.
    """

    kind: str
    a: float | str      # uniform: low; normal: mean
    b: float | str      # uniform: high; normal: standard deviation
    seed: int = 0
    per_set: bool = True
    #: each set's a and b, ``(n_sets,)`` float64, once a sweep has read them from its grid
    a_values: np.ndarray | None = field(default=None, compare=False, repr=False)
    b_values: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.kind not in _noise.NOISE_KINDS:
            raise ValueError(f"Noise kind must be 'uniform' or 'normal'; received {self.kind!r}")
        for name in ("a", "b"):
            value = getattr(self, name)
            if isinstance(value, str):
                if not value:
                    raise ValueError(f"noise.{self.kind}: {self._names()[name]} must be a "
                                     "number or a param_grid key; received ''")
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                    or not np.isfinite(float(value)):
                raise TypeError(f"noise.{self.kind}: {self._names()[name]} must be a finite "
                                f"number or the name of a param_grid key; received {value!r}")
        if self.parameters and not self.per_set:
            raise ValueError(f"noise.{self.kind}: values set per set by param_grid keys "
                             f"({', '.join(self.parameters)}) need per_set=True; a series "
                             "shared by every set has one value per step")
        a, b = self.a, self.b          # a key's values are checked per set (with_grid)
        if self.kind == "uniform" and not isinstance(a, str) and not isinstance(b, str) \
                and not a <= b:
            raise ValueError(f"noise.uniform: low must not exceed high; received low={a!r}, "
                             f"high={b!r}")
        if self.kind == "normal" and not isinstance(b, str) and b < 0:
            raise ValueError(f"noise.normal: std must be >= 0; received {b!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) \
                or not 0 <= self.seed < 2**64:
            raise TypeError(f"noise.{self.kind}: seed must be an integer in [0, 2**64); received "
                            f"{self.seed!r}")
        if not isinstance(self.per_set, (bool, np.bool_)):
            raise TypeError(f"noise.{self.kind}: per_set must be True or False; received "
                            f"{self.per_set!r}")
        object.__setattr__(self, "per_set", bool(self.per_set))   # NumPy's bool as Python's

    def _names(self) -> dict[str, str]:
        return {"a": "low", "b": "high"} if self.kind == "uniform" else {"a": "mean", "b": "std"}

    @property
    def parameters(self) -> tuple[str, ...]:
        """The ``param_grid`` keys that set this noise's values per set."""
        return tuple(v for v in (self.a, self.b) if isinstance(v, str))

    def with_grid(self, grid: pd.DataFrame) -> Noise:
        """A copy holding each set's values, read from ``grid`` (a DataFrame, one row per set)
        for the values named by a key; itself when no value is. The values are checked: finite,
        ``std >= 0``, ``low <= high`` in every set."""
        if not self.parameters:
            return self
        names = self._names()
        values = {}
        for which in ("a", "b"):
            given = getattr(self, which)
            if not isinstance(given, str):
                values[which] = np.full(len(grid), float(given))
                continue
            if given not in grid.columns:
                raise KeyError(f"noise.{self.kind}: {names[which]}={given!r} is not a "
                               f"param_grid key; param_grid has "
                               f"{', '.join(map(repr, map(str, grid.columns)))}")
            values[which] = np.ascontiguousarray(grid[given].to_numpy(dtype=np.float64))
        a, b = values["a"], values["b"]
        bad = (~np.isfinite(a) | ~np.isfinite(b)
               | ((b < 0) if self.kind == "normal" else ~(a <= b)))
        if bad.any():
            k = int(np.argmax(bad))
            need = "std >= 0" if self.kind == "normal" else "low <= high"
            raise ValueError(f"noise.{self.kind}({self.a!r}, {self.b!r}): parameter set "
                             f"{grid.index[k]!r} gives {names['a']}={float(a[k])!r}, "
                             f"{names['b']}={float(b[k])!r}; expected finite values with {need}")
        return replace(self, a_values=a, b_values=b)

    def subset(self, start: int, stop: int) -> Noise:
        """This noise for sets start..stop-1 only (their per-set values; itself when it has
        none)."""
        if self.a_values is None or self.b_values is None:
            return self
        return replace(self, a_values=self.a_values[start:stop].copy(),
                       b_values=self.b_values[start:stop].copy())

    def describe(self) -> dict:
        """A plain-data description (for store attributes, their fingerprint and the command
        line), with the generator and stream version that turn it into numbers. A value set per
        set is given by its ``param_grid`` key (the grid's values are in the fingerprint)."""
        names = self._names()
        return {"noise": self.kind,
                **{names[k]: v if isinstance(v, str) else float(v)
                   for k, v in (("a", self.a), ("b", self.b))},
                "seed": int(self.seed), "per_set": self.per_set,
                "generator": GENERATOR, "stream_version": STREAM_VERSION}

    def _scalars(self) -> tuple[float, float]:
        return tuple(0.0 if isinstance(v, str) else float(v)  # type: ignore[return-value]
                     for v in (self.a, self.b))

    def _per_set(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self.parameters and (self.a_values is None or self.b_values is None):
            raise ValueError(f"noise.{self.kind}: values {', '.join(self.parameters)} are "
                             "param_grid keys; this noise must be read with with_grid() first")
        return self.a_values, self.b_values

    def kernel_spec(self) -> tuple:
        """``(kind, a, b, seed, a_values, b_values)`` as the kernel's tiles take it to draw this
        noise themselves (``a_values``, ``b_values``: None, or each set's values)."""
        return (_noise.NOISE_KINDS[self.kind], *self._scalars(), int(self.seed),
                *self._per_set())

    def block(self, n_steps: int, streams: np.ndarray, n_threads: int = 1,
              first_step: int = 0) -> np.ndarray:
        """The input rows of steps ``first_step ..`` for the sets of ``streams`` (see
        :func:`set_streams`): ``(n_steps, len(streams))``, or ``(n_steps, 1)`` for a shared
        series. With per-set values, ``streams`` are the sets of those values, in order."""
        streams = (np.array([_noise.SHARED_STREAM], dtype=np.uint64) if not self.per_set
                   else np.ascontiguousarray(streams, dtype=np.uint64))
        out = np.empty((n_steps, len(streams)))
        a_values, b_values = self._per_set()
        noise_kernel.fill_noise(out, streams, int(self.seed), first_step,
                                _noise.NOISE_KINDS[self.kind], *self._scalars(), n_threads,
                                a_values, b_values)
        return out


def uniform(low: float | str, high: float | str, *, seed: int = 0,
            per_set: bool = True) -> Noise:
    """Uniform noise on ``[low, high)``, a new value every step.

    ``per_set=True`` (the default) gives every parameter set its own series (set i's drawn from
    stream i); ``per_set=False`` drives every set with one shared series.

    ``low`` or ``high`` may be the name of a ``param_grid`` key instead of a number: that key
    then sets the value per set (it needs no ``param_map`` entry). A set's values are
    ``low + (high - low) * u`` of the same uniform ``u`` whatever its bounds, bit for bit the
    numbers a scalar ``low`` and ``high`` give.
    """
    return Noise("uniform", low, high, seed, per_set)


def normal(mean: float | str, std: float | str, *, seed: int = 0,
           per_set: bool = True) -> Noise:
    """Gaussian noise of mean ``mean`` and standard deviation ``std``, a new value every step.

    ``per_set`` as for :func:`uniform`. ``mean`` or ``std`` may be the name of a ``param_grid``
    key, which then sets it per set (``normal("mu", "sigma")``; no ``param_map`` entry needed):
    ``mean + (std * r) * cos(...)`` of the same Box-Muller draw, bit for bit the numbers scalar
    values give; a set whose ``std`` is 0 receives exactly its ``mean``.

    The values are Box-Muller pairs of 32-bit uniforms (noise streams version 5), so none lies
    beyond ``sqrt(-2 log 2**-32) = 6.66`` standard deviations of the mean (the normal law puts
    2.7e-11 of its mass there).
    """
    return Noise("normal", mean, std, seed, per_set)


def set_streams(index) -> np.ndarray:
    """Each set's noise stream, from its row label: an integer label is the stream itself, any
    other label is hashed (SHA-256 of its text)."""
    values = np.asarray(index)
    if values.dtype.kind in "iu":     # integer labels all: each its own stream, mod 2**64
        return values.astype(np.int64 if values.dtype.kind == "i" else np.uint64).astype(
            np.uint64, casting="unsafe")
    streams = np.empty(len(index), dtype=np.uint64)
    for i, label in enumerate(index):
        if isinstance(label, numbers.Integral) and not isinstance(label, bool):
            streams[i] = int(label) % 2**64
        else:
            digest = hashlib.sha256(str(label).encode()).digest()
            streams[i] = int.from_bytes(digest[:8], "little")
    return streams
