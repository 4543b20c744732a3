"""The course's figures.  Every function draws on ``ax`` (a new one when omitted) and returns it.

Notebook cells end with ``plt.show()`` so no ``<Figure size ...>`` text is stored.

Figure sizes (set by :func:`course_style`, used by nblib.widgets too)
---------------------------------------------------------------------
JupyterLab's output area is about 850 px wide and shrinks any wider image to
fit, text included; a 1280 x 720 slide leaves about 500 px for a figure's
height.  At ``DPI`` = 100 an inch is 100 px, so:

- one panel: ``FIGSIZE`` = 7.5 x 4.5 in, a 760 x 460 px PNG (the default);
- a row of two or three panels: ``PANELS_FIGSIZE`` = 8.3 x 3.6 in, an
  840 x 370 px PNG, for example ``plt.subplots(1, 3, figsize=PANELS_FIGSIZE)``.
  Never wider than ``MAX_WIDTH`` = 8.3 in (the PNG gains 0.1 in of margin on
  each side).  A third of that width fits a title of about 20 characters a line.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
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

DPI = 100
FIGSIZE = (7.5, 4.5)
MAX_WIDTH = 8.3     # the inline backend's bbox_inches="tight" adds 0.1 in on each side
PANELS_FIGSIZE = (MAX_WIDTH, 3.6)

# Sizes in points: 12 pt is 17 px at DPI 100, a little larger than JupyterLab's own
# 14 px text, so a figure's labels read like the prose around it, on a slide too.
STYLE = {
    "figure.dpi": DPI,
    "figure.figsize": FIGSIZE,
    "figure.constrained_layout.use": True,   # room for labels, colour bars, outside legends
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.framealpha": 0.9,
}

# Okabe-Ito blue and a darkened Okabe-Ito vermilion (told apart with every common
# colour vision deficiency), and a different shape for each class as well.  Fill and
# black edge both contrast at least 3:1 (WCAG) with every decision-boundary colour.
ACCEPT_STYLE = {"color": "#0072B2", "marker": "o", "s": 40, "label": "Accept (1)"}
REJECT_STYLE = {"color": "#B34E00", "marker": "s", "s": 32, "label": "Reject (0)"}
MARKER_EDGE = {"edgecolors": "black", "linewidths": 0.7}

# P(accept) from pale orange (reject) to pale blue (accept).  The step at 0.5 tints
# even an undecided model's two halves; the pale ends keep the markers on top legible.
PROBABILITY_CMAP = LinearSegmentedColormap.from_list("p_accept", [
    (0.0, "#f6c09a"), (0.5, "#fdeadc"), (0.5, "#e2eef9"), (1.0, "#a3c8e9")])


def course_style() -> None:
    """Set the course's figure defaults: figures that read in JupyterLab and on a slide.

    ``STYLE`` makes one-panel figures 7.5 x 4.5 in at 100 dpi (750 x 450 px) with
    12 pt text and constrained layout; the module docstring gives the size for a
    row of panels.

    In a Jupyter kernel it selects the inline backend explicitly, so figures show
    even when ``MPLBACKEND`` is set in the environment (ipykernel only picks inline
    when it is unset).  In any IPython it gives every figure a text form (see
    :func:`describe_figure`) instead of ``<Figure size 432x288 with 1 Axes>``.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        shell = None
    else:
        shell = get_ipython()
    in_kernel = getattr(shell, "kernel", None) is not None
    if in_kernel:
        # Before the rcParams (the inline backend applies its own rc settings when it
        # loads) and before the formatter below (loading it resets figure formatters).
        shell.run_line_magic("matplotlib", "inline")
    plt.rcParams.update(STYLE)
    if shell is not None:
        if not in_kernel:
            # Load whichever backend is configured now, as the magic above does in a
            # kernel: loading the inline one resets every figure formatter, this one too.
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
        title = " ".join(ax.get_title().split())      # a title on two lines reads as one
        words = [title] if title else []
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

    relu's slope jumps from 0 to 1 at x = 0: it is drawn as two pieces, with a
    filled dot for relu'(0) = 0 and an open one where the other piece ends.

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
        if not derivatives:
            ax.plot(x, function(x), color=color, label=f"{name}(x)")
        elif name == "relu" and x[0] < 0 < x[-1]:
            ax.plot(*_break_at_zero(x, derivative(x)), color=color, label=f"{name}'(x)")
            # relu'(0) = 0 in this course: a filled dot there, an open one at (0, 1).
            ax.plot([0], [derivative(0.0)], "o", color=color, zorder=3)
            ax.plot([0], [1], "o", color=color, markerfacecolor="white", zorder=3)
        else:
            ax.plot(x, derivative(x), color=color, label=f"{name}'(x)")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("x")
    ax.set_ylabel("slope" if derivatives else "activation")
    # Every slope here lies in [0, 1]: start just below 0 so the zero slopes stay visible.
    ax.set_ylim(*((-0.1, 1.15) if derivatives else (-1.2, 2.0)))
    ax.legend(loc="upper left")
    return ax


def _break_at_zero(x, y):
    """``x`` and ``y`` with a point (0, NaN) inserted: a line through them breaks at x = 0.

    Without it, relu's jump from 0 to 1 would be drawn as a vertical line.
    """
    after = np.searchsorted(x, 0.0, side="right")
    return np.insert(x, after, 0.0), np.insert(y, after, np.nan)


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
    """Scatter the buns: Accept (1) as blue circles, Reject (0) as dark orange squares.

    Both have a black edge, and the legend sits outside the axes, on the right, so
    that it hides no bun.

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
        ax.scatter(points[:, 0], points[:, 1], zorder=3, **style, **MARKER_EDGE)
    ax.set_xlabel("width (cm)")
    ax.set_ylabel("height (cm)")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return ax


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 150,
                           title: str | None = None, padding: float = 0.3):
    """Colour the plane by the model's prediction and draw its 0.5 contour over the buns.

    The plane goes from pale orange (P(accept) = 0) to pale blue (1), with a colour
    bar; the buns are drawn as in :func:`plot_buns`, dark-edged so that both classes
    stand out on every part of it.  Their legend goes above the colour bar.

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
                         cmap=PROBABILITY_CMAP)
    if probability.min() < 0.5 < probability.max():
        ax.contour(grid_x, grid_y, probability, levels=[0.5], colors="black", linewidths=1.5)
    shrink = 0.6
    colorbar = ax.figure.colorbar(filled, ax=ax, label="P(accept)", ticks=[0, 0.5, 1],
                                  shrink=shrink, anchor=(0.0, 0.0))
    plot_buns(X, y, ax=ax, title=title)
    # The buns' legend goes above the short colour bar, level with the plot's top: one
    # column on the right, where a legend beside the plot and a colour bar beside that
    # would squeeze the plot.
    ax.get_legend().remove()
    colorbar.ax.legend(*ax.get_legend_handles_labels(), loc="upper left",
                       bbox_to_anchor=(0.0, 1 / shrink), borderaxespad=0)
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
