"""engine (top layer: imports every stage below): ``grid_search`` and ``Sweep``, and how a sweep
runs: blocks of sets (the block runner), in this process, on an executor or Dask, into memory or
a Zarr store, with progress."""
