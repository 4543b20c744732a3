"""Tests of nblib.graph: deterministic Graphviz drawings of a Value's expression graph."""

import os
import re
import shutil

import graphviz
import pytest

import nblib.graph
from nblib.doctor import graphviz_install_command
from nblib.engine import Value, topological_order, weighted_sum
from nblib.graph import MAX_NODES, GraphvizNotFound, draw_dot, to_dot

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's `dot` program is not installed "
                               f"({graphviz_install_command()})")

RECORD = re.compile(r'^\t(v\d+) \[label="\{ (.*) \| data (\S+) \| grad (\S+) \}" shape=record\]$',
                    re.MULTILINE)
OP = re.compile(r'^\t(v\d+)_op \[label=("?)(.*?)\2 shape=circle width=0\.3\]$', re.MULTILINE)


def operations(source):
    """[(id of the value an operation node makes, the operation's label)] in the DOT text."""
    return [(node_id, label) for node_id, _, label in OP.findall(source)]


EDGE = re.compile(r"^\t(v\d+(?:_op)?) -> (v\d+(?:_op)?)$", re.MULTILINE)


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only CI must have Graphviz")
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
    assert len(records) == len(topological_order(o))  # with "" for x1*w1 + x2*w2


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
    svg = draw_dot(a * 2).pipe(format="svg").decode()
    assert ">a|b{c}</text>" in svg


@needs_dot
def test_same_graph_twice_gives_byte_identical_svg():
    first, second = neuron(), neuron()  # both alive: different id()s
    assert first is not second
    svg = draw_dot(first).pipe(format="svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert svg == draw_dot(second).pipe(format="svg")
    assert to_dot(first).source == to_dot(second).source


@needs_dot
def test_different_gradients_give_different_svg():
    # ...and the comparison above is not vacuous.
    first, second = neuron(), neuron()
    second.zero_grad()
    assert draw_dot(first).pipe(format="svg") != draw_dot(second).pipe(format="svg")


@needs_dot
def test_draw_dot_returns_a_digraph_that_displays_as_svg():
    dot = draw_dot(neuron())
    assert isinstance(dot, graphviz.Digraph)
    assert "image/svg+xml" in dot._repr_mimebundle_()


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
