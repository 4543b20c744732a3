"""Write a reveal.js deck per notebook into build/slides/ that works with no internet.

    python tools/build_slides.py [NOTEBOOK ...]        (default: every notebook; `make slides`)

Each deck is nbconvert's SlidesExporter output, sized 1280x720, with reveal.js,
RequireJS, jQuery, MathJax and the widget renderer loaded from build/vendor/
(see tools/vendor_js.py) instead of CDNs.  Press S in a deck for the speaker
view with the notes.  Nothing is written next to the notebooks.

Figures read from the back of a lecture room: in a deck, every figure (a PNG or
SVG output, or a widget that draws one, such as an explorer) is shown on a
subslide of its own, right after the code that drew it, as large as the slide
allows (:func:`deck_notebook`).  The notebooks store their figures at 1.5 times
their size (nblib.plots.figure_png), so a figure shown up to that much larger stays
sharp; a Graphviz SVG scales without loss.  What followed the figure on its
slide continues on the next subslide.
"""

from __future__ import annotations

import copy
import re
import struct
import sys
from base64 import b64decode
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from traitlets.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vendor_js  # noqa: E402
from student_edition import copy_linked_folders  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
SLIDES = BUILD / "slides"
WIDTH, HEIGHT = 1280, 720
#: The tag of a cell that holds a figure on a subslide of its own (a cell of the deck
#: only; its input is removed).  The template and the tests find it by its class,
#: ``celltag_course-deck-figure``.
FIGURE_TAG = "course-deck-figure"
#: The room, in CSS px, that a figure has on its own 1280x720 subslide.
FIGURE_BOX = (1200, 640)
#: An SVG (a drawn graph) is shown at most this many times its own size.
SVG_MAX_SCALE = 2.0
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def exporter() -> SlidesExporter:
    """nbconvert's slides exporter, pointed at the local JavaScript copies."""
    vendor = "../vendor"      # the decks' URLs are relative: build/ can be copied anywhere
    config = Config()
    config.SlidesExporter.update(
        extra_template_basedirs=[str(ROOT / "tools" / "templates")],
        template_name="course_slides",
        reveal_url_prefix=f"{vendor}/reveal.js",
        reveal_width=str(WIDTH),
        reveal_height=str(HEIGHT),
        reveal_number="c/t",
        reveal_theme="white",     # "simple", nbconvert's default, loads Google Fonts
        require_js_url=f"{vendor}/requirejs/require.js",
        jquery_url=f"{vendor}/jquery/dist/jquery.min.js",
        mathjax_url=f"{vendor}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        font_awesome_url=f"{vendor}/font-awesome/css/font-awesome.min.css",
        widget_renderer_url=f"{vendor}/html-manager/dist/embed-amd.js",
        jupyter_widgets_base_url=f"{vendor}/",
    )
    # A figure's own subslide shows the figure, not the code again.
    config.TagRemovePreprocessor.update(enabled=True, remove_input_tags={FIGURE_TAG})
    return SlidesExporter(config=config)


# --- figures on subslides of their own ------------------------------------------------------

def slide_type(cell) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type") or "-"


def png_size(encoded: str) -> tuple[int, int]:
    """A base64 PNG's width and height in pixels."""
    header = b64decode(encoded[:44])
    return struct.unpack(">II", header[16:24])


def svg_size(svg: str) -> tuple[float, float]:
    """An SVG's width and height in CSS px (Graphviz writes them in pt)."""
    match = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"',
                      svg, re.S)
    if not match:
        raise ValueError("an SVG output without width and height")
    unit = 4 / 3 if match[2] == "pt" else 1.0
    return float(match[1]) * unit, float(match[3]) * unit


def figure_size(output) -> tuple[int, int] | None:
    """The size in CSS px to show a figure output at on its own subslide, or None when
    the output is not a picture.

    As large as fits ``FIGURE_BOX``, but a PNG no larger than its pixels (a figure stored
    at 1.5 times its size, as the course's are, may grow that much) and an SVG at most
    ``SVG_MAX_SCALE`` times its size.
    """
    data = output.get("data", {})
    if "image/svg+xml" in data:
        width, height = svg_size(data["image/svg+xml"])
        most = SVG_MAX_SCALE
    elif "image/png" in data:
        pixels_wide, pixels_high = png_size(data["image/png"])
        shown = output.get("metadata", {}).get("image/png", {})
        width, height = shown.get("width", pixels_wide), shown.get("height", pixels_high)
        most = pixels_wide / width
    else:
        return None
    scale = min(FIGURE_BOX[0] / width, FIGURE_BOX[1] / height, most)
    return round(width * scale), round(height * scale)


def widget_models(notebook) -> dict:
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    return state.get("state", {})


def draws_a_figure(model_id: str, models: dict, seen: frozenset = frozenset()) -> bool:
    """Whether a widget (or one inside it) is an output area showing a picture."""
    model = models.get(model_id)
    if model is None or model_id in seen:
        return False
    state = model.get("state", {})
    if model.get("model_name") == "OutputModel" and any(
            {"image/png", "image/svg+xml"} & set(output.get("data", {}))
            for output in state.get("outputs", [])):
        return True
    children = state.get("children", [])
    return any(draws_a_figure(child.removeprefix("IPY_MODEL_"), models, seen | {model_id})
               for child in children if isinstance(child, str))


def is_figure(output, models: dict) -> bool:
    """A picture, or a widget that draws one (an explorer): shown on a subslide of its own."""
    data = output.get("data", {})
    if output.get("output_type") not in ("display_data", "execute_result"):
        return False
    if WIDGET_VIEW in data:
        return draws_a_figure(data[WIDGET_VIEW].get("model_id", ""), models)
    return "image/png" in data or "image/svg+xml" in data


#: The tag of the navigation cell tools/add_navigation.py writes at the end of a notebook.
NAVIGATION_TAG = "navigation"


def deck_navigation(source: str) -> str:
    """A navigation cell's links as a deck needs them: the next notebook's deck
    (``02_gradients.slides.html``), and no contents link (the decks have no contents page)."""
    lines = [" · ".join(link for link in line.split(" · ") if "(00_contents.md)" not in link)
             for line in source.split("\n")]
    return re.sub(r"\]\(([0-9][^)/]*)\.ipynb\)", r"](\1.slides.html)", "\n".join(lines))


def deck_notebook(notebook):
    """The notebook as its deck shows it (a copy): every figure on a subslide of its own.

    Each figure output of a shown code cell moves to a new cell right after it, typed
    ``subslide`` and tagged ``FIGURE_TAG``, with the size to show it at in the output's
    metadata (``course_deck``: width and height, CSS px; widgets are sized by the deck's
    style sheet).  The cells that followed on the same slide continue on a new subslide.
    """
    notebook = copy.deepcopy(notebook)
    models = widget_models(notebook)
    cells, continue_after_figure = [], False
    for cell in notebook.cells:
        if NAVIGATION_TAG in cell.metadata.get("tags", []):
            cell.source = deck_navigation(cell.source)
        kind = slide_type(cell)
        if kind in ("slide", "subslide"):
            continue_after_figure = False
        elif continue_after_figure and kind not in ("skip", "notes"):
            cell.metadata.setdefault("slideshow", {})["slide_type"] = "subslide"
            continue_after_figure = False
        cells.append(cell)
        if cell.cell_type != "code" or kind in ("skip", "notes"):
            continue
        figures = [output for output in cell.outputs if is_figure(output, models)]
        if not figures:
            continue
        cell.outputs = [output for output in cell.outputs
                        if not any(output is figure for figure in figures)]
        for figure in figures:
            size = figure_size(figure)
            if size is not None:
                figure.setdefault("metadata", {})["course_deck"] = {"width": size[0],
                                                                    "height": size[1]}
            cells.append(nbformat.v4.new_code_cell(
                source="", outputs=[figure],
                metadata={"slideshow": {"slide_type": "subslide"}, "tags": [FIGURE_TAG]}))
        continue_after_figure = True
    notebook.cells = cells
    return notebook


# --- decks -----------------------------------------------------------------------------------

def build(notebooks: list[Path]) -> list[Path]:
    """Write one deck per notebook; return their paths."""
    vendor_js.main(BUILD / "vendor")
    SLIDES.mkdir(parents=True, exist_ok=True)
    slides = exporter()
    decks = []
    for notebook in notebooks:
        node = deck_notebook(nbformat.read(notebook, as_version=4))
        html, _ = slides.from_notebook_node(node, resources={"metadata": {"name": notebook.stem}})
        deck = SLIDES / f"{notebook.stem}.slides.html"
        deck.write_text(html, encoding="utf-8")
        decks.append(deck)
    copy_linked_folders(SLIDES)         # the workbooks 01 and 03 link to, beside the decks
    return decks


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    try:
        decks = build(paths)
    except vendor_js.NpmMissing as error:
        sys.exit(str(error))
    for deck in decks:
        print(deck.relative_to(ROOT))
