"""``csweep.fit``: an optimiser's populations, each generation one batched sweep.

Each generation, the optimiser proposes its candidates (CMA-ES through ``cma``, differential
evolution through ``scipy.optimize.differential_evolution(vectorized=True,
updating="deferred")``, or any object with ``ask``/``tell``); csweep integrates all of them
(times ``repeats`` noise streams) in one call of the compiled kernel, keeping only their
features, the loss turns the features into one number per candidate, and the optimiser is told.

Reproducible: a candidate's features are bitwise the same whatever the thread count, block or
the other candidates (the kernel's guarantee), the optimisers draw from generators seeded by
``seed`` (never NumPy's global one), so a seed gives the same history bit for bit.

Noise: with ``common_noise=True`` (the default) every candidate is driven by the same noise
streams, ``0 .. repeats - 1`` (common random numbers): the loss is then a deterministic, smooth
function of the parameters, which the optimiser can minimise, rather than a fresh draw at each
evaluation, whose best is mostly the luckiest draw. The streams are those of sets ``0 ..
repeats - 1`` of a grid_search with the same ``inputs``. Evaluation ``e``'s repeat ``r`` is the
set labelled ``e * 2**64 + r`` (an integer label's stream is the label modulo 2**64, see
:func:`csweep.noise.set_streams`). ``common_noise=False``: labels ``e * repeats + r``, each
evaluation its own streams.

With ``store=``, a folder holds the fit's arguments (``fit.json``, refused on ``resume=True``
if they differ) and one sweep store per generation (``generation-00000.zarr``, ...), with the
sweep store's fingerprint and checksums. A generation's candidates are a deterministic function
of the seed and the losses of the generations before it, so ``resume=True`` replays the
optimiser: each generation already in the store is read back (checked), the first one missing
or unfinished is run (only its missing blocks), and the fit continues: its history is the one
an uninterrupted fit gives.
"""

from __future__ import annotations

import contextlib
import json
import logging
import numbers
import os
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..analysis.features import Feature
from ..analysis.losses import FeatureLoss, SpectrumLoss
from ..circuits.fingerprint import UnfingerprintableError, callable_fingerprint
from .progress import reporting
from .sweep import Sweep, features_sweep

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..circuits.template_reader import Template

logger = logging.getLogger("csweep")

OPTIMIZERS = ("cmaes", "de")
FIT_FILE = "fit.json"
#: grid_search keywords fit sets itself
OWN_KEYWORDS = ("param_grid", "permute_grid", "keep_timeseries", "store", "resume", "progress",
                "features", "client")
#: CMA-ES starts at the middle of the bounds, with this step size (a fraction of each range)
CMA_SIGMA0 = 0.3


@dataclass
class FitResult:
    """What :func:`csweep.fit` found.

    - ``best``: parameter -> value of the candidate with the lowest loss;
    - ``loss``: that loss;
    - ``history``: one row per evaluation (index ``evaluation``): its ``generation``, its
      parameters, its ``loss``;
    - ``best_features``: the features of the best candidate (averaged over the repeats);
    - ``store``: the fit's folder, or None.
    """

    best: dict[str, float]
    loss: float
    history: pd.DataFrame
    best_features: pd.Series | None = None
    loss_function: Callable | None = field(default=None, repr=False)
    store: str | None = None

    def plot(self, axes: Sequence[Axes] | None = None) -> Figure:
        """Convergence (each evaluation's loss and the best so far) and, for a built-in loss,
        the best candidate's features against the target: its spectrum
        (:func:`csweep.losses.spectrum`), or each feature's difference from its target in
        units of its scale (:func:`csweep.losses.features`). Returns the matplotlib figure."""
        try:
            import matplotlib.pyplot as plt  # noqa: PLC0415 (optional dependency)
        except ImportError:
            raise ImportError("FitResult.plot needs matplotlib: pip install 'csweep[plot]'") from None
        compared = self.best_features is not None and isinstance(
            self.loss_function, (SpectrumLoss, FeatureLoss))
        if axes is None:
            fig, grid = plt.subplots(1, 2 if compared else 1, figsize=(10 if compared else 5, 3.5),
                                     squeeze=False)
            axes = list(grid[0])
        fig = axes[0].figure
        loss = self.history["loss"]
        axes[0].plot(loss.index, loss, ".", ms=2, alpha=0.4, label="evaluation")
        axes[0].plot(loss.index, loss.cummin(), "-", label="best so far")
        axes[0].set(xlabel="evaluation", ylabel="loss", title="convergence")
        if (loss > 0).all():
            axes[0].set_yscale("log")
        axes[0].legend()
        if compared:
            self._plot_against_target(axes[1])
        fig.tight_layout()
        return fig

    def _plot_against_target(self, ax) -> None:
        features, loss = cast(pd.Series, self.best_features), self.loss_function
        if isinstance(loss, SpectrumLoss):
            best = features[loss.feature]
            freqs = np.asarray(best.index, dtype=float)
            ax.plot(freqs, loss.target, "k-", label="target")
            ax.plot(freqs, best.to_numpy(dtype=float), "--", label="best candidate")
            ax.set(xlabel="frequency (Hz)", ylabel=loss.feature, title="best fit")
            ax.legend()
            return
        loss = cast(FeatureLoss, loss)
        names = list(loss.targets)
        off = [(float(features[n]) - loss.targets[n]) / loss.scales[n] for n in names]
        ax.bar(names, off)
        ax.axhline(0.0, color="k", lw=0.8)
        ax.set(ylabel="(best - target) / scale", title="best fit")


def fit(circuit_template: str | os.PathLike[str] | Template, bounds: Mapping[str, tuple[float, float]], *,
        param_map: Mapping[str, Any] | None = None, loss: Callable[[pd.DataFrame], Any],
        features: Mapping[str, Feature | Callable[..., Any]], optimizer: Any = "cmaes",
        popsize: int = 32, max_evaluations: int = 1600, seed: int = 0, repeats: int = 1,
        common_noise: bool = True, store: str | os.PathLike[str] | None = None,
        resume: bool = False, client: Any = None,
        progress: bool | Callable[[int, int], object] | None = True,
        **grid_search_keywords: Any) -> FitResult:
    """Fit parameters to a target by an optimiser whose every generation is one batched sweep.

    Parameters
    ----------
    circuit_template
        As for :func:`csweep.grid_search`, or a :class:`csweep.Sweep` holding the call (then
        ``param_map`` and grid_search's keywords go to the Sweep, not here; its features are
        replaced by ``features``).
    bounds : dict
        ``param_grid`` key -> ``(low, high)``: the parameters fitted, each within its bounds.
        A key sets what ``param_map`` maps it to, or a noise value
        (``csweep.noise.normal("mu", 20.0)``).
    param_map : dict, optional
        As for grid_search (keys used only by noise need none).
    loss : callable
        ``loss(features)`` -> one number per candidate (smaller is better); ``features`` is a
        generation's features as ``SweepResult.features`` gives them, one row per candidate
        (averaged over the repeats), index the evaluations' numbers. Built-ins:
        :func:`csweep.losses.spectrum`, :func:`csweep.losses.features`.
    features : dict
        As for grid_search: what is computed per set (time series are never kept).
    optimizer : "cmaes", "de", or an object with ask() and tell(candidates, losses)
        ``"cmaes"``: CMA-ES (``pip install 'csweep[fit]'``), in coordinates scaled to the
        bounds, from their middle. ``"de"``: scipy's differential evolution, population
        ``max(5, ceil(popsize / n_params) * n_params)``, no polishing. An object: ``ask()``
        returns the generation's candidates, ``(n, n_params)`` in parameter units (``bounds``
        order); ``tell`` receives them and their losses; an optional ``stop()`` ends the fit.
    popsize, max_evaluations : int
        Candidates per generation, and evaluations in all (a generation that would exceed it is
        not run).
    seed : int
        The optimiser's seed: the same seed gives the same history, bit for bit.
    repeats : int
        Noise streams per candidate, all in the same call; the loss sees features averaged
        over them.
    common_noise : bool
        True: every candidate on the same streams (see the module's notes); False: every
        evaluation on streams of its own.
    store, resume
        A folder for the fit (see the module's notes); ``resume=True`` continues a fit stopped
        at any moment and gives the uninterrupted fit's history.
    client
        A Dask client (or scheduler address) each generation runs on.
    progress : bool or callable
        True: progress of the evaluations (as grid_search's); a callable receives
        ``(evaluations_done, max_evaluations)`` after each generation.
    **grid_search_keywords
        The rest of grid_search's arguments (``step_size``, ``simulation_time``, ``outputs``,
        ``inputs``, ``n_threads``, ``block_size``, ``executor``, ...).
    """
    names, lows, highs = _check_bounds(bounds)
    _check_fit_arguments(loss, features, popsize, max_evaluations, seed, repeats, resume, store,
                         grid_search_keywords)
    if not isinstance(common_noise, (bool, np.bool_)):
        raise TypeError(f"common_noise must be True or False; received {common_noise!r}")
    driver = _driver(optimizer, names, lows, highs, popsize, max_evaluations, seed)
    call = _sweep_of(circuit_template, param_map, features, grid_search_keywords)
    folder = None if store is None else _open_fit_store(store, resume, _fit_fingerprint(
        names, lows, highs, driver, popsize, max_evaluations, seed, repeats, loss, common_noise))
    with reporting(progress, max_evaluations) as reporter, _dask_client(client) as dask_client:
        call.client = dask_client
        evaluator = _Evaluator(call, names, loss, repeats, bool(common_noise), folder, reporter)
        driver.run(evaluator.evaluate)
    return evaluator.result()


@dataclass
class _Call:
    """What every generation shares: the sweep of its candidates and where it runs."""

    sweep: Sweep
    executor: Any = None
    client: Any = None


def _sweep_of(circuit_template, param_map, features, keywords: dict) -> _Call:
    """The fit's one :class:`Sweep`: ``circuit_template`` itself (its features replaced) when it
    is one, else made from grid_search's keywords."""
    if not isinstance(circuit_template, Sweep):
        return _Call(*features_sweep(circuit_template, param_map, features, keywords, "fit"))
    keywords = dict(keywords)
    executor = keywords.pop("executor", None)
    if param_map is not None or keywords:
        given = ["param_map"] * (param_map is not None) + sorted(keywords)
        raise TypeError(f"fit(Sweep(...), ...): the Sweep holds the call; pass "
                        f"{', '.join(given)} to the Sweep, not to fit")
    return _Call(circuit_template.replace(features=dict(features), keep_timeseries=False,
                                          progress=False), executor)


def _run_generation(call: _Call, grid: pd.DataFrame, store: str | None,
                    resume: bool) -> pd.DataFrame:
    """One generation's candidates in one batched call of the fit's Sweep: their features, one
    row per set."""
    return call.sweep.run(grid, store=store, resume=resume, client=call.client,
                          executor=call.executor).features


class _Evaluator:
    """Evaluates generations: the batched sweep, the loss, the history, the store."""

    def __init__(self, call: _Call, names: list[str], loss, repeats: int, common_noise: bool,
                 folder, reporter):
        self.call, self.names, self.loss, self.repeats = call, names, loss, repeats
        self.common_noise = common_noise
        self.folder, self.reporter = folder, reporter
        self.generation = self.evaluated = 0
        self.rows: list[np.ndarray] = []
        self.best: tuple[float, np.ndarray, pd.Series] | None = None

    def evaluate(self, candidates: np.ndarray) -> np.ndarray:
        """The losses of a generation's candidates ``(n, n_params)``, as the optimiser takes
        them (a NaN or infinite loss as a value worse than the generation's worst)."""
        n, k = len(candidates), self.repeats
        grid = pd.DataFrame(np.repeat(candidates, k, axis=0), columns=self.names,
                            index=self.labels(n))
        path = (None if self.folder is None
                else os.path.join(self.folder, f"generation-{self.generation:05d}.zarr"))
        frame = _run_generation(self.call, grid, path, path is not None and os.path.exists(path))
        averaged = _average(frame, n, k, len(self.names))
        averaged.index = pd.RangeIndex(self.evaluated, self.evaluated + n, name="evaluation")
        losses = np.asarray(self.loss(averaged), dtype=np.float64)
        if losses.shape != (n,):
            raise ValueError(f"loss returned shape {losses.shape}; expected ({n},): one number "
                             "per candidate")
        self._keep(candidates, losses, averaged)
        self.generation += 1
        self.evaluated += n
        self.reporter.update(self.evaluated)
        return _for_optimizer(losses)

    def labels(self, n: int) -> pd.Index:
        """The set labels of the next ``n`` evaluations' repeats (their noise streams: see the
        module's notes)."""
        evaluations = range(self.evaluated, self.evaluated + n)
        if self.common_noise:
            return pd.Index([e * 2**64 + r for e in evaluations for r in range(self.repeats)],
                            dtype=object)
        return pd.RangeIndex(self.evaluated * self.repeats, (self.evaluated + n) * self.repeats)

    def _keep(self, candidates, losses, averaged) -> None:
        generation = np.full((len(candidates), 1), float(self.generation))
        self.rows.append(np.hstack([generation, candidates, losses[:, np.newaxis]]))
        finite = np.where(np.isfinite(losses))[0]
        if len(finite):
            i = finite[np.argmin(losses[finite])]
            if self.best is None or losses[i] < self.best[0]:
                self.best = (float(losses[i]), candidates[i].copy(), averaged.iloc[i])
        logger.info("csweep.fit: generation %d, %d evaluations, best loss %s", self.generation,
                    self.evaluated + len(candidates), None if self.best is None else self.best[0])

    def result(self) -> FitResult:
        rows = np.vstack(self.rows) if self.rows else np.empty((0, len(self.names) + 2))
        history = pd.DataFrame(rows[:, 1:], columns=[*self.names, "loss"],
                               index=pd.RangeIndex(len(rows), name="evaluation"))
        history.insert(0, "generation", rows[:, 0].astype(np.int64))
        if self.best is None:
            return FitResult({}, float("nan"), history, None, self.loss, self.folder)
        loss, values, features = self.best
        return FitResult(dict(zip(self.names, map(float, values), strict=True)), loss, history,
                         features, self.loss, self.folder)


def _average(frame: pd.DataFrame, n: int, repeats: int, n_params: int) -> pd.DataFrame:
    """One row per candidate: its parameters, and its features averaged over its repeats
    (rows ``i * repeats .. (i + 1) * repeats - 1`` of ``frame``)."""
    if repeats == 1:
        return frame        # the run's own frame, one row per candidate already
    out = frame.iloc[::repeats].copy()
    values = frame.iloc[:, n_params:].to_numpy(dtype=np.float64)
    out.iloc[:, n_params:] = values.reshape(n, repeats, -1).mean(axis=1)
    return out


def _for_optimizer(losses: np.ndarray) -> np.ndarray:
    """NaN or infinite losses (a diverged candidate) as worse than the generation's worst."""
    finite = np.isfinite(losses)
    if finite.all():
        return losses
    worst = float(losses[finite].max()) if finite.any() else 0.0
    return np.where(finite, losses, worst + abs(worst) + 1.0)


# --------------------------------------------------------------------------------------------
# Optimisers
# --------------------------------------------------------------------------------------------

class _AskTell:
    """Drives an ask/tell optimiser in parameter units."""

    name = "ask/tell"

    def __init__(self, optimizer, n_params: int, popsize: int, max_evaluations: int):
        self.optimizer, self.n_params = optimizer, n_params
        self.popsize, self.max_evaluations = popsize, max_evaluations
        self.name = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"

    @property
    def stored_name(self) -> str:
        """The optimiser as a fit store records it (resume=True refuses another)."""
        return self.name

    def ask(self):
        asked = self.optimizer.ask()
        return asked, np.asarray(asked, dtype=np.float64)

    def tell(self, asked, candidates, losses) -> None:
        self.optimizer.tell(asked, losses)

    def stopped(self) -> bool:
        stop = getattr(self.optimizer, "stop", None)
        return bool(stop()) if callable(stop) else False

    def run(self, evaluate) -> None:
        done = 0
        while not self.stopped():
            asked, candidates = self.ask()
            if candidates.ndim != 2 or candidates.shape[1] != self.n_params or not len(candidates):
                raise ValueError(f"optimizer.ask() gave shape {candidates.shape}; expected "
                                 f"(n, {self.n_params}): n candidates of the bounds' parameters")
            if done + len(candidates) > self.max_evaluations:
                break
            losses = evaluate(candidates)
            self.tell(asked, candidates, losses)
            done += len(candidates)


class _CMAES(_AskTell):
    """CMA-ES (``cma``) in coordinates scaled to the bounds (0 to 1), from their middle, its
    draws from a generator of its own seeded by ``seed``.

    The bounds are kept as ``cma`` documents for a transformation of the search space: the
    strategy itself runs unbounded, and every coordinate it asks for is mapped into [0, 1] by
    ``cma.transformations.BoxConstraintsLinQuadTransformation`` (the identity inside, quadratic
    near the bounds, periodic beyond; the map ``cma``'s own ``bounds`` option applies). One call
    maps the whole generation: the option maps each candidate in a call of its own, 0.45 ms of
    Python a generation of 32."""

    name = "cmaes"
    #: what a fit store records as the optimiser: "/2" since the bounds' transformation is
    #: applied here rather than by cma's ``bounds`` option (the same seed gives other
    #: candidates, so a store of the first way is refused on resume, by name)
    stored_name = "cmaes/2"

    def __init__(self, lows, highs, popsize: int, max_evaluations: int, seed: int):
        try:
            import cma  # noqa: PLC0415 (optional dependency)
            from cma.transformations import (  # noqa: PLC0415
                BoxConstraintsLinQuadTransformation,
            )
        except ImportError:
            raise ImportError("optimizer='cmaes' needs the cma package: pip install "
                              "'csweep[fit]'") from None
        self.lows, self.spans = lows, highs - lows
        self.rng = np.random.RandomState(seed)
        self.shadow = np.random.RandomState(seed).get_state()   # for any global draw of cma's
        self.into_bounds = BoxConstraintsLinQuadTransformation([[0.0, 1.0]])   # every coordinate
        options = {"popsize": popsize, "seed": np.nan, "randn": self.rng.randn, "verbose": -9,
                   "verb_log": 0, "verb_disp": 0}
        # cma does not run in one dimension: a fit of one parameter carries a second
        # coordinate that no candidate reads
        with self._private_global():
            es = cma.CMAEvolutionStrategy(np.full(max(2, len(lows)), 0.5), CMA_SIGMA0, options)
        super().__init__(es, len(lows), popsize, max_evaluations)
        self.name = "cmaes"
        self.next = None      # the next generation, when tell asked it

    @contextlib.contextmanager
    def _private_global(self):
        """NumPy's global generator, for the time of a cma call, in a state of the fit's own
        (and the caller's state put back after)."""
        saved = np.random.get_state()
        np.random.set_state(self.shadow)
        try:
            yield
        finally:
            self.shadow = np.random.get_state()
            np.random.set_state(saved)

    def ask(self):
        asked, self.next = self.next, None
        if asked is None:
            with self._private_global():
                asked = self.optimizer.ask()
        coordinates = np.array(asked, dtype=np.float64)
        unit = np.asarray(self.into_bounds(coordinates.ravel(), copy=False)).reshape(
            coordinates.shape)[:, :len(self.lows)]
        return asked, self.lows + unit * self.spans

    def tell(self, asked, candidates, losses) -> None:
        # the next generation asked at once, in the same swap of NumPy's global generator
        # (a swap costs about 0.3 ms; the driver asks next in any case, before its budget check)
        with self._private_global():
            self.optimizer.tell(asked, list(losses))
            self.next = self.optimizer.ask()

    def stopped(self) -> bool:
        # every generation the budget allows is run: cma's own termination criteria (flat or
        # converged fitness) would end a fit on a plateau of a noisy loss
        return False


class _DifferentialEvolution:
    """scipy's differential evolution, the population evaluated at once each generation."""

    name = stored_name = "de"

    def __init__(self, lows, highs, popsize: int, max_evaluations: int, seed: int):
        self.lows, self.spans, self.seed = lows, highs - lows, seed
        self.multiplier = max(1, -(-popsize // len(lows)))
        self.population = max(5, self.multiplier * len(lows))
        self.generations = max_evaluations // self.population
        if self.generations < 1:
            raise ValueError(f"max_evaluations={max_evaluations} is less than one population of "
                             f"differential evolution ({self.population})")

    def run(self, evaluate) -> None:
        from scipy.optimize import differential_evolution  # noqa: PLC0415 (optional)

        def population_losses(x):       # x: (n_params, n) in the unit cube
            return evaluate(self.lows + x.T * self.spans)

        differential_evolution(population_losses, [(0.0, 1.0)] * len(self.lows),
                               popsize=self.multiplier, maxiter=self.generations - 1,
                               seed=self.seed, vectorized=True, updating="deferred",
                               polish=False, init="latinhypercube")


def _driver(optimizer, names, lows, highs, popsize, max_evaluations, seed):
    if isinstance(optimizer, str):
        if optimizer == "cmaes":
            return _CMAES(lows, highs, popsize, max_evaluations, seed)
        if optimizer == "de":
            return _DifferentialEvolution(lows, highs, popsize, max_evaluations, seed)
        raise ValueError(f"optimizer must be 'cmaes', 'de' or an object with ask() and tell(); "
                         f"received {optimizer!r}")
    if not (callable(getattr(optimizer, "ask", None)) and callable(getattr(optimizer, "tell", None))):
        raise TypeError("optimizer must be 'cmaes', 'de' or an object with ask() and tell(); "
                        f"received {type(optimizer).__name__}")
    return _AskTell(optimizer, len(names), popsize, max_evaluations)


# --------------------------------------------------------------------------------------------
# Arguments, store, client
# --------------------------------------------------------------------------------------------

def _check_bounds(bounds) -> tuple[list[str], np.ndarray, np.ndarray]:
    if not isinstance(bounds, Mapping) or not bounds:
        raise TypeError("bounds must be a non-empty dict of param_grid key -> (low, high); "
                        f"received {bounds!r}")
    names, lows, highs = [], [], []
    for key, pair in bounds.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"bounds: keys must be param_grid keys (strings); received {key!r}")
        ok = isinstance(pair, (tuple, list)) and len(pair) == 2 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(float(v))
            for v in pair)
        if not ok or not float(pair[0]) < float(pair[1]):
            raise ValueError(f"bounds[{key!r}] must be (low, high), finite numbers with low < "
                             f"high; received {pair!r}")
        names.append(key)
        lows.append(float(pair[0]))
        highs.append(float(pair[1]))
    return names, np.array(lows), np.array(highs)


def _check_fit_arguments(loss, features, popsize, max_evaluations, seed, repeats, resume, store,
                         keywords) -> None:
    if not callable(loss):
        raise TypeError("loss must be a callable: features of a generation -> one number per "
                        f"candidate (csweep.losses.spectrum(...), ...); received {loss!r}")
    if not isinstance(features, Mapping) or not features:
        raise TypeError("features must be a non-empty dict of name -> feature, what the loss "
                        f"reads; received {features!r}")
    for name, value, least in (("popsize", popsize, 2), ("max_evaluations", max_evaluations, 1),
                               ("seed", seed, 0), ("repeats", repeats, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}; received {value!r}")
    if not isinstance(resume, (bool, np.bool_)):
        raise TypeError(f"resume must be True or False; received {resume!r}")
    if resume and store is None:
        raise ValueError("resume=True continues a fit written to a store; pass store=PATH")
    taken = sorted(set(keywords) & set(OWN_KEYWORDS))
    if taken:
        raise TypeError(f"fit sets {', '.join(taken)} itself (every generation is a sweep of its "
                        "candidates' features); remove them")


def _fit_fingerprint(names, lows, highs, driver, popsize, max_evaluations, seed, repeats,
                     loss, common_noise) -> dict:
    """What decides a fit's candidates beyond each generation's sweep (whose own store holds
    the sweep's fingerprint)."""
    describe = getattr(loss, "describe", None)
    if callable(describe):
        loss_id: Any = describe()
    else:
        try:
            loss_id = {"code": callable_fingerprint(loss, "loss")}
        except UnfingerprintableError:
            loss_id = {"callable": f"{type(loss).__module__}.{type(loss).__qualname__}"}
    return {"bounds": {n: [float(a), float(b)] for n, a, b in zip(names, lows, highs, strict=True)},
            "optimizer": driver.stored_name, "popsize": int(popsize),
            "max_evaluations": int(max_evaluations), "seed": int(seed), "repeats": int(repeats),
            "common_noise": bool(common_noise), "loss": json.loads(json.dumps(loss_id, default=str))}


def _open_fit_store(store, resume: bool, fingerprint: dict) -> str:
    """The fit's folder: created whole (a hidden sibling renamed into place), or with
    ``resume`` reopened after checking it was made by the same fit."""
    path = os.path.abspath(os.fspath(store))
    if os.path.lexists(path):
        if not resume:
            raise FileExistsError(f"store {path!r} already exists; pass resume=True to continue "
                                  "the fit that wrote it, or choose another path")
        try:
            with open(os.path.join(path, FIT_FILE)) as f:
                stored = json.load(f)
        except (OSError, ValueError):
            raise ValueError(f"store {path!r} is not a csweep fit (no readable {FIT_FILE})") from None
        if stored != fingerprint:
            differ = sorted(k for k in set(stored) | set(fingerprint)
                            if stored.get(k) != fingerprint.get(k))
            raise ValueError(f"resume=True: store {path!r} was written by a different fit; these "
                             f"arguments differ: {', '.join(differ)}")
        return path
    parent, name = os.path.split(path)
    building = os.path.join(parent, f".{name}.creating-{os.getpid()}-{secrets.token_hex(4)}")
    os.mkdir(building)
    try:
        with open(os.path.join(building, FIT_FILE), "w") as f:
            json.dump(fingerprint, f, indent=1)
        os.rename(building, path)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return path


@contextlib.contextmanager
def _dask_client(client):
    """A scheduler address connected once for the whole fit (and closed after it)."""
    if not isinstance(client, str):
        yield client
        return
    try:
        import distributed  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError("client= needs Dask's distributed scheduler: pip install "
                          "'csweep[dask]'") from None
    connected = distributed.Client(client)
    try:
        yield connected
    finally:
        connected.close()
