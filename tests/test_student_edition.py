"""The two editions of the exercises: solutions in the repository, stubs in build/student.

The repository's notebooks are the instructor edition: every exercise is a
``solution``-tagged cell followed by a ``check``-tagged cell, and the stored
check output shows the solution passing.  tools/student_edition.py (`make
student`) replaces each solution by a stub; the student edition must then run
top to bottom with, at most, NotImplementedError from stubbed cells, and each
check must print its "not done yet" line rather than a traceback.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nblib.planted_bugs import name_the_bug

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))

sys.path.insert(0, str(ROOT / "tools"))
import student_edition  # noqa: E402

SOLUTION, CHECK = student_edition.SOLUTION_TAG, student_edition.CHECK_TAG


def is_notes(cell) -> bool:
    return cell.metadata.get("slideshow", {}).get("slide_type") == "notes"


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def text_of(outputs) -> str:
    return "".join(output.get("text", "") for output in outputs
                   if output.output_type == "stream")


# --- the instructor edition ---------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_is_a_solution_cell_then_a_check_cell_that_passes(path):
    cells = nbformat.read(path, as_version=4).cells
    solutions = [i for i, cell in enumerate(cells) if SOLUTION in tags(cell)]
    checks = [i for i, cell in enumerate(cells) if CHECK in tags(cell)]
    assert solutions, "no exercises (cells tagged 'solution')"
    assert checks == [i + 1 for i in solutions], (
        "each 'solution' cell must be followed directly by its 'check' cell")
    for i in solutions:
        assert student_edition.REGION.search(cells[i].source), (
            f"cell {i}: no # BEGIN SOLUTION ... # END SOLUTION region")
        verdict = text_of(cells[i + 1].outputs)
        assert verdict.startswith("✓ Correct!"), f"cell {i + 1}: the solution fails: {verdict!r}"


CHECK_CALL = re.compile(r"^(nb\d\d)\.(exercise_\d+|debug_fix)\.check\(", re.MULTILINE)
#: 06's debug exercise names the bug of the run of the notebook's SEED (section 10).
NAMING_CALL = re.compile(r"^run\.naming\.check\(", re.MULTILINE)
SEED_LINE = re.compile(r"^SEED = (\d+)", re.MULTILINE)


def printed_solution(cells, i) -> tuple[str, str]:
    """(the check call, the solution_code its exercise prints) for solution cell ``i``."""
    source = cells[i + 1].source
    if NAMING_CALL.search(source):
        (seed,) = [int(m.group(1)) for c in cells[:i] for m in SEED_LINE.finditer(c.source)]
        return "run.naming.check(", name_the_bug(seed).solution_code
    call = CHECK_CALL.search(source)
    assert call, f"cell {i + 1}: no nbNN.exercise_K.check(...) call"
    module = importlib.import_module(f"nblib.exercises.{call.group(1)}")
    return call.group(0), getattr(module, call.group(2)).solution_code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_solution_is_the_one_its_exercise_prints(path):
    """The notebook's answer and ``.solution()`` must not drift apart: every line between
    the markers is a line of the exercise's ``solution_code``."""
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if SOLUTION not in tags(cell):
            continue
        call, solution_code = printed_solution(cells, i)
        printed = {line.strip() for line in solution_code.splitlines()}
        for region in student_edition.REGION.finditer(cell.source):
            lines = region.group(0).splitlines()[1:-1]        # between the markers
            missing = [line.strip() for line in lines if line.strip() not in printed]
            assert not missing, f"cell {i}: not in {call}...solution(): {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_exercise_is_left_untagged(path):
    """A stub outside a solution cell would reach students with nothing to replace it."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code" and SOLUTION not in tags(cell):
            assert "# your code here" not in cell.source, f"cell {i}"
            assert "BEGIN SOLUTION" not in cell.source, f"cell {i} is not tagged 'solution'"


# --- the student edition ------------------------------------------------------------------

@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    before = {path: hashlib.sha256(path.read_bytes()).digest() for path in NOTEBOOKS}
    out = tmp_path_factory.mktemp("student")
    student_edition.write_student_edition(out)
    after = {path: hashlib.sha256(path.read_bytes()).digest() for path in NOTEBOOKS}
    assert before == after, "writing the student edition changed the instructor notebooks"
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_keeps_everything_but_the_solutions_and_the_notes(path, edition):
    cells = nbformat.read(path, as_version=4).cells
    notes = [cell.source for cell in cells if is_notes(cell)]
    assert notes, "no presenter's notes to leave out (cells typed 'notes')"
    instructor = [cell for cell in cells if not is_notes(cell)]
    student = nbformat.read(edition / path.name, as_version=4).cells
    assert len(student) == len(instructor)
    assert not [cell for cell in student if is_notes(cell)]
    text = "\n".join(cell.source for cell in student)
    assert "Presenter's note" not in text
    for note in notes:                      # nor any line of a note, moved elsewhere
        for line in note.splitlines():
            line = line.removeprefix(">").strip()
            assert len(line) < 20 or line not in text, f"a note's line is left: {line!r}"
    for i, (theirs, ours) in enumerate(zip(student, instructor)):
        if SOLUTION in tags(ours):
            assert "SOLUTION" not in theirs.source, f"cell {i}"
            assert "raise NotImplementedError" in theirs.source or "= ..." in theirs.source, (
                f"cell {i}: neither a stub nor a `...` placeholder is left")
            assert not theirs.outputs
        else:
            assert theirs.source == ours.source, f"cell {i}"
        if CHECK in tags(ours):
            assert not theirs.outputs, f"cell {i}: the instructor's verdict was kept"
        elif ours.cell_type == "code" and SOLUTION not in tags(ours):
            assert theirs.outputs == ours.outputs, f"cell {i}: outputs were changed"
    assert (edition / "00_contents.md").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_runs_and_every_check_says_not_done_yet(path, edition):
    notebook = nbformat.read(edition / path.name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(edition)}}).execute()
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        errors = [output for output in cell.outputs if output.output_type == "error"]
        for error in errors:
            assert SOLUTION in tags(cell) and error.ename == "NotImplementedError", (
                f"cell {i}: {error.ename}: {error.evalue}")
        if CHECK in tags(cell):
            said = text_of(cell.outputs)
            assert "not done yet" in said and not errors, f"cell {i}: {said!r}"
            assert "✓" not in said and "✗" not in said, f"cell {i}: {said!r}"
