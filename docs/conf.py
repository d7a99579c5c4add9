"""Sphinx configuration of csweep's documentation site.

Build it (from the repository root, after ``pip install ".[docs]"``):

    python -m sphinx -W --keep-going -b html docs docs/_build/html

and open docs/_build/html/index.html. The gallery's examples (examples/gallery/) run during the
build; csweep must be installed, not imported from the source tree.
"""

import os
import sys
from importlib.metadata import version as _version

# `python -m sphinx` puts the working directory first on sys.path; from the repository root that
# is the uncompiled source tree, which would shadow the installed csweep the pages document
_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _ROOT]

import matplotlib  # noqa: E402

matplotlib.use("Agg")

project = "csweep"
author = "the csweep developers"
copyright = "2026, the csweep developers"
release = _version("csweep")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5",
                    "sg_execution_times.rst"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
# grid_search groups its keywords under headings of its own
napoleon_custom_sections = [
    ("Parameters (PyRates' names and meanings)", "params_style"),
    ("Keywords of csweep's own", "params_style"),
    ("Large sweeps (csweep's own keywords; see docs/large-sweeps.md)", "params_style"),
    ("Sweeps on several processes or machines (see docs/distributed-sweeps.md)", "params_style"),
]

sphinx_gallery_conf = {
    "examples_dirs": os.path.join("..", "examples", "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "alabaster"
html_theme_options = {"description": "Compiled, PyRates-compatible Jansen-Rit parameter sweeps",
                      "fixed_sidebar": True}
html_static_path = []
