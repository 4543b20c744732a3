"""Exercises of notebooks/04_autograd.ipynb: predict a gradient, relu's backward, log and
binary cross-entropy on Values.

Expected answers are computed with nblib (its engine and
:func:`nblib.losses.binary_cross_entropy`), so they follow the library the
notebook teaches.  Each exercise lists typical mistakes, so the check can say
which one a wrong answer looks like.
"""

import math
import numbers

from nblib.checks import Exercise, Mistake
from nblib.engine import Value
from nblib.losses import binary_cross_entropy

# --- Exercise 1: predict x.grad --------------------------------------------------------

_X = 3.0


def _predicted_gradient():
    """nblib's answer to exercise 1: x.grad of y = x*x + x*2 at x = 3."""
    x = Value(_X)
    y = x * x + x * 2
    y.backward()
    return x.grad


# x is used three times: twice in x * x (a share of x.data each) and once in x * 2 (a share of 2).
exercise_1 = Exercise(
    name="Exercise 1 (predict x.grad)",
    expected=_predicted_gradient(),
    sign_step="shares add up (+=), none is subtracted, and at x = 3 every use of x here sends "
              "back a positive share.",
    hint_text="""
Each use of x sends back its own share, and the shares add up (+=):
  x * x  sends back  x.data (as the left input) + x.data (as the right input)
  x * 2  sends back  2
Or, the same thing: y = x² + 2x, so dy/dx = 2x + 2.  Evaluate at x = 3.
""",
    solution_code="""
my_prediction = 3.0 + 3.0 + 2.0   # both inputs of x * x, plus x * 2: dy/dx = 2x + 2 = 8
""",
    mistakes=[
        Mistake(value=2 * _X,
                message="your answer counts only the shares from x * x: x * 2 uses x too and "
                        "sends back a share of its own. Shares add up (+=); none overwrites "
                        "another."),
        Mistake(value=_X + 2,
                message="your answer counts x * x's share once: x is both inputs of x * x, so "
                        "it receives one share as the left input and another as the right."),
        Mistake(value=2.0,
                message="your answer is only the share from x * 2: with `=` instead of `+=` "
                        "each share overwrites the one before and only the last survives. "
                        "x * x sends back shares too, and they all add up."),
        Mistake(value=_X,
                message="your answer is a single share, from one input of x * x: with `=` "
                        "instead of `+=` each share overwrites the one before and only the "
                        "last survives. x is used three times; every use adds its share."),
        Mistake(value=_X * _X + _X * 2,
                message="your answer is y's value, y.data; x.grad is dy/dx, how much y "
                        "changes per unit change of x."),
        Mistake(value=1.0,
                message="your answer is y.grad (dy/dy), where backward() starts; x.grad "
                        "collects the shares sent back to x."),
        Mistake(value=0.0,
                message="your answer is 0, x.grad before y.backward() has run: predict what "
                        "backward() will put there."),
        Mistake(when=lambda got, expected: hasattr(got, "grad"),
                message="your answer is a Value, not a number: the prediction is x.grad, "
                        "a plain number."),
    ],
)


# --- Exercise 2: relu's backward ---------------------------------------------------------

def _relu_backward(x, grad):
    """nblib's answer to exercise 2: what relu(x) passes back to x when it receives grad."""
    v = Value(x)
    (v.relu() * grad).backward()
    return v.grad


_relu_cases = [(2.0, 1.0), (-1.0, 1.0), (3.0, -0.5), (-0.5, 2.0), (0.0, 1.0), (0.25, 4.0)]

exercise_2 = Exercise(
    name="Exercise 2 (relu_backward)",
    cases=[(args, _relu_backward(*args)) for args in _relu_cases],
    arg_names=("x", "grad"),
    sign_step="relu's slope is 1 or 0, never negative, so what flows back keeps grad's sign.",
    hint_text="""
Local derivative times the gradient from above.  relu's local derivative is
1 where x > 0 (relu(x) = x there) and 0 where x <= 0 (relu(x) = 0 there).
So the answer is either grad itself or 0.  Mind x == 0: it gives 0.
""",
    solution_code="""
def relu_backward(x, grad):
    return grad if x > 0 else 0.0
""",
    mistakes=[
        Mistake(function=lambda x, grad: 1.0 if x > 0 else 0.0,
                message="that is relu's local derivative alone: the chain rule multiplies it "
                        "by the gradient from above, grad."),
        Mistake(function=lambda x, grad: grad if x >= 0 else 0.0,
                message="at x = 0 the gradient was passed on: relu is flat there (x = 0 is not "
                        "positive), so use x > 0, not x >= 0."),
        Mistake(function=lambda x, grad: max(x, 0.0),
                message="that is relu(x), the forward value; backward passes a gradient: "
                        "relu's local derivative times grad."),
        Mistake(function=lambda x, grad: x * grad if x > 0 else 0.0,
                message="the local derivative of relu where x > 0 is 1, not x: relu(x) = x "
                        "there, and d/dx of x is 1."),
        Mistake(function=lambda x, grad: x * grad,
                message="that is x * grad: relu's local derivative is not x. Where x > 0 it "
                        "is 1 (relu(x) = x), where x <= 0 it is flat."),
        Mistake(function=lambda x, grad: grad,
                message="grad was passed on everywhere: where x <= 0 relu is flat, "
                        "so nothing flows back."),
    ],
)


# --- Exercise 3: log and binary cross-entropy on Values ----------------------------------

def _loss_and_gradient(y_hat, y):
    """nblib's answer to exercise 3: the log loss on a Value and dL/dy_hat by backward()."""
    p = Value(y_hat)
    loss = binary_cross_entropy(p, y)
    loss.backward()
    return loss.data, p.grad


_bce_cases = [(0.7, 1), (0.7, 0), (0.2, 1), (0.9, 0), (0.5, 1)]


def _is_number(got, expected) -> bool:
    return isinstance(got, numbers.Real)


def _loss_right(got, expected) -> bool:
    return math.isclose(got[0], expected[0], rel_tol=1e-6, abs_tol=1e-6)


def _gradient_zero(got, expected) -> bool:
    return _loss_right(got, expected) and got[1] == 0


def _gradient_wrong(got, expected) -> bool:
    return _loss_right(got, expected) and not math.isclose(got[1], expected[1], rel_tol=1e-6)


def _loss_negated(got, expected) -> bool:
    return math.isclose(got[0], -expected[0], rel_tol=1e-6)


def _log_that_assigns(x: Value) -> Value:
    """log(x) whose _backward assigns (x.grad = ...) where it should add (+=): Pitfall 1."""
    out = Value(math.log(x.data), (x,), "log")

    def _backward(grad):
        x.grad = grad / x.data
    out._backward = _backward
    return out


def _loss_and_gradient_with_assigning_log(y_hat, y):
    """What a log with `=` in its _backward gives, on this engine's order of backward steps.

    y_hat feeds two paths, y_hat.log() and 1 - y_hat.  Backward reaches y_hat's log last,
    so with `=` its share overwrites the one 1 - y_hat sent: right when y = 1 (the other
    share is 0), 0 when y = 0 (log's own share is y times something, 0).
    """
    p = Value(y_hat)
    loss = -(y * _log_that_assigns(p) + (1 - y) * _log_that_assigns(1 - p))
    loss.backward()
    return loss.data, p.grad


exercise_3 = Exercise(
    name="Exercise 3 (log and binary cross-entropy)",
    cases=[(args, _loss_and_gradient(*args)) for args in _bce_cases],
    arg_names=("y_hat", "y"),
    sign_step="the loss is positive (the minus in front of the sum), and log's slope 1/x is "
              "positive, so log passes grad's sign back unchanged.",
    hint_text="""
log, in the style of exp above:
  x = self.data
  out = Value(math.log(x), (self,), "log")
  def _backward(grad):
      self.grad += ... * grad        # d log(x)/dx = 1/x
  out._backward = _backward
  return out
binary_cross_entropy uses only Value operations: y * y_hat.log(), 1 - y_hat, ...
and a minus sign in front of the whole sum.
The check compares two numbers: [loss, dL/dy_hat].  A right loss with a wrong
gradient means log's _backward is off.
""",
    solution_code="""
def log(self):
    x = self.data
    out = Value(math.log(x), (self,), "log")
    def _backward(grad):
        self.grad += grad / x          # d log(x)/dx = 1/x
    out._backward = _backward
    return out

Value.log = log


def binary_cross_entropy(y_hat, y):
    return -(y * y_hat.log() + (1 - y) * (1 - y_hat).log())
""",
    mistakes=[
        Mistake(error=r"_backward\(\) takes 0 positional arguments but 1 was given",
                message="log's _backward takes no argument (micrograd's style, reading "
                        "out.grad), but this engine's backward() hands each node its gradient: "
                        "write def _backward(grad): and use grad."),
        Mistake(error=r"missing 1 required positional argument: 'grad'",
                message="a _backward(grad) was called without its gradient. If log says "
                        "out._backward = _backward(), drop the () (store the function, don't "
                        "call it); if an older backward() cell ran last, re-run the notebook "
                        "from the top."),
        Mistake(error=r"must be real number, not Value",
                message="math.log was given a Value, but it works on plain numbers only: in "
                        "log use math.log(self.data); in binary_cross_entropy call "
                        "y_hat.log() so the loss stays a Value."),
        Mistake(error=r"unsupported operand type\(s\) for .*'NoneType'",
                message="log returned None: it still has `...` in place of its code, or "
                        "lacks `return out`."),
        Mistake(error=r"has no attribute 'log'",
                message="Value has no log method: run the cell with Value.log = log "
                        "(after the engine's cells)."),
        Mistake(when=lambda got, expected: got is None,
                message="binary_cross_entropy returned None: it still has `...` in place of "
                        "its code, or lacks a `return`."),
        Mistake(when=_is_number,
                message="binary_cross_entropy returned a plain number, not a Value, so "
                        "backward() cannot run. Build the loss from Value operations: "
                        "y_hat.log() (with log returning a Value), 1 - y_hat, *, + and -; "
                        "not math.log on .data."),
        Mistake(function=_loss_and_gradient_with_assigning_log,
                message="the loss is right, and so is dL/dy_hat when y = 1, but when y = 0 it "
                        "comes back 0: log's _backward assigns (self.grad = ...) where it "
                        "should add (self.grad += ...), Pitfall 1 of this notebook. y_hat "
                        "feeds two paths, y_hat.log() and 1 - y_hat; with `=` the share that "
                        "arrives last overwrites the other instead of adding to it."),
        Mistake(when=_gradient_zero,
                message="the loss is right but dL/dy_hat came back 0: did log attach its "
                        "_backward (out._backward = _backward)?"),
        Mistake(when=_gradient_wrong,
                message="the loss is right but dL/dy_hat is not, so log's _backward is off: "
                        "it should add grad times log's local derivative, d log(x)/dx, "
                        "to self.grad."),
        Mistake(when=_loss_negated,
                message="the loss has the wrong sign: the log of a probability is negative, "
                        "so the log loss puts a minus in front of the whole sum."),
    ],
)
