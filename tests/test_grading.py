"""Grading a class (tools/grading, `make grade`): the checks' records, the sandbox, the class.

The class is tests/grading_class.py: one student per case a submission can bring
(invalid JSON, another course, deleted and reordered cells, an infinite loop, 100 MB
of output, sys.exit, os._exit, writes outside, an answer that raises, memory, a
tampered check) and students making each of 01's diagnosed mistakes.  It is graded
once per test run, against 01's exercises alone (tests/grading_class.small_course),
and the real notebook 01 is graded too, through `tools/grade.py`.
"""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nblib import checks
from nblib.checks import Exercise, Mistake
from nblib.exercises import nb01, nb02, nb03, nb04, nb05, nb06
from tests.grading_class import KEYS, RIGHT, small_course, write_class

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from grading.grade import MARKS  # noqa: E402
from grading.gradebook import exercise_summary, table, write_csv, write_html  # noqa: E402
from grading.run import grade_folder  # noqa: E402
from grading.submissions import graded_notebook, load_course, read_notebook  # noqa: E402
from student_edition import write_student_edition  # noqa: E402

#: The class's limits: 01's exercises run in about 2 s (5 s on a loaded CI machine); the
#: infinite loop stops at this.
TIME_LIMIT = 12
MEMORY_LIMIT = 2 * 2**30


def _exercises():
    for module in (nb01, nb02, nb03, nb04, nb05, nb06):
        for name, value in vars(module).items():
            if isinstance(value, checks.Feedback):
                yield f"{module.__name__.rsplit('.', 1)[1]}.{name}", value


# --- the checks' records ------------------------------------------------------------------


@pytest.mark.parametrize("name, exercise", [
    (name, exercise) for name, exercise in _exercises() if isinstance(exercise, Exercise)])
def test_every_diagnosed_mistake_is_in_the_record_under_its_own_id(name, exercise, capsys):
    """Each Mistake written as code or as a value, submitted, is filed under its id."""
    ids = [mistake.key for mistake in exercise.mistakes]
    assert len(ids) == len(set(ids)), f"{name}: two mistakes share an id: {ids}"
    for mistake in exercise.mistakes:
        if mistake.function is not None and exercise.cases:
            answer = mistake.function
        elif mistake.value is not None:
            answer = mistake.value
        else:
            continue
        exercise.check(answer)
        record = exercise.record
        assert record["verdict"] == "fail", (name, mistake.message)
        assert record["mistake"] == {"id": mistake.key, "message": mistake.message}, name
        assert record["message"] in capsys.readouterr().out


def test_a_record_for_each_verdict(capsys):
    exercise = nb01.exercise_1
    for answer, verdict in ((None, "todo"), ("junk", "fail"), (lambda x, w, b: 0.5, "fail")):
        exercise.check(answer)
        assert exercise.record["verdict"] == verdict
        assert exercise.record["exercise"] == exercise.name
    assert exercise.record["mistake"] is None       # a wrong answer no mistake explains
    namespace = {}
    exec(RIGHT[0], {"activations": __import__("nblib.activations").activations}, namespace)
    exercise.check(namespace["neuron_output"])
    assert exercise.record == {"exercise": exercise.name, "verdict": "pass", "mistake": None,
                               "message": capsys.readouterr().out.splitlines()[-1]}


def test_a_choice_files_each_wrong_option_under_its_letter():
    choice = nb05.exercise_4
    for letter in choice.options:
        choice.check(letter)
        mistake = choice.record["mistake"]
        assert (mistake is None) == (letter == choice.answer)
        if mistake:
            assert mistake["id"] == f"chose-{letter}" and choice.why_not[letter] in mistake["message"]


def test_nb06s_tables_give_each_message_its_own_id():
    for table_ in (nb06._DENSE_MISTAKES["dW"], nb06._DENSE_MISTAKES["db"], nb06._RELU_MISTAKES,
                   nb06._SCE_MISTAKES, nb06._SGD_MISTAKES):
        messages = {message for _, message in table_}    # one message may cover two formulas
        assert len({checks.mistake_id(message) for message in messages}) == len(messages)


def test_a_note_outside_a_check_does_nothing():
    assert checks.note_mistake("anything") == "anything"


def test_mistake_ids_are_readable_and_an_explicit_id_wins():
    said = "The bias is missing: add b, then sigmoid(z)."
    assert re.fullmatch(r"the-bias-is-missing-add-b-[0-9a-f]{6}", checks.mistake_id(said))
    assert checks.mistake_id(said) != checks.mistake_id(said.replace("add b", "add -b"))
    assert Mistake("x is wrong", value=1.0, id="own").key == "own"


# --- the sandbox ---------------------------------------------------------------------------


GUARDED = """
import os, sys, subprocess
sys.path.insert(0, {tools!r})
from grading.kernel import guard
sys.addaudithook(guard({root!r}))
def attempt(what, action):
    try:
        action()
        print(what, "allowed", sep="|")
    except PermissionError as error:
        print(what, "refused", error, sep="|")
attempt("write inside", lambda: open(os.path.join({root!r}, "a.txt"), "w").write("x"))
attempt("write outside", lambda: open({outside!r}, "w").write("x"))
attempt("append outside", lambda: open({outside!r}, "a"))
attempt("os.open outside", lambda: os.open({outside!r}, os.O_WRONLY | os.O_CREAT))
attempt("read outside", lambda: open({readable!r}).read())
attempt("write /dev/null", lambda: open("/dev/null", "w").write("x"))
attempt("rename out", lambda: os.rename(os.path.join({root!r}, "a.txt"), {outside!r}))
attempt("remove outside", lambda: os.remove({outside!r}))
attempt("mkdir outside", lambda: os.mkdir({outside!r} + ".d"))
attempt("escape with ..", lambda: open(os.path.join({root!r}, "..", "b.txt"), "w"))
attempt("start a shell", lambda: os.system("true"))
attempt("start a program", lambda: subprocess.run(["touch", {outside!r}]))
attempt("start dot", lambda: subprocess.run(["dot", "-V"], capture_output=True))
attempt("signal another process", lambda: os.kill(os.getppid(), 0))
"""


def test_the_guard_keeps_writes_inside_the_folder(tmp_path):
    root = tmp_path / "submission"
    root.mkdir()
    outside = tmp_path / "outside.txt"
    code = GUARDED.format(tools=str(ROOT / "tools"), root=str(root), outside=str(outside),
                          readable=str(ROOT / "README.md"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    said = {line.split("|")[0]: line.split("|")[1] for line in out.splitlines()}
    assert said == {"write inside": "allowed", "write outside": "refused",
                    "append outside": "refused", "os.open outside": "refused",
                    "read outside": "allowed", "write /dev/null": "allowed",
                    "rename out": "refused", "remove outside": "refused",
                    "mkdir outside": "refused", "escape with ..": "refused",
                    "start a shell": "refused", "start a program": "refused",
                    "start dot": "allowed", "signal another process": "refused"}, out
    assert not outside.exists() and not (tmp_path / "b.txt").exists()
    assert "may only write inside its own folder" in out


# --- reading and building submissions -------------------------------------------------------


@pytest.mark.parametrize("text, said", [
    ('{"cells": [', "invalid JSON"), ("[1, 2]", "no list of cells"),
    ('{"cells": [], "nbformat": 99}', "nbformat can read"), (b"\xff\xfe", "not UTF-8")])
def test_what_is_not_a_notebook_is_said(tmp_path, text, said):
    path = tmp_path / "x.ipynb"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    notebook, problem = read_notebook(path)
    assert notebook is None and said in problem


def test_the_graded_notebook_is_the_courses_with_only_the_answers_taken(tmp_path):
    course = load_course(ROOT / "notebooks")["01_neuron"]
    answers = {course.exercises[0].solution_ids[0]: "def neuron_output(x, w, b):\n    return 7"}
    graded = graded_notebook(course, answers)
    originals = {cell.id: cell for cell in course.notebook.cells}
    for cell in graded.cells:
        tags = cell.metadata.get("tags", [])
        if cell.id in answers:
            assert cell.source == answers[cell.id]
        elif "solution" in tags:
            assert cell.source == course.stubs[cell.id] and "NotImplementedError" in cell.source
        else:
            assert cell.source == originals[cell.id].source
        if cell.cell_type == "code":
            assert cell.outputs == []


def test_every_course_notebook_has_its_exercises_found():
    course = load_course(ROOT / "notebooks")
    found = {name: [exercise.key for exercise in notebook.exercises]
             for name, notebook in course.items()}
    assert found["01_neuron"] == KEYS
    assert found["06_mnist"][-2:] == ["06 naming", "06 debug_fix"]
    assert all(len(keys) >= 3 for keys in found.values()), found


# --- the synthetic class ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def student_edition_01(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("student")
    write_student_edition(folder)
    return folder / "01_neuron.ipynb"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, student_edition_01):
    base = tmp_path_factory.mktemp("class")
    course_dir = base / "course"
    small_course(course_dir)
    expected = write_class(base / "submissions", student_edition_01)
    results = grade_folder(base / "submissions", course_dir, base / "grades", jobs=2,
                           time_limit=TIME_LIMIT, memory_limit=MEMORY_LIMIT,
                           progress=lambda line: None)
    return base, load_course(course_dir), expected, {result.student: result
                                                     for result in results}


def test_the_class_covers_every_diagnosed_mistake_of_01(graded_class):
    _, _, expected, _ = graded_class
    made = {mistake for student in expected.values() for mistake in student.mistakes if mistake}
    every = {mistake.key for exercise in (nb01.exercise_1, nb01.exercise_2, nb01.exercise_3)
             for mistake in exercise.mistakes}
    assert every <= made


def test_each_student_gets_the_verdicts_expected(graded_class):
    _, _, expected, results = graded_class
    assert set(results) == set(expected)
    for student, expect in expected.items():
        result = results[student]
        if expect.marks is None:
            assert result.verdicts == [] and expect.problem in (result.problem or ""), student
            continue
        assert result.problem is None, (student, result.problem)
        got = [MARKS[verdict.verdict] for verdict in result.verdicts]
        ids = [(verdict.mistake or {}).get("id") if verdict.verdict == "fail" else None
               for verdict in result.verdicts]
        assert got == expect.marks, (student, [v.message for v in result.verdicts])
        assert [m for m, e in zip(ids, expect.mistakes) if e] == \
            [e for e in expect.mistakes if e], (student, ids)
        for phrase in expect.notes:
            assert any(phrase in note for note in result.notes), (student, phrase, result.notes)


def test_nothing_was_written_outside(graded_class):
    base, _, _, _ = graded_class
    assert not (base / "written_by_a_submission.txt").exists()


def test_the_gradebook(graded_class, tmp_path):
    base, course, expected, results = graded_class
    rows = table(list(results.values()), course)
    write_csv(rows, tmp_path / "gradebook.csv")
    with open(tmp_path / "gradebook.csv", encoding="utf-8-sig") as file:
        read = {row["student"]: row for row in csv.DictReader(file)}
    assert list(next(iter(read.values()))) == ["student", *KEYS, "01 total", "total ✓", "notes"]
    for student, expect in expected.items():
        row = read[student]
        if expect.marks is None:
            assert [row[key] for key in KEYS] == ["", "", ""] and "not graded" in row["notes"]
        else:
            assert [row[key] for key in KEYS] == expect.marks
            assert row["01 total"] == f"{expect.marks.count('✓')}/3"
            assert row["total ✓"] == str(expect.marks.count("✓"))


def test_the_report_ranks_the_class_mistakes_with_the_checks_messages(graded_class, tmp_path):
    _, course, expected, results = graded_class
    summary = {entry["key"]: entry for entry in exercise_summary(list(results.values()), course)}
    first = summary["01 exercise_1"]
    graded = [e for e in expected.values() if e.marks]
    assert first["pass"] == sum(e.marks[0] == "✓" for e in graded)
    assert first["graded"] == len(graded)
    counts = [len(mistake["students"]) for mistake in first["mistakes"]]
    assert counts == sorted(counts, reverse=True)
    bias = next(m for m in first["mistakes"] if m["id"] == nb01.exercise_1.mistakes[1].key)
    assert bias["message"] == nb01.exercise_1.mistakes[1].message
    assert sorted(bias["students"]) == ["mistakes_1", "tampered_check"]
    write_html(list(results.values()), course, tmp_path / "report.html", seconds=12.0)
    page = (tmp_path / "report.html").read_text()
    assert f"{nb01.exercise_1.mistakes[1].message[:40]}" in page.replace("&#x27;", "'")
    assert "2 students</span>" in page and "<svg" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report must work offline"
    assert "invalid JSON" in page and "time limit" in page
    other = next(m for m in first["mistakes"] if m["id"] == "undiagnosed")
    assert other["students"] == ["undiagnosed"]
    assert "what each check said" in page and "neuron_output(x=" in page


def test_grading_the_real_notebook_01(tmp_path, student_edition_01):
    """`tools/grade.py` on the course's own 01, with a submission passing one exercise and
    making a diagnosed mistake in the two others."""
    expected = write_class(tmp_path / "all", student_edition_01)
    student = "mistakes_2"
    submissions = tmp_path / "submissions"
    (submissions / student).mkdir(parents=True)
    (submissions / student / "01_neuron.ipynb").write_bytes(
        (tmp_path / "all" / student / "01_neuron.ipynb").read_bytes())
    out = tmp_path / "grades"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "grade.py"), str(submissions),
                          "--out", str(out), "--time-limit", "240"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    with open(out / "gradebook.csv", encoding="utf-8-sig") as file:
        row = next(csv.DictReader(file))
    assert [row[key] for key in KEYS] == expected[student].marks == ["✗", "✗", "✓"], row
    page = (out / "report.html").read_text()
    assert nb01.exercise_2.mistakes[2].message.split(":")[0] in page
    kept = json.loads((out / "notebooks" / student / "01_neuron.ipynb").read_text())
    records = [output["data"]["application/vnd.nblib.check+json"] for cell in kept["cells"]
               for output in cell.get("outputs", [])
               if "application/vnd.nblib.check+json" in output.get("data", {})]
    assert [record["verdict"] for record in records] == ["fail", "fail", "pass"]


def test_make_grade_needs_a_folder():
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "EXTRAS")}
    run = subprocess.run(["make", "--no-print-directory", "grade"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "make grade SUBMISSIONS=folder" in run.stdout + run.stderr
    run = subprocess.run(["make", "--no-print-directory", "-n", "grade",
                          "SUBMISSIONS=some/folder"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert 'tools/grade.py "some/folder" --out build/grades' in run.stdout
