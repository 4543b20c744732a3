"""A single logistic neuron: y_hat = sigmoid(X @ w + b), trained by gradient descent.

The forward pass is taught in notebooks/01_neuron.ipynb, training on mean
squared error in notebooks/02_gradients.ipynb, and training on log loss in
notebooks/03_log_loss.ipynb.  Everything is vectorised: one matrix product per
epoch, no Python loop over samples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tqdm.auto import trange

from nblib.activations import sigmoid
from nblib.losses import binary_log_loss, mse
from nblib.validation import as_float_array, as_scalar, check_labels, check_positive

LOSSES = ("mse", "log_loss")


class TrainingResult(NamedTuple):
    """What :func:`train_neuron` returns."""

    w: np.ndarray
    """Trained weights, shape (features,)."""
    b: float
    """Trained bias."""
    losses: np.ndarray
    """Loss before each epoch's update, shape (num_epochs,)."""


def _check_inputs(X, w, b):
    X = as_float_array(X, "X", ndim=2)
    w = as_float_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w must have one weight per feature: X has shape {X.shape} "
                         f"(n, features) so w needs shape ({X.shape[1]},), got {w.shape}")
    return X, w, as_scalar(b, "b")


def neuron_forward(X, w, b):
    """The neuron's prediction for each sample: sigmoid(X @ w + b).

    Taught in notebooks/01_neuron.ipynb.

    Parameters
    ----------
    X : array, shape (n, features)
        One sample per row.
    w : array, shape (features,)
        Weights.
    b : float
        Bias.

    Returns
    -------
    y_hat : array, shape (n,)
        Probability of class 1 for each sample.
    """
    X, w, b = _check_inputs(X, w, b)
    return sigmoid(X @ w + b)


def train_neuron(X, y, *, loss: str = "mse", lr: float = 0.1, num_epochs: int = 1000,
                 w=None, b: float = 0.0, progress: bool = False) -> TrainingResult:
    """Train a logistic neuron by full-batch gradient descent.

    Each epoch computes y_hat = sigmoid(X @ w + b), the gradient of the mean
    loss by the chain rule, and steps w and b against it.  With z = X @ w + b:

    - ``loss="mse"``: dL/dz = 2 (y_hat - y) * y_hat (1 - y_hat) / n
      (taught in notebooks/02_gradients.ipynb)
    - ``loss="log_loss"``: dL/dz = (y_hat - y) / n
      (taught in notebooks/03_log_loss.ipynb)

    and then dL/dw = X.T @ dL/dz, dL/db = sum(dL/dz).

    Parameters
    ----------
    X : array, shape (n, features)
    y : array, shape (n,)
        Labels, 0 or 1.
    loss : {"mse", "log_loss"}
    lr : float
        Learning rate (step size), > 0.
    num_epochs : int
        Number of gradient-descent steps, >= 1.
    w : array, shape (features,), optional
        Starting weights; zeros when omitted.
    b : float
        Starting bias.
    progress : bool
        Show a progress bar (``tqdm.auto``).

    Returns
    -------
    TrainingResult
        ``(w, b, losses)`` with ``losses`` of shape (num_epochs,).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    X = as_float_array(X, "X", ndim=2)
    w = np.zeros(X.shape[1]) if w is None else w
    X, w, b = _check_inputs(X, w, b)
    w = w.copy()
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}; "
                         "they need one label per row of X")
    check_labels(y)
    lr = as_scalar(lr, "lr")
    check_positive(lr, "lr")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, (int, np.integer)) \
            or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}")

    n = X.shape[0]
    losses = np.empty(num_epochs)
    for epoch in trange(num_epochs, desc=f"training ({loss})", disable=not progress):
        with np.errstate(over="ignore", invalid="ignore"):
            z = X @ w + b
        if not np.all(np.isfinite(z)):
            raise FloatingPointError(f"training diverged at epoch {epoch} (the weights grew "
                                     f"too large); try a smaller learning rate than lr={lr}")
        y_hat = sigmoid(z)
        if loss == "mse":
            losses[epoch] = mse(y_hat, y)
            dz = 2 * (y_hat - y) * y_hat * (1 - y_hat) / n
        else:
            losses[epoch] = binary_log_loss(y_hat, y)
            dz = (y_hat - y) / n
        with np.errstate(over="ignore", invalid="ignore"):
            w -= lr * (X.T @ dz)
        b -= lr * float(np.sum(dz))
    if not np.all(np.isfinite(w)) or not np.isfinite(b):
        raise FloatingPointError(f"training diverged (weights became NaN or infinite); "
                                 f"try a smaller learning rate than lr={lr}")
    return TrainingResult(w, b, losses)
