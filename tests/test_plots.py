"""nblib.plots: each figure function draws what it promises on the Axes it returns.

Figures render with the Agg backend and are closed after every test (tests/conftest.py).
"""

import base64

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
    CLASS_STYLES,
    DPI,
    FIGSIZE,
    MAX_WIDTH,
    PANELS_FIGSIZE,
    PIXEL_RATIO,
    STYLE,
    TEXT_SIZE_KEY,
    course_style,
    describe_figure,
    figure_png,
    plot_activations,
    plot_buns,
    plot_decision_boundary,
    plot_history,
    plot_loss_curve,
    plot_neuron_contour,
    plot_neuron_surface,
    plot_neuron_views,
    plot_points,
    png_pixels,
    png_text,
    smallest_text_pt,
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
    """The PNG a notebook stores for ``figure`` (nblib.plots.figure_png, with the inline
    backend's ``bbox_inches="tight"``) and the size it is shown at, in CSS px."""
    png, size = figure_png(figure, bbox_inches="tight")
    assert [round(pixels / PIXEL_RATIO) for pixels in png_pixels(png)] == [
        size["width"], size["height"]]
    return png, (size["width"], size["height"])


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
        assert len(png) < 150_000                  # at 1.5 times its size (PIXEL_RATIO)

        row, axes = plt.subplots(1, 3, figsize=PANELS_FIGSIZE)
        for ax in axes:
            plot_loss_curve([1.0, 0.5, 0.25], ax=ax)
        _, (width, height) = inline_png(row)
        assert PANELS_FIGSIZE[0] == MAX_WIDTH
        assert 800 <= width <= 850 and height <= 500


# --- stored figures: 1.5 times their size, and the size of their smallest text ----------------------


def test_figure_png_has_more_pixels_and_says_its_display_size():
    with plt.rc_context(STYLE):
        figure, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        png, size = figure_png(figure)
    assert PIXEL_RATIO == 1.5
    assert size == {"width": FIGSIZE[0] * DPI, "height": FIGSIZE[1] * DPI}
    assert png_pixels(png) == (1.5 * FIGSIZE[0] * DPI, 1.5 * FIGSIZE[1] * DPI)


def test_figure_png_records_its_smallest_text_as_drawn():
    """Tick labels get their text only when the figure is drawn: measured then, in the PNG's
    own pixels (pt * dpi / 72)."""
    with plt.rc_context(STYLE):
        figure, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])                      # no text but the tick labels
        assert smallest_text_pt(figure) is None      # not drawn yet: no tick label text
        png, _ = figure_png(figure)
        assert png_text(png)[TEXT_SIZE_KEY] == f"{STYLE['xtick.labelsize'] * DPI * PIXEL_RATIO / 72:.2f}"
        assert smallest_text_pt(figure) == STYLE["xtick.labelsize"]

        ax.set_xlabel("x")
        ax.annotate("small", (0.5, 0.5), fontsize=7)
        ax.text(0.2, 0.2, "hidden", fontsize=4, visible=False)      # not drawn: not counted
        figure.add_subplot(2, 2, 4).set_visible(False)             # nor is a hidden panel
        figure.axes[-1].set_title("tiny", fontsize=3)
        png, _ = figure_png(figure, pixel_ratio=1)
        assert png_text(png)[TEXT_SIZE_KEY] == f"{7 * 100 / 72:.2f}"


def test_png_pixels_and_text_read_a_png():
    figure, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.set_title("t", fontsize=9)
    ax.axis("off")                                          # the title is its only text
    png, size = figure_png(figure, pixel_ratio=3, metadata={"Title": "a test"})
    assert png_pixels(png) == (300, 150) and size == {"width": 100, "height": 50}
    assert png_text(png)["Title"] == "a test"
    assert png_text(png)[TEXT_SIZE_KEY] == f"{9 * 150 / 72:.2f}"
    with pytest.raises(ValueError, match="not a PNG"):
        png_pixels(b"GIF89a")


def test_course_style_stores_figures_at_pixel_ratio_in_a_kernel():
    """In a kernel the PNG output is figure_png's, base64, with its display size."""
    from nblib import plots

    with plt.rc_context(STYLE):
        figure, ax = plt.subplots()
        ax.set_title("A")
        encoded, size = plots._png_output(figure)
        png = base64.b64decode(encoded)
        assert [round(pixels / PIXEL_RATIO) for pixels in png_pixels(png)] == [
            size["width"], size["height"]]
        assert 700 <= size["width"] <= 850 and TEXT_SIZE_KEY in png_text(png)
        assert plots._png_output(plt.figure()) is None          # an empty figure: no picture


# --- symbols as labels stay upright -----------------------------------------------------------------


def test_symbol_labels_are_upright_and_words_run_along_the_axis():
    ax = plot_neuron_contour(neuron, zlabel="ŷ")                  # ylabel "x2", a symbol
    assert ax.yaxis.label.get_rotation() == 0 and ax.yaxis.label.get_ha() == "right"
    assert colorbar_axes(ax).title.get_rotation() == 0
    assert colorbar_axes(ax).get_ylabel() == ""                   # not also beside the bar
    words = plot_neuron_contour(neuron, ylabel="height (cm)", zlabel="P(accept)")
    assert words.yaxis.label.get_rotation() == 90
    assert colorbar_axes(words).get_ylabel() == "P(accept)"
    assert colorbar_axes(words).yaxis.label.get_rotation() == 90
    history = plot_loss_curve([1.0, 0.5], ylabel="L")
    assert history.yaxis.label.get_rotation() == 0
    boundary = plot_points(X, Y, xlabel="x1", ylabel="$x_2$")
    assert boundary.yaxis.label.get_rotation() == 0


def test_symbol_labels_of_a_surface_are_not_turned_with_its_axes():
    ax = plot_neuron_surface(neuron, zlabel="ŷ")
    assert not ax.zaxis.get_rotate_label(ax.zaxis.label.get_text())
    assert not ax.yaxis.get_rotate_label(ax.yaxis.label.get_text())        # "x2"
    worded = plot_neuron_surface(neuron, ylabel="height (cm)", zlabel="P(accept)")
    assert worded.zaxis.get_rotate_label(worded.zaxis.label.get_text())


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
    (X[:, :1], Y, ValueError, r"X must have 2 features \(width \(cm\), height \(cm\)\)"),
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


# --- notebook 05: any 2-D dataset -----------------------------------------------------------------


MOONS_NAMES = {"xlabel": "x1", "ylabel": "x2", "class_names": ("class 0", "class 1"),
               "colorbar_label": "P(class 1)"}


@pytest.fixture(scope="module")
def moons():
    datasets = pytest.importorskip("sklearn.datasets")
    return datasets.make_moons(200, noise=0.1, random_state=0)


def moons_model(points):
    """A smooth curved boundary between the moons: P(class 1) high below a sine."""
    x1, x2 = points[:, 0], points[:, 1]
    return sigmoid(-4.0 * (x2 - 0.25 - 0.6 * np.sin(1.8 * (x1 - 0.5))))


def markers(ax):
    return {c.get_label(): c for c in ax.collections if not isinstance(c, ContourSet)}


def background_colors(ax):
    (background,) = [c for c in contour_sets(ax) if c.filled]
    return [over_white(rgba) for rgba in background.get_facecolor()]


def test_plot_points_names_default_to_features_and_classes(moons):
    X_moons, y_moons = moons
    ax = plot_points(X_moons, y_moons, title="Two moons")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x1", "x2", "Two moons")
    assert legend_texts(ax) == ["class 1", "class 0"]
    drawn = markers(ax)
    np.testing.assert_array_equal(drawn["class 1"].get_offsets(), X_moons[y_moons == 1])
    np.testing.assert_array_equal(drawn["class 0"].get_offsets(), X_moons[y_moons == 0])
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1


def test_plot_points_draws_test_points_hollow(moons):
    X_moons, y_moons = moons
    ax = plot_points(X_moons[:150], y_moons[:150], X_test=X_moons[150:], y_test=y_moons[150:],
                     class_names=("no", "yes"))
    assert legend_texts(ax) == ["yes, train", "no, train", "yes, test", "no, test"]
    drawn = markers(ax)
    np.testing.assert_array_equal(drawn["yes, test"].get_offsets(),
                                  X_moons[150:][y_moons[150:] == 1])
    for label in (0, 1):
        name = ("no", "yes")[label]
        assert len(drawn[f"{name}, test"].get_facecolor()) == 0          # hollow
        np.testing.assert_allclose(drawn[f"{name}, test"].get_edgecolor()[0],
                                   to_rgba(CLASS_STYLES[label]["color"]))
        np.testing.assert_allclose(drawn[f"{name}, train"].get_edgecolor()[0], to_rgba("black"))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"X_test": np.zeros((3, 2))}, ValueError, "give X_test and y_test together"),
    ({"y_test": [0, 1]}, ValueError, "give X_test and y_test together"),
    ({"X_test": np.zeros((3, 3)), "y_test": [0, 1, 0]}, ValueError,
     r"X_test must have 2 features \(x1, x2\)"),
    ({"X_test": np.zeros((3, 2)), "y_test": [0, 1]}, ValueError,
     "X_test has 3 rows but y_test has 2 labels"),
    ({"X_test": np.zeros((2, 2)), "y_test": [0, 2]}, ValueError,
     "y_test must hold class labels 0 or 1"),
    ({"class_names": "ab"}, ValueError, "class_names must be two names"),
    ({"class_names": ("a", "b", "c")}, ValueError, "class_names must be two names"),
])
def test_plot_points_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_points(X, Y, **kwargs)


def test_decision_boundary_on_moons_uses_the_given_names(moons):
    X_moons, y_moons = moons
    ax = plot_decision_boundary(moons_model, X_moons, y_moons, title="Moons", **MOONS_NAMES)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
    assert legend_texts(colorbar_axes(ax)) == ["class 1", "class 0"]
    assert colorbar_axes(ax).get_ylabel() == "P(class 1)"
    assert [0.5] in [np.round(c.levels, 10).tolist() for c in contour_sets(ax)]
    assert describe_figure(ax.figure) == "[figure] Moons: x2 against x1"


def test_decision_boundary_padding_follows_the_data_range(moons):
    """7.5% of the larger data range, rounded: 0.3 cm for the buns, 0.2 for the moons,
    and the same share of the view at any scale."""
    X_moons, y_moons = moons
    for scale, padding in [(1.0, 0.2), (10.0, 2.0), (0.01, 0.002)]:
        ax = plot_decision_boundary(moons_model, X_moons * scale, y_moons, **MOONS_NAMES)
        scaled = X_moons * scale
        np.testing.assert_allclose(ax.get_xlim(), [scaled[:, 0].min() - padding,
                                                   scaled[:, 0].max() + padding])
        np.testing.assert_allclose(ax.get_ylim(), [scaled[:, 1].min() - padding,
                                                   scaled[:, 1].max() + padding])
        plt.close(ax.figure)


def test_decision_boundary_padding_in_data_units():
    ax = plot_decision_boundary(good_neuron, X, Y, padding=(1.0, 0.5))
    np.testing.assert_allclose(ax.get_xlim(), [X[:, 0].min() - 1.0, X[:, 0].max() + 1.0])
    np.testing.assert_allclose(ax.get_ylim(), [X[:, 1].min() - 0.5, X[:, 1].max() + 0.5])


@pytest.mark.parametrize("padding", [-0.1, (1.0, 2.0, 3.0), np.nan])
def test_decision_boundary_bad_padding_is_named(padding):
    with pytest.raises(ValueError, match="padding"):
        plot_decision_boundary(good_neuron, X, Y, padding=padding)


def test_decision_boundary_with_test_points(moons):
    X_moons, y_moons = moons
    far = np.array([[4.0, -2.0]])                     # the view reaches the test points too
    ax = plot_decision_boundary(moons_model, X_moons, y_moons, X_test=far, y_test=[1],
                                **MOONS_NAMES)
    assert legend_texts(colorbar_axes(ax)) == ["class 1, train", "class 0, train",
                                               "class 1, test", "class 0, test"]
    assert ax.get_xlim()[1] > 4.0 and ax.get_ylim()[0] < -2.0
    assert len(markers(ax)["class 1, test"].get_facecolor()) == 0


def test_decision_boundary_test_points_contrast_with_every_background_colour(moons):
    """A hollow test point is its class colour alone: that too contrasts 3:1 everywhere."""
    X_moons, y_moons = moons
    ax = plot_decision_boundary(moons_model, X_moons[:150], y_moons[:150],
                                X_test=X_moons[150:], y_test=y_moons[150:], **MOONS_NAMES)
    colors = background_colors(ax)
    for name, drawn in markers(ax).items():
        edge = drawn.get_edgecolor()[0]
        fills = drawn.get_facecolor()
        for color in [edge] + ([fills[0]] if len(fills) else []):
            for background in colors:
                assert contrast_ratio(color, background) >= 3, (name, color, background)


def test_decision_boundary_takes_class_1_from_two_columns_of_probabilities():
    """An (m, 2) output is read as scikit-learn's predict_proba: column 1 is P(class 1)."""
    one = plot_decision_boundary(good_neuron, X, Y)
    two = plot_decision_boundary(
        lambda points: np.column_stack([1 - good_neuron(points), good_neuron(points)]), X, Y)
    (line_one,) = [c for c in contour_sets(one) if not c.filled]
    (line_two,) = [c for c in contour_sets(two) if not c.filled]
    for path_one, path_two in zip(line_one.get_paths(), line_two.get_paths(), strict=True):
        np.testing.assert_allclose(path_one.vertices, path_two.vertices)


@pytest.mark.parametrize("predict, error, match", [
    (lambda points: np.full((len(points), 3), 0.2), ValueError,
     r"predict must return one value per point.*\(m,\), \(m, 1\) or \(m, 2\)"),
    (lambda points: good_neuron(points)[:10], ValueError,
     r"given points of shape \(22500, 2\) it returned shape \(10,\)"),
    (lambda points: 5 * points[:, 0], ValueError,
     r"probabilities in \[0, 1\].*apply the sigmoid"),
    (lambda points: np.where(points[:, 0] > 5, np.nan, 0.5), ValueError, "NaN"),
    (lambda points: ["0.5"] * len(points), TypeError, r"predict\(points\) must"),
])
def test_decision_boundary_explains_a_wrong_predict(predict, error, match):
    with pytest.raises(error, match=match):
        plot_decision_boundary(predict, X, Y)


def test_decision_boundary_says_how_to_plot_values():
    from nblib.engine import Value

    with pytest.raises(TypeError, match=r"return each one's \.data"):
        plot_decision_boundary(lambda points: [Value(0.5) for _ in points], X, Y, resolution=3)


# --- notebook 05: a neuron's output as a surface and a contour ------------------------------------


def neuron(points):
    return sigmoid(1.5 * points[:, 0] - 2.0 * points[:, 1] + 0.5)


def surface_collections(ax):
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    return [c for c in ax.collections if isinstance(c, Poly3DCollection)]


def test_neuron_surface_draws_the_output_over_the_grid():
    calls = []

    def recorded(points):
        calls.append(points)
        return neuron(points)

    ax = plot_neuron_surface(recorded, (-2, 2), (-1, 3), resolution=30, title="A neuron",
                             zlabel="ŷ")
    assert ax.name == "3d"
    (points,) = calls
    assert points.shape == (900, 2)
    np.testing.assert_array_equal(points.min(axis=0), [-2, -1])
    np.testing.assert_array_equal(points.max(axis=0), [2, 3])
    assert len(surface_collections(ax)) == 1
    assert contour_sets(ax) and [0.5] in [list(c.levels) for c in contour_sets(ax)]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("x1", "x2", "ŷ")
    assert ax.get_title() == "A neuron"
    assert describe_figure(ax.figure) == "[figure] A neuron: ŷ against x1 and x2"


def test_neuron_surface_on_a_given_3d_axes():
    figure = plt.figure(figsize=PANELS_FIGSIZE)
    given = figure.add_subplot(1, 2, 1, projection="3d")
    assert plot_neuron_surface(neuron, ax=given) is given
    assert given.get_zlabel() == "output"


def test_neuron_surface_needs_a_3d_axes():
    _, flat = plt.subplots()
    with pytest.raises(TypeError, match=r'3-D Axes.*projection="3d"'):
        plot_neuron_surface(neuron, ax=flat)


@pytest.mark.parametrize("weights, azim", [((1.0, 0.0), -60.0), ((0.0, 1.0), 30.0),
                                           ((1.5, -2.0), -113.13)])
def test_neuron_surface_shows_the_slope_from_the_side(weights, azim):
    """By default the view looks across the mean slope (30 degrees off), so the output
    rises from left to right."""
    ax = plot_neuron_surface(lambda p: sigmoid(weights[0] * p[:, 0] + weights[1] * p[:, 1]))
    assert ax.azim == pytest.approx(azim, abs=0.5)
    assert ax.elev == 20


def test_neuron_surface_view_of_a_flat_output_and_a_chosen_view():
    assert plot_neuron_surface(lambda p: np.full(len(p), 0.3)).azim == -60
    ax = plot_neuron_surface(neuron, elev=45, azim=10)
    assert (ax.elev, ax.azim) == (45, 10)


@pytest.mark.parametrize("azim", [-150, -113, -60, 0, 40, 120])
def test_neuron_views_fit_the_output_area_without_overlapping(azim):
    """Constrained layout does not see a 3-D panel's labels: the figure keeps them inside
    its width and clear of the contour beside it, from every side."""
    with plt.rc_context(STYLE):
        ax_surface, ax_contour = plot_neuron_views(neuron, title="σ(1.5 x1 − 2 x2 + 0.5)",
                                                   zlabel="P(class 1)", azim=azim)
        figure = ax_surface.figure
        _, (width, height) = inline_png(figure)
        assert width <= 850 and height <= 500
        renderer = figure.canvas.get_renderer()
        assert ax_surface.get_tightbbox(renderer).x1 < ax_contour.get_tightbbox(renderer).x0
        assert ax_surface.zaxis.label.get_window_extent(renderer).x0 > 0     # inside the figure


def test_neuron_views_put_surface_and_contour_side_by_side():
    ax_surface, ax_contour = plot_neuron_views(neuron, (-2, 2), (-2, 2), title="Neuron",
                                               zlabel="ŷ")
    figure = ax_surface.figure
    assert tuple(figure.get_size_inches()) == PANELS_FIGSIZE
    assert ax_surface.name == "3d" and ax_contour.figure is figure
    assert describe_figure(figure) == ("[figure] Neuron: ŷ against x1 and x2 | "
                                       "Seen from above: x2 against x1")


def test_neuron_contour_colours_probabilities_like_the_decision_boundary():
    ax = plot_neuron_contour(neuron, title="From above", zlabel="ŷ")
    levels = [np.round(c.levels, 10).tolist() for c in contour_sets(ax)]
    assert np.round(np.linspace(0, 1, 11), 10).tolist() in levels and [0.5] in levels
    assert colorbar_axes(ax).get_title() == "ŷ"           # upright, above the bar
    np.testing.assert_allclose(colorbar_axes(ax).get_yticks(), [0, 0.5, 1])
    assert (ax.get_xlim(), ax.get_ylim()) == ((-2.0, 2.0), (-2.0, 2.0))
    assert describe_figure(ax.figure) == "[figure] From above: x2 against x1"


def test_neuron_contour_of_any_output_changes_colour_at_the_threshold():
    ax = plot_neuron_contour(lambda p: np.tanh(p[:, 0] + p[:, 1]), threshold=0.0)
    (filled,) = [c for c in contour_sets(ax) if c.filled]
    assert filled.levels.min() == pytest.approx(-1, abs=0.01) and 0.0 in filled.levels
    assert [0.0] in [list(c.levels) for c in contour_sets(ax) if not c.filled]
    assert filled.norm(0.0) == pytest.approx(0.5)     # where orange turns blue


def test_neuron_contour_without_a_crossing_draws_no_line():
    ax = plot_neuron_contour(lambda p: np.full(len(p), 0.8))
    assert [c.filled for c in contour_sets(ax)] == [True]


@pytest.mark.parametrize("plot", [plot_neuron_surface, plot_neuron_contour])
@pytest.mark.parametrize("kwargs, error, match", [
    ({"x_range": (2, -2)}, ValueError, r"x_range must be \(low, high\) with low < high"),
    ({"y_range": (0, 1, 2)}, ValueError, "y_range must be"),
    ({"resolution": 1}, ValueError, "resolution must be an integer >= 2"),
    ({"threshold": "half"}, TypeError, "threshold must be a real number"),
])
def test_neuron_plots_bad_input_is_named(plot, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot(neuron, **kwargs)


@pytest.mark.parametrize("plot", [plot_neuron_surface, plot_neuron_contour])
@pytest.mark.parametrize("predict, error, match", [
    (None, TypeError, "predict must be a function"),
    (lambda points: neuron(points)[:-1], ValueError,
     r"predict must return one value per point.*\(m,\) or \(m, 1\) with m = "),
    (lambda points: np.column_stack([neuron(points)] * 2), ValueError,
     "predict must return one value per point"),
])
def test_neuron_plots_wrong_predict_is_explained(plot, predict, error, match):
    with pytest.raises(error, match=match):
        plot(predict)


def test_describe_figure_3d_axes_without_labels():
    figure = plt.figure()
    figure.add_subplot(projection="3d").set_title("Bare")
    assert describe_figure(figure) == "[figure] Bare"


# --- notebook 05: training histories --------------------------------------------------------------


def history(num_epochs=5, batches=0, validation=True, scale=1.0):
    epochs = np.arange(1, num_epochs + 1)
    result = {"loss": (scale * 0.7 / epochs).tolist(),
              "train_accuracy": (1 - 0.4 / epochs).tolist()}
    if validation:
        result["validation_accuracy"] = (0.95 - 0.4 / epochs).tolist()
    if batches:
        result["batch_loss"] = np.repeat(result["loss"], batches).tolist()
    return result


def lines_by_gid(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def test_plot_history_draws_loss_and_accuracies_against_epoch():
    ax_loss, ax_accuracy = plot_history(history())
    assert ax_loss.figure is ax_accuracy.figure
    assert tuple(ax_loss.figure.get_size_inches()) == PANELS_FIGSIZE
    (loss,) = ax_loss.get_lines()
    np.testing.assert_array_equal(loss.get_xdata(), [1, 2, 3, 4, 5])   # after each epoch
    np.testing.assert_allclose(loss.get_ydata(), history()["loss"])
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("epoch", "loss")
    assert ax_loss.get_legend() is None                                 # one line: no legend
    train, validation = ax_accuracy.get_lines()
    np.testing.assert_allclose(validation.get_ydata(), history()["validation_accuracy"])
    assert (train.get_linestyle(), validation.get_linestyle()) == ("-", "--")
    assert train.get_color() == validation.get_color() == loss.get_color()   # one run, one colour
    assert legend_texts(ax_accuracy) == ["train", "validation"]
    assert (ax_accuracy.get_xlabel(), ax_accuracy.get_ylabel()) == ("epoch", "accuracy")
    assert ax_accuracy.yaxis.get_major_formatter()(0.9, 0) == "90%"
    assert describe_figure(ax_loss.figure) == \
        "[figure] loss against epoch | accuracy against epoch"


def test_plot_history_overlays_runs_one_colour_each():
    axes = plot_history(history(), label="MSE", loss_name="mean loss")
    same = plot_history(history(scale=0.5), axes=axes, label="log loss")
    assert same[0] is axes[0] and same[1] is axes[1]
    ax_loss, ax_accuracy = axes
    assert legend_texts(ax_loss) == ["MSE", "log loss"]
    assert legend_texts(ax_accuracy) == ["train", "validation"]         # styles, in grey
    colors = [line.get_color() for line in ax_loss.get_lines()]
    assert colors == ["C0", "C1"]
    assert [line.get_color() for line in ax_accuracy.get_lines()] == ["C0", "C0", "C1", "C1"]
    assert ax_loss.get_ylabel() == "mean loss"


def test_plot_history_on_given_axes_and_log_scale():
    _, given = plt.subplots(1, 2, figsize=PANELS_FIGSIZE)
    ax_loss, _ = plot_history(history(validation=False), axes=given, log_scale=True,
                              first_epoch=0)
    assert ax_loss is given[0] and ax_loss.get_yscale() == "log"
    np.testing.assert_array_equal(ax_loss.get_lines()[0].get_xdata(), [0, 1, 2, 3, 4])


def test_plot_history_draws_each_batch_lightly_under_the_epochs():
    ax_loss, _ = plot_history(history(num_epochs=4, batches=3))
    (batches,) = lines_by_gid(ax_loss, "history-per batch")
    (epochs,) = lines_by_gid(ax_loss, "history-train")
    assert len(batches.get_xdata()) == 12
    # batch k of epoch e ends at e - 1 + (k + 1) / 3: each epoch's last batch at the epoch
    np.testing.assert_allclose(batches.get_xdata()[2::3], epochs.get_xdata())
    assert batches.get_alpha() < 0.5 and batches.get_linewidth() < epochs.get_linewidth()
    assert ax_loss.get_lines().index(batches) < ax_loss.get_lines().index(epochs)   # under
    assert legend_texts(ax_loss) == ["per batch", "train"]


def test_plot_history_batches_of_labelled_runs():
    axes = plot_history(history(batches=2), label="α = 0")
    plot_history(history(batches=2, scale=2), axes=axes, label="α = 1e-3")
    assert legend_texts(axes[0]) == ["α = 0", "α = 1e-3", "per batch"]
    plot_history(history(batches=2), axes=axes, label="hidden", show_batches=False)
    assert len(lines_by_gid(axes[0], "history-per batch")) == 2


def test_plot_history_draws_a_validation_loss():
    run = history() | {"validation_loss": [0.8, 0.5, 0.45, 0.44, 0.46], "lr": [0.1] * 5}
    ax_loss, _ = plot_history(run)
    (validation,) = lines_by_gid(ax_loss, "history-validation")
    assert validation.get_linestyle() == "--"
    assert legend_texts(ax_loss) == ["train", "validation"]


@pytest.mark.parametrize("bad, error, match", [
    ([0.7, 0.5], TypeError, "history must be a dict of per-epoch lists"),
    ({}, ValueError, "history is empty"),
    ({"train_accuracy": [0.5]}, ValueError, r"history has no 'loss' entry; it has \['train_"),
    ({"loss": [0.7, 0.5]}, ValueError, r"no accuracy entry.*plot_loss_curve"),
    ({"loss": [], "train_accuracy": []}, ValueError, r"history\['loss'\] is empty"),
    ({"loss": [0.7, 0.5], "train_accuracy": [0.5]}, ValueError,
     r"history\['train_accuracy'\] has 1 values but history\['loss'\] has 2"),
    ({"loss": [0.7, np.nan], "train_accuracy": [0.5, 0.6]}, ValueError,
     r"history\['loss'\] contains 1 NaN"),
    ({"loss": [0.7, 0.5], "train_accuracy": [50, 60]}, ValueError,
     r"accuracies as fractions in \[0, 1\]"),
    ({"loss": [0.7, 0.5], "train_accuracy": [0.5, 0.6], "batch_loss": [1, 2, 3]}, ValueError,
     r"history\['batch_loss'\] has 3 values, not a whole number of batches for each of the 2"),
    ({"loss": [[0.7, 0.5]], "train_accuracy": [[0.5, 0.6]]}, ValueError,
     r"history\['loss'\] must have 1 dimension"),
])
def test_plot_history_bad_history_is_explained(bad, error, match):
    with pytest.raises(error, match=match):
        plot_history(bad)


@pytest.mark.parametrize("axes", [None, "ab", 3])
def test_plot_history_needs_two_axes(axes):
    if axes is None:
        _, axes = plt.subplots()
    with pytest.raises(TypeError, match=r"axes must be two Axes \(loss, accuracy\)"):
        plot_history(history(), axes=axes)


def test_loss_curve_from_a_later_epoch_with_a_line_style():
    ax = plot_loss_curve([0.7, 0.5], first_epoch=1, color="C3", linestyle="--")
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])
    assert (line.get_color(), line.get_linestyle()) == ("C3", "--")


def test_loss_curve_hidden_label_makes_no_legend(recwarn):
    ax = plot_loss_curve([0.7, 0.5], label="_hidden")
    assert ax.get_legend() is None
    assert not [w for w in recwarn if "legend" in str(w.message).lower()]


# --- notebook 05: sizes in the course style -------------------------------------------------------


def test_notebook_05_figures_fit_jupyterlab_and_a_slide(moons):
    X_moons, y_moons = moons
    with plt.rc_context(STYLE):
        one_panel = plot_decision_boundary(moons_model, X_moons[:150], y_moons[:150],
                                           X_test=X_moons[150:], y_test=y_moons[150:],
                                           title="Training and test points",
                                           **MOONS_NAMES).figure
        _, (width, height) = inline_png(one_panel)
        assert 700 <= width <= 850 and 400 <= height <= 500

        axes = plot_history(history(30, batches=6), label="α = 0")
        plot_history(history(30, batches=6, scale=2), axes=axes, label="α = 1e-3")
        png, (width, height) = inline_png(axes[0].figure)
        assert 800 <= width <= 850 and height <= 500
        assert len(png) < 170_000

        ax_surface, _ = plot_neuron_views(neuron, title="σ(1.5 x1 − 2 x2 + 0.5)")
        png, (width, height) = inline_png(ax_surface.figure)
        assert 800 <= width <= 850 and height <= 500
        assert len(png) < 320_000

        _, (width, height) = inline_png(plot_neuron_surface(neuron).figure)
        assert width <= 850 and height <= 500


# --- level lines: one neuron's are straight and parallel, a network's bend ------------------------

def test_level_lines_of_one_neuron_are_parallel_straight_lines():
    from nblib.plots import plot_level_lines
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [0.5, 2.0]])
    y = np.array([0, 1, 0, 1])
    ax = plot_level_lines(lambda p: sigmoid(p @ np.array([1.0, -2.0]) + 0.5), X, y,
                          num_levels=6, title="One neuron")
    (contours,) = [c for c in ax.collections if hasattr(c, "get_paths") and c.get_paths()
                   and c.get_array() is not None and len(c.get_paths()) > 1]
    directions = []
    for path in contours.get_paths():
        vertices = path.vertices
        if len(vertices) >= 2:
            step = vertices[-1] - vertices[0]
            directions.append(step / np.linalg.norm(step))
            # straight: every vertex on the line through the ends
            normal = np.array([-step[1], step[0]]) / np.linalg.norm(step)
            assert np.allclose((vertices - vertices[0]) @ normal, 0, atol=1e-3)
    assert len(directions) >= 5
    assert all(abs(abs(d @ directions[0]) - 1) < 1e-5 for d in directions)   # parallel
    assert ax.get_title() == "One neuron" and ax.get_xlabel() == "x1"


def test_level_lines_bad_input():
    from nblib.plots import plot_level_lines
    X, y = np.zeros((3, 2)), np.array([0, 1, 0])
    with pytest.raises(ValueError, match="num_levels"):
        plot_level_lines(lambda p: p[:, 0], X, y, num_levels=0)
    with pytest.raises(ValueError, match="2 features"):
        plot_level_lines(lambda p: p[:, 0], np.zeros((3, 3)), y)


# --- notebook 06: handwritten digits ------------------------------------------------------------

from matplotlib.colors import to_hex  # noqa: E402  (with the section that uses it)

from nblib.plots import (  # noqa: E402
    MAX_DIGITS,
    MISTAKE_COLOR,
    PREDICTED_COLOR,
    PercentTicks,
    _percent,
    plot_confusion_matrix,
    plot_digit,
    plot_digits,
    plot_probabilities,
    plot_speed_comparison,
)


def fake_digits(n, seed=0):
    """``n`` images as MNIST stores them: uint8, shape (n, 28, 28), and labels 0-9."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n) % 10


def is_framed(ax):
    return all(spine.get_visible() for spine in ax.spines.values())


def test_plot_digits_shows_each_digit_with_its_label_above_it():
    images, labels = fake_digits(12)
    axes = plot_digits(images, labels, title="Twelve digits")
    assert len(axes) == 12 and len(axes[0].figure.axes) == 12     # no empty places left
    for ax, image, label in zip(axes, images, labels):
        (shown,) = ax.images
        np.testing.assert_array_equal(shown.get_array(), image)
        assert shown.get_clim() == (0, 255)                        # bytes: one grey scale
        assert shown.get_cmap().name == "gray_r"                   # dark ink on white
        assert ax.get_title() == str(label)
        assert not ax.get_xticks().size and not ax.get_yticks().size
        assert not is_framed(ax)
    figure = axes[0].figure
    assert figure.get_suptitle() == "Twelve digits"
    assert describe_figure(figure) == ("[figure] Twelve digits: 12 images: "
                                       "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1")


def test_plot_digits_rows_of_pixels_and_rows_of_digits():
    images, labels = fake_digits(10)
    axes = plot_digits(images.reshape(10, 784), labels, ncols=4)
    np.testing.assert_array_equal(axes[9].images[0].get_array(), images[9])
    rows = {round(ax.get_position().y0, 3) for ax in axes}
    columns = {round(ax.get_position().x0, 3) for ax in axes}
    assert len(rows) == 3 and len(columns) == 4


def test_plot_digits_without_labels_has_no_titles():
    axes = plot_digits(fake_digits(3)[0])
    assert [ax.get_title() for ax in axes] == ["", "", ""]
    assert describe_figure(axes[0].figure) == "[figure] 3 images"


def test_plot_digits_marks_wrong_predictions_in_red():
    images, labels = fake_digits(4)
    predictions = np.array([0, 7, 2, 1])                            # 1 and 3 are wrong
    axes = plot_digits(images, labels, predictions)
    titles = [ax.get_title() for ax in axes]
    assert titles[1] == "predicted 7\n(true 1)" and titles[0] == "predicted 0\n(true 0)"
    for ax, wrong in zip(axes, [False, True, False, True]):
        color = to_hex(ax.title.get_color())
        assert color == (MISTAKE_COLOR.lower() if wrong else "#000000")
        assert is_framed(ax) == wrong
        if wrong:
            assert ax.title.get_fontweight() == "bold"
            assert to_hex(ax.spines["left"].get_edgecolor()) == MISTAKE_COLOR.lower()
    assert describe_figure(axes[0].figure) == (
        "[figure] 4 images: predicted 0 (true 0), predicted 7 (true 1), "
        "predicted 2 (true 2), predicted 1 (true 3)")


def test_plot_digits_scales_floats_in_0_1_and_standardised_pixels():
    images, labels = fake_digits(3)
    axes = plot_digits(images / 255.0, labels)
    assert axes[0].images[0].get_clim() == (0, 1)
    standardised = (images - 128.0) / 50.0
    axes = plot_digits(standardised, labels)
    assert axes[0].images[0].get_clim() == (standardised.min(), standardised.max())


def test_text_form_of_many_digits_lists_the_first_twenty():
    images, labels = fake_digits(32)
    text = describe_figure(plot_digits(images, labels)[0].figure)
    assert text.startswith("[figure] 32 images: 0, 1, 2,")
    assert text.endswith(", 8, 9, ... (12 more)")


def test_digit_grids_fit_the_output_area_and_a_slide():
    images, labels = fake_digits(32)
    with plt.rc_context(STYLE):
        for axes in (plot_digits(images, labels, title="The first 32 test digits"),
                     plot_digits(images[:24], labels[:24], (labels[:24] + 1) % 10,
                                 title="Misclassified")):
            png, (width, height) = inline_png(axes[0].figure)
            assert 700 <= width <= 850 and height <= 500
            assert len(png) < 250_000
            # each digit at least 2.5 times its 28 pixels
            box = axes[0].get_window_extent()
            assert min(box.width, box.height) >= 70
        _, (width, _) = inline_png(plot_digits(images[:100].repeat(4, axis=0)[:100],
                                               ncols=10)[0].figure)
        assert width <= 850


@pytest.mark.parametrize("kwargs, error, match", [
    ({"images": np.zeros((28, 28))}, ValueError, r"shape \(n, 28, 28\) or \(n, 784\).*images\[None\]"),
    ({"images": np.zeros((3, 783))}, ValueError, "not square images"),
    ({"images": np.zeros((3, 28, 27))}, ValueError, r"got \(3, 28, 27\)"),
    ({"images": np.zeros((0, 28, 28))}, ValueError, "images is empty"),
    ({"images": "digits"}, TypeError, "must be an array of images"),
    ({"images": np.full((2, 4, 4), np.nan)}, ValueError, "NaN"),
    ({"labels": [1, 2]}, ValueError, "labels has 2 labels but there are 3 images"),
    ({"labels": [1, 2, 2.5]}, ValueError, r"class labels 0, 1, 2, \.\.\., found \[2.5\]"),
    ({"labels": [1, 2, -1]}, ValueError, r"found \[-1.0\]"),
    ({"labels": None, "predictions": [1, 2, 3]}, ValueError, "predictions need the true labels"),
    ({"predictions": [1, 2]}, ValueError, "predictions has 2 labels"),
    ({"ncols": 0}, ValueError, "ncols must be a positive whole number"),
    ({"images": np.zeros((MAX_DIGITS + 1, 28, 28)), "labels": None}, ValueError,
     r"at most 100 digits, got 101: pass a slice such as images\[:32\]"),
])
def test_plot_digits_bad_input_is_explained(kwargs, error, match):
    arguments = {"images": fake_digits(3)[0], "labels": [0, 1, 2]} | kwargs
    with pytest.raises(error, match=match):
        plot_digits(**arguments)


def test_plot_digit_draws_one_digit():
    images, _ = fake_digits(1)
    ax = plot_digit(images[0].ravel(), title="true 7")
    np.testing.assert_array_equal(ax.images[0].get_array(), images[0])
    assert ax.get_title() == "true 7" and not is_framed(ax)
    assert describe_figure(ax.figure) == "[figure] true 7 (an image)"
    wrong = plot_digit(images[0], title="true 7", wrong=True)
    assert is_framed(wrong) and to_hex(wrong.title.get_color()) == MISTAKE_COLOR.lower()
    with pytest.raises(ValueError, match=r"one image, shape \(28, 28\).*pass images\[i\]"):
        plot_digit(images)


# --- the confusion matrix ---


def confusion_data(seed=0, n=2000, error_rate=0.02):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 10, n)
    wrong = rng.random(n) < error_rate
    y_pred = np.where(wrong, (y_true + rng.integers(1, 10, n)) % 10, y_true)
    return y_true, y_pred


def cell_texts(ax):
    """The numbers written in the cells, by (row, column): the tick labels are not texts."""
    texts = {}
    for text in ax.texts:
        column, row = text.get_position()
        texts[int(row), int(column)] = text
    return texts


def test_confusion_matrix_writes_the_counts_with_zeros_blank():
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = confusion_data()
    ax = plot_confusion_matrix(y_true, y_pred)
    counts = confusion_matrix(y_true, y_pred)
    texts = cell_texts(ax)
    assert len(texts) == 100
    for (row, column), text in texts.items():
        expected = str(counts[row, column]) if counts[row, column] else ""
        assert text.get_text() == expected
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted label", "true label")
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(d) for d in range(10)]
    correct = np.trace(counts)
    assert ax.get_title() == (f"Confusion matrix:\n{correct / 2000:.1%} correct, "
                              f"{2000 - correct} of 2,000 wrong")


def test_confusion_matrix_diagonal_is_darkest_and_text_stays_readable():
    y_true, y_pred = confusion_data()
    ax = plot_confusion_matrix(y_true, y_pred)
    image = ax.images[0]
    colors = image.cmap(image.norm(image.get_array()))
    luminance = np.vectorize(lambda r, g, b: relative_luminance((r, g, b)))(
        colors[..., 0], colors[..., 1], colors[..., 2])
    off_diagonal = ~np.eye(10, dtype=bool) & (image.get_array() > 0)
    assert luminance.diagonal().max() < luminance[off_diagonal].min()
    # a single mistake is tinted, not white like an empty cell
    assert luminance[off_diagonal].max() < relative_luminance("white") - 0.05
    for (row, column), text in cell_texts(ax).items():
        if text.get_text():
            assert contrast_ratio(text.get_color(), colors[row, column, :3]) >= 4.5


def test_confusion_matrix_title_text_form_and_size():
    y_true, y_pred = confusion_data(n=10_000)
    with plt.rc_context(STYLE):
        ax = plot_confusion_matrix(y_true, y_pred, title="Test set")
        assert describe_figure(ax.figure).startswith("[figure] Test set: 9")
        assert describe_figure(ax.figure).endswith(
            "of 10,000 wrong: true label against predicted label")
        _, (width, height) = inline_png(ax.figure)
        assert width <= 850 and height <= 500
        # each cell wide enough for a four-digit count
        cell = ax.get_window_extent().width / 10
        assert cell >= 32


def test_confusion_matrix_on_given_axes_with_chosen_classes():
    _, ax = plt.subplots()
    returned = plot_confusion_matrix([0, 1, 1], [0, 1, 0], ax=ax, labels=[0, 1, 2])
    assert returned is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "2"]
    assert ax.get_title().endswith("66.7% correct, 1 of 3 wrong")


@pytest.mark.parametrize("y_true, y_pred, match", [
    ([0, 1, 2], [0, 1], "y_pred has 2 labels but there are 3"),
    ([0, 1.5], [0, 1], r"y_true must hold class labels"),
    ([[0, 1]], [0, 1], r"y_true must have 1 dimension"),
])
def test_confusion_matrix_bad_input_is_explained(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(y_true, y_pred)


# --- one image's probabilities ---


def softmax_row(scores):
    e = np.exp(np.asarray(scores, dtype=float) - np.max(scores))
    return e / e.sum()


PROBABILITIES = softmax_row([0, 0, 1, 0, 3, 0, 0, 0.5, 0, 6.0])      # predicts 9


def annotations(ax):
    return {text.get_text(): text for text in ax.texts}


def test_probability_bars_heights_and_highlighted_prediction():
    ax = plot_probabilities(PROBABILITIES)
    bars = ax.patches
    assert len(bars) == 10
    np.testing.assert_allclose([bar.get_height() for bar in bars], PROBABILITIES)
    assert to_hex(bars[9].get_facecolor()) == PREDICTED_COLOR.lower()
    assert len({to_hex(bar.get_facecolor()) for bar in bars[:9]}) == 1      # the rest alike
    percent = f"{PROBABILITIES[9]:.0%}"
    assert ax.get_title() == f"predicted 9 ({percent})"
    assert annotations(ax)[percent].xy == pytest.approx((9, PROBABILITIES[9]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("digit", "probability")
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    assert describe_figure(ax.figure) == f"[figure] predicted 9 ({percent}): probability against digit"


def test_probability_bars_mark_the_true_class_and_a_wrong_prediction():
    ax = plot_probabilities(PROBABILITIES, true_label=4)
    bars = ax.patches
    assert to_hex(bars[9].get_facecolor()) == MISTAKE_COLOR.lower()
    assert to_hex(ax.title.get_color()) == MISTAKE_COLOR.lower()
    assert ax.get_title().endswith(", true 4")
    assert annotations(ax)["true"].xy == pytest.approx((4, PROBABILITIES[4]))
    assert ax.get_xticklabels()[4].get_fontweight() == "bold"

    right = plot_probabilities(PROBABILITIES, true_label=9)
    assert to_hex(right.patches[9].get_facecolor()) == PREDICTED_COLOR.lower()
    notes = annotations(right)
    assert notes["true"].xy == notes[f"{PROBABILITIES[9]:.0%}"].xy     # both on bar 9 ...
    assert notes["true"].xyann[1] > notes[f"{PROBABILITIES[9]:.0%}"].xyann[1]   # ... stacked


@pytest.mark.parametrize("p, text", [(0.9996, ">99%"), (0.98, "98%"), (1.0, "100%"),
                                     (0.001, "<1%"), (0.0, "0%"), (0.5, "50%")])
def test_percentages_never_round_to_certainty(p, text):
    assert _percent(p) == text


@pytest.mark.parametrize("kwargs, error, match", [
    ({"probabilities": PROBABILITIES[None]}, ValueError,
     r"shape \(10,\), got shape \(1, 10\): for the first row pass probabilities\[0\]"),
    ({"probabilities": [1.0]}, ValueError, r"got shape \(1,\)"),
    ({"probabilities": PROBABILITIES / 2}, ValueError, "must sum to 1, got 0.5: apply softmax"),
    ({"probabilities": [1.5, -0.5]}, ValueError, r"probabilities in \[0, 1\]"),
    ({"true_label": 10}, ValueError, "true_label must be a class label, a whole number from 0 to 9"),
    ({"true_label": 4.0}, ValueError, "true_label must be a class label"),
])
def test_probability_bars_bad_input_is_explained(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_probabilities(**({"probabilities": PROBABILITIES} | kwargs))


# --- the speed comparison ---


SPEED = {"classic": {"nblib": [4.0, 4.4, 3.8], "torch": 1.0},
         "tuned": {"nblib": 2.0, "torch": 0.8}}


def test_speed_comparison_groups_bars_by_recipe():
    ax = plot_speed_comparison(SPEED)
    nblib, torch = ax.containers[0], ax.containers[2]     # [1] holds nblib's error bar
    np.testing.assert_allclose([bar.get_height() for bar in nblib], [4.0, 2.0])   # medians
    np.testing.assert_allclose([bar.get_height() for bar in torch], [1.0, 0.8])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["classic", "tuned"]
    # The figure itself says what a bar and its line are (not only this docstring).
    assert legend_texts(ax) == ["nblib", "torch", "fastest to slowest\nepoch"]
    assert ax.get_legend().get_title().get_text() == "median epoch"
    notes = [text.get_text() for text in ax.texts]
    assert "torch 4.0× faster" in notes and "torch 2.5× faster" in notes
    assert {"4 s", "1 s", "2 s", "0.8 s"} <= set(notes)
    # nblib's classic times span 3.8 to 4.4 s: a line from the fastest to the slowest epoch
    (segments,) = [c.get_segments() for c in ax.collections if c.get_segments()]
    np.testing.assert_allclose(np.sort(segments[0][:, 1]), [3.8, 4.4])
    assert describe_figure(ax.figure) == ("[figure] Training time per epoch (lower is faster): "
                                          "seconds per epoch against recipe")


def test_speed_comparison_of_equal_speeds_and_missing_frameworks():
    ax = plot_speed_comparison({"a": {"nblib": 1.0, "torch": 1.02}, "b": {"nblib": 2.0}},
                               title=None)
    assert ax.get_title() == ""
    # One time per bar: no line, so the legend names only the frameworks.
    assert legend_texts(ax) == ["nblib", "torch"]
    assert ax.get_legend().get_title().get_text() == "framework"
    notes = [text.get_text() for text in ax.texts]
    assert "about as fast" in notes and not any("faster" in note for note in notes)
    assert len(ax.containers[1]) == 1                           # torch: only recipe a


def test_speed_comparison_fits_the_output_area():
    with plt.rc_context(STYLE):
        _, (width, height) = inline_png(plot_speed_comparison(SPEED).figure)
        assert width <= 850 and height <= 500


@pytest.mark.parametrize("bad, error, match", [
    ([1.0, 2.0], TypeError, r"dict \{recipe: \{framework: seconds\}\}"),
    ({}, TypeError, "seconds_per_epoch must be a dict"),
    ({"classic": 4.0}, TypeError, r"seconds_per_epoch\['classic'\] is 4.0"),
    ({"classic": {"nblib": 0.0}}, ValueError,
     r"seconds_per_epoch\['classic'\]\['nblib'\] must be a time in seconds \(> 0\)"),
    ({"classic": {"nblib": "fast"}}, TypeError, "must be a number or an array"),
])
def test_speed_comparison_bad_input_is_explained(bad, error, match):
    with pytest.raises(error, match=match):
        plot_speed_comparison(bad)


# --- notebook 06's training curves ---


def test_percent_ticks_have_the_decimals_they_need():
    formatter = PercentTicks()
    _, ax = plt.subplots()
    ax.yaxis.set_major_formatter(formatter)      # a formatter reads its axis's range
    assert formatter.format_ticks([0.9, 0.95, 1.0]) == ["90%", "95%", "100%"]
    assert formatter.format_ticks([0.97, 0.975, 0.98]) == ["97.0%", "97.5%", "98.0%"]
    assert formatter.format_ticks([0.9725, 0.975]) == ["97.25%", "97.50%"]


def test_history_of_mnist_tells_97_from_98_percent():
    epochs = np.arange(1, 13)
    run = {"loss": (0.5 / epochs).tolist(),
           "train_accuracy": (0.995 - 0.09 / epochs).tolist(),
           "validation_accuracy": (0.985 - 0.08 / epochs).tolist()}
    _, ax_accuracy = plot_history(run)
    ax_accuracy.figure.canvas.draw()
    labels = [t.get_text() for t in ax_accuracy.get_yticklabels() if t.get_text()]
    assert len(set(labels)) == len(labels) >= 4
    ax_accuracy.set_ylim(0.97, 0.99)                 # zoomed in on the last epochs
    ax_accuracy.figure.canvas.draw()
    labels = [t.get_text() for t in ax_accuracy.get_yticklabels() if t.get_text()]
    assert len(set(labels)) == len(labels) >= 3
    assert any(label.startswith("97.5") for label in labels)


# --- notebook 05: boundaries side by side, and an L2 sweep ---------------------------------------

def test_decision_boundaries_share_one_colour_bar_and_one_legend(moons):
    from nblib.plots import plot_decision_boundaries
    X_moons, y_moons = moons
    with plt.rc_context(STYLE):
        axes = plot_decision_boundaries({"curved": moons_model, "flat": lambda p: np.full(len(p), 0.3),
                                         "line": lambda p: sigmoid(3 * p[:, 1])},
                                        X_moons, y_moons, **MOONS_NAMES)
        figure = axes[0].figure
        assert [ax.get_title() for ax in axes] == ["curved", "flat", "line"]
        colorbars = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
        assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "P(class 1)"
        assert all(ax.get_legend() is None for ax in axes)
        (legend,) = figure.legends
        assert [t.get_text() for t in legend.get_texts()] == ["class 1", "class 0"]
        # one scale for all: every panel's colours span [0, 1], the step at 0.5
        for ax in axes:
            (filled,) = [c for c in contour_sets(ax) if c.filled]
            assert (filled.norm.vmin, filled.norm.vcenter, filled.norm.vmax) == (0.0, 0.5, 1.0)
        # the half contour only where the model crosses 0.5
        assert [len([c for c in contour_sets(ax) if not c.filled]) for ax in axes] == [1, 0, 1]
        # shared axes: the y label shows on the left panel only, but every panel keeps it
        assert [ax.yaxis.label.get_visible() for ax in axes] == [True, False, False]
        _, (width, height) = inline_png(figure)
        assert 800 <= width <= 850 and height <= 500
        assert describe_figure(figure) == ("[figure] curved: x2 against x1 | flat: x2 against x1"
                                           " | line: x2 against x1")


def test_decision_boundaries_give_each_of_two_panels_the_room(moons):
    """Two panels and one colour bar at 850 px: each plot at least 300 px wide (a colour bar and
    a legend each left it about 250)."""
    from nblib.plots import plot_decision_boundaries
    X_moons, y_moons = moons
    with plt.rc_context(STYLE):
        axes = plot_decision_boundaries({"a": moons_model, "b": moons_model}, X_moons[:150],
                                        y_moons[:150], X_test=X_moons[150:],
                                        y_test=y_moons[150:], held_out="validation",
                                        **MOONS_NAMES)
        figure = axes[0].figure
        inline_png(figure)                                  # lays the figure out
        widths = [ax.get_window_extent().width for ax in axes]
        assert min(widths) >= 300, widths
        texts = [t.get_text() for t in figure.legends[0].get_texts()]
        assert texts == ["class 1, train", "class 0, train", "class 1, validation",
                         "class 0, validation"]
        _, (width, height) = inline_png(figure)
        assert width <= 850 and height <= 500


def test_decision_boundaries_in_a_grid_drop_the_spare_panel(moons):
    from nblib.plots import plot_decision_boundaries
    X_moons, y_moons = moons
    axes = plot_decision_boundaries({str(k): moons_model for k in range(3)}, X_moons, y_moons,
                                    ncols=2, **MOONS_NAMES)
    figure = axes[0].figure
    assert len(axes) == 3
    assert len([ax for ax in figure.axes if ax.get_label() != "<colorbar>"]) == 3


def test_a_grid_of_decision_boundaries_is_short_enough_for_a_slide(moons):
    """Two rows at full width would be 650 px high: a slide (640 px for a figure) would
    shrink its 11 pt labels below 16 px.  The rows are flatter instead."""
    from nblib.plots import MAX_HEIGHT, plot_decision_boundaries
    X_moons, y_moons = moons
    with plt.rc_context(STYLE):
        axes = plot_decision_boundaries({str(k): moons_model for k in range(4)}, X_moons,
                                        y_moons, ncols=2, **MOONS_NAMES)
        _, (width, height) = inline_png(axes[0].figure)
    assert 800 <= width <= 850 and height <= MAX_HEIGHT * DPI + 20
    assert 640 / height * STYLE["xtick.labelsize"] * DPI / 72 * 0.96 >= 16


@pytest.mark.parametrize("predicts, kwargs, error, match", [
    ({}, {}, TypeError, "non-empty dict"),
    ([moons_model], {}, TypeError, "non-empty dict"),
    ({"a": 3}, {}, TypeError, r"predicts\['a'\] must be a function"),
    ({"a": lambda p: 2 * np.ones(len(p))}, {}, ValueError, "apply the sigmoid"),
    ({"a": moons_model}, {"ncols": 0}, ValueError, "ncols"),
])
def test_decision_boundaries_bad_input_is_named(moons, predicts, kwargs, error, match):
    from nblib.plots import plot_decision_boundaries
    X_moons, y_moons = moons
    with pytest.raises(error, match=match):
        plot_decision_boundaries(predicts, X_moons, y_moons, **kwargs)


def test_regularisation_sweep_draws_both_accuracies_against_alpha_with_zero_on_the_left():
    from nblib.plots import plot_regularisation_sweep
    alphas = [0.0, 0.001, 0.003, 0.01]
    train, validation = [0.93, 0.9, 0.9, 0.8], [0.83, 0.88, 0.93, 0.81]
    ax = plot_regularisation_sweep(alphas, train, validation, chosen=0.003, baseline=0.812,
                                   title="sweep")
    assert ax.get_xscale() == "symlog"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.001", "0.003", "0.01"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["train"].get_ydata(), train)
    np.testing.assert_allclose(lines["validation"].get_ydata(), validation)
    assert lines["validation"].get_linestyle() == "--"
    assert lines["logistic regression, validation"].get_ydata()[0] == 0.812
    assert lines["chosen: α = 0.003"].get_xdata()[0] == 0.003
    low, high = ax.get_xlim()
    assert low < 0.0 and high > 0.01                     # no marker sits on the frame
    assert ax.get_ylim()[0] <= 0.5                       # the axis starts at chance or below
    assert describe_figure(ax.figure) == "[figure] sweep: accuracy against α (L2 strength)"


def test_regularisation_sweep_sorts_alphas_and_needs_no_zero():
    from nblib.plots import plot_regularisation_sweep
    ax = plot_regularisation_sweep([0.1, 0.01], [0.7, 0.9], [0.6, 0.85])
    (train,) = [line for line in ax.get_lines() if line.get_label() == "train"]
    np.testing.assert_allclose(train.get_xdata(), [0.01, 0.1])
    np.testing.assert_allclose(train.get_ydata(), [0.9, 0.7])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.1"]


@pytest.mark.parametrize("args, kwargs, error, match", [
    (([0.0], [0.9], [0.8]), {}, ValueError, "at least one of them positive"),
    (([-0.1, 0.1], [0.9, 0.9], [0.8, 0.8]), {}, ValueError, "numbers >= 0"),
    (([0.1, 0.2], [0.9], [0.8, 0.8]), {}, ValueError, "train_accuracy has 1 values for 2"),
    (([0.1], [0.9], [80.0]), {}, ValueError, r"fractions in \[0, 1\]"),
    (([0.1], [0.9], [0.8]), {"chosen": 0.5}, ValueError, "chosen must be one of the alphas"),
])
def test_regularisation_sweep_bad_input_is_named(args, kwargs, error, match):
    from nblib.plots import plot_regularisation_sweep
    with pytest.raises(error, match=match):
        plot_regularisation_sweep(*args, **kwargs)


def test_plot_points_names_held_out_points_as_asked(moons):
    X_moons, y_moons = moons
    ax = plot_points(X_moons[:150], y_moons[:150], X_test=X_moons[150:], y_test=y_moons[150:],
                     held_out="validation")
    assert legend_texts(ax) == ["class 1, train", "class 0, train", "class 1, validation",
                                "class 0, validation"]
    ax = plot_decision_boundary(moons_model, X_moons[:150], y_moons[:150], X_test=X_moons[150:],
                                y_test=y_moons[150:], held_out="validation", **MOONS_NAMES)
    assert legend_texts(colorbar_axes(ax))[2:] == ["class 1, validation", "class 0, validation"]
