"""Tests of nblib.nn, the neurons, layers and MLPs of notebooks/05_mlp.ipynb.

Shapes and parameter counts, micrograd's API (and micrograd's own numbers when
build/micrograd is there), seeded determinism, each activation, a 2-3-1
network recomputed by hand in numpy (forward and backward), central
differences on a small MLP, a loss that falls under gradient descent, no work
left for the cyclic garbage collector, and every bad input.
"""

import gc
import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from nblib.engine import Value, collector_paused
from nblib.gradcheck import numerical_derivative, relative_error
from nblib.nn import ACTIVATIONS, MLP, Layer, Module, Neuron

MICROGRAD_DIR = Path(__file__).resolve().parent.parent / "build" / "micrograd"

# --- shapes and parameter counts ---------------------------------------------------------------


def count_by_hand(nin, nouts):
    """Each neuron of a layer has one weight per input of that layer, plus a bias."""
    sizes = [nin, *nouts]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


@pytest.mark.parametrize("nin, nouts, expected", [
    (2, [16, 16, 1], 337),   # micrograd's demo: 3*16 + 17*16 + 17*1
    (2, [3, 1], 13),         # 3*3 + 4*1
    (1, [1], 2),             # one weight, one bias
    (3, [4, 4, 1], 41),      # 4*4 + 5*4 + 5*1
    (2, [1, 2], 7),          # 3*1 + 2*2
])
def test_parameter_counts(nin, nouts, expected):
    model = MLP(nin, nouts)
    assert len(model.parameters()) == expected == count_by_hand(nin, nouts)
    assert len({id(p) for p in model.parameters()}) == expected  # no parameter twice


def test_neuron_and_layer_parameter_counts():
    assert len(Neuron(5).parameters()) == 6
    assert len(Layer(3, 2).parameters()) == 8
    assert Module().parameters() == []


def test_one_output_neuron_gives_a_value_several_give_a_list():
    x = [0.5, -1.0]
    assert isinstance(MLP(2, [3, 1])(x), Value)
    out = MLP(2, [3, 2])(x)
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(v, Value) for v in out)
    assert isinstance(Layer(2, 1)(x), Value)
    out = Layer(2, 3)(x)
    assert isinstance(out, list) and len(out) == 3
    assert isinstance(Neuron(2)(x), Value)


def test_a_hidden_layer_of_one_neuron_still_feeds_the_next_layer():
    model = MLP(2, [1, 3])  # micrograd's MLP would hand a lone Value to zip() here
    out = model([0.5, -1.0])
    assert len(out) == 3
    assert [len(layer.neurons) for layer in model.layers] == [1, 3]


def test_layers_compose_by_hand():
    model = MLP(2, [4, 3, 1], seed=5)
    x = [0.3, -0.8]
    by_hand = model.layers[2](model.layers[1](model.layers[0](x)))
    assert by_hand.data == model(x).data


# --- micrograd's API ---------------------------------------------------------------------------


@pytest.mark.parametrize("make_x", [
    lambda: [0.5, -1.0],
    lambda: (0.5, -1),
    lambda: np.array([0.5, -1.0]),
    lambda: [np.float64(0.5), np.int64(-1)],
    lambda: [Value(0.5), Value(-1.0)],
    lambda: (v for v in [0.5, -1.0]),
], ids=["list", "tuple", "array", "numpy scalars", "Values", "generator"])
def test_a_sample_may_be_numbers_or_values(make_x):
    model = MLP(2, [3, 1], seed=1)
    assert model(make_x()).data == model([0.5, -1.0]).data


def test_a_single_input_may_be_a_bare_number():
    model = MLP(1, [3, 1], seed=1)
    assert model(0.7).data == model([0.7]).data == model(Value(0.7)).data


def test_number_inputs_are_constants_value_inputs_get_gradients():
    model = MLP(2, [3, 1], activation="tanh", seed=2)
    out = model([0.5, -1.0])
    out.backward()
    assert {id(p) for p in out.parameters()} == {id(p) for p in model.parameters()}
    x = [Value(0.5), Value(-1.0)]
    model(x).backward()
    assert all(v.grad != 0.0 for v in x)


def test_parameters_in_micrograds_order():
    model = MLP(2, [3, 1])
    expected = [p for layer in model.layers for neuron in layer.neurons
                for p in [*neuron.w, neuron.b]]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    assert model.parameters()[0] is model.parameters()[0]  # the same objects every time
    assert all(not p._prev and p.requires_grad for p in model.parameters())


def test_initial_weights_uniform_in_minus_one_one_biases_zero():
    model = MLP(2, [16, 16, 1], seed=0)
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    biases = [n.b.data for layer in model.layers for n in layer.neurons]
    assert all(-1 <= w < 1 for w in weights) and min(weights) < -0.8 and max(weights) > 0.8
    assert biases == [0.0] * 33
    assert all(isinstance(w, float) for w in weights)


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    model([0.5, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_shows_the_structure():
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Neuron(3, "tanh")) == "TanhNeuron(3)"
    assert repr(Neuron(3, "sigmoid")) == "SigmoidNeuron(3)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(MLP(2, [4, 1])) == "MLP(2 -> 4 relu -> 1 linear), 17 parameters"
    assert repr(MLP(2, [16, 16, 1], "tanh", "sigmoid")) == (
        "MLP(2 -> 16 tanh -> 16 tanh -> 1 sigmoid), 337 parameters")


def test_hidden_layers_relu_last_layer_linear_as_micrograd():
    model = MLP(2, [4, 4, 1])
    assert [n.activation for layer in model.layers for n in layer.neurons] == (
        ["relu"] * 8 + ["linear"])


def test_nonlin_false_is_linear():
    neuron = Neuron(2, nonlin=False, seed=0)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 2.0, -5.0
    assert neuron([1.0, 1.0]).data == -2.0  # a ReLU would give 0
    assert Neuron(2, "tanh", nonlin=False).activation == "linear"
    assert Neuron(2, "tanh", nonlin=True).activation == "tanh"
    assert Neuron(2, nonlin=True).activation == "relu"
    assert all(n.activation == "linear" for n in Layer(2, 3, nonlin=False).neurons)


# --- determinism --------------------------------------------------------------------------------


def weights(model):
    return [p.data for p in model.parameters()]


def test_same_seed_same_network_and_outputs():
    a, b = MLP(2, [8, 8, 1], seed=7), MLP(2, [8, 8, 1], seed=7)
    assert weights(a) == weights(b)
    assert a([0.3, -0.2]).data == b([0.3, -0.2]).data
    assert weights(MLP(2, [8, 1])) == weights(MLP(2, [8, 1]))  # seed 0 by default


def test_different_seeds_different_networks():
    assert weights(MLP(2, [8, 1], seed=1)) != weights(MLP(2, [8, 1], seed=2))
    assert weights(MLP(2, [8, 1], seed=None)) != weights(MLP(2, [8, 1], seed=None))


def test_neuron_and_layer_seeds_and_generators():
    assert weights(Neuron(4, seed=3)) == weights(Neuron(4, seed=3))
    assert weights(Neuron(4, seed=3)) != weights(Neuron(4, seed=4))
    assert weights(Layer(2, 3, seed=3)) == weights(Layer(2, 3, rng=np.random.default_rng(3)))
    rng = np.random.default_rng(0)  # one generator, drawn from in turn
    first, second = Neuron(2, rng=rng), Neuron(2, rng=rng)
    assert weights(first) != weights(second)


# --- activations, and a network recomputed by hand ----------------------------------------------


NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "linear": lambda z: z,
}


def test_every_activation_is_tested():
    assert set(NUMPY_ACTIVATIONS) == set(ACTIVATIONS)


@pytest.mark.parametrize("activation", NUMPY_ACTIVATIONS)
@pytest.mark.parametrize("x", [[0.5, -1.0], [-2.0, 1.5], [0.0, 0.0]])
def test_each_activation_of_a_neuron(activation, x):
    neuron = Neuron(2, activation, seed=4)
    neuron.b.data = 0.1
    z = neuron.b.data + sum(w.data * xi for w, xi in zip(neuron.w, x))
    assert neuron(x).data == pytest.approx(NUMPY_ACTIVATIONS[activation](z), abs=1e-15)


def test_output_activation_sigmoid_gives_probabilities():
    model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    assert all(0 < model([a, b]).data < 1 for a in (-3, 0, 3) for b in (-3, 0, 3))


def as_arrays(model):
    """Weight matrices W (nout, nin) and bias vectors b of each layer."""
    return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
             np.array([n.b.data for n in layer.neurons])) for layer in model.layers]


@pytest.mark.parametrize("activation", NUMPY_ACTIVATIONS)
def test_2_3_1_network_against_numpy_forward_and_backward(activation):
    model = MLP(2, [3, 1], activation=activation, seed=11)
    for neuron in model.layers[0].neurons:
        neuron.b.data = 0.2  # non-zero biases, so their role is checked too
    (W1, b1), (W2, b2) = as_arrays(model)
    f = NUMPY_ACTIVATIONS[activation]
    x, target = np.array([0.7, -1.3]), 0.5

    # forward by hand: h = f(W1 x + b1), y_hat = W2 h + b2 (linear output)
    z1 = W1 @ x + b1
    h = f(z1)
    y_hat = (W2 @ h + b2)[0]
    loss_by_hand = 0.5 * (y_hat - target) ** 2

    # backward by hand: dL/dy_hat, then the chain rule layer by layer
    d_y_hat = y_hat - target
    d_W2, d_b2 = d_y_hat * h, d_y_hat
    slope = {"relu": (z1 > 0).astype(float), "tanh": 1 - h**2, "sigmoid": h * (1 - h),
             "linear": np.ones(3)}[activation]
    d_z1 = d_y_hat * W2[0] * slope
    d_W1, d_b1 = np.outer(d_z1, x), d_z1

    loss = 0.5 * (model(x.tolist()) - target) ** 2
    loss.backward()
    assert loss.data == pytest.approx(loss_by_hand, rel=1e-12)
    layer1, layer2 = model.layers
    np.testing.assert_allclose([[w.grad for w in n.w] for n in layer1.neurons], d_W1,
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([n.b.grad for n in layer1.neurons], d_b1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([w.grad for w in layer2.neurons[0].w], d_W2,
                               rtol=1e-12, atol=1e-15)
    assert layer2.neurons[0].b.grad == pytest.approx(d_b2, rel=1e-12)


def import_micrograd_nn():
    if not (MICROGRAD_DIR / "micrograd" / "nn.py").is_file():
        pytest.skip("micrograd 0.1.0 is not in build/micrograd "
                    "(benchmarks/engine_vs_micrograd.py installs it there)")
    sys.path.insert(0, str(MICROGRAD_DIR))
    try:
        return importlib.import_module("micrograd.nn")
    finally:
        sys.path.remove(str(MICROGRAD_DIR))


def test_same_numbers_as_micrograds_own_nn():
    mg_nn = import_micrograd_nn()
    mg_model, model = mg_nn.MLP(2, [4, 4, 1]), MLP(2, [4, 4, 1])
    assert len(mg_model.parameters()) == len(model.parameters())
    for ours, theirs in zip(model.parameters(), mg_model.parameters()):
        ours.data = float(theirs.data)
    for x in ([0.5, -1.0], [1.2, 0.3], [-0.4, -0.9]):
        mg_out, out = mg_model(x), model(x)
        mg_out.backward()
        out.backward()
        assert out.data == pytest.approx(mg_out.data, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose([p.grad for p in model.parameters()],
                               [p.grad for p in mg_model.parameters()], rtol=1e-12, atol=1e-15)


# --- gradients and training ----------------------------------------------------------------------


SAMPLES = [([0.5, -1.0], 1.0), ([-0.3, 0.8], 0.0), ([1.1, 0.4], 1.0)]


def squared_error(model):
    return sum((model(x) - t) ** 2 for x, t in SAMPLES) / len(SAMPLES)


@pytest.mark.parametrize("activation, output_activation", [
    ("tanh", "linear"), ("sigmoid", "sigmoid"), ("relu", "tanh")])
def test_mlp_gradients_match_central_differences(activation, output_activation):
    model = MLP(2, [3, 2, 1], activation, output_activation, seed=3)
    for p in model.parameters():
        p.data += 0.05  # biases off zero, and (for ReLU) no pre-activation exactly at the kink
    parameters = model.parameters()
    theta = np.array([p.data for p in parameters])

    def loss_at(values):
        for p, v in zip(parameters, values):
            p.data = float(v)
        return squared_error(model).data

    numeric = numerical_derivative(loss_at, theta)
    loss_at(theta)
    model.zero_grad()
    squared_error(model).backward()
    analytic = np.array([p.grad for p in parameters])
    error = relative_error(analytic, numeric)
    assert error < 1e-6, f"gradients vs central differences: relative error {error:.1e} > 1e-6"


def test_loss_falls_under_gradient_descent():
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [0.0, 1.0, 1.0, 0.0]  # XOR: needs the hidden layer
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    losses = []
    for _ in range(50):
        loss = sum((model(x) - t) ** 2 for x, t in zip(X, y)) / len(X)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.2 * p.grad
        losses.append(loss.data)
    assert all(b < a for a, b in zip(losses[:10], losses[1:11])), losses[:11]
    assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])


def test_a_training_step_leaves_nothing_for_the_cyclic_collector():
    model = MLP(2, [8, 8, 1], seed=0)
    gc.collect()
    with collector_paused():
        loss = squared_error(model)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        del loss
    assert gc.collect() == 0  # the graph went by reference counting: no cycles to find


# --- bad input ------------------------------------------------------------------------------------


NAN, INF = float("nan"), float("inf")
NET = MLP(2, [3, 1])


def _infinite_value():
    with pytest.warns(RuntimeWarning, match="Value overflow"):  # the engine's overflow policy
        return Value(1e308) * 10

BAD_INPUT = {
    # samples
    "one input for two": (lambda: NET([1.0]), ValueError,
                          r"x must hold 2 number\(s\), one per input, got 1"),
    "three inputs for two": (lambda: NET([1, 2, 3]), ValueError, "x must hold 2 .* got 3"),
    "no input": (lambda: NET([]), ValueError, "x must hold 2 .* got 0"),
    "a batch of one row": (lambda: NET([[1.0, 2.0]]), ValueError,
                           "got 1; a network reads one sample at a time"),
    "a set": (lambda: NET({1.0, 2.0}), TypeError, r"x must be a list .* \(a set has no order\)"),
    "a huge int": (lambda: NET([10**400, 1.0]), ValueError, r"x\[0\] is too large for a float"),
    "a 2-D array": (lambda: NET(np.zeros((4, 2))), ValueError,
                    r"one sample at a time: x must have shape \(2,\), got shape \(4, 2\)"
                    r"; call it once per row"),
    "a 0-D array": (lambda: NET(np.array(1.0)), ValueError, r"shape \(2,\), got shape \(\)"),
    "a list of rows": (lambda: NET([[1, 2], [3, 4]]), TypeError,
                       r"x\[0\] must be a number or a Value, got list; .* once per row"),
    "NaN": (lambda: NET([NAN, 1.0]), ValueError, r"x\[0\] is nan: .* must be finite"),
    "infinity in an array": (lambda: NET(np.array([1.0, INF])), ValueError, r"x\[1\] is inf"),
    "an infinite Value": (lambda: NET([1.0, _infinite_value()]), ValueError, r"x\[1\] is inf"),
    "a string sample": (lambda: NET("ab"), TypeError, "x must be a list of 2 numbers.* got str"),
    "None": (lambda: NET(None), TypeError, "x must be a list .* got NoneType"),
    "a string input": (lambda: NET(["a", 1.0]), TypeError, r"x\[0\] .* got str"),
    "a bool input": (lambda: NET([True, 1.0]), TypeError, r"x\[0\] .* got bool"),
    "a complex input": (lambda: NET([1j, 1.0]), TypeError, r"x\[0\] .* got complex"),
    "NaN into a Layer": (lambda: Layer(2, 2)([1.0, NAN]), ValueError, r"x\[1\] is nan"),
    "wrong size into a Neuron": (lambda: Neuron(3)([1.0]), ValueError, "x must hold 3 number"),
    # sizes
    "nin 0": (lambda: MLP(0, [1]), ValueError, "nin must be a positive whole number, got 0"),
    "nin 2.5": (lambda: MLP(2.5, [1]), ValueError, "nin must be .* got 2.5"),
    "nin True": (lambda: MLP(True, [1]), ValueError, "nin must be .* got True"),
    "nin '2'": (lambda: MLP("2", [1]), ValueError, "nin must be .* got '2'"),
    "nouts empty": (lambda: MLP(2, []), ValueError, r"nouts must be a non-empty list .* got \[\]"),
    "nouts a number": (lambda: MLP(2, 3), TypeError, "nouts must be a list or tuple of layer sizes"
                       " .* got int 3"),
    "nouts a string": (lambda: MLP(2, "16"), TypeError, "nouts must be .* got str '16'"),
    "nouts None": (lambda: MLP(2, None), TypeError, "nouts must be .* got NoneType None"),
    "nouts a set": (lambda: MLP(2, {3, 1}), TypeError,
                    r"nouts must be a list or tuple of layer sizes .*\(a set has no order\)"),
    "nouts a dict": (lambda: MLP(2, {3: 1}), TypeError, "nouts must be a list or tuple"),
    "a layer of 10**400": (lambda: MLP(2, [10**400]), ValueError,
                           "each layer size in nouts must be at most 1,000,000"),
    "Layer nout 10**7": (lambda: Layer(2, 10**7), ValueError, "nout must be at most 1,000,000"),
    "a layer of 0": (lambda: MLP(2, [16, 0]), ValueError,
                     "each layer size in nouts must be a positive whole number, got 0"),
    "a layer of -1": (lambda: MLP(2, [-1, 1]), ValueError, "each layer size .* got -1"),
    "a layer of 1.5": (lambda: MLP(2, [1.5]), ValueError, "each layer size .* got 1.5"),
    "Layer nout 0": (lambda: Layer(2, 0), ValueError, "nout must be .* got 0"),
    "Neuron nin 0": (lambda: Neuron(0), ValueError, "nin must be .* got 0"),
    # activations
    "activation 'ReLU'": (lambda: MLP(2, [1], activation="ReLU"), ValueError,
                          "activation must be one of 'relu', 'tanh', 'sigmoid', 'linear', "
                          "got 'ReLU'"),
    "output_activation 'softmax'": (lambda: MLP(2, [1], output_activation="softmax"), ValueError,
                                    "^output_activation must be one of .* got 'softmax'"),
    "activation None": (lambda: Neuron(2, None), ValueError, "activation must be .* got None"),
    "activation a list": (lambda: Layer(2, 2, ["relu"]), ValueError,
                          r"activation must be .* got \['relu'\]"),
    "micrograd's Neuron(2, False)": (lambda: Neuron(2, False), ValueError,
                                     r"got False \(.*Neuron\(nin, nonlin=False\)"),
    "nonlin 'no'": (lambda: Neuron(2, nonlin="no"), TypeError,
                    "nonlin must be True or False, got 'no'"),
    # random generators and seeds
    "rng a number": (lambda: Neuron(2, rng=42), TypeError,
                     r"rng must be a numpy Generator \(np.random.default_rng\(seed\)\), got int"),
    "rng a RandomState": (lambda: Layer(2, 2, rng=np.random.RandomState(0)), TypeError,
                          "rng must be a numpy Generator.* got RandomState"),
    "rng and seed": (lambda: Neuron(2, rng=np.random.default_rng(0), seed=1), ValueError,
                     "give rng or seed, not both"),
    "seed -1": (lambda: MLP(2, [1], seed=-1), ValueError,
                "seed must be a whole number >= 0, or None, got -1"),
    "seed 1.5": (lambda: MLP(2, [1], seed=1.5), ValueError, "seed must be .* got 1.5"),
    "seed '0'": (lambda: Neuron(2, seed="0"), ValueError, "seed must be .* got '0'"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message(case):
    make, error, message = BAD_INPUT[case]
    with pytest.raises(error, match=message):
        make()


def test_good_sizes_of_other_integer_types():
    model = MLP(np.int64(2), np.array([3, 1]))
    assert len(model.parameters()) == 13
    assert math.isfinite(model([0.1, 0.2]).data)


# --- batch predictions as matrix products -------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("nouts", [[3, 1], [4, 3, 2]])
def test_predict_batch_equals_calling_the_network_on_each_row(activation, nouts):
    model = MLP(2, nouts, activation=activation, seed=3)
    X = np.random.default_rng(0).normal(size=(7, 2))
    one_by_one = [model(row) for row in X]
    one_by_one = np.array([[v.data for v in out] if isinstance(out, list) else out.data
                           for out in one_by_one])
    batch = model.predict_batch(X)
    assert batch.shape == one_by_one.shape
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-12, atol=1e-12)


def test_weight_arrays_copy_the_current_values():
    layer = Layer(3, 2, seed=0)
    W, b = layer.weight_arrays()
    assert W.shape == (2, 3) and b.shape == (2,)
    assert W[1, 2] == layer.neurons[1].w[2].data
    layer.neurons[1].w[2].data += 1.0           # a copy: later training does not change W
    assert W[1, 2] != layer.neurons[1].w[2].data


@pytest.mark.parametrize("X, error, message", [
    (np.zeros((4, 3)), ValueError, r"X must have shape \(n_samples, 2\)"),
    (np.zeros(2), ValueError, r"X must have shape \(n_samples, 2\)"),
    (np.array([[0.0, np.nan]]), ValueError, "X contains NaN"),
    (np.zeros((0, 2)), ValueError, r"X is empty \(shape \(0, 2\)\): it needs at least one sample"),
    ([["a", "b"]], TypeError, "X must hold real numbers, got an array of dtype <U1"),
    ([[1.0, 2.0], [3.0]], ValueError, r"X must be a rectangular array of numbers"),
    (np.ones((2, 2)) + 1j, TypeError, "X must hold real numbers, got an array of dtype complex"),
    (None, TypeError, "X must be a number or an array of numbers, got NoneType"),
    ({1.0, 2.0}, TypeError, "X must hold real numbers, got an array of dtype object"),
], ids=["3 columns", "1-D", "NaN", "empty", "strings", "ragged", "complex", "None", "set"])
def test_predict_batch_bad_input(X, error, message):
    with pytest.raises(error, match=message):
        MLP(2, [2, 1]).predict_batch(X)
