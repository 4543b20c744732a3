"""Four ways to start a network's weights, and what each does to activations and to learning.

For notebooks/06_mnist.ipynb's section "Initialisation".  Every start draws each weight
matrix ``W: (n_in, n_out)`` from a normal distribution with mean 0; only its standard
deviation differs (biases start at 0):

=========  ===========================  =============================================
start      standard deviation           where it comes from
=========  ===========================  =============================================
"x0.01"    0.01                         CS231n's ``W = 0.01 * np.random.randn(...)``
"glorot"   sqrt(2 / (n_in + n_out))     Glorot & Bengio 2010 ("Xavier"); what
                                        nblib.layers.Dense draws
"he"       sqrt(2 / n_in)               He et al. 2015, for ReLU networks
"x10"      10                           ``10 * np.random.randn(...)``
=========  ===========================  =============================================

Why He suits ReLU
-----------------
Take one unit of a layer, ``z = sum_i w_i x_i`` over its ``n_in`` inputs, with weights
drawn independently of the inputs, mean 0 and variance Var(w).  Then

    Var(z) = n_in * Var(w) * E[x^2]

(the mean of ``x`` does not cancel: ReLU outputs are never negative, so it is the second
moment E[x^2], not Var(x), that counts).  ``z`` is symmetric around 0, so the ReLU that
follows keeps exactly half of its second moment: ``E[relu(z)^2] = Var(z) / 2``.  The
next layer's inputs therefore have

    E[x_next^2] = n_in * Var(w) / 2 * E[x^2].

The factor ``n_in * Var(w) / 2`` is applied once per layer.  He's choice,
Var(w) = 2 / n_in, makes it exactly 1: the scale of the activations stays the same
from the first layer to the last, however deep the network.  Glorot's
Var(w) = 2 / (n_in + n_out) was derived for activations symmetric around 0, such as
tanh, which keep (near 0) the whole variance rather than half of it; with ReLU and
n_in = n_out it gives a factor 1/2 per layer on the second moment, so the
activations' standard deviation shrinks by 1/sqrt(2) per layer (32 times smaller
after 10 layers).  With a standard deviation of 0.01 and 128 inputs the factor is
128 * 1e-4 / 2 = 0.0064: the standard deviation shrinks 12.5 times per layer and
the signal vanishes; with 10 it is 128 * 100 / 2 = 6 400, 80 times per layer, and
it explodes.  Gradients flow back through the same weights and suffer the same
fate.  :func:`deep_activation_stds` measures all of this, and the tests check it.

In the notebook::

    stds = deep_activation_stds()                # 10 ReLU layers of 128 units, ~0.05 s
    runs = one_epoch_from_each_start(data)       # two networks x four starts, ~2 s
    plot_initialisations(stds, runs)
    plt.show()
    print(start_table(runs))
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

#: The four starts, by name, and how each is written in figures and tables.
LABELS = {"x0.01": "× 0.01", "glorot": "Glorot", "he": "He", "x10": "× 10"}
#: Other spellings :func:`initialise` accepts.
ALIASES = {"xavier": "glorot", "small": "x0.01", "large": "x10", "×0.01": "x0.01",
           "×10": "x10", "0.01": "x0.01", "10": "x10"}
#: One colour per start (Okabe-Ito), the same in every panel.
COLOURS = {"x0.01": "#0072B2", "glorot": "#009E73", "he": "#D55E00", "x10": "#CC79A7"}

#: The networks each start trains, one epoch each, and their recipes (SGD, momentum 0.9,
#: batch 128).  The notebook's network with its recipe's rate (notebooks/06_mnist.ipynb:
#: lr 0.2; its 6-epoch linear decay is left out, every start trains one epoch at the
#: starting rate); and a deep one, 10 hidden ReLU layers of 128, which needs a smaller
#: rate (at 0.05 He's first epoch is already erratic, at 0.2 it diverges).
NETWORKS = {
    "784-256-128-10": {"sizes": (784, 256, 128, 10), "lr": 0.2},
    "10 layers of 128": {"sizes": (784,) + (128,) * 10 + (10,), "lr": 0.02},
}
MOMENTUM, BATCH_SIZE = 0.9, 128
#: Training images per run: the first 10,000 of the training split keep the eight runs
#: to about two seconds in all (a full epoch of 50,000 takes 0.8 s per start for the
#: notebook's network alone on the course's machine).
N_TRAIN = 10_000
#: The deep stack of :func:`deep_activation_stds`: as deep and as wide as the deep network.
DEPTH, WIDTH = 10, 128
#: A run stops when a batch's loss exceeds this many times ln(10), the loss of a
#: network that guesses: it has diverged (its loss grows by orders of magnitude a step).
DIVERGED_FACTOR = 1e4


def scaled_normal(shape, rng: np.random.Generator, scale: float) -> np.ndarray:
    """``scale * rng.standard_normal(shape)``: normal weights of standard deviation ``scale``.

    Parameters
    ----------
    shape : (n_in, n_out)
    rng : numpy.random.Generator
    scale : float

    Examples
    --------
    >>> W = scaled_normal((784, 256), np.random.default_rng(0), 0.01)   # std 0.01
    """
    _check_shape(shape)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)) \
            or not math.isfinite(scale) or scale < 0:
        raise ValueError(f"scale must be a finite number >= 0, got {scale!r:.40}")
    return rng.standard_normal(tuple(shape)) * float(scale)


def glorot_normal(shape, rng: np.random.Generator) -> np.ndarray:
    """Glorot (Xavier) normal: standard deviation sqrt(2 / (n_in + n_out)).

    >>> W = glorot_normal((784, 256), np.random.default_rng(0))   # std 0.044
    """
    n_in, n_out = _check_shape(shape)
    return scaled_normal(shape, rng, math.sqrt(2 / (n_in + n_out)))


def he_normal(shape, rng: np.random.Generator) -> np.ndarray:
    """He normal: standard deviation sqrt(2 / n_in), for layers followed by ReLU.

    >>> W = he_normal((784, 256), np.random.default_rng(0))   # std 0.051
    """
    n_in, _ = _check_shape(shape)
    return scaled_normal(shape, rng, math.sqrt(2 / n_in))


def small_normal(shape, rng: np.random.Generator) -> np.ndarray:
    """Standard deviation 0.01, whatever the layer's size (CS231n's ``0.01 * randn``)."""
    return scaled_normal(shape, rng, 0.01)


def large_normal(shape, rng: np.random.Generator) -> np.ndarray:
    """Standard deviation 10, whatever the layer's size."""
    return scaled_normal(shape, rng, 10.0)


def weight_std(start: str, n_in: int, n_out: int) -> float:
    """The standard deviation ``start`` draws a layer's weights with: 0.01,
    sqrt(2 / (n_in + n_out)), sqrt(2 / n_in) or 10.

    >>> weight_std("he", 784, 256)     # 0.0505
    """
    name = _name(start)
    stds = {"x0.01": 0.01, "x10": 10.0, "glorot": math.sqrt(2 / (n_in + n_out)),
            "he": math.sqrt(2 / n_in)}
    if name not in stds:
        raise ValueError(f"start must be one of {', '.join(repr(s) for s in STARTS)}, "
                         f"got {start!r:.40}")
    return stds[name]


#: name -> function(shape, rng) drawing a weight matrix of that shape.
STARTS = {"x0.01": small_normal, "glorot": glorot_normal, "he": he_normal, "x10": large_normal}


def start_function(start):
    """The drawing function for ``start``: a name of :data:`STARTS` (or an alias), or a
    function ``(shape, rng) -> array`` returned as it is."""
    if callable(start):
        return start
    if isinstance(start, str):
        key = start.strip().lower().replace(" ", "")
        key = ALIASES.get(key, key)
        if key in STARTS:
            return STARTS[key]
    raise ValueError(f"start must be one of {', '.join(repr(s) for s in STARTS)} (or a "
                     f"function (shape, rng) -> weights), got {start!r:.40}")


def _name(start):
    if not isinstance(start, str):
        return start
    key = start.strip().lower().replace(" ", "")
    return ALIASES.get(key, key)


def initialise(model, start="he", seed: int = 0):
    """Draw every Dense layer's weights afresh with ``start``; biases back to 0.

    The layers are changed in place (the same arrays, so an optimizer already holding
    them still updates them) and keep their dtype.  One generator seeded with ``seed``
    draws the layers in order, first to last.

    Parameters
    ----------
    model : Sequential, or any model with a ``layers`` list
        Every layer with a weight matrix ``W: (n_in, n_out)`` (and a bias ``b``) is
        redrawn: nblib.layers.Dense, or the notebook's own Dense.
    start : "x0.01", "glorot", "he" or "x10", or a function (shape, rng) -> array
    seed : int

    Returns
    -------
    model
        The same model, for chaining.

    Examples
    --------
    >>> model = initialise(mlp([784, 256, 128, 10]), "he", seed=0)
    """
    draw = start_function(start)
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"model must be a Sequential (a model with a list of layers), "
                        f"got {type(model).__name__}")
    weighted = [layer for layer in layers if isinstance(getattr(layer, "W", None), np.ndarray)]
    if not weighted:
        raise ValueError("model has no layer with a weight matrix W to initialise")
    rng = np.random.default_rng(seed)
    for layer in weighted:
        W = np.asarray(draw(layer.W.shape, rng))
        if W.shape != layer.W.shape:
            raise ValueError(f"the start drew weights of shape {W.shape} for a layer whose W "
                             f"is {layer.W.shape}")
        layer.W[...] = W
        b = getattr(layer, "b", None)
        if isinstance(b, np.ndarray):
            b[...] = 0
    return model


# --- activations through a deep ReLU stack --------------------------------------------------------


def deep_activation_stds(depth: int = DEPTH, width: int = WIDTH, n_samples: int = 1000,
                         seed: int = 0, X=None) -> dict[str, np.ndarray]:
    """The standard deviation of each hidden layer's ReLU outputs in a deep stack, per start.

    A stack of ``depth`` layers ``relu(X @ W)`` of ``width`` units (no biases: they start
    at 0 anyway), its weights drawn with each of the four starts, fed one batch.

    Parameters
    ----------
    depth, width : int
        10 layers of 128 by default.
    n_samples : int
        Rows of the batch (when ``X`` is not given).
    seed : int
        Draws the batch and the weights (the same weights, rescaled, for every start).
    X : array, shape (n, features), optional
        The batch: for example ``to_float32(data.X_val[:1000])``.  By default standard
        normal numbers, (n_samples, width).

    Returns
    -------
    dict
        ``{"x0.01": array (depth,), "glorot": ..., "he": ..., "x10": ...}``: the standard
        deviation of layer 1's, 2's, ... outputs (computed in float64: 10 layers of
        ``x10`` reach 1e20, and ``x0.01`` 1e-10).

    Examples
    --------
    >>> stds = deep_activation_stds()
    >>> stds["he"]       # about 0.8 in every layer
    """
    for value, name in ((depth, "depth"), (width, "width"), (n_samples, "n_samples")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r:.40}")
    rng = np.random.default_rng(seed)
    if X is None:
        X = rng.standard_normal((n_samples, width))
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a batch, shape (n, features), got shape {X.shape}")
    sizes = [X.shape[1]] + [width] * depth
    # One standard normal draw per layer, rescaled by each start's standard deviation:
    # the starts differ only in scale.
    unit = [rng.standard_normal((n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    stds = {}
    for name in STARTS:
        A, found = X, []
        for Z in unit:
            A = np.maximum(A @ (Z * weight_std(name, *Z.shape)), 0)
            found.append(float(A.std()))
        stds[name] = np.array(found)
    return stds


# --- one epoch from each start ---------------------------------------------------------------------


@dataclass
class StartRun:
    """One epoch of one network from one start.

    Attributes
    ----------
    start : str
        "x0.01", "glorot", "he" or "x10".
    network : str
        A key of :data:`NETWORKS`.
    losses : array, shape (steps,)
        Each batch's training loss, in order (fewer steps if it diverged).
    val_accuracy : float or None
        On the whole validation split after the epoch; None if training diverged.
    diverged : bool
        A batch's loss became non-finite or more than 10^4 times ln 10: stopped there.
    seconds : float
        Training time (without the validation pass).
    n_train : int
        The training images of the epoch.
    """

    start: str
    network: str
    losses: np.ndarray
    val_accuracy: float | None
    diverged: bool
    seconds: float
    n_train: int = 0


def train_one_epoch_from(start, data, network: str = "784-256-128-10", *,
                         n_train: int | None = N_TRAIN, seed: int = 0) -> StartRun:
    """Train one of :data:`NETWORKS` for one epoch from ``start``; validate once.

    Parameters
    ----------
    start : "x0.01", "glorot", "he" or "x10"
    data : nblib.mnist.MNIST
        ``load_mnist()``: trains on ``data.X_train[:n_train]``, validates on ``data.X_val``
        (never the test split).
    network : "784-256-128-10" or "10 layers of 128"
    n_train : int or None
        Training images (None: all of the training split).
    seed : int
        Draws the weights and the batch order (the same for every start).

    Returns
    -------
    StartRun

    Examples
    --------
    >>> run = train_one_epoch_from("he", data, "10 layers of 128")
    >>> run.val_accuracy, run.losses.shape          # (0.87, (79,))
    """
    from nblib.layers import (
        SGD,
        TrainingDiverged,
        accuracy,
        mlp,
        predict,
        softmax_cross_entropy_with_logits,
    )
    from nblib.mnist import to_float32

    if network not in NETWORKS:
        raise ValueError(f"network must be one of {', '.join(map(repr, NETWORKS))}, "
                         f"got {network!r:.40}")
    sizes, lr = NETWORKS[network]["sizes"], NETWORKS[network]["lr"]
    model = initialise(mlp(list(sizes), seed=seed), start, seed=seed)
    optimizer = SGD(lr=lr, momentum=MOMENTUM)
    X, y = (data.X_train, data.y_train) if n_train is None else \
        (data.X_train[:n_train], data.y_train[:n_train])
    order = np.random.default_rng(seed).permutation(len(X))
    losses, diverged = [], False
    limit = DIVERGED_FACTOR * math.log(sizes[-1])
    began = time.perf_counter()
    with np.errstate(all="ignore"):
        for first in range(0, len(X), BATCH_SIZE):
            batch = order[first:first + BATCH_SIZE]
            logits = model.forward(to_float32(X[batch]))
            if not np.isfinite(logits).all():
                diverged = True
                break
            loss, dlogits = softmax_cross_entropy_with_logits(logits, y[batch])
            losses.append(loss)
            if not loss < limit:
                diverged = True
                break
            model.backward(dlogits)
            try:
                optimizer.step(model)
            except TrainingDiverged:
                diverged = True
                break
    seconds = time.perf_counter() - began
    val_accuracy = None if diverged else accuracy(predict(model, data.X_val), data.y_val)
    return StartRun(_name(start), network, np.array(losses, dtype=float), val_accuracy,
                    diverged, seconds, len(X))


def one_epoch_from_each_start(data, *, n_train: int | None = N_TRAIN,
                              seed: int = 0) -> dict[str, dict[str, StartRun]]:
    """:func:`train_one_epoch_from` for each network and each of the four starts.

    Returns
    -------
    dict
        ``runs[network][start]``: ``runs["784-256-128-10"]["he"].val_accuracy``.

    Examples
    --------
    >>> runs = one_epoch_from_each_start(data)      # 8 short runs, about 2 s
    >>> print(start_table(runs))
    """
    return {network: {start: train_one_epoch_from(start, data, network, n_train=n_train,
                                                  seed=seed)
                      for start in STARTS}
            for network in NETWORKS}


def start_table(runs: dict[str, dict[str, StartRun]]) -> str:
    """The runs as a small text table: each start's validation accuracy after one epoch,
    one column per network ("diverged" where its loss exploded)."""
    networks = list(runs)
    widths = [max(len(name), 10) for name in networks]
    lines = [f"{'start':8s} {'weight std':>10s}  " + "  ".join(
        f"{name:>{width}s}" for name, width in zip(networks, widths))]
    starts = list(runs[networks[0]])
    for start in starts:
        cells = []
        for name, width in zip(networks, widths):
            run = runs[name][start]
            cells.append(f"{'diverged' if run.diverged else f'{run.val_accuracy:.1%}':>{width}s}")
        std = f"{weight_std(start, 784, NETWORKS[networks[0]]['sizes'][1]):.2g}"
        lines.append(f"{LABELS.get(start, start):8s} {std:>10s}  " + "  ".join(cells))
    n_train = max(run.n_train for run in runs[networks[0]].values())
    lines.append(f"(validation accuracy after one epoch on {n_train:,} training images;")
    lines.append(f" weight std: the first layer of {networks[0]})")
    return "\n".join(lines)


# --- the figure ------------------------------------------------------------------------------------


def _smooth(values: np.ndarray, window: int = 10) -> np.ndarray:
    """Each value averaged with up to ``window - 1`` values before it (a trailing mean)."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def plot_initialisations(stds: dict[str, np.ndarray], runs=None, axes=None,
                         network: str = "10 layers of 128"):
    """Left: each hidden layer's activation std in the deep stack, log scale, one line per
    start.  Right (when ``runs`` are given): each start's training loss over one epoch
    of ``network`` (each step's loss averaged with the 9 before it; a diverged run is
    named in the legend, its loss far off the scale).

    Parameters
    ----------
    stds : dict
        From :func:`deep_activation_stds`.
    runs : dict, optional
        From :func:`one_epoch_from_each_start`.
    axes : one Axes, or a pair of Axes, optional
    network : a key of :data:`NETWORKS`
        Whose losses the right panel shows.

    Returns
    -------
    The Axes (a pair when ``runs`` are given).
    """
    import matplotlib.pyplot as plt

    from nblib.plots import PANELS_FIGSIZE, _set_ylabel

    if axes is None:
        if runs is None:
            _, axes = plt.subplots()
        else:
            _, axes = plt.subplots(1, 2, figsize=PANELS_FIGSIZE)
    ax_std = axes[0] if runs is not None else axes
    for name, values in stds.items():
        layers = np.arange(1, len(values) + 1)
        ax_std.plot(layers, values, marker="o", markersize=4, color=COLOURS.get(name),
                    label=LABELS.get(name, name))
    ax_std.set_yscale("log")
    ax_std.set_xlabel("hidden layer")
    _set_ylabel(ax_std, "std of its outputs")
    ax_std.set_title("Activations at the start")
    ax_std.legend(fontsize=10, loc="upper left")
    if runs is None:
        return ax_std
    ax_loss = axes[1]
    for name, run in runs[network].items():
        label = LABELS.get(name, name)
        if run.diverged:        # its loss is far off the scale: named only
            ax_loss.plot([], [], color=COLOURS.get(name), label=f"{label}: diverged")
            continue
        ax_loss.plot(np.arange(1, len(run.losses) + 1), _smooth(run.losses),
                     color=COLOURS.get(name), label=label)
    ax_loss.axhline(math.log(10), color="0.4", linestyle=":", linewidth=1.2)
    ax_loss.annotate("ln 10: guessing", (0.02, math.log(10)), xycoords=("axes fraction",
                     "data"), xytext=(0, 4), textcoords="offset points", va="bottom",
                     fontsize=10, color="0.3")
    ax_loss.set_xlabel("step")
    _set_ylabel(ax_loss, "training loss")
    ax_loss.set_title(f"First epoch, {network}")
    ax_loss.set_ylim(0, 4.2)
    ax_loss.set_yticks(np.arange(0, 3.1, 0.5))     # none behind the legend
    ax_loss.legend(fontsize=10, loc="upper right", ncol=2)
    return axes


# --- input checks ---------------------------------------------------------------------------------


def _check_shape(shape) -> tuple[int, int]:
    if not isinstance(shape, (tuple, list)) or len(shape) != 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
            for n in shape):
        raise ValueError(f"shape must be (n_in, n_out), two positive whole numbers, "
                         f"got {shape!r:.40}")
    return int(shape[0]), int(shape[1])
