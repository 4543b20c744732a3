"""Exercises of notebooks/06_mnist.ipynb: Dense's backward (checked by finite differences),
ReLU's backward and a stable softmax.

Expected answers come from nblib (its layers, its softmax) or, for Dense's backward, from
numerical derivatives (nblib.gradcheck), so a check never trusts a formula it is checking.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from nblib.checks import (
    FUNCTION_NOT_DONE,
    Exercise,
    Feedback,
    Mistake,
    format_value,
    stub_not_done,
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


#: name -> (a typical wrong formula, what to tell the student); tried when that part is wrong.
_DENSE_MISTAKES = {
    "dW": [(lambda X, W, dY: dY.T @ X, "transposed: dW must have W's shape (n_in, n_out), "
                                        "so it is X.T @ dY."),
           (lambda X, W, dY: X.T @ dY / len(X),
            "divided by the batch size: the 1/batch is already inside dY (the loss's mean)."),
           (lambda X, W, dY: X.sum(0)[:, None] * dY.sum(0)[None, :],
            "the sums multiply each sample's input with every sample's gradient: "
            "pair them sample by sample, X.T @ dY.")],
    "db": [(lambda X, W, dY: dY.mean(axis=0),
            "the mean over the batch: db is the sum, each sample adds its share."),
           (lambda X, W, dY: dY,
            "one row per sample: b is shared by every sample, so add the rows up, "
            "dY.sum(axis=0).")],
    "dX": [(lambda X, W, dY: dY @ W, "shapes: dX must be (batch, n_in), so it is dY @ W.T."),
           (lambda X, W, dY: X.T @ dY, "that is dW's formula: dX = dY @ W.T.")],
}


@dataclass
class DenseBackwardExercise(Feedback):
    """Check ``dense_backward(X, W, dY) -> (dX, dW, db)`` against finite differences."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)

    def cases(self):
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
        for X, W, b, dY in self.cases():
            shapes = f"X {X.shape}, W {W.shape}, dY {dY.shape}"
            try:
                with np.errstate(all="ignore"):
                    got = dense_backward(*copy.deepcopy((X, W, dY)))
            except NotImplementedError as error:   # the student edition's stub
                return stub_not_done(error)
            except Exception as error:  # a student's bug: report it, don't crash the check
                said = f"with {shapes} it raised {type(error).__name__}: {error}"
                if "matmul" in str(error) or "shapes" in str(error):
                    said += (". Match the shapes: each gradient has the shape of what it is "
                             "the gradient of (dX like X, dW like W, db like b); transpose "
                             "where they don't fit")
                return said
            if got is None:
                return "it returned None (did you forget `return`, or leave `...` in place?)"
            if not isinstance(got, (tuple, list)) or len(got) != 3:
                return "it must return three arrays: dX, dW, db (return dX, dW, db)"
            expected = _numerical_gradients(X, W, b, dY)
            for name, part, right in zip(("dX", "dW", "db"), got, expected):
                problem = self._part_problem(name, part, right, X, W, dY)
                if problem:
                    return f"with {shapes}: {problem}"
        return None

    @staticmethod
    def _part_problem(name, part, right, X, W, dY) -> str | None:
        try:
            part = np.asarray(part, dtype=np.float64)
        except (TypeError, ValueError):
            return f"{name} is a {type(part).__name__}, expected an array"
        if part.shape == right.shape and np.allclose(part, right, rtol=1e-5, atol=1e-7):
            return None
        for mistake, message in _DENSE_MISTAKES[name]:
            wrong = np.asarray(mistake(X, W, dY))
            if wrong.shape == part.shape and np.allclose(part, wrong, rtol=1e-9, atol=1e-12):
                return f"{name} is {message}"
        if part.shape != right.shape:
            return f"{name} has shape {part.shape}, expected {right.shape}"
        return (f"{name} disagrees with the finite differences (you returned "
                f"{format_value(part.ravel()[:3])}...)")



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


def _overflowed(got, expected) -> bool:
    got = np.asarray(got, dtype=np.float64)
    return got.shape == np.shape(expected) and not np.all(np.isfinite(got))


exercise_3 = Exercise(
    name="Exercise 3 (a stable softmax)",
    cases=[(args, softmax(*args)) for args in _SOFTMAX_CASES],
    arg_names=("logits",),
    tol=1e-9,
    mistakes=[
        Mistake(when=_overflowed,
                message="NaN or infinity: exp(1000) overflows to inf, and inf / inf is NaN. "
                        "Subtract each row's largest logit first: the probabilities do not "
                        "change, and exp then only sees numbers <= 0."),
        Mistake(function=lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0),
                message="each column sums to 1, not each row: a row is one sample, so sum "
                        "with axis=1 (keepdims=True)."),
        Mistake(function=lambda z: np.exp(z - z.max(axis=1, keepdims=True)),
                message="not normalised: divide each row by its sum, so the probabilities "
                        "add up to 1."),
        Mistake(function=lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
                message="normalised over the whole batch: each row (sample) must sum to 1 on "
                        "its own, so sum with axis=1, keepdims=True."),
        Mistake(function=lambda z: (z - z.max(axis=1, keepdims=True))
                - np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
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
