"""nblib.gradcheck: central differences, relative error and gradient checks."""

import math

import numpy as np
import pytest

from nblib.gradcheck import gradient_check, numerical_derivative, relative_error

# --- numerical_derivative ------------------------------------------------------------------------


@pytest.mark.parametrize("f, x, expected", [
    (lambda x: 3 * x**2 - 4 * x + 5, 3.0, 14.0),        # 6x - 4
    (lambda x: x**3, 2.0, 12.0),
    (math.sin, 0.5, math.cos(0.5)),
    (math.exp, 1.0, math.e),
    (lambda x: 7.0, 1.0, 0.0),
])
def test_scalar_derivatives(f, x, expected):
    assert numerical_derivative(f, x) == pytest.approx(expected, rel=1e-8, abs=1e-9)


def test_scalar_in_gives_python_float_out():
    for x in (2, 2.0, np.float64(2.0), np.array(2.0)):
        assert type(numerical_derivative(lambda v: v * v, x)) is float


def test_central_difference_is_exact_for_a_quadratic_step():
    # (f(x+h) - f(x-h)) / 2h of x**2 is exactly 2x; with h = 0.5 rounding is exact too.
    assert numerical_derivative(lambda x: x**2, 1.25, h=0.5) == 2.5
    # and its error on x**3 is h**2, the O(h^2) the lesson states
    assert numerical_derivative(lambda x: x**3, 1.0, h=0.1) == pytest.approx(3.0 + 0.01, rel=1e-12)


def test_gradient_of_a_function_of_an_array():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_derivative(lambda v: float(np.sum(v**2) + v[0, 1] * v[1, 0]), x)
    assert grad.shape == (2, 2)
    np.testing.assert_allclose(grad, [[2.0, -4.0 + 0.5], [1.0 - 2.0, 6.0]], rtol=1e-8)


def test_array_input_is_not_modified_and_f_sees_an_array_like_x():
    x = np.array([1.0, 2.0, 3.0])
    seen = []

    def f(v):
        seen.append(v.shape)
        return float(v @ v)

    grad = numerical_derivative(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-9)
    assert set(seen) == {(3,)} and len(seen) == 6     # two calls per entry


def test_list_input():
    np.testing.assert_allclose(numerical_derivative(lambda v: float(np.sum(v)), [1, 2]), [1, 1])


@pytest.mark.parametrize("f", [None, 3.0, "sin"])
def test_f_must_be_callable(f):
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_derivative(f, 1.0)


@pytest.mark.parametrize("h, error, match", [
    (0, ValueError, "h must be positive"),
    (-1e-5, ValueError, "h must be positive"),
    (None, TypeError, "h must be a real number"),
    ("1e-5", TypeError, "h must be a real number"),
    (np.nan, ValueError, "h must be finite"),
])
def test_bad_h(h, error, match):
    with pytest.raises(error, match=match):
        numerical_derivative(math.sin, 1.0, h=h)


@pytest.mark.parametrize("x, error, match", [
    (None, TypeError, "x must be a real number"),
    ("1.0", TypeError, "x must be a real number"),
    (np.nan, ValueError, "x must be finite"),
    ([1.0, np.inf], ValueError, "x contains 1 NaN"),
    ([], ValueError, "x is empty"),
    (np.array([1, None], dtype=object), TypeError, "x must hold real numbers"),
])
def test_bad_x(x, error, match):
    with pytest.raises(error, match=match):
        numerical_derivative(lambda v: 0.0, x)


@pytest.mark.parametrize("returns, error", [
    (None, TypeError), ("1", TypeError), (np.array([1.0, 2.0]), ValueError),
    (float("nan"), ValueError), ([1.0], TypeError),
])
def test_f_must_return_one_finite_number(returns, error):
    with pytest.raises(error, match="f must return one finite number"):
        numerical_derivative(lambda v: returns, 1.0)
    with pytest.raises(error, match="f must return one finite number"):
        numerical_derivative(lambda v: returns, np.ones(2))


# --- relative_error -------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b, expected", [
    (1.0, 1.0, 0.0),
    (1.0, 1.1, 0.1 / 2.1),
    (0.0, 0.0, 0.0),
    (1e-9, 0.0, 1e-9 / 1e-8),          # the 1e-8 floor keeps tiny gradients from exploding
    (2.0, -2.0, 1.0),
    ([1.0, 2.0], [1.0, 3.0], 1.0 / 5.0),  # the largest entry counts
])
def test_relative_error_values(a, b, expected):
    assert relative_error(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_relative_error_is_symmetric_and_a_float():
    a, b = np.array([1.0, 2.5]), np.array([1.1, 2.4])
    assert relative_error(a, b) == relative_error(b, a)
    assert type(relative_error(a, b)) is float


def test_relative_error_bad_input():
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(2,\) and \(3,\)"):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="^a must"):
        relative_error(None, 1.0)
    with pytest.raises(ValueError, match="^b contains"):
        relative_error(1.0, np.nan)


# --- gradient_check -------------------------------------------------------------------------------


def test_a_right_gradient_passes():
    x = np.array([0.3, -1.2, 2.0])
    assert gradient_check(lambda v: float(np.sum(np.sin(v))), x, np.cos(x)) < 1e-7
    assert gradient_check(lambda v: v**3, 2.0, 12.0) < 1e-7


def test_a_wrong_gradient_fails():
    x = np.array([0.3, -1.2, 2.0])
    assert gradient_check(lambda v: float(np.sum(np.sin(v))), x, -np.cos(x)) > 0.9
    assert gradient_check(lambda v: v**3, 2.0, 6.0) > 1e-2          # forgot the factor 3 -> 2x


def test_gradient_check_shape_mismatch_names_analytic_gradient():
    with pytest.raises(ValueError, match=r"analytic_gradient must have the shape of x, \(3,\)"):
        gradient_check(lambda v: float(np.sum(v)), np.ones(3), np.ones(2))
    with pytest.raises((TypeError, ValueError), match="analytic_gradient"):
        gradient_check(lambda v: float(np.sum(v)), np.ones(3), None)


def test_gradient_check_accepts_a_list():
    assert gradient_check(lambda v: float(np.sum(v)), np.ones(2), [1.0, 1.0]) < 1e-9


@pytest.mark.parametrize("analytic", [None, "12"])
def test_gradient_check_bad_analytic_gradient_names_it(analytic):
    with pytest.raises(TypeError, match="analytic_gradient"):
        gradient_check(lambda v: v**3, 2.0, analytic)
