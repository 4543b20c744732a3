"""How big are notebook 04's graph drawings on screen, before and after draw_dot fits them?

    .venv/bin/python benchmarks/graph_sizes.py

For graphs (a)-(g) of notebook 04 and a few small MLPs, prints the size in CSS
px of the old drawing (rankdir LR, fields side by side, never scaled; its
to_dot is copied below) and of today's draw_dot, with the scale it applied and
the size of its PNG.  The limits: MAX_WIDTH_PX x MAX_HEIGHT_PX, text at least
MIN_FONT_SIZE pt.  The graphs are built by tests/test_graph.py.
"""

import re
import sys
from pathlib import Path

import graphviz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.test_graph

from nblib.engine import topological_order  # noqa: E402
from nblib.graph import MAX_HEIGHT_PX, MAX_WIDTH_PX, MIN_FONT_SIZE, _escape, draw_dot  # noqa: E402
from tests.test_graph import NOTEBOOK_GRAPHS, mlp  # noqa: E402


def old_to_dot(root) -> graphviz.Digraph:
    """nblib.graph.to_dot before the drawings were fitted (records "{ label | data | grad }")."""
    order = topological_order(root)
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


def size_px(svg: str) -> str:
    """A Graphviz SVG's size on screen: its width and height are in pt, 1 pt = 4/3 px."""
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return f"{float(width) * 4 / 3:.0f} x {float(height) * 4 / 3:.0f}"


def main():
    graphs = {name: build for name, (build, _, _) in NOTEBOOK_GRAPHS.items()}
    for sizes in [(2, 2, 1), (2, 4, 1), (3, 3, 1)]:
        graphs["mlp " + "-".join(map(str, sizes))] = lambda sizes=sizes: mlp(sizes)
    print(f"limits: {MAX_WIDTH_PX} x {MAX_HEIGHT_PX} px, text at least {MIN_FONT_SIZE} pt\n")
    print(f"{'graph':18} {'values':>6}  {'before (px)':>12}  {'after (px)':>12}  {'scale':>5}  "
          f"{'PNG':>6}")
    for name, build in graphs.items():
        root = build()
        before = size_px(old_to_dot(root).pipe(format="svg", encoding="utf-8"))
        try:
            drawing = draw_dot(root)
        except ValueError as error:
            after = "refused: " + re.search(r"its text would be [\d.]+ pt", str(error))[0]
        else:
            after = (f"{size_px(drawing.svg):>12}  {drawing.scale:5.2f}  "
                     f"{len(drawing.png) / 1000:4.0f}kB")
        print(f"{name:18} {len(topological_order(root)):6}  {before:>12}  {after}")


if __name__ == "__main__":
    main()
