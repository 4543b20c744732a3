"""Every notebook is stored as JupyterLab saves it (tools/jupyterlab_format.py).

Then opening a notebook and saving it without an edit changes nothing, apart from
``language_info.version`` on a machine with another Python, which is ignored here.
Fix with ``python tools/jupyterlab_format.py notebooks/*.ipynb`` (``make notebooks``
does it after running them).
"""

import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import jupyterlab_format  # noqa: E402  (tools/ is not a package)

NOTEBOOKS = sorted((REPO / "notebooks").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_as_jupyterlab_saves_it(path):
    stored = path.read_text(encoding="utf-8")
    wanted = jupyterlab_format.normalised_text(path, keep_version=True)
    assert stored == wanted, (
        f"{path.relative_to(REPO)} is not stored as JupyterLab saves it; "
        f"fix: python tools/jupyterlab_format.py {path.relative_to(REPO)}")


def test_notebooks_found():
    assert len(NOTEBOOKS) >= 6


# --- the rules, each as JupyterLab 4.6 applied it (measured in a browser) -------------

def test_numbers_as_javascript_writes_them():
    js = jupyterlab_format.js_round_trip
    assert js({"max": 5.0, "min": -5.0, "step": 0.1, "n": -0.0}) == {"max": 5, "min": -5,
                                                                       "step": 0.1, "n": 0}
    assert type(js(5.0)) is int and type(js(True)) is bool
    assert js(1e16) == 10**16 and js(1e21) == 1e21 and js(1e-7) == 1e-7
    assert js(2**60) == 1152921504606847000          # beyond 2**53, a double's digits
    assert js([float("nan"), float("inf")]) == [None, None]


def _stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_streams_merge_and_apply_carriage_returns_and_backspaces():
    # What JupyterLab saved after running these outputs as separate kernel messages.
    merge = jupyterlab_format.merge_streams
    progress = [_stream(f"\rprogress {p}%") for p in (0, 33, 66, 99)] + [_stream(" done\n")]
    assert [o.text for o in merge(progress)] == ["progress 99% done\n"]
    mixed = [_stream("line 0\n"), _stream("line 1\n"), _stream("warn\n", "stderr"),
             _stream("after\n")]
    assert [(o.name, o.text) for o in merge(mixed)] == [
        ("stdout", "line 0\nline 1\n"), ("stderr", "warn\n"), ("stdout", "after\n")]
    edits = [_stream("abc"), _stream("\b\bX\n"), _stream("one\rtwo\r\nthree\n"),
             _stream("partial\r"), _stream("P\n")]
    assert [o.text for o in merge(edits)] == ["aX\ntwo\nthree\nPartial\n"]


def test_collapsed_outputs_after_run_all():
    def after(metadata):
        cell = nbformat.v4.new_code_cell("1", metadata=metadata)
        notebook = nbformat.v4.new_notebook(cells=[cell])
        return jupyterlab_format.normalise(notebook).cells[0].metadata

    assert after({"collapsed": False}) == {"collapsed": False,
                                           "jupyter": {"outputs_hidden": False}}
    assert after({"collapsed": True, "jupyter": {"source_hidden": True}}) == {
        "jupyter": {"source_hidden": True}}
    assert after({"jupyter": {"outputs_hidden": True}}) == {}
    assert after({"collapsed": False, "jupyter": {"outputs_hidden": True}}) == {
        "collapsed": False, "jupyter": {"outputs_hidden": False}}
    assert after({"scrolled": "auto"}) == {}
    assert after({"scrolled": True}) == {"scrolled": True}


def test_normalising_twice_changes_nothing(tmp_path):
    for path in NOTEBOOKS:
        once = tmp_path / path.name
        once.write_text(jupyterlab_format.normalised_text(path), encoding="utf-8")
        assert jupyterlab_format.normalised_text(once) == once.read_text(encoding="utf-8")


def test_language_info_is_the_kernels():
    notebook = jupyterlab_format.normalise(nbformat.v4.new_notebook())
    info = notebook.metadata.language_info
    assert info.name == "python" and info.version == sys.version.split()[0]
    assert info.codemirror_mode == {"name": "ipython", "version": 3}
