"""Drawing a Value's expression graph with Graphviz.  Taught in notebooks/04_autograd.ipynb.

Each value is a box with its label, data and grad stacked; each operation is a
small circle between its inputs and its output; the graph reads left to right.
``draw_dot`` shrinks a drawing that is too big for a notebook's output area or
a slide, and refuses one that would have to shrink below readable text.

Drawings are deterministic: node ids come from the topological order (not
``id()``) and edges are added in a fixed order, so the same graph gives
byte-identical SVG on the same Graphviz.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import graphviz

from nblib.doctor import graphviz_install_command
from nblib.engine import topological_order

#: Larger graphs are refused before Graphviz lays them out: it slows to a crawl.
MAX_NODES = 150

#: A drawing must fit JupyterLab's output area in a 1280-px wide window, and a
#: 1280 x 720 slide with room left for a heading (CSS pixels).
MAX_WIDTH_PX = 850
MAX_HEIGHT_PX = 560

#: The size of all text in a drawing, in points, before any shrinking.
FONT_SIZE = 11
#: Drawings shrink until their text would be smaller than this (8 pt = 10.7 px),
#: so the smallest scale is MIN_FONT_SIZE / FONT_SIZE = 0.73.
MIN_FONT_SIZE = 8
MIN_SCALE = MIN_FONT_SIZE / FONT_SIZE

# SVG sizes are in points; a browser shows 1 pt as 4/3 CSS px (96 px and 72 pt per inch).
_PX_PER_PT = 4 / 3
# The box a drawing is shrunk into, in points, 1 pt short of the limit because
# Graphviz rounds the drawn size to whole points.
_FIT_WIDTH_PT = MAX_WIDTH_PX / _PX_PER_PT - 1
_FIT_HEIGHT_PT = MAX_HEIGHT_PX / _PX_PER_PT - 1


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` program, which turns a graph description into a picture, is missing."""


@dataclass(frozen=True, repr=False)
class Drawing:
    """A drawn expression graph, as :func:`draw_dot` returns it; a notebook shows the picture.

    Jupyter shows the SVG once the cell runs (or the notebook is trusted), and
    the PNG when a notebook is opened fresh: JupyterLab never displays stored
    SVG from an untrusted notebook, but it does display PNG.

    Attributes
    ----------
    source : str
        The DOT text Graphviz drew, ``print(drawing.source)`` shows it.
    svg : str
        The picture as SVG, at most ``MAX_WIDTH_PX`` x ``MAX_HEIGHT_PX`` on screen.
    png : bytes
        The same picture as PNG, drawn at 96 dpi so that its pixels match the
        SVG's size on screen.
    scale : float
        How much the drawing was shrunk to fit: 1.0 not at all, never below ``MIN_SCALE``.
    summary : str
        The text form, e.g. ``"[graph] o = tanh(n): 10 values, 5 operations"``.
    """

    source: str
    svg: str
    png: bytes
    scale: float
    summary: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        # IPython filters by include and exclude itself.
        return {"image/svg+xml": self.svg, "image/png": self.png, "text/plain": self.summary}

    def __repr__(self):
        return self.summary


def _escape(text: str) -> str:
    # These characters structure a Graphviz record label.
    for special in "\\{}|<>\"":
        text = text.replace(special, "\\" + special)
    return text


def _check_value(root) -> None:
    missing = [a for a in ("data", "grad", "label", "_op", "_prev") if not hasattr(root, a)]
    if missing:
        raise TypeError(f"root must be a Value (with data, grad, label, _op, _prev), got "
                        f"{type(root).__name__} without {', '.join(missing)}")


def to_dot(root, max_nodes: int = MAX_NODES) -> graphviz.Digraph:
    """The Graphviz description of ``root``'s graph, at full size (no ``dot`` program needed).

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
        ``print(to_dot(root).source)`` shows the DOT text; in a notebook it
        displays as SVG, unscaled however big.
    """
    _check_value(root)
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"this graph has {len(order)} values, more than max_nodes={max_nodes}: "
                         "a drawing that big is unreadable and slow. Draw a smaller expression, "
                         "or pass a larger max_nodes if you really mean it.")
    ids = {node: f"v{index}" for index, node in enumerate(order)}
    dot = graphviz.Digraph(
        "expression",
        # Columns and rows closer than Graphviz's defaults (0.5 and 0.25 inch).
        graph_attr={"rankdir": "LR", "ranksep": "0.2", "nodesep": "0.1"},
        # Thin margins inside the boxes (Graphviz's default is 0.11 x 0.055 inch).
        node_attr={"fontname": "Helvetica", "fontsize": str(FONT_SIZE), "margin": "0.05,0.02"})
    for node in order:
        # In a left-to-right graph a record's fields stack top to bottom: a box
        # one number wide.  A value without a label gets no empty line.
        fields = [f"data {node.data:.4f}", f"grad {node.grad:.4f}"]
        if node.label:
            fields.insert(0, _escape(node.label))
        dot.node(ids[node], label=" | ".join(fields), shape="record")
        if node._op:
            dot.node(ids[node] + "_op", label=node._op, shape="circle", width="0.3")
            dot.edge(ids[node] + "_op", ids[node])
            for child in node._prev:
                dot.edge(ids[child], ids[node] + "_op")
    return dot


def draw_dot(root, max_nodes: int = MAX_NODES) -> Drawing:
    """Draw ``root``'s expression graph, small enough for a notebook or a slide.

    A drawing wider than ``MAX_WIDTH_PX`` or taller than ``MAX_HEIGHT_PX`` on
    screen is shrunk to fit, text included, down to ``MIN_SCALE``.

    Parameters
    ----------
    root : Value
        As for :func:`to_dot`.
    max_nodes : int
        Refuse graphs with more values than this.

    Returns
    -------
    Drawing
        Displays as SVG, or as PNG in a notebook that is not trusted; ``.source``
        is the DOT text, ``.svg`` and ``.png`` the pictures.

    Raises
    ------
    GraphvizNotFound
        When Graphviz's ``dot`` program is not installed (the message says how
        to install it; ``to_dot(root).source`` still gives the text).
    ValueError
        When the graph has more than ``max_nodes`` values, or when it would
        have to shrink below ``MIN_SCALE`` to fit: draw a smaller part of it.
    """
    dot = to_dot(root, max_nodes)
    if shutil.which("dot") is None:
        raise GraphvizNotFound("Graphviz's `dot` program is not installed, so the graph cannot be "
                               f"drawn. Install it with:  {graphviz_install_command()}  and "
                               "restart the kernel. Meanwhile print(to_dot(root).source) shows "
                               "the graph as text.")
    svg = dot.pipe(format="svg", encoding="utf-8")
    width, height = _svg_size_pt(svg)
    scale = min(1.0, _FIT_WIDTH_PT / width, _FIT_HEIGHT_PT / height)
    order = topological_order(root)
    if scale < MIN_SCALE:
        raise ValueError(
            f"this graph has {len(order)} values: drawn full size it would be "
            f"{width * _PX_PER_PT:.0f} x {height * _PX_PER_PT:.0f} px, and shrunk to fit "
            f"{MAX_WIDTH_PX} x {MAX_HEIGHT_PX} px its text would be {FONT_SIZE * scale:.1f} pt, "
            f"too small to read (at least {MIN_FONT_SIZE} pt). Draw a smaller part of it "
            "instead: pass draw_dot a value inside the graph, such as one neuron's output. "
            "to_dot(root) gives the whole graph, unscaled.")
    if scale < 1:
        # Graphviz shrinks the whole drawing, text included, to fit `size` (in inches).
        dot.graph_attr["size"] = f"{_FIT_WIDTH_PT / 72:.3f},{_FIT_HEIGHT_PT / 72:.3f}"
        svg = dot.pipe(format="svg", encoding="utf-8")
    # Graphviz draws PNG at 96 dpi: one pixel per CSS px of the SVG, no size metadata needed.
    png = dot.pipe(format="png")
    return Drawing(dot.source, svg, png, scale, _summary(root, order))


def _svg_size_pt(svg: str) -> tuple[float, float]:
    """The width and height of a Graphviz SVG, in points."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return float(match[1]), float(match[2])


def _summary(root, order) -> str:
    """One line for the text form of a drawing, e.g. "[graph] o = tanh(n): 10 values, 5 operations".

    Deterministic (no memory address), so a notebook's stored output compares.
    """
    inputs = [child.label or "..." for child in root._prev]
    if not root._op:
        formula = ""
    elif root._op in ("+", "*") and len(inputs) == 2:
        formula = f"{inputs[0]} {root._op} {inputs[1]}"
    elif root._op.startswith("**") and len(inputs) == 1:
        formula = f"{inputs[0]}{root._op}"
    else:
        formula = f"{root._op}({', '.join(inputs)})"
    name = " = ".join(part for part in (root.label, formula) if part) or f"{root.data:.4f}"
    values, operations = len(order), sum(1 for node in order if node._op)
    return (f"[graph] {name}: {values} value{'s' * (values != 1)}, "
            f"{operations} operation{'s' * (operations != 1)}")
