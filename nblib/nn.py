"""Neurons, layers and multilayer perceptrons built from autograd Values.

Taught in notebooks/05_mlp.ipynb.  The API follows micrograd's ``nn``:
``MLP(nin, nouts)`` is called on a list of numbers or Values and returns a
list of Values, or a single Value when the last layer has one neuron;
``parameters()`` lists the weights and biases and ``zero_grad()`` clears their
gradients.  Two additions: seeded initialisation (``seed=``), and a choice of
activation.  Hidden layers use ``activation`` (ReLU by default, as micrograd),
the last layer ``output_activation`` (linear by default, as micrograd).

A neuron's pre-activation b + Σ wᵢxᵢ is one :func:`nblib.engine.weighted_sum`
node rather than 2n nodes of ``*`` and ``+`` (notebook 04, "Under the hood").
"""

from __future__ import annotations

import numbers

import numpy as np

from nblib.engine import Value, weighted_sum

#: name -> what a neuron applies to its pre-activation z (a Value).
ACTIVATIONS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda z: z,
}
#: How micrograd names its neurons in a repr: ReLUNeuron(2), LinearNeuron(16).
_NEURON_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, "
                         f"got {activation!r}")
    return activation


def _generator(rng, seed):
    """The random generator to draw weights from: ``rng`` if given, else one seeded by ``seed``."""
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), "
                            f"got {type(rng).__name__}")
        return rng
    return np.random.default_rng(seed)


class Module:
    """What every part of a network has: its parameters, and a way to clear their gradients."""

    def parameters(self) -> list[Value]:
        """The Values that training adjusts."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (do it before each ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One neuron: ``activation(b + Σ wᵢxᵢ)``.

    Parameters
    ----------
    nin : int
        Number of inputs.
    activation : {"relu", "tanh", "sigmoid", "linear"}
    nonlin : bool, optional
        micrograd's switch: ``nonlin=False`` means ``activation="linear"``.
    rng : numpy.random.Generator, optional
        Draws the weights, uniform in [-1, 1) as micrograd; the bias starts at 0.
    seed : int, optional
        Seeds a new generator when ``rng`` is not given.
    """

    def __init__(self, nin: int, activation: str = "relu", *, nonlin: bool | None = None,
                 rng=None, seed=None):
        nin = _check_count(nin, "nin")
        if nonlin is not None:
            activation = activation if nonlin else "linear"
        self.activation = _check_activation(activation)
        rng = _generator(rng, seed)
        self.w = [Value(float(w), label=f"w{i}") for i, w in enumerate(rng.uniform(-1, 1, nin))]
        self.b = Value(0.0, label="b")

    def __call__(self, x) -> Value:
        """The neuron's output for one sample ``x``: a list of ``nin`` numbers or Values."""
        x = _check_inputs(x, len(self.w))
        return ACTIVATIONS[self.activation](weighted_sum(self.w, x, self.b))

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self):
        return f"{_NEURON_NAMES[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs.

    Parameters
    ----------
    nin, nout : int
    activation, nonlin, rng, seed
        As for :class:`Neuron`; one generator draws every neuron's weights in turn.
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", *,
                 nonlin: bool | None = None, rng=None, seed=None):
        nout = _check_count(nout, "nout")
        rng = _generator(rng, seed)
        self.neurons = [Neuron(nin, activation, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def __call__(self, x):
        """One output per neuron (a list); a single Value when the layer has one neuron."""
        x = _check_inputs(x, len(self.neurons[0].w))
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"


class MLP(Module):
    """A multilayer perceptron: layers of neurons, each layer reading the one before.

    Parameters
    ----------
    nin : int
        Number of inputs (features).
    nouts : list of int
        Neurons per layer, the last one being the output layer; ``[16, 16, 1]``
        is two hidden layers of 16 and one output.
    activation : str
        The hidden layers' activation ("relu", "tanh", "sigmoid" or "linear").
    output_activation : str
        The last layer's ("linear" by default: a score; "sigmoid" for a probability).
    seed : int
        Seeds the weights, so the same arguments give the same network.

    Examples
    --------
    >>> model = MLP(2, [4, 1], seed=0)
    >>> model
    MLP(2 -> 4 relu -> 1 linear), 17 parameters
    >>> round(model([1.0, -2.0]).data, 4)  # doctest: +SKIP
    """

    def __init__(self, nin: int, nouts, activation: str = "relu",
                 output_activation: str = "linear", seed: int | None = 0):
        nin = _check_count(nin, "nin")
        if isinstance(nouts, numbers.Integral) or not hasattr(nouts, "__len__") or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes such as [16, 16, 1], "
                             f"got {nouts!r}")
        sizes = [nin, *(_check_count(n, "each layer size in nouts") for n in nouts)]
        _check_activation(activation)
        _check_activation(output_activation)
        rng = np.random.default_rng(seed)
        self.layers = [Layer(sizes[i], sizes[i + 1],
                             output_activation if i == len(nouts) - 1 else activation, rng=rng)
                       for i in range(len(nouts))]

    def __call__(self, x):
        """The network's output for one sample ``x`` (``nin`` numbers or Values)."""
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):
                x = [x]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        shape = " -> ".join([str(len(self.layers[0].neurons[0].w))]
                            + [f"{len(layer.neurons)} {layer.neurons[0].activation}"
                               for layer in self.layers])
        return f"MLP({shape}), {len(self.parameters())} parameters"


def _check_inputs(x, nin: int) -> list:
    """One sample as a list of numbers or Values, with exactly ``nin`` entries."""
    if isinstance(x, Value) or isinstance(x, numbers.Real):
        x = [x]
    elif isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"a network reads one sample at a time: x must have shape ({nin},), "
                             f"got shape {x.shape}; call it once per row")
        x = x.tolist()
    else:
        x = list(x)
    if len(x) != nin:
        raise ValueError(f"this takes {nin} input(s) per sample, got {len(x)}")
    # Numbers become constants once here, not once per neuron that reads them.
    return [v if isinstance(v, Value) else Value(v, requires_grad=False) for v in x]
