"""Grade a folder of submissions, several at once, each in a process of its own.

Submissions are read and identified here; each one that can be graded is then run by
a worker process (one per core by default), which starts a fresh kernel for it
(:mod:`grading.execute`).  A worker that dies takes only the submission it was
grading with it: that one is reported, and grading goes on with the others.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from grading.execute import MEMORY_LIMIT, TIME_LIMIT
from grading.grade import MARKS, Result, grade, not_graded
from grading.submissions import CourseNotebook, Submission, find_submissions, identify, load_course


def _grade_one(submission: Submission, course: CourseNotebook, time_limit: float,
               memory_limit: int, keep: Path | None) -> dict:
    """What a worker process runs: grade one submission; a plain dict crosses back."""
    return grade(submission, course, time_limit, memory_limit, keep).to_dict()


def _kept_path(out_dir: Path, submission: Submission) -> Path:
    """Where the executed notebook of a submission is kept, e.g. notebooks/bob/01_neuron.ipynb."""
    return out_dir / "notebooks" / submission.student / f"{submission.course_name}.ipynb"


def grade_folder(folder: Path, course_dir: Path, out_dir: Path, jobs: int | None = None,
                 time_limit: float = TIME_LIMIT, memory_limit: int = MEMORY_LIMIT,
                 progress=print) -> list[Result]:
    """Grade every submission under ``folder`` against the course in ``course_dir``.

    Returns one :class:`Result` per notebook found, in the order of their paths.
    Executed notebooks are kept under ``out_dir/notebooks/STUDENT/``.
    """
    course = load_course(course_dir)
    submissions = [identify(submission, course) for submission in find_submissions(folder)]
    results: dict[int, Result] = {}
    start = time.monotonic()
    todo = []
    for number, submission in enumerate(submissions):
        if submission.problem is not None:
            results[number] = not_graded(submission)
            progress(_line(results[number], len(results), len(submissions), start))
        else:
            todo.append(number)
    jobs = jobs or os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")   # no forked copies of the grader's state
    while todo:
        broken = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context) as pool:
            futures = {number: pool.submit(_grade_one, submissions[number],
                                           course[submissions[number].course_name],
                                           time_limit, memory_limit,
                                           _kept_path(out_dir, submissions[number]))
                       for number in todo}
            for number, future in futures.items():
                try:
                    results[number] = Result.from_dict(future.result())
                except BrokenProcessPool:
                    broken.append(number)
                except Exception as error:   # a bug of the grader's: say so, go on
                    results[number] = not_graded(submissions[number])
                    results[number].problem = (f"the grader failed on it "
                                               f"({type(error).__name__}: {error})")
                if number in results:
                    progress(_line(results[number], len(results), len(submissions), start))
        if broken and (jobs == 1 or len(broken) == 1):
            # one at a time, the first submission whose worker died is the one that killed it
            number = broken.pop(0)
            results[number] = not_graded(submissions[number])
            results[number].problem = "its grading process died"
            progress(_line(results[number], len(results), len(submissions), start))
        todo, jobs = broken, (1 if broken else jobs)
    return [results[number] for number in range(len(submissions))]


def _line(result: Result, done: int, total: int, start: float) -> str:
    if result.problem:
        said = f"not graded: {result.problem}"
    else:
        said = " ".join(MARKS[verdict.verdict] or "·" for verdict in result.verdicts)
    return (f"[{done}/{total}, {time.monotonic() - start:.0f} s] {result.student} "
            f"{result.notebook or Path(result.path).name}: {said}")
