"""csweep's bundled model templates (YAML, PyRates' template format).

This folder is installed as the package ``csweep.templates`` so that the YAML files ship inside the
wheel; it holds no Python code. Read the templates through :func:`csweep.load_template`.
"""
