"""Every exercise's check answers every submission with one verdict line, and never ✓ a wrong one.

For each exercise of every module in nblib.exercises (found automatically: every
:class:`nblib.checks.Feedback` in them, so a new exercise is covered without a change
here), the check gets

- junk: None, text, NaN, inf, lists, arrays of the wrong shape, huge and complex
  numbers, dicts, generators, a Value, objects whose ``__array__``, ``__float__``,
  ``__eq__``... raise, functions returning any of these, functions with the wrong
  arguments, a function that raises;
- mutations of the exercise's own solution, the one the notebook's solution cell
  holds (run with the notebook's own definitions): its results negated, doubled,
  zeroed, transposed, reshaped, swapped, made None or NaN; for a typed value the
  value negated, doubled, zero, ± 1, huge...; for a multiple choice every wrong
  letter.

Each submission must print exactly one verdict line (✓, ✗ or ○), possibly followed
by the "Stuck?" line, raise nothing, emit no warning, and never reach the safety
net (nblib.checks.CHECK_FAILED), so that it is the checks themselves that cope.  A
mutation whose results differ from the solution's must never get ✓.  A typed value,
and a function whose results are whole numbers, never hear "too high" or "too low".

An answer that is an object (exercise 3 of 05: a Classifier that trains for
seconds) gets junk only, and invalid copies of the solution: no check may train on
them.  An answer that is a class (06's Dense, ReLU, SGD) gets subclasses of the
solution's class with a method skipped, its result mutated, or the arrays it stores
mutated.  An exercise whose answer is a network trained on MNIST (06's capstone,
``checks_a_trained_network``) gets junk only: its own tests train networks for it.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import importlib
import io
import json
import math
import numbers
import pkgutil
import re
import sys
import warnings

import numpy as np
import pytest

import nblib
import nblib.engine
import nblib.exercises
from nblib.checks import CHECK_FAILED, FAIL, PASS, TODO, Choice, Exercise, Feedback, as_numbers
from tests.notebook_code import NOTEBOOKS, notebook_namespace, tagged_sources

STUCK = "  Stuck? Run .hint() on this exercise, or .solution() to see one answer."

#: Words that give a direction: a typed value or a whole-number answer must never hear them.
DIRECTION_WORDS = re.compile(r"\btoo (high|low|large|small)\b|\bslightly\b|\bclose\b|\btenth\b")


# --- every exercise, found automatically ---------------------------------------------------------

def exercises() -> list[tuple[str, str, Feedback]]:
    """(module, attribute, exercise) for every Feedback in every module of nblib.exercises."""
    found = []
    for info in sorted(pkgutil.iter_modules(nblib.exercises.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"nblib.exercises.{info.name}")
        found += [(info.name, name, value) for name, value in sorted(vars(module).items())
                  if isinstance(value, Feedback)]
    return found


EXERCISES = exercises()
IDS = [f"{module}.{name}" for module, name, _ in EXERCISES]


def test_every_notebook_has_its_exercises_found():
    modules = {module for module, _, _ in EXERCISES}
    assert modules >= {"nb01", "nb02", "nb03", "nb04", "nb05", "nb06"}
    assert len(EXERCISES) >= 20


# --- each exercise's solution, as the notebook's solution cell holds it ---------------------------

def notebook_of(module: str):
    """notebooks/NN_*.ipynb for nblib.exercises.nbNN, or None."""
    found = sorted(NOTEBOOKS.glob(f"{module[2:]}_*.ipynb"))
    return found[0] if found else None


def check_call(source: str, module: str, name: str):
    """The argument of ``nbNN.exercise_K.check(argument)`` in a cell's source, or None."""
    call = re.search(rf"^{module}\.{name}\.check\((\w+)\)", source, flags=re.MULTILINE)
    return call.group(1) if call else None


def without_exercise_calls(source: str) -> str:
    """A check cell without its ``nbNN.exercise_K.check/hint/solution(...)`` lines."""
    tree = ast.parse(source)
    tree.body = [node for node in tree.body
                 if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                         and isinstance(node.value.func, ast.Attribute)
                         and node.value.func.attr in ("check", "hint", "solution"))]
    return ast.unparse(tree)


def notebook_context(path) -> dict:
    """What a notebook's cells can use: everything it imports, then its nblib-source cells."""
    namespace = {"np": np, "math": math}
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        try:
            body = ast.parse("".join(cell["source"])).body
        except SyntaxError:
            continue
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                with contextlib.suppress(ImportError):
                    exec(ast.unparse(node), namespace)
    if tagged_sources(path.name):
        namespace.update(notebook_namespace(path.name))
    return namespace


@contextlib.contextmanager
def nblib_classes_restored():
    """Undo whatever a solution cell does to nblib's classes (e.g. ``Value.log = log``)."""
    classes = {value for name, module in list(sys.modules.items())
               if name == "nblib" or name.startswith("nblib.")
               for value in vars(module).values()
               if isinstance(value, type) and value.__module__.startswith("nblib")}
    saved = {cls: dict(vars(cls)) for cls in classes}
    try:
        yield
    finally:
        for cls, attributes in saved.items():
            for name in set(vars(cls)) - set(attributes):
                delattr(cls, name)
            for name, value in attributes.items():
                if vars(cls).get(name, None) is not value and name not in ("__dict__",
                                                                            "__weakref__"):
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(cls, name, value)


def solution(module: str, name: str, exercise: Feedback, namespace: dict):
    """The answer the notebook's solution cell gives, as its check cell passes it to the check.

    Runs the solution cell and the check cell (without its check call) in ``namespace``;
    falls back to the exercise's ``solution_code`` when no notebook cell calls this check.
    """
    path = notebook_of(module)
    if path is not None:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
        for i, source in enumerate(sources):
            argument = check_call(source, module, name)
            if argument and i > 0:
                with contextlib.redirect_stdout(io.StringIO()):   # what the cell prints
                    exec(sources[i - 1], namespace)
                    exec(without_exercise_calls(source), namespace)
                return namespace[argument]
    with contextlib.redirect_stdout(io.StringIO()):
        exec(exercise.solution_code, namespace)
    defined = re.findall(r"^def (\w+)\(|^(\w+) = ", exercise.solution_code, flags=re.M)
    names = [n for pair in defined for n in pair if n]
    assert names, f"{module}.{name}: no notebook check cell and no solution to run"
    return namespace[names[0]]


@pytest.fixture(params=EXERCISES, ids=IDS)
def case(request):
    """(exercise, its solution) with nblib's classes restored afterwards."""
    module, name, exercise = request.param
    if getattr(exercise, "checks_a_trained_network", False):
        yield exercise, None            # its answer trains on MNIST: junk only (see its own tests)
        return
    path = notebook_of(module)
    with nblib_classes_restored():
        namespace = notebook_context(path) if path else {"np": np, "math": math}
        yield exercise, solution(module, name, exercise, namespace)


def test_solution_cells_leave_nblib_alone():
    """Exercise 3 of 04 sets ``Value.log``: the harness must not leave nblib's engine changed."""
    before = dict(vars(nblib.engine.Value))
    with nblib_classes_restored():
        nblib.engine.Value.log = lambda self: "patched"
        nblib.engine.Value.extra = 1
    assert dict(vars(nblib.engine.Value)) == before


# --- what every check must print ---------------------------------------------------------------

def run_check(exercise: Feedback, answer) -> str:
    """Check ``answer``; return what was printed.  Fails on an exception or a warning."""
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        exercise.check(answer)
    assert not caught, [str(w.message) for w in caught]
    return out.getvalue()


def assert_one_verdict(exercise: Feedback, answer, out: str) -> None:
    """One verdict line (✓, ✗ or ○), maybe the "Stuck?" line, and not from the safety net."""
    lines = out.splitlines()
    described = f"{exercise.name} given {safe_repr(answer)}"
    assert lines and lines[0][:1] in (PASS, FAIL, TODO), (described, out)
    assert lines[1:] in ([], [STUCK]), (described, out)
    assert CHECK_FAILED not in out and "Traceback" not in out, (described, out)
    assert exercise.passed == lines[0].startswith(PASS), (described, out)


def safe_repr(value) -> str:
    try:
        return repr(value)[:80]
    except Exception:
        return f"<{type(value).__name__}>"


# --- junk --------------------------------------------------------------------------------------

class Hostile:
    """An object every protocol of which raises: __array__, __float__, __eq__, __len__, ..."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no __array__")

    def __float__(self):
        raise RuntimeError("no __float__")

    def __eq__(self, other):
        raise RuntimeError("no __eq__")

    __hash__ = object.__hash__

    def __len__(self):
        raise RuntimeError("no __len__")

    def __iter__(self):
        raise RuntimeError("no __iter__")

    def __bool__(self):
        raise RuntimeError("no __bool__")

    def __repr__(self):
        raise RuntimeError("no __repr__")

    def __getattr__(self, name):
        raise RuntimeError(f"no attribute {name}")


class NoArray:
    """An object whose __array__ raises, and nothing else odd."""

    def __array__(self, *args, **kwargs):
        raise ValueError("no array")


class NoFloat:
    """A number-like object whose __float__ raises."""

    def __float__(self):
        raise ArithmeticError("no float")


def generator():
    yield 1.0


def junk_values() -> list:
    """Answers and results no check should stumble on."""
    return [None, "abc", "1.5", b"2", "", float("nan"), float("inf"), -float("inf"),
            [1, 2], [[1, 2], [3]], (), [], np.zeros((7, 7)), np.array([]), np.array(["a", "b"]),
            10**400, -10**400, [10**400], True, False, 1 + 2j, np.array([1j]), {}, {"a": 1},
            {1, 2}, generator(), nblib.engine.Value(1.0), [nblib.engine.Value(1.0)],
            Hostile(), NoArray(), NoFloat(), object(), np.float32("nan"), np.int64(3),
            Exercise, max]


def junk_functions() -> list:
    """Functions that return junk, take the wrong arguments, or raise."""
    def returns(value):
        def returns_junk(*args):
            return value
        return returns_junk

    def no_arguments():
        return 1.0

    def nine_arguments(a, b, c, d, e, f, g, h, i):
        return a

    def raises_zero_division(*args):
        size = len(args)
        return size / 0

    def raises_hostile(*args):
        raise RuntimeError(Hostile())

    def keyword_only(*, x):
        return x

    return [returns(value) for value in junk_values()] + [
        returns(...), no_arguments, nine_arguments, raises_zero_division, raises_hostile,
        keyword_only, lambda *args: [None] * 3, lambda *args: (Hostile(),) * 3,
        lambda *args: tuple(np.zeros((7, 7)) for _ in range(3)), np.exp, len, Hostile]


def test_junk_gets_one_verdict_and_never_trains(case, monkeypatch):
    exercise, _ = case
    from nblib.classifier import Classifier
    fits = []
    monkeypatch.setattr(Classifier, "fit", lambda self, *a, **k: fits.append(self))
    for answer in junk_values() + junk_functions() + [...]:
        out = run_check(exercise, answer)
        assert_one_verdict(exercise, answer, out)
        assert not out.startswith(PASS), (exercise.name, safe_repr(answer), out)
    assert not fits, f"{exercise.name} trained a classifier on junk"


def test_a_students_exception_is_reported_with_its_line(case):
    exercise, answer = case
    if not callable(answer) or isinstance(answer, type):
        pytest.skip("not a function exercise")

    def my_function(*args):
        total = 0.0
        return total / 0

    out = run_check(exercise, my_function)
    assert_one_verdict(exercise, my_function, out)
    assert "ZeroDivisionError: float division by zero (line 3 of your my_function)" in out, out


# --- mutations of the solution -----------------------------------------------------------------

def differs(right, wrong) -> bool:
    """Whether ``wrong`` is a different answer from ``right`` (not merely another type)."""
    if wrong is right:
        return False
    right_numbers, _ = as_numbers(right)
    wrong_numbers, _ = as_numbers(wrong)
    if right_numbers is not None and wrong_numbers is not None:
        return (right_numbers.shape != wrong_numbers.shape
                or not np.allclose(right_numbers, wrong_numbers, rtol=1e-3, atol=1e-6,
                                   equal_nan=True))
    if isinstance(right, (tuple, list)) and isinstance(wrong, (tuple, list)):
        return len(right) != len(wrong) or any(differs(r, w) for r, w in zip(right, wrong))
    return True


def array_mutations(value) -> dict:
    """name -> function of a result: the typical ways to get a number or an array wrong."""
    numbers_ = np.asarray(value, dtype=np.float64)
    found = {
        "negated": lambda v: -np.asarray(v, dtype=np.float64),
        "doubled": lambda v: 2 * np.asarray(v, dtype=np.float64),
        "halved": lambda v: np.asarray(v, dtype=np.float64) / 2,
        "zeros": lambda v: np.zeros_like(np.asarray(v, dtype=np.float64)),
        "plus one": lambda v: np.asarray(v, dtype=np.float64) + 1,
        "NaN": lambda v: np.full_like(np.asarray(v, dtype=np.float64), np.nan),
        "None": lambda v: None,
        "wrong shape": lambda v: np.append(np.ravel(np.asarray(v, dtype=np.float64)), 0.0),
        "as text": lambda v: str(v),
        "complex": lambda v: np.asarray(v, dtype=np.float64) + 1j,
    }
    if numbers_.ndim == 2:
        found["transposed"] = lambda v: np.asarray(v, dtype=np.float64).T
        found["flattened"] = lambda v: np.ravel(v)
    if numbers_.ndim == 0:
        found["huge int"] = lambda v: 10**400
        found["in a list"] = lambda v: [v]
    return found


def result_mutations(result) -> dict:
    """name -> function of a result, for a result like ``result`` (a tuple of parts too)."""
    found = {}
    numbers_, _ = as_numbers(result)
    if numbers_ is not None:
        found.update(array_mutations(result))
    if isinstance(result, tuple) and len(result) >= 2:
        for i in range(len(result)):
            for j in range(i + 1, len(result)):
                def swap(v, i=i, j=j):
                    parts = list(v)
                    parts[i], parts[j] = parts[j], parts[i]
                    return tuple(parts)
                found[f"parts {i} and {j} swapped"] = swap
            for part_name, mutate in array_mutations(result[i]).items():
                def change(v, i=i, mutate=mutate):
                    parts = list(v)
                    parts[i] = mutate(parts[i])
                    return tuple(parts)
                found[f"part {i} {part_name}"] = change
        found["last part missing"] = lambda v: tuple(v)[:-1]
        found["one part too many"] = lambda v: (*v, v[0])
    return found


def mutated(function, mutate):
    """``function`` with ``mutate`` applied to its results; ``.changed`` records whether it
    ever returned something that differs from what ``function`` returns."""
    def wrong(*args):
        right = function(*copy.deepcopy(args))
        result = mutate(right)
        if differs(right, result):
            wrong.changed = True
        return result
    wrong.changed = False
    wrong.__name__ = getattr(function, "__name__", "mutated")
    return wrong


def class_mutations(cls) -> dict:
    """name -> a subclass of the solution's class (a layer, an optimizer) with one method
    skipped, its result mutated, or the arrays it stores on ``self`` (or lists of them)
    mutated; each records in ``.state["changed"]`` whether it ever changed anything."""
    found = {}
    for method in ("forward", "backward", "step"):
        original = getattr(cls, method, None)
        if not callable(original):
            continue
        found[f"{method} skipped"] = _mutant(cls, method, original, None, "skip")
        for name, mutate in array_mutations(np.zeros((2, 2))).items():
            found[f"{method}'s result {name}"] = _mutant(cls, method, original, mutate, "result")
            found[f"arrays {method} stores, {name}"] = _mutant(cls, method, original, mutate,
                                                               "stored")
    return found


def _mutant(cls, method, original, mutate, where):
    state = {"changed": False}

    def wrong(self, *args):
        if where == "skip":
            state["changed"] = True
            return None
        before = dict(vars(self))
        result = original(self, *args)
        if where == "result":
            if result is None:
                return None
            changed = mutate(result)
            state["changed"] |= differs(result, changed)
            return changed
        for key, value in list(vars(self).items()):
            if isinstance(value, np.ndarray) and before.get(key) is not value:
                changed = mutate(value)
                state["changed"] |= differs(value, changed)
                setattr(self, key, changed)
            elif isinstance(value, list) and value and all(isinstance(v, np.ndarray)
                                                           for v in value):
                changed = [mutate(v) for v in value]      # e.g. an optimizer's velocities
                state["changed"] |= differs(value, changed)
                setattr(self, key, changed)
        return result
    mutant = type(cls.__name__, (cls,), {method: wrong})
    mutant.state = state
    return mutant


def function_mutations(solution_function, exercise) -> dict:
    """name -> a mutated solution (each records whether it changed anything).

    Which mutations apply depends on what the solution returns (a number, an array, a
    tuple of arrays): the check is run once on the solution to see its first result.
    """
    results = []

    def recording(*args):
        results.append(solution_function(*args))
        return results[-1]
    recording.__name__ = getattr(solution_function, "__name__", "recording")
    run_check(exercise, recording)
    assert results, f"{exercise.name}: the check never called the solution"
    return {name: mutated(solution_function, mutate)
            for name, mutate in result_mutations(results[0]).items()}


def value_mutations(value) -> list:
    return [-value, 2 * value, value / 2, 0, 0.0, value + 1, value - 1, 10 * value,
            value * (1 + 1e-3), value * (1 - 1e-3), 10**400, -10**400, float("nan"),
            float("inf"), str(value), [value], (value,), np.array([value, value]),
            complex(value, 1), True, np.float32(value), np.int64(round(value))]


def choice_mutations(choice: Choice) -> list:
    letters = list(choice.options)
    return ([letter for letter in letters if letter != choice.answer]
            + [letter.lower() for letter in letters]
            + [f" {choice.answer.lower()} ", "Z", "", "A B", 1, 2.0, None, [choice.answer],
               choice.options[choice.answer]])


def estimator_mutations(answer) -> list:
    """Invalid copies of an estimator: every numeric setting -1 (none of them may train)."""
    if not hasattr(answer, "get_params"):
        return []
    settings = answer.get_params()
    return [type(answer)(**{**settings, name: -1}) for name, value in settings.items()
            if isinstance(value, numbers.Real) and not isinstance(value, bool)] + [type(answer)]


def test_the_solution_passes(case):
    exercise, answer = case
    if not (callable(answer) or isinstance(answer, (numbers.Number, str))):
        pytest.skip("an object answer (a classifier that trains): junk only")
    out = run_check(exercise, answer)
    assert_one_verdict(exercise, answer, out)
    assert out.startswith(PASS), out


def test_mutations_get_one_verdict_and_never_pass(case, monkeypatch):
    exercise, answer = case
    checked = 0
    if isinstance(exercise, Choice):
        for choice in choice_mutations(exercise):
            out = run_check(exercise, choice)
            assert_one_verdict(exercise, choice, out)
            right = isinstance(choice, str) and choice.strip().upper() == exercise.answer
            assert out.startswith(PASS) == right, (choice, out)
            checked += 1
    elif answer is None and getattr(exercise, "checks_a_trained_network", False):
        pytest.skip("a trained network: junk only (tests/test_nb06_exercises.py trains one)")
    elif isinstance(answer, type) and not hasattr(answer, "get_params"):
        for name, wrong in class_mutations(answer).items():
            out = run_check(exercise, wrong)
            assert_one_verdict(exercise, f"solution, {name}", out)
            if wrong.state["changed"]:
                assert not out.startswith(PASS), (exercise.name, name, out)
                checked += 1
    elif callable(answer) and not isinstance(answer, type):
        for name, wrong in function_mutations(answer, exercise).items():
            out = run_check(exercise, wrong)
            assert_one_verdict(exercise, f"solution, {name}", out)
            if wrong.changed:
                assert not out.startswith(PASS), (exercise.name, name, out)
                checked += 1
    elif isinstance(answer, numbers.Number):
        for value in value_mutations(answer):
            out = run_check(exercise, value)
            assert_one_verdict(exercise, value, out)
            if differs(answer, value):
                assert not out.startswith(PASS), (exercise.name, safe_repr(value), out)
                checked += 1
    else:
        from nblib.classifier import Classifier
        fits = []
        monkeypatch.setattr(Classifier, "fit", lambda self, *a, **k: fits.append(self))
        for invalid in estimator_mutations(answer):
            out = run_check(exercise, invalid)
            assert_one_verdict(exercise, invalid, out)
            assert out.startswith(FAIL), out
            checked += 1
        assert not fits, f"{exercise.name} trained an invalid classifier"
    assert checked >= 3, f"{exercise.name}: only {checked} mutations differ from the solution"


def test_no_direction_for_a_typed_value_or_whole_numbers(case):
    """Too high / too low would bisect a typed value, and give away a whole number."""
    exercise, answer = case
    if not isinstance(exercise, Exercise) or exercise.gives_direction:
        pytest.skip("this exercise may say too high / too low")
    if callable(answer):
        candidates = function_mutations(answer, exercise).values()
    else:
        candidates = value_mutations(answer)
    for wrong in candidates:
        out = run_check(exercise, wrong)
        assert not DIRECTION_WORDS.search(out), (exercise.name, out)
