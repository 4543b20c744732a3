"""tools/add_navigation.py: the generated navigation is up to date, and the tool does what it says."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("add_navigation",
                                                  ROOT / "tools" / "add_navigation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nav = load_tool()
PATHS = [Path("01_neuron.ipynb"), Path("02_gradients.ipynb"), Path("03_log_loss.ipynb")]
TITLES = ["A single neuron", "Gradients", "Log loss"]
FOOTER = "\n\n<!-- Written by tools/add_navigation.py: do not edit by hand. -->"


def notebook(title="A single neuron", summary="One neuron, by hand.", extra_cells=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"Intro\n\n# {title}\n\nText"),
                nbformat.v4.new_code_cell("x = 1"), *extra_cells]
    if summary is not None:
        nb.metadata["course"] = {"summary": summary}
    return nb


def nav_cells(nb):
    return [c for c in nb.cells if nav.NAV_TAG in c.metadata.get("tags", [])]


# --- the repository's navigation is up to date ------------------------------------------------------


def test_navigation_is_up_to_date(capsys):
    status = nav.main(check=True)
    out = capsys.readouterr().out
    assert status == 0, f"run `make navigation` (python tools/add_navigation.py):\n{out}"
    assert out == ""


# --- navigation_markdown ------------------------------------------------------------------------------


def test_first_notebook_links_contents_and_next():
    assert nav.navigation_markdown(PATHS, 0, TITLES) == (
        "---\n[Contents](00_contents.md) · [Gradients →](02_gradients.ipynb)" + FOOTER)


def test_middle_notebook_links_both_ways():
    assert nav.navigation_markdown(PATHS, 1, TITLES) == (
        "---\n[← A single neuron](01_neuron.ipynb) · [Contents](00_contents.md) · "
        "[Log loss →](03_log_loss.ipynb)" + FOOTER)


def test_last_notebook_links_previous_and_contents():
    assert nav.navigation_markdown(PATHS, 2, TITLES) == (
        "---\n[← Gradients](02_gradients.ipynb) · [Contents](00_contents.md)" + FOOTER)


def test_a_single_notebook_links_only_the_contents():
    assert nav.navigation_markdown(PATHS[:1], 0, TITLES[:1]) == (
        "---\n[Contents](00_contents.md)" + FOOTER)


# --- with_navigation ---------------------------------------------------------------------------------


def test_with_navigation_appends_a_tagged_slide_cell():
    nb = notebook()
    assert nav.with_navigation(nb, "NAV") is True
    assert len(nb.cells) == 3
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source == "NAV"
    assert last.metadata["tags"] == ["navigation"]
    assert last.metadata["slideshow"] == {"slide_type": "slide"}
    nbformat.validate(nb)


def test_with_navigation_is_idempotent():
    nb = notebook()
    nav.with_navigation(nb, "NAV")
    before = nbformat.writes(nb)
    assert nav.with_navigation(nb, "NAV") is False
    assert nbformat.writes(nb) == before


def test_with_navigation_replaces_an_old_cell_keeping_its_id():
    nb = notebook()
    nav.with_navigation(nb, "OLD")
    old_id = nb.cells[-1].id
    assert nav.with_navigation(nb, "NEW") is True
    assert [c.source for c in nav_cells(nb)] == ["NEW"]
    assert nb.cells[-1].id == old_id
    assert len(nb.cells) == 3


def test_with_navigation_moves_a_misplaced_cell_to_the_end():
    nb = notebook()
    nav.with_navigation(nb, "NAV")
    nb.cells.append(nbformat.v4.new_code_cell("y = 2"))     # added after the navigation
    assert nav.with_navigation(nb, "NAV") is True
    assert nb.cells[-1].source == "NAV"
    assert [c.source for c in nb.cells[:-1]] == [nb.cells[0].source, "x = 1", "y = 2"]


def test_with_navigation_merges_duplicate_cells():
    nb = notebook()
    nav.with_navigation(nb, "NAV")
    duplicate = nav.navigation_cell("NAV")
    nb.cells.insert(0, duplicate)
    assert nav.with_navigation(nb, "NAV") is True
    assert len(nav_cells(nb)) == 1 and nb.cells[-1].source == "NAV"


# --- titles, summaries, listings ----------------------------------------------------------------------


def test_title_and_summary():
    nb = notebook(title="Gradients")
    assert nav.title_of(nb) == "Gradients"
    assert nav.summary_of(nb, Path("02_gradients.ipynb")) == "One neuron, by hand."


def test_missing_title_or_summary_says_what_to_add():
    nb = notebook(summary=None)
    with pytest.raises(ValueError, match="02_x.ipynb: set metadata course.summary"):
        nav.summary_of(nb, Path("02_x.ipynb"))
    nb.cells = [nbformat.v4.new_markdown_cell("## only a subheading")]
    with pytest.raises(ValueError, match="notebook has no '# ' title"):
        nav.title_of(nb)


def test_listing():
    assert nav.listing(PATHS[:2], TITLES[:2], ["one", "two"], prefix="notebooks/") == (
        "1. [A single neuron](notebooks/01_neuron.ipynb) — one\n"
        "2. [Gradients](notebooks/02_gradients.ipynb) — two")


def test_contents_page_lists_every_notebook_and_needs_no_kernel():
    page = nav.contents_page(PATHS, TITLES, ["a", "b", "c"])
    assert page.startswith("# Neural networks from scratch: contents")
    assert "3. [Log loss](03_log_loss.ipynb) — c" in page
    assert nav.CONTENTS.suffix == ".md"     # a Markdown page: opening it starts no kernel


def test_generated_note_is_hidden_from_students():
    """The 'do not edit' note is an HTML comment: authors see it, rendered pages do not."""
    assert nav.GENERATED.startswith("<!--") and nav.GENERATED.endswith("-->")
    assert nav.navigation_markdown(PATHS, 0, TITLES).endswith(nav.GENERATED)
    assert nav.contents_page(PATHS, TITLES, ["a", "b", "c"]).rstrip().endswith(nav.GENERATED)


def test_jupyterlab_settings_open_markdown_rendered_and_stay_offline():
    overrides = json.loads((ROOT / "jupyter-config" / "labconfig" /
                            "default_setting_overrides.json").read_text(encoding="utf-8"))
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Markdown Preview"}
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"checkForUpdates": False, "fetchNews": "false"}
    assert "jupyter-config" in (ROOT / "Makefile").read_text(encoding="utf-8")


# --- main, on a temporary course ---------------------------------------------------------------------


@pytest.fixture
def course(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for path, title in zip(PATHS, TITLES):
        nbformat.write(notebook(title=title, summary=f"About {title.lower()}."), notebooks / path)
    readme = tmp_path / "README.md"
    readme.write_text("# Course\n\n<!-- notebooks -->\nold list\n<!-- /notebooks -->\n\nEnd\n")
    monkeypatch.setattr(nav, "ROOT", tmp_path)
    monkeypatch.setattr(nav, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(nav, "CONTENTS", notebooks / "00_contents.md")
    monkeypatch.setattr(nav, "README", readme)
    return tmp_path


def test_main_writes_then_check_passes(course, capsys):
    assert nav.main(check=True) == 1
    out = capsys.readouterr().out
    assert "out of date: notebooks/01_neuron.ipynb" in out
    assert "out of date: notebooks/00_contents.md" in out
    assert "out of date: README.md" in out
    assert not (course / "notebooks" / "00_contents.md").exists()   # --check writes nothing

    assert nav.main(check=False) == 0
    assert "updated: README.md" in capsys.readouterr().out
    assert nav.main(check=True) == 0
    assert capsys.readouterr().out == ""

    readme = (course / "README.md").read_text()
    assert "<!-- notebooks -->\n1. [A single neuron](notebooks/01_neuron.ipynb) — About a single " \
           "neuron.\n" in readme
    assert readme.endswith("<!-- /notebooks -->\n\nEnd\n")
    second = nbformat.read(course / "notebooks" / "02_gradients.ipynb", as_version=4)
    assert second.cells[-1].source == nav.navigation_markdown(PATHS, 1, TITLES)
    assert nav.course_notebooks() == [course / "notebooks" / p for p in PATHS]


def test_main_notices_a_hand_edited_navigation_cell(course, capsys):
    nav.main(check=False)
    path = course / "notebooks" / "03_log_loss.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[-1].source += " edited"
    nbformat.write(nb, path)
    capsys.readouterr()
    assert nav.main(check=True) == 1
    assert capsys.readouterr().out == "out of date: notebooks/03_log_loss.ipynb\n"


def test_main_needs_the_readme_markers(course):
    (course / "README.md").write_text("# Course without a list\n")
    with pytest.raises(SystemExit, match="README.md needs the markers"):
        nav.main(check=True)


def test_the_real_readme_has_the_markers():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(nav.START) == 1 and readme.count(nav.END) == 1
    assert readme.index(nav.START) < readme.index(nav.END)
