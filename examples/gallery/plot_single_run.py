"""
One simulation, as PyRates' documentation runs it
=================================================

PyRates' tutorials simulate one model at a time: ``CircuitTemplate.run``, ``integrate``,
``update_var`` on nodes and edges, ``solver="scipy"`` with ``method="DOP853"``, and
``get_run_func`` for SciPy's ``solve_ivp``. Each runs in csweep with only the import changed;
``run`` is ``grid_search`` with one set, so its frame has one flat column per output, as
PyRates returns it, and the numbers are those of that set in a grid.

Here the three-population ``JRC`` runs with its defaults, then with a shallower pyramidal
sigmoid (``pc/pro/s = 400`` instead of 560) and a stronger pyramidal -> excitatory
interneuron edge (weight 160), and the first run is repeated by handing ``get_run_func``'s
vector field to ``solve_ivp``.
"""

import matplotlib.pyplot as plt
from scipy.integrate import solve_ivp

from csweep import CircuitTemplate

jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
outputs = {"psp_e": "pc/rpo_e_in/v", "psp_i": "pc/rpo_i/v"}
default = jrc.run(simulation_time=1.0, step_size=1e-4, sampling_step_size=1e-3,
                  outputs=outputs, float_precision="float64")

# PyRates' edges are (source, target, template, attributes) tuples; so are csweep's
source, target, _, attributes = jrc.edges[0]
print(f"{source} -> {target}: weight {attributes['weight']}")

func, args, _, state_map = jrc.get_run_func("jrc_run", step_size=1e-4, float_precision="float64")
t0, y0, *func_args = args
# the generated function returns its dy buffer, as PyRates'; a copy keeps solve_ivp exact
solution = solve_ivp(lambda t, y, *a: func(t, y, *a).copy(), (t0, 1.0), y0, args=func_args,
                     method="DOP853", rtol=1e-8, atol=1e-10, t_eval=default.index.to_numpy())
scipy_v = solution.y[state_map["pc/rpo_e_in/v"]] + solution.y[state_map["pc/rpo_i/v"]]

jrc.update_var(node_vars={"pc/pro/s": 400.0},
               edge_vars=[("pc/pro/m", "ein/rpo_e/m_in", {"weight": 160.0})])
changed = jrc.run(simulation_time=1.0, step_size=1e-4, sampling_step_size=1e-3,
                  outputs=outputs, solver="scipy", method="DOP853", float_precision="float64")

fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(default.index, 1e3 * (default["psp_e"] + default["psp_i"]), label="defaults (Euler)")
ax.plot(default.index, 1e3 * scipy_v, "--", label="get_run_func + solve_ivp (DOP853)")
ax.plot(changed.index, 1e3 * (changed["psp_e"] + changed["psp_i"]),
        label="s = 400, pc -> ein weight 160 (DOP853)")
ax.set_xlabel("time (s)")
ax.set_ylabel("pyramidal potential (mV)")
ax.legend(fontsize=8)
fig.tight_layout()
