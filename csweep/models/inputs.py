"""``inputs`` -> one array per kernel input channel, aligned to the integration steps.

Every channel reaches the kernel as a float64 array of shape ``(rows, cols)``: ``rows`` is 1 (a
constant) or ``n_steps`` (row k drives step k); ``cols`` is 1 (shared by every set) or ``n_sets``
(column i drives set i). A channel without an input array is the input variable's constant: its
template default, or the per-set values a ``param_map`` assigned to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..circuits.real_values import real_float64
from ..noise import Noise


def check_inputs(inputs, input_paths: list[str], swept: frozenset[str] | set[str],
                 n_steps: int) -> dict[str, np.ndarray | Noise]:
    """``inputs`` checked against the model and the time grid, once per sweep: each array as
    float64 ``(n_steps, cols)`` (its columns are checked against the grid by
    :func:`align_inputs`), each generated noise as it is. The caller's arrays are read, never
    written (the kernel receives them read-only)."""
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, Mapping):
        raise TypeError(f"inputs must be a dict of 'node/op/var' -> array; received "
                        f"{type(inputs).__name__}")
    for key in inputs:
        if key not in input_paths:
            raise KeyError(f"inputs: {key!r} is not an input variable of this circuit; its inputs "
                           f"are {', '.join(input_paths)}")
        if key in swept:
            raise ValueError(f"inputs[{key!r}] is also swept through param_map; drive an input "
                             "variable with an array or sweep its constant value, not both")
    return {path: value if isinstance(value, Noise) else _series(value, path, n_steps)
            for path, value in inputs.items()}


def align_inputs(checked: Mapping, input_paths: list[str], constants: np.ndarray,
                 swept: frozenset[str] | set[str], n_sets: int) -> list:
    """The kernel's input channels of a grid of ``n_sets`` sets, in ``input_paths`` order.

    ``checked`` is what :func:`check_inputs` returned; ``constants`` is
    ``(len(input_paths), n_sets)``: each channel's value when no array drives it. A
    generated-noise input (:mod:`csweep.noise`) stays a :class:`~csweep.noise.Noise`: it is drawn
    one block of sets at a time by :func:`block_channels`.
    """
    channels: list = []
    for row, path in enumerate(input_paths):
        value = checked.get(path)
        if isinstance(value, Noise):
            channels.append(value)
        elif value is not None:
            if value.shape[1] not in (1, n_sets):
                raise ValueError(f"inputs[{path!r}] has {value.shape[1]} columns; expected 1 "
                                 f"(shared by every set) or {n_sets} (one per parameter set)")
            channels.append(value)
        elif path in swept:
            channels.append(np.ascontiguousarray(constants[row][np.newaxis, :]))
        else:
            channels.append(np.full((1, 1), constants[row, 0]))
    return channels


def _series(value, path: str, n_steps: int) -> np.ndarray:
    name = f"inputs[{path!r}]"
    array = real_float64(value, name)
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2:
        raise ValueError(f"{name} must have shape (steps,), (steps, 1) or (steps, n_sets); "
                         f"received shape {np.shape(value)}")
    if array.shape[0] != n_steps:
        raise ValueError(f"{name} has {array.shape[0]} rows; expected {n_steps} "
                         "(simulation_time / step_size)")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite values; expected finite numbers")
    return np.ascontiguousarray(array)


def noise_keys(inputs) -> list[str]:
    """The ``param_grid`` keys that set generated noise's values per set
    (``csweep.noise.normal("mu", "sigma")``), in order of appearance."""
    if not isinstance(inputs, Mapping):
        return []
    keys = [key for value in inputs.values() if isinstance(value, Noise)
            for key in value.parameters]
    return list(dict.fromkeys(keys))


def mapped_keys(grid: pd.DataFrame, param_map, inputs) -> list:
    """The keys of ``grid`` but those only noise uses (they need no ``param_map`` entry); the
    grid itself is read by key, not copied without them (a fit's generations each paid 0.2 ms
    for the copy)."""
    only_noise = {key for key in noise_keys(inputs) if key in grid.columns
                  and not (isinstance(param_map, Mapping) and key in param_map)}
    return [key for key in grid.columns if key not in only_noise]


def with_noise_values(channels: list, grid: pd.DataFrame) -> list:
    """The channels, each generated noise whose values are ``param_grid`` keys holding each
    set's values from ``grid`` (checked there)."""
    return [c.with_grid(grid) if isinstance(c, Noise) else c for c in channels]


@dataclass(frozen=True)
class NoiseToDraw:
    """A block's per-set generated noise, left for the kernel to draw as it steps (no series of
    ``n_steps x n_sets`` values is written to memory and read back): the noise, and the stream of
    each of the block's sets."""

    noise: Noise
    streams: np.ndarray


def block_channels(channels: list, start: int, stop: int, n_steps: int, n_threads: int,
                   streams: np.ndarray, shared: dict, kernel_draws_noise: bool = False) -> list:
    """The channels of sets ``start .. stop-1``: views of per-set arrays, generated noise drawn
    for exactly these sets (``streams``: every set's noise stream; a shared noise series is
    drawn once and kept in ``shared``), or left to the kernel as :class:`NoiseToDraw` when
    ``kernel_draws_noise``."""
    block: list = []
    for channel in channels:
        if isinstance(channel, Noise):
            if channel.per_set and kernel_draws_noise:
                block.append(NoiseToDraw(channel.subset(start, stop), streams[start:stop]))
            elif channel.per_set:
                block.append(channel.subset(start, stop).block(n_steps, streams[start:stop],
                                                               n_threads))
            else:
                if channel not in shared:
                    shared[channel] = channel.block(n_steps, streams[:1], n_threads)
                block.append(shared[channel])
        elif channel.shape[1] == 1:
            block.append(channel)
        else:
            block.append(channel[:, start:stop])
    return block
