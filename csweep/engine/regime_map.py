"""``regime_map``: a map of regimes over two parameters, refined where the label changes.

The map's cells are the uniform ``resolution x resolution`` grid of ``region`` and its points
their centres, ``lo + (i + 0.5) * (hi - lo) / resolution``, so every set it evaluates is a set
of the uniform sweep, bit for bit. :mod:`csweep.engine.refine` decides which centres to
evaluate, round by round; each round is run as few calls of up to ``batch`` sets
(one ``Sweep.run`` of the map's one :class:`~csweep.Sweep`), its features classified, and the
labels handed back. With a store, each batch is a ``grid_search`` store of its own in the
map's folder, so a map stopped anywhere resumes as a sweep does, batch by batch.
"""

from __future__ import annotations

import json
import logging
import numbers
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.features import Feature
from ..analysis.regimes import RegimeMap, cell_centres
from ..circuits.fingerprint import callable_fingerprint
from .blocks import BLOCK_MEMORY
from .refine import Refinement
from .sweep import Sweep, features_sweep

logger = logging.getLogger("csweep")

#: grid_search keywords the map sets itself
TAKEN = ("param_grid", "permute_grid", "keep_timeseries", "features", "store", "resume",
         "client", "progress", "initial_state", "return_final_state")
MAP_FILE = "regime_map.json"


def regime_map(circuit_template: Any, region: Mapping[str, tuple[float, float]],
               param_map: Mapping[str, Mapping[str, Any]],
               classify: Callable[[pd.DataFrame], Any],
               features: Mapping[str, Feature | Callable[..., Any]] | None = None,
               resolution: int = 512, max_evaluations: int | None = None, batch: int = 2048,
               store: str | os.PathLike[str] | None = None, resume: bool = False,
               client: Any = None, progress: bool | Callable[[int, int], object] | None = True, *,
               coarse: int = 32, halo: int = 0, tolerances: Mapping[str, float] | None = None,
               min_round: int = 128, **keywords: Any) -> RegimeMap:
    """The regimes of a model over two parameters, evaluated where they change.

    Parameters
    ----------
    circuit_template, param_map
        As for :func:`csweep.grid_search`; ``param_map`` maps each key of ``region``.
    region : dict
        Two parameters, ``{name: (low, high)}``: the map's axes, in this order.
    classify : callable
        ``classify(features)``: the features frame of a batch (its parameter columns, then the
        features) -> one integer label per row. :func:`csweep.jansen_rit_regimes` builds one.
    features : dict, optional
        As ``grid_search``'s; default: ``classify.features`` when the classifier has them.
    resolution : int
        Cells per axis of the finest level; the map is ``resolution x resolution``.
    max_evaluations : int, optional
        At most this many sets; once spent, the cells still mixed take the label of their
        nearest evaluated corner. Default: no limit.
    batch : int
        At most this many sets per ``grid_search`` call (a round larger is cut in equal parts).
    store, resume
        A folder for the map: one ``grid_search`` store per batch and the map's settings.
        ``resume=True`` continues a map stopped part-way (the same call and classifier),
        rerunning only what is missing: it ends with the same points and labels.
    client
        A Dask client (or scheduler address): each batch runs as ``grid_search(client=...)``.
    progress : bool or callable
        True: a line on stderr per batch; a callable receives ``(sets_done, bound)`` after
        each batch, ``bound`` being ``max_evaluations`` or the uniform grid's size.
    coarse : int
        Cells per axis of the first grid of corners (``coarse + 1`` corners per axis). A region
        of one label smaller than ``resolution / coarse`` cells across, away from every other
        boundary, can be missed; raise it for small islands.
    halo : int
        Also split every leaf at least ``halo`` cells across that touches a mixed one (0: off);
        finds wiggles of a boundary into uniform-looking cells, at a cost in evaluations.
    tolerances : dict, optional
        Feature name -> change across a cell's corners above which the cell is split even
        though its labels agree ("where a feature changes fast").
    min_round : int
        A round that would evaluate fewer sets is cut deeper (several levels at once), so the
        map makes fewer, larger calls.
    **keywords
        The rest of ``grid_search``'s keywords (``step_size``, ``simulation_time``,
        ``outputs``, ``inputs``, ``cutoff``, ``solver``, ``n_threads``, ...).

    Returns
    -------
    RegimeMap
        ``.points``, ``.to_grid()``, ``.label_at(points)``, ``.boundaries``, ``.plot()``.
    """
    settings = _check(region, param_map, classify, features, resolution, max_evaluations, batch,
                      store, resume, coarse, halo, tolerances, min_round, keywords)
    features = settings.pop("features_checked")
    refinement = Refinement((resolution, resolution), coarse, halo=halo,
                            tolerances=tolerances, budget=max_evaluations, min_round=min_round)
    folder = _open_folder(store, resume, settings, classify, features) if store is not None else None
    centres = [cell_centres(lo, hi, resolution) for lo, hi in region.values()]
    axes = list(region)
    report = _reporter(progress, max_evaluations or resolution ** 2, resolution)
    sweep, executor = _sweep_of(circuit_template, param_map, features, keywords, batch, client)
    tables, n_batch, started = [], 0, time.perf_counter()
    while True:
        indices = refinement.next_round()
        if not len(indices):
            break
        for part in np.array_split(indices, -(-len(indices) // batch)):
            grid = pd.DataFrame({name: centres[k][part[:, k]] for k, name in enumerate(axes)})
            path = None if folder is None else folder / f"batch_{n_batch:05d}.zarr"
            table = _features(sweep.run(grid, store=path, resume=resume and path is not None
                                        and path.exists(), client=client, executor=executor))
            labels = _labels(classify, table)
            table = table.reset_index(drop=True).assign(label=labels)
            refinement.add(part, labels, {n: table[n].to_numpy(float) for n in tolerances or {}})
            tables.append(table)
            n_batch += 1
            report(refinement.n_evaluated, n_batch)
    points = pd.concat(tables, ignore_index=True)
    logger.info("csweep: regime map of %d sets in %d batches, %.3f s", len(points), n_batch,
                time.perf_counter() - started)
    return RegimeMap(region, resolution, points, refinement.grid(),
                     names=getattr(classify, "names", None), n_batches=n_batch)


def _sweep_of(circuit_template, param_map, features, keywords, batch: int,
              client) -> tuple[Sweep, Any]:
    """The map's one :class:`Sweep`, which integrates every batch, one call each (in one block,
    see :func:`_block_size`); and the executor its runs go to, if any."""
    keywords = dict(keywords)
    if keywords.get("block_size") is None and client is None and keywords.get("executor") is None:
        keywords["block_size"] = _block_size(batch, keywords)
    return features_sweep(circuit_template, param_map, features, keywords, "regime_map")


def _features(result) -> pd.DataFrame:
    """A batch's features frame (a sweep with features always has one)."""
    if result.features is None:
        raise RuntimeError("csweep: a regime map's batch returned no features")
    return result.features


def _block_size(n_sets: int, keywords: Mapping[str, Any]) -> int | None:
    """The whole batch in one block, within the sweep's block memory. grid_search plans at
    least eight blocks per call, so that each block's features overlap the next block; the
    map's batches are small calls, where what each block costs beyond its sets outweighs that
    overlap. Measured, the map against one grid_search of its sets, CPU time, medians of 7
    alternating runs: at a step of 1e-3 s, one block per batch 1.06x, blocks of half a batch
    1.13x, of an eighth 1.35x; at 1e-4 s, 1.07x, 1.04x and 1.16x."""
    try:
        step = float(keywords.get("sampling_step_size") or keywords["step_size"])
        span = float(keywords["simulation_time"]) - float(keywords.get("cutoff") or 0.0)
        n_outputs = len(keywords["outputs"])
        per_set = max(1, round(span / step)) * 8 * (2 * n_outputs + 2)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None     # grid_search explains what is wrong
    return max(1, min(n_sets, BLOCK_MEMORY // per_set))


def _labels(classify, table: pd.DataFrame) -> np.ndarray:
    labels = np.asarray(classify(table.copy()))
    if labels.shape != (len(table),):
        raise ValueError(f"classify returned shape {labels.shape}; expected ({len(table)},): one "
                         "label per row of the features frame")
    if labels.dtype.kind not in "iub":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels) & (labels == np.round(labels))):
            raise TypeError(f"classify must return integer labels; received dtype {labels.dtype}"
                            f" ({labels[:3]!r}...)")
    return labels.astype(np.int64)


def _check(region, param_map, classify, features, resolution, max_evaluations, batch, store,
           resume, coarse, halo, tolerances, min_round, keywords) -> dict:
    """Validate the map's own arguments; the plain data a store records of them."""
    if not isinstance(region, Mapping) or len(region) != 2:
        raise ValueError("region must be a dict of exactly two parameters, {name: (low, high)} "
                         f"(maps over three or more axes are not offered); received {region!r}")
    for name, bounds in region.items():
        if (not isinstance(bounds, (tuple, list)) or len(bounds) != 2
                or not all(isinstance(b, numbers.Real) and np.isfinite(float(b)) for b in bounds)
                or not float(bounds[0]) < float(bounds[1])):
            raise ValueError(f"region[{name!r}] must be (low, high) with low < high, both finite; "
                             f"received {bounds!r}")
        if not isinstance(param_map, Mapping) or name not in param_map:
            raise KeyError(f"region's {name!r} is not a key of param_map")
    if not callable(classify):
        raise TypeError(f"classify must be a callable features frame -> labels; received {classify!r}")
    if features is None:
        features = getattr(classify, "features", None)
        if features is None:
            raise ValueError("features: pass the features classify reads (this classifier has no "
                             ".features of its own)")
    if "label" in features or "label" in region:
        raise ValueError("'label' is the column of the map's labels; name the feature or "
                         "parameter otherwise")
    for name, value, low in (("resolution", resolution, 2), ("batch", batch, 1),
                             ("coarse", coarse, 1), ("min_round", min_round, 0), ("halo", halo, 0)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}; received {value!r}")
    if max_evaluations is not None and (not isinstance(max_evaluations, numbers.Integral)
                                        or max_evaluations < 1):
        raise ValueError(f"max_evaluations must be a positive integer or None; received "
                         f"{max_evaluations!r}")
    if coarse > resolution - 1:
        raise ValueError(f"coarse ({coarse}) must be below resolution ({resolution})")
    for name, value in (tolerances or {}).items():
        if name not in features or not isinstance(value, numbers.Real) or not float(value) >= 0:
            raise ValueError(f"tolerances[{name!r}] must name one of features ({', '.join(features)})"
                             f" and be a number >= 0; received {value!r}")
    taken = sorted(set(keywords) & set(TAKEN))
    if taken:
        raise TypeError(f"regime_map sets {', '.join(taken)} itself; do not pass "
                        f"{'it' if len(taken) == 1 else 'them'}")
    if resume and store is None:
        raise ValueError("resume=True continues a map written to a store; pass store=PATH")
    return {"region": {k: [float(v[0]), float(v[1])] for k, v in region.items()},
            "resolution": int(resolution), "coarse": int(coarse),
            "halo": int(halo), "min_round": int(min_round), "batch": int(batch),
            "max_evaluations": max_evaluations, "tolerances": dict(tolerances or {}),
            "features_checked": features}


def _open_folder(store, resume: bool, settings: dict, classify, features) -> Path:
    """The map's folder, created, or (resume) checked against the settings it was started with."""
    folder = Path(store)
    recorded = dict(settings, features=sorted(features), classify=_describe(classify))
    recorded.pop("features_checked", None)
    file = folder / MAP_FILE
    if folder.exists() and not resume:
        raise FileExistsError(f"store {os.fspath(store)!r} exists; pass resume=True to continue the "
                              "map it holds, or choose a new path")
    if resume and file.exists():
        found = json.loads(file.read_text())
        if found != json.loads(json.dumps(recorded)):
            changed = sorted(k for k in set(found) | set(recorded) if found.get(k) != recorded.get(k))
            raise ValueError(f"store {os.fspath(store)!r} holds a map of other settings "
                             f"({', '.join(changed)} differ); start a new store")
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(recorded, indent=1))
    return folder


def _describe(classify) -> Any:
    describe = getattr(classify, "describe", None)
    if callable(describe):
        return describe()
    return {"function": getattr(classify, "__qualname__", type(classify).__qualname__),
            "code": callable_fingerprint(classify, "classify")}


def _reporter(progress, bound: int, resolution: int) -> Callable[[int, int], None]:
    if callable(progress) and not isinstance(progress, bool):
        return lambda done, _: progress(done, bound)
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not progress:
        return lambda done, n: None

    def line(done: int, n: int) -> None:
        print(f"csweep regime map: batch {n}, {done} sets ({done / resolution ** 2:.2%} of the "
              f"{resolution}x{resolution} grid)", file=sys.stderr, flush=True)
    return line
