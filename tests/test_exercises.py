"""nblib.exercises: every exercise's solution passes, every typical mistake is diagnosed
by real wrong code, and no failure message gives the right answer away."""

import copy
import math
import re

import numpy as np
import pytest

from nblib import activations
from nblib.checks import FAIL, Mistake, format_value
from nblib.exercises import nb01, nb02, nb03, nb04, nb05
from nblib.gradcheck import numerical_derivative

sigmoid = activations.sigmoid

#: The exercises built on nblib.checks.Exercise with a table of mistakes (05's exercise 2 is
#: tested in test_nb05.py; 06's, checks of their own, in test_nb06_exercises.py).
EXERCISES = [nb01.exercise_1, nb01.exercise_2, nb01.exercise_3,
             nb02.exercise_1, nb02.exercise_2, nb02.exercise_3, nb02.exercise_4,
             nb03.exercise_1, nb03.exercise_2, nb03.exercise_3,
             nb04.exercise_1, nb04.exercise_2, nb04.exercise_3,
             nb05.exercise_1]


# --- a tiny engine for exercise 3 of notebook 04 ---------------------------------------------

class TinyValue:
    """The notebook's engine in miniature: backward() hands each _backward its output's grad.

    Operations build ``type(self)``, so a subclass's ``log`` (a student's) reaches
    every Value of the loss, ``1 - y_hat`` included.
    """

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = None

    def _as_value(self, other):
        return other if isinstance(other, TinyValue) else type(self)(other)

    def __add__(self, other):
        other = self._as_value(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward(grad):
            self.grad += grad
            other.grad += grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._as_value(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward(grad):
            self.grad += other.data * grad
            other.grad += self.data * grad
        out._backward = _backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def backward(self):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            if node._backward is not None:
                node._backward(node.grad)


#: The notebook's check cell calls this wrapper (copied from notebooks/04_autograd.ipynb).
WRAPPER = '''
def loss_and_gradient(y_hat, y):        # what the check calls; no need to change it
    p = Value(y_hat, label="y_hat")
    loss = binary_cross_entropy(p, y)
    if not isinstance(loss, Value):
        return loss                     # lets the check say what came back
    loss.backward()
    return loss.data, p.grad
'''

LOG = '''
def log(self):
    x = self.data
    out = Value(math.log(x), (self,), "log")
    def _backward(grad):
        self.grad += {local} * grad
    out._backward = _backward
    return out

Value.log = log
'''
BCE = '''
def binary_cross_entropy(y_hat, y):
    return -(y * y_hat.log() + (1 - y) * (1 - y_hat).log())
'''


def loss_and_gradient(source: str):
    """The notebook's wrapper, run on a fresh engine where ``source`` defined log and the loss."""
    namespace = {"math": math, "Value": type("Value", (TinyValue,), {})}
    exec(source + WRAPPER, namespace)
    return namespace["loss_and_gradient"]


BCE_SOURCES = {
    "micrograd-style _backward()": '''
def log(self):
    out = Value(math.log(self.data), (self,), "log")
    def _backward():
        self.grad += (1 / self.data) * out.grad
    out._backward = _backward
    return out

Value.log = log
''' + BCE,
    "_backward() called, not stored": '''
def log(self):
    x = self.data
    out = Value(math.log(x), (self,), "log")
    def _backward(grad):
        self.grad += grad / x
    out._backward = _backward()
    return out

Value.log = log
''' + BCE,
    "loss on floats with math.log": LOG.format(local="1 / x") + '''
def binary_cross_entropy(y_hat, y):
    return -(y * math.log(y_hat.data) + (1 - y) * math.log(1 - y_hat.data))
''',
    "math.log of a Value": LOG.format(local="1 / x") + '''
def binary_cross_entropy(y_hat, y):
    return -(y * math.log(y_hat) + (1 - y) * math.log(1 - y_hat))
''',
    "log returns a float": '''
def log(self):
    return math.log(self.data)

Value.log = log
''' + BCE,
    "log left as the stub": '''
def log(self):
    # your code here
    ...

Value.log = log
''' + BCE,
    "Value.log never set": BCE,
    "loss left as the stub": LOG.format(local="1 / x") + '''
def binary_cross_entropy(y_hat, y):
    # your code here
    ...
''',
    "log without _backward": '''
def log(self):
    return Value(math.log(self.data), (self,), "log")

Value.log = log
''' + BCE,
    "log's slope x, not 1/x": LOG.format(local="x") + BCE,
    "loss without the minus": LOG.format(local="1 / x") + '''
def binary_cross_entropy(y_hat, y):
    return y * y_hat.log() + (1 - y) * (1 - y_hat).log()
''',
    "log's _backward with = instead of +=": LOG.format(local="1 / x").replace(
        "self.grad +=", "self.grad =") + BCE,
}


# --- the wrong answers, each with the diagnosis it must get ----------------------------------

def k(x):
    return x**3 - 2 * x + 1


def forward(x, w, b):
    return sigmoid(w @ x + b)


def y_hat_of(X, w, b):
    return sigmoid(X @ w + b)


WRONG = [
    # nb01: one neuron
    (nb01.exercise_1, lambda x, w, b: w @ x + b, "weighted sum before the sigmoid"),
    (nb01.exercise_1, lambda x, w, b: sigmoid(w @ x), "the bias is missing"),
    (nb01.exercise_1, lambda x, w, b: sigmoid(w @ x) + b, "b was added after the sigmoid"),
    (nb01.exercise_1, lambda x, w, b: 1 - forward(x, w, b), "1 - sigmoid(z)"),
    (nb01.exercise_1, lambda x, w, b: sigmoid(w * x + b), "w * x multiplies entry by entry"),
    (nb01.exercise_2, forward, "that is the probability y_hat"),
    (nb01.exercise_2, lambda x, w, b: 1 if w @ x + b > 0 else 0, "use >= 0.5, not > 0.5"),
    (nb01.exercise_2, lambda x, w, b: 0 if forward(x, w, b) >= 0.5 else 1,
     "the classes are swapped"),
    (nb01.exercise_3, lambda point, w: w @ point, "the sign is flipped"),
    (nb01.exercise_3, lambda point, w: -(w * point), "w * point multiplies entry by entry"),
    # nb02: gradients
    (nb02.exercise_1, lambda x: numerical_derivative(k, x),
     "matches the central difference, not the exact derivative"),
    (nb02.exercise_1, lambda x: numerical_derivative(lambda t: t * t * t - 2 * t + 1, x),
     "matches the central difference"),
    (nb02.exercise_1, lambda x: numerical_derivative(k, x, h=1e-6), "matches the central difference"),
    (nb02.exercise_1, lambda x: 3 * x**2, "the -2x term is missing"),
    (nb02.exercise_1, lambda x: 3 * x**2 - 2 * x, "-2x was copied unchanged"),
    (nb02.exercise_1, lambda x: 3 * x**2 - 1, "the constant 1 was kept"),
    (nb02.exercise_1, lambda x: 3 * x**2 - 2 * x + 1, "only x³ was differentiated"),
    (nb02.exercise_2,
     lambda x, y, w, b: (forward(x, w, b) - y) * forward(x, w, b) * (1 - forward(x, w, b)) * x,
     "the factor 2 is missing"),
    (nb02.exercise_2, lambda x, y, w, b: 2 * (forward(x, w, b) - y) * x,
     "the sigmoid's slope is missing"),
    (nb02.exercise_2,
     lambda x, y, w, b: 2 * (y - forward(x, w, b)) * forward(x, w, b) * (1 - forward(x, w, b)) * x,
     "the sign is flipped"),
    (nb02.exercise_2,
     lambda x, y, w, b: 2 * (forward(x, w, b) - y) * forward(x, w, b) * (1 - forward(x, w, b)),
     "that is one number, dL/dz (which is also dL/db)"),
    (nb02.exercise_3, 2 + 0.1 * (6 * 2 - 4), "stepped uphill"),
    (nb02.exercise_3, 0.1 * (6 * 2 - 4), "the `=` vs `-=` slip"),
    (nb02.exercise_3, -0.1 * (6 * 2 - 4), "your answer is the step, -lr * f'(x)"),
    (nb02.exercise_3, 2 - 0.1 * (3 * 2**2 - 4 * 2 + 5), "used f(x), the height"),
    (nb02.exercise_3, 6 * 2 - 4, "the slope f'(x) itself"),
    (nb02.exercise_4, 1 / 10, "your answer is 1 / p''"),
    (nb02.exercise_4, 0.1, "the limit is the lr where it reaches -1"),
    (nb02.exercise_4, 2 / 6, "the notebook's parabola f"),
    (nb02.exercise_4, 0.33, "the notebook's parabola f"),        # typed, rounded
    (nb02.exercise_4, 2 / 3, "divides by p'(0), a slope"),
    (nb02.exercise_4, 10, "p'' itself, the curvature"),
    # nb03: log loss
    (nb03.exercise_1, -np.log(0.99), "the wrong term of the loss"),
    (nb03.exercise_1, 0.0101, "the wrong term of the loss"),          # typed, rounded
    (nb03.exercise_1, np.log(1 - 0.99), "your answer has the wrong sign"),
    (nb03.exercise_1, -4.6052, "your answer has the wrong sign"),
    (nb03.exercise_1, -np.log10(1 - 0.99), "log base 10"),
    (nb03.exercise_1, (0.99 - 0) ** 2, "the squared error"),
    (nb03.exercise_2, lambda X, y, w, b: X.T @ (y_hat_of(X, w, b) - y),
     "divide by the number of samples"),
    (nb03.exercise_2, lambda X, y, w, b: X.T @ (y - y_hat_of(X, w, b)) / len(y),
     "the sign is flipped"),
    (nb03.exercise_2, lambda X, y, w, b: X @ (y_hat_of(X, w, b) - y) / len(y),
     "sum over the samples with X.T @ dz"),
    (nb03.exercise_2, lambda X, y, w, b: np.dot(X, y_hat_of(X, w, b) - y) / len(y),
     "sum over the samples with X.T @ dz"),
    (nb03.exercise_2,
     lambda X, y, w, b: X.T @ (2 * (y_hat_of(X, w, b) - y) * y_hat_of(X, w, b)
                               * (1 - y_hat_of(X, w, b))) / len(y),
     "the gradient of the mean squared error"),
    (nb03.exercise_2, lambda X, y, w, b: np.mean(y_hat_of(X, w, b) - y), "that is one number, dL/db"),
    (nb03.exercise_2, lambda X, y, w, b: (y_hat_of(X, w, b) - y) / len(y),
     "that is dz, one number per sample"),
    (nb03.exercise_3, lambda z, y: (sigmoid(z) - y) * sigmoid(z) * (1 - sigmoid(z)),
     "the factor 2 is missing"),
    (nb03.exercise_3, lambda z, y: 2 * (sigmoid(z) - y), "that is dL/dŷ only"),
    (nb03.exercise_3, lambda z, y: sigmoid(z) - y, "the log loss's dL/dz"),
    (nb03.exercise_3, lambda z, y: 2 * (y - sigmoid(z)) * sigmoid(z) * (1 - sigmoid(z)),
     "the sign is flipped"),
    # nb04: autograd
    (nb04.exercise_1, 6.0, "counts only the shares from x * x"),
    (nb04.exercise_1, 5.0, "counts x * x's share once"),
    (nb04.exercise_1, 2.0, "only the share from x * 2"),
    (nb04.exercise_1, 3.0, "a single share"),
    (nb04.exercise_1, 15.0, "y's value"),
    (nb04.exercise_1, 1.0, "y.grad (dy/dy)"),
    (nb04.exercise_1, 0.0, "before y.backward() has run"),
    (nb04.exercise_1, TinyValue(3.0), "your answer is a Value, not a number"),
    (nb04.exercise_2, lambda x, grad: 1.0 if x > 0 else 0.0, "relu's local derivative alone"),
    (nb04.exercise_2, lambda x, grad: grad if x >= 0 else 0.0, "use x > 0, not x >= 0"),
    (nb04.exercise_2, lambda x, grad: max(x, 0.0), "relu(x), the forward value"),
    (nb04.exercise_2, lambda x, grad: x * grad if x > 0 else 0.0, "where x > 0 is 1, not x"),
    (nb04.exercise_2, lambda x, grad: x * grad, "that is x * grad"),
    (nb04.exercise_2, lambda x, grad: grad, "grad was passed on everywhere"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["micrograd-style _backward()"]),
     "write def _backward(grad): and use grad"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["_backward() called, not stored"]),
     "drop the ()"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["loss on floats with math.log"]),
     "returned a plain number, not a Value"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["log returns a float"]),
     "returned a plain number, not a Value"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["math.log of a Value"]),
     "math.log was given a Value"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["log left as the stub"]), "log returned None"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["Value.log never set"]),
     "Value has no log method"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["loss left as the stub"]),
     "binary_cross_entropy returned None"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["log without _backward"]),
     "dL/dy_hat came back 0"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["log's slope x, not 1/x"]),
     "log's _backward is off"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["loss without the minus"]),
     "the loss has the wrong sign"),
    (nb04.exercise_3, loss_and_gradient(BCE_SOURCES["log's _backward with = instead of +="]),
     "log's _backward assigns (self.grad = ...) where it should add (self.grad += ...), "
     "Pitfall 1"),
    # nb05: count the parameters of MLP(3, [5, 4, 1])
    (nb05.exercise_1, 3 * 5 + 5 * 4 + 4 * 1, "counts the weights only"),
    (nb05.exercise_1, 3 * 5 + 5 * 4 + 4 * 1 + 1, "one bias for the whole network"),
    (nb05.exercise_1, 3 * 5 + 5 * 4 + 4 * 1 + 3, "one bias per layer"),
    (nb05.exercise_1, 5 + 4 + 1, "counts neurons, not parameters"),
    (nb05.exercise_1, 20 + 24, "leaves out the output layer"),
    (nb05.exercise_1, 24 + 5, "leaves out the first layer"),
    (nb05.exercise_1, 20 + 5, "leaves out the middle layer"),
    (nb05.exercise_1, 3 + 1 * 5 + 5 + 1 * 4 + 4 + 1 * 1, "without brackets"),
    (nb05.exercise_1, 49 + 3, "gives the inputs a bias each"),
    (nb05.exercise_1, 3 * 5 * 4 * 1, "multiplies all the layer sizes"),
]


#: Wrong answers no typical mistake explains: the generic description must still not leak.
GENERIC = [
    (nb01.exercise_1, lambda x, w, b: 2 * forward(x, w, b)),
    (nb01.exercise_3, lambda point, w: -2 * (w @ point)),
    (nb02.exercise_1, lambda x: -(3 * x**2 - 2)),
    (nb02.exercise_1, lambda x: 3 * x**2 - 2 + 1e-3),
    (nb02.exercise_2, lambda x, y, w, b: 20 * nb02._bun_gradient(x, y, w, b)),
    (nb02.exercise_3, -1.2),
    (nb02.exercise_3, 1.19),
    (nb02.exercise_4, 0.3),
    (nb03.exercise_1, 46.05),
    (nb03.exercise_1, 4.6),
    (nb03.exercise_2, lambda X, y, w, b: -2 * nb03._gradient_w(X, y, w, b)),
    (nb03.exercise_3, lambda z, y: np.zeros_like(z)),
    (nb04.exercise_1, 80.0),
    (nb04.exercise_2, lambda x, grad: -grad if x > 0 else 0.0),
    (nb04.exercise_3, lambda y_hat, y: (1.0, 2.0)),
    (nb05.exercise_1, 48),
    (nb05.exercise_1, 50),
    (nb05.exercise_1, -49),
]


def check(exercise, answer, capsys) -> str:
    """Run the check; return what it printed (it must never raise)."""
    exercise.check(answer)
    return capsys.readouterr().out


def ids(value):
    return getattr(value, "name", None)


# --- the right answers pass --------------------------------------------------------------------

def solution(exercise):
    """What the exercise's solution code defines: a function, or the value asked for."""
    namespace = {"np": np, "math": math, "activations": activations, "sigmoid": sigmoid,
                 "Value": type("Value", (TinyValue,), {})}
    exec(exercise.solution_code, namespace)
    if exercise is nb04.exercise_3:
        exec(WRAPPER, namespace)
        return namespace["loss_and_gradient"]
    defined = re.findall(r"^def (\w+)\(|^(\w+) = ", exercise.solution_code, flags=re.M)
    return namespace[[name for pair in defined for name in pair if name][0]]


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_solution_passes(exercise, capsys):
    answer = solution(exercise)
    capsys.readouterr()                       # what the solution itself printed
    out = check(exercise, answer, capsys)
    assert exercise.passed and out.startswith("✓ Correct!"), out


def test_nb02_exercise_1_needs_the_exact_derivative(capsys):
    """The central difference agrees with k' to ~1e-10 at small x, but not at x = 1e4."""
    assert nb02.exercise_1.tol == 1e-9
    for exact in (lambda x: 3 * x**2 - 2, lambda x: 3 * x * x - 2, lambda x: x * (3 * x) - 2.0):
        assert check(nb02.exercise_1, exact, capsys).startswith("✓")
    out = check(nb02.exercise_1, lambda x: numerical_derivative(k, x), capsys)
    assert "(x=1e+04)" in out and "not the exact derivative" in out
    for h in (1e-6, 1e-4, 1e-3):        # other steps: still an estimate, still refused
        out = check(nb02.exercise_1, lambda x, h=h: numerical_derivative(k, x, h=h), capsys)
        assert not nb02.exercise_1.passed
        assert "not the exact derivative" in out or "slightly" in out, out


@pytest.mark.parametrize("answer", [4.6052, 4.605, -np.log(0.01), -np.log(1 - 0.99)])
def test_nb03_exercise_1_accepts_the_printed_value(answer, capsys):
    assert check(nb03.exercise_1, answer, capsys).startswith("✓")


# --- every typical mistake is diagnosed ------------------------------------------------------

@pytest.mark.parametrize("exercise, answer, diagnosis", WRONG,
                         ids=[f"{e.name.split(' (')[0]}-{n}" for n, (e, _, _) in enumerate(WRONG)])
def test_typical_mistake_is_diagnosed(exercise, answer, diagnosis, capsys):
    out = check(exercise, answer, capsys)
    assert not exercise.passed
    assert out.startswith(f"{FAIL} {exercise.name}: ") and diagnosis in out, out
    assert ".hint()" in out


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_every_mistake_in_the_table_is_tested(exercise, capsys):
    """Each exercise has mistakes, and each one is triggered by a wrong answer above."""
    assert exercise.mistakes
    printed = []
    for other, answer, _ in WRONG:
        if other is exercise:
            printed.append(check(exercise, answer, capsys))
    untested = [m.message for m in exercise.mistakes
                if not any(m.message in out for out in printed)]
    assert not untested


def test_nb04_exercise_3_reports_the_exception_and_the_fix(capsys):
    out = check(nb04.exercise_3, loss_and_gradient(BCE_SOURCES["micrograd-style _backward()"]),
                capsys)
    assert ("loss_and_gradient(y_hat=0.7, y=1) raised TypeError: "
            "log.<locals>._backward() takes 0 positional arguments but 1 was given "
            "(line 14 of your TinyValue.backward): log's _backward takes no argument") in out
    out = check(nb04.exercise_3, loss_and_gradient(BCE_SOURCES["log left as the stub"]), capsys)
    assert ("unsupported operand type(s) for *: 'int' and 'NoneType' (line 2 of your "
            "binary_cross_entropy): log returned None") in out
    out = check(nb04.exercise_3, loss_and_gradient(BCE_SOURCES["loss on floats with math.log"]),
                capsys)
    assert "returned 0.3567: binary_cross_entropy returned a plain number" in out
    assert "shape ()" not in out


def test_a_value_answer_of_none_does_not_mention_return(capsys):
    for exercise in EXERCISES:
        if not exercise.cases:
            out = check(exercise, None, capsys)
            assert "your answer is None: set the variable to a number" in out
            assert "return" not in out


def test_a_function_returning_none_still_suggests_return(capsys):
    for exercise in EXERCISES:
        if exercise.cases and exercise is not nb04.exercise_3:
            out = check(exercise, lambda *args: None, capsys)
            assert "returned None (did you forget `return`, or leave `...` in place?)" in out


# --- no message gives the answer away ------------------------------------------------------------

def answer_texts(value) -> set[str]:
    """How an expected number could be printed: the usual precisions, and repr.

    0 and ±1 are left out: as class labels, relu's "pass grad on" and the like they
    are everyday words of the messages ("0 or 1", "1 - y_hat"), not answers.
    """
    texts = set()
    for v in np.ravel(np.asarray(value, dtype=np.float64)):
        if v in (0.0, 1.0, -1.0):
            continue
        texts |= {f"{v:.2g}", f"{v:.3g}", f"{v:.4g}", f"{v:.6g}", f"{v:g}", f"{v:.2f}",
                  f"{v:.3f}", f"{v:.4f}", repr(float(v)), format_value(v)}
        if v == int(v):
            texts.add(str(int(v)))
    # a probability of 0.9999999 prints as "1": as common a word here as 0 and 1 themselves
    return {text for text in texts if float(text) not in (0.0, 1.0, -1.0)}


def echoes(exercise, answer) -> list[str]:
    """What a message may show of the student's own: each call with its inputs, and what
    the student's function returned or raised there."""
    if not exercise.cases:
        return []
    name = getattr(answer, "__name__", "your function")
    shown = []
    for args, _ in exercise.cases:
        names = list(exercise.arg_names) + [""] * (len(args) - len(exercise.arg_names))
        shown.append(f"{name}(" + ", ".join(f"{n}={format_value(a)}" if n else format_value(a)
                                          for n, a in zip(names, args)) + ")")
        try:
            shown.append(f" returned {format_value(answer(*copy.deepcopy(args)))}")
        except Exception as error:
            shown.append(f" raised {type(error).__name__}: {error}")
    return shown


def leaked(exercise, answer, out: str) -> list[str]:
    """The expected values that appear in ``out`` as numbers of their own."""
    for text in sorted(echoes(exercise, answer), key=len, reverse=True):
        out = out.replace(text, " ")
    expected = [e for _, e in exercise.cases] if exercise.cases else [exercise.expected]
    texts = set().union(*(answer_texts(e) for e in expected))
    return sorted(t for t in texts
                  if re.search(r"(?<![\w.])" + re.escape(t) + r"(?![\w]|\.\d)", out))


def test_leak_detector_finds_a_leak():
    """The detector is not trivially passing: it finds the answer where it is printed."""
    assert leaked(nb02.exercise_3, 2.8, "✗ ...: your answer is 2.8, expected 1.2") == ["1.2"]
    assert leaked(nb04.exercise_1, 6.0, "expected 8.0000") == ["8.0000"]
    assert leaked(nb03.exercise_1, 0.0, "expected 4.61 (4.6052)") == ["4.6052", "4.61"]
    right = nb01.exercise_3.cases[0][1]                     # 9: shown as the input's -9?
    assert leaked(nb01.exercise_3, lambda p, w: w @ p, f"returned {right:g}") == ["9"]
    assert not leaked(nb01.exercise_3, lambda p, w: w @ p,
                      "bias_through(point=[5.5, 3.5], w=[-1., -1.]) returned -9: flipped")


@pytest.mark.parametrize("exercise, answer", [(e, a) for e, a, _ in WRONG] + GENERIC,
                         ids=[f"{e.name.split(' (')[0]}-{n}"
                              for n, (e, *_) in enumerate(WRONG + GENERIC)])
def test_no_message_gives_the_answer_away(exercise, answer, capsys):
    out = check(exercise, answer, capsys)
    assert out.startswith(FAIL) and not exercise.passed, out
    assert not leaked(exercise, answer, out), out
    # 0 and ±1 are not searched for above; "expected <number>" catches them where it matters
    assert not re.search(r"expected:? \[?-?\d", out) and "AssertionError" not in out


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_no_mistake_message_holds_the_answer(exercise):
    expected = [e for _, e in exercise.cases] if exercise.cases else [exercise.expected]
    texts = set().union(*(answer_texts(e) for e in expected))
    for mistake in exercise.mistakes:
        assert isinstance(mistake, Mistake)
        found = [t for t in texts if re.search(r"(?<![\w.])" + re.escape(t) + r"(?![\w]|\.\d)",
                                               mistake.message)]
        assert not found, (mistake.message, found)


@pytest.mark.parametrize("exercise, answer", GENERIC,
                         ids=[f"{e.name.split(' (')[0]}-{n}" for n, (e, _) in enumerate(GENERIC)])
def test_generic_descriptions_say_what_kind_of_wrong(exercise, answer, capsys):
    out = check(exercise, answer, capsys)
    kinds = ("wrong sign", "too high", "too low", "times too large", "same factor", "all zeros",
             "slightly", "shape", "is not right", "is 0, and")
    assert any(kind in out for kind in kinds), out


@pytest.mark.parametrize("exercise", EXERCISES, ids=ids)
def test_no_sign_step_holds_the_answer(exercise):
    expected = [e for _, e in exercise.cases] if exercise.cases else [exercise.expected]
    texts = set().union(*(answer_texts(e) for e in expected))
    found = [t for t in texts if re.search(r"(?<![\w.])" + re.escape(t) + r"(?![\w]|\.\d)",
                                           exercise.sign_step)]
    assert not found, (exercise.sign_step, found)


def test_a_count_gets_no_direction(capsys):
    """48 "too high" and 50 "too low" would give 49 away (issue 14)."""
    for wrong in (48, 50, 45, 53, 100, 1):
        out = check(nb05.exercise_1, wrong, capsys)
        assert out.startswith(f"{FAIL} {nb05.exercise_1.name}: your answer is not right\n"), out
        assert ".hint()" in out


