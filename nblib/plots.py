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

Stored figures (see :func:`figure_png`) have 1.5 times those pixels, ``PIXEL_RATIO``,
with their display size in the output's metadata: JupyterLab shows them at the
size above, and a slide deck can show them up to 1.5 times as large and still
sharp (tools/build_slides.py).  Each PNG also records the size of
its smallest text, so tests can measure how large a figure's text is as shown.

Symbols as labels ("ŷ", "z", "x2") are drawn upright, also on a vertical axis (to
its left) or a colour bar (above it): turned on its side, "ŷ" reads as "‹y".

A 3-D panel beside a flat one: :func:`plot_neuron_views`.  Constrained layout
does not see a 3-D panel's tick labels and axis labels (matplotlib 3.11), so that
function leaves a gap for them that ``plt.subplots(1, 2)`` would not.
"""

from __future__ import annotations

import base64
import io
import re
import struct
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, LogNorm, Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, PercentFormatter

from nblib.activations import (
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)
from nblib.validation import as_float_array, as_scalar, check_labels, check_probabilities

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

#: Stored figures have this many pixels per displayed pixel: sharp when a slide shows
#: them larger (a 760 x 460 figure fits a slide's figure box at about 1.4 times its
#: size), and lighter than "retina" figures (twice: the notebooks would be 7.2 MB
#: instead of about 5).
PIXEL_RATIO = 1.5
#: The PNG text chunk in which :func:`figure_png` records the figure's smallest text size,
#: in the PNG's own pixels.
TEXT_SIZE_KEY = "nblib:smallest-text-px"

# Class 0 and class 1: a darkened Okabe-Ito vermilion and Okabe-Ito blue (told apart
# with every common colour vision deficiency), and a different shape for each class as
# well.  Fill and black edge both contrast at least 3:1 (WCAG) with every
# decision-boundary colour; so does the colour alone, the edge of a hollow test point.
CLASS_STYLES = ({"color": "#B34E00", "marker": "s", "s": 32},
                {"color": "#0072B2", "marker": "o", "s": 40})
MARKER_EDGE = {"edgecolors": "black", "linewidths": 0.7}

# The bakery of notebooks 01-03: the default names of plot_decision_boundary.
BAKERY_XLABEL, BAKERY_YLABEL = "width (cm)", "height (cm)"
BAKERY_CLASSES = ("Reject (0)", "Accept (1)")

# A decision boundary's margin around the data, as a fraction of the data's range.
PADDING_FRACTION = 0.075
# Series of a training history: one line style each, the same in every panel and run.
SERIES_STYLES = {"train": "-", "validation": "--", "val": "--", "test": ":"}
OTHER_SERIES_STYLE = "-."
# A 3-D surface is seen this many degrees off its side view (see _side_view), so that
# its threshold contour shows as a line across it rather than edge-on.
SIDE_VIEW_TURN = 30.0
# A 3-D panel leaves wide margins around its box: zoom in to fill them.
SURFACE_ZOOM = 1.1

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
        if in_kernel:
            shell.display_formatter.formatters["image/png"].for_type(Figure, _png_output)


def _png_output(figure):
    """A figure's PNG output in a notebook: :func:`figure_png` with the inline backend's
    settings (``bbox_inches="tight"``), base64-encoded, with its display size."""
    if not figure.axes and not figure.lines:
        return None                                   # nothing drawn: no picture
    try:
        from matplotlib_inline.backend_inline import InlineBackend
        options = dict(InlineBackend.instance().print_figure_kwargs)
    except ImportError:                               # pragma: no cover (always in a kernel)
        options = {"bbox_inches": "tight"}
    png, size = figure_png(figure, **options)
    return base64.b64encode(png).decode("ascii"), size


def smallest_text_pt(figure) -> float | None:
    """The font size in points of the smallest text drawn in ``figure``: tick labels,
    axis labels, titles, legends, annotations.  None when it holds no text."""
    sizes = [text.get_fontsize() for text in figure.findobj(Text, include_self=False)
             if text.get_text().strip() and _shown(text)]
    return min(sizes) if sizes else None


def _shown(artist) -> bool:
    """Whether an artist is drawn: it and the panel it is in are visible."""
    return artist.get_visible() and (artist.axes is None or artist.axes.get_visible())


def figure_png(figure, pixel_ratio: float = PIXEL_RATIO, **savefig) -> tuple[bytes, dict]:
    """A figure as a PNG at ``pixel_ratio`` times its size, and that size for display.

    Returns the PNG and ``{"width": ..., "height": ...}``, the size in CSS pixels to
    show it at (the PNG's size divided by ``pixel_ratio``): the metadata of a notebook
    output.  The PNG records, in a text chunk named ``TEXT_SIZE_KEY``, the height in
    its own pixels of the smallest text in the figure (:func:`smallest_text_pt`), so
    that a test can tell how large the text is as displayed::

        displayed px = recorded px * displayed width / PNG width

    ``savefig`` is passed to ``Figure.savefig`` (``bbox_inches="tight"``, ...).
    """
    dpi = figure.dpi * pixel_ratio
    metadata = dict(savefig.pop("metadata", None) or {})

    def record(event):
        # Measured once the figure is drawn: tick labels get their text only then.
        # savefig draws the figure before it writes the PNG with this metadata.
        smallest = smallest_text_pt(figure)
        if smallest is not None:
            metadata[TEXT_SIZE_KEY] = f"{smallest * dpi / 72:.2f}"

    savefig.setdefault("facecolor", figure.get_facecolor())
    savefig.setdefault("edgecolor", figure.get_edgecolor())
    buffer = io.BytesIO()
    callback = figure.canvas.mpl_connect("draw_event", record)
    try:
        figure.savefig(buffer, format="png", dpi=dpi, metadata=metadata, **savefig)
    finally:
        figure.canvas.mpl_disconnect(callback)
    png = buffer.getvalue()
    width, height = png_pixels(png)
    return png, {"width": round(width / pixel_ratio), "height": round(height / pixel_ratio)}


def png_pixels(png: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (from its header)."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


def png_text(png: bytes) -> dict[str, str]:
    """The text chunks (``tEXt``) of a PNG: what :func:`figure_png` records, for example."""
    texts, position = {}, 8
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind == b"tEXt":
            key, _, value = png[position + 8:position + 8 + length].partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"IEND":
            break
        position += 12 + length
    return texts


#: A symbol as a label: one or two characters ("ŷ", "z", "x2") or maths in $...$.
_SYMBOL = re.compile(r"\S{1,2}|\$[^$]{1,20}\$")


def _is_symbol(label: str) -> bool:
    return bool(_SYMBOL.fullmatch(label.strip()))


def _set_ylabel(ax, label: str) -> None:
    """The y axis's label; a symbol ("ŷ", "x2") upright, to the left of the tick labels."""
    if _is_symbol(label):
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
    else:
        ax.set_ylabel(label)


def _colorbar(figure, mappable, label: str, **options):
    """``figure.colorbar`` with its label along the bar, or a symbol ("ŷ") upright above
    it (beside the bar it would read as part of the middle tick label: "0.5 ŷ")."""
    colorbar = figure.colorbar(mappable, **options)
    if _is_symbol(label):
        colorbar.ax.set_title(label, fontsize=STYLE["axes.labelsize"])
    else:
        colorbar.set_label(label)
    return colorbar


def describe_figure(figure) -> str:
    """A figure in words: its title, and each panel's title and axis labels.

    This is what a reader without images (a screen reader, a text diff, nbval)
    gets for a figure, so it names what the picture shows: "y against x" for a
    flat panel, "z against x and y" for a 3-D one.  A run of pictures without
    axis labels (a grid of digits) reads as one entry listing their titles:
    "32 images: 7, 2, 1, ...".
    """
    panels, pictures = [], []
    for ax in figure.axes:
        if ax.get_label() == "<colorbar>":
            continue
        title = " ".join(ax.get_title().split())      # a title on two lines reads as one
        if ax.images and not (ax.get_xlabel() or ax.get_ylabel()):
            pictures.append(title)
            continue
        panels.extend(_describe_pictures(pictures))
        pictures = []
        words = [title] if title else []
        x, y = ax.get_xlabel(), ax.get_ylabel()
        if getattr(ax, "name", None) == "3d":
            if x or y or ax.get_zlabel():
                words.append(f"{ax.get_zlabel() or 'z'} against {x or 'x'} and {y or 'y'}")
        elif x or y:
            words.append(f"{y or 'y'} against {x or 'x'}")
        panels.append(": ".join(words) or "a plot")
    panels.extend(_describe_pictures(pictures))
    text = " | ".join(panels) if panels else "(empty)"
    suptitle = " ".join(figure.get_suptitle().split())
    return "[figure] " + (f"{suptitle}: {text}" if suptitle and panels else suptitle or text)


# A grid of 100 digits would make a paragraph of its titles: the text form lists this many.
DESCRIBED_PICTURES = 20


def _describe_pictures(titles) -> list[str]:
    """Panels showing pictures, in words: "true 7 (an image)" for one, "32 images: 7, 2, ..."."""
    if not titles:
        return []
    if len(titles) == 1:
        return [f"{titles[0]} (an image)" if titles[0] else "an image"]
    named = [title for title in titles if title]
    text = f"{len(titles)} images"
    if named:
        more = len(named) - DESCRIBED_PICTURES
        text += ": " + ", ".join(named[:DESCRIBED_PICTURES])
        text += f", ... ({more} more)" if more > 0 else ""
    return [text]


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
    x_range = _check_range(x_range, "x_range")
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


# --- points of two classes ------------------------------------------------------------------


def _check_points(X, y, xlabel: str, ylabel: str, names=("X", "y")):
    """``X`` (n, 2) and ``y`` (n,) as float arrays, or a clear error naming them."""
    X_name, y_name = names
    X = as_float_array(X, X_name, ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"{X_name} must have 2 features ({xlabel}, {ylabel}) to plot, "
                         f"got shape {X.shape}")
    y = as_float_array(y, y_name, ndim=1)
    if len(y) != len(X):
        raise ValueError(f"{X_name} has {len(X)} rows but {y_name} has {len(y)} labels")
    check_labels(y, y_name)
    return X, y


def _check_test_points(X_test, y_test, xlabel: str, ylabel: str):
    """The optional test points: both given, or neither."""
    if X_test is None and y_test is None:
        return None
    if X_test is None or y_test is None:
        raise ValueError("give X_test and y_test together (the test points and their labels)")
    return _check_points(X_test, y_test, xlabel, ylabel, names=("X_test", "y_test"))


def _check_class_names(class_names) -> tuple[str, str]:
    names = () if isinstance(class_names, str) else tuple(np.atleast_1d(class_names))
    if len(names) != 2:
        raise ValueError(f"class_names must be two names, for class 0 and class 1, "
                         f"got {class_names!r}")
    return str(names[0]), str(names[1])


def _scatter_classes(ax, X, y, class_names, suffix: str = "", hollow: bool = False):
    """One scatter per class, class 1 first; hollow markers (test points) show the plane through."""
    for label in (1, 0):
        style = dict(CLASS_STYLES[label])
        if hollow:
            # The class colour as a thick edge: it contrasts with the background as the
            # fill of a training marker does.
            style.update(facecolors="none", edgecolors=style.pop("color"), linewidths=1.6,
                         s=style["s"] * 1.4)
        else:
            style.update(MARKER_EDGE)
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], zorder=3, label=class_names[label] + suffix,
                   **style)


def plot_points(X, y, ax=None, title: str | None = None, *, xlabel: str = "x1",
                ylabel: str = "x2", class_names=("class 0", "class 1"),
                X_test=None, y_test=None, held_out: str = "test"):
    """Scatter a 2-D dataset of two classes: class 1 as blue circles, class 0 as dark orange squares.

    Both have a black edge, and the legend sits outside the axes, on the right, so
    that it hides no point.

    Parameters
    ----------
    X : array, shape (n, 2)
    y : array, shape (n,)
        Labels, 0 or 1.
    xlabel, ylabel : str
        Names of the two features.
    class_names : (str, str)
        Legend entries for class 0 and class 1.
    X_test : array, shape (n_test, 2), optional
    y_test : array, shape (n_test,), optional
        Test points, drawn hollow in their class's colour and shape; the legend then
        says which points are for training ("class 1, train") and which for
        testing ("class 1, test").
    held_out : str
        What the hollow points are called in the legend: "test", or "validation"
        for points held out to make choices on.

    Taught in notebooks/05_mlp.ipynb.
    """
    X, y = _check_points(X, y, xlabel, ylabel)
    test = _check_test_points(X_test, y_test, xlabel, ylabel)
    class_names = _check_class_names(class_names)
    ax = _axes(ax)
    _scatter_classes(ax, X, y, class_names, suffix="" if test is None else ", train")
    if test is not None:
        _scatter_classes(ax, *test, class_names, suffix=f", {held_out}", hollow=True)
    ax.set_xlabel(xlabel)
    _set_ylabel(ax, ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return ax


def plot_buns(X, y, ax=None, title: str | None = "Bakery buns"):
    """Scatter the buns: Accept (1) as blue circles, Reject (0) as dark orange squares.

    :func:`plot_points` with the bakery's names.

    Parameters
    ----------
    X : array, shape (n, 2)
        Width and height in cm.
    y : array, shape (n,)
        Labels, 0 or 1.
    """
    return plot_points(X, y, ax=ax, title=title, xlabel=BAKERY_XLABEL, ylabel=BAKERY_YLABEL,
                       class_names=BAKERY_CLASSES)


# --- a model's output over the plane ----------------------------------------------------------


def _check_resolution(resolution) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    return int(resolution)


def _check_range(value, name: str) -> np.ndarray:
    """``(low, high)`` with low < high, as a float array."""
    value = as_float_array(value, name, ndim=1)
    if value.shape != (2,) or not value[0] < value[1]:
        raise ValueError(f"{name} must be (low, high) with low < high, got {tuple(value)}")
    return value


def _grid(x_range, y_range, resolution: int):
    """A ``resolution`` x ``resolution`` grid over the rectangle, and its points, shape (m, 2)."""
    grid_x, grid_y = np.meshgrid(np.linspace(*x_range, resolution),
                                 np.linspace(*y_range, resolution))
    return grid_x, grid_y, np.column_stack([grid_x.ravel(), grid_y.ravel()])


def _evaluate(predict, points, allow_two_columns: bool = False) -> np.ndarray:
    """``predict(points)`` as a vector, shape (m,), or a clear error.

    Accepts shape (m,) or (m, 1); with ``allow_two_columns`` also (m, 2), the
    probabilities of class 0 and class 1 (scikit-learn's ``predict_proba``), of
    which it keeps class 1's.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function of points (m, 2), got {type(predict).__name__}")
    try:
        output = as_float_array(predict(points), "predict(points)")
    except TypeError as error:
        raise TypeError(f"{error} (predict must return one number per point; "
                        "if it returns Values, return each one's .data)") from None
    m = len(points)
    if allow_two_columns and output.shape == (m, 2):
        return output[:, 1]
    if output.shape not in ((m,), (m, 1)):
        expected = "(m,), (m, 1) or (m, 2)" if allow_two_columns else "(m,) or (m, 1)"
        raise ValueError(f"predict must return one value per point: given points of shape "
                         f"{points.shape} it returned shape {output.shape} "
                         f"(expected {expected} with m = {m})")
    return output.reshape(m)


def _output_scale(output, threshold: float):
    """Colour scale and filled-contour levels for a model's output.

    Outputs within [0, 1] (probabilities) always span the whole of [0, 1], so that
    models compare colour for colour; others span their own range.  The colours
    change from orange to blue at ``threshold`` (where the model's decision changes),
    which is also a level's edge.
    """
    low, high = (0.0, 1.0) if 0 <= output.min() and output.max() <= 1 \
        else (float(output.min()), float(output.max()))
    if low == high:                         # a constant output: any scale shows it
        low, high = low - 0.5, high + 0.5
    if low < threshold < high:
        norm = TwoSlopeNorm(threshold, low, high)
        levels = np.union1d(np.linspace(low, threshold, 6), np.linspace(threshold, high, 6))
        ticks = [low, threshold, high]
    else:
        norm = Normalize(low, high)
        levels = np.linspace(low, high, 11)
        ticks = [low, high]
    return norm, levels, ticks


def _fill_output(ax, grid_x, grid_y, output, threshold: float, label: str, shrink: float = 1.0):
    """The output as a filled contour with a colour bar, and its ``threshold`` contour if it crosses."""
    norm, levels, ticks = _output_scale(output, threshold)
    filled = ax.contourf(grid_x, grid_y, output, levels=levels, cmap=PROBABILITY_CMAP, norm=norm)
    if output.min() < threshold < output.max():
        ax.contour(grid_x, grid_y, output, levels=[threshold], colors="black", linewidths=1.5)
    return _colorbar(ax.figure, filled, label, ax=ax, ticks=ticks, shrink=shrink,
                     anchor=(0.0, 0.0))


def _view(X, padding):
    """The view around the points ``X``: (x_min, x_max), (y_min, y_max).

    ``padding=None`` is 7.5% of the larger of the two data ranges, rounded to one
    significant figure: 0.3 cm for the bakery buns, 0.2 for scikit-learn's moons.
    One margin on both axes keeps the frame even when the features share a scale.
    """
    if padding is None:
        span = float(np.ptp(X, axis=0).max()) or 1.0       # 1.0 for a single point
        padding = float(f"{PADDING_FRACTION * span:.1g}")
    padding = as_float_array(padding, "padding")
    if padding.shape not in ((), (2,)) or np.any(padding < 0):
        raise ValueError(f"padding must be a number >= 0 or a pair (x, y) of them, "
                         f"got {padding.tolist()}")
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    return (low[0], high[0]), (low[1], high[1])


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 150,
                           title: str | None = None, padding=None, *,
                           xlabel: str = BAKERY_XLABEL, ylabel: str = BAKERY_YLABEL,
                           class_names=BAKERY_CLASSES, colorbar_label: str = "P(accept)",
                           X_test=None, y_test=None, held_out: str = "test"):
    """Colour the plane by the model's probability of class 1 and draw its 0.5 contour over the data.

    The plane goes from pale orange (P = 0) to pale blue (1), with a colour bar; the
    points are drawn as in :func:`plot_points`, dark-edged so that both classes stand
    out on every part of it.  Their legend goes above the colour bar.  The names
    default to the bakery's (notebooks 01-03); for other data pass ``xlabel``,
    ``ylabel``, ``class_names`` and ``colorbar_label``.

    Parameters
    ----------
    predict : callable
        Maps points, shape (m, 2), to probabilities of class 1, shape (m,) or (m, 1);
        or to both classes' probabilities, shape (m, 2), as scikit-learn's
        ``predict_proba`` does (column 1 is used).
    X : array, shape (n, 2)
    y : array, shape (n,)
        Labels, 0 or 1.
    resolution : int
        Grid points along each axis.
    padding : float or (float, float), optional
        Margin around the data, in the data's units.  By default 7.5% of the larger
        data range, rounded (0.3 cm for the buns); pass a pair (x, y) for features on
        very different scales.
    xlabel, ylabel : str
        Names of the two features.
    class_names : (str, str)
        Legend entries for class 0 and class 1.
    colorbar_label : str
        What the colours show.
    X_test : array, shape (n_test, 2), optional
    y_test : array, shape (n_test,), optional
        Test points, drawn hollow; the view covers them too.
    held_out : str
        The hollow points' name in the legend ("test" or "validation").

    Taught in notebooks/01_neuron.ipynb and notebooks/05_mlp.ipynb.
    """
    X, y = _check_points(X, y, xlabel, ylabel)
    test = _check_test_points(X_test, y_test, xlabel, ylabel)
    _check_class_names(class_names)
    if not callable(predict):
        raise TypeError(f"predict must be a function of points (m, 2), got {type(predict).__name__}")
    resolution = _check_resolution(resolution)
    x_view, y_view = _view(X if test is None else np.vstack([X, test[0]]), padding)
    grid_x, grid_y, points = _grid(x_view, y_view, resolution)
    probability = _evaluate(predict, points, allow_two_columns=True)
    try:
        check_probabilities(probability, "predict(points)")
    except ValueError as error:
        raise ValueError(f"{error}: apply the sigmoid to scores, or draw any output "
                         "with plot_neuron_contour") from None
    ax = _axes(ax)
    shrink = 0.6
    colorbar = _fill_output(ax, grid_x, grid_y, probability.reshape(grid_x.shape), 0.5,
                            colorbar_label, shrink=shrink)
    test_points = {} if test is None else {"X_test": test[0], "y_test": test[1]}
    plot_points(X, y, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel,
                class_names=class_names, held_out=held_out, **test_points)
    # The points' legend goes above the short colour bar, level with the plot's top: one
    # column on the right, where a legend beside the plot and a colour bar beside that
    # would squeeze the plot.
    ax.get_legend().remove()
    colorbar.ax.legend(*ax.get_legend_handles_labels(), loc="upper left",
                       bbox_to_anchor=(0.0, 1 / shrink), borderaxespad=0)
    ax.set_xlim(*x_view)
    ax.set_ylim(*y_view)
    return ax


def plot_neuron_contour(predict, x_range=(-2.0, 2.0), y_range=(-2.0, 2.0), ax=None,
                        resolution: int = 150, title: str | None = None, *,
                        xlabel: str = "x1", ylabel: str = "x2", zlabel: str = "output",
                        threshold: float = 0.5):
    """A neuron's (or any model's) output over the input plane, seen from above: colours and a contour.

    The view from above of :func:`plot_neuron_surface`, in the colours of
    :func:`plot_decision_boundary`: pale orange below ``threshold``, pale blue
    above, and a black line where the output equals ``threshold`` (if it does
    anywhere in view).  Outputs within [0, 1] are coloured on the whole of [0, 1].

    Parameters
    ----------
    predict : callable
        Maps points, shape (m, 2), to outputs, shape (m,) or (m, 1).
    x_range, y_range : (float, float)
        The rectangle of inputs to show.
    resolution : int
        Grid points along each axis.
    zlabel : str
        The output's name, for the colour bar.
    threshold : float
        Where the decision changes: 0.5 for a sigmoid, 0 for tanh.

    Taught in notebooks/05_mlp.ipynb.
    """
    x_range, y_range = _check_range(x_range, "x_range"), _check_range(y_range, "y_range")
    grid_x, grid_y, points = _grid(x_range, y_range, _check_resolution(resolution))
    output = _evaluate(predict, points).reshape(grid_x.shape)
    threshold = as_scalar(threshold, "threshold")
    ax = _axes(ax)
    _fill_output(ax, grid_x, grid_y, output, threshold, zlabel)
    ax.set_xlabel(xlabel)
    _set_ylabel(ax, ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_level_lines(predict, X, y, ax=None, num_levels: int = 10, title: str | None = None,
                     padding=None, *, xlabel: str = "x1", ylabel: str = "x2",
                     class_names=("class 0", "class 1")):
    """Lines of equal output over the data: straight and parallel for one neuron, bent for a network.

    Where :func:`plot_decision_boundary` shows one line (output 0.5), this draws
    ``num_levels`` of them, at evenly spaced quantiles of the output over the
    view, so the shape of a model's output shows even when it is untrained and
    its outputs all lie close together.  The data is drawn faintly underneath.

    Parameters
    ----------
    predict : callable
        Maps points, shape (m, 2), to outputs, shape (m,) or (m, 1).
    X : array, shape (n, 2)
    y : array, shape (n,)
        Labels 0 or 1.
    num_levels : int
        How many lines.

    Taught in notebooks/05_mlp.ipynb.
    """
    X, y = _check_points(X, y, xlabel, ylabel)
    class_names = _check_class_names(class_names)
    if isinstance(num_levels, bool) or not isinstance(num_levels, (int, np.integer)) \
            or num_levels < 1:
        raise ValueError(f"num_levels must be a positive whole number, got {num_levels!r}")
    x_range, y_range = _view(X, padding)
    grid_x, grid_y, points = _grid(x_range, y_range, 150)
    output = _evaluate(predict, points).reshape(grid_x.shape)
    levels = np.unique(np.quantile(output, np.linspace(0.05, 0.95, num_levels)))
    ax = _axes(ax)
    for label, (name, style) in enumerate(zip(class_names, CLASS_STYLES)):
        ax.scatter(X[y == label, 0], X[y == label, 1], label=name, alpha=0.45, **style)
    if len(levels) > 1:     # a constant output has no lines to draw
        ax.contour(grid_x, grid_y, output, levels=levels, colors="black", linewidths=1.0)
    ax.set(xlim=x_range, ylim=y_range, xlabel=xlabel)
    _set_ylabel(ax, ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_neuron_surface(predict, x_range=(-2.0, 2.0), y_range=(-2.0, 2.0), ax=None,
                        resolution: int = 40, title: str | None = None, *,
                        xlabel: str = "x1", ylabel: str = "x2", zlabel: str = "output",
                        threshold: float = 0.5, elev: float = 20.0,
                        azim: float | None = None):
    """A neuron's (or any model's) output as a 3-D surface over the input plane.

    Coloured as in :func:`plot_neuron_contour` (orange below ``threshold``, blue
    above), with the ``threshold`` contour drawn on the surface: next to the
    contour view, the same line in both.  Seen from the side by default, so that
    the output rises from left to right across the picture: a sigmoid neuron shows
    its S-shaped profile.

    Parameters
    ----------
    predict : callable
        Maps points, shape (m, 2), to outputs, shape (m,) or (m, 1).
    x_range, y_range : (float, float)
        The rectangle of inputs to show.
    ax : 3-D Axes, optional
        Made with ``projection="3d"``; a new figure when omitted.  Constrained layout
        does not see the panel's labels, which reach up to about 80 px beyond its
        right edge: leave a gap there (:func:`plot_neuron_views` does).
    resolution : int
        Grid points along each axis (a 3-D surface needs fewer than a contour).
    zlabel : str
        The output's name, for the vertical axis.
    threshold : float
        Where the decision changes: 0.5 for a sigmoid, 0 for tanh.
    elev, azim : float
        The viewpoint, in degrees: height above the plane, and direction around it
        (matplotlib's ``view_init``).  ``azim=None`` looks across the output's mean
        slope, or from matplotlib's -60 where the output is flat.

    Taught in notebooks/05_mlp.ipynb.
    """
    x_range, y_range = _check_range(x_range, "x_range"), _check_range(y_range, "y_range")
    grid_x, grid_y, points = _grid(x_range, y_range, _check_resolution(resolution))
    output = _evaluate(predict, points).reshape(grid_x.shape)
    threshold = as_scalar(threshold, "threshold")
    if ax is None:
        ax = plt.figure().add_subplot(projection="3d")
    elif getattr(ax, "name", None) != "3d":
        raise TypeError("ax must be a 3-D Axes, for example "
                        "figure.add_subplot(1, 2, 1, projection=\"3d\"), "
                        f"got a {type(ax).__name__} of projection {getattr(ax, 'name', None)!r}")
    norm, _, _ = _output_scale(output, threshold)
    # Faint grid lines on the surface: its shape reads in 3-D, the colours stay pale.
    ax.plot_surface(grid_x, grid_y, output, cmap=PROBABILITY_CMAP, norm=norm,
                    rcount=resolution, ccount=resolution, edgecolor="#00000018", linewidth=0.3)
    if output.min() < threshold < output.max():
        ax.contour(grid_x, grid_y, output, levels=[threshold], colors="black", linewidths=1.5)
    azim = _side_view(grid_x, grid_y, output) if azim is None else as_scalar(azim, "azim")
    ax.view_init(elev=as_scalar(elev, "elev"), azim=azim)
    # The vertical axis on the right, whatever the view: constrained layout makes room
    # there, while on the left a 3-D panel's labels stick out of the figure (matplotlib
    # 3.11).  Its "lower" edge is on the right when the view is from x < 0.
    edge = "lower" if np.cos(np.radians(azim)) < 0 else "upper"
    ax.zaxis.set_label_position(edge)
    ax.zaxis.set_ticks_position(edge)
    ax.set_box_aspect(None, zoom=SURFACE_ZOOM)
    for axis in (ax.xaxis, ax.yaxis):       # a 3-D axis seen at a slant fits fewer labels
        axis.set_major_locator(MaxNLocator(5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_zlabel(zlabel)
    for axis, label in ((ax.xaxis, xlabel), (ax.yaxis, ylabel), (ax.zaxis, zlabel)):
        if _is_symbol(label):                  # not turned along a slanted axis
            axis.set_rotate_label(False)
            axis.label.set_rotation(0)
    if title:
        ax.set_title(title)
    return ax


def plot_neuron_views(predict, x_range=(-2.0, 2.0), y_range=(-2.0, 2.0),
                      title: str | None = None, *, xlabel: str = "x1", ylabel: str = "x2",
                      zlabel: str = "output", threshold: float = 0.5, elev: float = 20.0,
                      azim: float | None = None):
    """A neuron's output two ways, side by side: a 3-D surface, and the contour seen from above.

    :func:`plot_neuron_surface` (titled ``title``) and :func:`plot_neuron_contour`
    (titled "Seen from above") in one ``PANELS_FIGSIZE`` figure, with a gap between
    them for the 3-D panel's labels.  The parameters are theirs.

    Returns
    -------
    axes : (Axes3D, Axes)
        The surface's and the contour's panels.

    Taught in notebooks/05_mlp.ipynb.
    """
    figure = plt.figure(figsize=PANELS_FIGSIZE)
    # The empty middle column is the gap; the 3-D panel's width leaves room for its labels.
    grid = figure.add_gridspec(1, 3, width_ratios=[1.1, 0.25, 1.0])
    names = {"xlabel": xlabel, "ylabel": ylabel, "zlabel": zlabel, "threshold": threshold}
    ax_surface = plot_neuron_surface(predict, x_range, y_range,
                                     ax=figure.add_subplot(grid[0], projection="3d"),
                                     title=title, elev=elev, azim=azim, **names)
    ax_contour = plot_neuron_contour(predict, x_range, y_range, ax=figure.add_subplot(grid[2]),
                                     title="Seen from above", **names)
    return ax_surface, ax_contour


def _side_view(grid_x, grid_y, output) -> float:
    """The azimuth (degrees) from which the output's mean slope runs left to right on screen.

    Seen from azimuth a, the screen's left-to-right direction on the plane is
    (-sin a, cos a): it points along the slope, at angle θ, when a = θ - 90°.
    Turned ``SIDE_VIEW_TURN`` from there, the slope still rises left to right.
    """
    slope_y, slope_x = np.gradient(output, grid_y[:, 0], grid_x[0])
    mean_x, mean_y = slope_x.mean(), slope_y.mean()
    if np.hypot(mean_x, mean_y) < 1e-12:
        return -60.0                                     # flat on average: matplotlib's view
    return float(np.degrees(np.arctan2(mean_y, mean_x)) - 90.0 + SIDE_VIEW_TURN)


# --- training curves -------------------------------------------------------------------------


def plot_loss_curve(losses, ax=None, label: str | None = None, log_scale: bool = False,
                    ylabel: str = "loss", first_epoch: int = 0, **line_style):
    """Loss against epoch.

    Parameters
    ----------
    losses : array, shape (num_epochs,)
    label : str, optional
        Legend entry (call repeatedly on one ``ax`` to compare runs).
    log_scale : bool
        Log-scale the loss axis.
    first_epoch : int
        The epoch of ``losses[0]``.
    **line_style
        Passed to ``ax.plot``: ``color``, ``linestyle``, ...
    """
    losses = as_float_array(losses, "losses", ndim=1)
    ax = _axes(ax)
    ax.plot(first_epoch + np.arange(len(losses)), losses, label=label, **line_style)
    ax.set_xlabel("epoch")
    _set_ylabel(ax, ylabel)
    if log_scale:
        ax.set_yscale("log")
    if label and not label.startswith("_"):        # "_..." labels stay out of legends
        ax.legend()
    return ax


def _series_name(key: str, suffix: str) -> str:
    """"loss" -> "train", "validation_loss" -> "validation"."""
    return key[: -len(suffix)].rstrip("_") or "train"


def _check_history(history) -> dict:
    """The history's per-epoch series (loss first) as float arrays, or a clear error."""
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a dict of per-epoch lists such as "
                        f"{{'loss': [...], 'train_accuracy': [...]}}, got {type(history).__name__}")
    if not history:
        raise ValueError("history is empty: it needs at least 'loss' and one accuracy, "
                         "one value per epoch")
    if "loss" not in history:
        raise ValueError(f"history has no 'loss' entry; it has {sorted(history)}")
    keys = ["loss"] + [key for key in history
                       if key != "loss" and key != "batch_loss" and key.endswith("loss")]
    accuracy_keys = [key for key in history if key.endswith("accuracy")]
    if not accuracy_keys:
        raise ValueError(f"history has no accuracy entry (a key ending in 'accuracy'); it has "
                         f"{sorted(history)}. For the loss alone use "
                         "plot_loss_curve(history['loss'])")
    series = {key: as_float_array(history[key], f"history[{key!r}]", ndim=1)
              for key in keys + accuracy_keys}
    num_epochs = len(series["loss"])
    for key, values in series.items():
        if len(values) != num_epochs:
            raise ValueError(f"history[{key!r}] has {len(values)} values but history['loss'] "
                             f"has {num_epochs}: one value per epoch in each")
    for key in accuracy_keys:
        if np.any((series[key] < 0) | (series[key] > 1)):
            raise ValueError(f"history[{key!r}] must hold accuracies as fractions in [0, 1], "
                             f"found values up to {series[key].max():.4g}")
    return series


def _check_batch_losses(history, num_epochs: int):
    """``history["batch_loss"]`` as an array of whole epochs, or None if absent."""
    if "batch_loss" not in history:
        return None
    batch_losses = as_float_array(history["batch_loss"], "history['batch_loss']", ndim=1)
    if len(batch_losses) % num_epochs:
        raise ValueError(f"history['batch_loss'] has {len(batch_losses)} values, not a whole "
                         f"number of batches for each of the {num_epochs} epochs")
    return batch_losses


def _check_axes_pair(axes):
    message = ("axes must be two Axes (loss, accuracy), for example "
               "plt.subplots(1, 2, figsize=PANELS_FIGSIZE)[1]")
    try:
        ax_loss, ax_accuracy = axes
    except (TypeError, ValueError):
        raise TypeError(f"{message}, got {type(axes).__name__}") from None
    if not (isinstance(ax_loss, Axes) and isinstance(ax_accuracy, Axes)):
        raise TypeError(f"{message}, got {type(ax_loss).__name__} and "
                        f"{type(ax_accuracy).__name__}")
    return ax_loss, ax_accuracy


def _history_legends(ax_loss, ax_accuracy) -> None:
    """Legends for every run drawn so far: one entry per run (its colour), one per series (its style).

    A series' entry is drawn in grey: it stands for that series in every run.
    """
    def series_handles(lines):
        seen = {}
        for line in lines:
            kind = line.get_gid()[len("history-"):]
            seen.setdefault(kind, (line.get_linestyle(), line.get_linewidth(), line.get_alpha()))
        return [Line2D([], [], color="0.35", linestyle=style, linewidth=width, alpha=alpha,
                       label=kind) for kind, (style, width, alpha) in seen.items()]

    runs = [Line2D([], [], color=line.get_color(), label=line.get_label())
            for line in ax_loss.get_lines()
            if line.get_gid() == "history-train" and not line.get_label().startswith("_")]
    drawn = [line for line in ax_loss.get_lines() if (line.get_gid() or "").startswith("history-")]
    loss_series = series_handles(drawn)
    # The series of the loss panel need a legend only when there are several; a run's
    # entry, solid in its colour, already stands for its training loss.
    if len(loss_series) < 2:
        loss_series = []
    elif runs:
        loss_series = [handle for handle in loss_series if handle.get_label() != "train"]
    handles = runs + loss_series
    if handles:
        ax_loss.legend(handles=handles)
    elif ax_loss.get_legend():
        ax_loss.get_legend().remove()
    accuracy_lines = [line for line in ax_accuracy.get_lines()
                      if (line.get_gid() or "").startswith("history-")]
    ax_accuracy.legend(handles=series_handles(accuracy_lines))


class PercentTicks(PercentFormatter):
    """Fractions as percent tick labels, with as few decimals as the ticks need.

    "90%, 92%, 94%" for accuracies from 0.9 to 0.95; "97.0%, 97.5%, 98.0%" for a
    narrow range, where whole percents would label two ticks alike ("98%, 98%").
    """

    def __init__(self, max_decimals: int = 2):
        super().__init__(1.0, decimals=0)
        self.max_decimals = max_decimals

    def format_ticks(self, values):
        percents = 100 * np.asarray(values, dtype=float)
        self.decimals = next((decimals for decimals in range(self.max_decimals)
                              if np.allclose(percents, np.round(percents, decimals),
                                             rtol=0, atol=1e-6)), self.max_decimals)
        return super().format_ticks(values)


def plot_history(history, axes=None, label: str | None = None, *, loss_name: str | None = None,
                 log_scale: bool = False, first_epoch: int = 1, show_batches: bool = True):
    """A training history: the loss in one panel, the accuracies in the other, against epoch.

    Call again with the returned ``axes`` and another ``label`` to compare runs:
    each run has its own colour, each series (train, validation, ...) its own line
    style, in both panels.

    Parameters
    ----------
    history : dict of str -> list
        One value per epoch under each key: ``"loss"`` (required), any other key
        ending in ``"loss"`` (``"validation_loss"``) in the loss panel, and every key
        ending in ``"accuracy"`` (``"train_accuracy"``, ``"validation_accuracy"``;
        at least one, as fractions in [0, 1]) in the other.  An optional
        ``"batch_loss"`` holds the loss of every mini-batch, in order, the same number
        for each epoch: drawn thin and pale under the per-epoch loss.  Other keys are
        ignored.
    axes : (Axes, Axes), optional
        The loss and accuracy panels; a new ``PANELS_FIGSIZE`` figure when omitted.
    label : str, optional
        The run's name in the legends.
    loss_name : str, optional
        The loss axis's label, such as ``"log loss"``; by default the label already on
        ``axes`` (from an earlier run), else ``"loss"``.
    log_scale : bool
        Log-scale the loss axis.
    first_epoch : int
        The epoch of each list's first value: 1, the loss after the first epoch.
    show_batches : bool
        Draw ``history["batch_loss"]`` if present.

    Returns
    -------
    axes : (Axes, Axes)
        The loss and accuracy panels.

    Taught in notebooks/05_mlp.ipynb.
    """
    series = _check_history(history)
    num_epochs = len(series["loss"])
    batch_losses = _check_batch_losses(history, num_epochs) if show_batches else None
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=PANELS_FIGSIZE)
    ax_loss, ax_accuracy = _check_axes_pair(axes)
    loss_name = loss_name or ax_loss.get_ylabel() or "loss"
    # One colour per run: count the runs already drawn on these axes.
    run = sum(line.get_gid() == "history-train" for line in ax_loss.get_lines())
    color = f"C{run % 10}"
    if batch_losses is not None:
        per_epoch = len(batch_losses) // num_epochs
        # Batch k of epoch e ends at e - 1 + (k + 1) / per_epoch: the epoch's last batch
        # lines up with the epoch's value.
        x = first_epoch - 1 + np.arange(1, len(batch_losses) + 1) / per_epoch
        ax_loss.plot(x, batch_losses, color=color, linewidth=0.8, alpha=0.35,
                     gid="history-per batch")
    for key in (key for key in series if key.endswith("loss")):
        name = _series_name(key, "loss")
        # The run's label goes on its training loss, from which the legend names the run.
        plot_loss_curve(series[key], ax=ax_loss, log_scale=log_scale, ylabel=loss_name,
                        first_epoch=first_epoch, color=color, gid=f"history-{name}",
                        linestyle=SERIES_STYLES.get(name, OTHER_SERIES_STYLE),
                        label=(label or "_run") if key == "loss" else "_series")
    for key in (key for key in series if key.endswith("accuracy")):
        name = _series_name(key, "accuracy")
        ax_accuracy.plot(first_epoch + np.arange(num_epochs), series[key], color=color,
                         linestyle=SERIES_STYLES.get(name, OTHER_SERIES_STYLE),
                         gid=f"history-{name}")
    ax_accuracy.set_xlabel("epoch")
    ax_accuracy.set_ylabel("accuracy")
    # As many decimals as the ticks need: "90%, 95%" over a whole run, "97.5%, 98%" when
    # zoomed in with ax_accuracy.set_ylim(0.95, 1.0).
    ax_accuracy.yaxis.set_major_formatter(PercentTicks())
    for ax in (ax_loss, ax_accuracy):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _history_legends(ax_loss, ax_accuracy)
    return ax_loss, ax_accuracy


# --- notebook 05: several boundaries, and a sweep of the L2 strength -----------------------------

#: A row of decision boundaries: the height of each panel per inch of its width (the
#: moons' view is about 4 wide and 3 high), plus room for the titles and the legend below.
BOUNDARY_ASPECT = 0.75
BOUNDARY_EXTRA_HEIGHT = 0.9
#: The tallest a grid of boundaries may be, in inches: shown on a slide of its own
#: (640 px high, tools/build_slides.py) at 1.14 times its size or more, so that its 11 pt
#: tick labels read at 16 px or more.  Rows of panels flatter than BOUNDARY_ASPECT fit.
MAX_HEIGHT = 5.6
#: The width of the shared colour bar and its label, in inches.
COLORBAR_WIDTH = 0.9


def plot_decision_boundaries(predicts, X, y, *, ncols: int | None = None, resolution: int = 100,
                             padding=None, xlabel: str = "x1", ylabel: str = "x2",
                             class_names=("class 0", "class 1"),
                             colorbar_label: str = "P(class 1)", X_test=None, y_test=None,
                             held_out: str = "test"):
    """Several models' decision boundaries over the same points, side by side, on one scale.

    Each panel is drawn as :func:`plot_decision_boundary` draws one (the plane
    coloured by P(class 1), the 0.5 contour in black, the points on top), but the
    panels share their axes, one colour bar (a probability always spans [0, 1], so
    one scale fits all) and one legend, below them: the plots themselves get the
    figure's width instead of a colour bar and a legend each.

    Parameters
    ----------
    predicts : dict of str -> callable
        Panel title -> the model's predict function, as for
        :func:`plot_decision_boundary` (P(class 1), or ``predict_proba``'s two columns).
    X : array, shape (n, 2)
    y : array, shape (n,)
        Labels, 0 or 1, drawn in every panel.
    ncols : int, optional
        Panels per row; by default all in one row.
    resolution : int
        Grid points along each axis, per panel.
    padding, xlabel, ylabel, class_names, colorbar_label, X_test, y_test, held_out
        As for :func:`plot_decision_boundary`.

    Returns
    -------
    axes : list of Axes
        One per model, in the order of ``predicts``.

    Taught in notebooks/05_mlp.ipynb.
    """
    if not isinstance(predicts, Mapping) or not predicts:
        raise TypeError("predicts must be a non-empty dict of panel title -> predict function, "
                        f"got {type(predicts).__name__}")
    for title, predict in predicts.items():
        if not callable(predict):
            raise TypeError(f"predicts[{title!r}] must be a function of points (m, 2), got "
                            f"{type(predict).__name__}")
    X, y = _check_points(X, y, xlabel, ylabel)
    test = _check_test_points(X_test, y_test, xlabel, ylabel)
    class_names = _check_class_names(class_names)
    resolution = _check_resolution(resolution)
    ncols = len(predicts) if ncols is None else ncols
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a whole number >= 1, got {ncols!r}")
    ncols = min(int(ncols), len(predicts))
    nrows = -(-len(predicts) // ncols)
    panel_width = (MAX_WIDTH - COLORBAR_WIDTH) / ncols
    height = min(nrows * panel_width * BOUNDARY_ASPECT + BOUNDARY_EXTRA_HEIGHT, MAX_HEIGHT)
    figure, grid = plt.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True,
                                figsize=(MAX_WIDTH, height))
    axes = list(grid.ravel())
    for unused in axes[len(predicts):]:
        figure.delaxes(unused)
    axes = axes[:len(predicts)]
    x_view, y_view = _view(X if test is None else np.vstack([X, test[0]]), padding)
    grid_x, grid_y, points = _grid(x_view, y_view, resolution)
    test_points = {} if test is None else {"X_test": test[0], "y_test": test[1]}
    for ax, (title, predict) in zip(axes, predicts.items()):
        probability = _evaluate(predict, points, allow_two_columns=True)
        try:
            check_probabilities(probability, f"predicts[{title!r}](points)")
        except ValueError as error:
            raise ValueError(f"{error}: apply the sigmoid to scores") from None
        output = probability.reshape(grid_x.shape)
        norm, levels, ticks = _output_scale(output, 0.5)
        filled = ax.contourf(grid_x, grid_y, output, levels=levels, cmap=PROBABILITY_CMAP,
                             norm=norm)
        if output.min() < 0.5 < output.max():
            ax.contour(grid_x, grid_y, output, levels=[0.5], colors="black", linewidths=1.5)
        plot_points(X, y, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel,
                    class_names=class_names, held_out=held_out, **test_points)
        handles, labels = ax.get_legend_handles_labels()
        ax.get_legend().remove()
        ax.set_xlim(*x_view)
        ax.set_ylim(*y_view)
    # Shared axes: the axis labels show on the outer panels only.  Hidden, not removed, so
    # that every panel's text form (describe_figure) still names its axes.
    for index, ax in enumerate(axes):
        row, col = divmod(index, ncols)
        ax.yaxis.label.set_visible(col == 0)
        ax.xaxis.label.set_visible(row == nrows - 1 or index + ncols >= len(axes))
    # Every panel's scale is [0, 1] with its step at 0.5 (_output_scale), so the last
    # panel's colours stand for all of them.
    _colorbar(figure, filled, colorbar_label, ax=axes, ticks=[0.0, 0.5, 1.0], shrink=0.9)
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return axes


def plot_regularisation_sweep(alphas, train_accuracy, validation_accuracy, ax=None, *,
                              chosen=None, baseline=None,
                              baseline_label: str = "logistic regression, validation",
                              title: str | None = None):
    """Training and validation accuracy against the strength ``alpha`` of an L2 penalty.

    The picture of a regularisation sweep: where the training accuracy is far above
    the validation accuracy the model memorises; where the validation accuracy
    peaks it generalises best; where both fall the penalty has made it too stiff.
    The alpha axis is logarithmic from the smallest positive alpha up; ``alpha = 0``
    (no penalty), if swept, sits one decade to the left of it, on an axis that is
    linear below that alpha (matplotlib's "symlog").

    Parameters
    ----------
    alphas : sequence of float, each >= 0
        The penalty strengths tried, at least one of them positive.
    train_accuracy, validation_accuracy : sequence of float in [0, 1]
        The trained model's accuracy on its training and on its validation data, one
        per alpha.
    ax : Axes, optional
    chosen : float, optional
        The alpha chosen (on the validation data): marked with a vertical line.
    baseline : float, optional
        Another model's validation accuracy, drawn as a horizontal dotted line.
    baseline_label : str
        Its legend entry.
    title : str, optional

    Returns
    -------
    ax : Axes

    Taught in notebooks/05_mlp.ipynb.
    """
    alphas = as_float_array(alphas, "alphas", ndim=1)
    if len(alphas) == 0 or np.any(alphas < 0) or not np.any(alphas > 0):
        raise ValueError(f"alphas must be numbers >= 0, at least one of them positive, got "
                         f"{alphas.tolist()}")
    series = {}
    for name, values in (("train", train_accuracy), ("validation", validation_accuracy)):
        values = as_float_array(values, f"{name}_accuracy", ndim=1)
        if len(values) != len(alphas):
            raise ValueError(f"{name}_accuracy has {len(values)} values for {len(alphas)} alphas: "
                             "one accuracy per alpha")
        if np.any((values < 0) | (values > 1)):
            raise ValueError(f"{name}_accuracy must hold fractions in [0, 1], got "
                             f"{values.tolist()}")
        series[name] = values
    if chosen is not None and not np.any(np.isclose(alphas, as_scalar(chosen, "chosen"))):
        raise ValueError(f"chosen must be one of the alphas {alphas.tolist()}, got {chosen!r}")
    ax = _axes(ax)
    order = np.argsort(alphas)
    smallest = float(alphas[alphas > 0].min())
    for (name, values), (color, marker) in zip(series.items(), [("C0", "o"), ("C1", "s")]):
        ax.plot(alphas[order], values[order], color=color, marker=marker,
                linestyle=SERIES_STYLES[name], label=name)
    if baseline is not None:
        ax.axhline(as_scalar(baseline, "baseline"), color="0.3", linestyle=":", linewidth=1.5,
                   label=baseline_label)
    if chosen is not None:
        ax.axvline(float(chosen), color="0.55", linewidth=6, alpha=0.35, zorder=0,
                   label=f"chosen: α = {float(chosen):g}")
    ax.set_xscale("symlog", linthresh=smallest, linscale=1.0)
    ticks = np.unique(alphas)                   # each alpha tried, labelled
    ax.set_xticks(ticks, [f"{tick:g}" for tick in ticks])
    # A margin of half a decade on each side (symlog: half the linear part on the left).
    ax.set_xlim(min(0.0, float(alphas.min())) - smallest / 2, float(alphas.max()) * 10 ** 0.25)
    ax.xaxis.set_minor_locator(plt.NullLocator())
    low = min(0.5, float(min(v.min() for v in series.values())) - 0.02)
    ax.set_ylim(low, 1.01)
    ax.yaxis.set_major_formatter(PercentTicks())
    ax.set_xlabel("α (L2 strength)")
    ax.set_ylabel("accuracy")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower left")
    return ax


# --- notebook 06: handwritten digits ---------------------------------------------------------

# A mistake is marked in this red (title, frame, bar): 5.6:1 against white, so red text
# reads as well as black.  The predicted class, when right, in Okabe-Ito blue.
MISTAKE_COLOR = "#C62828"
PREDICTED_COLOR = "#0072B2"
OTHER_BAR_COLOR = "0.78"
# A digit's tile in a grid, in inches: a 28-px digit shown about 3 times larger, 8 to a row;
# smaller (down to half) to keep a grid within a slide's height, GRID_HEIGHT.
DIGIT_TILE = 1.0
GRID_HEIGHT = 4.9
# More digits than this would take a long time to lay out and would not fit a screen.
MAX_DIGITS = 100
# A confusion matrix of 10 classes: cells of about 40 px, wide enough for "1135".
CONFUSION_FIGSIZE = (5.2, 4.8)


def _percent(p: float) -> str:
    """A probability as a short percentage that never rounds to a wrong extreme.

    0.9996 is ">99%" rather than "100%", which would claim certainty; 0.002 is "<1%".
    """
    if 0.995 <= p < 1:
        return ">99%"
    if 0 < p < 0.005:
        return "<1%"
    return f"{p:.0%}"


def _check_images(images, name: str = "images") -> np.ndarray:
    """``images`` as an array of square pictures, shape (n, side, side), without copying.

    Accepts (n, side, side) or rows of side² pixels, (n, side²), as MNIST's 784.
    """
    if images is None or isinstance(images, (str, bytes)):
        raise TypeError(f"{name} must be an array of images, got {type(images).__name__}")
    images = np.asarray(images)
    if not np.issubdtype(images.dtype, np.number) or images.dtype.kind == "c":
        raise TypeError(f"{name} must hold pixel values (numbers), got dtype {images.dtype}")
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            one = images.shape[0] == images.shape[1]
            raise ValueError(f"{name} must have shape (n, 28, 28) or (n, 784), got "
                             f"{images.shape}: " + ("one image? pass images[None]" if one else
                                                    "not square images: each row must hold "
                                                    "side² pixels, such as 784 = 28²"))
        images = images.reshape(len(images), side, side)
    elif images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"{name} must have shape (n, 28, 28) or (n, 784), got {images.shape}"
                         + (": for one image pass images[None]" if images.ndim in (1, 2) else ""))
    if len(images) == 0:
        raise ValueError(f"{name} is empty: it needs at least one image")
    if images.dtype.kind == "f" and not np.all(np.isfinite(images)):
        raise ValueError(f"{name} contains NaN or infinite pixels")
    return images


def _check_image(image, name: str = "image") -> np.ndarray:
    """One square picture, shape (side, side) or (side²,)."""
    array = np.asarray(image) if image is not None else None
    if array is None or array.ndim not in (1, 2):
        shape = getattr(array, "shape", None)
        raise ValueError(f"{name} must be one image, shape (28, 28) or (784,), got shape {shape}"
                         + (": pass images[i]" if shape is not None and len(shape) == 3 else ""))
    return _check_images(array[None], name)[0]


def _check_class_labels(labels, name: str, n: int | None = None,
                        num_classes: int | None = None) -> np.ndarray:
    """``labels`` as an int array, shape (n,), of classes 0, 1, ... (below ``num_classes``)."""
    values = as_float_array(labels, name, ndim=1)
    if n is not None and len(values) != n:
        raise ValueError(f"{name} has {len(values)} labels but there are {n} images: "
                         "one label per image")
    bad = values[(values != np.round(values)) | (values < 0)
                 | (num_classes is not None and values >= num_classes)]
    if len(bad):
        classes = f"0 to {num_classes - 1}" if num_classes else "0, 1, 2, ..."
        raise ValueError(f"{name} must hold class labels {classes}, found {bad[:5].tolist()}")
    return values.astype(int)


def _check_class_label(label, name: str, num_classes: int) -> int:
    """One class label, an int in 0 .. num_classes - 1."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) \
            or not 0 <= label < num_classes:
        raise ValueError(f"{name} must be a class label, a whole number from 0 to "
                         f"{num_classes - 1}, got {label!r}")
    return int(label)


def _check_probability_vector(probabilities, name: str = "probabilities") -> np.ndarray:
    """One image's class probabilities, shape (k,), in [0, 1] and summing to 1."""
    p = as_float_array(probabilities, name)
    if p.ndim != 1 or len(p) < 2:
        hint = f": for the first row pass {name}[0]" if p.ndim == 2 else ""
        raise ValueError(f"{name} must be one image's class probabilities, shape (10,), "
                         f"got shape {p.shape}{hint}")
    check_probabilities(p, name)
    if abs(p.sum() - 1) > 1e-4:
        raise ValueError(f"{name} must sum to 1, got {p.sum():.4g}: apply softmax to the "
                         "network's scores")
    return p


def _pixel_range(images: np.ndarray) -> tuple[float, float]:
    """The range of pixel values to map from white to black, the same for every image.

    Integers are bytes, 0 to 255 (MNIST's uint8).  Floats in [0, 1] are scaled
    pixels; other floats (standardised ones) span their own range.
    """
    if images.dtype.kind in "ui":
        return 0.0, 255.0
    low, high = float(images.min()), float(images.max())
    if 0 <= low and high <= 1:
        return 0.0, 1.0
    return low, high if high > low else low + 1.0


def _show_image(ax, image, pixel_range, title: str | None = None, wrong: bool = False,
                fontsize=None) -> None:
    """One digit, dark ink on white, without ticks or grid; a mistake gets a red title and frame."""
    ax.imshow(image, cmap="gray_r", vmin=pixel_range[0], vmax=pixel_range[1],
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    # A frame only around a mistake: it shows in a grid of many at a glance.
    for spine in ax.spines.values():
        spine.set_visible(wrong)
        spine.set_color(MISTAKE_COLOR)
        spine.set_linewidth(3)
    if title:
        ax.set_title(title, color=MISTAKE_COLOR if wrong else "black",
                     fontweight="bold" if wrong else "normal", fontsize=fontsize)


def plot_digit(image, ax=None, title: str | None = None, *, wrong: bool = False):
    """One digit, dark on white, without ticks.

    Parameters
    ----------
    image : array, shape (28, 28) or (784,)
        Pixels: bytes 0-255 (MNIST's uint8), or floats in [0, 1].
    title : str, optional
    wrong : bool
        Mark it as misclassified, as :func:`plot_digits` does: red bold title, red frame.

    Taught in notebooks/06_mnist.ipynb.
    """
    image = _check_image(image)
    ax = _axes(ax)
    _show_image(ax, image, _pixel_range(image), title, bool(wrong))
    return ax


def plot_digits(images, labels=None, predictions=None, *, ncols: int = 8,
                title: str | None = None):
    """A grid of digits, each with its label above it, or its predicted and true labels.

    With ``predictions``, each digit is titled "predicted p (true t)" on two lines,
    and each mistake is marked: red bold title and a red frame.  So the same
    function shows a sample of the data and a gallery of misclassified digits.

    Parameters
    ----------
    images : array, shape (n, 28, 28) or (n, 784)
        At most ``MAX_DIGITS`` = 100 of them.  Up to 4 rows of 8 fit a slide; more
        rows make smaller digits, down to half size, then a taller figure.  Pixels: bytes 0-255 (MNIST's uint8)
        or floats in [0, 1]; all are drawn on one grey scale.
    labels : array of int, shape (n,), optional
        The true classes.
    predictions : array of int, shape (n,), optional
        The predicted classes (needs ``labels``).
    ncols : int
        Digits per row: 8 fill the output area's width (about 100 px each).
    title : str, optional
        Above the whole grid.

    Returns
    -------
    axes : array of Axes, shape (n,)
        One per digit, in order; ``axes[0].figure`` is the figure.

    Taught in notebooks/06_mnist.ipynb.
    """
    images = _check_images(images)
    n = len(images)
    if n > MAX_DIGITS:
        raise ValueError(f"plot_digits draws at most {MAX_DIGITS} digits, got {n}: "
                         "pass a slice such as images[:32]")
    if labels is not None:
        labels = _check_class_labels(labels, "labels", n)
    if predictions is not None:
        if labels is None:
            raise ValueError("predictions need the true labels too: "
                             "plot_digits(images, labels, predictions)")
        predictions = _check_class_labels(predictions, "predictions", n)
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive whole number, got {ncols!r}")
    ncols = min(int(ncols), n)
    nrows = -(-n // ncols)
    figure, axes = plt.subplots(nrows, ncols, squeeze=False,
                                figsize=_digits_figsize(nrows, ncols, labels, predictions, title))
    axes = axes.ravel()
    for ax in axes[n:]:                                 # the last row's empty places
        ax.remove()
    pixel_range = _pixel_range(images)
    for i, ax in enumerate(axes[:n]):
        if predictions is not None:
            wrong = bool(predictions[i] != labels[i])
            text = f"predicted {predictions[i]}\n(true {labels[i]})"
        else:
            wrong, text = False, None if labels is None else str(labels[i])
        _show_image(ax, images[i], pixel_range, text, wrong, fontsize=11)   # fits 100 px
    if title:
        figure.suptitle(title)
    return axes[:n]


def _digits_figsize(nrows: int, ncols: int, labels, predictions, title) -> tuple[float, float]:
    """A grid's size in inches: tiles of ``DIGIT_TILE``, no wider than ``MAX_WIDTH``, with
    room for each tile's title (one line for a label, two for a prediction)."""
    title_lines = 0 if labels is None else 1 if predictions is None else 2
    per_row = 0.22 * title_lines + 0.06                 # each tile's title and a gap
    margins = (0.35 if title else 0.0) + 0.1
    tile = min(DIGIT_TILE, (MAX_WIDTH - 0.1) / ncols - 0.06,
               max(DIGIT_TILE / 2, (GRID_HEIGHT - margins) / nrows - per_row))
    return ncols * (tile + 0.06) + 0.1, nrows * (tile + per_row) + margins


def plot_confusion_matrix(y_true, y_pred, ax=None, *, title: str | None = None, labels=None):
    """Counts of each (true, predicted) pair of classes, with the accuracy in the title.

    Drawn by scikit-learn's ``ConfusionMatrixDisplay`` from its ``confusion_matrix``,
    in the course style: counts in each cell, rows the true class, columns the
    predicted one, so correct answers lie on the diagonal.  The colours are on a
    log scale, so that a handful of mistakes shows beside a thousand correct
    answers; cells with no sample are left blank.

    Parameters
    ----------
    y_true, y_pred : array of int, shape (n,)
        True and predicted classes.
    title : str, optional
        A first title line; the second says how many are correct.
    labels : array, optional
        The classes to show, in order; by default every class in either vector.

    Taught in notebooks/06_mnist.ipynb.
    """
    # Imported here: scikit-learn takes a second to import, and only this figure needs it.
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    y_true = _check_class_labels(y_true, "y_true")
    y_pred = _check_class_labels(y_pred, "y_pred", len(y_true))
    classes = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    counts = confusion_matrix(y_true, y_pred, labels=classes)
    if ax is None:
        _, ax = plt.subplots(figsize=CONFUSION_FIGSIZE)
    # Blues from a visible pale blue (a single mistake) to dark blue; zero counts are
    # masked by the log scale and shown white.
    cmap = LinearSegmentedColormap.from_list(
        "counts", plt.get_cmap("Blues")(np.linspace(0.15, 0.95, 256))).with_extremes(bad="white")
    display = ConfusionMatrixDisplay(counts, display_labels=classes)
    display.plot(ax=ax, cmap=cmap, colorbar=False, values_format="d",
                 im_kw={"norm": LogNorm(vmin=1, vmax=max(counts.max(), 2))},
                 text_kw={"fontsize": 10})
    for (i, j), text in np.ndenumerate(display.text_):
        # Text colour from the cell's own colour: scikit-learn's rule assumes a linear scale.
        if counts[i, j] == 0:
            text.set_text("")
        else:
            red, green, blue, _ = cmap(display.im_.norm(counts[i, j]))
            text.set_color("white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.55
                           else "black")
    # Thin lines between the cells: a row or column reads across the blank ones.
    ax.grid(False)
    ax.set_xticks(np.arange(len(classes) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(classes) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.85", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.6")
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    total, correct = counts.sum(), np.trace(counts)
    summary = (f"{correct / total:.1%} correct, {total - correct:,} of {total:,} wrong"
               if total else "no samples")
    # On two lines, as a title: the text form (describe_figure) reads one line.
    ax.set_title(f"{title}:\n{summary}" if title else f"Confusion matrix:\n{summary}")
    return ax


def plot_probabilities(probabilities, ax=None, *, true_label: int | None = None,
                       title: str | None = None, xlabel: str = "digit"):
    """One image's class probabilities as bars, the predicted class highlighted.

    The predicted class (the tallest bar) is blue, or red when ``true_label``
    says it is wrong, and labelled with its probability; the true class is
    labelled "true" and its tick is bold.

    Parameters
    ----------
    probabilities : array, shape (10,)
        The network's output for one image (softmax): in [0, 1], summing to 1.
    true_label : int, optional
        The image's class.
    title : str, optional
        By default "predicted p (98%)", with ", true t" when ``true_label`` is given.
    xlabel : str
        What the classes are.

    Taught in notebooks/06_mnist.ipynb.
    """
    p = _check_probability_vector(probabilities)
    k = len(p)
    if true_label is not None:
        true_label = _check_class_label(true_label, "true_label", k)
    predicted = int(np.argmax(p))
    wrong = true_label is not None and true_label != predicted
    ax = _axes(ax)
    colors = [OTHER_BAR_COLOR] * k
    colors[predicted] = MISTAKE_COLOR if wrong else PREDICTED_COLOR
    bars = ax.bar(np.arange(k), p, color=colors, width=0.7)
    notes = [(predicted, _percent(p[predicted]), colors[predicted])]
    if true_label is not None:
        notes.append((true_label, "true", "black"))
    for label, text, color in notes:
        # Both notes on one bar (a right answer): "true" above the percentage.
        above = 20 if text == "true" and label == predicted else 3
        ax.annotate(text, (bars[label].get_x() + bars[label].get_width() / 2, p[label]),
                    xytext=(0, above), textcoords="offset points", ha="center",
                    va="bottom", fontsize=11, color=color)
    ax.set_xticks(np.arange(k))
    if true_label is not None:
        ax.get_xticklabels()[true_label].set_fontweight("bold")
    ax.set_ylim(0, 1.25)                             # room for the notes above a tall bar
    ax.set_yticks(np.linspace(0, 1, 5))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", visible=False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability")
    if title is None:
        title = f"predicted {predicted} ({_percent(p[predicted])})"
        title += "" if true_label is None else f", true {true_label}"
    ax.set_title(title, color=MISTAKE_COLOR if wrong else "black")
    return ax


def _check_timings(seconds_per_epoch) -> dict:
    """{recipe: {framework: seconds}} with each value a number or a list of them (> 0)."""
    message = ("seconds_per_epoch must be a dict {recipe: {framework: seconds}}, such as "
               "{'classic': {'nblib': 2.1, 'torch': 0.8}}")
    if not isinstance(seconds_per_epoch, Mapping) or not seconds_per_epoch:
        raise TypeError(f"{message}, got {seconds_per_epoch!r:.80}")
    timings = {}
    for recipe, frameworks in seconds_per_epoch.items():
        if not isinstance(frameworks, Mapping) or not frameworks:
            raise TypeError(f"{message}; seconds_per_epoch[{recipe!r}] is {frameworks!r:.80}")
        timings[str(recipe)] = {}
        for framework, seconds in frameworks.items():
            name = f"seconds_per_epoch[{recipe!r}][{framework!r}]"
            values = np.atleast_1d(as_float_array(seconds, name))
            if values.ndim != 1 or np.any(values <= 0):
                raise ValueError(f"{name} must be a time in seconds (> 0) or a list of them, "
                                 f"got {np.asarray(seconds).tolist()}")
            timings[str(recipe)][str(framework)] = values
    return timings


def plot_speed_comparison(seconds_per_epoch, ax=None, *,
                          title: str | None = "Training time per epoch (lower is faster)"):
    """Grouped bars of seconds per epoch: one group per recipe, one bar per framework.

    Each bar is labelled with its time, and each group with how many times faster
    its fastest framework is.  A list of several epochs' times gives a bar at their
    median and a thin line from the fastest to the slowest epoch; the legend says
    so (its title "median epoch", an entry "fastest to slowest epoch").

    Parameters
    ----------
    seconds_per_epoch : dict of str -> dict of str -> float or list of float
        ``{recipe: {framework: seconds}}``, such as
        ``{"classic": {"nblib": 4.2, "torch": 1.3}, "tuned": {...}}``.  A framework
        missing from a recipe leaves a gap.

    Taught in notebooks/06_mnist.ipynb.
    """
    timings = _check_timings(seconds_per_epoch)
    frameworks = list(dict.fromkeys(name for group in timings.values() for name in group))
    ax = _axes(ax)
    width = 0.8 / len(frameworks)
    tallest = max(values.max() for group in timings.values() for values in group.values())
    for index, framework in enumerate(frameworks):
        # The recipes (their positions on the x axis) that measured this framework.
        recipes = [r for r, group in enumerate(timings.values()) if framework in group]
        values = [list(timings.values())[r][framework] for r in recipes]
        medians = np.array([np.median(v) for v in values])
        x = np.array(recipes) + (index - (len(frameworks) - 1) / 2) * width
        ax.bar(x, medians, width=width * 0.9, color=f"C{index}", label=framework)
        spread = np.array([[m - v.min(), v.max() - m] for m, v in zip(medians, values)]).T
        if np.any(spread):
            ax.errorbar(x, medians, yerr=spread, fmt="none", ecolor="black", elinewidth=1,
                        capsize=3, label="_spread")     # named in the legend once, below
        for x_bar, median, v in zip(x, medians, values):    # above the slowest epoch's cap
            ax.annotate(f"{median:.3g} s", (x_bar, v.max()), xytext=(0, 4),
                        textcoords="offset points", ha="center", va="bottom", fontsize=10)
    for r, group in enumerate(timings.values()):
        if len(group) < 2:
            continue
        medians = {name: float(np.median(values)) for name, values in group.items()}
        fastest = min(medians, key=medians.get)
        ratio = max(medians.values()) / medians[fastest]
        note = f"{fastest} {ratio:.1f}× faster" if len(group) == 2 else f"{fastest} fastest"
        ax.annotate("about as fast" if ratio < 1.05 else note, (r, tallest * 1.18),
                    ha="center", va="bottom", fontsize=11, fontweight="bold")
    ax.set_xticks(np.arange(len(timings)), list(timings))
    ax.set_ylim(0, tallest * 1.4)                 # room for the labels and the ratios
    ax.grid(axis="x", visible=False)
    ax.set_xlabel("recipe")
    ax.set_ylabel("seconds per epoch")
    # The bars, then (if any bar has several epochs) one entry for every error bar.
    handles = list(ax.containers)
    bars = [h for h in handles if h.get_label() in frameworks]
    spreads = [h for h in handles if h.get_label() == "_spread"]
    labels = frameworks + (["fastest to slowest\nepoch"] if spreads else [])
    ax.legend(bars + spreads[:1], labels, title="median epoch" if spreads else "framework",
              loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    if title:
        ax.set_title(title)
    return ax
