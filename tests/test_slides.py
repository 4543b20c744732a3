"""Every notebook presents as slides: metadata on every cell, and offline decks that fit.

The metadata tests read the notebooks.  The deck tests build each deck with
tools/build_slides.py (what `make slides` runs) and open it in headless Chromium
with every request off this machine blocked, then check: nothing was requested
from the internet and nothing failed; the deck has one slide per slide or
subslide cell; no slide is taller or wider than the 1280x720 deck; MathJax
typeset the LaTeX; speaker notes are there; the first slide is not blank.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import matplotlib.image
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
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}

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
    """reveal.js makes one slide of every cell typed slide or subslide."""
    return sum(slide_type(cell) in ("slide", "subslide") for cell in cells(notebook))


def uses_latex(notebook: Path) -> bool:
    return any(cell["cell_type"] == "markdown" and "$" in "".join(cell["source"])
               for cell in cells(notebook))


def notes_cells(notebook: Path) -> int:
    return sum(slide_type(cell) == "notes" for cell in cells(notebook))


@pytest.fixture(scope="module")
def decks() -> dict[str, Path]:
    """Build every deck, as `make slides` does."""
    vendored_javascript()
    return {deck.name.removesuffix(".slides.html"): deck
            for deck in build_slides.build(NOTEBOOKS)}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_nothing_is_written_next_to_the_notebooks(decks):
    assert not list((ROOT / "notebooks").glob("*.html"))
    assert all(deck.parent == ROOT / "build" / "slides" for deck in decks.values())


#: TeX left as text: $...$ or $$...$$ that MathJax did not turn into maths.
RAW_TEX = re.compile(r"\$[^$\s][^$]*\$")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_deck_works_offline_and_every_slide_fits(notebook, decks, browser):
    page, log = offline_page(browser)
    open_deck(page, decks[notebook.stem])
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
