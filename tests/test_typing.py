"""The public API is typed: every public function annotates its arguments and its result, and
the package ships py.typed so that type checkers read those annotations (mypy runs in CI)."""

import importlib
import inspect
from importlib import resources

import pytest

PUBLIC_MODULES = ["csweep", "csweep.features", "csweep.noise", "csweep.plot"]


def _public_functions():
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for attr in names:
            obj = getattr(module, attr)
            if not getattr(obj, "__module__", "").startswith("csweep"):
                continue      # imported from numpy, pandas, ...
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if member.startswith("_"):
                        continue
                    if isinstance(value, property):
                        value = value.fget
                    if inspect.isfunction(value):
                        yield f"{name}.{attr}.{member}", value


FUNCTIONS = dict(_public_functions())


def test_the_public_api_is_found():
    for name in ("csweep.grid_search", "csweep.load_template", "csweep.features.dominant_frequency",
                 "csweep.noise.uniform", "csweep.plot.feature_map", "csweep.SweepResult.results"):
        assert name in FUNCTIONS


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_public_function_is_annotated(name):
    signature = inspect.signature(FUNCTIONS[name])
    bare = [p.name for p in signature.parameters.values()
            if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")]
    assert not bare, f"{name}: arguments without annotations: {bare}"
    assert signature.return_annotation is not inspect.Signature.empty, f"{name}: no return type"


def test_py_typed_is_shipped():
    assert resources.files("csweep").joinpath("py.typed").is_file()
