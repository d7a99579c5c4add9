"""Sweeps written to a Zarr store: layout read by xarray, resume after a kill, refusals."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

import csweep
from csweep import features as F
from csweep import noise
from csweep.analysis.features import SPECTRUM_FFT

zarr = need("zarr")
xr = need("xarray")

FEATURES = {"freq": F.dominant_frequency("V_e - V_i", band=(1, 40)),
            "ptp": F.peak_to_peak("V_e - V_i")}


def call(**kw):
    args = dict(step_size=1e-4, simulation_time=1.0, sampling_step_size=1e-3, cutoff=0.2,
                outputs=JRC2_OUTPUTS, inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)},
                features=FEATURES, block_size=16)
    args.update(kw)
    return csweep.grid_search("JRC2", {"c": np.linspace(60, 1400, 70)}, JRC2_MAP, **args)


def test_store_is_a_labelled_dataset_equal_to_the_in_memory_sweep(tmp_path):
    path = tmp_path / "sweep.zarr"
    stored = call(store=path, return_final_state=True)
    memory = call(return_final_state=True)
    assert stored[0] is None and stored.store == os.fspath(path)
    ds = xr.open_zarr(path)
    assert dict(ds.sizes) == {"run": 70, "time": 800, "state": 8}
    assert set(ds.data_vars) == {"V_e", "V_i", "freq", "ptp", "final_state", "diverged"}
    assert ds["V_e"].dims == ("run", "time") and ds["freq"].dims == ("run",)
    assert {"run", "time", "c", "state"} <= set(ds.coords)
    assert list(ds["run"].values) == list(memory.results_map.index)
    np.testing.assert_array_equal(ds["c"].values, memory.results_map["c"].to_numpy())
    np.testing.assert_array_equal(ds["time"].values, memory[0].index.to_numpy())
    for name in JRC2_OUTPUTS:
        np.testing.assert_array_equal(ds[name].values, memory[0][name].to_numpy().T)
        assert ds[name].dtype == np.float32
    for name in FEATURES:
        np.testing.assert_array_equal(ds[name].values, memory.features[name].to_numpy())
    np.testing.assert_array_equal(ds["final_state"].values, memory.final_state.to_numpy())
    assert list(ds["state"].values) == list(memory.final_state.columns)
    attrs = ds.attrs
    assert attrs["dt"] == 1e-4 and attrs["cutoff"] == 0.2 and attrs["solver"] == "euler"
    assert attrs["template"] == "JRC2" and attrs["csweep_version"] == csweep.__version__
    assert json.loads(attrs["param_map"]) == JRC2_MAP
    assert json.loads(attrs["seed"]) == {"jrc/jrc_op/u": 4}
    assert json.loads(attrs["inputs"])["jrc/jrc_op/u"]["noise"] == "uniform"
    # features come back in the result too, identical
    np.testing.assert_array_equal(stored.features["freq"], memory.features["freq"])


def test_features_only_store(tmp_path):
    result = call(store=tmp_path / "f.zarr", keep_timeseries=False)
    ds = xr.open_zarr(tmp_path / "f.zarr")
    assert set(ds.data_vars) == {"freq", "ptp", "diverged"} and "time" in ds.coords
    np.testing.assert_array_equal(ds["ptp"].values, result.features["ptp"].to_numpy())


def test_an_existing_store_is_not_overwritten_and_resume_checks_the_call(tmp_path):
    path = tmp_path / "s.zarr"
    call(store=path)
    with pytest.raises(FileExistsError, match="resume=True"):
        call(store=path)
    with pytest.raises(ValueError, match="these arguments differ: cutoff"):
        call(store=path, resume=True, cutoff=0.3)
    with pytest.raises(ValueError, match="differ: inputs"):
        call(store=path, resume=True, inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=5)})
    with pytest.raises(ValueError, match="pass store=PATH"):
        call(resume=True)
    seen = []
    again = call(store=path, resume=True, progress=lambda done, total: seen.append(done))
    assert seen == [70]                           # all blocks were done: none ran again
    first = xr.open_zarr(path)
    np.testing.assert_array_equal(again.features["freq"].to_numpy(), first["freq"].values)


@pytest.mark.parametrize("recorded", [None, 2, 3, 4])
def test_a_store_of_another_noise_stream_version_is_not_resumed(tmp_path, recorded):
    """A store records its noise's generator and stream version; one written with version 1
    (SplitMix64, before Philox4x32-10, which recorded neither), version 2 (53 bits per uniform
    value), version 3 (the C library's log and sin/cos in the normal draw) or version 4 (one
    Box-Muller pair per Philox call, 53-bit u1 and u2) would finish with other numbers, so
    resume refuses it."""
    path = tmp_path / "s.zarr"
    call(store=path)
    attrs = json.loads(xr.open_zarr(path).attrs["inputs"])["jrc/jrc_op/u"]
    assert (attrs["generator"], attrs["stream_version"]) == ("philox4x32-10", 5)
    group = zarr.open_group(path)
    old = json.loads(group.attrs["csweep_call"])
    if recorded is None:
        for key in ("generator", "stream_version"):
            del old["inputs"]["jrc/jrc_op/u"][key]
    else:
        old["inputs"]["jrc/jrc_op/u"]["stream_version"] = recorded
    group.attrs["csweep_call"] = json.dumps(old)
    drawn = ("version 1 \\(splitmix64; the store records no version\\)" if recorded is None
             else f"version {recorded} \\(philox4x32-10\\)")
    with pytest.raises(ValueError, match="differ: inputs .*generator and stream version.*the "
                       f"store's noise on 'jrc/jrc_op/u' was drawn by noise streams {drawn}, "
                       "this csweep draws version 5"):
        call(store=path, resume=True)


def test_a_store_of_spectra_by_another_fft_is_not_resumed(tmp_path):
    """A spectral feature records whose FFT computed it (its last bits are that FFT's): a store
    written before the spectra moved to pocketfft, which recorded none, would finish with
    other bits, so resume refuses it."""
    path = tmp_path / "s.zarr"
    call(store=path)
    group = zarr.open_group(path)
    old = json.loads(group.attrs["csweep_call"])
    assert old["features"]["freq"]["fft"] == SPECTRUM_FFT
    assert "fft" not in old["features"]["ptp"]
    del old["features"]["freq"]["fft"]
    group.attrs["csweep_call"] = json.dumps(old)
    with pytest.raises(ValueError, match="differ: features"):
        call(store=path, resume=True)


def test_a_failed_store_creation_leaves_nothing(tmp_path):
    path = tmp_path / "bad.zarr"
    with pytest.raises(ValueError, match="reserved"):
        call(store=path, features={"time": F.mean("V_e")})
    assert not path.exists()


KILLED_SWEEP = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import csweep
    from csweep import features as F, noise

    def stop_after_three_blocks(done, total):
        if done >= 48:
            os.kill(os.getpid(), signal.SIGKILL)   # as a crash or an OOM kill would

    csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, 70)},
        {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4, simulation_time=1.0,
        sampling_step_size=1e-3, cutoff=0.2,
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)},
        features={"freq": F.dominant_frequency("V_e - V_i", band=(1, 40)),
                  "ptp": F.peak_to_peak("V_e - V_i")},
        block_size=16, store=sys.argv[1], progress=stop_after_three_blocks)
""")


@pytest.mark.slow     # a subprocess killed mid-sweep
def test_a_killed_sweep_resumes_to_the_same_store(tmp_path):
    interrupted = tmp_path / "interrupted.zarr"
    script = tmp_path / "sweep.py"
    script.write_text(KILLED_SWEEP)
    done = subprocess.run([sys.executable, str(script), str(interrupted)], cwd=tmp_path)
    assert done.returncode == -signal.SIGKILL
    flags = zarr.open_group(interrupted, mode="r")["_csweep/block_done"][:]
    assert flags.tolist() == [1, 1, 1, 0, 0]           # 3 of 5 blocks were written
    resumed = call(store=interrupted, resume=True)
    whole = call(store=tmp_path / "whole.zarr")
    a, b = xr.open_zarr(interrupted).load(), xr.open_zarr(tmp_path / "whole.zarr").load()
    xr.testing.assert_identical(a, b)
    np.testing.assert_array_equal(resumed.features.to_numpy(), whole.features.to_numpy())


def test_store_without_zarr_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "zarr", None)
    with pytest.raises(ImportError, match=r"csweep\[zarr\]"):
        call(store=tmp_path / "x.zarr")
