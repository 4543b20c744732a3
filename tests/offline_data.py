"""Where the tests find MNIST without a network: ``$MNIST_DIR``, else ``../shared/data/mnist``.

The development and CI machines keep an offline copy beside the repository
(``.ci/run`` also points ``MNIST_DIR`` at it).  Tests that need the real files
skip without them, except under ``CI=true``, where they must run.
"""

import os
from pathlib import Path

import pytest

MNIST_DIR = Path(os.environ.get("MNIST_DIR")
                 or Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")
ON_CI = os.environ.get("CI") == "true"


def offline_mnist():
    """``load_mnist`` from the offline copy: skips without it, fails under ``CI=true``."""
    from nblib.mnist import load_mnist  # here, so that importing this module stays light

    if not MNIST_DIR.is_dir():
        if ON_CI:
            pytest.fail(f"no MNIST copy at {MNIST_DIR} on CI: set MNIST_DIR to a folder "
                        "holding the four files")
        pytest.skip(f"no MNIST copy at {MNIST_DIR}: set MNIST_DIR to run this test")
    return load_mnist(MNIST_DIR)
