"""Sphinx configuration of the rtes-events documentation (``make docs``)."""

import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "_ext"), str(HERE.parent)]

project = "rtes-events"
author = "RTES"
copyright = "RTES, AGPL-3.0-or-later"  # noqa: A001 (Sphinx's name)
release = tomllib.loads((HERE.parent / "pyproject.toml").read_text())["project"]["version"]
language = "fr"
# The pages already write « » and ’ where French wants them; English keeps its apostrophes.
smartquotes = False

extensions = ["myst_parser", "sphinx.ext.autodoc", "rtes_settings"]
myst_enable_extensions = ["colon_fence", "deflist", "attrs_block"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"

html_theme = "furo"
html_title = "rtes-events"
html_static_path = ["_static"]
