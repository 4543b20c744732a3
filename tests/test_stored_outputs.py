"""What a student sees when opening a stored notebook fresh, before running anything.

Checked on every notebook in notebooks/, so notebooks added later are covered too:

- JupyterLab does not render stored SVG in an untrusted notebook (a fresh clone
  is untrusted), so every SVG output must carry a PNG beside it;
- every stored picture fits JupyterLab's ~850-px output area (wider ones are
  shrunk, text and all), and drawn graphs also fit a 1280x720 slide;
- every matplotlib figure is stored at twice the size it is shown at and records
  its smallest text (nblib.plots.figure_png), at least 13 px as JupyterLab shows it;
- no output is a bare object repr (``<Figure size ...>``, ``<graphviz... at 0x...>``);
- the self-study text has no lecture-room wording outside speaker notes, every
  speaker note is marked as the presenter's, and every summary points to further
  reading.
"""

import base64
import json
import re
import struct
from pathlib import Path

import pytest

from nblib.plots import PIXEL_RATIO, TEXT_SIZE_KEY  # stored pixels per pixel; the text-size chunk

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OUTPUT_WIDTH_PX = 850
SLIDE_GRAPH_HEIGHT_PX = 560


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def outputs(notebook):
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if "data" in output:
                yield index, output["data"]


def png_size(encoded: str) -> tuple[int, int]:
    png = base64.b64decode(encoded)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def svg_size_px(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert match, svg[:200]
    return float(match[1]) * 4 / 3, float(match[2]) * 4 / 3


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param.name, load(request.param)


def test_every_svg_has_a_png_for_untrusted_notebooks(notebook):
    name, nb = notebook
    missing = [index for index, data in outputs(nb)
               if "image/svg+xml" in data and "image/png" not in data]
    assert not missing, f"{name}: cells {missing} store SVG without PNG (invisible untrusted)"


def shown_width(output: dict) -> int:
    """The width JupyterLab shows a PNG output at: its metadata's, else its pixels'."""
    shown = output.get("metadata", {}).get("image/png", {})
    return shown.get("width") or png_size(output["data"]["image/png"])[0]


def png_outputs(notebook):
    """Every PNG output, in cells and in the stored widget state (the explorers' figures)."""
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                yield f"cell {index}", output
    state = notebook["metadata"].get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id, model in state.items():
        for output in model.get("state", {}).get("outputs", []) or []:
            if "image/png" in output.get("data", {}):
                yield f"widget {model_id[:8]}", output


def test_stored_pictures_fit_the_output_area(notebook):
    name, nb = notebook
    for where, output in png_outputs(nb):
        width = shown_width(output)
        assert width <= OUTPUT_WIDTH_PX, f"{name} {where}: PNG shown {width} px wide"
    for index, data in outputs(nb):
        if "image/svg+xml" in data:
            svg = "".join(data["image/svg+xml"])
            width, height = svg_size_px(svg)
            assert width <= OUTPUT_WIDTH_PX and height <= SLIDE_GRAPH_HEIGHT_PX, \
                f"{name} cell {index}: graph {width:.0f} x {height:.0f} px"


#: JupyterLab's body text is 14 px: a figure's smallest text as shown there.
MIN_TEXT_PX = 13


def png_text(encoded: str) -> dict:
    png, texts, position = base64.b64decode(encoded), {}, 8
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind == b"tEXt":
            key, _, value = png[position + 8:position + 8 + length].partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        position += 12 + length
    return texts


def test_figures_are_stored_at_pixel_ratio_with_their_text_size(notebook):
    """Every matplotlib figure (its text form starts "[figure]", or an explorer's) is stored
    at PIXEL_RATIO times the size JupyterLab shows it at and records its smallest text,
    which slide decks enlarge and tests measure (tests/test_slides.py)."""
    name, nb = notebook
    for where, output in png_outputs(nb):
        text = "".join(output["data"].get("text/plain", ""))
        if not (text.startswith("[figure]") or "explorer" in text.lower()):
            continue                             # a Graphviz drawing (nblib.graph)
        pixels = png_size(output["data"]["image/png"])[0]
        assert round(pixels / PIXEL_RATIO) == shown_width(output), (
            f"{name} {where}: {pixels} px shown at {shown_width(output)} px, "
            f"not at 1/{PIXEL_RATIO}")
        recorded = png_text(output["data"]["image/png"]).get(TEXT_SIZE_KEY)
        assert recorded, f"{name} {where}: no {TEXT_SIZE_KEY} recorded (re-run the notebook)"
        shown = float(recorded) * shown_width(output) / pixels
        assert shown >= MIN_TEXT_PX, f"{name} {where}: smallest text {shown:.1f} px"


def test_no_bare_object_reprs(notebook):
    name, nb = notebook
    for index, data in outputs(nb):
        text = "".join(data.get("text/plain", ""))
        assert not re.search(r"<Figure size|<graphviz\.|at 0x[0-9a-f]+>", text), \
            f"{name} cell {index}: {text[:80]}"


#: Words meant for the lecture room, not for a student reading alone.
LECTURE_ROOM = re.compile(r"ask the room|the room\b|next slide|later slide|previous slide|"
                          r"this slide|live demo|pre-empt|on the board|lecturer|presenter|"
                          r"in a \d+-min(?:ute)? lecture|start this cell early|^timing:",
                          re.IGNORECASE | re.MULTILINE)
#: How every presenter's note starts: the notebook shows it as a block quote (JupyterLab draws
#: a bar beside it, in light and dark themes), so it does not read as the course's own text.
PRESENTER_NOTE = "> 🎤 **Presenter's note:** "


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def test_lecture_room_wording_only_in_speaker_notes(notebook):
    name, nb = notebook
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown" and slide_type(cell) != "notes":
            match = LECTURE_ROOM.search("".join(cell["source"]))
            assert not match, f"{name} cell {index}: {match[0]!r} outside speaker notes"


def test_every_speaker_note_is_marked_as_the_presenters(notebook):
    """A notes cell is a block quote that starts "🎤 **Presenter's note:**", every line of
    it quoted; the marker is used nowhere else."""
    name, nb = notebook
    for index, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        if slide_type(cell) == "notes":
            assert cell["cell_type"] == "markdown", f"{name} cell {index}: a notes cell is Markdown"
            assert source.startswith(PRESENTER_NOTE), (
                f"{name} cell {index}: a speaker note starts {PRESENTER_NOTE!r}: {source[:60]!r}")
            unquoted = [line for line in source.splitlines() if not line.startswith(">")]
            assert not unquoted, f"{name} cell {index}: lines outside the quote: {unquoted}"
        else:
            assert "Presenter's note" not in source, (
                f"{name} cell {index}: marked as a presenter's note but not typed 'notes'")


def test_summary_has_further_reading(notebook):
    """A "## Summary" cell, then (in it or in the cells after it, which may be a slide of
    their own) "**Further reading**" with at least three links."""
    name, nb = notebook
    starts = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "markdown"
              and "".join(cell["source"]).startswith("## Summary")]
    assert len(starts) == 1, f"{name}: one '## Summary' cell expected"
    text = ""
    for cell in nb["cells"][starts[0]:]:
        if "navigation" in cell.get("metadata", {}).get("tags", []):
            break
        text += "".join(cell["source"]) + "\n"
    assert "**Further reading**" in text and text.count("](http") >= 3, name
