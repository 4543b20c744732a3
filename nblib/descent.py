"""Gradient descent on a function of one variable.  Taught in notebooks/02_gradients.ipynb."""

import numbers

import numpy as np

from nblib.validation import as_scalar, check_positive


def gradient_descent_1d(derivative, x0: float, lr: float, num_steps: int) -> np.ndarray:
    """Follow x <- x - lr * f'(x) from ``x0``.

    Parameters
    ----------
    derivative : callable
        f'(x) for a number x.
    x0 : float
        Starting point.
    lr : float
        Learning rate, > 0.
    num_steps : int
        Number of steps, >= 0.

    Returns
    -------
    xs : array, shape (num_steps + 1,)
        Every point visited, ``xs[0] == x0``.  Once a step overflows (too large a
        learning rate diverges) the remaining entries are ``inf``.
    """
    if not callable(derivative):
        raise TypeError(f"derivative must be a function, got {type(derivative).__name__}")
    x = as_scalar(x0, "x0")
    lr = as_scalar(lr, "lr")
    check_positive(lr, "lr")
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 0:
        raise ValueError(f"num_steps must be a non-negative integer, got {num_steps!r}")
    xs = np.full(num_steps + 1, np.inf)
    xs[0] = x
    for step in range(1, num_steps + 1):
        slope = derivative(x)
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise TypeError(f"derivative must return one number, got {type(slope).__name__} "
                            f"at x = {x}")
        x = x - lr * slope
        if not np.isfinite(x) or abs(x) > 1e150:
            break
        xs[step] = x
    return xs
