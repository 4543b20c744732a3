"""nblib.diagnostics: what look_inside, dead_relu_fractions and UpdateRatios report is right."""

import numpy as np
import pytest

from nblib.diagnostics import (
    GOOD_UPDATE_RATIO,
    HiddenLayer,
    UpdateRatios,
    dead_relu_fractions,
    look_inside,
    plot_layer_histograms,
    plot_update_ratios,
)
from nblib.layers import (
    SGD,
    Dense,
    ReLU,
    Sequential,
    mlp,
    softmax_cross_entropy_with_logits,
    train_epoch,
)


def small_data(n=40, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, features)), rng.integers(0, classes, n)


def small_model():
    return mlp([6, 8, 5, 3], seed=1, dtype=np.float64)


def test_look_inside_keeps_each_hidden_layers_outputs_and_their_gradients():
    X, y = small_data()
    model = small_model()
    weights = [p.copy() for p in model.parameters()]
    hidden = look_inside(model, X, y)
    assert [h.name for h in hidden] == ["hidden 1", "hidden 2"]
    assert [h.activations.shape for h in hidden] == [(40, 8), (40, 5)]
    # The activations are the ReLUs' outputs ...
    first = np.maximum(X @ model.layers[0].W + model.layers[0].b, 0)
    second = np.maximum(first @ model.layers[2].W + model.layers[2].b, 0)
    np.testing.assert_allclose(hidden[0].activations, first)
    np.testing.assert_allclose(hidden[1].activations, second)
    # ... and the gradient reaching the last one is dlogits @ W.T of the layer above it.
    logits = second @ model.layers[4].W + model.layers[4].b
    _, dlogits = softmax_cross_entropy_with_logits(logits, y)
    np.testing.assert_allclose(hidden[1].gradients, dlogits @ model.layers[4].W.T)
    # No optimizer step: the weights are unchanged.
    for before, after in zip(weights, model.parameters()):
        np.testing.assert_array_equal(before, after)


def test_look_inside_gradients_agree_with_finite_differences():
    X, y = small_data(n=5)
    model = small_model()
    hidden = look_inside(model, X, y)

    def loss_from_first_hidden(A):
        for layer in model.layers[2:]:
            A = layer.forward(A)
        return softmax_cross_entropy_with_logits(A, y)[0]

    A = hidden[0].activations.copy()
    h = 1e-6
    for index in [(0, 0), (2, 3), (4, 7)]:
        A[index] += h
        up = loss_from_first_hidden(A)
        A[index] -= 2 * h
        down = loss_from_first_hidden(A)
        A[index] += h
        assert hidden[0].gradients[index] == pytest.approx((up - down) / (2 * h), abs=1e-8)


class NotebookDense:
    """A layer as a student writes it in 06: backward(dY) only, no input_grad."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, X):
        self.X = X
        return X @ self.W + self.b

    def backward(self, dY):
        self.dW, self.db = self.X.T @ dY, dY.sum(axis=0)
        return dY @ self.W.T

    def parameters(self):
        return [self.W, self.b]


class NotebookReLU:
    def forward(self, X):
        self.mask = X > 0
        return X * self.mask

    def backward(self, dY):
        return dY * self.mask

    def parameters(self):
        return []


def test_look_inside_works_on_layers_written_in_the_notebook():
    X, y = small_data()
    model = small_model()

    class Model:
        layers = [NotebookDense(model.layers[0].W, model.layers[0].b), NotebookReLU(),
                  NotebookDense(model.layers[2].W, model.layers[2].b), NotebookReLU(),
                  NotebookDense(model.layers[4].W, model.layers[4].b)]

    theirs, ours = look_inside(Model(), X, y), look_inside(model, X, y)
    for mine, reference in zip(theirs, ours):
        np.testing.assert_allclose(mine.activations, reference.activations)
        np.testing.assert_allclose(mine.gradients, reference.gradients)
    assert dead_relu_fractions(Model(), X) == dead_relu_fractions(model, X)


def test_summary_names_the_layer_and_its_statistics():
    layer = HiddenLayer("hidden 1", np.array([[0.0, 1.0], [0.0, 3.0]]), np.full((2, 2), 1e-3))
    assert layer.summary() == ("hidden 1: activations mean 1.00, std 1.22, 50% zero; "
                               "gradients std 0.0e+00")


def test_a_unit_that_never_fires_is_counted_dead():
    X, _ = small_data()
    model = small_model()
    model.layers[0].b[[1, 4]] = -1e6          # two of hidden 1's eight units never fire
    model.layers[2].b[:] = -1e6               # none of hidden 2's do
    assert dead_relu_fractions(model, X, batch_size=7) == {"hidden 1": 0.25, "hidden 2": 1.0}


def test_dead_fraction_counts_a_unit_alive_if_any_batch_fires_it():
    X, _ = small_data()
    model = Sequential(Dense(6, 2, dtype=np.float64), ReLU(), Dense(2, 3, dtype=np.float64))
    model.layers[0].W[:] = 0
    model.layers[0].W[0, 0] = 1.0             # unit 0 fires where the first feature > 0
    model.layers[0].b[:] = [0.0, -1.0]        # unit 1 never fires
    only_last_positive = X.copy()
    only_last_positive[:, 0] = -1.0
    only_last_positive[-1, 0] = 2.0           # in the last batch only
    assert dead_relu_fractions(model, only_last_positive, batch_size=8) == {"hidden 1": 0.5}


def test_update_ratios_measure_the_step_against_the_weights():
    X, y = small_data()
    model = small_model()
    optimizer = SGD(lr=0.05)
    ratios = UpdateRatios(optimizer)
    logits = model.forward(X)
    _, dlogits = softmax_cross_entropy_with_logits(logits, y)
    model.backward(dlogits)
    expected = [0.05 * np.std(layer.dW) / np.std(layer.W)
                for layer in model.layers if hasattr(layer, "W")]
    ratios.step(model)
    assert ratios.names == ["Dense 1 (6→8)", "Dense 2 (8→5)", "Dense 3 (5→3)"]
    assert ratios.steps == [0]
    np.testing.assert_allclose(ratios.ratios[0], expected, rtol=1e-6)
    assert optimizer.steps == 1               # the optimizer's step was taken


def test_update_ratios_record_every_nth_step_and_report_medians():
    X, y = small_data()
    model = small_model()
    ratios = UpdateRatios(SGD(lr=0.01, momentum=0.9), every=3)
    for _ in range(7):
        _, dlogits = softmax_cross_entropy_with_logits(model.forward(X), y)
        model.backward(dlogits)
        ratios.step(model)
    assert ratios.steps == [0, 3, 6]
    assert ratios.ratios.shape == (3, 3)
    typical = ratios.typical()
    assert list(typical) == ratios.names
    assert typical["Dense 1 (6→8)"] == pytest.approx(np.median(ratios.ratios[:, 0]))
    assert ratios.typical(last=1)["Dense 3 (5→3)"] == ratios.ratios[-1, 2]


def test_weights_that_are_all_zero_give_nan_when_they_stay_and_inf_when_they_move():
    X, y = small_data()
    model = small_model()
    for layer in model.layers:
        if hasattr(layer, "W"):
            layer.W[:] = 0
    ratios = UpdateRatios(SGD(lr=0.1))
    _, dlogits = softmax_cross_entropy_with_logits(model.forward(X), y)
    model.backward(dlogits)
    ratios.step(model)
    # All hidden activations are 0: no weight gets a gradient; the biases of the last
    # layer do, but they are not watched.
    assert np.all(np.isnan(ratios.ratios[0]))
    model.layers[4].W[:] = 0
    model.layers[2].b[:] = 1.0                 # hidden 2 now fires: the last W moves
    _, dlogits = softmax_cross_entropy_with_logits(model.forward(X), y)
    model.backward(dlogits)
    ratios.step(model)
    assert ratios.ratios[1, 2] == np.inf


def test_it_works_as_the_optimizer_of_train_epoch_and_refuses_another_model():
    X, y = small_data(n=64)
    model = small_model()
    ratios = UpdateRatios(SGD(lr=0.1, momentum=0.9), every=2)
    train_epoch(model, ratios, X, y, batch_size=8, rng=np.random.default_rng(0))
    assert ratios.steps == [0, 2, 4, 6] and ratios.optimizer.steps == 8
    assert np.all((ratios.ratios > 1e-4) & (ratios.ratios < 1))
    with pytest.raises(ValueError, match="model is not the one this UpdateRatios has watched"):
        ratios.step(mlp([6, 4, 3], dtype=np.float64))


def test_histograms_draw_one_line_per_layer_with_its_statistics():
    X, y = small_data()
    hidden = look_inside(small_model(), X, y)
    ax = plot_layer_histograms(hidden, "activations", title="at the start")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(ax.lines) == 2 and labels[0].startswith("hidden 1: std ")
    assert labels[0].endswith("at 0") and ax.get_title() == "at the start"
    ax = plot_layer_histograms(hidden, "gradients")
    assert ax.get_xlabel() == "gradient" and len(ax.lines) == 2


def test_a_few_huge_values_do_not_squeeze_the_histograms():
    rng = np.random.default_rng(0)
    gradients = rng.normal(size=(100, 50)) * 1e-3
    gradients[0, 0] = 10.0                      # one outlier, 10,000 times the spread
    hidden = [HiddenLayer("hidden 1", np.abs(gradients), gradients)]
    ax = plot_layer_histograms(hidden, "gradients")
    x = ax.lines[0].get_xdata()
    assert x.max() < 0.01 and x.min() > -0.01                # the middle 99 %, not +-10
    assert "std 0.14" in ax.get_legend().get_texts()[0].get_text()  # the outlier still counts


def test_a_dead_layer_still_gets_a_legend_entry():
    X, y = small_data()
    model = small_model()
    model.layers[2].b[:] = -1e6
    ax = plot_layer_histograms(look_inside(model, X, y), "activations")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[1].endswith("(none above 0)") and "100% at 0" in labels[1]


def test_update_ratio_plot_has_a_line_per_layer_and_the_rule_of_thumb():
    X, y = small_data()
    model = small_model()
    ratios = UpdateRatios(SGD(lr=0.1))
    for _ in range(3):
        _, dlogits = softmax_cross_entropy_with_logits(model.forward(X), y)
        model.backward(dlogits)
        ratios.step(model)
    ax = plot_update_ratios(ratios)
    assert ax.get_yscale() == "log" and len(ax.lines) == 4
    assert list(ax.lines[-1].get_ydata()) == [GOOD_UPDATE_RATIO] * 2


@pytest.mark.parametrize("call, message", [
    (lambda: look_inside(None, *small_data()), "model must be a Sequential"),
    (lambda: look_inside(Sequential(Dense(6, 3)), *small_data()), "no hidden layer"),
    (lambda: look_inside(small_model(), small_data()[0], small_data()[1][:3]),
     "y must hold one integer label per sample"),
    (lambda: look_inside(small_model(), "abc", [1]), "X must be uint8 images or"),
    (lambda: look_inside(small_model(), np.zeros((0, 6)), np.zeros(0, int)),
     "X must be a non-empty batch"),
    (lambda: dead_relu_fractions(small_model(), small_data()[0], batch_size=0),
     "batch_size must be a positive whole number"),
    (lambda: UpdateRatios(SGD(), every=0), "every must be a positive whole number"),
    (lambda: UpdateRatios(SGD()).step(Sequential(ReLU())), "no layer with weights"),
    (lambda: UpdateRatios(None), "optimizer must have a step"),
    (lambda: UpdateRatios(SGD()).step(None), "model must be a Sequential"),
    (lambda: UpdateRatios(SGD()).typical(), "no step recorded yet"),
    (lambda: plot_layer_histograms([], "activations"), "hidden_layers must be the list"),
    (lambda: plot_layer_histograms(look_inside(small_model(), *small_data()), "weights"),
     'kind must be "activations" or "gradients"'),
    (lambda: plot_update_ratios(None), "update_ratios must be an UpdateRatios"),
    (lambda: plot_update_ratios(UpdateRatios(SGD())), "no step recorded yet"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
