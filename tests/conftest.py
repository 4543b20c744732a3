"""Shared test set-up: figures render off-screen and are closed after every test.

The Agg backend is chosen with ``matplotlib.use`` and *not* with the
``MPLBACKEND`` environment variable: nbval starts the notebooks' kernels from
this process, they inherit its environment, and ipykernel only selects the
inline backend when ``MPLBACKEND`` is unset.  Setting it here would silently
remove every figure from the notebooks' re-run outputs.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


#: The slowest test files, longest first (seconds of a CI run, measured 2026-12-07).  They
#: run first: `make test` gives each worker one file at a time, in this order (--dist
#: loadfile --no-loadscope-reorder; xdist's own order, by number of tests, put the slow
#: browser files last), and a slow file started last keeps one worker busy while the
#: other has nothing left to do.
SLOW_FILES = ("tests/test_jupyterlab.py",           # ~200 s: every notebook run in JupyterLab
              "tests/test_slides.py",               # ~170 s: every deck in the browser
              "tests/test_readme_commands.py",      # ~150 s: README's commands in a copy
              "tests/test_student_edition.py",      # ~80 s: every student notebook run
              "tests/test_grading.py",              # ~55 s: a class graded
              "tests/test_hub.py",                  # ~45 s: a student on JupyterHub
              "tests/test_html_site.py",            # ~45 s
              "tests/test_present_live.py",         # ~35 s
              "notebooks/06_mnist.ipynb",           # ~35 s (nbval)
              "notebooks/05_mlp.ipynb")             # ~20 s (nbval)


def pytest_collection_modifyitems(config, items):
    """Run :data:`SLOW_FILES` first, in that order; everything else after, as collected."""
    rank = {name: number for number, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))

