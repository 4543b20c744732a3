"""nblib.activations: values, derivatives, shapes, stability and bad input."""

import math

import numpy as np
import pytest

from nblib.activations import (
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)
from nblib.gradcheck import numerical_derivative

FUNCTIONS = [sigmoid, sigmoid_derivative, tanh, tanh_derivative, relu, relu_derivative]
PAIRS = [(sigmoid, sigmoid_derivative), (tanh, tanh_derivative), (relu, relu_derivative)]
# Away from relu's kink at 0, where the central difference is meaningless.
POINTS = np.array([-4.0, -1.3, -0.2, 0.3, 0.9, 2.5, 6.0])


# --- values ----------------------------------------------------------------------


def test_sigmoid_matches_the_textbook_formula_where_that_is_safe():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14, atol=0)


@pytest.mark.parametrize("x, expected", [
    (0.0, 0.5),
    (math.log(3), 0.75),          # 1 / (1 + 1/3)
    (-math.log(3), 0.25),
    (2.0, 0.8807970779778823),
])
def test_sigmoid_known_values(x, expected):
    assert sigmoid(x) == pytest.approx(expected, rel=1e-15)


def test_sigmoid_is_symmetric():
    x = np.linspace(-40, 40, 81)
    np.testing.assert_allclose(sigmoid(-x), 1 - sigmoid(x), atol=1e-16)


def test_tanh_matches_numpy_and_its_definition():
    x = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(tanh(x), np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, atol=1e-15)
    assert tanh(1.0) == pytest.approx((math.e - 1 / math.e) / (math.e + 1 / math.e))


def test_relu_values():
    np.testing.assert_array_equal(relu([-2.0, -0.0, 0.0, 0.5, 3.0]), [0.0, 0.0, 0.0, 0.5, 3.0])
    assert relu(-7) == 0.0
    assert relu(7) == 7.0


def test_relu_derivative_values_and_the_kink():
    np.testing.assert_array_equal(relu_derivative([-2.0, 0.0, 1e-12, 3.0]), [0.0, 0.0, 1.0, 1.0])
    assert relu_derivative(0.0) == 0.0  # chosen as PyTorch does


def test_derivative_closed_forms():
    x = np.linspace(-6, 6, 49)
    # Independent forms; 1 - s loses ~1e-11 relative accuracy once s is near 1.
    e = np.exp(-np.abs(x))
    np.testing.assert_allclose(sigmoid_derivative(x), e / (1 + e) ** 2, rtol=1e-10)
    np.testing.assert_allclose(tanh_derivative(x), 1 / np.cosh(x) ** 2, rtol=1e-10)
    assert sigmoid_derivative(0.0) == 0.25
    assert tanh_derivative(0.0) == 1.0


@pytest.mark.parametrize("function, derivative", PAIRS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", POINTS)
def test_derivatives_match_central_differences(function, derivative, x):
    numeric = numerical_derivative(function, float(x))
    assert derivative(float(x)) == pytest.approx(numeric, rel=1e-7, abs=1e-10)


def test_ranges():
    x = np.linspace(-50, 50, 1001)
    assert np.all((sigmoid(x) >= 0) & (sigmoid(x) <= 1))
    assert np.all((sigmoid_derivative(x) >= 0) & (sigmoid_derivative(x) <= 0.25))
    assert np.all((tanh(x) >= -1) & (tanh(x) <= 1))
    assert np.all((tanh_derivative(x) >= 0) & (tanh_derivative(x) <= 1))


# --- shapes ------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.3, 2, np.float64(0.3), np.float32(0.3), np.array(0.3),
                               np.int64(-1)], ids=repr)
def test_a_number_in_gives_a_python_float_out(function, x):
    assert type(function(x)) is float


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(1,), (5,), (2, 3), (2, 3, 4)])
def test_arrays_keep_their_shape(function, shape):
    x = np.linspace(-3, 3, int(np.prod(shape))).reshape(shape)
    result = function(x)
    assert isinstance(result, np.ndarray)
    assert result.shape == shape
    assert result.dtype == np.float64
    # elementwise: the same as applying the function to each number
    np.testing.assert_allclose(result.ravel(), [function(float(v)) for v in x.ravel()])


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_lists_are_accepted(function):
    assert function([0.1, -0.2]).shape == (2,)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_input_is_not_modified(function):
    x = np.array([-1.0, 0.0, 2.0])
    function(x)
    np.testing.assert_array_equal(x, [-1.0, 0.0, 2.0])


# --- numerical stability ---------------------------------------------------------------
# pyproject.toml turns RuntimeWarning into an error, so an overflow fails these tests.


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_extreme_inputs_give_no_warning_and_no_nan(function):
    x = np.array([-1e4, -1000.0, -710.0, -50.0, 0.0, 50.0, 710.0, 1000.0, 1e4])
    result = function(x)
    assert np.all(np.isfinite(result))


def test_sigmoid_saturates_exactly():
    assert sigmoid(1e4) == 1.0
    assert sigmoid(-1e4) == 0.0
    assert sigmoid(-1000.0) == 0.0
    assert sigmoid(-700.0) == pytest.approx(math.exp(-700.0), rel=1e-12)  # not rounded to 0
    assert sigmoid_derivative(1e4) == 0.0
    assert sigmoid_derivative(-1e4) == 0.0
    assert tanh(1e4) == 1.0
    assert tanh_derivative(-1e4) == 0.0


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [None, "0.5", ["a"], np.array([1, None], dtype=object), 1j],
                         ids=["None", "str", "list of str", "object array", "complex"])
def test_non_numbers_raise_type_error_naming_x(function, bad):
    with pytest.raises(TypeError, match=r"^x must"):
        function(bad)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [np.nan, [0.0, np.inf], [-np.inf]], ids=["nan", "inf", "-inf"])
def test_nan_and_inf_raise_value_error_naming_x(function, bad):
    with pytest.raises(ValueError, match=r"^x contains \d+ NaN or infinite"):
        function(bad)


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_empty_input_raises_value_error_naming_x(function):
    with pytest.raises(ValueError, match=r"^x is empty"):
        function(np.array([]))
