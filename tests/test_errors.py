"""Every bad argument is refused before integration, with a message naming it."""

import numpy as np
import pandas as pd
import pytest
from conftest import JRC2

import csweep

GRID = {"C": [68.0, 135.0]}
MAP = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUT = {"V_pce": "jrc/jrc_op/V_e"}


def call(**changes):
    kwargs = dict(circuit_template=JRC2, param_grid=GRID, param_map=MAP, step_size=1e-4,
                  simulation_time=0.1, outputs=OUT, sampling_step_size=1e-3)
    kwargs.update(changes)
    return csweep.grid_search(**kwargs)


@pytest.mark.parametrize("changes, error, match", [
    (dict(circuit_template="model_templates.neural_mass_models.jansenrit.JRC9"), ValueError,
     "no template 'JRC9'"),
    (dict(circuit_template="nowhere.JRC2"), ValueError, "unknown template 'nowhere.JRC2'"),
    (dict(circuit_template="../etc.JRC2"), ValueError, "not a valid name part"),
    (dict(circuit_template=42), TypeError, "circuit_template must be"),
    (dict(param_map={}), KeyError, "param_grid key 'C' has no entry in param_map"),
    (dict(param_map={**MAP, "D": MAP["C"]}), KeyError, "param_map key 'D' is not a param_grid key"),
    (dict(param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrx"]}}), KeyError,
     "unknown node 'jrx'.*'jrc'"),
    (dict(param_map={"C": {"vars": ["jrc_op/cc"], "nodes": ["jrc"]}}), KeyError,
     "'jrc_op/cc' is not a variable of node 'jrc'"),
    (dict(param_map={"C": {"vars": ["c"], "nodes": ["jrc"]}}), KeyError, "expected 'op/var'"),
    (dict(param_map={"C": ["jrc_op/c"]}), TypeError, r"param_map\['C'\] must be a dict"),
    (dict(param_grid={"C": [1.0, 2.0], "h": [1.0]}, param_map={**MAP, "h": MAP["C"]}), ValueError,
     "one length.*permute_grid=True"),
    (dict(param_grid={}), ValueError, "param_grid is empty"),
    (dict(param_grid={"C": []}), ValueError, r"param_grid\['C'\] is empty"),
    (dict(param_grid={"C": [68.0, np.nan]}), ValueError, r"param_grid\['C'\] must be finite; received nan"),
    (dict(param_grid={"C": [68.0, np.inf]}), ValueError, r"must be finite; received inf"),
    (dict(param_grid={"C": 68.0}), TypeError, "must be a sequence of numbers"),
    (dict(param_grid={"C": ["a", "b"]}), TypeError, "must hold real numbers"),
    (dict(param_grid=[1, 2]), TypeError, "param_grid must be a dict"),
    (dict(inputs={"jrc/jrc_op/u": np.ones(999)}), ValueError,
     r"inputs\['jrc/jrc_op/u'\] has 999 rows; expected 1000 \(simulation_time / step_size\)"),
    (dict(inputs={"jrc/jrc_op/u": np.ones((1000, 3))}), ValueError,
     "has 3 columns; expected 1 .* or 2"),
    (dict(inputs={"jrc/jrc_op/u": np.ones((1000, 1, 1))}), ValueError, "must have shape"),
    (dict(inputs={"jrc/jrc_op/u": np.full(1000, np.nan)}), ValueError, "NaN or infinite"),
    (dict(inputs={"jrc/jrc_op/x": np.ones(1000)}), KeyError, "'jrc/jrc_op/x' is not an input variable"),
    (dict(inputs={"jrc/jrc_op/c": np.ones(1000)}), KeyError, "not an input variable"),
    (dict(outputs={"V": "jrc/jrc_op/V_x"}), KeyError, r"outputs\['V'\]: unknown path 'jrc/jrc_op/V_x'"),
    (dict(outputs={}), TypeError, "outputs must be a non-empty dict"),
    (dict(step_size=0.0), ValueError, "step_size must be a positive.*received 0.0"),
    (dict(step_size=-1e-4), ValueError, "step_size must be a positive"),
    (dict(simulation_time=np.nan), ValueError, "simulation_time must be a positive"),
    (dict(sampling_step_size=1.5e-4), ValueError,
     r"sampling_step_size must be a whole multiple of step_size \(0.0001\); received 0.00015"),
    (dict(sampling_step_size=1.0), ValueError, "longer than simulation_time.*no sample"),
    (dict(cutoff=0.1), ValueError, r"cutoff must be in \[0, simulation_time\)"),
    (dict(cutoff=-0.01), ValueError, r"cutoff must be in \[0, simulation_time\)"),
    (dict(solver="scipy45"), ValueError,
     "solver must be one of 'euler', 'heun', 'rk4', 'scipy'; received 'scipy45'"),
    (dict(float_precision="float16"), ValueError, "float_precision must be 'float32' or 'float64'"),
    (dict(n_threads=0), ValueError, "n_threads must be None, -1 or a positive integer"),
    (dict(n_threads=100_000), ValueError, "n_threads must be at most 1024; received 100000"),
    (dict(param_map={"C": {"vars": ["jrc_op/tau_e"], "nodes": ["jrc"]}}, param_grid={"C": [0.01, -0.01]}),
     ValueError, "jrc/jrc_op/tau_e must be > 0"),
    (dict(param_map={"C": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}},
          inputs={"jrc/jrc_op/u": np.ones(1000)}), ValueError, "also swept through param_map"),
])
def test_bad_arguments_are_refused(changes, error, match):
    with pytest.raises(error, match=match):
        call(**changes)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword"):
        call(stepsize=1e-4)


def test_dataframe_grid_with_duplicate_labels_is_refused():
    grid = pd.DataFrame({"C": [68.0, 135.0]}, index=["a", "a"])
    with pytest.raises(ValueError, match="must be unique"):
        call(param_grid=grid)


def test_compatibility_keywords_are_accepted_and_change_nothing():
    plain, _ = call()
    compat, _ = call(backend="numpy", vectorize=False, verbose=True, clear=False)
    pd.testing.assert_frame_equal(plain, compat)
