"""Reliability III (issue 30): the 16 causes behind the 38 attacks that failed. Each test
reproduces one cause (it failed on the code before the issue was resolved) and holds the fix:
every byte of a store checked, every hostile number refused up front, every CLI mistake one
line with exit status 2."""

import warnings

import numpy as np
import pytest

import csweep
import csweep.store  # the public store module: its errors
from csweep import CircuitTemplate, TemplateError, load_template

JR = "model_templates.neural_mass_models.jansenrit"
PARAM_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUTPUTS = {"V_e": "jrc/jrc_op/V_e"}


def column(**kw):
    args = dict(progress=False)
    args.update(kw)
    return csweep.grid_search("JRC2", args.pop("grid", {"c": [100.0, 200.0]}), PARAM_MAP, 1e-4,
                              args.pop("simulation_time", 0.01), args.pop("outputs", OUTPUTS),
                              **args)


def two_columns(weight=((0.0, 30.0), (0.0, 0.0)), **kw):
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    net = CircuitTemplate("net", circuits={"a": jrc, "b": jrc})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", ["a", "b"],
                              weight=np.array(weight) if not isinstance(weight, np.ndarray)
                              else weight, **kw)
    return net


def network(net, grid=(3e-3,), param_map=None):
    return csweep.grid_search(net, {"h": list(grid)},
                              param_map or {"h": {"vars": ["rpo_e_in/h"], "nodes": ["a/pc"]}},
                              1e-4, 0.01, {"v": "a/pc/rpo_e_in/v"}, progress=False)


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """A refusal comes as an error, never as NumPy's warning before (or instead of) it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------------------------
# cause 1: NaN and infinite delays and spreads (NaN meant "none"; inf or 1e6 overflowed)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("attr", [{"delay": np.nan}, {"delay": 3e-3, "spread": np.nan},
                                  {"delay": np.inf}, {"delay": 3e-3, "spread": -np.inf}])
def test_nan_or_infinite_delays_and_spreads_are_refused(attr):
    name = next(k for k, v in attr.items() if not np.isfinite(v))
    with pytest.raises(ValueError, match=rf"edge_attr\['{name}'\] must be a finite number"):
        two_columns(edge_attr=attr)


def test_nan_delays_in_an_edge_list_or_a_template_file_are_refused(tmp_path):
    jrc = load_template(f"{JR}.JRC")
    with pytest.raises(TemplateError, match="edge delay must be a finite number; received nan"):
        CircuitTemplate("n", circuits={"a": jrc, "b": jrc},
                        edges=[["b/pc/pro/m", "a/pc/rpo_e_in/m_in", None,
                                {"weight": 1.0, "delay": float("nan")}]])
    (tmp_path / "net.yaml").write_text(
        f"Net:\n  base: CircuitTemplate\n  circuits: {{a: {JR}.JRC, b: {JR}.JRC}}\n"
        "  edges:\n    - [b/pc/pro/m, a/pc/rpo_e_in/m_in, null, {weight: 1.0, spread: .inf,"
        " delay: 0.003}]\n")
    with pytest.raises(TemplateError, match="edge spread must be a finite number"):
        network(f"{tmp_path / 'net.yaml'}:Net")


def test_a_delay_too_long_to_store_is_refused_before_allocating():
    with pytest.raises(MemoryError, match=r"a history of 1e\+10 rates.*CSWEEP_MEMORY_LIMIT"):
        network(two_columns(edge_attr={"delay": 1e6}))
    # swept through param_map: the same refusal
    edge = {"vars": ["delay"], "edges": [["b/pc/pro/m", "a/pc/rpo_e_in/m_in"]]}
    with pytest.raises(MemoryError, match="a history of"):
        network(two_columns(edge_attr={"delay": 1e-3}), grid=[1e-3, 1e6],
                param_map={"h": edge})


# --------------------------------------------------------------------------------------------
# cause 2: a gamma chain of 1e8 stages (grew to 19.5 GB until the system killed it)
# --------------------------------------------------------------------------------------------

def test_a_gamma_chain_too_long_to_store_is_refused_with_a_limit_to_raise(monkeypatch):
    net = two_columns(edge_attr={"delay": 3e-3, "spread": 3e-7})       # (delay/spread)**2 = 1e8
    with pytest.raises(MemoryError, match=r"a chain of 1e\+08 stages \(\(delay / spread\)\*\*2 "
                                          r"with delay 0.003 s and spread 3e-07 s.*"
                                          "CSWEEP_MEMORY_LIMIT"):
        network(net)
    # the limit is the user's: lowered, a modest chain is refused too; a bad limit is named
    small = two_columns(edge_attr={"delay": 3e-3, "spread": 1e-5})     # 90000 stages: 55 MB
    monkeypatch.setenv("CSWEEP_MEMORY_LIMIT", "10MB")
    with pytest.raises(MemoryError, match="the limit CSWEEP_MEMORY_LIMIT=10MB"):
        network(small)
    monkeypatch.setenv("CSWEEP_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="CSWEEP_MEMORY_LIMIT must be a size"):
        network(small)


def test_grids_and_sweep_lengths_too_large_are_refused_before_allocating():
    with pytest.raises(MemoryError, match=r"the time index of 1000000000000000 samples"):
        column(simulation_time=1e11)
    grid = {"c": np.linspace(60, 1400, 100_000), "h_e": np.linspace(3e-3, 4e-3, 100_000),
            "h_i": np.linspace(20e-3, 30e-3, 100_000)}
    pmap = {**PARAM_MAP, "h_e": {"vars": ["jrc_op/h_e"], "nodes": ["jrc"]},
            "h_i": {"vars": ["jrc_op/h_i"], "nodes": ["jrc"]}}
    with pytest.raises(MemoryError, match=r"100000 x 100000 x 100000 = 1000000000000000"):
        csweep.grid_search("JRC2", grid, pmap, 1e-4, 0.01, OUTPUTS, permute_grid=True,
                           progress=False)


# --------------------------------------------------------------------------------------------
# cause 3: complex numbers lost their imaginary part, dates became numbers
# --------------------------------------------------------------------------------------------

def test_a_grid_of_more_sets_than_memory_holds_is_refused_before_the_sets_are_made(monkeypatch):
    monkeypatch.setenv("CSWEEP_MEMORY_LIMIT", "1MB")
    with pytest.raises(MemoryError, match=r"param_grid \(4000 parameter sets\) would need"):
        column(grid={"c": np.linspace(60, 1400, 4000)})
    column(grid={"c": np.linspace(60, 1400, 1000)}, simulation_time=1e-3)


def test_complex_weights_inputs_and_initial_states_are_refused():
    with pytest.raises(TypeError, match=r"weight \(a matrix\) must hold real numbers; received "
                                        r"dtype complex128"):
        two_columns(weight=np.array([[0.0, 30.0 + 1j], [0.0, 0.0]]))
    with pytest.raises(TypeError, match=r"edge_attr\['delay'\] must be a real number"):
        two_columns(edge_attr={"delay": 3e-3 + 1e-3j})
    with pytest.raises(TypeError, match=r"inputs\['jrc/jrc_op/u'\] must hold real numbers"):
        column(inputs={"jrc/jrc_op/u": np.full((100, 1), 220.0 + 1j)})
    with pytest.raises(TypeError, match=r"inputs\['jrc/jrc_op/u'\] must hold real numbers; "
                                        "received complex"):
        column(inputs={"jrc/jrc_op/u": np.array([220.0 + 1j] * 100, dtype=object)})
    with pytest.raises(TypeError, match="initial_state must hold real numbers"):
        column(initial_state=np.zeros((2, 8), complex))


def test_dates_as_weights_are_refused():
    with pytest.raises(TypeError, match=r"weight \(a matrix\) must hold real numbers; received "
                                        r"dtype datetime64\[s\] \(dates\)"):
        two_columns(weight=np.array([[0, 30], [0, 0]], dtype="datetime64[s]"))
    with pytest.raises(TypeError, match="must hold real numbers; received dtype timedelta64"):
        two_columns(weight=np.array([[0, 30], [0, 0]], dtype="timedelta64[ms]"))


# --------------------------------------------------------------------------------------------
# cause 4: min_weight=nan added no edge at all
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, error", [(np.nan, ValueError), (-1.0, ValueError),
                                          ("1e-6", TypeError), (1j, TypeError)])
def test_min_weight_must_be_a_finite_number_at_least_zero(value, error):
    with pytest.raises(error, match="min_weight must be"):
        two_columns(min_weight=value)
    assert len(two_columns(min_weight=np.float32(0.0)).all_edges()) == 9


# --------------------------------------------------------------------------------------------
# cause 5: permute_grid="False" or "no" meant True
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["False", "no", "", 0, 1, None])
def test_permute_grid_must_be_a_bool(value):
    with pytest.raises(TypeError, match=f"permute_grid must be True or False; received "
                                        f"{value!r}"):
        column(grid={"c": [100.0, 200.0]}, permute_grid=value)
    assert len(column(permute_grid=np.bool_(False)).results_map) == 2


# --------------------------------------------------------------------------------------------
# cause 6: an output named _csweep (Zarr's ContainsArrayError); store="" ("created by another
# process")
# --------------------------------------------------------------------------------------------

def test_an_output_named_like_the_stores_own_group_is_refused(tmp_path):
    pytest.importorskip("zarr")
    with pytest.raises(ValueError, match="output name '_csweep' is reserved in the store"):
        column(outputs={"_csweep": "jrc/jrc_op/V_e"}, store=tmp_path / "s.zarr")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("store, error", [("", ValueError), (5, TypeError)])
def test_a_store_that_is_not_a_path_is_refused(store, error):
    with pytest.raises(error, match=f"store must be the path of a folder .*received {store!r}"):
        column(store=store)


# --------------------------------------------------------------------------------------------
# cause 7: CLI mistakes that exited 1 as "internal error ... please report it"
# --------------------------------------------------------------------------------------------

SWEEP = """
template: JRC2
grid:
  c: {linspace: [60, 1400, 4]}
param_map:
  c: {vars: [jrc_op/c], nodes: [jrc]}
outputs: {V_e: jrc/jrc_op/V_e}
step_size: 1.0e-4
simulation_time: 0.05
features:
  amplitude: {feature: peak_to_peak, signal: V_e}
"""


def cli(tmp_path, capsys, text=None, args=None):
    """``csweep run`` (or ``args``) in this process: (exit status, stderr lines)."""
    from csweep.__main__ import main

    if text is not None:
        (tmp_path / "sweep.yaml").write_text(text)
    status = main(args or ["run", str(tmp_path / "sweep.yaml"), "--progress", "no"])
    return status, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("old, new, message", [
    ("{linspace: [60, 1400, 4]}", "{arange: [60, 1400, 0]}", "arange's step (its third value) "
                                                             "must not be 0"),
    ("{linspace: [60, 1400, 4]}", "{arange: [60, 1400, -1]}", "gives no value"),
    ("{linspace: [60, 1400, 4]}", "{arange: [0, 1.0e+300, 1]}", "would need"),
    ("{linspace: [60, 1400, 4]}", "{linspace: [60, 1400, 1.0e+18]}", "would need"),
    # 8 GB of values fit, but not a billion parameter sets (the process was killed)
    ("{linspace: [60, 1400, 4]}", "{linspace: [60, 1400, 1.0e+9]}", "1e+09 values, each a "
                                                                     "parameter set"),
    ("{linspace: [60, 1400, 4]}", "{linspace: [60, .inf, 4]}", "must be finite numbers"),
    ("features:\n  amplitude: {feature: peak_to_peak, signal: V_e}\n",
     "features:\n  - {feature: peak_to_peak, signal: V_e}\n",
     "features must map names to descriptions"),
    ("features:", "inputs:\n  - {noise: uniform, low: 120, high: 320}\nfeatures:",
     "inputs must map names to descriptions"),
    ("simulation_time: 0.05", "simulation_time: 1.0e+11", "the time index of"),
    ("simulation_time: 0.05", "simulation_time: 1.0e+30", "steps; at most"),
    ("template: JRC2", "template: JRC2\npermute_grid: 'no'", "permute_grid must be true or false"),
    ("template: JRC2", "template: JRC2\nkeep_timeseries: 'False'",
     "keep_timeseries must be true or false"),
])
def test_sweep_file_mistakes_exit_2_in_one_line(tmp_path, capsys, old, new, message):
    assert old in SWEEP
    status, lines = cli(tmp_path, capsys, SWEEP.replace(old, new))
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("csweep run: ") and message in lines[0]
    assert "internal error" not in lines[0]


def _csweep(*args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "csweep", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_a_logspace_overflow_is_one_line_without_numpys_warning(tmp_path):
    (tmp_path / "sweep.yaml").write_text(SWEEP.replace("{linspace: [60, 1400, 4]}",
                                                       "{logspace: [1, 400, 4]}"))
    done = _csweep("run", "sweep.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Warning" not in done.stderr, done.stderr
    assert "logspace [1, 400, 4] gives values beyond float64's range" in done.stderr


def test_warnings_before_an_error_are_folded_into_its_line(tmp_path, capsys, monkeypatch):
    import csweep.engine.sweep_file as sweep_file

    def warn_then_fail(path):
        np.float64(1e308) * 10                      # NumPy's RuntimeWarning
        raise ValueError("the mistake")

    monkeypatch.setattr(sweep_file, "load_sweep_file", warn_then_fail)
    status, lines = cli(tmp_path, capsys, SWEEP)
    assert status == 2 and lines == ["csweep run: the mistake (after warnings: overflow "
                                     "encountered in scalar multiply)"]


@pytest.mark.parametrize("seconds", ["inf", "1e12", "nan", "-1", "0"])
def test_the_demo_checks_its_simulation_time(tmp_path, capsys, seconds):
    with pytest.raises(SystemExit) as stop:
        cli(tmp_path, capsys, args=["demo", "--simulation-time", seconds, "--no-figure"])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--simulation-time: must be a number of seconds from 0.1 to 3600" \
        in lines[0], lines


# --------------------------------------------------------------------------------------------
# cause 8: `csweep demo --simulation-time 1.0` failed on a cutoff the demo did not let you set
# --------------------------------------------------------------------------------------------

def test_a_short_demo_runs_and_its_cutoff_is_its_own_option(tmp_path, capsys):
    status, _ = cli(tmp_path, capsys, args=["demo", "--simulation-time", "1.0", "--no-figure"])
    assert status == 0
    status, lines = cli(tmp_path, capsys, args=["demo", "--simulation-time", "0.5", "--cutoff",
                                                "1", "--no-figure"])
    assert status == 2 and lines == ["csweep demo: --cutoff must be from 0 up to (not "
                                     "including) --simulation-time (0.5 s); received 1"]


# --------------------------------------------------------------------------------------------
# cause 9: a custom feature reading user code through a module (helpers.K, helpers.f) was not
# fingerprinted: change helpers.K and a resume mixed two definitions
# --------------------------------------------------------------------------------------------

HELPERS = """
import numpy as np
from . import deeper as sub
K = {K}
def f(v):
    return v.max(0) * {F}
"""


@pytest.fixture
def helpers(tmp_path, monkeypatch):
    """A package of the user's, ``userpkg.helpers`` (with ``userpkg.deeper``), importable."""
    import importlib
    import sys

    package = tmp_path / "userpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "deeper.py").write_text("L = 1.0\n")
    (package / "helpers.py").write_text(HELPERS.format(K=1.0, F=1.0))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("userpkg", "userpkg.helpers", "userpkg.deeper"):
        sys.modules.pop(name, None)
    module = importlib.import_module("userpkg.helpers")
    yield module
    for name in ("userpkg", "userpkg.helpers", "userpkg.deeper"):
        sys.modules.pop(name, None)


HELPERS_MODULE = None      # set to the user's module userpkg.helpers by each test


def reads_module_value(v, t):
    return HELPERS_MODULE.K * v.max(0)


def reads_module_function(v, t):
    return HELPERS_MODULE.f(v)


def reads_two_levels(v, t):
    return HELPERS_MODULE.sub.L * v.max(0)


def imports_and_reads(v, t):
    import userpkg.helpers as h  # imported in the body, as for Dask workers

    return h.K * v.max(0)


def imports_a_value(v, t):
    from userpkg.helpers import K

    return K * v.max(0)


def imports_the_package(v, t):
    import userpkg.helpers

    return userpkg.helpers.sub.L * v.max(0)


@pytest.mark.parametrize("func, change", [
    (reads_module_value, ("K", 2.0)),
    (reads_module_function, ("f", None)),
    (reads_two_levels, ("sub.L", 3.0)),
    (imports_and_reads, ("K", 2.0)),
    (imports_a_value, ("K", 2.0)),
    (imports_the_package, ("sub.L", 3.0)),
], ids=["value", "function", "two_levels", "imported", "imported_value", "imported_package"])
def test_module_attributes_a_feature_reads_are_fingerprinted(helpers, monkeypatch, func, change):
    from csweep.circuits.fingerprint import callable_fingerprint

    monkeypatch.setitem(func.__globals__, "HELPERS_MODULE", helpers)
    before = callable_fingerprint(func, "x")
    assert callable_fingerprint(func, "x") == before
    name, value = change
    if name == "f":                                 # another function of the same name
        namespace: dict = {}
        exec("def f(v):\n    return v.max(0) * 2.0\n", namespace)
        monkeypatch.setattr(helpers, "f", namespace["f"])
    elif name == "sub.L":
        monkeypatch.setattr(helpers.sub, "L", value)
    else:
        monkeypatch.setattr(helpers, name, value)
    assert callable_fingerprint(func, "x") != before
    # an attribute it does not read changes nothing
    monkeypatch.undo()
    monkeypatch.setitem(func.__globals__, "HELPERS_MODULE", helpers)
    monkeypatch.setattr(helpers, "UNUSED", 5.0, raising=False)
    assert callable_fingerprint(func, "x") == before


def test_a_resume_after_a_helper_modules_value_changed_is_refused(tmp_path, helpers, monkeypatch):
    pytest.importorskip("zarr")
    from csweep import features as F

    monkeypatch.setitem(reads_module_value.__globals__, "HELPERS_MODULE", helpers)
    path = tmp_path / "s.zarr"
    feature = {"x": F.custom(reads_module_value, "V_e")}
    column(grid={"c": np.linspace(60, 1400, 8)}, store=path, features=feature, block_size=4)
    monkeypatch.setattr(helpers, "K", 2.0)
    with pytest.raises(ValueError, match=r"differ: features \(the features"):
        column(grid={"c": np.linspace(60, 1400, 8)}, store=path, features=feature, block_size=4,
               resume=True)


# --------------------------------------------------------------------------------------------
# cause 10: the template cache was keyed on path, mtime and size: a same-size edit that kept the
# mtime ran the old model in the same process
# --------------------------------------------------------------------------------------------

def test_a_same_size_edit_keeping_the_mtime_is_seen(tmp_path):
    import os
    from importlib import resources

    source = resources.files("csweep.templates").joinpath("jansenrit.yaml").read_text()
    model = tmp_path / "models.yaml"
    model.write_text(source)
    stamp = os.stat(model)
    first = csweep.grid_search(
        f"{model}:JRC2", {"c": [135.0]}, PARAM_MAP, 1e-4, 0.05, OUTPUTS, progress=False)[0]
    assert "h_e: 3.25e-3" in source
    model.write_text(source.replace("h_e: 3.25e-3", "h_e: 3.75e-3"))      # the same size
    os.utime(model, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert os.stat(model).st_size == stamp.st_size
    assert os.stat(model).st_mtime_ns == stamp.st_mtime_ns
    edited = csweep.grid_search(f"{model}:JRC2", {"c": [135.0]}, PARAM_MAP, 1e-4, 0.05, OUTPUTS,
                                progress=False)[0]
    (tmp_path / "fresh.yaml").write_text(source.replace("h_e: 3.25e-3", "h_e: 3.75e-3"))
    fresh = csweep.grid_search(f"{tmp_path / 'fresh.yaml'}:JRC2", {"c": [135.0]}, PARAM_MAP,
                               1e-4, 0.05, OUTPUTS, progress=False)[0]
    assert not np.array_equal(first.to_numpy(), edited.to_numpy())
    np.testing.assert_array_equal(edited.to_numpy(), fresh.to_numpy())    # bit for bit


# --------------------------------------------------------------------------------------------
# Stores. A sweep of 40 sets in blocks of 16 (16, 16, 8), time series and a feature
# --------------------------------------------------------------------------------------------

def stored(path, **kw):
    from csweep import features as F
    from csweep import noise

    return csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, 40)}, PARAM_MAP, 1e-4, 0.05,
        {"V_e": "jrc/jrc_op/V_e"}, sampling_step_size=1e-3,
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=3)},
        features={"ptp": F.peak_to_peak("V_e")}, block_size=16, store=path, progress=False, **kw)


@pytest.fixture
def store(tmp_path):
    pytest.importorskip("zarr")
    pytest.importorskip("xarray")
    path = tmp_path / "s.zarr"
    stored(path)
    return path


def flags(path):
    import zarr

    return zarr.open_group(path, mode="r")["_csweep/block_done"][:].tolist()


def unfinish(path, *blocks):
    import zarr

    done = zarr.open_group(path, mode="r+")["_csweep/block_done"]
    for block in blocks:
        done[block] = 0


def edit_attributes(path, where="", **changes):
    """Change attributes as an editor would: in the group's .zattrs and in .zmetadata."""
    import json

    attrs = path / where / ".zattrs"
    values = json.loads(attrs.read_text())
    values.update(changes)
    attrs.write_text(json.dumps(values))
    consolidated = json.loads((path / ".zmetadata").read_text())
    key = f"{where}/.zattrs" if where else ".zattrs"
    consolidated["metadata"][key].update(changes)
    (path / ".zmetadata").write_text(json.dumps(consolidated))


def flip(target):
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))


def assert_verify_fails(path, capsys, *names):
    from csweep.__main__ import main

    report = csweep.verify_store(path)
    assert not report.ok
    for name in names:
        assert name in report.metadata, report.metadata
    assert main(["verify", str(path)]) == 1
    assert "DAMAGED metadata" in capsys.readouterr().out


def assert_resume_refused(path, match="metadata no longer matches"):
    before = flags(path)
    with pytest.raises(csweep.store.StoreDamagedError, match=match):
        stored(path, resume=True)
    assert flags(path) == before                     # a refused resume changes no flag


# --------------------------------------------------------------------------------------------
# cause 11: coordinates, labels, time and attributes carried no checksum
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage, name", [
    (lambda p: flip(p / "c" / "1"), "values of c"),
    (lambda p: (p / "c" / "2").unlink(), "values of c"),
    (lambda p: flip(p / "time" / "0"), "values of time"),
    (lambda p: (p / "run" / "0").unlink(), "values of run"),
    # blosc may decode a truncated chunk to the right values, or not: its bytes are checked
    (lambda p: (p / "run" / "0").write_bytes((p / "run" / "0").read_bytes()[:-5]),
     "chunks of run"),
    (lambda p: edit_attributes(p, dt=2e-4), "attributes"),
    (lambda p: edit_attributes(p, "V_e", csweep_name="V_i"), "layout"),
], ids=["c flipped", "c chunk lost", "time flipped", "run labels lost", "run truncated",
        "dt edited",
        "an array's attribute edited"])
def test_damaged_metadata_fails_verify_and_resume(store, capsys, damage, name):
    unfinish(store, 2)
    damage(store)
    assert_verify_fails(store, capsys, name)
    assert_resume_refused(store)


# --------------------------------------------------------------------------------------------
# cause 12: editing csweep_n_blocks in a half-done store: the resume "succeeded" with runs NaN
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_blocks", [2, 1, 4])
def test_an_edited_block_count_is_refused_and_changes_no_flag(store, capsys, n_blocks):
    unfinish(store, 1, 2)
    edit_attributes(store, csweep_n_blocks=n_blocks)
    assert_resume_refused(store, match=f"csweep_n_blocks is {n_blocks}, but 40 runs in blocks "
                                       "of 16 make 3")
    assert_verify_fails(store, capsys, "attributes")


# --------------------------------------------------------------------------------------------
# cause 13: checksums were not bound to their block: two blocks' chunk files swapped with their
# checksums passed verify and misplaced their runs
# --------------------------------------------------------------------------------------------

def test_two_blocks_swapped_with_their_checksums_fail_verify(store, capsys):
    def swap(a, b):
        data_a, data_b = a.read_bytes(), b.read_bytes()
        a.write_bytes(data_b)
        b.write_bytes(data_a)

    swap(store / "V_e" / "0.0", store / "V_e" / "1.0")
    swap(store / "ptp" / "0", store / "ptp" / "1")
    swap(store / "_csweep" / "checksum" / "0.0.0", store / "_csweep" / "checksum" / "1.0.0")
    report = csweep.verify_store(store)
    # diverged (all False, so no chunk file) is found too: its checksums were swapped
    assert report.damaged == {0: ["V_e", "ptp", "diverged"], 1: ["V_e", "ptp", "diverged"]}
    from csweep.__main__ import main

    assert main(["verify", str(store)]) == 1
    assert "DAMAGED block 0" in capsys.readouterr().out


def test_a_block_copied_in_from_another_stores_sweep_fails_verify(store, tmp_path):
    import shutil

    from csweep import noise

    other = tmp_path / "other.zarr"
    csweep.grid_search("JRC2", {"c": np.linspace(60, 1400, 40)}, PARAM_MAP, 1e-4, 0.05,
                       {"V_e": "jrc/jrc_op/V_e"}, sampling_step_size=1e-3,
                       inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)},
                       features={"ptp": csweep.features.peak_to_peak("V_e")}, block_size=16,
                       store=other, progress=False)
    for part in ("V_e/1.0", "ptp/1", "_csweep/checksum/1.0.0"):
        shutil.copyfile(other / part, store / part)
    assert list(csweep.verify_store(store).damaged) == [1]


def test_a_store_of_the_earlier_format_is_refused_with_a_message(store):
    edit_attributes(store, csweep_store_format=1)
    with pytest.raises(ValueError, match="store format 1; this csweep reads format 2"):
        csweep.verify_store(store)


# --------------------------------------------------------------------------------------------
# cause 14: an edited block_size gave a bare IndexError, and the failed resume unflagged every
# good block
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("block_size", [8, 40, 0, "16"])
def test_an_edited_block_size_is_a_clear_error_and_changes_no_flag(store, block_size):
    unfinish(store, 2)
    edit_attributes(store, block_size=block_size)
    assert_resume_refused(store, match="its attributes no longer describe its arrays "
                                       r"\((block_size|csweep_n_blocks) is")
    assert flags(store) == [1, 1, 0]


# --------------------------------------------------------------------------------------------
# cause 15: deleting _csweep gave FileNotFoundError on the lock, not the documented ValueError
# --------------------------------------------------------------------------------------------

def test_a_store_without_its_csweep_group_is_the_documented_value_error(store):
    import shutil

    shutil.rmtree(store / "_csweep")
    for attempt in (lambda: stored(store, resume=True), lambda: csweep.verify_store(store)):
        with pytest.raises(ValueError, match="cannot be read as a csweep store: its _csweep "
                                             "folder .* is missing"):
            attempt()


# --------------------------------------------------------------------------------------------
# cause 16: a finished store in a read-only folder could not be read back (PermissionError on
# _csweep/lock)
# --------------------------------------------------------------------------------------------

def test_a_finished_store_is_read_without_write_access(store, monkeypatch):
    import os

    expected = stored(store.parent / "again.zarr")
    (store / "_csweep" / "lock").unlink()
    real_open = os.open
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def read_only_open(path, flags, *args, **kwargs):      # tests run as root: chmod cannot
        if str(path).startswith(str(store)) and flags & writes:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_open)
    again = stored(store, resume=True)
    assert csweep.verify_store(store).ok
    monkeypatch.undo()
    assert not (store / "_csweep" / "lock").exists()
    assert again.features.equals(expected.features)
    import xarray as xr

    xr.testing.assert_identical(xr.open_zarr(store).load(),
                                xr.open_zarr(store.parent / "again.zarr").load())


def test_more_steps_than_can_be_counted_are_refused():
    with pytest.raises(ValueError, match=r"is 1e\+30 steps; at most 9.01e\+15 \(2\*\*53\)"):
        csweep.grid_search("JRC2", {"c": [100.0]}, PARAM_MAP, 1e-30, 1.0, OUTPUTS,
                           sampling_step_size=1e-3, progress=False)


def test_a_final_state_of_long_gamma_chains_is_refused_before_allocating(monkeypatch):
    net = two_columns(edge_attr={"delay": 3e-3, "spread": 1e-5})       # 90000 stages
    monkeypatch.setenv("CSWEEP_MEMORY_LIMIT", "100MB")
    with pytest.raises(MemoryError, match=r"the final state of 100 sets x 9\d{4} state"):
        csweep.grid_search(net, {"h": np.linspace(3e-3, 4e-3, 100)},
                           {"h": {"vars": ["rpo_e_in/h"], "nodes": ["a/pc"]}}, 1e-4, 0.001,
                           {"v": "a/pc/rpo_e_in/v"}, return_final_state=True, progress=False)
