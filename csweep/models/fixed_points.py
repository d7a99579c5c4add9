"""A compiled model at rest: its equilibria as a fixed point of node potentials, and its Jacobian.

At an equilibrium every synapse's derivative state is 0 and its potential is a linear function
of the rates reaching it, so the node potentials ``V`` (of the lumped column: the pyramidal
``V_e - V_i``, ``V_ein`` and ``V_iin``; of a network: each node's summed synaptic potential)
satisfy, per parameter set,

    V = b + W @ sigma(V),   sigma_j(V_j) = A_j / (1 + exp(-B_j * (V_j - C_j)))

with ``b`` the constant inputs' share and ``W[n, j]`` the gain from node j's rate to node n's
potential. When removing one node ``p`` leaves no cycle among the others, every other potential
is a function of ``y = V_p`` (evaluated in topological order) and the equilibria are the roots
of the one-dimensional ``F(y) = b_p + W_p @ sigma(V(y)) - y``: all of them can be bracketed.
Edge delays do not change the equilibria (a delayed or gamma-distributed edge passes a constant
rate unchanged).

The Jacobian is the model's ODE right-hand side differentiated by its state variables, in the
order of :attr:`CompiledModel.states` (``V_ein, X_ein, ..., X_i`` for the lumped column,
``v, x`` of each synapse for a network).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import jrc2_column
from .base import CompiledModel


@dataclass(frozen=True)
class RestSystem:
    """Per-set arrays of ``V = b + W @ sigma(V)`` (``b, A, B, C``: ``(n, N)``, ``W``: ``(n, N, N)``)
    and what turns node potentials into states and the Jacobian (``kind`` "column" or "network",
    ``data``: per-set arrays ``(n, ...)`` and shared index arrays)."""

    b: np.ndarray
    W: np.ndarray
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    kind: str
    data: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)
    #: node potential the equilibria are solved for (None: no cut reduces the system to 1-D)
    cut: int | None = 0
    #: the other nodes, each after every node it depends on (when ``cut`` is not None)
    order: tuple[int, ...] = ()
    #: edges with a delay (their stability needs the delayed equations)
    delayed: bool = False

    @property
    def n_sets(self) -> int:
        return self.b.shape[0]

    def take(self, rows: np.ndarray | slice, data: bool = True) -> RestSystem:
        """The system of sets ``rows`` (repeats allowed): one row per root being refined;
        without ``data`` (what states and the Jacobian need), only what :meth:`residual` reads."""
        return replace(self, b=self.b[rows], W=self.W[rows], A=self.A[rows], B=self.B[rows],
                       C=self.C[rows], data={k: v[rows] for k, v in self.data.items()} if data
                       else {})

    def sigmoid(self, j: int, V: np.ndarray):
        """``sigma_j(V)`` and its derivative; ``V`` is ``(n,)`` or ``(n, K)`` (sets first)."""
        A, B, C = (self._col(x, j, V.ndim) for x in (self.A, self.B, self.C))
        s = np.subtract(C, V)
        s *= B
        with np.errstate(over="ignore"):
            np.exp(s, out=s)
        s += 1.0
        np.reciprocal(s, out=s)            # 1 / (1 + exp(-B (V - C)))
        rate = A * s
        np.subtract(1.0, s, out=s)
        s *= rate
        s *= B                             # B * rate * (1 - s): the slope
        return rate, s

    @staticmethod
    def _col(x, j, ndim):
        return x[:, j] if ndim == 1 else x[:, j, np.newaxis]

    def residual(self, y: np.ndarray, derivative: bool = True):
        """``F(y)`` and ``F'(y)`` for ``y`` ``(n,)`` or ``(n, K)``, and the node potentials and
        rates it computed on the way (lists of N arrays shaped as ``y``)."""
        p = self.cut
        N = self.b.shape[1]
        V: list = [None] * N
        dV: list = [None] * N
        rate: list = [None] * N
        slope: list = [None] * N
        V[p], dV[p] = y, None                       # None: d y / d y = 1
        rate[p], slope[p] = self.sigmoid(p, y)
        sources = self.shared["sources"]
        for n in self.order:
            V[n] = np.broadcast_to(self._col(self.b, n, y.ndim), y.shape).copy()
            dV[n] = np.zeros_like(y) if derivative else None
            for j in sources[n]:
                w = self._col(self.W[:, n], j, y.ndim)
                V[n] += w * rate[j]
                if derivative:
                    dV[n] += _times_derivative(w * slope[j], dV[j])
            rate[n], slope[n] = self.sigmoid(n, V[n])
        F = self._col(self.b, p, y.ndim) - y
        dF = -np.ones_like(y) if derivative else -1.0
        for j in sources[p]:
            w = self._col(self.W[:, p], j, y.ndim)
            F += w * rate[j]
            if derivative:
                dF += _times_derivative(w * slope[j], dV[j])
        return F, dF, V, rate

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per set, an interval holding every equilibrium's ``y``: the rates lie in ``[0, A]``."""
        p = self.cut
        reach = self.W[:, p, :] * self.A
        return (self.b[:, p] + np.minimum(reach, 0).sum(axis=1),
                self.b[:, p] + np.maximum(reach, 0).sum(axis=1))


def _times_derivative(factor: np.ndarray, derivative) -> np.ndarray:
    """``factor * derivative``, where None stands for a derivative of 1 (the cut's own)."""
    if derivative is None:
        return factor
    factor *= derivative
    return factor


def rest_system(model: CompiledModel, params: np.ndarray, constants: np.ndarray) -> RestSystem:
    """The rest system of ``model`` for parameter rows ``(n_params, n)`` and input constants
    ``(n_inputs, n)`` (from :func:`csweep.models.mapping.map_parameters`)."""
    if model.states and model.states[0].endswith("/" + jrc2_column.STATES[0]) and not model.edges \
            and len(model.states) == len(jrc2_column.STATES) \
            and len(model.parameters) == len(jrc2_column.PARAMETERS):
        system = _column_system(params, constants)
    else:
        system = _network_system(model, params, constants)
    return _with_cut(system)


def _column_system(params: np.ndarray, constants: np.ndarray) -> RestSystem:
    """The lumped column: nodes pc (``y = V_e - V_i``), ein (``V_ein``) and iin (``V_iin``)."""
    q = dict(zip(jrc2_column.PARAMETERS, params, strict=True))
    u, m_in = (constants[jrc2_column.INPUTS.index(name)] for name in ("u", "m_in"))
    h_e, tau_e, h_i, tau_i, c, ei = (q[k] for k in ("h_e", "tau_e", "h_i", "tau_i", "c", "ei_ratio"))
    n = params.shape[1]
    W = np.zeros((n, 3, 3))
    W[:, 1, 0] = h_e * c * tau_e                 # V_ein = h_e*c*tau_e * m
    W[:, 2, 0] = h_e * c * tau_e / ei            # V_iin = h_e*c*tau_e/ei_ratio * m
    W[:, 0, 1] = h_e * tau_e * 0.8 * c           # V_e's share from the excitatory interneurons
    W[:, 0, 2] = -h_i * c * tau_i / ei           # -V_i
    b = np.zeros((n, 3))
    b[:, 0] = h_e * tau_e * (c * m_in / q["io_ratio"] + u)
    abc = [np.repeat(q[k][:, np.newaxis], 3, axis=1) for k in ("m_max", "r", "V_thr")]
    data = {"tau": np.stack([tau_e, tau_e, tau_e, tau_i], axis=1)}
    return RestSystem(b, W, *abc, kind="column", data=data)


def _network_system(model: CompiledModel, params: np.ndarray, constants: np.ndarray) -> RestSystem:
    """A network: per synapse ``v = -(a_0 + sum_t coef_t * input_t) / a_v`` at rest, each input
    its constant plus the weighted rates of the edges into it."""
    a = model.prepare(params, 1.0).arrays   # the kernel's coefficient arrays (step: delays only)
    n_syn = len(a["syn_node"])
    n_nodes = a["rate_abc"].shape[0] // 3
    n = params.shape[1]
    a_v, a_0 = a["syn_coef"][0::3].T, a["syn_coef"][2::3].T          # (n, S)
    # input_i -> synapse s gain coef (n, S, n_inputs)
    gain = np.zeros((n, n_syn, constants.shape[0]))
    for t in range(a["n_terms"]):
        gain[:, a["term_syn"][t], a["term_in"][t]] += a["term_coef"][t]
    # node j's rate -> input i (n, n_inputs, N)
    route = np.zeros((n, constants.shape[0], n_nodes))
    for e in range(a["n_edges"]):
        route[:, a["edge_tgt"][e], a["edge_src"][e]] += a["edge_weight"][e]
    to_syn = np.einsum("nsi,nij->nsj", gain, route)                   # rates -> dx/dt of s
    v_rate = -to_syn / a_v[:, :, np.newaxis]                          # rates -> v_s at rest
    v_const = -(a_0 + np.einsum("nsi,in->ns", gain, constants)) / a_v
    member = np.zeros((n_syn, n_nodes))
    member[np.arange(n_syn), a["syn_node"]] = 1.0
    W = np.einsum("sk,nsj->nkj", member, v_rate)
    b = v_const @ member
    abc = a["rate_abc"]
    data = {"a_v": a_v, "a_x": a["syn_coef"][1::3].T, "v_rate": v_rate, "v_const": v_const,
            "to_syn": to_syn}
    delayed = bool(a["n_edges"]) and bool(np.any(a["edge_kind"][:a["n_edges"]] != 0))
    return RestSystem(b, W, abc[0::3].T.copy(), abc[1::3].T.copy(), abc[2::3].T.copy(),
                      kind="network", data=data, shared={"syn_node": np.asarray(a["syn_node"])},
                      delayed=delayed)


def _with_cut(system: RestSystem) -> RestSystem:
    """Find a node whose removal leaves the others acyclic, and their order."""
    links = np.any(system.W != 0, axis=0)       # links[n, j]: n's potential depends on j's rate
    N = links.shape[0]
    sources = [tuple(np.flatnonzero(links[n])) for n in range(N)]
    shared = {**system.shared, "sources": sources}
    for cut in _cut_candidates(links):
        order = _topological(links, cut)
        if order is not None:
            return replace(system, cut=cut, order=tuple(order), shared=shared)
    return replace(system, cut=None, shared=shared)


def _cut_candidates(links: np.ndarray):
    """Nodes to try as the cut, most connected first (an acyclic system takes any node)."""
    degree = links.sum(axis=0) + links.sum(axis=1)
    return [int(k) for k in np.argsort(-degree, kind="stable")]


def _topological(links: np.ndarray, cut: int) -> list[int] | None:
    """The nodes other than ``cut``, each after those it depends on; None if they hold a cycle."""
    N = links.shape[0]
    done = {cut}
    order: list[int] = []
    remaining = [n for n in range(N) if n != cut]
    while remaining:
        ready = [n for n in remaining if all(j in done for j in np.flatnonzero(links[n]))]
        if not ready:
            return None
        for n in ready:
            done.add(n)
            order.append(n)
            remaining.remove(n)
    return order


def rest_states(system: RestSystem, V: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """The full state ``(m, n_states)`` at rest, from node potentials and rates ``(N, m)`` of the
    system's sets (``system`` already taken to one row per equilibrium)."""
    m = V.shape[1]
    if system.kind == "column":
        states = np.zeros((m, 8))
        states[:, 0] = V[1]                                   # V_ein
        states[:, 2] = V[2]                                   # V_iin
        states[:, 4] = system.b[:, 0] + system.W[:, 0, 1] * rate[1]    # V_e
        states[:, 6] = -system.W[:, 0, 2] * rate[2]           # V_i
        return states
    v = system.data["v_const"] + np.einsum("msj,jm->ms", system.data["v_rate"], rate)
    states = np.zeros((m, 2 * v.shape[1]))
    states[:, 0::2] = v
    return states


def rest_jacobian(system: RestSystem, V: np.ndarray) -> np.ndarray:
    """The Jacobian ``(m, n_states, n_states)`` at rest (node potentials ``V``: ``(N, m)``)."""
    slope = np.array([system.sigmoid(j, V[j])[1] for j in range(V.shape[0])])   # (N, m)
    if system.kind == "column":
        return _column_jacobian(system, slope)
    a_v, a_x = system.data["a_v"], system.data["a_x"]
    m, n_syn = a_v.shape
    J = np.zeros((m, 2 * n_syn, 2 * n_syn))
    s = np.arange(n_syn)
    J[:, 2 * s, 2 * s + 1] = 1.0
    J[:, 2 * s + 1, 2 * s] = a_v
    J[:, 2 * s + 1, 2 * s + 1] = a_x
    # d(dx_s/dt)/d v_r = to_syn[s, node(r)] * sigma'_{node(r)}, for every synapse r
    node = system.shared["syn_node"]
    coupling = system.data["to_syn"][:, :, node] * slope[node].T[:, np.newaxis, :]
    J[:, 1::2, 0::2] += coupling
    return J


def _column_jacobian(system: RestSystem, slope: np.ndarray) -> np.ndarray:
    """The lumped column's Jacobian: each ``X`` row is ``(input - V)/tau**2 - 2*X/tau``, whose
    input is ``W`` times the rate it receives, as at rest."""
    tau = system.data["tau"]                      # (m, 4): ein, iin, e, i
    W = system.W
    m = tau.shape[0]
    J = np.zeros((m, 8, 8))
    for k in range(4):
        J[:, 2 * k, 2 * k + 1] = 1.0
        J[:, 2 * k + 1, 2 * k] = -1.0 / tau[:, k] ** 2
        J[:, 2 * k + 1, 2 * k + 1] = -2.0 / tau[:, k]
    for row, gain in ((1, W[:, 1, 0]), (3, W[:, 2, 0])):     # ein, iin <- pc rate (V_e - V_i)
        entry = gain * slope[0] / tau[:, row // 2] ** 2
        J[:, row, 4] += entry
        J[:, row, 6] -= entry
    J[:, 5, 0] += W[:, 0, 1] * slope[1] / tau[:, 2] ** 2     # e <- ein rate
    J[:, 7, 2] += -W[:, 0, 2] * slope[2] / tau[:, 3] ** 2    # i <- iin rate
    return J


def rest_eigenvalues(system: RestSystem, V: np.ndarray) -> np.ndarray:
    """The Jacobian's eigenvalues ``(m, n_states)`` at rest (any order).

    The lumped column's characteristic polynomial factors: with ``P_e = (s + 1/tau_e)**2`` and
    ``P_i = (s + 1/tau_i)**2`` (the synapses' denominators) it is
    ``P_e * (P_e**2 * P_i - G1 * P_i + G2 * P_e)``, ``G1`` the gain of the loop through the
    excitatory interneurons and ``G2`` that through the inhibitory ones; the sextic's roots are
    the eigenvalues of its companion matrix (a third cheaper than the 8 x 8 Jacobian's).
    Networks: the Jacobian's eigenvalues.
    """
    if system.kind != "column":
        return np.linalg.eigvals(rest_jacobian(system, V))
    sextic, a = _column_sextic(system, V)
    companion = np.zeros((len(a), 6, 6))
    companion[:, 0, :] = -sextic[:, 1:]
    companion[:, np.arange(1, 6), np.arange(5)] = 1.0
    roots = np.linalg.eigvals(companion)
    return np.concatenate([roots, -np.stack([a, a], axis=1)], axis=1)


def rest_stable(system: RestSystem, V: np.ndarray) -> np.ndarray:
    """Whether every eigenvalue's real part is < 0, without the eigenvalues where the
    characteristic polynomial is known (the lumped column: the Routh-Hurwitz test on its
    sextic, whose other factor's roots are ``-1/tau_e``); from the eigenvalues otherwise."""
    if system.kind != "column":
        return rest_eigenvalues(system, V).real.max(axis=1) < 0
    sextic, _ = _column_sextic(system, V)
    return _routh_hurwitz(sextic)


def _column_sextic(system: RestSystem, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The column's sextic ``P_e**2 P_i - G1 P_i + G2 P_e`` (rows of 7 coefficients from the
    highest power) and ``1/tau_e``."""
    slope = [system.sigmoid(j, V[j])[1] for j in range(3)]
    a, b = 1.0 / system.data["tau"][:, 0], 1.0 / system.data["tau"][:, 3]
    W = system.W
    g1 = a**4 * W[:, 1, 0] * W[:, 0, 1] * slope[0] * slope[1]
    g2 = -(a * b) ** 2 * W[:, 2, 0] * W[:, 0, 2] * slope[0] * slope[2]
    one = np.ones_like(a)
    p_e = np.stack([one, 2 * a, a * a], axis=1)
    p_i = np.stack([one, 2 * b, b * b], axis=1)
    sextic = _times(_times(p_e, p_e), p_i)
    sextic[:, 4:] -= g1[:, np.newaxis] * p_i
    sextic[:, 4:] += g2[:, np.newaxis] * p_e
    return sextic, a


def _routh_hurwitz(coefficients: np.ndarray) -> np.ndarray:
    """Per row of a polynomial's coefficients (highest power first, leading one > 0): whether
    every root has a negative real part (every entry of the Routh table's first column > 0)."""
    degree = coefficients.shape[1] - 1
    width = degree // 2 + 1
    upper = np.zeros((len(coefficients), width + 1))
    lower = np.zeros((len(coefficients), width + 1))
    upper[:, :len(coefficients[0, 0::2])] = coefficients[:, 0::2]
    lower[:, :len(coefficients[0, 1::2])] = coefficients[:, 1::2]
    stable = upper[:, 0] > 0
    for _ in range(degree):
        stable &= lower[:, 0] > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            following = (lower[:, :1] * upper[:, 1:] - upper[:, :1] * lower[:, 1:]) / lower[:, :1]
        upper, lower = lower, np.concatenate([following, np.zeros((len(following), 1))], axis=1)
    return stable


def _times(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Product of polynomials, one per row (coefficients from the highest power)."""
    out = np.zeros((p.shape[0], p.shape[1] + q.shape[1] - 1))
    for k in range(q.shape[1]):
        out[:, k:k + p.shape[1]] += p * q[:, k:k + 1]
    return out
