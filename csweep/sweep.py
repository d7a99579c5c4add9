"""``grid_search``: PyRates' parameter-sweep call, run by csweep's compiled kernel."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping

import numpy as np

from . import _integrate
from .frames import results_frame, results_map_frame
from .grid import make_grid, set_labels
from .inputs import align_inputs
from .mapping import map_parameters
from .model import compiled_model
from .timing import make_time_grid

logger = logging.getLogger("csweep")

SOLVERS = tuple(_integrate.SOLVERS)
PRECISIONS = ("float32", "float64")
#: PyRates keywords accepted for drop-in compatibility; they do not change csweep's results.
COMPATIBILITY_KEYWORDS = ("backend", "vectorize", "verbose", "clear")


def grid_search(circuit_template, param_grid, param_map, step_size, simulation_time, outputs,
                inputs=None, sampling_step_size=None, permute_grid=False, *, cutoff=0.0,
                solver="euler", float_precision="float32", backend=None, vectorize=True,
                verbose=False, clear=True, n_threads=None, compute_precision="float64"):
    """Integrate a circuit once per parameter set and return PyRates-shaped frames.

    Parameters (PyRates' names and meanings)
    ----------------------------------------
    circuit_template : str or template
        ``"model_templates.neural_mass_models.jansenrit.JRC2"`` (PyRates' name, served by csweep's
        bundled template), ``"JRC2"``, ``"path/to/file.yaml:NAME"``, or a loaded template.
    param_grid : dict of sequences, or DataFrame
        A dict is traversed pairwise; with ``permute_grid=True`` every combination is run (for two
        keys the first varies fastest). A DataFrame gives one set per row, labelled by its index.
    param_map : dict
        Grid key -> ``{"vars": ["op/var", ...], "nodes": ["node", ...]}``.
    step_size, simulation_time : float
        Integration step and duration, in s; ``round(simulation_time / step_size)`` steps are run.
    outputs : dict
        Output name -> ``"node/op/var"`` path of a state or output variable.
    inputs : dict, optional
        ``"node/op/var"`` of an input variable -> array of ``(steps,)`` or ``(steps, 1)`` (one
        series shared by all sets) or ``(steps, n_sets)`` (column i drives set i). Row k is used at
        step k. An input variable without an array keeps its template default (or swept value).
    sampling_step_size : float, optional
        Record every ``sampling_step_size`` seconds (a whole multiple of ``step_size``); default:
        every step. Sample j is the state at ``j * sampling_step_size``, before that step.
    permute_grid : bool
        Run every combination of the grid's values.
    cutoff : float
        Drop samples before this time (s).
    solver : {"euler", "heun", "rk4"}
        Fixed-step method. ``"heun"`` is Heun's method (explicit trapezoid, second order); PyRates
        1.2.3's ``"heun"`` is a different, first-order scheme (see the migration notes).
    float_precision : {"float32", "float64"}
        dtype of the returned values. csweep computes in float64 unless ``compute_precision``
        says otherwise.
    backend, vectorize, verbose, clear
        Accepted for compatibility with PyRates and ignored: csweep has one compiled backend,
        always vectorises over parameter sets, keeps no caches to clear, and logs through
        ``logging.getLogger("csweep")`` (``verbose=True`` logs the timings at INFO level).

    csweep's own keyword
    --------------------
    n_threads : int, optional
        OpenMP threads: None or -1 for all cores, or a positive number. Results are identical
        for any number of threads.
    compute_precision : {"float64", "float32"}
        Arithmetic of the integration. "float32" (lumped JRC2 only) is about twice as fast and
        departs from the float64 result by a small fraction of each set's range (README gives
        the measured figures); parameters and inputs are rounded to float32 first.

    Returns
    -------
    results : DataFrame
        ``(n_samples, n_outputs * n_sets)`` with column tuples
        ``(output, f"{template}_{label}", *node_path, "op/var")``; a MultiIndex for any number of
        sets (PyRates flattens it for a single set). Index: float64 sample times.
    results_map : DataFrame
        The parameter sets, one row per set, indexed ``f"{template}_{label}"``.
    """
    started = time.perf_counter()
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(map(repr, SOLVERS))}; received {solver!r}")
    if float_precision not in PRECISIONS:
        raise ValueError(f"float_precision must be 'float32' or 'float64'; received "
                         f"{float_precision!r}")
    if compute_precision not in PRECISIONS:
        raise ValueError(f"compute_precision must be 'float64' or 'float32'; received "
                         f"{compute_precision!r}")
    threads = resolve_n_threads(n_threads)
    timeline = make_time_grid(simulation_time, step_size, sampling_step_size, cutoff)

    model = compiled_model(circuit_template)
    if compute_precision not in model.compute_precisions:
        raise ValueError(f"compute_precision={compute_precision!r} is not available for the "
                         f"{model.name} template; its kernel computes in "
                         f"{' or '.join(model.compute_precisions)}")
    grid = make_grid(param_grid, permute_grid)
    labels = set_labels(grid, model.name, from_dataframe=not isinstance(param_grid, Mapping))
    n_sets = len(grid)
    params, constants, swept = map_parameters(model, grid, param_map)
    channels = align_inputs(inputs, list(model.inputs), constants, swept, timeline.n_steps, n_sets)
    record = _record_indices(outputs, model.recordables)

    values = np.empty((timeline.n_records, len(record) * n_sets), dtype=float_precision)
    prepared = time.perf_counter()
    model.integrate(params, channels, record, values, timeline.every, timeline.first, solver,
                    float(step_size), threads, compute_precision)
    integrated = time.perf_counter()
    results = results_frame(values, timeline.index, dict(outputs), labels)
    results_map = results_map_frame(grid, labels)
    log = logger.info if verbose else logger.debug
    log("csweep: %d sets x %d steps (%s, %d threads): set-up %.3f s, integration %.3f s, "
        "frames %.3f s", n_sets, timeline.n_steps, solver, threads, prepared - started,
        integrated - prepared, time.perf_counter() - integrated)
    return results, results_map


def resolve_n_threads(n_threads) -> int:
    """None or -1 -> every core (OpenMP's default), a positive int -> itself."""
    if n_threads is None or (isinstance(n_threads, (int, np.integer)) and n_threads == -1):
        return max(1, _integrate.max_threads() if _integrate.openmp_enabled() else os.cpu_count() or 1)
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 1:
        raise ValueError(f"n_threads must be None, -1 or a positive integer; received {n_threads!r}")
    return int(n_threads)


def _record_indices(outputs, recordables: tuple[str, ...]) -> np.ndarray:
    if not isinstance(outputs, Mapping) or not outputs:
        raise TypeError("outputs must be a non-empty dict of name -> 'node/op/var'; received "
                        f"{outputs!r}")
    indices = []
    for name, path in outputs.items():
        if not isinstance(name, str):
            raise TypeError(f"outputs: names must be strings; received {name!r}")
        if path not in recordables:
            raise KeyError(f"outputs[{name!r}]: unknown path {path!r}; expected one of "
                           f"{', '.join(recordables)}")
        indices.append(recordables.index(path))
    return np.array(indices, dtype=np.intc)
