"""nblib.checks: the one-line verdicts students read."""

import re

import numpy as np
import pytest

from nblib.checks import FAIL, PASS, TODO, Exercise, Mistake, compare, format_value


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


def value_exercise(**kwargs):
    return Exercise("Exercise 2 (log loss)", expected=4.60517, hint_text="Use -ln(y_hat).",
                    solution_code="-np.log(0.01)", tol=1e-5, **kwargs)


def test_value_exercise_right(capsys):
    exercise = value_exercise()
    exercise.check(-np.log(0.01))
    assert capsys.readouterr().out == f"{PASS} Correct! Exercise 2 (log loss)\n"
    assert exercise.passed


def test_value_exercise_wrong_says_how_not_what(capsys):
    exercise = value_exercise()
    exercise.check(np.log(0.01))
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{FAIL} Exercise 2 (log loss): your answer has the wrong sign",
        "  Stuck? Run .hint() on this exercise, or .solution() to see one answer.",
    ]
    assert not exercise.passed


@pytest.mark.parametrize("answer, message", [
    (None, "your answer is None: set the variable to a number"),
    (..., "not done yet: replace the `...` with your answer"),
    (float("nan"), "your answer is NaN"),
    (float("inf"), "your answer is infinite"),
    ([4.60517, 4.60517], "your answer is a list of 2 items, expected one number"),
    ((4.60517,), "your answer is a tuple of 1 item, expected one number"),
    (np.array([4.6, 4.6]), "your answer has shape (2,), expected one number"),
    ("four", "your answer is a str, expected one number"),
    ({"a": 1}, "your answer is a dict, expected one number"),
])
def test_value_exercise_odd_answers(capsys, answer, message):
    exercise = value_exercise()
    exercise.check(answer)
    out = capsys.readouterr().out
    assert message in out
    assert "4.605" not in out and "return" not in out
    assert not exercise.passed


def test_a_number_typed_as_a_string_is_not_correct(capsys):
    exercise = value_exercise()
    exercise.check("4.60517")
    assert not exercise.passed
    assert "your answer is a str, expected one number: remove the quotes" in capsys.readouterr().out


def test_a_value_object_is_named_with_where_its_number_is(capsys):
    class Value:
        data, grad = 4.60517, 0.0

    value_exercise().check(Value())
    assert "your answer is a Value (its .data holds the number), expected one number" in (
        capsys.readouterr().out)


def test_passed_is_reset_by_a_later_wrong_answer(capsys):
    exercise = value_exercise()
    exercise.check(4.60517)
    assert exercise.passed
    exercise.check(0.0)
    assert not exercise.passed


def test_no_hint_line_without_a_hint(capsys):
    Exercise("E", expected=1.5).check(2.0)
    assert capsys.readouterr().out == (
        f"{FAIL} E: your answer is not right (if you rounded it, keep more digits or type the "
        "expression: the check allows a difference of about 1e-06)\n")


# --- what kind of wrong: numbers -----------------------------------------------------------------


@pytest.mark.parametrize("got, expected, description", [
    (-1.2, 1.2, "has the wrong sign"),
    (-0.5, 1.2, "has the wrong sign"),
    (12.5, 1.2, "is more than 10 times too large"),
    (-125.0, -12.0, "is more than 10 times too large"),
    (0.1, 1.2, "is less than a tenth of the right size"),
    (1.5, 1.2, "is too high"),
    (1.0, 1.2, "is too low"),
    (-13.0, -12.0, "is too low"),
    (1.2001, 1.2, "is slightly too high: close, but not within the tolerance (1e-06)"),
    (0.0, 1.2, "is 0, and the right answer is not"),
    (0.3, 0.0, "is too high"),           # expected 0: no sign, no ratio
    (-0.3, 0.0, "is too low"),
    (1e-7, 0.0, None),
])
def test_number_descriptions(got, expected, description, capsys):
    """A function's result may be called too high or too low (direction=True)."""
    Exercise("E", cases=[((), expected)], direction=True).check(lambda: got)
    out = capsys.readouterr().out
    if description is None:
        assert out.startswith(PASS)
    else:
        assert out == f"{FAIL} E: <lambda>() returned {format_value(got)}, which {description}\n"


@pytest.mark.parametrize("got, expected, description", [
    (-1.2, 1.2, "has the wrong sign"),
    (-0.5, 1.2, "has the wrong sign"),
    (0.0, 1.2, "is 0, and the right answer is not"),
    (12.5, 1.2, "is not right"),
    (0.1, 1.2, "is not right"),
    (1.5, 1.2, "is not right"),
    (1.0, 1.2, "is not right"),
    (1.2001, 1.2, "is not right"),
    (0.3, 0.0, "is not right"),
    (-0.3, 0.0, "is not right"),
])
def test_a_typed_value_gets_no_direction_size_or_closeness(got, expected, description, capsys):
    """Too high / too low (and "10 times too large", "close") would be a bisection."""
    Exercise("E", expected=expected).check(got)
    out = capsys.readouterr().out
    assert out.startswith(f"{FAIL} E: your answer {description}"), out
    for word in ("high", "low", "large", "small", "tenth", "close", "slightly", "size is right"):
        assert not re.search(rf"\b{word}\b", out), out


@pytest.mark.parametrize("expected, direction", [
    (49, False), (49.0, False), (np.array([0, 1]), False),   # whole numbers: a count, classes
    (0.5, True), (np.array([0.5, 1.0]), True),
])
def test_a_function_gets_a_direction_unless_its_results_are_whole_numbers(
        expected, direction, capsys):
    exercise = Exercise("E", cases=[((), expected)])
    assert exercise.gives_direction is direction
    exercise.check(lambda: np.asarray(expected) + 0.25)
    out = capsys.readouterr().out
    assert ("too high" in out) is direction, out
    assert not Exercise("E", expected=0.5).gives_direction         # a typed value: never
    assert Exercise("E", expected=0.5, direction=True).gives_direction


def test_a_wrong_sign_names_the_step_that_decides_it_not_the_size(capsys):
    exercise = Exercise("E", expected=4.6, sign_step="mind the minus in front of the loss.")
    exercise.check(-4.6)
    assert capsys.readouterr().out.startswith(
        f"{FAIL} E: your answer has the wrong sign: mind the minus in front of the loss.\n")
    Exercise("E", cases=[((), np.array([1.5, -2.5]))], sign_step="dz is y_hat - y.").check(
        lambda: np.array([-1.5, 2.5]))
    assert "which has the wrong sign in every entry: dz is y_hat - y." in capsys.readouterr().out


@pytest.mark.parametrize("got, description", [
    ([-1.0, -2.0, 3.0], "has the wrong sign in every entry"),
    ([-2.0, -1.0, 0.5], "has the wrong sign in every entry"),
    ([3.0, 6.0, -9.0], "is too large by the same factor in every entry"),
    ([0.5, 1.0, -1.5], "is too small by the same factor in every entry"),
    ([10.5, 21.0, -31.5], "is more than 10 times too large in every entry"),
    ([0.05, 0.1, -0.15], "is less than a tenth of the right size in every entry"),
    ([0.0, 0.0, 0.0], "is all zeros"),
    ([1.0, 2.5, -3.0], "is wrong in entry [1] (too high)"),
    ([0.0, 2.5, -3.0], "is wrong in entries [0] (too low) and [1] (too high)"),
    ([1.0, np.nan, -3.0], "contains NaN"),
    ([1.0, np.inf, -3.0], "contains an infinite entry"),
    ([1.0, 2.0], "has shape (2,), expected an array of shape (3,)"),
    (1.0, "has shape (), expected an array of shape (3,)"),
])
def test_array_descriptions(got, description, capsys):
    Exercise("E", cases=[((), np.array([1.0, 2.0, -3.0]))], direction=True).check(
        lambda: np.asarray(got))
    out = capsys.readouterr().out
    assert description in out, out
    assert "expected [" not in out and "sizes are right" not in out


@pytest.mark.parametrize("got, description", [
    ([3.0, 6.0, -9.0], "is off by the same factor in every entry"),
    ([10.5, 21.0, -31.5], "is off by the same factor in every entry"),
    ([1.0, 2.5, -3.0], "is wrong in entry [1]"),
    ([0.0, 2.5, -3.0], "is wrong in entries [0] and [1]"),
])
def test_array_descriptions_without_direction(got, description, capsys):
    Exercise("E", cases=[((), np.array([1.0, 2.0, -3.0]))]).check(lambda: np.asarray(got))
    out = capsys.readouterr().out
    assert f"which {description}" in out and "too" not in out, out


def test_many_wrong_entries_are_summarised(capsys):
    Exercise("E", cases=[((), np.arange(1.0, 8.0))], direction=True).check(lambda: np.array([1, 9, 9, 9, 9, 9, 0.0]))
    assert ("is wrong in entries [1] (too high), [2] (too high), [3] (too high), [4] (too high) "
            "and 2 more") in capsys.readouterr().out


def test_matrix_entries_are_named_by_row_and_column(capsys):
    Exercise("E", cases=[((), np.eye(2))]).check(lambda: np.array([[1.0, 0.0], [0.5, 1.0]]))
    assert "is wrong in entry [1, 0]" in capsys.readouterr().out


# --- Exercise: a function ----------------------------------------------------------------------------


def test_function_exercise_right(capsys):
    exercise = square_exercise()
    exercise.check(_square)
    assert capsys.readouterr().out == f"{PASS} Correct! Exercise 1 (square)\n"
    assert exercise.passed


def test_function_exercise_wrong_shows_input_and_got_not_expected(capsys):
    def square(x):
        return 2 * x

    exercise = square_exercise()
    exercise.check(square)
    first = capsys.readouterr().out.splitlines()[0]
    # the squares of the cases are whole numbers: no direction (see test above)
    assert first == f"{FAIL} Exercise 1 (square): square(x=3) returned 6, which is not right"
    assert not exercise.passed


def test_function_exercise_reports_the_first_failing_case(capsys):
    def square(x):
        return abs(x) * x if np.ndim(x) else x * x     # right for numbers, wrong for arrays

    square_exercise().check(square)
    assert ("square(x=[ 1., -2.]) returned [ 1., -4.], which is wrong in entry [1]\n"
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
    (lambda x: None, "returned None (did you forget `return`, or leave `...` in place?)"),
    (lambda x: [x, x], "returned [3., 3.], which is a list of 2 items, expected one number"),
    (lambda x: float("nan"), "returned nan, which is NaN"),
    (lambda x: "nine", "returned 'nine', which is a str, expected one number"),
    (lambda x: -x * x, "returned -9, which has the wrong sign\n"),
])
def test_function_exercise_odd_results(capsys, body, message):
    square_exercise().check(body)
    out = capsys.readouterr().out
    assert "<lambda>(x=3)" in out and message in out, out


def test_a_function_returning_ellipsis_is_not_done_yet(capsys):
    square_exercise().check(lambda x: ...)
    assert "not done yet: <lambda> returns `...`: replace the `...` with your code" in (
        capsys.readouterr().out)


def test_function_exercise_unnamed_arguments(capsys):
    Exercise("E", cases=[((1.0, 2.0), 3.0)], arg_names=["a"]).check(lambda a, b: a - b)
    assert "<lambda>(a=1, 2) returned -1, which has the wrong sign" in capsys.readouterr().out


def test_function_exercise_wrong_signature_is_reported(capsys):
    def add(a):
        return a

    Exercise("E", cases=[((1.0, 2.0), 3.0)], arg_names=["a", "b"]).check(add)
    assert capsys.readouterr().out == (f"{FAIL} E: add(a) does not fit the check's call "
                                       "add(a, b): define it with these 2 arguments\n")
    Exercise("E", cases=[((1.0, 2.0), 3.0)]).check(lambda a, b, c: a)
    assert "<lambda>(a, b, c) does not fit the check's call <lambda>(arg1, arg2)" in (
        capsys.readouterr().out)
    Exercise("E", cases=[((1.0,), 3.0)], arg_names=["x"]).check(lambda: 1)
    assert capsys.readouterr().out.endswith("<lambda>(x): define it with this 1 argument\n")


def test_a_function_that_modifies_its_input_cannot_change_the_cases(capsys):
    def relu_in_place(x):
        x[x < 0] = 0
        return x

    exercise = Exercise("relu", cases=[((np.array([-1.0, 2.0]),), np.array([0.0, 2.0]))])
    exercise.check(relu_in_place)
    assert exercise.passed
    exercise.check(lambda x: x)        # wrong: forgets the negatives
    assert not exercise.passed, "the first check rewrote the case's input"


def test_compare_shows_the_expected_value_but_an_exercise_does_not(capsys):
    compare("g", 6.0, 9.0)
    assert "expected 9" in capsys.readouterr().out
    Exercise("g", expected=9.0).check(6.0)
    Exercise("g", cases=[((3.0,), 9.0)]).check(lambda x: 2 * x)
    assert "9" not in capsys.readouterr().out.replace("x=3", "")


# --- Mistake: recognising a typical wrong answer -------------------------------------------------


def test_a_value_mistake_is_recognised_within_two_percent(capsys):
    exercise = value_exercise(mistakes=[Mistake(value=-4.60517, message="your answer forgot -.")])
    for answer in (-4.60517, -4.6, -4.55):
        exercise.check(answer)
        assert "✗ Exercise 2 (log loss): your answer forgot -." in capsys.readouterr().out
    exercise.check(-4.4)                                    # 4% off: the generic description
    assert "your answer has the wrong sign" in capsys.readouterr().out


def test_a_value_mistake_tolerance_can_be_set(capsys):
    exercise = value_exercise(mistakes=[Mistake(value=1.0, tol=1e-9, message="exactly one")])
    exercise.check(1.001)
    assert "exactly one" not in capsys.readouterr().out


def test_a_function_mistake_must_match_on_every_case(capsys):
    """x > 0 and x < 0 give the same wrong answer at 0; only one of them is the student's."""
    cases = [((1.0,), 1), ((-1.0,), 0), ((0.0,), 1)]
    exercise = Exercise("E", cases=cases, arg_names=["x"], mistakes=[
        Mistake(function=lambda x: int(x < 0), message="classes swapped"),
        Mistake(function=lambda x: int(x > 0), message="> instead of >="),
    ])
    exercise.check(lambda x: int(x > 0))
    assert "<lambda>(x=0) returned 0: > instead of >=" in capsys.readouterr().out
    exercise.check(lambda x: 1 - int(x >= 0))
    assert "<lambda>(x=1) returned 0: classes swapped" in capsys.readouterr().out


def test_an_error_mistake_matches_type_and_message(capsys):
    exercise = square_exercise(mistakes=[
        Mistake(error=r"^ZeroDivisionError: .*by zero", message="do not divide by 0."),
    ])
    exercise.check(lambda x: x / 0)
    assert ("<lambda>(x=3) raised ZeroDivisionError: float division by zero (line 1 of your "
            "lambda): do not divide by 0." in capsys.readouterr().out)
    exercise.check(lambda x: x.nope)
    assert "do not divide" not in capsys.readouterr().out


def test_a_predicate_mistake_sees_what_came_back_and_the_expected(capsys):
    seen = []

    def is_pair(got, expected):
        seen.append((got, expected))
        return isinstance(got, tuple)

    exercise = square_exercise(mistakes=[Mistake(when=is_pair, message="one number, please.")])
    exercise.check(lambda x: (x, x))
    assert "returned [3., 3.]: one number, please." in capsys.readouterr().out
    assert seen == [((3.0, 3.0), 9.0)]


def test_a_predicate_that_breaks_on_an_odd_answer_is_skipped_not_raised(capsys):
    def first_entry_negative(got, expected):
        return got[0] < 0                   # a TypeError on a number

    exercise = square_exercise(mistakes=[Mistake(when=first_entry_negative, message="never")])
    exercise.check(lambda x: 2 * x)
    out = capsys.readouterr().out
    assert "returned 6, which is not right" in out and "never" not in out


def test_mistakes_are_tried_in_order(capsys):
    exercise = square_exercise(mistakes=[Mistake(when=lambda got, e: True, message="first"),
                                         Mistake(function=lambda x: 2 * x, message="second")])
    exercise.check(lambda x: 2 * x)
    assert "first" in capsys.readouterr().out


def test_a_mistake_overrides_the_none_message(capsys):
    exercise = square_exercise(mistakes=[
        Mistake(when=lambda got, expected: got is None, message="the helper returned None.")])
    exercise.check(lambda x: None)
    out = capsys.readouterr().out
    assert "<lambda>(x=3) returned None: the helper returned None." in out
    assert "forget `return`" not in out


@pytest.mark.parametrize("kwargs, error", [
    ({}, "exactly one of value=, function=, error=, when= (got none)"),
    ({"value": 1.0, "when": bool}, "exactly one of value=, function=, error=, when= "
                                   "(got value, when)"),
    ({"error": "("}, "missing"),
])
def test_mistake_needs_exactly_one_way_to_recognise_it(kwargs, error):
    with pytest.raises((ValueError, re.error), match=re.escape(error)):
        Mistake(message="m", **kwargs)


def test_mistake_needs_a_message():
    with pytest.raises(TypeError, match="needs a message"):
        Mistake(message="  ", value=1.0)


@pytest.mark.parametrize("make, error", [
    (lambda: value_exercise(mistakes=[Mistake(function=abs, message="m")]),
     "a value exercise recognises a mistake by value= or when="),
    (lambda: square_exercise(mistakes=[Mistake(value=2.0, message="m")]),
     "a function exercise recognises a mistake by function=, error= or when="),
    (lambda: value_exercise(mistakes=[Mistake(value=4.60517, message="m")]),
     "is the right answer"),
    (lambda: square_exercise(mistakes=[Mistake(function=lambda x: x**2, message="m")]),
     "gives the right answer on every case"),
    (lambda: square_exercise(mistakes=[Mistake(function=lambda x: 1 // 0, message="m")]),
     "the mistake 'm' raised ZeroDivisionError: integer division or modulo by zero on every "
     "case (for code that raises, use error=)"),
    (lambda: square_exercise(mistakes=["forgot the square"]), "must be Mistake objects"),
])
def test_exercise_refuses_a_mistake_that_cannot_work(make, error):
    with pytest.raises((TypeError, ValueError), match=re.escape(error)):
        make()


# --- hint and solution ----------------------------------------------------------------------------------


def test_hint_and_solution(capsys):
    exercise = square_exercise()
    exercise.hint()
    assert capsys.readouterr().out == "Hint for Exercise 1 (square):\n  Multiply x by itself.\n"
    exercise.solution()
    assert capsys.readouterr().out == ("Solution for Exercise 1 (square):\n"
                                       "  def square(x):\n      return x * x\n")


# --- multiple choice ---------------------------------------------------------------------------

def test_choice_says_why_a_wrong_option_is_wrong_without_naming_the_right_one(capsys):
    from nblib.checks import Choice
    question = Choice("Q", {"A": "one", "B": "two", "C": "three"}, answer="B",
                      why_not={"A": "too few", "C": "too many"}, hint_text="think")
    question.check("a")
    out = capsys.readouterr().out
    assert "not A: too few" in out and "B" not in out.split(":", 1)[1] and not question.passed
    question.check("B")
    assert question.passed and capsys.readouterr().out.startswith("✓ Correct! Q")
    for answer, says in [("Z", "not one of the options"), (None, "of type NoneType"),
                         (..., "not done yet")]:
        question.check(answer)
        assert says in capsys.readouterr().out and not question.passed


def test_choice_needs_a_reason_for_every_wrong_option():
    from nblib.checks import Choice
    with pytest.raises(ValueError, match="say why"):
        Choice("Q", {"A": "one", "B": "two"}, answer="B", why_not={})
    with pytest.raises(ValueError, match="not an option"):
        Choice("Q", {"A": "one"}, answer="B", why_not={"A": "no"})


def test_a_stub_that_raises_not_implemented_error_is_not_done_yet_not_wrong(capsys):
    """The student edition's stubs: a to-do line, no traceback, no "Stuck?" prompt."""
    def neuron_output(x, w, b):
        # your code here
        raise NotImplementedError

    exercise = Exercise(name="Exercise 1 (forward)", cases=[((1.0, 2.0, 0.5), 2.5)],
                        hint_text="h", solution_code="s")
    exercise.check(neuron_output)
    assert capsys.readouterr().out == (
        f"{TODO} Exercise 1 (forward): not done yet: replace `raise NotImplementedError` in "
        "neuron_output with your code, then run its cell and this check again\n")
    assert not exercise.passed


def test_not_done_yet_names_the_stub_that_raised_not_the_wrapper_the_check_calls(capsys):
    def binary_cross_entropy(y_hat, y):
        # your code here
        raise NotImplementedError

    def loss_and_gradient(y_hat, y):
        return binary_cross_entropy(y_hat, y)

    Exercise(name="E", cases=[((0.5, 1.0), 0.69)]).check(loss_and_gradient)
    assert "replace `raise NotImplementedError` in binary_cross_entropy with" in (
        capsys.readouterr().out)


# --- confirm: a notebook checking its own results ------------------------------------------------


def test_confirm_prints_the_statement_when_it_holds(capsys):
    from nblib.checks import confirm
    confirm("validation accuracy ≥ 97.5 %", 0.98 >= 0.975)
    assert capsys.readouterr().out == f"{PASS} validation accuracy ≥ 97.5 %\n"


def test_confirm_raises_naming_the_statement_and_detail_when_it_fails(capsys):
    from nblib.checks import confirm
    with pytest.raises(AssertionError, match=r"validation accuracy ≥ 97.5 %: not true \(0.9500\)"):
        confirm("validation accuracy ≥ 97.5 %", 0.95 >= 0.975, detail="0.9500")
    assert capsys.readouterr().out == ""


def test_confirm_needs_a_statement():
    from nblib.checks import confirm
    with pytest.raises(TypeError, match="statement"):
        confirm("", True)


# --- whatever comes in, one verdict line comes out -------------------------------------------------


def test_the_safety_net_turns_a_broken_check_into_a_verdict(capsys):
    """A check with a bug still answers with one line, and says the fault is the check's."""
    from nblib.checks import CHECK_FAILED, Feedback

    class Broken(Feedback):
        name, hint_text, solution_code, passed = "E", "h", "s", True

        def check(self, answer):
            raise KeyError("a bug")

    exercise = Broken()
    exercise.check(1.0)
    assert capsys.readouterr().out == (
        f"{FAIL} E: {CHECK_FAILED} (KeyError: 'a bug'). That is a bug in the check: please "
        "report it, with your answer.\n")
    assert not exercise.passed


@pytest.mark.parametrize("call", [lambda e: e.check(), lambda e: e.check(1.0, 2.0)])
def test_a_check_called_without_one_answer_says_so(call, capsys):
    call(value_exercise())
    assert capsys.readouterr().out == (f"{FAIL} Exercise 2 (log loss): give the check your "
                                       "answer, one argument: .check(your_answer)\n")


def test_a_check_takes_its_answer_by_keyword_too(capsys):
    value_exercise().check(answer=-np.log(0.01))
    assert capsys.readouterr().out.startswith(PASS)


@pytest.mark.parametrize("module, name", [("nb02", "exercise_3"), ("nb02", "exercise_4"),
                                          ("nb03", "exercise_1"), ("nb04", "exercise_1"),
                                          ("nb05", "exercise_1")])
def test_a_huge_integer_gets_a_verdict_not_an_overflow_error(module, name, capsys):
    import importlib
    exercise = getattr(importlib.import_module(f"nblib.exercises.{module}"), name)
    for huge in (10**400, -10**400, 10**5000):
        exercise.check(huge)
        out = capsys.readouterr().out
        assert out.startswith(f"{FAIL} {exercise.name}: your answer is an integer of about "), out
        assert "more than a float can hold" in out


@pytest.mark.parametrize("answer", [1.2 + 0j, np.complex128(1.2), np.array([1.2 + 1j]), 1.2 + 5j])
def test_a_complex_number_is_not_taken_for_its_real_part(answer, capsys):
    exercise = Exercise("E", expected=1.2)
    exercise.check(answer)
    assert not exercise.passed and "complex" in capsys.readouterr().out


def test_format_value_never_raises_and_keeps_to_one_line():
    class NoRepr:
        def __repr__(self):
            raise RuntimeError("no")

    assert format_value(NoRepr()) == "<NoRepr object>"
    assert format_value(10**400) == "~1e+400"
    assert "\n" not in format_value(np.arange(12.0).reshape(3, 4))
    assert len(format_value("x" * 500)) <= 100


def test_as_numbers_says_what_an_answer_is_instead_of_numbers():
    from nblib.checks import as_numbers

    class Value:
        data = 1.0

    class NoArray:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("no")

    assert as_numbers([1, 2.5])[0].tolist() == [1.0, 2.5]
    for value, said in [(None, "is None"), ("1", "is a str"), (Value(), "is a Value (its .data"),
                        ([Value()], "is a list of Value objects"), ({}, "is a dict"),
                        (1j, "is a complex number"), (10**400, "is an integer of about 401"),
                        (NoArray(), "is a NoArray that cannot be read as numbers"),
                        (np.array(["a"]), "is an ndarray of text"),
                        ([10**400], "is a list holding an integer too large")]:
        numbers, why_not = as_numbers(value)
        assert numbers is None and why_not.startswith(said), (value, why_not)


def test_a_students_exception_names_their_line_not_nblibs(capsys):
    def helper(x):
        scale = 0
        return x / scale

    def square(x):
        return helper(x) * x

    square_exercise().check(square)
    assert ("square(x=3) raised ZeroDivisionError: float division by zero (line 3 of your "
            "helper)") in capsys.readouterr().out


def test_a_builtin_or_a_call_that_never_enters_the_function_has_no_line(capsys):
    square_exercise().check(len)
    out = capsys.readouterr().out
    assert "len(x=3) raised TypeError: object of type 'float' has no len()\n" in out


def test_a_function_mistake_may_raise_where_the_students_code_raises(capsys):
    """A mistake reproduces the student's code, errors included: a missing keepdims breaks
    some shapes only, and must still be recognised."""
    cases = [((np.array([[1.0, 3.0]]),), np.array([[0.25, 0.75]])),
             ((np.array([[1.0, 1.0], [1.0, 3.0]]),), np.array([[0.5, 0.5], [0.25, 0.75]])),
             ((np.ones((2, 3)),), np.full((2, 3), 1 / 3))]
    exercise = Exercise("normalise rows", cases=cases, mistakes=[
        Mistake(function=lambda z: z / z.sum(axis=1), message="keepdims=True.")])
    exercise.check(lambda z: z / z.sum(axis=1))
    assert "keepdims=True." in capsys.readouterr().out
    exercise.check(lambda z: z / z.sum(axis=1, keepdims=True) * 2)
    assert "keepdims" not in capsys.readouterr().out
