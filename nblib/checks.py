"""Instant feedback for exercises, in the style of Kaggle Learn's ``q1.check()``.

A check calls the student's function on known cases (or looks at a value) and
prints one clear line: "✓ Correct" or what *kind* of wrong the answer is --
its type, its shape, its sign, too high or too low -- and, when it matches a
typical mistake, what that mistake is.  It never prints the right answer, so a
student cannot copy it from the message; ``.solution()`` shows it on request.
Nothing here raises an ``AssertionError`` at a student.

Notebook-specific exercises are defined in :mod:`nblib.exercises`.
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

PASS = "✓"
FAIL = "✗"
TODO = "○"

#: How close a typed answer must be to a :class:`Mistake`'s ``value`` (relative):
#: loose, because a student types rounded numbers (0.33 for 1/3).
VALUE_MISTAKE_TOL = 0.02

#: Within this relative distance a wrong answer is called "slightly" off.
_NEARLY = 1e-3


def format_value(value) -> str:
    """Show a number or array at 4 significant digits, the precision the checks print."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.asarray(value)
        if np.issubdtype(array.dtype, np.number):
            return np.array2string(array.astype(float), precision=4, separator=", ",
                                   suppress_small=True, floatmode="maxprec")
    return repr(value)


# --- compare: a notebook checking its own code (may show both numbers) --------------------


def _difference(got, expected, tol: float) -> str | None:
    """Describe how ``got`` differs from ``expected``, or None if they agree within ``tol``.

    For :func:`compare` only: it prints the expected value, which an exercise must not.
    """
    if got is None:
        return "returned None (did you forget `return`, or leave `...` in place?)"
    if got is Ellipsis:
        return "is still `...`: replace it with your answer"
    if isinstance(got, (str, bytes)):
        return (f"returned {type(got).__name__} {got!r}, "
                f"expected a number like {format_value(expected)}")
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"returned {type(got).__name__} {got!r}, expected a number like {format_value(expected)}"
    expected_array = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected_array.shape:
        return (f"returned shape {got_array.shape}, expected shape {expected_array.shape} "
                f"(expected {format_value(expected)})")
    if np.any(np.isnan(got_array)):
        return f"returned NaN ({format_value(got)}), expected {format_value(expected)}"
    if not np.allclose(got_array, expected_array, rtol=tol, atol=tol):
        return f"returned {format_value(got)}, expected {format_value(expected)}"
    return None


def compare(name: str, got, expected, *, tol: float = 1e-7) -> None:
    """Print one line saying whether ``got`` matches ``expected`` within ``tol``.

    For checks a notebook runs on itself (the notebook's code against nblib's,
    a hand-derived gradient against a numerical one).  Prints the verdict and
    the tolerance rather than the raw difference, which varies with the machine.
    Not for exercises: on a mismatch it shows both numbers.

    Parameters
    ----------
    name : str
        What is compared, e.g. ``"dL/dw"``.
    got, expected : float or arrays of the same shape
    tol : float
        Allowed absolute and relative difference.

    Prints rather than returns, so a cell ending in ``compare(...)`` shows
    only the verdict line.
    """
    problem = _difference(got, expected, tol)
    if problem is None:
        print(f"{PASS} {name}: matches (within {tol:g})")
    else:
        print(f"{FAIL} {name}: {problem}")


def confirm(statement: str, holds, *, detail: str = "") -> None:
    """Print "✓ <statement>" when ``holds`` is true; raise AssertionError naming it otherwise.

    For the checks a notebook makes on its own results (an accuracy that must reach a
    level, a gap that must exist), in place of a bare ``assert``: a reader sees in one
    line what was checked, and the tests, which run every notebook, fail when it stops
    being true.  Keep ``statement`` free of machine-dependent numbers, so that the
    stored output is the same on every machine; ``detail`` (e.g. the measured value)
    is shown only when the statement is false.

    Parameters
    ----------
    statement : str
        What must hold, e.g. ``"validation accuracy ≥ 97.5 %"``.
    holds : bool
        Whether it does.
    detail : str, optional
        Added to the error when it does not, e.g. ``f"measured {acc:.4f}"``.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError("confirm needs a statement (a non-empty str) saying what is checked")
    if not bool(holds):
        raise AssertionError(f"{FAIL} {statement}: not true" + (f" ({detail})" if detail else ""))
    print(f"{PASS} {statement}")


# --- exercises: say what kind of wrong, never the right answer ---------------------------


def _wanted(expected) -> str:
    """What the answer should look like, by shape only: "one number" or "an array of shape (2,)"."""
    shape = np.shape(expected)
    return "one number" if shape == () else f"an array of shape {shape}"


def _describe_wrong(got, expected, tol: float) -> str | None:
    """How ``got`` differs from ``expected``, as a verb phrase; None when it matches.

    The exercises' describer.  It may name the type, the shape, the sign, the
    order of magnitude and the direction of an error, but never the expected
    value itself ("is too high", "has shape (3,), expected an array of shape (2,)").
    """
    if got is Ellipsis:
        return "is still `...`: replace it with your answer"
    if got is None:
        return "is None"
    wanted = _wanted(expected)
    if isinstance(got, (str, bytes)):
        return f"is a {type(got).__name__}, expected {wanted}" + _quotes_hint(got)
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        # A Value, a dict, a ragged list...: name the type, and for a Value where to look.
        data_hint = " (its .data holds the number)" if hasattr(got, "data") else ""
        return f"is a {type(got).__name__}{data_hint}, expected {wanted}"
    expected_array = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected_array.shape:
        if isinstance(got, (tuple, list)) and expected_array.ndim == 0:
            items = "item" if len(got) == 1 else "items"
            return f"is a {type(got).__name__} of {len(got)} {items}, expected one number"
        return f"has shape {got_array.shape}, expected {wanted}"
    if np.isnan(got_array).any():
        return "is NaN (not a number)" if got_array.ndim == 0 else "contains NaN (not a number)"
    if np.isinf(got_array).any():
        return "is infinite" if got_array.ndim == 0 else "contains an infinite entry"
    if np.allclose(got_array, expected_array, rtol=tol, atol=tol):
        return None
    if got_array.ndim == 0:
        return _describe_number(float(got_array), float(expected_array), tol)
    return _describe_entries(got_array, expected_array, tol)


def _quotes_hint(text) -> str:
    """A number typed in quotes gets told to drop them."""
    try:
        float(text)
    except ValueError:
        return ""
    return ": remove the quotes"


def _describe_number(got: float, expected: float, tol: float) -> str:
    """Sign, order of magnitude or direction of a wrong number, without saying the right one."""
    direction = "too high" if got > expected else "too low"
    if abs(expected) <= tol:            # the answer is 0: no sign or ratio to speak of
        return f"is {direction}"
    if got == 0:
        return "is 0, and the right answer is not"
    ratio = got / expected
    if ratio < 0:
        same_size = abs(ratio + 1) < _NEARLY
        return "has the wrong sign" + (" (its size is right)" if same_size else "")
    if ratio >= 10:
        return "is more than 10 times too large"
    if ratio <= 0.1:
        return "is less than a tenth of the right size"
    if abs(ratio - 1) < _NEARLY:
        return f"is slightly {direction}: close, but not within the tolerance ({tol:g})"
    return f"is {direction}"


def _describe_entries(got: np.ndarray, expected: np.ndarray, tol: float) -> str:
    """Which entries of a wrong array are off, and how, without showing the right ones."""
    nonzero = np.abs(expected) > tol
    if nonzero.any() and np.all(np.sign(got[nonzero]) == -np.sign(expected[nonzero])):
        same_size = np.allclose(-got, expected, rtol=_NEARLY, atol=tol)
        return "has the wrong sign in every entry" + (" (the sizes are right)" if same_size else "")
    if not got.any():
        return "is all zeros"
    factor = _common_factor(got, expected, tol)
    if factor is not None and factor >= 10:
        return "is more than 10 times too large in every entry"
    if factor is not None and factor <= 0.1:
        return "is less than a tenth of the right size in every entry"
    if factor is not None:
        size = "too large" if factor > 1 else "too small"
        return f"is {size} by the same factor in every entry (a missing or extra constant?)"
    return _wrong_entries(got, expected, tol)


def _common_factor(got, expected, tol: float) -> float | None:
    """The c > 0 with got ≈ c * expected in every entry, or None if there is none."""
    nonzero = np.abs(expected) > tol
    if not nonzero.any():
        return None
    factor = float(np.median(got[nonzero] / expected[nonzero]))
    if factor > 0 and np.allclose(got, factor * expected, rtol=_NEARLY, atol=tol):
        return factor
    return None


def _wrong_entries(got, expected, tol: float, most: int = 4) -> str:
    """E.g. "is wrong in entries [0] (too low) and [2] (too high)"."""
    wrong = np.argwhere(~np.isclose(got, expected, rtol=tol, atol=tol))
    shown = [f"{_index(i)} ({'too high' if got[tuple(i)] > expected[tuple(i)] else 'too low'})"
             for i in wrong[:most]]
    if len(wrong) > most:
        shown.append(f"{len(wrong) - most} more")
    entries = "entry" if len(wrong) == 1 else "entries"
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"is wrong in {entries} {listed}"


def _index(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _close(got, target, rtol: float, atol: float) -> bool:
    """Whether ``got`` and ``target`` are numbers or arrays of one shape, equal within tolerance."""
    try:
        got, target = np.asarray(got, dtype=np.float64), np.asarray(target, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got.shape == target.shape and bool(np.allclose(got, target, rtol=rtol, atol=atol))


@dataclass
class _Outcome:
    """What one case gave: a result, or the exception the student's code raised."""

    args: tuple
    expected: object
    got: object = None
    error: str | None = None            # "ExceptionType: message"
    problem: str | None = None          # None: this case is right
    stub: NotDone | None = None         # the verdict when a stub raised NotImplementedError


def _raised_in(error: BaseException) -> str:
    """The name of the function that raised ``error``, e.g. ``"MyLayer.__call__"``."""
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    name = getattr(code, "co_qualname", code.co_name)     # co_qualname: Python 3.11+
    return name.rsplit("<locals>.", 1)[-1]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: how to recognise it, and what to tell the student instead.

    Give exactly one of ``value``, ``function``, ``error``, ``when``.  An
    exercise tries its mistakes in order, only on a wrong answer, and prints the
    first one that matches.  The message must not reveal the right answer.

    Parameters
    ----------
    message : str
        What went wrong and what to fix.  A value exercise prints it on its own
        (write it as "your answer is ..."); a function exercise prints it after
        the failing call and what came back.
    value : number, optional
        Value exercises: the wrong answer, matched within ``tol`` (relative).
    function : callable, optional
        Function exercises: the mistaken code, taking the same arguments.  Matches
        when it gives what the student's function gave on every case.
    error : str, optional
        Function exercises: a regular expression searched in "ExceptionType:
        message" of what the student's code raised on the first failing case.
    when : callable, optional
        A predicate ``when(got, expected) -> bool`` on what came back (the first
        failing case's result, or the value answer).
    tol : float, optional
        How close counts as the same.  Default: :data:`VALUE_MISTAKE_TOL` for
        ``value``, the exercise's own tolerance for ``function``.
    """

    message: str
    value: object = None
    function: Callable | None = None
    error: str | None = None
    when: Callable | None = None
    tol: float | None = None

    def __post_init__(self):
        if not isinstance(self.message, str) or not self.message.strip():
            raise TypeError("Mistake needs a message (a non-empty str)")
        given = [name for name in ("value", "function", "error", "when")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give a Mistake exactly one of value=, function=, error=, when= "
                             f"(got {', '.join(given) or 'none'}): {self.message!r}")
        if self.error is not None:
            re.compile(self.error)          # a bad pattern fails here, not at a student

    def matches(self, outcomes: Sequence[_Outcome], exercise_tol: float) -> bool:
        """Whether this mistake explains an answer's outcomes: one per case, at least one wrong.

        ``error`` and ``when`` look at the first wrong outcome (the one reported),
        ``function`` at every case, ``value`` at the value answer.
        """
        wrong = [outcome for outcome in outcomes if outcome.problem is not None]
        first = wrong[0]
        try:
            if self.error is not None:
                return first.error is not None and re.search(self.error, first.error) is not None
            if self.function is not None:
                tol = exercise_tol if self.tol is None else self.tol
                with np.errstate(all="ignore"):     # mistaken code may overflow: that's fine
                    return all(outcome.error is None
                               and _close(outcome.got,
                                          self.function(*copy.deepcopy(outcome.args)), tol, tol)
                               for outcome in outcomes)
            if first.error is not None:
                return False
            if self.when is not None:
                return bool(self.when(first.got, first.expected))
            tol = VALUE_MISTAKE_TOL if self.tol is None else self.tol
            return _close(first.got, self.value, tol, 1e-12)
        except Exception:  # mistaken code or a predicate failing on an odd answer: not this one
            return False


class NotDone(str):
    """A verdict that is not "wrong" but "not attempted yet": what to do first.

    The student edition's stubs (``raise NotImplementedError``) and the ``...``
    placeholders lead here, so a fresh notebook shows a to-do, not a failure.
    """


def stub_not_done(error: NotImplementedError) -> NotDone:
    """The verdict for a stub that raised ``error``: which function still needs code."""
    return NotDone(f"replace `raise NotImplementedError` in {_raised_in(error)} with your "
                   "code, then run its cell and this check again")


#: The verdict for a function exercise whose answer is still the ``...`` placeholder.
FUNCTION_NOT_DONE = NotDone("replace the `...` with a function, run that cell, then this check")


class Feedback:
    """What every kind of exercise shares: one way to print a verdict, ``.hint()``, ``.solution()``.

    A subclass has the attributes ``name``, ``hint_text``, ``solution_code`` and
    ``passed``, and calls :meth:`_report` from its ``check``.
    """

    def _report(self, problem: str | None, praise: str = "") -> None:
        """Print "✓ Correct!" when ``problem`` is None, else "✗" with the problem; set ``passed``.

        A :class:`NotDone` problem prints "○ ...: not done yet" instead.
        """
        self.passed = problem is None
        if self.passed:
            print(f"{PASS} Correct! {self.name}{praise}")
            return
        if isinstance(problem, NotDone):
            print(f"{TODO} {self.name}: not done yet: {problem}")
            return
        print(f"{FAIL} {self.name}: {problem}")
        if self.hint_text:
            print("  Stuck? Run .hint() on this exercise, or .solution() to see one answer.")

    def hint(self) -> None:
        """Print a hint."""
        print(f"Hint for {self.name}:\n" + textwrap.indent(self.hint_text.strip(), "  "))

    def solution(self) -> None:
        """Print one correct answer."""
        print(f"Solution for {self.name}:\n" + textwrap.indent(self.solution_code.strip(), "  "))


@dataclass
class Exercise(Feedback):
    """One exercise: how to check an answer, a hint and a worked solution.

    Parameters
    ----------
    name : str
        Shown in every message, e.g. ``"Exercise 1 (forward pass)"``.
    expected : object, optional
        For a *value* exercise: the right answer.
    cases : sequence of (args, expected), optional
        For a *function* exercise: positional arguments and the right result.
    arg_names : sequence of str
        Names of the function's arguments, used to show a failing input.
    hint_text, solution_code : str
        What :meth:`hint` and :meth:`solution` print.
    tol : float
        Allowed absolute and relative difference.
    mistakes : sequence of Mistake
        Typical wrong answers, tried in order; the first match's message is
        printed instead of the generic "too high" description.

    Failure messages say what kind of wrong an answer is and never print the
    expected value; for a function they show the failing input and what the
    student's function returned.
    """

    name: str
    expected: object = None
    cases: Sequence[tuple[tuple, object]] = ()
    arg_names: Sequence[str] = ()
    hint_text: str = ""
    solution_code: str = ""
    tol: float = 1e-6
    mistakes: Sequence[Mistake] = ()
    passed: bool = field(default=False, init=False)

    def __post_init__(self):
        for mistake in self.mistakes:
            self._check_mistake(mistake)

    def _check_mistake(self, mistake: Mistake) -> None:
        """Refuse a mistake that cannot apply to this exercise, or that is the right answer."""
        if not isinstance(mistake, Mistake):
            raise TypeError(f"{self.name}: mistakes must be Mistake objects, "
                            f"got {type(mistake).__name__}")
        kind = "function" if self.cases else "value"
        unusable = ("function", "error") if kind == "value" else ("value",)
        if any(getattr(mistake, name) is not None for name in unusable):
            raise ValueError(f"{self.name}: a {kind} exercise recognises a mistake by "
                             f"{'value= or when=' if kind == 'value' else 'function=, error= or when='}"
                             f": {mistake.message!r}")
        if mistake.value is not None and _close(mistake.value, self.expected, self.tol, self.tol):
            raise ValueError(f"{self.name}: the mistake {mistake.message!r} is the right answer")
        if mistake.function is not None:
            try:
                with np.errstate(all="ignore"):     # mistaken code may overflow: that's fine
                    results = [mistake.function(*copy.deepcopy(args)) for args, _ in self.cases]
            except Exception as error:
                raise ValueError(f"{self.name}: the mistake {mistake.message!r} raised "
                                 f"{type(error).__name__}: {error} (for code that raises, "
                                 "use error=)") from error
            if all(_close(result, expected, self.tol, self.tol)
                   for result, (_, expected) in zip(results, self.cases)):
                raise ValueError(f"{self.name}: the mistake {mistake.message!r} gives the right "
                                 "answer on every case, so it could never be recognised")

    def check(self, answer) -> None:
        """Check ``answer`` (a function, or a value) and print the verdict."""
        self._report(self._check_function(answer) if self.cases else self._check_value(answer))

    def _check_value(self, answer) -> str | None:
        if answer is Ellipsis:
            return NotDone("replace the `...` with your answer, run that cell, then this check")
        if answer is None:   # a variable set from print(...) or .backward(): no `return` involved
            return ("your answer is None: set the variable to a number "
                    "(print(...) and .backward() give None)")
        problem = _describe_wrong(answer, self.expected, self.tol)
        if problem is None:
            return None
        mistake = self._recognise([_Outcome((), self.expected, answer, problem=problem)])
        return mistake.message if mistake else f"your answer {problem}"

    def _check_function(self, func: Callable) -> str | None:
        if func is None or func is Ellipsis:
            return FUNCTION_NOT_DONE
        if not callable(func):
            return f"expected a function, got {type(func).__name__}"
        outcomes = [self._run(func, args, expected) for args, expected in self.cases]
        wrong = [outcome for outcome in outcomes if outcome.problem is not None]
        if not wrong:
            return None
        first = wrong[0]
        name = getattr(func, "__name__", "your function")
        if first.stub is not None:
            return first.stub
        if first.got is Ellipsis:
            return NotDone(f"{name} returns `...`: replace the `...` with your code")
        call = f"{name}({self._show_args(first.args)})"
        mistake = self._recognise(outcomes)
        if first.error is not None:
            said = f"{call} raised {first.error}"
        else:
            said = f"{call} returned {format_value(first.got)}"
        if mistake is not None:
            return f"{said}: {mistake.message}"
        if first.error is not None:
            return said
        if first.got is None:   # a function without `return` gives None
            return f"{said} (did you forget `return`, or leave `...` in place?)"
        return f"{said}, which {first.problem}"

    def _run(self, func: Callable, args: tuple, expected) -> _Outcome:
        """Call the student's function on one case; record what came back or what it raised."""
        try:
            # numpy's overflow warnings would only repeat what the verdict says in words
            with np.errstate(all="ignore"):
                got = func(*copy.deepcopy(args))    # a copy: their code may modify its inputs
        except Exception as error:  # a student's bug: report it, don't crash the check
            message = f"{type(error).__name__}: {error}"
            # a stub may sit in a helper the checked function calls: name the one that raised
            stub = stub_not_done(error) if isinstance(error, NotImplementedError) else None
            return _Outcome(args, expected, error=message, problem=message, stub=stub)
        return _Outcome(args, expected, got, problem=_describe_wrong(got, expected, self.tol))

    def _recognise(self, outcomes: Sequence[_Outcome]) -> Mistake | None:
        """The first of this exercise's mistakes that explains the outcomes, if any."""
        for mistake in self.mistakes:
            if mistake.matches(outcomes, self.tol):
                return mistake
        return None

    def _show_args(self, args: tuple) -> str:
        names = list(self.arg_names) + [""] * (len(args) - len(self.arg_names))
        return ", ".join(f"{n}={format_value(a)}" if n else format_value(a)
                         for n, a in zip(names, args))

@dataclass
class Choice(Feedback):
    """A multiple-choice question: its options, the right one, and why each other one is wrong.

    Parameters
    ----------
    name : str
        Shown in every message, e.g. ``"Exercise 4 (why one neuron fails)"``.
    options : dict of str -> str
        Letter -> option text, e.g. ``{"A": "...", "B": "..."}``.
    answer : str
        The right letter.
    why_not : dict of str -> str
        For every other letter, what is wrong with that option.  Printed when a
        student picks it, so it must not name the right option.
    hint_text, solution_code : str
        What :meth:`hint` and :meth:`solution` print.
    """

    name: str
    options: dict
    answer: str
    why_not: dict
    hint_text: str = ""
    solution_code: str = ""
    passed: bool = field(default=False, init=False)

    def __post_init__(self):
        if self.answer not in self.options:
            raise ValueError(f"{self.name}: the answer {self.answer!r} is not an option")
        missing = set(self.options) - {self.answer} - set(self.why_not)
        if missing:
            raise ValueError(f"{self.name}: say why option(s) {sorted(missing)} are wrong")

    def check(self, choice) -> None:
        """Check the chosen letter and print the verdict."""
        letters = ", ".join(f'"{letter}"' for letter in self.options)
        if choice is Ellipsis:
            message = NotDone(f"set your answer to one letter, {letters}, instead of `...`")
        elif not isinstance(choice, str):
            message = (f"your answer is of type {type(choice).__name__}: set it to one letter, "
                       f"{letters} (in quotes)")
        elif choice.strip().upper() not in self.options:
            message = f"{choice!r} is not one of the options: choose one of {letters}"
        elif choice.strip().upper() != self.answer:
            letter = choice.strip().upper()
            message = f"not {letter}: {self.why_not[letter]}"
        else:
            message = None
        self._report(message)
