"""Instant feedback for exercises, in the style of Kaggle Learn's ``q1.check()``.

A check calls the student's function on known cases (or looks at a value) and
prints one clear line: "✓ Correct" or what *kind* of wrong the answer is --
its type, its shape, its sign -- and, when it matches a typical mistake, what
that mistake is.  It never prints the right answer, so a student cannot copy it
from the message; ``.solution()`` shows it on request.

Two rules keep the messages from giving the answer away bit by bit:

- **No bisection.**  "Too high" and "too low", repeated, find any number
  without understanding it.  So a *value* answer (a number the student types)
  is never given a direction or a size ("more than 10 times too large" is a
  direction too, at a tenth of the guess), nor told that it is "close"; nor is
  a function whose results are whole numbers (a count, a class label: every
  direction there names the answer).  A function with real-valued results may
  be told "too high", "10 times too large" or "slightly off": a student cannot
  steer its results guess by guess without writing code that fakes each case,
  and the direction of an error in computed numbers points at the mistake in
  the code (a missing term, a rounded constant).  See :attr:`Exercise.direction`.
- **No confirmed magnitude.**  A wrong sign is reported with the step that
  decides the sign (:attr:`Exercise.sign_step`), not with "its size is right".

And one rule keeps them readable: whatever a student submits -- None, a string,
NaN, a huge integer, a function that raises or takes the wrong arguments, an
object whose ``__array__`` raises -- a check prints exactly one verdict line
(○ not done, ✗ what is wrong, ✓ correct), possibly followed by a line pointing
to ``.hint()``.  A student's exception is reported with the line of their code
that raised it.  Should a check itself fail on an answer nobody foresaw, a last
safety net (:meth:`Feedback.__init_subclass__`) turns that into a verdict line
too, saying that the check could not handle the answer.

For a program (``make grade``, tools/grading), every verdict is also a record: the
check's ``.record`` holds the exercise, the verdict and the diagnosed mistake's id and
message (see :func:`note_mistake`).  When the environment variable
:data:`REPORT_VARIABLE` is set, as the grader sets it, the check also displays that
record as a MIME bundle of type :data:`CHECK_MIME` next to the printed line; students
never see it, and stored notebooks never hold it.

Notebook-specific exercises are defined in :mod:`nblib.exercises`.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import hashlib
import inspect
import math
import os
import re
import sysconfig
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

PASS = "✓"
FAIL = "✗"
TODO = "○"

#: How close a typed answer must be to a :class:`Mistake`'s ``value`` (relative):
#: loose, because a student types rounded numbers (0.33 for 1/3).
VALUE_MISTAKE_TOL = 0.02

#: Within this relative distance a wrong result is called "slightly" off (function
#: exercises with a direction only).
_NEARLY = 1e-3

#: What the safety net says when a check fails on an answer (a bug in the check).
CHECK_FAILED = "the check could not handle this answer"

#: The generic verdict when no direction may be given.
NOT_RIGHT = "is not right"

#: The longest text a message shows of a value or an error, in characters.
_LONGEST = 100

#: The MIME type of a check's machine-readable record (see :meth:`Feedback._report`).
CHECK_MIME = "application/vnd.nblib.check+json"

#: When this environment variable is set (to anything but "" or "0"), each check also
#: displays its record as a :data:`CHECK_MIME` bundle, for the grader to read.
REPORT_VARIABLE = "NBLIB_CHECK_REPORT"

#: The verdicts of a record, by the symbol printed.
VERDICTS = {PASS: "pass", FAIL: "fail", TODO: "todo"}


# --- reading what a student gave, without trusting it --------------------------------------


def _safe_text(make: Callable[[], str], fallback: str, longest: int = _LONGEST) -> str:
    """``make()``, squeezed onto one line and shortened; ``fallback`` if it raises."""
    try:
        text = re.sub(r"\s*\n\s*", " ", str(make())).strip()
    except Exception:  # a __repr__ or __str__ that raises: say what it is instead
        return fallback
    return text if len(text) <= longest else text[:longest - 3] + "..."


def _digits(number: int) -> int:
    """About how many decimal digits an int has (str() refuses ints over 4300 digits)."""
    return int(abs(number).bit_length() * math.log10(2)) + 1


def _is_huge_int(value) -> bool:
    """An int beyond the largest float (about 1.8e308): float() overflows on it."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > 1024


def format_value(value) -> str:
    """Show a number or array at 4 significant digits, on one line, at most 100 characters.

    The precision the checks print.  Anything else is shown by its ``repr``.
    Never raises, whatever ``value`` is.
    """
    fallback = f"<{type(value).__name__} object>"
    if _is_huge_int(value):
        return f"{'-' if value < 0 else ''}~1e+{int(math.log10(abs(value)))}"
    return _safe_text(lambda: _format(value), fallback)


def _format(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.asarray(value)
        if np.issubdtype(array.dtype, np.number) and not np.iscomplexobj(array):
            return np.array2string(array.astype(float), precision=4, separator=", ",
                                   suppress_small=True, floatmode="maxprec")
    return repr(value)


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: "a list", "an int", "an ndarray"."""
    return ("an " if noun[:1].lower() in "aeiou" or noun == "ndarray" else "a ") + noun


def _has_attribute(value, name: str) -> bool:
    """``hasattr``, but False (not an exception) when the attribute lookup itself breaks."""
    try:
        return hasattr(value, name)
    except Exception:
        return False


def as_numbers(value) -> tuple[np.ndarray | None, str | None]:
    """``value`` as a float64 array, or (None, what it is instead) when it is not numbers.

    Accepts what numpy reads as real numbers (ints, floats, bools, lists and
    arrays of them).  Refuses, with a phrase that completes "your answer ...":
    text ("is a str"), complex numbers (numpy would silently drop the imaginary
    part), integers too large for a float, and objects numpy cannot read,
    including objects whose ``__array__`` or ``__float__`` raise.

    Returns
    -------
    numbers : ndarray or None
    why_not : str or None
        E.g. ``"is a dict"``, ``"is a Value (its .data holds the number)"``.
    """
    kind = _a(type(value).__name__)
    if value is None:                   # numpy would read it as NaN
        return None, "is None"
    if isinstance(value, (str, bytes)):
        return None, f"is {kind}"
    if _is_huge_int(value):
        return None, f"is an integer of about {_digits(value)} digits, more than a float can hold"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = np.asarray(value)
            if raw.dtype.kind == "c":
                return None, ("is a complex number" if raw.ndim == 0
                              else "contains complex numbers") + ", but the answer is real"
            if raw.dtype.kind in "USV":
                return None, f"is {kind} of text, not numbers"
            return raw.astype(np.float64), None
    except OverflowError:
        return None, f"is {kind} holding an integer too large for a float"
    except (TypeError, ValueError):
        pass  # not numbers: say what it is below
    except Exception as error:  # a student's object whose __array__, __len__... raises
        return None, f"is {kind} that cannot be read as numbers ({type(error).__name__})"
    if not isinstance(value, np.ndarray) and _has_attribute(value, "data"):
        return None, f"is {kind} (its .data holds the number)"
    if isinstance(value, (list, tuple)) and value and _has_attribute(value[0], "data"):
        item = type(value[0]).__name__
        return None, f"is {kind} of {item} objects (each one's .data holds a number)"
    return None, f"is {kind}"


def _quotes_hint(text) -> str:
    """A number typed in quotes gets told to drop them."""
    try:
        float(text)
    except (TypeError, ValueError):
        return ""
    return ": remove the quotes"


# --- a student's code: call it, and say where it failed ---------------------------------------


#: Folders whose code is not the student's: nblib itself, Python's library, installed packages.
_LIBRARY_FOLDERS = tuple(sorted({
    os.path.normcase(os.path.dirname(os.path.abspath(__file__))),
    *(os.path.normcase(os.path.abspath(folder)) for key, folder in sysconfig.get_paths().items()
      if key in ("stdlib", "platstdlib", "purelib", "platlib")),
}))


def _is_library(filename: str) -> bool:
    path = os.path.normcase(os.path.abspath(filename))
    return any(path.startswith(folder + os.sep) for folder in _LIBRARY_FOLDERS)


def _code_name(code) -> str:
    """A function's name as a student wrote it: ``MyLayer.__call__``, ``lambda``."""
    name = getattr(code, "co_qualname", code.co_name)     # co_qualname: Python 3.11+
    name = name.rsplit("<locals>.", 1)[-1]
    return "lambda" if name == "<lambda>" else name


def where_raised(error: BaseException) -> str:
    """Where in the student's code ``error`` was raised, e.g. ``" (line 3 of your f)"``.

    The innermost frame of the traceback that is not in nblib, numpy or Python's
    own library: the student's line that made the failing call.  The line is
    counted from the ``def`` (line 1).  Empty when no frame is the student's
    (a builtin given as the answer, or a call that failed before entering it).
    """
    frame = None
    tb = error.__traceback__
    while tb is not None:
        if not _is_library(tb.tb_frame.f_code.co_filename):
            frame = tb
        tb = tb.tb_next
    if frame is None or frame.tb_frame.f_code.co_name == "<module>":
        return ""
    code = frame.tb_frame.f_code
    line = frame.tb_lineno - code.co_firstlineno + 1
    return f" (line {line} of your {_code_name(code)})"


def error_text(error: BaseException) -> str:
    """``"ExceptionType: message"`` on one line (just the type when there is no message)."""
    kind = type(error).__name__
    message = _safe_text(lambda: error, "", longest=3 * _LONGEST)
    return f"{kind}: {message}" if message else kind


def _raised_in(error: BaseException) -> str:
    """The name of the function that raised ``error``, e.g. ``"MyLayer.__call__"``."""
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return _code_name(tb.tb_frame.f_code)


def function_name(func) -> str:
    """The name a student gave their function, or "your function"."""
    try:
        name = getattr(func, "__name__", None)
    except Exception:
        name = None
    if not isinstance(name, str) or not name.strip():
        return "your function"
    return _safe_text(lambda: name, "your function")


def wrong_signature(func, name: str, args: tuple, arg_names: Sequence[str] = ()) -> str | None:
    """Why ``func`` cannot be called with ``args`` (a verb phrase), or None when it can.

    E.g. "neuron_output(x, w) does not fit the check's call neuron_output(x, w, b):
    define it with these 3 arguments".  None also when the signature is unknown
    (a builtin): then the call itself will say.
    """
    try:
        signature = inspect.signature(func)
    except Exception:  # no signature to read (builtins, odd callables): let the call tell
        return None
    try:
        signature.bind(*args)
    except TypeError:
        pass
    else:
        return None
    names = [*arg_names, *(f"arg{i + 1}" for i in range(len(arg_names), len(args)))]
    expected = ", ".join(names[:len(args)])
    shown = _safe_text(lambda: f"{name}{signature}", name)
    these = "this 1 argument" if len(args) == 1 else f"these {len(args)} arguments"
    return (f"{shown} does not fit the check's call {name}({expected}): "
            f"define it with {these}")


@dataclass
class Attempt:
    """What one call of a student's function gave: a result, or what it raised.

    Attributes
    ----------
    got : object
        The result (None when it raised).
    error : str or None
        ``"ExceptionType: message"`` when it raised.
    where : str
        Where in the student's code it raised, e.g. ``" (line 3 of your f)"``.
    stub : NotDone or None
        The verdict when a stub raised ``NotImplementedError``.
    """

    got: object = None
    error: str | None = None
    where: str = ""
    stub: NotDone | None = None


def attempt(func: Callable, args: tuple) -> Attempt:
    """Call ``func(*args)`` on a copy of ``args``; record the result or the exception.

    The copy keeps a function that changes its inputs from changing the cases.
    numpy's overflow warnings and other warnings are silenced: they would only
    repeat what the verdict says in words.
    """
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = func(*copy.deepcopy(args))
    except Exception as error:  # a student's bug: report it, don't crash the check
        # a stub may sit in a helper the checked function calls: name the one that raised
        stub = stub_not_done(error) if isinstance(error, NotImplementedError) else None
        return Attempt(error=error_text(error), where=where_raised(error), stub=stub)
    return Attempt(got=got)


# --- compare: a notebook checking its own code (may show both numbers) --------------------


def _difference(got, expected, tol: float) -> str | None:
    """Describe how ``got`` differs from ``expected``, or None if they agree within ``tol``.

    For :func:`compare` only: it prints the expected value, which an exercise must not.
    """
    if got is None:
        return "returned None (did you forget `return`, or leave `...` in place?)"
    if got is Ellipsis:
        return "is still `...`: replace it with your answer"
    got_array, _ = as_numbers(got)
    if got_array is None:
        return (f"returned {type(got).__name__} {format_value(got)}, "
                f"expected a number like {format_value(expected)}")
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


def describe_wrong(got, expected, tol: float, *, direction: bool = True,
                   sign_step: str = "") -> str | None:
    """How ``got`` differs from ``expected``, as a verb phrase; None when it matches.

    The exercises' describer.  It names the type, the shape, NaN, the sign and,
    only when ``direction`` is true, the direction and size of an error ("is too
    high", "is more than 10 times too large"); never the expected value itself.

    Parameters
    ----------
    got : object
        Whatever the student gave; never trusted to behave.
    expected : number or array
    tol : float
        Allowed absolute and relative difference.
    direction : bool
        Whether "too high/too low", "slightly" and sizes may be said (see the
        module's docstring: not for typed values, nor for whole-number answers).
    sign_step : str
        What decides the answer's sign, said when ``got`` has the opposite sign.
    """
    if got is Ellipsis:
        return "is still `...`: replace it with your answer"
    if got is None:
        return "is None"
    wanted = _wanted(expected)
    got_array, why_not = as_numbers(got)
    if got_array is None and (_is_huge_int(got) or "complex number" in why_not):
        return why_not                  # a number, but not one a float can hold
    if got_array is None:
        quotes = _quotes_hint(got) if isinstance(got, (str, bytes)) else ""
        return f"{why_not}, expected {wanted}{quotes}"
    expected_array = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected_array.shape:
        if isinstance(got, (tuple, list)) and expected_array.ndim == 0:
            items = "item" if len(got) == 1 else "items"
            return f"is {_a(type(got).__name__)} of {len(got)} {items}, expected one number"
        return f"has shape {got_array.shape}, expected {wanted}"
    if np.isnan(got_array).any():
        return "is NaN (not a number)" if got_array.ndim == 0 else "contains NaN (not a number)"
    if np.isinf(got_array).any():
        return "is infinite" if got_array.ndim == 0 else "contains an infinite entry"
    if np.allclose(got_array, expected_array, rtol=tol, atol=tol):
        return None
    if got_array.ndim == 0:
        return _describe_number(float(got_array), float(expected_array), tol, direction,
                                sign_step)
    return _describe_entries(got_array, expected_array, tol, direction, sign_step)


def _wrong_sign(every_entry: bool, sign_step: str) -> str:
    """The wrong-sign phrase: with the step that decides the sign, never with "the size is right"."""
    said = "has the wrong sign" + (" in every entry" if every_entry else "")
    return f"{said}: {sign_step}" if sign_step else said


def _describe_number(got: float, expected: float, tol: float, direction: bool,
                     sign_step: str) -> str:
    """Sign and, with ``direction``, the direction or size of a wrong number."""
    higher = "too high" if got > expected else "too low"
    if abs(expected) <= tol:            # the answer is 0: no sign or ratio to speak of
        return f"is {higher}" if direction else NOT_RIGHT
    if got == 0:
        return "is 0, and the right answer is not"
    ratio = got / expected
    if ratio < 0:
        return _wrong_sign(False, sign_step)
    if not direction:
        return NOT_RIGHT
    if ratio >= 10:
        return "is more than 10 times too large"
    if ratio <= 0.1:
        return "is less than a tenth of the right size"
    if abs(ratio - 1) < _NEARLY:
        return f"is slightly {higher}: close, but not within the tolerance ({tol:g})"
    return f"is {higher}"


def _describe_entries(got: np.ndarray, expected: np.ndarray, tol: float, direction: bool,
                      sign_step: str) -> str:
    """Which entries of a wrong array are off, and how, without showing the right ones."""
    nonzero = np.abs(expected) > tol
    if nonzero.any() and np.all(np.sign(got[nonzero]) == -np.sign(expected[nonzero])):
        return _wrong_sign(True, sign_step)
    if not got.any():
        return "is all zeros"
    factor = _common_factor(got, expected, tol)
    if factor is not None and not direction:
        return "is off by the same factor in every entry (a missing or extra constant?)"
    if factor is not None and factor >= 10:
        return "is more than 10 times too large in every entry"
    if factor is not None and factor <= 0.1:
        return "is less than a tenth of the right size in every entry"
    if factor is not None:
        size = "too large" if factor > 1 else "too small"
        return f"is {size} by the same factor in every entry (a missing or extra constant?)"
    return _wrong_entries(got, expected, tol, direction)


def _common_factor(got, expected, tol: float) -> float | None:
    """The c > 0 with got ≈ c * expected in every entry, or None if there is none."""
    nonzero = np.abs(expected) > tol
    if not nonzero.any():
        return None
    factor = float(np.median(got[nonzero] / expected[nonzero]))
    if factor > 0 and np.allclose(got, factor * expected, rtol=_NEARLY, atol=tol):
        return factor
    return None


def _wrong_entries(got, expected, tol: float, direction: bool, most: int = 4) -> str:
    """E.g. "is wrong in entries [0] (too low) and [2] (too high)" (without the directions
    when ``direction`` is false)."""
    wrong = np.argwhere(~np.isclose(got, expected, rtol=tol, atol=tol))

    def shown(i) -> str:
        if not direction:
            return _index(i)
        return f"{_index(i)} ({'too high' if got[tuple(i)] > expected[tuple(i)] else 'too low'})"

    listed = [shown(i) for i in wrong[:most]]
    if len(wrong) > most:
        listed.append(f"{len(wrong) - most} more")
    entries = "entry" if len(wrong) == 1 else "entries"
    text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
    return f"is wrong in {entries} {text}"


def _index(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _close(got, target, rtol: float, atol: float, *, equal_nan: bool = False) -> bool:
    """Whether ``got`` and ``target`` are numbers or arrays of one shape, equal within tolerance."""
    got, _ = as_numbers(got)
    target, _ = as_numbers(target)
    if got is None or target is None or got.shape != target.shape:
        return False
    return bool(np.allclose(got, target, rtol=rtol, atol=atol, equal_nan=equal_nan))


@dataclass
class _Outcome:
    """What one case gave: a result, or the exception the student's code raised."""

    args: tuple
    expected: object
    got: object = None
    error: str | None = None            # "ExceptionType: message"
    where: str = ""                     # " (line 3 of your f)"
    problem: str | None = None          # None: this case is right
    stub: NotDone | None = None         # the verdict when a stub raised NotImplementedError


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
        when it does what the student's function did on every case: the same
        result (NaN where the student's has NaN), or an exception of the same
        type where the student's raised (mistaken code often breaks on some
        shapes only: a missing ``keepdims``).
    error : str, optional
        Function exercises: a regular expression searched in "ExceptionType:
        message" of what the student's code raised on the first failing case.
    when : callable, optional
        A predicate ``when(got, expected) -> bool`` on what came back (the first
        failing case's result, or the value answer).
    tol : float, optional
        How close counts as the same.  Default: :data:`VALUE_MISTAKE_TOL` for
        ``value``, the exercise's own tolerance for ``function``.
    id : str, optional
        The name a grader files this mistake under (see :func:`mistake_id`); by
        default made from the first words of ``message``.
    """

    message: str
    value: object = None
    function: Callable | None = None
    error: str | None = None
    when: Callable | None = None
    tol: float | None = None
    id: str | None = None

    @property
    def key(self) -> str:
        """This mistake's id: ``id`` when given, else :func:`mistake_id` of the message."""
        return self.id or mistake_id(self.message)

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
                return all(self._reproduces(outcome, tol) for outcome in outcomes)
            if first.error is not None:
                return False
            if self.when is not None:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return bool(self.when(first.got, first.expected))
            tol = VALUE_MISTAKE_TOL if self.tol is None else self.tol
            return _close(first.got, self.value, tol, 1e-12)
        except Exception:  # a predicate failing on an odd answer: not this one
            return False

    def _reproduces(self, outcome: _Outcome, tol: float) -> bool:
        """Whether the mistaken code does on ``outcome``'s case what the student's did."""
        mistaken = attempt(self.function, outcome.args)
        if mistaken.error is not None:      # it raises here: so must the student's, alike
            kind = mistaken.error.split(":", 1)[0]
            return outcome.error is not None and outcome.error.split(":", 1)[0] == kind
        return outcome.error is None and _close(outcome.got, mistaken.got, tol, tol,
                                                equal_nan=True)


def mistake_id(message: str, words: int = 6) -> str:
    """A short, stable name for a diagnosed mistake: its first words and a hash of it all.

    E.g. "the bias is missing: add b to the weighted sum ..." ->
    ``"the-bias-is-missing-add-b-3f9c1a"``.  A grader counts students by it; the hash
    keeps apart two messages that begin alike ("the step lr·f'(x)" and "the step
    -lr·f'(x)").
    """
    text = str(message)
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "mistake"
    return f"{slug}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


#: The mistakes diagnosed during the check now running (one list per check call).
_diagnosed: contextvars.ContextVar[list | None] = contextvars.ContextVar("diagnosed",
                                                                           default=None)


def note_mistake(message: str, id: str | None = None) -> str:
    """Record that the running check diagnosed a mistake; return ``message`` unchanged.

    For checks that recognise mistakes their own way (a table of mistaken formulas)
    rather than with :class:`Mistake` objects: ``return note_mistake(message)`` where
    the diagnosis is made.  The check's record, and so the grader, then files the
    student under ``id`` (default :func:`mistake_id` of ``message``) with this message.
    Outside a check it does nothing but return ``message``.
    """
    noted = _diagnosed.get()
    if noted is not None:
        noted.append({"id": id or mistake_id(message), "message": str(message)})
    return message


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


def _answers_every_submission(check: Callable) -> Callable:
    """Wrap an exercise's ``check`` in the last-resort safety net.

    The checks are written to describe any answer; if one still fails on an
    answer nobody foresaw, the student sees a verdict line saying so instead
    of a traceback from inside nblib.  The tests submit junk and mutated
    solutions to every exercise and require that this line never appears.
    """
    @functools.wraps(check)
    def safe_check(self, *answer, **named):
        given = [*answer, *named.values()]
        if len(given) != 1:
            self.passed = False
            line = (f"{FAIL} {self.name}: give the check your answer, one argument: "
                    ".check(your_answer)")
            print(line)
            self._publish(FAIL, line, None)
            return
        token = _diagnosed.set([])
        try:
            check(self, given[0])
        except Exception as error:
            self.passed = False
            line = (f"{FAIL} {self.name}: {CHECK_FAILED} ({error_text(error)}). That is a bug "
                    "in the check: please report it, with your answer.")
            print(line)
            self._publish(FAIL, line, {"id": "check-failed", "message": CHECK_FAILED})
        finally:
            _diagnosed.reset(token)
    return safe_check


class Feedback:
    """What every kind of exercise shares: one way to print a verdict, ``.hint()``, ``.solution()``.

    A subclass has the attributes ``name``, ``hint_text``, ``solution_code`` and
    ``passed``, and calls :meth:`_report` from its ``check(answer)``.  Every
    subclass's ``check`` is wrapped in a safety net (see :meth:`__init_subclass__`).
    """

    def __init_subclass__(cls, **kwargs):
        """Give every ``check`` a subclass defines the safety net: a verdict line, never a
        traceback from nblib (see :func:`_answers_every_submission`)."""
        super().__init_subclass__(**kwargs)
        if "check" in cls.__dict__:
            cls.check = _answers_every_submission(cls.__dict__["check"])

    #: The last verdict as a record (see :meth:`_publish`); None before the first check.
    record: dict | None = None

    def _report(self, problem: str | None, praise: str = "") -> None:
        """Print "✓ Correct!" when ``problem`` is None, else "✗" with the problem; set ``passed``.

        A :class:`NotDone` problem prints "○ ...: not done yet" instead.  The verdict
        is also kept as a record (:meth:`_publish`), with the mistake the check
        diagnosed, if any (:func:`note_mistake`).
        """
        self.passed = problem is None
        if self.passed:
            line = f"{PASS} Correct! {self.name}{praise}"
            print(line)
            self._publish(PASS, line, None)
            return
        if isinstance(problem, NotDone):
            line = f"{TODO} {self.name}: not done yet: {problem}"
            print(line)
            self._publish(TODO, line, None)
            return
        line = f"{FAIL} {self.name}: {problem}"
        print(line)
        if self.hint_text:
            print("  Stuck? Run .hint() on this exercise, or .solution() to see one answer.")
        noted = _diagnosed.get() or []
        self._publish(FAIL, line, noted[-1] if noted else None)

    def _publish(self, symbol: str, line: str, mistake: dict | None) -> None:
        """Keep the verdict as ``self.record``; display it for the grader when asked to.

        The record: ``{"exercise": name, "verdict": "pass" | "fail" | "todo",
        "message": the printed line, "mistake": {"id", "message"} or None}``.  It is
        displayed as a :data:`CHECK_MIME` bundle only when :data:`REPORT_VARIABLE` is
        set and an IPython kernel runs the check.
        """
        self.record = {"exercise": self.name, "verdict": VERDICTS[symbol], "message": line,
                       "mistake": mistake}
        if os.environ.get(REPORT_VARIABLE, "") in ("", "0"):
            return
        try:
            from IPython import get_ipython
            from IPython.display import publish_display_data
        except ImportError:  # no IPython: nothing to display to
            return
        if get_ipython() is not None:
            publish_display_data({CHECK_MIME: self.record})

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
        printed instead of the generic description.
    direction : bool or None
        Whether a wrong number may be called "too high", "too low", "slightly"
        off or "10 times too large".  None (the default) decides by the rule of
        the module's docstring: never for a value exercise (a typed number:
        directions would be a bisection), never for a function whose expected
        results are all whole numbers (a count, a class label), otherwise yes.
    sign_step : str
        What decides the sign of the answer, e.g. "the minus in front of the
        log loss turns ...".  Said when an answer has the wrong sign, in place
        of confirming its size.  It must not contain the answer.

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
    direction: bool | None = None
    sign_step: str = ""
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
            results = [attempt(mistake.function, args) for args, _ in self.cases]
            if all(result.error is not None for result in results):
                raise ValueError(f"{self.name}: the mistake {mistake.message!r} raised "
                                 f"{results[0].error} on every case (for code that raises, "
                                 "use error=)")
            if all(result.error is None and _close(result.got, expected, self.tol, self.tol)
                   for result, (_, expected) in zip(results, self.cases)):
                raise ValueError(f"{self.name}: the mistake {mistake.message!r} gives the right "
                                 "answer on every case, so it could never be recognised")

    @property
    def gives_direction(self) -> bool:
        """Whether wrong numbers may be called too high or too low (see ``direction``)."""
        if self.direction is not None:
            return self.direction
        if not self.cases:
            return False
        results = [np.asarray(expected, dtype=np.float64) for _, expected in self.cases]
        return not all(np.array_equal(result, np.round(result)) for result in results)

    def check(self, answer) -> None:
        """Check ``answer`` (a function, or a value) and print the verdict."""
        self._report(self._check_function(answer) if self.cases else self._check_value(answer))

    def _describe(self, got, expected) -> str | None:
        return describe_wrong(got, expected, self.tol, direction=self.gives_direction,
                              sign_step=self.sign_step)

    def _check_value(self, answer) -> str | None:
        if answer is Ellipsis:
            return NotDone("replace the `...` with your answer, run that cell, then this check")
        if answer is None:   # a variable set from print(...) or .backward(): no `return` involved
            return ("your answer is None: set the variable to a number "
                    "(print(...) and .backward() give None)")
        problem = self._describe(answer, self.expected)
        if problem is None:
            return None
        mistake = self._recognise([_Outcome((), self.expected, answer, problem=problem)])
        if mistake is not None:
            return mistake.message
        if problem == NOT_RIGHT and self.tol > 0:
            problem += (" (if you rounded it, keep more digits or type the expression: the "
                        f"check allows a difference of about {self.tol:g})")
        return f"your answer {problem}"

    def _check_function(self, func: Callable) -> str | None:
        if func is None or func is Ellipsis:
            return FUNCTION_NOT_DONE
        if not callable(func):
            return f"expected a function, got {type(func).__name__}"
        name = function_name(func)
        misfit = wrong_signature(func, name, self.cases[0][0], self.arg_names)
        if misfit is not None:
            return misfit
        outcomes = [self._run(func, args, expected) for args, expected in self.cases]
        wrong = [outcome for outcome in outcomes if outcome.problem is not None]
        if not wrong:
            return None
        first = wrong[0]
        if first.stub is not None:
            return first.stub
        if first.got is Ellipsis:
            return NotDone(f"{name} returns `...`: replace the `...` with your code")
        call = f"{name}({self._show_args(first.args)})"
        mistake = self._recognise(outcomes)
        if first.error is not None:
            said = f"{call} raised {first.error}{first.where}"
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
        result = attempt(func, args)
        if result.error is not None:
            return _Outcome(args, expected, error=result.error, where=result.where,
                            problem=result.error, stub=result.stub)
        return _Outcome(args, expected, result.got, problem=self._describe(result.got, expected))

    def _recognise(self, outcomes: Sequence[_Outcome]) -> Mistake | None:
        """The first of this exercise's mistakes that explains the outcomes, if any."""
        for mistake in self.mistakes:
            if mistake.matches(outcomes, self.tol):
                note_mistake(mistake.message, mistake.key)
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
        letter = str.upper(str.strip(choice)) if isinstance(choice, str) else None
        if choice is Ellipsis:
            message = NotDone(f"set your answer to one letter, {letters}, instead of `...`")
        elif letter is None:
            message = (f"your answer is of type {type(choice).__name__}: set it to one letter, "
                       f"{letters} (in quotes)")
        elif letter not in self.options:
            message = f"{format_value(choice)} is not one of the options: choose one of {letters}"
        elif letter != self.answer:
            message = note_mistake(f"not {letter}: {self.why_not[letter]}", f"chose-{letter}")
        else:
            message = None
        self._report(message)
