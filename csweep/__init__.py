"""csweep: compiled, PyRates-compatible parameter sweeps of Jansen-Rit neural mass models.

    from csweep import grid_search      # instead of: from pyrates import grid_search
    from csweep import CircuitTemplate  # instead of: from pyrates import CircuitTemplate

The call and the returned frames are PyRates 1.2.3's; a Cython/OpenMP kernel does the work.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    from ._integrate import openmp_enabled
except ImportError as exc:  # typically: the uncompiled source tree shadows the installed package
    raise ImportError(
        f"csweep's compiled kernel (csweep._integrate) is missing in {__path__[0]}. If that is a "
        "source checkout, it shadows the installed csweep: run from another folder or use the "
        "'csweep' command, or build in place with 'python setup.py build_ext --inplace'."
    ) from exc
from . import features, noise  # the public modules (features: csweep.analysis.features)
from .analysis.regimes import RegimeMap, jansen_rit_regimes
from .analysis.result import DivergenceWarning, SweepResult
from .circuits.circuit import CircuitTemplate, NodeTemplate, OperatorTemplate
from .circuits.template_reader import TemplateError, list_templates, load_template
from .engine.regime_map import regime_map
from .engine.store_check import verify_store
from .engine.sweep import grid_search
from .kernels.builds import kernel_info

try:
    __version__ = version("csweep")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["grid_search", "SweepResult", "DivergenceWarning", "features", "noise",
           "list_templates", "load_template", "openmp_enabled", "kernel_info", "TemplateError",
           "CircuitTemplate", "NodeTemplate", "OperatorTemplate", "verify_store", "regime_map",
           "RegimeMap", "jansen_rit_regimes", "__version__"]
