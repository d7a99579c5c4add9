"""The other keywords PyRates 1.2.3's ``grid_search`` takes, and what csweep does with them.

PyRates' ``grid_search(..., **kwargs)`` hands its extra keywords to ``CircuitTemplate.run``, which
passes them on to the template compiler, its code generator and backends, and, with
``solver="scipy"``, to ``scipy.integrate.solve_ivp``. The keywords any of those read are listed
here, so that a PyRates script runs unchanged. csweep has one compiled backend and generates no
code, so most of them change nothing; those that would change PyRates' numbers in a way csweep
does not reproduce are refused at any value but their default, saying what to write instead. A
keyword no part of PyRates reads (PyRates ignores any keyword, typos too) is refused by csweep
as a ``TypeError``, so a misspelt argument never goes unnoticed.

The keywords csweep honours (``cutoff``, ``solver``, ``float_precision``, ``method``, ``rtol``,
``atol``) and those it names in its own signature (``backend``, ``vectorize``, ``verbose``,
``clear``) are ``grid_search``'s own parameters and are not listed here.
"""

from __future__ import annotations

__all__ = ["NO_EFFECT", "DEFAULT_ONLY", "check_pyrates_keywords"]

_CODE = "csweep generates no code"
_BACKEND = "csweep has one compiled backend"

#: keyword -> why it changes nothing in csweep (what it does in PyRates)
NO_EFFECT = {
    "in_place": "csweep never modifies a template (PyRates: False deep-copies it before running)",
    "file_name": f"{_CODE} (PyRates: the file its generated right-hand side is written to)",
    "file_ending": f"{_CODE} (PyRates: that file's extension)",
    "func_name": f"{_CODE} (PyRates: the generated function's name)",
    "to_file": f"{_CODE} (PyRates: whether the generated code is written to a file)",
    "constants_file_name": f"{_CODE} (PyRates: a file the model's constants are saved to)",
    "decorator": f"{_CODE} (PyRates: wraps the generated function, e.g. numba.njit)",
    "decorator_kwargs": f"{_CODE} (PyRates: the decorator's arguments)",
    "ops": f"{_CODE} (PyRates: extra backend functions)",
    "imports": f"{_CODE} (PyRates: extra imports of the generated module)",
    "add_hist_arg": f"{_CODE} (PyRates: a history argument of the generated function)",
    "int_precision": f"{_CODE} (PyRates: the dtype of integer variables)",
    "idx_left": f"{_CODE} (PyRates: index syntax of the generated code)",
    "idx_right": f"{_CODE} (PyRates: index syntax of the generated code)",
    "start_idx": f"{_CODE} (PyRates: first index of the generated code's arrays)",
    "parsing_method": f"{_CODE} (PyRates: how equations are parsed into its compute graph)",
    "algebra": f"{_CODE} (PyRates: the symbolic algebra its equation parser uses)",
    "inplace_vectorfield": f"{_CODE} (PyRates: whether the generated function writes in place)",
    "matrix_sparseness": "csweep stores edges its own way (PyRates: when its edges become "
                         "sparse matrices)",
    "label": "csweep names results after the template, as PyRates' grid_search does (PyRates: "
             "the name of its internal circuit)",
    "template": "csweep keeps no such note (PyRates: the file its internal circuit came from)",
    "julia_path": f"{_BACKEND} (PyRates: the Julia executable of backend='julia')",
    "julia_ode": f"{_BACKEND} (PyRates: backend='julia' option)",
    "julia_dde": f"{_BACKEND} (PyRates: backend='julia' option)",
    "constant_lags": f"{_BACKEND} (PyRates: backend='julia' option)",
    "max_steps": f"{_BACKEND} (PyRates: backend='jax' option)",
    "auto": f"{_BACKEND} (PyRates: Auto-07p files of backend='fortran')",
    "auto_jac": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "auto_constants": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "auto_constants_file": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "boundary_conditions": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "integral_constraints": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "bcnd_fortran": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "icnd_fortran": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "nbc": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    "nint": f"{_BACKEND} (PyRates: Auto-07p option of backend='fortran')",
    # solve_ivp's options (PyRates passes them on with solver="scipy" only)
    "max_step": "not honoured: csweep's steps end on every input row and its error control "
                "sets their length (PyRates: solve_ivp's largest step; its results differ "
                "from csweep's within the tolerances either way)",
    "dense_output": "the frames hold the states at the sample times either way (PyRates: "
                    "solve_ivp also builds an interpolant, which it does not return)",
    "jac": "RK45, DOP853 and RK23 use no Jacobian (solve_ivp ignores it for them too)",
    "jac_sparsity": "RK45, DOP853 and RK23 use no Jacobian (solve_ivp ignores it for them too)",
    "lband": "RK45, DOP853 and RK23 use no Jacobian (solve_ivp ignores it for them too)",
    "uband": "RK45, DOP853 and RK23 use no Jacobian (solve_ivp ignores it for them too)",
    "min_step": "RK45, DOP853 and RK23 have no smallest step (solve_ivp ignores it for them "
                "too)",
}

#: keyword -> (PyRates' default, why another value is refused and what to write instead)
DEFAULT_ONLY = {
    "dde_approx": (0, "PyRates then turns each discrete edge delay into a gamma-distributed "
                      "one of that order; give those edges spread = delay / sqrt(order) "
                      "instead, which csweep runs as the same chain"),
    "node_values": (None, "PyRates then overwrites variables of its internal combined circuit; "
                          "set values with param_map"),
    "edge_values": (None, "PyRates then overwrites edge values of its internal combined "
                          "circuit; set them with param_map's 'edges'"),
    "hist": (None, "PyRates then starts delayed edges from another history; csweep's delays "
                   "start from rest, or from initial_state="),
    "events": (None, "csweep records every sample time and does not stop at events"),
}


def check_pyrates_keywords(given: dict) -> None:
    """Refuse a keyword no part of PyRates 1.2.3 reads, or a value csweep cannot honour."""
    for name, value in given.items():
        if name in NO_EFFECT:
            continue
        if name in DEFAULT_ONLY:
            default, why = DEFAULT_ONLY[name]
            if not _is_default(value, default):
                raise ValueError(f"{name}={value!r} is not supported: {why}; received {value!r}, "
                                 f"accepted only at PyRates' default {default!r}")
            continue
        raise TypeError(f"grid_search() got an unexpected keyword argument {name!r}; besides its "
                        "own, csweep accepts the keywords PyRates 1.2.3 passes on to "
                        "CircuitTemplate.run, its compiler, backends and solve_ivp (see "
                        "csweep.pyrates_keywords)")


def _is_default(value, default) -> bool:
    if default is None:
        return value is None
    return not isinstance(value, bool) and value == default
