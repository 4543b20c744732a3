"""Input checks shared by nblib's public functions.

A student who passes the wrong thing should read what was wrong, by argument
name and expected shape, instead of getting a silent wrong answer or a numpy
broadcasting error three calls deep.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, *, ndim: int | None = None, finite: bool = True,
                   allow_empty: bool = False) -> np.ndarray:
    """Convert ``value`` to a float64 array, or raise a clear error.

    Parameters
    ----------
    value : number or array-like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    ndim : int, optional
        Required number of dimensions (``None`` accepts any).
    finite : bool
        Reject NaN and infinity.
    allow_empty : bool
        Accept arrays with no elements.

    Raises
    ------
    TypeError
        ``value`` is not numeric (a string, ``None``, an object array).
    ValueError
        Wrong number of dimensions, empty, or NaN/infinite entries.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers "
                         "(every row the same length)") from None
    if array.dtype == bool:
        array = array.astype(np.float64)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s) {_shape_hint(ndim)}, "
                         f"got shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {array.shape}); it needs at least one value")
    if finite and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    return array


def _shape_hint(ndim: int) -> str:
    return {0: "(a single number)", 1: "(a vector, shape (n,))",
            2: "(a matrix, shape (n, features))"}.get(ndim, "")


def as_scalar(value, name: str) -> float:
    """Return ``value`` as a Python float; raise if it is not one finite real number."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    array = as_float_array(value, name, finite=False, allow_empty=True)
    if array.size != 1:
        raise ValueError(f"{name} must be a single number, got shape {array.shape}")
    number = float(array.reshape(()))
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{a_name} and {b_name} must have the same shape, "
                         f"got {a_name}: {a.shape} and {b_name}: {b.shape}")


def check_labels(y: np.ndarray, name: str = "y") -> None:
    """Raise ``ValueError`` unless every entry of ``y`` is 0 or 1."""
    if not np.all((y == 0) | (y == 1)):
        bad = np.unique(y[(y != 0) & (y != 1)])[:5]
        raise ValueError(f"{name} must hold class labels 0 or 1, found {bad.tolist()}")


def check_probabilities(p: np.ndarray, name: str = "y_hat") -> None:
    """Raise ``ValueError`` unless every entry of ``p`` lies in [0, 1]."""
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"{name} must hold probabilities in [0, 1], "
                         f"found values from {p.min():.4g} to {p.max():.4g}")


def check_positive(value: float, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` > 0."""
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value}")


def like_input(result: np.ndarray, original):
    """Return a Python float when the caller passed a single number, else the array.

    numpy 2 shows scalars as ``np.float64(0.5)``; students should see ``0.5``.
    """
    if np.ndim(original) == 0:
        return float(result)
    return result


def as_generator(rng, seed) -> np.random.Generator:
    """The random generator to draw weights from: ``rng`` if given, else one seeded by ``seed``.

    Parameters
    ----------
    rng : numpy.random.Generator or None
    seed : int >= 0 or None
        Used only when ``rng`` is None; None gives a different generator every time.
    """
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), "
                            f"got {type(rng).__name__}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                             or seed < 0):
        raise ValueError(f"seed must be a whole number >= 0, or None, got {seed!r}")
    return np.random.default_rng(seed)
