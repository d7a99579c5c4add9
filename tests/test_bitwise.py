"""Every result is bitwise what it was: SHA-256 of the outputs of a wide set of small calls.

Each case below is a short grid_search call (each solver, precision, template and engine, per-set
noise, features, blocks and threads, a store, an executor). Its outputs' bytes (recorded values,
parameter map, features, final state, solver statistics, divergence labels) are hashed and
compared with ``data/bitwise.json``, recorded from csweep as it was at commit 37b8ee1 (the cases
with generated noise re-recorded for noise streams versions 2 to 5, see data/README.md). Any change
of a single bit in any output fails the case. The file is rewritten only when a change of numbers
is intended and explained: ``python tests/record_bitwise.py`` (see data/README.md).

The hashes hold on any x86-64 CPU because every build of the kernel (baseline, AVX2, AVX-512)
computes bitwise identical results (test_kernel_builds.py checks that).
"""

import concurrent.futures
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

import csweep
from csweep import features as F
from csweep import noise

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "bitwise.json"
JRC2 = "JRC2"
JRC2_U = "jrc/jrc_op/u"
SHORT = dict(step_size=1e-4, simulation_time=0.3, sampling_step_size=1e-3, cutoff=0.1)
C_VALUES = np.array([68.0, 135.0, 270.0, 675.0, 1350.0, 200.0, 95.0, 500.0, 330.0])


def _per_set_input(n_sets, steps=3000, seed=11):
    return np.random.default_rng(seed).uniform(120.0, 320.0, size=(steps, n_sets))


def _jrc2(**kw):
    args = dict(SHORT, outputs=JRC2_OUTPUTS, float_precision="float64")
    args.update(kw)
    return csweep.grid_search(JRC2, {"c": C_VALUES}, JRC2_MAP, **args)


def _network(template, grid, param_map, outputs, **kw):
    args = dict(SHORT, float_precision="float64")
    args.update(kw)
    return csweep.grid_search(template, grid, param_map, outputs=outputs, **args)


JRC_NET = ("model_templates.neural_mass_models.jansenrit.JRC",
           {"h": [3e-3, 3.25e-3, 3.5e-3]},
           {"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}},
           {"v_pce": "pc/rpo_e_in/v", "v_pci": "pc/rpo_i/v"})
DELAY_COUPLED = ("model_templates.neural_mass_models.jansenrit.JRC_2delaycoupled",
                 {"h": [3e-3, 3.5e-3]},
                 {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc", "jrc2/pc"]}},
                 {"v1": "jrc1/pc/rpo_e_in/v", "v2": "jrc2/pc/rpo_e_in/v"})
DISCRETE = (f"{DATA / 'discrete_delay_float64' / 'as_written.yaml'}:DDC",
            {"h": [3e-3, 3.5e-3]},
            {"h": {"vars": ["rpo_e/h"], "nodes": ["jrc1/ein", "jrc2/ein"]}},
            {"v1": "jrc1/pc/rpo_e_in/v", "v2": "jrc2/pc/rpo_e_in/v"})

TIGHT = dict(solver="scipy", rtol=1e-6, atol=1e-9)
FEATURES = {"freq": F.dominant_frequency("V_e - V_i", band=(1, 40), segment=0.1),
            "ptp": F.peak_to_peak("V_e - V_i"), "mean": F.mean("V_e"), "std": F.std("V_i")}


def _store(tmp_path, **kw):
    """A store's arrays as xarray reads them back (the in-memory frames are None)."""
    xr = need("xarray")
    need("zarr")
    path = tmp_path / "bitwise.zarr"
    _jrc2(store=path, **kw)
    ds = xr.open_zarr(path)
    return {name: ds[name].values for name in sorted(ds.data_vars)}


def _executor(**kw):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return _jrc2(executor=pool, keep_timeseries=False, **kw)


#: name -> call(tmp_path); cases whose name ends in "=X" must also equal case X bit for bit
CASES = {
    "jrc2_euler_f64": lambda tmp: _jrc2(inputs={JRC2_U: _per_set_input(9)}),
    "jrc2_euler_f32": lambda tmp: _jrc2(inputs={JRC2_U: _per_set_input(9)},
                                        float_precision="float32"),
    "jrc2_heun_f64": lambda tmp: _jrc2(solver="heun", inputs={JRC2_U: _per_set_input(9)}),
    "jrc2_rk4_f64": lambda tmp: _jrc2(solver="rk4", inputs={JRC2_U: _per_set_input(9)[:, :1]}),
    "jrc2_euler_compute_f32": lambda tmp: _jrc2(compute_precision="float32",
                                                float_precision="float32",
                                                inputs={JRC2_U: _per_set_input(9)}),
    "jrc2_heun_compute_f32": lambda tmp: _jrc2(solver="heun", compute_precision="float32"),
    "jrc2_rk4_compute_f32": lambda tmp: _jrc2(solver="rk4", compute_precision="float32",
                                              inputs={JRC2_U: noise.normal(220, 30, seed=3)}),
    "jrc2_scipy_f64": lambda tmp: _jrc2(**TIGHT, inputs={JRC2_U: _per_set_input(9)}),
    "jrc2_scipy_f32_default_tolerances": lambda tmp: _jrc2(solver="scipy",
                                                           float_precision="float32"),
    "jrc2_noise_uniform_per_set": lambda tmp: _jrc2(inputs={JRC2_U: noise.uniform(120, 320,
                                                                                  seed=4)}),
    "jrc2_noise_normal_shared": lambda tmp: _jrc2(
        inputs={JRC2_U: noise.normal(220, 40, seed=9, per_set=False)}),
    "jrc2_final_state": lambda tmp: _jrc2(solver="rk4", return_final_state=True,
                                          inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_continued": lambda tmp: _jrc2(
        initial_state=_jrc2(return_final_state=True, simulation_time=0.1,
                            cutoff=0.0).final_state,
        solver="heun", return_final_state=True),
    "jrc2_features": lambda tmp: _jrc2(features=FEATURES, keep_timeseries=False,
                                       inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_features_blocks=jrc2_features": lambda tmp: _jrc2(
        features=FEATURES, keep_timeseries=False, block_size=3, n_threads=2,
        inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    # block_size=4 leaves the last set alone in its block (NumPy summed a one-set block in
    # another order, and its std differed in the last bit before _features.pyx: 7e-18)
    "jrc2_features_blocks4=jrc2_features": lambda tmp: _jrc2(
        features=FEATURES, keep_timeseries=False, block_size=4,
        inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_blocks_threads=jrc2_noise_uniform_per_set": lambda tmp: _jrc2(
        block_size=2, n_threads=1, inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_threads=jrc2_noise_uniform_per_set": lambda tmp: _jrc2(
        n_threads=2, inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_store": lambda tmp: _store(tmp, features=FEATURES, block_size=4,
                                     return_final_state=True,
                                     inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_executor=jrc2_features": lambda tmp: _executor(
        features=FEATURES, block_size=4, inputs={JRC2_U: noise.uniform(120, 320, seed=4)}),
    "jrc2_scipy_executor": lambda tmp: _executor(**TIGHT, features=FEATURES, block_size=4,
                                                 return_final_state=True),
    "jrc_euler_f64": lambda tmp: _network(*JRC_NET, return_final_state=True),
    "jrc_rk4_f32": lambda tmp: _network(*JRC_NET, solver="rk4", float_precision="float32"),
    "jrc_scipy_f64": lambda tmp: _network(*JRC_NET, **TIGHT, return_final_state=True),
    "delaycoupled_euler_noise": lambda tmp: _network(
        *DELAY_COUPLED, return_final_state=True,
        inputs={"jrc1/pc/rpo_e_in/u": noise.uniform(120, 320, seed=5)}),
    "delaycoupled_heun": lambda tmp: _network(*DELAY_COUPLED, solver="heun", n_threads=2),
    "delaycoupled_rk4_blocks": lambda tmp: _network(*DELAY_COUPLED, solver="rk4",
                                                    block_size=1, return_final_state=True),
    "delaycoupled_scipy": lambda tmp: _network(*DELAY_COUPLED, solver="scipy",
                                               simulation_time=0.15, cutoff=0.0),
    "discrete_delay_euler": lambda tmp: _network(*DISCRETE, return_final_state=True),
    "discrete_delay_rk4_continued": lambda tmp: _network(
        *DISCRETE, solver="rk4", simulation_time=0.2,
        initial_state=_network(*DISCRETE, solver="rk4", simulation_time=0.1, cutoff=0.0,
                               return_final_state=True).final_state),
}


def _frame_parts(name, frame):
    """The bytes of a frame: its values, index and column labels."""
    values = frame.to_numpy()
    if values.dtype == object:      # solver_stats' status column: hash the text, not pointers
        values = values.astype(str)
    yield f"{name}.values", values
    yield f"{name}.index", np.asarray(frame.index.astype(str), dtype=str)
    yield f"{name}.columns", np.asarray([str(c) for c in frame.columns], dtype=str)


def _parts(output):
    """(label, array) of every output of a call."""
    if isinstance(output, dict):             # a store's arrays
        for name, values in output.items():
            yield name, np.asarray(values)
        return
    for name in ("results", "results_map", "features", "final_state", "solver_stats"):
        frame = getattr(output, name)
        if frame is not None:
            yield from _frame_parts(name, frame if isinstance(frame, pd.DataFrame)
                                    else pd.DataFrame(frame))
    yield "diverged", np.asarray(output.diverged.astype(str), dtype=str)


def digest(output) -> str:
    """SHA-256 over every output's label, dtype, shape and bytes."""
    h = hashlib.sha256()
    for label, array in _parts(output):
        array = np.ascontiguousarray(array)
        h.update(f"{label}|{array.dtype.str}|{array.shape}|".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def digests(tmp_path) -> dict:
    """Every case's digest, by name (for tests/record_bitwise.py)."""
    out = {}
    for name, run in CASES.items():
        folder = tmp_path / name.replace("=", "_eq_")
        folder.mkdir()
        out[name] = digest(run(folder))
    return out


@pytest.fixture(scope="module")
def recorded():
    return json.loads(RECORDED.read_text())["digests"]


def test_every_case_is_recorded(recorded):
    assert sorted(recorded) == sorted(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_outputs_are_bitwise_as_recorded(name, recorded, tmp_path):
    got = digest(CASES[name](tmp_path))
    assert got == recorded[name], f"{name}: the outputs changed (see tests/data/README.md)"
    if "=" in name:     # a variation of engine, blocks or threads gives the same bytes
        assert got == recorded[name.split("=")[1]]


def _through_a_reused_sweep(template, param_grid, param_map, step_size, simulation_time, outputs,
                            inputs=None, sampling_step_size=None, permute_grid=False, *,
                            store=None, resume=False, client=None, executor=None, **kwargs):
    """``grid_search``'s call made as a ``csweep.Sweep`` that has run the grid once already (in
    memory), then pickled and unpickled, then run on the grid as the call asked."""
    import pickle

    sweep = csweep.Sweep(template, param_map, simulation_time, step_size, inputs=inputs,
                         outputs=outputs, sampling_step_size=sampling_step_size, **kwargs)
    sweep.run(param_grid, permute_grid)
    return pickle.loads(pickle.dumps(sweep)).run(param_grid, permute_grid, store=store,
                                                 resume=resume, client=client, executor=executor)


@pytest.mark.parametrize("name", list(CASES))
def test_a_reused_and_pickled_sweep_gives_the_recorded_outputs(name, recorded, tmp_path,
                                                               monkeypatch):
    monkeypatch.setattr(csweep, "grid_search", _through_a_reused_sweep)
    assert digest(CASES[name](tmp_path)) == recorded[name]
