"""Stage 4, engine: ``grid_search`` and how a sweep runs: blocks of sets, in this process, on an
executor or Dask, into memory or a Zarr store, with progress."""
