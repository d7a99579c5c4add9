"""``csweep.Sweep``: a grid_search call without its grid, checked once and run on many grids.

Bitwise agreement with ``grid_search`` over every recorded case (in memory, store, executor,
pickled) is held in test_bitwise.py; Dask in test_cluster.py. Here: what a Sweep is as an
object (immutable, picklable, replaceable), that its errors are grid_search's, that each grid is
checked against it, and the pieces that make a run cheap (the column index, thread counts).
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import csweep
from csweep.analysis.result import column_index

C_MAP = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUTPUTS = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}
TIMES = dict(simulation_time=0.05, step_size=1e-4)


def _sweep(**kwargs):
    args = dict(outputs=OUTPUTS, float_precision="float64", progress=False, **TIMES)
    args.update(kwargs)
    return csweep.Sweep("JRC2", C_MAP, **args)


def _same(a, b):
    pd.testing.assert_frame_equal(a.results, b.results, check_exact=True)
    pd.testing.assert_frame_equal(a.results_map, b.results_map, check_exact=True)


def test_runs_of_several_grids_each_equal_their_grid_search():
    sweep = _sweep()
    for values in ([68.0, 135.0], np.linspace(100, 700, 19), [135.0]):
        _same(sweep.run({"C": values}),
              csweep.grid_search("JRC2", {"C": values}, C_MAP, outputs=OUTPUTS,
                                 float_precision="float64", progress=False, **TIMES))


def test_the_positional_order_is_pyrates_run_order():
    by_position = csweep.Sweep("JRC2", C_MAP, 0.05, 1e-4, None, OUTPUTS, None,
                               float_precision="float64")
    _same(by_position.run({"C": [135.0]}), _sweep().run({"C": [135.0]}))


def test_a_sweep_is_immutable_and_replace_makes_a_new_one():
    sweep = _sweep()
    with pytest.raises(AttributeError, match="immutable"):
        sweep.solver = "rk4"
    with pytest.raises(AttributeError):
        del sweep._setup
    rk4 = sweep.replace(solver="rk4")
    assert rk4 is not sweep and rk4.arguments["solver"] == "rk4"
    assert sweep.arguments["solver"] == "euler"
    _same(rk4.run({"C": [135.0]}), _sweep(solver="rk4").run({"C": [135.0]}))
    with pytest.raises(TypeError, match="unknown argument.*solverr"):
        sweep.replace(solverr="rk4")
    with pytest.raises(ValueError, match="solver must be one of"):
        sweep.replace(solver="rk5")


def test_the_callers_dicts_are_copied_not_held():
    param_map = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
    outputs = dict(OUTPUTS)
    sweep = csweep.Sweep("JRC2", param_map, outputs=outputs, **TIMES)
    param_map["C"]["vars"] = ["jrc_op/h_e"]
    outputs.pop("V_i")
    again = pickle.loads(pickle.dumps(sweep))
    for each in (sweep, again):
        result = each.run({"C": [135.0]})
        assert list(result.results.columns.get_level_values(0).unique()) == ["V_e", "V_i"]
    assert again.arguments["param_map"] == {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}


def test_pickled_sweep_runs_the_same():
    sweep = _sweep(solver="heun", inputs={"jrc/jrc_op/u": csweep.noise.uniform(120, 320, seed=2)})
    copy = pickle.loads(pickle.dumps(sweep))
    _same(copy.run({"C": [68.0, 135.0, 270.0]}), sweep.run({"C": [68.0, 135.0, 270.0]}))
    assert "JRC2" in repr(copy) and "['C']" in repr(copy)
    assert copy.parameters == ["C"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(outputs={"x": "jrc/jrc_op/nope"}), KeyError, "unknown path"),
    (dict(outputs=None), TypeError, "outputs must be a non-empty dict"),
    (dict(solver="rk5"), ValueError, "solver must be one of"),
    (dict(inputs={"jrc/jrc_op/u": np.ones(3)}), ValueError, "has 3 rows; expected 500"),
    (dict(block_size=0), ValueError, "block_size must be a positive integer"),
    (dict(progress="yes"), TypeError, "progress must be None, True, False or a callable"),
    (dict(n_threads=0), ValueError, "n_threads must be None, -1 or a positive integer"),
    (dict(not_a_pyrates_keyword=1), TypeError, "not_a_pyrates_keyword"),
])
def test_errors_come_at_construction_as_grid_search_gives_them(kwargs, error, match):
    with pytest.raises(error, match=match):
        _sweep(**kwargs)
    call = dict(outputs=OUTPUTS, progress=False, **TIMES)
    call.update(kwargs)
    with pytest.raises(error, match=match):
        csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP, **call)


def test_each_grid_is_checked_against_the_sweep():
    sweep = _sweep(inputs={"jrc/jrc_op/u": np.full((500, 3), 220.0)})
    with pytest.raises(KeyError, match="param_grid key 'c' has no entry in param_map"):
        sweep.run({"c": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="has 3 columns; expected 1 .* or 2"):
        sweep.run({"C": [1.0, 2.0]})
    with pytest.raises(ValueError, match="resume=True continues a sweep written to a store"):
        sweep.run({"C": [1.0, 2.0, 3.0]}, resume=True)
    with pytest.raises(ValueError, match="jrc_op/c must be >= 0 .*parameter set 1 gives -2.0"):
        sweep.run({"C": [1.0, -2.0, 3.0]})
    assert sweep.run({"C": [1.0, 2.0, 3.0]}).results.shape == (500, 6)


def test_thread_count_does_not_change_results_of_small_or_large_blocks():
    grid = {"C": np.linspace(60, 700, 40)}
    one, two = _sweep(n_threads=1), _sweep(n_threads=2, simulation_time=0.05)
    _same(one.run(grid), two.run(grid))


def test_kernel_threads_follow_the_work():
    sweep = _sweep(n_threads=2)
    spec_run = _runner(sweep, {"C": np.linspace(60, 700, 64)})
    assert spec_run.kernel_threads(8) == 1          # one tile: one thread
    assert spec_run.kernel_threads(64) == 1         # 64 sets x 500 steps: too little to share
    long = _runner(_sweep(n_threads=2, simulation_time=2.0), {"C": np.linspace(60, 700, 64)})
    assert long.kernel_threads(64) == 2 and long.kernel_threads(8) == 1


def _runner(sweep, grid):
    from csweep.engine.runner import BlockRunner
    from csweep.engine.spec import bind_grid

    spec = bind_grid(sweep._setup, grid, False, store=None, resume=False, client=None,
                     executor=None)
    return BlockRunner.from_spec(spec, spec.threads)


@pytest.mark.parametrize("outputs, labels", [
    (OUTPUTS, [f"JRC2_{i}" for i in range(12)]),
    ({"b": "jrc1/pc/rpo/v", "a": "jrc2/pc/rpo/v", "c": "jrc1/ein/x/y"},
     ["JRC_b", "JRC_a", "JRC_10", "JRC_2"]),
    ({"a": "n/op/v", "b": "x/y/op/v"}, ["L_1", "L_0"]),      # node paths of two depths
])
def test_the_column_index_is_the_one_from_tuples_makes(outputs, labels):
    tuples = [(name, label, *path.split("/")[:-2], "/".join(path.split("/")[-2:]))
              for name, path in outputs.items() for label in labels]
    expected = pd.MultiIndex.from_tuples(tuples)
    got = column_index(outputs, labels)
    pd.testing.assert_index_equal(got, expected, exact=True)
    for level, want in zip(got.levels, expected.levels, strict=True):
        pd.testing.assert_index_equal(level, want, exact=True)


def test_divergence_warnings_point_at_the_callers_line():
    flood = {"jrc/jrc_op/u": np.full(500, 1e300)}     # the state overflows within the run
    for call in (lambda: _sweep(inputs=flood, float_precision="float32").run({"C": [135.0]}),
                 lambda: csweep.grid_search("JRC2", {"C": [135.0]}, C_MAP, outputs=OUTPUTS,
                                            inputs=flood, progress=False, **TIMES)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        diverged = [w for w in caught if issubclass(w.category, csweep.DivergenceWarning)]
        assert diverged and all(w.filename == __file__ for w in diverged)


def test_runs_of_one_sweep_from_two_threads_each_get_their_own_numbers():
    from concurrent.futures import ThreadPoolExecutor

    sweep = _sweep(keep_timeseries=False, simulation_time=0.2,
                   features={"ptp": csweep.features.peak_to_peak("V_e - V_i")})
    grids = [{"C": np.linspace(60, 700, n)} for n in (24, 40, 24, 40, 33, 24)]
    alone = [sweep.run(grid).features for grid in grids]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(sweep.run, grids))
    for want, got in zip(alone, together, strict=True):
        pd.testing.assert_frame_equal(got.features, want, check_exact=True)


def test_kept_scratch_blocks_do_not_carry_one_run_into_the_next():
    sweep = _sweep(keep_timeseries=False, block_size=8,
                   features={"ptp": csweep.features.peak_to_peak("V_e - V_i")})
    first = sweep.run({"C": np.linspace(60, 700, 24)}).features
    sweep.run({"C": np.full(20, 1000.0)})
    again = sweep.run({"C": np.linspace(60, 700, 24)}).features
    pd.testing.assert_frame_equal(again, first, check_exact=True)


def test_column_indexes_are_kept_for_the_same_outputs_and_sets_only():
    from csweep.analysis.result import cached_column_index

    labels = [f"JRC2_{i}" for i in range(5)]
    first = cached_column_index(OUTPUTS, labels)
    assert cached_column_index(dict(OUTPUTS), list(labels)) is first
    other = cached_column_index(OUTPUTS, labels[:4])
    assert other is not first and len(other) == 8
    assert cached_column_index({"V_e": "jrc/jrc_op/V_e"}, labels) is not first


def test_a_network_block_counts_its_columns_as_work():
    from csweep.engine.runner import BlockRunner
    from csweep.engine.spec import bind_grid

    column = csweep.CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    regions = [f"r{i}" for i in range(20)]
    net = csweep.CircuitTemplate("net", circuits={r: column for r in regions})
    sweep = csweep.Sweep(net, {"h": {"vars": ["rpo_e_in/h"], "nodes": [f"{r}/pc" for r in regions]}},
                         0.05, 1e-4, outputs={"v": "r0/pc/rpo_e_in/v"}, n_threads=2)
    spec = bind_grid(sweep._setup, {"h": np.linspace(3e-3, 4e-3, 16)}, False, store=None,
                     resume=False, client=None, executor=None)
    # 16 sets x 500 steps: too little for two threads as lumped columns, enough as 20 columns
    assert BlockRunner.from_spec(spec, 2).kernel_threads(16) == 2


def test_the_records_divergence_check_reads_rows_or_strides_alike():
    from csweep.engine.runner import _records_finite

    out = np.random.default_rng(1).normal(size=(50, 3, 7)).astype(np.float32)
    out[10, 2, 1], out[49, 0, 4], out[0, 1, 6] = np.inf, np.nan, -np.inf
    want = np.array([True, False, True, True, False, True, False])
    np.testing.assert_array_equal(_records_finite(out), want)                  # contiguous
    wide = np.zeros((50, 3, 9), dtype=np.float32)
    wide[:, :, 1:8] = out
    assert not wide[:, :, 1:8].flags.c_contiguous
    np.testing.assert_array_equal(_records_finite(wide[:, :, 1:8]), want)     # strided


def test_tools_built_on_a_sweep_say_which_time_arguments_they_miss():
    from csweep.engine.sweep import features_sweep

    features = {"ptp": csweep.features.peak_to_peak("V_e")}
    with pytest.raises(TypeError, match="regime_map needs simulation_time and step_size"):
        features_sweep("JRC2", C_MAP, features, {"outputs": OUTPUTS}, "regime_map")
    sweep, executor = features_sweep("JRC2", C_MAP, features,
                                     {"outputs": OUTPUTS, "executor": None, **TIMES}, "fit")
    assert executor is None and sweep.arguments["keep_timeseries"] is False
    assert list(sweep.run({"C": [135.0]}).features.columns) == ["C", "ptp"]
