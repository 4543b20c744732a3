"""The course's small datasets, generated from a seed and also shipped as CSV in data/.

Taught in notebooks/01_neuron.ipynb (bakery buns) and
notebooks/03_log_loss.ipynb (toy table).
"""

from __future__ import annotations

import csv

import numpy as np

from nblib.paths import DATA_DIR, cache_dir  # noqa: F401  (re-exported)
from nblib.validation import as_float_array

BAKERY_FEATURES = ("width_cm", "height_cm")
TOY_FEATURES = ("x1", "x2", "x3")


def bakery_buns(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The bakery's buns: is this bun well proportioned (accept) or not (reject)?

    Width is uniform in [3.5, 7.5] cm and height in [2.0, 5.0] cm, rounded to
    0.01 cm (a caliper's precision).  A bun that is both wider than 5.5 cm and
    taller than 3.5 cm is rejected (label 0); every other bun is accepted
    (label 1).  No straight line separates the two classes exactly: the
    rejects fill a corner.
    Taught in notebooks/01_neuron.ipynb.

    Parameters
    ----------
    n : int
        Number of buns, at least 1.
    seed : int
        Seed for ``np.random.default_rng``; the same seed gives the same buns.

    Returns
    -------
    X : array, shape (n, 2)
        Columns: width (cm), height (cm).
    y : array of int, shape (n,)
        1 = accept, 0 = reject.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    rng = np.random.default_rng(seed)
    width = rng.uniform(3.5, 7.5, size=n)
    height = rng.uniform(2.0, 5.0, size=n)
    X = np.round(np.column_stack([width, height]), 2)
    reject = (X[:, 0] > 5.5) & (X[:, 1] > 3.5)
    y = np.where(reject, 0, 1)
    return X, y


def toy_table() -> tuple[np.ndarray, np.ndarray]:
    """The 4 x 3 toy table: the label equals the first input.

    Taught in notebooks/03_log_loss.ipynb (and its forward pass in 01).

    Returns
    -------
    X : array, shape (4, 3)
    y : array of int, shape (4,)
    """
    X = np.array([[0, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def write_csv(path, X, y, feature_names) -> None:
    """Write a dataset as CSV: one column per feature, then ``label``.

    Parameters
    ----------
    path : str or Path
    X : array, shape (n, features)
    y : array, shape (n,)
    feature_names : sequence of str, length ``features``
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    if len(feature_names) != X.shape[1] or len(y) != len(X):
        raise ValueError(f"X {X.shape}, y {y.shape} and {len(feature_names)} feature names "
                         "do not fit together")
    if not np.all(y == np.round(y)):
        raise ValueError("y must hold integer class labels, found "
                         f"{np.unique(y[y != np.round(y)])[:5].tolist()}")
    with open(path, "w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([*feature_names, "label"])
        for row, label in zip(X, y):
            writer.writerow([repr(float(value)).removesuffix(".0") for value in row]
                            + [int(label)])


def read_csv(path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read a dataset written by :func:`write_csv`.

    Returns
    -------
    X : array, shape (n, features)
    y : array of int, shape (n,)
    feature_names : list of str
    """
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    if len(rows) < 2 or not rows[0] or rows[0][-1] != "label":
        raise ValueError(f"{path} is not a course dataset: expected a header ending in "
                         "'label' and at least one row")
    header, body = rows[0], rows[1:]
    try:
        table = np.array(body, dtype=np.float64)
    except ValueError as error:
        raise ValueError(f"{path} is not a course dataset: {error}") from None
    return table[:, :-1], table[:, -1].astype(int), header[:-1]
