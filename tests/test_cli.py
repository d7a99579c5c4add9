"""The command line: the demo runs the tutorial and says where its figure went."""

import subprocess
import sys

import pytest

from csweep.__main__ import main


def test_demo_prints_the_regimes_table(tmp_path, capsys):
    figure = tmp_path / "demo.png"
    assert main(["demo", "--simulation-time", "3", "--figure", str(figure)]) == 0
    out = capsys.readouterr().out
    assert "JRC2_5" in out and "dominant_Hz" in out and "grid_search took" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in out
    else:
        assert figure.stat().st_size > 10_000 and str(figure) in out


def test_templates_and_show(capsys):
    assert main(["templates"]) == 0
    assert "jansenrit.JRC2" in capsys.readouterr().out
    assert main(["show", "JRC2"]) == 0
    out = capsys.readouterr().out
    assert "node jrc" in out and "operator jrc_op" in out and "c          constant  135" in out


def test_module_entry_point_help(tmp_path):
    # run outside the source tree, whose uncompiled csweep/ would shadow the installed package
    done = subprocess.run([sys.executable, "-m", "csweep", "--help"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0 and "demo" in done.stdout


def test_unknown_command_fails():
    with pytest.raises(SystemExit):
        main(["frobnicate"])


SWEEP_FILE = """
template: JRC2
grid:
  c: {linspace: [60, 1400, 40]}
param_map:
  c: {vars: [jrc_op/c], nodes: [jrc]}
outputs: {V_e: jrc/jrc_op/V_e, V_i: jrc/jrc_op/V_i}
inputs:
  jrc/jrc_op/u: {noise: uniform, low: 120, high: 320, seed: 0, per_set: true}
step_size: 1e-4
simulation_time: 1
sampling_step_size: 1.0e-3
cutoff: 0.2
features:
  frequency: {feature: dominant_frequency, signal: V_e - V_i, band: [1, 40]}
  amplitude: {feature: peak_to_peak, signal: V_e - V_i}
"""


def test_run_a_sweep_file_writes_the_features(tmp_path, capsys):
    import numpy as np
    import pandas as pd

    import csweep
    from csweep import features as F
    from csweep import noise

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP_FILE)
    table = tmp_path / "features.csv"
    assert main(["run", str(sweep), "--features-csv", str(table), "--progress", "no"]) == 0
    assert "40 parameter sets" in capsys.readouterr().out
    written = pd.read_csv(table, index_col=0)
    expected = csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, 40)}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        step_size=1e-4, simulation_time=1.0, sampling_step_size=1e-3, cutoff=0.2,
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)}, keep_timeseries=False,
        features={"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
                  "amplitude": F.peak_to_peak("V_e - V_i")}).features
    np.testing.assert_allclose(written.to_numpy(), expected.to_numpy(), rtol=1e-15)


@pytest.mark.parametrize("old, new, message", [
    ("simulation_time: 1\n", "", "missing key(s) simulation_time"),
    ("cutoff: 0.2\n", "cutof: 0.2\n", "unknown key(s) cutof"),
    ("high: 320, seed: 0", "seed: 0", "uniform noise takes low, high, seed and per_set"),
    ("seed: 0, per_set: true", "seed: 0, per_set: true, stream_version: 1",
     "asks for noise streams version 1 (philox4x32-10); this csweep draws version 2"),
    ("band: [1, 40]", "band: [40, 1]", "band must be (low, high)"),
    ("{linspace: [60, 1400, 40]}", "{linspace: [60, 1400, 4.5]}", "linspace's third value"),
])
def test_bad_sweep_files_are_explained(tmp_path, capsys, old, new, message):
    assert old in SWEEP_FILE
    sweep = tmp_path / "bad.yaml"
    sweep.write_text(SWEEP_FILE.replace(old, new))
    assert main(["run", str(sweep)]) == 2
    assert message in capsys.readouterr().err


def test_run_help_lists_the_keys():
    out = subprocess.run([sys.executable, "-m", "csweep", "run", "--help"], capture_output=True,
                         text=True, cwd="/").stdout
    for key in ("template", "grid", "param_map", "features", "store", "keep_timeseries"):
        assert key in out


def test_a_stores_noise_description_reads_back_as_the_same_noise():
    """A store's 'inputs' attribute (Noise.describe(): with the generator and stream version)
    is a valid sweep-file input and gives the same noise; another version is refused above."""
    from csweep import noise
    from csweep.sweep_file import sweep_arguments

    for original in (noise.uniform(120, 320, seed=3), noise.normal(220, 20, seed=4,
                                                                  per_set=False)):
        spec = {"template": "JRC2", "grid": {"c": [135.0]}, "outputs": {"v": "jrc/jrc_op/V_e"},
                "param_map": {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                "step_size": 1e-4, "simulation_time": 0.01,
                "inputs": {"jrc/jrc_op/u": original.describe()}}
        assert sweep_arguments(spec)["inputs"]["jrc/jrc_op/u"] == original
