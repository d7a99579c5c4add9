"""Jansen-Rit networks (PyRates' JRC, JRC_2delaycoupled, users' variants) -> the network kernel.

A network is nodes joined by weighted edges. Each node holds

- second-order synapse operators: ``d/dt * v = x`` and ``d/dt * x`` linear in ``v``, ``x`` and the
  operator's inputs (``h*m_in/tau - 2*x/tau - v/tau^2``, plus any extra input terms such as
  ``h*u/tau``); ``v`` is the operator's output;
- one rate operator: ``m = A / (1 + exp(-B*(v - C)))`` in any algebraic arrangement
  (``m_max/(1 + exp(s*(v_thr - v)))``, ``m_max*sigmoid(...)``), whose input ``v`` is the sum of the
  node's synaptic outputs.

Operators are recognised numerically: csweep evaluates their equations at probe points and derives
the kernel's coefficients (for each parameter set, from that set's parameter values), so no code is
generated and a user's algebraic variant of the same model is accepted. Edges carry a source
node's rate to a synapse input, times ``weight``; with ``delay`` (s) the rate arrives
``round(delay/step_size)`` steps late, and with ``delay`` and ``spread`` it passes a chain of
``n = round((delay/spread)**2)`` first-order stages of rate ``n/delay`` (a gamma-distributed
delay), as in PyRates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .. import _dopri, _network, _runtime
from ..circuits.equations import EquationError
from ..circuits.template_reader import (
    JANSEN_RIT_ONLY,
    CircuitDefinition,
    EdgeSpec,
    OperatorDefinition,
    TemplateError,
)
from ..kernels import builds as _kernel
from .base import (
    NO_STATE,
    CompiledModel,
    PreparedSweep,
    evaluate_operator,
    operator_equations,
    refuse_first_bad_set,
)
from .memory import check_memory

EDGE_NONE, EDGE_DISCRETE, EDGE_GAMMA = (_network.EDGE_KINDS[kind]
                                       for kind in ("none", "discrete", "gamma"))
EDGE_VARIABLES = ("weight", "delay", "spread")


@dataclass(frozen=True)
class Synapse:
    node: str
    op_name: str
    op: OperatorDefinition
    v: str              # output state (postsynaptic potential)
    x: str              # its derivative state
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    node: str
    op_name: str
    op: OperatorDefinition
    v: str              # input: the node's summed synaptic potential
    m: str              # output rate


@dataclass(frozen=True)
class Edge:
    source_node: int
    target_input: int
    spec: EdgeSpec
    key: str            # base of its parameter paths: f"{key}/weight", ...


def compile_network(circuit: CircuitDefinition) -> CompiledModel:
    """Recognise ``circuit`` as a Jansen-Rit network, or raise a TemplateError saying why not."""
    nodes = circuit.node_paths()
    synapses, rates = [], []
    recognised: dict[int, tuple] = {}   # id(op) -> (op, unit): an operator many nodes share
    for node_path, node in nodes.items():      # (a network's columns) is probed once
        node_synapses, node_rates = [], []
        for op_name, op in node.operators.items():
            known = recognised.get(id(op))
            if known is None:
                where = (f"{op.file}: template {op.name!r} (operator {op_name!r} of node "
                         f"{node_path!r} in circuit {circuit.name!r})")
                unit = (_synapse if _classify(op, where) == "synapse" else _rate)(
                    node_path, op_name, op, where)
                recognised[id(op)] = (op, unit)
            else:
                unit = replace(known[1], node=node_path, op_name=op_name)
            (node_synapses if isinstance(unit, Synapse) else node_rates).append(unit)
        if len(node_rates) != 1 or not node_synapses:
            raise TemplateError(f"{circuit.file}: circuit {circuit.name!r}, node {node_path!r}: a "
                                "Jansen-Rit node holds second-order synapse operators and exactly "
                                f"one rate operator; found {len(node_synapses)} synapse(s) and "
                                f"{len(node_rates)} rate operator(s). {_FAMILY}")
        rate = node_rates[0]
        for syn in node_synapses:
            if syn.v != rate.v:
                raise TemplateError(f"{circuit.file}: node {node_path!r}: synapse {syn.op_name!r} "
                                    f"outputs {syn.v!r} but rate operator {rate.op_name!r} reads "
                                    f"{rate.v!r}; the node sums its synapses into its rate by name")
        synapses += node_synapses
        rates.append(rate)

    node_index = {rate.node: i for i, rate in enumerate(rates)}
    parameters: dict[str, float] = {}
    for unit in [*synapses, *rates]:
        for name, var in unit.op.variables.items():
            if var.kind == "constant":
                parameters[f"{unit.node}/{unit.op_name}/{name}"] = var.default
    inputs = {f"{s.node}/{s.op_name}/{name}": s.op.variables[name].default
              for s in synapses for name in s.inputs}
    input_index = {path: i for i, path in enumerate(inputs)}
    edges = _edges(circuit, rates, node_index, input_index)
    for edge in edges:
        for name in EDGE_VARIABLES:
            value = getattr(edge.spec, name)
            if value is not None and not np.isfinite(value):
                # NaN is how "no delay" is held below: a NaN given would silently mean that
                raise TemplateError(f"{circuit.file}: circuit {circuit.name!r}, edge "
                                    f"{edge.spec.source} -> {edge.spec.target}: {name} must be a "
                                    f"finite number; received {value!r}")
            parameters[f"{edge.key}/{name}"] = np.nan if value is None else value

    recordables = (
        *[f"{s.node}/{s.op_name}/{state}" for s in synapses for state in (s.v, s.x)],
        *[f"{r.node}/{r.op_name}/{r.m}" for r in rates],
        *[f"{r.node}/{r.op_name}/{r.v}" for r in rates],
    )
    network = _NetworkLayout(synapses, rates, edges, list(parameters), list(inputs), node_index)
    return CompiledModel(name=circuit.name, parameters=parameters, inputs=inputs,
                         recordables=recordables, prepare=network.prepare,
                         nodes=tuple(nodes), states=recordables[:2 * len(synapses)],
                         edges={e.key: (e.spec.source, e.spec.target) for e in edges})


# --------------------------------------------------------------------------------------------
# Recognising operators
# --------------------------------------------------------------------------------------------

_FAMILY = JANSEN_RIT_ONLY


def _classify(op: OperatorDefinition, where: str) -> str:
    equations = operator_equations(op)
    odes = [eq for eq in equations if eq.is_ode]
    algebraic = [eq for eq in equations if not eq.is_ode]
    if len(odes) == 2 and not algebraic:
        return "synapse"
    if len(algebraic) == 1 and not odes:
        return "rate"
    text = equations[0].text if equations else "(no equations)"
    raise TemplateError(f"{where}: cannot place equation {text!r}: this operator has "
                        f"{len(odes)} differential and {len(algebraic)} algebraic equation(s). "
                        f"{_FAMILY}")


def _synapse(node, op_name, op, where) -> Synapse:
    odes = operator_equations(op)
    outputs = [eq.target for eq in odes if op.variables.get(eq.target) is not None
               and op.variables[eq.target].kind == "output"]
    if len(outputs) != 1:
        raise TemplateError(f"{where}: a synapse operator declares its potential as output(...) "
                            f"and its derivative as variable(...); found outputs {outputs}")
    v = outputs[0]
    x = next(eq.target for eq in odes if eq.target != v)
    inputs = tuple(name for name, var in op.variables.items() if var.kind == "input")
    syn = Synapse(node, op_name, op, v, x, inputs)
    defaults = {name: np.full(1, var.default) for name, var in op.variables.items()
                if var.kind == "constant"}
    synapse_coefficients(syn, defaults, where)  # raises where the form does not fit
    return syn


def _rate(node, op_name, op, where) -> Rate:
    (eq,) = operator_equations(op)
    inputs = [name for name, var in op.variables.items() if var.kind == "input"]
    if len(inputs) != 1 or eq.names() - set(op.variables):
        raise TemplateError(f"{where}: cannot place equation {eq.text!r}: a rate operator reads "
                            f"one input variable (the node's summed potential); it has {inputs}. "
                            f"{_FAMILY}")
    rate = Rate(node, op_name, op, inputs[0], eq.target)
    defaults = {name: np.full(1, var.default) for name, var in op.variables.items()
                if var.kind == "constant"}
    sigmoid_parameters(rate, defaults, where)
    return rate


def synapse_coefficients(syn: Synapse, values: dict, where: str) -> dict[str, np.ndarray]:
    """Per-set coefficients of ``dx/dt = a_v*v + a_x*x + a_0 + sum_k a_k*input_k``.

    ``values`` holds the operator's constants, one array over parameter sets each. Raises a
    TemplateError when ``dv/dt`` is not ``x`` or ``dx/dt`` is not linear in the states and inputs.
    """
    n = len(next(iter(values.values()))) if values else 1
    names = (syn.v, syn.x, *syn.inputs)

    def rhs(point):
        env = dict(values)
        env.update({name: np.broadcast_to(point[k], (n,)) for k, name in enumerate(names)})
        with np.errstate(all="ignore"):
            try:
                result = evaluate_operator(syn.op, env)
            except EquationError as exc:
                raise TemplateError(f"{where}: {exc}. {_FAMILY}") from None
        return result[f"d/dt {syn.v}"], result[f"d/dt {syn.x}"]

    zero = np.zeros(len(names))
    _, a_0 = rhs(zero)
    coefficients = {"a_0": np.asarray(a_0, float) * np.ones(n)}
    for k, name in enumerate(names):
        unit = zero.copy()
        unit[k] = 1.0
        coefficients[name] = np.asarray(rhs(unit)[1] - a_0, float) * np.ones(n)
    infinite = ~np.all([np.isfinite(c) for c in coefficients.values()], axis=0)
    # a parameter's fault (a time constant of 0), not the equations'
    refuse_first_bad_set(
        infinite,
        lambda k: f"{where}: parameter set {k} makes the coefficients of d/dt {syn.x} infinite or "
                  f"NaN ({', '.join(f'{name}: {c[k]:.4g}' for name, c in coefficients.items())}): "
                  "a time constant of 0, or a value too large to compute with?")
    rng = np.random.default_rng(0)
    for _ in range(3):
        point = rng.uniform(-2.0, 2.0, len(names)) * np.array([1e-2, 1.0] + [1e2] * len(syn.inputs))
        dv, dx = rhs(point)
        linear = coefficients["a_0"] + sum(coefficients[nm] * point[k] for k, nm in enumerate(names))
        scale = np.abs(linear) + sum(np.abs(coefficients[nm] * point[k]) for k, nm in enumerate(names))
        fits_v = np.allclose(dv, point[1], rtol=1e-12, atol=0)
        fits_x = np.all(np.abs(dx - linear) <= 1e-9 * scale + 1e-300) and np.all(np.isfinite(dx))
        if not (fits_v and fits_x):
            bad = syn.v if not fits_v else syn.x
            text = next((eq.text for eq in operator_equations(syn.op)
                         if eq.is_ode and eq.target == bad), f"d/dt * {bad}")
            raise TemplateError(f"{where}: cannot place equation {text!r}: d/dt * {syn.v} must "
                                f"equal {syn.x}, and d/dt * {syn.x} be linear. {_FAMILY}")
    return coefficients


def sigmoid_parameters(rate: Rate, values: dict, where: str) -> tuple[np.ndarray, ...]:
    """Per-set ``(A, B, C)`` with ``m = A / (1 + exp(-B*(v - C)))``, found by probing the
    equation (bisection for the half-maximum C), then checked at points across the sigmoid."""
    n = len(next(iter(values.values()))) if values else 1

    def f(v):
        env = dict(values)
        env[rate.v] = np.broadcast_to(v, (n,))
        with np.errstate(all="ignore"):
            try:
                return np.asarray(evaluate_operator(rate.op, env)[rate.m], float) * np.ones(n)
            except EquationError as exc:
                raise TemplateError(f"{where}: {exc}. {_FAMILY}") from None

    far = 1e4
    high, low = f(np.full(n, far)), f(np.full(n, -far))
    refuse_first_bad_set(
        np.minimum(high, low) < 0,
        lambda k: f"{where}: parameter set {k} gives {rate.m} = {min(high[k], low[k]):.4g}: a "
                  "firing rate must be >= 0 (is its maximum rate negative?)")
    amplitude = np.maximum(high, low)
    increasing = high >= low
    a, b = np.full(n, -far), np.full(n, far)
    for _ in range(200):  # bisection for f(C) = A/2; converges to the last bit
        mid = 0.5 * (a + b)
        above = (f(mid) > amplitude / 2) == increasing
        new_b, new_a = np.where(above, mid, b), np.where(above, a, mid)
        if np.array_equal(new_a, a) and np.array_equal(new_b, b):
            break         # a fixed point: every further step would change nothing
        a, b = new_a, new_b
    centre = 0.5 * (a + b)
    steepness = np.zeros(n)
    for delta in (1e-9 * np.ones(n), None):
        if delta is None:  # second pass: a step of about one unit of B*(v - C)
            delta = np.where(steepness != 0, 0.5 / np.abs(steepness), 1e-9)
        with np.errstate(all="ignore"):
            steepness = -np.log(amplitude / f(centre + delta) - 1.0) / delta
    flat = amplitude == 0
    steepness, centre = np.where(flat, 0.0, steepness), np.where(flat, 0.0, centre)
    for k in np.linspace(-8, 8, 9):
        v = centre + np.where(flat, 0.0, k / np.where(flat, 1.0, np.abs(steepness)))
        expected = amplitude / (1.0 + np.exp(-steepness * (v - centre)))
        if not (np.all(np.isfinite(steepness))
                and np.all(np.abs(f(v) - expected) <= 1e-9 * np.abs(amplitude) + 1e-300)):
            raise TemplateError(f"{where}: cannot place equation {rate.op.equations[0]!r}: {_FAMILY}")
    return amplitude, steepness, centre


def _edges(circuit, rates, node_index, input_index) -> list[Edge]:
    edges, seen = [], {}
    for spec in circuit.all_edges():
        where = f"{circuit.file}: circuit {circuit.name!r}, edge {spec.source} -> {spec.target}"
        source_node, _, source_var = spec.source.rpartition("/")
        source_node = source_node.rpartition("/")[0]
        if source_node not in node_index:
            raise TemplateError(f"{where}: unknown source node {source_node!r}; nodes are "
                                f"{', '.join(node_index)}")
        rate = rates[node_index[source_node]]
        if spec.source != f"{rate.node}/{rate.op_name}/{rate.m}":
            raise TemplateError(f"{where}: unknown source variable {spec.source!r}; an edge "
                                f"carries a node's rate, here {rate.node}/{rate.op_name}/{rate.m}")
        if spec.target not in input_index:
            raise TemplateError(f"{where}: unknown target variable {spec.target!r}; expected a "
                                f"synapse input, one of {', '.join(input_index)}")
        if spec.template is not None:
            raise TemplateError(f"{where}: edge templates ({spec.template!r}) are not supported; "
                                "give weight, delay and spread in the edge's mapping")
        index = seen.get((spec.source, spec.target), 0)
        seen[(spec.source, spec.target)] = index + 1
        key = f"{spec.source}->{spec.target}#{index}"
        edges.append(Edge(node_index[source_node], input_index[spec.target], spec, key))
    return edges


# --------------------------------------------------------------------------------------------
# Per-set kernel arrays
# --------------------------------------------------------------------------------------------

#: distinct-value probes a network model keeps (:func:`_on_distinct_values`)
PROBES_KEPT = 64


class _NetworkLayout:
    """Turns per-set parameter rows into the network kernel's arrays, and calls the kernel."""

    def __init__(self, synapses, rates, edges, parameter_paths, input_paths, node_index):
        self.synapses, self.rates, self.edges = synapses, rates, edges
        self.row = {path: i for i, path in enumerate(parameter_paths)}
        self.input_paths = input_paths
        self.node_index = node_index
        # what the probes found for the distinct values of a group of units, kept for the next
        # sweep of this model (a Sweep's runs, repeated grid_search calls of a cached template)
        self.probed: dict[tuple, object] = {}

    def _values(self, params, node, op_name, op):
        return {name: params[self.row[f"{node}/{op_name}/{name}"]]
                for name, var in op.variables.items() if var.kind == "constant"}

    def arrays(self, params: np.ndarray, dt: float) -> dict[str, np.ndarray]:
        n_sets = params.shape[1]
        input_index = {path: k for k, path in enumerate(self.input_paths)}
        syn_coef, term_syn, term_in, term_coef = [], [], [], []
        for s, (syn, coefficients) in enumerate(zip(self.synapses, self._per_unit(
                self.synapses, params, synapse_coefficients), strict=True)):
            _check_decays(syn, coefficients, self._where(syn))
            syn_coef += [coefficients[syn.v], coefficients[syn.x], coefficients["a_0"]]
            for name in syn.inputs:
                term_syn.append(s)
                term_in.append(input_index[f"{syn.node}/{syn.op_name}/{name}"])
                term_coef.append(coefficients[name])
        rate_abc = []
        for rate, abc in zip(self.rates, self._per_unit(self.rates, params, sigmoid_parameters),
                             strict=True):
            _check_rising(rate, abc, self._where(rate))
            rate_abc += abc
        edges = self._edge_arrays(params, dt)
        return dict(
            syn_node=np.array([self.node_index[s.node] for s in self.synapses], np.intc),
            syn_coef=_rows(syn_coef, n_sets), term_syn=np.array(term_syn or [0], np.intc),
            term_in=np.array(term_in or [0], np.intc), term_coef=_rows(term_coef, n_sets),
            n_terms=len(term_syn), rate_abc=_rows(rate_abc, n_sets),
            edge_src=np.array([e.source_node for e in self.edges] or [0], np.intc),
            edge_tgt=np.array([e.target_input for e in self.edges] or [0], np.intc),
            n_edges=len(self.edges), **edges)

    @staticmethod
    def _where(unit) -> str:
        return f"{unit.op.file}: operator {unit.op_name!r} of node {unit.node!r}"

    def _per_unit(self, units, params: np.ndarray, probe) -> list:
        """``probe(unit, values, where)`` for every unit, run once per group of units whose
        operators are alike (a network's columns) on their values side by side: a network of
        many columns costs a few probes, not a few per node. Where a group fails, its units
        are probed one by one, so that the error names the node and parameter set."""
        n_sets = params.shape[1]
        groups: dict[tuple, list[int]] = {}
        for k, unit in enumerate(units):
            key = (unit.op.equations, tuple(unit.op.variables.items()))
            groups.setdefault(key, []).append(k)
        results: list = [None] * len(units)
        for key, members in groups.items():
            first = units[members[0]]
            values = {name: np.concatenate([self._values(params, units[k].node, units[k].op_name,
                                                         units[k].op)[name] for k in members])
                      for name, var in first.op.variables.items() if var.kind == "constant"}
            try:
                together = _on_distinct_values(probe, first, values, self._where(first),
                                               self.probed, (probe.__name__, key))
            except (ValueError, TemplateError):
                for k in members:
                    unit = units[k]
                    probe(unit, self._values(params, unit.node, unit.op_name, unit.op),
                          self._where(unit))
                raise
            for g, k in enumerate(members):
                part = slice(g * n_sets, (g + 1) * n_sets)
                results[k] = ({name: c[part] for name, c in together.items()}
                              if isinstance(together, dict) else tuple(c[part] for c in together))
        return results

    def _edge_arrays(self, params: np.ndarray, dt: float) -> dict:
        """Each edge's kind, per-set weight, order (delay steps or gamma stages), stage rate,
        and offset into the kernel's ring or chain storage, for all edges at once."""
        n_sets = params.shape[1]
        if not self.edges:
            return dict(edge_kind=np.zeros(1, np.intc), edge_weight=_rows([], n_sets),
                        edge_order=_rows([], n_sets, np.intc), edge_rate=_rows([], n_sets),
                        edge_offset=np.zeros(1, np.intc), n_chain=0, n_ring=0)
        rows = {name: [self.row[f"{e.key}/{name}"] for e in self.edges] for name in EDGE_VARIABLES}
        weight, delay, spread = (params[rows[name]] for name in EDGE_VARIABLES)
        for name, values in (("delay", delay), ("spread", spread)):
            negative = values < 0                   # NaN (no delay, no spread) passes
            if np.any(negative):
                e, k = np.argwhere(negative)[0]
                edge = self.edges[e].spec
                raise ValueError(f"edge {edge.source} -> {edge.target}: {name} must be >= 0 (a "
                                 f"duration in s); parameter set {k} gives {values[e, k]}")
        delayed = np.nan_to_num(delay, nan=0.0) > 0
        discrete = delayed.any(axis=1) & np.isnan(spread).all(axis=1)
        gamma = delayed.any(axis=1) & ~discrete
        self._check_storage(delay, spread, delayed, discrete, gamma, dt, n_sets)
        steps = np.where(delayed, np.round(np.nan_to_num(delay) / dt), 0).astype(np.intc)
        with np.errstate(all="ignore"):
            stages = np.where(delayed & (spread > 0), np.round((delay / spread) ** 2), 0)
        stages = np.nan_to_num(stages).astype(np.intc)
        order = np.where(discrete[:, None], steps, np.where(gamma[:, None], stages, 0))
        with np.errstate(all="ignore"):
            rate = np.where(gamma[:, None] & (stages > 0),
                            stages / np.where(delayed, delay, 1.0), 0.0)
        # storage: a discrete edge's ring holds its longest delay over the sets plus this step,
        # a gamma edge's chain its most stages over the sets
        ring = np.where(discrete, order.max(axis=1) + 1, 0)
        chain = np.where(gamma, order.max(axis=1), 0)
        offset = np.where(discrete, np.cumsum(ring) - ring, np.where(gamma, np.cumsum(chain) - chain, 0))
        kind = np.where(discrete, EDGE_DISCRETE, np.where(gamma, EDGE_GAMMA, EDGE_NONE))
        return dict(edge_kind=kind.astype(np.intc), edge_weight=np.ascontiguousarray(weight),
                    edge_order=np.ascontiguousarray(order, np.intc),
                    edge_rate=np.ascontiguousarray(rate), edge_offset=offset.astype(np.intc),
                    n_chain=int(chain.sum()), n_ring=int(ring.sum()))

    def _check_storage(self, delay, spread, delayed, discrete, gamma, dt, n_sets) -> None:
        """Refuse, before any of it is allocated (its state names included), the state the
        delays need when it cannot fit: a discrete edge keeps ``delay/dt + 1`` rates per set, a
        gamma edge ``(delay/spread)**2`` stages (a spread 1e-4 of its delay is 1e8 stages)."""
        for name, values in (("delay", delay), ("spread", spread)):
            if np.any(np.isinf(values)):
                e, k = np.argwhere(np.isinf(values))[0]
                edge = self.edges[e].spec
                raise ValueError(f"edge {edge.source} -> {edge.target}: {name} must be finite (a "
                                 f"duration in s); parameter set {k} gives {values[e, k]}")
        with np.errstate(all="ignore"):
            steps = np.where(delayed, np.nan_to_num(delay) / dt + 1.0, 0.0)
            stages = np.where(delayed & (spread > 0), np.round((delay / spread) ** 2), 0.0)
        order = np.where(discrete[:, None], steps, np.where(gamma[:, None], stages, 0.0))
        per_edge = np.nan_to_num(order, posinf=np.inf).max(axis=1)
        total = float(per_edge.sum())
        if total * (100 + 8 * 64) < 2**20:      # under a megabyte: nothing to check
            return
        e = int(np.argmax(per_edge))
        edge = self.edges[e].spec
        k = int(np.argmax(order[e]))
        how = (f"a chain of {order[e, k]:.3g} stages ((delay / spread)**2 with delay "
               f"{delay[e, k]:g} s and spread {spread[e, k]:g} s, parameter set {k})" if gamma[e]
               else f"a history of {order[e, k]:.3g} rates (delay / step_size with delay "
               f"{delay[e, k]:g} s, parameter set {k})")
        # each state: its name (about 100 bytes) and a double per set of a few tiles of sets
        check_memory(total * (100 + 8 * 64),
            f"the delayed edges' state ({total:.3g} values per parameter set; edge "
            f"{edge.source} -> {edge.target} alone is {how})",
            "Give the delays a larger spread (fewer stages) or a coarser step_size.")
        if total > np.iinfo(np.intc).max:
            raise ValueError(f"the delayed edges' state ({total:.3g} values per parameter set; "
                             f"edge {edge.source} -> {edge.target} alone is {how}) exceeds the "
                             f"kernel's {np.iinfo(np.intc).max} values")

    def prepare(self, params: np.ndarray, dt: float) -> _PreparedNetwork:
        arrays = self.arrays(params, dt)
        # the kernel's state layout (see network_save_state in _network.pyx): synapse states and
        # gamma stages, each edge's previous chain output, then the discrete edges' rate histories
        kinds = arrays["edge_kind"].tolist()
        # a gamma edge's chain has its longest order over the sets; a discrete edge's ring holds
        # its longest delay plus this step
        longest = arrays["edge_order"].max(axis=1).tolist() if self.edges else []
        n_state = (2 * len(self.synapses) + len(self.edges)
                   + sum(n for kind, n in zip(kinds, longest, strict=True) if kind == EDGE_GAMMA)
                   + sum(n + 1 for kind, n in zip(kinds, longest, strict=True)
                         if kind == EDGE_DISCRETE))
        synapse_states = [f"{s.node}/{s.op_name}/{state}" for s in self.synapses
                          for state in (s.v, s.x)]
        names = functools.partial(_state_names, synapse_states, [e.key for e in self.edges],
                                  kinds, longest)
        return _PreparedNetwork(arrays, names, n_state)


def _state_names(synapse_states: list[str], edges: list[str], kinds: list[int],
                 longest: list[int]) -> tuple[str, ...]:
    """A network's state names, in the kernel's state layout (plain data in, so that a block
    task carries the recipe rather than the names)."""
    stages = [f"{edge}/stage{k}" for e, edge in enumerate(edges)
              if kinds[e] == EDGE_GAMMA for k in range(longest[e])]
    previous = [f"{edge}/previous_output" for edge in edges]
    histories = [f"{edge}/rate_history{k}" for e, edge in enumerate(edges)
                 if kinds[e] == EDGE_DISCRETE for k in range(longest[e] + 1)]
    return (*synapse_states, *stages, *previous, *histories)


class _PreparedNetwork(PreparedSweep):
    """A network sweep: its kernel arrays, built once for every set, sliced per block. Its state
    names are made when first asked for (a connectome's delay histories have hundreds of
    thousands of rows, more work than a short sweep)."""

    def __init__(self, arrays: dict, names: Callable[[], tuple[str, ...]], n_state: int):
        self.arrays = arrays
        self._names, self._n_state = names, n_state
        self._named: tuple[str, ...] | None = None
        self.n_sets = arrays["syn_coef"].shape[1]
        # a lumped column steps four synapses; a network steps its synapses and edges
        self.work_per_step = max(1.0, (len(arrays["syn_node"]) + arrays["n_edges"]) / 4)

    def _sets(self, start: int, stop: int) -> dict:
        """The kernel arrays of sets start..stop-1 (per-set arrays are (rows, n_sets))."""
        return {key: np.ascontiguousarray(value[:, start:stop])
                if isinstance(value, np.ndarray) and value.ndim == 2 else value
                for key, value in self.arrays.items()}

    def subset(self, start: int, stop: int) -> _PreparedNetwork:
        return _PreparedNetwork(self._sets(start, stop), self._names, self._n_state)

    @property
    def state_names(self) -> tuple[str, ...]:  # type: ignore[override]
        if self._named is None:
            self._named = self._names()
        return self._named

    @property
    def n_state(self) -> int:
        return self._n_state

    @property
    def adaptive_refusal(self) -> str | None:
        if self.arrays["n_ring"] == 0:
            return None
        return ("solver='scipy' cannot integrate discrete edge delays (a delay without a "
                "spread): csweep keeps their rate histories step by step, which adaptive steps "
                "do not follow (PyRates hands such networks to a different SciPy integrator "
                "with an interpolated history). Use 'euler', 'heun' or 'rk4', or give the delays "
                "a spread (gamma-distributed delays are part of the state)")

    def run(self, start, stop, channels, record, out, stepping, n_threads, *, y_init=None,
            y_final=None, stats=None):
        solver, adaptive = stepping.solver, stepping.adaptive
        if solver != "scipy" and solver not in _runtime.SOLVERS:
            raise ValueError(f"the network kernel has no solver {solver!r}")
        a = self._sets(start, stop)
        n_sets = stop - start
        in_const = np.empty((len(channels), n_sets))
        series_parts, columns, widths, col = [], [], [], 0
        for i, channel in enumerate(channels):
            if channel.shape[0] == 1:
                in_const[i] = channel[0]
                columns.append(-1)
                widths.append(0)
            else:
                series_parts.append(channel)
                columns.append(col)
                widths.append(channel.shape[1])
                col += channel.shape[1]
        series = (np.ascontiguousarray(np.hstack(series_parts)) if series_parts
                  else np.zeros((1, 1)))
        network = _network.NetworkArrays(
            a["syn_node"], a["syn_coef"], a["term_syn"], a["term_in"], a["term_coef"],
            a["n_terms"], a["rate_abc"], in_const, series, np.array(columns, np.intc),
            np.array(widths, np.intc), a["edge_src"], a["edge_tgt"], a["edge_kind"],
            a["edge_weight"], a["edge_order"], a["edge_rate"], a["edge_offset"], a["n_edges"],
            a["n_chain"], a["n_ring"])
        states = (NO_STATE if y_init is None else y_init,
                  NO_STATE if y_final is None else y_final)
        if solver == "scipy":
            _dopri.integrate_network_rk45(
                network, record, out, *states, adaptive.times, adaptive.t_end, adaptive.spacing,
                adaptive.rtol, adaptive.atol, adaptive.first_step, stats, n_threads,
                adaptive.method)
        else:
            _kernel.network_tiles_for(n_sets, n_threads).integrate_network(
                network, record, out, *states, stepping.every, stepping.first, stepping.n_steps,
                _runtime.SOLVERS[solver], stepping.dt, n_threads)



def _on_distinct_values(probe, unit, values: dict, where: str, found: dict, key: tuple):
    """``probe(unit, values, where)`` run on the distinct columns of ``values`` only (a sweep
    varies a few parameters, so most units see one set of constants however many sets there
    are), its results spread back to every column; what it gives for a set of distinct columns
    is kept in ``found`` (the last ``PROBES_KEPT``) for the next sweep. The probes compute
    column by column, so each column's result is the one it gets in any company; columns are
    told apart by their bits. A probe that fails is run again on every column by the caller, to
    name the set."""
    names = list(values)
    if not names:
        return probe(unit, values, where)
    stacked = np.ascontiguousarray(np.stack([np.asarray(values[n], np.float64) for n in names]))
    bits, first, inverse = np.unique(stacked.view(np.uint64), axis=1, return_index=True,
                                     return_inverse=True)
    key = (*key, tuple(names), bits.tobytes())
    together = found.get(key)
    if together is None:
        together = probe(unit, {n: stacked[k, first] for k, n in enumerate(names)}, where)
        while len(found) >= PROBES_KEPT:     # another thread may trim it too
            found.pop(next(iter(found)), None)
        found[key] = together
    spread = inverse.reshape(-1)
    if isinstance(together, dict):
        return {name: c[spread] for name, c in together.items()}
    return tuple(c[spread] for c in together)


def _check_decays(syn: Synapse, coefficients: dict, where: str) -> None:
    """Refuse parameters under which a synapse's potential does not decay to rest (a time
    constant <= 0: ``d/dt x = -v/tau^2 - 2x/tau + ...`` needs both coefficients < 0)."""
    a_v, a_x = coefficients[syn.v], coefficients[syn.x]
    refuse_first_bad_set(
        ~(np.isfinite(a_v) & np.isfinite(a_x) & (a_v < 0) & (a_x < 0)),
        lambda k: f"{where}: parameter set {k} makes d/dt {syn.x} = {a_v[k]:.4g}*{syn.v} "
                  f"{a_x[k]:+.4g}*{syn.x} + ...: a synapse whose potential does not decay (its "
                  "time constant must be > 0 and finite)")


def _check_rising(rate: Rate, abc: tuple, where: str) -> None:
    """Refuse parameters under which a firing rate falls as the potential rises."""
    amplitude, steepness, _ = abc
    refuse_first_bad_set(
        steepness < 0,
        lambda k: f"{where}: parameter set {k} makes {rate.m} = {amplitude[k]:.4g}/(1 + "
                  f"exp({-steepness[k]:.4g}*({rate.v} - c))): a firing rate must rise with the "
                  "potential (its slope must be >= 0)")


def _rows(rows, n_sets, dtype=np.float64) -> np.ndarray:
    """Stack per-set rows into a C-contiguous (len(rows), n_sets) array (one zero row if empty)."""
    if not rows:
        return np.zeros((1, n_sets), dtype)
    return np.ascontiguousarray(np.vstack([np.broadcast_to(r, (n_sets,)) for r in rows]), dtype)
