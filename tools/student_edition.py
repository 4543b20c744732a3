"""Write the student edition: the notebooks with every exercise solution replaced by a stub
and without the presenter's notes.

    python tools/student_edition.py [OUT_DIR]        (default build/student; `make student`)

The repository's notebooks are the instructor edition: each exercise is a code
cell tagged ``solution`` whose answer sits between two marker lines, followed
by a cell tagged ``check`` that calls the exercise's check::

    def neuron_output(x, w, b):             x_new = ...        # in both editions
        # BEGIN SOLUTION                    # BEGIN SOLUTION
        return sigmoid(w @ x + b)           x_new = 3.0 - 0.1 * k_prime(3.0)
        # END SOLUTION                      # END SOLUTION

In the student edition a solution inside a function becomes ``# your code here``
and ``raise NotImplementedError`` (the check then says "not done yet").  A
solution at the top level of a cell is simply removed, leaving the ``x_new = ...``
placeholder written before it: a top-level ``raise`` would stop "Run All" in
the middle of a notebook.  Solution and check cells lose their outputs (they
showed the solution passing).  Cells typed ``notes`` in the slideshow metadata
(the presenter's notes: "Ask the room ...", "Live demo ...") are dropped.
Everything else is kept as it is.

tools/build_html.py builds the public HTML site from this edition
(:func:`student_notebook`, in memory).

A custom preprocessor of a few lines rather than nbgrader: nbgrader's
ClearSolutions needs its own metadata on every cell (or
``enforce_metadata=False``) and brings a database, server extensions and ~80 MB
that a course without grading does not need.
"""

import copy
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
#: The slide type of the presenter's notes (speaker notes in the decks).
NOTES = "notes"
#: Folders beside the notebooks that they link to (the spreadsheet companion of 01 and 03):
#: every edition (student, HTML site, slides) carries them, so the same relative links work.
LINKED_FOLDERS = ("spreadsheets",)
REGION = re.compile(r"^([ \t]*)# BEGIN SOLUTION\n.*?^[ \t]*# END SOLUTION\n?",
                    re.MULTILINE | re.DOTALL)


def stub(match: re.Match) -> str:
    """What a student sees in place of one solution region."""
    indent = match.group(1)
    if not indent:
        return ""
    return f"{indent}# your code here\n{indent}raise NotImplementedError\n"


class ClearSolutions(Preprocessor):
    """Replace the solution regions of ``solution``-tagged cells by stubs."""

    def preprocess_cell(self, cell, resources, index):
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            source, count = REGION.subn(stub, cell.source)
            if count == 0:
                raise ValueError(f"cell {index} is tagged {SOLUTION_TAG!r} but has no "
                                 "# BEGIN SOLUTION ... # END SOLUTION region")
            cell.source = source.rstrip("\n")
        if SOLUTION_TAG in tags or CHECK_TAG in tags:
            cell.outputs = []
            cell.execution_count = None
        return cell, resources


def is_notes(cell) -> bool:
    """True for a presenter's note: a cell typed ``notes`` in the slideshow metadata."""
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == NOTES


def student_notebook(notebook, name: str = "notebook"):
    """The student edition of one notebook (a copy; ``notebook`` is left as it is).

    Solutions become stubs, solution and check cells lose their outputs, and the
    presenter's notes are dropped.  ``name`` names the notebook in errors.
    """
    notebook = copy.deepcopy(notebook)
    try:
        notebook, _ = ClearSolutions().preprocess(notebook, {})   # cell numbers as stored
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
    notebook.cells = [cell for cell in notebook.cells if not is_notes(cell)]
    return notebook


def write_student_edition(out_dir: Path) -> list[Path]:
    """Write every course notebook as students get it, and the contents page, to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        notebook = student_notebook(nbformat.read(path, as_version=4), path.name)
        target = out_dir / path.name
        nbformat.write(notebook, target)
        written.append(target)
    shutil.copy(ROOT / "notebooks" / "00_contents.md", out_dir / "00_contents.md")
    copy_linked_folders(out_dir)
    return written


def copy_linked_folders(out_dir: Path) -> None:
    """Copy :data:`LINKED_FOLDERS` from notebooks/ into ``out_dir``, beside the edition."""
    for folder in LINKED_FOLDERS:
        if (ROOT / "notebooks" / folder).is_dir():
            shutil.copytree(ROOT / "notebooks" / folder, out_dir / folder, dirs_exist_ok=True)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "student"
    for target in write_student_edition(out):
        print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
