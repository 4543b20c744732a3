"""Exercises of notebooks/06_mnist.ipynb: Dense's backward (checked by finite differences),
ReLU's backward and a stable softmax.

Expected answers come from nblib (its layers, its softmax) or, for Dense's backward, from
numerical derivatives (nblib.gradcheck), so a check never trusts a formula it is checking.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from nblib.checks import (
    FUNCTION_NOT_DONE,
    Exercise,
    Feedback,
    Mistake,
    NotDone,
    as_numbers,
    attempt,
    describe_wrong,
    format_value,
    function_name,
    wrong_signature,
)
from nblib.gradcheck import numerical_derivative
from nblib.layers import ReLU, softmax

# --- Exercise 2: ReLU's backward ----------------------------------------------------------------


def _relu_backward(X, dY):
    """nblib's answer: the gradient nblib's ReLU passes down."""
    relu = ReLU()
    relu.forward(X)
    return relu.backward(dY)


_rng = np.random.default_rng(6)
_RELU_CASES = [
    (np.array([[1.0, -2.0, 0.5]]), np.array([[0.3, 0.3, -1.0]])),
    (np.array([[0.0, 2.0], [-1.0, 3.0]]), np.array([[1.0, 1.0], [1.0, -2.0]])),
    (_rng.normal(size=(4, 5)), _rng.normal(size=(4, 5))),
]

exercise_2 = Exercise(
    name="Exercise 2 (ReLU's backward)",
    cases=[(args, _relu_backward(*args)) for args in _RELU_CASES],
    arg_names=("X", "dY"),
    tol=1e-12,
    sign_step="ReLU's slope is 1 or 0, never negative, so what passes keeps dY's sign.",
    mistakes=[
        Mistake(function=lambda X, dY: (X > 0).astype(float),
                message="that is ReLU's local derivative alone (1 or 0): the chain rule "
                        "multiplies it by the gradient from above, dY."),
        Mistake(function=lambda X, dY: dY * (X >= 0),
                message="at X = 0 the gradient was passed on: ReLU is flat there, so pass "
                        "it only where X > 0 (as PyTorch and nblib do)."),
        Mistake(function=lambda X, dY: dY.copy(),
                message="that is dY unchanged: ReLU blocks the gradient where X <= 0."),
        Mistake(function=lambda X, dY: dY * np.maximum(X, 0),
                message="that multiplies by ReLU's output, max(0, X): its slope is 1 where "
                        "X > 0, not X."),
        Mistake(function=lambda X, dY: np.maximum(dY, 0),
                message="that keeps the positive gradients: the mask comes from the input X "
                        "(where X > 0), not from the sign of dY."),
    ],
    hint_text="""
relu(x) = max(0, x) has slope 1 where x > 0 and 0 elsewhere.  Backward multiplies the
gradient from above, dY, by that slope, entry by entry:  dY * (X > 0).
""",
    solution_code="""
def relu_backward(X, dY):
    return dY * (X > 0)
""",
)


# --- Exercise 1: Dense's backward, checked by finite differences ---------------------------------

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


@dataclass
class DenseBackwardExercise(Feedback):
    """Check ``dense_backward(X, W, dY) -> (dX, dW, db)`` against finite differences.

    Three small random layers (the first with a non-square W); for each, the
    student's three arrays are compared with central differences of
    L = sum(dY * (X @ W + b)).  A wrong answer is diagnosed part by part:
    arrays returned in the wrong order, a transposed array, a typical wrong
    formula, the sign, a common factor, zeros, NaN, a wrong shape.
    """

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)

    def cases(self):
        """(X, W, b, dY) of the three layers, shapes (batch, n_in) (n_in, n_out) (n_out,) (batch, n_out)."""
        rng = np.random.default_rng(0)
        for batch, n_in, n_out in [(3, 4, 2), (5, 3, 3), (1, 2, 4)]:
            yield (rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out)),
                   rng.normal(size=n_out), rng.normal(size=(batch, n_out)))

    def check(self, dense_backward) -> None:
        """Run the student's function on small random shapes and print the verdict."""
        self._report(self._problem(dense_backward),
                     ": dX, dW and db agree with finite differences")

    def _problem(self, dense_backward) -> str | None:
        if dense_backward is None or dense_backward is Ellipsis:
            return FUNCTION_NOT_DONE
        if not callable(dense_backward):
            return f"expected a function, got {type(dense_backward).__name__}"
        name = function_name(dense_backward)
        X, W, _, dY = next(self.cases())
        misfit = wrong_signature(dense_backward, name, (X, W, dY), ("X", "W", "dY"))
        if misfit is not None:
            return misfit
        for X, W, b, dY in self.cases():
            shapes = f"X {X.shape}, W {W.shape}, dY {dY.shape}"
            result = attempt(dense_backward, (X, W, dY))
            if result.stub is not None:                 # the student edition's stub
                return result.stub
            if result.error is not None:
                said = f"with {shapes} it raised {result.error}{result.where}"
                if "matmul" in result.error or "shapes" in result.error:
                    said += (". Match the shapes: each gradient has the shape of what it is "
                             "the gradient of (dX like X, dW like W, db like b); transpose "
                             "where they don't fit")
                return said
            problem = self._result_problem(name, result.got, _numerical_gradients(X, W, b, dY),
                                           X, W, dY)
            if problem is not None:
                return problem if isinstance(problem, NotDone) else f"with {shapes}: {problem}"
        return None

    @staticmethod
    def _result_problem(name, got, right, X, W, dY) -> str | None:
        """What is wrong with the returned (dX, dW, db), or None."""
        if got is Ellipsis:
            return NotDone(f"{name} returns `...`: replace the `...` with your code")
        if got is None:
            return "it returned None (did you forget `return`, or leave `...` in place?)"
        if not isinstance(got, (tuple, list)):
            return (f"it returned {format_value(got)}, a {type(got).__name__}; it must return "
                    "three arrays: return dX, dW, db")
        if len(got) != 3:
            return (f"it returned {len(got)} item{'' if len(got) == 1 else 's'}; it must "
                    "return three arrays: return dX, dW, db")
        misplaced = _misplaced(got, right)
        if misplaced is not None:
            return misplaced
        for part_name, part, right_part in zip(_LIKE, got, right):
            problem = _part_problem(part_name, part, right_part, X, W, dY)
            if problem is not None:
                return problem
        return None


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
            return f"{name} is {message}"
    if numbers.shape != right.shape:
        if numbers.T.shape == right.shape and _agrees(numbers.T, right):
            return f"{name} is transposed: it must have {like}"
        return f"{name} has shape {numbers.shape}, expected {like}"
    if np.all(np.isfinite(numbers)) and len(X) > 1:
        if np.allclose(numbers * len(X), right, rtol=_RTOL, atol=_ATOL):
            return (f"{name} is divided by the batch size: the 1/batch is already inside dY "
                    "(the loss's mean).")
    return f"{name} {describe_wrong(numbers, right, _ATOL, direction=True, sign_step=_DENSE_SIGN)}"


exercise_1 = DenseBackwardExercise(
    name="Exercise 1 (Dense's backward)",
    hint_text="""
Y = X @ W + b.  Each answer has the shape of what it is the gradient of:
  dW: (n_in, n_out), like W  -> combine X (batch, n_in) and dY (batch, n_out) over the batch
  db: (n_out,), like b       -> b is added to every sample: add up dY's rows
  dX: (batch, n_in), like X  -> dY (batch, n_out) and W (n_in, n_out)
03's dL/dw = X.T @ dz is the one-neuron case of dW.
""",
    solution_code="""
def dense_backward(X, W, dY):
    dX = dY @ W.T
    dW = X.T @ dY
    db = dY.sum(axis=0)
    return dX, dW, db
""",
)


# --- Exercise 3: a stable softmax ---------------------------------------------------------------

_SOFTMAX_CASES = [
    (np.array([[1.0, 2.0, 3.0]]),),
    (np.array([[0.0, 0.0], [5.0, -5.0]]),),
    (np.array([[1000.0, 999.0, 0.0], [-1e4, 0.0, 1e4]]),),
]


def _numbers(got, expected) -> np.ndarray | None:
    """``got`` as a finite float array of ``expected``'s shape, or None."""
    numbers, _ = as_numbers(got)
    if numbers is None or numbers.shape != np.shape(expected):
        return None
    return numbers if np.all(np.isfinite(numbers)) else None


def _overflowed(got, expected) -> bool:
    numbers, _ = as_numbers(got)
    return (numbers is not None and numbers.shape == np.shape(expected)
            and not np.all(np.isfinite(numbers)))


def _rows_sum_to_one(p) -> bool:
    return bool(np.allclose(p.sum(axis=1), 1.0))


def _columns_sum_to_one(got, expected) -> bool:
    """Normalised down the columns (a sum over axis=0), with or without a shift."""
    p = _numbers(got, expected)
    return p is not None and np.allclose(p.sum(axis=0), 1.0) and not _rows_sum_to_one(p)


def _batch_sums_to_one(got, expected) -> bool:
    """Normalised over the whole batch (a sum without an axis)."""
    p = _numbers(got, expected)
    return p is not None and np.isclose(p.sum(), 1.0) and not _rows_sum_to_one(p)


def _not_normalised(got, expected) -> bool:
    """exp of the (shifted) logits, without the division by the row sums."""
    p = _numbers(got, expected)
    return (p is not None and np.all(p > 0) and not _rows_sum_to_one(p)
            and np.allclose(p / p.sum(axis=1, keepdims=True), expected, rtol=1e-9, atol=1e-12))


def _log_probabilities(got, expected) -> bool:
    p = _numbers(got, expected)
    return p is not None and np.allclose(np.exp(p), expected, rtol=1e-9, atol=1e-12)


#: How a student may shift the logits before exp: the row maxima with or without keepdims.
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

exercise_3 = Exercise(
    name="Exercise 3 (a stable softmax)",
    cases=[(args, softmax(*args)) for args in _SOFTMAX_CASES],
    arg_names=("logits",),
    tol=1e-9,
    sign_step="probabilities are never negative: exp is positive, and so is its row sum.",
    mistakes=[
        # on every case, errors included: a missing keepdims breaks some shapes only, and
        # gives wrong numbers on square ones (first: on the symmetric second case these
        # numbers are also normalised down the columns)
        Mistake(function=_row_max_without_keepdims, message=_KEEPDIMS_MAX),
        *(Mistake(function=_row_sums_without_keepdims(shift), message=_KEEPDIMS_SUM)
          for shift in _SHIFTS),
        # on the first wrong case: a property of the result, whatever the shift
        Mistake(when=_columns_sum_to_one,
                message="each column sums to 1, not each row: the sum went over axis=0, down "
                        "the columns. A row is one sample: sum along it, axis=1 "
                        "(keepdims=True)."),
        Mistake(when=_batch_sums_to_one,
                message="normalised over the whole batch: each row (sample) must sum to 1 on "
                        "its own, so sum with axis=1, keepdims=True."),
        Mistake(when=_overflowed,
                message="NaN or infinity: exp(1000) overflows to inf, and inf / inf is NaN. "
                        "Subtract each row's largest logit first: the probabilities do not "
                        "change, and exp then only sees numbers <= 0."),
        Mistake(when=_not_normalised,
                message="not normalised: divide each row by its sum, so the probabilities "
                        "add up to 1."),
        Mistake(when=_log_probabilities,
                message="that is the log-softmax, log p: take its exp for the probabilities."),
    ],
    hint_text="""
softmax(z)_k = exp(z_k) / sum_j exp(z_j), row by row.  Subtracting a row's max from all of
its logits leaves the ratios unchanged (the factor exp(-max) cancels) and keeps exp from
overflowing:  z - z.max(axis=1, keepdims=True).  Then exp, then divide by the row sums.
""",
    solution_code="""
def stable_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
""",
)
