"""Where the tests find MNIST without a network: ``$MNIST_DIR``, else ``../shared/data/mnist``.

The development and CI machines keep an offline copy beside the repository
(``.ci/run`` also points ``MNIST_DIR`` at it).  Tests that need the real files
skip without them, except under ``CI=true``, where they must run.
"""

import os
from pathlib import Path

MNIST_DIR = Path(os.environ.get("MNIST_DIR")
                 or Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist")
ON_CI = os.environ.get("CI") == "true"
