"""The PyRates tutorial sweep, run by csweep: Jansen & Rit's six values of the connectivity C."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .engine.sweep import grid_search

TUTORIAL_C = (68.0, 128.0, 135.0, 270.0, 675.0, 1350.0)
#: PyRates 1.2.3's time for the tutorial call, measured on a 2-core machine (benchmarks/README.md)
PYRATES_SECONDS = 5.8


def regime(peak_to_peak_mV: float, dominant_Hz: float) -> str:
    """Jansen & Rit's names for what a column does, from its V_e - V_i: below 1 mV peak to peak
    the noise is all there is; a dominant 8-13 Hz is the alpha rhythm; slower waves of tens of
    millivolts are the spike-like activity of large C."""
    if peak_to_peak_mV < 1.0:
        return "noise only"
    if 8.0 <= dominant_Hz <= 13.0:
        return "alpha rhythm"
    if peak_to_peak_mV >= 20.0 and dominant_Hz < 8.0:
        return "spike-like waves"
    return "irregular"


def run_tutorial(simulation_time: float = 10.0, step_size: float = 1e-4, seed: int = 0,
                 n_threads: int | None = None, cutoff: float = 1.0
                 ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The tutorial call (uniform 120-320 Hz noise on u), timed: (results, results_map, seconds)."""
    if not (isinstance(simulation_time, (int, float)) and 0 < simulation_time < math.inf):
        raise ValueError(f"simulation_time must be a positive, finite number of seconds; "
                         f"received {simulation_time!r}")
    noise = np.random.default_rng(seed).uniform(120.0, 320.0, (round(simulation_time / step_size), 1))
    started = time.perf_counter()
    results, results_map = grid_search(
        circuit_template="model_templates.neural_mass_models.jansenrit.JRC2",
        param_grid={"C": list(TUTORIAL_C)},
        param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        simulation_time=simulation_time, step_size=step_size, sampling_step_size=1e-3, cutoff=cutoff,
        inputs={"jrc/jrc_op/u": noise},
        outputs={"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"},
        backend="default", solver="euler", n_threads=n_threads)
    return results, results_map, time.perf_counter() - started


def summarise(results: pd.DataFrame, results_map: pd.DataFrame) -> pd.DataFrame:
    """Per set: mean and peak-to-peak of V_e - V_i (mV), its dominant frequency (Hz) and the
    regime they show (:func:`regime`)."""
    dts = float(results.index[1] - results.index[0])
    rows = []
    for label in results_map.index:
        v = (results["V_pce"][label].iloc[:, 0] - results["V_pci"][label].iloc[:, 0]).to_numpy(float)
        spectrum = np.abs(np.fft.rfft(v - v.mean()))
        freqs = np.fft.rfftfreq(len(v), dts)
        peak_to_peak, dominant = 1e3 * np.ptp(v), freqs[1:][np.argmax(spectrum[1:])]
        rows.append({"C": results_map.loc[label, "C"], "mean_mV": 1e3 * v.mean(),
                     "peak_to_peak_mV": peak_to_peak, "dominant_Hz": dominant,
                     "regime": regime(peak_to_peak, dominant)})
    return pd.DataFrame(rows, index=results_map.index)


def plot_tutorial(results: pd.DataFrame, results_map: pd.DataFrame, path: Path) -> Path:
    """The tutorial's figure: one panel per C, V_e - V_i over time. Needs matplotlib."""
    import matplotlib  # noqa: PLC0415 (optional dependency, imported only when plotting)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    from .analysis.plot import timeseries  # noqa: PLC0415

    fig, _ = timeseries(results, results_map, "V_pce - V_pci", sort_by="C",
                        title="Jansen-Rit column, V_e - V_i (csweep)")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
