"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser download does not work on the course's machines, so
the tests launch the system's ``chromium`` (``shutil.which("chromium")``).
Outside CI, a machine without it skips these tests with a message saying how
to install it; under CI (``CI=true``) a missing browser is a failure.

Also a small tool for authors, to see which slides are too tall::

    python -m tests.browser build/slides/01_neuron.slides.html
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: Flags that keep Chromium quiet on a closed network (see ../shared/MACHINE-NOTES.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

#: The size reveal.js lays every slide out at (tools/build_slides.py).
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720


def skip_or_fail(message: str):
    """Skip a test that lacks a tool; under CI (``CI=true``) fail instead, so nothing hides."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def chromium_path() -> str:
    """The system Chromium, or skip (fail under CI) when there is none."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        skip_or_fail("no `chromium` on PATH: the browser tests need Debian's chromium "
                     "(sudo apt-get install chromium)")
    return path


def vendored_javascript() -> Path:
    """build/vendor with reveal.js, MathJax etc. (tools/vendor_js.py); skip without npm."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
    import vendor_js

    try:
        return vendor_js.main()
    except vendor_js.NpmMissing as error:
        skip_or_fail(str(error))


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright), closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What a page did on the network and in its console."""

    blocked: list[str] = field(default_factory=list)    # requests that would leave the machine
    failed: list[str] = field(default_factory=list)     # local requests that failed
    errors: list[str] = field(default_factory=list)     # console errors and uncaught exceptions


def is_local(url: str) -> bool:
    """True for file: and data: URLs and the loopback interface."""
    if url.startswith(("file:", "data:", "blob:", "about:")):
        return True
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host in ("127.0.0.1", "localhost", "[::1]")


def offline_page(context_or_browser, **options):
    """A new page whose requests off this machine are blocked and logged; returns (page, log)."""
    page = context_or_browser.new_page(**options)
    log = PageLog()

    def route(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            log.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda request: None if request.url in log.blocked
            else log.failed.append(f"{request.url}: {request.failure}"))
    page.on("console", lambda message: log.errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    return page, log


# --- slides -----------------------------------------------------------------------------

#: Run in a deck once reveal.js is ready: every slide's size, when it is shown, and what
#: its figures and widgets look like.
_MEASURE_SLIDES = """async (PNG_TEXT_KEY) => {
    // no slide transition: maths re-rendered while a slide is still moving in gets
    // its line breaks from the wrong width
    Reveal.configure({transition: 'none', backgroundTransition: 'none'});
    const slides = Reveal.getSlides();
    const results = [];
    for (const slide of slides) {
        const {h, v} = Reveal.getIndices(slide);
        Reveal.slide(h, v, Number.MAX_SAFE_INTEGER);   // with every fragment shown
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        // Maths typeset while its slide was hidden is laid out for zero width (broken
        // at every operator); the deck re-renders a slide's maths when it is shown, but
        // under load that can come after this measurement: re-render it here and wait.
        await new Promise(r => MathJax.Hub.Queue(["Rerender", MathJax.Hub, slide], r));
        // an image has no height until it is decoded (later, under load)
        await Promise.all([...slide.querySelectorAll('img')].map(i => i.decode().catch(() => 0)));
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        const title = slide.querySelector('h1, h2, h3, h4');
        // code or output wider than its box scrolls sideways (or is cut): count such blocks
        const wide = [...slide.querySelectorAll('pre')]
            .filter(p => p.scrollWidth > p.clientWidth + 1).length;
        // a widget's text cut off ("next mistak…"): wider than its box
        const clipped = [...slide.querySelectorAll(
                '.jupyter-widgets button, .jupyter-widgets .widget-label, '
                + '.jupyter-widgets .widget-readout, .jupyter-widgets .widget-html-content')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
            .map(e => e.textContent.trim());
        // a progress widget (tqdm): its bar is drawn, and filled as far as it got
        const progress = [...slide.querySelectorAll('.jupyter-widgets .progress')].map(bar => {
            const box = bar.getBoundingClientRect();
            const fill = bar.querySelector('.progress-bar');
            return {bar: box.width > 0 && box.height > 0,
                    filled: fill ? fill.getBoundingClientRect().width / (box.width || 1) : 0,
                    text: bar.closest('.widget-hbox, .widget-vbox, .jupyter-widgets')
                        .parentElement.innerText.replace(/\\s+/g, ' ').trim()};
        });
        const figures = [...slide.querySelectorAll('.jp-OutputArea-output img')]
            .map(img => figureText(img));
        results.push({h, v, height: slide.scrollHeight, width: slide.scrollWidth, wide,
                      clipped, progress, figures,
                      title: title ? title.textContent.replace('¶', '').trim() : '',
                      text: slide.innerText.slice(0, 60)});
    }
    Reveal.slide(0, 0, 0);
    return results;

    // How large a figure's smallest text is as displayed, in CSS px: a PNG from
    // nblib.plots.figure_png records it at the PNG's own size (text chunk below); an SVG
    // (Graphviz) gives its fonts' sizes in the units of its viewBox.
    function figureText(img) {
        const box = img.getBoundingClientRect();
        const [header, data] = img.src.split(',');
        const found = {kind: header.includes('svg') ? 'svg' : 'png',
                       width: Math.round(box.width), height: Math.round(box.height),
                       natural: img.naturalWidth, text_px: null};
        if (found.kind === 'png') {
            const recorded = pngText(atob(data))[PNG_TEXT_KEY];
            if (recorded) found.text_px = Number(recorded) * box.width / img.naturalWidth;
        } else {
            const svg = new DOMParser().parseFromString(
                header.includes('base64') ? atob(data) : decodeURIComponent(data),
                'image/svg+xml').documentElement;
            const viewBox = (svg.getAttribute('viewBox') || '').split(/[\\s,]+/).map(Number);
            const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
                .map(t => parseFloat(t.getAttribute('font-size')
                                     || getComputedStyle(t).fontSize));
            if (viewBox.length === 4 && sizes.length)
                found.text_px = Math.min(...sizes) * box.width / viewBox[2];
        }
        return found;
    }

    function pngText(bytes) {             // the tEXt chunks of a PNG (a binary string)
        const texts = {};
        let at = 8;
        const u32 = i => ((bytes.charCodeAt(i) << 24) | (bytes.charCodeAt(i + 1) << 16)
                          | (bytes.charCodeAt(i + 2) << 8) | bytes.charCodeAt(i + 3)) >>> 0;
        while (at + 8 <= bytes.length) {
            const length = u32(at), kind = bytes.slice(at + 4, at + 8);
            if (kind === 'tEXt') {
                const [key, value] = bytes.slice(at + 8, at + 8 + length).split('\\0');
                texts[key] = value;
            } else if (kind === 'IEND') break;
            at += 12 + length;
        }
        return texts;
    }
}"""

#: The text chunk in which nblib.plots.figure_png records a figure's smallest text size.
PNG_TEXT_KEY = "nblib:smallest-text-px"

_READY = """() => typeof Reveal !== 'undefined' && Reveal.isReady && Reveal.isReady()
    && typeof MathJax !== 'undefined' && MathJax.Hub && MathJax.Hub.queue
    && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0
    && document.querySelectorAll('.MathJax_Preview:not(:empty)').length === 0
    && document.querySelectorAll('.MathJax_CHTML').length
       === document.querySelectorAll('script[type^="math/tex"]').length
    && document.querySelectorAll('.widget-subarea > .lm-Widget').length
       >= document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length"""


def open_deck(page, deck: Path, timeout_ms: int = 60_000) -> None:
    """Load a deck and wait until reveal.js is laid out, MathJax has typeset the page and
    every stored widget is drawn."""
    page.set_viewport_size({"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT})
    page.goto(deck.resolve().as_uri())
    page.wait_for_function(_READY, timeout=timeout_ms)
    page.evaluate("() => document.fonts.ready.then(() => true)")   # text reflows as fonts load


def measure_slides(page) -> list[dict]:
    """Each slide's ``h``, ``v`` indices, ``title``, content ``height``/``width`` in px,
    ``wide`` (how many code or output blocks are too wide), ``clipped`` (the widget texts
    cut off), ``progress`` (per progress widget: whether its ``bar`` is drawn, how far it is
    ``filled``, its ``text``) and ``figures`` (per picture: ``kind`` png or svg, displayed
    ``width`` and ``height``, ``natural`` width, and ``text_px``, the displayed size of its
    smallest text, None when the picture does not say)."""
    return page.evaluate(_MEASURE_SLIDES, PNG_TEXT_KEY)


def main(decks: list[str]) -> None:
    with chromium() as browser:
        for deck in decks:
            page, log = offline_page(browser)
            open_deck(page, Path(deck))
            slides = measure_slides(page)
            too_big = [s for s in slides if s["height"] > SLIDE_HEIGHT
                       or s["width"] > SLIDE_WIDTH or s["wide"]]
            print(f"{deck}: {len(slides)} slides, {len(too_big)} too big; "
                  f"blocked {len(log.blocked)} requests, {len(log.errors)} console errors")
            for s in slides:
                flag = "TOO BIG" if s in too_big else ""
                wide = f"{s['wide']} wide" if s["wide"] else ""
                print(f"  {s['h']:>2}.{s['v']:<2} {s['height']:>5} x {s['width']:<5} {wide:7}{flag:8}"
                      f" {s['title'] or s['text']!r}"[:110])
                for figure in s["figures"]:
                    text = "?" if figure["text_px"] is None else f"{figure['text_px']:.1f}"
                    print(f"        {figure['kind']} {figure['width']} x {figure['height']} px, "
                          f"smallest text {text} px")
                for text in s["clipped"]:
                    print(f"        widget text cut off: {text!r}")
                for bar in s["progress"]:
                    print(f"        progress bar {'drawn' if bar['bar'] else 'MISSING'}: "
                          f"{bar['text']!r}")
            for url in log.blocked:
                print("  blocked:", url)
            for error in log.errors:
                print("  console error:", error)
            page.close()


if __name__ == "__main__":
    main(sys.argv[1:])
