"""Where the course's data lives.  No numpy here: ``nblib.doctor`` must import it even
when numpy is missing, to say so."""

from __future__ import annotations

import os
from pathlib import Path

#: data/ in the course folder: the CSV copies of the course's datasets live here.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: benchmarks/results in the course folder: measured numbers that notebooks show (06),
#: found from nblib rather than from the notebook's folder, so that copies of the
#: notebooks (the student edition in build/student, a JupyterHub home) read them too.
BENCHMARK_RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


def cache_dir() -> Path:
    """Where downloaded datasets are kept (created on first use by the downloaders).

    ``$NBLIB_CACHE`` if set, else ``data/cache`` in the course folder (git
    ignores it), else ``~/.cache/nblib`` when nblib is installed elsewhere.
    """
    if os.environ.get("NBLIB_CACHE"):
        return Path(os.environ["NBLIB_CACHE"]).expanduser()
    if DATA_DIR.is_dir():
        return DATA_DIR / "cache"
    return Path.home() / ".cache" / "nblib"
