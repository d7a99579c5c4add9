"""grid_search never changes what the caller passed (PyRates rewrites inputs and the grid)."""

import copy

import numpy as np
import pandas as pd

import csweep


def test_caller_objects_are_unchanged():
    u = np.random.default_rng(0).uniform(120, 320, (1000, 1))
    u.setflags(write=False)  # the kernel must not need write access
    inputs = {"jrc/jrc_op/u": u}
    grid = {"C": [68.0, 135.0]}
    param_map = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
    outputs = {"V_pce": "jrc/jrc_op/V_e"}
    frame_grid = pd.DataFrame(grid, index=["a", "b"])
    snapshot = copy.deepcopy((inputs, grid, param_map, outputs, frame_grid))
    for g in (grid, frame_grid):
        csweep.grid_search("model_templates.neural_mass_models.jansenrit.JRC2", g, param_map,
                           step_size=1e-4, simulation_time=0.1, outputs=outputs, inputs=inputs,
                           sampling_step_size=1e-3)
    assert list(inputs) == ["jrc/jrc_op/u"] and inputs["jrc/jrc_op/u"] is u
    np.testing.assert_array_equal(u, snapshot[0]["jrc/jrc_op/u"])
    assert grid == snapshot[1] and param_map == snapshot[2] and outputs == snapshot[3]
    pd.testing.assert_frame_equal(frame_grid, snapshot[4])
    assert list(frame_grid.index) == ["a", "b"]


def test_results_do_not_share_memory_with_inputs():
    u = np.full((1000, 2), 220.0)
    results, _ = csweep.grid_search("JRC2", {"C": [68.0, 135.0]},
                                    {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                                    step_size=1e-4, simulation_time=0.1,
                                    outputs={"V": "jrc/jrc_op/V_e"}, inputs={"jrc/jrc_op/u": u},
                                    float_precision="float64")
    assert not np.shares_memory(results.to_numpy(), u)
