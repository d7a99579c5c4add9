"""
A 2-D sweep: connectivity against input rate
============================================

Every combination of 40 connectivities C and 30 constant input rates p (``permute_grid=True``,
1200 runs of 4 s), reduced to two numbers per run by csweep's features: the dominant frequency
and the peak-to-peak amplitude of V_e - V_i after a 1 s transient. ``csweep.plot.feature_map``
draws each over the (C, p) plane: the alpha band (about 10 Hz) and the spike-like waves of large
amplitude at higher C appear as regions.
"""

import matplotlib.pyplot as plt
import numpy as np

from csweep import features as F
from csweep import grid_search, plot

result = grid_search(
    "JRC2",
    param_grid={"C": np.linspace(60, 700, 40), "p": np.linspace(50, 350, 30)},
    param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]},
               "p": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}},
    permute_grid=True, step_size=1e-4, simulation_time=4.0, sampling_step_size=1e-3, cutoff=1.0,
    outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
    features={"frequency": F.dominant_frequency("V_e - V_i", band=(0.5, 40), method="fft"),
              "amplitude": F.peak_to_peak("V_e - V_i")},
    keep_timeseries=False, progress=False)

table = result.features
table["amplitude"] *= 1e3                    # V -> mV
print(f"{len(table)} runs; amplitude {table['amplitude'].min():.3g}-"
      f"{table['amplitude'].max():.3g} mV")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
plot.feature_map(table, "C", "p", "frequency", ax=left, label="dominant frequency (Hz)")
plot.feature_map(table, "C", "p", "amplitude", ax=right, cmap="magma",
                 label="peak-to-peak V_e - V_i (mV)")
for ax in (left, right):
    ax.set_xlabel("connectivity C")
    ax.set_ylabel("constant input p (Hz)")
left.set_title("dominant frequency", fontsize=10)
right.set_title("amplitude", fontsize=10)
fig.tight_layout()
