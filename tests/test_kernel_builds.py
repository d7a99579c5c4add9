"""The baseline and AVX2 builds of the kernel: the right one is chosen, and both agree bitwise."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import csweep
from csweep import _runtime
from csweep.kernels import builds as _kernel

SWEEPS = textwrap.dedent("""
    import sys, numpy as np, csweep
    u = np.random.default_rng(1).uniform(120, 320, (3000, 21))
    arrays = {}
    for solver in ("euler", "heun", "rk4"):
        r, _ = csweep.grid_search("JRC2", {"c": list(np.linspace(60, 1400, 21))},
                                  {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
                                  simulation_time=0.3, outputs={"v": "jrc/jrc_op/V_e", "m": "jrc/jrc_op/m"},
                                  inputs={"jrc/jrc_op/u": u}, solver=solver, float_precision="float64")
        arrays["jrc2_" + solver] = r.to_numpy()
        r, _ = csweep.grid_search("JRC2", {"c": list(np.linspace(60, 1400, 21))},
                                  {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, step_size=1e-4,
                                  simulation_time=0.3, outputs={"v": "jrc/jrc_op/V_e"},
                                  inputs={"jrc/jrc_op/u": u}, solver=solver,
                                  compute_precision="float32")
        arrays["jrc2_float32_" + solver] = r.to_numpy()
        r, _ = csweep.grid_search("JRC_2delaycoupled", {"h": [3e-3, 3.25e-3, 3.5e-3]},
                                  {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}}, step_size=1e-4,
                                  simulation_time=0.3, outputs={"v": "jrc2/pc/rpo_e_in/v"},
                                  solver=solver, float_precision="float64")
        arrays["network_" + solver] = r.to_numpy()
        r, _ = csweep.grid_search("JRC", {"h": list(np.linspace(3e-3, 3.5e-3, 21))},
                                  {"h": {"vars": ["rpo_e_in/h"], "nodes": ["pc"]}}, step_size=1e-4,
                                  simulation_time=0.3, outputs={"v": "pc/rpo_e_in/v", "e": "ein/rpo_e/v"},
                                  inputs={"pc/rpo_e_in/u": u}, solver=solver, float_precision="float64")
        arrays["column_" + solver] = r.to_numpy()     # the column's fused step (network_column.h)
    np.savez(sys.argv[1], kernel=csweep.kernel_info()["simd"],
             network_kernel=csweep.kernel_info()["simd_network"], **arrays)
""")


def run_with_kernel(choice, path, tmp_path):
    env = dict(os.environ, CSWEEP_KERNEL=choice)
    script = tmp_path / "sweeps.py"
    script.write_text(SWEEPS)
    subprocess.run([sys.executable, str(script), str(path)], check=True, env=env, cwd=tmp_path)
    return np.load(path)


@pytest.mark.slow     # a subprocess per build
@pytest.mark.skipif(not _runtime.cpu_has_avx2(), reason="this CPU has no AVX2: one build only")
def test_widest_build_is_used_and_every_build_equals_the_baseline_bitwise(tmp_path):
    widest = "avx512" if _runtime.cpu_has_avx512() else "avx2"
    if os.environ.get("CSWEEP_ALLOW_NO_AVX2") != "1":
        assert csweep.kernel_info()["simd"] == widest, f"{widest} CPU but that kernel was not built"
        assert csweep.kernel_info()["simd_network"] == widest, f"{widest} network tiles not built"
    baseline = run_with_kernel("baseline", tmp_path / "baseline.npz", tmp_path)
    assert str(baseline["kernel"]) == str(baseline["network_kernel"]) == "sse2"
    for choice in ("avx2", widest):
        other = run_with_kernel(choice, tmp_path / f"{choice}.npz", tmp_path)
        assert str(other["kernel"]) == str(other["network_kernel"]) == choice
        for key in baseline.files:
            if key not in ("kernel", "network_kernel"):
                np.testing.assert_array_equal(baseline[key], other[key], err_msg=f"{choice} {key}")


def test_baseline_build_matches_the_numpy_oracle(jrc2):
    """The baseline (SSE2) path is held against the oracle directly, whatever the CPU."""
    kernel = _kernel.select_kernel("baseline")
    n, n_steps = 5, 2000
    c = np.linspace(68, 1350, n)
    params = np.array([[3.25e-3, 10e-3, 22e-3, 20e-3, 5.0, 560.0, 6e-3, 0.0, 4.0, 3.0]] * n).T.copy()
    params[7] = c
    u = np.random.default_rng(3).uniform(120, 320, (n_steps, 1))
    out = np.empty((n_steps // 10, 2, n))
    no_state = np.empty((0, 0))
    kernel.integrate_jrc2(params, u, np.zeros((1, 1)), np.array([4, 6], np.intc), out, no_state,
                          no_state, 10, 0, n_steps, 0, 1e-4, 1)
    expected = jrc2({"c": c}, np.broadcast_to(u, (n_steps, n)), np.zeros((n_steps, n)), n_steps, 10,
                    1e-4)[: n_steps // 10]
    np.testing.assert_allclose(out[:, 0], expected[:, 4], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[:, 1], expected[:, 6], rtol=0, atol=1e-12)


def test_unknown_kernel_choice_is_refused():
    with pytest.raises(ValueError, match="CSWEEP_KERNEL must be one of auto, baseline, avx2, avx512"):
        _kernel.select_kernel("sse9")
