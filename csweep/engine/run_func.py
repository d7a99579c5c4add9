"""``CircuitTemplate.get_run_func``: a circuit's vector field for ``scipy.integrate.solve_ivp``,
as PyRates 1.2.3 returns it.

    func, args, arg_names, state_map = circuit.get_run_func("jrc_run", step_size=1e-4,
                                                            file_name="jrc_run")
    t0, y0, *func_args = args
    solve_ivp(func, (t0, 2.0), y0, args=func_args)

``func(t, y, dy, *parameters)`` writes dy/dt into the buffer ``dy`` and returns it; ``args`` is
``(t0, y0, dy, *parameters)``, ``arg_names`` their ``"node/op/var"`` names and ``state_map``
each state's index in ``y`` (a ``(start, stop)`` pair for a state shared by a group of nodes).
With ``vectorize=True`` (the default), nodes with the same operators form one group whose
states and parameters are vectors, and groups come in the order of their first node, each
operator's states in equation order, the operators that read no other operator's output
first: PyRates' layout (the tutorial's ``y[:, 0]`` and ``y[:, 2]`` are ``pc``'s excitatory and
inhibitory potentials). Arrays are ``float_precision`` (float32 by default, as PyRates').

The function is generated Python source, written from the checked equation trees
(:mod:`csweep.circuits.equations`: numbers, the template's names, ``+ - * / **`` and
``exp``, ``tanh``, ``sigmoid``), never from the template's text; ``file_name`` writes that
source to ``file_name + ".py"``. Edges with delays and ``inputs`` arrays are refused (PyRates
turns them into history arguments and input nodes); csweep's ``run`` and ``grid_search`` run
them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..circuits.equations import parse_equation

_FLOATS = {"float32": np.float32, "float64": np.float64}


@dataclass
class _Group:
    """Nodes with the same operators, integrated as one vector (one node without vectorize)."""

    label: str
    nodes: list[str]
    template: Any
    order: list[str] = field(default_factory=list)   # operator names, readers after sources


def get_run_func(circuit, func_name: str, step_size: float, inputs=None, backend=None,
                 vectorize=True, verbose=True, clear=False, in_place=True,
                 file_name: str | None = None, float_precision: str = "float32",
                 **kwargs: Any):
    """PyRates' ``get_run_func``: ``(func, args, arg_names, state_map)``; see the module."""
    if not isinstance(func_name, str) or not func_name.isidentifier():
        raise ValueError(f"get_run_func: func_name must be a Python identifier; received "
                         f"{func_name!r}")
    if inputs:
        raise ValueError("get_run_func: inputs= is not supported (PyRates adds input nodes "
                         "for them); give the circuit's inputs as variable defaults with "
                         "update_var, or simulate with run(inputs=...)")
    if float_precision not in _FLOATS:
        raise ValueError(f"get_run_func: float_precision must be 'float32' or 'float64'; "
                         f"received {float_precision!r}")
    edges = circuit.all_edges()
    delayed = [e for e in edges if e.delay]
    if delayed:
        raise ValueError(f"get_run_func: edge {delayed[0].source} -> {delayed[0].target} has a "
                         "delay; csweep writes vector fields of undelayed circuits only (run() "
                         "and grid_search integrate delays)")
    nodes = circuit.node_paths()
    builder = _Builder(_groups(nodes, bool(vectorize)), edges, nodes, _FLOATS[float_precision])
    source = builder.source(func_name)
    if file_name:
        with open(f"{file_name}.py", "w", encoding="utf-8") as handle:
            handle.write(source)
    namespace: dict[str, Any] = {}
    exec(compile(source, f"{file_name or func_name}.py", "exec"), namespace)  # noqa: S102
    dtype = _FLOATS[float_precision]
    args = (np.asarray(0.0, dtype=dtype), builder.y0.astype(dtype),
            np.zeros(len(builder.y0), dtype=dtype), *builder.values)
    names = ("t", "y", "dy", *builder.value_names)
    return namespace[func_name], args, names, dict(builder.state_map)


def _signature(node) -> tuple:
    return tuple((name, op.equations, tuple((v, var.kind) for v, var in op.variables.items()))
                 for name, op in node.operators.items())


def _groups(nodes: dict, vectorize: bool) -> list[_Group]:
    groups: dict[Any, _Group] = {}
    for path, node in nodes.items():
        key = _signature(node) if vectorize else path
        if key not in groups:
            groups[key] = _Group(path, [], node)
        groups[key].nodes.append(path)
    for group in groups.values():
        group.order = _operator_order(group.template)
    return list(groups.values())


def _outputs(op) -> set[str]:
    return {eq.target for eq in map(parse_equation, op.equations)}


def _operator_order(node) -> list[str]:
    """Operators that read no other operator's output first, then their readers (PyRates'
    layers), each layer in the node's order."""
    remaining = dict(node.operators)
    order: list[str] = []
    while remaining:
        layer = [name for name, op in remaining.items()
                 if not any(var.kind == "input" and v in _outputs(other)
                            for v, var in op.variables.items()
                            for other_name, other in remaining.items() if other_name != name)]
        if not layer:           # a cycle between operators: keep the node's order
            layer = list(remaining)
        order += layer
        for name in layer:
            del remaining[name]
    return order


def _identifier(*parts: str) -> str:
    return re.sub(r"\W", "_", "__".join(parts))


class _Builder:
    """The generated function's lines, its parameter values and the state layout."""

    def __init__(self, groups: list[_Group], edges: list, templates: dict, dtype):
        self.groups, self.edges, self.templates, self.dtype = groups, edges, templates, dtype
        self.state_map: dict[str, int | tuple[int, int]] = {}
        self.values: list[np.ndarray] = []
        self.value_names: list[str] = []
        self.parameters: list[str] = []
        self.unpack: list[str] = []
        self.assignments: dict[str, str] = {}     # identifier -> expression
        self.derivatives: list[str] = []
        self.node_group = {node: (g, k) for g in groups for k, node in enumerate(g.nodes)}
        y0: list[float] = []
        for group in groups:
            self._states(group, y0)
        self.y0 = np.array(y0, dtype=np.float64)
        for group in groups:
            self._group_body(group)

    def _ident(self, group: _Group, op: str, var: str) -> str:
        return _identifier(group.label, op, var)

    def _states(self, group: _Group, y0: list[float]) -> None:
        n = len(group.nodes)
        for op_name in group.order:
            op = group.template.operators[op_name]
            for eq in map(parse_equation, op.equations):
                if not eq.is_ode:
                    continue
                start = len(y0)
                index: int | tuple[int, int] = start if n == 1 else (start, start + n)
                self.state_map[f"{group.label}/{op_name}/{eq.target}"] = index
                rows = f"{start}" if n == 1 else f"{start}:{start + n}"
                self.unpack.append(f"{self._ident(group, op_name, eq.target)} = y[{rows}]")
                y0 += [self._default(node, op_name, eq.target) for node in group.nodes]

    def _default(self, node_path: str, op: str, var: str) -> float:
        return float(self.templates[node_path].operators[op].variables[var].default)

    def _parameter(self, group: _Group, op: str, var: str) -> str:
        name = self._ident(group, op, var)
        values = [self._default(node, op, var) for node in group.nodes]
        self.values.append(np.asarray(values[0] if len(values) == 1 else values,
                                      dtype=self.dtype))
        self.value_names.append(f"{group.label}/{op}/{var}")
        self.parameters.append(name)
        return name

    def _group_body(self, group: _Group) -> None:
        for op_name in group.order:
            op = group.template.operators[op_name]
            for var_name, var in op.variables.items():
                if var.kind == "input":
                    self._input(group, op_name, var_name)
                elif var.kind == "constant":
                    self._parameter(group, op_name, var_name)
            for eq in map(parse_equation, op.equations):
                rhs = self._expression(group, op_name, eq.rhs)
                if eq.is_ode:
                    start = self.state_map[f"{group.label}/{op_name}/{eq.target}"]
                    rows = f"{start}" if isinstance(start, int) else f"{start[0]}:{start[1]}"
                    self.derivatives.append(f"dy[{rows}] = {rhs}")
                else:
                    self.assignments[self._ident(group, op_name, eq.target)] = rhs

    def _input(self, group: _Group, op_name: str, var: str) -> None:
        """An input: the sum of the same node's operators that output it, and of the edges
        into it; with neither, a parameter (its default)."""
        node = group.template
        terms = [self._ident(group, other, var) for other in group.order
                 if other != op_name and var in _outputs(node.operators[other])]
        terms += self._edge_terms(group, f"{op_name}/{var}")
        if not terms:
            self._parameter(group, op_name, var)
            return
        self.assignments[self._ident(group, op_name, var)] = " + ".join(terms)

    def _edge_terms(self, group: _Group, target_var: str) -> list[str]:
        """``W @ source`` per source group of the edges into ``node/target_var`` of the group."""
        terms = []
        targets = {f"{node}/{target_var}": k for k, node in enumerate(group.nodes)}
        by_source: dict[tuple[str, str], list] = {}
        for edge in self.edges:
            if edge.target in targets:
                *source_node, op, var = edge.source.split("/")
                source_group, _ = self.node_group["/".join(source_node)]
                by_source.setdefault((source_group.label, f"{op}/{var}"), []).append(edge)
        for (label, source_var), edges in by_source.items():
            source_group = next(g for g in self.groups if g.label == label)
            weights = np.zeros((len(group.nodes), len(source_group.nodes)))
            for edge in edges:
                j = self.node_group[edge.source.rsplit("/", 2)[0]][1]
                weights[targets[edge.target], j] += edge.weight
            name = _identifier("w", group.label, target_var, "from", label, source_var)
            rows, columns = weights.shape
            value = weights[0, 0] if rows == columns == 1 else (
                weights[:, 0] if columns == 1 else (weights[0] if rows == 1 else weights))
            self.values.append(np.asarray(value, dtype=self.dtype))
            self.value_names.append(f"{group.label}/{target_var}/weight<-{label}/{source_var}")
            self.parameters.append(name)
            source = self._ident(source_group, *source_var.split("/"))
            terms.append(f"{name} * {source}" if columns == 1 else f"{name} @ {source}")
        return terms

    def _expression(self, group: _Group, op_name: str, tree: ast.expr) -> str:
        ident = self._ident

        class Rename(ast.NodeTransformer):
            def visit_Name(self, node):          # noqa: N802 (ast's naming)
                if node.id in ("exp", "tanh", "sigmoid"):
                    return node
                return ast.copy_location(ast.Name(ident(group, op_name, node.id), ast.Load()),
                                         node)

        return ast.unparse(Rename().visit(ast.parse(ast.unparse(tree), mode="eval")).body)

    def _ordered(self) -> list[str]:
        """The assignments, each after those it reads (edges run between groups both ways)."""
        pending, lines, done = dict(self.assignments), [], set()
        while pending:
            ready = [name for name, expr in pending.items()
                     if not (set(re.findall(r"[A-Za-z_]\w*", expr)) & (pending.keys() - {name}))]
            if not ready:
                raise ValueError("get_run_func: the circuit's algebraic variables depend on one "
                                 f"another in a cycle ({', '.join(pending)})")
            for name in ready:
                lines.append(f"{name} = {pending.pop(name)}")
                done.add(name)
        return lines

    def source(self, func_name: str) -> str:
        head = ['"""The vector field of a circuit, written by csweep\'s get_run_func '
                '(PyRates\' layout)."""',
                "",
                "from numpy import exp, tanh",
                "",
                "",
                "def sigmoid(x):",
                "    return 1.0 / (1.0 + exp(-x))",
                "",
                "",
                f"def {func_name}(t, y, dy, {', '.join(self.parameters)}):"]
        body = [*self.unpack, *self._ordered(), *self.derivatives, "return dy"]
        return "\n".join(head + ["    " + line for line in body]) + "\n"
