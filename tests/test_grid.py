"""Parameter grids: pairwise, permuted in PyRates' order, DataFrames, labels and dtypes."""

import numpy as np
import pandas as pd
import pytest

import csweep

JRC2 = "JRC2"
OUT = {"V_pce": "jrc/jrc_op/V_e"}


def node_map(*names):
    return {n: {"vars": [f"jrc_op/{n}"], "nodes": ["jrc"]} for n in names}


def run(grid, param_map, **kw):
    return csweep.grid_search(JRC2, grid, param_map, step_size=1e-4, simulation_time=0.05,
                              outputs=OUT, sampling_step_size=1e-3, **kw)


def test_permuted_grid_of_two_keys_varies_the_first_fastest():
    _, rmap = run({"c": [100.0, 135.0, 200.0], "h_e": [3e-3, 3.5e-3]}, node_map("c", "h_e"),
                  permute_grid=True)
    assert rmap["c"].tolist() == [100.0, 135.0, 200.0] * 2
    assert rmap["h_e"].tolist() == [3e-3] * 3 + [3.5e-3] * 3


def test_permuted_grid_of_three_keys_follows_meshgrid_xy_order():
    """np.meshgrid's 'xy' indexing swaps the first two axes: the last key varies fastest, then
    the first, then the second (what PyRates 1.2.3 returns)."""
    a, b, c = [1.0, 2.0], [10.0, 20.0, 30.0], [100.0, 200.0]
    _, rmap = run({"c": a, "h_e": b, "tau_e": c}, node_map("c", "h_e", "tau_e"), permute_grid=True)
    rows = [tuple(r) for r in rmap.to_numpy()]
    expected = [(x, y, z) for y in b for x in a for z in c]
    assert rows == expected


def test_dataframe_grid_keeps_its_labels_and_is_not_modified():
    grid = pd.DataFrame({"c": [68.0, 135.0]}, index=["lo", "hi"])
    before = grid.copy()
    results, rmap = run(grid, node_map("c"))
    pd.testing.assert_frame_equal(grid, before)
    assert list(rmap.index) == ["JRC2_lo", "JRC2_hi"]
    assert list(results.columns.get_level_values(1)) == ["JRC2_lo", "JRC2_hi"]


def test_integer_grid_values_keep_int64_in_the_map():
    _, rmap = run({"c": [68, 135]}, node_map("c"))
    assert rmap["c"].dtype == np.int64


def test_single_set_keeps_the_multiindex():
    results, rmap = run({"c": [135.0]}, node_map("c"))
    assert isinstance(results.columns, pd.MultiIndex)
    assert results.columns.tolist() == [("V_pce", "JRC2_0", "jrc", "jrc_op/V_e")]


def test_every_step_is_recorded_without_sampling_step_size():
    results, _ = csweep.grid_search(JRC2, {"c": [135.0]}, node_map("c"), step_size=1e-4,
                                    simulation_time=0.01, outputs=OUT)
    np.testing.assert_array_equal(results.index.to_numpy(), np.linspace(0, 0.01, 100, endpoint=False))


def test_a_time_grid_seen_before_is_the_same_and_cannot_be_changed():
    # calls repeating their timing share its time grid (a sweep's many small calls); its
    # index is read-only, so no call (nor a custom feature given the times) can change another's
    from csweep.models.timing import make_time_grid

    first = make_time_grid(2.0, 1e-4, 1e-3, 0.5)
    again = make_time_grid(np.float64(2.0), 1e-4, 1e-3, 0.5)
    assert again is first and first.index[0] == 0.5 and len(first.index) == 1500
    with pytest.raises(ValueError, match="read-only"):
        first.index[0] = 1.0
    assert make_time_grid(2.0, 1e-4, 1e-3, 0.0).index[0] == 0.0
    with pytest.raises(ValueError, match="cutoff"):     # errors are not kept: raised each time
        make_time_grid(2.0, 1e-4, 1e-3, 2.0)
    with pytest.raises(ValueError, match="cutoff"):
        make_time_grid(2.0, 1e-4, 1e-3, 2.0)
