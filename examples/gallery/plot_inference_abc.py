"""
Inference data: a posterior by rejection ABC
============================================

Simulation-based inference needs many simulations of the prior: here 2,000 parameter sets of
the Jansen-Rit inference benchmark's kind (Rodrigues et al., NeurIPS 2021, which trains on
50,000 of 8 s): the connectivity C, and the mean and standard deviation of the input's Gaussian
noise, each set its own (``csweep.noise.normal("mu", "sigma")``: param_grid keys, no param_map
entry needed). Each set is summarised by a 33-value log-spectrum
(``csweep.features.spectrum(..., log=True)``); no time series is kept. With zarr installed the
sets go to a store (``store=``, resumable, checksummed), read back with ``xarray.open_zarr``.

A held-out observation, simulated at known parameters with noise the data set does not use,
gets a posterior by rejection ABC in NumPy: the sets whose log-spectra are nearest to it. (The
issue's 50,000 sets of 8 s take minutes; this page uses fewer and shorter ones, so that it
builds in seconds: ``benchmarks/fit.py`` times the full size.)

The same arrays train a neural posterior with the ``sbi`` package::

    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    prior = BoxUniform(torch.tensor([100.0, 100.0, 0.0]), torch.tensor([400.0, 300.0, 60.0]))
    npe = NPE(prior)
    npe.append_simulations(torch.as_tensor(theta, dtype=torch.float32),
                           torch.as_tensor(x, dtype=torch.float32)).train()
    samples = npe.build_posterior().sample((1000,), x=torch.as_tensor(x_o, dtype=torch.float32))
"""

import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csweep import features as F
from csweep import grid_search, noise

N_SETS = 2000
rng = np.random.default_rng(0)
prior = {"C": (100.0, 400.0), "mu": (100.0, 300.0), "sigma": (0.0, 60.0)}
grid = pd.DataFrame({name: rng.uniform(low, high, N_SETS) for name, (low, high) in prior.items()})

call = dict(param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
            step_size=1e-4, simulation_time=3.0, sampling_step_size=1e-3, cutoff=1.0,
            outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
            features={"spectrum": F.spectrum("V_e - V_i", np.linspace(2, 34, 33), log=True)},
            keep_timeseries=False, progress=False)

folder = tempfile.mkdtemp()
store = Path(folder) / "inference.zarr" if importlib.util.find_spec("zarr") else None
started = time.perf_counter()
data = grid_search("JRC2", grid, inputs={"jrc/jrc_op/u": noise.normal("mu", "sigma", seed=0)},
                   store=store, **call)
seconds = time.perf_counter() - started
print(f"{N_SETS} simulations of 3 s in {seconds:.1f} s ({N_SETS / seconds:.0f} per second)"
      + (f", written to {store.name}" if store is not None else ""))

theta = grid.to_numpy()                        # (n_sets, 3): C, mu, sigma
x = data.features["spectrum"].to_numpy()       # (n_sets, 33): the log-spectra
shutil.rmtree(folder)                          # (xarray.open_zarr(store) reads it before)

# %%
# The held-out observation and its rejection-ABC posterior
# --------------------------------------------------------
# The distance is Euclidean on the log-spectra, each frequency scaled by its spread over the
# data set; the 50 nearest sets (2.5%) are the posterior sample.

truth = {"C": 200.0, "mu": 180.0, "sigma": 25.0}
observed = grid_search("JRC2", pd.DataFrame(truth, index=[10**9]),
                       inputs={"jrc/jrc_op/u": noise.normal("mu", "sigma", seed=12345)}, **call)
x_o = observed.features["spectrum"].to_numpy()[0]

finite = np.isfinite(x).all(axis=1)
scale = x[finite].std(axis=0)
distance = np.sqrt((((x - x_o) / scale) ** 2).sum(axis=1))
distance[~finite] = np.inf
accepted = theta[np.argsort(distance)[:50]]
for i, name in enumerate(prior):
    low, high = np.percentile(accepted[:, i], [5, 95])
    print(f"{name}: true {truth[name]:g}, posterior median {np.median(accepted[:, i]):.1f}, "
          f"90% interval {low:.1f} to {high:.1f}")

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
pairs = [(0, 1), (0, 2), (1, 2)]
names = list(prior)
for ax, (i, j) in zip(axes, pairs, strict=True):
    ax.plot(theta[:, i], theta[:, j], ".", ms=1.5, color="0.8", label="prior sets")
    ax.plot(accepted[:, i], accepted[:, j], ".", ms=4, label="accepted")
    ax.plot(truth[names[i]], truth[names[j]], "k*", ms=12, label="truth")
    ax.set(xlabel=names[i], ylabel=names[j])
axes[0].legend(fontsize=8, loc="upper right")
fig.suptitle("Rejection ABC on 33-value log-spectra", fontsize=10)
fig.tight_layout()
