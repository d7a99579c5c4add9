"""Shared test helpers: the PyRates reference recordings, a NumPy oracle of the JRC2 model, the
constants many tests sweep the JRC2 column with, and the skips for optional packages.

The tests run in pytest's importlib mode (they import the installed csweep, not the source tree),
in which pytest imports this file as ``tests.conftest`` and puts no folder on ``sys.path``; it
registers itself as ``conftest`` too, so that test modules read the constants and ``need`` with
``from conftest import ...`` (the same module, not a second copy). The recordings and the oracle
are fixtures.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.modules.setdefault("conftest", sys.modules[__name__])

DATA = Path(__file__).parent / "data"

#: the JRC2 column's parameters as the bundled template sets them
JRC2_DEFAULTS = dict(h_e=3.25e-3, tau_e=10e-3, h_i=22e-3, tau_i=20e-3, m_max=5.0, r=560.0,
                     V_thr=6e-3, c=135.0, ei_ratio=4.0, io_ratio=3.0)
#: the JRC2 column by PyRates' name (csweep's bundled copy), the sweep of its connectivity c most
#: tests run, its pyramidal potentials as outputs, and its states in the kernel's order
JRC2 = "model_templates.neural_mass_models.jansenrit.JRC2"
JRC2_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
JRC2_OUTPUTS = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}
JRC2_STATES = ("V_ein", "X_ein", "V_iin", "X_iin", "V_e", "X_e", "V_i", "X_i")
JRC = "model_templates.neural_mass_models.jansenrit.JRC"

# which extra brings each optional package the tests use
_EXTRAS = {"zarr": "the store needs the 'csweep[zarr]' extra (CI installs it)",
           "xarray": "reading a store as a dataset needs the 'csweep[zarr]' extra (CI installs it)",
           "distributed": "client= needs the 'csweep[dask]' extra (CI installs it)",
           "scipy": "the references need scipy (the 'csweep[test]' extra)",
           "matplotlib": "plots need the 'csweep[plot]' extra",
           "hypothesis": "the fuzz tests need hypothesis (the 'csweep[test]' extra)"}


def need(module: str):
    """``module`` imported, or the calling test (or, at module level, the module) skipped with the
    reason saying which extra installs it."""
    return pytest.importorskip(module, reason=_EXTRAS[module.split(".")[0]])


def noise_builds() -> list:
    """Every build of the noise generator this CPU can run (baseline first, widest last)."""
    import importlib

    from csweep import _noise, _runtime
    found = [_noise]
    for name, has in (("avx2", _runtime.cpu_has_avx2), ("avx512", _runtime.cpu_has_avx512)):
        if has():
            try:
                found.append(importlib.import_module(f"csweep._noise_{name}"))
            except ImportError:     # built without it (CSWEEP_NO_AVX2, a non-x86 machine)
                pass
    return found


@pytest.fixture(autouse=True)
def _pyrates_template_cache():
    """Every test starts without the circuits ``CircuitTemplate.from_yaml`` cached (PyRates'
    template cache: a template one test changed in place must not reach another's
    ``grid_search`` of the same name)."""
    import csweep
    csweep.clear_frontend_caches()
    yield
    csweep.clear_frontend_caches()


class Case:
    """One recorded call: ``kwargs`` for grid_search (inputs included) and the recorded frames."""

    def __init__(self, name):
        folder = DATA / name
        call = json.loads((folder / "call.json").read_text())
        self.name = name
        self.folder = folder
        self.kwargs = dict(call["kwargs"])
        if call.get("inputs"):
            arrays = np.load(folder / "inputs.npz")
            self.kwargs["inputs"] = {key: arrays[ref.strip("<>").split(":")[1]]
                                     for key, ref in call["inputs"].items()}
        results = folder / "results.npz"
        if results.exists():
            z = np.load(results)
            columns = pd.MultiIndex.from_tuples([tuple(c) for c in z["columns"]])
            self.results = pd.DataFrame(z["values"], index=pd.Index(z["index"]), columns=columns)
            if "map_values" in z:
                self.results_map = pd.DataFrame(z["map_values"], index=list(z["map_index"]),
                                                columns=list(z["map_columns"]))


@pytest.fixture
def case():
    return Case


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def jrc2_rhs(y, p, u, m_in):
    """COMPAT.md's JRC2 equations; y (8, n), p dict of (n,) arrays, u and m_in (n,)."""
    v_ein, x_ein, v_iin, x_iin, v_e, x_e, v_i, x_i = y
    m = p["m_max"] * sigmoid(p["r"] * (v_e - v_i - p["V_thr"]))
    te, ti = p["tau_e"], p["tau_i"]
    return np.array([
        x_ein,
        p["h_e"] * p["c"] / te * m - v_ein / te**2 - 2 * x_ein / te,
        x_iin,
        p["h_e"] * p["c"] / (p["ei_ratio"] * te) * m - v_iin / te**2 - 2 * x_iin / te,
        x_e,
        p["h_e"] / te * (p["c"] * 0.8 * p["m_max"] * sigmoid(p["r"] * (v_ein - p["V_thr"]))
                         + p["c"] * m_in / p["io_ratio"] + u) - v_e / te**2 - 2 * x_e / te,
        x_i,
        p["h_i"] * p["c"] / (p["ei_ratio"] * ti) * p["m_max"] * sigmoid(p["r"] * (v_iin - p["V_thr"]))
        - v_i / ti**2 - 2 * x_i / ti,
    ])


@pytest.fixture(scope="session")
def jrc2_equations():
    """``jrc2_rhs(y, p, u, m_in)``, the tests' one statement of the JRC2 equations, for tests
    that integrate or analyse the column themselves (SciPy references, the Jacobian)."""
    return jrc2_rhs


@pytest.fixture
def jrc2():
    """The oracle: jrc2(params, u, m_in, n_steps, every, dt, solver) -> (n_samples, 8, n)."""
    def run(params, u, m_in, n_steps, every, dt, solver="euler"):
        n = len(u[0])
        p = {k: np.broadcast_to(np.asarray(params.get(k, d), float), (n,))
             for k, d in JRC2_DEFAULTS.items()}
        y = np.zeros((8, n))
        samples = []
        for k in range(n_steps + 1):
            if k % every == 0:
                samples.append(y.copy())
            if k == n_steps:
                break
            def f(state, u_k=u[k], m_in_k=m_in[k]):
                return jrc2_rhs(state, p, u_k, m_in_k)
            k1 = f(y)
            if solver == "euler":
                y = y + dt * k1
            elif solver == "heun":
                y = y + dt / 2 * (k1 + f(y + dt * k1))
            else:
                k2 = f(y + dt / 2 * k1)
                k3 = f(y + dt / 2 * k2)
                k4 = f(y + dt * k3)
                y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return np.array(samples)
    return run
