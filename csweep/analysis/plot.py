"""Figures of a sweep, one call each (matplotlib: ``pip install 'csweep[plot]'``).

Every function returns the matplotlib objects it drew and never calls ``show()``: save them,
adjust them, or show them yourself. :func:`timeseries` and :func:`bifurcation` return
``(figure, axes)``; :func:`feature_map` returns ``(figure, axes, mesh)``, the mesh for a colour
bar of your own. Signals are output names or sums of
them with numeric factors, as in :mod:`csweep.features` (``"V_e - V_i"``).

- :func:`timeseries`: the PyRates tutorial's figure, one panel per set, sorted by a parameter;
- :func:`feature_map`: a per-run feature over two swept parameters, as a coloured grid;
- :func:`bifurcation`: the minimum and maximum of a signal after the transient, against one
  swept parameter;
- :func:`bifurcation_diagram`: the equilibria (:func:`csweep.equilibria`) against a parameter,
  stable and unstable, with the folds and Hopf points (:func:`csweep.bifurcations`) and, from a
  sweep, the simulated minima and maxima on top: the classic Jansen-Rit figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .features import parse_signal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import QuadMesh
    from matplotlib.figure import Figure


__all__ = ["timeseries", "feature_map", "bifurcation", "bifurcation_diagram", "signal_frame"]

def _pyplot():
    try:
        import matplotlib.pyplot as plt  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError("csweep.plot needs matplotlib: pip install 'csweep[plot]'") from None
    return plt


def signal_frame(results: pd.DataFrame, signal: str) -> pd.DataFrame:
    """``signal`` of every set as a frame: one column per set (labelled as ``results_map``'s
    index), float64, the sample times as index."""
    terms = parse_signal(signal)
    outputs = list(dict.fromkeys(results.columns.get_level_values(0)))
    unknown = [name for name in terms if name not in outputs]
    if unknown:
        raise KeyError(f"signal {signal!r}: {', '.join(map(repr, unknown))} is not an output of "
                       f"these results; they have {', '.join(map(repr, outputs))}")
    total = None
    for name, factor in terms.items():
        part = results[name]
        values = factor * part.to_numpy(dtype=np.float64)
        total = values if total is None else total + values
        labels = list(part.columns.get_level_values(0))
    return pd.DataFrame(total, index=results.index, columns=labels)


def timeseries(results: pd.DataFrame, results_map: pd.DataFrame, signal: str, *,
               sort_by: str | None = None, scale: float = 1e3, unit: str = "mV",
               figsize: tuple[float, float] | None = None,
               title: str | None = None) -> tuple[Figure, np.ndarray]:
    """One panel per set: ``signal`` over time, panels ordered by ``sort_by`` (a column of
    ``results_map``; default: its first column), each titled with the set's parameters.

    ``scale`` multiplies the values (1e3: volts to millivolts); ``unit`` labels the y axes.
    Returns ``(figure, axes)``.
    """
    plt = _pyplot()
    values = signal_frame(results, signal)
    sort_by = results_map.columns[0] if sort_by is None else sort_by
    if sort_by not in results_map.columns:
        raise KeyError(f"sort_by: {sort_by!r} is not a column of results_map; it has "
                       f"{', '.join(map(repr, results_map.columns))}")
    order = results_map.sort_values(sort_by, kind="stable").index
    n = len(order)
    fig, axes = plt.subplots(n, 1, figsize=figsize or (8, 1.2 + 1.3 * n), sharex=True,
                             squeeze=False)
    axes = axes[:, 0]
    for ax, label in zip(axes, order, strict=True):
        ax.plot(values.index, scale * values[label].to_numpy(), lw=0.7)
        ax.set_ylabel(unit)
        params = ", ".join(f"{c} = {results_map.loc[label, c]:g}" for c in results_map.columns)
        ax.set_title(params, fontsize=9, loc="left")
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(title or signal)
    fig.tight_layout()
    return fig, axes


def feature_map(features: pd.DataFrame, x: str, y: str, feature: str, *, ax: Axes | None = None,
                cmap: str = "viridis",
                label: str | None = None) -> tuple[Figure, Axes, QuadMesh]:
    """A feature over two swept parameters: ``features`` is ``SweepResult.features`` (or
    :func:`csweep.features.from_frames`), with columns ``x``, ``y`` and ``feature``; the sets
    must form a grid (``permute_grid=True``). Returns ``(figure, axes, mesh)``."""
    plt = _pyplot()
    for name in (x, y, feature):
        if name not in features.columns:
            raise KeyError(f"{name!r} is not a column of the features frame; it has "
                           f"{', '.join(map(repr, features.columns))}")
    table = features.pivot_table(index=y, columns=x, values=feature, aggfunc="first")
    if table.isna().any().any():
        raise ValueError(f"the sets do not cover every ({x}, {y}) pair; sweep them with "
                         "permute_grid=True")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4.5))
    else:
        fig = ax.figure
    mesh = ax.pcolormesh(_edges(table.columns.to_numpy(float)), _edges(table.index.to_numpy(float)),
                         table.to_numpy(float), cmap=cmap, shading="flat")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(mesh, ax=ax, label=label or feature)
    return fig, ax, mesh


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted cell centres (halfway between neighbours)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])


def bifurcation(results: pd.DataFrame, results_map: pd.DataFrame, parameter: str, signal: str,
                *, after: float = 0.0, scale: float = 1e3, unit: str = "mV",
                ax: Axes | None = None) -> tuple[Figure, Axes]:
    """The minimum and maximum of ``signal`` from time ``after`` on, against ``parameter`` (a
    column of ``results_map``): one point each per set; where they part, the set oscillates.
    Returns ``(figure, axes)``."""
    plt = _pyplot()
    if parameter not in results_map.columns:
        raise KeyError(f"parameter: {parameter!r} is not a column of results_map; it has "
                       f"{', '.join(map(repr, results_map.columns))}")
    values = signal_frame(results, signal)
    late = values[values.index >= after]
    if late.empty:
        raise ValueError(f"after={after} leaves no sample (the last is at {values.index[-1]})")
    x = results_map.loc[late.columns, parameter].to_numpy(float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    ax.plot(x, scale * late.max().to_numpy(), ".", ms=3, label="maximum")
    ax.plot(x, scale * late.min().to_numpy(), ".", ms=3, label="minimum")
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"{signal} ({unit})")
    ax.legend(loc="best", fontsize=8)
    return fig, ax


def bifurcation_diagram(branches: pd.DataFrame, parameter: str, points: pd.DataFrame | None = None,
                        *, signal: str = "potential", results: pd.DataFrame | None = None,
                        results_map: pd.DataFrame | None = None,
                        simulated: str = "V_e - V_i", after: float = 0.0, scale: float = 1e3,
                        unit: str = "mV", ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Equilibria against ``parameter``: stable branches solid, unstable dashed; the points of
    :func:`csweep.bifurcations` marked (folds as squares, Hopf points as circles, each labelled
    with its value); with ``results`` and ``results_map`` of a sweep over the same parameter,
    the minima and maxima of its ``simulated`` signal after time ``after`` (as
    :func:`bifurcation` draws them).

    ``branches`` is :func:`csweep.equilibria`'s frame over a grid of ``parameter`` (one other
    parameter set); ``signal`` one of its columns (default ``potential``: ``V_e - V_i`` of a
    column). The branch is drawn in the order of ``signal``, along which the column's
    equilibria form one curve. Returns ``(figure, axes)``.
    """
    plt = _pyplot()
    for name in (parameter, signal, "stable"):
        if name not in branches.columns:
            raise KeyError(f"{name!r} is not a column of branches (csweep.equilibria's frame); "
                           f"it has {', '.join(map(repr, branches.columns))}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4.5))
    else:
        fig = ax.figure
    curve = branches.sort_values(signal, kind="stable")
    x = curve[parameter].to_numpy(float)
    y = scale * curve[signal].to_numpy(float)
    flag = curve["stable"].astype("boolean")
    masks = {"stable equilibria": flag.fillna(False).to_numpy(bool),
             "unstable equilibria": (~flag).fillna(False).to_numpy(bool),
             "stability undetermined (delays)": flag.isna().to_numpy(bool)}
    for (label, mask), style, colour in zip(masks.items(), ("-", "--", ":"),
                                            ("0.15", "0.55", "0.4"), strict=True):
        if not mask.any():
            continue
        joined = mask | np.concatenate([[False], mask[:-1]])  # meet the next branch's start
        ax.plot(x, np.where(joined, y, np.nan), style, color=colour, lw=1.4, label=label)
    if results is not None and results_map is not None:
        bifurcation(results, results_map, parameter, simulated, after=after, scale=scale,
                    unit=unit, ax=ax)
    if points is not None and len(points):
        _mark_points(ax, points, parameter, signal, scale)
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"{signal} ({unit})")
    ax.legend(loc="best", fontsize=7)
    return fig, ax


def _mark_points(ax, points: pd.DataFrame, parameter: str, signal: str, scale: float) -> None:
    for kind, marker, colour in (("fold", "s", "tab:red"), ("hopf", "o", "tab:blue")):
        chosen = points[points["kind"] == kind]
        if chosen.empty:
            continue
        px, py = chosen[parameter].to_numpy(float), scale * chosen[signal].to_numpy(float)
        ax.plot(px, py, marker, color=colour, ms=6, mfc="none", mew=1.5,
                label="folds" if kind == "fold" else "Hopf points")
        for u, v in zip(px, py, strict=True):
            ax.annotate(f"{u:.2f}", (u, v), xytext=(4, 4), textcoords="offset points",
                        fontsize=7, color=colour)
