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

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..models.fixed_points import RestSystem, rest_eigenvalues, rest_stable, rest_states

#: sets scanned per chunk: the scan's arrays stay in cache
CHUNK = 256
#: sets solved per task of :func:`solve` (NumPy releases the GIL in its array loops)
BLOCK = 8192


def solve(system: RestSystem, scan_points: int = 256, *, starts: int = 256,
          eigenvalues: bool = True, n_threads: int = 1) -> tuple[np.ndarray, np.ndarray, dict]:
    """Every equilibrium of every set: set ``(m,)``, node potentials ``(N, m)`` and
    :func:`describe`'s states and eigenvalues, the sets solved in blocks on ``n_threads``
    threads (the results do not depend on their number)."""
    blocks = [np.arange(k, min(k + BLOCK, system.n_sets)) for k in range(0, system.n_sets, BLOCK)]

    def block(rows):
        part = system.take(rows)
        set_index, V, rate = equilibrium_roots(part, scan_points, starts=starts)
        return rows[set_index], V, describe(part, set_index, V, rate, eigenvalues=eigenvalues)

    if n_threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(min(n_threads, len(blocks))) as pool:
            parts = list(pool.map(block, blocks))
    else:
        parts = [block(rows) for rows in blocks]
    info = {key: np.concatenate([p[2][key] for p in parts]) for key in parts[0][2]}
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts], axis=1),
            info)


def equilibrium_roots(system: RestSystem, scan_points: int = 256, *,
                      starts: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every root: its set ``(m,)``, node potentials ``(N, m)`` and rates ``(N, m)``, sorted by
    set and then by the cut node's potential (the first node's without a cut)."""
    if system.cut is None:
        return _newton_roots(system, starts)
    cells, plain = _scan_all(system, scan_points)
    crit_set, a, b, Fa, Fb, y_crit = _critical(system, cells)
    F_crit, _, _, _ = system.take(crit_set, data=False).residual(y_crit, derivative=False)
    # pieces on which F is monotone: cells without a critical point, and the two halves of
    # each cell with one
    piece_set = np.concatenate([plain[0], crit_set, crit_set])
    lo = np.concatenate([plain[1], a, y_crit])
    hi = np.concatenate([plain[2], y_crit, b])
    F_lo = np.concatenate([plain[3], Fa, F_crit])
    F_hi = np.concatenate([plain[4], F_crit, Fb])
    change = (F_lo > 0) != (F_hi > 0)
    root_set = piece_set[change]
    y = _polish(system.take(root_set, data=False), lo[change], hi[change], F_lo[change], F_hi[change])
    order = np.lexsort((y, root_set))
    root_set, y = root_set[order], y[order]
    keep = np.ones(len(y), bool)      # a root exactly at a piece's end is found twice
    keep[1:] = ~((root_set[1:] == root_set[:-1])
                 & (np.abs(y[1:] - y[:-1]) <= 1e-13 * (np.abs(y[1:]) + 1e-300)))
    root_set, y = root_set[keep], y[keep]
    _, _, V, rate = system.take(root_set, data=False).residual(y, derivative=False)
    return root_set, np.array(V), np.array(rate)


def critical_points(system: RestSystem, scan_points: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Every critical point of ``F`` (where ``F' = 0``): its set ``(m,)`` and ``y`` ``(m,)``,
    sorted by set and ``y``."""
    cells, _ = _scan_all(system, scan_points)
    crit_set, _, _, _, _, y = _critical(system, cells)
    order = np.lexsort((y, crit_set))
    return crit_set[order], y[order]


def _scan_all(system: RestSystem, scan_points: int):
    """The scan, chunk by chunk: the cells where ``F'`` changes sign (set, ends, ``F`` and
    ``F'`` at the ends) and the other cells where ``F`` does (set, ends, ``F`` at the ends)."""
    cells: list[list] = [[] for _ in range(7)]
    plain: list[list] = [[] for _ in range(5)]
    for start in range(0, system.n_sets, CHUNK):
        rows = np.arange(start, min(start + CHUNK, system.n_sets))
        part = system.take(slice(start, start + CHUNK), data=False)   # views, not copies
        y = _scan_grid(part, scan_points)
        F, dF, _, _ = part.residual(y)
        rising = dF > 0
        turn = rising[:, :-1] != rising[:, 1:]
        k_set, k = np.nonzero(turn)
        for out, value in zip(cells, (rows[k_set], y[k_set, k], y[k_set, k + 1], F[k_set, k],
                                      F[k_set, k + 1], dF[k_set, k], dF[k_set, k + 1]),
                              strict=True):
            out.append(value)
        positive = F > 0
        k_set, k = np.nonzero((positive[:, :-1] != positive[:, 1:]) & ~turn)
        for out, value in zip(plain, (rows[k_set], y[k_set, k], y[k_set, k + 1], F[k_set, k],
                                      F[k_set, k + 1]), strict=True):
            out.append(value)
    return [np.concatenate(c) for c in cells], [np.concatenate(c) for c in plain]


def _scan_grid(system: RestSystem, scan_points: int) -> np.ndarray:
    """Each set's scan points ``(n, scan_points)``, sorted: half spread evenly over the interval
    holding every root, half evenly over the cut node's rate ``m = sigma(y)`` from 0 to its
    maximum. ``F`` depends on ``y`` through ``m`` alone, besides ``-y``, so its narrow features
    (another node's sigmoid switching as ``m`` passes a value) are as many points apart in
    ``m`` as the switch's share of ``m``'s range, however steep they are in ``y``."""
    lo, hi = system.bounds()
    margin = 1e-9 * (hi - lo) + 1e-300
    lo, hi = lo - margin, hi + margin
    half = scan_points // 2
    even = lo[:, np.newaxis] + (hi - lo)[:, np.newaxis] * np.linspace(0.0, 1.0, scan_points - half)
    q = (np.arange(half) + 0.5) / half            # m / A, inside (0, 1)
    p = system.cut
    B, C = system.B[:, p, np.newaxis], system.C[:, p, np.newaxis]
    with np.errstate(divide="ignore", invalid="ignore"):
        by_rate = np.log(q / (1.0 - q)) / B       # sigma's inverse, less C
    by_rate += C
    np.clip(by_rate, lo[:, np.newaxis], hi[:, np.newaxis], out=by_rate)
    flat = ~(B[:, 0] > 0)                         # a flat sigmoid: no rate to follow
    if np.any(flat):
        by_rate[flat] = lo[flat, np.newaxis]
    grid = np.concatenate([even, by_rate], axis=1)
    grid.sort(axis=1)
    return grid


def _critical(system: RestSystem, cells):
    """The critical point in each cell where ``F'`` changes sign: regula falsi on ``F'`` with
    the Illinois rule, to 1e-13 of the potential (a fold's ``F`` there is exact to ~1e-26)."""
    crit_set, a, b, Fa, Fb, da, db = cells
    x_a, x_b, d_a, d_b = a.copy(), b.copy(), da.copy(), db.copy()
    side = np.zeros(len(a), np.int8)
    active = np.arange(len(a))
    for _ in range(100):
        if not len(active):
            break
        xa, xb, fa, fb = x_a[active], x_b[active], d_a[active], d_b[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = xb - fb * (xb - xa) / (fb - fa)
        x = np.where((x > xa) & (x < xb), x, 0.5 * (xa + xb))
        _, d, _, _ = system.take(crit_set[active], data=False).residual(x)
        same_as_a = (d > 0) == (fa > 0)
        # Illinois: halve the value kept at the end that stays twice in a row
        fb = np.where(same_as_a & (side[active] == 1), 0.5 * fb, fb)
        fa = np.where(~same_as_a & (side[active] == -1), 0.5 * fa, fa)
        x_a[active], d_a[active] = np.where(same_as_a, x, xa), np.where(same_as_a, d, fa)
        x_b[active], d_b[active] = np.where(same_as_a, xb, x), np.where(same_as_a, fb, d)
        side[active] = np.where(same_as_a, 1, -1)
        scale = np.maximum(np.abs(x_a[active]), np.abs(x_b[active])) + 1e-300
        open_ = (x_b[active] - x_a[active] > 1e-13 * scale) & (d != 0)
        active = active[open_]
    return crit_set, a, b, Fa, Fb, 0.5 * (x_a + x_b)


def _polish(system: RestSystem, a, b, Fa, Fb, iterations: int = 100) -> np.ndarray:
    """Safeguarded Newton on brackets ``[a, b]`` of a sign change of ``F``, from the secant,
    until a step is below 4e-16 of ``|y|`` plus the width of the set's interval of roots (the
    rounding of ``F``'s terms, which are that large, makes smaller steps noise)."""
    positive_at_a = Fa > 0
    lo_all, hi_all = system.bounds()
    scale = hi_all - lo_all
    with np.errstate(divide="ignore", invalid="ignore"):
        x = a - Fa * (b - a) / (Fb - Fa)
    x = np.where((x > a) & (x < b), x, 0.5 * (a + b))
    a, b = a.copy(), b.copy()
    active = np.arange(len(x))
    for _ in range(iterations):
        if not len(active):
            break
        xs, lo, hi = x[active], a[active], b[active]
        F, dF, _, _ = system.take(active, data=False).residual(xs)
        towards_b = (F > 0) == positive_at_a[active]     # the root lies right of x
        lo, hi = np.where(towards_b, xs, lo), np.where(towards_b, hi, xs)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xs - F / dF
        new = np.where((newton >= lo) & (newton <= hi), newton, 0.5 * (lo + hi))
        new = np.where(F == 0, xs, new)
        x[active], a[active], b[active] = new, lo, hi
        active = active[np.abs(new - xs) > 4e-16 * (np.abs(xs) + scale[active])]
    return x


def _newton_roots(system: RestSystem, starts: int):
    """Newton's method on ``G(V) = b + W sigma(V) - V`` from ``starts`` rate vectors drawn
    uniformly in the rates' ranges (a fixed seed, so a call is reproducible), each step kept
    inside the box the rates' ranges allow; the distinct converged points kept."""
    n, N = system.b.shape
    rng = np.random.default_rng(2006)
    set_index = np.repeat(np.arange(n), starts)
    sub = system.take(set_index, data=False)
    reach = sub.W * sub.A[:, np.newaxis, :]
    low = sub.b + np.minimum(reach, 0).sum(axis=2)
    high = sub.b + np.maximum(reach, 0).sum(axis=2)
    scale = np.abs(high - low).max(axis=1) + np.abs(sub.b).max(axis=1) + 1e-300
    fractions = np.tile(rng.uniform(0.0, 1.0, (starts, N)), (n, 1))
    V = sub.b + np.einsum("mnj,mj->mn", sub.W, sub.A * fractions)
    eye = np.eye(N)
    for _ in range(100):
        G, J = _network_residual(sub, V, eye)
        try:
            step = np.linalg.solve(J, -G[..., np.newaxis])[..., 0]
        except np.linalg.LinAlgError:   # a start exactly at a fold: nudge the matrices
            step = np.linalg.solve(J - 1e-12 * eye, -G[..., np.newaxis])[..., 0]
        V = np.clip(V + step, low, high)
        if not np.any(np.abs(step).max(axis=1) > 1e-15 * scale):
            break
    G, _ = _network_residual(sub, V, eye)
    good = np.all(np.isfinite(V), axis=1) & (np.abs(G).max(axis=1) <= 1e-10 * scale)
    set_index, V, scale = set_index[good], V[good], scale[good]
    order = np.lexsort((V[:, 0], set_index))
    set_index, V, scale = set_index[order], V[order], scale[order]
    repeat = np.zeros(len(V), bool)     # the same point reached from several starts
    repeat[1:] = (set_index[1:] == set_index[:-1]) & (
        np.abs(V[1:] - V[:-1]).max(axis=1) <= 1e-8 * scale[1:])
    set_index, V = set_index[~repeat], V[~repeat]
    rate = np.array([system.take(set_index, data=False).sigmoid(j, V[:, j])[0]
                     for j in range(N)])
    return set_index, V.T, rate


def _network_residual(sub: RestSystem, V: np.ndarray, eye: np.ndarray):
    """``G(V)`` ``(m, N)`` and its Jacobian ``(m, N, N)``."""
    N = V.shape[1]
    pairs = [sub.sigmoid(j, V[:, j]) for j in range(N)]
    rate = np.array([r for r, _ in pairs]).T
    slope = np.array([d for _, d in pairs]).T
    G = sub.b + np.einsum("mnj,mj->mn", sub.W, rate) - V
    return G, sub.W * slope[:, np.newaxis, :] - eye


def describe(system: RestSystem, set_index: np.ndarray, V: np.ndarray, rate: np.ndarray, *,
             eigenvalues: bool = True) -> dict[str, np.ndarray]:
    """States ``(m, n_states)``, stability ``(m,)`` and, with ``eigenvalues``, the eigenvalues
    ``(m, n_states)`` (by falling real part) of the equilibria of sets ``set_index`` with node
    potentials ``V`` and rates ``rate`` ``(N, m)``."""
    sub = system.take(set_index)
    out = {"states": rest_states(sub, V, rate)}
    if not len(set_index):
        out["stable"] = np.zeros(0, bool)
        if eigenvalues:
            out["eigenvalues"] = np.zeros((0, out["states"].shape[1]), complex)
        return out
    if eigenvalues:
        values = rest_eigenvalues(sub, V)
        order = np.argsort(-values.real, axis=1, kind="stable")
        out["eigenvalues"] = np.take_along_axis(values, order, axis=1)
        out["stable"] = out["eigenvalues"][:, 0].real < 0
    else:
        out["stable"] = rest_stable(sub, V)
    return out
