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
