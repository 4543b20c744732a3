"""Every notebook presents as slides: metadata on every cell, and offline decks that fit.

The metadata tests read the notebooks.  The deck tests build each deck with
tools/build_slides.py (what `make slides` runs) and open it in headless Chromium
with every request off this machine blocked, then check: nothing was requested
from the internet and nothing failed; the deck has one slide per slide or
subslide cell (and per figure, which gets a subslide of its own); no slide is
taller or wider than the 1280x720 deck; MathJax typeset the LaTeX; speaker notes
are there; the first slide is not blank; every figure's smallest text is at least
16 px as displayed (read from the size each PNG records, or from an SVG's fonts);
no widget's text is cut off; a progress bar (tqdm) shows as a bar.
"""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import urllib.parse
from pathlib import Path

import matplotlib.image
import nbformat
import numpy as np
import pytest

from tests.browser import (
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    chromium,
    measure_slides,
    offline_page,
    open_deck,
    vendored_javascript,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
#: "" is what JupyterLab's property inspector writes for its "-" choice (part of the current
#: slide). "-" itself is refused: jupyterlab-slideshow, the live presentation mode, hides
#: cells typed "-" (tests/test_present_live.py).
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", ""}

sys.path.insert(0, str(ROOT / "tools"))
import build_slides  # noqa: E402


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def slide_type(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


# --- metadata ---------------------------------------------------------------------------

@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_a_slide_type(notebook):
    missing = [i for i, cell in enumerate(cells(notebook)) if slide_type(cell) is None]
    wrong = [(i, slide_type(cell)) for i, cell in enumerate(cells(notebook))
             if slide_type(cell) is not None and slide_type(cell) not in SLIDE_TYPES]
    assert not missing, f"cells without slideshow.slide_type: {missing}"
    assert not wrong, f"unknown slide types: {wrong}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_a_slide(notebook):
    assert slide_type(cells(notebook)[0]) == "slide"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_speaker_notes_for_the_lecturer(notebook):
    """Lecture-room remarks go in "notes" cells: the speaker view shows them, slides do not."""
    assert notes_cells(notebook) >= 2, "add speaker notes (markdown cells typed 'notes')"


# --- the decks in a browser ---------------------------------------------------------------

def expected_slides(notebook: Path) -> int:
    """reveal.js makes one slide of every cell typed slide or subslide, in the notebook as
    the deck shows it (a figure on a subslide of its own)."""
    deck = build_slides.deck_notebook(nbformat.read(notebook, as_version=4))
    return sum(slide_type(cell) in ("slide", "subslide") for cell in deck.cells)


def uses_latex(notebook: Path) -> bool:
    return any(cell["cell_type"] == "markdown" and "$" in "".join(cell["source"])
               for cell in cells(notebook))


def notes_cells(notebook: Path) -> int:
    return sum(slide_type(cell) == "notes" for cell in cells(notebook))


@pytest.fixture(scope="module")
def deck():
    """``deck(notebook)``: its deck, built as `make slides` builds it, once per notebook (so
    that ``-k 01_neuron`` builds only 01's)."""
    vendored_javascript()
    built: dict[Path, Path] = {}

    def build(notebook: Path) -> Path:
        if notebook not in built:
            built[notebook] = build_slides.build([notebook])[0]
        return built[notebook]
    return build


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_is_written_next_to_the_notebooks(notebook, deck):
    assert deck(notebook).parent == ROOT / "build" / "slides"
    assert not list((ROOT / "notebooks").glob("*.html"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_relative_link_of_a_deck_opens_a_file(notebook, deck):
    """Decks link to files beside the notebooks (01's and 03's workbooks) and to the next
    deck: `make slides` copies the files beside the decks, so the links work there too."""
    path = deck(notebook)
    links = re.findall(r"""<a [^>]*href=["']([^"'#:]+)["']""", path.read_text())
    for target in links:
        assert (path.parent / urllib.parse.unquote(target)).is_file(), (path.name, target)
    assert links, "every deck links at least to the next or previous deck"


#: TeX left as text: $...$ or $$...$$ that MathJax did not turn into maths.
RAW_TEX = re.compile(r"\$[^$\s][^$]*\$")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_deck_works_offline_and_every_slide_fits(notebook, deck, browser):
    page, log = offline_page(browser)
    open_deck(page, deck(notebook))
    slides = measure_slides(page)
    page.evaluate("() => Reveal.slide(0, 0, 0)")
    page.wait_for_timeout(1000)        # the slide transition
    screenshot = page.screenshot()
    markdown_text = page.evaluate(
        "() => [...document.querySelectorAll('.jp-MarkdownOutput')].map(e => e.innerText)")
    math = page.evaluate("() => document.querySelectorAll('.MathJax_CHTML').length")
    notes = page.evaluate("() => [document.querySelectorAll('aside.notes').length, "
                          "Reveal.hasPlugin('notes')]")
    page.close()

    assert not log.blocked, f"requests off this machine: {log.blocked}"
    assert not log.failed, f"failed requests: {log.failed}"
    assert not log.errors, f"console errors: {log.errors}"
    assert len(slides) == expected_slides(notebook)
    too_big = [f"{s['h']}.{s['v']} {s['title'] or s['text']!r}: {s['height']} x {s['width']} px"
               + (f", {s['wide']} code/output blocks too wide" if s["wide"] else "")
               for s in slides
               if s["height"] > SLIDE_HEIGHT or s["width"] > SLIDE_WIDTH or s["wide"]]
    assert not too_big, f"slides that do not fit {SLIDE_WIDTH}x{SLIDE_HEIGHT}: {too_big}"
    if uses_latex(notebook):
        assert math > 0, "no LaTeX typeset by MathJax"
        raw = [match for text in markdown_text for match in RAW_TEX.findall(text)]
        assert not raw, f"TeX left untypeset: {raw[:5]}"
    assert notes == [notes_cells(notebook), True], "speaker notes missing"
    pixels = matplotlib.image.imread(io.BytesIO(screenshot), format="png")[..., :3]
    ink = np.mean(np.any(pixels < 0.9, axis=-1))
    assert ink > 0.01, f"the first slide looks blank ({ink:.2%} of pixels are not white)"

    figures = [(f"{s['h']}.{s['v']}", figure) for s in slides for figure in s["figures"]]
    assert len(figures) == stored_figures(notebook)
    unmeasured = [where for where, figure in figures if figure["text_px"] is None]
    assert not unmeasured, f"figures that do not say how large their text is: {unmeasured}"
    small = [f"{where}: {figure['text_px']:.1f} px ({figure['width']} px wide)"
             for where, figure in figures if figure["text_px"] < MIN_FIGURE_TEXT_PX]
    assert not small, f"figure text smaller than {MIN_FIGURE_TEXT_PX} px on a slide: {small}"
    clipped = [f"{s['h']}.{s['v']}: {text!r}" for s in slides for text in s["clipped"]]
    assert not clipped, f"widget text cut off: {clipped}"
    bars = [bar for s in slides for bar in s["progress"]]
    assert len(bars) == stored_progress_bars(notebook)
    assert all(bar["bar"] and bar["filled"] > 0 for bar in bars), f"progress bars: {bars}"


#: The smallest text a figure may have on a 1280x720 slide, in CSS px as displayed (the
#: slides' body text is 20 px): tick labels and annotations that read from the back.
MIN_FIGURE_TEXT_PX = 16


def stored_outputs(notebook: Path):
    for cell in cells(notebook):
        if slide_type(cell) not in ("skip", "notes"):
            yield from cell.get("outputs", [])


def widget_state(notebook: Path) -> dict:
    metadata = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]
    return metadata.get("widgets", {}).get(build_slides.WIDGET_STATE, {}).get("state", {})


def stored_figures(notebook: Path) -> int:
    """Pictures the deck shows: image outputs, and the figure in each explorer widget."""
    state = widget_state(notebook)
    count = 0
    for output in stored_outputs(notebook):
        data = output.get("data", {})
        if build_slides.WIDGET_VIEW in data:
            count += build_slides.draws_a_figure(data[build_slides.WIDGET_VIEW]["model_id"], state)
        else:
            count += bool({"image/png", "image/svg+xml"} & set(data))
    return count


def stored_progress_bars(notebook: Path) -> int:
    state = widget_state(notebook)

    def bars(model_id: str) -> int:
        model = state.get(model_id, {})
        children = model.get("state", {}).get("children", [])
        return (model.get("model_name") in ("FloatProgressModel", "IntProgressModel")) + sum(
            bars(child.removeprefix("IPY_MODEL_")) for child in children)

    return sum(bars(output["data"][build_slides.WIDGET_VIEW]["model_id"])
               for output in stored_outputs(notebook)
               if build_slides.WIDGET_VIEW in output.get("data", {}))


# --- figures get subslides of their own ------------------------------------------------------

def picture(width: int, height: int, pixel_ratio: int = 2):
    """A display_data output holding a PNG of that display size (metadata) and pixels."""
    png = (b"\x89PNG\r\n\x1a\n" + b"\0\0\0\x0dIHDR"
           + (width * pixel_ratio).to_bytes(4, "big") + (height * pixel_ratio).to_bytes(4, "big"))
    return nbformat.v4.new_output("display_data", data={
        "image/png": base64.b64encode(png).decode(), "text/plain": "[figure]"},
        metadata={"image/png": {"width": width, "height": height}})


def slideshow(cell, kind: str):
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def test_each_figure_moves_to_a_subslide_of_its_own_after_its_code():
    code = slideshow(nbformat.v4.new_code_cell("plot()"), "slide")
    code.outputs = [nbformat.v4.new_output("stream", text="trained\n"), picture(760, 460),
                    picture(840, 370)]
    after = slideshow(nbformat.v4.new_markdown_cell("What the figure shows"), "-")
    notes = slideshow(nbformat.v4.new_markdown_cell("> note"), "notes")
    following = slideshow(nbformat.v4.new_markdown_cell("# Next"), "slide")
    notebook = nbformat.v4.new_notebook(cells=[code, notes, after, following])
    deck = build_slides.deck_notebook(notebook)

    kinds = [(slide_type(c), c.metadata.get("tags", []), c.source) for c in deck.cells]
    assert kinds == [("slide", [], "plot()"),
                     ("subslide", [build_slides.FIGURE_TAG], ""),
                     ("subslide", [build_slides.FIGURE_TAG], ""),
                     ("notes", [], "> note"),
                     ("subslide", [], "What the figure shows"),   # continues after the figure
                     ("slide", [], "# Next")]
    assert [o.output_type for o in deck.cells[0].outputs] == ["stream"]
    # as large as fits 1200 x 640, and no larger than the PNG's pixels
    assert deck.cells[1].outputs[0].metadata["course_deck"] == {"width": 1057, "height": 640}
    assert deck.cells[2].outputs[0].metadata["course_deck"] == {"width": 1200, "height": 529}
    assert notebook.cells[0].outputs[1].metadata == {"image/png": {"width": 760, "height": 460}}


def test_a_figure_is_never_shown_larger_than_its_pixels():
    small = picture(300, 200, pixel_ratio=1)        # a PNG with no extra pixels keeps its size
    assert build_slides.figure_size(small) == (300, 200)
    svg = nbformat.v4.new_output("display_data", data={
        "image/svg+xml": '<svg width="150pt" height="30pt" viewBox="0 0 150 30"></svg>'})
    assert build_slides.figure_size(svg) == (400, 80)       # 200 x 40 px, scaled twice at most


def test_widgets_that_draw_a_figure_are_figures_and_progress_bars_are_not():
    state = {"box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_out"]}},
             "out": {"model_name": "OutputModel", "state": {"outputs": [picture(750, 450)]}},
             "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_p"]}},
             "p": {"model_name": "FloatProgressModel", "state": {"value": 6}}}

    def view(model_id):
        return nbformat.v4.new_output("display_data", data={
            build_slides.WIDGET_VIEW: {"model_id": model_id, "version_major": 2}})

    assert build_slides.is_figure(view("box"), state)
    assert not build_slides.is_figure(view("bar"), state)
    assert not build_slides.is_figure(view("gone"), state)
