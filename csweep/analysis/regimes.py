"""Regime maps: the built-in Jansen-Rit classifier and :class:`RegimeMap`, what
:func:`csweep.regime_map` returns.

A *classifier* takes a features frame (one row per parameter set: the swept parameters, then
the features) and returns one integer label per row. :func:`jansen_rit_regimes` builds one for
the Jansen-Rit column from the peak-to-peak amplitude and the dominant frequency of a signal:

=====  ===============================  ==============================================================
label  name                             rule
=====  ===============================  ==============================================================
0      ``"rest"``                       peak-to-peak amplitude below ``rest_below`` (V): a fixed point
1      ``"oscillation"``                oscillating, dominant frequency ``>= fast_from`` Hz (the alpha
                                        rhythm, and the faster waves near the onset of oscillation)
2      ``"slow waves"``                 oscillating, dominant frequency below ``fast_from`` Hz: the
                                        slow, large spike-like waves of high connectivity
=====  ===============================  ==============================================================

A set whose features are not finite (a run that diverged) is labelled ``-1``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from .features import Feature, dominant_frequency, peak_to_peak

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Boundary", "JansenRitRegimes", "RegimeMap", "jansen_rit_regimes"]


@dataclass(frozen=True)
class JansenRitRegimes:
    """The built-in classifier (build it with :func:`jansen_rit_regimes`): called on a features
    frame with the columns ``amplitude`` and ``frequency`` of :attr:`features`, it returns the
    labels of the module's table."""

    signal: str = "V_e - V_i"
    rest_below: float = 1e-3
    fast_from: float = 5.0
    band: tuple[float, float] = (0.5, 40.0)
    method: str = "welch"

    #: label -> name, for legends
    names = {-1: "diverged", 0: "rest", 1: "oscillation", 2: "slow waves"}

    @property
    def features(self) -> dict[str, Feature]:
        """The features the classifier reads, for ``regime_map(features=...)``."""
        return {"amplitude": peak_to_peak(self.signal),
                "frequency": dominant_frequency(self.signal, self.band, method=self.method)}

    def __call__(self, features: pd.DataFrame) -> np.ndarray:
        for name in ("amplitude", "frequency"):
            if name not in features.columns:
                raise KeyError(f"jansen_rit_regimes needs the feature {name!r}; pass "
                               "features=classifier.features to regime_map")
        amplitude = features["amplitude"].to_numpy(float)
        frequency = features["frequency"].to_numpy(float)
        labels = np.where(amplitude < self.rest_below, 0, np.where(frequency >= self.fast_from, 1, 2))
        return np.where(np.isfinite(amplitude) & np.isfinite(frequency), labels, -1)

    def describe(self) -> dict:
        """Plain data for a store's fingerprint."""
        return {"classifier": "jansen_rit_regimes", "signal": self.signal,
                "rest_below": self.rest_below, "fast_from": self.fast_from,
                "band": list(self.band), "method": self.method}


def jansen_rit_regimes(signal: str = "V_e - V_i", *, rest_below: float = 1e-3,
                       fast_from: float = 5.0, band: tuple[float, float] = (0.5, 40.0),
                       method: str = "welch") -> JansenRitRegimes:
    """The Jansen-Rit regimes of the module's table from the peak-to-peak amplitude (V) and
    the dominant frequency (Hz, in ``band``, by ``method`` as in
    :func:`csweep.features.dominant_frequency`) of ``signal``. Use its ``.features`` as
    ``regime_map``'s ``features`` and a ``cutoff`` that drops the transient (1 s or so)."""
    for name, value in (("rest_below", rest_below), ("fast_from", fast_from)):
        if not isinstance(value, numbers.Real) or not float(value) > 0:
            raise ValueError(f"jansen_rit_regimes: {name} must be a positive number; received "
                             f"{value!r}")
    classifier = JansenRitRegimes(signal, float(rest_below), float(fast_from),
                                  (float(band[0]), float(band[1])), method)
    _ = classifier.features   # checks signal, band and method now
    return classifier


class Boundary(NamedTuple):
    """One polyline between two labels: ``labels`` ``(a, b)`` with ``a < b``; ``points`` an
    ``(n, 2)`` array of parameter values (columns in ``region``'s order) along cell edges."""

    labels: tuple[int, int]
    points: np.ndarray


class RegimeMap:
    """What :func:`csweep.regime_map` returns; see docs/regime-maps.md.

    Attributes: ``points`` (every evaluated set, in the order evaluated: the parameters, the
    features and ``label``), ``region``, ``axes`` (``region``'s keys), ``resolution``,
    ``centres`` (each axis's cell centres), ``n_batches``, ``names`` (label -> name, from the
    classifier when it has them)."""

    def __init__(self, region: Mapping[str, tuple[float, float]], resolution: int,
                 points: pd.DataFrame, grid: np.ndarray, names: Mapping[int, str] | None = None,
                 n_batches: int = 0):
        self.region = {k: (float(v[0]), float(v[1])) for k, v in region.items()}
        self.axes = list(self.region)
        self.resolution = resolution
        self.points = points
        self._grid = grid
        self.names = dict(names or {})
        self.n_batches = n_batches
        self._boundaries: list[Boundary] | None = None

    @property
    def centres(self) -> dict[str, np.ndarray]:
        return {name: cell_centres(lo, hi, self.resolution) for name, (lo, hi) in self.region.items()}

    @property
    def n_evaluations(self) -> int:
        return len(self.points)

    @property
    def cost(self) -> float:
        """Evaluations as a fraction of the uniform ``resolution x resolution`` grid's."""
        return len(self.points) / float(self.resolution) ** len(self.axes)

    def to_grid(self) -> np.ndarray:
        """The labels of every cell centre: ``(resolution, resolution)``, axis k along
        ``region``'s k-th key (``grid[i, j]`` is the cell at ``centres[axes[0]][i]``,
        ``centres[axes[1]][j]``). A copy."""
        return self._grid.copy()

    def label_at(self, points: Any) -> np.ndarray:
        """The label of the cell holding each point: a DataFrame or dict with ``region``'s keys,
        or an ``(n, 2)`` array in their order. Points outside ``region`` are refused."""
        index = []
        for k, name in enumerate(self.axes):
            if isinstance(points, (pd.DataFrame, Mapping)):
                if name not in points:
                    raise KeyError(f"label_at: points have no {name!r}; expected the keys "
                                   f"{self.axes}")
                values = np.asarray(points[name], dtype=float).ravel()
            else:
                array = np.asarray(points, dtype=float)
                array = array.reshape(1, -1) if array.ndim == 1 else array
                if array.ndim != 2 or array.shape[1] != len(self.axes):
                    raise ValueError(f"label_at: points must be (n, {len(self.axes)}) in the order "
                                     f"{self.axes}; received shape {np.shape(points)}")
                values = array[:, k]
            lo, hi = self.region[name]
            if not np.all((values >= lo) & (values <= hi)):
                raise ValueError(f"label_at: {name} values must lie in the region [{lo}, {hi}]; "
                                 f"received {values[~((values >= lo) & (values <= hi))][:3]}")
            cell = np.floor((values - lo) / (hi - lo) * self.resolution).astype(np.int64)
            index.append(np.clip(cell, 0, self.resolution - 1))
        return self._grid[tuple(index)]

    @property
    def boundaries(self) -> list[Boundary]:
        """Polylines along the cell edges between different labels (parameter units)."""
        if self._boundaries is None:
            self._boundaries = trace_boundaries(self._grid, self.region)
        return self._boundaries

    def plot(self, ax: Axes | None = None, *, show_points: bool = False,
             cmap: str = "viridis") -> tuple[Figure, Axes]:
        """The map (one colour per label), its boundaries and, with ``show_points``, every
        evaluated set; matplotlib: ``pip install 'csweep[plot]'``. Returns ``(figure, axes)``."""
        return draw(self, ax, show_points, cmap)

    def __repr__(self) -> str:
        return (f"RegimeMap({' x '.join(self.axes)}, {self.resolution}x{self.resolution}, "
                f"{len(self.points)} evaluations = {self.cost:.2%} of the uniform grid)")


def cell_centres(lo: float, hi: float, resolution: int) -> np.ndarray:
    """``lo + (i + 0.5) * (hi - lo) / resolution`` for ``i < resolution``."""
    return lo + (np.arange(resolution) + 0.5) * (hi - lo) / resolution


def trace_boundaries(grid: np.ndarray, region: Mapping[str, tuple[float, float]]) -> list[Boundary]:
    """Chain the unit cell edges between unlike labels into polylines, per pair of labels."""
    n0, n1 = grid.shape
    (lo0, hi0), (lo1, hi1) = region.values()
    segments: dict[tuple[int, int], list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    # edges between cells (i, j) and (i + 1, j): the vertical edge x = i + 1, y from j to j + 1
    for axis in (0, 1):
        a, b = (grid[:-1, :], grid[1:, :]) if axis == 0 else (grid[:, :-1], grid[:, 1:])
        for i, j in zip(*np.nonzero(a != b), strict=True):
            pair = (int(min(a[i, j], b[i, j])), int(max(a[i, j], b[i, j])))
            start = (i + 1, j) if axis == 0 else (i, j + 1)
            end = (i + 1, j + 1) if axis == 0 else (i + 1, j + 1)
            segments.setdefault(pair, []).append((start, end))
    out = []
    scale = np.array([(hi0 - lo0) / n0, (hi1 - lo1) / n1])
    for pair in sorted(segments):
        for line in _chain(segments[pair]):
            out.append(Boundary(pair, np.array([lo0, lo1]) + np.asarray(line, float) * scale))
    return out


def _chain(segments) -> list[list[tuple[int, int]]]:
    """Join segments sharing end points into polylines (open ones from their ends first)."""
    touching: dict[tuple[int, int], list[int]] = {}
    for k, (a, b) in enumerate(segments):
        touching.setdefault(a, []).append(k)
        touching.setdefault(b, []).append(k)
    used = [False] * len(segments)
    starts = [v for v, ks in touching.items() if len(ks) % 2] + list(touching)
    lines = []
    for start in starts:
        while any(not used[k] for k in touching[start]):
            line, here = [start], start
            while True:
                free = [k for k in touching[here] if not used[k]]
                if not free:
                    break
                used[free[0]] = True
                a, b = segments[free[0]]
                here = b if a == here else a
                line.append(here)
            lines.append(line)
    return lines


def draw(regime_map: RegimeMap, ax, show_points: bool, cmap: str):
    try:
        import matplotlib.pyplot as plt  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError("RegimeMap.plot needs matplotlib: pip install 'csweep[plot]'") from None
    from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: PLC0415

    grid = regime_map.to_grid()
    labels = np.unique(grid)
    colours = plt.get_cmap(cmap)(np.linspace(0, 1, max(len(labels), 2)))[:len(labels)]
    codes = np.searchsorted(labels, grid)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5))
    else:
        fig = ax.figure
    (lo0, hi0), (lo1, hi1) = regime_map.region.values()
    ax.imshow(codes.T, origin="lower", extent=(lo0, hi0, lo1, hi1), aspect="auto",
              interpolation="nearest", cmap=ListedColormap(colours),
              norm=BoundaryNorm(np.arange(len(labels) + 1) - 0.5, len(labels)))
    for boundary in regime_map.boundaries:
        ax.plot(boundary.points[:, 0], boundary.points[:, 1], color="k", lw=0.6)
    if show_points:
        x, y = (regime_map.points[name] for name in regime_map.axes)
        ax.scatter(x, y, s=0.8, color="k", alpha=0.6, linewidths=0)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours]
    ax.legend(handles, [regime_map.names.get(int(v), str(v)) for v in labels], loc="upper left",
              fontsize=8, framealpha=0.8)
    ax.set_xlabel(regime_map.axes[0])
    ax.set_ylabel(regime_map.axes[1])
    return fig, ax
