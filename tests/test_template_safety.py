"""A template file describes a model and can do nothing else: hostile files are refused with a
TemplateError naming the file, quickly and without running anything they say."""

import os
import time

import pytest

import csweep
from csweep import TemplateError, load_template

OPERATOR = ("A: {base: CircuitTemplate, nodes: {jrc: N}}\nN: {base: NodeTemplate, operators: [O]}\n"
            "O: {base: OperatorTemplate, equations: ['%s']}\n")


def refused(tmp_path, text, match, name="A"):
    path = tmp_path / "hostile.yaml"
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    started = time.perf_counter()
    with pytest.raises(TemplateError, match=match) as info:
        load_template(f"{path}:{name}")
    assert time.perf_counter() - started < 5
    assert str(path) in str(info.value)


BILLION_LAUGHS = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 10)]
    + ["A: {base: CircuitTemplate, nodes: *a9}"])


@pytest.mark.parametrize("text, match", [
    # tags that would construct Python objects or call functions
    ("A: !!python/object/apply:os.system ['touch /tmp/csweep-pwned']", "not valid YAML"),
    ("A: !!python/name:os.system", "not valid YAML"),
    ("A: !!python/object:subprocess.Popen {args: [id]}", "not valid YAML"),
    ("A: !custom {base: CircuitTemplate}", "not valid YAML"),
    # exponential alias expansion, cycles, depth
    (BILLION_LAUGHS, "aliases expand to more than 200000 values"),
    ("A: &a {base: CircuitTemplate, nodes: *a}", "refers to a value that contains it"),
    ("A: " + "[" * 5000 + "]" * 5000, "nested more than 32 levels deep"),
    ("A: " + "{a: " * 3000 + "1" + "}" * 3000, "nested more than 32 levels deep"),
    # equations: no names outside arithmetic, no attribute access, no deep trees
    (OPERATOR % "d/dt * x = __import__(\"os\")", "unknown function '__import__'"),
    (OPERATOR % "d/dt * x = open(1)", "unknown function 'open'"),
    (OPERATOR % "d/dt * x = ().__class__", "unsupported syntax"),
    (OPERATOR % "d/dt * x = [y for y in z]", "unsupported syntax ListComp"),
    (OPERATOR % "d/dt * x = lambda: 1", "unsupported syntax Lambda"),
    (OPERATOR % ("d/dt * x = " + "-" * 5000 + "y"), "nested too deeply"),
    (OPERATOR % ("d/dt * x = " + "y+" * 2000 + "y"), "nested"),
    (OPERATOR % ("d/dt * x = " + "y*" * 120 + "y"), "nested more than 100 levels deep"),
    (OPERATOR % ("d/dt * x = " + "y" * 20_000), "at most 10000 are read"),
    # not text, not YAML, too large
    (b"\xff\xfe\x00A: {}", "not a UTF-8 text file"),
    ("A: " + "x" * 2_100_000, "bytes; template files of at most 2000000 bytes are read"),
])
def test_hostile_template_files_are_refused(tmp_path, text, match):
    refused(tmp_path, text, match)
    assert not os.path.exists("/tmp/csweep-pwned")


@pytest.mark.parametrize("name", [
    "../../etc/passwd.JRC2", "/etc/passwd.JRC2", "..JRC2", "a/b.JRC2", "jansenrit..JRC2",
    "os.system", "~root.JRC2", "$HOME.JRC2",
])
def test_template_names_cannot_escape_the_search_path(name):
    with pytest.raises(TemplateError):
        csweep.load_template(name)


@pytest.mark.parametrize("base", ["../../etc/passwd", "/etc/passwd", "..x.Y", "a/../b.Y"])
def test_a_base_reference_cannot_escape_either(tmp_path, base):
    refused(tmp_path, f"A: {{base: '{base}'}}", "not a valid name part|unknown template")


def test_a_file_path_must_be_a_regular_file(tmp_path):
    with pytest.raises(TemplateError, match="does not exist"):
        load_template("/dev/zero.yaml:A")
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(TemplateError, match="does not exist"):
        load_template(f"{tmp_path / 'folder.yaml'}:A")


def test_the_bundled_templates_survive_the_safe_reader():
    for name in csweep.list_templates():
        assert load_template(name).name == name.rpartition(".")[2]
