"""Finding and reading model templates written in PyRates' YAML format.

A template file maps template names to definitions. Each definition has a ``base``: one of the
built-in kinds (``OperatorTemplate``, ``NodeTemplate``, ``CircuitTemplate``, ``EdgeTemplate``) or
another template it inherits from, named bare (same file) or by a dotted path (``pkg.file.NAME``,
read from ``pkg/file.yaml``). Files are read with ``yaml.safe_load`` only, and nothing a template
says is imported or executed.

Name resolution, in order:

- ``"model_templates.neural_mass_models.jansenrit.JRC2"`` and
  ``"model_templates.base_templates.alpha_op"`` (PyRates' names of the templates csweep has its
  own equivalents of): csweep's bundled ``templates/jansenrit.yaml`` and
  ``templates/base_templates.yaml``, always (PyRates' own copies may be on ``sys.path``; csweep
  never reads them for these names).
- ``"pkg.file.NAME"``: ``pkg/file.yaml`` in the working directory, then on ``sys.path``, then among
  the bundled files (so ``"jansenrit.JRC2"`` is the bundled one unless a ``jansenrit.yaml`` of
  yours is found first).
- ``"JRC2"``: a template of that name in the bundled files.
- ``"path/to/models.yaml:NAME"`` or ``("path/to/models.yaml", "NAME")``: a file of the user's.

Inheritance follows PyRates: an operator's ``equations: {replace: ...}`` edits its parent's
equations (a term is replaced where operators, brackets or spaces surround it), and the
variables no equation then uses are dropped; a node's ``operators`` list (or PyRates'
``{operator: {variable: value}}``) names its operators anew; a circuit's ``nodes`` and
``circuits`` update its parent's and its ``edges`` add to them.

Inside a file, a dotted name is first looked up relative to that file: in its folder, then in
the package the file sits in (a file under ``.../model_templates/`` naming
``model_templates.base_templates.X`` reads that package's ``base_templates.yaml``, so PyRates'
own files load from where they are), and only then as above.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import ClassVar

import yaml

from .equations import EquationError, parse_equation

BUILTIN_KINDS = ("OperatorTemplate", "NodeTemplate", "CircuitTemplate", "EdgeTemplate")
PYRATES_PREFIX = ("model_templates", "neural_mass_models")
MAX_FILE_BYTES = 2_000_000
MAX_INHERITANCE_DEPTH = 50
#: deepest nesting of YAML collections read (PyRates' templates nest 5 levels)
MAX_YAML_DEPTH = 32
#: most YAML values a file may expand to once its aliases are followed ("billion laughs")
MAX_YAML_NODES = 200_000
_NAME = re.compile(r"^[A-Za-z_][\w-]*$")
_VARIABLE = re.compile(r"^\s*(input|output|variable|state_var)\s*(?:\(\s*(.*?)\s*\))?\s*$")


class TemplateError(ValueError):
    """A template that cannot be found or read; the message names file, template and key."""


class TemplateWarning(UserWarning):
    """A template that reads, but probably not as meant (a ``replace:`` that matches nothing)."""


@dataclass(frozen=True)
class Variable:
    """One operator variable: ``kind`` is ``input``, ``output``, ``variable`` or ``constant``."""

    kind: str
    default: float


@dataclass(frozen=True)
class OperatorDefinition:
    """An operator as its template file defines it (equations and variables, inherited
    values resolved)."""

    #: the built-in kind (a definition's ``base``) this is read from
    kind: ClassVar[str] = "OperatorTemplate"
    name: str
    file: str
    equations: tuple[str, ...]
    variables: dict[str, Variable]
    description: str = ""

    def describe(self) -> str:
        """A readable listing of the equations and variables with their defaults."""
        return "\n".join([f"{self.name} ({self.file})", *(f"  {eq}" for eq in self.equations),
                          *_variable_lines(self, "  ")])


def _variable_lines(op: OperatorDefinition, indent: str) -> list[str]:
    return [f"{indent}{name:<10} {var.kind:<9} {var.default:g}" for name, var in op.variables.items()]


@dataclass(frozen=True)
class NodeDefinition:
    """A node as its template file defines it: its operators."""

    #: the built-in kind (a definition's ``base``) this is read from
    kind: ClassVar[str] = "NodeTemplate"
    name: str
    file: str
    operators: dict[str, OperatorDefinition]
    description: str = ""

    def describe(self) -> str:
        """A readable listing of the operators, variables and defaults."""
        lines = [f"{self.name} ({self.file})"]
        for op_name, op in self.operators.items():
            lines += [f"  operator {op_name}", *_variable_lines(op, "    ")]
        return "\n".join(lines)


@dataclass(frozen=True)
class EdgeSpec:
    """One circuit edge as written: ``[source, target, template, {weight, delay, spread}]``."""

    source: str
    target: str
    template: str | None
    weight: float = 1.0
    delay: float | None = None
    spread: float | None = None


@dataclass(frozen=True)
class CircuitDefinition:
    """A circuit as its template file defines it: nodes, sub-circuits and edges (the
    public ``csweep.CircuitTemplate`` builds on it)."""

    #: the built-in kind (a definition's ``base``) this is read from
    kind: ClassVar[str] = "CircuitTemplate"
    name: str
    file: str
    nodes: dict[str, NodeDefinition] = field(default_factory=dict)
    circuits: dict[str, CircuitDefinition] = field(default_factory=dict)
    edges: tuple[EdgeSpec, ...] = ()
    description: str = ""

    def node_paths(self) -> dict[str, NodeDefinition]:
        """Every node of the circuit and its sub-circuits, keyed by its path (``jrc1/pc``)."""
        paths = dict(self.nodes)
        for circuit_name, circuit in self.circuits.items():
            for path, node in circuit.node_paths().items():
                paths[f"{circuit_name}/{path}"] = node
        return paths

    def describe(self) -> str:
        """A readable listing of nodes, operators and variables with their defaults."""
        lines = [f"{self.name} ({self.file})"]
        for path, node in self.node_paths().items():
            lines.append(f"  node {path}")
            for op_name, op in node.operators.items():
                lines += [f"    operator {op_name}", *_variable_lines(op, "      ")]
        for edge in self.all_edges():
            extras = "".join(f", {k}={getattr(edge, k):g}" for k in ("delay", "spread")
                             if getattr(edge, k) is not None)
            lines.append(f"  edge {edge.source} -> {edge.target} (weight={edge.weight:g}{extras})")
        return "\n".join(lines)

    def all_edges(self) -> list[EdgeSpec]:
        """The edges of this circuit and, with their paths prefixed, of its sub-circuits."""
        edges = []
        for circuit_name, circuit in self.circuits.items():
            for edge in circuit.all_edges():
                edges.append(EdgeSpec(f"{circuit_name}/{edge.source}", f"{circuit_name}/{edge.target}",
                                      edge.template, edge.weight, edge.delay, edge.spread))
        return edges + list(self.edges)


Template = OperatorDefinition | NodeDefinition | CircuitDefinition


# --------------------------------------------------------------------------------------------
# Locating files
# --------------------------------------------------------------------------------------------

def _bundled_dir() -> Path:
    return Path(str(resources.files("csweep.templates")))


def list_templates() -> list[str]:
    """The circuit templates csweep ships, as the short names ``grid_search`` accepts."""
    names = []
    for path in sorted(_bundled_dir().glob("*.yaml")):
        for name in _read_file(path):
            if isinstance(_Builder().build(path, name), CircuitDefinition):
                names.append(f"{path.stem}.{name}")
    return names


def _search_roots() -> list[Path]:
    roots = [Path.cwd()]
    roots += [Path(p) for p in sys.path if p and os.path.isdir(p)]
    return roots


def _check_name_parts(parts: list[str], full: str) -> None:
    for part in parts:
        if not _NAME.match(part):
            raise TemplateError(f"circuit_template {full!r}: {part!r} is not a valid name part "
                                "(letters, digits, '_' and '-'; no '..', '/' or absolute paths; "
                                "a file of yours is named 'path/to/models.yaml:NAME' or, as in "
                                "PyRates, 'path/to/models/NAME')")


def _locate(dotted: str) -> tuple[Path, str]:
    """A dotted template name -> (file, template name)."""
    parts = dotted.split(".")
    _check_name_parts(parts, dotted)
    if len(parts) == 1:
        for path in sorted(_bundled_dir().glob("*.yaml")):
            if parts[0] in _read_file(path):
                return path, parts[0]
        raise TemplateError(f"unknown template {dotted!r}: no bundled template has that name; "
                            f"bundled circuits: {', '.join(list_templates())}")
    *module, name = parts
    # PyRates' names of the templates csweep ships are always csweep's own templates, whether
    # or not PyRates (whose model_templates package sits on sys.path) is installed
    bundled = _bundled_equivalent(module)
    if bundled is not None:
        return bundled, name
    relative = Path(*module).with_suffix(".yaml")
    for root in _search_roots():
        candidate = root / relative
        if candidate.is_file():
            return candidate, name
    candidate = _bundled_dir() / relative
    if candidate.is_file():
        return candidate, name
    raise TemplateError(f"unknown template {dotted!r}: no file {relative} in the working directory, "
                        f"on sys.path or among csweep's bundled templates "
                        f"({', '.join(list_templates())})")


def _bundled_equivalent(module: list[str]) -> Path | None:
    """csweep's own file standing for one of PyRates' template modules
    (``model_templates.neural_mass_models.jansenrit``, ``model_templates.base_templates``)."""
    if tuple(module[:2]) == PYRATES_PREFIX:
        rest = module[2:]
    elif module[:1] == [PYRATES_PREFIX[0]]:
        rest = module[1:]
    else:
        return None
    if not rest:
        return None
    candidate = _bundled_dir() / Path(*rest).with_suffix(".yaml")
    return candidate if candidate.is_file() else None


def _read_file(path: Path) -> dict:
    return _read_file_cached(str(Path(path).resolve()))


#: parsed files by the sha256 of their bytes: an edit is seen whatever it keeps (size, mtime)
_FILE_CACHE: dict[str, dict] = {}


def _read_file_cached(path: str) -> dict:
    stat = os.stat(path)
    if stat.st_size > MAX_FILE_BYTES:
        raise TemplateError(f"{path}: {stat.st_size} bytes; template files of at most "
                            f"{MAX_FILE_BYTES} bytes are read")
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)      # bounded: a file may grow, or lie
    if len(data) > MAX_FILE_BYTES:
        raise TemplateError(f"{path}: longer than {MAX_FILE_BYTES} bytes; template files "
                            f"of at most {MAX_FILE_BYTES} bytes are read")
    key = hashlib.sha256(data).hexdigest()
    if key not in _FILE_CACHE:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
        try:
            content = safe_yaml(text, path)
        except yaml.YAMLError as exc:
            raise TemplateError(f"{path}: not valid YAML: {exc}") from None
        if content is None:
            content = {}
        if not isinstance(content, dict):
            raise TemplateError(f"{path}: expected a mapping of template names to definitions; "
                                f"received {type(content).__name__}")
        _FILE_CACHE[key] = content
    return _FILE_CACHE[key]


def safe_yaml(text: str, path) -> object:
    """``yaml.safe_load`` (plain data only: no tag constructs a Python object), after checking,
    without recursion, that the document nests at most ``MAX_YAML_DEPTH`` deep, and, once built
    as a graph, that following its aliases gives at most ``MAX_YAML_NODES`` values."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise TemplateError(f"{path}: YAML nested more than {MAX_YAML_DEPTH} levels deep; "
                                    "templates are a few levels deep")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_expansion(root, path)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _check_expansion(root, path) -> None:
    """Refuse a YAML graph that aliases expand to more than MAX_YAML_NODES values, or a cycle."""
    size: dict[int, int] = {}
    stack = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            if size[key] > MAX_YAML_NODES:
                raise TemplateError(f"{path}: its aliases expand to more than {MAX_YAML_NODES} "
                                    "values; refused (an alias bomb?)")
            continue
        if key in size:
            continue
        if key in on_path:
            raise TemplateError(f"{path}: a YAML alias refers to a value that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


# --------------------------------------------------------------------------------------------
# Building templates, resolving inheritance
# --------------------------------------------------------------------------------------------

def load_template(name: str | os.PathLike[str] | Template,
                  template: str | None = None) -> Template:
    """Load a template by PyRates name (``"model_templates.neural_mass_models.jansenrit.JRC2"``),
    short name (``"jansenrit.JRC2"``, ``"JRC2"``), ``"file.yaml:NAME"``, or file path and name.

    The result is inspectable: ``print(load_template("JRC").describe())`` lists its nodes,
    operators, variables and defaults, which is what a ``param_map`` may name.
    """
    return load_template_and_files(name, template)[0]


def load_template_and_files(name: str | os.PathLike[str] | Template, template: str | None = None
                            ) -> tuple[Template, frozenset[str]]:
    """:func:`load_template`, and the files it read (to tell when a cached result is stale)."""
    if isinstance(name, (OperatorDefinition, NodeDefinition, CircuitDefinition)):
        return name, frozenset()
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str):
        raise TypeError(f"circuit_template must be a template name (str), a path, or a loaded "
                        f"template; received {type(name).__name__}")
    if template is None and ":" in name and name.rsplit(":", 1)[0].endswith((".yaml", ".yml")):
        name, template = name.rsplit(":", 1)
    if template is None and ("/" in name or "\\" in name):
        name, template = _pyrates_file_form(name)
    if template is not None:
        path = Path(name)
        if not path.is_file():
            raise TemplateError(f"circuit_template: template file {name!r} does not exist")
        path, template_name = path.resolve(), template
    else:
        path, template_name = _locate(name)
    builder = _Builder()
    return builder.build(path, template_name), frozenset(builder.files)


def _pyrates_file_form(name: str) -> tuple[str, str | None]:
    """PyRates' way of naming a template in a file of the user's: ``"path/to/models/NAME"`` is
    template NAME in ``path/to/models.yaml`` (or ``.yml``)."""
    stem, _, template = name.replace("\\", "/").rpartition("/")
    for suffix in (".yaml", ".yml"):
        if stem and template and Path(stem + suffix).is_file():
            return stem + suffix, template
    return name, None   # not a file: read as a dotted name, and refused as one


class _Builder:
    """Builds templates from file definitions, following ``base`` through files."""

    def __init__(self):
        self._stack: list[tuple[str, str]] = []
        self.files: set[str] = set()

    def build(self, path: Path, name: str) -> Template:
        definitions = _read_file(path)
        self.files.add(str(Path(path).resolve()))
        if name not in definitions:
            raise TemplateError(f"{path}: no template {name!r}; it defines "
                                f"{', '.join(map(str, definitions)) or 'nothing'}")
        key = (str(path), name)
        if key in self._stack:
            chain = " -> ".join(n for _, n in self._stack + [key])
            raise TemplateError(f"{path}: template {name!r}: cycle in 'base' inheritance ({chain})")
        if len(self._stack) > MAX_INHERITANCE_DEPTH:
            raise TemplateError(f"{path}: template {name!r}: inheritance deeper than "
                                f"{MAX_INHERITANCE_DEPTH} levels")
        self._stack.append(key)
        try:
            return self._build(path, name, definitions[name])
        finally:
            self._stack.pop()

    def _resolve_reference(self, path: Path, reference, where: str) -> tuple[Path, str]:
        """A template named inside a file: bare (same file) or dotted (another file)."""
        if not isinstance(reference, str):
            raise TemplateError(f"{where}: expected a template name; received {reference!r}")
        try:
            if "." not in reference:
                _check_name_parts([reference], reference)
                return path, reference
            return _locate_near(path, reference)
        except TemplateError as exc:
            raise TemplateError(f"{where}: {exc}") from None

    def _build(self, path: Path, name: str, definition) -> Template:
        where = f"{path}: template {name!r}"
        if not isinstance(definition, dict):
            raise TemplateError(f"{where}: expected a mapping with 'base'; received "
                                f"{type(definition).__name__}")
        base = definition.get("base")
        if base is None:
            raise TemplateError(f"{where}: missing key 'base' (one of {', '.join(BUILTIN_KINDS)} "
                                "or a template to inherit from)")
        parent = None
        if base in BUILTIN_KINDS:
            kind = base
        else:
            parent = self.build(*self._resolve_reference(path, base, f"{where}, key 'base'"))
            kind = parent.kind
        unknown = set(definition) - _KEYS[kind]
        if unknown:
            raise TemplateError(f"{where}: unknown key(s) {', '.join(map(repr, sorted(unknown)))} "
                                f"for a {kind}; expected some of {', '.join(sorted(_KEYS[kind]))}")
        description = str(definition.get("description", getattr(parent, "description", "")))
        if kind == "OperatorTemplate":
            return self._operator(path, name, definition, parent, description)
        if kind == "NodeTemplate":
            return self._node(path, name, definition, parent, description)
        if kind == "CircuitTemplate":
            return self._circuit(path, name, definition, parent, description)
        raise TemplateError(f"{where}: edge templates (base EdgeTemplate) are not supported; "
                            "write edges as [source, target, null, {weight, delay, spread}]")

    def _operator(self, path, name, definition, parent, description) -> OperatorDefinition:
        where = f"{path}: template {name!r}"
        equations = list(parent.equations) if parent else []
        given = definition.get("equations")
        if isinstance(given, (list, str)):
            equations = [given] if isinstance(given, str) else list(given)
        elif isinstance(given, dict):
            if parent is None:
                raise TemplateError(f"{where}, key 'equations': 'replace', 'add' and 'remove' need "
                                    "a parent template to act on")
            equations = _edit_equations(equations, given, f"{where}, key 'equations'")
        elif given is not None:
            raise TemplateError(f"{where}, key 'equations': expected a list of strings or a mapping "
                                f"of edits ({', '.join(_EDITS)}); received {type(given).__name__}")
        parsed = []
        for text in equations:
            try:
                parsed.append(parse_equation(text))
            except EquationError as exc:
                raise TemplateError(f"{where}, key 'equations': {exc}") from None
        variables = dict(parent.variables) if parent else {}
        given_vars = definition.get("variables") or {}
        if not isinstance(given_vars, dict):
            raise TemplateError(f"{where}, key 'variables': expected a mapping of names to "
                                f"definitions; received {type(given_vars).__name__}")
        for var_name, spec in given_vars.items():
            variables[str(var_name)] = _parse_variable(spec, f"{where}, variable {var_name!r}")
        return OperatorDefinition(name, str(path), tuple(equations),
                                _used_variables(variables, parsed), description)

    def _node(self, path, name, definition, parent, description) -> NodeDefinition:
        where = f"{path}: template {name!r}, key 'operators'"
        operators = dict(parent.operators) if parent else {}
        given = definition.get("operators")
        if given is not None:
            if isinstance(given, str):   # PyRates: one operator
                given = [given]
            if isinstance(given, list):  # a list names the operators anew
                items, operators = [(None, ref, None) for ref in given], {}
            elif isinstance(given, dict):
                if all(isinstance(ref, str) for ref in given.values()):
                    # csweep's form, {name: operator}: adds to or renames the parent's
                    items = [(key, ref, None) for key, ref in given.items()]
                else:   # PyRates' form, {operator: {variable: value}}: the operators anew
                    items, operators = [(None, ref, values) for ref, values in given.items()], {}
            else:
                raise TemplateError(f"{where}: expected a list of operator templates; received "
                                    f"{type(given).__name__}")
            for key, ref, values in items:
                op = self.build(*self._resolve_reference(path, ref, where))
                if not isinstance(op, OperatorDefinition):
                    raise TemplateError(f"{where}: {ref!r} is a {op.kind}, not an operator")
                if values:
                    op = _with_defaults(op, values, f"{where}, {ref!r}")
                operators[str(key) if key is not None else op.name] = op
        return NodeDefinition(name, str(path), operators, description)

    def _circuit(self, path, name, definition, parent, description) -> CircuitDefinition:
        where = f"{path}: template {name!r}"
        members = {}
        for key, kind in (("nodes", NodeDefinition), ("circuits", CircuitDefinition)):
            found = dict(getattr(parent, key)) if parent else {}
            given = definition.get(key) or {}
            if not isinstance(given, dict):
                raise TemplateError(f"{where}, key {key!r}: expected a mapping of names to "
                                    f"templates; received {type(given).__name__}")
            for member, ref in given.items():
                _check_name_parts([str(member)], str(member))
                built = self.build(*self._resolve_reference(path, ref, f"{where}, {key} {member!r}"))
                if not isinstance(built, kind):
                    raise TemplateError(f"{where}, {key} {member!r}: {ref!r} is a "
                                        f"{built.kind}, not a {kind.kind}")
                found[str(member)] = built
            members[key] = found
        # as in PyRates, a circuit's edges add to those it inherits
        edges = (parent.edges if parent else ()) + tuple(
            _parse_edge(e, f"{where}, key 'edges'[{i}]")
            for i, e in enumerate(definition.get("edges") or []))
        return CircuitDefinition(name, str(path), members["nodes"], members["circuits"], edges,
                               description)


_KEYS = {
    "OperatorTemplate": {"base", "description", "equations", "variables"},
    "NodeTemplate": {"base", "description", "operators"},
    "CircuitTemplate": {"base", "description", "nodes", "circuits", "edges"},
    "EdgeTemplate": {"base", "description", "operators"},
}


def _locate_near(path: Path, dotted: str) -> tuple[Path, str]:
    """A dotted reference inside a file: relative to that file's folder first, then as usual."""
    *module, name = dotted.split(".")
    _check_name_parts(module + [name], dotted)
    for root in [path.parent, *[path.parents[i] for i in range(min(len(module), len(path.parents)))]]:
        candidate = root / Path(*module).with_suffix(".yaml")
        if candidate.is_file():
            return candidate, name
    # the package the file sits in: PyRates' model_templates/neural_mass_models/jansenrit.yaml
    # names model_templates.base_templates.alpha_op, found two folders up
    for folder in Path(path).resolve().parents:
        if folder.name == module[0]:
            candidate = folder.parent / Path(*module).with_suffix(".yaml")
            if candidate.is_file():
                return candidate, name
            break
    return _locate(dotted)


def _with_defaults(op: OperatorDefinition, values, where: str) -> OperatorDefinition:
    """``op`` with other default values, as a PyRates node's ``{operator: {variable: value}}``."""
    if not isinstance(values, dict):
        raise TemplateError(f"{where}: expected a mapping of variables to values; received "
                            f"{values!r}")
    variables = dict(op.variables)
    for name, value in values.items():
        if name not in variables:
            raise TemplateError(f"{where}: no variable {name!r}; it has {', '.join(variables)}")
        given = _parse_variable(value, f"{where}, variable {name!r}")
        # a bare number keeps the variable's kind (an input's value is its constant default)
        variables[name] = (Variable(variables[name].kind, given.default)
                           if given.kind == "constant" else given)
    return OperatorDefinition(op.name, op.file, op.equations, variables, op.description)


def _used_variables(variables: dict[str, Variable], equations) -> dict[str, Variable]:
    """The variables the equations read or define. As in PyRates, the others are ignored: after
    ``replace:`` an inherited input may no longer appear (``r_in`` of PyRates' ``alpha_op`` in
    ``rpo_e``, ``r`` of ``sigmoid_op`` in ``pro``), and it cannot change a result."""
    used = set()
    for eq in equations:
        used |= eq.names() | {eq.target}
    return {name: var for name, var in variables.items() if name in used}


#: characters that may stand next to a term that ``replace:`` replaces, as PyRates decides it
#: (operators, brackets, '.', ',', ':' and a space); a letter, digit, '_' or the "'" of
#: ``x' = ...`` next to it means it is part of something else
_TERM_NEIGHBOURS = re.escape("-+=*/^<>!.%@[]():, ")


def _term_pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<![^{_TERM_NEIGHBOURS}]){re.escape(term)}(?![^{_TERM_NEIGHBOURS}])")


#: PyRates' edits of inherited equations, in the order it applies them
_EDITS = ("replace", "remove", "append", "prepend", "add")


def _edit_equations(equations: list[str], edits: dict, where: str) -> list[str]:
    """PyRates' ``equations: {replace: {old: new}, remove: [...], append: text, prepend: text,
    add: [...]}`` applied to the parent's equations. ``remove`` takes a term out of every
    equation, as in PyRates, or, when it is a whole equation of the parent, that equation."""
    unknown = set(edits) - set(_EDITS)
    if unknown:
        raise TemplateError(f"{where}: unknown key(s) {', '.join(map(repr, sorted(unknown)))}; "
                            f"expected some of {', '.join(map(repr, _EDITS))}")
    replace = edits.get("replace") or {}
    if not isinstance(replace, dict):
        raise TemplateError(f"{where}, 'replace': expected a mapping old -> new; received "
                            f"{type(replace).__name__}")
    for old, new in replace.items():
        equations = _replace_term(equations, str(old), str(new), f"{where}, 'replace'")
    remove = edits.get("remove") or []
    for text in [remove] if isinstance(remove, str) else remove:
        if text in equations:
            equations.remove(text)
        else:
            equations = _replace_term(equations, str(text), "", f"{where}, 'remove'")
    for key, joined in (("append", "{eq} {text}"), ("prepend", "{text} {eq}")):
        if edits.get(key) is not None:
            equations = [joined.format(eq=eq, text=edits[key]) for eq in equations]
    add = edits.get("add") or []
    return equations + ([add] if isinstance(add, str) else list(add))


def _replace_term(equations: list[str], term: str, new: str, where: str) -> list[str]:
    pattern = _term_pattern(term)
    if not any(pattern.search(eq) for eq in equations):
        # PyRates goes on without a word; the file may have meant something else
        warnings.warn(f"{where}: {term!r} appears in no equation of the parent; nothing changed",
                      TemplateWarning, stacklevel=2)
        return equations
    return [pattern.sub(lambda _m: new, eq) for eq in equations]


def _parse_variable(spec, where: str) -> Variable:
    if isinstance(spec, bool):
        raise TemplateError(f"{where}: expected a number or input(x)/output(x)/variable(x); "
                            f"received {spec!r}")
    if isinstance(spec, (int, float)):
        return Variable("constant", float(spec))
    if isinstance(spec, dict) and "default" in spec:
        return _parse_variable(spec["default"], where)
    if isinstance(spec, str):
        match = _VARIABLE.match(spec)
        try:
            if match:
                kind = "variable" if match.group(1) == "state_var" else match.group(1)
                return Variable(kind, float(match.group(2) or 0.0))
            return Variable("constant", float(spec))
        except ValueError:
            pass
    raise TemplateError(f"{where}: expected a number or input(x)/output(x)/variable(x); "
                        f"received {spec!r}")


def _parse_edge(spec, where: str) -> EdgeSpec:
    if isinstance(spec, dict) and {"source", "target"} <= set(spec):   # PyRates' other form
        spec = [spec["source"], spec["target"], spec.get("template"), spec.get("variables") or {}]
    if not isinstance(spec, (list, tuple)) or len(spec) not in (3, 4):
        raise TemplateError(f"{where}: expected [source, target, template_or_null, "
                            f"{{weight, delay, spread}}]; received {spec!r}")
    source, target, template = spec[:3]
    values = spec[3] if len(spec) == 4 else {}
    if not isinstance(source, str) or not isinstance(target, str):
        raise TemplateError(f"{where}: source and target must be 'node/op/var' strings; "
                            f"received {source!r}, {target!r}")
    if not isinstance(values, dict):
        raise TemplateError(f"{where}: the fourth entry must be a mapping; received {values!r}")
    unknown = set(values) - {"weight", "delay", "spread"}
    if unknown:
        raise TemplateError(f"{where}: unknown edge key(s) {', '.join(map(repr, sorted(unknown)))}; "
                            "expected weight, delay, spread")
    numbers = {}
    for key in ("weight", "delay", "spread"):
        if values.get(key) is not None:
            try:
                numbers[key] = float(values[key])
            except (TypeError, ValueError):
                raise TemplateError(f"{where}: edge {key} must be a number; received "
                                    f"{values[key]!r}") from None
            if not math.isfinite(numbers[key]):
                # NaN would silently mean "no delay" (or "no spread"), infinity no edge at all
                raise TemplateError(f"{where}: edge {key} must be a finite number; received "
                                    f"{values[key]!r} (leave the key out for no {key})")
    return EdgeSpec(source, target, template, numbers.get("weight", 1.0), numbers.get("delay"),
                    numbers.get("spread"))
