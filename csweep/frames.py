"""Recorded samples -> PyRates-shaped ``results`` and ``results_map`` DataFrames."""

from __future__ import annotations

import numpy as np
import pandas as pd


def column_index(outputs: dict[str, str], labels: list[str]) -> pd.MultiIndex:
    """``(output_name, set_label, *node_path, "op/var")`` for each output, then each set."""
    tuples = []
    for name, path in outputs.items():
        *node_path, op, var = path.split("/")
        for label in labels:
            tuples.append((name, label, *node_path, f"{op}/{var}"))
    return pd.MultiIndex.from_tuples(tuples)


def results_frame(values: np.ndarray, index: np.ndarray, outputs: dict[str, str],
                  labels: list[str]) -> pd.DataFrame:
    """Wrap the kernel's output buffer, ``(n_records, n_outputs * n_sets)``, without copying it."""
    return pd.DataFrame(values, index=pd.Index(index), columns=column_index(outputs, labels),
                        copy=False)


def results_map_frame(grid: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The parameter sets, indexed by their labels, values as given."""
    frame = grid.copy()
    frame.index = pd.Index(labels)
    return frame
