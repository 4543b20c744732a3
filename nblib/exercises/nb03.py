"""Exercises of notebooks/03_log_loss.ipynb: log loss, its gradient, and MSE's gradient.

Expected answers are computed with nblib, so they follow the library the
notebook teaches.
"""

import numpy as np

from nblib.activations import sigmoid, sigmoid_derivative
from nblib.checks import Exercise
from nblib.datasets import toy_table
from nblib.losses import binary_log_loss, binary_log_loss_derivative, mse_derivative
from nblib.neuron import neuron_forward


def _gradient_w(X, y, w, b):
    """nblib's answer to exercise 2: X.T @ dz with dz = (y_hat - y) / n."""
    dz = binary_log_loss_derivative(neuron_forward(X, w, b), y) / len(y)
    return X.T @ dz


def _mse_dz(z, y):
    """nblib's answer to exercise 3: chain rule through the sigmoid."""
    return mse_derivative(sigmoid(z), y) * sigmoid_derivative(z)


exercise_1 = Exercise(
    name="Exercise 1 (ŷ = 0.99, y = 0)",
    expected=binary_log_loss(0.99, 0),
    # 4.6052, typed from the printed value, counts as right.
    tol=1e-4,
    hint_text="""
With y = 0 the first term, y·log(ŷ), is switched off.  What is left is
-log(1 - ŷ): minus the log of the probability the neuron gave to class 0.
Here that probability is 1 - 0.99.
""",
    solution_code="""
answer_1 = -np.log(1 - 0.99)   # = -log(0.01) ≈ 4.6052, as costly as ŷ = 0.01 for y = 1
""",
)

_X_toy, _y_toy = toy_table()
_X_small = np.array([[5.0, 3.0], [6.5, 4.2], [4.0, 2.5]])
_y_small = np.array([1, 0, 1])
_gradient_cases = [
    (_X_toy, _y_toy, np.zeros(3), 0.0),
    (_X_toy, _y_toy, np.array([1.0, -1.0, 0.5]), 0.2),
    (_X_small, _y_small, np.array([-0.5, 0.3]), 1.0),
]

exercise_2 = Exercise(
    name="Exercise 2 (gradient_w)",
    cases=[(args, _gradient_w(*args)) for args in _gradient_cases],
    arg_names=("X", "y", "w", "b"),
    hint_text="""
Three lines, as in the training loop:
  y_hat = sigmoid(X @ w + b)        # one prediction per sample
  dz = (y_hat - y) / len(y)         # dL/dz for each sample, for the MEAN loss
  return X.T @ dz                   # shape (features,)
""",
    solution_code="""
def gradient_w(X, y, w, b):
    y_hat = sigmoid(X @ w + b)
    dz = (y_hat - y) / len(y)
    return X.T @ dz
""",
)

_mse_cases = [
    (np.array([0.0]), np.array([1])),
    (np.array([-2.0, 0.5, 3.0]), np.array([1, 0, 1])),
    (np.array([-10.0, 10.0]), np.array([1, 0])),
]

exercise_3 = Exercise(
    name="Exercise 3 (mse_dz)",
    cases=[(args, _mse_dz(*args)) for args in _mse_cases],
    arg_names=("z", "y"),
    hint_text="""
Chain rule: dL/dz = dL/dŷ · dŷ/dz.
  dL/dŷ of (ŷ - y)² is 2(ŷ - y)
  dŷ/dz of the sigmoid is ŷ(1 - ŷ)
Compute y_hat = sigmoid(z) first, then multiply the two factors.
""",
    solution_code="""
def mse_dz(z, y):
    y_hat = sigmoid(z)
    return 2 * (y_hat - y) * y_hat * (1 - y_hat)

print(mse_dz(np.array([-10.0]), np.array([1])))   # about -0.00009: almost no signal
print(sigmoid(-10.0) - 1)                          # log loss: about -1
""",
)
