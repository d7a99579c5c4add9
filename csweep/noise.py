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
gives 128 bits: four uniform values of 32 bits each (``low + (high - low) * k / 2**32`` for an
integer ``k``; steps 4j to 4j + 3), or two normal values, the Box-Muller pair of two 53-bit
uniforms (steps 2j and 2j + 1). These are csweep's noise streams version 3 (:data:`GENERATOR`,
:data:`STREAM_VERSION`). Version 2 (development versions after csweep 0.1.0) took 53 bits
per uniform value and one call per normal value, and version 1 was SplitMix64's output function
on a counter: both drew other numbers from the same seed. A store records the generator and
version, and refuses to resume a sweep started with another. It is not NumPy's generator
either: a seed here gives different numbers from ``np.random.default_rng(seed)``.
"""

from __future__ import annotations

import hashlib
import numbers
from dataclasses import dataclass

import numpy as np

from . import _noise  # type: ignore[attr-defined]  # compiled; no stub (pyproject: mypy)
from .kernels.builds import noise_kernel

__all__ = ["GENERATOR", "STREAM_VERSION", "Noise", "normal", "uniform"]

#: the counter-based generator csweep draws noise from
GENERATOR = _noise.GENERATOR
#: the version of csweep's noise streams: which numbers a (seed, set, step) gives
STREAM_VERSION = _noise.STREAM_VERSION


@dataclass(frozen=True)
class Noise:
    """A noise input specification; build one with :func:`uniform` or :func:`normal`."""

    kind: str
    a: float            # uniform: low; normal: mean
    b: float            # uniform: high; normal: standard deviation
    seed: int = 0
    per_set: bool = True

    def __post_init__(self):
        if self.kind not in _noise.NOISE_KINDS:
            raise ValueError(f"Noise kind must be 'uniform' or 'normal'; received {self.kind!r}")
        for name in ("a", "b"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                    or not np.isfinite(float(value)):
                raise TypeError(f"noise.{self.kind}: {self._names()[name]} must be a finite "
                                f"number; received {value!r}")
        if self.kind == "uniform" and not self.a <= self.b:
            raise ValueError(f"noise.uniform: low must not exceed high; received low={self.a!r}, "
                             f"high={self.b!r}")
        if self.kind == "normal" and self.b < 0:
            raise ValueError(f"noise.normal: std must be >= 0; received {self.b!r}")
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

    def describe(self) -> dict:
        """A plain-data description (for store attributes, their fingerprint and the command
        line), with the generator and stream version that turn it into numbers."""
        names = self._names()
        return {"noise": self.kind, names["a"]: float(self.a), names["b"]: float(self.b),
                "seed": int(self.seed), "per_set": self.per_set,
                "generator": GENERATOR, "stream_version": STREAM_VERSION}

    def kernel_spec(self) -> tuple[int, float, float, int]:
        """``(kind, a, b, seed)`` as the kernel's tiles take it to draw this noise themselves."""
        return _noise.NOISE_KINDS[self.kind], float(self.a), float(self.b), int(self.seed)

    def block(self, n_steps: int, streams: np.ndarray, n_threads: int = 1,
              first_step: int = 0) -> np.ndarray:
        """The input rows of steps ``first_step ..`` for the sets of ``streams`` (see
        :func:`set_streams`): ``(n_steps, len(streams))``, or ``(n_steps, 1)`` for a shared
        series."""
        streams = (np.array([_noise.SHARED_STREAM], dtype=np.uint64) if not self.per_set
                   else np.ascontiguousarray(streams, dtype=np.uint64))
        out = np.empty((n_steps, len(streams)))
        noise_kernel.fill_noise(out, streams, int(self.seed), first_step,
                                _noise.NOISE_KINDS[self.kind], float(self.a), float(self.b),
                                n_threads)
        return out


def uniform(low: float, high: float, *, seed: int = 0, per_set: bool = True) -> Noise:
    """Uniform noise on ``[low, high)``, a new value every step.

    ``per_set=True`` (the default) gives every parameter set its own series (set i's drawn from
    stream i); ``per_set=False`` drives every set with one shared series.
    """
    return Noise("uniform", low, high, seed, per_set)


def normal(mean: float, std: float, *, seed: int = 0, per_set: bool = True) -> Noise:
    """Gaussian noise of mean ``mean`` and standard deviation ``std``, a new value every step.

    ``per_set`` as for :func:`uniform`.
    """
    return Noise("normal", mean, std, seed, per_set)


def set_streams(index) -> np.ndarray:
    """Each set's noise stream, from its row label: an integer label is the stream itself, any
    other label is hashed (SHA-256 of its text)."""
    streams = np.empty(len(index), dtype=np.uint64)
    for i, label in enumerate(index):
        if isinstance(label, numbers.Integral) and not isinstance(label, bool):
            streams[i] = int(label) % 2**64
        else:
            digest = hashlib.sha256(str(label).encode()).digest()
            streams[i] = int.from_bytes(digest[:8], "little")
    return streams
