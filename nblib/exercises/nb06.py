"""Exercises of notebooks/06_mnist.ipynb: the student builds the network.

Exercise 1, the ``Dense`` class (forward and backward); 2, the ``ReLU`` class; 3,
``softmax_cross_entropy(logits, labels) -> (loss, dlogits)``; 4, ``SGD`` with momentum;
5, ``train_one_epoch``; 6 (the capstone), the student's own classes assembled into a
784-256-128-10 network and trained to at least 97 % validation accuracy; 7, a run with a
planted bug to name (``run.naming``, a Choice per seed) and fix (``debug_fix``, from
nblib.planted_bugs).

Expected answers come from nblib.layers (the tested reference) or, for the backward passes,
from numerical derivatives (nblib.gradcheck), so a check never trusts a formula it is
checking.  Backward passes report their largest relative error with CS231n's reading
(:func:`reading`).  After each check the notebook calls ``yours_or_nblib``: the student's
code when its check passes, else one line saying that the notebook goes on with
nblib.layers' version, so that "Run All" works before anything is solved.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

import nblib.layers as layers
from nblib.checks import (
    TODO,
    Attempt,
    Feedback,
    NotDone,
    as_numbers,
    attempt,
    describe_wrong,
    error_text,
    format_value,
    function_name,
    note_mistake,
    stub_not_done,
    where_raised,
    wrong_signature,
)
from nblib.gradcheck import numerical_derivative, relative_error
from nblib.planted_bugs import fix_check

# --- shared: calling a student's code, and reading a relative error ---------------------------


def _run(func, *args, **named) -> Attempt:
    """``func(*args, **named)`` without copying the arguments (a layer must keep what it
    is given, an optimizer must change the model's own arrays); the result or the error."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = func(*args, **named)
    except Exception as error:  # a student's bug: report it, don't crash the check
        stub = stub_not_done(error) if isinstance(error, NotImplementedError) else None
        return Attempt(error=error_text(error), where=where_raised(error), stub=stub)
    return Attempt(got=got)


def _method(obj, name: str):
    """``obj.name`` when it is callable, else None (also when looking it up raises)."""
    try:
        method = getattr(obj, name, None)
    except Exception:
        return None
    return method if callable(method) else None


def _attribute(obj, name: str, default=None):
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _raised(call: str, result: Attempt) -> str | NotDone:
    """The verdict for a call that raised: "not done yet" for a stub."""
    if result.stub is not None:
        return result.stub
    said = f"{call} raised {result.error}{result.where}"
    if result.error.startswith("AttributeError") and "has no attribute" in result.error:
        said += (": what backward needs, forward must keep on self (forward always runs "
                 "first)")
    return said


def reading(error: float) -> str:
    """CS231n's reading of a relative error between an analytic and a numerical gradient."""
    if not math.isfinite(error):
        return "not a number: NaN or infinity somewhere"
    if error < 1e-7:
        return "below 1e-7: the gradient is right"
    if error < 1e-4:
        return "between 1e-7 and 1e-4: suspicious for a smooth function like this one"
    if error < 1e-2:
        return "between 1e-4 and 1e-2: usually wrong (acceptable only near a kink)"
    return "above 1e-2: wrong"


def _relative_error(got, right) -> float:
    numbers, _ = as_numbers(got)
    if numbers is None or numbers.shape != np.shape(right):
        return math.inf
    with np.errstate(all="ignore"):
        return relative_error(numbers, right) if np.all(np.isfinite(numbers)) else math.inf


def _class_not_done(what: str) -> NotDone:
    return NotDone(f"replace the `...` with your {what}, run that cell, then this check")


def _close(got, right, rtol=1e-6, atol=1e-9) -> bool:
    numbers, _ = as_numbers(got)
    return (numbers is not None and numbers.shape == np.shape(right)
            and bool(np.allclose(numbers, right, rtol=rtol, atol=atol, equal_nan=True)))


class _Chooser:
    """``yours_or_nblib``: the student's answer when its check passes, else nblib's."""

    #: what nblib provides instead, and its name in the printed line
    nblib_name: str = ""
    what: str = ""

    def nblib_version(self):
        raise NotImplementedError

    def yours_or_nblib(self, answer):
        """Return ``answer`` when this exercise's check passes on it (checked again, quietly);
        else print one line and return nblib.layers' version, so the notebook goes on."""
        with contextlib.redirect_stdout(io.StringIO()):
            self.check(answer)
        if self.passed:
            return answer
        print(f"{TODO} Your {self.what} is not done yet: the notebook goes on with "
              f"{self.nblib_name}")
        return self.nblib_version()


# --- Exercise 1: the Dense class --------------------------------------------------------------



def _dense_cases():
    """(X, W, b, dY) of three small float64 layers, the first with a non-square W."""
    rng = np.random.default_rng(0)
    for batch, n_in, n_out in [(3, 4, 2), (5, 3, 3), (1, 2, 4)]:
        yield (rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out)),
               rng.normal(size=n_out), rng.normal(size=(batch, n_out)))


def _new_layer(cls, call: str, *args):
    """An instance of the student's class, or the verdict saying why there is none."""
    made = _run(cls, *args)
    if made.error is not None:
        return None, _raised(call, made)
    if made.got is None or isinstance(made.got, (int, float, str, np.ndarray, tuple, list)):
        return None, (f"{call} gave {format_value(made.got)}, not a layer: give the check "
                      "the class itself (Dense, not Dense(...))")
    return made.got, None


def _forward_problem(Y, X, W, b) -> str | None:
    """What is wrong with Dense's forward output ``Y`` for this X, W, b, or None."""
    right = X @ W + b
    if _close(Y, right):
        return None
    if Y is None:
        return "forward returned None (did you forget `return`?)"
    if _close(Y, X @ W):
        return "forward leaves out the bias: Y = X @ W + b"
    if W.shape[0] == W.shape[1] and _close(Y, X @ W.T + b):
        return ("forward used W.T: here W has shape (n_in, n_out), one column per output, "
                "so X @ W needs no transpose")
    return f"forward's result {describe_wrong(Y, right, 1e-9)}"


@dataclass
class DenseExercise(_Chooser, Feedback):
    """Check the student's ``Dense`` class: forward against X @ W + b, backward's dX (returned)
    and self.dW, self.db against finite differences (nblib.gradcheck).

    Three small float64 layers (W and b set after construction, so the check does not depend
    on the starting weights).  A wrong answer is diagnosed part by part, reusing the
    diagnoses of the old dense_backward exercise: gradients in each other's places, a
    transposed one, db a mean or over the wrong axis, dW divided by the batch size, the sign,
    a missing ``self.X``, gradients not stored on ``self``, weights changed by backward.
    """

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)
    what = "Dense"
    nblib_name = "nblib.layers.Dense"

    def nblib_version(self):
        return NblibDense

    def check(self, Dense) -> None:
        """Build small layers of the student's class and print the verdict."""
        problem, error = self._problem(Dense)
        self._report(problem, "" if problem is not None else
                     ": forward is X @ W + b; dX, dW and db agree with finite differences "
                     f"(largest relative error {reading(error)})")

    def _problem(self, Dense):
        if Dense is None or Dense is Ellipsis:
            return _class_not_done("Dense class"), 0.0
        if not callable(Dense):
            return f"expected a class, got {type(Dense).__name__}", 0.0
        largest = 0.0
        for X, W, b, dY in _dense_cases():
            n_in, n_out = W.shape
            shapes = f"with X {X.shape}, W {W.shape}, dY {dY.shape}"
            layer, problem = _new_layer(Dense, f"Dense({n_in}, {n_out}, rng)", n_in, n_out,
                                        np.random.default_rng(0))
            if problem is not None:
                return problem, largest
            try:
                layer.W, layer.b = W.copy(), b.copy()
            except Exception as error:
                return f"could not set W and b on your layer ({error_text(error)})", largest
            forward, backward = _method(layer, "forward"), _method(layer, "backward")
            if forward is None or backward is None:
                return "your class needs two methods, forward(X) and backward(dY)", largest
            result = _run(forward, X.copy())
            if result.error is not None:
                return _raised(f"forward {shapes}", result), largest
            problem = _forward_problem(result.got, X, W, b)
            if problem is not None:
                return problem if isinstance(problem, NotDone) else f"{shapes}: {problem}", largest
            result = _run(backward, dY.copy())
            if result.error is not None:
                said = _raised(f"backward {shapes}", result)
                if not isinstance(said, NotDone) and ("matmul" in said or "shapes" in said):
                    said += (". Match the shapes: each gradient has the shape of what it is "
                             "the gradient of (dX like X, dW like W, db like b); transpose "
                             "where they don't fit")
                return said, largest
            problem = self._gradients_problem(layer, result.got, X, W, b, dY)
            if problem is not None:
                return f"{shapes}: {problem}", largest
            largest = max([largest] + [_relative_error(part, right) for part, right in
                                       zip((result.got, layer.dW, layer.db),
                                           _numerical_gradients(X, W, b, dY))])
        return None, largest

    @staticmethod
    def _gradients_problem(layer, dX, X, W, b, dY) -> str | None:
        """What is wrong with backward's dX and the layer's dW, db, or None."""
        missing = [name for name in ("dW", "db") if _attribute(layer, name) is None]
        if missing:
            return (f"after backward your layer has no self.{missing[0]}: backward stores "
                    "self.dW and self.db (gradients() hands them to the optimizer) and "
                    "returns dX")
        if dX is None:
            return ("backward returned None: it must return dX, the gradient for the layer "
                    "below")
        if not (_close(_attribute(layer, "W"), W, 0, 0) and _close(_attribute(layer, "b"), b, 0, 0)):
            return ("backward changed self.W or self.b: it only computes gradients; "
                    "the optimizer changes the weights")
        got = (dX, layer.dW, layer.db)
        right = _numerical_gradients(X, W, b, dY)
        misplaced = _misplaced(got, right)
        if misplaced is not None:
            return misplaced.replace("return the three in the order dX, dW, db",
                                     "backward returns dX and stores self.dW, self.db").replace(
                "return dX, dW, db, in that order, each",
                "backward returns dX and stores self.dW and self.db, each")
        for part_name, part, right_part in zip(_LIKE, got, right):
            problem = _part_problem(part_name, part, right_part, X, W, dY)
            if problem is not None:
                error = _relative_error(part, right_part)
                if math.isfinite(error):
                    problem += f" (relative error to finite differences {error:.1g}: " \
                               f"{reading(error)})"
                return problem
        return None


class NblibDense(layers.Dense):
    """nblib.layers.Dense, built as the notebook's Dense is: Dense(n_in, n_out, rng, dtype)."""

    def __init__(self, n_in, n_out, rng, dtype=np.float32):
        super().__init__(n_in, n_out, rng=rng, dtype=dtype)

def _numerical_gradients(X, W, b, dY):
    """dL/dX, dL/dW, dL/db of L = sum(dY * (X @ W + b)), by central differences (nblib.gradcheck)."""
    def loss(X_, W_, b_):
        return float(np.sum(dY * (X_ @ W_ + b_)))
    return (numerical_derivative(lambda X_: loss(X_, W, b), X.copy()),
            numerical_derivative(lambda W_: loss(X, W_, b), W.copy()),
            numerical_derivative(lambda b_: loss(X, W, b_), b.copy()))


#: Each gradient has the shape of what it is the gradient of.
_LIKE = {"dX": "X", "dW": "W", "db": "b"}

#: The answers agree with the finite differences within these (the loss is linear: they are exact
#: up to rounding).
_RTOL, _ATOL = 1e-5, 1e-7

#: name -> (a typical wrong formula, what to tell the student); tried when that part is wrong.
#: A formula that does not fit a case's shapes is skipped there.  Transposed answers, a
#: division by the batch size, signs and factors are recognised for every part (below).
_DENSE_MISTAKES = {
    "dW": [(lambda X, W, dY: X.sum(0)[:, None] * dY.sum(0)[None, :],
            "the sums multiply each sample's input with every sample's gradient: pair them "
            "sample by sample instead (each sample's input with that sample's dY)."),
           (lambda X, W, dY: X.T @ np.ones_like(dY),
            "built without dY: every gradient carries the gradient from above, dY.")],
    "db": [(lambda X, W, dY: dY.mean(axis=0),
            "the mean over the batch: db is the sum, each sample adds its share."),
           (lambda X, W, dY: dY,
            "one row per sample: b is shared by every sample, so add the rows up."),
           (lambda X, W, dY: dY.sum(axis=1),
            "one entry per sample: b has one entry per output, so add up over the samples "
            "(the rows), not over the outputs."),
           (lambda X, W, dY: dY.sum(axis=0, keepdims=True),
            "a (1, n_out) row: b is 1-D, shape (n_out,), so drop keepdims."),
           (lambda X, W, dY: dY.sum(),
            "one number, the sum of all of dY: b has one entry per output, so add up over "
            "the samples only.")],
    # dY @ W raises on the first case, whose W is not square: the check says to match shapes
    "dX": [(lambda X, W, dY: X,
            "X itself: dX is the gradient of the loss with respect to X, built from dY and W.")],
}

_DENSE_SIGN = ("nothing in Y = X @ W + b has a minus, so backward passes dY's sign on as it "
               "is (the minus of gradient descent belongs to the update step, not here).")


def _agrees(part, right) -> bool:
    """Whether ``part`` reads as numbers of ``right``'s shape, equal within the tolerance."""
    numbers, _ = as_numbers(part)
    return (numbers is not None and numbers.shape == right.shape
            and bool(np.allclose(numbers, right, rtol=_RTOL, atol=_ATOL)))


def _misplaced(got, right) -> str | None:
    """Right arrays in the wrong places: "dX and dW are swapped", or None."""
    names = list(_LIKE)
    holds = {}                              # position -> the name of the right array it holds
    for i, part in enumerate(got):
        if _agrees(part, right[i]):
            continue
        for j, other in enumerate(right):
            if j != i and _agrees(part, other):
                holds[i] = names[j]
                break
    if not holds:
        return None
    swapped = [(i, j) for i, j in itertools.combinations(range(3), 2)
               if holds.get(i) == names[j] and holds.get(j) == names[i]]
    if swapped:
        i, j = swapped[0]
        return (f"{names[i]} and {names[j]} are swapped: return the three in the order "
                "dX, dW, db")
    i, held = next(iter(holds.items()))
    return (f"the array in {names[i]}'s place holds {held}: return dX, dW, db, in that order, "
            f"each the gradient with respect to its own input ({names[i]} like "
            f"{_LIKE[names[i]]})")


def _part_problem(name, part, right, X, W, dY) -> str | None:
    """What is wrong with one returned gradient ("dW is transposed: ..."), or None."""
    if _agrees(part, right):
        return None
    like = f"{_LIKE[name]}'s shape {right.shape}"
    numbers, _ = as_numbers(part)
    if numbers is None:
        return f"{name} {describe_wrong(part, right, _ATOL)}"
    for mistake, message in _DENSE_MISTAKES[name]:
        wrong = attempt(mistake, (X, W, dY))
        if wrong.error is None and _agrees(numbers, np.asarray(wrong.got, dtype=np.float64)):
            return note_mistake(f"{name} is {message}")
    if numbers.shape != right.shape:
        if numbers.T.shape == right.shape and _agrees(numbers.T, right):
            return f"{name} is transposed: it must have {like}"
        return f"{name} has shape {numbers.shape}, expected {like}"
    if np.all(np.isfinite(numbers)) and len(X) > 1:
        if np.allclose(numbers * len(X), right, rtol=_RTOL, atol=_ATOL):
            return (f"{name} is divided by the batch size: the 1/batch is already inside dY "
                    "(the loss's mean).")
    return f"{name} {describe_wrong(numbers, right, _ATOL, direction=True, sign_step=_DENSE_SIGN)}"




# --- Exercise 2: the ReLU class ---------------------------------------------------------------

_rng = np.random.default_rng(6)


def _away_from_zero(shape):
    """Normal entries at least 0.1 from ReLU's kink, where finite differences are exact."""
    x = _rng.normal(size=shape)
    return np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * 0.1 + x, x)


_RELU_CASES = [
    (np.array([[1.0, -2.0, 0.5]]), np.array([[0.3, 0.3, -1.0]])),
    (_away_from_zero((4, 5)), _rng.normal(size=(4, 5))),
    (np.array([[0.0, 2.0], [-1.0, 3.0]]), np.array([[1.0, 1.0], [1.0, -2.0]])),   # a kink
]

#: Typical wrong backward passes, as functions of the input X and dY, and what to say.
_RELU_MISTAKES = [
    (lambda X, dY: (X > 0).astype(float),
     "that is ReLU's local derivative alone (1 or 0): the chain rule multiplies it by the "
     "gradient from above, dY."),
    (lambda X, dY: dY * (X >= 0),
     "at X = 0 the gradient was passed on: ReLU is flat there, so pass it only where X > 0 "
     "(as PyTorch and nblib do)."),
    (lambda X, dY: dY.copy(),
     "that is dY unchanged: ReLU blocks the gradient where X <= 0."),
    (lambda X, dY: dY * np.maximum(X, 0),
     "that multiplies dY by ReLU's output, max(0, X): the mask is where the input was "
     "positive, and there its slope is 1, not X."),
    (lambda X, dY: np.maximum(dY, 0),
     "that keeps the positive gradients: the mask comes from the input X (where X > 0), not "
     "from the sign of dY."),
]


@dataclass
class ReLUExercise(_Chooser, Feedback):
    """Check the student's ``ReLU`` class: forward against max(0, X), backward against
    dY * (X > 0) and against finite differences (away from the kink)."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)
    what = "ReLU"
    nblib_name = "nblib.layers.ReLU"

    def nblib_version(self):
        return layers.ReLU

    def check(self, ReLU) -> None:
        """Run the student's class on small inputs and print the verdict."""
        problem, error = self._problem(ReLU)
        self._report(problem, "" if problem is not None else
                     ": forward is max(0, X); backward agrees with finite differences "
                     f"(largest relative error {reading(error)})")

    def _problem(self, ReLU):
        if ReLU is None or ReLU is Ellipsis:
            return _class_not_done("ReLU class"), 0.0
        if not callable(ReLU):
            return f"expected a class, got {type(ReLU).__name__}", 0.0
        largest = 0.0
        for X, dY in _RELU_CASES:
            layer, problem = _new_layer(ReLU, "ReLU()")
            if problem is not None:
                return problem, largest
            forward, backward = _method(layer, "forward"), _method(layer, "backward")
            if forward is None or backward is None:
                return "your class needs two methods, forward(X) and backward(dY)", largest
            shown = f"X = {format_value(X)}"
            result = _run(forward, X.copy())
            if result.error is not None:
                return _raised(f"forward with {shown}", result), largest
            if not _close(result.got, np.maximum(X, 0), 0, 0):
                if result.got is None:
                    return "forward returned None (did you forget `return`?)", largest
                if _close(result.got, X > 0, 0, 0):
                    return ("forward returned the mask X > 0: keep the mask for backward, "
                            "return max(0, X)"), largest
                return (f"forward with {shown} gave {format_value(result.got)}, which "
                        f"{describe_wrong(result.got, np.maximum(X, 0), 0)}"), largest
            result = _run(backward, dY.copy())
            if result.error is not None:
                return _raised(f"backward with {shown}", result), largest
            right = dY * (X > 0)
            if _close(result.got, right, 0, 1e-12):
                if not np.any(X == 0):
                    def loss(X_, dY=dY):
                        return float(np.sum(dY * np.maximum(X_, 0)))
                    largest = max(largest, _relative_error(result.got,
                                                           numerical_derivative(loss, X.copy())))
                continue
            said = (f"backward with {shown}, dY = {format_value(dY)} gave "
                    f"{format_value(result.got)}")
            if result.got is None:
                return f"{said}: did you forget `return`?", largest
            for mistake, message in _RELU_MISTAKES:
                if _close(result.got, mistake(X, dY), 0, 1e-12):
                    return f"{said}: {note_mistake(message)}", largest
            return f"{said}, which {describe_wrong(result.got, right, 1e-12)}", largest
        return None, largest



# --- Exercise 3: softmax cross-entropy, from the logits -----------------------------------------

_SCE_CASES = [
    (np.array([[1.0, 2.0, 3.0]]), np.array([0])),
    (np.array([[0.0, 0.0, 0.0], [5.0, -5.0, 1.0]]), np.array([1, 0])),
    (np.random.default_rng(3).normal(size=(4, 5)) * 3, np.array([4, 0, 2, 2])),
    (np.array([[1e4, 0.0, -1e4], [2.0, 1.0, 0.1], [-1e4, 1e4, 0.0]]), np.array([2, 0, 1])),
]
#: Where dlogits is compared with finite differences of the student's own loss: logits of
#: order 1, so that no probability is so small that rounding dominates its relative error.
_FD_CASE = (np.random.default_rng(3).normal(size=(4, 5)), np.array([4, 0, 2, 2]))

_SHIFTS = {
    "none": lambda z: z,
    "batch max": lambda z: z - z.max(),
    "row max": lambda z: z - z.max(axis=1, keepdims=True),
    "row max without keepdims": lambda z: z - z.max(axis=1),
}


def _row_sums_without_keepdims(shift):
    """Softmax whose row sums lost their axis: exp / exp.sum(axis=1), shape (n,) not (n, 1)."""
    def softmax_without_keepdims(z):
        e = np.exp(_SHIFTS[shift](z))
        return e / e.sum(axis=1)
    return softmax_without_keepdims


def _row_max_without_keepdims(z):
    """Right row sums, but the row maxima lost their axis: z - z.max(axis=1)."""
    e = np.exp(z - z.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


_KEEPDIMS_SUM = ("the row sums lost their axis: exp.sum(axis=1) has shape (n,), and numpy lines "
                 "that up with the columns, not the rows (an error when the shapes differ, "
                 "wrong numbers when they agree). Keep the axis: keepdims=True gives (n, 1).")
_KEEPDIMS_MAX = ("the row maxima lost their axis: logits.max(axis=1) has shape (n,), and numpy "
                 "lines that up with the columns, so each row subtracts other rows' maxima "
                 "(wrong numbers, or an error when the shapes differ). Keep the axis: "
                 "keepdims=True gives (n, 1).")



def _loss_from(softmax_rows, *, mean=True, grad="right", pick="right"):
    """A softmax cross-entropy built from a (possibly wrong) softmax and a (possibly wrong)
    loss or gradient step: the typical mistakes, as code."""
    def softmax_cross_entropy(logits, labels):
        n = len(labels)
        with np.errstate(all="ignore"):
            p = softmax_rows(logits)
        rows = np.arange(n)
        if pick == "right":
            picked = p[rows, labels]
        elif pick == "columns":                     # p[:, labels]: an (n, n) block
            picked = p[:, labels]
        else:                                       # p[labels]: whole rows
            picked = p[labels]
        with np.errstate(all="ignore"):
            losses = -np.log(picked)
        if softmax_rows is _stable and pick == "right":
            losses = -layers.log_softmax(logits)[rows, labels]       # exact for large logits
        loss = losses.mean() if mean else losses.sum()
        onehot = np.zeros_like(p)
        onehot[rows, labels] = 1
        if grad == "right":
            dlogits = (p - onehot) / n
        elif grad == "no n":
            dlogits = p - onehot
        elif grad == "p":
            dlogits = p / n
        elif grad == "minus everywhere":
            dlogits = (p - 1) / n
        else:                                       # "sum": the gradient of the summed loss
            dlogits = p - onehot
        return loss, dlogits
    return softmax_cross_entropy


def _stable(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _over_columns(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


_SCE_MISTAKES = [
    (_loss_from(_stable, grad="no n"),
     "dlogits is n times too large: the loss is the mean over the batch, so its gradient is "
     "(p - onehot(y)) / n, divided by the batch size n."),
    (_loss_from(_stable, mean=False, grad="sum"),
     "the loss is the sum over the batch: take the mean (and divide the gradient by n), so "
     "that the loss does not grow with the batch size."),
    (_loss_from(_stable, mean=False),
     "the loss is the sum over the batch: take the mean, as the gradient's / n already does."),
    (_loss_from(_stable, grad="p"),
     "dlogits is p / n: subtract the one-hot labels, 1 at each sample's true class."),
    (_loss_from(_stable, grad="minus everywhere"),
     "dlogits subtracts 1 from every probability: the one-hot label is 1 only at the true "
     "class, 0 elsewhere (p[np.arange(n), labels] -= 1)."),
    (_loss_from(_stable, pick="columns"),
     "the loss picks p[:, labels], an (n, n) block: each sample's own true class is "
     "p[np.arange(n), labels], one entry per row."),
    (_loss_from(_stable, pick="rows"),
     "the loss picks p[labels], whole rows chosen by the labels: each sample's own true "
     "class is p[np.arange(n), labels], one entry per row."),
    (_loss_from(_over_columns),
     "the softmax went over axis=0, down the columns: a row is one sample, so the max and the "
     "sum go along axis=1 (keepdims=True)."),
    (_loss_from(_row_max_without_keepdims), _KEEPDIMS_MAX),
    *((_loss_from(_row_sums_without_keepdims(shift)), _KEEPDIMS_SUM) for shift in _SHIFTS),
]

_OVERFLOW = ("NaN or infinity for logits of 10,000: exp(10000) overflows to inf, and inf / inf "
             "is NaN. Subtract each row's largest logit first: the probabilities do not "
             "change, and exp then only sees numbers <= 0 (and take the log of the shifted "
             "formula, the log-softmax, rather than log of p).")


def _pair(got):
    """(loss, dlogits) as numbers, or the phrase saying what the result is instead."""
    if not isinstance(got, (tuple, list)):
        return None, (f"returned {format_value(got)}, {type(got).__name__ if got is not None else 'None'}"
                      "; it must return two things: return loss, dlogits")
    if len(got) != 2:
        return None, (f"returned {len(got)} item{'' if len(got) == 1 else 's'}; it must "
                      "return two things: return loss, dlogits")
    return got, None


def _same(got, want) -> bool:
    """Whether a student's (loss, dlogits) is a mistake's, NaN where it has NaN."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return False
    return all(_close(a, b, 1e-6, 1e-9) for a, b in zip(got, want))


@dataclass
class SoftmaxCrossEntropyExercise(_Chooser, Feedback):
    """Check ``softmax_cross_entropy(logits, labels) -> (loss, dlogits)`` against
    nblib.layers.softmax_cross_entropy_with_logits on four cases (logits of ±10,000
    included), and dlogits against finite differences of the student's own loss."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)
    what = "softmax_cross_entropy"
    nblib_name = "nblib.layers.softmax_cross_entropy_with_logits"

    def nblib_version(self):
        return layers.softmax_cross_entropy_with_logits

    def check(self, softmax_cross_entropy) -> None:
        """Run the student's function on the cases and print the verdict."""
        problem, error = self._problem(softmax_cross_entropy)
        self._report(problem, "" if problem is not None else
                     ": the loss and dlogits match nblib's, logits of ±10,000 included; "
                     f"dlogits agrees with finite differences of your loss ({reading(error)})")

    def _problem(self, func):
        if func is None or func is Ellipsis:
            return NotDone("replace the `...` with a function, run that cell, then this "
                           "check"), 0.0
        if not callable(func):
            return f"expected a function, got {type(func).__name__}", 0.0
        name = function_name(func)
        misfit = wrong_signature(func, name, _SCE_CASES[0], ("logits", "labels"))
        if misfit is not None:
            return misfit, 0.0
        results = [_run(func, logits.copy(), labels.copy()) for logits, labels in _SCE_CASES]
        for (logits, labels), result in zip(_SCE_CASES, results):
            call = f"{name}(logits={format_value(logits)}, labels={format_value(labels)})"
            if result.stub is not None:
                return result.stub, 0.0
            if result.got is Ellipsis:
                return NotDone(f"{name} returns `...`: replace the `...` with your code"), 0.0
            loss, dlogits = layers.softmax_cross_entropy_with_logits(logits, labels)
            if result.error is None and _same(result.got, (loss, dlogits)):
                continue
            message = next((message for mistake, message in _SCE_MISTAKES
                            if all(_mistaken_alike(mistake, case, other)
                                   for case, other in zip(_SCE_CASES, results))), None)
            if message is not None:
                note_mistake(message)
            if result.error is not None:
                said = _raised(call, result)
                return (said if message is None else f"{said}: {message}"), 0.0
            pair, problem = _pair(result.got)
            if problem is not None:
                return f"{call} {problem}", 0.0
            said = f"{call} returned loss {format_value(pair[0])}"
            if message is not None:
                return f"{said}: {message}", 0.0
            if any(not np.all(np.isfinite(as_numbers(part)[0]))
                   for part in pair if as_numbers(part)[0] is not None) and np.abs(logits).max() > 100:
                return f"{said}: {_OVERFLOW}", 0.0
            problem = describe_wrong(pair[0], loss, 1e-6, sign_step=(
                "-log p is never negative, since p <= 1: check the minus in front of the log."))
            if problem is not None:
                return f"{said}, which {problem}", 0.0
            error = self._own_error(func)
            problem = describe_wrong(pair[1], dlogits, 1e-6, sign_step=(
                "dlogits is p - onehot(y): negative at the true class, positive elsewhere."))
            reading_text = (f" (against finite differences of your own loss: relative error "
                            f"{error:.1g}, {reading(error)})" if math.isfinite(error) else "")
            return f"{call}: the loss is right, but dlogits {problem}{reading_text}", 0.0
        return None, self._own_error(func)

    @staticmethod
    def _own_error(func) -> float:
        """The relative error between the student's dlogits and finite differences of the
        student's own loss, on one moderate case."""
        logits, labels = _FD_CASE
        result = _run(func, logits.copy(), labels.copy())
        pair, _ = _pair(result.got) if result.error is None else (None, None)
        if pair is None:
            return math.inf

        def loss(z):
            got = _run(func, z.copy(), labels.copy()).got
            value, _ = as_numbers(got[0]) if isinstance(got, (tuple, list)) and got else (None, 0)
            if value is None or value.shape != ():
                raise ValueError("the loss is not one number")
            return float(value)
        try:
            with np.errstate(all="ignore"):
                numeric = numerical_derivative(loss, logits.copy())
        except Exception:
            return math.inf
        return _relative_error(pair[1], numeric)


def _mistaken_alike(mistake, case, result: Attempt) -> bool:
    """Whether the mistaken code does on ``case`` what the student's did (both raise, or both
    give the same numbers)."""
    wrong = _run(mistake, case[0].copy(), case[1].copy())
    if wrong.error is not None:
        return result.error is not None
    if not all(np.all(np.isfinite(part)) for part in wrong.got):
        return True             # log(0) in the mistaken code: the student's may differ here
    return result.error is None and _same(result.got, wrong.got)



# --- Exercise 4: SGD with momentum --------------------------------------------------------------

class _FakeModel:
    """Two parameters of different shapes, and gradients the check sets before each step."""

    def __init__(self, params):
        self.params = params
        self.grads = [np.zeros_like(p) for p in params]

    def parameters(self):
        return self.params

    def gradients(self):
        return self.grads


def _sgd_runs():
    """(lr, momentum, schedule, starting parameters, gradients step by step) of three runs."""
    rng = np.random.default_rng(4)
    start = [rng.normal(size=(3, 2)), rng.normal(size=3)]

    def grads(steps):
        return [[rng.normal(size=p.shape) for p in start] for _ in range(steps)]
    return [(0.1, 0.9, None, start, grads(4)),
            (0.05, 0.0, None, start, grads(2)),
            (0.1, 0.5, lambda step: 0.5 / (1 + step), start, grads(3))]


_SGD_RUNS = _sgd_runs()


def _rule(kind):
    """One way of updating: the two right conventions and the typical mistakes."""
    def update(state, params, grads, lr, momentum, schedule, t):
        rate = lr if schedule is None else lr * schedule(t)
        if kind == "schedule ignored":
            rate = lr
        elif kind == "steps frozen":
            rate = lr if schedule is None else lr * schedule(0)
        if kind == "shared":
            v = state.setdefault("v", np.zeros_like(params[0]))
            for p, g in zip(params, grads):
                v *= momentum
                v += g
                p -= rate * v
            return
        velocities = state.setdefault("v", [np.zeros_like(p) for p in params])
        for p, g, v in zip(params, grads, velocities):
            if kind in ("pytorch", "schedule ignored", "steps frozen"):
                v[...] = momentum * v + g
                p -= rate * v
            elif kind == "other":                    # v = mu v - lr g; p += v
                v[...] = momentum * v - rate * g
                p += v
            elif kind == "fresh":                    # the velocity starts at 0 every step
                p -= rate * g
            elif kind == "sign":
                v[...] = momentum * v + g
                p += rate * v
            elif kind == "lr twice":
                v[...] = momentum * v + rate * g
                p -= rate * v
            elif kind == "no lr":
                v[...] = momentum * v + g
                p -= v
    return update


def _trajectory(rule, run):
    """The parameters after each step of ``run`` under ``rule`` (None when it raises)."""
    lr, momentum, schedule, start, grads = run
    params, state, out = [p.copy() for p in start], {}, []
    try:
        for t, g in enumerate(grads):
            rule(state, params, [x.copy() for x in g], lr, momentum, schedule, t)
            out.append([p.copy() for p in params])
    except Exception:
        return None
    return out


_SGD_MISTAKES = [
    ("fresh", "with momentum it moved each step by lr * gradient alone, as if the velocity "
              "started from 0 at every step (or momentum were ignored). Keep one velocity per parameter between steps "
              "(self.velocities, created once, at the first step) and let it add up, "
              "v ← μ v + g."),
    ("sign", "it moved uphill: the update goes against the velocity, p ← p − lr v."),
    ("lr twice", "the learning rate is applied twice (in the velocity and in the update): "
                 "v ← μ v + g, then p ← p − lr v."),
    ("no lr", "the learning rate is missing from the update, p ← p − lr v."),
    ("shared", "all parameters share one velocity: each parameter needs its own, of its own "
               "shape (one np.zeros_like(p) per parameter)."),
    ("schedule ignored", "the schedule is ignored: take this step's rate from "
                         "self.learning_rate(), not self.lr."),
    ("steps frozen", "the rate never follows the schedule past the first step: add 1 to "
                     "self.steps at each step (learning_rate() reads it)."),
]


def _same_trajectory(got, want) -> bool:
    return (got is not None and want is not None and len(got) == len(want)
            and all(_close(a, b, 1e-9, 1e-12) for step_a, step_b in zip(got, want)
                    for a, b in zip(step_a, step_b)))


@dataclass
class SGDExercise(_Chooser, Feedback):
    """Check the student's ``SGD`` class over three short runs on a model of two parameters:
    the parameters after each step must follow momentum SGD (either convention:
    v = mu v + g, p -= lr v as PyTorch and nblib.layers.SGD; or v = mu v - lr g, p += v),
    updated in place."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)
    what = "SGD"
    nblib_name = "nblib.layers.SGD"

    def nblib_version(self):
        return layers.SGD

    def check(self, SGD) -> None:
        """Run the student's optimizer on a small model and print the verdict."""
        self._report(self._problem(SGD),
                     ": the parameters follow momentum SGD step by step, updated in place")

    def _problem(self, SGD):
        if SGD is None or SGD is Ellipsis:
            return _class_not_done("SGD class")
        if not callable(SGD):
            return f"expected a class, got {type(SGD).__name__}"
        got = []
        for lr, momentum, schedule, start, grads in _SGD_RUNS:
            call = f"SGD({lr}, momentum={momentum}" + (", schedule=...)" if schedule else ")")
            made = _run(SGD, lr, momentum=momentum, schedule=schedule)
            if made.error is not None:
                return _raised(call, made)
            step = _method(made.got, "step")
            if step is None:
                return f"{call} has no step(model) method"
            model = _FakeModel([p.copy() for p in start])
            originals = list(model.params)
            trajectory = []
            for t, g in enumerate(grads):
                model.grads = [x.copy() for x in g]
                result = _run(step, model)
                if result.error is not None:
                    said = _raised(f"{call}.step(model), step {t + 1}", result)
                    if not isinstance(said, NotDone) and "broadcast" in said:
                        return f"{said}: {note_mistake(dict(_SGD_MISTAKES)['shared'])}"
                    return said
                if any(a is not b for a, b in zip(model.params, originals)):
                    return ("your step replaced the model's arrays: update them in place "
                            "(p -= ...), since each layer keeps its own W and b")
                trajectory.append([p.copy() for p in model.params])
            if all(_close(a, b, 0, 0) for a, b in zip(model.params, start)):
                return ("the model's parameters did not change: `p = p - ...` makes a new "
                        "array and leaves the layer's own W as it was; update in place, "
                        "p -= ...")
            got.append(trajectory)
        rights = [[_trajectory(_rule(kind), run) for run in _SGD_RUNS]
                  for kind in ("pytorch", "other")]
        if any(all(_same_trajectory(g, w) for g, w in zip(got, right)) for right in rights):
            return None
        for kind, message in _SGD_MISTAKES:
            wrong = [_trajectory(_rule(kind), run) for run in _SGD_RUNS]
            if all(_same_trajectory(g, w) for g, w in zip(got, wrong)):
                return note_mistake(message)
        first = next(i for i, (g, w) in enumerate(zip(got, rights[0]))
                     if not _same_trajectory(g, w))
        lr, momentum, schedule, _, _ = _SGD_RUNS[first]
        step = next(t for t, (a, b) in enumerate(zip(got[first], rights[0][first]))
                    if not all(_close(x, y, 1e-9, 1e-12) for x, y in zip(a, b)))
        setting = f"lr={lr}, momentum={momentum}" + (" with a schedule" if schedule else "")
        return (f"with {setting}, the parameters after step {step + 1} are not those of "
                "momentum SGD (v ← μ v + g, then p ← p − lr v, one v per parameter "
                "kept between steps)")



# --- Exercise 5: one training epoch -------------------------------------------------------------

_EPOCH_N, _EPOCH_BATCH, _EPOCH_SEED = 50, 16, 1


def _epoch_data():
    """uint8 'images' of 784 pixels whose first pixel is the sample's number, and labels."""
    rng = np.random.default_rng(5)
    X = rng.integers(0, 256, size=(_EPOCH_N, 784)).astype(np.uint8)
    X[:, 0] = np.arange(_EPOCH_N)
    return X, rng.integers(0, 10, size=_EPOCH_N)


class _RecordingModel:
    """A fixed linear 'network' that records what it is asked, in order."""

    def __init__(self):
        self.A = np.random.default_rng(7).normal(size=(784, 10)).astype(np.float32) * 0.05
        self.events, self.batches, self.logits, self.dlogits = [], [], [], []
        self.bad_input = None

    def forward(self, X):
        self.events.append("forward")
        X = np.asarray(X)
        if X.dtype != np.float32 or X.ndim != 2 or X.shape[1:] != (784,) or X.max() > 1:
            self.bad_input = f"{X.dtype} of shape {X.shape}"
            X = np.zeros((len(X), 784), dtype=np.float32)
        self.batches.append(np.rint(X[:, 0] * 255).astype(int))
        self.logits.append(X @ self.A)
        return self.logits[-1].copy()

    def backward(self, dY):
        self.events.append("backward")
        self.dlogits.append(dY)
        return None

    def parameters(self):
        return [self.A]

    def gradients(self):
        return [np.zeros_like(self.A)]


class _RecordingOptimizer:
    def __init__(self, model):
        self.model = model

    def step(self, model):
        self.model.events.append("step")


def _functions_inside(func, depth=3):
    """``func`` and the functions it wraps (``__wrapped__``, or held in its closure)."""
    yield func
    if depth == 0:
        return
    inner = [_attribute(func, "__wrapped__")]
    for cell in _attribute(func, "__closure__") or ():
        with contextlib.suppress(ValueError):       # an empty cell
            inner.append(cell.cell_contents)
    for other in inner:
        if other is not None and other is not func and callable(other):
            yield from _functions_inside(other, depth - 1)


@contextlib.contextmanager
def _lent_loss(func):
    """Lend ``func`` nblib's loss under the name softmax_cross_entropy while it is checked (so
    exercise 5 does not depend on exercise 3); give back what was there afterwards.  A
    wrapped or decorated function gets it too."""
    missing, lent = object(), []
    for inner in _functions_inside(func):
        globals_ = _attribute(inner, "__globals__")
        names = _attribute(_attribute(inner, "__code__"), "co_names", ())
        if isinstance(globals_, dict) and "softmax_cross_entropy" in names \
                and all(globals_ is not other for other, _ in lent):
            lent.append((globals_, globals_.get("softmax_cross_entropy", missing)))
            globals_["softmax_cross_entropy"] = layers.softmax_cross_entropy_with_logits
    try:
        yield
    finally:
        for globals_, before in reversed(lent):
            if before is missing:
                globals_.pop("softmax_cross_entropy", None)
            else:
                globals_["softmax_cross_entropy"] = before


def _one_epoch(func, seed=_EPOCH_SEED, epochs=1):
    """Run the student's function on recording stand-ins: (the model, the results) or an
    Attempt that raised."""
    X, y = _epoch_data()
    model = _RecordingModel()
    optimizer = _RecordingOptimizer(model)
    rng = np.random.default_rng(seed)
    results = []
    for _ in range(epochs):
        with _lent_loss(func):
            result = _run(func, model, optimizer, X.copy(), y.copy(), _EPOCH_BATCH, rng)
        if result.error is not None:
            return model, result
        results.append(result.got)
    return model, results


@dataclass
class EpochExercise(_Chooser, Feedback):
    """Check ``train_one_epoch(model, optimizer, X, y, batch_size, rng)`` with a recording
    model and optimizer: every sample once per epoch, shuffled by ``rng`` (anew each epoch),
    labels kept with their images, converted with to_float32, forward, backward and one step
    per batch in that order, and the mean loss (weighted by batch size) returned."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)
    what = "train_one_epoch"
    nblib_name = "nblib.layers.train_epoch"

    def nblib_version(self):
        return _nblib_train_one_epoch

    def check(self, train_one_epoch) -> None:
        """Run the student's function on 50 samples in batches of 16 and print the verdict."""
        self._report(self._problem(train_one_epoch),
                     ": every sample once per epoch, shuffled anew, forward, backward and one "
                     "step per batch, and the mean loss")

    def _problem(self, func):
        if func is None or func is Ellipsis:
            return NotDone("replace the `...` with a function, run that cell, then this check")
        if not callable(func):
            return f"expected a function, got {type(func).__name__}"
        name = function_name(func)
        X, y = _epoch_data()
        misfit = wrong_signature(func, name, (None, None, X, y, _EPOCH_BATCH, None),
                                 ("model", "optimizer", "X", "y", "batch_size", "rng"))
        if misfit is not None:
            return misfit
        call = f"{name}(model, optimizer, X, y, batch_size={_EPOCH_BATCH}, rng) on {_EPOCH_N} samples"
        model, results = _one_epoch(func, epochs=2)
        if isinstance(results, Attempt):
            return _raised(call, results)
        if model.bad_input is not None:
            return (f"model.forward got {model.bad_input}: convert each batch of uint8 images "
                    "with to_float32 (floats in [0, 1], one row of 784 per image)")
        problem = self._order_problem(model)
        if problem is not None:
            return problem
        half = len(model.batches) // 2
        first, second = model.batches[:half], model.batches[half:]
        problem = self._samples_problem(first)
        if problem is not None:
            return problem
        if np.array_equal(np.concatenate(first), np.concatenate(second)):
            return ("both epochs saw the samples in the same order: shuffle anew at each epoch "
                    "with the rng you are given (rng.permutation)")
        again, results_again = _one_epoch(func)
        if isinstance(results_again, Attempt) or not np.array_equal(
                np.concatenate(again.batches), np.concatenate(first)):
            return ("the same rng seed gave another order: shuffle with the rng you are given "
                    "(rng.permutation(len(X))), not np.random, so that a run can be repeated")
        losses, problem = self._gradients_problem(model, y)
        if problem is not None:
            return problem
        return self._loss_problem(results[0], losses[:half], first)

    @staticmethod
    def _order_problem(model) -> str | None:
        events = model.events
        if "forward" not in events:
            return "model.forward was never called: each batch goes forward, backward, step"
        per_batch = [events[i:i + 3] for i in range(0, len(events), 3)]
        for triple in per_batch:
            if triple == ["forward", "backward", "step"]:
                continue
            if triple[:2] == ["forward", "step"]:
                return ("the optimizer stepped before model.backward: backward computes the "
                        "gradients the step uses, so it comes first")
            if "step" in events and events.count("step") > events.count("forward"):
                return "more than one optimizer step per batch: one step per batch"
            if "backward" not in events:
                return "model.backward was never called: each batch goes forward, backward, step"
            if "step" not in events:
                return "optimizer.step(model) was never called: one step per batch"
            return ("each batch must call model.forward, then model.backward, then "
                    "optimizer.step(model), once each")
        return None

    @staticmethod
    def _samples_problem(batches) -> str | None:
        seen = np.concatenate(batches)
        sizes = [len(b) for b in batches]
        if len(seen) < _EPOCH_N and sorted(set(seen)) == sorted(seen):
            missing = _EPOCH_N - len(seen)
            if missing == _EPOCH_N % _EPOCH_BATCH:
                return (f"the last, smaller batch was dropped ({missing} of {_EPOCH_N} samples "
                        "never seen): range(0, len(X), batch_size) includes it")
            return f"{missing} of {_EPOCH_N} samples were never seen in the epoch"
        if len(seen) != _EPOCH_N or len(set(seen)) != _EPOCH_N:
            return (f"the epoch did not see each of the {_EPOCH_N} samples exactly once: "
                    "shuffle the indices once, then cut them into consecutive batches")
        if any(size != _EPOCH_BATCH for size in sizes[:-1]):
            return f"the batches have sizes {sizes}: batch_size each, the last one smaller"
        if np.array_equal(seen, np.arange(_EPOCH_N)):
            return ("the samples came in their stored order: shuffle them (rng.permutation) "
                    "so that batches differ from epoch to epoch")
        return None

    @staticmethod
    def _gradients_problem(model, y):
        losses = []
        for ids, logits, dY in zip(model.batches, model.logits, model.dlogits):
            loss, dlogits = layers.softmax_cross_entropy_with_logits(logits, y[ids])
            losses.append((loss, len(ids)))
            if not _close(dY, dlogits, 1e-4, 1e-7):
                return losses, ("model.backward did not get the gradient of this batch's loss "
                                "with this batch's labels: index X and y with the same batch "
                                "of indices (labels must stay with their images), and pass "
                                "dlogits to backward")
        return losses, None

    @staticmethod
    def _loss_problem(got, losses, batches) -> str | None:
        total = sum(loss * n for loss, n in losses)
        right = total / sum(n for _, n in losses)
        if _close(got, right, 1e-5, 1e-7):
            return None
        said = f"it returned {format_value(got)}"
        if got is None:
            return f"{said}: return the epoch's mean loss"
        if _close(got, np.mean([loss for loss, _ in losses]), 1e-5, 1e-7):
            return (f"{said}, the plain mean of the batches' losses: the last batch is "
                    "smaller, so weight each batch's loss by its size (the mean over samples)")
        if _close(got, total, 1e-5, 1e-7) or _close(got, sum(loss for loss, _ in losses), 1e-5, 1e-7):
            return f"{said}, a sum: return the mean loss over the epoch's samples"
        if _close(got, losses[-1][0], 1e-5, 1e-7):
            return f"{said}, the last batch's loss: return the mean over the whole epoch"
        return f"{said}, which {describe_wrong(got, right, 1e-5)} (the epoch's mean loss)"


def _nblib_train_one_epoch(model, optimizer, X, y, batch_size, rng):
    """nblib.layers.train_epoch, called as the notebook's train_one_epoch is."""
    return layers.train_epoch(model, optimizer, X, y, batch_size, rng=rng)



# --- Exercise 6 (the capstone): your network, trained ------------------------------------------

#: The validation accuracy the student's network must reach, and the training time allowed.
CAPSTONE_ACCURACY = 0.97
CAPSTONE_SECONDS = 120.0

_validation: dict = {}


def _validation_data():
    """The 10,000 validation images and labels (loaded once, as the notebook loads them)."""
    if not _validation:
        from nblib.mnist import load_mnist
        data = load_mnist(progress=False)
        _validation.update(X=data.X_val, y=data.y_val)
    return _validation["X"], _validation["y"]


def _is_nblibs(obj) -> bool:
    module = _attribute(type(obj), "__module__", "")
    return isinstance(module, str) and module.startswith("nblib")


@dataclass
class CapstoneExercise(Feedback):
    """Check the student's trained network: built of their own classes (not nblib's),
    at least 97 % validation accuracy with their forward pass, trained within the time
    budget (the notebook's training cell calls ``start_clock()`` and ``stop_clock()``)."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)
    seconds: float | None = field(default=None, init=False)
    #: Its answer is a network trained on MNIST for seconds: tests give it junk, and build
    #: trained networks of their own (tests/test_nb06_exercises.py), rather than run the
    #: notebook's training cell.
    checks_a_trained_network = True
    _started: tuple[float, float] | None = field(default=None, init=False)

    def start_clock(self) -> None:
        """Start timing the training (the first line of the training cell)."""
        self._started, self.seconds = (time.perf_counter(), time.process_time()), None

    def stop_clock(self) -> None:
        """Stop timing (the last line of the training cell).

        ``seconds`` is the smaller of the wall-clock time and the processor time the
        kernel used: on a crowded hub or under ``make grade``, where other students'
        kernels share the cores, the wall clock runs on while this kernel waits, and
        with several BLAS threads the processor time counts each thread; neither
        should fail a student whose training is fast.
        """
        if self._started is not None:
            wall, cpu = (time.perf_counter() - self._started[0],
                         time.process_time() - self._started[1])
            self.seconds = min(wall, cpu)

    def check(self, model) -> None:
        """Measure the student's network on the validation images and print the verdict."""
        self._report(self._problem(model),
                     f": your own layers reach at least {CAPSTONE_ACCURACY:.0%} validation "
                     f"accuracy, trained within the {CAPSTONE_SECONDS:.0f} s budget")

    def _problem(self, model):
        if model is None or model is Ellipsis:
            return NotDone("build your network from your classes and train it in the cell "
                           "above, then run this check")
        network = _attribute(model, "layers")
        if not isinstance(network, (list, tuple)) or not network:
            return (f"expected your trained network, a Sequential of your layers, got "
                    f"{type(model).__name__}")
        borrowed = [type(layer).__name__ for layer in network if _is_nblibs(layer)]
        if borrowed:
            return NotDone(f"your network uses nblib's {borrowed[0]}: the notebook goes on with "
                           "nblib's classes until your own pass their checks; finish those "
                           "exercises, run their cells again, then this one")
        if _is_nblibs(model):
            return "build the network with the notebook's Sequential, from your own layers"
        forward = _method(model, "forward")
        if forward is None:
            return "your network has no forward(X) method"
        if self.seconds is None:
            return ("the training cell's clock did not run: run the whole training cell "
                    "(it starts with start_clock() and ends with stop_clock())")
        if self.seconds > CAPSTONE_SECONDS:
            return (f"training took {self.seconds:.0f} s of processor time, more than the "
                    f"{CAPSTONE_SECONDS:.0f} s budget: the recipe takes seconds (is each batch converted once, and the "
                    "whole data set never converted at all?)")
        from nblib.mnist import to_float32
        X_val, y_val = _validation_data()
        predictions = []
        for start in range(0, len(X_val), 1000):
            result = _run(forward, to_float32(X_val[start:start + 1000]))
            if result.error is not None:
                return _raised("your network's forward on validation images", result)
            logits, _ = as_numbers(result.got)
            if logits is None or logits.shape != (len(X_val[start:start + 1000]), 10):
                return (f"your network's forward gave {format_value(result.got)}: expected "
                        "logits of shape (batch, 10), one row of ten scores per image")
            predictions.append(logits.argmax(axis=1))
        accuracy = float(np.mean(np.concatenate(predictions) == y_val))
        if not accuracy >= CAPSTONE_ACCURACY:
            return (f"validation accuracy {accuracy:.2%}, below {CAPSTONE_ACCURACY:.0%}: "
                    + ("about chance, so the network has not learned (is the loss falling "
                       "from epoch to epoch? learning rate, labels, the update's sign?)"
                       if accuracy < 0.2 else "train longer, or follow the notebook's recipe"))
        return None

    def yours_or_nblib(self, model, history):
        """``(model, history)`` when this check passes on ``model`` (checked again, quietly);
        else print one line and train nblib's recipe network, returning it and its history."""
        with contextlib.redirect_stdout(io.StringIO()):
            self.check(model)
        if self.passed:
            return model, history
        print(f"{TODO} Your network is not done yet: the notebook goes on with nblib.layers' "
              "784-256-128-10, trained now with the same recipe")
        return train_recipe()


def train_recipe(num_epochs=6, batch_size=128, lr=0.2, momentum=0.9, seed=0):
    """The notebook's recipe in nblib.layers: (model, history with loss, train_accuracy and
    validation_accuracy per epoch)."""
    from nblib.mnist import load_mnist
    data = load_mnist(progress=False)
    steps = num_epochs * -(-len(data.X_train) // batch_size)
    model = layers.mlp([784, 256, 128, 10], seed=seed)
    optimizer = layers.SGD(lr, momentum, layers.linear_decay(steps))
    rng = np.random.default_rng(seed)
    history = {"loss": [], "train_accuracy": [], "validation_accuracy": []}
    for _ in range(num_epochs):
        history["loss"].append(layers.train_epoch(model, optimizer, data.X_train, data.y_train,
                                                  batch_size, rng=rng))
        for split, X, y in (("train", data.X_train, data.y_train),
                            ("validation", data.X_val, data.y_val)):
            history[f"{split}_accuracy"].append(layers.accuracy(layers.predict(model, X), y))
    return model, history



# --- the exercises --------------------------------------------------------------------------------

DENSE_SOLUTION = '''
class Dense:
    """Y = X @ W + b for a batch X: (batch, n_in) -> (batch, n_out)."""

    def __init__(self, n_in, n_out, rng, dtype=np.float32):
        scale = np.sqrt(2 / (n_in + n_out))           # Glorot's choice
        self.W = (rng.standard_normal((n_in, n_out)) * scale).astype(dtype)
        self.b = np.zeros(n_out, dtype=dtype)

    def forward(self, X):
        self.X = X                        # backward needs it
        return X @ self.W + self.b

    def backward(self, dY):
        self.dW = self.X.T @ dY           # (n_in, n_out), like W
        self.db = dY.sum(axis=0)          # (n_out,), like b
        return dY @ self.W.T              # (batch, n_in), like X

    def parameters(self):
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]
'''

exercise_1 = DenseExercise(
    name="Exercise 1 (the Dense class)",
    hint_text="""
forward(X): keep X on self (backward needs it), return X @ W + b.
backward(dY): each gradient has the shape of what it is the gradient of:
  self.dW: (n_in, n_out), like W  -> combine X (batch, n_in) and dY (batch, n_out) over the batch
  self.db: (n_out,), like b       -> b is added to every sample: add up dY's rows
  return dX: (batch, n_in), like X  -> dY (batch, n_out) and W (n_in, n_out)
03's dL/dw = X.T @ dz is the one-neuron case of dW.
""",
    solution_code=DENSE_SOLUTION,
)

exercise_2 = ReLUExercise(
    name="Exercise 2 (the ReLU class)",
    hint_text="""
relu(x) = max(0, x) has slope 1 where x > 0 and 0 elsewhere.  forward keeps where its input
was positive (a boolean mask, X > 0) and returns np.maximum(X, 0); backward multiplies the
gradient from above, dY, by that mask, entry by entry.
""",
    solution_code='''
class ReLU:
    """max(0, x) entry by entry; the gradient passes only where the input was positive."""

    def forward(self, X):
        self.mask = X > 0                 # where the gradient will pass
        return np.maximum(X, 0)

    def backward(self, dY):
        return dY * self.mask

    def parameters(self):
        return []

    def gradients(self):
        return []
''',
)

exercise_3 = SoftmaxCrossEntropyExercise(
    name="Exercise 3 (softmax cross-entropy)",
    hint_text="""
Row by row: shift the logits by the row's largest (z - z.max(axis=1, keepdims=True)), then
log p = shifted - log(sum of exp(shifted)) (the log-softmax).  The loss is the mean over the
batch of -log p at each sample's true class: log_p[np.arange(n), labels].  The gradient is
softmax minus the one-hot labels, divided by n: p = exp(log_p), then subtract 1 at
[np.arange(n), labels], then / n.
""",
    solution_code='''
def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and d(loss)/d(logits)."""
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), labels].mean()
    dlogits = np.exp(log_p)                       # softmax
    dlogits[np.arange(n), labels] -= 1            # p - onehot(y)
    return loss, dlogits / n
''',
)

exercise_4 = SGDExercise(
    name="Exercise 4 (SGD with momentum)",
    hint_text="""
At the first step, make one velocity per parameter, np.zeros_like(p), and keep the list on
self (self.velocities): it must survive from one step to the next.  Each step, for each
parameter p with gradient g and velocity v:  v = momentum * v + g, then p -= lr * v, both
in place (v *= ..., v += ..., p -= ...), with lr = self.learning_rate().  Then count the step.
""",
    solution_code='''
class SGD:
    """p <- p - lr * v, with v <- momentum * v + gradient, for each parameter."""

    def __init__(self, lr, momentum=0.0, schedule=None):
        self.lr, self.momentum, self.schedule = lr, momentum, schedule
        self.steps, self.velocities = 0, None

    def learning_rate(self):
        """lr, times schedule(steps) when there is a schedule."""
        return self.lr if self.schedule is None else self.lr * self.schedule(self.steps)

    def step(self, model):
        params, grads = model.parameters(), model.gradients()
        if self.velocities is None:       # once: one velocity per parameter
            self.velocities = [np.zeros_like(p) for p in params]
        lr = self.learning_rate()
        for p, g, v in zip(params, grads, self.velocities):
            v *= self.momentum
            v += g
            p -= lr * v                   # in place: the layers see the new values
        self.steps += 1
''',
)

exercise_5 = EpochExercise(
    name="Exercise 5 (one training epoch)",
    hint_text="""
order = rng.permutation(len(X)) shuffles the indices (not the images).  Cut it into
consecutive slices of batch_size (range(0, len(X), batch_size): the last one may be smaller),
and for each: X[batch] converted with to_float32, forward, softmax_cross_entropy with
y[batch], backward(dlogits), optimizer.step(model).  Add up loss * len(batch) and return
the total divided by len(X).
""",
    solution_code='''
def train_one_epoch(model, optimizer, X, y, batch_size, rng):
    """One pass over (X, y) in shuffled mini-batches; returns the mean training loss."""
    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        logits = model.forward(to_float32(X[batch]))
        loss, dlogits = softmax_cross_entropy(logits, y[batch])
        model.backward(dlogits)
        optimizer.step(model)
        total += loss * len(batch)
    return float(total / len(X))
''',
)

exercise_6 = CapstoneExercise(
    name="Exercise 6 (your network, trained)",
    hint_text="""
Sequential(Dense(784, 256, rng), ReLU(), Dense(256, 128, rng), ReLU(), Dense(128, 10, rng)),
with your classes; SGD(0.2, momentum=0.9, schedule=...) with the learning rate falling
linearly to 0 over the training's steps; num_epochs calls of your train_one_epoch with
batch_size 128, each followed by record(history, model, loss).
""",
    solution_code='''
rng = np.random.default_rng(0)                      # the starting weights
model = Sequential(Dense(784, 256, rng), ReLU(), Dense(256, 128, rng), ReLU(),
                   Dense(128, 10, rng))
optimizer = SGD(0.2, momentum=0.9, schedule=lambda step: 1 - step / steps)
order_rng = np.random.default_rng(0)                # the order of the batches
for _ in trange(num_epochs, desc="epochs"):
    loss = train_one_epoch(model, optimizer, data.X_train, data.y_train, batch_size,
                           order_rng)
    record(history, model, loss)
''',
)


# --- Exercise 7: debug a broken network (nblib.planted_bugs) ----------------------------------

#: ``nb06.debug_fix.check(run.replace(PART=...))``: the faulty part replaced, and the run learns.
debug_fix = fix_check
