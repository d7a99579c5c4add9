"""
A regime map at a fraction of the cost: ``csweep.regime_map``
==============================================================

The regimes of the Jansen-Rit column over the constant input rate u and the connectivity C:
rest, oscillation at 5 Hz or more (the alpha rhythm) and the slow, large spike-like waves.
A uniform grid spends nearly all its runs deep inside regions whose label their neighbours
already tell; ``csweep.regime_map`` starts from a coarse grid of corners and, batch by batch,
refines only the cells whose corners disagree, down to the cells of the uniform grid.

This example draws a 128 x 128 map of 2 s runs so that it builds in seconds. At 512 x 512 and
4 s (``benchmarks/regime_map.py``), the map evaluated 7,588 of the 262,144 sets (2.9%) and
agreed with the uniform grid on 99.97% of the cells (99.0% of those within two cells of a
boundary).
"""

import matplotlib.pyplot as plt

import csweep

classify = csweep.jansen_rit_regimes()        # from peak-to-peak amplitude and dominant frequency
m = csweep.regime_map(
    "JRC2", region={"u": (0, 400), "C": (60, 700)},
    param_map={"u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]},
               "C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
    classify=classify, features=classify.features, resolution=128,
    step_size=1e-3, simulation_time=2.0, cutoff=0.5, sampling_step_size=1e-3,
    outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}, progress=False)

print(m)
print(f"{m.n_evaluations} of {128 * 128} sets evaluated in {m.n_batches} batches; "
      f"{len(m.boundaries)} boundary lines")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
m.plot(ax=left)
left.set_title("regimes (filled from the refined cells)", fontsize=10)
m.plot(ax=right, show_points=True)
right.set_title(f"the {m.n_evaluations} sets evaluated ({m.cost:.0%})", fontsize=10)
for ax in (left, right):
    ax.set_xlabel("constant input u (Hz)")
    ax.set_ylabel("connectivity C")
fig.tight_layout()
