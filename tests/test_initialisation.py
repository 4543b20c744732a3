"""nblib.initialisation: the four starts, initialise(), the deep-stack claims, the table.

The claims of the module docstring ("why He suits ReLU") are checked numerically: He
keeps the activations' scale within a factor 2 over 10 layers, Glorot shrinks it by about
1/sqrt(2) per layer, x0.01 makes it vanish and x10 makes it explode.  The one-epoch runs
are measured on MNIST (offline data), with margins around the numbers measured when the
module was written (He 86.5 %, Glorot 15.2 %, x0.01 10.6 % on the deep network; 90.3 %,
90.6 %, 84.2 % on the notebook's).
"""

import math

import matplotlib
import numpy as np
import pytest

from nblib.initialisation import (
    DEPTH,
    STARTS,
    deep_activation_stds,
    glorot_normal,
    he_normal,
    initialise,
    one_epoch_from_each_start,
    plot_initialisations,
    scaled_normal,
    start_function,
    start_table,
    train_one_epoch_from,
    weight_std,
)
from nblib.layers import mlp
from tests.offline_data import offline_mnist

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def mnist():
    return offline_mnist()


def test_each_start_draws_its_standard_deviation():
    rng = np.random.default_rng(0)
    shape = (784, 256)
    assert np.std(scaled_normal(shape, rng, 0.01)) == pytest.approx(0.01, rel=0.01)
    assert np.std(glorot_normal(shape, rng)) == pytest.approx(math.sqrt(2 / 1040), rel=0.01)
    assert np.std(he_normal(shape, rng)) == pytest.approx(math.sqrt(2 / 784), rel=0.01)
    assert np.std(STARTS["x10"](shape, rng)) == pytest.approx(10, rel=0.01)
    for name in STARTS:
        assert np.std(STARTS[name](shape, rng)) == pytest.approx(weight_std(name, *shape),
                                                                 rel=0.01)


def test_initialise_redraws_every_dense_layer_in_place_from_the_seed():
    model = mlp([784, 256, 128, 10], seed=0)
    arrays = [p for p in model.parameters()]
    for p in arrays[1::2]:
        p += 1.0                                    # biases away from 0
    initialise(model, "he", seed=3)
    assert all(a is b for a, b in zip(arrays, model.parameters()))   # the same arrays
    for layer in model.layers[::2]:
        n_in = layer.W.shape[0]
        assert layer.W.dtype == np.float32
        assert np.std(layer.W) == pytest.approx(math.sqrt(2 / n_in), rel=0.05)
        assert not layer.b.any()
    again = initialise(mlp([784, 256, 128, 10], seed=5), "He", seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    other = initialise(mlp([784, 256, 128, 10], seed=0), "he", seed=4)
    assert not np.array_equal(model.layers[0].W, other.layers[0].W)
    assert start_function("xavier") is glorot_normal
    with pytest.raises(ValueError, match="start must be one of"):
        initialise(model, "lecun")
    with pytest.raises(TypeError, match="Sequential"):
        initialise([1, 2], "he")


@pytest.fixture(scope="module")
def stds():
    return deep_activation_stds()


def test_he_keeps_the_scale_steady_over_ten_layers(stds):
    he = stds["he"]
    assert len(he) == DEPTH
    assert he.max() / he.min() < 2                        # measured: 1.16
    assert 0.5 < he[-1] < 1.5                             # sqrt(1 - 1/pi) = 0.83 in theory


def test_glorot_shrinks_about_one_over_root_two_per_layer(stds):
    glorot = stds["glorot"]
    ratios = glorot[1:] / glorot[:-1]
    geometric_mean = np.exp(np.mean(np.log(ratios)))
    assert geometric_mean == pytest.approx(1 / math.sqrt(2), rel=0.1)  # measured: 0.70
    assert glorot[-1] < glorot[0] / 10


def test_small_weights_vanish_and_large_ones_explode(stds):
    assert stds["x0.01"][-1] < 1e-8                        # measured: 1e-11
    assert stds["x10"][-1] > 1e15                          # measured: 1e19
    assert np.all(np.diff(np.log(stds["x0.01"])) < -2)     # shrinks 12 times a layer
    assert np.all(np.diff(np.log(stds["x10"])) > 3)        # grows 80 times a layer


@pytest.fixture(scope="module")
def runs(mnist):
    return one_epoch_from_each_start(mnist)


def test_one_epoch_from_each_start(runs):
    shallow, deep = runs["784-256-128-10"], runs["10 layers of 128"]
    for network in (shallow, deep):
        assert network["x10"].diverged and network["x10"].val_accuracy is None
        assert network["x10"].losses[0] > 1e4               # measured: 1e6 and more
    # the notebook's network learns from the three others; x0.01 lags behind
    for start in ("glorot", "he"):
        assert shallow[start].val_accuracy > 0.85           # measured: 90.6 %, 90.3 %
    assert 0.7 < shallow["x0.01"].val_accuracy < shallow["he"].val_accuracy   # 84.2 %
    # ten layers deep only He learns in one epoch
    assert deep["he"].val_accuracy > 0.7                    # measured: 86.5 %
    assert deep["glorot"].val_accuracy < 0.5                # measured: 15.2 %
    assert deep["x0.01"].val_accuracy < 0.2                 # measured: 10.6 %
    assert np.all(np.abs(deep["x0.01"].losses - math.log(10)) < 0.05)   # stuck at ln 10
    table = start_table(runs)
    assert "diverged" in table and "86.5%" not in table.splitlines()[0]
    assert len(table.splitlines()) == 7
    assert max(map(len, table.splitlines())) <= 88        # fits the notebook's width


def test_the_figure_draws_both_panels(stds, runs):
    import matplotlib.pyplot as plt

    ax_std, ax_loss = plot_initialisations(stds, runs)
    assert len(ax_std.get_lines()) == 4 and ax_std.get_yscale() == "log"
    labels = [t.get_text() for t in ax_loss.get_legend().get_texts()]
    assert any("diverged" in label for label in labels)
    plt.close("all")


def test_a_run_is_deterministic(mnist):
    first = train_one_epoch_from("he", mnist, n_train=1000)
    second = train_one_epoch_from("he", mnist, n_train=1000)
    assert np.array_equal(first.losses, second.losses)
    assert first.val_accuracy == second.val_accuracy
