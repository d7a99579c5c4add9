"""PyRates' Python API for building circuits: ``OperatorTemplate``, ``NodeTemplate``,
``CircuitTemplate``, with PyRates 1.2.3's signatures.

    from csweep import CircuitTemplate, grid_search
    jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    net = CircuitTemplate("net", circuits={f"c{i}": jrc for i in range(68)})
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", [f"c{i}" for i in range(68)],
                              weight=W, edge_attr={"delay": D})     # W[target, source]
    grid_search(net, ...)

These are the templates csweep reads from YAML files (:mod:`csweep.circuits.template_reader`), given
PyRates' constructors: a circuit built here is what ``grid_search`` compiles, with no second
representation of the model. Operators and nodes are immutable, as csweep's templates are
(``update_template`` returns a new one, as in PyRates); a circuit gains edges in place through
``add_edges_from_matrix`` and ``update_template(..., in_place=True)``, as in PyRates. Nothing
is cached from a circuit object, so a sweep always sees its current edges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import template_reader as reader
from .equations import EquationError, parse_equation
from .real_values import real_float64, real_number
from .template_reader import EdgeSpec, TemplateError, load_template

#: what a circuit, node or operator built in Python gives as its file in messages
BUILT_IN_PYTHON = "<built in Python>"
#: PyRates' own ``vtype`` names in a variable given as a dict -> csweep's ``Variable.kind``
_VTYPES = {"input": "input", "output": "output", "state_var": "variable", "variable": "variable",
           "constant": "constant"}


def _from_yaml(cls, name):
    """``cls.from_yaml(name)``: the named template, which must be of ``cls``'s kind."""
    template = load_template(name)
    kind = cls.__mro__[1]            # the template_reader class the public one extends
    if not isinstance(template, kind):
        raise TypeError(f"{cls.__name__}.from_yaml({name!r}): that template is a "
                        f"{template.kind}, not a {cls.__name__}")
    return cls._wrap(template)


class OperatorTemplate(reader.OperatorDefinition):
    """An operator: equations and their variables, as PyRates' ``OperatorTemplate``.

    ``variables`` maps names to ``"input(220.0)"``, ``"output(0.0)"``, ``"variable(0.0)"``
    (a state), a number (a constant), or a dict with ``"default"`` (csweep's files) or with
    PyRates' ``"vtype"`` and ``"value"``.
    """

    def __init__(self, name: str, equations: str | list[str], variables: dict, path: str | None = None,
                 description: str = "An operator template."):
        where = f"OperatorTemplate {name!r}"
        if isinstance(equations, str):
            equations = [equations]
        if not isinstance(equations, (list, tuple)) or not all(isinstance(e, str) for e in equations):
            raise TypeError(f"{where}: equations must be a string or a list of strings; received "
                            f"{equations!r}")
        for text in equations:
            try:
                parse_equation(text)
            except EquationError as exc:
                raise TemplateError(f"{where}: {exc}") from None
        if not isinstance(variables, Mapping):
            raise TypeError(f"{where}: variables must be a dict of name -> definition; received "
                            f"{type(variables).__name__}")
        parsed = {str(var): _variable(spec, f"{where}, variable {var!r}")
                  for var, spec in variables.items()}
        super().__init__(str(name), path or BUILT_IN_PYTHON, tuple(equations), parsed,
                         str(description))

    @property
    def path(self) -> str | None:
        return None if self.file == BUILT_IN_PYTHON else self.file

    def __hash__(self):      # PyRates' NodeTemplate takes operators as dict keys
        return hash((self.name, self.file, self.equations))

    @classmethod
    def from_yaml(cls, name: str) -> OperatorTemplate:
        """The operator template ``name`` names (a dotted PyRates name or ``"file.yaml:NAME"``)."""
        return _from_yaml(cls, name)

    @classmethod
    def _wrap(cls, op: reader.OperatorDefinition) -> OperatorTemplate:
        return op if isinstance(op, cls) else _replace_variables(op, dict(op.variables))

    def update_template(self, name: str | None = None, path: str | None = None,
                        equations: str | list[str] | None = None, variables: dict | None = None,
                        description: str | None = None) -> OperatorTemplate:
        """A new operator with these parts replaced (``variables`` are merged into the old ones)."""
        merged = dict(self.variables)
        if variables:
            merged.update({str(k): _variable(v, f"OperatorTemplate {self.name!r}, variable {k!r}")
                           for k, v in variables.items()})
        new = OperatorTemplate(name or self.name, list(equations or self.equations), {},
                               path or self.path, description or self.description)
        return _replace_variables(new, merged)


class NodeTemplate(reader.NodeDefinition):
    """A node: its operators, as PyRates' ``NodeTemplate``.

    ``operators`` is a list of :class:`OperatorTemplate` objects or template names, or a dict of
    them to ``{variable: value}`` changes of their defaults (PyRates' "variations").
    """

    def __init__(self, name: str, operators: Any, path: str | None = None,
                 description: str = "A node or an edge."):
        where = f"NodeTemplate {name!r}"
        if isinstance(operators, (str, reader.OperatorDefinition)):
            operators = [operators]
        if isinstance(operators, Mapping):
            items = list(operators.items())
        elif isinstance(operators, (list, tuple)):
            items = [(op, None) for op in operators]
        else:
            raise TypeError(f"{where}: operators must be a list of operator templates (or names), "
                            f"or a dict of them to variable changes; received "
                            f"{type(operators).__name__}")
        built = {}
        for op, changes in items:
            if isinstance(op, str):
                op = OperatorTemplate.from_yaml(op)
            if not isinstance(op, reader.OperatorDefinition):
                raise TypeError(f"{where}: operators must be OperatorTemplate objects or template "
                                f"names; received {op!r}")
            if changes:
                op = _with_defaults(op, changes, where)
            built[op.name] = op
        super().__init__(str(name), path or BUILT_IN_PYTHON, built, str(description))

    @property
    def path(self) -> str | None:
        return None if self.file == BUILT_IN_PYTHON else self.file

    def __hash__(self):
        return hash((self.name, self.file, tuple(self.operators)))

    @classmethod
    def from_yaml(cls, name: str) -> NodeTemplate:
        """The node template ``name`` names (a dotted PyRates name or ``"file.yaml:NAME"``)."""
        return _from_yaml(cls, name)

    @classmethod
    def _wrap(cls, node: reader.NodeDefinition) -> NodeTemplate:
        if isinstance(node, cls):
            return node
        new = cls.__new__(cls)
        reader.NodeDefinition.__init__(new, node.name, node.file, {
            key: OperatorTemplate._wrap(op) for key, op in node.operators.items()},
            node.description)
        return new

    def update_var(self, op: str, var: str, val: float) -> NodeTemplate:
        """A new node whose operator ``op`` has ``var`` default to ``val`` (PyRates changes the
        node in place; csweep's templates are immutable, so the changed node is returned)."""
        return NodeTemplate(self.name, {o: ({var: val} if name == op else None)
                                        for name, o in self.operators.items()}, self.path,
                            self.description)


class CircuitTemplate(reader.CircuitDefinition):
    """A circuit: nodes or sub-circuits joined by edges, as PyRates' ``CircuitTemplate``.

    ``nodes`` maps node names to :class:`NodeTemplate` objects or template names; ``circuits``
    maps sub-circuit names to circuits or template names (give one of the two). ``edges`` is a
    list of ``(source, target, template, {"weight": w, "delay": d, "spread": s})`` with
    ``"node/op/var"`` paths (``template`` must be None: csweep has no edge templates), or of
    dicts with ``source``, ``target``, ``template`` and ``variables``.
    """

    def __init__(self, name: str, path: str | None = None,
                 description: str = "A circuit template.", circuits: dict | None = None,
                 nodes: dict | None = None, edges: list | None = None):
        where = f"CircuitTemplate {name!r}"
        if nodes and circuits:
            raise ValueError(f"{where}: give nodes or circuits, not both (every node of a circuit "
                             "sits at the same depth; wrap nodes in a circuit of their own)")
        built_nodes = {str(k): _member(v, NodeTemplate, f"{where}, nodes[{k!r}]")
                       for k, v in _mapping(nodes, f"{where}: nodes").items()}
        built_circuits = {str(k): _member(v, CircuitTemplate, f"{where}, circuits[{k!r}]")
                          for k, v in _mapping(circuits, f"{where}: circuits").items()}
        for key in [*built_nodes, *built_circuits]:
            if not reader._NAME.match(key):
                raise ValueError(f"{where}: {key!r} is not a valid node or circuit name (letters, "
                                 "digits, '_' and '-')")
        super().__init__(str(name), path or BUILT_IN_PYTHON, built_nodes, built_circuits,
                         _edge_specs(edges, where), str(description))

    @property
    def path(self) -> str | None:
        return None if self.file == BUILT_IN_PYTHON else self.file

    @classmethod
    def from_yaml(cls, name: str) -> CircuitTemplate:
        """The circuit template ``name`` names: a dotted PyRates name
        (``"model_templates.neural_mass_models.jansenrit.JRC"``) or ``"file.yaml:NAME"``."""
        return _from_yaml(cls, name)

    @classmethod
    def _wrap(cls, circuit: reader.CircuitDefinition) -> CircuitTemplate:
        if isinstance(circuit, cls):
            return circuit
        new = cls.__new__(cls)        # its parts too, so that each answers to PyRates' API
        reader.CircuitDefinition.__init__(
            new, circuit.name, circuit.file,
            {key: NodeTemplate._wrap(node) for key, node in circuit.nodes.items()},
            {key: cls._wrap(sub) for key, sub in circuit.circuits.items()},
            tuple(circuit.edges), circuit.description)
        return new

    def update_template(self, name: str | None = None, path: str | None = None,
                        description: str | None = None, circuits: dict | None = None,
                        nodes: dict | None = None, edges: list | None = None,
                        in_place: bool = False) -> CircuitTemplate | None:
        """The circuit with ``nodes``/``circuits`` added or replaced by name and ``edges`` added,
        as a new circuit, or, with ``in_place=True``, this one changed (returns None)."""
        if nodes and circuits:
            raise ValueError(f"CircuitTemplate {self.name!r}: give nodes or circuits, not both")
        new = CircuitTemplate(name or self.name, path or self.path,
                              description or self.description,
                              circuits={**self.circuits, **(circuits or {})} or None,
                              nodes={**self.nodes, **(nodes or {})} or None)
        added = _edge_specs(edges, f"CircuitTemplate {self.name!r}")
        object.__setattr__(new, "edges", self.edges + added)
        if not in_place:
            return new
        for key in ("name", "file", "description", "nodes", "circuits", "edges"):
            object.__setattr__(self, key, getattr(new, key))
        return None

    def add_edges_from_matrix(self, source_var: str, target_var: str, source_nodes: list,
                              target_nodes: list | None = None, weight: Any = None,
                              template: Any = None,
                              edge_attr: dict | None = None, min_weight: float = 1e-6) -> None:
        """Add an edge ``source/source_var -> target/target_var`` for every pair whose
        ``abs(weight[j, i]) > min_weight`` (``i`` indexes ``source_nodes``, ``j``
        ``target_nodes``, which default to ``source_nodes``), as PyRates does.

        ``weight`` is ``(n_targets, n_sources)``, indexed ``[target, source]`` (default: all 1).
        ``edge_attr`` entries that are matrices (``delay``, ``spread``) are read the same way;
        other values are given to every edge. Edges are added in place, source by source.
        """
        where = "add_edges_from_matrix"
        if template is not None:
            raise TemplateError(f"{where}: template={template!r}: edge templates are not "
                                "supported; give weight, delay and spread (edge_attr) instead")
        sources = _node_list(source_nodes, f"{where}: source_nodes")
        targets = sources if target_nodes is None else _node_list(target_nodes,
                                                                  f"{where}: target_nodes")
        shape = (len(targets), len(sources))
        weight = np.ones(shape) if weight is None else _matrix(weight, shape, f"{where}: weight")
        attributes = dict(edge_attr or {})
        unknown = set(attributes) - {"delay", "spread", "weight"}
        if unknown:
            raise TemplateError(f"{where}: edge_attr keys {', '.join(map(repr, sorted(unknown)))} "
                                "are not edge variables csweep knows; expected delay, spread")
        if "weight" in attributes:
            raise ValueError(f"{where}: give the weights as weight=, not in edge_attr")
        matrices, scalars = {}, {}
        for key, value in attributes.items():
            if np.ndim(value) >= 2:
                matrices[key] = _matrix(value, shape, f"{where}: edge_attr[{key!r}]")
            elif value is not None:
                if isinstance(value, str) or np.ndim(value) != 0:
                    raise TypeError(f"{where}: edge_attr[{key!r}] must be a number or a matrix; "
                                    f"received {value!r}")
                scalars[key] = real_number(value, f"{where}: edge_attr[{key!r}]")
        self._check_nodes(sources, source_var, f"{where}: source_nodes")
        self._check_nodes(targets, target_var, f"{where}: target_nodes")
        min_weight = real_number(min_weight, f"{where}: min_weight")
        if min_weight < 0:
            raise ValueError(f"{where}: min_weight must be >= 0 (edges with abs(weight) above it "
                             f"are added); received {min_weight!r}")
        # PyRates' order: source by source, then target by target
        j_index, i_index = np.nonzero(np.abs(weight) > min_weight)
        order = np.lexsort((j_index, i_index))
        j_index, i_index = j_index[order], i_index[order]
        values = {"weight": weight[j_index, i_index],
                  **{key: m[j_index, i_index] for key, m in matrices.items()}}
        delay = values.get("delay", np.full(len(i_index), scalars.get("delay", np.nan)))
        spread = values.get("spread", np.full(len(i_index), scalars.get("spread", np.nan)))
        added = tuple(
            EdgeSpec(f"{sources[i]}/{source_var}", f"{targets[j]}/{target_var}", None, float(w),
                     None if np.isnan(d) else float(d), None if np.isnan(s) else float(s))
            for i, j, w, d, s in zip(i_index.tolist(), j_index.tolist(), values["weight"].tolist(),
                                     delay.tolist(), spread.tolist(), strict=True))
        object.__setattr__(self, "edges", self.edges + added)

    def _check_nodes(self, names: list[str], var: str, where: str) -> None:
        """Every ``name/var`` must be a variable path on a node of this circuit."""
        if not isinstance(var, str) or var.count("/") < 1:
            raise ValueError(f"{where}: the variable must be 'op/var' (or 'node/op/var' below a "
                             f"sub-circuit); received {var!r}")
        nodes = self.node_paths()
        for k, name in enumerate(names):
            node = f"{name}/{var}".rsplit("/", 2)[0]
            if node not in nodes:
                shown = ", ".join(list(nodes)[:8]) + (", ..." if len(nodes) > 8 else "")
                raise KeyError(f"{where}[{k}] = {name!r} gives {name}/{var}, but circuit "
                               f"{self.name!r} has no node {node!r}; its nodes are {shown}")


# --------------------------------------------------------------------------------------------
# Checking what a caller passed
# --------------------------------------------------------------------------------------------

def _variable(spec, where: str) -> reader.Variable:
    if isinstance(spec, Mapping) and "vtype" in spec:        # PyRates' own dict form
        kind = _VTYPES.get(spec["vtype"])
        if kind is None:
            raise TemplateError(f"{where}: vtype {spec['vtype']!r} is not one of "
                                f"{', '.join(_VTYPES)}")
        try:
            return reader.Variable(kind, float(spec.get("value", 0.0)))
        except (TypeError, ValueError):
            raise TemplateError(f"{where}: value must be a number; received "
                                f"{spec.get('value')!r}") from None
    return reader._parse_variable(spec, where)


def _with_defaults(op: reader.OperatorDefinition, changes, where: str) -> OperatorTemplate:
    if not isinstance(changes, Mapping):
        raise TypeError(f"{where}: operator {op.name!r}: expected a dict of variable -> value; "
                        f"received {changes!r}")
    variables = dict(op.variables)
    for var, value in changes.items():
        if var not in variables:
            raise KeyError(f"{where}: operator {op.name!r} has no variable {var!r}; it has "
                           f"{', '.join(variables)}")
        try:
            variables[var] = reader.Variable(variables[var].kind, float(value))
        except (TypeError, ValueError):
            raise TypeError(f"{where}: operator {op.name!r}, variable {var!r}: expected a "
                            f"number; received {value!r}") from None
    return _replace_variables(op, variables)


def _replace_variables(op: reader.OperatorDefinition, variables: dict) -> OperatorTemplate:
    """``op`` with these variables (already checked), as a public operator template."""
    new = OperatorTemplate.__new__(OperatorTemplate)
    reader.OperatorDefinition.__init__(new, op.name, op.file, op.equations, variables, op.description)
    return new


def _mapping(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{where} must be a dict of name -> template; received "
                        f"{type(value).__name__}")
    return dict(value)


def _member(value, cls, where: str):
    if isinstance(value, str):
        return cls.from_yaml(value)
    kind = cls.__mro__[1]
    if not isinstance(value, kind):
        raise TypeError(f"{where}: expected a {cls.__name__} or a template name; received "
                        f"{getattr(type(value), 'kind', type(value).__name__)}")
    return value


def _edge_specs(edges, where: str) -> tuple[EdgeSpec, ...]:
    if edges is None:
        return ()
    if not isinstance(edges, (list, tuple)):
        raise TypeError(f"{where}: edges must be a list of (source, target, template, "
                        f"{{weight, delay, spread}}); received {type(edges).__name__}")
    specs = []
    for k, edge in enumerate(edges):
        if isinstance(edge, EdgeSpec):
            specs.append(edge)
            continue
        if isinstance(edge, Mapping):
            try:
                edge = [edge["source"], edge["target"], edge.get("template"),
                        edge.get("variables", {})]
            except KeyError as exc:
                raise TypeError(f"{where}: edges[{k}] lacks key {exc.args[0]!r}") from None
        if isinstance(edge, (list, tuple)) and len(edge) == 4 and isinstance(edge[3], Mapping):
            # NumPy scalars (a matrix entry) as Python numbers; the reader checks the values
            edge = [*edge[:3], {key: v.item() if isinstance(v, np.generic) else v
                                for key, v in edge[3].items()}]
        specs.append(reader._parse_edge(edge, f"{where}, edges[{k}]"))
    return tuple(specs)


def _node_list(nodes, where: str) -> list[str]:
    if (not isinstance(nodes, (list, tuple, np.ndarray))
            or not all(isinstance(n, str) for n in nodes)):
        raise TypeError(f"{where} must be a list of node (or sub-circuit) names; received "
                        f"{nodes!r}")
    return list(nodes)


def _matrix(value, shape: tuple[int, int], where: str) -> np.ndarray:
    if hasattr(value, "toarray"):   # a scipy.sparse matrix: absent pairs are zeros (no edge)
        value = value.toarray()
    array = real_float64(value, f"{where} (a matrix)")
    if array.shape != shape:
        raise ValueError(f"{where} must have shape {shape} (targets x sources: it is indexed "
                         f"[target, source]); received {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where} holds NaN or infinite values; expected finite numbers")
    return array
