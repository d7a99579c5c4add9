"""Fingerprints of what decides a sweep's numbers, beyond its arguments: the circuit (its template
files' content and the definition built from them) and the code of custom features.

A store keeps these in its call's fingerprint, so ``resume=True`` refuses to finish a sweep whose
model or features changed since it started (the store would otherwise hold two models).
"""

from __future__ import annotations

import dataclasses
import dis
import functools
import hashlib
import numbers
import os
import sys
import sysconfig
import types

import numpy as np


class UnfingerprintableError(TypeError):
    """A callable whose behaviour csweep cannot pin down from its code and values."""


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

def template_fingerprint(template, files) -> str:
    """sha256 of the content of every file the template was read from (sorted, without their
    paths: the same files elsewhere are the same model) and of the definition built from them
    (nodes, operators, equations, variables, edges; file paths left out). Different names of one
    template (``JRC2``, ``jansenrit.JRC2``) give the same fingerprint."""
    digest = hashlib.sha256()
    for content in sorted(_file_digest(path) for path in files):
        digest.update(content.encode())
    digest.update(repr(_definition(template)).encode())
    return digest.hexdigest()


def _file_digest(path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    """A template class's fields but ``file``."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.name != "file")


def _definition(value, seen: dict | None = None):
    """A template as nested plain data, without the ``file`` fields (paths differ by machine).
    ``seen``: the plain data of each template object already met in this walk, by identity (a
    connectome holds one column's definition many times: it is walked once)."""
    seen = {} if seen is None else seen
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if id(value) not in seen:
            # a template's built-in kind (what its class was named when stores were first
            # written); the object is kept beside its data, so that its id stays its own
            seen[id(value)] = (value, (
                getattr(type(value), "kind", type(value).__name__),
                tuple((name, _definition(getattr(value, name), seen))
                      for name in _field_names(type(value)))))
        return seen[id(value)][1]
    if isinstance(value, dict):
        return tuple((k, _definition(v, seen)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_definition(v, seen) for v in value)
    return value


# --------------------------------------------------------------------------------------------
# Callables
# --------------------------------------------------------------------------------------------

HOW_TO_NAME = ("give it a version: csweep.features.custom(func, signal, version='2') (a new "
               "version string whenever its behaviour changes), or make it a plain function "
               "whose values are numbers, strings, arrays, modules or other such functions")


def callable_fingerprint(func, where: str) -> str:
    """sha256 of a callable's code: bytecode, constants, names, default arguments, closure
    values and the module-level values it reads, recursively through nested code and the
    functions it calls. Raises :class:`UnfingerprintableError` (naming ``where``) for a callable
    whose behaviour depends on something else (an object's state, a C extension's callable
    object), since a resumed sweep could not tell whether it changed."""
    digest = hashlib.sha256()
    try:
        _feed(digest, func, set())
    except UnfingerprintableError as exc:
        raise UnfingerprintableError(f"{where}: csweep cannot fingerprint {exc} for a store, so a "
                                     f"resume could not tell whether it changed; {HOW_TO_NAME}"
                                     ) from None
    return digest.hexdigest()


def _feed(digest, value, seen: set) -> None:
    """Add ``value`` to ``digest`` as a tagged, unambiguous byte stream."""
    def put(tag: str, text: str = "") -> None:
        digest.update(f"{tag}:{len(text)}:{text};".encode())

    if value is None or isinstance(value, (bool, str, bytes)):
        put(type(value).__name__, repr(value))
    elif isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray):
        put(type(value).__name__, repr(value))
    elif isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise UnfingerprintableError("an object array")
        put("ndarray", f"{value.dtype.str}{value.shape}")
        digest.update(np.ascontiguousarray(value).view(np.uint8).data)
    elif isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        put(type(value).__name__, str(len(items)))
        for item in items:
            _feed(digest, item, seen)
    elif isinstance(value, dict):
        put("dict", str(len(value)))
        for key, item in value.items():
            _feed(digest, key, seen)
            _feed(digest, item, seen)
    elif isinstance(value, types.ModuleType):
        put("module", value.__name__)
    elif isinstance(value, types.CodeType):
        _feed_code(digest, value, seen)
    elif isinstance(value, (types.FunctionType, type)) and _installed(value):
        # an installed library's function or class (scipy.signal.welch): named, like a module
        put("named", f"{value.__module__}.{value.__qualname__}")
    elif isinstance(value, types.FunctionType):
        _feed_function(digest, value, seen)
    elif isinstance(value, type):
        _feed_class(digest, value, seen)
    elif isinstance(value, types.MethodType):
        put("method")
        _feed(digest, value.__func__, seen)
        _feed(digest, value.__self__, seen)
    elif isinstance(value, functools.partial):
        put("partial")
        for part in (value.func, value.args, value.keywords):
            _feed(digest, part, seen)
    elif isinstance(value, (types.BuiltinFunctionType, np.ufunc)) or (
            callable(value) and getattr(value, "__module__", "").split(".")[0] == "numpy"
            and hasattr(value, "__qualname__")):
        # a library's function (len, np.mean, np.exp): its name; its code is the library's
        put("named", f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}")
    else:
        raise UnfingerprintableError(f"{type(value).__name__} {_short(value)}")


def _feed_function(digest, func: types.FunctionType, seen: set) -> None:
    put_name = f"{func.__module__}.{func.__qualname__}"
    if id(func) in seen:            # recursion: name it, its code is already in
        digest.update(f"function-again:{put_name};".encode())
        return
    seen.add(id(func))
    digest.update(f"function:{put_name};".encode())
    _feed_code(digest, func.__code__, seen)
    _feed(digest, func.__defaults__, seen)
    _feed(digest, func.__kwdefaults__, seen)
    cells = func.__closure__ or ()
    try:
        closure = [cell.cell_contents for cell in cells]
    except ValueError:   # an empty cell: a name assigned after the function was made
        raise UnfingerprintableError(f"function {func.__qualname__} (an unset closure "
                                     "variable)") from None
    _feed(digest, closure, seen)
    # the module-level values its code reads (constants, helper functions, modules), and what
    # it reads from a module of the user's (helpers.K, helpers.f, helpers.sub.K)
    namespace = func.__globals__
    chains = _attribute_chains(func.__code__)
    for name in sorted(_global_names(func.__code__)):
        if name in namespace:
            _feed(digest, name, seen)
            try:
                _feed(digest, namespace[name], seen)
                if isinstance(namespace[name], types.ModuleType):
                    _feed_module_reads(digest, namespace[name], sorted(chains.get(name, ())),
                                       seen)
            except UnfingerprintableError as exc:
                raise UnfingerprintableError(f"{exc} (the global {name!r} that "
                                             f"{func.__qualname__} reads)") from None
    # what it imports itself (``import helpers`` in its body, for Dask workers) and reads
    for local, (value, local_chains) in sorted(_local_imports(func.__code__).items()):
        _feed(digest, f"import:{local}", seen)
        try:
            _feed(digest, value, seen)
            if isinstance(value, types.ModuleType):
                _feed_module_reads(digest, value, sorted(local_chains), seen)
        except UnfingerprintableError as exc:
            raise UnfingerprintableError(f"{exc} ({local!r}, which {func.__qualname__} "
                                         "imports)") from None


def _feed_module_reads(digest, module: types.ModuleType, chains, seen: set) -> None:
    """The values a function reads through a module of the user's (``helpers.K``): each
    attribute chain followed through the user's modules, to the value it ends on (a number,
    an array, a function, whose code is followed in turn). An installed library's module
    (``np.pi``) is named only: its values change with its version."""
    for chain in chains:
        value = module
        for depth, attribute in enumerate(chain):
            if not isinstance(value, types.ModuleType) or _installed_module(value):
                break
            if attribute not in vars(value):
                digest.update(f"missing:{'.'.join(chain[:depth + 1])};".encode())
                break
            value = vars(value)[attribute]
            digest.update(f"reads:{'.'.join(chain[:depth + 1])};".encode())
            if not isinstance(value, types.ModuleType):
                _feed(digest, value, seen)


def _installed_module(module: types.ModuleType) -> bool:
    path = getattr(module, "__file__", None)
    if path is None:
        return module.__name__ in sys.builtin_module_names
    path = os.path.realpath(path)
    return any(path.startswith(root + os.sep) for root in _library_roots())


_STORES = ("STORE_FAST", "STORE_DEREF", "STORE_NAME", "STORE_GLOBAL")


def _local_imports(code: types.CodeType) -> dict[str, tuple[object, set[tuple[str, ...]]]]:
    """Local name -> (what an ``import`` in the code binds it to, as ``sys.modules`` holds it
    now; the attribute chains the code reads from it). A module not imported yet is named by a
    string (its values cannot be read before the function runs)."""
    instructions = list(dis.get_instructions(code))
    bound: dict[str, tuple[object, set[tuple[str, ...]]]] = {}
    for i, instruction in enumerate(instructions):
        if instruction.opname != "IMPORT_NAME":
            continue
        fromlist = instructions[i - 1].argval if i else None
        module_name = instruction.argval if fromlist else instruction.argval.split(".")[0]
        base: object = sys.modules.get(module_name, f"unimported module {module_name}")
        j = i + 1
        if j < len(instructions) and instructions[j].opname in _STORES:
            bound[instructions[j].argval] = (base, set())
        while j + 1 < len(instructions) and instructions[j].opname == "IMPORT_FROM" \
                and instructions[j + 1].opname in _STORES:
            value = getattr(base, instructions[j].argval, f"missing {instructions[j].argval}")
            bound[instructions[j + 1].argval] = (value, set())
            j += 2
    name, chain = None, []
    for instruction in [*instructions, None]:
        if instruction is not None and name is not None and instruction.opname in (
                "LOAD_ATTR", "LOAD_METHOD"):
            chain.append(instruction.argval)
            continue
        if name is not None and chain:
            bound[name][1].add(tuple(chain))
        name, chain = None, []
        if instruction is not None and instruction.opname in ("LOAD_FAST", "LOAD_DEREF") \
                and instruction.argval in bound:
            name = instruction.argval
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            for local, (value, chains) in _local_imports(const).items():
                bound.setdefault(local, (value, set()))[1].update(chains)
    return bound


def _attribute_chains(code: types.CodeType) -> dict[str, set[tuple[str, ...]]]:
    """Global name -> the attribute chains the code (and its nested code) reads from it:
    ``helpers.sub.K`` is ``{"helpers": {("sub", "K")}}``."""
    chains: dict[str, set[tuple[str, ...]]] = {}
    name, chain = None, []
    for instruction in [*dis.get_instructions(code), None]:
        if instruction is not None and name is not None and instruction.opname in (
                "LOAD_ATTR", "LOAD_METHOD"):
            chain.append(instruction.argval)
            continue
        if name is not None and chain:
            chains.setdefault(name, set()).add(tuple(chain))
        name, chain = None, []
        if instruction is not None and instruction.opname == "LOAD_GLOBAL":
            name = instruction.argval
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            for key, found in _attribute_chains(const).items():
                chains.setdefault(key, set()).update(found)
    return chains


def _feed_class(digest, cls: type, seen: set) -> None:
    """A class of the user's: its name, bases and the functions and values it defines."""
    if id(cls) in seen:
        digest.update(f"class-again:{cls.__qualname__};".encode())
        return
    seen.add(id(cls))
    digest.update(f"class:{cls.__module__}.{cls.__qualname__};".encode())
    _feed(digest, [base for base in cls.__bases__ if base is not object], seen)
    for name, member in sorted(vars(cls).items()):
        if name in ("__dict__", "__weakref__", "__module__", "__qualname__", "__doc__"):
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        elif isinstance(member, property):
            member = (member.fget, member.fset, member.fdel)
        _feed(digest, name, seen)
        _feed(digest, member, seen)


def _installed(value) -> bool:
    """Whether ``value`` comes from the standard library or an installed package (whose code
    changes only with its version), rather than from the user's own files."""
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    if module is None:
        return False
    if path is None:     # built into the interpreter, or a script's or notebook's __main__
        return module.__name__ in sys.builtin_module_names
    path = os.path.realpath(path)
    return any(path.startswith(root + os.sep) for root in _library_roots())


@functools.cache
def _library_roots() -> tuple[str, ...]:
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple({os.path.realpath(sysconfig.get_paths()[n]) for n in names})


def _feed_code(digest, code: types.CodeType, seen: set) -> None:
    digest.update(f"code:{code.co_name}:{code.co_argcount}:{code.co_kwonlyargcount};".encode())
    digest.update(code.co_code)
    _feed(digest, code.co_names, seen)
    _feed(digest, code.co_varnames, seen)
    _feed(digest, code.co_freevars, seen)
    for const in code.co_consts:       # nested functions' code is a constant: recursed into
        _feed(digest, const, seen)


def _global_names(code: types.CodeType) -> set[str]:
    """The global names the code (and its nested code) reads: not every name in ``co_names``,
    which also holds attribute and imported names (``v.max``, ``import helpers``)."""
    names = {instruction.argval for instruction in dis.get_instructions(code)
             if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
