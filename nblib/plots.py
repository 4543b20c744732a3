"""The course's figures.  Every function draws on ``ax`` (a new one when omitted) and returns it.

Notebook cells end with ``plt.show()`` so no ``<Figure size ...>`` text is stored.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from nblib.activations import (
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)
from nblib.validation import as_float_array, check_labels

ACCEPT_STYLE = {"color": "#1f77b4", "marker": "o", "label": "Accept (1)"}
REJECT_STYLE = {"color": "#d62728", "marker": "x", "label": "Reject (0)"}


def course_style() -> None:
    """Set the course's figure defaults: small, light PNGs that read well on a slide.

    In a notebook it also gives every figure a text form (see
    :func:`describe_figure`) instead of ``<Figure size 432x288 with 1 Axes>``.
    """
    plt.rcParams.update({
        "figure.dpi": 72,
        "figure.figsize": (6.0, 4.0),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 11,
        "legend.framealpha": 0.9,
    })
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        # Load the notebook's plotting backend now: when it loads later (at the first
        # figure) it resets every figure formatter, including this one.
        plt.switch_backend(plt.get_backend())
        shell.display_formatter.formatters["text/plain"].for_type(
            Figure, lambda figure, printer, cycle: printer.text(describe_figure(figure)))


def describe_figure(figure) -> str:
    """A figure in words: each panel's title and axis labels.

    This is what a reader without images (a screen reader, a text diff, nbval)
    gets for a figure, so it names what the picture shows.
    """
    panels = []
    for ax in figure.axes:
        if ax.get_label() == "<colorbar>":
            continue
        words = [ax.get_title()] if ax.get_title() else []
        if ax.get_xlabel() or ax.get_ylabel():
            words.append(f"{ax.get_ylabel() or 'y'} against {ax.get_xlabel() or 'x'}")
        panels.append(": ".join(words) or "a plot")
    return "[figure] " + (" | ".join(panels) if panels else "(empty)")


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_activations(ax=None, derivatives: bool = False, x_range=(-5.0, 5.0)):
    """Curves of sigmoid, tanh and relu (and, with ``derivatives=True``, their slopes).

    Taught in notebooks/01_neuron.ipynb and notebooks/02_gradients.ipynb.
    """
    x_range = as_float_array(x_range, "x_range", ndim=1)
    if x_range.shape != (2,) or not x_range[0] < x_range[1]:
        raise ValueError(f"x_range must be (low, high) with low < high, got {tuple(x_range)}")
    ax = _axes(ax)
    x = np.linspace(*x_range, 401)
    pairs = [("sigmoid", sigmoid, sigmoid_derivative), ("tanh", tanh, tanh_derivative),
             ("relu", relu, relu_derivative)]
    for (name, function, derivative), color in zip(pairs, ["C0", "C1", "C2"]):
        if derivatives:
            ax.plot(x, derivative(x), color=color, label=f"{name}'(x)")
        else:
            ax.plot(x, function(x), color=color, label=f"{name}(x)")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("x")
    ax.set_ylabel("slope" if derivatives else "activation")
    ax.set_ylim(-1.2, 1.5 if derivatives else 2.0)
    ax.legend(loc="upper left")
    return ax


def _check_points(X, y):
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features (width, height) to plot, got shape {X.shape}")
    y = as_float_array(y, "y", ndim=1)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    check_labels(y)
    return X, y


def plot_buns(X, y, ax=None, title: str | None = "Bakery buns"):
    """Scatter the buns: Accept (1) as blue circles, Reject (0) as red crosses.

    Parameters
    ----------
    X : array, shape (n, 2)
        Width and height in cm.
    y : array, shape (n,)
        Labels, 0 or 1.
    """
    X, y = _check_points(X, y)
    ax = _axes(ax)
    for label, style in ((1, ACCEPT_STYLE), (0, REJECT_STYLE)):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], s=22, linewidths=1.2, **style)
    ax.set_xlabel("width (cm)")
    ax.set_ylabel("height (cm)")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower left")
    return ax


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 150,
                           title: str | None = None, padding: float = 0.3):
    """Colour the plane by the model's prediction and draw its 0.5 contour over the buns.

    Parameters
    ----------
    predict : callable
        Maps points, shape (m, 2), to probabilities of Accept, shape (m,).
    X : array, shape (n, 2)
    y : array, shape (n,)
    resolution : int
        Grid points along each axis.

    Taught in notebooks/01_neuron.ipynb.
    """
    X, y = _check_points(X, y)
    if not callable(predict):
        raise TypeError(f"predict must be a function of points (m, 2), got {type(predict).__name__}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    ax = _axes(ax)
    (x_min, y_min), (x_max, y_max) = X.min(axis=0) - padding, X.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, resolution),
                                 np.linspace(y_min, y_max, resolution))
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    probability = as_float_array(predict(points), "predict(points)")
    if probability.size != len(points):
        raise ValueError(f"predict must return one probability per point: given points of "
                         f"shape {points.shape} it returned shape {probability.shape}")
    probability = probability.reshape(grid_x.shape)
    filled = ax.contourf(grid_x, grid_y, probability, levels=np.linspace(0, 1, 11),
                         cmap="RdBu", alpha=0.35)
    if probability.min() < 0.5 < probability.max():
        ax.contour(grid_x, grid_y, probability, levels=[0.5], colors="black", linewidths=1.5)
    ax.figure.colorbar(filled, ax=ax, label="P(accept)", ticks=[0, 0.5, 1])
    plot_buns(X, y, ax=ax, title=title)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    return ax


def plot_loss_curve(losses, ax=None, label: str | None = None, log_scale: bool = False,
                    ylabel: str = "loss"):
    """Loss against epoch.

    Parameters
    ----------
    losses : array, shape (num_epochs,)
    label : str, optional
        Legend entry (call repeatedly on one ``ax`` to compare runs).
    log_scale : bool
        Log-scale the loss axis.
    """
    losses = as_float_array(losses, "losses", ndim=1)
    ax = _axes(ax)
    ax.plot(np.arange(len(losses)), losses, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if log_scale:
        ax.set_yscale("log")
    if label:
        ax.legend()
    return ax
