"""Exercises of notebooks/04_autograd.ipynb: predict a gradient, relu's backward, log and
binary cross-entropy on Values.

Expected answers are computed with nblib (its engine and its log loss), so they
follow the library the notebook teaches.
"""

from nblib.checks import Exercise
from nblib.engine import Value
from nblib.losses import binary_log_loss


def _predicted_gradient():
    """nblib's answer to exercise 1: x.grad of y = x*x + x*2 at x = 3."""
    x = Value(3.0)
    y = x * x + x * 2
    y.backward()
    return x.grad


def _relu_backward(x, grad):
    """nblib's answer to exercise 2: what relu(x) passes back to x when it receives grad."""
    v = Value(x)
    (v.relu() * grad).backward()
    return v.grad


def _loss_and_gradient(y_hat, y):
    """nblib's answer to exercise 3: the log loss of 03 and its derivative by nblib's engine."""
    p = Value(y_hat)
    loss = -(y * p.log() + (1 - y) * (1 - p).log())
    loss.backward()
    return binary_log_loss(y_hat, y), p.grad


exercise_1 = Exercise(
    name="Exercise 1 (predict x.grad)",
    expected=_predicted_gradient(),
    hint_text="""
Each use of x sends back its own share, and the shares add up (+=):
  x * x  sends back  x.data (as the left input) + x.data (as the right input)
  x * 2  sends back  2
Or, the same thing: y = x² + 2x, so dy/dx = 2x + 2.  Evaluate at x = 3.
""",
    solution_code="""
my_prediction = 3.0 + 3.0 + 2.0   # both inputs of x * x, plus x * 2: dy/dx = 2x + 2 = 8
""",
)

_relu_cases = [(2.0, 1.0), (-1.0, 1.0), (3.0, -0.5), (-0.5, 2.0), (0.0, 1.0), (0.25, 4.0)]

exercise_2 = Exercise(
    name="Exercise 2 (relu_backward)",
    cases=[(args, _relu_backward(*args)) for args in _relu_cases],
    arg_names=("x", "grad"),
    hint_text="""
Local derivative times the gradient from above.  relu's local derivative is
1 where x > 0 (relu(x) = x there) and 0 where x <= 0 (relu(x) = 0 there).
So the answer is either grad itself or 0.  Mind x == 0: it gives 0.
""",
    solution_code="""
def relu_backward(x, grad):
    return grad if x > 0 else 0.0
""",
)

_bce_cases = [(0.7, 1), (0.7, 0), (0.2, 1), (0.9, 0), (0.5, 1)]

exercise_3 = Exercise(
    name="Exercise 3 (log and binary cross-entropy)",
    cases=[(args, _loss_and_gradient(*args)) for args in _bce_cases],
    arg_names=("y_hat", "y"),
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
The check prints two numbers: [loss, dL/dy_hat].  A wrong second number means
log's _backward is off.
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
)
