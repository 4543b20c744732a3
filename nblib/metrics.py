"""Measuring a classifier.  Introduced in notebooks/01_neuron.ipynb, written out in
notebooks/02_gradients.ipynb."""

import numpy as np

from nblib.validation import (
    as_float_array,
    as_scalar,
    check_labels,
    check_probabilities,
    check_same_shape,
)


def accuracy(y_hat, y, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted class (y_hat >= threshold) equals the label.

    Parameters
    ----------
    y_hat : array, shape (n,)
        Predicted probabilities of class 1.
    y : array, same shape as ``y_hat``
        True labels, 0 or 1.
    threshold : float

    Returns
    -------
    float, in [0, 1]
    """
    y_hat = as_float_array(y_hat, "y_hat")
    y = as_float_array(y, "y")
    check_same_shape(y_hat, "y_hat", y, "y")
    check_probabilities(y_hat)
    check_labels(y)
    threshold = as_scalar(threshold, "threshold")
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    return float(np.mean((y_hat >= threshold) == (y == 1)))
