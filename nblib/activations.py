"""Activation functions and their derivatives.

Taught in notebooks/01_neuron.ipynb (the functions) and
notebooks/02_gradients.ipynb (their derivatives).  Every function works
elementwise: ``x`` may be a number (a float comes back) or an array of any
shape (an array of the same shape comes back).
"""

import numpy as np

from nblib.validation import as_float_array, like_input


def sigmoid(x):
    """The logistic function 1 / (1 + e^(-x)), squashing any number into (0, 1).

    Written so that ``np.exp`` only ever sees a non-positive exponent: the
    textbook form overflows (and warns) for x below about -710.
    Taught in notebooks/01_neuron.ipynb.

    Parameters
    ----------
    x : float or array of any shape

    Returns
    -------
    float or array, same shape as ``x``, values in [0, 1].
    """
    values = as_float_array(x, "x")
    z = np.exp(-np.abs(values))
    return like_input(np.where(values >= 0, 1 / (1 + z), z / (1 + z)), x)


def sigmoid_derivative(x):
    """d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x)).

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    x : float or array of any shape

    Returns
    -------
    float or array, same shape as ``x``, values in [0, 0.25].
    """
    s = sigmoid(as_float_array(x, "x"))
    return like_input(s * (1 - s), x)


def tanh(x):
    """The hyperbolic tangent, squashing any number into (-1, 1).

    Taught in notebooks/01_neuron.ipynb.

    Parameters
    ----------
    x : float or array of any shape

    Returns
    -------
    float or array, same shape as ``x``.
    """
    return like_input(np.tanh(as_float_array(x, "x")), x)


def tanh_derivative(x):
    """d tanh / dx = 1 - tanh(x)**2.

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    x : float or array of any shape

    Returns
    -------
    float or array, same shape as ``x``, values in [0, 1].
    """
    t = np.tanh(as_float_array(x, "x"))
    return like_input(1 - t**2, x)


def relu(x):
    """The rectified linear unit max(0, x).

    Taught in notebooks/01_neuron.ipynb.

    Parameters
    ----------
    x : float or array of any shape

    Returns
    -------
    float or array, same shape as ``x``.
    """
    return like_input(np.maximum(0.0, as_float_array(x, "x")), x)


def relu_derivative(x):
    """d relu / dx: 1 where x > 0, else 0 (we choose 0 at the kink x = 0, as PyTorch does).

    Taught in notebooks/02_gradients.ipynb.

    Parameters
    ----------
    x : float or array of any shape

    Returns
    -------
    float or array, same shape as ``x``, values 0.0 or 1.0.
    """
    return like_input((as_float_array(x, "x") > 0).astype(np.float64), x)
