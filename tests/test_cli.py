"""The command line: the demo runs the tutorial and says where its figure went."""

import subprocess
import sys

import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

from csweep.__main__ import main


def test_demo_prints_the_regimes_table(tmp_path, capsys):
    figure = tmp_path / "demo.png"
    assert main(["demo", "--simulation-time", "3", "--figure", str(figure)]) == 0
    out = capsys.readouterr().out
    assert "JRC2_5" in out and "dominant_Hz" in out and "grid_search took" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("JRC2_")}
    assert rows["JRC2_0"].endswith("noise only") and rows["JRC2_2"].endswith("alpha rhythm")
    assert rows["JRC2_4"].endswith("spike-like waves")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in out
    else:
        assert figure.stat().st_size > 10_000 and str(figure) in out


def test_readme_and_the_demo_quote_the_same_pyrates_time():
    from pathlib import Path

    from csweep.demo import PYRATES_SECONDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert f"PyRates 1.2.3's {PYRATES_SECONDS:g} s" in readme
    assert f"| {PYRATES_SECONDS:g} s |" in readme


def test_templates_and_show(capsys):
    assert main(["templates"]) == 0
    assert "jansenrit.JRC2" in capsys.readouterr().out
    assert main(["show", "JRC2"]) == 0
    out = capsys.readouterr().out
    assert "node jrc" in out and "operator jrc_op" in out and "c          constant  135" in out


@pytest.mark.slow     # the command line in a subprocess
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
        "JRC2", {"c": np.linspace(60, 1400, 40)}, JRC2_MAP,
        step_size=1e-4, simulation_time=1.0, sampling_step_size=1e-3, cutoff=0.2,
        outputs=JRC2_OUTPUTS,
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)}, keep_timeseries=False,
        features={"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
                  "amplitude": F.peak_to_peak("V_e - V_i")}).features
    np.testing.assert_allclose(written.to_numpy(), expected.to_numpy(), rtol=1e-15)


@pytest.mark.parametrize("old, new, message", [
    ("simulation_time: 1\n", "", "missing key(s) simulation_time"),
    ("cutoff: 0.2\n", "cutof: 0.2\n", "unknown key(s) cutof"),
    ("high: 320, seed: 0", "seed: 0", "uniform noise takes low, high, seed and per_set"),
    ("seed: 0, per_set: true", "seed: 0, per_set: true, stream_version: 1",
     "asks for noise streams version 1 (philox4x32-10); this csweep draws version 5"),
    ("seed: 0, per_set: true", "seed: 0, per_set: true, stream_version: 2",
     "asks for noise streams version 2 (philox4x32-10); this csweep draws version 5"),
    ("seed: 0, per_set: true", "seed: 0, per_set: true, stream_version: 3",
     "asks for noise streams version 3 (philox4x32-10); this csweep draws version 5"),
    ("seed: 0, per_set: true", "seed: 0, per_set: true, stream_version: 4",
     "asks for noise streams version 4 (philox4x32-10); this csweep draws version 5"),
    ("band: [1, 40]", "band: [40, 1]", "band must be (low, high)"),
    ("{linspace: [60, 1400, 40]}", "{linspace: [60, 1400, 4.5]}", "linspace's third value"),
])
def test_bad_sweep_files_are_explained(tmp_path, capsys, old, new, message):
    assert old in SWEEP_FILE
    sweep = tmp_path / "bad.yaml"
    sweep.write_text(SWEEP_FILE.replace(old, new))
    assert main(["run", str(sweep)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow     # the command line in a subprocess
def test_run_help_lists_the_keys():
    out = subprocess.run([sys.executable, "-m", "csweep", "run", "--help"], capture_output=True,
                         text=True, cwd="/").stdout
    for key in ("template", "grid", "param_map", "features", "store", "keep_timeseries"):
        assert key in out


# The command line as a user meets it: a subprocess, outside the source tree, and a mistake told
# in one line on stderr with exit status 2, never a traceback unless --debug asks for one.

def _csweep(*args, cwd):
    return subprocess.run([sys.executable, "-m", "csweep", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def _one_line_error(done, *expected):
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


@pytest.mark.slow     # the command line in a subprocess
def test_an_existing_store_asks_for_resume_in_the_command_lines_words(tmp_path):
    need("zarr")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP_FILE.replace("simulation_time: 1\n", "simulation_time: 0.3\n")
                     + "store: out.zarr\n")
    assert _csweep("run", sweep, "--progress", "no", cwd=tmp_path).returncode == 0
    line = _one_line_error(_csweep("run", sweep, "--progress", "no", cwd=tmp_path),
                           "csweep run: ", "out.zarr", "already exists", "--resume")
    assert "resume=True" not in line
    assert _csweep("run", sweep, "--resume", "--progress", "no", cwd=tmp_path).returncode == 0


@pytest.mark.slow     # the command line in a subprocess
def test_an_unknown_template_names_the_bundled_ones(tmp_path):
    _one_line_error(_csweep("show", "JRC5", cwd=tmp_path),
                    "csweep show: unknown template 'JRC5'", "jansenrit.JRC2")


@pytest.mark.slow     # the command line in a subprocess
def test_a_sweep_file_with_an_unknown_variable(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP_FILE.replace("vars: [jrc_op/c]", "vars: [jrc_op/cc]"))
    _one_line_error(_csweep("run", sweep, cwd=tmp_path),
                    "csweep run: ", "'jrc_op/cc' is not a variable of node 'jrc'", "jrc_op/c,")


@pytest.mark.slow     # the command line in a subprocess
@pytest.mark.parametrize("args, expected", [
    (("run", "missing.yaml"), "missing.yaml: No such file or directory"),
    (("run",), "required: sweep_file"),
    (("demo", "--threads", "two"), "invalid int value: 'two'"),
    (("show",), "see 'csweep show --help'"),
])
def test_other_mistakes_are_one_line(tmp_path, args, expected):
    _one_line_error(_csweep(*args, cwd=tmp_path), expected)


@pytest.mark.slow     # the command line in a subprocess
def test_a_bad_yaml_file_is_one_line(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("template: [JRC2\n")
    _one_line_error(_csweep("run", sweep, cwd=tmp_path), "csweep run: ")


@pytest.mark.slow     # the command line in a subprocess
@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(tmp_path, where):
    args = ("--debug", "show", "JRC5") if where == "before" else ("show", "JRC5", "--debug")
    done = _csweep(*args, cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr and "TemplateError" in done.stderr


@pytest.mark.slow     # the command line in a subprocess
def test_run_help_lists_every_solver(tmp_path):
    from csweep.engine.spec import SOLVERS

    out = _csweep("run", "--help", cwd=tmp_path).stdout
    solver_line = next(line for line in out.splitlines() if line.strip().startswith("solver "))
    assert "scipy" in SOLVERS
    for solver in SOLVERS:
        assert solver in solver_line


@pytest.mark.slow     # the command line in a subprocess
def test_templates_shows_each_description(tmp_path):
    import csweep

    out = _csweep("templates", cwd=tmp_path).stdout.splitlines()
    names = csweep.list_templates()
    assert len(out) == len(names)
    for line, name in zip(out, names, strict=True):
        description = " ".join(csweep.load_template(name).description.split())
        assert description and line.split()[0] == name and line.endswith(description)


def test_a_stores_noise_description_reads_back_as_the_same_noise():
    """A store's 'inputs' attribute (Noise.describe(): with the generator and stream version)
    is a valid sweep-file input and gives the same noise; another version is refused above."""
    from csweep import noise
    from csweep.engine.sweep_file import sweep_arguments

    for original in (noise.uniform(120, 320, seed=3), noise.normal(220, 20, seed=4,
                                                                  per_set=False)):
        spec = {"template": "JRC2", "grid": {"c": [135.0]}, "outputs": {"v": "jrc/jrc_op/V_e"},
                "param_map": {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                "step_size": 1e-4, "simulation_time": 0.01,
                "inputs": {"jrc/jrc_op/u": original.describe()}}
        assert sweep_arguments(spec)["inputs"]["jrc/jrc_op/u"] == original
