"""
Bifurcations under constant input
=================================

With a constant input rate u instead of noise, the column (C = 135) has a branch of
equilibria that folds twice and changes stability at three Hopf points (Grimbert & Faugeras
2006; Touboul et al. 2011). :func:`csweep.equilibria` finds every equilibrium of every input
value and its stability, :func:`csweep.bifurcations` the folds and Hopf points, refined on the
input; the dots are csweep's simulations (RK4, 20 s, the last 2 s kept), started at rest and on
the alpha cycle, drawn on top by :func:`csweep.plot.bifurcation_diagram`.

The test suite checks the points against an independent analysis (``tests/test_equilibria.py``,
to 1e-6 Hz) and the simulations against the points (``tests/test_literature.py``): oscillations
start from rest within 0.25 Hz of the fold at u = 113.59 Hz (a saddle-node on an invariant
circle), and small perturbations of the upper equilibrium grow or decay at the eigenvalues'
rates, changing sign within 0.04 Hz of the Hopf points.
"""

import matplotlib.pyplot as plt
import numpy as np

import csweep
from csweep import grid_search, plot

param_map = {"u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}}
branches = csweep.equilibria("JRC2", {"u": np.linspace(-60, 420, 1201)}, param_map)
points = csweep.bifurcations("JRC2", {"u": (-60, 420)}, param_map=param_map)
print(points[["kind", "u", "frequency", "potential"]].round(4).to_string())

# %%
# Simulations: 226 input rates from -50 to 400 Hz, from rest and from the alpha cycle of
# u = 200 Hz (the final state of a short run, repeated for every set).
u_values = np.linspace(-50, 400, 226)
common = dict(param_map=param_map, step_size=1e-4, simulation_time=20.0,
              sampling_step_size=1e-3, solver="rk4",
              outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}, progress=False)
from_rest = grid_search("JRC2", {"u": u_values}, **common)
alpha = grid_search("JRC2", {"u": [200.0]}, return_final_state=True, **common).final_state
from_alpha = grid_search("JRC2", {"u": u_values}, **common,
                         initial_state=np.repeat(alpha.to_numpy(), len(u_values), axis=0))

fig, ax = plot.bifurcation_diagram(branches, "u", points, results=from_rest.results,
                                   results_map=from_rest.results_map, after=18.0)
plot.bifurcation(*from_alpha, "u", "V_e - V_i", after=18.0, ax=ax)
ax.set_xlim(-60, 420)
ax.set_ylim(-12, 14)
ax.set_xlabel("constant input u (Hz)")
ax.set_ylabel("V_e - V_i (mV)")
ax.set_title("Jansen-Rit column, C = 135: equilibria, folds and Hopf points (csweep.equilibria, "
             "csweep.bifurcations) and simulations", fontsize=9)
ax.legend(loc="lower right", fontsize=7, ncol=2)
fig.tight_layout()

# %%
# The fold and Hopf curves in the (input, connectivity) plane: the same call with C in the
# grid gives each C's points along u, and with u in the grid each u's points along C (which
# traces the nearly flat Hopf curve that a sweep along u crosses only near C = 135). The folds
# meet in a cusp near C = 60, below which the column has one equilibrium for every input.
plane_map = {**param_map, "c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
along_u = csweep.bifurcations("JRC2", {"u": (-150, 450)}, {"c": np.linspace(50, 300, 26)},
                              plane_map, points=300)
along_c = csweep.bifurcations("JRC2", {"c": (50, 300)}, {"u": np.linspace(-150, 450, 31)},
                              plane_map, points=300)
fig, ax = plt.subplots(figsize=(7, 4.5))
for kind, marker, colour, label in (("fold", "s", "tab:red", "folds"),
                                    ("hopf", "o", "tab:blue", "Hopf points")):
    chosen = [frame[frame["kind"] == kind] for frame in (along_u, along_c)]
    ax.plot(np.concatenate([c["u"] for c in chosen]), np.concatenate([c["c"] for c in chosen]),
            marker, ms=3, color=colour, label=label)
ax.axhline(135, color="0.6", lw=0.8)
ax.set_xlim(-150, 450)
ax.set_xlabel("constant input u (Hz)")
ax.set_ylabel("connectivity C")
ax.set_title("Fold and Hopf curves of the Jansen-Rit column", fontsize=10)
ax.legend(fontsize=8)
fig.tight_layout()
