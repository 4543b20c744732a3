"""Drawing a Value's expression graph with Graphviz.  Taught in notebooks/04_autograd.ipynb.

Each value is a record "label | data | grad"; each operation is a small node
between its inputs and its output; the graph reads left to right.  Drawings
are deterministic: node ids come from the topological order (not ``id()``) and
edges are added in a fixed order, so the same graph gives byte-identical SVG
on the same Graphviz.
"""

from __future__ import annotations

import shutil

import graphviz

from nblib.doctor import graphviz_install_command
from nblib.engine import topological_order

#: Larger drawings are refused: Graphviz and the browser slow to a crawl.
MAX_NODES = 150


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` program, which turns a graph description into a picture, is missing."""


def _escape(text: str) -> str:
    # These characters structure a Graphviz record label.
    for special in "\\{}|<>\"":
        text = text.replace(special, "\\" + special)
    return text


def to_dot(root, max_nodes: int = MAX_NODES) -> graphviz.Digraph:
    """The Graphviz description of ``root``'s graph (no ``dot`` program needed).

    Parameters
    ----------
    root : Value
        An nblib ``Value``, or any object with ``data``, ``grad``, ``label``,
        ``_op`` and ``_prev`` (such as the ``Value`` a notebook builds itself).
    max_nodes : int
        Refuse graphs with more values than this.

    Returns
    -------
    graphviz.Digraph
        ``print(to_dot(root).source)`` shows the DOT text.
    """
    missing = [a for a in ("data", "grad", "label", "_op", "_prev") if not hasattr(root, a)]
    if missing:
        raise TypeError(f"root must be a Value (with data, grad, label, _op, _prev), got "
                        f"{type(root).__name__} without {', '.join(missing)}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"this graph has {len(order)} values, more than max_nodes={max_nodes}: "
                         "a drawing that big is unreadable and slow. Draw a smaller expression, "
                         "or pass a larger max_nodes if you really mean it.")
    ids = {node: f"v{index}" for index, node in enumerate(order)}
    dot = graphviz.Digraph("expression", graph_attr={"rankdir": "LR"},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"})
    for node in order:
        label = f"{_escape(node.label)} | data {node.data:.4f} | grad {node.grad:.4f}"
        dot.node(ids[node], label="{ " + label + " }", shape="record")
        if node._op:
            dot.node(ids[node] + "_op", label=node._op, shape="circle", width="0.3")
            dot.edge(ids[node] + "_op", ids[node])
            for child in node._prev:
                dot.edge(ids[child], ids[node] + "_op")
    return dot


def draw_dot(root, max_nodes: int = MAX_NODES) -> graphviz.Digraph:
    """Draw ``root``'s expression graph; in a notebook the result displays as SVG.

    Raises
    ------
    GraphvizNotFound
        When Graphviz's ``dot`` program is not installed (the message says how
        to install it; ``to_dot(root).source`` still gives the text).
    ValueError
        When the graph has more than ``max_nodes`` values.
    """
    dot = to_dot(root, max_nodes)
    if shutil.which("dot") is None:
        raise GraphvizNotFound("Graphviz's `dot` program is not installed, so the graph cannot be "
                               f"drawn. Install it with:  {graphviz_install_command()}  and "
                               "restart the kernel. Meanwhile print(to_dot(root).source) shows "
                               "the graph as text.")
    return dot
