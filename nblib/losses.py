"""Loss functions for a prediction ``y_hat`` against the true labels ``y``.

Mean squared error is taught in notebooks/02_gradients.ipynb, binary log loss
in notebooks/03_log_loss.ipynb, and its autograd form (on a ``Value``) in
notebooks/04_autograd.ipynb; notebooks/05_mlp.ipynb adds the ``Value`` form of
the log loss from the logit.  The losses return the *mean* over samples;
the derivatives return each sample's own derivative (shape ``(n,)``), which a
training loop averages.
"""

import math
import numbers

import numpy as np

from nblib.engine import Value
from nblib.validation import (
    as_float_array,
    as_scalar,
    check_labels,
    check_probabilities,
    check_same_shape,
    like_input,
)

#: Probabilities are kept inside [EPSILON, 1 - EPSILON] so log never sees 0.
EPSILON = 1e-12


def _pair(y_hat, y, y_hat_name="y_hat"):
    y_hat = as_float_array(y_hat, y_hat_name)
    y = as_float_array(y, "y")
    check_same_shape(y_hat, y_hat_name, y, "y")
    return y_hat, y


def mse(y_hat, y) -> float:
    """Mean squared error: mean((y_hat - y)**2).

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    y_hat : float or array, shape (n,)
        Predictions.
    y : float or array, same shape as ``y_hat``
        Targets.

    Returns
    -------
    float
    """
    y_hat, y = _pair(y_hat, y)
    return float(np.mean((y_hat - y) ** 2))


def mse_derivative(y_hat, y):
    """Each sample's d/dy_hat of (y_hat - y)**2, that is 2 * (y_hat - y).

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    y_hat : float or array, shape (n,)
    y : float or array, same shape as ``y_hat``

    Returns
    -------
    float or array, shape (n,)
    """
    y_hat_array, y_array = _pair(y_hat, y)
    return like_input(2 * (y_hat_array - y_array), y_hat)


def binary_log_loss(y_hat, y, epsilon: float = EPSILON) -> float:
    """Binary log loss (cross-entropy) from probabilities.

    mean(-(y * log(y_hat) + (1 - y) * log(1 - y_hat))), with ``y_hat`` clipped
    to [epsilon, 1 - epsilon] so that a confident wrong answer costs a large
    finite amount instead of infinity.
    Taught in notebooks/03_log_loss.ipynb.

    Parameters
    ----------
    y_hat : float or array, shape (n,)
        Predicted probabilities of class 1, in [0, 1].
    y : float or array, same shape as ``y_hat``
        True labels, 0 or 1.
    epsilon : float
        Clipping margin, in (0, 0.5).

    Returns
    -------
    float
    """
    y_hat, y = _pair(y_hat, y)
    check_probabilities(y_hat)
    check_labels(y)
    epsilon = as_scalar(epsilon, "epsilon")
    if not 0 < epsilon < 0.5:
        raise ValueError(f"epsilon must lie in (0, 0.5), got {epsilon}")
    p = np.clip(y_hat, epsilon, 1 - epsilon)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def binary_log_loss_from_logits(logits, y) -> float:
    """Binary log loss computed from logits z (before the sigmoid), without overflow.

    With y_hat = sigmoid(z) the per-sample loss simplifies to
    log(1 + e^z) - y * z, and ``np.logaddexp(0, z)`` computes log(1 + e^z)
    without ever forming e^z.  No clipping is needed.
    Taught in notebooks/03_log_loss.ipynb.

    Parameters
    ----------
    logits : float or array, shape (n,)
        z = w · x + b for each sample; any real number.
    y : float or array, same shape as ``logits``
        True labels, 0 or 1.

    Returns
    -------
    float
    """
    z, y = _pair(logits, y, "logits")
    check_labels(y)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def binary_log_loss_derivative(y_hat, y):
    """Each sample's derivative of the log loss with respect to its logit z: y_hat - y.

    The sigmoid's derivative y_hat * (1 - y_hat) cancels the log loss's
    denominator, which is why log loss trains a sigmoid neuron faster than MSE.
    Taught in notebooks/03_log_loss.ipynb.

    Parameters
    ----------
    y_hat : float or array, shape (n,)
        Predicted probabilities, in [0, 1].
    y : float or array, same shape as ``y_hat``
        True labels, 0 or 1.

    Returns
    -------
    float or array, shape (n,)
    """
    y_hat_array, y_array = _pair(y_hat, y)
    check_probabilities(y_hat_array)
    check_labels(y_array)
    return like_input(y_hat_array - y_array, y_hat)


def binary_cross_entropy(y_hat, y):
    """Binary log loss of one prediction, on an autograd ``Value``: -(y log ŷ + (1 - y) log(1 - ŷ)).

    The ``Value`` version of :func:`binary_log_loss`: built from ``Value``
    operations, so ``loss.backward()`` fills in ``y_hat.grad`` with
    dL/dŷ = (ŷ - y) / (ŷ (1 - ŷ)).  Unlike :func:`binary_log_loss` it does not
    clip: at ŷ = 0 or 1 one of the logs is log(0), an infinite loss, so such a
    ``y_hat`` is refused.
    Taught in notebooks/04_autograd.ipynb (Exercise 3).

    Parameters
    ----------
    y_hat : Value
        Predicted probability of class 1, with 0 < ``y_hat.data`` < 1.
    y : int or float
        True label, 0 or 1 (a plain number: the label needs no gradient).

    Returns
    -------
    Value
        The loss; call ``.backward()`` on it for ``y_hat.grad``.

    Raises
    ------
    TypeError
        ``y_hat`` is not a ``Value``, or ``y`` is not a number.
    ValueError
        ``y_hat.data`` is not strictly between 0 and 1, or ``y`` is not 0 or 1.
    """
    _check_value_probability(y_hat)
    _check_label(y)
    return -(y * y_hat.log() + (1 - y) * (1 - y_hat).log())


def binary_cross_entropy_from_logit(z, y):
    """Binary log loss of one prediction from its logit z, on a ``Value``: log(1 + e^z) - y·z.

    The output neuron's score z (before the sigmoid) goes in, not the
    probability sigmoid(z): the loss is then finite for every z and its
    gradient is simply dL/dz = sigmoid(z) - y (derived in 03).  Like
    :func:`nblib.engine.weighted_sum` it is one node whose ``_backward`` uses
    that derivative, instead of the eight nodes of log, exp, + and * it would
    take otherwise: training spends most of its time making nodes.
    log(1 + e^z) is computed as max(z, 0) + log(1 + e^-|z|), so ``exp`` never
    overflows.  Taught in notebooks/05_mlp.ipynb; the Value version of
    :func:`binary_log_loss_from_logits` (03).

    Parameters
    ----------
    z : Value
        The logit (score) of one sample; any finite number.
    y : int or float
        True label, 0 or 1 (a plain number: the label needs no gradient).

    Returns
    -------
    Value
        The loss; ``.backward()`` on it gives ``z.grad`` = sigmoid(z) - y.

    Raises
    ------
    TypeError
        ``z`` is not a ``Value``, or ``y`` is not a number.
    ValueError
        ``y`` is not 0 or 1.

    Examples
    --------
    >>> z = Value(2.0)
    >>> loss = binary_cross_entropy_from_logit(z, 1)
    >>> loss.backward()
    >>> round(loss.data, 4), round(z.grad, 4)      # log(1 + e^-2), sigmoid(2) - 1
    (0.1269, -0.1192)
    """
    if not isinstance(z, Value):
        raise TypeError(f"z must be a Value (nblib.engine.Value), got {type(z).__name__}; "
                        "wrap a number as Value(2.0), or use binary_log_loss_from_logits "
                        "for plain numbers")
    _check_label(y)
    x = z.data
    small = math.exp(-abs(x))                       # in (0, 1]: cannot overflow
    loss = max(x, 0.0) + math.log1p(small) - y * x  # log(1 + e^x) - y x
    probability = 1 / (1 + small) if x >= 0 else small / (1 + small)    # sigmoid(x)
    out = Value(loss, (z,), "log loss")

    def _backward(grad):
        z.grad += (probability - y) * grad          # dL/dz = sigmoid(z) - y (03)
    out._backward = _backward
    return out


def _check_value_probability(y_hat) -> None:
    if not isinstance(y_hat, Value):
        raise TypeError(f"y_hat must be a Value (nblib.engine.Value), got {type(y_hat).__name__}; "
                        "wrap a number as Value(0.7), or use binary_log_loss for plain numbers")
    if not 0 < y_hat.data < 1:
        raise ValueError(f"y_hat must lie strictly between 0 and 1, got {y_hat.data}: at 0 or 1 "
                         "one of the logs is log(0) and the loss is infinite "
                         "(binary_log_loss clips y_hat instead)")


def _check_label(y) -> None:
    # bool is excluded as in nblib.engine: a label is the number 0 or 1, not True/False
    if isinstance(y, bool) or not isinstance(y, numbers.Real):
        raise TypeError(f"y must be the label 0 or 1 (a number), got {type(y).__name__}")
    if y not in (0, 1):
        raise ValueError(f"y must be the label 0 or 1, got {y}")
