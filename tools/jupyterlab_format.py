"""Store notebooks exactly as JupyterLab 4 saves them, so opening and saving changes nothing.

    python tools/jupyterlab_format.py notebooks/*.ipynb           # rewrite in place
    python tools/jupyterlab_format.py --check notebooks/*.ipynb   # exit 1 listing the others

JupyterLab reads a notebook into JavaScript and writes back what it holds.  What
that changes was measured with JupyterLab 4.6 (tests/test_jupyterlab.py opens every
notebook in it), and each rule below undoes one difference:

* ``language_info`` is replaced by the running kernel's, which includes the Python
  ``version`` (so a machine with another Python still changes that one key).
* Every number makes a JavaScript round trip: ``5.0`` is written ``5`` (widget
  state, output metadata, JSON outputs, any metadata), ``-0.0`` is ``0``, integers
  beyond 2**53 lose their low digits, NaN and infinities become ``null``.
* Code cell metadata: on opening, ``collapsed`` (else ``jupyter.outputs_hidden``)
  sets both ``collapsed`` and ``jupyter.outputs_hidden``; running the cell shows its
  outputs, which deletes both (and an emptied ``jupyter``) when they were true.
  ``"scrolled": "auto"`` is dropped on opening.
* After Run All (live output, which is what we store): consecutive stream outputs of
  the same name are one output, and ``\\r`` and ``\\b`` are applied the way
  JupyterLab's output area applies them (a carriage return moves back to the start of
  the line, a new line is always appended at the end).
* nbformat 4.5 or later, with a cell id on every cell (JupyterLab adds missing ids).

The file itself is written as Jupyter Server writes it: ``nbformat.write`` (sorted
keys, one-space indent, multi-line strings split into lists, a final new line).
Widget state is kept as nbclient stores it: with JupyterLab's default settings
(``saveState`` off) the widget manager leaves it alone; only its numbers change.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import nbformat

#: Numbers JavaScript holds exactly as integers.
_MAX_SAFE_INTEGER = 2**53


def kernel_language_info() -> dict:
    """``language_info`` as ipykernel running this Python reports it in its kernel_info reply."""
    try:
        from ipykernel.ipkernel import IPythonKernel
        return copy.deepcopy(IPythonKernel.language_info)
    except ImportError:  # the same dict, written out (ipykernel 6 and 7)
        return {"name": "python", "version": sys.version.split()[0],
                "mimetype": "text/x-python",
                "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
                "pygments_lexer": "ipython3", "nbconvert_exporter": "python",
                "file_extension": ".py"}


def js_number(value):
    """``value`` after ``JSON.stringify(JSON.parse(...))`` in a browser, read back by Python."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            # JavaScript writes 5, not 5.0, and beyond 2**53 the shortest digits that
            # identify the double, then zeros: 2**60 is 1152921504606847000.
            return int(Decimal(repr(value)))
        return value
    if abs(value) > _MAX_SAFE_INTEGER:                  # a JavaScript number is a double
        return js_number(float(value))
    return value


def js_round_trip(node):
    """A copy of a JSON tree with every number as JavaScript writes it."""
    if isinstance(node, dict):
        return type(node)((key, js_round_trip(item)) for key, item in node.items())
    if isinstance(node, list):
        return [js_round_trip(item) for item in node]
    return js_number(node)


# --- stream outputs, as JupyterLab's OutputAreaModel builds them from live messages -----

def _process_text(index: int, new: str, text: str = "") -> tuple[str, int]:
    """Write ``new`` into ``text`` at cursor ``index``: JupyterLab's ``processText``."""
    if not any(c in new for c in "\b\r\n"):
        return text[:index] + new + text[index + len(new):], index + len(new)
    cursor, start = index, 0
    while True:
        ends = [i for i in (new.find(c, start) for c in "\n\b\r") if i >= 0]
        stop = min(ends) if ends else -1
        piece = new[start:] if stop == -1 else new[start:stop]
        text = text[:cursor] + piece + text[cursor + len(piece):]
        cursor += len(piece)
        if stop == -1:
            return text, cursor
        start = stop + 1
        char = new[stop]
        if char == "\b":
            if cursor > 0 and text[cursor - 1] != "\n":
                text = text[:cursor - 1] + text[cursor + 1:]
                cursor -= 1
        elif char == "\r":
            while cursor > 0 and text[cursor - 1] != "\n":
                cursor -= 1
        else:  # "\n" is appended at the end, wherever the cursor is
            text += "\n"
            cursor = len(text)


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def merge_streams(outputs: list) -> list:
    """One cell's outputs as JupyterLab shows and saves them after running it."""
    merged: list = []
    last_stream_name, index = "", 0
    for output in outputs:
        if output.get("output_type") != "stream":
            merged.append(output)
            last_stream_name = ""
            continue
        if output.get("name") == last_stream_name and merged:
            previous = merged[-1]
            previous["text"], index = _process_text(index, _text(output["text"]),
                                                    _text(previous["text"]))
            continue
        output = copy.copy(output)
        output["text"], index = _process_text(0, _text(output["text"]))
        merged.append(output)
        last_stream_name = output.get("name")
    return merged


def _run_cell_metadata(metadata) -> None:
    """A code cell's metadata after JupyterLab opened the notebook and ran the cell."""
    jupyter = metadata.get("jupyter", {})
    if "collapsed" in metadata or "outputs_hidden" in jupyter:
        # On opening, ``collapsed`` (else ``jupyter.outputs_hidden``) sets both keys;
        # running a cell shows its outputs, which deletes both when they were true.
        hidden = metadata.get("collapsed", jupyter.get("outputs_hidden"))
        if hidden:
            metadata.pop("collapsed", None)
            jupyter.pop("outputs_hidden", None)
            if not jupyter:
                metadata.pop("jupyter", None)
        else:
            metadata["collapsed"] = False
            metadata.setdefault("jupyter", {})["outputs_hidden"] = False
    if metadata.get("scrolled") == "auto":
        del metadata["scrolled"]


# --- the whole notebook -----------------------------------------------------------------

def normalise(notebook, language_info: dict | None = None):
    """Put ``notebook`` (a NotebookNode, changed in place and returned) in JupyterLab's form.

    ``language_info`` is what the kernel reported (nbclient stores it in the
    notebook's metadata); by default that of ipykernel in this Python.
    """
    notebook.nbformat = 4
    notebook.nbformat_minor = max(notebook.get("nbformat_minor", 0), 5)
    notebook.metadata["language_info"] = copy.deepcopy(language_info or kernel_language_info())
    for cell in notebook.cells:
        if not cell.get("id"):
            cell["id"] = uuid.uuid4().hex[:8]
        if cell.cell_type == "code":
            _run_cell_metadata(cell.metadata)
            cell.outputs = merge_streams(cell.outputs)
    normalised = nbformat.from_dict(js_round_trip(notebook))
    notebook.clear()
    notebook.update(normalised)
    return notebook


def stored_form(notebook) -> str:
    """The text Jupyter Server writes for ``notebook`` (``nbformat.write``)."""
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def normalised_text(path: Path, keep_version: bool = False) -> str:
    """``path``'s notebook, normalised, as it would be stored.

    With ``keep_version``, the Python version already in ``language_info`` is kept
    (the one difference another machine's JupyterLab may make).
    """
    notebook = nbformat.read(path, as_version=4)
    language_info = kernel_language_info()
    stored_version = notebook.metadata.get("language_info", {}).get("version")
    if keep_version and stored_version:
        language_info["version"] = stored_version
    return stored_form(normalise(notebook, language_info))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 listing the files not in this form "
                             "(the Python version in language_info may differ)")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    wrong = []
    for path in args.files:
        text = path.read_text(encoding="utf-8")
        wanted = normalised_text(path, keep_version=args.check)
        if text == wanted:
            continue
        wrong.append(path)
        if not args.check:
            with open(path, "w", encoding="utf-8", newline="\n") as file:
                file.write(wanted)
    if args.check and wrong:
        print("not stored as JupyterLab saves them (fix: python tools/jupyterlab_format.py "
              "FILES):", file=sys.stderr)
        for path in wrong:
            print(f"  {path}", file=sys.stderr)
        return 1
    for path in wrong:
        print(f"normalised {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
