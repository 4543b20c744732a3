"""nblib.losses: worked cases, derivatives against central differences, stability, bad input."""

import math

import numpy as np
import pytest

from nblib.activations import sigmoid
from nblib.engine import Value
from nblib.gradcheck import numerical_derivative
from nblib.losses import (
    EPSILON,
    binary_cross_entropy,
    binary_cross_entropy_from_logit,
    binary_log_loss,
    binary_log_loss_derivative,
    binary_log_loss_from_logits,
    mse,
    mse_derivative,
)

Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
Y_HAT = np.array([0.9, 0.2, 0.4, 0.6, 0.01])
Z = np.array([2.0, -1.5, 0.3, -0.2, 4.0])


# --- mean squared error -----------------------------------------------------------------


def test_mse_worked_cases():
    assert mse([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 0.0
    assert mse([0.0, 0.0], [3.0, 4.0]) == 12.5               # (9 + 16) / 2
    assert mse(0.75, 1) == 0.0625
    assert mse(Y_HAT, Y) == pytest.approx(np.mean((Y_HAT - Y) ** 2), rel=1e-15)


def test_mse_derivative_is_per_sample_2_times_the_error():
    np.testing.assert_allclose(mse_derivative(Y_HAT, Y), 2 * (Y_HAT - Y), rtol=1e-15)
    assert mse_derivative(0.75, 1) == -0.5


def test_mse_derivative_matches_central_differences_of_n_times_the_mean():
    n = len(Y)
    numeric = numerical_derivative(lambda y_hat: n * mse(y_hat, Y), Y_HAT)
    np.testing.assert_allclose(mse_derivative(Y_HAT, Y), numeric, rtol=1e-7, atol=1e-9)


# --- binary log loss from probabilities -----------------------------------------------------


@pytest.mark.parametrize("y_hat, y, expected", [
    (0.01, 1, 4.605170185988091),     # -ln 0.01
    (0.99, 0, 4.605170185988091),     # -ln(1 - 0.99)
    (0.5, 1, 0.6931471805599453),     # ln 2
    (0.5, 0, 0.6931471805599453),
    (0.9, 1, 0.10536051565782628),    # -ln 0.9
    (0.7, 1, 0.35667494393873245),    # -ln 0.7
    (1.0, 1, 0.0),
    (0.0, 0, 0.0),
])
def test_log_loss_worked_cases(y_hat, y, expected):
    assert binary_log_loss(y_hat, y) == pytest.approx(expected, rel=1e-9, abs=1e-11)


def test_log_loss_is_the_mean_of_the_per_sample_losses():
    per_sample = [-math.log(0.9), -math.log(0.8), -math.log(0.4), -math.log(0.4), -math.log(0.01)]
    assert binary_log_loss(Y_HAT, Y) == pytest.approx(sum(per_sample) / 5, rel=1e-12)


def test_confident_wrong_answer_costs_a_large_finite_amount():
    # clipped to epsilon: -ln(1e-12) = 27.631
    assert binary_log_loss(0.0, 1) == pytest.approx(-math.log(EPSILON), rel=1e-6)
    assert binary_log_loss([1.0, 0.0], [0, 1]) == pytest.approx(27.631021115928547, rel=1e-6)
    assert binary_log_loss(0.0, 1, epsilon=1e-3) == pytest.approx(-math.log(1e-3), rel=1e-9)


@pytest.mark.parametrize("epsilon", [0, 0.5, -1e-3, 1.0])
def test_log_loss_epsilon_must_lie_in_the_open_interval(epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        binary_log_loss(0.5, 1, epsilon=epsilon)


@pytest.mark.parametrize("epsilon", [None, "1e-12", [1e-12, 1e-12]])
def test_log_loss_epsilon_must_be_one_number(epsilon):
    with pytest.raises((TypeError, ValueError), match="epsilon"):
        binary_log_loss(0.5, 1, epsilon=epsilon)


# --- binary log loss from logits -------------------------------------------------------------


def test_logits_loss_agrees_with_the_probability_form():
    assert binary_log_loss_from_logits(Z, Y) == pytest.approx(binary_log_loss(sigmoid(Z), Y),
                                                                rel=1e-12)


@pytest.mark.parametrize("z, y, expected", [
    (0.0, 1, math.log(2)),
    (0.0, 0, math.log(2)),
    (math.log(99), 0, -math.log(0.01)),          # sigmoid = 0.99, truth 0
    (-math.log(99), 1, -math.log(0.01)),
    (1000.0, 1, 0.0),
    (-1000.0, 0, 0.0),
    (1000.0, 0, 1000.0),                          # confident and wrong: loss = |z|
    (-1000.0, 1, 1000.0),
])
def test_logits_loss_worked_and_extreme_cases(z, y, expected):
    loss = binary_log_loss_from_logits(z, y)
    assert math.isfinite(loss)
    assert loss == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_logits_loss_extreme_arrays_no_warning():
    z = np.array([1000.0, -1000.0, 1e4, -1e4])
    assert binary_log_loss_from_logits(z, [1, 1, 0, 0]) == pytest.approx((1000 + 1e4) / 4)


def test_log_loss_derivative_is_y_hat_minus_y():
    np.testing.assert_allclose(binary_log_loss_derivative(Y_HAT, Y), Y_HAT - Y, rtol=1e-15)
    assert binary_log_loss_derivative(0.25, 1) == -0.75


def test_log_loss_derivative_matches_central_differences_in_z():
    # d/dz of each sample's loss; n times the gradient of the mean.
    n = len(Y)
    numeric = numerical_derivative(lambda z: n * binary_log_loss_from_logits(z, Y), Z)
    np.testing.assert_allclose(binary_log_loss_derivative(sigmoid(Z), Y), numeric,
                               rtol=1e-6, atol=1e-9)


# --- shapes --------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [mse, binary_log_loss, binary_log_loss_from_logits],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("y_hat, y", [(0.3, 1), (np.float64(0.3), np.int64(0)),
                                      ([0.3, 0.6], [1, 0]), (np.full((2, 3), 0.3), np.ones((2, 3)))])
def test_losses_return_a_python_float(loss, y_hat, y):
    assert type(loss(y_hat, y)) is float


@pytest.mark.parametrize("derivative", [mse_derivative, binary_log_loss_derivative],
                         ids=lambda f: f.__name__)
def test_derivatives_keep_the_shape(derivative):
    assert type(derivative(0.3, 1)) is float
    assert derivative(Y_HAT, Y).shape == (5,)
    assert derivative(np.full((2, 3), 0.3), np.ones((2, 3))).shape == (2, 3)


# --- bad input --------------------------------------------------------------------------------

ALL = [mse, mse_derivative, binary_log_loss, binary_log_loss_derivative]


@pytest.mark.parametrize("function", ALL + [binary_log_loss_from_logits], ids=lambda f: f.__name__)
def test_shape_mismatch_names_both_arguments(function):
    with pytest.raises(ValueError, match=r"must have the same shape.*\(3,\).*\(3, 1\)"):
        function(np.full(3, 0.5), np.ones((3, 1)))
    with pytest.raises(ValueError, match="same shape"):
        function([0.5, 0.5], [1, 0, 1])


def test_logits_loss_names_logits():
    with pytest.raises(ValueError, match="logits and y must have the same shape"):
        binary_log_loss_from_logits([0.1, 0.2], [1])
    with pytest.raises(TypeError, match="^logits must"):
        binary_log_loss_from_logits("0.1", 1)
    with pytest.raises(ValueError, match="^logits contains"):
        binary_log_loss_from_logits([np.nan], [1])


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [None, "0.5", ["a", "b"], np.array([0.5, None], dtype=object)])
def test_non_numbers(function, bad):
    with pytest.raises(TypeError, match="^y_hat must"):
        function(bad, [1, 0] if np.ndim(bad) else 1)
    with pytest.raises(TypeError, match="^y must"):
        function([0.5, 0.5] if np.ndim(bad) else 0.5, bad)


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
def test_nan_inf_and_empty(function):
    with pytest.raises(ValueError, match="^y_hat contains 1 NaN"):
        function([0.5, np.nan], [1, 0])
    with pytest.raises(ValueError, match="^y contains 1 NaN"):
        function([0.5, 0.5], [1, np.inf])
    with pytest.raises(ValueError, match="^y_hat is empty"):
        function([], [])


@pytest.mark.parametrize("function", [binary_log_loss, binary_log_loss_derivative],
                         ids=lambda f: f.__name__)
def test_log_loss_checks_probabilities_and_labels(function):
    with pytest.raises(ValueError, match=r"y_hat must hold probabilities in \[0, 1\]"):
        function([1.2, 0.5], [1, 0])
    with pytest.raises(ValueError, match=r"y_hat must hold probabilities"):
        function([-0.1, 0.5], [1, 0])
    with pytest.raises(ValueError, match=r"y must hold class labels 0 or 1, found \[0.5\]"):
        function([0.2, 0.5], [0.5, 0])


def test_logits_loss_checks_labels_but_accepts_any_logit():
    with pytest.raises(ValueError, match="y must hold class labels 0 or 1"):
        binary_log_loss_from_logits([0.0, 1.0], [2, 0])
    assert binary_log_loss_from_logits([-30.0, 30.0], [0, 1]) < 1e-12


# --- binary cross-entropy on a Value (04) ------------------------------------------------------


@pytest.mark.parametrize("y_hat", [0.01, 0.2, 0.5, 0.7, 0.99])
@pytest.mark.parametrize("y", [0, 1])
def test_bce_value_and_gradient(y_hat, y):
    p = Value(y_hat)
    loss = binary_cross_entropy(p, y)
    assert isinstance(loss, Value)
    assert loss.data == pytest.approx(binary_log_loss(y_hat, y), rel=1e-12)
    loss.backward()
    assert p.grad == pytest.approx((y_hat - y) / (y_hat * (1 - y_hat)), rel=1e-12)
    numeric = numerical_derivative(lambda q: binary_log_loss(q, y), y_hat, h=1e-7)
    assert p.grad == pytest.approx(numeric, rel=1e-5)


def test_bce_worked_case():
    p = Value(0.99)
    loss = binary_cross_entropy(p, 0)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(0.01), rel=1e-12)      # 4.6052, notebook 03
    assert p.grad == pytest.approx(100.0, rel=1e-9)                    # 1 / (1 - 0.99)


def test_bce_chains_into_a_larger_graph():
    z = Value(0.3)
    loss = binary_cross_entropy(z.sigmoid(), 1)
    loss.backward()
    assert z.grad == pytest.approx(sigmoid(0.3) - 1, rel=1e-12)        # log loss's dL/dz


@pytest.mark.parametrize("y_hat, error, match", [
    (0.7, TypeError, r"^y_hat must be a Value .*got float.*binary_log_loss"),
    (np.array([0.7]), TypeError, r"^y_hat must be a Value .*got ndarray"),
    (Value(0.0), ValueError, r"^y_hat must lie strictly between 0 and 1, got 0.0: .*log\(0\)"),
    (Value(1.0), ValueError, r"^y_hat must lie strictly between 0 and 1, got 1.0"),
    (Value(1.5), ValueError, r"^y_hat must lie strictly between 0 and 1"),
])
def test_bce_checks_y_hat(y_hat, error, match):
    with pytest.raises(error, match=match):
        binary_cross_entropy(y_hat, 1)


@pytest.mark.parametrize("y, error, match", [
    (0.5, ValueError, r"^y must be the label 0 or 1, got 0.5"),
    (2, ValueError, r"^y must be the label 0 or 1, got 2"),
    ("1", TypeError, r"^y must be the label 0 or 1 \(a number\), got str"),
    (True, TypeError, r"^y must be the label 0 or 1 \(a number\), got bool"),
    (Value(1.0), TypeError, r"^y must be the label 0 or 1 \(a number\), got Value"),
])
def test_bce_checks_y(y, error, match):
    with pytest.raises(error, match=match):
        binary_cross_entropy(Value(0.7), y)


@pytest.mark.parametrize("y", [1.0, np.int64(0), np.float64(1.0)])
def test_bce_accepts_labels_of_any_number_type(y):
    assert binary_cross_entropy(Value(0.7), y).data == pytest.approx(binary_log_loss(0.7, y))


# --- binary cross-entropy from the logit, on a Value (05) ---------------------------------------


@pytest.mark.parametrize("z", [-1000.0, -40.0, -5.0, -0.3, 0.0, 0.3, 5.0, 40.0, 1000.0])
@pytest.mark.parametrize("y", [0, 1])
def test_bce_from_logit_value_and_gradient(z, y):
    logit = Value(z)
    loss = binary_cross_entropy_from_logit(logit, y)
    assert isinstance(loss, Value)
    assert loss.data == pytest.approx(binary_log_loss_from_logits(z, y), rel=1e-12, abs=1e-15)
    loss.backward()
    assert logit.grad == pytest.approx(sigmoid(z) - y, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("z, y, expected_loss, expected_grad", [
    (1000.0, 1, 0.0, 0.0),          # confidently right: no loss, no push
    (1000.0, 0, 1000.0, 1.0),       # confidently wrong: loss = |z|, slope 1, no overflow
    (-1000.0, 1, 1000.0, -1.0),
    (-1000.0, 0, 0.0, 0.0),
    (0.0, 1, math.log(2), -0.5),
])
def test_bce_from_logit_at_the_extremes(z, y, expected_loss, expected_grad):
    logit = Value(z)
    loss = binary_cross_entropy_from_logit(logit, y)
    loss.backward()
    assert loss.data == pytest.approx(expected_loss, abs=1e-15)
    assert logit.grad == pytest.approx(expected_grad, abs=1e-15)


def test_bce_from_logit_matches_bce_of_the_sigmoid():
    # The same loss as 04's binary_cross_entropy(sigmoid(z)), where that one is finite.
    for z in (-3.0, -0.5, 0.7, 2.5):
        for y in (0, 1):
            a, b = Value(z), Value(z)
            from_logit = binary_cross_entropy_from_logit(a, y)
            from_probability = binary_cross_entropy(b.sigmoid(), y)
            from_logit.backward()
            from_probability.backward()
            assert from_logit.data == pytest.approx(from_probability.data, rel=1e-12)
            assert a.grad == pytest.approx(b.grad, rel=1e-12)


def test_bce_from_logit_chains_into_a_larger_graph():
    w, x = Value(-2.0), Value(3.0, requires_grad=False)
    loss = binary_cross_entropy_from_logit(w * x, 1)
    loss.backward()
    assert w.grad == pytest.approx((sigmoid(-6.0) - 1) * 3.0, rel=1e-12)


@pytest.mark.parametrize("z, error, match", [
    (0.7, TypeError, r"^z must be a Value .*got float.*binary_log_loss_from_logits"),
    (np.array([0.7]), TypeError, r"^z must be a Value .*got ndarray"),
])
def test_bce_from_logit_checks_z(z, error, match):
    with pytest.raises(error, match=match):
        binary_cross_entropy_from_logit(z, 1)


@pytest.mark.parametrize("y, error, match", [
    (0.5, ValueError, r"^y must be the label 0 or 1, got 0.5"),
    (-1, ValueError, r"^y must be the label 0 or 1, got -1"),
    ("1", TypeError, r"^y must be the label 0 or 1 \(a number\), got str"),
    (True, TypeError, r"^y must be the label 0 or 1 \(a number\), got bool"),
])
def test_bce_from_logit_checks_y(y, error, match):
    with pytest.raises(error, match=match):
        binary_cross_entropy_from_logit(Value(0.7), y)


@pytest.mark.parametrize("y", [1.0, np.int64(0), np.float64(1.0)])
def test_bce_from_logit_accepts_labels_of_any_number_type(y):
    loss = binary_cross_entropy_from_logit(Value(0.7), y)
    assert isinstance(loss, Value)
    assert loss.data == pytest.approx(binary_log_loss_from_logits(0.7, y))
