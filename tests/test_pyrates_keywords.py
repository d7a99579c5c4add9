"""Every keyword PyRates 1.2.3's grid_search passes on is accepted; none changes csweep's result,
and those that would change PyRates' are refused away from their default."""

import numpy as np
import pandas as pd
import pytest

import csweep
from csweep.pyrates_keywords import DEFAULT_ONLY, NO_EFFECT

JRC2 = "model_templates.neural_mass_models.jansenrit.JRC2"


def call(**changes):
    kwargs = dict(circuit_template=JRC2, param_grid={"C": [68.0, 135.0]},
                  param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
                  simulation_time=0.1, outputs={"V": "jrc/jrc_op/V_e"}, sampling_step_size=1e-3,
                  float_precision="float64")
    kwargs.update(changes)
    return csweep.grid_search(**kwargs)[0]


#: what PyRates users pass (its documentation passes file_name=; in_place=False lets run be
#: called again on one template), and a value for every other keyword
SAMPLE_VALUES = {"in_place": False, "file_name": "my_run", "decorator": lambda f: f,
                 "decorator_kwargs": {}, "max_step": 1e-3, "dense_output": True, "jac": None,
                 "julia_path": "/usr/bin/julia", "matrix_sparseness": 0.5, "int_precision": "int64"}


def test_the_keywords_pyrates_users_pass_are_accepted():
    """file_name= and in_place= raised TypeError before."""
    np.testing.assert_array_equal(call(file_name="my_run", in_place=False).to_numpy(),
                                  call().to_numpy())


@pytest.mark.parametrize("solver", ["euler", "scipy"])
def test_every_no_effect_keyword_is_accepted_and_changes_nothing(solver):
    every = {name: SAMPLE_VALUES.get(name, "x") for name in NO_EFFECT}
    pd.testing.assert_frame_equal(call(solver=solver, **every), call(solver=solver))


@pytest.mark.parametrize("name", sorted(DEFAULT_ONLY))
def test_keywords_that_would_change_pyrates_numbers_are_accepted_at_their_default(name):
    default, _ = DEFAULT_ONLY[name]
    pd.testing.assert_frame_equal(call(**{name: default}), call())
    with pytest.raises(ValueError, match=f"{name}=.* is not supported"):
        call(**{name: 3 if default == 0 else {"x": 1}})


def test_dde_approx_false_is_not_taken_for_zero():
    with pytest.raises(ValueError, match="dde_approx"):
        call(dde_approx=False)


def test_a_keyword_pyrates_does_not_read_is_still_refused():
    """PyRates silently ignores any keyword, typos too; csweep names it."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'in_plce'"):
        call(in_plce=False)
