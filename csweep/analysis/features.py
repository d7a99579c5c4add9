"""Per-run features: a few numbers per parameter set, computed right after its block is integrated.

``grid_search(..., features={"freq": features.dominant_frequency("V_e - V_i", band=(1, 40))})``
returns one row per set (``SweepResult.features``), so a sweep need not keep its time series.
A *signal* is an output name from ``outputs`` or a linear combination of them
(``"V_e - V_i"``, ``"0.5*V_e + 0.5*V_i"``). Built-ins:

==============================  ====================================================================
``mean(signal)``                time average over the recorded samples (after ``cutoff``)
``std(signal)``                 standard deviation (population, ``ddof=0``)
``peak_to_peak(signal)``        max - min
``minimum``, ``maximum``        the extremes
``dominant_frequency``          frequency (Hz) of the largest value of the power spectral density in
                                ``band`` (Welch's method by default, or a periodogram ``method="fft"``)
``dominant_power``              that largest PSD value (signal units squared per Hz)
``spectrum(signal, freqs)``     a vector feature: the PSD at each of ``freqs`` (Hz), interpolated
                                linearly (``log=True``: its log10); ``len(freqs)`` numbers per set
``custom(func, signal)``        ``func(x, times)`` with ``x`` of shape ``(n_samples, n_sets_in_block)``
                                returning one number per set (``version="..."``: see below)
==============================  ====================================================================

A plain callable is also accepted: it receives the block's recorded values as an array of shape
``(n_samples, n_outputs, n_sets_in_block)`` (outputs in ``outputs`` order) and the sample times,
and returns one number per set. Spectra: the mean is removed; Welch segments last ``segment``
seconds (default 2 s, or the whole record if shorter), Hann-windowed, overlapping by half, and
are averaged, as ``scipy.signal.welch`` with ``scaling="density"``; ``method="fft"`` is the
periodogram of the whole record (rectangular window). Features are computed in float64, and a
set's built-in features are bitwise the same whatever the block or the other sets it runs with.

A vector feature (``spectrum``) gives ``SweepResult.features[name]`` as a sub-frame of
``(n_sets, len(freqs))`` values whose columns are the frequencies: the features frame then has
two column levels, ``(name, frequency)`` for a vector feature and ``(name, "")`` for parameters
and scalar features (so ``features["C"]`` is still a column). A store holds it as a variable
``(run, <name>_frequency)``.

With a store, a resume checks that every feature is the one the store was started with: a
custom function's code (bytecode, constants, defaults, closure values and the module-level values
it reads) is fingerprinted; a callable whose code cannot be read (an object with ``__call__``)
is refused unless named with ``custom(func, signal, version="2")``.
"""

from __future__ import annotations

import ast
import functools
import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from .. import _features  # type: ignore[attr-defined]  # compiled; no stub (pyproject: mypy)

__all__ = ["Feature", "compute", "custom", "dominant_frequency", "dominant_power", "from_frames",
           "maximum", "mean", "minimum", "peak_to_peak", "spectrum", "std"]

SPECTRUM_METHODS = ("welch", "fft")
#: the FFT of the spectra (csweep/_features.pyx), as stores record it
SPECTRUM_FFT = "pocketfft (csweep/src/spectra.cpp)"
#: the kinds of feature computed from a spectrum (the costly ones)
SPECTRAL_KINDS = ("dominant_frequency", "dominant_power", "spectrum")
#: the kinds whose function is the user's (it sees a block's sets together)
USER_KINDS = ("callable", "custom")
#: the largest working array a thread keeps between blocks (see _room)
ROOM_BYTES = 64 << 20
# Each thread's working arrays (a block's signals), kept between blocks: a fresh array of a few
# MB costs more in page faults than the arithmetic done in it
# (a fit's 32-set generation of 7,000 samples: its features took 4.9 ms, 2.2 ms with kept
# arrays; benchmarks/fit.py).
_rooms = threading.local()


@dataclass(frozen=True)
class Feature:
    """One per-set number computed from a signal; build one with the functions of this module."""

    kind: str
    signal: str | None = None
    band: tuple[float, float] | None = None
    method: str = "welch"
    segment: float = 2.0
    func: Callable | None = field(default=None, compare=False)
    #: the user's name for this version of ``func`` (a store then trusts it instead of its code)
    version: str | None = None
    #: a vector feature's frequencies (Hz): ``spectrum`` only
    freqs: tuple[float, ...] | None = None
    log: bool = False

    @property
    def width(self) -> int | None:
        """Numbers per set: None for a scalar feature, ``len(freqs)`` for a vector one."""
        return None if self.freqs is None else len(self.freqs)

    def describe(self) -> dict:
        """Plain data for store attributes and a sweep's fingerprint."""
        out: dict[str, object] = {"feature": self.kind}
        if self.signal is not None:
            out["signal"] = self.signal
        if self.kind in ("dominant_frequency", "dominant_power"):
            out.update(band=list(self.band or ()), method=self.method, segment=self.segment)
        if self.kind == "spectrum":
            out.update(freqs=list(self.freqs or ()), log=self.log, method=self.method,
                       segment=self.segment)
        if self.kind in SPECTRAL_KINDS:
            # whose FFT: its last bits are its own (a store of another's is refused on resume)
            out["fft"] = SPECTRUM_FFT
        if self.func is not None:
            out["function"] = getattr(self.func, "__qualname__", type(self.func).__qualname__)
        if self.version is not None:
            out["version"] = self.version
        return out


def _signal_feature(kind: str, signal: str) -> Feature:
    parse_signal(signal)
    return Feature(kind, signal)


def mean(signal: str) -> Feature:
    """Time average of ``signal``."""
    return _signal_feature("mean", signal)


def std(signal: str) -> Feature:
    """Standard deviation of ``signal`` over time."""
    return _signal_feature("std", signal)


def peak_to_peak(signal: str) -> Feature:
    """Range (max - min) of ``signal`` over time."""
    return _signal_feature("peak_to_peak", signal)


def minimum(signal: str) -> Feature:
    """Smallest value of ``signal``."""
    return _signal_feature("minimum", signal)


def maximum(signal: str) -> Feature:
    """Largest value of ``signal``."""
    return _signal_feature("maximum", signal)


def _spectral(kind, signal, band, method, segment) -> Feature:
    parse_signal(signal)
    if (not isinstance(band, (tuple, list)) or len(band) != 2
            or not all(isinstance(b, numbers.Real) and np.isfinite(float(b)) for b in band)
            or not 0 <= band[0] < band[1]):
        raise ValueError(f"{kind}: band must be (low, high) in Hz with 0 <= low < high; received "
                         f"{band!r}")
    if method not in SPECTRUM_METHODS:
        raise ValueError(f"{kind}: method must be 'welch' or 'fft'; received {method!r}")
    if not isinstance(segment, numbers.Real) or not float(segment) > 0:
        raise ValueError(f"{kind}: segment must be a positive duration in s; received {segment!r}")
    return Feature(kind, signal, (float(band[0]), float(band[1])), method, float(segment))


def dominant_frequency(signal: str, band: tuple[float, float] = (0.5, 100.0), *,
                       method: str = "welch", segment: float = 2.0) -> Feature:
    """Frequency (Hz) of the power spectral density's maximum within ``band`` (Hz)."""
    return _spectral("dominant_frequency", signal, band, method, segment)


def dominant_power(signal: str, band: tuple[float, float] = (0.5, 100.0), *, method: str = "welch",
                   segment: float = 2.0) -> Feature:
    """The power spectral density's maximum within ``band`` (signal units squared per Hz)."""
    return _spectral("dominant_power", signal, band, method, segment)


def spectrum(signal: str, freqs: Sequence[float] | np.ndarray, *, log: bool = False, method: str = "welch",
             segment: float = 2.0) -> Feature:
    """The power spectral density of ``signal`` at each of ``freqs`` (Hz): a vector feature.

    Per set, the PSD as ``scipy.signal.welch`` computes it with its defaults (Hann window, half
    overlap, ``detrend="constant"``, ``scaling="density"``) on segments of ``segment`` seconds
    (``nperseg = round(segment / sampling step)``, or the whole record if shorter), or the
    periodogram of the whole record with ``method="fft"``; then interpolated linearly at
    ``freqs``, as ``np.interp``. ``log=True`` gives ``log10`` of it. A frequency above the
    spectrum's last (Nyquist's) gives NaN.
    """
    _spectral("spectrum", signal, (0.0, 1.0), method, segment)
    try:
        values = np.asarray(freqs, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"spectrum: freqs must be a sequence of frequencies in Hz; received "
                        f"{freqs!r}") from None
    if values.ndim != 1 or len(values) == 0 or not np.all(np.isfinite(values)) \
            or np.any(values < 0):
        raise ValueError("spectrum: freqs must be a non-empty 1-D sequence of finite frequencies "
                         f">= 0 Hz; received {freqs!r}")
    if len(np.unique(values)) != len(values):
        raise ValueError(f"spectrum: freqs must not repeat a frequency; received {freqs!r}")
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"spectrum: log must be True or False; received {log!r}")
    return Feature("spectrum", signal, None, method, float(segment),
                   freqs=tuple(float(f) for f in values), log=bool(log))


def custom(func: Callable, signal: str | None = None, *, version: str | None = None) -> Feature:
    """``func(x, times)``: ``x`` is ``signal`` for a block, ``(n_samples, n_sets_in_block)``
    (without ``signal``: every output, as a plain callable receives them); it returns one number
    per set. ``version`` names this version of ``func`` for a store's resume check, which
    otherwise fingerprints its code (a callable object whose code cannot be read needs one)."""
    if not callable(func):
        raise TypeError(f"custom: func must be callable; received {func!r}")
    if version is not None and (not isinstance(version, str) or not version):
        raise TypeError(f"custom: version must be a non-empty string; received {version!r}")
    if signal is None:
        return Feature("callable", func=func, version=version)
    parse_signal(signal)
    return Feature("custom", signal, func=func, version=version)


# --------------------------------------------------------------------------------------------
# Validation against a sweep's outputs
# --------------------------------------------------------------------------------------------

def check_features(features, output_names: list[str], taken: list[str]) -> dict[str, Feature]:
    """``features`` as a dict of name -> Feature (plain callables wrapped), checked against the
    sweep's output names; ``taken`` are column names a feature may not reuse (parameters)."""
    if features is None:
        return {}
    if not isinstance(features, Mapping):
        raise TypeError("features must be a dict of name -> feature (csweep.features.mean(...), "
                        f"...); received {type(features).__name__}")
    checked = {}
    for name, spec in features.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"features: names must be non-empty strings; received {name!r}")
        if name in taken:
            raise ValueError(f"features: {name!r} is also a parameter column; choose another name")
        if isinstance(spec, Feature):
            if spec.signal is not None:
                unknown = set(parse_signal(spec.signal)) - set(output_names)
                if unknown:
                    raise KeyError(f"features[{name!r}]: signal {spec.signal!r} names "
                                   f"{', '.join(sorted(unknown))}, not in outputs; outputs are "
                                   f"{', '.join(output_names)}")
            checked[name] = spec
        elif callable(spec):
            checked[name] = Feature("callable", func=spec)
        else:
            raise TypeError(f"features[{name!r}] must be a csweep.features feature or a callable; "
                            f"received {spec!r}")
    return checked


def parse_signal(signal) -> dict[str, float]:
    """``"V_e - V_i"`` -> {"V_e": 1.0, "V_i": -1.0}; only sums of (numbers times) outputs."""
    if not isinstance(signal, str) or not signal.strip():
        raise TypeError(f"signal must be an output name or a sum of them such as 'V_e - V_i'; "
                        f"received {signal!r}")
    try:
        tree = ast.parse(signal.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"signal {signal!r} is not an expression such as 'V_e - V_i'") from None
    terms: dict[str, float] = {}

    def walk(node, factor):
        if isinstance(node, ast.Name):
            terms[node.id] = terms.get(node.id, 0.0) + factor
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            walk(node.operand, -factor if isinstance(node.op, ast.USub) else factor)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            walk(node.left, factor)
            walk(node.right, -factor if isinstance(node.op, ast.Sub) else factor)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            number, other = ((node.left, node.right) if _is_number(node.left)
                             else (node.right, node.left))
            if not _is_number(number):
                raise ValueError(f"signal {signal!r}: only numbers may multiply outputs")
            walk(other, factor * float(cast(float, cast(ast.Constant, number).value)))
        else:
            raise ValueError(f"signal {signal!r}: expected output names combined with +, - and "
                             "multiplication by numbers")

    walk(tree, 1.0)
    return terms


def _is_number(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


# --------------------------------------------------------------------------------------------
# Computation on a block
# --------------------------------------------------------------------------------------------

def compute(features: dict[str, Feature], values: np.ndarray, output_names: list[str],
            times: np.ndarray, threads: int = 1) -> dict[str, np.ndarray]:
    """Every feature of a block: ``values`` is ``(n_samples, n_outputs, n_sets)``. Spectra are
    computed on ``threads`` threads (the same numbers on any number)."""
    signals: dict[str, np.ndarray] = {}
    spectra: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    step = float(times[1] - times[0]) if len(times) > 1 else np.nan
    n_sets = values.shape[2]

    # the built-in features only read their signals here: those go to kept room (one per
    # signal); a user's function may keep what it is given, so then every signal is new
    kept = not any(spec.kind in USER_KINDS for spec in features.values())

    def signal(text):
        if text not in signals:
            shape = (values.shape[0], n_sets)
            total = _room(f"signal {len(signals)}", shape) if kept else np.empty(shape)
            terms = parse_signal(text)
            if values.dtype in (np.float32, np.float64):
                _features.weighted_sum(
                    values, np.array([output_names.index(name) for name in terms], np.intp),
                    np.array(list(terms.values()), np.float64), total)
            else:
                total[...] = 0.0
                for name, factor in terms.items():
                    total += factor * values[:, output_names.index(name), :]
            signals[text] = total
        return signals[text]

    out = {}
    for name, spec in features.items():
        if spec.kind == "callable":
            result = cast(Callable, spec.func)(values, times)
        elif spec.kind == "custom":
            result = cast(Callable, spec.func)(signal(spec.signal), times)
        elif spec.kind in SPECTRAL_KINDS:
            key = (spec.signal, spec.method, spec.segment)
            if key not in spectra:
                spectra[key] = _spectrum(signal(spec.signal), step, spec.method, spec.segment,
                                         threads)
            result = (_at_frequencies(*spectra[key], spec.freqs, spec.log)
                      if spec.kind == "spectrum"
                      else _peak(*spectra[key], spec.band, spec.kind == "dominant_frequency"))
        else:
            result = _STATISTICS[spec.kind](signal(spec.signal))
        result = np.asarray(result, dtype=np.float64)
        expected = (n_sets,) if spec.width is None else (n_sets, spec.width)
        if result.shape != expected:
            raise ValueError(f"features[{name!r}] returned shape {result.shape}; expected "
                             f"{expected}: one number per set of the block")
        out[name] = result
    return out


def _moment(x: np.ndarray, which: int) -> np.ndarray:
    """Each column's mean (which 0) or standard deviation (1), summed in time order whatever
    the number of columns (_features.pyx)."""
    if x.shape[0] == 0:
        return np.full(x.shape[1], np.nan)
    return _features.column_moments(np.ascontiguousarray(x, dtype=np.float64), which == 1)[which]


_STATISTICS = {
    "mean": lambda x: _moment(x, 0),
    "std": lambda x: _moment(x, 1),
    "peak_to_peak": lambda x: x.max(axis=0) - x.min(axis=0),
    "minimum": lambda x: x.min(axis=0),
    "maximum": lambda x: x.max(axis=0),
}


def _spectrum(x: np.ndarray, step: float, method: str, segment: float, threads: int = 1):
    """One-sided power spectral density of each column: (frequencies, (n_freq, n_sets)),
    computed on ``threads`` threads (the same numbers on any number)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n, n_sets = x.shape
    if n < 2 or not np.isfinite(step):
        return np.zeros(1), np.full((1, n_sets), np.nan)
    fs = 1.0 / step
    if method == "fft":
        length, window, hop = n, np.ones(n), n
    else:
        length = min(n, max(2, round(segment * fs)))
        window = np.hanning(length + 1)[:-1]       # periodic Hann, as scipy's get_window
        hop = length - length // 2                 # scipy's noverlap = length // 2
    psd = np.empty((length // 2 + 1, n_sets))
    _features.welch_psd(x, length, hop, window, fs * (window ** 2).sum(), psd, threads)
    return np.fft.rfftfreq(length, step), psd


def _room(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of ``shape`` in this thread's kept room ``name``, its values left as they
    were (a fresh array when it is past ``ROOM_BYTES``: not kept). Only what is read within the
    call that asked for it goes there, never a value handed back or to the user's functions."""
    size = int(np.prod(shape))
    if size * 8 > ROOM_BYTES:
        return np.empty(shape)
    rooms = _rooms.__dict__
    room = rooms.get(name)
    if room is None or room.size < size:
        room = rooms[name] = np.empty(size)
    return room[:size].reshape(shape)


def _at_frequencies(freqs, psd, wanted, log: bool) -> np.ndarray:
    """Each set's spectrum ``psd`` (n_freq, n_sets) at the frequencies ``wanted``, interpolated
    linearly as ``np.interp`` does (NaN above the last frequency): ``(n_sets, len(wanted))``."""
    wanted = np.asarray(wanted, dtype=np.float64)
    out = np.full((psd.shape[1], len(wanted)), np.nan)
    inside = wanted <= freqs[-1]
    if len(freqs) < 2:
        out[:, inside] = psd[0][:, np.newaxis]
    else:
        at = wanted[inside]
        # the interval [freqs[j], freqs[j + 1]] holding each frequency (the last one's for f_max)
        j = np.clip(np.searchsorted(freqs, at, side="right") - 1, 0, len(freqs) - 2)
        fraction = (at - freqs[j]) / (freqs[j + 1] - freqs[j])
        out[:, inside] = (psd[j] + (psd[j + 1] - psd[j]) * fraction[:, np.newaxis]).T
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(out)
    return out


def _peak(freqs, psd, band, want_frequency):
    inside = (freqs >= band[0]) & (freqs <= band[1])
    if not inside.any():
        return np.full(psd.shape[1], np.nan)
    sub = psd[inside]
    best = np.argmax(sub, axis=0)
    if want_frequency:
        return freqs[inside][best]
    return sub[best, np.arange(sub.shape[1])]


def from_frames(results: pd.DataFrame, results_map: pd.DataFrame,
                features: Mapping) -> pd.DataFrame:
    """The features of in-memory ``grid_search`` frames, as ``grid_search(features=...)`` would
    return them: one row per set, the parameter columns of ``results_map``, then the features."""
    outputs = list(dict.fromkeys(results.columns.get_level_values(0)))
    checked = check_features(features, outputs, list(results_map.columns))
    labels = list(results_map.index)
    values = np.stack([results[name].to_numpy() for name in outputs], axis=1)
    if values.shape[2] != len(labels):
        raise ValueError(f"results has {values.shape[2]} sets per output; results_map has "
                         f"{len(labels)}")
    computed = compute(checked, values, outputs, results.index.to_numpy())
    return feature_frame(results_map, computed, checked)


def allocate(features: Mapping[str, Feature], n_sets: int) -> dict[str, np.ndarray]:
    """Room for every feature of ``n_sets`` sets: ``(n_sets,)`` per scalar feature,
    ``(n_sets, width)`` per vector feature; a block's values go to rows ``start:stop``."""
    return {name: np.empty((n_sets,) if spec.width is None else (n_sets, spec.width))
            for name, spec in features.items()}


def feature_frame(results_map: pd.DataFrame, computed: dict[str, np.ndarray],
                  features: Mapping[str, Feature] | None = None) -> pd.DataFrame:
    """Parameter columns, then one column per feature, indexed like ``results_map``. With a
    vector feature (a 2-D array in ``computed``) the columns have two levels: ``(name, "")``
    for parameters and scalar features, ``(name, frequency)`` for each vector value, so that
    ``frame[name]`` is a sub-frame whose columns are the frequencies."""
    if all(np.ndim(column) == 1 for column in computed.values()):
        frame = results_map.copy()
        for name, column in computed.items():
            frame[name] = column
        return frame
    columns: list[tuple] = [(str(c), "") for c in results_map.columns]
    blocks = []
    for name, column in computed.items():
        values = np.asarray(column, dtype=np.float64).reshape(len(results_map), -1)
        spec = None if features is None else features.get(name)
        if np.ndim(column) == 1:
            columns.append((name, ""))
        else:
            columns += [(name, f) for f in (spec.freqs if spec is not None and spec.freqs
                                            is not None else range(values.shape[1]))]
        blocks.append(values)
    header = _two_level_columns(tuple(columns))
    if all(dtype == np.float64 for dtype in results_map.dtypes):
        # one float block: a generation of a fit builds this frame every few milliseconds
        return pd.DataFrame(np.hstack([results_map.to_numpy(dtype=np.float64), *blocks]),
                            index=results_map.index, columns=header)
    parts = [results_map.reset_index(drop=True), *map(pd.DataFrame, blocks)]
    frame = pd.concat(parts, axis=1, ignore_index=True)
    frame.columns = header
    frame.index = results_map.index
    return frame


@functools.lru_cache(maxsize=64)
def _two_level_columns(columns: tuple[tuple, ...]) -> pd.MultiIndex:
    """The features frame's two-level columns (an Index is immutable: frames share it)."""
    return pd.MultiIndex.from_tuples(columns)
