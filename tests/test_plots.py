"""nblib.plots: each figure function draws what it promises on the Axes it returns.

Figures render with the Agg backend and are closed after every test (tests/conftest.py).
"""

import io
import struct

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet

from nblib.activations import sigmoid
from nblib.datasets import bakery_buns
from nblib.plots import (
    DPI,
    FIGSIZE,
    MAX_WIDTH,
    PANELS_FIGSIZE,
    STYLE,
    course_style,
    plot_activations,
    plot_buns,
    plot_decision_boundary,
    plot_loss_curve,
)

X, Y = bakery_buns()


def good_neuron(points):
    """A boundary through the data: reject wide and tall buns."""
    return sigmoid(-2.0 * points[:, 0] - 2.0 * points[:, 1] + 18.0)


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


def colorbar_axes(ax):
    (colorbar,) = [other for other in ax.figure.axes if other.get_label() == "<colorbar>"]
    return colorbar


def inline_png(figure):
    """The PNG the notebook's inline backend stores for ``figure``, and its size in pixels."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, bbox_inches="tight")
    png = buffer.getvalue()
    width, height = struct.unpack(">II", png[16:24])     # from the PNG's IHDR chunk
    return png, (width, height)


def relative_luminance(color):
    """WCAG 2.x relative luminance of an sRGB colour."""
    channels = np.asarray(to_rgba(color)[:3])
    linear = np.where(channels <= 0.04045, channels / 12.92,
                      ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(color_a, color_b):
    """WCAG 2.x contrast ratio, from 1 (same luminance) to 21 (black on white)."""
    darker, lighter = sorted([relative_luminance(color_a), relative_luminance(color_b)])
    return (lighter + 0.05) / (darker + 0.05)


def over_white(rgba):
    """The colour seen when ``rgba`` is drawn over the white figure."""
    rgb, alpha = np.asarray(rgba[:3]), rgba[3]
    return tuple(alpha * rgb + (1 - alpha))


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


# --- course_style ------------------------------------------------------------------------------------


def test_course_style_sets_readable_figures():
    with plt.rc_context():
        course_style()
        assert plt.rcParams["figure.dpi"] == DPI == 100
        assert tuple(plt.rcParams["figure.figsize"]) == FIGSIZE == (7.5, 4.5)
        assert plt.rcParams["font.size"] == 12
        assert plt.rcParams["axes.titlesize"] > plt.rcParams["font.size"]
        assert plt.rcParams["lines.linewidth"] >= 2
        assert plt.rcParams["figure.constrained_layout.use"] is True
        assert plt.rcParams["axes.grid"] is True
        assert plt.rcParams["axes.spines.top"] is False


def test_course_figures_fit_jupyterlab_and_a_slide_and_stay_light():
    """JupyterLab's output area is ~850 px wide (wider images are shrunk, text and all);
    a 1280 x 720 slide leaves ~500 px for a figure's height."""
    with plt.rc_context(STYLE):
        one_panel = plot_decision_boundary(good_neuron, X, Y, title="Neuron").figure
        png, (width, height) = inline_png(one_panel)
        assert 700 <= width <= 850 and 400 <= height <= 500
        assert len(png) < 100_000

        row, axes = plt.subplots(1, 3, figsize=PANELS_FIGSIZE)
        for ax in axes:
            plot_loss_curve([1.0, 0.5, 0.25], ax=ax)
        _, (width, height) = inline_png(row)
        assert PANELS_FIGSIZE[0] == MAX_WIDTH
        assert 800 <= width <= 850 and height <= 500


# --- plot_activations -----------------------------------------------------------------------------------


def test_plot_activations():
    ax = plot_activations()
    assert isinstance(ax, Axes)
    assert legend_texts(ax) == ["sigmoid(x)", "tanh(x)", "relu(x)"]
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "activation"
    curves = {line.get_label(): line for line in ax.get_lines()}
    x, y = curves["sigmoid(x)"].get_data()
    assert len(x) == 401 and x[0] == -5.0 and x[-1] == 5.0
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(curves["relu(x)"].get_ydata(), np.maximum(0, x))


def test_plot_activations_derivatives_view_starts_just_below_zero():
    ax = plot_activations(derivatives=True)
    low, high = ax.get_ylim()
    assert -0.2 <= low < 0 and 1 < high <= 1.2       # every slope is in [0, 1]


def test_relu_slope_jumps_without_a_vertical_line():
    ax = plot_activations(derivatives=True)
    curves = {line.get_label(): line for line in ax.get_lines()}
    x, y = curves["relu'(x)"].get_data()
    drawn = np.isfinite(y[:-1]) & np.isfinite(y[1:])          # segments the line draws
    assert not np.any(drawn & (y[:-1] != y[1:]))              # none rises from 0 to 1
    finite = np.isfinite(y)
    np.testing.assert_array_equal(y[finite], (x[finite] > 0).astype(float))
    # dots at the jump: relu'(0) = 0 filled, the open end of the other piece at 1
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    values = {float(line.get_ydata()[0]): line.get_markerfacecolor() for line in dots}
    assert set(values) == {0.0, 1.0}
    assert values[1.0] == "white" and values[0.0] != "white"


def test_relu_slope_without_the_jump_in_view_is_one_line():
    ax = plot_activations(derivatives=True, x_range=(0.5, 3.0))
    curves = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(curves["relu'(x)"].get_ydata(), np.ones(401))


def test_plot_activations_derivatives_on_a_given_axes():
    _, given = plt.subplots()
    ax = plot_activations(ax=given, derivatives=True, x_range=(-2.0, 3.0))
    assert ax is given
    assert legend_texts(ax) == ["sigmoid'(x)", "tanh'(x)", "relu'(x)"]
    assert ax.get_ylabel() == "slope"
    curves = {line.get_label(): line for line in ax.get_lines()}
    x, y = curves["tanh'(x)"].get_data()
    assert x[0] == -2.0 and x[-1] == 3.0
    np.testing.assert_allclose(y, 1 - np.tanh(x) ** 2, atol=1e-15)


@pytest.mark.parametrize("x_range", [(5.0,), (0.0, np.nan), (1.0, 2.0, 3.0)])
def test_plot_activations_bad_x_range_is_named(x_range):
    with pytest.raises((TypeError, ValueError), match="x_range"):
        plot_activations(x_range=x_range)


# --- plot_buns ------------------------------------------------------------------------------------------


def test_plot_buns_artists_and_labels():
    ax = plot_buns(X, Y)
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "width (cm)"
    assert ax.get_ylabel() == "height (cm)"
    assert ax.get_title() == "Bakery buns"
    assert legend_texts(ax) == ["Accept (1)", "Reject (0)"]
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1      # outside the axes: hides no bun
    accept, reject = ax.collections
    np.testing.assert_array_equal(accept.get_offsets(), X[Y == 1])
    np.testing.assert_array_equal(reject.get_offsets(), X[Y == 0])


def test_plot_buns_title_and_axes():
    _, given = plt.subplots()
    ax = plot_buns(X, Y, ax=given, title=None)
    assert ax is given and ax.get_title() == ""
    assert plot_buns(X, Y, title="Seed 0").get_title() == "Seed 0"


def test_plot_buns_accepts_lists_and_one_class():
    ax = plot_buns([[4.0, 2.5], [5.0, 3.0]], [1, 1])
    assert len(ax.collections[0].get_offsets()) == 2
    assert len(ax.collections[1].get_offsets()) == 0


@pytest.mark.parametrize("X_bad, y_bad, error, match", [
    (X[:, :1], Y, ValueError, r"X must have 2 features \(width, height\)"),
    (np.ones((5, 3)), np.ones(5), ValueError, r"X must have 2 features"),
    (X[:, 0], Y, ValueError, r"X must have 2 dimension"),
    (X, Y[:-1], ValueError, r"X has 200 rows but y has 199 labels"),
    (X, Y.reshape(-1, 1), ValueError, r"y must have 1 dimension"),
    (X, Y + 1, ValueError, r"y must hold class labels 0 or 1"),
    (np.where(X > 7, np.nan, X), Y, ValueError, r"X contains \d+ NaN"),
    (None, Y, TypeError, r"^X must"),
    (X, None, TypeError, r"^y must"),
    (X.astype(str), Y, TypeError, r"^X must"),
    (np.empty((0, 2)), np.empty(0), ValueError, r"X is empty"),
])
def test_plot_buns_bad_input(X_bad, y_bad, error, match):
    with pytest.raises(error, match=match):
        plot_buns(X_bad, y_bad)


# --- plot_decision_boundary --------------------------------------------------------------------------


def test_decision_boundary_draws_the_half_contour_when_it_crosses_the_view():
    ax = plot_decision_boundary(good_neuron, X, Y, title="Neuron")
    assert isinstance(ax, Axes)
    levels = [np.round(c.levels, 10).tolist() for c in contour_sets(ax)]
    assert [0.5] in levels                                  # the boundary
    assert np.round(np.linspace(0, 1, 11), 10).tolist() in levels   # the filled background
    assert ax.get_xlabel() == "width (cm)" and ax.get_ylabel() == "height (cm)"
    assert legend_texts(colorbar_axes(ax)) == ["Accept (1)", "Reject (0)"]  # above the bar
    assert ax.get_title() == "Neuron"
    # the view is the data plus the padding
    np.testing.assert_allclose(ax.get_xlim(), [X[:, 0].min() - 0.3, X[:, 0].max() + 0.3])
    np.testing.assert_allclose(ax.get_ylim(), [X[:, 1].min() - 0.3, X[:, 1].max() + 0.3])
    # a colour bar labelled with the probability
    assert len(ax.figure.axes) == 2
    assert ax.figure.axes[1].get_ylabel() == "P(accept)"


def test_decision_boundary_markers_contrast_with_every_background_colour():
    """Both classes stand out everywhere: WCAG's 3:1 for graphics, edge and fill alike."""
    ax = plot_decision_boundary(good_neuron, X, Y)
    (background,) = [c for c in contour_sets(ax) if c.filled]
    colors = [over_white(rgba) for rgba in background.get_facecolor()]
    luminances = [relative_luminance(color) for color in colors]
    lightest, darkest = colors[np.argmax(luminances)], colors[np.argmin(luminances)]
    assert relative_luminance(lightest) > 0.75 and relative_luminance(darkest) > 0.5  # pale
    for markers in (c for c in ax.collections if not isinstance(c, ContourSet)):
        for color in (markers.get_edgecolor()[0], markers.get_facecolor()[0]):
            for drawn in colors:
                assert contrast_ratio(color, drawn) >= 3, (markers.get_label(), color, drawn)


def test_decision_boundary_legend_names_each_marker():
    ax = plot_decision_boundary(good_neuron, X, Y)
    legend = colorbar_axes(ax).get_legend()
    markers = {c.get_label(): c for c in ax.collections if not isinstance(c, ContourSet)}
    accept, reject = markers["Accept (1)"], markers["Reject (0)"]
    assert [t.get_text() for t in legend.get_texts()] == ["Accept (1)", "Reject (0)"]
    for handle, drawn in zip(legend.legend_handles, (accept, reject)):
        np.testing.assert_array_equal(handle.get_facecolor(), drawn.get_facecolor())
        np.testing.assert_array_equal(handle.get_edgecolor(), drawn.get_edgecolor())
    # two shapes, not only two colours
    assert not np.array_equal(accept.get_paths()[0].vertices, reject.get_paths()[0].vertices)


def test_decision_boundary_no_half_contour_when_the_model_is_sure_everywhere():
    ax = plot_decision_boundary(lambda points: np.full(len(points), 0.9), X, Y)
    assert [0.5] not in [list(c.levels) for c in contour_sets(ax)]
    assert len(contour_sets(ax)) == 1                       # only the filled background


def test_decision_boundary_evaluates_predict_on_the_grid():
    calls = []

    def predict(points):
        calls.append(points.shape)
        return good_neuron(points)

    plot_decision_boundary(predict, X, Y, resolution=40, padding=1.0)
    assert calls == [(1600, 2)]


def test_decision_boundary_accepts_a_column_of_probabilities():
    ax = plot_decision_boundary(lambda points: good_neuron(points)[:, None], X, Y)
    assert [0.5] in [list(c.levels) for c in contour_sets(ax)]


@pytest.mark.parametrize("predict, error, match", [
    (None, TypeError, "predict must be a function"),
    (0.5, TypeError, "predict must be a function"),
])
def test_decision_boundary_predict_must_be_callable(predict, error, match):
    with pytest.raises(error, match=match):
        plot_decision_boundary(predict, X, Y)


def test_decision_boundary_checks_the_points():
    with pytest.raises(ValueError, match="X must have 2 features"):
        plot_decision_boundary(good_neuron, np.ones((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y must hold class labels"):
        plot_decision_boundary(good_neuron, X, Y * 2)


@pytest.mark.parametrize("returns", [0.3, None, np.ones(7)])
def test_decision_boundary_bad_predict_result_is_named(returns):
    with pytest.raises((TypeError, ValueError), match="predict"):
        plot_decision_boundary(lambda points: returns, X, Y)


@pytest.mark.parametrize("resolution", [1, 0, -5])
def test_decision_boundary_bad_resolution_is_named(resolution):
    with pytest.raises((TypeError, ValueError), match="resolution"):
        plot_decision_boundary(good_neuron, X, Y, resolution=resolution)


# --- plot_loss_curve ----------------------------------------------------------------------------------


def test_loss_curve():
    losses = np.array([0.7, 0.5, 0.4, 0.35])
    ax = plot_loss_curve(losses)
    assert isinstance(ax, Axes)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax.get_yscale() == "linear"
    assert ax.get_legend() is None


def test_loss_curves_compared_on_one_axes_with_log_scale():
    ax = plot_loss_curve([0.7, 0.3], label="mse", log_scale=True, ylabel="mean loss")
    same = plot_loss_curve([0.7, 0.1], ax=ax, label="log loss", log_scale=True)
    assert same is ax
    assert legend_texts(ax) == ["mse", "log loss"]
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 2


@pytest.mark.parametrize("losses, error, match", [
    (np.ones((3, 2)), ValueError, "losses must have 1 dimension"),
    (0.5, ValueError, "losses must have 1 dimension"),
    ([0.5, np.nan], ValueError, "losses contains 1 NaN"),
    ([], ValueError, "losses is empty"),
    (None, TypeError, "losses must"),
    (["0.5"], TypeError, "losses must"),
])
def test_loss_curve_bad_input(losses, error, match):
    with pytest.raises(error, match=match):
        plot_loss_curve(losses)


def test_plot_functions_open_one_figure_each_and_tests_close_them():
    before = len(plt.get_fignums())
    plot_buns(X, Y)
    plot_loss_curve([1.0, 0.5])
    assert len(plt.get_fignums()) == before + 2


# --- the text form of a figure ----------------------------------------------------------------


def test_describe_figure_names_titles_and_axes():
    from nblib.datasets import bakery_buns
    from nblib.plots import describe_figure

    X, y = bakery_buns()
    ax = plot_decision_boundary(lambda p: np.full(len(p), 0.7), X, y, title="Constant")
    assert describe_figure(ax.figure) == "[figure] Constant: height (cm) against width (cm)"


def test_describe_figure_without_axes():
    from matplotlib.figure import Figure

    from nblib.plots import describe_figure

    assert describe_figure(Figure()) == "[figure] (empty)"


def test_course_style_registers_the_text_form_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    from nblib.plots import course_style

    shell = InteractiveShell.instance()
    try:
        with plt.rc_context():                          # leave the other tests' settings
            course_style()
        assert matplotlib.get_backend().lower() == "agg"   # inline only in a kernel
        figure = Figure()
        figure.subplots().set_title("Loss")
        data, _ = shell.display_formatter.format(figure)
        assert data["text/plain"] == "[figure] Loss"
    finally:
        InteractiveShell.clear_instance()
