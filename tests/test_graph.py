"""Tests of nblib.graph: deterministic Graphviz drawings of a Value's expression graph."""

import os
import re
import shutil
import struct

import graphviz
import pytest

import nblib.graph
from nblib.doctor import graphviz_install_command
from nblib.engine import Value, topological_order, weighted_sum
from nblib.graph import (
    FONT_SIZE,
    MAX_HEIGHT_PX,
    MAX_NODES,
    MAX_WIDTH_PX,
    MIN_FONT_SIZE,
    MIN_SCALE,
    Drawing,
    GraphvizNotFound,
    draw_dot,
    to_dot,
)

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's `dot` program is not installed "
                               f"({graphviz_install_command()})")

# A value's record: its label (left out when empty), data and grad, stacked.
RECORD = re.compile(r'^\t(v\d+) \[label="(?:(.*) \| )?data (\S+) \| grad (\S+)" shape=record\]$',
                    re.MULTILINE)
OP = re.compile(r'^\t(v\d+)_op \[label=("?)(.*?)\2 shape=circle width=0\.3\]$', re.MULTILINE)


def operations(source):
    """[(id of the value an operation node makes, the operation's label)] in the DOT text."""
    return [(node_id, label) for node_id, _, label in OP.findall(source)]


EDGE = re.compile(r"^\t(v\d+(?:_op)?) -> (v\d+(?:_op)?)$", re.MULTILINE)


@pytest.mark.skipif(os.environ.get("CI") != "true",
                    reason="checks the CI machine only (CI is not set): there, the drawing tests "
                           "must not be skipped for want of Graphviz")
def test_dot_is_installed_on_ci():
    if not HAVE_DOT:
        pytest.fail("Graphviz's `dot` is missing in CI, so the SVG tests were skipped: "
                    "`make test` installs it (tools/ensure_graphviz.sh)")


def neuron():
    """micrograd's neuron example: o = tanh(x1*w1 + x2*w2 + b), after backward()."""
    x1 = Value(2.0, label="x1", requires_grad=False)
    x2 = Value(0.0, label="x2", requires_grad=False)
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def test_records_show_label_data_and_grad_with_four_decimals():
    o = neuron()
    records = {label: (data, grad) for _, label, data, grad in RECORD.findall(to_dot(o).source)}
    assert records["o"] == ("0.7071", "1.0000")
    assert records["n"] == ("0.8814", "0.5000")
    assert records["w1"] == ("-3.0000", "1.0000")
    assert records["x1"] == ("2.0000", "0.0000")
    assert records["b"] == ("6.8814", "0.5000")
    assert records[""] == ("-6.0000", "0.5000")  # x1*w1 + x2*w2: no label line
    assert len(records) == len(topological_order(o))


def test_node_ids_follow_the_topological_order():
    o = neuron()
    order = topological_order(o)
    source = to_dot(o).source
    records = RECORD.findall(source)
    assert [node_id for node_id, *_ in records] == [f"v{i}" for i in range(len(order))]
    assert [label for _, label, *_ in records] == [node.label for node in order]
    assert not any(str(id(node)) in source for node in order)


def test_each_operation_is_a_node_between_its_inputs_and_its_output():
    o = neuron()
    order = topological_order(o)
    index = {node: i for i, node in enumerate(order)}
    source = to_dot(o).source
    ops = dict(operations(source))
    assert ops == {f"v{index[node]}": node._op for node in order if node._op}
    assert set(ops.values()) == {"*", "+", "tanh"}
    expected = set()
    for node in order:
        if node._op:
            expected.add((f"v{index[node]}_op", f"v{index[node]}"))
            expected.update((f"v{index[child]}", f"v{index[node]}_op") for child in node._prev)
    assert set(EDGE.findall(source)) == expected


def test_repeated_input_gets_one_edge_per_use():
    a = Value(3.0, label="a")
    y = a * a
    edges = EDGE.findall(to_dot(y).source)
    assert edges.count(("v0", "v1_op")) == 2 and len(edges) == 3


def test_weighted_sum_is_drawn_as_one_operation():
    w, x = [Value(0.5, label="w0"), Value(-1.0, label="w1")], [1.0, 2.0]
    y = weighted_sum(w, x, Value(0.1, label="b"))
    ops = operations(to_dot(y).source)
    assert [op for _, op in ops] == ["Σwx"]


def test_special_characters_in_labels_are_escaped():
    a = Value(1.0, label='a|b{c}<d>"e"\\')
    y = a * 2
    y.label = "y"
    source = to_dot(y).source
    assert r'a\|b\{c\}\<d\>\"e\"\\' in source
    assert len(RECORD.findall(source)) == 3  # still three fields per record


@needs_dot
def test_special_characters_render_as_written():
    a = Value(1.0, label="a|b{c}")
    assert ">a|b{c}</text>" in draw_dot(a * 2).svg


@needs_dot
def test_same_graph_twice_gives_byte_identical_svg():
    first, second = neuron(), neuron()  # both alive: different id()s
    assert first is not second
    svg = draw_dot(first).svg
    assert svg.startswith("<?xml") and "<svg" in svg
    assert svg == draw_dot(second).svg
    assert to_dot(first).source == to_dot(second).source


@needs_dot
def test_different_gradients_give_different_svg():
    # ...and the comparison above is not vacuous.
    first, second = neuron(), neuron()
    second.zero_grad()
    assert draw_dot(first).svg != draw_dot(second).svg


def chain(values):
    y = Value(0.0)
    for _ in range(values - 1):
        y = y.tanh()
    return y


def test_graphs_bigger_than_max_nodes_are_refused_with_their_size():
    big = chain(MAX_NODES + 7)
    assert len(topological_order(big)) == MAX_NODES + 7
    with pytest.raises(ValueError, match=f"this graph has {MAX_NODES + 7} values, more than "
                                         f"max_nodes={MAX_NODES}"):
        to_dot(big)
    with pytest.raises(ValueError, match=f"has {MAX_NODES + 7} values"):
        draw_dot(big)
    with pytest.raises(ValueError, match="has 6 values, more than max_nodes=5"):
        to_dot(chain(6), max_nodes=5)


def test_max_nodes_is_inclusive_and_can_be_raised():
    assert len(RECORD.findall(to_dot(chain(MAX_NODES)).source)) == MAX_NODES
    assert len(RECORD.findall(to_dot(chain(MAX_NODES + 7), max_nodes=200).source)) == MAX_NODES + 7


@pytest.fixture
def no_dot(monkeypatch):
    """Make nblib.graph believe that Graphviz's dot is not installed."""
    real_which = shutil.which
    monkeypatch.setattr(nblib.graph.shutil, "which",
                        lambda name, *args, **kwargs: None if name == "dot"
                        else real_which(name, *args, **kwargs))


def test_missing_dot_raises_with_the_install_command(no_dot):
    with pytest.raises(GraphvizNotFound) as caught:
        draw_dot(neuron())
    message = str(caught.value)
    assert graphviz_install_command() in message
    assert "to_dot(root).source" in message
    assert isinstance(caught.value, RuntimeError)


def test_to_dot_needs_no_dot(no_dot):
    source = to_dot(neuron()).source
    assert source.startswith("digraph expression {")
    assert len(RECORD.findall(source)) == 10


def test_missing_dot_is_checked_after_the_size(no_dot):
    with pytest.raises(ValueError, match="values, more than max_nodes"):
        draw_dot(chain(MAX_NODES + 1))


@pytest.mark.parametrize("root", [3.0, "x", None, [Value(1.0)]], ids=repr)
def test_a_root_that_is_not_a_value_is_a_type_error(root):
    with pytest.raises(TypeError, match="root must be a Value"):
        to_dot(root)
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_dot(root)


def test_type_error_names_the_missing_attributes():
    class HalfValue:
        data, grad = 1.0, 0.0

    with pytest.raises(TypeError, match="got HalfValue without label, _op, _prev"):
        to_dot(HalfValue())


def test_a_value_like_object_from_a_notebook_can_be_drawn():
    class NotebookValue:  # what a student's own micrograd-style class provides
        def __init__(self, data, _children=(), _op="", label=""):
            self.data, self.grad, self.label = data, 0.0, label
            self._prev, self._op = tuple(_children), _op

    a, b = NotebookValue(2.0, label="a"), NotebookValue(3.0, label="b")
    c = NotebookValue(6.0, (a, b), "*", "c")
    records = RECORD.findall(to_dot(c).source)
    assert [label for _, label, *_ in records] == [node.label for node in topological_order(c)]
    assert sorted((label, data) for _, label, data, _ in records) == [
        ("a", "2.0000"), ("b", "3.0000"), ("c", "6.0000")]
    assert operations(to_dot(c).source) == [("v2", "*")]


def test_to_dot_returns_a_digraph_at_full_size():
    dot = to_dot(neuron())
    assert isinstance(dot, graphviz.Digraph)
    assert not re.search(r"\bsize=", dot.source)  # only draw_dot shrinks


# --- notebook 04's graphs fit an output area and a slide, readably ---------------------------

def named(value, label):
    value.label = label
    return value


def graph_d():
    """(a) d = a*b + c."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = named(a * b, "e")
    return named(e + c, "d")


def graph_L():
    """(b) L = d * f, 7 values, after backward()."""
    L = named(graph_d() * Value(-2.0, label="f"), "L")
    L.backward()
    return L


def neuron_labelled(backward=True):
    """(c): micrograd's neuron with every inner value named, as notebook 04 first builds it."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = named(x1 * w1, "x1w1"), named(x2 * w2, "x2w2")
    n = named(named(x1w1 + x2w2, "x1w1 + x2w2") + b, "n")
    o = named(n.tanh(), "o")
    if backward:
        o.backward()
    return o


def neuron_leaves_named():
    """(d): the same neuron as notebook 04's build_neuron makes it: inner values unnamed."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = named((x1 * w1 + x2 * w2 + b).tanh(), "o")
    o.backward()
    return o


def graph_a_plus_a():
    """(e) b = a + a: two edges from a into +."""
    a = Value(3.0, label="a")
    b = named(a + a, "b")
    b.backward()
    return b


def graph_tanh_from_exp():
    """(f) o = (e - 1) / (e + 1) with e = exp(2n): the widest graph of notebook 04."""
    n = Value(0.8813735870195432, label="n")
    e = (2 * n).exp()
    o = named((e - 1) / (e + 1), "o")
    o.backward()
    return o


def graph_weighted_sum_neuron():
    """(g) the neuron with one Σwx node."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = named(weighted_sum([w1, w2], [x1, x2], b).tanh(), "o")
    o.backward()
    return o


def mlp(sizes):
    """An MLP's output, e.g. sizes (2, 3, 1): 2 inputs, 3 tanh neurons, 1 tanh neuron."""
    inputs = [Value(0.5 - i, label=f"x{i + 1}") for i in range(sizes[0])]
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        outputs = []
        for j in range(1, n_out + 1):
            weights = [Value(0.3 * (-1) ** (i + j) - 0.1 * i, label=f"w{layer}.{j}{i + 1}")
                       for i in range(n_in)]
            bias = Value(0.1 * j, label=f"b{layer}.{j}")
            outputs.append(named(weighted_sum(weights, inputs, bias).tanh(), f"h{layer}.{j}"))
        inputs = outputs
    inputs[0].backward()
    return inputs[0]


#: name: (build the graph, its number of values, its text form)
NOTEBOOK_GRAPHS = {
    "a": (graph_d, 5, "[graph] d = e + c: 5 values, 2 operations"),
    "b": (graph_L, 7, "[graph] L = d * f: 7 values, 3 operations"),
    "c": (lambda: neuron_labelled(backward=False), 10,
          "[graph] o = tanh(n): 10 values, 5 operations"),
    "c after backward": (neuron_labelled, 10, "[graph] o = tanh(n): 10 values, 5 operations"),
    "d": (neuron_leaves_named, 10, "[graph] o = tanh(...): 10 values, 5 operations"),
    "e": (graph_a_plus_a, 2, "[graph] b = a + a: 2 values, 1 operation"),
    "f": (graph_tanh_from_exp, 10, "[graph] o = ... * ...: 10 values, 6 operations"),
    "g": (graph_weighted_sum_neuron, 7, "[graph] o = tanh(...): 7 values, 2 operations"),
    "mlp 2-3-1": (lambda: mlp((2, 3, 1)), 23, "[graph] h2.1 = tanh(...): 23 values, 8 operations"),
}


def svg_display_px(svg):
    """(width, height) in CSS px of a Graphviz SVG: its size is in pt, 1 pt = 4/3 px."""
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return float(width) * 4 / 3, float(height) * 4 / 3


def svg_scale(svg):
    """The scale Graphviz applied to the drawing: scale(s s) on the top group."""
    sx, sy = re.search(r'<g id="graph0" class="graph" transform="scale\(([\d.]+) ([\d.]+)\)',
                       svg).groups()
    assert sx == sy
    return float(sx)


def png_px(png):
    """(width, height) in pixels, from the PNG's header (its IHDR chunk)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_the_smallest_scale_keeps_text_readable():
    assert MIN_FONT_SIZE >= 8
    assert FONT_SIZE * MIN_SCALE == pytest.approx(MIN_FONT_SIZE)


@pytest.mark.parametrize("name", NOTEBOOK_GRAPHS)
def test_notebook_graphs_have_the_expected_size(name):
    build, values, _ = NOTEBOOK_GRAPHS[name]
    assert len(topological_order(build())) == values


@needs_dot
@pytest.mark.parametrize("name", NOTEBOOK_GRAPHS)
def test_notebook_graphs_fit_the_output_area_and_a_slide_readably(name):
    svg = draw_dot(NOTEBOOK_GRAPHS[name][0]()).svg
    width, height = svg_display_px(svg)
    assert width <= MAX_WIDTH_PX == 850
    assert height <= MAX_HEIGHT_PX == 560
    scale = svg_scale(svg)
    assert scale >= MIN_SCALE - 0.005  # Graphviz prints the scale to 2 decimals
    smallest_font = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
    assert smallest_font * scale >= MIN_FONT_SIZE - 0.05


@needs_dot
def test_a_wide_graph_is_shrunk_and_a_small_one_is_not():
    wide = draw_dot(graph_tanh_from_exp())  # 1022 x 167 px at full size
    assert MIN_SCALE < wide.scale < 1
    assert svg_scale(wide.svg) == pytest.approx(wide.scale, abs=0.01)
    assert re.search(r"\bsize=", wide.source)
    small = draw_dot(graph_d())
    assert small.scale == 1 and svg_scale(small.svg) == 1
    assert not re.search(r"\bsize=", small.source)


@needs_dot
@pytest.mark.parametrize("name", NOTEBOOK_GRAPHS)
def test_png_is_the_same_size_on_screen_as_svg(name):
    drawing = draw_dot(NOTEBOOK_GRAPHS[name][0]())
    svg_width, svg_height = svg_display_px(drawing.svg)
    png_width, png_height = png_px(drawing.png)
    # No size metadata: at Graphviz's 96 dpi one PNG pixel is one CSS px.
    assert abs(png_width - svg_width) <= 1 and abs(png_height - svg_height) <= 1
    assert len(drawing.png) < 100_000  # light enough to store in a notebook


@needs_dot
@pytest.mark.parametrize("name", NOTEBOOK_GRAPHS)
def test_mime_bundle_has_svg_png_and_a_deterministic_text(name):
    build, _, text = NOTEBOOK_GRAPHS[name]
    drawing = draw_dot(build())
    assert isinstance(drawing, Drawing)
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "image/png", "text/plain"}
    assert bundle["image/svg+xml"] == drawing.svg and bundle["image/png"] == drawing.png
    assert bundle["text/plain"] == repr(drawing) == text  # no memory address
    assert drawing.source.startswith("digraph expression {")


@needs_dot
@pytest.mark.parametrize("name", NOTEBOOK_GRAPHS)
def test_notebook_graphs_give_byte_identical_svg_twice(name):
    build = NOTEBOOK_GRAPHS[name][0]
    first, second = build(), build()  # both alive: different id()s
    assert draw_dot(first).svg == draw_dot(second).svg


@needs_dot
def test_text_form_of_an_unnamed_leaf_shows_its_data():
    assert repr(draw_dot(Value(2.5))) == "[graph] 2.5000: 1 value, 0 operations"
    assert repr(draw_dot(Value(2.0, label="x") ** 2)) == "[graph] x**2: 2 values, 1 operation"


@needs_dot
@pytest.mark.parametrize("sizes", [(2, 4, 1), (3, 3, 1)], ids=str)
def test_a_graph_too_big_to_read_is_refused_with_what_to_do(sizes):
    root = mlp(sizes)
    values = len(topological_order(root))
    with pytest.raises(ValueError) as caught:
        draw_dot(root)
    message = str(caught.value)
    assert f"this graph has {values} values" in message
    assert f"shrunk to fit {MAX_WIDTH_PX} x {MAX_HEIGHT_PX} px" in message
    assert f"at least {MIN_FONT_SIZE} pt" in message
    assert "Draw a smaller part of it" in message
    text_size = float(re.search(r"its text would be ([\d.]+) pt", message)[1])
    assert text_size < MIN_FONT_SIZE
    assert len(RECORD.findall(to_dot(root).source)) == values  # still available as text


@needs_dot
def test_a_long_chain_is_refused():
    with pytest.raises(ValueError, match="this graph has 12 values: drawn full size"):
        draw_dot(chain(12))


@needs_dot
def test_draw_dot_draws_a_value_like_object_from_a_notebook():
    class NotebookValue:  # the notebook's first Value: no requires_grad, no backward
        def __init__(self, data, _children=(), _op="", label=""):
            self.data, self.grad, self.label = data, 0.0, label
            self._prev, self._op = tuple(_children), _op

    a, b = NotebookValue(2.0, label="a"), NotebookValue(3.0, label="b")
    drawing = draw_dot(NotebookValue(6.0, (a, b), "*", "c"))
    assert repr(drawing) == "[graph] c = a * b: 3 values, 1 operation"
    assert ">data 6.0000</text>" in drawing.svg
