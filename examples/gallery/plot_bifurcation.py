"""
Bifurcations under constant input
=================================

With a constant input rate p instead of noise, the column (C = 135) has a branch of
equilibria that folds twice and changes stability at three Hopf points (Grimbert & Faugeras
2006; Touboul et al. 2011). The equilibria and their stability come from the Jacobian of the
model, a few lines of NumPy below; the dots are csweep's simulations (RK4, 20 s, the last 2 s
kept), started at rest and on the alpha cycle, through ``csweep.plot.bifurcation``.

The test suite (``tests/test_literature.py``) checks the agreement: oscillations start from rest
within 0.25 Hz of the fold at p = 113.6 Hz (a saddle-node on an invariant circle, whose slow
rhythm quickens as p grows); small perturbations of the upper equilibrium grow or decay at the
eigenvalues' rates, changing sign within 0.04 Hz of the Hopf points at p = -12.15, 89.83 and
315.70 Hz; the alpha cycle shrinks toward the upper Hopf point; and between the outer Hopf
points the column has two stable rest states.
"""

import matplotlib.pyplot as plt
import numpy as np

from csweep import grid_search, plot

q = dict(h_e=3.25e-3, tau_e=10e-3, h_i=22e-3, tau_i=20e-3, m_max=5.0, r=560.0, V_thr=6e-3,
         c=135.0)


def S(v):
    return q["m_max"] / (1 + np.exp(-q["r"] * (v - q["V_thr"])))


def equilibrium(y):
    """State and input p of the equilibrium with output V_e - V_i = y."""
    he, te, hi, ti, c = q["h_e"], q["tau_e"], q["h_i"], q["tau_i"], q["c"]
    v_ein, v_iin = he * te * c * S(y), he * te * c / 4 * S(y)
    v_i = hi * ti * c / 4 * S(v_iin)
    p = (y + v_i) / (he * te) - 0.8 * c * S(v_ein)
    return np.array([v_ein, 0, v_iin, 0, y + v_i, 0, v_i, 0]), p


def rhs(s, p):
    he, te, hi, ti, c = q["h_e"], q["tau_e"], q["h_i"], q["tau_i"], q["c"]
    v_ein, x_ein, v_iin, x_iin, v_e, x_e, v_i, x_i = s
    m = S(v_e - v_i)
    return np.array([x_ein, he * c / te * m - v_ein / te**2 - 2 * x_ein / te,
                     x_iin, he * c / (4 * te) * m - v_iin / te**2 - 2 * x_iin / te,
                     x_e, he / te * (0.8 * c * S(v_ein) + p) - v_e / te**2 - 2 * x_e / te,
                     x_i, hi * c / (4 * ti) * S(v_iin) - v_i / ti**2 - 2 * x_i / ti])


def stable(y):
    s, p = equilibrium(y)
    J = np.column_stack([(rhs(s + h, p) - rhs(s - h, p)) / 2e-9 for h in 1e-9 * np.eye(8)])
    return np.linalg.eigvals(J).real.max() < 0


ys = np.linspace(-0.004, 0.0125, 3000)
ps = np.array([equilibrium(y)[1] for y in ys])
is_stable = np.array([stable(y) for y in ys])

# %%
# Simulations: 226 input rates from -50 to 400 Hz, from rest and from the alpha cycle of
# p = 200 Hz (the final state of a short run, repeated for every set).
p_values = np.linspace(-50, 400, 226)
common = dict(param_map={"p": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}}, step_size=1e-4,
              simulation_time=20.0, sampling_step_size=1e-3, solver="rk4",
              outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}, progress=False)
from_rest = grid_search("JRC2", {"p": p_values}, **common)
alpha = grid_search("JRC2", {"p": [200.0]}, return_final_state=True, **common).final_state
from_alpha = grid_search("JRC2", {"p": p_values}, **common,
                         initial_state=np.repeat(alpha.to_numpy(), len(p_values), axis=0))

fig, ax = plt.subplots(figsize=(9, 5))
for y_part, style, name in ((np.where(is_stable, ys, np.nan), "-", "stable equilibria"),
                            (np.where(is_stable, np.nan, ys), ":", "unstable equilibria")):
    ax.plot(ps, 1e3 * y_part, style, color="0.3", lw=1.5, label=name)
plot.bifurcation(*from_rest, "p", "V_e - V_i", after=18.0, ax=ax)
plot.bifurcation(*from_alpha, "p", "V_e - V_i", after=18.0, ax=ax)
for line, name in zip(ax.lines[2:], ["max, from rest", "min, from rest", "max, from the alpha "
                                     "cycle", "min, from the alpha cycle"], strict=True):
    line.set_label(name)
for p_mark, name in ((113.59, "fold"), (-12.15, "Hopf"), (89.83, "Hopf"), (315.70, "Hopf")):
    ax.axvline(p_mark, color="tab:red", lw=0.6, alpha=0.5)
    ax.text(p_mark, 13.2, f" {name}\n {p_mark:g}", fontsize=7, color="tab:red", va="top")
ax.set_xlim(-50, 400)
ax.set_ylim(-12, 14)
ax.set_xlabel("constant input p (Hz)")
ax.set_ylabel("V_e - V_i (mV)")
ax.set_title("Jansen-Rit column, C = 135: equilibria (Jacobian) and simulations (csweep)",
             fontsize=10)
ax.legend(loc="lower right", fontsize=7, ncol=2)
fig.tight_layout()
