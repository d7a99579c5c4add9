"""Built-in losses for :func:`csweep.fit`: one number per candidate from its features.

A loss receives a generation's features as ``SweepResult.features`` gives them (one row per
candidate: its parameter columns, then the features; averaged over the ``repeats`` noise
streams) and returns one number per candidate, smaller is better. Any callable doing that is a
loss; these two cover the usual targets:

- :func:`spectrum`: the mean squared difference between a vector feature (a log-spectrum from
  :func:`csweep.features.spectrum`) and a target vector;
- :func:`features`: the sum of squared differences between scalar features and target values,
  each divided by a scale.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["FeatureLoss", "SpectrumLoss", "features", "spectrum"]


@dataclass(frozen=True, eq=False)
class SpectrumLoss:
    """``mean((features[feature] - target)**2)`` over the vector's values, per candidate."""

    target: np.ndarray
    feature: str

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        try:    # the feature's columns by position (a fit calls this every generation)
            where = frame.columns.get_loc(self.feature)
        except KeyError:
            raise KeyError(f"loss: the features have no {self.feature!r}; they have "
                           f"{', '.join(map(repr, dict.fromkeys(frame.columns.get_level_values(0))))}"
                           ) from None
        # (the frame's values at once, then the columns: a features frame is one float block,
        # so this reads it in place)
        values = frame.to_numpy(dtype=np.float64)[:, where]
        if values.ndim == 2 and frame.columns[where].get_level_values(1)[0] == "":
            values = values[:, 0]       # a scalar feature's column: one number per candidate
        if values.ndim != 2 or values.shape[1] != len(self.target):
            raise ValueError(f"loss: features[{self.feature!r}] has {values.shape[1:]} values per "
                             f"candidate; the target has {len(self.target)}")
        return np.mean((values - self.target) ** 2, axis=1)

    def describe(self) -> dict:
        """Plain data for a fit store's fingerprint."""
        return {"loss": "spectrum", "feature": self.feature, "target": self.target.tolist()}


@dataclass(frozen=True, eq=False)
class FeatureLoss:
    """``sum(((features[name] - target) / scale)**2)`` over the named features, per candidate."""

    targets: dict[str, float]
    scales: dict[str, float]

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        total = np.zeros(len(frame))
        for name, target in self.targets.items():
            if name not in frame.columns:
                raise KeyError(f"loss: the features have no {name!r}")
            values = np.asarray(frame[name], dtype=np.float64)
            if values.ndim != 1:
                raise ValueError(f"loss: features[{name!r}] is a vector feature; "
                                 "csweep.losses.features compares scalar features (use "
                                 "csweep.losses.spectrum for a vector)")
            total += ((values - target) / self.scales[name]) ** 2
        return total

    def describe(self) -> dict:
        return {"loss": "features", "targets": self.targets, "scales": self.scales}


def spectrum(target, feature: str = "spectrum") -> SpectrumLoss:
    """The mean squared difference between the vector feature ``feature`` (say
    ``csweep.features.spectrum(..., log=True)``) and ``target``, one value per frequency (a
    row of ``SweepResult.features[feature]``, a Series, or an array)."""
    values = np.array(target, dtype=np.float64).ravel()
    if len(values) == 0 or not np.all(np.isfinite(values)):
        raise ValueError("losses.spectrum: target must be a non-empty vector of finite numbers; "
                         f"received {target!r}")
    if not isinstance(feature, str) or not feature:
        raise TypeError(f"losses.spectrum: feature must be a feature's name; received {feature!r}")
    return SpectrumLoss(values, feature)


def features(target: Mapping[str, float], scale: Mapping[str, float] | None = None) -> FeatureLoss:
    """The sum over the features named in ``target`` of ``((value - target) / scale)**2``;
    ``scale`` (default 1 for each) puts features of different units on one footing."""
    if not isinstance(target, Mapping) or not target:
        raise TypeError("losses.features: target must be a non-empty dict of feature name -> "
                        f"value; received {target!r}")
    scales = dict(scale or {})
    unknown = set(scales) - set(target)
    if unknown:
        raise KeyError(f"losses.features: scale names {', '.join(sorted(unknown))}, not in target")
    checked, checked_scales = {}, {}
    for name, value in target.items():
        s = scales.get(name, 1.0)
        for what, number in (("target", value), ("scale", s)):
            if isinstance(number, bool) or not isinstance(number, numbers.Real) \
                    or not np.isfinite(float(number)):
                raise TypeError(f"losses.features: {what}[{name!r}] must be a finite number; "
                                f"received {number!r}")
        if not float(s) > 0:
            raise ValueError(f"losses.features: scale[{name!r}] must be > 0; received {s!r}")
        checked[str(name)], checked_scales[str(name)] = float(value), float(s)
    return FeatureLoss(checked, checked_scales)
