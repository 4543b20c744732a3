"""Read a notebook's own code, so tests can check that it agrees with nblib.

A code cell tagged ``nblib-source`` writes out, in full, code that nblib also
holds.  Such cells must be self-contained: they may use ``np`` and what earlier
tagged cells defined, nothing else.
"""

import configparser
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TAG = "nblib-source"


def tagged_sources(name: str, tag: str = TAG) -> list[str]:
    """Sources of the code cells in ``notebooks/<name>`` carrying ``tag``."""
    notebook = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "code" and tag in cell.get("metadata", {}).get("tags", [])]


def notebook_namespace(name: str) -> dict:
    """Execute the notebook's ``nblib-source`` cells and return what they define."""
    namespace: dict = {}
    exec("import numpy as np", namespace)
    sources = tagged_sources(name)
    if not sources:
        raise LookupError(f"{name} has no code cell tagged {TAG!r}")
    for source in sources:
        exec(compile(source, f"{name}[{TAG}]", "exec"), namespace)
    return namespace


def sanitize(text: str) -> str:
    """Apply tests/sanitize.cfg's replacements to ``text``, as nbval does."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tests" / "sanitize.cfg", encoding="utf-8")
    for section in config.sections():
        text = re.sub(config[section]["regex"], config[section]["replace"], text)
    return text
