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
