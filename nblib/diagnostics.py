"""Seeing inside a network while it trains: activations, gradients, dead ReLUs, update sizes.

For notebooks/06_mnist.ipynb's section "Seeing inside training", after Andrej
Karpathy's *makemore* part 3.  A loss curve says *that* training goes badly; these
say *where*:

- :func:`look_inside` runs one batch forward and backward and keeps, for each hidden
  layer, its activations (the nonlinearity's outputs) and the gradients that reach
  them; :func:`plot_layer_histograms` draws them, one line per layer.  Healthy layers
  look alike; a layer whose activations or gradients are much smaller or larger
  than the others' is where the trouble is.
- :func:`dead_relu_fractions`: the share of each layer's ReLU units that output 0
  for *every* sample.  Such a unit passes no gradient, so it never learns again.
- :class:`UpdateRatios` wraps an optimizer and records, at every step, how large the
  step's change to each weight matrix is next to the weights themselves,
  ``std(W_after - W_before) / std(W_before)``.  Around 1e-3 is the usual rule of
  thumb: far below, that layer barely learns; far above, it is thrown around.

The model is a :class:`nblib.layers.Sequential` or anything built the same way: a
``layers`` list whose items have ``forward(X)`` and ``backward(dY, input_grad)``,
layers with weights keep them in ``W`` and list them in ``parameters()``, and the
layers without parameters are the nonlinearities (ReLU).  So a network of
the student's own classes works too.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import MaxNLocator

from nblib.layers import softmax_cross_entropy_with_logits
from nblib.mnist import to_float32
from nblib.plots import _axes, _set_ylabel

#: The rule of thumb for :class:`UpdateRatios`: a step changes the weights by about
#: a thousandth of their size.
GOOD_UPDATE_RATIO = 1e-3


@dataclass(frozen=True)
class HiddenLayer:
    """What :func:`look_inside` saw in one hidden layer, for one batch.

    Attributes
    ----------
    name : str
        "hidden 1" for the first nonlinearity's outputs, and so on.
    activations : array, shape (batch, units)
        The layer's outputs (after its ReLU).
    gradients : array, shape (batch, units)
        dL/d(activations): the gradient the backward pass brought to them.
    """

    name: str
    activations: np.ndarray
    gradients: np.ndarray

    def summary(self) -> str:
        """"hidden 1: activations mean 0.41, std 0.62, 47% zero; gradients std 2.1e-04"."""
        a, g = self.activations, self.gradients
        return (f"{self.name}: activations mean {a.mean():.2f}, std {a.std():.2f}, "
                f"{np.mean(a == 0):.0%} zero; gradients std {g.std():.1e}")


def look_inside(model, X, y) -> list[HiddenLayer]:
    """One forward and backward pass on a batch, keeping each hidden layer's values.

    It runs what a training step runs (forward, softmax cross-entropy, backward) but
    takes no optimizer step: the weights are unchanged.  The layers' stored
    gradients are overwritten, as by any backward pass.

    Parameters
    ----------
    model : Sequential, or a model with a ``layers`` list (see the module docstring)
    X : array, shape (batch, 28, 28) or (batch, features)
        A batch: uint8 images (converted with ``to_float32``) or floats.
    y : array of int, shape (batch,)
        Its labels.

    Returns
    -------
    list of HiddenLayer
        One per nonlinearity, first to last.
    """
    layers = _layers(model)
    hidden = _nonlinearities(layers)
    X, y = _batch(X, y)
    outputs = []
    for layer in layers:
        X = layer.forward(X)
        outputs.append(X)
    _, gradient = softmax_cross_entropy_with_logits(X, y)
    gradients = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        gradients[i] = gradient        # dL/d(outputs of layer i)
        gradient = _backward(layers[i], gradient, input_grad=i > 0)
    return [HiddenLayer(f"hidden {k}", np.array(outputs[i]), np.array(gradients[i]))
            for k, i in enumerate(hidden, start=1)]


def dead_relu_fractions(model, X, batch_size: int = 1000) -> dict[str, float]:
    """For each hidden layer, the fraction of its units that output 0 for every sample of X.

    Parameters
    ----------
    model : Sequential, or a model with a ``layers`` list
    X : array, shape (n, 28, 28) or (n, features)
        uint8 images or floats; a few thousand samples are enough.
    batch_size : int
        Samples per forward pass (bounds the memory used).

    Returns
    -------
    dict
        ``{"hidden 1": 0.0, "hidden 2": 0.03}``: 0.03 means 3 % of that layer's units
        never fired on X.
    """
    layers = _layers(model)
    X, _ = _batch(X, None)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}")
    hidden = _nonlinearities(layers)
    fired = {i: None for i in hidden}
    for start in range(0, len(X), batch_size):
        A = X[start:start + batch_size]
        for i, layer in enumerate(layers):
            A = layer.forward(A)
            if i in fired:
                now = np.any(A > 0, axis=0)
                fired[i] = now if fired[i] is None else fired[i] | now
    return {f"hidden {k}": float(1 - fired[i].mean()) for k, i in enumerate(hidden, start=1)}


class UpdateRatios:
    """An optimizer that records how much each of its steps changes each weight matrix.

    It wraps an optimizer and is used in its place: ``step(model)`` takes the
    optimizer's step and records, for every layer with weights ``W``,
    ``std(W_after - W_before) / std(W_before)``: the size of the step next to the
    size of the weights.  Biases are left out (they start at 0, so the ratio would be
    meaningless at first).

    Parameters
    ----------
    optimizer : an optimizer with ``step(model)``, such as nblib.layers.SGD
    every : int
        Record every ``every``-th step (copying the weights costs a little time).

    Examples
    --------
    Pass it wherever the optimizer would go::

        ratios = UpdateRatios(SGD(lr=0.1, momentum=0.9), every=10)
        train_epoch(model, ratios, X, y, batch_size=64, rng=rng)
        plot_update_ratios(ratios)

    Attributes
    ----------
    optimizer : the optimizer it wraps
    names : list of str
        "Dense 1 (784→256)", ... one per layer with weights (set at the first step).
    steps : list of int
        The steps recorded (0 is the first step).
    ratios : array, shape (recorded steps, layers)
        The ratios; ``inf`` where the weights were all equal (all zero) and moved, NaN
        where they were all equal and did not move.
    """

    def __init__(self, optimizer, every: int = 1):
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"optimizer must have a step(model) method (an SGD), "
                            f"got {type(optimizer).__name__}")
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be a positive whole number, got {every!r}")
        self.optimizer = optimizer
        self.every = int(every)
        self.names: list[str] = []
        self.steps: list[int] = []
        self._rows: list[list[float]] = []
        self._count = 0

    def step(self, model) -> None:
        """``optimizer.step(model)``, recording the change on every ``every``-th step."""
        weighted = [layer for layer in _layers(model) if hasattr(layer, "W")]
        if not weighted:
            raise ValueError("model has no layer with weights W to watch")
        names = [f"Dense {k} ({layer.W.shape[0]}→{layer.W.shape[1]})"
                 for k, layer in enumerate(weighted, start=1)]
        if self.names and names != self.names:
            raise ValueError(f"model is not the one this UpdateRatios has watched "
                             f"({', '.join(self.names)}): make one per model")
        self.names = names
        record = self._count % self.every == 0
        if record:
            before = [layer.W.copy() for layer in weighted]
        self.optimizer.step(model)
        if record:
            self._rows.append([_ratio(layer.W - old, old)
                               for layer, old in zip(weighted, before)])
            self.steps.append(self._count)
        self._count += 1

    @property
    def ratios(self) -> np.ndarray:
        return np.array(self._rows, dtype=float).reshape(len(self._rows), len(self.names))

    def typical(self, last: int | None = None) -> dict[str, float]:
        """Each layer's median ratio, over the ``last`` recorded steps (all by default)."""
        ratios = self.ratios if last is None else self.ratios[-last:]
        if len(ratios) == 0:
            raise ValueError("no step recorded yet: use it as the optimizer in a training loop")
        return {name: float(np.median(column)) for name, column in zip(self.names, ratios.T)}


def _ratio(change: np.ndarray, weights: np.ndarray) -> float:
    size, moved = float(np.std(weights)), float(np.std(change))
    if size == 0:
        return np.inf if moved > 0 else np.nan
    return moved / size


# --- figures --------------------------------------------------------------------------------------


def plot_layer_histograms(hidden_layers, kind: str = "activations", ax=None, *,
                          title: str | None = None, bins: int = 60):
    """One histogram line per hidden layer: its activations or its gradients.

    ReLU activations are 0 for about half the units: a spike at 0 would flatten the
    rest, so activations are drawn where they are positive and the legend gives the
    share at 0.  A few very large values would squeeze every histogram into one bar,
    so the x axis spans the middle 99 % of all the layers' values (the 0.5 % largest
    in size are left out of the picture, not out of the legend's std).

    Parameters
    ----------
    hidden_layers : list of HiddenLayer
        From :func:`look_inside`.
    kind : "activations" or "gradients"
    title : str, optional
    bins : int
    """
    if kind not in ("activations", "gradients"):
        raise ValueError(f'kind must be "activations" or "gradients", got {kind!r}')
    hidden_layers = list(hidden_layers) if not isinstance(hidden_layers, HiddenLayer) \
        else [hidden_layers]
    if not hidden_layers or not all(isinstance(h, HiddenLayer) for h in hidden_layers):
        raise TypeError("hidden_layers must be the list look_inside(model, X, y) returns")
    ax = _axes(ax)
    shown = {}
    for hidden in hidden_layers:
        values = getattr(hidden, kind).ravel()
        label = f"{hidden.name}: std {values.std():.2g}"
        if kind == "activations":
            label += f", {np.mean(values == 0):.0%} at 0"
            values = values[values > 0]
        if values.size == 0 or not np.all(np.isfinite(values)):
            label += " (none above 0)" if values.size == 0 else " (not finite)"
        shown[label] = values if values.size and np.all(np.isfinite(values)) else None
    drawn = [v for v in shown.values() if v is not None]
    if drawn:
        reach = float(np.percentile(np.abs(np.concatenate(drawn)), 99.5)) or 1.0
        edges = np.linspace(0 if kind == "activations" else -reach, reach, bins + 1)
    for label, values in shown.items():
        if values is None:
            ax.plot([], [], label=label)
            continue
        density, _ = np.histogram(values, bins=edges, density=True)
        ax.plot((edges[:-1] + edges[1:]) / 2, density, label=label)
    ax.set_xlabel("activation (where > 0)" if kind == "activations" else "gradient")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    if kind == "gradients":     # sizes like 2e-4: a shared "1e-4" above the axis, not 0.0002
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    _set_ylabel(ax, "density")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_update_ratios(update_ratios: UpdateRatios, ax=None, *, title: str | None = None):
    """Each layer's update-to-weight ratio against the step, on a log scale, with the
    rule of thumb (1e-3) as a dashed line."""
    if not isinstance(update_ratios, UpdateRatios):
        raise TypeError(f"update_ratios must be an UpdateRatios, "
                        f"got {type(update_ratios).__name__}")
    ratios = update_ratios.ratios
    if len(ratios) == 0:
        raise ValueError("no step recorded yet: use it as the optimizer in a training loop")
    ax = _axes(ax)
    for name, column in zip(update_ratios.names, ratios.T):
        ax.plot(update_ratios.steps, column, label=name)
    ax.axhline(GOOD_UPDATE_RATIO, color="0.3", linestyle="--", linewidth=1.2,
               label="1e-3 (rule of thumb)")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    _set_ylabel(ax, "std(update) / std(W)")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


# --- input checks ---------------------------------------------------------------------------------


def _layers(model) -> list:
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(f"model must be a Sequential (a model with a list of layers), "
                        f"got {type(model).__name__}")
    for i, layer in enumerate(layers):
        if not (callable(getattr(layer, "forward", None))
                and callable(getattr(layer, "backward", None))):
            raise TypeError(f"layer {i} of model has no forward and backward methods: "
                            f"got {type(layer).__name__}")
    return list(layers)


def _backward(layer, gradient, input_grad: bool):
    """``layer.backward``: nblib's layers skip dL/dX with ``input_grad=False``; a layer
    written in the notebook takes ``backward(dY)`` alone."""
    try:
        accepts = "input_grad" in inspect.signature(layer.backward).parameters
    except (TypeError, ValueError):     # no signature to read (a builtin): call it plainly
        accepts = False
    if accepts:
        return layer.backward(gradient, input_grad=input_grad)
    return layer.backward(gradient)


def _nonlinearities(layers) -> list[int]:
    """The indices of the layers without parameters, but not the last layer."""
    hidden = [i for i, layer in enumerate(layers[:-1]) if not _has_parameters(layer)]
    if not hidden:
        raise ValueError("model has no hidden layer (no layer without parameters, such as "
                         "ReLU, between its layers)")
    return hidden


def _has_parameters(layer) -> bool:
    parameters = getattr(layer, "parameters", None)
    if callable(parameters):
        return len(parameters()) > 0
    return hasattr(layer, "W")


def _batch(X, y):
    X = np.asarray(X)
    if X.dtype == np.uint8:
        X = to_float32(X)
    elif X.dtype.kind != "f":
        raise TypeError(f"X must be uint8 images or an array of floats, got dtype {X.dtype}")
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty batch, shape (batch, features) or "
                         f"(batch, 28, 28), got shape {X.shape}")
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(X),) or y.dtype.kind not in "iu":
            raise ValueError(f"y must hold one integer label per sample of X, shape "
                             f"({len(X)},), got shape {y.shape} and dtype {y.dtype}")
    return X, y
