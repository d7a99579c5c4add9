# Types of the compiled JRC2 kernel csweep._integrate (_integrate.pyx; the per-instruction-set
# builds _integrate_avx2 and _integrate_avx512 are the same module compiled again).

from typing import Any

import numpy as np
import numpy.typing as npt

JRC2_PARAMETERS: tuple[str, ...]
JRC2_INPUTS: tuple[str, ...]
JRC2_STATES: tuple[str, ...]
JRC2_RECORDABLE: tuple[str, ...]
JRC2_COEFFICIENTS: tuple[str, ...]
SETS_PER_TILE: int

def simd() -> str: ...
def exp(x: float) -> float: ...
def expf(x: float) -> float: ...
def integrate_jrc2(params: npt.ArrayLike, u: npt.ArrayLike, m_in: npt.ArrayLike,
                   record: npt.ArrayLike, out: npt.ArrayLike, y_init: npt.ArrayLike,
                   y_final: npt.ArrayLike, every: int, first: int, n_steps: int, solver: int,
                   dt: float, n_threads: int, single: bool = ..., noise: Any = ...,
                   streams: npt.ArrayLike | None = ...) -> None: ...
def jrc2_derivatives(params: npt.ArrayLike, y: npt.ArrayLike, u: npt.ArrayLike,
                     m_in: npt.ArrayLike) -> np.ndarray: ...
