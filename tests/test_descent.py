"""nblib.descent: gradient descent on a function of one variable."""

import numpy as np
import pytest

from nblib.descent import gradient_descent_1d


def parabola_derivative(x):
    """f(x) = 3x² - 4x + 5 has f'(x) = 6x - 4 and its minimum at x = 2/3."""
    return 6 * x - 4


def test_first_steps_by_hand():
    xs = gradient_descent_1d(parabola_derivative, 0.0, 0.1, 3)
    # x1 = 0 - 0.1 * (-4) = 0.4; x2 = 0.4 - 0.1 * (-1.6) = 0.56; x3 = 0.56 - 0.1 * (-0.64) = 0.624
    np.testing.assert_allclose(xs, [0.0, 0.4, 0.56, 0.624], rtol=1e-14)


def test_shape_dtype_and_start():
    xs = gradient_descent_1d(parabola_derivative, -1.5, 0.05, 10)
    assert isinstance(xs, np.ndarray) and xs.shape == (11,) and xs.dtype == np.float64
    assert xs[0] == -1.5


@pytest.mark.parametrize("lr", [0.01, 0.1, 1 / 6, 0.3])
def test_small_learning_rates_converge_to_two_thirds(lr):
    xs = gradient_descent_1d(parabola_derivative, -1.5, lr, 500)
    assert xs[-1] == pytest.approx(2 / 3, abs=1e-9)
    # the distance to the minimum shrinks by |1 - 6 lr| every step
    distance = np.abs(xs - 2 / 3)
    assert np.all(distance[1:] <= distance[:-1] + 1e-15)


def test_lr_one_sixth_jumps_straight_to_the_minimum():
    assert gradient_descent_1d(parabola_derivative, 5.0, 1 / 6, 1)[1] == pytest.approx(2 / 3)


def test_lr_one_third_oscillates_forever():
    xs = gradient_descent_1d(parabola_derivative, -1.5, 1 / 3, 6)
    np.testing.assert_allclose(np.abs(xs - 2 / 3), 13 / 6, rtol=1e-12)


@pytest.mark.parametrize("lr", [0.34, 0.4, 0.5])
def test_learning_rates_above_one_third_diverge(lr):
    xs = gradient_descent_1d(parabola_derivative, -1.5, lr, 200)
    distance = np.abs(xs - 2 / 3)
    assert np.all(distance[1:] > distance[:-1])
    assert distance[-1] > 100 * distance[0]


def test_overflowing_steps_stop_with_inf_and_no_warning():
    xs = gradient_descent_1d(parabola_derivative, 1.0, 10.0, 1000)
    assert xs.shape == (1001,)
    finite = np.isfinite(xs)
    last = int(np.argmin(finite))                # first inf
    assert 0 < last < 1000
    assert np.all(finite[:last]) and np.all(np.isinf(xs[last:]))
    assert np.all(np.abs(xs[:last]) <= 1e150)


def test_zero_steps():
    np.testing.assert_array_equal(gradient_descent_1d(parabola_derivative, 2.0, 0.1, 0), [2.0])


def test_numpy_derivative_and_integer_arguments():
    xs = gradient_descent_1d(lambda x: np.float64(2 * x), 1, 1 / 4, np.int64(2))
    np.testing.assert_allclose(xs, [1.0, 0.5, 0.25])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"derivative": None}, TypeError, "derivative must be a function"),
    ({"derivative": 6.0}, TypeError, "derivative must be a function"),
    ({"x0": None}, TypeError, "x0 must be a real number"),
    ({"x0": "1"}, TypeError, "x0 must be a real number"),
    ({"x0": np.nan}, ValueError, "x0 must be finite"),
    ({"x0": [1.0, 2.0]}, TypeError, "x0 must be a real number"),
    ({"lr": 0}, ValueError, "lr must be positive"),
    ({"lr": -0.1}, ValueError, "lr must be positive"),
    ({"lr": None}, TypeError, "lr must be a real number"),
    ({"lr": np.inf}, ValueError, "lr must be finite"),
    ({"num_steps": -1}, ValueError, "num_steps must be a non-negative integer"),
    ({"num_steps": 2.0}, ValueError, "num_steps must be a non-negative integer"),
    ({"num_steps": "3"}, ValueError, "num_steps must be a non-negative integer"),
    ({"num_steps": True}, ValueError, "num_steps must be a non-negative integer"),
])
def test_bad_arguments(kwargs, error, match):
    arguments = {"derivative": parabola_derivative, "x0": 0.0, "lr": 0.1, "num_steps": 5}
    with pytest.raises(error, match=match):
        gradient_descent_1d(**{**arguments, **kwargs})


def test_derivative_returning_none_is_named():
    with pytest.raises(TypeError, match="derivative must return"):
        gradient_descent_1d(lambda x: None, 0.0, 0.1, 3)
