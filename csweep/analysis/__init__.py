"""Stage 5, analysis: what a sweep returns: the PyRates-shaped frames, per-run features, plots."""
