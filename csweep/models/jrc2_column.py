"""The lumped Jansen-Rit column (PyRates' JRC2): recognise its operator, bind it to the kernel.

A circuit is compiled to the JRC2 kernel when it has one node holding one operator whose
equations compute the same derivatives as the Jansen-Rit column below (checked numerically at
random states and parameters, so any algebraic arrangement of the same model is accepted) and
whose variables carry the names the kernel's parameter rows use.
"""

from __future__ import annotations

import numpy as np

from .. import _dopri, _integrate, _runtime
from ..circuits.template_reader import CircuitDefinition, OperatorDefinition, TemplateError
from ..kernels.builds import kernel, single_kernel
from .base import NO_STATE, CompiledModel, PreparedSweep, Stepping, evaluate_operator, operator_equations
from .inputs import NoiseToDraw

STATES = _integrate.JRC2_STATES
PARAMETERS = _integrate.JRC2_PARAMETERS
INPUTS = _integrate.JRC2_INPUTS
RECORDABLE = _integrate.JRC2_RECORDABLE
#: parameters refused outside their meaningful range: name -> (strictly positive?, what it is)
LIMITS = {"tau_e": (True, "a time constant"), "tau_i": (True, "a time constant"),
          "ei_ratio": (True, "a ratio the connectivity is divided by"),
          "io_ratio": (True, "a ratio the connectivity is divided by"),
          "m_max": (False, "a maximum firing rate"), "r": (False, "the sigmoid's slope"),
          "c": (False, "a connectivity"), "h_e": (False, "a synaptic gain"),
          "h_i": (False, "a synaptic gain")}


def jansen_rit_rhs(v: dict) -> dict:
    """The column's firing rate ``m`` and derivatives (``"d/dt V_e"``, ...) at the values ``v``
    (name -> array, every name of STATES, PARAMETERS and INPUTS), computed by the kernel's own
    right-hand side in double: the one statement of the equations csweep integrates."""
    n = max(np.size(v[name]) for name in STATES + PARAMETERS + INPUTS)

    def rows(names):
        return np.array([np.broadcast_to(np.asarray(v[name], np.float64), (n,)) for name in names])

    values = _integrate.jrc2_derivatives(rows(PARAMETERS), rows(STATES), rows(("u",))[0],
                                         rows(("m_in",))[0])
    return {"m": values[0], **{f"d/dt {name}": values[1 + k] for k, name in enumerate(STATES)}}


def adaptive_coefficients(params: np.ndarray, precision: str) -> np.ndarray:
    """The JRC2 kernel's coefficient rows (``JRC2_COEFFICIENTS``) for ``solver="scipy"``.

    ``params`` has one row per name in ``PARAMETERS``. With ``precision="float32"`` the
    parameters are held as PyRates holds them under its default ``float_precision``: float32
    arrays, on which NumPy forms the parameter-only products of PyRates' JRC2 equations (for
    example ``c*h_e`` and ``tau_e**2``) in float32, while every product with the float64 state
    is float64. These roundings move a column's trajectory by up to 3e-5 of its range over 2 s;
    reproducing them makes csweep's result PyRates' to 1e-7 of the range. With "float64" the
    rows are the exact float64 values.
    """
    held = np.float32 if precision == "float32" else np.float64
    with np.errstate(over="ignore", invalid="ignore"):   # the kernel flags non-finite sets
        return _coefficient_rows(params.astype(held), held)


def _coefficient_rows(params, held) -> np.ndarray:
    p = dict(zip(PARAMETERS, params, strict=True))
    c, h_e, tau_e, h_i, tau_i = p["c"], p["h_e"], p["tau_e"], p["h_i"], p["tau_i"]
    ei, m_max = p["ei_ratio"], p["m_max"]

    def wide(held_value):
        return held_value.astype(np.float64)

    rows = {
        # c*h_e*m/tau_e and c*h_e*m/(ei_ratio*tau_e)
        "K_EIN": wide(c * h_e) / wide(tau_e),
        "K_IIN": wide(c * h_e) / wide(ei * tau_e),
        # h_e*(0.8*c*m_max*S(r*(V_ein - V_thr)) + c*m_in/io_ratio + u)/tau_e
        "K_E": wide(h_e) / wide(tau_e),
        "K_EC": wide(held(0.8) * c * m_max),
        "K_MIN": wide(c) / wide(p["io_ratio"]),
        # c*h_i*m_max*S(r*(V_iin - V_thr))/(ei_ratio*tau_i)
        "K_I": wide(c * h_i * m_max) / wide(ei * tau_i),
        # -V/tau**2 - 2*X/tau
        "K_E2": 1.0 / wide(tau_e * tau_e),
        "K_E1": 2.0 / wide(tau_e),
        "K_I2": 1.0 / wide(tau_i * tau_i),
        "K_I1": 2.0 / wide(tau_i),
        # m = m_max*S(r*(V_e - V_i - V_thr))
        "K_MMAX": wide(m_max),
        "K_R": wide(p["r"]),
        "K_VTHR": wide(p["V_thr"]),
    }
    return np.ascontiguousarray([rows[name] for name in _integrate.JRC2_COEFFICIENTS])


def compile_lumped(circuit: CircuitDefinition) -> CompiledModel | None:
    """The JRC2 kernel model of ``circuit``, or None when the circuit is not one lumped column.

    Raises :class:`TemplateError` when the circuit has the column's shape (one node, one
    operator with the column's state variables) but an equation that differs from it.
    """
    nodes = circuit.node_paths()
    if len(nodes) != 1 or circuit.all_edges():
        return None
    (node_path, node), = nodes.items()
    if len(node.operators) != 1:
        return None
    (op_name, op), = node.operators.items()
    if not set(STATES) <= set(op.variables):
        return None
    _check_operator(op, f"{op.file}: template {op.name!r} (operator {op_name!r} of node "
                        f"{node_path!r} in circuit {circuit.name!r})")
    prefix = f"{node_path}/{op_name}"

    return CompiledModel(
        name=circuit.name,
        parameters={f"{prefix}/{name}": op.variables[name].default for name in PARAMETERS},
        inputs={f"{prefix}/{name}": op.variables[name].default for name in INPUTS},
        recordables=tuple(f"{prefix}/{name}" for name in RECORDABLE),
        prepare=lambda params, dt: _PreparedColumn(params, tuple(f"{prefix}/{s}" for s in STATES)),
        nodes=(node_path,),
        states=tuple(f"{prefix}/{name}" for name in STATES),
        compute_precisions=("float64", "float32"),
        holds_float32_parameters=True,
        limits={f"{prefix}/{name}": limit for name, limit in LIMITS.items()},
    )


def _check_operator(op: OperatorDefinition, where: str) -> None:
    """Raise unless ``op`` declares the column's variables and computes its derivatives."""
    expected_kinds = {**{s: ("variable",) for s in STATES},
                      **{p: ("constant",) for p in PARAMETERS},
                      **{i: ("input", "constant") for i in INPUTS},
                      "m": ("output", "variable")}
    for name, kinds in expected_kinds.items():
        if name not in op.variables:
            raise TemplateError(f"{where}: the lumped Jansen-Rit operator needs variable {name!r}; "
                                f"it declares {', '.join(op.variables)}")
        if op.variables[name].kind not in kinds:
            raise TemplateError(f"{where}: variable {name!r} is declared {op.variables[name].kind}; "
                                f"expected {' or '.join(kinds)}")
    extra = set(op.variables) - set(expected_kinds)
    if extra:
        raise TemplateError(f"{where}: variable(s) {', '.join(sorted(extra))} are not part of the "
                            "lumped Jansen-Rit operator csweep integrates")
    values = _probe_values(op)
    try:
        got = evaluate_operator(op, values)
    except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
        raise TemplateError(f"{where}: {exc}") from None
    expected = jansen_rit_rhs(values)
    for key, want in expected.items():
        if key not in got:
            raise TemplateError(f"{where}: no equation for {key!r}; the lumped Jansen-Rit operator "
                                "needs one for each of " + ", ".join(STATES) + " and m")
        if not np.allclose(got[key], want, rtol=1e-9, atol=1e-12 * np.max(np.abs(want))):
            text = next(eq.text for eq in operator_equations(op)
                        if (f"d/dt {eq.target}" if eq.is_ode else eq.target) == key)
            raise TemplateError(f"{where}: equation {text!r} does not compute the Jansen-Rit "
                                "column's derivative (see csweep's templates/jansenrit.yaml for the "
                                "form csweep integrates)")


def _probe_values(op: OperatorDefinition) -> dict[str, np.ndarray]:
    """Random states and parameters near the defaults, to compare equations numerically."""
    rng = np.random.default_rng(12345)
    values = {}
    for name in STATES:
        scale = 0.02 if name.startswith("V") else 2.0
        values[name] = rng.uniform(-scale, scale, 32)
    for name in PARAMETERS + INPUTS:
        default = op.variables[name].default
        values[name] = (default if default != 0 else 1.0) * rng.uniform(0.5, 1.5, 32)
    return values


#: the series the kernel receives for a channel it draws itself (never read)
_NOT_READ = np.zeros((1, 1))


class _PreparedColumn(PreparedSweep):
    """A JRC2 sweep: the kernel reads a block's columns of the parameter rows in place."""

    def __init__(self, params: np.ndarray, state_names: tuple[str, ...]):
        self.params = params
        self.state_names = state_names
        self.n_sets = params.shape[1]

    def subset(self, start: int, stop: int) -> _PreparedColumn:
        return _PreparedColumn(self.params[:, start:stop].copy(), self.state_names)

    def draws_noise(self, stepping: Stepping) -> bool:
        return stepping.solver != "scipy"     # the fixed-step tiles draw it (_integrate.pyx)

    def run(self, start, stop, channels, record, out, stepping, n_threads, *, y_init=None,
            y_final=None, stats=None):
        adaptive = stepping.adaptive
        if stepping.solver == "scipy":
            _dopri.integrate_jrc2_rk45(
                adaptive_coefficients(self.params[:, start:stop], adaptive.parameter_precision),
                channels[0], channels[1], record, out,
                NO_STATE if y_init is None else y_init, NO_STATE if y_final is None else y_final,
                adaptive.times, adaptive.t_end, adaptive.spacing, adaptive.rtol, adaptive.atol,
                adaptive.first_step, stats, n_threads)
            return
        single = stepping.compute_precision == "float32"
        drawn = [c for c in channels if isinstance(c, NoiseToDraw)]
        u, m_in = (_NOT_READ if isinstance(c, NoiseToDraw) else c for c in channels)
        (single_kernel if single else kernel).integrate_jrc2(
            self.params[:, start:stop], u, m_in, record, out,
            NO_STATE if y_init is None else y_init, NO_STATE if y_final is None else y_final,
            stepping.every, stepping.first, stepping.n_steps, _runtime.SOLVERS[stepping.solver],
            stepping.dt, n_threads, single,
            noise=[c.noise.kernel_spec() if isinstance(c, NoiseToDraw) else None
                   for c in channels] if drawn else None,
            streams=drawn[0].streams if drawn else None)
