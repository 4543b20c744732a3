"""Write the generated navigation: never edit these cells by hand.

- the last cell of every numbered notebook: previous · contents · next;
- notebooks/00_contents.md: the list of notebooks, a Markdown page (it needs no
  kernel; the course's JupyterLab settings open Markdown as a rendered preview);
- README.md: the same list, between the <!-- notebooks --> markers.

Titles come from each notebook's first "# " heading, one-line descriptions from
its metadata ``course.summary``.

    python tools/add_navigation.py          # rewrite what is out of date
    python tools/add_navigation.py --check  # list what is out of date, exit 1 if any
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CONTENTS = NOTEBOOKS / "00_contents.md"
README = ROOT / "README.md"
NAV_TAG = "navigation"
START, END = "<!-- notebooks -->", "<!-- /notebooks -->"
#: Kept out of what students read: an HTML comment does not render.
GENERATED = "<!-- Written by tools/add_navigation.py: do not edit by hand. -->"


def course_notebooks() -> list[Path]:
    """The numbered notebooks, in course order (00_contents excluded)."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if p != CONTENTS)


def title_of(notebook) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("notebook has no '# ' title")


def summary_of(notebook, path: Path) -> str:
    try:
        return notebook.metadata["course"]["summary"]
    except KeyError:
        raise ValueError(f"{path.name}: set metadata course.summary to a one-line description") \
            from None


def navigation_markdown(paths: list[Path], index: int, titles: list[str]) -> str:
    links = []
    if index > 0:
        links.append(f"[← {titles[index - 1]}]({paths[index - 1].name})")
    links.append(f"[Contents]({CONTENTS.name})")
    if index + 1 < len(paths):
        links.append(f"[{titles[index + 1]} →]({paths[index + 1].name})")
    return "---\n" + " · ".join(links) + "\n\n" + GENERATED


def navigation_cell(source: str):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = [NAV_TAG]
    cell.metadata["slideshow"] = {"slide_type": "slide"}
    return cell


def with_navigation(notebook, source: str) -> bool:
    """Put the navigation cell last (replacing an old one); True if anything changed."""
    old = [c for c in notebook.cells if NAV_TAG in c.metadata.get("tags", [])]
    if len(old) == 1 and notebook.cells[-1] is old[0] and old[0].source == source:
        return False
    notebook.cells = [c for c in notebook.cells if NAV_TAG not in c.metadata.get("tags", [])]
    cell = navigation_cell(source)
    if old:
        cell.id = old[0].id  # keep the id stable so re-runs give no diff
    notebook.cells.append(cell)
    return True


def listing(paths, titles, summaries, prefix="") -> str:
    return "\n".join(f"{i + 1}. [{title}]({prefix}{path.name}) — {summary}"
                     for i, (path, title, summary) in enumerate(zip(paths, titles, summaries)))


def contents_page(paths, titles, summaries) -> str:
    """The Markdown text of notebooks/00_contents.md."""
    return ("# Neural networks from scratch: contents\n\n"
            "Each notebook builds one idea in numpy and ends with exercises. "
            "Work through them in order; run every notebook top to bottom "
            "(*Run → Run All Cells*).\n\n" + listing(paths, titles, summaries)
            + "\n\n" + GENERATED + "\n")


def main(check: bool) -> int:
    paths = course_notebooks()
    notebooks = [nbformat.read(p, as_version=4) for p in paths]
    titles = [title_of(nb) for nb in notebooks]
    summaries = [summary_of(nb, p) for nb, p in zip(notebooks, paths)]
    stale = []

    for index, (path, notebook) in enumerate(zip(paths, notebooks)):
        if with_navigation(notebook, navigation_markdown(paths, index, titles)):
            stale.append(path)
            if not check:
                nbformat.write(notebook, path)

    contents = contents_page(paths, titles, summaries)
    if not CONTENTS.exists() or CONTENTS.read_text(encoding="utf-8") != contents:
        stale.append(CONTENTS)
        if not check:
            CONTENTS.write_text(contents, encoding="utf-8")

    readme = README.read_text(encoding="utf-8")
    block = f"{START}\n{listing(paths, titles, summaries, prefix='notebooks/')}\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SystemExit(f"README.md needs the markers {START} and {END}")
    new_readme = pattern.sub(lambda _: block, readme)
    if new_readme != readme:
        stale.append(README)
        if not check:
            README.write_text(new_readme, encoding="utf-8")

    for path in stale:
        print(f"{'out of date' if check else 'updated'}: {path.relative_to(ROOT)}")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
