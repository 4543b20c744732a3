"""Find the submissions in a folder, and build from each the notebook that is graded.

A class hands in student-edition notebooks in either layout::

    submissions/alice.ipynb               one file per student (named after the student)
    submissions/bob/01_neuron.ipynb       one folder per student (named after the student)
    submissions/bob/06_mnist.ipynb

The course's checks decide, not the student's copy of them: the graded notebook is
the course's (instructor) notebook with its outputs cleared, in which only the cells
tagged ``solution`` -- the answers -- are replaced by the student's.  A student's
answer cell is found by its cell id (nbformat 4.5 gives every cell one, and the
student edition keeps them), or else by its first line (``def neuron_output(x, w, b):``)
among the student's cells tagged ``solution``.  An answer cell the student deleted is
graded from the student edition's stub, so its check says "not done".  A notebook in
which no answer cell can be found is not graded at all, and the report says why.
Everything else -- check cells, set-up, prose -- comes from the course, whatever the
student did to it.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # tools/: student_edition
from student_edition import CHECK_TAG, SOLUTION_TAG, student_notebook  # noqa: E402

#: A check cell's call: ``nb01.exercise_1.check(...)``, ``run.naming.check(...)``.
CHECK_CALL = re.compile(r"^\s*((?:\w+\.)*?(\w+))\.check\(", re.MULTILINE)


@dataclass
class Exercise:
    """One exercise of a course notebook: its answer cells and the cell that checks them.

    Attributes
    ----------
    key : str
        The gradebook's column, e.g. ``"01 exercise_1"``.
    call : str
        What the check cell checks, e.g. ``"nb01.exercise_1"``.
    solution_ids : list of str
        The ids of the answer cells (tagged ``solution``) before the check cell.
    check_id : str
        The id of the check cell (tagged ``check``).
    """

    key: str
    call: str
    solution_ids: list[str]
    check_id: str


@dataclass
class CourseNotebook:
    """A course notebook as the grader uses it: the instructor's cells and its exercises."""

    name: str                               # e.g. "01_neuron"
    notebook: nbformat.NotebookNode         # the instructor edition
    stubs: dict[str, str]                   # answer cell id -> the student edition's source
    exercises: list[Exercise]

    @property
    def number(self) -> str:
        return self.name.split("_", 1)[0]


def exercises_of(name: str, notebook) -> list[Exercise]:
    """The exercises of a course notebook, in order: answer cells, then their check cell."""
    number = name.split("_", 1)[0]
    exercises, answers = [], []
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            answers.append(cell.id)
        elif CHECK_TAG in tags:
            match = CHECK_CALL.search(cell.source)
            if match is None:
                raise ValueError(f"{name}: check cell {cell.id} calls no .check(...)")
            exercises.append(Exercise(f"{number} {match.group(2)}", match.group(1), answers,
                                      cell.id))
            answers = []
    return exercises


def load_course(course_dir: Path) -> dict[str, CourseNotebook]:
    """Every numbered notebook of the course in ``course_dir``, by name (``"01_neuron"``)."""
    course = {}
    for path in sorted(Path(course_dir).glob("[0-9]*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        student = student_notebook(notebook, path.name)
        stubs = {cell.id: cell.source for cell in student.cells
                 if SOLUTION_TAG in cell.metadata.get("tags", [])}
        course[path.stem] = CourseNotebook(path.stem, notebook, stubs,
                                           exercises_of(path.stem, notebook))
    return course


@dataclass
class Submission:
    """One notebook handed in, and what the grader made of it before running it."""

    student: str
    path: Path
    course_name: str | None = None          # the course notebook it is, when known
    problem: str | None = None              # why it cannot be graded, when it cannot
    answers: dict[str, str] = field(default_factory=dict)   # answer cell id -> source
    notes: list[str] = field(default_factory=list)          # what the report should say


def find_submissions(folder: Path) -> list[Submission]:
    """Every ``.ipynb`` under ``folder`` (checkpoints and hidden folders left out), sorted.

    The student is the first part of the path inside ``folder``: a folder's name, or a
    file's name without ``.ipynb``.
    """
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in parts):   # .ipynb_checkpoints, .git, ...
            continue
        student = parts[0][: -len(".ipynb")] if len(parts) == 1 else parts[0]
        found.append(Submission(student, path))
    return found


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The notebook at ``path``, or (None, why it is not one a grader can read)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, f"not a notebook: not UTF-8 text (byte {error.start})"
    except OSError as error:
        return None, f"could not be read ({error.strerror or error})"
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not a notebook: invalid JSON (line {error.lineno}, column {error.colno})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return None, "not a notebook: its JSON has no list of cells"
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat's own reasons: a version it cannot convert, ...
        return None, f"not a notebook nbformat can read ({type(error).__name__}: {error})"
    return notebook, None


def _first_line(source: str) -> str:
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return lines[0] if lines else ""


def match_answers(course: CourseNotebook, notebook) -> tuple[dict[str, str], list[str]]:
    """The student's answer cells, by the course's answer cell id, and what was not found.

    Returns
    -------
    answers : dict of str -> str
        Course answer cell id -> the student's source for it.
    missing : list of str
        The course's answer cell ids with no student cell.
    """
    cells = [cell for cell in notebook.cells if cell.get("cell_type") == "code"]
    by_id = {cell.get("id"): cell for cell in cells if cell.get("id")}
    tagged = [cell for cell in cells if SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])]
    answers, missing, used = {}, [], set()
    wanted = [cell_id for exercise in course.exercises for cell_id in exercise.solution_ids]
    for cell_id in wanted:                          # by id first, for every answer
        if cell_id in by_id:
            answers[cell_id] = by_id[cell_id].source
            used.add(id(by_id[cell_id]))
    for cell_id in wanted:                          # then by first line, among the rest
        if cell_id in answers:
            continue
        first = _first_line(course.stubs[cell_id])
        match = next((cell for cell in tagged if id(cell) not in used
                      and _first_line(cell.source) == first), None)
        if match is None:
            missing.append(cell_id)
        else:
            answers[cell_id] = match.source
            used.add(id(match))
    return answers, missing


def identify(submission: Submission, course: dict[str, CourseNotebook]) -> Submission:
    """Read the submission, say which course notebook it is, and take its answer cells.

    The course notebook is the one with the most answer cells found in the submission
    (ties go to the one whose name is in the file's name).  Sets ``problem`` when the
    file is not a readable notebook, or when none of its cells is an answer of any
    course notebook (another course's notebook, or cells re-created without ids).
    """
    notebook, problem = read_notebook(submission.path)
    if notebook is None:
        submission.problem = problem
        return submission
    scored = []
    for name, candidate in course.items():
        answers, missing = match_answers(candidate, notebook)
        if answers:
            score = (len(answers), name in submission.path.name)
            scored.append((score, name, candidate, answers, missing))
    if not scored:
        submission.problem = ("none of its cells is an answer cell of this course's "
                              "notebooks (another course's notebook, or answer cells "
                              "copied into new cells without the `solution` tag)")
        return submission
    _, _, best, best_answers, best_missing = max(scored, key=lambda entry: entry[:2])
    submission.course_name = best.name
    submission.answers = best_answers
    for exercise in best.exercises:
        lost = [cell_id for cell_id in exercise.solution_ids if cell_id in best_missing]
        if lost:
            submission.notes.append(f"{exercise.key}: answer cell not found (deleted?): "
                                    "graded as the student edition's stub")
    return submission


def graded_notebook(course: CourseNotebook, answers: dict[str, str],
                    stubbed: frozenset[str] = frozenset()):
    """The course notebook, outputs cleared, with the student's ``answers`` put in.

    Answer cells without a student answer, or listed in ``stubbed``, get the student
    edition's stub.
    """
    notebook = copy.deepcopy(course.notebook)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            if cell.id in answers and cell.id not in stubbed:
                cell.source = answers[cell.id]
            else:
                cell.source = course.stubs[cell.id]
    return notebook
