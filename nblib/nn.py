"""Neurons, layers and multilayer perceptrons built from autograd Values.

Taught in notebooks/05_mlp.ipynb.  The API follows micrograd's ``nn``:
``MLP(nin, nouts)`` is called on one sample, a list of ``nin`` numbers or
Values, and returns a list of Values, or a single Value when the last layer
has one neuron; ``parameters()`` lists the weights and biases and
``zero_grad()`` clears their gradients.  Two additions: seeded initialisation
(``seed=``), and a choice of activation.  Hidden layers use ``activation``
(ReLU by default, as micrograd), the last layer ``output_activation`` (linear
by default, as micrograd).

A neuron's pre-activation b + Σ wᵢxᵢ is one :func:`nblib.engine.weighted_sum`
node rather than 2n nodes of ``*`` and ``+`` (notebook 04, "Under the hood"),
with the same numbers: the terms are added in micrograd's order.

For prediction, where no gradient is needed, :meth:`MLP.predict_batch` runs
the same network on a whole batch as matrix products, ``X @ W.T + b`` per
layer, with the weights read out as arrays (:meth:`Layer.weight_arrays`): the
last section of notebook 05, and the way notebook 06 computes everything.

A sample is checked once, where it enters (``MLP``, ``Layer`` or ``Neuron``
called by you); inside a network, layers pass each other lists of Values
without checking them again.  To train faster, run each step inside
:func:`nblib.engine.collector_paused` (see nblib.engine's docstring).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nblib import activations
from nblib.engine import Value, weighted_sum
from nblib.validation import as_float_array, as_generator

#: name -> what a neuron applies to its pre-activation z (a Value).
ACTIVATIONS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda z: z,
}
#: name -> the same activation on numpy arrays, for batch predictions.
ARRAY_ACTIVATIONS = {
    "relu": activations.relu,
    "tanh": activations.tanh,
    "sigmoid": activations.sigmoid,
    "linear": lambda z: z,
}
#: How micrograd names its neurons in a repr: ReLUNeuron(2), LinearNeuron(16).
_NEURON_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


#: The most inputs or neurons a layer of Values may have: a million Values already take
#: about a second to build and 200 MB; larger networks belong in nblib.layers (notebook 06).
MAX_SIZE = 10**6


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r:.60}")
    if value > MAX_SIZE:
        raise ValueError(f"{name} must be at most {MAX_SIZE:,} (a network of Values that large "
                         f"would not fit in memory), got "
                         f"{f'{value:,}' if value < 10**15 else f'a number of {len(str(value))} digits'}")
    return int(value)


def _check_sizes(nouts, name: str = "nouts") -> list:
    """Layer sizes: a list or tuple (or range, 1-D array) of whole numbers, in order."""
    if not isinstance(nouts, (list, tuple, range, np.ndarray)) or np.ndim(nouts) != 1:
        hint = " (a set has no order)" if isinstance(nouts, (set, frozenset)) else ""
        raise TypeError(f"{name} must be a list or tuple of layer sizes such as [16, 16, 1], "
                        f"got {type(nouts).__name__} {nouts!r:.60}{hint}")
    if len(nouts) == 0:
        raise ValueError(f"{name} must be a non-empty list of layer sizes such as [16, 16, 1], "
                         f"got {nouts!r}")
    return [_check_count(n, f"each layer size in {name}") for n in nouts]


def _check_activation(activation, name: str = "activation") -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        hint = (" (micrograd's Neuron(nin, False) is Neuron(nin, nonlin=False) here)"
                if isinstance(activation, bool) else "")
        raise ValueError(f"{name} must be one of {', '.join(map(repr, ACTIVATIONS))}, "
                         f"got {activation!r}{hint}")
    return activation


def _generator(rng, seed) -> np.random.Generator:
    if rng is not None and seed is not None:
        raise ValueError("give rng or seed, not both: the weights come from one generator")
    return as_generator(rng, seed)


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
        Seeds a new generator when ``rng`` is not given (neither: a random start).

    Attributes
    ----------
    w : list of Value, length nin
    b : Value
    """

    def __init__(self, nin: int, activation: str = "relu", *, nonlin: bool | None = None,
                 rng=None, seed=None):
        nin = _check_count(nin, "nin")
        if nonlin is not None:
            if not isinstance(nonlin, bool):
                raise TypeError(f"nonlin must be True or False, got {nonlin!r}")
            activation = activation if nonlin else "linear"
        self.activation = _check_activation(activation)
        rng = _generator(rng, seed)
        self.w = [Value(float(w), label=f"w{i}") for i, w in enumerate(rng.uniform(-1, 1, nin))]
        self.b = Value(0.0, label="b")

    def __call__(self, x) -> Value:
        """The neuron's output for one sample ``x``: ``nin`` numbers or Values."""
        return self._forward(_check_inputs(x, len(self.w)))

    def _forward(self, x: list[Value]) -> Value:
        """The output for a sample already checked by ``_check_inputs``."""
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
        out = self._forward(_check_inputs(x, len(self.neurons[0].w)))
        return out[0] if len(out) == 1 else out

    def _forward(self, x: list[Value]) -> list[Value]:
        """Every neuron's output (always a list) for a sample already checked."""
        return [neuron._forward(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def weight_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The layer's weights and biases as plain arrays, a copy of their current ``.data``.

        Returns
        -------
        W : ndarray, shape (nout, nin)
            Row i holds neuron i's weights.
        b : ndarray, shape (nout,)
        """
        W = np.array([[w.data for w in neuron.w] for neuron in self.neurons])
        b = np.array([neuron.b.data for neuron in self.neurons])
        return W, b

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
    seed : int or None
        Seeds the weights, so the same arguments give the same network
        (None: a different network every time).

    Examples
    --------
    >>> model = MLP(2, [4, 1], seed=0)
    >>> model
    MLP(2 -> 4 relu -> 1 linear), 17 parameters
    >>> y_hat = model([1.0, -2.0])      # one Value: the last layer has one neuron
    >>> len(model.parameters())         # (2 + 1) * 4 + (4 + 1) * 1
    17
    """

    def __init__(self, nin: int, nouts, activation: str = "relu",
                 output_activation: str = "linear", seed: int | None = 0):
        nin = _check_count(nin, "nin")
        sizes = [nin, *_check_sizes(nouts, "nouts")]
        _check_activation(activation, "activation")
        _check_activation(output_activation, "output_activation")
        rng = _generator(None, seed)
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1],
                             output_activation if i == last else activation, rng=rng)
                       for i in range(len(nouts))]

    def __call__(self, x):
        """The network's output for one sample ``x`` (``nin`` numbers or Values).

        A single Value when the last layer has one neuron, else a list of Values.
        """
        x = _check_inputs(x, len(self.layers[0].neurons[0].w))
        for layer in self.layers:
            x = layer._forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def predict_batch(self, X) -> np.ndarray:
        """The network's outputs for every row of ``X`` at once, as numbers (no graph, no gradient).

        Each layer is one matrix product, ``activation(X @ W.T + b)``, with the
        weights' current values; the same numbers as calling the network on each
        row, many times faster.

        Parameters
        ----------
        X : array-like, shape (n_samples, nin)

        Returns
        -------
        ndarray, shape (n_samples,) when the last layer has one neuron, else (n_samples, nout)
        """
        nin = len(self.layers[0].neurons[0].w)
        X = as_float_array(X, "X", finite=False, allow_empty=True)
        if X.ndim != 2 or X.shape[1] != nin:
            raise ValueError(f"X must have shape (n_samples, {nin}), got shape {X.shape}")
        if len(X) == 0:
            raise ValueError(f"X is empty (shape {X.shape}): it needs at least one sample")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values")
        for layer in self.layers:
            W, b = layer.weight_arrays()
            X = ARRAY_ACTIVATIONS[layer.neurons[0].activation](X @ W.T + b)
        return X[:, 0] if X.shape[1] == 1 else X

    def __repr__(self):
        shape = " -> ".join([str(len(self.layers[0].neurons[0].w))]
                            + [f"{len(layer.neurons)} {layer.neurons[0].activation}"
                               for layer in self.layers])
        return f"MLP({shape}), {len(self.parameters())} parameters"


def _check_inputs(x, nin: int) -> list[Value]:
    """One sample as a list of exactly ``nin`` finite Values (numbers become constants)."""
    if isinstance(x, (Value, numbers.Number)):
        x = [x]
    elif isinstance(x, np.ndarray):
        if x.ndim != 1:
            hint = "; call it once per row (for x in X)" if x.ndim == 2 else ""
            raise ValueError(f"a network reads one sample at a time: x must have shape ({nin},), "
                             f"got shape {x.shape}{hint}")
        x = x.tolist()
    elif isinstance(x, (str, bytes, dict, set, frozenset)) or not hasattr(x, "__iter__"):
        hint = " (a set has no order)" if isinstance(x, (set, frozenset)) else ""
        raise TypeError(f"x must be a list of {nin} numbers or Values, got "
                        f"{type(x).__name__}{hint}")
    else:
        x = list(x)
    if len(x) != nin:
        hint = ("; a network reads one sample at a time, call it once per row"
                if len(x) == 1 and isinstance(x[0], (list, tuple, np.ndarray)) else "")
        raise ValueError(f"x must hold {nin} number(s), one per input, got {len(x)}{hint}")
    checked = []
    for i, v in enumerate(x):
        number = v.data if isinstance(v, Value) else v
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            hint = ("; a network reads one sample at a time, call it once per row"
                    if isinstance(v, (list, tuple, np.ndarray)) else "")
            raise TypeError(f"x[{i}] must be a number or a Value, got {type(v).__name__}{hint}")
        try:
            finite = math.isfinite(number)
        except OverflowError:  # an int beyond 1.8e308
            raise ValueError(f"x[{i}] is too large for a float (an int of "
                             f"{len(str(abs(number)))} digits)") from None
        if not finite:
            raise ValueError(f"x[{i}] is {number}: a network's inputs must be finite numbers")
        # Numbers become constants once here, not once per neuron that reads them.
        checked.append(v if isinstance(v, Value) else Value(v, requires_grad=False))
    return checked
