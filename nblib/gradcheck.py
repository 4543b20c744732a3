"""Numerical derivatives and gradient checks.

Taught in notebooks/02_gradients.ipynb: a derivative is rise over run, and the
central difference (f(x + h) - f(x - h)) / 2h is accurate to O(h^2), so it is
the yardstick every hand-derived or backpropagated gradient is checked against.
"""

from __future__ import annotations

import numpy as np

from nblib.validation import as_float_array, as_scalar, check_positive


def _call_scalar(f, x):
    value = f(x)
    try:
        return as_scalar(value, "f(x)")
    except (TypeError, ValueError) as error:
        raise type(error)(f"f must return one finite number: {error}") from None


def numerical_derivative(f, x, h: float = 1e-5):
    """Central-difference derivative of ``f`` at ``x``.

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    f : callable
        Takes ``x`` (a number, or an array shaped like ``x``) and returns one number.
    x : float or array of any shape
        Where to differentiate.
    h : float
        Step size, > 0.  Around 1e-5 balances truncation against rounding error.

    Returns
    -------
    float when ``x`` is a number, else an array shaped like ``x`` holding
    the partial derivative of ``f`` with respect to each entry.
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    h = as_scalar(h, "h")
    check_positive(h, "h")
    if np.ndim(x) == 0:
        x = as_scalar(x, "x")
        return (_call_scalar(f, x + h) - _call_scalar(f, x - h)) / (2 * h)
    x = as_float_array(x, "x").copy()
    grad = np.empty_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        upper = _call_scalar(f, x)
        x[index] = saved - h
        lower = _call_scalar(f, x)
        x[index] = saved
        grad[index] = (upper - lower) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """Largest elementwise relative difference max(|a - b| / max(|a| + |b|, 1e-8)).

    Around 1e-7 or below means two gradients agree; 1e-2 or above means a bug.

    Parameters
    ----------
    a, b : float or arrays of the same shape

    Returns
    -------
    float
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


def gradient_check(f, x, analytic_gradient, h: float = 1e-5) -> float:
    """Compare an analytic gradient with the central-difference one.

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    f : callable
        The function, taking ``x`` and returning one number.
    x : float or array
        Where to check.
    analytic_gradient : float or array shaped like ``x``
        The gradient you derived (by hand or by backpropagation) at ``x``.
    h : float
        Central-difference step.

    Returns
    -------
    float
        :func:`relative_error` between the two; below about 1e-7 is a pass.
    """
    analytic_gradient = as_float_array(analytic_gradient, "analytic_gradient")
    numeric = numerical_derivative(f, x, h)
    if np.shape(analytic_gradient) != np.shape(numeric):
        raise ValueError(f"analytic_gradient must have the shape of x, {np.shape(numeric)}, "
                         f"got {np.shape(analytic_gradient)}")
    return relative_error(analytic_gradient, numeric)
