"""How well csweep.fit recovers C and the input mean from a target log-spectrum, across the box.

    python benchmarks/fit_recovery.py [--time 8] [--targets 135,220 200,150 ...]

For each target (C, mean), the 33-value log-spectrum of ``V_e - V_i`` is simulated at it with a
noise seed the fit does not use (normal input noise of std 22); a CMA-ES fit (32 per generation,
1,600 evaluations, seed 0) over C in (100, 400) and the mean in (100, 300) then looks for it.
Printed per target: the best parameters and their relative errors, and the fit's loss against
the loss of the true parameters on the fit's own noise streams (a ratio below 1: the fit found
parameters that explain the target better, on that noise, than the true ones). Not pass/fail.
"""

import argparse

import pandas as pd
from fit import FEATURES, PARAM_MAP, U, common  # benchmarks/fit.py, beside this script: its fit

import csweep
from csweep import noise

TARGETS = ["135,220", "200,150", "250,250", "120,180", "300,120", "170,290", "110,110"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time", type=float, default=8.0, help="seconds simulated per set")
    parser.add_argument("--targets", nargs="+", default=TARGETS, metavar="C,MEAN",
                        help="the targets' parameters (default: seven across the box)")
    args = parser.parse_args()
    kw = dict(common(args.time), progress=False)
    inputs = {U: noise.normal("mu", 22.0, seed=1)}
    for text in args.targets:
        c, mu = (float(v) for v in text.split(","))
        true = pd.DataFrame({"C": [c], "mu": [mu]})
        target = csweep.grid_search("JRC2", true.set_axis([10**6]), PARAM_MAP,
                                    inputs={U: noise.normal("mu", 22.0, seed=999)},
                                    features=FEATURES, keep_timeseries=False, **kw)
        loss = csweep.losses.spectrum(target.features["spectrum"].to_numpy()[0])
        fit = csweep.fit("JRC2", {"C": (100.0, 400.0), "mu": (100.0, 300.0)},
                         param_map=PARAM_MAP, loss=loss, features=FEATURES, popsize=32,
                         max_evaluations=1600, seed=0, inputs=inputs, **kw)
        # the true parameters on the fit's noise: set 0's streams (the fit's common noise)
        at_true = csweep.grid_search("JRC2", true, PARAM_MAP, inputs=inputs, features=FEATURES,
                                     keep_timeseries=False, **kw)
        true_loss = float(loss(at_true.features)[0])
        print(f"target C={c:g}, mean={mu:g}: best C={fit.best['C']:.1f} "
              f"({fit.best['C'] / c - 1:+.1%}), mean={fit.best['mu']:.1f} "
              f"({fit.best['mu'] / mu - 1:+.1%}); loss {fit.loss:.4g}, the true parameters' "
              f"{true_loss:.4g} (ratio {fit.loss / true_loss:.2f})")


if __name__ == "__main__":
    main()
