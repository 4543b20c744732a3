"""nblib.metrics: accuracy."""

import numpy as np
import pytest

from nblib.metrics import accuracy


def test_accuracy_values():
    assert accuracy([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]) == 0.5
    assert accuracy([0.9, 0.2], [1, 0]) == 1.0
    assert accuracy([0.1, 0.8], [1, 0]) == 0.0
    assert accuracy(0.7, 1) == 1.0


def test_accuracy_threshold_is_inclusive():
    assert accuracy([0.5, 0.5], [1, 0]) == 0.5          # 0.5 >= 0.5 predicts class 1
    assert accuracy([0.5, 0.5], [1, 0], threshold=0.6) == 0.5
    assert accuracy([0.55, 0.7], [0, 1], threshold=0.6) == 1.0


def test_accuracy_matches_a_loop_on_random_data():
    rng = np.random.default_rng(1)
    y_hat, y = rng.uniform(size=101), rng.integers(0, 2, size=101)
    expected = sum((p >= 0.5) == (t == 1) for p, t in zip(y_hat, y)) / 101
    assert accuracy(y_hat, y) == pytest.approx(expected, rel=1e-15)


def test_accuracy_returns_a_python_float():
    assert type(accuracy(np.array([0.9, 0.2]), np.array([1, 0]))) is float
    assert type(accuracy(np.float64(0.9), np.int64(1))) is float


def test_accuracy_accepts_booleans_as_labels():
    assert accuracy([0.9, 0.2], np.array([True, False])) == 1.0


@pytest.mark.parametrize("y_hat, y, error, match", [
    ([0.5, 0.5], [1, 0, 1], ValueError, r"y_hat and y must have the same shape"),
    ([1.5, 0.5], [1, 0], ValueError, r"y_hat must hold probabilities in \[0, 1\]"),
    ([0.5, 0.5], [1, 2], ValueError, r"y must hold class labels 0 or 1"),
    ([0.5, np.nan], [1, 0], ValueError, r"y_hat contains 1 NaN"),
    ([], [], ValueError, r"y_hat is empty"),
    (None, [1], TypeError, r"^y_hat must"),
    (["0.5"], [1], TypeError, r"^y_hat must"),
    ([0.5], ["1"], TypeError, r"^y must"),
])
def test_accuracy_bad_input(y_hat, y, error, match):
    with pytest.raises(error, match=match):
        accuracy(y_hat, y)


@pytest.mark.parametrize("threshold", [None, "0.5", np.nan, 1.5])
def test_accuracy_bad_threshold_is_named(threshold):
    with pytest.raises((TypeError, ValueError), match="threshold"):
        accuracy([0.4, 0.6], [0, 1], threshold=threshold)
