"""Sweep files for ``csweep run sweep.yaml``: the keys of a ``grid_search`` call, in YAML.

Example (examples/sweep.yaml holds a complete one)::

    template: JRC2
    grid:
      c: {linspace: [60, 1400, 2000]}     # or a list of values, or {logspace: [...]}
    param_map:
      c: {vars: [jrc_op/c], nodes: [jrc]}
    outputs: {V_e: jrc/jrc_op/V_e, V_i: jrc/jrc_op/V_i}
    inputs:
      jrc/jrc_op/u: {noise: uniform, low: 120, high: 320, seed: 0, per_set: true}
    step_size: 1.0e-4
    simulation_time: 10
    sampling_step_size: 1.0e-3
    cutoff: 1
    store: sweep.zarr
    keep_timeseries: false
    features:
      frequency: {feature: dominant_frequency, signal: V_e - V_i, band: [1, 40]}
      amplitude: {feature: peak_to_peak, signal: V_e - V_i}
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping

import numpy as np
import yaml

from .. import noise as noise_module
from ..analysis import features as feature_module
from ..circuits.template_reader import MAX_FILE_BYTES, TemplateError, safe_yaml
from ..models.memory import check_memory
from .grid import BYTES_PER_SET
from .spec import SOLVERS
from .sweep import grid_search

_DEFAULT_SOLVER = inspect.signature(grid_search).parameters["solver"].default

#: key -> what it holds (shown by ``csweep run --help``)
KEYS = {
    "template": "circuit template: a bundled name (JRC2, JRC, ...) or path/to/file.yaml:NAME",
    "grid": "parameter -> list of values, or {linspace: [start, stop, num]}, "
            "{logspace: [start, stop, num]} (powers of ten), {arange: [start, stop, step]}",
    "permute_grid": "true: every combination of the grid's values (default false: pairwise)",
    "param_map": "grid key -> {vars: [op/var, ...], nodes: [node, ...]}",
    "outputs": "output name -> node/op/var",
    "inputs": "node/op/var -> {noise: uniform, low, high, seed, per_set} or "
              "{noise: normal, mean, std, seed, per_set}, each value a number or a grid key "
              f"(optionally stream_version: {noise_module.STREAM_VERSION}, "
              "refused by a csweep that draws another version)",
    "step_size": "integration step, s",
    "simulation_time": "duration, s",
    "sampling_step_size": "record every ... s (default: every step)",
    "cutoff": "drop samples before this time, s (default 0)",
    "solver": f"{', '.join(SOLVERS)} (default {_DEFAULT_SOLVER}; scipy: adaptive Dormand-Prince, "
              "solve_ivp's RK45)",
    "rtol": "solver scipy: relative tolerance (default 1e-3)",
    "atol": "solver scipy: absolute tolerance (default 1e-6)",
    "float_precision": "float32 (default) or float64: dtype of stored values",
    "compute_precision": "float64 (default) or float32 arithmetic",
    "store": "Zarr store path (default: none; features go to --features-csv)",
    "keep_timeseries": "false: store features only (default true)",
    "block_size": "sets per block (default: chosen from memory and time)",
    "features": "name -> {feature: mean|std|peak_to_peak|minimum|maximum|dominant_frequency|"
                "dominant_power|spectrum, signal: 'V_e - V_i', band: [low, high], "
                "method: welch|fft, freqs: [f1, f2, ...], log: true|false}",
}
REQUIRED = ("template", "grid", "param_map", "outputs", "step_size", "simulation_time")
BOOLEANS = ("permute_grid", "keep_timeseries")
NUMBERS = ("step_size", "simulation_time", "sampling_step_size", "cutoff", "rtol", "atol")
FEATURES = ("mean", "std", "peak_to_peak", "minimum", "maximum", "dominant_frequency",
            "dominant_power", "spectrum")


class SweepFileError(ValueError):
    """A sweep file that does not describe a sweep; the message says where and why."""


def load_sweep_file(path) -> dict:
    """The ``grid_search`` keyword arguments a sweep file describes, read with the guards
    template files get (size, nesting depth, alias expansion; plain data only)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)    # bounded: a file may grow, or be a device
    if len(data) > MAX_FILE_BYTES:
        raise SweepFileError(f"{path}: longer than {MAX_FILE_BYTES} bytes; sweep files of at most "
                             f"{MAX_FILE_BYTES} bytes are read")
    try:
        spec = safe_yaml(data.decode("utf-8"), path)
    except UnicodeDecodeError as exc:
        raise SweepFileError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    except TemplateError as exc:
        raise SweepFileError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise SweepFileError(f"{path}: not valid YAML: {exc}") from None
    return sweep_arguments(spec, str(path))


def sweep_arguments(spec, where: str = "sweep file") -> dict:
    if not isinstance(spec, Mapping):
        raise SweepFileError(f"{where}: expected a mapping of grid_search keys; received "
                             f"{type(spec).__name__}")
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise SweepFileError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; known keys: "
                             f"{', '.join(KEYS)}")
    missing = [k for k in REQUIRED if k not in spec]
    if missing:
        raise SweepFileError(f"{where}: missing key(s) {', '.join(missing)}")
    args = {k: v for k, v in spec.items() if k not in ("template", "grid", "inputs", "features")}
    args["circuit_template"] = spec["template"]
    for key in NUMBERS:
        if args.get(key) is not None:
            args[key] = _number(args[key], f"{where}: {key}")
    if not isinstance(spec["grid"], Mapping):
        raise SweepFileError(f"{where}: grid must map parameters to values")
    args["param_grid"] = {k: _values(v, f"{where}: grid[{k!r}]") for k, v in spec["grid"].items()}
    for key in ("inputs", "features"):
        if not isinstance(spec.get(key) or {}, Mapping):
            raise SweepFileError(f"{where}: {key} must map names to descriptions ({KEYS[key]}); "
                                 f"received a {type(spec[key]).__name__}")
    for key in BOOLEANS:
        if key in args and not isinstance(args[key], bool):
            # a quoted "false" or "no" is a string, which Python would take as true
            raise SweepFileError(f"{where}: {key} must be true or false (unquoted); received "
                                 f"{args[key]!r}")
    args["inputs"] = {k: _noise(v, f"{where}: inputs[{k!r}]")
                      for k, v in (spec.get("inputs") or {}).items()}
    args["features"] = {k: _feature(v, f"{where}: features[{k!r}]")
                        for k, v in (spec.get("features") or {}).items()} or None
    return args


def _number(value, where):
    if isinstance(value, str):
        try:
            return float(value)     # YAML 1.1 reads 1e-4 (no dot) as a string
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SweepFileError(f"{where}: expected a number; received {value!r}")
    return value


def _values(value, where):
    if isinstance(value, list):
        return [_number(v, where) for v in value]
    if isinstance(value, Mapping) and len(value) == 1:
        (kind, arguments), = value.items()
        makers = {"linspace": np.linspace, "arange": np.arange,
                  "logspace": np.logspace}
        if kind in makers and isinstance(arguments, list) and len(arguments) == 3:
            start, stop, third = (_number(a, where) for a in arguments)
            count = _count(kind, start, stop, third, where)
            # each value becomes a parameter set (or several, with permute_grid)
            check_memory(float(count) * BYTES_PER_SET, f"{where}: {kind} {arguments} ({count:.4g} "
                         "values, each a parameter set)", "Use fewer values.")
            with np.errstate(all="ignore"):       # an overflow is told below, not warned
                values = makers[kind](start, stop, count if kind != "arange" else third)
            if not np.all(np.isfinite(values)):
                raise SweepFileError(f"{where}: {kind} {arguments} gives values beyond float64's "
                                     "range (infinite); expected finite numbers")
            return values
    raise SweepFileError(f"{where}: expected a list of numbers or {{linspace|logspace|arange: "
                         f"[a, b, c]}}; received {value!r}")


def _count(kind: str, start, stop, third, where: str) -> float:
    """How many values ``kind`` makes, checked before NumPy is asked to make them."""
    if not all(math.isfinite(float(v)) for v in (start, stop, third)):
        raise SweepFileError(f"{where}: {kind}'s values must be finite numbers; received "
                             f"{[start, stop, third]}")
    if kind != "arange":
        if float(third) != int(third) or third < 1:
            raise SweepFileError(f"{where}: {kind}'s third value is a count; received "
                                 f"{third!r}")
        return int(third)
    if third == 0:
        raise SweepFileError(f"{where}: arange's step (its third value) must not be 0; received "
                             f"{[start, stop, third]}")
    count = math.ceil((float(stop) - float(start)) / float(third))
    if count < 1:
        raise SweepFileError(f"{where}: arange {[start, stop, third]} gives no value (the step "
                             "leads away from stop)")
    return count


def _noise(value, where):
    if not isinstance(value, Mapping) or value.get("noise") not in ("uniform", "normal"):
        raise SweepFileError(f"{where}: expected {{noise: uniform, low, high, seed, per_set}} or "
                             f"{{noise: normal, mean, std, seed, per_set}}; received {value!r}")
    kind = value["noise"]
    names = ("low", "high") if kind == "uniform" else ("mean", "std")
    # a store's description of its noise (its 'inputs' attribute) names the generator too
    extra = sorted(set(value) - {"noise", *names, "seed", "per_set", "generator",
                                 "stream_version"})
    if extra or not all(n in value for n in names):
        raise SweepFileError(f"{where}: {kind} noise takes {', '.join(names)}, seed and per_set; "
                             f"received {', '.join(map(str, value))}")
    wanted = (value.get("generator", noise_module.GENERATOR),
              value.get("stream_version", noise_module.STREAM_VERSION))
    if wanted != (noise_module.GENERATOR, noise_module.STREAM_VERSION):
        raise SweepFileError(f"{where}: asks for noise streams version {wanted[1]} "
                             f"({wanted[0]}); this csweep draws version "
                             f"{noise_module.STREAM_VERSION} ({noise_module.GENERATOR}), "
                             "whose numbers differ")
    try:
        # a value is a number or the name of a grid key that sets it per set
        a, b = (value[n] if isinstance(value[n], str) else _number(value[n], where)
                for n in names)
        return getattr(noise_module, kind)(
            a, b,
            seed=value.get("seed", 0), per_set=value.get("per_set", True))
    except (TypeError, ValueError) as exc:
        raise SweepFileError(f"{where}: {exc}") from None


def _feature(value, where):
    if not isinstance(value, Mapping) or value.get("feature") not in FEATURES:
        raise SweepFileError(f"{where}: expected {{feature: one of {', '.join(FEATURES)}, "
                             f"signal: ...}}; received {value!r}")
    options = {k: v for k, v in value.items() if k != "feature"}
    if "band" in options and isinstance(options["band"], list):
        options["band"] = tuple(_number(b, where) for b in options["band"])
    try:
        return getattr(feature_module, value["feature"])(**options)
    except (TypeError, ValueError) as exc:
        raise SweepFileError(f"{where}: {exc}") from None
