"""
A connectome: global coupling against input rate
================================================

68 Jansen-Rit columns (``JRC``, three populations each) joined pyramidal cells to pyramidal
cells through a synthetic connectome: 30% of the region pairs connected at random, with
conduction delays from the distances between random positions in a 12 cm box at 4 m/s
(discrete delays of 3 to about 45 ms). The network is built with ``CircuitTemplate.add_edges_from_matrix``
from a binary matrix; the sweep then sets every long-range edge's weight to the global coupling
G (one ``param_map`` entry listing the edges) and every column's constant input u, on a 7 x 5
grid. Features reduce each run to the dominant frequency and the amplitude of region 0's
pyramidal potential; ``csweep.plot.feature_map`` draws them over (G, u).

The network kernel steps 8 parameter sets at once, each step vectorised across them; the 35
runs of 1.5 s (about 7 million column-steps) take a few seconds on two cores.
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from csweep import CircuitTemplate, grid_search, plot
from csweep import features as F

n = 68
rng = np.random.default_rng(7)
connected = (rng.uniform(size=(n, n)) < 0.3).astype(float)      # [target, source]
np.fill_diagonal(connected, 0.0)
position = rng.uniform(0.0, 0.12, (n, 3))                         # m
distance = np.linalg.norm(position[:, None] - position[None, :], axis=-1)
delay = np.maximum(distance / 4.0, 3e-3)                          # s, at 4 m/s

column = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
regions = [f"r{i}" for i in range(n)]
net = CircuitTemplate("connectome", circuits={r: column for r in regions})
net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions, weight=connected,
                          edge_attr={"delay": delay})
long_range = [(e.source, e.target) for e in net.all_edges() if e.delay is not None]
print(f"{n} columns, {len(long_range)} long-range edges, delays "
      f"{1e3 * delay[connected > 0].min():.1f}-{1e3 * delay[connected > 0].max():.1f} ms")

# %%
# The sweep: with a binary matrix, the global coupling G is each long-range edge's weight; u
# is every column's extrinsic input rate.
started = time.perf_counter()
result = grid_search(
    net,
    param_grid={"G": np.linspace(0.0, 6.0, 7), "u": np.linspace(80.0, 240.0, 5)},
    param_map={"G": {"vars": ["weight"], "edges": long_range},
               "u": {"vars": ["rpo_e_in/u"], "nodes": [f"{r}/pc" for r in regions]}},
    permute_grid=True, step_size=1e-4, simulation_time=1.5, sampling_step_size=1e-3,
    cutoff=0.5, outputs={"e": "r0/pc/rpo_e_in/v", "i": "r0/pc/rpo_i/v"},
    features={"frequency": F.dominant_frequency("e + i", band=(1, 40), method="fft"),
              "amplitude": F.peak_to_peak("e + i")},
    keep_timeseries=False, progress=False)
print(f"{len(result.features)} runs in {time.perf_counter() - started:.1f} s")

table = result.features
table["amplitude"] *= 1e3                    # V -> mV
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
plot.feature_map(table, "G", "u", "frequency", ax=left, label="dominant frequency (Hz)")
plot.feature_map(table, "G", "u", "amplitude", ax=right, cmap="magma",
                 label="peak-to-peak potential (mV)")
for ax in (left, right):
    ax.set_xlabel("global coupling G (weight of every long-range edge)")
    ax.set_ylabel("input u (Hz)")
left.set_title("region 0: dominant frequency", fontsize=10)
right.set_title("region 0: amplitude", fontsize=10)
fig.tight_layout()
