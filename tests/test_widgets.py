"""nblib.widgets: the explorers build, show their values, and redraw when a control moves.

The draw_* functions are plain functions of an Axes, tested directly.
"""

import base64
import math
import struct

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from nblib.datasets import bakery_buns
from nblib.plots import (
    DPI,
    FIGSIZE,
    MISTAKE_COLOR,
    PANELS_FIGSIZE,
    PIXEL_RATIO,
    STYLE,
    TEXT_SIZE_KEY,
    describe_figure,
    png_text,
)
from nblib.widgets import (
    Explorer,
    digit_explorer,
    draw_digit_and_probabilities,
    draw_learning_rate,
    draw_log_loss,
    draw_neuron,
    learning_rate_explorer,
    log_loss_explorer,
    neuron_explorer,
    next_mistake,
    parabola,
    parabola_derivative,
)

X, Y = bakery_buns()


@pytest.fixture
def ax():
    return Figure().subplots()


def one_line(title):
    """A title as its text form reads it (a long title is drawn on two lines)."""
    return " ".join(title.split())


def title_of(explorer):
    return one_line(explorer.figure.axes[0].get_title())


def png_size(png):
    return struct.unpack(">II", png[16:24])                # from the PNG's IHDR chunk


def neuron_accuracy(w1, w2, b):
    z = w1 * X[:, 0] + w2 * X[:, 1] + b
    return np.mean((z >= 0) == (Y == 1))    # sigmoid(z) >= 0.5 exactly when z >= 0


# --- the generic Explorer ----------------------------------------------------------------------------


def test_explorer_calls_draw_with_the_controls_values():
    calls = []

    def draw(ax, a, n):
        calls.append((a, n))
        ax.set_title(f"a={a}, n={n}")

    a = widgets.FloatSlider(value=0.5, min=0, max=1)
    n = widgets.IntSlider(value=3, min=1, max=9)
    explorer = Explorer("Test explorer", {"a": a, "n": n}, draw)
    assert calls == [(0.5, 3)]
    assert explorer.values() == {"a": 0.5, "n": 3}
    assert repr(explorer) == "Test explorer: a=0.5, n=3"
    first = explorer.figure
    assert isinstance(first, Figure)

    n.value = 7
    assert calls == [(0.5, 3), (0.5, 7)]
    assert explorer.figure is not first
    assert title_of(explorer) == "a=0.5, n=7"
    assert repr(explorer) == "Test explorer: a=0.5, n=7"


def test_explorer_output_shows_the_current_figure_and_its_text_form():
    explorer = log_loss_explorer()
    (shown,) = explorer.output.outputs
    assert shown["output_type"] == "display_data"
    assert shown["data"]["text/plain"] == "Log-loss explorer: y_hat=0.7, y=1"
    first_png = base64.b64decode(shown["data"]["image/png"])
    assert first_png.startswith(b"\x89PNG\r\n")

    explorer.controls["y"].value = 0
    (shown,) = explorer.output.outputs                  # replaced, not appended
    assert shown["data"]["text/plain"] == "Log-loss explorer: y_hat=0.7, y=0"
    assert base64.b64decode(shown["data"]["image/png"]) != first_png


def test_explorer_is_a_box_with_title_controls_and_output():
    a = widgets.FloatSlider(value=0.25)
    explorer = Explorer("Boxed", {"a": a}, lambda ax, a: None)
    assert isinstance(explorer, widgets.VBox)
    title, controls, output = explorer.children
    assert title.value == "<b>Boxed</b>"
    assert controls.children == (a,)
    assert output is explorer.output


def test_explorer_figures_are_not_left_open_in_pyplot():
    before = plt.get_fignums()
    explorer = learning_rate_explorer()
    explorer.controls["num_steps"].value = 20
    assert plt.get_fignums() == before


def test_explorer_figure_follows_the_course_style():
    other = {"figure.dpi": 72, "axes.titlesize": 8}      # as if course_style() never ran
    with plt.rc_context(other):
        explorer = learning_rate_explorer()
        figure = explorer.figure
        assert figure.dpi == DPI and tuple(figure.get_size_inches()) == FIGSIZE
        assert figure.axes[0].title.get_fontsize() == STYLE["axes.titlesize"]
        (shown,) = explorer.output.outputs
        png = base64.b64decode(shown["data"]["image/png"])
        # fixed as sliders move: shown at FIGSIZE, stored at PIXEL_RATIO times that (as the notebook's
        # other figures), with the size of its smallest text recorded (nblib.plots.figure_png)
        assert shown["metadata"] == {"image/png": {"width": FIGSIZE[0] * DPI,
                                                   "height": FIGSIZE[1] * DPI}}
        assert png_size(png) == (PIXEL_RATIO * FIGSIZE[0] * DPI, PIXEL_RATIO * FIGSIZE[1] * DPI)
        assert TEXT_SIZE_KEY in png_text(png)
        assert plt.rcParams["figure.dpi"] == 72          # the notebook's settings untouched


def test_float_values_are_shown_short():
    explorer = Explorer("Short", {"v": widgets.FloatSlider(value=1 / 3, min=0, max=1,
                                                           step=None)}, lambda ax, v: None)
    assert repr(explorer) == "Short: v=0.333"


# --- 01: the neuron explorer -------------------------------------------------------------------------


def test_draw_neuron_title_shows_the_weights_and_the_accuracy(ax):
    returned = draw_neuron(ax, X, Y, w1=-1.0, w2=-1.0, b=9.0)
    assert returned is ax
    expected = neuron_accuracy(-1.0, -1.0, 9.0)
    assert ax.get_title() == f"w1=-1.00, w2=-1.00, b=9.00: accuracy {expected:.0%}"
    assert ax.get_xlabel() == "width (cm)"


def test_draw_neuron_accuracy_changes_with_the_weights(ax):
    draw_neuron(ax, X, Y, w1=0.0, w2=0.0, b=5.0)          # accepts every bun
    assert ax.get_title().endswith(f"accuracy {np.mean(Y == 1):.0%}")


def test_neuron_explorer():
    explorer = neuron_explorer(X, Y)
    assert repr(explorer) == "Neuron explorer: w1=-1, w2=-1, b=9"
    assert title_of(explorer).startswith("w1=-1.00, w2=-1.00, b=9.00")
    first = explorer.figure

    explorer.controls["b"].value = 8.5
    assert explorer.figure is not first
    assert repr(explorer) == "Neuron explorer: w1=-1, w2=-1, b=8.5"
    expected = neuron_accuracy(-1.0, -1.0, 8.5)
    assert title_of(explorer) == f"w1=-1.00, w2=-1.00, b=8.50: accuracy {expected:.0%}"


def test_neuron_explorer_starting_values_and_ranges():
    explorer = neuron_explorer(X, Y, w1=0.5, w2=-2.0, b=1.0)
    assert explorer.values() == {"w1": 0.5, "w2": -2.0, "b": 1.0}
    assert (explorer.controls["w1"].min, explorer.controls["w1"].max) == (-5, 5)
    assert (explorer.controls["b"].min, explorer.controls["b"].max) == (-30, 30)


def test_neuron_explorer_bad_data_raises_naming_it():
    with pytest.raises(ValueError, match="w must have one weight per feature"):
        neuron_explorer(X[:, :1], Y)
    with pytest.raises(ValueError, match="y must hold class labels"):
        neuron_explorer(X, Y + 1)


# --- 02: the learning-rate explorer ---------------------------------------------------------------------


def test_parabola():
    assert parabola(0.0) == 5.0 and parabola(2.0) == 9.0
    assert parabola_derivative(2 / 3) == pytest.approx(0.0)
    np.testing.assert_allclose(parabola(np.array([1.0, -1.0])), [4.0, 12.0])


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.2, 0.3])
def test_small_learning_rates_converge_to_two_thirds(ax, lr):
    draw_learning_rate(ax, lr, num_steps=50)
    assert one_line(ax.get_title()) == f"α = {lr:.3f}, 50 steps: x = 0.667"


def test_draw_learning_rate_title_after_ten_steps(ax):
    draw_learning_rate(ax, 0.05)
    x = -1.5
    for _ in range(10):
        x -= 0.05 * (6 * x - 4)
    assert one_line(ax.get_title()) == f"α = 0.050, 10 steps: x = {x:.3f}"


@pytest.mark.parametrize("lr", [0.4, 0.45, 0.5])
def test_learning_rates_above_one_third_diverge(ax, lr):
    draw_learning_rate(ax, lr, num_steps=10)
    assert one_line(ax.get_title()) == f"α = {lr:.3f}, 10 steps: diverged"


def test_draw_learning_rate_draws_the_path_on_the_curve(ax):
    draw_learning_rate(ax, 0.1, num_steps=5, x0=-1.5)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"f(x) = 3x² - 4x + 5", "gradient descent", "start"}
    path = lines["gradient descent"]
    np.testing.assert_allclose(path.get_xdata()[:2], [-1.5, -1.5 - 0.1 * (6 * -1.5 - 4)])
    np.testing.assert_allclose(path.get_ydata(), parabola(path.get_xdata()))
    assert len(path.get_xdata()) == 6
    np.testing.assert_array_equal(lines["start"].get_xdata(), [-1.5])
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "f(x)"


def draw_row(lrs, figsize=PANELS_FIGSIZE):
    """The learning rates side by side, as notebook 02 shows them, in the course style."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(1, len(lrs), figsize=figsize, layout="constrained",
                                    squeeze=False)
        axes = axes[0]
        for ax, lr in zip(axes, lrs):
            draw_learning_rate(ax, lr, num_steps=10, x0=-1.5)
        figure.canvas.draw()
    return figure, axes


def along(points, per_segment=50):
    """Points every few pixels along the segments joining ``points``: a legend can hide
    the middle of a long step and none of its ends."""
    t = np.linspace(0, 1, per_segment)[:, None]
    segments = [(1 - t) * start + t * end for start, end in zip(points[:-1], points[1:])]
    return np.concatenate([points, *segments])


@pytest.mark.parametrize("lrs", [[0.02, 0.1, 0.36], [0.36]], ids=["row of three", "one"])
def test_learning_rate_legend_never_covers_a_path(lrs):
    figure, axes = draw_row(lrs, PANELS_FIGSIZE if len(lrs) > 1 else FIGSIZE)
    (legend,) = figure.legends                           # one, shared by the row
    assert [t.get_text() for t in legend.get_texts()] == [
        "f(x) = 3x² - 4x + 5", "gradient descent", "start"]
    box = legend.get_window_extent()
    for ax in axes:
        lines = {line.get_label(): line for line in ax.get_lines()}
        for name in ("gradient descent", "start"):
            points = along(ax.transData.transform(np.column_stack(lines[name].get_data())))
            inside = [box.contains(x, y) for x, y in points]
            assert not any(inside), f"{name} of {one_line(ax.get_title())} under the legend"
        # below every panel: nothing of a panel (plot, ticks, labels) under it
        assert not box.overlaps(ax.get_tightbbox())


def test_learning_rate_panels_titles_fit_side_by_side():
    figure, axes = draw_row([0.02, 0.1, 0.36])
    boxes = [ax.title.get_window_extent() for ax in axes]
    assert not boxes[0].overlaps(boxes[1]) and not boxes[1].overlaps(boxes[2])
    assert all(box.x0 >= 0 and box.x1 <= figure.bbox.x1 for box in boxes)
    assert "\n" in axes[2].get_title()                     # drawn on two lines ...
    assert describe_figure(figure).split(" | ")[2] == (  # ... read as one
        "α = 0.360, 10 steps: diverged: f(x) against x")


def test_draw_learning_rate_hides_points_far_off_the_view(ax):
    draw_learning_rate(ax, 0.5, num_steps=30)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.all(np.abs(lines["gradient descent"].get_xdata() - 2 / 3) <= 4)


def test_learning_rate_explorer():
    explorer = learning_rate_explorer()
    assert repr(explorer) == "Learning-rate explorer: lr=0.05, num_steps=10"
    assert title_of(explorer).startswith("α = 0.050, 10 steps: x = ")
    explorer.controls["lr"].value = 0.4
    assert repr(explorer) == "Learning-rate explorer: lr=0.4, num_steps=10"
    assert title_of(explorer) == "α = 0.400, 10 steps: diverged"
    explorer.controls["lr"].value = 0.1
    explorer.controls["num_steps"].value = 50
    assert title_of(explorer) == "α = 0.100, 50 steps: x = 0.667"


def test_learning_rate_slider_reaches_past_one_third():
    slider = learning_rate_explorer().controls["lr"]
    assert slider.base ** slider.min <= 0.001
    assert slider.base ** slider.max > 1 / 3


# --- 03: the log-loss explorer ---------------------------------------------------------------------------


@pytest.mark.parametrize("y_hat, y, loss", [
    (0.01, 1, 4.6052),         # -ln 0.01 = 4.60517
    (0.7, 1, 0.3567),          # -ln 0.7
    (0.7, 0, 1.2040),          # -ln 0.3
    (0.5, 0, 0.6931),
])
def test_draw_log_loss_title_shows_the_right_loss(ax, y_hat, y, loss):
    draw_log_loss(ax, y_hat, y)
    assert ax.get_title() == f"ŷ = {y_hat:.3f}, y = {y}: loss = {loss:.4f}"


def test_draw_log_loss_highlights_the_true_class_and_marks_the_point(ax):
    draw_log_loss(ax, 0.2, 0)
    lines = ax.get_lines()
    curves = {line.get_label(): line for line in lines}
    assert curves["y = 0: -log(1 - ŷ)"].get_linewidth() == 3
    assert curves["y = 1: -log(ŷ)"].get_linewidth() == 1
    (point,) = [line for line in lines if line.get_marker() == "o"]
    assert point.get_xdata()[0] == 0.2
    assert point.get_ydata()[0] == pytest.approx(-math.log(0.8))
    assert ax.get_xlabel() == "predicted probability ŷ" and ax.get_ylabel() == "log loss"


def test_log_loss_explorer():
    explorer = log_loss_explorer()
    assert repr(explorer) == "Log-loss explorer: y_hat=0.7, y=1"
    assert title_of(explorer) == "ŷ = 0.700, y = 1: loss = 0.3567"
    explorer.controls["y"].value = 0
    assert repr(explorer) == "Log-loss explorer: y_hat=0.7, y=0"
    assert title_of(explorer) == "ŷ = 0.700, y = 0: loss = 1.2040"
    explorer.controls["y_hat"].value = 0.01
    explorer.controls["y"].value = 1
    assert title_of(explorer) == "ŷ = 0.010, y = 1: loss = 4.6052"


# --- the generic Explorer: several panels, a text form in words, buttons -----------------------------


def test_explorer_with_two_panels_a_description_and_a_button():
    calls = []

    def draw(axes, n):
        calls.append(len(axes))
        axes[0].set_title(f"n={n}")

    n = widgets.IntSlider(value=2, min=0, max=9)
    button = widgets.Button(description="reset")
    button.on_click(lambda _: setattr(n, "value", 0))
    explorer = Explorer("Two panels", {"n": n}, draw, figsize=PANELS_FIGSIZE,
                        subplots={"ncols": 2, "width_ratios": [1, 2]},
                        describe=lambda n: f"{n} things")
    assert calls == [2] and len(explorer.figure.axes) == 2
    assert repr(explorer) == "Two panels: 2 things"
    assert explorer.children[1].children == (n,)
    with_button = Explorer("Button", {"n": n}, lambda ax, n: None, buttons=[button])
    assert with_button.children[1].children == (n, button)
    button.click()
    assert n.value == 0 and repr(explorer) == "Two panels: 0 things"
    assert title_of(explorer) == "n=0"


# --- 06: the digit explorer --------------------------------------------------------------------------


def softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def digits(n=20, mistakes=(3, 11)):
    """uint8 images (n, 28, 28), labels 0-9, and probabilities that get ``mistakes`` wrong."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 10
    scores = rng.normal(0, 0.5, (n, 10))
    scores[np.arange(n), labels] += 5
    for i in mistakes:
        scores[i, (labels[i] + 1) % 10] += 7
    return images, labels, softmax(scores)


@pytest.fixture
def axes_pair():
    return Figure(figsize=PANELS_FIGSIZE).subplots(1, 2)


def test_draw_digit_and_probabilities_draws_the_digit_beside_its_bars(axes_pair):
    images, labels, probabilities = digits()
    returned = draw_digit_and_probabilities(axes_pair, images[7], 7, probabilities[7], index=7)
    ax_digit, ax_bars = returned
    assert ax_digit is axes_pair[0] and ax_bars is axes_pair[1]
    np.testing.assert_array_equal(ax_digit.images[0].get_array(), images[7])
    assert ax_digit.get_title() == "index 7: true 7"
    np.testing.assert_allclose([bar.get_height() for bar in ax_bars.patches], probabilities[7])
    assert ax_bars.get_title() == f"predicted 7 ({probabilities[7, 7]:.0%}), true 7"
    assert describe_figure(ax_digit.figure) == (
        f"[figure] index 7: true 7 (an image) | predicted 7 ({probabilities[7, 7]:.0%}), "
        "true 7: probability against digit")


def test_draw_digit_and_probabilities_marks_a_mistake_in_red(axes_pair):
    images, labels, probabilities = digits()
    ax_digit, ax_bars = draw_digit_and_probabilities(axes_pair, images[3].ravel(), 3,
                                                     probabilities[3])
    red = to_hex(MISTAKE_COLOR)
    assert ax_digit.get_title() == "digit: true 3"
    assert to_hex(ax_digit.title.get_color()) == red
    assert ax_digit.spines["left"].get_visible()                 # the mistake's frame
    assert to_hex(ax_bars.patches[4].get_facecolor()) == red      # predicted 4, wrongly
    assert ax_bars.get_title().startswith("predicted 4 (") and ax_bars.get_title().endswith("true 3")


@pytest.mark.parametrize("args, error, match", [
    ({"axes": "one"}, TypeError, r"axes must be two Axes \(digit, probabilities\)"),
    ({"probabilities": np.full(10, 0.2)}, ValueError, "must sum to 1"),
    ({"probabilities": np.full((1, 10), 0.1)}, ValueError, r"pass probabilities\[0\]"),
    ({"label": 10}, ValueError, "true_label must be a class label"),
    ({"image": np.zeros((2, 28, 28))}, ValueError, r"one image, shape \(28, 28\)"),
])
def test_draw_digit_and_probabilities_bad_input(axes_pair, args, error, match):
    images, _, probabilities = digits()
    arguments = {"axes": axes_pair, "image": images[0], "label": 0,
                 "probabilities": probabilities[0]} | args
    with pytest.raises(error, match=match):
        draw_digit_and_probabilities(**arguments)


@pytest.mark.parametrize("index, step, expected", [
    (0, 1, 3), (3, 1, 11), (11, 1, 3), (15, 1, 3),         # after the last: back to the first
    (15, -1, 11), (11, -1, 3), (3, -1, 11), (0, -1, 11),
])
def test_next_mistake_wraps_around(index, step, expected):
    assert next_mistake(index, np.array([3, 11]), step) == expected


def shown_png(explorer):
    (shown,) = explorer.output.outputs
    return base64.b64decode(shown["data"]["image/png"]), shown["data"]["text/plain"]


def test_digit_explorer_starts_on_the_first_mistake_and_says_what_it_shows():
    images, labels, probabilities = digits()
    explorer = digit_explorer(images, labels, probabilities)
    p = probabilities[3, 4]
    expected = f"Digit explorer: index=3, true 3, predicted 4 ({p:.0%}), misclassified"
    assert repr(explorer) == expected
    png, text = shown_png(explorer)
    assert text == expected                                  # the stored output's text form
    assert png_size(png) == (round(PIXEL_RATIO * PANELS_FIGSIZE[0] * DPI),
                             round(PIXEL_RATIO * PANELS_FIGSIZE[1] * DPI))
    assert png_size(png)[0] <= 2 * 850
    assert len(png) < 100_000                                # one small PNG as widget state
    assert one_line(explorer.figure.axes[0].get_title()) == "index 3: true 3"


def test_digit_explorer_slider_redraws():
    images, labels, probabilities = digits()
    explorer = digit_explorer(images, labels, probabilities, index=7)
    assert repr(explorer) == (f"Digit explorer: index=7, true 7, predicted 7 "
                              f"({probabilities[7, 7]:.0%})")
    first_png, _ = shown_png(explorer)
    slider = explorer.controls["index"]
    assert (slider.min, slider.max, slider.continuous_update) == (0, 19, False)
    slider.value = 12
    assert repr(explorer).startswith("Digit explorer: index=12, true 2, predicted 2")
    assert explorer.figure.axes[0].get_title() == "index 12: true 2"
    np.testing.assert_array_equal(explorer.figure.axes[0].images[0].get_array(), images[12])
    assert shown_png(explorer)[0] != first_png


def test_digit_explorer_buttons_jump_between_mistakes():
    images, labels, probabilities = digits()
    explorer = digit_explorer(images.reshape(20, 784), labels, probabilities, index=5)
    previous, following = explorer.children[1].children[1:]
    assert "previous mistake" in previous.description and "next mistake" in following.description
    # as wide as their text (ipywidgets' default 148 px cut it off on a slide)
    assert previous.layout.width == following.layout.width == "auto"
    following.click()
    assert explorer.controls["index"].value == 11
    following.click()
    assert explorer.controls["index"].value == 3
    previous.click()
    assert explorer.controls["index"].value == 11
    assert repr(explorer).endswith(", misclassified")


def test_digit_explorer_without_mistakes_starts_at_0_with_buttons_off():
    images, labels, probabilities = digits(mistakes=())
    explorer = digit_explorer(images, labels, probabilities)
    assert explorer.controls["index"].value == 0
    assert all(button.disabled for button in explorer.children[1].children[1:])


def test_digit_explorer_leaves_no_pyplot_figures():
    before = plt.get_fignums()
    explorer = digit_explorer(*digits())
    explorer.controls["index"].value = 4
    assert plt.get_fignums() == before


@pytest.mark.parametrize("change, match", [
    ({"labels": np.arange(19) % 10}, "labels has 19 labels but there are 20 images"),
    ({"labels": np.arange(20)}, r"class labels 0 to 9, found \[10.0"),
    ({"probabilities": np.full((20, 10), 0.2)}, r"row 0 sums to 2 \(20 rows do not\)"),
    ({"probabilities": np.full((19, 10), 0.1)}, r"shape \(20, 10\), got \(19, 10\)"),
    ({"probabilities": np.full(20, 0.1)}, r"one row of class probabilities per image"),
    ({"probabilities": np.full((20, 2), [1.5, -0.5])}, r"probabilities in \[0, 1\]"),
    ({"images": np.zeros((20, 28, 27))}, r"shape \(n, 28, 28\) or \(n, 784\)"),
    ({"index": 20}, "index must be a whole number from 0 to 19, got 20"),
    ({"index": -1}, "index must be a whole number from 0 to 19, got -1"),
])
def test_digit_explorer_bad_input_is_explained(change, match):
    images, labels, probabilities = digits()
    arguments = {"images": images, "labels": labels, "probabilities": probabilities} | change
    with pytest.raises(ValueError, match=match):
        digit_explorer(**arguments)
