"""The refinement behind :func:`csweep.regime_map`: which points of a 2-D lattice to evaluate next.

Everything here is in lattice indices: the map's ``resolution x resolution`` cell centres are
the points ``(i, j)`` with ``0 <= i, j < resolution``. A *leaf* is a rectangle of the lattice,
``[i0, i1] x [j0, j1]`` closed, whose four corners have been evaluated. It is *mixed* when the
evaluated points it holds (its corners, and any point a neighbour's refinement put on its edges)
do not all carry one label. A round splits every mixed leaf (and, with ``halo``, every leaf
touching one, or one across which a watched feature changes by more than its tolerance) at the
middle of each side longer than one lattice step; the children's corners not yet evaluated are
the next round's points. A leaf one step wide holds no point that is not a corner: it is final.
Refinement ends when no leaf is split, or the budget of evaluations is spent.

The map is then each evaluated point's own label and, elsewhere, the label of the uniform leaf
holding the point (two leaves sharing points share an evaluated one, so uniform neighbours
agree); a leaf the budget left mixed gives its points the label of their nearest corner.
Nothing here knows how points are evaluated: the caller asks :meth:`Refinement.next_round`
for indices and hands back labels (and features) with :meth:`Refinement.add`; the same
sequence of labels always produces the same rounds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: a label array's value at points not evaluated
UNSET = np.iinfo(np.int64).min
#: up to this many leaves are checked one by one rather than through summed-area tables
FEW_LEAVES = 64


class Refinement:
    """The state of one map's refinement over an ``shape`` lattice, from ``coarse`` cells per
    axis; ``halo`` (a number of lattice steps) also splits leaves of at least
    that size touching a mixed one; ``tolerances`` maps a feature's name to the change across
    a leaf above which it is split; ``budget`` caps the evaluations."""

    def __init__(self, shape: tuple[int, int], coarse: int, *, halo: int = 0,
                 tolerances: Mapping[str, float] | None = None, budget: int | None = None,
                 min_round: int = 0):
        self.shape = shape
        self.halo = halo
        self.min_round = min_round
        self.tolerances = dict(tolerances or {})
        self.budget = budget
        self.labels = np.full(shape, UNSET, dtype=np.int64)
        self.features = {name: np.full(shape, np.nan) for name in self.tolerances}
        self.n_evaluated = 0
        cuts = [_cuts(n, coarse) for n in shape]
        i0, j0 = np.meshgrid(cuts[0][:-1], cuts[1][:-1], indexing="ij")
        i1, j1 = np.meshgrid(cuts[0][1:], cuts[1][1:], indexing="ij")
        self.leaves = np.stack([i0.ravel(), i1.ravel(), j0.ravel(), j1.ravel()], axis=1)
        first = np.stack(np.meshgrid(cuts[0], cuts[1], indexing="ij"), axis=-1).reshape(-1, 2)
        # what changed since leaves were last checked: points added, leaves made
        self._fresh = np.zeros(shape, dtype=bool)
        self._new = np.ones(len(self.leaves), dtype=bool)
        self._pending: np.ndarray | None = self._within_budget(first)
        self.finished = False

    # ---------------------------------------------------------------------------------------
    def next_round(self) -> np.ndarray:
        """The ``(n, 2)`` lattice indices to evaluate next (row-major order); empty when done."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        while not self.finished:
            split = self._to_split()
            if not split.any():
                self.finished = True
                break
            points = self._split(split, self._depth(split))
            if len(points):
                return points
        return np.empty((0, 2), dtype=np.int64)

    def add(self, indices: np.ndarray, labels: np.ndarray,
            features: Mapping[str, np.ndarray] | None = None) -> None:
        """Record the labels (and the watched features) of evaluated lattice points."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1, 2)
        self.labels[indices[:, 0], indices[:, 1]] = labels
        self._fresh[indices[:, 0], indices[:, 1]] = True
        for name, values in (features or {}).items():
            if name in self.features:
                self.features[name][indices[:, 0], indices[:, 1]] = values
        self.n_evaluated = int((self.labels != UNSET).sum())

    # ---------------------------------------------------------------------------------------
    def _splittable(self) -> np.ndarray:
        leaves = self.leaves
        return (leaves[:, 1] - leaves[:, 0] > 1) | (leaves[:, 3] - leaves[:, 2] > 1)

    def _to_split(self) -> np.ndarray:
        """Which leaves to split this round. Only a leaf made, or given a point, since the last
        check can have become mixed: the others were uniform then (or could not be split)."""
        dirty = self._new | (_edge_sums(self._fresh, self.leaves) > 0)
        self._fresh[:] = False
        self._new[:] = False
        leaves = self.leaves[dirty]
        mixed = np.zeros(len(self.leaves), dtype=bool)
        mixed[dirty] = _count_labels(self.labels, leaves) > 1
        for name, tolerance in self.tolerances.items():
            mixed[dirty] |= _spread(self.features[name], leaves) > tolerance
        split = mixed.copy()
        if self.halo and mixed.any():
            size = np.maximum(self.leaves[:, 1] - self.leaves[:, 0], self.leaves[:, 3] - self.leaves[:, 2])
            split |= _touching(self.leaves[mixed], self.leaves, self.shape) & (size >= self.halo)
        return split & self._splittable()

    def _depth(self, split: np.ndarray) -> int:
        """How many times to split at once: more while the round stays below ``min_round``
        points (few, larger rounds instead of many small ones)."""
        leaves, depth = self.leaves[split], 1
        while True:
            children, points = _children(leaves, depth + 1)
            if len(children) == len(_children(leaves, depth)[0]):
                return depth    # nothing left to cut
            if len(_unset(self.labels, points)) > self.min_round:
                return depth
            depth += 1

    def _split(self, split: np.ndarray, depth: int = 1) -> np.ndarray:
        """Replace the leaves ``split`` by their children; the new corners within the budget."""
        order = np.flatnonzero(split)
        leaves = self.leaves[order]
        size = np.maximum(leaves[:, 1] - leaves[:, 0], leaves[:, 3] - leaves[:, 2])
        order = order[np.argsort(-size, kind="stable")]
        children, points = _children(self.leaves[order], depth)
        new = _unset(self.labels, points)
        if self.budget is not None and self.n_evaluated + len(new) > self.budget:
            order, children, new = self._trim(order, depth)
            self.finished = True
        keep = np.ones(len(self.leaves), dtype=bool)
        keep[order] = False
        self.leaves = np.concatenate([self.leaves[keep], children])
        self._new = np.concatenate([self._new[keep], np.ones(len(children), dtype=bool)])
        return new

    def _trim(self, order: np.ndarray, depth: int):
        """The leaves of ``order`` (largest first) whose new corners fit in what is left."""
        left = int(self.budget or 0) - self.n_evaluated
        taken: set[tuple[int, int]] = set()
        count = 0
        for k, leaf in enumerate(self.leaves[order]):
            _, points = _children(leaf[None, :], depth)
            fresh = {tuple(p) for p in _unset(self.labels, points).tolist()} - taken
            if len(taken) + len(fresh) > left:
                break
            taken |= fresh
            count = k + 1
        children, points = _children(self.leaves[order[:count]], depth)
        return order[:count], children, _unset(self.labels, points)

    def _within_budget(self, points: np.ndarray) -> np.ndarray:
        if self.budget is not None and len(points) > self.budget:
            raise ValueError(f"max_evaluations={self.budget} is fewer than the coarse grid's "
                             f"{len(points)} points; raise it or start from a coarser grid")
        return points

    # ---------------------------------------------------------------------------------------
    def grid(self) -> np.ndarray:
        """Every lattice point's label: its own if evaluated, else its leaf's (see the module)."""
        out = self.labels.copy()
        fill = out == UNSET
        leaves = self.leaves[_box_sums(fill, self.leaves) > 0]    # those holding a point to fill
        counts = _count_labels(self.labels, leaves)
        for i0, i1, j0, j1 in leaves[counts == 1]:
            block = self.labels[i0:i1 + 1, j0:j1 + 1]
            value = block[block != UNSET][0]
            target = out[i0:i1 + 1, j0:j1 + 1]
            target[fill[i0:i1 + 1, j0:j1 + 1]] = value
        for i0, i1, j0, j1 in leaves[counts > 1]:
            _nearest_corner(out, fill, self.labels, (i0, i1, j0, j1))
        return out


def _cuts(n: int, cells: int) -> np.ndarray:
    """``cells + 1`` lattice indices from 0 to ``n - 1``, as evenly spaced as whole numbers are
    (fewer if ``n`` is too small)."""
    return np.unique(np.round(np.linspace(0, n - 1, min(cells, n - 1) + 1)).astype(np.int64))


def _children(leaves: np.ndarray, depth: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The children of each leaf split ``depth`` times (up to four per split), and every
    child's corners (with repeats)."""
    for _ in range(depth - 1):
        leaves = _children(leaves)[0]
    i0, i1, j0, j1 = leaves.T
    im = np.where(i1 - i0 > 1, (i0 + i1) // 2, i1)
    jm = np.where(j1 - j0 > 1, (j0 + j1) // 2, j1)
    parts = []
    for a, b in ((i0, im), (im, i1)):
        for c, d in ((j0, jm), (jm, j1)):
            parts.append(np.stack([a, b, c, d], axis=1))
    children = np.stack(parts, axis=1).reshape(-1, 4)
    # a side not cut gives an empty half (im == i1): drop those
    children = children[(children[:, 1] > children[:, 0]) & (children[:, 3] > children[:, 2])]
    corners = np.concatenate([children[:, [0, 2]], children[:, [0, 3]], children[:, [1, 2]],
                              children[:, [1, 3]]])
    return children, corners


def _unset(labels: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The distinct points (row-major order) not yet evaluated."""
    if not len(points):
        return points.reshape(0, 2)
    flat = np.unique(points[:, 0] * labels.shape[1] + points[:, 1])
    flat = flat[labels.ravel()[flat] == UNSET]
    return np.stack([flat // labels.shape[1], flat % labels.shape[1]], axis=1)


def _box_sums(mask: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """How many true points each leaf's closed rectangle holds (summed-area table)."""
    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(mask, axis=0, dtype=np.int32, out=table[1:, 1:])
    np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
    i0, i1, j0, j1 = leaves.T
    return table[i1 + 1, j1 + 1] - table[i0, j1 + 1] - table[i1 + 1, j0] + table[i0, j0]


def _edge_sums(mask: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """How many true points lie on each leaf's four edges (corners counted twice), from sums
    along rows and along columns. Every evaluated point a leaf holds is on its edges: points
    are evaluated as corners of leaves, and leaves do not overlap."""
    i0, i1, j0, j1 = leaves.T
    rows = np.zeros((mask.shape[0], mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, dtype=np.int32, out=rows[:, 1:])
    cols = np.zeros((mask.shape[1], mask.shape[0] + 1), dtype=np.int32)
    np.cumsum(np.ascontiguousarray(mask.T), axis=1, dtype=np.int32, out=cols[:, 1:])
    return (rows[i0, j1 + 1] - rows[i0, j0] + rows[i1, j1 + 1] - rows[i1, j0]
            + cols[j0, i1 + 1] - cols[j0, i0] + cols[j1, i1 + 1] - cols[j1, i0]).astype(np.int64)


def _count_labels(labels: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """The number of distinct labels among the evaluated points of each leaf (which all lie on
    its edges, see :func:`_edge_sums`)."""
    if len(leaves) <= FEW_LEAVES:    # cheaper one by one than through whole-lattice sums
        counts = np.empty(len(leaves), dtype=np.int64)
        for k, (i0, i1, j0, j1) in enumerate(leaves.tolist()):
            block = labels[i0:i1 + 1, j0:j1 + 1]
            block = block[block != UNSET]
            counts[k] = 1 + int(block.min() != block.max())    # 1 or "more than one"
        return counts
    counts = np.zeros(len(leaves), dtype=np.int64)
    for value in np.unique(labels[labels != UNSET]):
        counts += _edge_sums(labels == value, leaves) > 0
    return counts


def _spread(values: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """The range of a feature over each leaf's four corners (0 where a corner is NaN)."""
    i0, i1, j0, j1 = leaves.T
    corners = np.stack([values[i0, j0], values[i0, j1], values[i1, j0], values[i1, j1]])
    with np.errstate(invalid="ignore"):
        spread = corners.max(axis=0) - corners.min(axis=0)
    return np.nan_to_num(spread, nan=0.0)


def _touching(mixed: np.ndarray, leaves: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Whether each leaf shares a lattice point with one of the ``mixed`` leaves."""
    paint = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    i0, i1, j0, j1 = mixed.T
    np.add.at(paint, (i0, j0), 1)
    np.add.at(paint, (i0, j1 + 1), -1)
    np.add.at(paint, (i1 + 1, j0), -1)
    np.add.at(paint, (i1 + 1, j1 + 1), 1)
    covered = paint.cumsum(axis=0).cumsum(axis=1)[:shape[0], :shape[1]] > 0
    return _box_sums(covered, leaves) > 0


def _nearest_corner(out, fill, labels, leaf) -> None:
    """Give a leaf's points not evaluated the label of their nearest corner."""
    i0, i1, j0, j1 = leaf
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ci = np.where(ii - i0 <= i1 - ii, i0, i1)
    cj = np.where(jj - j0 <= j1 - jj, j0, j1)
    target = out[i0:i1 + 1, j0:j1 + 1]
    mask = fill[i0:i1 + 1, j0:j1 + 1]
    target[mask] = labels[ci, cj][mask]
