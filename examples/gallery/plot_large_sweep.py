"""
A large sweep with features only
================================

5,000 connectivities, each run for 5 s with its own noise input (uniform 120-320 Hz, generated
inside csweep from a seed), keeping four numbers per run instead of the time series
(``keep_timeseries=False``). The same call with ``store="sweep.zarr"`` writes the features (and,
if wanted, the series) to a Zarr store, and with ``client=`` runs on a Dask cluster
(see :doc:`/large-sweeps` and :doc:`/distributed-sweeps`).
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from csweep import features as F
from csweep import grid_search, noise

started = time.perf_counter()
result = grid_search(
    "JRC2", {"C": np.linspace(60, 1400, 5000)}, {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
    step_size=1e-4, simulation_time=5.0, sampling_step_size=1e-3, cutoff=1.0,
    outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
    inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)},
    features={"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
              "amplitude": F.peak_to_peak("V_e - V_i"),
              "mean": F.mean("V_e - V_i")},
    keep_timeseries=False, progress=False)
print(f"5000 runs of 5 s in {time.perf_counter() - started:.1f} s")

table = result.features
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
top.semilogy(table["C"], 1e3 * table["amplitude"], ".", ms=1.5)
top.set_ylabel("peak-to-peak\nV_e - V_i (mV)")
bottom.plot(table["C"], table["frequency"], ".", ms=1.5)
bottom.set_ylabel("dominant frequency (Hz)")
bottom.set_xlabel("connectivity C")
top.set_title("5000 noise-driven Jansen-Rit columns, one point each", fontsize=10)
fig.tight_layout()
