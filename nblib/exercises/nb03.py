"""Exercises of notebooks/03_log_loss.ipynb: log loss, its gradient, and MSE's gradient.

Expected answers are computed with nblib, so they follow the library the
notebook teaches.  Each exercise lists typical mistakes, so the check can say
which one a wrong answer looks like.
"""

import math

import numpy as np

from nblib.activations import sigmoid, sigmoid_derivative
from nblib.checks import Exercise, Mistake
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


# --- Exercise 1: the log loss of one confident wrong prediction ----------------------

_Y_HAT, _Y = 0.99, 0

exercise_1 = Exercise(
    name="Exercise 1 (ŷ = 0.99, y = 0)",
    expected=binary_log_loss(_Y_HAT, _Y),
    # 4.6052, typed from the printed value, counts as right.
    tol=1e-4,
    sign_step="look at the minus in front of the log loss: the log of a probability is "
              "negative, and the minus turns the loss positive.",
    hint_text="""
With y = 0 the first term, y·log(ŷ), is switched off.  What is left is
-log(1 - ŷ): minus the log of the probability the neuron gave to class 0.
Here that probability is 1 - 0.99.
""",
    solution_code="""
answer_1 = -np.log(1 - 0.99)   # = -log(0.01) ≈ 4.6052, as costly as ŷ = 0.01 for y = 1
""",
    mistakes=[
        Mistake(value=-math.log(_Y_HAT),
                message="your answer used the wrong term of the loss: -log(ŷ) is the y = 1 "
                        "term. With y = 0 only -log(1 - ŷ) is left."),
        Mistake(value=math.log(1 - _Y_HAT),
                message="your answer has the wrong sign: the log of a probability is "
                        "negative, and the minus in front of the loss makes it positive."),
        Mistake(value=-math.log10(1 - _Y_HAT),
                message="your answer uses log base 10: the log loss uses the natural log "
                        "(np.log, ln)."),
        Mistake(value=(_Y_HAT - _Y) ** 2,
                message="your answer is the squared error (ŷ - y)², not the log loss: "
                        "use -(y·log(ŷ) + (1 - y)·log(1 - ŷ))."),
    ],
)


# --- Exercise 2: the gradient with respect to w ---------------------------------------

_X_toy, _y_toy = toy_table()
_X_small = np.array([[5.0, 3.0], [6.5, 4.2], [4.0, 2.5]])
_y_small = np.array([1, 0, 1])
_gradient_cases = [
    (_X_toy, _y_toy, np.zeros(3), 0.0),
    (_X_toy, _y_toy, np.array([1.0, -1.0, 0.5]), 0.2),
    (_X_small, _y_small, np.array([-0.5, 0.3]), 1.0),
]


def _error(X, y, w, b):
    """y_hat - y for each sample: the log loss's dL/dz."""
    return sigmoid(X @ w + b) - y


exercise_2 = Exercise(
    name="Exercise 2 (gradient_w)",
    cases=[(args, _gradient_w(*args)) for args in _gradient_cases],
    arg_names=("X", "y", "w", "b"),
    sign_step="the sign comes from dL/dz = y_hat - y, prediction minus label in that order.",
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
    mistakes=[
        Mistake(function=lambda X, y, w, b: X.T @ _error(X, y, w, b),
                message="that is the gradient of the summed loss: the loss is the mean over "
                        "samples, so divide by the number of samples, len(y)."),
        Mistake(function=lambda X, y, w, b: X.T @ -_error(X, y, w, b) / len(y),
                message="the sign is flipped: dL/dz is y_hat - y, not y - y_hat."),
        Mistake(error=r"mismatch in its core dimension|not aligned",
                message="X @ dz does not fit: X has one row per sample and dz one entry per "
                        "sample, so sum over the samples with X.T @ dz (one entry per feature)."),
        Mistake(function=lambda X, y, w, b: X.T @ _mse_dz(X @ w + b, y) / len(y),
                message="that is the gradient of the mean squared error; for the log loss "
                        "dL/dz is simply y_hat - y (the sigmoid's slope cancels)."),
        Mistake(function=lambda X, y, w, b: np.mean(_error(X, y, w, b)),
                message="that is one number, dL/db; dL/dw has one entry per feature: "
                        "X.T @ dz."),
        Mistake(function=lambda X, y, w, b: _error(X, y, w, b) / len(y),
                message="that is dz, one number per sample; dL/dw has one entry per feature: "
                        "combine dz with the inputs, X.T @ dz."),
    ],
)


# --- Exercise 3: MSE's gradient through the sigmoid -------------------------------------

_mse_cases = [
    (np.array([0.0]), np.array([1])),
    (np.array([-2.0, 0.5, 3.0]), np.array([1, 0, 1])),
    (np.array([-10.0, 10.0]), np.array([1, 0])),
]

exercise_3 = Exercise(
    name="Exercise 3 (mse_dz)",
    cases=[(args, _mse_dz(*args)) for args in _mse_cases],
    arg_names=("z", "y"),
    sign_step="the sign comes from dL/dŷ = 2(ŷ - y), prediction minus label in that order; "
              "the sigmoid's slope ŷ(1 - ŷ) is never negative.",
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
    mistakes=[
        Mistake(function=lambda z, y: _mse_dz(z, y) / 2,
                message="the factor 2 is missing: the derivative of (ŷ - y)² is 2(ŷ - y)."),
        Mistake(function=lambda z, y: 2 * (sigmoid(z) - y),
                message="that is dL/dŷ only: the chain goes on through the sigmoid, so "
                        "multiply by dŷ/dz = ŷ(1 - ŷ)."),
        Mistake(function=lambda z, y: sigmoid(z) - y,
                message="that is the log loss's dL/dz, ŷ - y; for the squared error the "
                        "sigmoid's slope does not cancel: use both factors of the chain."),
        Mistake(function=lambda z, y: -_mse_dz(z, y),
                message="the sign is flipped: the derivative of (ŷ - y)² with respect to ŷ "
                        "is 2(ŷ - y), not 2(y - ŷ)."),
    ],
)
