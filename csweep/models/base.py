"""A circuit template -> a compiled model: what the kernel integrates and how paths map onto it.

A :class:`CompiledModel` knows, for one circuit template, every ``node/op/var`` path a
``param_map``, ``inputs`` or ``outputs`` may name, the default value of each, and which kernel
runs it. No code is generated: recognised equations become rows of parameter arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..circuits.equations import Equation, EquationError, evaluate, parse_equation
from ..circuits.template_reader import OperatorDefinition

if TYPE_CHECKING:
    from .adaptive import AdaptivePlan


@dataclass(frozen=True)
class CompiledModel:
    """What ``grid_search`` needs to know about a circuit, and the kernel call that integrates it.

    ``parameters`` and ``inputs`` map ``node/op/var`` paths to their defaults, in the row order of
    the kernel's parameter and input arrays; ``recordables`` lists the paths ``outputs`` may name,
    in the kernel's recordable order. ``limits`` maps parameters that only have a meaning on one
    side of zero to ``(strict, what)``: > 0 when ``strict`` (time constants and divisors, which
    the compiled kernel divides by without checking), else >= 0 (rates, gains). ``prepare(params, dt)``
    binds a sweep's ``(n_parameters, n_sets)`` parameter rows to the kernel and returns a
    :class:`PreparedSweep`. ``states`` are the state variables whose initial value a
    ``param_map`` may set, as in PyRates (the value is the state at t = 0).
    """

    name: str
    parameters: dict[str, float]
    inputs: dict[str, float]
    recordables: tuple[str, ...]
    prepare: Callable[[np.ndarray, float], PreparedSweep]
    nodes: tuple[str, ...]
    limits: dict[str, tuple[bool, str]] = field(default_factory=dict)
    edges: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the state variables a ``param_map`` may give initial values (a subset of the prepared
    #: sweep's ``state_names``), in state order
    states: tuple[str, ...] = ()
    compute_precisions: tuple[str, ...] = ("float64",)
    # with solver="scipy", parameters are held as float_precision says, reproducing PyRates'
    # float32 arithmetic on them (else they are float64 whatever float_precision)
    holds_float32_parameters: bool = False
    #: sha256 of the template files' content and the definition read from them
    #: (csweep.circuits.fingerprint.template_fingerprint): what a store's resume compares
    source: str = ""

    def node_paths(self) -> list[str]:
        """The node paths (``jrc``, ``jrc1/pc``) whose variables a ``param_map`` may set."""
        return list(self.nodes)


@dataclass(frozen=True)
class Stepping:
    """How every block of a sweep is stepped: ``n_steps`` steps of ``dt`` with ``solver``,
    recording every ``every``-th step from step ``first``, in ``compute_precision``; with
    ``solver="scipy"``, ``adaptive`` (a :class:`csweep.models.adaptive.AdaptivePlan`) holds
    the adaptive solver's plan instead."""

    solver: str
    dt: float
    n_steps: int
    every: int
    first: int
    compute_precision: str = "float64"
    adaptive: AdaptivePlan | None = None


class PreparedSweep:
    """A sweep's parameters bound to the kernel: integrates any block of its sets.

    ``state_names`` names the rows of a set's full state (what ``initial_state`` and
    ``return_final_state`` exchange); it may include kernel-internal values such as delay
    histories. :meth:`run` integrates sets ``start .. stop-1`` with the block's input channels
    (each ``(1 or n_steps, 1 or stop-start)``), writes their records into ``out``
    ``(n_records, n_outputs, stop-start)`` (any strides), and, when ``y_final`` is given, their
    state after ``n_steps`` steps into it ``(n_state, stop-start)``. With ``solver="scipy"``,
    ``stepping.adaptive`` (a :class:`csweep.models.adaptive.AdaptivePlan`) replaces the fixed steps and
    ``stats`` ``(stop-start, 3)`` receives each set's step counts and status.
    """

    state_names: tuple[str, ...]
    n_sets: int

    @property
    def n_state(self) -> int:
        """The rows of a set's full state, ``len(state_names)`` (which a model may name only
        when asked: a connectome's delay histories have hundreds of thousands of rows)."""
        return len(self.state_names)

    #: why these parameters cannot run with solver="scipy", or None
    adaptive_refusal: str | None = None
    #: the work of one set's step, in lumped columns' (JRC2's) steps: how many threads a block's
    #: work keeps busy (csweep.engine.runner)
    work_per_step: float = 1.0

    def run(self, start: int, stop: int, channels, record: np.ndarray, out: np.ndarray,
            stepping: Stepping, n_threads: int, *, y_init=None, y_final=None, stats=None) -> None:
        raise NotImplementedError

    def draws_noise(self, stepping: Stepping) -> bool:
        """True when :meth:`run` takes per-set generated noise as
        :class:`csweep.models.inputs.NoiseToDraw` and its kernel draws it while stepping."""
        return False

    def subset(self, start: int, stop: int) -> PreparedSweep:
        """Sets ``start .. stop-1`` alone, as a sweep of their own with copies of their values
        (what a block task carries to another process); the state names stay the whole sweep's."""
        raise NotImplementedError


#: what the kernel receives for "no initial state" / "no final state wanted"
NO_STATE = np.empty((0, 0))


def operator_equations(op: OperatorDefinition) -> list[Equation]:
    """The operator's parsed equations (its template was checked when it was read)."""
    return [parse_equation(text) for text in op.equations]


def evaluate_operator(op: OperatorDefinition, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Evaluate an operator's equations: the derivative of each state (keyed ``d/dt x``) and the
    value of each algebraic variable, given values for its states, constants and inputs."""
    equations = operator_equations(op)
    known = dict(values)
    pending = [eq for eq in equations if not eq.is_ode]
    while pending:  # algebraic equations in dependency order
        ready = [eq for eq in pending if eq.names() <= known.keys()]
        if not ready:
            missing = sorted(set().union(*(eq.names() for eq in pending)) - known.keys())
            raise EquationError(f"operator {op.name!r}: cannot evaluate {pending[0].text!r}; "
                                f"undefined or circular: {', '.join(missing)}")
        for eq in ready:
            known[eq.target] = _evaluate(eq, known)
            pending.remove(eq)
    result = {eq.target: known[eq.target] for eq in equations if not eq.is_ode}
    for eq in equations:
        if eq.is_ode:
            result[f"d/dt {eq.target}"] = _evaluate(eq, known)
    return result


def _evaluate(eq: Equation, known: dict):
    try:
        return evaluate(eq.rhs, known)
    except EquationError as exc:
        raise EquationError(f"cannot place equation {eq.text!r}: {exc}") from None


def refuse_first_bad_set(bad: np.ndarray, message: Callable[[int], str]) -> None:
    """Raise ``ValueError(message(k))`` for the first parameter set ``k`` that ``bad`` flags:
    the one way a model refuses parameter values, naming a set the user can look up."""
    if np.any(bad):
        raise ValueError(message(int(np.argmax(bad))))
