"""csweep.plot: one call per figure, the matplotlib objects returned, never shown."""

import numpy as np
import pytest
from conftest import JRC2_OUTPUTS, need

import csweep
from csweep import features as F

matplotlib = need("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from csweep import plot  # noqa: E402

MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}, "p": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}}


@pytest.fixture(autouse=True)
def never_shown(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("csweep.plot called show()"))
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sweep():
    return csweep.grid_search("JRC2", {"c": [270.0, 68.0, 135.0], "p": [220.0, 220.0, 150.0]}, MAP,
                              1e-4, 1.0, JRC2_OUTPUTS, sampling_step_size=1e-3, progress=False)


def test_timeseries_has_one_panel_per_set_sorted_by_a_parameter(sweep):
    results, results_map = sweep
    fig, axes = plot.timeseries(results, results_map, "V_e - V_i", sort_by="c")
    assert len(axes) == 3 and fig.axes[:3] == list(axes)
    assert [ax.get_title(loc="left") for ax in axes] == [
        "c = 68, p = 220", "c = 135, p = 150", "c = 270, p = 220"]
    expected = 1e3 * (results["V_e"]["JRC2_1"].to_numpy(np.float64)
                      - results["V_i"]["JRC2_1"].to_numpy(np.float64))
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), expected.ravel())
    assert axes[-1].get_xlabel() == "time (s)" and axes[0].get_ylabel() == "mV"


def test_signal_frame_combines_outputs_and_names_unknown_ones(sweep):
    results, _ = sweep
    frame = plot.signal_frame(results, "2*V_e - V_i")
    np.testing.assert_allclose(frame["JRC2_0"], 2 * results["V_e"]["JRC2_0"].to_numpy().ravel()
                               - results["V_i"]["JRC2_0"].to_numpy().ravel(), rtol=1e-6)
    with pytest.raises(KeyError, match="'V_x' is not an output"):
        plot.signal_frame(results, "V_x")


def test_bifurcation_plots_min_and_max_after_the_transient(sweep):
    results, results_map = sweep
    fig, ax = plot.bifurcation(results, results_map, "c", "V_e - V_i", after=0.5)
    top, bottom = ax.lines
    late = plot.signal_frame(results, "V_e - V_i").loc[0.5:]
    np.testing.assert_allclose(top.get_ydata(), 1e3 * late.max().to_numpy())
    np.testing.assert_allclose(bottom.get_ydata(), 1e3 * late.min().to_numpy())
    np.testing.assert_array_equal(top.get_xdata(), [270.0, 68.0, 135.0])
    assert ax.get_ylabel() == "V_e - V_i (mV)"
    with pytest.raises(ValueError, match="leaves no sample"):
        plot.bifurcation(results, results_map, "c", "V_e", after=5.0)


def test_feature_map_draws_a_grid_of_a_feature():
    result = csweep.grid_search("JRC2", {"c": [100.0, 200.0, 300.0], "p": [150.0, 250.0]}, MAP,
                                1e-4, 0.5, JRC2_OUTPUTS, permute_grid=True, keep_timeseries=False,
                                features={"ptp": F.peak_to_peak("V_e - V_i")}, progress=False)
    fig, ax, mesh = plot.feature_map(result.features, "c", "p", "ptp")
    values = mesh.get_array().reshape(2, 3)
    table = result.features.pivot_table(index="p", columns="c", values="ptp")
    np.testing.assert_array_equal(values, table.to_numpy())
    assert ax.get_xlabel() == "c" and ax.get_ylabel() == "p"
    with pytest.raises(KeyError, match="'q' is not a column"):
        plot.feature_map(result.features, "c", "q", "ptp")
    with pytest.raises(ValueError, match="permute_grid=True"):
        plot.feature_map(result.features.iloc[:-1], "c", "p", "ptp")


def test_without_matplotlib_the_extra_is_named(sweep, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"csweep\[plot\]"):
        plot.timeseries(*sweep, "V_e")
