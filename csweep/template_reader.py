"""Finding and reading model templates written in PyRates' YAML format.

A template file maps template names to definitions. Each definition has a ``base``: one of the
built-in kinds (``OperatorTemplate``, ``NodeTemplate``, ``CircuitTemplate``, ``EdgeTemplate``) or
another template it inherits from, named bare (same file) or by a dotted path (``pkg.file.NAME``,
read from ``pkg/file.yaml``). Files are read with ``yaml.safe_load`` only, and nothing a template
says is imported or executed.

Name resolution, in order:

- ``"model_templates.neural_mass_models.jansenrit.JRC2"`` (PyRates' names of the models csweep
  ships): csweep's bundled ``templates/jansenrit.yaml``, always (PyRates' own copy may be on
  ``sys.path``; csweep never reads it for these names).
- ``"pkg.file.NAME"``: ``pkg/file.yaml`` in the working directory, then on ``sys.path``, then among
  the bundled files (so ``"jansenrit.JRC2"`` is the bundled one unless a ``jansenrit.yaml`` of
  yours is found first).
- ``"JRC2"``: a template of that name in the bundled files.
- ``"path/to/models.yaml:NAME"`` or ``("path/to/models.yaml", "NAME")``: a file of the user's.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

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


@dataclass(frozen=True)
class Variable:
    """One operator variable: ``kind`` is ``input``, ``output``, ``variable`` or ``constant``."""

    kind: str
    default: float


@dataclass(frozen=True)
class OperatorTemplate:
    name: str
    file: str
    equations: tuple[str, ...]
    variables: dict[str, Variable]
    description: str = ""


@dataclass(frozen=True)
class NodeTemplate:
    name: str
    file: str
    operators: dict[str, OperatorTemplate]
    description: str = ""


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
class CircuitTemplate:
    name: str
    file: str
    nodes: dict[str, NodeTemplate] = field(default_factory=dict)
    circuits: dict[str, CircuitTemplate] = field(default_factory=dict)
    edges: tuple[EdgeSpec, ...] = ()
    description: str = ""

    def node_paths(self) -> dict[str, NodeTemplate]:
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
                lines.append(f"    operator {op_name}")
                for var_name, var in op.variables.items():
                    lines.append(f"      {var_name:<10} {var.kind:<9} {var.default:g}")
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


Template = OperatorTemplate | NodeTemplate | CircuitTemplate


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
            if isinstance(_Builder().build(path, name), CircuitTemplate):
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
                                "(letters, digits, '_' and '-'; no '..', '/' or absolute paths)")


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
    # PyRates' names of the models csweep ships are always csweep's own templates, whether or
    # not PyRates (whose model_templates package sits on sys.path) is installed
    bundled = module[len(PYRATES_PREFIX):] if tuple(module[:2]) == PYRATES_PREFIX else None
    if bundled:
        candidate = _bundled_dir() / Path(*bundled).with_suffix(".yaml")
        if candidate.is_file():
            return candidate, name
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


def _read_file(path: Path) -> dict:
    return _read_file_cached(str(Path(path).resolve()))


_FILE_CACHE: dict[tuple[str, float, int], dict] = {}


def _read_file_cached(path: str) -> dict:
    stat = os.stat(path)
    key = (path, stat.st_mtime, stat.st_size)
    if key not in _FILE_CACHE:
        if stat.st_size > MAX_FILE_BYTES:
            raise TemplateError(f"{path}: {stat.st_size} bytes; template files of at most "
                                f"{MAX_FILE_BYTES} bytes are read")
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(MAX_FILE_BYTES + 1)   # bounded: a file may grow, or lie
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
        if len(text) > MAX_FILE_BYTES:
            raise TemplateError(f"{path}: longer than {MAX_FILE_BYTES} characters; template files "
                                f"of at most {MAX_FILE_BYTES} bytes are read")
        try:
            content = _safe_yaml(text, path)
        except yaml.YAMLError as exc:
            raise TemplateError(f"{path}: not valid YAML: {exc}") from None
        if content is None:
            content = {}
        if not isinstance(content, dict):
            raise TemplateError(f"{path}: expected a mapping of template names to definitions; "
                                f"received {type(content).__name__}")
        _FILE_CACHE[key] = content
    return _FILE_CACHE[key]


def _safe_yaml(text: str, path) -> object:
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
    if isinstance(name, (OperatorTemplate, NodeTemplate, CircuitTemplate)):
        return name, frozenset()
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str):
        raise TypeError(f"circuit_template must be a template name (str), a path, or a loaded "
                        f"template; received {type(name).__name__}")
    if template is None and ":" in name and name.rsplit(":", 1)[0].endswith((".yaml", ".yml")):
        name, template = name.rsplit(":", 1)
    if template is not None:
        path = Path(name)
        if not path.is_file():
            raise TemplateError(f"circuit_template: template file {name!r} does not exist")
        path, template_name = path.resolve(), template
    else:
        path, template_name = _locate(name)
    builder = _Builder()
    return builder.build(path, template_name), frozenset(builder.files)


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
            kind = type(parent).__name__
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

    def _operator(self, path, name, definition, parent, description) -> OperatorTemplate:
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
                                f"with 'replace'/'add'/'remove'; received {type(given).__name__}")
        for text in equations:
            try:
                parse_equation(text)
            except EquationError as exc:
                raise TemplateError(f"{where}, key 'equations': {exc}") from None
        variables = dict(parent.variables) if parent else {}
        given_vars = definition.get("variables") or {}
        if not isinstance(given_vars, dict):
            raise TemplateError(f"{where}, key 'variables': expected a mapping of names to "
                                f"definitions; received {type(given_vars).__name__}")
        for var_name, spec in given_vars.items():
            variables[str(var_name)] = _parse_variable(spec, f"{where}, variable {var_name!r}")
        return OperatorTemplate(name, str(path), tuple(equations), variables, description)

    def _node(self, path, name, definition, parent, description) -> NodeTemplate:
        where = f"{path}: template {name!r}, key 'operators'"
        operators = dict(parent.operators) if parent else {}
        given = definition.get("operators")
        if given is not None:
            if isinstance(given, list):  # a list names the operators anew
                items, operators = [(None, ref) for ref in given], {}
            elif isinstance(given, dict):  # a mapping adds to or renames the parent's
                items = list(given.items())
            else:
                raise TemplateError(f"{where}: expected a list of operator templates; received "
                                    f"{type(given).__name__}")
            for key, ref in items:
                op = self.build(*self._resolve_reference(path, ref, where))
                if not isinstance(op, OperatorTemplate):
                    raise TemplateError(f"{where}: {ref!r} is a {type(op).__name__}, not an operator")
                operators[str(key) if key is not None else op.name] = op
        return NodeTemplate(name, str(path), operators, description)

    def _circuit(self, path, name, definition, parent, description) -> CircuitTemplate:
        where = f"{path}: template {name!r}"
        members = {}
        for key, kind in (("nodes", NodeTemplate), ("circuits", CircuitTemplate)):
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
                                        f"{type(built).__name__}, not a {kind.__name__}")
                found[str(member)] = built
            members[key] = found
        edges = parent.edges if parent else ()
        if "edges" in definition:
            edges = tuple(_parse_edge(e, f"{where}, key 'edges'[{i}]")
                          for i, e in enumerate(definition["edges"] or []))
        return CircuitTemplate(name, str(path), members["nodes"], members["circuits"], edges,
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
    return _locate(dotted)


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement that inserts ``text`` as written (no backslash escapes)."""
    return lambda _match: text


def _edit_equations(equations: list[str], edits: dict, where: str) -> list[str]:
    unknown = set(edits) - {"replace", "add", "remove"}
    if unknown:
        raise TemplateError(f"{where}: unknown key(s) {', '.join(map(repr, sorted(unknown)))}; "
                            "expected 'replace', 'add' or 'remove'")
    replace = edits.get("replace") or {}
    if not isinstance(replace, dict):
        raise TemplateError(f"{where}, 'replace': expected a mapping old -> new; received "
                            f"{type(replace).__name__}")
    for old, new in replace.items():
        pattern = re.compile(rf"(?<![\w.]){re.escape(str(old))}(?![\w])")
        if not any(pattern.search(eq) for eq in equations):
            raise TemplateError(f"{where}, 'replace': {old!r} appears in no equation of the parent")
        equations = [pattern.sub(_literal(str(new)), eq) for eq in equations]
    for text in edits.get("remove") or []:
        if text not in equations:
            raise TemplateError(f"{where}, 'remove': no equation {text!r} in the parent")
        equations.remove(text)
    return equations + list(edits.get("add") or [])


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
    return EdgeSpec(source, target, template, numbers.get("weight", 1.0), numbers.get("delay"),
                    numbers.get("spread"))
