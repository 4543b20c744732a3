"""nblib.checks: the one-line verdicts students read."""

import numpy as np
import pytest

from nblib.checks import FAIL, PASS, Exercise, compare, format_value


def _square(x):
    return x * x


def square_exercise(**kwargs):
    return Exercise("Exercise 1 (square)", cases=[((3.0,), 9.0), ((np.array([1.0, -2.0]),),
                                                                  np.array([1.0, 4.0]))],
                    arg_names=["x"], hint_text="Multiply x by itself.",
                    solution_code="def square(x):\n    return x * x", **kwargs)


# --- format_value ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value, shown", [
    (1 / 3, "0.3333"),
    (2, "2"),
    (np.float64(12345.678), "1.235e+04"),
    (True, "True"),
    (np.bool_(False), "False"),
    ([1, 2.5], "[1. , 2.5]"),
    (np.array([[1 / 3, 2.0]]), "[[0.3333, 2.    ]]"),
    ("abc", "'abc'"),
    (None, "None"),
])
def test_format_value(value, shown):
    assert format_value(value) == shown


# --- compare --------------------------------------------------------------------------------------


def test_compare_returns_nothing(capsys):
    """A cell ending in compare(...) must show only the verdict, not True/False."""
    assert compare("x", 1.0, 1.0) is None
    assert compare("x", 1.0, 2.0) is None


def test_compare_match(capsys):
    compare("dL/dw", np.array([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    assert capsys.readouterr().out == f"{PASS} dL/dw: matches (within 1e-07)\n"


def test_compare_mismatch_shows_both_values(capsys):
    compare("loss", 0.5, 0.25)
    assert capsys.readouterr().out == f"{FAIL} loss: returned 0.5, expected 0.25\n"


def test_compare_tolerance(capsys):
    compare("x", 1.001, 1.0, tol=1e-2)
    assert capsys.readouterr().out.startswith(f"{PASS} x: matches (within 0.01)")
    compare("x", 1.001, 1.0)
    assert capsys.readouterr().out.startswith(f"{FAIL} x: returned 1.001, expected 1")


@pytest.mark.parametrize("got, message", [
    (None, "returned None (did you forget `return`"),
    (Ellipsis, "is still `...`"),
    (np.array([1.0, 2.0, 3.0]), r"returned shape (3,), expected shape (2,)"),
    (np.array([1.0, np.nan]), "returned NaN ([ 1., nan]), expected [1., 2.]"),
    ("1, 2", "returned str '1, 2', expected a number like [1., 2.]"),
    ({"a": 1}, "returned dict"),
    (np.array([1.0, np.inf]), "returned [ 1., inf], expected [1., 2.]"),
])
def test_compare_describes_what_went_wrong(capsys, got, message):
    compare("g", got, np.array([1, 2]))
    out = capsys.readouterr().out
    assert out.startswith(f"{FAIL} g: ")
    assert message in out
    assert out.count("\n") == 1


def test_compare_never_raises_on_odd_input(capsys):
    for got in (object(), [1, [2, 3]], 1 + 2j, lambda: 1):
        compare("odd", got, 1.0)
    assert capsys.readouterr().out.count(FAIL) == 4


# --- Exercise: a value ------------------------------------------------------------------------------


def value_exercise():
    return Exercise("Exercise 2 (log loss)", expected=4.60517, hint_text="Use -ln(y_hat).",
                    solution_code="-np.log(0.01)", tol=1e-5)


def test_value_exercise_right(capsys):
    exercise = value_exercise()
    exercise.check(-np.log(0.01))
    assert capsys.readouterr().out == f"{PASS} Correct! Exercise 2 (log loss)\n"
    assert exercise.passed


def test_value_exercise_wrong(capsys):
    exercise = value_exercise()
    exercise.check(np.log(0.01))
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{FAIL} Exercise 2 (log loss): your answer returned -4.605, expected 4.605",
        "  Stuck? Run .hint() on this exercise, or .solution() to see one answer.",
    ]
    assert not exercise.passed


@pytest.mark.parametrize("answer, message", [
    (None, "your answer returned None"),
    (..., "your answer is still `...`: replace it with your answer"),
    (float("nan"), "your answer returned NaN"),
    ([4.60517, 4.60517], "your answer returned shape (2,), expected shape ()"),
    ("four", "your answer returned str 'four'"),
])
def test_value_exercise_odd_answers(capsys, answer, message):
    exercise = value_exercise()
    exercise.check(answer)
    assert message in capsys.readouterr().out
    assert not exercise.passed


def test_a_number_typed_as_a_string_is_not_correct(capsys):
    exercise = value_exercise()
    exercise.check("4.60517")
    assert not exercise.passed
    assert "your answer returned str '4.60517'" in capsys.readouterr().out


def test_passed_is_reset_by_a_later_wrong_answer(capsys):
    exercise = value_exercise()
    exercise.check(4.60517)
    assert exercise.passed
    exercise.check(0.0)
    assert not exercise.passed


def test_no_hint_line_without_a_hint(capsys):
    Exercise("E", expected=1.0).check(2.0)
    assert capsys.readouterr().out == f"{FAIL} E: your answer returned 2, expected 1\n"


# --- Exercise: a function ----------------------------------------------------------------------------


def test_function_exercise_right(capsys):
    exercise = square_exercise()
    exercise.check(_square)
    assert capsys.readouterr().out == f"{PASS} Correct! Exercise 1 (square)\n"
    assert exercise.passed


def test_function_exercise_wrong_shows_input_expected_and_got(capsys):
    def square(x):
        return 2 * x

    exercise = square_exercise()
    exercise.check(square)
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"{FAIL} Exercise 1 (square): square(x=3) returned 6, expected 9"
    assert not exercise.passed


def test_function_exercise_reports_the_first_failing_case(capsys):
    def square(x):
        return abs(x) * x if np.ndim(x) else x * x     # right for numbers, wrong for arrays

    square_exercise().check(square)
    assert ("square(x=[ 1., -2.]) returned [ 1., -4.], expected [1., 4.]"
            in capsys.readouterr().out)


def test_function_exercise_exception_is_reported_not_raised(capsys):
    def square(x):
        return x / 0

    square_exercise().check(square)
    assert "square(x=3) raised ZeroDivisionError: float division by zero" in capsys.readouterr().out


@pytest.mark.parametrize("answer, message", [
    (None, "replace the `...` with a function"),
    (..., "replace the `...` with a function"),
    (9.0, "expected a function, got float"),
])
def test_function_exercise_not_a_function(capsys, answer, message):
    exercise = square_exercise()
    exercise.check(answer)
    assert message in capsys.readouterr().out
    assert not exercise.passed


@pytest.mark.parametrize("body, message", [
    (lambda x: None, "returned None (did you forget `return`"),
    (lambda x: ..., "is still `...`"),
    (lambda x: [x, x], "returned shape (2,), expected shape ()"),
    (lambda x: float("nan"), "returned NaN"),
    (lambda x: "nine", "returned str 'nine'"),
])
def test_function_exercise_odd_results(capsys, body, message):
    square_exercise().check(body)
    out = capsys.readouterr().out
    assert "<lambda>(x=3)" in out and message in out


def test_function_exercise_unnamed_arguments(capsys):
    Exercise("E", cases=[((1.0, 2.0), 3.0)], arg_names=["a"]).check(lambda a, b: a - b)
    assert "<lambda>(a=1, 2) returned -1, expected 3" in capsys.readouterr().out


def test_function_exercise_wrong_signature_is_reported(capsys):
    Exercise("E", cases=[((1.0, 2.0), 3.0)]).check(lambda a: a)
    assert "raised TypeError" in capsys.readouterr().out


def test_a_function_that_modifies_its_input_cannot_change_the_cases(capsys):
    def relu_in_place(x):
        x[x < 0] = 0
        return x

    exercise = Exercise("relu", cases=[((np.array([-1.0, 2.0]),), np.array([0.0, 2.0]))])
    exercise.check(relu_in_place)
    assert exercise.passed
    exercise.check(lambda x: x)        # wrong: forgets the negatives
    assert not exercise.passed, "the first check rewrote the case's input"


# --- hint and solution ----------------------------------------------------------------------------------


def test_hint_and_solution(capsys):
    exercise = square_exercise()
    exercise.hint()
    assert capsys.readouterr().out == "Hint for Exercise 1 (square):\n  Multiply x by itself.\n"
    exercise.solution()
    assert capsys.readouterr().out == ("Solution for Exercise 1 (square):\n"
                                       "  def square(x):\n      return x * x\n")
