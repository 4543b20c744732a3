"""Interactive explorers built from ipywidgets sliders.

Each explorer redraws a figure through a plain ``draw_*`` function, which the
tests call directly.  An explorer's text form (what a reader without a
running kernel sees, and what nbval compares) names it and its current values,
or says what its figure shows (the digit explorer: "index=247, true 4, predicted
6 (71%), misclassified").
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from nblib.descent import gradient_descent_1d
from nblib.losses import binary_log_loss
from nblib.metrics import accuracy
from nblib.neuron import neuron_forward
from nblib.plots import (
    DPI,
    FIGSIZE,
    PANELS_FIGSIZE,
    STYLE,
    _check_class_labels,
    _check_images,
    _percent,
    figure_png,
    plot_decision_boundary,
    plot_digit,
    plot_probabilities,
)


class Explorer(widgets.VBox):
    """Sliders above a figure that is redrawn whenever a slider moves.

    Parameters
    ----------
    title : str
    controls : dict of name -> ipywidget
        Each control's ``value`` is passed to ``draw`` under its name.
    draw : callable
        ``draw(ax, **values)`` draws the figure for the current values; ``ax`` is
        an array of Axes when ``subplots`` asks for several.
    figsize : (float, float)
        In inches; the course's one-panel size by default (see nblib.plots).
    subplots : dict, optional
        Keyword arguments for ``Figure.subplots``, such as
        ``{"ncols": 2, "width_ratios": [1, 2]}`` for two panels side by side.
    describe : callable, optional
        ``describe(**values)`` says in words what the figure shows, for the text
        form; by default the values, "name=value, ...".
    buttons : sequence of widgets, optional
        Shown after the controls, such as buttons that set a control's value.
    """

    def __init__(self, title: str, controls: dict, draw: Callable, figsize=FIGSIZE, *,
                 subplots: dict | None = None, describe: Callable | None = None,
                 buttons: Sequence[widgets.Widget] = ()):
        self.title = title
        self.controls = controls
        self.draw = draw
        self.figsize = figsize
        self.subplots = dict(subplots or {})
        self.describe = describe
        self.figure = None
        self.output = widgets.Output()
        super().__init__([widgets.HTML(f"<b>{title}</b>"),
                          widgets.HBox([*controls.values(), *buttons]), self.output])
        for control in controls.values():
            control.observe(self.redraw, names="value")
        self.redraw()

    def values(self) -> dict:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self, change=None) -> None:
        """Draw the figure for the current values into the output area."""
        # In the course style whether or not course_style() ran, so that an explorer
        # looks like the notebook's other figures.  No bbox_inches="tight": the image
        # keeps its size (FIGSIZE at DPI) as the sliders move.
        with matplotlib.rc_context(STYLE):
            # A Figure not registered with pyplot: nothing accumulates between redraws.
            figure = Figure(figsize=self.figsize, dpi=DPI, layout="constrained")
            self.draw(figure.subplots(**self.subplots), **self.values())
            # Twice the pixels, shown at FIGSIZE: as the notebook's other figures.
            png, size = figure_png(figure)
        self.figure = figure
        # Set the output area's contents from the kernel rather than printing into it:
        # that also works with no widget frontend (nbconvert, nbval), where captured
        # output would spill into the cell instead.
        self.output.outputs = ({"output_type": "display_data", "metadata": {"image/png": size},
                                "data": {"image/png": base64.b64encode(png).decode(),
                                         "text/plain": repr(self)}},)

    def __repr__(self) -> str:
        if self.describe is not None:
            return f"{self.title}: {self.describe(**self.values())}"
        shown = ", ".join(f"{name}={_short(value)}" for name, value in self.values().items())
        return f"{self.title}: {shown}"


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _slider(description, value, low, high, step):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step,
                               description=description, continuous_update=True,
                               readout_format=".2f", layout=widgets.Layout(width="260px"))


# --- 01: a neuron's weights -------------------------------------------------

def draw_neuron(ax, X, y, w1: float, w2: float, b: float):
    """Decision boundary of the neuron sigmoid(w1 * width + w2 * height + b), with its accuracy.

    Taught in notebooks/01_neuron.ipynb.
    """
    w = np.array([w1, w2])
    accuracy_now = accuracy(neuron_forward(X, w, b), y)
    plot_decision_boundary(lambda points: neuron_forward(points, w, b), X, y, ax=ax,
                           title=f"w1={w1:.2f}, w2={w2:.2f}, b={b:.2f}: "
                                 f"accuracy {accuracy_now:.0%}")
    return ax


def neuron_explorer(X, y, w1: float = -1.0, w2: float = -1.0, b: float = 9.0) -> Explorer:
    """Sliders for a two-input neuron's w1, w2 and b, redrawing its decision boundary.

    Parameters
    ----------
    X : array, shape (n, 2)
    y : array, shape (n,)

    Taught in notebooks/01_neuron.ipynb.
    """
    controls = {"w1": _slider("w1", w1, -5, 5, 0.1), "w2": _slider("w2", w2, -5, 5, 0.1),
                "b": _slider("b", b, -30, 30, 0.1)}
    return Explorer("Neuron explorer", controls,
                    lambda ax, **values: draw_neuron(ax, X, y, **values))


# --- 02: the learning rate --------------------------------------------------

def parabola(x):
    """f(x) = 3x² - 4x + 5, the running example of notebooks/02_gradients.ipynb."""
    return 3 * x**2 - 4 * x + 5


def parabola_derivative(x):
    """f'(x) = 6x - 4."""
    return 6 * x - 4


def draw_learning_rate(ax, lr: float, num_steps: int = 10, x0: float = -1.5):
    """Gradient descent on f(x) = 3x² - 4x + 5 from ``x0``: each step drawn on the curve.

    The legend goes below the figure, outside every panel, so it never covers a
    path (a diverging one zig-zags across the whole parabola).  A row of panels
    drawn with this function shares one legend.  It needs constrained layout, the
    course's default (``nblib.plots.course_style``) and the explorer's.

    Taught in notebooks/02_gradients.ipynb.
    """
    xs = gradient_descent_1d(parabola_derivative, x0, lr, num_steps)
    visited = xs[np.isfinite(xs)]
    shown = visited[np.abs(visited - 2 / 3) <= 4]
    grid = np.linspace(-3.5, 4.8, 300)
    ax.plot(grid, parabola(grid), color="gray", label="f(x) = 3x² - 4x + 5")
    ax.plot(shown, parabola(shown), "o-", color="C3", label="gradient descent")
    ax.plot(shown[:1], parabola(shown[:1]), "s", color="black", label="start")
    ax.set_xlim(-3.5, 4.8)
    ax.set_ylim(0, 60)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    final = xs[-1]
    verdict = "diverged" if not np.isfinite(final) or abs(final - 2 / 3) > 4 else f"x = {final:.3f}"
    # Two lines, to fit a panel a third of the page wide; the figure's text form
    # (nblib.plots.describe_figure) reads it as one line.
    ax.set_title(f"α = {lr:.3f}, {num_steps} steps:\n{verdict}")
    if not ax.figure.legends:           # the first panel of a row adds the shared legend
        ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return ax


def learning_rate_explorer(lr: float = 0.05, num_steps: int = 10) -> Explorer:
    """A learning-rate slider for gradient descent on f(x) = 3x² - 4x + 5.

    Taught in notebooks/02_gradients.ipynb.
    """
    controls = {
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=-0.3, step=0.05,
                                     description="α", readout_format=".3f",
                                     layout=widgets.Layout(width="300px")),
        "num_steps": widgets.IntSlider(value=num_steps, min=1, max=50, description="steps"),
    }
    return Explorer("Learning-rate explorer", controls, draw_learning_rate)


# --- 03: log loss -----------------------------------------------------------

def draw_log_loss(ax, y_hat: float, y: int):
    """Log loss of one prediction ``y_hat`` when the truth is ``y``, on the loss curve.

    Taught in notebooks/03_log_loss.ipynb.
    """
    grid = np.linspace(0.001, 0.999, 400)
    for label, color in ((1, "C0"), (0, "C1")):
        curve = -np.log(grid) if label == 1 else -np.log(1 - grid)
        name = "y = 1: -log(ŷ)" if label == 1 else "y = 0: -log(1 - ŷ)"
        ax.plot(grid, curve, color=color, lw=3 if label == y else 1,
                alpha=1 if label == y else 0.35, label=name)
    loss = binary_log_loss(np.array([y_hat]), np.array([y]))
    ax.plot([y_hat], [loss], "o", color="black", markersize=8)
    ax.set_xlabel("predicted probability ŷ")
    ax.set_ylabel("log loss")
    ax.set_ylim(0, 7)
    ax.set_title(f"ŷ = {y_hat:.3f}, y = {y}: loss = {loss:.4f}")
    ax.legend(loc="upper center")
    return ax


def log_loss_explorer(y_hat: float = 0.7, y: int = 1) -> Explorer:
    """A ŷ slider and a y = 0/1 toggle showing the log loss of one prediction.

    Taught in notebooks/03_log_loss.ipynb.
    """
    controls = {
        "y_hat": widgets.FloatSlider(value=y_hat, min=0.001, max=0.999, step=0.001,
                                     description="ŷ", readout_format=".3f",
                                     layout=widgets.Layout(width="300px")),
        "y": widgets.ToggleButtons(options=[0, 1], value=y, description="y"),
    }
    # Flatter than the default figure: with its sliders it fits a 1280x720 slide.
    return Explorer("Log-loss explorer", controls, draw_log_loss, figsize=(FIGSIZE[0], 3.2))


# --- 06: test digits and the network's probabilities ------------------------

def draw_digit_and_probabilities(axes, image, label: int, probabilities, index: int | None = None):
    """A digit beside the network's probability for each class, the predicted one highlighted.

    A misclassified digit gets a red title and frame, and its predicted bar is red.

    Parameters
    ----------
    axes : (Axes, Axes)
        The digit's panel and the bars' panel.
    image : array, shape (28, 28) or (784,)
    label : int
        The digit's true class.
    probabilities : array, shape (10,)
        The network's output for it (softmax): in [0, 1], summing to 1.
    index : int, optional
        Its place in the data set, for the title.

    Taught in notebooks/06_mnist.ipynb.
    """
    try:
        ax_digit, ax_bars = axes
    except (TypeError, ValueError):
        raise TypeError("axes must be two Axes (digit, probabilities), for example "
                        "plt.subplots(1, 2, figsize=PANELS_FIGSIZE)[1]") from None
    # The bars first: they check the probabilities and the label before anything is drawn.
    plot_probabilities(probabilities, ax=ax_bars, true_label=label)
    wrong = int(np.argmax(probabilities)) != label
    name = "digit" if index is None else f"index {index}"
    plot_digit(image, ax=ax_digit, title=f"{name}: true {label}", wrong=wrong)
    return ax_digit, ax_bars


def _check_probability_rows(probabilities, n: int) -> np.ndarray:
    """The network's outputs, shape (n, k): one row of class probabilities per image."""
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 2 or len(p) != n or p.shape[1] < 2:
        raise ValueError(f"probabilities must have one row of class probabilities per image, "
                         f"shape ({n}, 10), got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("probabilities must hold probabilities in [0, 1], found values from "
                         f"{np.nanmin(p):.4g} to {np.nanmax(p):.4g}")
    sums = p.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > 1e-4)
    if len(bad):
        raise ValueError(f"each row of probabilities must sum to 1; row {bad[0]} sums to "
                         f"{sums[bad[0]]:.4g} ({len(bad)} rows do not): apply softmax")
    return p


def next_mistake(index: int, mistakes, step: int = 1) -> int:
    """The first index in ``mistakes`` after ``index`` (``step=-1``: before it), wrapping around.

    Parameters
    ----------
    index : int
        The digit shown now.
    mistakes : array of int
        The indices of the misclassified digits, in increasing order (not empty).
    step : int
        1 for the next mistake, -1 for the previous one.
    """
    mistakes = np.asarray(mistakes)
    if step > 0:
        later = mistakes[mistakes > index]
        return int(later[0] if len(later) else mistakes[0])
    earlier = mistakes[mistakes < index]
    return int(earlier[-1] if len(earlier) else mistakes[-1])


def digit_explorer(images, labels, probabilities, index: int | None = None) -> Explorer:
    """Browse digits with the network's probabilities: a slider for the index, and buttons
    that jump to the previous or next misclassified digit.

    The probabilities are computed beforehand (the network's output for every
    image), so the explorer needs no model.  Its text form says what it shows:
    "Digit explorer: index=247, true 4, predicted 6 (71%), misclassified".

    Parameters
    ----------
    images : array, shape (n, 28, 28) or (n, 784)
    labels : array of int, shape (n,)
    probabilities : array, shape (n, 10)
        One row of class probabilities per image, each summing to 1.
    index : int, optional
        The digit to start on; by default the first misclassified one (or 0 when
        there is none), the most telling picture in a stored notebook.

    Taught in notebooks/06_mnist.ipynb.
    """
    images = _check_images(images)
    n = len(images)
    probabilities = _check_probability_rows(probabilities, n)
    labels = _check_class_labels(labels, "labels", n, num_classes=probabilities.shape[1])
    predictions = probabilities.argmax(axis=1)
    mistakes = np.flatnonzero(predictions != labels)
    if index is None:
        index = int(mistakes[0]) if len(mistakes) else 0
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
            or not 0 <= index < n:
        raise ValueError(f"index must be a whole number from 0 to {n - 1}, got {index!r}")
    slider = widgets.IntSlider(value=int(index), min=0, max=n - 1, description="index",
                               # Redraw when let go: dragging across 10,000 digits would
                               # queue hundreds of figures.
                               continuous_update=False, layout=widgets.Layout(width="360px"))
    buttons = []
    for step, text in ((-1, "◀ previous mistake"), (1, "next mistake ▶")):
        # As wide as their text: ipywidgets' default width (148 px) cuts it off.
        button = widgets.Button(description=text, disabled=not len(mistakes),
                                tooltip=f"{len(mistakes)} of {n} digits are misclassified",
                                layout=widgets.Layout(width="auto", flex="0 0 auto"))

        def jump(_, step=step):
            slider.value = next_mistake(slider.value, mistakes, step)

        button.on_click(jump)
        buttons.append(button)

    def describe(index):
        true, predicted = labels[index], predictions[index]
        text = (f"index={index}, true {true}, predicted {predicted} "
                f"({_percent(probabilities[index, predicted])})")
        return text + (", misclassified" if true != predicted else "")

    return Explorer("Digit explorer", {"index": slider},
                    lambda axes, index: draw_digit_and_probabilities(
                        axes, images[index], int(labels[index]), probabilities[index], index),
                    figsize=PANELS_FIGSIZE, subplots={"ncols": 2, "width_ratios": [1, 1.6]},
                    describe=describe, buttons=buttons)
