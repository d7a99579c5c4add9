"""A sweep on a Dask cluster: here a local one of two worker processes.

    pip install "csweep[dask]"
    python examples/dask_sweep.py [--sets 400] [--store dask_sweep.zarr] [--scheduler ADDRESS]

With --scheduler, the sweep runs on an existing cluster instead (its store path must then be one
that every worker can write). Prints the features table and the store, read back with xarray.
"""

import argparse

import numpy as np
import xarray
from distributed import Client, LocalCluster

from csweep import features as F
from csweep import grid_search, noise


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=400)
    parser.add_argument("--store", default="dask_sweep.zarr")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    args = parser.parse_args()

    if args.scheduler is None:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(args.scheduler)
    try:
        result = grid_search(
            "JRC2", {"c": np.linspace(60, 1400, args.sets)},
            {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
            step_size=1e-4, simulation_time=2.0, sampling_step_size=1e-3, cutoff=0.5,
            outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
            inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=0)},
            features={"frequency": F.dominant_frequency("V_e - V_i", band=(1, 40)),
                      "amplitude": F.peak_to_peak("V_e - V_i")},
            store=args.store, client=client, progress=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(result.features.describe().T)
    print(xarray.open_zarr(args.store))


if __name__ == "__main__":
    main()
