"""The package's structural rules that a linter does not hold: no function body over 80 lines,
no private name imported from another csweep module, nothing public in ``csweep`` but ``__all__``.

The import rules (stages, no cycles) are import-linter's contracts in pyproject.toml (CI runs
``lint-imports``); these tests parse every module of the package, so a long function or a private
import fails here before review.
"""

import ast
import subprocess
import sys
import types
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "csweep"
MAX_BODY_LINES = 80


def body_lines(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = func.body
    if (len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]
    return body[-1].end_lineno - body[0].lineno + 1


def long_functions(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = body_lines(node)
            if lines > MAX_BODY_LINES:
                found.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    return found


def test_the_measure_counts_the_body_without_its_docstring():
    statements = "\n".join(f"    x{i} = {i}" for i in range(MAX_BODY_LINES + 1))
    long_one = f'def f():\n    """A docstring\n    of two lines."""\n{statements}\n'
    assert long_functions(long_one, "long.py") == [f"long.py:1 f: {MAX_BODY_LINES + 1} lines"]
    short = long_one.replace(f"    x{MAX_BODY_LINES} = {MAX_BODY_LINES}\n", "")
    assert long_functions(short, "short.py") == []


def test_no_function_body_over_80_lines():
    modules = sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.relative_to(PACKAGE).parts)
    assert len(modules) > 30  # the walk found the package, stage folders included
    found = [hit for path in modules
             for hit in long_functions(path.read_text(), str(path.relative_to(PACKAGE.parent)))]
    assert found == []


def private_imports(source: str, path: Path, package: Path = PACKAGE) -> list[str]:
    """Each ``from .x import _y`` (or ``from csweep.x import _y``) in the module at ``path``: a
    private name of another csweep module. A private module (``from .. import _integrate``, a
    compiled module, or ``from ._x import y``) is no private name; dunders are not private."""
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    here = parts[:-1]                       # the module's package (an __init__'s: itself)
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module.split(".") if node.module else []
        if node.level:
            target = here[:len(here) - node.level + 1] + module
        elif module[:1] == [package.name]:
            target = module
        else:
            continue                        # another package's names
        for alias in node.names:
            name = alias.name
            if not name.startswith("_") or name.startswith("__"):
                continue
            where = package.parent.joinpath(*target, name)
            if where.is_dir() or any(where.with_suffix(s).exists() for s in (".py", ".pyx")):
                continue                    # a private module, imported whole
            found.append(f"{'/'.join(parts)}.py:{node.lineno} imports {name} from "
                         f"{'.'.join(target)}")
    return found


def test_the_private_import_check_finds_one(tmp_path):
    package = tmp_path / "csweep"
    (package / "stage").mkdir(parents=True)
    (package / "_compiled.pyx").write_text("")
    module = package / "stage" / "user.py"
    source = ("from .other import _hidden, shown\n"
              "from .. import _compiled\n"
              "from csweep.stage.other import _also\n"
              "from ._private_module import public\n"
              "from numpy import _private_of_numpy\n"
              "def lazily():\n    from ..x import _inside\n")
    assert private_imports(source, module, package) == [
        "csweep/stage/user.py:1 imports _hidden from csweep.stage.other",
        "csweep/stage/user.py:3 imports _also from csweep.stage.other",
        "csweep/stage/user.py:7 imports _inside from csweep.x"]


def test_no_private_name_is_imported_from_another_csweep_module():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30
    found = [hit for path in modules for hit in private_imports(path.read_text(), path)]
    assert found == []


def test_the_public_modules_are_their_stage_modules_under_the_documented_names():
    import importlib

    import csweep
    for public, stage in (("csweep.features", "csweep.analysis.features"),
                          ("csweep.plot", "csweep.analysis.plot"),
                          ("csweep.store", "csweep.engine.store"),
                          ("csweep.pyrates_keywords", "csweep.engine.pyrates_keywords")):
        face, module = importlib.import_module(public), importlib.import_module(stage)
        assert face.__all__ == module.__all__ and face.__doc__ == module.__doc__
        for name in module.__all__:
            assert getattr(face, name) is getattr(module, name), f"{public}.{name}"
    # `from csweep import features as F` gives the public module, as `import csweep.features` does
    # (from "/": in the checkout, `python -c` would import the uncompiled source tree first)
    shown = subprocess.run([sys.executable, "-c", "import csweep; print(csweep.features.__name__)"],
                           capture_output=True, text=True, check=True, cwd="/").stdout.strip()
    assert shown == "csweep.features"
    assert [name for name in csweep.__all__ if not hasattr(csweep, name)] == []
    # nothing public but __all__ and the package's modules (no leak of what __init__ imports for
    # itself, such as importlib.metadata's version)
    leaked = [name for name in vars(csweep) if not name.startswith("_")
              and name not in csweep.__all__ and not isinstance(getattr(csweep, name), types.ModuleType)]
    assert leaked == []
