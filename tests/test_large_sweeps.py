"""Large sweeps: blocks, generated noise, features, chained runs, memory refusal, progress."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

import csweep
from csweep import features as F
from csweep import noise
from csweep.analysis.features import _spectrum
from csweep.engine import blocks

TIMES = dict(step_size=1e-4, simulation_time=0.5, sampling_step_size=1e-3)


def sweep(grid, **kw):
    args = dict(TIMES, outputs=JRC2_OUTPUTS, float_precision="float64")
    args.update(kw)
    return csweep.grid_search("JRC2", grid, JRC2_MAP, **args)


def test_blocks_and_threads_do_not_change_results():
    c = np.linspace(60, 1400, 45)
    u = noise.uniform(120, 320, seed=3)
    whole = sweep({"c": c}, inputs={"jrc/jrc_op/u": u}, n_threads=2)[0].to_numpy()
    for block_size, threads in ((1, 1), (7, 2), (16, 1), (1000, 2)):
        got = sweep({"c": c}, inputs={"jrc/jrc_op/u": u}, block_size=block_size,
                    n_threads=threads)[0].to_numpy()
        np.testing.assert_array_equal(got, whole, err_msg=f"block_size={block_size}")


def test_generated_noise_follows_the_set_not_the_run():
    """Set k's trace is the same in a 1000-set grid, a block of 7, alone, on 1 or 2 threads."""
    c = np.linspace(60, 1400, 1000)
    kw = dict(simulation_time=0.05, inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=11)})
    full = sweep({"c": c}, n_threads=2, **kw)[0]["V_e"].to_numpy()
    blocked = sweep({"c": c}, n_threads=1, block_size=7, **kw)[0]["V_e"].to_numpy()
    np.testing.assert_array_equal(blocked, full)
    grid = pd.DataFrame({"c": c})
    for k in (0, 6, 7, 500, 999):
        alone = sweep(grid.iloc[[k]], n_threads=1, **kw)[0]["V_e"].to_numpy()[:, 0]
        np.testing.assert_array_equal(alone, full[:, k], err_msg=f"set {k}")
    seven = sweep(grid.iloc[500:507], n_threads=2, **kw)[0]["V_e"].to_numpy()
    np.testing.assert_array_equal(seven, full[:, 500:507])
    # a different seed gives a different trace; sets get different series
    other = sweep(grid.iloc[[6]], simulation_time=0.05,
                  inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=12)})[0]
    assert not np.array_equal(other["V_e"].to_numpy()[:, 0], full[:, 6])
    assert not np.array_equal(full[:, 6], full[:, 7])


def test_shared_noise_drives_every_set_alike():
    kw = dict(simulation_time=0.05,
              inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=1, per_set=False)})
    traces = sweep({"c": [135.0] * 20}, **kw)[0]["V_e"].to_numpy()
    assert np.all(traces == traces[:, :1]) and np.ptp(traces[:, 0]) > 0


def test_noise_values_have_the_stated_distribution():
    streams = np.arange(4, dtype=np.uint64)
    u = noise.uniform(120, 320, seed=5).block(200_000, streams)
    assert u.shape == (200_000, 4) and u.min() >= 120 and u.max() < 320
    np.testing.assert_allclose(u.mean(axis=0), 220, atol=0.5)        # sd of the mean: 0.13
    np.testing.assert_allclose(u.std(axis=0), 200 / 12 ** 0.5, rtol=5e-3)
    g = noise.normal(1.5, 2.0, seed=5).block(200_000, streams)
    np.testing.assert_allclose(g.mean(axis=0), 1.5, atol=0.02)        # sd of the mean: 0.0045
    np.testing.assert_allclose(g.std(axis=0), 2.0, rtol=5e-3)
    assert abs(np.corrcoef(g[:, 0], g[:, 1])[0, 1]) < 0.01             # streams independent
    assert abs(np.corrcoef(g[1:, 0], g[:-1, 0])[0, 1]) < 0.01          # steps independent
    # the same values whatever the thread count or the other streams asked for
    np.testing.assert_array_equal(noise.normal(1.5, 2.0, seed=5).block(1000, streams[2:], 2),
                                  g[:1000, 2:])


@pytest.mark.parametrize("bad, message", [
    (lambda: noise.uniform(3, 1), "low must not exceed high"),
    (lambda: noise.normal(0, -1), "std must be >= 0"),
    (lambda: noise.uniform(0, 1, seed=-1), "seed must be an integer"),
    (lambda: noise.uniform(0, float("nan")), "high must be a finite number"),
])
def test_bad_noise_is_refused(bad, message):
    with pytest.raises((TypeError, ValueError), match=message):
        bad()


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_two_chained_runs_equal_one_long_run_jrc2(solver):
    c = np.linspace(60, 1400, 13)
    n = 5000
    u = np.random.default_rng(0).uniform(120, 320, (2 * n, len(c)))
    kw = dict(step_size=1e-4, sampling_step_size=1e-3, solver=solver)
    long = sweep({"c": c}, simulation_time=1.0, inputs={"jrc/jrc_op/u": u}, **kw)[0]
    first = sweep({"c": c}, simulation_time=0.5, inputs={"jrc/jrc_op/u": u[:n]},
                  return_final_state=True, **kw)
    second = sweep({"c": c}, simulation_time=0.5, inputs={"jrc/jrc_op/u": u[n:]},
                   initial_state=first.final_state, **kw)[0]
    chained = np.vstack([first[0].to_numpy(), second.to_numpy()])
    np.testing.assert_array_equal(chained, long.to_numpy())


@pytest.mark.parametrize("template, grid, param_map", [
    ("JRC_2delaycoupled", {"h": [3e-3, 3.25e-3, 3.5e-3]},
     {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}}),
    ("DISCRETE", {"d": [2e-3, 5e-3, 1.1e-2]},
     {"d": {"vars": ["delay"], "edges": [["jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in"]]}}),
])
@pytest.mark.parametrize("solver", ["euler", "heun"])
def test_two_chained_runs_equal_one_long_run_networks(template, grid, param_map, solver,
                                                      tmp_path):
    if template == "DISCRETE":     # the delay-coupled columns with whole-step (discrete) delays
        source = Path(csweep.load_template("JRC_2delaycoupled").file).read_text()
        path = tmp_path / "discrete.yaml"
        path.write_text(source.replace("spread: 1e-3", "spread: null"))
        template = f"{path}:JRC_2delaycoupled"
    outputs = {"v1": "jrc1/pc/rpo_e_in/v", "m2": "jrc2/pc/pro/m"}
    kw = dict(step_size=1e-4, sampling_step_size=1e-3, outputs=outputs, solver=solver,
              float_precision="float64")
    rng = np.random.default_rng(1)
    u = rng.uniform(120, 320, (4000, 1))
    inputs = lambda rows: {"jrc1/pc/rpo_e_in/u": rows}  # noqa: E731
    long = csweep.grid_search(template, grid, param_map, simulation_time=0.4,
                              inputs=inputs(u), **kw)[0]
    first = csweep.grid_search(template, grid, param_map, simulation_time=0.2,
                               inputs=inputs(u[:2000]), return_final_state=True, **kw)
    second = csweep.grid_search(template, grid, param_map, simulation_time=0.2,
                                inputs=inputs(u[2000:]), initial_state=first.final_state, **kw)[0]
    np.testing.assert_array_equal(np.vstack([first[0].to_numpy(), second.to_numpy()]),
                                  long.to_numpy())
    assert first.final_state.shape[0] == 3


def test_initial_state_is_checked():
    first = sweep({"c": [100.0, 200.0]}, return_final_state=True)
    with pytest.raises(ValueError, match=r"shape \(3, 8\); received \(2, 8\)"):
        sweep({"c": [1.0, 2.0, 3.0]}, initial_state=first.final_state)
    with pytest.raises(KeyError, match="missing"):
        sweep({"c": [100.0, 200.0]}, initial_state=first.final_state.iloc[:, :5])
    bad = first.final_state.copy()
    bad.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sweep({"c": [100.0, 200.0]}, initial_state=bad)
    assert not first.final_state.isna().any().any()      # the caller's frame is untouched


def test_features_equal_those_of_the_frames_and_the_timeseries_are_optional():
    c = np.linspace(60, 1400, 40)
    feats = {"freq": F.dominant_frequency("V_e - V_i", band=(1, 40)),
             "power": F.dominant_power("V_e - V_i", band=(1, 40), method="fft"),
             "ptp": F.peak_to_peak("V_e - V_i"), "mean": F.mean("V_e"), "sd": F.std("V_i"),
             "lo": F.minimum("V_e"), "hi": F.maximum("0.5*V_e + 0.5*V_i"),
             "last": F.custom(lambda x, t: x[-1], "V_e"),
             "n": lambda values, times: np.full(values.shape[2], values.shape[0])}
    kw = dict(simulation_time=2.0, cutoff=0.5, inputs={"jrc/jrc_op/u": noise.uniform(120, 320)},
              features=feats, block_size=16)
    full = sweep({"c": c}, **kw)
    assert list(full.features.columns) == ["c", *feats]
    pd.testing.assert_index_equal(full.features.index, full.results_map.index)
    pd.testing.assert_frame_equal(F.from_frames(full[0], full[1], feats), full.features)
    lean = sweep({"c": c}, keep_timeseries=False, **kw)
    assert lean[0] is None
    pd.testing.assert_frame_equal(lean.features, full.features)
    v = full[0]["V_e"].to_numpy() - full[0]["V_i"].to_numpy()
    np.testing.assert_array_equal(full.features["ptp"], v.max(axis=0) - v.min(axis=0))
    assert (full.features["n"] == 1500).all()


def test_spectral_features_find_a_known_frequency():
    t = np.arange(0, 10, 1e-3)
    x = np.stack([np.sin(2 * np.pi * f * t) * a for f, a in ((10.0, 1.0), (4.5, 3.0))], axis=1)
    values = x[:, np.newaxis, :]
    for method in ("welch", "fft"):
        got = F.compute({"f": F.dominant_frequency("x", (1, 40), method=method),
                         "p": F.dominant_power("x", (1, 40), method=method)}, values, ["x"], t)
        np.testing.assert_allclose(got["f"], [10.0, 4.5], atol=0.25)
    # Welch's PSD integrates to the variance (Parseval), as scipy.signal.welch's does
    freqs, psd = _spectrum(x, 1e-3, "welch", 2.0)
    np.testing.assert_allclose(psd.sum(axis=0) * (freqs[1] - freqs[0]), x.var(axis=0), rtol=0.01)


@pytest.mark.parametrize("features, error, message", [
    ({"f": F.mean("V_x")}, KeyError, "names V_x, not in outputs"),
    ({"c": F.mean("V_e")}, ValueError, "also a parameter column"),
    ({"f": 3}, TypeError, "must be a csweep.features feature or a callable"),
    ({"f": lambda v, t: np.zeros(2)}, ValueError, r"returned shape \(2,\)"),
])
def test_bad_features_are_refused(features, error, message):
    with pytest.raises(error, match=message):
        sweep({"c": [100.0, 200.0, 300.0]}, features=features)


def test_bad_signal_expressions_are_refused():
    for text in ("V_e * V_i", "abs(V_e)", "", "V_e -"):
        with pytest.raises((TypeError, ValueError), match="signal"):
            F.mean(text)


def test_a_frame_that_cannot_fit_is_refused_up_front(monkeypatch):
    monkeypatch.setattr(blocks, "available_memory", lambda: 10 * 2**20)
    with pytest.raises(MemoryError, match=r"would need .* keep_timeseries=False.*store="):
        sweep({"c": np.linspace(60, 1400, 2000)})
    # per-run features only: no frame, so the same sweep runs
    lean = sweep({"c": np.linspace(60, 1400, 32)}, features={"m": F.mean("V_e")},
                 keep_timeseries=False)
    assert lean[0] is None and len(lean.features) == 32


def test_progress_callable_sees_every_block():
    seen = []
    sweep({"c": np.linspace(60, 1400, 50)}, block_size=16,
          progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 50), (16, 50), (32, 50), (48, 50), (50, 50)]
    with pytest.raises(TypeError, match="progress must be"):
        sweep({"c": [1.0]}, progress="yes")


def test_block_size_is_checked_and_planned():
    with pytest.raises(ValueError, match="block_size must be a positive integer"):
        sweep({"c": [1.0]}, block_size=0)
    # blocks are whole tiles per thread, bounded by memory and by about 0.3 s of work
    assert blocks.plan_block_size(10**6, 100_000, 800_000, 2) % 16 == 0
    assert blocks.plan_block_size(10**6, 100_000, 800_000, 2) * 800_000 <= blocks.BLOCK_MEMORY
    assert blocks.plan_block_size(5, 100_000, 800_000, 2) == 5


def test_welch_matches_scipy():
    signal = need("scipy.signal")
    x = np.random.default_rng(2).normal(size=(5000, 3)) + np.sin(np.arange(5000) * 0.3)[:, None]
    freqs, psd = _spectrum(x, 1e-3, "welch", 0.5)
    ref_f, ref = signal.welch(x, fs=1000.0, nperseg=500, axis=0)
    np.testing.assert_allclose(freqs, ref_f)
    np.testing.assert_allclose(psd, ref, rtol=1e-10)
    freqs, psd = _spectrum(x, 1e-3, "fft", 0.5)
    ref_f, ref = signal.periodogram(x, fs=1000.0, axis=0)
    np.testing.assert_allclose(psd[1:], ref[1:], rtol=1e-10)


@pytest.mark.slow     # a subprocess interrupted
def test_ctrl_c_stops_a_long_sweep_at_the_next_block(tmp_path):
    """Ctrl-C is honoured between blocks: once it arrives, at most the block in flight finishes.
    Counted in blocks, not seconds, so a busy machine (slower blocks) cannot fail it."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "long.py"
    script.write_text(
        "import numpy as np, csweep, sys\n"
        "try:\n"
        "    csweep.grid_search('JRC2', {'c': np.linspace(60, 1400, 100000)},\n"
        "        {'c': {'vars': ['jrc_op/c'], 'nodes': ['jrc']}}, step_size=1e-4,\n"
        "        simulation_time=10.0, sampling_step_size=1e-2,\n"
        "        progress=lambda done, n: print('block', done, n, flush=True),\n"
        "        outputs={'V_e': 'jrc/jrc_op/V_e'})\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    sys.exit(3)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline().split()          # the first block is done: well inside the sweep
    assert first[0] == "block" and int(first[1]) < int(first[2]), first
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 3 and out.splitlines()[-1] == "interrupted"
    later = [line for line in out.splitlines() if line.startswith("block")]
    # the block in flight, and one whose line may have been written between our read and the signal
    assert len(later) <= 2, f"{len(later)} more blocks ran after Ctrl-C: {later}"
