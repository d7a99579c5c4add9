"""Stores you can trust (issue 15): a resume never mixes two models, a kill or a race never leaves
a dead or silently wrong store, damaged blocks are found, and hostile sweep files and inputs
are refused. Each test reproduces a failure of csweep before the issue was resolved."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from importlib import resources

import numpy as np
import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

import csweep
import csweep.store  # the public store module (its errors and SweepStore)
from csweep import features as F
from csweep import noise
from csweep.__main__ import main

zarr = need("zarr")
xr = need("xarray")

N_SETS = 40                 # blocks of 16: 16, 16, 8 sets
SCALE = 2.0


def call(template="JRC2", **kw):
    args = dict(step_size=1e-4, simulation_time=0.2, sampling_step_size=1e-3, cutoff=0.05,
                outputs=JRC2_OUTPUTS, inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)},
                features={"ptp": F.peak_to_peak("V_e - V_i")}, block_size=16, progress=False)
    args.update(kw)
    return csweep.grid_search(template, {"c": np.linspace(60, 1400, N_SETS)}, JRC2_MAP, **args)


def unfinish(path, *blocks):
    """Make a finished store look interrupted before ``blocks`` were written."""
    flags = zarr.open_group(path, mode="r+")["_csweep/block_done"]
    for block in blocks:
        flags[block] = 0


def assert_same_store(a, b):
    xr.testing.assert_identical(xr.open_zarr(a).load(), xr.open_zarr(b).load())


# --------------------------------------------------------------------------------------------
# 1. Silent mixing: the fingerprint holds the model's content and the features' code
# --------------------------------------------------------------------------------------------

def test_a_resume_after_the_template_file_changed_is_refused(tmp_path):
    source = resources.files("csweep.templates").joinpath("jansenrit.yaml").read_text()
    model = tmp_path / "models.yaml"
    model.write_text(source)
    path = tmp_path / "s.zarr"
    call(f"{model}:JRC2", store=path)
    unfinish(path, 2)
    assert "h_e: 3.25e-3" in source
    model.write_text(source.replace("h_e: 3.25e-3", "h_e: 3.5e-3"))
    with pytest.raises(ValueError, match=r"differ: model \(the circuit"):
        call(f"{model}:JRC2", store=path, resume=True)
    model.write_text(source)                      # the model it was started with: accepted
    call(f"{model}:JRC2", store=path, resume=True)
    call(f"{model}:JRC2", store=tmp_path / "whole.zarr")
    assert_same_store(path, tmp_path / "whole.zarr")


def test_names_of_one_template_are_one_model(tmp_path):
    path = tmp_path / "s.zarr"
    call("JRC2", store=path)
    unfinish(path, 1)
    call("model_templates.neural_mass_models.jansenrit.JRC2", store=path, resume=True)
    call("jansenrit.JRC2", store=path, resume=True)
    call("JRC2", store=tmp_path / "whole.zarr")
    assert_same_store(path, tmp_path / "whole.zarr")


def scaled_max(v, t):
    return SCALE * v.max(0)


@pytest.mark.parametrize("first, second", [
    (lambda v, t: v.max(0), lambda v, t: v.min(0)),                 # another lambda's code
    (lambda v, t, k=1.0: k * v.max(0), lambda v, t, k=2.0: k * v.max(0)),   # a default
    (lambda v, t: v.max(0) + 0.5, lambda v, t: v.max(0) + 0.25),   # a constant
], ids=["code", "default", "constant"])
def test_a_resume_with_another_custom_feature_is_refused(tmp_path, first, second):
    path = tmp_path / "s.zarr"
    call(store=path, features={"x": F.custom(first, "V_e - V_i")})
    unfinish(path, 2)
    with pytest.raises(ValueError, match=r"differ: features \(the features"):
        call(store=path, resume=True, features={"x": F.custom(second, "V_e - V_i")})
    call(store=path, resume=True, features={"x": F.custom(first, "V_e - V_i")})


def test_closure_values_and_globals_a_feature_reads_are_fingerprinted(tmp_path, monkeypatch):
    def made_with(factor):
        return lambda v, t: factor * v.max(0)

    path = tmp_path / "s.zarr"
    call(store=path, features={"x": F.custom(made_with(1.0), "V_e")})
    with pytest.raises(ValueError, match="differ: features"):
        call(store=path, resume=True, features={"x": F.custom(made_with(3.0), "V_e")})
    other = tmp_path / "g.zarr"
    call(store=other, features={"x": F.custom(scaled_max, "V_e")})
    monkeypatch.setitem(scaled_max.__globals__, "SCALE", 3.0)
    with pytest.raises(ValueError, match="differ: features"):
        call(store=other, resume=True, features={"x": F.custom(scaled_max, "V_e")})


class Peak:
    def __call__(self, v, t):
        return v.max(0)


class Scaler:
    factor = 2.0


def helper(v):
    return v.max(0)


def uses_helper_and_class(v, t):
    return Scaler.factor * helper(v)


def test_a_templates_fingerprint_names_its_parts_by_their_pyrates_kinds():
    """The fingerprint a resume compares tags each part of a template with its kind
    (CircuitTemplate, NodeTemplate, OperatorTemplate), not with the Python class that holds it:
    the reader's classes (CircuitDefinition, ...) and csweep.CircuitTemplate give one
    fingerprint, and stores written before the reader's classes had their names still resume."""
    from csweep.circuits.fingerprint import _definition
    from csweep.circuits.template_reader import load_template

    read = _definition(load_template("JRC2"))
    assert type(load_template("JRC2")).__name__ == "CircuitDefinition"
    assert read[0] == "CircuitTemplate"
    (node_name, node), = dict(read[1])["nodes"]
    assert node_name == "jrc" and node[0] == "NodeTemplate"
    assert {op[0] for _, op in dict(node[1])["operators"]} == {"OperatorTemplate"}
    assert _definition(csweep.CircuitTemplate.from_yaml("JRC2")) == read


def test_a_part_held_many_times_is_fingerprinted_as_its_copies_are():
    """A connectome holds one column's definition once per region: the fingerprint walks it
    once, and gives what distinct copies of it give (and another model something else)."""
    import copy

    from csweep import CircuitTemplate
    from csweep.circuits.fingerprint import template_fingerprint

    column = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    regions = ["a", "b", "c"]

    def network(circuits, weight=1.0):
        net = CircuitTemplate("net", circuits=circuits)
        net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions,
                                  weight=np.full((3, 3), weight) - np.eye(3) * weight,
                                  edge_attr={"delay": np.full((3, 3), 2e-3)})
        return net

    shared = template_fingerprint(network({r: column for r in regions}), [])
    copies = template_fingerprint(network({r: copy.deepcopy(column) for r in regions}), [])
    assert shared == copies
    assert template_fingerprint(network({r: column for r in regions}, 0.5), []) != shared


def delayed_network(spread: bool):
    """Three JRC columns joined by delayed edges: discrete (a rate history each) or with a
    spread (gamma stages)."""
    from csweep import CircuitTemplate

    column = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    regions = ["a", "b", "c"]
    net = CircuitTemplate("net", circuits={r: column for r in regions})
    attr = {"delay": np.full((3, 3), 2e-3)}
    if spread:
        attr["spread"] = np.full((3, 3), 1e-3)
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", regions,
                              weight=np.ones((3, 3)) - np.eye(3), edge_attr=attr)
    return net


@pytest.mark.parametrize("spread, part", [(False, "rate_history"), (True, "stage")])
def test_a_networks_state_is_counted_without_naming_it(spread, part):
    """A network counts its state rows (delay histories, gamma stages) without making their
    names, which it makes when asked, the same number of them."""
    from csweep.models.recognise import compiled_model

    model = compiled_model(delayed_network(spread))
    values = np.array([list(model.parameters.values())]).T
    prepared = model.prepare(values.repeat(3, axis=1), 1e-4)
    n_state = prepared.n_state
    assert prepared._named is None
    assert n_state == len(prepared.state_names) > 3 * 8 + 6
    assert any(part in name for name in prepared.state_names)
    assert prepared.subset(0, 2).n_state == n_state


def test_fingerprints_follow_helpers_and_classes_but_name_installed_libraries(monkeypatch):
    from csweep.circuits.fingerprint import callable_fingerprint

    before = callable_fingerprint(uses_helper_and_class, "f")
    assert callable_fingerprint(uses_helper_and_class, "f") == before     # deterministic
    monkeypatch.setattr(Scaler, "factor", 3.0)
    assert callable_fingerprint(uses_helper_and_class, "f") != before
    monkeypatch.undo()
    monkeypatch.setitem(uses_helper_and_class.__globals__, "helper", lambda v: v.min(0))
    assert callable_fingerprint(uses_helper_and_class, "f") != before
    monkeypatch.undo()
    # installed code (NumPy, the standard library) is named, not read: it changes with versions
    import statistics

    assert callable_fingerprint(lambda v, t: np.percentile(v, 90, axis=0) + statistics.fmean(
        [1.0]), "f")


def test_a_callable_that_cannot_be_fingerprinted_needs_a_version(tmp_path):
    path = tmp_path / "s.zarr"
    with pytest.raises(TypeError, match=r"features\['x'\].*Peak.*version='2'"):
        call(store=path, features={"x": F.custom(Peak(), "V_e")})
    assert not path.exists()
    call(store=path, features={"x": F.custom(Peak(), "V_e", version="1")})
    with pytest.raises(ValueError, match="differ: features"):
        call(store=path, resume=True, features={"x": F.custom(Peak(), "V_e", version="2")})
    call(store=path, resume=True, features={"x": F.custom(Peak(), "V_e", version="1")})
    # in memory nothing is resumed, so nothing needs a fingerprint
    assert call(features={"x": F.custom(Peak(), "V_e")}).features["x"].notna().all()


# --------------------------------------------------------------------------------------------
# 2. Kills while a store is created: absent or resumable
# --------------------------------------------------------------------------------------------

KILLED_WHILE_CREATING = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import zarr
    import csweep
    from csweep import features as F, noise

    path, method, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
    owner = zarr.Group if method != "consolidate_metadata" else zarr
    original = getattr(owner, method)
    calls = []

    def dies(*args, **kwargs):            # SIGKILL, as a crash or an OOM kill would
        calls.append(1)
        if len(calls) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, method, dies)
    csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, 40)}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        step_size=1e-4, simulation_time=0.2, sampling_step_size=1e-3, cutoff=0.05,
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)},
        features={"ptp": F.peak_to_peak("V_e - V_i")}, block_size=16, progress=False, store=path)
""")


@pytest.mark.slow     # processes killed or racing
@pytest.mark.parametrize("method, nth", [("create_array", 1), ("create_array", 4),
                                         ("create_group", 1), ("consolidate_metadata", 1)])
def test_a_store_killed_while_created_is_absent_and_resume_makes_it_whole(tmp_path, method, nth):
    script = tmp_path / "create.py"
    script.write_text(KILLED_WHILE_CREATING)
    path = tmp_path / "s.zarr"
    done = subprocess.run([sys.executable, str(script), str(path), method, str(nth)],
                          cwd=tmp_path, timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert not path.exists()                      # not a half-made store nobody can open
    call(store=path, resume=True)                 # resume=True on no store starts it
    call(store=tmp_path / "whole.zarr")
    assert_same_store(path, tmp_path / "whole.zarr")


def hook_env(folder):
    return {**os.environ, "CSWEEP_TEST_HOOKS": str(folder)}


SWEEP = textwrap.dedent("""
    import sys
    import numpy as np
    import csweep
    from csweep import features as F, noise

    csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, 40)}, {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        step_size=1e-4, simulation_time=0.2, sampling_step_size=1e-3, cutoff=0.05,
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)},
        features={"ptp": F.peak_to_peak("V_e - V_i")}, block_size=16, progress=False,
        store=sys.argv[1], resume=True)
    print("finished")
""")


def wait_for(predicate, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def announced(folder, moment):
    return [name for name in os.listdir(folder) if name.startswith(f"{moment}.")
            and not name.endswith(".go")]


MOMENTS = ["created", "opened", "written"]   # csweep.store's test hooks, in the order met


@pytest.mark.slow     # processes killed or racing
@pytest.mark.parametrize("moment", MOMENTS)
def test_a_store_killed_at_any_moment_resumes_to_an_uninterrupted_run(tmp_path, moment):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    path = tmp_path / "s.zarr"
    for earlier in MOMENTS[:MOMENTS.index(moment)]:
        (hooks / f"{earlier}.go").touch()
    process = subprocess.Popen([sys.executable, str(script), str(path)], cwd=tmp_path,
                               env=hook_env(hooks))
    try:
        wait_for(lambda: announced(hooks, moment), f"the sweep to reach {moment!r}")
        process.kill()
        process.wait(timeout=30)
    finally:
        process.kill()
    # before the rename: no store; after it: a whole store, which resume=True completes
    assert path.exists() == (moment != "created")
    call(store=path, resume=True)
    call(store=tmp_path / "whole.zarr")
    assert_same_store(path, tmp_path / "whole.zarr")
    assert csweep.verify_store(path).ok


# --------------------------------------------------------------------------------------------
# 3. Concurrent creators: nothing removed that this call did not create
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("resume", [False, True])
def test_a_losing_creator_never_removes_the_winners_store(tmp_path, monkeypatch, resume):
    path = tmp_path / "s.zarr"
    call(store=path)                               # the store another process just created
    before = xr.open_zarr(path).load()
    real_exists, real_lexists = os.path.exists, os.path.lexists
    # this call looked before the other process created the store: it believes it absent
    monkeypatch.setattr(os.path, "exists",
                        lambda p: False if os.fspath(p) == str(path) else real_exists(p))
    monkeypatch.setattr(os.path, "lexists",
                        lambda p: False if os.fspath(p) == str(path) else real_lexists(p))
    if resume:
        call(store=path, resume=True)              # joins the finished store
    else:
        with pytest.raises(FileExistsError, match="created by another process"):
            call(store=path)
    monkeypatch.undo()
    xr.testing.assert_identical(xr.open_zarr(path).load(), before)
    assert csweep.verify_store(path).ok


@pytest.mark.slow     # processes killed or racing
def test_two_processes_creating_one_store_at_once(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    path = tmp_path / "s.zarr"
    processes = [subprocess.Popen([sys.executable, str(script), str(path)], cwd=tmp_path,
                                  env=hook_env(hooks), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        # both have built their store and are about to rename it into place
        wait_for(lambda: len(announced(hooks, "created")) == 2, "both creators")
        (hooks / "created.go").touch()
        # one wins and waits before its first block; the other finds it being written
        wait_for(lambda: announced(hooks, "opened")
                 and any(p.poll() is not None for p in processes), "the race's outcome")
        (hooks / "opened.go").touch()
        (hooks / "written.go").touch()
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        for p in processes:
            p.kill()
    codes = sorted(p.returncode for p in processes)
    assert codes[0] == 0 and codes[1] != 0, outputs
    winner, loser = sorted(outputs, key=lambda o: "finished" not in o[0])
    assert "finished" in winner[0]
    assert "StoreBusyError" in loser[1] and "being written by another process" in loser[1]
    call(store=tmp_path / "whole.zarr")
    assert_same_store(path, tmp_path / "whole.zarr")


@pytest.mark.slow     # processes killed or racing
def test_a_second_writer_of_a_running_store_stops_with_a_message(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    path = tmp_path / "s.zarr"
    (hooks / "created.go").touch()
    process = subprocess.Popen([sys.executable, str(script), str(path)], cwd=tmp_path,
                               env=hook_env(hooks))
    try:
        wait_for(lambda: announced(hooks, "opened"), "the first writer")
        with pytest.raises(csweep.store.StoreBusyError, match="another process"):
            call(store=path, resume=True)
        (hooks / "opened.go").touch()
        (hooks / "written.go").touch()
        assert process.wait(timeout=120) == 0
    finally:
        process.kill()
    call(store=path, resume=True)                  # the lock went with the process
    assert csweep.verify_store(path).ok


# --------------------------------------------------------------------------------------------
# 4. Damaged data is found, reported and run again
# --------------------------------------------------------------------------------------------

def chunk(path, array, block):
    return path / array / (f"{block}.0" if array in ("V_e", "V_i") else f"{block}")


def damage_delete(path):
    chunk(path, "V_e", 1).unlink()
    return {1: ["V_e"]}


def damage_flip(path):
    target = chunk(path, "V_i", 0)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return {0: ["V_i"]}


def damage_truncate(path):
    target = chunk(path, "ptp", 0)             # a full chunk: its last values are lost
    target.write_bytes(target.read_bytes()[:-7])
    return {0: ["ptp"]}


def damage_swap(path):
    a, b = chunk(path, "V_e", 0), chunk(path, "V_e", 1)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    return {0: ["V_e"], 1: ["V_e"]}


@pytest.mark.parametrize("damage", [damage_delete, damage_flip, damage_truncate, damage_swap],
                         ids=["deleted", "flipped", "truncated", "swapped"])
def test_damaged_chunks_are_reported_and_resume_runs_them_again(tmp_path, capsys, damage):
    path = tmp_path / "s.zarr"
    call(store=path)
    expected = damage(path)
    report = csweep.verify_store(path)
    assert not report.ok and report.damaged == expected and report.unfinished == []
    assert main(["verify", str(path)]) == 1
    printed = capsys.readouterr().out
    assert all(f"DAMAGED block {b} " in printed for b in expected)
    with pytest.raises(csweep.store.StoreDamagedError, match="do not match the checksums"):
        csweep.store.SweepStore.attach(path).read_features(["ptp"]) if "ptp" in sum(
            expected.values(), []) else csweep.store.SweepStore.attach(path).read_checked(
            [name for names in expected.values() for name in names])
    with pytest.warns(csweep.store.DamagedStoreWarning, match=f"block {min(expected)}") as told:
        call(store=path, resume=True)
    # the warning points at the caller's line (here, this file's call helper), not into csweep
    assert all(w.filename == __file__ for w in told
               if issubclass(w.category, csweep.store.DamagedStoreWarning))
    call(store=tmp_path / "whole.zarr")
    assert_same_store(path, tmp_path / "whole.zarr")
    assert csweep.verify_store(path).ok and main(["verify", str(path)]) == 0


def test_verify_reports_unfinished_blocks_and_refuses_what_is_not_a_store(tmp_path):
    path = tmp_path / "s.zarr"
    call(store=path)
    unfinish(path, 0, 2)
    report = csweep.verify_store(path)
    assert report.ok and report.unfinished == [0, 2]
    assert "unfinished blocks (resume=True runs them): 0, 2" in str(report)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="cannot be read as a csweep store"):
        csweep.verify_store(tmp_path / "empty")
    zarr.open_group(tmp_path / "other.zarr", mode="w", zarr_format=2)
    with pytest.raises(ValueError, match="not written by csweep.grid_search"):
        csweep.verify_store(tmp_path / "other.zarr")
    shutil.rmtree(path / "_csweep" / "checksum")   # lost checksums: no finished block is trusted
    assert list(csweep.verify_store(path).damaged) == [1]


# --------------------------------------------------------------------------------------------
# 5. Sweep files go through the guarded YAML reader
# --------------------------------------------------------------------------------------------

# a valid sweep but for its last key, 1.3 KB that expand to 9**6 values (a plain safe_load made
# an error message of megabytes from it, or with more levels ran out of memory)
ALIAS_BOMB = "\n".join([
    "template: JRC2", "grid: {c: [100, 200]}", "param_map: {c: {vars: [jrc_op/c], nodes: [jrc]}}",
    "outputs: {V_e: jrc/jrc_op/V_e}", "step_size: 1.0e-4", "simulation_time: 0.1",
    "features:", "  x:", "    - &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    + [f"    - &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]" for k in range(1, 7)])


def test_an_alias_bomb_sweep_file_is_refused_at_once(tmp_path, capsys):
    sweep = tmp_path / "bomb.yaml"
    sweep.write_text(ALIAS_BOMB)
    started = time.perf_counter()
    assert main(["run", str(sweep)]) == 2
    error = capsys.readouterr().err
    assert "aliases expand to more than 200000 values" in error and len(error) < 1000
    assert time.perf_counter() - started < 5


def test_sweep_files_too_large_or_not_text_are_refused(tmp_path, capsys):
    large = tmp_path / "large.yaml"
    large.write_text("template: JRC2\n" + "#" * 2_100_000)
    assert main(["run", str(large)]) == 2
    assert "sweep files of at most 2000000 bytes" in capsys.readouterr().err
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"template: \xff\xfe\n")
    assert main(["run", str(binary)]) == 2
    assert "not a UTF-8 text file" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# 6. Inputs by the documented rules
# --------------------------------------------------------------------------------------------

def small(grid, **kw):
    args = dict(step_size=1e-4, simulation_time=0.05, outputs={"V_e": "jrc/jrc_op/V_e"})
    args.update(kw)
    return csweep.grid_search("JRC2", grid, JRC2_MAP, **args)


@pytest.mark.parametrize("values", [["100", "200"], np.array(["100", "200"]),
                                    np.array([100.0, "200"], dtype=object)])
def test_strings_in_a_grid_are_a_type_error(values):
    with pytest.raises(TypeError, match=r"param_grid\['c'\] must hold real numbers"):
        small({"c": values})


def test_labels_must_differ_as_text():
    import pandas as pd

    with pytest.raises(ValueError, match="labels 1 and '1' both name the parameter set 'JRC2_1'"):
        small(pd.DataFrame({"c": [100.0, 200.0]}, index=[1, "1"]))


@pytest.mark.parametrize("values, shown", [
    (np.array([2**64 - 1, 100], dtype=np.uint64), 2**64 - 1),        # wrapped to -1 before
    (np.array([2**53 + 1, 100], dtype=np.int64), 2**53 + 1),         # rounded to 2**53 before
    ([2**70, 100], 2**70),
])
def test_integers_float64_cannot_hold_are_refused(values, shown):
    with pytest.raises(ValueError, match=f"holds the integer {shown}, which float64"):
        small({"c": values})


def test_integers_up_to_two_to_the_53_are_exact():
    result = small({"c": np.array([100, 2**53], dtype=np.uint64)})
    assert result.results_map["c"].tolist() == [100, 2**53]


def test_numpy_scalars_are_accepted_wherever_python_numbers_are():
    plain = small({"c": [100.0, 200.0, 300.0]}, sampling_step_size=1e-3, cutoff=0.01,
                  block_size=2, n_threads=1)
    numpy_typed = small({"c": [100.0, 200.0, 300.0]}, step_size=np.float32(1e-4),
                        simulation_time=np.float32(0.05), sampling_step_size=np.float32(1e-3),
                        cutoff=np.float16(0.01), block_size=np.int64(2), n_threads=np.int32(1),
                        permute_grid=np.bool_(False))
    np.testing.assert_array_equal(numpy_typed[0].to_numpy(), plain[0].to_numpy())
    np.testing.assert_array_equal(numpy_typed[0].index, plain[0].index)


def test_a_store_gets_the_permissions_of_a_folder_made_in_its_place(tmp_path):
    call(store=tmp_path / "s.zarr")                # built in a hidden folder, then renamed
    (tmp_path / "plain").mkdir()
    assert (tmp_path / "s.zarr").stat().st_mode == (tmp_path / "plain").stat().st_mode
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_sweeps_results_are_the_values_its_checksums_were_checked_on(tmp_path, monkeypatch):
    """At the end of a store sweep every result array is read once, checked, and returned: no
    second read after the check (which a change in between would slip past)."""
    from csweep.engine import store as store_module  # noqa: PLC0415

    result_arrays = {"ptp", "diverged", "final_state"}
    checked, reads = [], []
    real_read = store_module._read
    monkeypatch.setattr(store_module, "_read", lambda array, where: (
        checked.append(array.basename), real_read(array, where))[1])
    array_type = type(zarr.open_array(tmp_path / "probe.zarr", mode="w", shape=(1,), dtype="f8"))
    real_getitem = array_type.__getitem__
    monkeypatch.setattr(array_type, "__getitem__", lambda self, where: (
        reads.append(self.basename) if self.basename in result_arrays else None,
        real_getitem(self, where))[1])
    result = call(store=tmp_path / "s.zarr", keep_timeseries=False, return_final_state=True)
    # features and flags whole, the final state block by block (16, 16 and 8 sets), each by
    # the checking read and by nothing else
    assert sorted(checked) == ["diverged", "final_state", "final_state", "final_state", "ptp"]
    assert sorted(reads) == sorted(checked)
    expected = call(keep_timeseries=False, return_final_state=True)
    np.testing.assert_array_equal(result.features["ptp"], expected.features["ptp"])
    np.testing.assert_array_equal(result.final_state.to_numpy(), expected.final_state.to_numpy())
