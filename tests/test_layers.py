"""Tests of nblib.layers, the batch layers of notebooks/06_mnist.ipynb.

Every backward pass against central differences (float64, small shapes), the
softmax cross-entropy at logits of +-1e4, the optimizer's updates, mini-batches,
float32 kept along the training path, seeded determinism, bad inputs, and a
short training run on 5,000 MNIST images that must beat 90 % on the test set.
The MNIST test reads the offline copy (``$MNIST_DIR``, else
``../shared/data/mnist``); without it it skips, except on CI (``CI=true``).
"""


import numpy as np
import pytest

from nblib.gradcheck import gradient_check, numerical_derivative, relative_error
from nblib.layers import (
    SGD,
    Dense,
    Layer,
    ReLU,
    Sequential,
    accuracy,
    iterate_minibatches,
    linear_decay,
    log_softmax,
    mlp,
    predict,
    softmax,
    softmax_cross_entropy_with_logits,
    train_epoch,
)
from tests.offline_data import offline_mnist

# Central differences in float64 on small shapes agree to ~1e-9; 1e-6 leaves room.
TOLERANCE = 1e-6


def random_batch(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# --- Dense ------------------------------------------------------------------------------------


def test_dense_shapes_init_and_forward():
    layer = Dense(784, 100, seed=0)
    assert layer.W.shape == (784, 100) and layer.b.shape == (100,)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    assert np.all(layer.b == 0)
    expected_std = np.sqrt(2 / (784 + 100))
    assert abs(layer.W.std() / expected_std - 1) < 0.02
    assert abs(layer.W.mean()) < 0.01 * expected_std * 10
    X = random_batch((7, 784), dtype=np.float32)
    Y = layer(X)
    assert Y.shape == (7, 100) and Y.dtype == np.float32
    np.testing.assert_allclose(Y, X @ layer.W + layer.b, rtol=1e-6)
    assert repr(layer) == "Dense(784, 100)"


def test_dense_seeded():
    assert np.array_equal(Dense(5, 3, seed=1).W, Dense(5, 3, seed=1).W)
    assert not np.array_equal(Dense(5, 3, seed=1).W, Dense(5, 3, seed=2).W)
    rng = np.random.default_rng(4)
    assert np.array_equal(Dense(5, 3, rng=rng).W, Dense(5, 3, rng=np.random.default_rng(4)).W)


def dense_loss(layer, X, dY):
    """A number whose gradient with respect to the layer's output Y is dY: sum(Y * dY)."""
    return float(np.sum(layer.forward(X) * dY))


def test_dense_backward_matches_central_differences():
    layer = Dense(5, 3, seed=0, dtype=np.float64)
    layer.b[:] = random_batch(3, seed=3)            # a non-zero bias: db is checked too
    X, dY = random_batch((4, 5), seed=1), random_batch((4, 3), seed=2)
    layer.forward(X)
    dX = layer.backward(dY)
    dW, db = layer.dW.copy(), layer.db.copy()
    np.testing.assert_allclose(dX, dY @ layer.W.T)
    np.testing.assert_allclose(dW, X.T @ dY)
    np.testing.assert_allclose(db, dY.sum(axis=0))

    assert gradient_check(lambda x: dense_loss(layer, x, dY), X, dX) < TOLERANCE
    W, b = layer.W, layer.b

    def loss_of_W(w):
        layer.W = w
        return dense_loss(layer, X, dY)

    def loss_of_b(bias):
        layer.b = bias
        return dense_loss(layer, X, dY)

    assert gradient_check(loss_of_W, W, dW) < TOLERANCE
    layer.W = W
    assert gradient_check(loss_of_b, b, db) < TOLERANCE


def test_relu_forward_and_backward():
    relu = ReLU()
    X = random_batch((6, 4), seed=5)
    X[np.abs(X) < 0.1] = 0.5          # keep away from the kink, where differences straddle it
    Y = relu(X)
    np.testing.assert_array_equal(Y, np.maximum(X, 0))
    dY = random_batch((6, 4), seed=6)
    dX = relu.backward(dY)
    np.testing.assert_array_equal(dX, np.where(X > 0, dY, 0))
    assert gradient_check(lambda x: float(np.sum(relu.forward(x) * dY)), X, dX) < TOLERANCE
    # at the kink the gradient is 0, as in PyTorch
    relu.forward(np.zeros((1, 2)))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 2))), [[0.0, 0.0]])


def test_whole_network_backward_matches_central_differences():
    """Softmax cross-entropy on top of Dense-ReLU-Dense-ReLU-Dense: every gradient."""
    model = mlp([6, 5, 4, 3], seed=0, dtype=np.float64)
    for layer in model.layers:
        if isinstance(layer, Dense):
            layer.b[:] = random_batch(layer.b.shape, seed=layer.b.size) * 0.1
    X = random_batch((8, 6), seed=7)
    y = np.array([0, 1, 2, 0, 1, 2, 2, 1])

    def loss_at(_=None):
        return softmax_cross_entropy_with_logits(model.forward(X), y)[0]

    _, dlogits = softmax_cross_entropy_with_logits(model.forward(X), y)
    assert model.backward(dlogits) is None         # the data's gradient: skipped by default
    dX = model.backward(dlogits, input_grad=True)
    analytic = [g.copy() for g in model.gradients()]
    assert len(analytic) == 6
    for param, grad in zip(model.parameters(), analytic):
        # numerical_derivative perturbs a copy; put each perturbed value into the parameter
        def loss_of(value, param=param):
            saved = param.copy()
            param[...] = value
            loss = loss_at()
            param[...] = saved
            return loss
        assert relative_error(grad, numerical_derivative(loss_of, param)) < TOLERANCE
    numeric_dX = numerical_derivative(
        lambda x: softmax_cross_entropy_with_logits(model.forward(x), y)[0], X)
    assert relative_error(dX, numeric_dX) < TOLERANCE


def test_sequential_runs_layers_in_order_and_reports_parameters():
    model = mlp([784, 100, 200, 10], seed=0)
    assert [type(layer).__name__ for layer in model.layers] == \
        ["Dense", "ReLU", "Dense", "ReLU", "Dense"]
    assert sum(p.size for p in model.parameters()) == 784 * 100 + 100 + 100 * 200 + 200 + 2010
    assert [g.shape for g in model.gradients()] == [p.shape for p in model.parameters()]
    assert "Dense(784, 100)" in repr(model) and "100,710 parameters" in repr(model)
    same = Sequential([*model.layers])
    assert same.layers == model.layers
    assert isinstance(model, Layer)


# --- softmax cross-entropy ----------------------------------------------------------------------


def reference_loss(logits, labels):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(labels)), labels]))


def test_softmax_cross_entropy_value_and_gradient():
    logits = random_batch((5, 4), seed=8) * 3
    labels = np.array([0, 3, 1, 1, 2])
    loss, dlogits = softmax_cross_entropy_with_logits(logits, labels)
    assert isinstance(loss, float)
    assert loss == pytest.approx(reference_loss(logits, labels), rel=1e-12)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dlogits, (p - np.eye(4)[labels]) / 5, atol=1e-15)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0, atol=1e-15)
    numeric = numerical_derivative(
        lambda z: softmax_cross_entropy_with_logits(z, labels)[0], logits)
    assert relative_error(dlogits, numeric) < TOLERANCE


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_is_stable_at_large_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0],
                       [1e4, -1e4, 0.0],
                       [-1e4, -1e4, -1e4],
                       [1e4, 1e4, -1e4]], dtype=dtype)
    labels = np.array([0, 1, 2, 0])
    # row losses: 0, 2e4, log 3, log 2 (no RuntimeWarning: pytest turns them into errors)
    expected = (0 + 2e4 + np.log(3) + np.log(2)) / 4
    loss, dlogits = softmax_cross_entropy_with_logits(logits, labels)
    assert np.isfinite(loss) and loss == pytest.approx(expected, rel=1e-6)
    assert dlogits.dtype == dtype and np.all(np.isfinite(dlogits))
    np.testing.assert_allclose(dlogits * 4, [[0, 0, 0], [1, -1, 0], [1 / 3, 1 / 3, -2 / 3],
                                             [-0.5, 0.5, 0]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax(dtype):
    logits = np.array([[1.0, 2.0, 3.0], [1000.0, 999.0, 0.0], [-1e4, 0.0, 1e4]], dtype=dtype)
    p = softmax(logits)
    assert p.dtype == dtype and np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    small = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(p[0], small, rtol=1e-6)
    np.testing.assert_allclose(p[1, :2], [1 / (1 + np.exp(-1)), 1 / (1 + np.e)], rtol=1e-6)
    np.testing.assert_allclose(p[2], [0, 0, 1], atol=1e-30)
    log_p = log_softmax(logits)
    np.testing.assert_allclose(log_p[2], [-2e4, -1e4, 0], rtol=1e-6)   # exact, never -inf
    with pytest.raises(ValueError, match="NaN"):
        softmax(np.array([[np.nan, 0.0]]))


def test_softmax_cross_entropy_keeps_float32():
    logits = random_batch((3, 10), dtype=np.float32)
    _, dlogits = softmax_cross_entropy_with_logits(logits, np.array([1, 2, 3], dtype=np.uint8))
    assert dlogits.dtype == np.float32


# --- the optimizer ------------------------------------------------------------------------------


class OneParameter(Layer):
    def __init__(self, value, grad):
        self.p, self.g = np.array(value, dtype=np.float32), np.array(grad, dtype=np.float32)

    def parameters(self):
        return [self.p]

    def gradients(self):
        return [self.g]


def test_sgd_plain_and_momentum_updates():
    model = OneParameter([1.0, 2.0], [0.5, -1.0])
    SGD(lr=0.1).step(model)
    np.testing.assert_allclose(model.p, [0.95, 2.1])

    model = OneParameter([1.0, 2.0], [0.5, -1.0])
    optimizer = SGD(lr=0.1, momentum=0.9)
    optimizer.step(model)                        # v = g
    np.testing.assert_allclose(model.p, [0.95, 2.1], rtol=1e-6)
    model.g[...] = [1.0, 1.0]
    optimizer.step(model)                        # v = 0.9 v + g
    np.testing.assert_allclose(model.p, [0.95 - 0.1 * 1.45, 2.1 - 0.1 * 0.1], rtol=1e-6)
    assert model.p.dtype == np.float32 and optimizer.velocities[0].dtype == np.float32


def test_sgd_schedule_and_float32():
    schedule = linear_decay(4)
    assert [schedule(t) for t in range(6)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    model = OneParameter([1.0], [1.0])
    optimizer = SGD(lr=np.float64(0.4), schedule=lambda t: np.float64(0.5) ** t)
    lrs = []
    for _ in range(3):
        lrs.append(optimizer.current_lr())
        optimizer.step(model)
    assert lrs == pytest.approx([0.4, 0.2, 0.1])
    assert model.p[0] == pytest.approx(1 - 0.7)
    assert model.p.dtype == np.float32 and optimizer.steps == 3


def test_sgd_keeps_velocities_out_of_the_subnormal_range():
    """A weight whose gradient stays 0 (a dead ReLU unit): its velocity decays by 0.9 per step
    and would turn subnormal (slow arithmetic on many CPUs) after ~800 steps; SGD sets it to 0
    once it is below 1e-30, and leaves velocities that matter alone."""
    from nblib.layers import FLUSH_BELOW, FLUSH_EVERY

    tiny = np.finfo(np.float32).tiny
    model = OneParameter([1.0, 1.0], [1e-3, 1e-3])
    optimizer = SGD(lr=0.1, momentum=0.9)
    optimizer.step(model)
    model.g[...] = [0.0, 1e-3]                   # the first weight's unit is dead from now on
    smallest = []
    for _ in range(2000):
        optimizer.step(model)
        v = optimizer.velocities[0]
        assert not np.any((v != 0) & (np.abs(v) < tiny)), optimizer.steps
        smallest.append(abs(v[0]))
    assert optimizer.velocities[0][0] == 0 and optimizer.velocities[0][1] == pytest.approx(1e-2)
    zeroed_at = smallest.index(0.0) + 2                               # steps taken by then
    assert zeroed_at % FLUSH_EVERY == 1 and 0 < 0.9 * smallest[zeroed_at - 3] < FLUSH_BELOW


def test_sgd_refuses_another_model():
    optimizer = SGD(0.1, momentum=0.9)
    optimizer.step(mlp([3, 2], seed=0))
    with pytest.raises(ValueError, match="one SGD per model"):
        optimizer.step(mlp([4, 2], seed=0))


# --- mini-batches, prediction, accuracy ------------------------------------------------------


def test_iterate_minibatches_covers_every_sample_once():
    X = np.arange(20 * 3).reshape(20, 3)
    y = np.arange(20)
    rng = np.random.default_rng(0)
    batches = list(iterate_minibatches(X, y, 8, rng=rng))
    assert [len(yb) for _, yb in batches] == [8, 8, 4]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(20)) and not np.array_equal(seen, np.arange(20))
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb, X[yb])
    # the same generator gives a new order next epoch; the same seed the same orders
    second = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 8, rng=rng)])
    assert not np.array_equal(second, seen)
    again = np.concatenate([yb for _, yb in iterate_minibatches(
        X, y, 8, rng=np.random.default_rng(0))])
    np.testing.assert_array_equal(again, seen)
    in_order = np.concatenate([yb for _, yb in iterate_minibatches(X, y, 8, shuffle=False)])
    np.testing.assert_array_equal(in_order, y)


def test_predict_in_batches_and_accuracy():
    model = mlp([784, 20, 10], seed=0)
    images = np.random.default_rng(1).integers(0, 256, (25, 28, 28), dtype=np.uint8)
    X = images.reshape(25, -1).astype(np.float32) / 255
    expected = model.forward(X).argmax(axis=1)
    np.testing.assert_array_equal(predict(model, images, batch_size=7), expected)
    np.testing.assert_array_equal(predict(model, X), expected)
    assert accuracy(expected, expected) == 1.0
    assert accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 0])) == 0.5


def test_training_path_stays_float32():
    model = mlp([784, 16, 10], seed=0)
    images = np.random.default_rng(2).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    labels = np.random.default_rng(3).integers(0, 10, 64).astype(np.uint8)
    optimizer = SGD(0.1, momentum=0.9, schedule=linear_decay(4))
    train_epoch(model, optimizer, images, labels, 16, rng=np.random.default_rng(0))
    for array in model.parameters() + model.gradients() + optimizer.velocities:
        assert array.dtype == np.float32
    assert model.layers[0].X.dtype == np.float32


# --- bad input ----------------------------------------------------------------------------------


def test_bad_layer_input():
    layer = Dense(4, 2)
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        layer(np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match="flatten"):
        layer(np.zeros((3, 2, 2), np.float32))
    with pytest.raises(TypeError, match="to_float32"):
        layer(np.zeros((3, 4), np.uint8))
    with pytest.raises(TypeError, match="float64 but this layer's weights are float32"):
        layer(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="numpy array"):
        layer([[0.0] * 4])
    with pytest.raises(RuntimeError, match="call forward first"):
        Dense(4, 2).backward(np.zeros((3, 2), np.float32))
    with pytest.raises(RuntimeError, match="call forward first"):
        ReLU().backward(np.zeros((3, 2), np.float32))
    layer(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        layer.backward(np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("call, error, message", [
    (lambda: Dense(0, 3), ValueError, "n_in must be a positive whole number"),
    (lambda: Dense(3, 2.5), ValueError, "n_out"),
    (lambda: Dense(3, 2, dtype=np.int32), TypeError, "dtype must be np.float32"),
    (lambda: Dense(3, 2, seed=-1), ValueError, "seed"),
    (lambda: Dense(3, 2, rng=0), TypeError, "Generator"),
    (lambda: Sequential(), ValueError, "at least one layer"),
    (lambda: Sequential(Dense(3, 2), np.maximum), TypeError, "layer 1 must be a Layer"),
    (lambda: mlp(784), TypeError, "sizes must be a list or tuple of layer sizes"),
    (lambda: mlp({2, 3}), TypeError, r"sizes must be a list or tuple .*\(a set has no order\)"),
    (lambda: mlp({2: 3}), TypeError, "sizes must be a list or tuple of layer sizes"),
    (lambda: mlp([2, 0, 3]), ValueError, r"sizes\[1\] must be a positive whole number"),
    (lambda: mlp([2, 10**400]), ValueError, r"sizes\[1\] must be at most 2\*\*63 - 1"),
    (lambda: mlp([2, 3], dtype="abc"), TypeError, "dtype must be np.float32 .* got str 'abc'"),
    (lambda: Dense(2, 2, dtype="abc"), TypeError, "dtype must be np.float32 .* got str 'abc'"),
    (lambda: Dense(2, 2, dtype=None), TypeError, "dtype must be np.float32 .* got None"),
    (lambda: Dense(10**5, 10**5), ValueError, r"Dense\(n_in=100,000, n_out=100,000\) would hold"),
    (lambda: SGD(lr=10**400), TypeError, "lr must be a finite number"),
    (lambda: linear_decay(10**400), ValueError, "total_steps must be at most"),
    (lambda: mlp([784]), ValueError, "sizes"),
    (lambda: SGD(lr=0), ValueError, "lr must lie in"),
    (lambda: SGD(lr="0.1"), TypeError, "lr must be a finite number"),
    (lambda: SGD(0.1, momentum=1.0), ValueError, "momentum must lie in"),
    (lambda: SGD(0.1, schedule=0.5), TypeError, "schedule"),
    (lambda: linear_decay(0), ValueError, "total_steps"),
])
def test_bad_construction(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("logits, labels, error, message", [
    (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"labels must lie in 0\.\.2"),
    (np.zeros((2, 3)), np.array([-1, 0]), ValueError, "labels must lie in"),
    (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError, "integer class indices"),
    (np.zeros((2, 3)), [0, 1], TypeError, "integer class indices"),
    (np.zeros((2, 3)), np.array([0, 1, 2]), ValueError, r"shape \(2,\)"),
    (np.zeros(3), np.array([0]), ValueError, r"shape \(batch, classes\)"),
    (np.zeros((2, 3), np.int64), np.array([0, 1]), ValueError, "float array"),
    (np.array([[0.0, np.nan, 1.0]]), np.array([0]), ValueError, "NaN"),
    (np.array([[0.0, np.inf, 1.0]]), np.array([0]), ValueError, "diverged"),
    (np.zeros((0, 3)), np.zeros(0, int), ValueError, "empty"),
])
def test_bad_loss_input(logits, labels, error, message):
    with pytest.raises(error, match=message):
        softmax_cross_entropy_with_logits(logits, labels)


def test_bad_data_input():
    X, y = np.zeros((10, 4), np.float32), np.zeros(10, int)
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        iterate_minibatches(X, y[:9])
    with pytest.raises(ValueError, match="batch_size"):
        iterate_minibatches(X, y, 0)
    with pytest.raises(TypeError, match="Generator"):
        iterate_minibatches(X, y, 4, rng=0)
    with pytest.raises(ValueError, match="one sample per row"):
        iterate_minibatches(np.zeros(10), y)
    model = mlp([4, 3], seed=0)
    with pytest.raises(ValueError, match="NaN"):
        predict(model, np.full((2, 4), np.nan, np.float32))
    with pytest.raises(TypeError, match="Layer"):
        predict(lambda X: X, X)
    with pytest.raises(ValueError, match="argmax"):
        accuracy(np.zeros((3, 10)), np.zeros(3))
    with pytest.raises(ValueError, match="same shape"):
        accuracy(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        train_epoch(model, SGD(0.1), np.full((4, 4), np.nan, np.float32), np.zeros(4, int), 2)


# --- MNIST --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist():
    return offline_mnist()


def train_small(data, seed):
    """Three epochs on the first 5,000 training images: well under a second, 93 % on test."""
    model = mlp([784, 100, 200, 10], seed=seed)
    optimizer = SGD(lr=0.05, momentum=0.9, schedule=linear_decay(3 * 157))  # 157 batches/epoch
    rng = np.random.default_rng(seed)
    losses = [train_epoch(model, optimizer, data.X_train[:5000], data.y_train[:5000], 32,
                          rng=rng) for _ in range(3)]
    return model, losses


def test_short_mnist_training_beats_90_percent(mnist):
    model, losses = train_small(mnist, seed=0)
    assert losses[0] > losses[1] > losses[2]
    assert accuracy(predict(model, mnist.X_test), mnist.y_test) > 0.90


def test_training_is_deterministic_for_a_seed(mnist):
    first, first_losses = train_small(mnist, seed=1)
    second, second_losses = train_small(mnist, seed=1)
    other, _ = train_small(mnist, seed=2)
    assert first_losses == second_losses
    for a, b, c in zip(first.parameters(), second.parameters(), other.parameters()):
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)
