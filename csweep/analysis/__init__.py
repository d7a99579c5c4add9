"""analysis (above models): what a sweep returns: the PyRates-shaped frames, per-run features,
plots."""
