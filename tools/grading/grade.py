"""Grade one submission: run its graded notebook, and give each exercise a verdict.

Each exercise gets ✓ (pass), ✗ (fail) or ○ (not done), read from its check's record,
with the mistake the check diagnosed.  When a check cell shows no record because
something raised before it could report, the exercise fails with what raised.

When the time limit runs out or the kernel dies, the last answer cell run before that
point is taken to be the cause: the exercise it belongs to fails (unless its check
had already given a verdict), and the notebook is run once more with that answer
replaced by the student edition's stub, so that one runaway answer does not cost the
student the exercises after it.  Exercises a second stop keeps from running are
reported as not graded, never as failed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from grading.execute import MEMORY_LIMIT, TIME_LIMIT, Run, run_notebook
from grading.submissions import CourseNotebook, Submission, graded_notebook

PASS, FAIL, TODO = "pass", "fail", "todo"
#: How the gradebook, the report and the progress lines show each verdict (None: not graded).
MARKS = {PASS: "✓", FAIL: "✗", TODO: "○", None: ""}

#: What the report says about a run that stopped, by its status.
STOPPED = {"time limit": "ran past the time limit of {limit:g} s",
           "kernel died": "stopped the kernel (os._exit, a crash in C code, or memory)"}


@dataclass
class Verdict:
    """One exercise's verdict for one student; ``verdict`` None means not graded."""

    exercise: str                       # the gradebook column, e.g. "01 exercise_1"
    name: str = ""                      # the check's own name, e.g. "Exercise 1 (...)"
    verdict: str | None = None
    message: str = ""                   # the line the student saw, or why not graded
    mistake: dict | None = None         # {"id", "message"} when diagnosed


@dataclass
class Result:
    """Everything the gradebook needs about one submission."""

    student: str
    path: str
    notebook: str | None = None         # the course notebook, e.g. "01_neuron"
    problem: str | None = None          # why it was not graded at all
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        data = dict(data)
        data["verdicts"] = [Verdict(**verdict) for verdict in data.get("verdicts", [])]
        return cls(**data)


def _failed(exercise, run: Run, answer_cells: list[int], check_cell: int) -> Verdict:
    """The verdict of an exercise whose check cell showed no record."""
    for index in answer_cells:
        error = run.cells.get(index) and run.cells[index].error
        if error:
            kind = error.split(":", 1)[0]
            said = ("your answer cell called sys.exit()" if kind == "SystemExit"
                    else f"your answer cell raised {error}")
            return Verdict(exercise.key, verdict=FAIL, message=said,
                           mistake={"id": f"answer-cell-raised-{kind}",
                                    "message": f"the answer cell raised {kind}"})
    error = run.cells.get(check_cell) and run.cells[check_cell].error
    said = f"the check could not run: {error or 'it gave no verdict'}"
    return Verdict(exercise.key, verdict=FAIL, message=said,
                   mistake={"id": "check-did-not-run", "message": "the check could not run "
                            "(a name it needs is missing or broken)"})


def _verdicts(course: CourseNotebook, run: Run, index_of: dict[str, int],
              done: dict[str, Verdict]) -> None:
    """Add to ``done`` the verdicts this run gave, for exercises not graded before."""
    for exercise in course.exercises:
        check = index_of[exercise.check_id]
        if exercise.key in done or check not in run.cells:
            continue
        records = run.cells[check].records
        if records:
            record = records[-1]
            done[exercise.key] = Verdict(exercise.key, record.get("exercise", ""),
                                         record.get("verdict"), record.get("message", ""),
                                         record.get("mistake"))
        else:
            answers = [index_of[cell_id] for cell_id in exercise.solution_ids]
            done[exercise.key] = _failed(exercise, run, answers, check)


def _culprit(course: CourseNotebook, index_of: dict[str, int], stopped_at: int):
    """The exercise whose answer cell ran last before the run stopped at ``stopped_at``."""
    culprit = None
    for exercise in course.exercises:
        if any(index_of[cell_id] <= stopped_at for cell_id in exercise.solution_ids):
            culprit = exercise
    return culprit


def grade(submission: Submission, course: CourseNotebook, time_limit: float = TIME_LIMIT,
          memory_limit: int = MEMORY_LIMIT, keep: Path | None = None) -> Result:
    """Grade one identified submission; write its executed notebook into ``keep`` if given."""
    result = Result(submission.student, str(submission.path), course.name,
                    notes=list(submission.notes))
    index_of = {cell.id: index for index, cell in enumerate(course.notebook.cells)}
    done: dict[str, Verdict] = {}
    stubbed: set[str] = set()
    for attempt in (1, 2):
        notebook = graded_notebook(course, submission.answers, frozenset(stubbed))
        run = run_notebook(notebook, time_limit, memory_limit)
        result.seconds += run.seconds
        _verdicts(course, run, index_of, done)
        for index, cell in sorted(run.cells.items()):
            if cell.error and cell.error.startswith("PermissionError: grading:"):
                result.notes.append(f"cell {index}: {cell.error.split(': ', 1)[1]} (refused)")
        if run.output_dropped:
            result.notes.append("its output passed the grader's limit: the rest was dropped")
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(run.notebook, keep)
        if run.status == "finished":
            break
        culprit = _culprit(course, index_of, run.stopped_at)
        what = STOPPED[run.status].format(limit=time_limit)
        if culprit is None or attempt == 2:
            result.notes.append(f"the notebook {what} at cell {run.stopped_at}"
                                + ("" if culprit is None else f", after the answer to "
                                   f"{culprit.key}"))
            break
        result.notes.append(f"the notebook {what} at cell {run.stopped_at}, after the answer "
                            f"to {culprit.key}: graded again without that answer")
        if culprit.key not in done:
            kind = "time-limit" if run.status == "time limit" else "kernel-died"
            done[culprit.key] = Verdict(culprit.key, verdict=FAIL,
                                        message=f"your answer {what}",
                                        mistake={"id": kind, "message": f"the answer {what}"})
        stubbed.update(culprit.solution_ids)
    for exercise in course.exercises:
        result.verdicts.append(done.get(exercise.key) or Verdict(
            exercise.key, message="not graded: the notebook stopped before its check"))
    return result


def not_graded(submission: Submission) -> Result:
    """The result of a submission that could not be graded at all."""
    return Result(submission.student, str(submission.path), submission.course_name,
                  submission.problem, notes=list(submission.notes))
