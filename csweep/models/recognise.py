"""Which model a circuit template is: the JRC2 column (:mod:`.jrc2_column`) or a network of nodes
(:mod:`.network`), compiled once per template file and cached while the files' content stays unchanged.

It sits above the model modules, which all build on :mod:`.base`, so none of them imports another.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace

from ..circuits.fingerprint import template_fingerprint
from ..circuits.template_reader import CircuitDefinition, TemplateError, load_template_and_files
from .base import CompiledModel
from .jrc2_column import compile_lumped
from .network import compile_network

_MODEL_CACHE: dict[tuple, tuple[tuple, CompiledModel]] = {}


def compiled_model(circuit_template) -> CompiledModel:
    """The compiled model of a template name, cached until the content of one of the files it
    was read from changes (so repeated sweeps skip parsing and recognition); templates passed as objects are
    compiled each time."""
    if not isinstance(circuit_template, (str, os.PathLike)):
        return _with_source(*load_template_and_files(circuit_template))
    key = (os.fspath(circuit_template), os.getcwd())
    cached = _MODEL_CACHE.get(key)
    if cached is not None and cached[0] == _stamps(f for f, _ in cached[0]):
        return cached[1]
    template, files = load_template_and_files(circuit_template)
    model = _with_source(template, files)
    _MODEL_CACHE[key] = (_stamps(sorted(files)), model)
    return model


def _with_source(template, files) -> CompiledModel:
    return replace(compile_circuit(template), source=template_fingerprint(template, files))


def _stamps(files) -> tuple:
    """Each file's path and the sha256 of its content: an edit is seen even when it keeps the
    file's size and modification time."""
    stamps = []
    for path in files:
        try:
            with open(path, "rb") as handle:
                stamps.append((path, hashlib.file_digest(handle, "sha256").hexdigest()))
        except OSError:
            return ()
    return tuple(stamps)


def compile_circuit(circuit: CircuitDefinition) -> CompiledModel:
    """Recognise a circuit template as a model csweep can integrate, or say why it is not one."""
    if not isinstance(circuit, CircuitDefinition):
        raise TemplateError(f"circuit_template must name a circuit template; {circuit.name!r} in "
                            f"{circuit.file} is a {circuit.kind}")
    model = compile_lumped(circuit)
    if model is not None:
        return model
    if not circuit.node_paths():
        raise TemplateError(f"{circuit.file}: template {circuit.name!r} has no nodes")
    return compile_network(circuit)
