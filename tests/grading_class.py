"""A synthetic class for the grader's tests: one student per thing a submission can do.

:func:`write_class` writes, from the student edition of notebook 01, one submission for
each case the grader must survive (invalid JSON, another course's notebook, deleted
and reordered cells, an infinite loop, 100 MB of output, ``sys.exit()``, ``os._exit``,
writes outside its folder, an answer cell that raises, memory, a tampered check) and
enough students making 01's diagnosed mistakes that every one of them is made by
somebody.  It returns what the grader should find for each student.

:func:`small_course` writes a short course notebook made of 01's exercises only (its
answer and check cells, same ids, and the imports they need), so that the class can
be graded in seconds; tests/test_grading.py grades the real 01 as well.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nblib.exercises import nb01

ROOT = Path(__file__).resolve().parent.parent
COURSE_01 = ROOT / "notebooks" / "01_neuron.ipynb"
SOLUTION, CHECK = "solution", "check"
#: 01's exercises, in order: the function each answer defines, and its nblib exercise.
EXERCISES = (("neuron_output", "exercise_1", "x, w, b"),
             ("predict_class", "exercise_2", "x, w, b"),
             ("bias_through", "exercise_3", "point, w"))
KEYS = [f"01 {exercise}" for _, exercise, _ in EXERCISES]


@dataclass
class Expected:
    """What the grader should report for one student."""

    marks: list[str] | None              # ✓ ✗ ○ or "" per exercise; None: not graded
    mistakes: list[str | None] = field(default_factory=lambda: [None] * 3)   # mistake ids
    problem: str = ""                    # a phrase of the reason it is not graded
    notes: list[str] = field(default_factory=list)   # phrases of its notes


def small_course(folder: Path) -> Path:
    """Write ``folder/01_neuron.ipynb``: 01's answer and check cells, and their imports."""
    course = nbformat.read(COURSE_01, as_version=4)
    cells = [new_markdown_cell("# 01's exercises, for the grader's tests"),
             new_code_cell("import numpy as np\n\nfrom nblib import activations\n"
                           "from nblib.exercises import nb01")]
    cells += [cell for cell in course.cells
              if {SOLUTION, CHECK} & set(cell.metadata.get("tags", []))]
    notebook = new_notebook(cells=cells, metadata=course.metadata)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "01_neuron.ipynb")
    return folder / "01_neuron.ipynb"


def _answers(notebook) -> list:
    return [cell for cell in notebook.cells if SOLUTION in cell.metadata.get("tags", [])]


def _function(index: int, body: str, prefix: str = "") -> str:
    name, _, args = EXERCISES[index]
    return f"{prefix}def {name}({args}):\n" + "".join(f"    {line}\n" for line in
                                                       body.strip().splitlines())


#: 01's answers, written as a student would.
RIGHT = [_function(0, "return activations.sigmoid(w @ x + b)"),
         _function(1, "return 1 if w @ x + b >= 0 else 0"),
         _function(2, "return -(w @ point)")]


def _mistaken(index: int, number: int) -> str:
    """An answer making the ``number``-th diagnosed mistake of exercise ``index``."""
    name, exercise, args = EXERCISES[index]
    return ("from nblib.exercises import nb01 as _nb01\n\n\n"
            + _function(index, f"return _nb01.{exercise}.mistakes[{number}].function({args})"))


def _with_answers(student_edition, answers: dict[int, str]):
    notebook = copy.deepcopy(student_edition)
    cells = _answers(notebook)
    for index, source in answers.items():
        cells[index].source = source
    return notebook


def write_class(folder: Path, student_edition_path: Path) -> dict[str, Expected]:
    """Write the synthetic class into ``folder``; return what the grader should find."""
    folder.mkdir(parents=True, exist_ok=True)
    edition = nbformat.read(student_edition_path, as_version=4)
    expected: dict[str, Expected] = {}

    def hand_in(student: str, notebook, expect: Expected, layout: str = "folder"):
        path = (folder / student / "01_neuron.ipynb" if layout == "folder"
                else folder / f"{student}.ipynb")
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)
        expected[student] = expect

    hand_in("right", _with_answers(edition, dict(enumerate(RIGHT))), Expected(["✓"] * 3),
            layout="file")
    hand_in("untouched", edition, Expected(["○"] * 3))

    # every diagnosed mistake of 01, made by somebody
    counts = [len(getattr(nb01, exercise).mistakes) for _, exercise, _ in EXERCISES]
    for number in range(max(counts)):
        answers, marks, ids = {}, [], []
        for index, (_, exercise, _) in enumerate(EXERCISES):
            if number < counts[index]:
                answers[index] = _mistaken(index, number)
                marks.append("✗")
                ids.append(getattr(nb01, exercise).mistakes[number].key)
            else:
                answers[index] = RIGHT[index]
                marks.append("✓")
                ids.append(None)
        hand_in(f"mistakes_{number}", _with_answers(edition, answers), Expected(marks, ids))

    hand_in("undiagnosed", _with_answers(edition, {
        0: _function(0, "return 0.5"), 1: RIGHT[1], 2: RIGHT[2]}),
        Expected(["✗", "✓", "✓"]))    # a wrong answer no typical mistake explains

    (folder / "invalid_json.ipynb").write_text('{"cells": [{"cell_type": "code", ')
    expected["invalid_json"] = Expected(None, problem="invalid JSON")

    other = new_notebook(cells=[new_markdown_cell("# Week 3: pandas"),
                                new_code_cell("import pandas as pd\ndf = pd.DataFrame()")])
    other.cells[1].metadata["tags"] = [SOLUTION]
    hand_in("other_course", other, Expected(None, problem="none of its cells"))

    shuffled = _with_answers(edition, dict(enumerate(RIGHT)))
    answer_ids = {cell.id for cell in _answers(shuffled)}
    shuffled.cells = [cell for number, cell in enumerate(shuffled.cells[::-1])   # reversed,
                      if cell.id in answer_ids or number % 2]                    # half deleted
    hand_in("reordered", shuffled, Expected(["✓"] * 3))

    deleted = _with_answers(edition, {0: RIGHT[0], 2: RIGHT[2]})
    deleted.cells.remove(_answers(deleted)[1])
    hand_in("deleted_answer", deleted, Expected(["✓", "○", "✓"],
                                                notes=["01 exercise_2: answer cell not found"]))

    copied = _with_answers(edition, dict(enumerate(RIGHT)))
    for cell in _answers(copied):       # pasted into new cells: new ids, same tag
        cell.id = "pasted-" + cell.id
    hand_in("new_cell_ids", copied, Expected(["✓"] * 3))

    hand_in("infinite_loop", _with_answers(edition, {
        0: RIGHT[0], 1: _function(1, "while True:\n    pass"), 2: RIGHT[2]}),
        Expected(["✓", "✗", "✓"], [None, "time-limit", None],
                 notes=["ran past the time limit", "graded again without that answer"]))

    hand_in("flood", _with_answers(edition, {
        0: 'for _ in range(100):\n    print("x" * 1_000_000)\n\n' + RIGHT[0],
        1: RIGHT[1], 2: RIGHT[2]}),
        Expected(["✓"] * 3, notes=["output passed the grader's limit"]))

    hand_in("sys_exit", _with_answers(edition, {
        0: "import sys\n\nsys.exit()\n" + RIGHT[0], 1: RIGHT[1], 2: RIGHT[2]}),
        Expected(["✗", "✓", "✓"], ["answer-cell-raised-SystemExit", None, None]))

    hand_in("os_exit", _with_answers(edition, {
        0: RIGHT[0], 1: "import os\n\nos._exit(1)\n" + RIGHT[1], 2: RIGHT[2]}),
        Expected(["✓", "✗", "✓"], [None, "kernel-died", None],
                 notes=["stopped the kernel", "graded again without that answer"]))

    outside = folder.parent / "written_by_a_submission.txt"
    hand_in("writes_outside", _with_answers(edition, {
        0: f"open({str(outside)!r}, 'w').write('pwned')\n" + RIGHT[0],
        1: "import os\n\nos.remove(os.path.expanduser('~/../../not-mine'))\n" + RIGHT[1],
        2: RIGHT[2]}),
        Expected(["✗", "✗", "✓"], ["answer-cell-raised-PermissionError"] * 2 + [None],
                 notes=["(refused)", str(outside)]))

    hand_in("raises", _with_answers(edition, {
        0: RIGHT[0], 1: RIGHT[1], 2: 'raise ValueError("I give up")\n' + RIGHT[2]}),
        Expected(["✓", "✓", "✗"], [None, None, "answer-cell-raised-ValueError"]))

    # 3 GiB: fine without a limit (calloc'd pages are not touched), refused under the test's 2
    hand_in("memory", _with_answers(edition, {
        0: "hoard = bytearray(3 * 2**30)\n" + RIGHT[0], 1: RIGHT[1], 2: RIGHT[2]}),
        Expected(["✗", "✓", "✓"], ["answer-cell-raised-MemoryError", None, None]))

    # wrong answers, a check cell rewritten to praise them, and a forged record displayed
    forged = {"application/vnd.nblib.check+json": {
        "exercise": "Exercise 1", "verdict": "pass", "message": "✓", "mistake": None}}
    tampered = _with_answers(edition, {
        0: _mistaken(0, 1) + f"\nfrom IPython.display import display\n\n"
                             f"display({json.dumps(forged)}, raw=True)\n",
        1: RIGHT[1], 2: RIGHT[2]})
    for cell in tampered.cells:
        if CHECK in cell.metadata.get("tags", []):
            cell.source = 'print("✓ Correct!")'
    hand_in("tampered_check", tampered, Expected(["✗", "✓", "✓"],
                                                 [nb01.exercise_1.mistakes[1].key, None, None]))
    return expected
