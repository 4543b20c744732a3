"""The HTML site (tools/build_html.py, `make html`): every notebook a page, an index, offline.

Two editions: the public site, built from the student edition (no solution, no check
verdict, no presenter's note), and the instructor site (`make html-instructor`), with
them all and a banner on every page saying so.  Each is built once into a temporary
folder, next to a link to build/vendor (the pages load MathJax, RequireJS and the widget
renderer from ``../vendor``), so build/ is left alone.  The static tests read the HTML;
the browser test opens every page of the public site in one headless Chromium with every
request off this machine blocked and checks: nothing was requested from the internet,
nothing failed, no console error, MathJax typeset every formula (no raw ``$...$`` left),
and the stored widgets rendered.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

from tests.browser import chromium, offline_page, vendored_javascript

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_html  # noqa: E402
import student_edition  # noqa: E402

NOTEBOOKS = build_html.course_notebooks()
PAGES = [build_html.page_name(p) for p in NOTEBOOKS]


def build_site(tmp_path_factory, *options: str) -> Path:
    """A site, built as `make html` (or `make html-instructor`) builds it, in a temporary
    folder: ``python tools/build_html.py [--instructor] OUT``."""
    vendor = vendored_javascript()
    root = tmp_path_factory.mktemp("site")
    (root / "vendor").symlink_to(vendor, target_is_directory=True)
    build_html.main([*options, str(root / "html")])
    return root / "html"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The public site."""
    return build_site(tmp_path_factory)


@pytest.fixture(scope="module")
def instructor_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory, "--instructor")


@functools.cache
def soup(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")


def read(path: Path):
    return nbformat.read(path, as_version=4)


# --- what the build writes --------------------------------------------------------------

def test_every_notebook_has_a_page_and_nothing_else_is_written(site):
    assert sorted(p.name for p in site.iterdir()) == sorted(PAGES + ["index.html",
                                                                    *student_edition.LINKED_FOLDERS])
    assert not list((ROOT / "notebooks").glob("*.html"))


def test_the_index_lists_every_notebook_in_order_with_its_objectives(site):
    entries = soup(site, "index.html").select("li.course-notebook")
    assert [e.select_one("h2 a")["href"] for e in entries] == PAGES
    for entry, path in zip(entries, NOTEBOOKS):
        notebook = read(path)
        assert entry.select_one("h2").get_text(strip=True) == build_html.title_of(notebook)
        summary = entry.select_one(".course-summary").get_text(" ", strip=True)
        assert summary == notebook.metadata["course"]["summary"]
        objectives = entry.select(".course-objectives li")
        assert len(objectives) == len(build_html.objectives_of(notebook, path)) >= 2, path.name
        assert all(li.get_text(strip=True) for li in objectives)


@pytest.mark.parametrize("index", range(len(NOTEBOOKS)), ids=[p.stem for p in NOTEBOOKS])
def test_each_page_has_previous_contents_next_at_top_and_bottom(site, index):
    page = soup(site, PAGES[index])
    navs = page.select("nav.course-nav")
    assert [n["class"][-1] for n in navs] == ["course-nav-top", "course-nav-bottom"]
    for nav in navs:
        previous, contents, following = (nav.select_one(f"a[rel={rel}]")
                                         for rel in ("prev", "contents", "next"))
        assert contents["href"] == "index.html"
        assert (previous and previous["href"]) == (PAGES[index - 1] if index > 0 else None)
        assert (following and following["href"]) == (
            PAGES[index + 1] if index + 1 < len(PAGES) else None)
    # the notebook's own navigation cell (tools/add_navigation.py) is replaced by the page's
    assert "Written by tools/add_navigation.py" not in str(page)
    assert page.select_one("title").get_text().startswith(build_html.title_of(read(NOTEBOOKS[index])))


def local_links(page: BeautifulSoup) -> list[str]:
    return [a["href"] for a in page.select("a[href]")
            if not urlsplit(a["href"]).scheme and not a["href"].startswith("#")]


def test_every_link_between_pages_resolves(site):
    broken = {}
    for name in PAGES + ["index.html"]:
        page = soup(site, name)
        ids = {tag["id"] for tag in page.select("[id]")}
        for href in local_links(page):
            path, _, anchor = href.partition("#")
            if not (site / unquote(path)).is_file():
                broken.setdefault(name, []).append(href)
            elif anchor and path == name and anchor not in ids:
                broken.setdefault(name, []).append(href)
        # the notebooks' links (02_gradients.ipynb, 00_contents.md) point at pages now
        assert not [h for h in local_links(page) if re.search(r"\.(ipynb|md)\b", h)], name
    assert not broken, f"links to missing files: {broken}"


#: What would fetch from the internet: a script, style sheet, image, font or CSS import.
REMOTE = re.compile(r"""(?:\bsrc=|<link[^>]*\bhref=|@import\s*(?:url\()?|url\()\s*["']?"""
                    r"""(?:https?:)?//""", re.I)


@pytest.mark.parametrize("name", PAGES + ["index.html"])
def test_pages_name_only_local_scripts_and_styles(site, name):
    html = (site / name).read_text(encoding="utf-8")
    assert not REMOTE.findall(html), REMOTE.findall(html)[:3]
    for needle in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "fonts.googleapis"):
        assert needle not in html
    scripts = [s["src"] for s in BeautifulSoup(html, "html.parser").select("script[src]")]
    assert "../vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe" in scripts
    assert "../vendor/requirejs/require.js" in scripts
    if name != "index.html":
        assert "'../vendor/html-manager/dist/embed-amd.js'" in html   # the widget renderer


# --- the public site holds no solution and no presenter's note; the instructor site does ---

def solution_lines(path: Path) -> list[str]:
    """Every line between the solution markers of a notebook's exercises."""
    lines = []
    for cell in read(path).cells:
        for region in student_edition.REGION.finditer(cell.source):
            lines += [" ".join(line.split()) for line in region.group(0).splitlines()[1:-1]
                      if line.strip()]
    return lines


def outside_solutions(path: Path) -> str:
    """The notebook's code and text, and its outputs but those of exercises, without its
    solutions: where a solution's line (``return out``) may also stand, shown to all."""
    parts = []
    for cell in read(path).cells:
        tags = cell.metadata.get("tags", [])
        parts.append(student_edition.REGION.sub("", cell.source))
        if student_edition.SOLUTION_TAG in tags or student_edition.CHECK_TAG in tags:
            continue
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [str(value) for value in output.get("data", {}).values()]
    return "\n".join(parts)


def giveaway_lines(path: Path) -> list[str]:
    """The lines of the solutions that stand nowhere else in the notebook."""
    elsewhere = outside_solutions(path)
    return [line for line in solution_lines(path) if line not in elsewhere]


def note_phrases(path: Path) -> list[str]:
    """The presenter's notes as plain phrases (split at Markdown and maths marks), for
    finding them in a page's text: "Ask the room: where would you draw the line? ..."."""
    phrases = []
    for cell in read(path).cells:
        if student_edition.is_notes(cell):
            text = " ".join(line.removeprefix(">").strip() for line in cell.source.splitlines())
            phrases += [" ".join(piece.split()) for piece in re.split(r"[*`$]", text)
                        if len(piece.strip()) >= 20]
    return phrases


def page_text(site: Path, name: str) -> str:
    """A page's text, with runs of white space as one space."""
    return " ".join(soup(site, name).get_text().split())


def page_code(site: Path, name: str) -> str:
    """The code and the text outputs on a page, line by line (runs of spaces as one)."""
    return "\n".join(" ".join(line.split()) for pre in soup(site, name).select("pre")
                     for line in pre.get_text().splitlines())


def cells_on(site: Path, name: str) -> int:
    return len(soup(site, name).select("main > .jp-Cell"))


#: The first words of a check's verdict on a correct answer (nblib.checks).
CORRECT = "✓ Correct!"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_public_pages_hold_no_solution_no_verdict_and_no_presenters_note(site, path):
    text = page_text(site, build_html.page_name(path))
    html = (site / build_html.page_name(path)).read_text(encoding="utf-8")
    assert "SOLUTION" not in html
    assert giveaway_lines(path), "no solution line to look for"
    code = page_code(site, build_html.page_name(path))
    shown = [line for line in giveaway_lines(path) if line in code]
    assert not shown, f"solution lines on the public page: {shown}"
    assert CORRECT not in text, "a check's verdict on the solution is shown"
    assert "Presenter's note" not in text
    assert note_phrases(path), "no presenter's note to look for"
    notes = [phrase for phrase in note_phrases(path) if phrase in text]
    assert not notes, f"presenter's notes on the public page: {notes}"
    # everything else is there: every cell of the student edition (its navigation cell
    # is replaced by the page's links), with the stubs students fill in
    student = student_edition.student_notebook(read(path))
    assert cells_on(site, build_html.page_name(path)) == sum(
        build_html.NAV_TAG not in cell.metadata.get("tags", []) for cell in student.cells)
    assert "raise NotImplementedError" in text or "= ..." in text
    assert not soup(site, build_html.page_name(path)).select(".course-edition-banner")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_instructor_pages_hold_solutions_and_notes_under_a_banner(instructor_site, path):
    name = build_html.page_name(path)
    text = page_text(instructor_site, name)
    code = page_code(instructor_site, name)
    missing = [line for line in solution_lines(path) if line not in code]
    assert not missing, f"solution lines not on the instructor's page: {missing}"
    assert text.count(CORRECT) == sum(
        student_edition.CHECK_TAG in cell.metadata.get("tags", []) for cell in read(path).cells)
    assert text.count("Presenter's note") == sum(map(student_edition.is_notes, read(path).cells))
    missing = [phrase for phrase in note_phrases(path) if phrase not in text]
    assert not missing, f"presenter's notes not on the instructor's page: {missing}"
    assert cells_on(instructor_site, name) == sum(
        build_html.NAV_TAG not in cell.metadata.get("tags", []) for cell in read(path).cells)
    # a presenter's note is set apart from the text around it (a block quote)
    quotes = soup(instructor_site, name).select(".jp-MarkdownCell blockquote")
    assert [q.get_text().strip()[:20] for q in quotes if "Presenter's note" in q.get_text()] == [
        "🎤 Presenter's note: "] * sum(map(student_edition.is_notes, read(path).cells))


def test_every_instructor_page_says_it_is_the_instructor_edition(instructor_site):
    for name in PAGES + ["index.html"]:
        page = soup(instructor_site, name)
        banner = page.select("body .course-edition-banner")
        assert len(banner) == 1, name
        assert banner[0].get_text(strip=True).startswith("Instructor edition: contains the solutions")
        assert "(instructor edition)" in page.select_one("title").get_text(), name
    assert sorted(p.name for p in instructor_site.iterdir()) == sorted(
        PAGES + ["index.html", *student_edition.LINKED_FOLDERS])


# --- learning objectives are read robustly, and their absence stops the build -----------------

def notebook_with(*markdown: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown])


@pytest.mark.parametrize("markdown", [
    ["# T\n\n**Learning objectives**\n\n- one $x$;\n- two, which is long\n  and wraps.\n\nMore."],
    ["# T\n\n**Learning objectives.** After this notebook you can\n\n* one $x$;\n"
     "* two, which is long\n  and wraps."],
    ["# T", "## Learning objectives\n\n1. one $x$;\n2. two, which is long\n   and wraps.\n"],
    ["# T\n\nIntro.\n\n### Learning Objectives", "- one $x$;\n- two, which is long\n  and wraps."],
])
def test_objectives_are_read_from_the_list_after_the_line(markdown):
    assert build_html.objectives_of(notebook_with(*markdown), Path("x.ipynb")) == [
        "one $x$;", "two, which is long and wraps."]


@pytest.mark.parametrize("markdown, message", [
    (["# T\n\nNo objectives here.\n\n- a list"], "no learning objectives"),
    (["# T\n\n**Learning objectives**\n\nWe will learn a lot.\n\nReally.\n\n- late"],
     "not followed by a list"),
])
def test_a_notebook_without_objectives_stops_the_build(markdown, message):
    with pytest.raises(ValueError, match=f"07_new.ipynb: .*{message}"):
        build_html.objectives_of(notebook_with(*markdown), Path("07_new.ipynb"))


def test_every_real_notebook_states_its_objectives():
    for path in NOTEBOOKS:
        objectives = build_html.objectives_of(read(path), path)
        assert len(objectives) >= 2, path.name


def test_links_to_notebooks_without_a_page_stop_the_build():
    pages = {"01_a.html", "index.html"}
    html = '<a href="01_a.ipynb#x">a</a> <a href="00_contents.md">c</a> <a href="https://x/y.md">'
    assert build_html.rewrite_links(html, pages) == (
        '<a href="01_a.html#x">a</a> <a href="index.html">c</a> <a href="https://x/y.md">')
    with pytest.raises(ValueError, match="09_gone.ipynb"):
        build_html.rewrite_links('<a href="09_gone.ipynb">', pages)


# --- every page in a browser, offline ---------------------------------------------------

#: TeX left as text: $...$ or $$...$$ that MathJax did not turn into maths.
RAW_TEX = re.compile(r"\$[^$\s][^$]*\$")

_TYPESET = """() => window.MathJax && MathJax.Hub && MathJax.Hub.queue
    && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0
    && document.querySelectorAll('.MathJax_Preview:not(:empty)').length === 0
    && document.querySelectorAll('.MathJax_CHTML').length
       === document.querySelectorAll('script[type^="math/tex"]').length"""

#: Per page: maths typeset, markdown text, and for each stored widget view whether it rendered.
_INSPECT = """() => ({
    math: document.querySelectorAll('.MathJax_CHTML').length,
    markdown: [...document.querySelectorAll('.jp-RenderedMarkdown, .course-index')].map(e => {
        const copy = e.cloneNode(true);
        copy.querySelectorAll('code, pre, script, .MathJax_CHTML, .MathJax_Preview')
            .forEach(c => c.remove());
        return copy.textContent;
    }).join('\\n'),
    widgets: [...document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]')].map(
        s => s.parentElement.querySelector('.widget-subarea > .lm-Widget') !== null),
    text: document.body.innerText,
})"""


#: How long a page may take to typeset its maths and draw its widgets (a busy CI machine).
TIMEOUT_MS = 120_000


def test_every_page_loads_offline_typesets_maths_and_renders_widgets(site):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    names = PAGES + ["index.html"]
    public = {build_html.page_name(p): student_edition.student_notebook(read(p)) for p in NOTEBOOKS}
    stored_views = {name: sum(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in notebook.cells for output in cell.get("outputs", []))
        for name, notebook in public.items()}
    has_tex = {name: any(RAW_TEX.search(c.source) for c in notebook.cells
                         if c.cell_type == "markdown") for name, notebook in public.items()}
    has_tex["index.html"] = any(RAW_TEX.search(o) for p in NOTEBOOKS
                                for o in build_html.objectives_of(read(p), p))
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        opened = {}
        for name in names:            # load all pages at once: MathJax is the slow part
            page, log = offline_page(context)
            page.goto((site / name).as_uri(), wait_until="commit")
            opened[name] = page, log
        problems = {}
        for name, (page, log) in opened.items():
            page_problems = []
            try:
                page.wait_for_load_state("load")
                page.wait_for_function(_TYPESET, timeout=TIMEOUT_MS)
                page.wait_for_function(
                    "n => document.querySelectorAll('.widget-subarea > .lm-Widget').length >= n",
                    arg=stored_views.get(name, 0), timeout=TIMEOUT_MS)
            except PlaywrightTimeout:
                page_problems.append(f"MathJax or the widgets not done after {TIMEOUT_MS} ms")
            found = page.evaluate(_INSPECT)
            page_problems += [f"blocked: {url}" for url in log.blocked]
            page_problems += [f"failed: {failure}" for failure in log.failed]
            page_problems += [f"console error: {error}" for error in log.errors]
            raw = RAW_TEX.findall(found["markdown"])
            if raw:
                page_problems.append(f"{len(raw)} formulas left as raw TeX, such as {raw[:3]}")
            if found["math"] == 0 and has_tex[name]:
                page_problems.append("no formula typeset")
            if len(found["widgets"]) != stored_views.get(name, 0) or not all(found["widgets"]):
                page_problems.append(f"widget views rendered: {found['widgets']}, "
                                     f"stored: {stored_views.get(name, 0)}")
            if "Error displaying widget" in found["text"]:
                page_problems.append("a widget failed to display")
            if page_problems:
                problems[name] = page_problems
            page.close()
        context.close()
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(p) for name, p in problems.items())
