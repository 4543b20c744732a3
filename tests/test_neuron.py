"""nblib.neuron: the forward pass and gradient-descent training."""

import time
import warnings

import numpy as np
import pytest

from nblib.datasets import bakery_buns, toy_table
from nblib.gradcheck import numerical_derivative
from nblib.losses import binary_log_loss, mse
from nblib.neuron import LOSSES, TrainingResult, neuron_forward, train_neuron

X_TOY, Y_TOY = toy_table()
W_TOY = np.array([0.5, -1.0, 2.0])
B_TOY = 0.25


def _standardised_buns():
    X, y = bakery_buns()
    return (X - X.mean(axis=0)) / X.std(axis=0), y


# --- neuron_forward ------------------------------------------------------------------------------


def test_forward_values_by_hand():
    # z = X @ w + b row by row: [-1+0.25, 0.5+0.25, 1.5+0.25, 1+0.25]
    z = np.array([-0.75, 0.75, 1.75, 1.25])
    expected = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(neuron_forward(X_TOY, W_TOY, B_TOY), expected, rtol=1e-15)


def test_forward_shape_and_range():
    X, _ = bakery_buns()
    y_hat = neuron_forward(X, [-1.0, -1.0], 9.0)
    assert isinstance(y_hat, np.ndarray) and y_hat.shape == (200,)
    assert np.all((y_hat > 0) & (y_hat < 1))
    assert neuron_forward(X[:1], [-1.0, -1.0], 9.0).shape == (1,)


def test_forward_zero_weights_give_one_half():
    np.testing.assert_array_equal(neuron_forward(X_TOY, np.zeros(3), 0.0), 0.5)


def test_forward_accepts_lists_ints_and_numpy_scalars():
    expected = neuron_forward(X_TOY, W_TOY, B_TOY)
    np.testing.assert_allclose(neuron_forward(X_TOY.astype(int).tolist(), list(W_TOY),
                                              np.float64(B_TOY)), expected)


def test_forward_extreme_logits_no_warning():
    y_hat = neuron_forward(np.array([[1.0], [-1.0]]), [1e4], 0.0)
    np.testing.assert_array_equal(y_hat, [1.0, 0.0])


def test_forward_does_not_modify_inputs():
    X, w = X_TOY.copy(), W_TOY.copy()
    neuron_forward(X, w, B_TOY)
    np.testing.assert_array_equal(X, X_TOY)
    np.testing.assert_array_equal(w, W_TOY)


@pytest.mark.parametrize("X, w, b, error, match", [
    (np.ones(3), W_TOY, 0.0, ValueError, r"X must have 2 dimension"),
    (np.ones((4, 3, 1)), W_TOY, 0.0, ValueError, r"X must have 2 dimension"),
    (X_TOY, np.ones((3, 1)), 0.0, ValueError, r"w must have 1 dimension"),
    (X_TOY, np.ones(2), 0.0, ValueError, r"w must have one weight per feature.*\(3,\).*\(2,\)"),
    (X_TOY, W_TOY, np.array([1.0, 2.0]), ValueError, r"b must be a single number"),
    (X_TOY, W_TOY, None, TypeError, r"b must be a real number"),
    (X_TOY, W_TOY, "0", TypeError, r"b must be a real number"),
    (X_TOY, W_TOY, np.nan, ValueError, r"b must be finite"),
    ([["a", "b", "c"]], W_TOY, 0.0, TypeError, r"X must"),
    (None, W_TOY, 0.0, TypeError, r"X must"),
    (X_TOY, None, 0.0, TypeError, r"w must"),
    (np.where(X_TOY == 1, np.nan, 0), W_TOY, 0.0, ValueError, r"X contains \d+ NaN"),
    (X_TOY, [np.inf, 0, 0], 0.0, ValueError, r"w contains 1 NaN"),
    (np.empty((0, 3)), W_TOY, 0.0, ValueError, r"X is empty"),
])
def test_forward_bad_input(X, w, b, error, match):
    with pytest.raises(error, match=match):
        neuron_forward(X, w, b)


# --- train_neuron ------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
def test_training_decreases_the_loss(loss):
    X, y = _standardised_buns()
    result = train_neuron(X, y, loss=loss, lr=0.5, num_epochs=300)
    assert isinstance(result, TrainingResult)
    assert result.losses.shape == (300,)
    assert result.losses[-1] < 0.6 * result.losses[0]
    # full-batch gradient descent with a small step never goes uphill
    assert np.all(np.diff(result.losses) <= 1e-12)
    # and the trained neuron is better than guessing "accept" for every bun (72.5%)
    y_hat = neuron_forward(X, result.w, result.b)
    assert np.mean((y_hat >= 0.5) == (y == 1)) > 0.8


@pytest.mark.parametrize("loss", LOSSES)
def test_recorded_losses_are_the_loss_before_each_update(loss):
    X, y = _standardised_buns()
    w0, b0 = np.array([0.3, -0.2]), 0.1
    result = train_neuron(X, y, loss=loss, lr=0.1, num_epochs=2, w=w0, b=b0)
    loss_function = mse if loss == "mse" else binary_log_loss
    assert result.losses[0] == pytest.approx(loss_function(neuron_forward(X, w0, b0), y),
                                             rel=1e-14)
    after_one = train_neuron(X, y, loss=loss, lr=0.1, num_epochs=1, w=w0, b=b0)
    assert result.losses[1] == pytest.approx(
        loss_function(neuron_forward(X, after_one.w, after_one.b), y), rel=1e-14)


def test_log_loss_at_zero_weights_is_ln2():
    result = train_neuron(X_TOY, Y_TOY, loss="log_loss", num_epochs=1)
    assert result.losses[0] == pytest.approx(np.log(2), rel=1e-12)
    result = train_neuron(X_TOY, Y_TOY, loss="mse", num_epochs=1)
    assert result.losses[0] == pytest.approx(0.25, rel=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_first_step_follows_the_numerical_gradient_of_the_mean_loss(loss):
    X, y = bakery_buns(n=40, seed=3)
    w0, b0, lr = np.array([0.4, -0.7]), 0.9, 1e-3
    loss_function = mse if loss == "mse" else binary_log_loss

    def mean_loss(params):
        return loss_function(neuron_forward(X, params[:2], params[2]), y)

    numeric = numerical_derivative(mean_loss, np.array([*w0, b0]), h=1e-6)
    result = train_neuron(X, y, loss=loss, lr=lr, num_epochs=1, w=w0, b=b0)
    analytic = np.array([*(w0 - result.w), b0 - result.b]) / lr
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_log_loss_learns_the_toy_table():
    result = train_neuron(X_TOY, Y_TOY, loss="log_loss", lr=1.0, num_epochs=500)
    y_hat = neuron_forward(X_TOY, result.w, result.b)
    np.testing.assert_array_equal(y_hat >= 0.5, Y_TOY == 1)
    assert result.w[0] == max(result.w)   # the first input carries the label
    assert result.losses[-1] < 0.05


def test_returns_floats_and_arrays_of_the_right_shape():
    w, b, losses = train_neuron(X_TOY, Y_TOY, num_epochs=3)
    assert w.shape == (3,) and w.dtype == np.float64
    assert type(b) is float
    assert losses.shape == (3,)


def test_input_w_and_data_are_not_modified():
    w0 = np.array([0.1, 0.2, 0.3])
    X, y = X_TOY.copy(), Y_TOY.copy()
    result = train_neuron(X, y, w=w0, num_epochs=5, lr=1.0)
    np.testing.assert_array_equal(w0, [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(X, X_TOY)
    np.testing.assert_array_equal(y, Y_TOY)
    assert result.w is not w0 and not np.array_equal(result.w, w0)


def test_w_may_be_a_list():
    result = train_neuron(X_TOY, Y_TOY, w=[0.0, 0.0, 0.0], num_epochs=2)
    np.testing.assert_array_equal(result.w, train_neuron(X_TOY, Y_TOY, num_epochs=2).w)


def test_training_is_deterministic():
    X, y = _standardised_buns()
    first = train_neuron(X, y, loss="log_loss", num_epochs=20)
    second = train_neuron(X, y, loss="log_loss", num_epochs=20)
    np.testing.assert_array_equal(first.w, second.w)
    np.testing.assert_array_equal(first.losses, second.losses)


def test_training_is_vectorised():
    # 20 epochs over 200 000 samples: milliseconds as matrix products, many
    # seconds as a Python loop over samples.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 2))
    y = (X[:, 0] > 0).astype(int)
    start = time.perf_counter()
    train_neuron(X, y, loss="log_loss", num_epochs=20)
    assert time.perf_counter() - start < 2.0


def test_progress_bar(capsys):
    train_neuron(X_TOY, Y_TOY, num_epochs=3, progress=True)
    assert "training (mse)" in capsys.readouterr().err
    train_neuron(X_TOY, Y_TOY, num_epochs=3)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("loss", ["MSE", "logloss", "cross_entropy", "", None, 1])
def test_bad_loss_name(loss):
    with pytest.raises(ValueError, match=r"loss must be one of \('mse', 'log_loss'\)"):
        train_neuron(X_TOY, Y_TOY, loss=loss)


@pytest.mark.parametrize("lr, error, match", [
    (0, ValueError, "lr must be positive"),
    (-0.1, ValueError, "lr must be positive"),
    (np.nan, ValueError, "lr must be finite"),
    (np.inf, ValueError, "lr must be finite"),
    ("0.1", TypeError, "lr must be a real number"),
    (None, TypeError, "lr must be a real number"),
    ([0.1], TypeError, "lr must be a real number"),
])
def test_bad_lr(lr, error, match):
    with pytest.raises(error, match=match):
        train_neuron(X_TOY, Y_TOY, lr=lr)


@pytest.mark.parametrize("num_epochs", [0, -5, 10.0, "10", None, True])
def test_bad_num_epochs(num_epochs):
    with pytest.raises(ValueError, match="num_epochs must be a positive integer"):
        train_neuron(X_TOY, Y_TOY, num_epochs=num_epochs)


def test_num_epochs_numpy_integer():
    assert train_neuron(X_TOY, Y_TOY, num_epochs=np.int64(4)).losses.shape == (4,)


@pytest.mark.parametrize("y, error, match", [
    (np.array([0, 1, 1]), ValueError, "X has 4 samples but y has 3"),
    (Y_TOY.reshape(-1, 1), ValueError, "y must have 1 dimension"),
    (np.array([0, 1, 2, 0]), ValueError, r"y must hold class labels 0 or 1, found \[2.0\]"),
    (np.array([0, 1, np.nan, 0]), ValueError, "y contains 1 NaN"),
    (["0", "1", "1", "0"], TypeError, "y must"),
    (None, TypeError, "y must"),
])
def test_bad_labels(y, error, match):
    with pytest.raises(error, match=match):
        train_neuron(X_TOY, y)


def test_bad_starting_point():
    with pytest.raises(ValueError, match="w must have one weight per feature"):
        train_neuron(X_TOY, Y_TOY, w=np.zeros(2))
    with pytest.raises(TypeError, match="b must be a real number"):
        train_neuron(X_TOY, Y_TOY, b=None)
    with pytest.raises(ValueError, match="X must have 2 dimension"):
        train_neuron(X_TOY[:, 0], Y_TOY)


def test_divergence_says_to_lower_the_learning_rate():
    X = np.array([[1e300, 1.0], [-1e300, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow is the point of this test
        with pytest.raises(FloatingPointError, match="smaller learning rate"):
            train_neuron(X, [1, 0], loss="log_loss", lr=1e10, num_epochs=5)
