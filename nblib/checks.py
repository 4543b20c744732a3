"""Instant feedback for exercises, in the style of Kaggle Learn's ``q1.check()``.

A check calls the student's function on known cases and prints one clear line:
"✓ Correct" or exactly what went wrong (which input, what was expected, what
came back).  Nothing here raises an ``AssertionError`` at a student.

Notebook-specific exercises are defined in :mod:`nblib.exercises`.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

PASS = "✓"
FAIL = "✗"


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


def _difference(got, expected, tol: float) -> str | None:
    """Describe how ``got`` differs from ``expected``, or None if they agree within ``tol``."""
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


@dataclass
class Exercise:
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
    """

    name: str
    expected: object = None
    cases: Sequence[tuple[tuple, object]] = ()
    arg_names: Sequence[str] = ()
    hint_text: str = ""
    solution_code: str = ""
    tol: float = 1e-6
    passed: bool = field(default=False, init=False)

    def check(self, answer) -> None:
        """Check ``answer`` (a function, or a value) and print the verdict."""
        self.passed = False
        if self.cases:
            message = self._check_function(answer)
        else:
            problem = _difference(answer, self.expected, self.tol)
            message = None if problem is None else f"your answer {problem}"
        if message is None:
            self.passed = True
            print(f"{PASS} Correct! {self.name}")
        else:
            print(f"{FAIL} {self.name}: {message}")
            if self.hint_text:
                print("  Stuck? Run .hint() on this exercise, or .solution() to see one answer.")

    def _check_function(self, func: Callable) -> str | None:
        if func is None or func is Ellipsis:
            return "replace the `...` with a function"
        if not callable(func):
            return f"expected a function, got {type(func).__name__}"
        name = getattr(func, "__name__", "your function")
        for args, expected in self.cases:
            call = f"{name}({self._show_args(args)})"
            try:
                got = func(*copy.deepcopy(args))
            except Exception as error:  # a student's bug: report it, don't crash the check
                return f"{call} raised {type(error).__name__}: {error}"
            problem = _difference(got, expected, self.tol)
            if problem is not None:
                return f"{call} {problem}"
        return None

    def _show_args(self, args: tuple) -> str:
        names = list(self.arg_names) + [""] * (len(args) - len(self.arg_names))
        return ", ".join(f"{n}={format_value(a)}" if n else format_value(a)
                         for n, a in zip(names, args))

    def hint(self) -> None:
        """Print a hint."""
        print(f"Hint for {self.name}:\n" + textwrap.indent(self.hint_text.strip(), "  "))

    def solution(self) -> None:
        """Print one correct answer."""
        print(f"Solution for {self.name}:\n" + textwrap.indent(self.solution_code.strip(), "  "))
