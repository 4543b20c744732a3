"""Write a reveal.js deck per notebook into build/slides/ that works with no internet.

    python tools/build_slides.py [NOTEBOOK ...]        (default: every notebook; `make slides`)

Each deck is nbconvert's SlidesExporter output, sized 1280x720, with reveal.js,
RequireJS, jQuery, MathJax and the widget renderer loaded from build/vendor/
(see tools/vendor_js.py) instead of CDNs.  Press S in a deck for the speaker
view with the notes.  Nothing is written next to the notebooks.
"""

import sys
from pathlib import Path

from nbconvert import SlidesExporter
from traitlets.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vendor_js  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
SLIDES = BUILD / "slides"
WIDTH, HEIGHT = 1280, 720


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
    return SlidesExporter(config=config)


def build(notebooks: list[Path]) -> list[Path]:
    """Write one deck per notebook; return their paths."""
    vendor_js.main(BUILD / "vendor")
    SLIDES.mkdir(parents=True, exist_ok=True)
    slides = exporter()
    decks = []
    for notebook in notebooks:
        html, _ = slides.from_filename(str(notebook))
        deck = SLIDES / f"{notebook.stem}.slides.html"
        deck.write_text(html, encoding="utf-8")
        decks.append(deck)
    return decks


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    try:
        decks = build(paths)
    except vendor_js.NpmMissing as error:
        sys.exit(str(error))
    for deck in decks:
        print(deck.relative_to(ROOT))
