"""Every equilibrium of every set at once, with NumPy: the numerics behind
:func:`csweep.equilibria` and :func:`csweep.bifurcations`.

For a system reduced to one equation ``F(y) = 0`` (:mod:`csweep.models.fixed_points`), all sets
are scanned together on ``scan_points`` points of an interval known to hold every root. The
scan's cells where ``F'`` changes sign hold a critical point, found by bisection on ``F'``; the
cells, split at their critical points, are pieces on which ``F`` is monotone, so each sign
change of ``F`` across a piece is exactly one root, polished by safeguarded Newton steps (a
Newton step where it stays inside the bracket, else bisection) to the last bits of ``y``. A
root pair is missed only where ``F'`` changes sign twice within one cell of the scan (cells are
``1/scan_points`` of the interval; the column's narrowest feature spans about 50 cells at the
default 256).

Systems that no single node reduces to one equation (networks with several feedback loops) are
solved by Newton's method on the node potentials from ``starts`` rate vectors drawn in the
rates' ranges: what is found is an equilibrium, but one may be missed.
"""

from __future__ import annotations

import numpy as np

from ..models.fixed_points import RestSystem, rest_jacobian, rest_states

#: sets solved per chunk: the scan's arrays stay in cache
CHUNK = 1024


def equilibrium_roots(system: RestSystem, scan_points: int = 256, *,
                      starts: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every root: its set ``(m,)``, node potentials ``(N, m)`` and rates ``(N, m)``, sorted by
    set and then by the cut node's potential (the first node's without a cut)."""
    if system.cut is None:
        return _newton_roots(system, starts)
    sets, ys = [], []
    for start in range(0, system.n_sets, CHUNK):
        rows = np.arange(start, min(start + CHUNK, system.n_sets))
        found_set, found_y = _chunk_roots(system.take(rows), scan_points)
        sets.append(rows[found_set])
        ys.append(found_y)
    set_index, y = np.concatenate(sets), np.concatenate(ys)
    order = np.lexsort((y, set_index))
    set_index, y = set_index[order], y[order]
    _, _, V, rate = system.take(set_index).residual(y)
    return set_index, V, rate


def critical_points(system: RestSystem, scan_points: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Every critical point of ``F`` (where ``F' = 0``): its set ``(m,)`` and ``y`` ``(m,)``,
    sorted by set and ``y``."""
    sets, ys = [], []
    for start in range(0, system.n_sets, CHUNK):
        rows = np.arange(start, min(start + CHUNK, system.n_sets))
        part = system.take(rows)
        y, F, dF = _scan(part, scan_points)
        cell_set, cell, y_crit = _critical(part, y, dF)
        sets.append(rows[cell_set])
        ys.append(y_crit)
    set_index, y = np.concatenate(sets), np.concatenate(ys)
    order = np.lexsort((y, set_index))
    return set_index[order], y[order]


def _scan(system: RestSystem, scan_points: int):
    lo, hi = system.bounds()
    margin = 1e-9 * (hi - lo) + 1e-300
    t = np.linspace(0.0, 1.0, scan_points)
    y = (lo - margin)[:, np.newaxis] + (hi - lo + 2 * margin)[:, np.newaxis] * t
    F, dF, _, _ = system.residual(y)
    return y, F, dF


def _critical(system: RestSystem, y, dF):
    """Cells where ``F'`` changes sign, and the critical point in each (bisection on ``F'``)."""
    cell_set, cell = np.nonzero((dF[:, :-1] > 0) != (dF[:, 1:] > 0))
    a, b = y[cell_set, cell], y[cell_set, cell + 1]
    rising = dF[cell_set, cell] > 0          # F' > 0 at a: F' falls through 0 in the cell
    sub = system.take(cell_set)
    for _ in range(80):
        mid = 0.5 * (a + b)
        if not np.any((mid > a) & (mid < b)):
            break
        _, d_mid, _, _ = sub.residual(mid)
        left = (d_mid > 0) == rising         # the sign change lies right of mid
        a, b = np.where(left, mid, a), np.where(left, b, mid)
    return cell_set, cell, 0.5 * (a + b)


def _chunk_roots(system: RestSystem, scan_points: int):
    y, F, dF = _scan(system, scan_points)
    cell_set, cell, y_crit = _critical(system, y, dF)
    F_crit, _, _, _ = system.take(cell_set).residual(y_crit, derivative=False)
    # pieces: every cell, with each cell holding a critical point split there
    split = np.zeros(y[:, :-1].shape, bool)
    split[cell_set, cell] = True
    whole_set, whole = np.nonzero(~split)
    piece_set = np.concatenate([whole_set, cell_set, cell_set])
    a = np.concatenate([y[whole_set, whole], y[cell_set, cell], y_crit])
    b = np.concatenate([y[whole_set, whole + 1], y_crit, y[cell_set, cell + 1]])
    Fa = np.concatenate([F[whole_set, whole], F[cell_set, cell], F_crit])
    Fb = np.concatenate([F[whole_set, whole + 1], F_crit, F[cell_set, cell + 1]])
    change = (Fa > 0) != (Fb > 0)
    root_set = piece_set[change]
    root = _polish(system.take(root_set), a[change], b[change], Fa[change] > 0)
    keep = np.ones(len(root), bool)   # a root exactly at a piece's end is found twice
    if len(root) > 1:
        same = (root_set[1:] == root_set[:-1]) & (np.abs(root[1:] - root[:-1])
                                                  <= 1e-13 * (np.abs(root[1:]) + 1e-300))
        keep[1:] = ~same
    return root_set[keep], root[keep]


def _polish(system: RestSystem, a, b, positive_at_a, iterations: int = 100) -> np.ndarray:
    """Safeguarded Newton on brackets ``[a, b]`` of a sign change of ``F``."""
    x = 0.5 * (a + b)
    for _ in range(iterations):
        F, dF, _, _ = system.residual(x)
        towards_b = (F > 0) == positive_at_a     # the root lies right of x
        a, b = np.where(towards_b, x, a), np.where(towards_b, b, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - F / dF
        inside = (newton > a) & (newton < b)
        new = np.where(inside, newton, 0.5 * (a + b))
        done = (new == x) | (F == 0)
        x = np.where(F == 0, x, new)
        if np.all(done):
            break
    return x


def _newton_roots(system: RestSystem, starts: int):
    """Newton's method on ``G(V) = b + W sigma(V) - V`` from rate vectors drawn uniformly in the
    rates' ranges (a fixed seed, so a call is reproducible); distinct converged points kept."""
    n, N = system.b.shape
    rng = np.random.default_rng(2006)
    rates = rng.uniform(0.0, 1.0, (starts, N))
    set_index = np.repeat(np.arange(n), starts)
    sub = system.take(set_index)
    V = sub.b + np.einsum("mnj,mj->mn", sub.W, sub.A * np.tile(rates, (n, 1)))
    eye = np.eye(N)
    for _ in range(100):
        rate, slope = (np.array(x).T for x in zip(*(sub.sigmoid(j, V[:, j]) for j in range(N)),
                                                  strict=True))
        G = sub.b + np.einsum("mnj,mj->mn", sub.W, rate) - V
        J = sub.W * slope[:, np.newaxis, :] - eye
        try:
            step = np.linalg.solve(J, -G[..., np.newaxis])[..., 0]
        except np.linalg.LinAlgError:   # a start exactly at a fold: nudge the matrices
            step = np.linalg.solve(J - 1e-12 * eye, -G[..., np.newaxis])[..., 0]
        V = V + step
    rate = np.array([sub.sigmoid(j, V[:, j])[0] for j in range(N)]).T
    G = sub.b + np.einsum("mnj,mj->mn", sub.W, rate) - V
    scale = np.abs(sub.W).sum(axis=2).max(axis=1) * sub.A.max(axis=1) + np.abs(sub.b).max(axis=1)
    good = np.all(np.isfinite(V), axis=1) & (np.abs(G).max(axis=1) <= 1e-10 * (scale + 1e-300))
    set_index, V = set_index[good], V[good]
    key = np.round(V / (1e-8 * scale[good][:, np.newaxis] + 1e-300))
    _, first = np.unique(np.column_stack([set_index, key]), axis=0, return_index=True)
    first = first[np.lexsort((V[first, 0], set_index[first]))]
    V = V[first]
    rate = np.array([system.take(set_index[first]).sigmoid(j, V[:, j])[0] for j in range(N)])
    return set_index[first], V.T, rate


def describe(system: RestSystem, set_index: np.ndarray, V: np.ndarray, rate: np.ndarray, *,
             eigenvalues: bool = True) -> dict[str, np.ndarray]:
    """States ``(m, n_states)``, eigenvalues ``(m, n_states)`` (by falling real part) of the
    equilibria of sets ``set_index`` with node potentials ``V`` and rates ``rate`` ``(N, m)``."""
    sub = system.take(set_index)
    states = rest_states(sub, V, rate)
    out = {"states": states}
    if eigenvalues:
        values = np.linalg.eigvals(rest_jacobian(sub, V)) if len(set_index) else \
            np.zeros((0, states.shape[1]), complex)
        order = np.argsort(-values.real, axis=1, kind="stable")
        out["eigenvalues"] = np.take_along_axis(values, order, axis=1)
    return out
