"""csweep: compiled, PyRates-compatible parameter sweeps of Jansen-Rit neural mass models.

    from csweep import grid_search      # instead of: from pyrates import grid_search
    from csweep import CircuitTemplate  # instead of: from pyrates import CircuitTemplate

The call and the returned frames are PyRates 1.2.3's; a Cython/OpenMP kernel does the work.
"""

try:
    from ._runtime import openmp_enabled
except ImportError as exc:  # typically: the uncompiled source tree shadows the installed package
    raise ImportError(
        f"csweep's compiled modules (csweep._runtime, csweep._integrate, ...) are missing in "
        f"{__path__[0]}. If that is a "
        "source checkout, it shadows the installed csweep: run from another folder or use the "
        "'csweep' command, or build in place with 'python setup.py build_ext --inplace'."
    ) from exc
from . import features, losses, noise  # the public modules (features: csweep.analysis.features)
from .analysis.regimes import RegimeMap, jansen_rit_regimes
from .analysis.result import DivergenceWarning, SweepResult
from .circuits.circuit import CircuitTemplate, NodeTemplate, OperatorTemplate
from .circuits.template_reader import TemplateError, list_templates, load_template
from .engine.equilibria import bifurcations, equilibria
from .engine.fit import FitResult, fit
from .engine.regime_map import regime_map
from .engine.single_run import clear, clear_frontend_caches, integrate
from .engine.store import verify_store
from .engine.sweep import Sweep, grid_search
from .kernels.builds import kernel_info


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("csweep")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


__version__ = _installed_version()
del _installed_version

__all__ = ["grid_search", "Sweep", "equilibria", "bifurcations", "SweepResult",
           "DivergenceWarning", "features", "noise", "fit", "FitResult", "losses",
           "list_templates", "load_template", "openmp_enabled", "kernel_info", "TemplateError",
           "CircuitTemplate", "NodeTemplate", "OperatorTemplate", "verify_store", "integrate",
           "clear_frontend_caches", "clear", "regime_map", "RegimeMap", "jansen_rit_regimes",
           "__version__"]
