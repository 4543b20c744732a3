"""Write the course as a static HTML site that works with no internet.

    python tools/build_html.py [OUT_DIR]                 public site, default build/html
    python tools/build_html.py --instructor [OUT_DIR]    default build/html-instructor

The public site (`make html`) is built from the student edition (tools/student_edition.py,
in memory): exercises show their stubs, with no solution, no check verdict and no
presenter's notes.  The instructor site (`make html-instructor`) shows the notebooks as
they are, solutions and presenter's notes included, and says so in a banner at the top
of every page.  Both have:

- one page per numbered notebook (``notebooks/[0-9]*.ipynb``: a new notebook is picked up
  automatically) with its stored outputs: figures, graphs, and widgets drawn from the
  widget state saved in the notebook;
- ``index.html``: the notebooks in course order, each with its title, its one-line summary
  (notebook metadata ``course.summary``) and its learning objectives (the list under the
  "Learning objectives" line of the notebook's introduction; a notebook without one stops
  the build);
- previous · contents · next links at the top and bottom of every page.  The notebooks'
  own links (``02_gradients.ipynb``, ``00_contents.md``) point at the pages instead.

Pages are nbconvert's HTMLExporter output (lab template, extended by
``tools/templates/course_html/``).  MathJax, RequireJS and the widget renderer are loaded
from ``OUT_DIR/../vendor`` (tools/vendor_js.py; build/vendor for the default) through
relative URLs, so the whole build/ folder can be copied anywhere and opened from disk.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vendor_js  # noqa: E402
from add_navigation import NAV_TAG, summary_of, title_of  # noqa: E402
from student_edition import copy_linked_folders, student_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
HTML = ROOT / "build" / "html"
HTML_INSTRUCTOR = ROOT / "build" / "html-instructor"
#: At the top of every page of the instructor site.
INSTRUCTOR_BANNER = ("Instructor edition: contains the solutions and the presenter's notes. "
                     "Publish the student site instead (`python tools/build_html.py`, "
                     "`make html`).")
COURSE_NAME = "Neural networks from scratch"
INDEX = "index.html"
#: The notebooks' own contents page; on the site, index.html takes its place.
CONTENTS_MD = "00_contents.md"
INTRODUCTION = ("Each notebook builds one idea in numpy and ends with exercises. Work through "
                "them in order. These pages show every notebook with the outputs it stores; "
                "to run the code and do the exercises, open the notebooks in JupyterLab.")
FOOTER = ("Built from the course's notebooks by `tools/build_html.py`. "
          "Run them yourself in JupyterLab: see the README.")


def course_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The numbered notebooks, in course order."""
    return sorted(folder.glob("[0-9]*.ipynb"))


def page_name(notebook: Path | str) -> str:
    return Path(notebook).stem + ".html"


# --- learning objectives ---------------------------------------------------------------

#: The line that introduces the objectives: "**Learning objectives**", "**Learning
#: objectives.** After this notebook you can", "## Learning objectives", ...
OBJECTIVES_LINE = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*learning objectives\b", re.I)
LIST_ITEM = re.compile(r"^(\s{0,3})(?:[-*+]|\d+[.)])\s+(.*)$")


def objectives_of(notebook, path: Path) -> list[str]:
    """The learning objectives of a notebook, one Markdown string per list item.

    They are the bulleted (or numbered) list after the first "Learning objectives" line of
    a Markdown cell; the list may also start the next Markdown cell.  Continuation lines
    are joined to their item.  Raises ValueError, naming the notebook, when there is none.
    """
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    for index, source in enumerate(markdown):
        lines = source.splitlines()
        for number, line in enumerate(lines):
            if OBJECTIVES_LINE.match(line):
                items = list_items(lines[number + 1:])
                if not items and index + 1 < len(markdown):
                    items = list_items(markdown[index + 1].splitlines())
                if items:
                    return items
                raise ValueError(f"{path.name}: the 'Learning objectives' line is not followed "
                                 "by a list (write one '- objective' line per objective)")
    raise ValueError(f"{path.name}: no learning objectives found; the site's index lists them. "
                     "Write a line '**Learning objectives**' followed by a '- ...' list in the "
                     "notebook's first Markdown cell")


def list_items(lines: list[str]) -> list[str]:
    """The Markdown list at the start of ``lines``: blank lines and one introducing line
    ("After this notebook you can") may come before it.  [] when no list follows."""
    items: list[str] = []
    introduced = False
    for line in lines:
        match = LIST_ITEM.match(line)
        if match:
            items.append(match.group(2).strip())
        elif not line.strip():
            continue
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()          # a continuation line of the item
        elif items or introduced or line.lstrip().startswith("#"):
            break                                    # the list ended, or none follows
        else:
            introduced = True
    return items


# --- pages -------------------------------------------------------------------------------


@dataclass
class Notebook:
    path: Path
    node: nbformat.NotebookNode
    title: str
    summary: str
    objectives: list[str]

    @property
    def href(self) -> str:
        return page_name(self.path)


def read_notebooks(paths: list[Path], instructor: bool = False) -> list[Notebook]:
    """The notebooks as the site shows them: the student edition unless ``instructor``."""
    if not paths:
        raise SystemExit(f"no notebooks found in {NOTEBOOKS}")
    notebooks = []
    for path in paths:
        node = nbformat.read(path, as_version=4)
        if not instructor:
            node = student_notebook(node, path.name)
        notebooks.append(Notebook(path, node, title_of(node), summary_of(node, path),
                                  objectives_of(node, path)))
    return notebooks


def exporter(vendor: str = "../vendor") -> HTMLExporter:
    """nbconvert's HTML exporter with the course template and local JavaScript."""
    config = Config()
    config.HTMLExporter.update(
        extra_template_basedirs=[str(ROOT / "tools" / "templates")],
        template_name="course_html",
        require_js_url=f"{vendor}/requirejs/require.js",
        jquery_url=f"{vendor}/jquery/dist/jquery.min.js",
        mathjax_url=f"{vendor}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        widget_renderer_url=f"{vendor}/html-manager/dist/embed-amd.js",
        jupyter_widgets_base_url=f"{vendor}/",
    )
    # The notebook's own navigation cell (tools/add_navigation.py) is replaced by the page's.
    config.TagRemovePreprocessor.update(enabled=True, remove_cell_tags={NAV_TAG})
    return HTMLExporter(config=config)


#: href="..." attributes that point at another notebook or the contents page, relative.
_LOCAL_HREF = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|#|/)([^"#?]*?)([^"#?/]+)\.(ipynb|md)'
                         r'((?:#[^"]*)?)"', re.I)


def rewrite_links(html: str, pages: set[str]) -> str:
    """Point links to notebooks (``02_gradients.ipynb``) and to ``00_contents.md`` at the pages."""
    def replace(match: re.Match) -> str:
        folder, stem, suffix, anchor = match.groups()
        if folder not in ("", "./", "../notebooks/"):
            return match.group(0)
        if f"{stem}.{suffix}" == CONTENTS_MD:
            return f'href="{INDEX}{anchor}"'
        if suffix == "ipynb" and page_name(stem) in pages:
            return f'href="{page_name(stem)}{anchor}"'
        raise ValueError(f"a link to {match.group(0)[6:-1]} has no page on the site")
    return _LOCAL_HREF.sub(replace, html)


def link(notebook: Notebook | None) -> dict | None:
    return None if notebook is None else {"href": notebook.href, "title": notebook.title}


def page_resources(name: str, instructor: bool = False, **course) -> dict:
    return {"metadata": {"name": name},
            "course": {"name": COURSE_NAME, "contents": INDEX, "footer": FOOTER,
                       "banner": INSTRUCTOR_BANNER if instructor else None, **course}}


def build(out: Path | None = None, paths: list[Path] | None = None,
          instructor: bool = False) -> list[Path]:
    """Write the site into ``out`` (the JavaScript goes to ``out/../vendor``); return its pages.

    The public site from the student edition (default ``build/html``), or with
    ``instructor`` the notebooks as they are (default ``build/html-instructor``).
    """
    out = out or (HTML_INSTRUCTOR if instructor else HTML)
    vendor_js.main(out.parent / "vendor")
    notebooks = read_notebooks(course_notebooks() if paths is None else paths, instructor)
    out.mkdir(parents=True, exist_ok=True)
    html_exporter = exporter()
    pages = {nb.href for nb in notebooks} | {INDEX}
    written = []

    edition = " (instructor edition)" if instructor else ""
    for i, nb in enumerate(notebooks):
        nb.node.metadata["title"] = f"{nb.title} · {COURSE_NAME}{edition}"
        resources = page_resources(nb.path.stem, instructor,
                                   previous=link(notebooks[i - 1] if i > 0 else None),
                                   next=link(notebooks[i + 1] if i + 1 < len(notebooks) else None))
        html, _ = html_exporter.from_notebook_node(nb.node, resources=resources)
        try:
            html = rewrite_links(html, pages)
        except ValueError as error:
            raise SystemExit(f"{nb.path.name}: {error}") from None
        written.append(out / nb.href)
        written[-1].write_text(html, encoding="utf-8")

    index = nbformat.v4.new_notebook(metadata={"title": COURSE_NAME + edition})
    entries = [{"stem": nb.path.stem, "href": nb.href, "title": nb.title,
                "summary": nb.summary, "objectives": nb.objectives} for nb in notebooks]
    resources = page_resources("index", instructor, index=entries, introduction=INTRODUCTION)
    html, _ = html_exporter.from_notebook_node(index, resources=resources)
    written.append(out / INDEX)
    written[-1].write_text(html, encoding="utf-8")
    copy_linked_folders(out)            # the workbooks 01 and 03 link to, beside the pages
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructor", action="store_true",
                        help="with the solutions and the presenter's notes, into "
                             "build/html-instructor (never publish it)")
    parser.add_argument("out", nargs="?", type=Path,
                        help="folder for the pages (default build/html, or "
                             "build/html-instructor with --instructor)")
    args = parser.parse_args(argv)
    return build(args.out.resolve() if args.out else None, instructor=args.instructor)


if __name__ == "__main__":
    try:
        written = main()
    except (vendor_js.NpmMissing, ValueError) as error:   # no npm; a notebook lacks objectives
        sys.exit(f"build_html: {error}")
    for page in written:
        print(page.relative_to(ROOT) if page.is_relative_to(ROOT) else page)
