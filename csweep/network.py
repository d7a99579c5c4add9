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

from dataclasses import dataclass

import numpy as np

from . import _dopri, _integrate, _network
from .equations import EquationError
from .model import NO_STATE, CompiledModel, PreparedSweep, evaluate_operator, operator_equations
from .template_reader import CircuitTemplate, EdgeSpec, OperatorTemplate, TemplateError

EDGE_NONE, EDGE_DISCRETE, EDGE_GAMMA = (_network.EDGE_KINDS[kind]
                                       for kind in ("none", "discrete", "gamma"))
EDGE_VARIABLES = ("weight", "delay", "spread")


@dataclass(frozen=True)
class Synapse:
    node: str
    op_name: str
    op: OperatorTemplate
    v: str              # output state (postsynaptic potential)
    x: str              # its derivative state
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    node: str
    op_name: str
    op: OperatorTemplate
    v: str              # input: the node's summed synaptic potential
    m: str              # output rate


@dataclass(frozen=True)
class Edge:
    source_node: int
    target_input: int
    spec: EdgeSpec
    key: str            # base of its parameter paths: f"{key}/weight", ...


def compile_network(circuit: CircuitTemplate) -> CompiledModel:
    """Recognise ``circuit`` as a Jansen-Rit network, or raise a TemplateError saying why not."""
    nodes = circuit.node_paths()
    synapses, rates = [], []
    for node_path, node in nodes.items():
        node_synapses, node_rates = [], []
        for op_name, op in node.operators.items():
            where = (f"{op.file}: template {op.name!r} (operator {op_name!r} of node {node_path!r} "
                     f"in circuit {circuit.name!r})")
            kind = _classify(op, where)
            if kind == "synapse":
                node_synapses.append(_synapse(node_path, op_name, op, where))
            else:
                node_rates.append(_rate(node_path, op_name, op, where))
        if len(node_rates) != 1 or not node_synapses:
            raise TemplateError(f"{circuit.file}: circuit {circuit.name!r}, node {node_path!r}: a "
                                "Jansen-Rit node holds second-order synapse operators and exactly "
                                f"one rate operator; found {len(node_synapses)} synapse(s) and "
                                f"{len(node_rates)} rate operator(s)")
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
            parameters[f"{edge.key}/{name}"] = np.nan if value is None else value

    recordables = (
        *[f"{s.node}/{s.op_name}/{state}" for s in synapses for state in (s.v, s.x)],
        *[f"{r.node}/{r.op_name}/{r.m}" for r in rates],
        *[f"{r.node}/{r.op_name}/{r.v}" for r in rates],
    )
    network = _NetworkLayout(synapses, rates, edges, list(parameters), list(inputs), node_index)
    return CompiledModel(name=circuit.name, parameters=parameters, inputs=inputs,
                         recordables=recordables, prepare=network.prepare,
                         nodes=tuple(nodes),
                         edges={e.key: (e.spec.source, e.spec.target) for e in edges})


# --------------------------------------------------------------------------------------------
# Recognising operators
# --------------------------------------------------------------------------------------------

_FAMILY = ("csweep's network kernel integrates second-order synapses (d/dt * v = x, d/dt * x "
           "linear in v, x and inputs) and sigmoid rates (m = m_max/(1 + exp(s*(v_thr - v))))")


def _classify(op: OperatorTemplate, where: str) -> str:
    equations = operator_equations(op)
    odes = [eq for eq in equations if eq.is_ode]
    algebraic = [eq for eq in equations if not eq.is_ode]
    if len(odes) == 2 and not algebraic:
        return "synapse"
    if len(algebraic) == 1 and not odes:
        return "rate"
    text = equations[0].text if equations else "(no equations)"
    raise TemplateError(f"{where}: cannot place equation {text!r}: {_FAMILY}; this operator has "
                        f"{len(odes)} differential and {len(algebraic)} algebraic equation(s)")


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
                            f"one input variable (the node's summed potential); it has {inputs}")
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
                raise TemplateError(f"{where}: {exc}") from None
        return result[f"d/dt {syn.v}"], result[f"d/dt {syn.x}"]

    zero = np.zeros(len(names))
    _, a_0 = rhs(zero)
    coefficients = {"a_0": np.asarray(a_0, float) * np.ones(n)}
    for k, name in enumerate(names):
        unit = zero.copy()
        unit[k] = 1.0
        coefficients[name] = np.asarray(rhs(unit)[1] - a_0, float) * np.ones(n)
    infinite = ~np.all([np.isfinite(c) for c in coefficients.values()], axis=0)
    if np.any(infinite):      # a parameter's fault (a time constant of 0), not the equations'
        k = int(np.argmax(infinite))
        shown = ", ".join(f"{name}: {c[k]:.4g}" for name, c in coefficients.items())
        raise ValueError(f"{where}: parameter set {k} makes the coefficients of d/dt {syn.x} "
                         f"infinite or NaN ({shown}): a time constant of 0, or a value too large "
                         "to compute with?")
    rng = np.random.default_rng(0)
    for _ in range(3):
        point = rng.uniform(-2.0, 2.0, len(names)) * np.array([1e-2, 1.0] + [1e2] * len(syn.inputs))
        dv, dx = rhs(point)
        linear = coefficients["a_0"] + sum(coefficients[nm] * point[k] for k, nm in enumerate(names))
        scale = np.abs(linear) + sum(np.abs(coefficients[nm] * point[k]) for k, nm in enumerate(names))
        fits_v = np.allclose(dv, point[1], rtol=1e-12, atol=0)
        fits_x = np.all(np.abs(dx - linear) <= 1e-9 * scale + 1e-300) and np.all(np.isfinite(dx))
        if not (fits_v and fits_x):
            bad = f"d/dt * {syn.v}" if not fits_v else f"d/dt * {syn.x}"
            text = next((eq.text for eq in operator_equations(syn.op)
                         if eq.text.replace(" ", "").startswith(bad.replace(" ", "") + "=")), bad)
            raise TemplateError(f"{where}: cannot place equation {text!r}: {_FAMILY} (here "
                                f"d/dt * {syn.v} must equal {syn.x}, and d/dt * {syn.x} be linear)")
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
                raise TemplateError(f"{where}: {exc}") from None

    far = 1e4
    high, low = f(np.full(n, far)), f(np.full(n, -far))
    negative = np.minimum(high, low) < 0
    if np.any(negative):
        k = int(np.argmax(negative))
        raise ValueError(f"{where}: parameter set {k} gives {rate.m} = "
                         f"{min(high[k], low[k]):.4g}: a firing rate must be >= 0 (is its maximum "
                         "rate negative?)")
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

class _NetworkLayout:
    """Turns per-set parameter rows into the network kernel's arrays, and calls the kernel."""

    def __init__(self, synapses, rates, edges, parameter_paths, input_paths, node_index):
        self.synapses, self.rates, self.edges = synapses, rates, edges
        self.row = {path: i for i, path in enumerate(parameter_paths)}
        self.input_paths = input_paths
        self.node_index = node_index

    def _values(self, params, node, op_name, op):
        return {name: params[self.row[f"{node}/{op_name}/{name}"]]
                for name, var in op.variables.items() if var.kind == "constant"}

    def arrays(self, params: np.ndarray, dt: float) -> dict[str, np.ndarray]:
        n_sets = params.shape[1]
        syn_coef, term_syn, term_in, term_coef = [], [], [], []
        for s, syn in enumerate(self.synapses):
            where = f"{syn.op.file}: operator {syn.op_name!r} of node {syn.node!r}"
            coefficients = synapse_coefficients(
                syn, self._values(params, syn.node, syn.op_name, syn.op), where)
            _check_decays(syn, coefficients, where)
            syn_coef += [coefficients[syn.v], coefficients[syn.x], coefficients["a_0"]]
            for name in syn.inputs:
                term_syn.append(s)
                term_in.append(self.input_paths.index(f"{syn.node}/{syn.op_name}/{name}"))
                term_coef.append(coefficients[name])
        rate_abc = []
        for rate in self.rates:
            where = f"{rate.op.file}: operator {rate.op_name!r} of node {rate.node!r}"
            abc = sigmoid_parameters(rate, self._values(params, rate.node, rate.op_name, rate.op),
                                     where)
            _check_rising(rate, abc, where)
            rate_abc += abc
        kinds, order, rate_k, offsets = [], [], [], []
        n_chain = n_ring = 0
        for edge in self.edges:
            delay = params[self.row[f"{edge.key}/delay"]]
            spread = params[self.row[f"{edge.key}/spread"]]
            for name, values in (("delay", delay), ("spread", spread)):
                if np.any(values < 0):     # NaN (no delay, no spread) passes
                    k = int(np.argmax(values < 0))
                    raise ValueError(f"edge {edge.spec.source} -> {edge.spec.target}: {name} must "
                                     f"be >= 0 (a duration in s); parameter set {k} gives "
                                     f"{values[k]}")
            delayed = np.nan_to_num(delay, nan=0.0) > 0
            if np.all(~delayed):
                kinds.append(EDGE_NONE)
                order.append(np.zeros(n_sets, np.intc))
                rate_k.append(np.zeros(n_sets))
                offsets.append(0)
            elif np.all(np.isnan(spread)):
                steps = np.where(delayed, np.round(np.nan_to_num(delay) / dt), 0).astype(np.intc)
                kinds.append(EDGE_DISCRETE)
                order.append(steps)
                rate_k.append(np.zeros(n_sets))
                offsets.append(n_ring)
                n_ring += _ring_slots(steps)
            else:
                with np.errstate(all="ignore"):
                    n = np.where(delayed & (spread > 0), np.round((delay / spread) ** 2), 0)
                n = np.nan_to_num(n).astype(np.intc)
                kinds.append(EDGE_GAMMA)
                order.append(n)
                rate_k.append(np.where(n > 0, n / np.where(delayed, delay, 1.0), 0.0))
                offsets.append(n_chain)
                n_chain += _chain_stages(n)
        weights = [params[self.row[f"{e.key}/weight"]] for e in self.edges]
        return dict(
            syn_node=np.array([self.node_index[s.node] for s in self.synapses], np.intc),
            syn_coef=_rows(syn_coef, n_sets), term_syn=np.array(term_syn or [0], np.intc),
            term_in=np.array(term_in or [0], np.intc), term_coef=_rows(term_coef, n_sets),
            n_terms=len(term_syn), rate_abc=_rows(rate_abc, n_sets),
            edge_src=np.array([e.source_node for e in self.edges] or [0], np.intc),
            edge_tgt=np.array([e.target_input for e in self.edges] or [0], np.intc),
            edge_kind=np.array(kinds or [0], np.intc), edge_weight=_rows(weights, n_sets),
            edge_order=_rows(order, n_sets, np.intc), edge_rate=_rows(rate_k, n_sets),
            edge_offset=np.array(offsets or [0], np.intc), n_edges=len(self.edges),
            n_chain=n_chain, n_ring=n_ring)

    def prepare(self, params: np.ndarray, dt: float) -> _PreparedNetwork:
        arrays = self.arrays(params, dt)
        synapse_states = [f"{s.node}/{s.op_name}/{state}" for s in self.synapses
                          for state in (s.v, s.x)]
        # the kernel's state layout (see network_save_state in _network.pyx): synapse states and gamma stages,
        # each edge's previous chain output, then the discrete edges' rate histories
        kinds = arrays["edge_kind"]
        orders = arrays["edge_order"]
        stages = [f"{edge.key}/stage{k}" for e, edge in enumerate(self.edges)
                  if kinds[e] == EDGE_GAMMA for k in range(_chain_stages(orders[e]))]
        previous = [f"{edge.key}/previous_output" for edge in self.edges]
        histories = [f"{edge.key}/rate_history{k}" for e, edge in enumerate(self.edges)
                     if kinds[e] == EDGE_DISCRETE for k in range(_ring_slots(orders[e]))]
        return _PreparedNetwork(arrays, (*synapse_states, *stages, *previous, *histories))


class _PreparedNetwork(PreparedSweep):
    """A network sweep: its kernel arrays, built once for every set, sliced per block."""

    def __init__(self, arrays: dict, state_names: tuple[str, ...]):
        self.arrays = arrays
        self.state_names = state_names
        self.n_sets = arrays["syn_coef"].shape[1]

    def _sets(self, start: int, stop: int) -> dict:
        """The kernel arrays of sets start..stop-1 (per-set arrays are (rows, n_sets))."""
        return {key: np.ascontiguousarray(value[:, start:stop])
                if isinstance(value, np.ndarray) and value.ndim == 2 else value
                for key, value in self.arrays.items()}

    def subset(self, start: int, stop: int) -> _PreparedNetwork:
        return _PreparedNetwork(self._sets(start, stop), self.state_names)

    @property
    def adaptive_refusal(self) -> str | None:
        if self.arrays["n_ring"] == 0:
            return None
        return ("solver='scipy' cannot integrate discrete edge delays (a delay without a "
                "spread): csweep keeps their rate histories step by step, which adaptive steps "
                "do not follow (PyRates hands such networks to a different SciPy integrator "
                "with an interpolated history). Use 'euler', 'heun' or 'rk4', or give the delays "
                "a spread (gamma-distributed delays are part of the state)")

    def run(self, start, stop, channels, record, out, *, every, first, n_steps, solver, dt,
            n_threads, compute_precision="float64", y_init=None, y_final=None, adaptive=None,
            stats=None):
        if solver != "scipy" and solver not in _integrate.SOLVERS:
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
                adaptive.rtol, adaptive.atol, adaptive.first_step, stats, n_threads)
        else:
            _network.integrate_network(network, record, out, *states, every, first, n_steps,
                                       _integrate.SOLVERS[solver], dt, n_threads)


def _check_decays(syn: Synapse, coefficients: dict, where: str) -> None:
    """Refuse parameters under which a synapse's potential does not decay to rest (a time
    constant <= 0: ``d/dt x = -v/tau^2 - 2x/tau + ...`` needs both coefficients < 0)."""
    a_v, a_x = coefficients[syn.v], coefficients[syn.x]
    bad = ~(np.isfinite(a_v) & np.isfinite(a_x) & (a_v < 0) & (a_x < 0))
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ValueError(f"{where}: parameter set {k} makes d/dt {syn.x} = {a_v[k]:.4g}*{syn.v} "
                         f"{a_x[k]:+.4g}*{syn.x} + ...: a synapse whose potential does not decay "
                         "(its time constant must be > 0 and finite)")


def _check_rising(rate: Rate, abc: tuple, where: str) -> None:
    """Refuse parameters under which a firing rate falls as the potential rises."""
    amplitude, steepness, _ = abc
    bad = steepness < 0
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ValueError(f"{where}: parameter set {k} makes {rate.m} = {amplitude[k]:.4g}/(1 + "
                         f"exp({-steepness[k]:.4g}*({rate.v} - c))): a firing rate must rise with "
                         "the potential (its slope must be >= 0)")


def _chain_stages(stages: np.ndarray) -> int:
    """State slots of a gamma edge: its longest chain over the sets."""
    return int(stages.max())


def _ring_slots(steps: np.ndarray) -> int:
    """Rate-history slots of a discrete edge: its longest delay over the sets, plus this step."""
    return int(steps.max()) + 1


def _rows(rows, n_sets, dtype=np.float64) -> np.ndarray:
    """Stack per-set rows into a C-contiguous (len(rows), n_sets) array (one zero row if empty)."""
    if not rows:
        return np.zeros((1, n_sets), dtype)
    return np.ascontiguousarray(np.vstack([np.broadcast_to(r, (n_sets,)) for r in rows]), dtype)
