"""
Jansen & Rit (1995): six values of the connectivity C
=====================================================

The PyRates tutorial's sweep, run by csweep. Jansen and Rit drove their cortical column with
uniform noise of 120-320 Hz and varied the connectivity constant C. They reported noise-like
activity of small amplitude at C = 68 and 1350, alpha-band oscillations (about 10 Hz) at 128 and
135, and large spike-like waves at lower frequencies at 270 and 675. csweep's test suite checks
these regimes through each run's dominant frequency and amplitude
(``tests/test_literature.py``).
"""

from csweep import features as F
from csweep import grid_search, noise, plot

result = grid_search(
    "model_templates.neural_mass_models.jansenrit.JRC2",
    param_grid={"C": [68.0, 128.0, 135.0, 270.0, 675.0, 1350.0]},
    param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
    step_size=1e-4, simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0,
    inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)},
    outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
    features={"dominant frequency (Hz)": F.dominant_frequency("V_e - V_i", band=(0.5, 40)),
              "peak to peak (V)": F.peak_to_peak("V_e - V_i")},
    progress=False)
results, results_map = result

# %%
# The regime of each C: dominant frequency and amplitude of the pyramidal potential V_e - V_i.
table = result.features.copy()
table["peak to peak (mV)"] = 1e3 * table.pop("peak to peak (V)")
print(table.to_string(float_format=lambda x: f"{x:8.2f}"))

# %%
# Two seconds of each run, one panel per C (the tutorial's figure).
two_seconds = results[(results.index >= 1.0) & (results.index < 3.0)]
fig, axes = plot.timeseries(two_seconds, results_map, "V_e - V_i", sort_by="C",
                            title="Jansen-Rit column: V_e - V_i for six values of C")
