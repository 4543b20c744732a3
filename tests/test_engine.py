"""Tests of nblib.engine, the scalar autograd engine of notebooks/04_autograd.ipynb.

Every operation's backward pass is checked against central differences
(nblib.gradcheck), then micrograd's two classic expressions, the gradient
semantics (accumulation, zero_grad, requires_grad, parameters, optimize), a
chain of a million nodes, the absence of reference cycles, collector_paused,
and bad input.
Parity with PyTorch is in tests/test_engine_parity.py.
"""

import contextlib
import gc
import math
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from nblib.engine import (
    Value,
    ValueOverflowWarning,
    collector_paused,
    topological_order,
    weighted_sum,
)
from nblib.gradcheck import numerical_derivative

# --- finite-difference checks ------------------------------------------------------------


def check_gradients(expression, point, rtol=1e-6, atol=1e-7):
    """Compare backward()'s leaf gradients of ``expression(*leaves)`` with central differences.

    ``expression`` takes one Value per entry of ``point`` and returns a Value.
    """
    leaves = [Value(x) for x in point]
    out = expression(*leaves)
    out.backward()
    analytic = np.array([leaf.grad for leaf in leaves])

    def f(xs):
        return expression(*[Value(float(x)) for x in xs]).data

    numeric = numerical_derivative(f, np.array(point, dtype=float))
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                               err_msg=f"backward() disagrees with central differences at {point}")
    return out


OPERATIONS = {
    "add": (lambda a, b: a + b, [1.5, -0.7]),
    "mul": (lambda a, b: a * b, [1.5, -0.7]),
    "pow 2": (lambda a: a**2, [-1.3]),
    "pow 3": (lambda a: a**3, [0.8]),
    "pow 0.5": (lambda a: a**0.5, [2.2]),
    "pow 1.5": (lambda a: a**1.5, [0.4]),
    "pow -1": (lambda a: a**-1, [-1.7]),
    "pow -2": (lambda a: a**-2, [0.9]),
    "pow -0.5": (lambda a: a**-0.5, [1.9]),
    "pow 2.0 of a negative": (lambda a: a**2.0, [-1.1]),
    "neg": (lambda a: -a, [0.3]),
    "sub": (lambda a, b: a - b, [0.3, 2.5]),
    "truediv": (lambda a, b: a / b, [0.3, -2.5]),
    "rmul 2 * a": (lambda a: 2 * a, [0.6]),
    "radd 1 + a": (lambda a: 1 + a, [0.6]),
    "rsub 1 - a": (lambda a: 1 - a, [0.6]),
    "rtruediv 2 / a": (lambda a: 2 / a, [0.6]),
    "add constant": (lambda a: a + 4.5, [0.6]),
    "mul constant": (lambda a: a * -3, [0.6]),
    "sub constant": (lambda a: a - 1, [0.6]),
    "div constant": (lambda a: a / 4, [0.6]),
    "exp": (lambda a: a.exp(), [0.7]),
    "exp negative": (lambda a: a.exp(), [-2.1]),
    "log": (lambda a: a.log(), [0.35]),
    "tanh": (lambda a: a.tanh(), [0.45]),
    "tanh large": (lambda a: a.tanh(), [-2.5]),
    "sigmoid": (lambda a: a.sigmoid(), [0.45]),
    "sigmoid negative": (lambda a: a.sigmoid(), [-3.0]),
    "relu positive": (lambda a: a.relu(), [0.8]),
    "relu negative": (lambda a: a.relu(), [-0.8]),
    "weighted_sum": (lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b),
                     [0.5, -1.2, 2.0, 0.3, 0.1]),
    "weighted_sum numeric inputs and bias": (lambda w1, w2: weighted_sum([w1, w2], [2.0, -3], 1.5),
                                             [0.5, -1.2]),
    "weighted_sum one weight as its own input": (lambda w, x: weighted_sum([w, x], [w, w], x),
                                                 [0.5, -1.2]),
    "a + a": (lambda a: a + a, [0.9]),
    "a * a": (lambda a: a * a, [-0.9]),
    "a - a": (lambda a: a - a, [0.9]),
    "a / a": (lambda a: a / a, [0.9]),
    "a in several branches": (lambda a, b: (a * b + a.tanh()) * a.exp() - b / a, [0.7, -1.3]),
    "shared subexpression": (lambda a, b: (lambda c: c * c + c.sigmoid() - c.log())(a * b + 2),
                             [0.7, -1.3]),
    "composition": (lambda a, b, c: ((a * b).tanh() + (c**2 + 1).log()).sigmoid() ** 3,
                    [0.3, -0.4, 1.1]),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_backward_matches_central_differences(name):
    expression, point = OPERATIONS[name]
    check_gradients(expression, point)


def test_check_gradients_catches_a_wrong_backward():
    # The helper above would catch a wrong gradient: here a sin node that claims d/dx = 2 cos x.
    def bad_sin(a):
        out = Value(math.sin(a.data), (a,), "sin")

        def _backward(grad):
            a.grad += 2 * math.cos(a.data) * grad
        out._backward = _backward
        return out

    with pytest.raises(AssertionError, match="central differences"):
        check_gradients(bad_sin, [0.4])


@pytest.mark.parametrize("name, expression, expected", [
    ("a + a", lambda a: a + a, 2.0),
    ("a * a", lambda a: a * a, 2 * 3.0),
    ("a * a * a", lambda a: a * a * a, 3 * 3.0**2),
    ("a - a", lambda a: a - a, 0.0),
    ("(a + a) * a", lambda a: (a + a) * a, 4 * 3.0),
])
def test_repeated_nodes_exact_gradients(name, expression, expected):
    a = Value(3.0)
    expression(a).backward()
    assert a.grad == pytest.approx(expected, abs=1e-12), name


def test_weighted_sum_is_one_node_with_the_numbers_of_mul_and_add():
    w = [Value(0.3), Value(-1.7), Value(2.2)]
    x = [Value(1.1), Value(0.4), Value(-0.9)]
    b = Value(0.05)
    one = weighted_sum(w, x, b)
    assert one._prev == (*w, *x, b) and len(topological_order(one)) == 8  # 7 leaves + 1 node
    one.backward()
    grads = [v.grad for v in (*w, *x, b)]
    # Same values and gradients, to the last bit, as b + w0*x0 + w1*x1 + w2*x2.
    w2 = [Value(v.data) for v in w]
    x2 = [Value(v.data) for v in x]
    b2 = Value(b.data)
    many = sum((wi * xi for wi, xi in zip(w2, x2)), b2)
    many.backward()
    assert one.data == many.data
    assert grads == [v.grad for v in (*w2, *x2, b2)]


def test_weighted_sum_of_nothing_is_the_bias():
    b = Value(0.7)
    out = weighted_sum([], [], b)
    out.backward()
    assert (out.data, b.grad) == (0.7, 1.0)


# --- micrograd's classic tests (micrograd/test/test_engine.py) -----------------------------


def micrograd_sanity_check(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return y


def micrograd_more_ops(a, b):
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_sanity_check():
    x = Value(-4.0)
    y = micrograd_sanity_check(x)
    y.backward()
    # z = -10, q = 40, h = 100: y = -20; dy/dx = 6z + (3x + z) + (3x² + 2xz) = -60 - 22 + 128
    assert y.data == pytest.approx(-20.0, abs=1e-12)
    assert x.grad == pytest.approx(46.0, abs=1e-12)


def test_micrograd_more_ops():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, abs=1e-9)
    assert a.grad == pytest.approx(138.83381924198252, abs=1e-9)
    assert b.grad == pytest.approx(645.5772594752186, abs=1e-9)


# --- gradient semantics ---------------------------------------------------------------------


def small_graph():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    loss = d * f
    loss.label = "L"
    return loss, dict(a=a, b=b, c=c, e=e, d=d, f=f, L=loss)


def test_new_graph_has_zero_gradients():
    loss, nodes = small_graph()
    assert all(node.grad == 0.0 for node in topological_order(loss))
    assert len(topological_order(loss)) == len(nodes)


def test_backward_gradients_of_small_graph():
    loss, n = small_graph()
    loss.backward()
    grads = {name: node.grad for name, node in n.items()}
    assert grads == {"a": 6.0, "b": -4.0, "c": -2.0, "e": -2.0, "d": -2.0, "f": 4.0, "L": 1.0}


def test_backward_twice_doubles_leaves_but_recomputes_inner_nodes():
    loss, n = small_graph()
    loss.backward()
    loss.backward()
    assert [n[k].grad for k in "abcf"] == [12.0, -8.0, -4.0, 8.0]  # leaves accumulate
    assert [n[k].grad for k in ("e", "d", "L")] == [-2.0, -2.0, 1.0]  # not doubled
    loss.backward()
    assert [n[k].grad for k in "abcf"] == [18.0, -12.0, -6.0, 12.0]
    assert [n[k].grad for k in ("e", "d", "L")] == [-2.0, -2.0, 1.0]  # not tripled


def test_backward_of_a_leaf_accumulates():
    a = Value(5.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_zero_grad_zeros_the_whole_graph():
    loss, n = small_graph()
    loss.backward()
    assert any(node.grad != 0 for node in topological_order(loss))
    loss.zero_grad()
    assert [node.grad for node in topological_order(loss)] == [0.0] * 7
    loss.backward()  # and the next backward starts afresh
    assert [n[k].grad for k in "abcf"] == [6.0, -4.0, -2.0, 4.0]


def test_requires_grad_false_leaves_keep_zero_gradient_and_are_not_parameters():
    w = Value(0.5, label="w")
    x = Value(3.0, label="x", requires_grad=False)
    k = Value(2.0, label="k", requires_grad=False)
    loss = (w * x + k * x).tanh() + k
    loss.backward()
    assert w.grad != 0.0
    assert x.grad == 0.0 and k.grad == 0.0
    assert loss.parameters() == [w]
    kx = loss._prev[0]._prev[0]._prev[1]  # k * x: computed from constants only
    assert kx._op == "*" and kx.requires_grad is False and kx.grad == 0.0
    w_before, x_before = w.data, x.data
    loss.optimize(0.1)
    assert w.data != w_before and x.data == x_before


def test_requires_grad_of_computed_values_follows_inputs():
    on, off = Value(1.0), Value(2.0, requires_grad=False)
    assert on.requires_grad is True and off.requires_grad is False
    assert (on * off).requires_grad is True
    assert (off * off + 3).requires_grad is False
    assert (off.exp() - on.tanh()).requires_grad is True
    assert weighted_sum([off], [off], off).requires_grad is False
    assert weighted_sum([off], [2.0], on).requires_grad is True
    assert (on + 1)._prev[1].requires_grad is False  # a plain number becomes a constant


def test_constants_from_numbers_get_no_gradient():
    a = Value(2.0)
    y = a * 3 + 1
    y.backward()
    constants = [n for n in topological_order(y) if not n._prev and n is not a]
    assert sorted(n.data for n in constants) == [1.0, 3.0]
    assert all(n.grad == 0.0 for n in constants)
    assert y.parameters() == [a]


def mlp_weights():
    """The weights of a tiny 2-2-1 network, every one labelled."""
    return {name: Value(v, label=name) for name, v in [
        ("w00", 0.1), ("w01", -0.3), ("b0", 0.05), ("w10", 0.7), ("w11", 0.2), ("b1", -0.1),
        ("v0", 0.4), ("v1", -0.6), ("c", 0.3)]}


def mlp_loss(W):
    """Squared error of the network with weights ``W`` on two samples."""
    loss = Value(0.0, requires_grad=False)
    for xs, target in [((1.0, 2.0), 1.0), ((-1.5, 0.5), -1.0)]:
        h0 = weighted_sum([W["w00"], W["w01"]], xs, W["b0"]).tanh()
        h1 = weighted_sum([W["w10"], W["w11"]], xs, W["b1"]).tanh()
        out = weighted_sum([W["v0"], W["v1"]], [h0, h1], W["c"]).tanh()
        loss = loss + (out - target) ** 2
    return loss


def labelled_mlp_loss():
    weights = mlp_weights()
    return mlp_loss(weights), weights


def test_parameters_are_leaves_in_a_deterministic_order():
    first, weights = labelled_mlp_loss()
    order = [p.label for p in first.parameters()]
    assert sorted(order) == sorted(weights)  # each parameter once; no constants, no inner nodes
    assert all(not p._prev and p.requires_grad for p in first.parameters())
    for _ in range(5):  # new objects, new id()s: the same order
        again, _ = labelled_mlp_loss()
        assert [p.label for p in again.parameters()] == order
    assert first.parameters() == first.parameters()


def test_topological_order_puts_inputs_first():
    loss, _ = labelled_mlp_loss()
    order = topological_order(loss)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is loss and len(position) == len(order)
    assert all(position[child] < position[node] for node in order for child in node._prev)
    assert loss.topological_order() == order


def test_optimize_takes_one_gradient_descent_step():
    w = Value(0.0, label="w")
    loss = (w - 3) ** 2
    loss.backward()
    assert w.grad == -6.0
    loss.optimize(0.1)
    assert w.data == pytest.approx(0.6, abs=1e-15)


def test_optimize_minimises_a_simple_loss():
    w = Value(0.0, label="w")
    losses = []
    for _ in range(100):
        loss = (w - 3) ** 2
        losses.append(loss.data)
        loss.zero_grad()
        loss.backward()
        loss.optimize(0.1)
    assert w.data == pytest.approx(3.0, abs=1e-8)
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


def test_optimize_trains_the_mlp():
    weights = mlp_weights()
    start = mlp_loss(weights).data
    for _ in range(50):
        loss = mlp_loss(weights)  # a new graph each step, on the same weights
        loss.zero_grad()
        loss.backward()
        loss.optimize(0.2)
    assert mlp_loss(weights).data < start / 10


@pytest.mark.parametrize("lr, error", [(0, ValueError), (-0.1, ValueError),
                                       (float("nan"), ValueError), (10**400, ValueError),
                                       ("0.1", TypeError), (True, TypeError),
                                       (None, TypeError)])
def test_optimize_refuses_a_bad_learning_rate(lr, error):
    w = Value(1.0)
    loss = w * w
    loss.backward()
    with pytest.raises(error, match="lr must be a positive"):
        loss.optimize(lr)
    assert w.data == 1.0


def test_optimize_names_lr_when_the_step_would_overflow():
    w = Value(1.0, label="w")
    loss = w * w
    loss.backward()
    with pytest.raises(FloatingPointError, match="step for w overflows with lr=1e\\+308"):
        loss.optimize(1e308)
    assert w.data == 1.0


def test_optimize_refuses_an_infinite_learning_rate():
    w, k = Value(1.0), Value(0.0)
    loss = w * w + k * 0
    loss.backward()
    with pytest.raises(ValueError, match="lr must be a positive"):
        loss.optimize(float("inf"))
    assert w.data == 1.0 and k.data == 0.0


def infinite_gradient_graph():
    a = Value(1e-300, label="a")
    loss = a.log() * 1e10  # finite value, but d/da = 1e10 / 1e-300 = inf
    return a, loss


def test_backward_warns_when_a_gradient_is_infinite():
    a, loss = infinite_gradient_graph()
    assert math.isfinite(loss.data)
    with pytest.warns(RuntimeWarning, match="NaN or infinite"):
        loss.backward()
    assert a.grad == math.inf


@pytest.mark.parametrize("make", [
    lambda: Value(1e200) * Value(1e200),  # inf
    lambda: Value(1e200) * Value(1e200) - Value(1e200) * Value(1e200),  # inf - inf = nan
], ids=["inf", "nan"])
def test_backward_warns_when_the_result_is_not_finite(make):
    with pytest.warns(ValueOverflowWarning):  # the forward pass warned first
        y = make()
    assert not math.isfinite(y.data)
    with pytest.warns(RuntimeWarning, match="backward\\(\\) from a value of (inf|nan)"):
        y.backward()


def test_backward_does_not_warn_on_finite_graphs():
    loss, _ = labelled_mlp_loss()
    loss.backward()  # pyproject turns a RuntimeWarning into an error here


def test_optimize_refuses_infinite_gradients():
    a, loss = infinite_gradient_graph()
    with pytest.warns(RuntimeWarning):
        loss.backward()
    with pytest.raises(FloatingPointError, match="gradient of a is NaN or infinite"):
        loss.optimize(0.01)
    assert a.data == 1e-300


def test_optimize_refuses_nan_gradients():
    a = Value(1.0, label="a")
    loss = a * 2
    loss.backward()
    a.grad = math.nan
    with pytest.raises(FloatingPointError, match="gradient of a is NaN or infinite"):
        loss.optimize(0.1)
    assert a.data == 1.0


# --- a million nodes deep ---------------------------------------------------------------------

CHAIN_LENGTH = 10**6


def test_SLOW_million_node_chain_backward_needs_no_recursion():
    # ~10 s: 2 million Values (each `+ 1.0` also makes a constant).  Kept because a recursive
    # topological sort, backward or dealloc fails here long before the end.
    limit = sys.getrecursionlimit()
    assert limit < CHAIN_LENGTH / 100  # nowhere near enough for a recursive walk
    x = Value(1.0)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == CHAIN_LENGTH + 1
    assert sys.getrecursionlimit() == limit
    del y  # freed by reference counting, no recursion


def test_deep_chain_is_freed_promptly_without_crashing():
    # In a subprocess: a crash in deallocation kills only the child.  With the cyclic
    # collector off, the 2.4 million objects must go by reference counting alone.
    code = textwrap.dedent("""
        import gc
        from nblib.engine import Value, weighted_sum
        gc.disable()
        before = len(gc.get_objects())
        x = Value(0.5)
        y = x
        for _ in range(100_000):
            y = weighted_sum([y], [0.999], 0.001).tanh() + 1.0
        y.backward()
        built = len(gc.get_objects()) - before
        del x, y
        left = len(gc.get_objects()) - before
        assert built > 1_000_000, built
        assert left < 100, (built, left)
        print("freed", built, left)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.startswith("freed")


# --- no reference cycles ------------------------------------------------------------------------


def cyclic_garbage(build):
    """Objects that only the cyclic collector could free after building, backward and del."""
    gc.collect()
    gc.disable()
    gc.garbage.clear()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds, to inspect it
    try:
        root = build()
        root.backward()
        del root
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return found


def describe(found):
    return f"{len(found)} objects in cycles: {sorted({type(o).__name__ for o in found})}"


def test_graph_has_no_reference_cycles():
    found = cyclic_garbage(lambda: labelled_mlp_loss()[0])
    assert found == [], describe(found)


def test_graph_with_all_ops_has_no_reference_cycles():
    def build():
        a, b = Value(0.3), Value(-1.2, requires_grad=False)
        c = (a * b + 2) / (1 - a) - (2 / (a + 3)) ** 2 + (-a).exp()
        return (c.tanh() + c.sigmoid() + c.relu() + (a * a + 1).log() + (a + 2) ** 0.5
                + weighted_sum([a, c], [b, 2.0], 1.0))
    found = cyclic_garbage(build)
    assert found == [], describe(found)


class ClosureCapturingOut:
    """micrograd's pattern: each _backward closure reads ``out.grad``, so it captures ``out``."""

    def __init__(self, data, _children=()):
        self.data, self.grad, self._prev = data, 0.0, tuple(_children)
        self._backward = lambda: None

    def __mul__(self, other):
        out = ClosureCapturingOut(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()


def test_cycle_check_would_catch_micrograd_style_closures():
    found = cyclic_garbage(lambda: ClosureCapturingOut(2.0) * ClosureCapturingOut(3.0))
    assert any(isinstance(o, ClosureCapturingOut) for o in found)


# --- pausing the cyclic collector -----------------------------------------------------------------


@pytest.fixture
def collector_enabled_afterwards():
    """Whatever a test does, the cyclic collector is on again for the next one."""
    yield
    gc.enable()


class CountCollections:
    """Counts the cyclic collector's runs (gc.callbacks) inside a with block."""

    def __enter__(self):
        self.count = 0
        gc.callbacks.append(self._callback)
        return self

    def _callback(self, phase, info):
        self.count += phase == "start"

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)


def build_a_few_thousand_nodes():
    x = Value(0.1)
    y = x
    for _ in range(3000):
        y = (y * 0.5).tanh() + x
    return y


def test_collector_paused_switches_off_then_on(collector_enabled_afterwards):
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_no_collection_runs_while_paused(collector_enabled_afterwards):
    gc.collect()
    with CountCollections() as outside:
        y = build_a_few_thousand_nodes()  # ~40 000 container objects: many collections
        del y
    with CountCollections() as inside, collector_paused():
        y = build_a_few_thousand_nodes()
        y.backward()
        del y
    assert outside.count > 10
    assert inside.count == 0


def test_collector_paused_restores_it_after_an_exception(collector_enabled_afterwards):
    with pytest.raises(ZeroDivisionError), collector_paused():
        Value(1.0) / 0
    assert gc.isenabled()


@pytest.mark.parametrize("fail", [False, True])
def test_collector_paused_leaves_a_disabled_collector_disabled(fail, collector_enabled_afterwards):
    gc.disable()
    with pytest.raises(ZeroDivisionError) if fail else contextlib.nullcontext():
        with collector_paused():
            if fail:
                Value(1.0) / 0
    assert not gc.isenabled()


def test_collector_paused_nests(collector_enabled_afterwards):
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()  # the inner block found it off, so leaves it off
    assert gc.isenabled()


def test_a_paused_training_step_leaves_nothing_for_the_collector(collector_enabled_afterwards):
    weights = mlp_weights()
    gc.collect()
    before = len(gc.get_objects())
    with collector_paused():
        loss = mlp_loss(weights)
        for w in weights.values():
            w.grad = 0.0
        loss.backward()
        for w in weights.values():
            w.data -= 0.1 * w.grad
        del loss
    assert gc.collect() == 0  # no cycles: reference counting freed the whole graph
    assert len(gc.get_objects()) - before < 10


# --- bad input ---------------------------------------------------------------------------------


BAD_INPUT = {
    "Value('3')": (lambda: Value("3"), TypeError, "holds a number .* got str '3'"),
    "Value(None)": (lambda: Value(None), TypeError, "got NoneType"),
    "Value(True)": (lambda: Value(True), TypeError, "got bool"),
    "Value(1+2j)": (lambda: Value(1 + 2j), TypeError, "got complex"),
    "Value([1.0])": (lambda: Value([1.0]), TypeError, "got list"),
    "Value(array)": (lambda: Value(np.array([1, 2])), TypeError,
                     r"array of shape \(2,\).*one Value per element"),
    "Value(nan)": (lambda: Value(float("nan")), ValueError, "must be finite, got nan"),
    "Value(-inf)": (lambda: Value(-float("inf")), ValueError, "must be finite, got -inf"),
    "Value + '3'": (lambda: Value(1.0) + "3", TypeError, "got str"),
    "Value * None": (lambda: Value(1.0) * None, TypeError, "got NoneType"),
    "Value + nan": (lambda: Value(1.0) + float("nan"), ValueError, "must be finite"),
    "Value ** Value": (lambda: Value(2) ** Value(3), TypeError,
                       r"Value \*\* Value is not supported"),
    "2 ** Value": (lambda: 2 ** Value(3), TypeError, r"2 \*\* Value is not supported"),
    "Value ** '3'": (lambda: Value(2) ** "3", TypeError,
                     "exponent must be an int or float, got str"),
    "Value ** True": (lambda: Value(2) ** True, TypeError,
                      "exponent must be an int or float, got bool"),
    "log(0)": (lambda: Value(0).log(), ValueError, r"log of a non-positive value \(0.0\)"),
    "log(-2.5)": (lambda: Value(-2.5).log(), ValueError,
                  r"log of a non-positive value \(-2.5\)"),
    "(-2) ** 0.5": (lambda: Value(-2) ** 0.5, ValueError,
                    "negative number to a fractional power"),
    "0 ** -1": (lambda: Value(0) ** -1, ZeroDivisionError, r"0 \*\* -1 is undefined"),
    "0 ** -0.5": (lambda: Value(0) ** -0.5, ZeroDivisionError, r"0 \*\* -0.5 is undefined"),
    "Value / Value(0)": (lambda: Value(1.0) / Value(0.0), ZeroDivisionError,
                         r"0 \*\* -1 is undefined"),
    "Value / 0": (lambda: Value(1.0) / 0, ZeroDivisionError, r"1 / 0: division of a Value"),
    "3 / Value(0)": (lambda: 3 / Value(0.0), ZeroDivisionError, r"0 \*\* -1 is undefined"),
    "weighted_sum 2 weights 1 input": (
        lambda: weighted_sum([Value(1), Value(2)], [1.0], 0.0), ValueError,
        "one weight per input: got 2 weights and 1 inputs"),
    "weighted_sum input 'x'": (lambda: weighted_sum([Value(1)], ["x"], 0.0), TypeError,
                               r"weighted_sum's inputs\[0\]: .*got str"),
    "weighted_sum bias None": (lambda: weighted_sum([Value(1)], [1.0], None), TypeError,
                               "weighted_sum's bias: .*got NoneType"),
    "Value(10**400)": (lambda: Value(10**400), ValueError,
                       "Value.data. is too large for a float: an int of 401 digits"),
    "Value(label=3)": (lambda: Value(1.0, label=3), TypeError, "label must be a str"),
    "Value(requires_grad='no')": (lambda: Value(1.0, requires_grad="no"), TypeError,
                                  "requires_grad must be True or False"),
    "Value + None names the operand": (lambda: Value(1.0) + None, TypeError,
                                       r"the other operand of \+: .*got NoneType"),
    "Value - True": (lambda: Value(1.0) - True, TypeError, "the other operand of -: .*got bool"),
    "'3' - Value": (lambda: "3" - Value(1.0), TypeError, "the other operand of -: .*got str"),
    "Value / inf": (lambda: Value(1.0) / math.inf, ValueError,
                    "the other operand of / must be finite, got inf"),
    "Value * 10**400": (lambda: Value(1.0) * 10**400, ValueError,
                        r"the other operand of \* is too large for a float"),
    "Value ** nan": (lambda: Value(2.0) ** math.nan, ValueError, "exponent must be a finite"),
    "Value ** 10**400": (lambda: Value(1.5) ** 10**400, ValueError, "exponent must be a finite"),
    "weighted_sum(None, [1], 0)": (lambda: weighted_sum(None, [1], 0), TypeError,
                                   "weighted_sum's weights must be a list or tuple"),
    "weighted_sum weights a set": (lambda: weighted_sum({Value(1)}, [1], 0), TypeError,
                                   "weighted_sum's weights must be a list or tuple .*got set"),
    "weighted_sum inputs a str": (lambda: weighted_sum([Value(1)], "1", 0), TypeError,
                                  "weighted_sum's inputs must be a list or tuple"),
    "weighted_sum inputs[1] nan": (lambda: weighted_sum([1, 2], [1.0, math.nan], 0), ValueError,
                                   r"weighted_sum's inputs\[1\] must be finite, got nan"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message(case):
    make, error, message = BAD_INPUT[case]
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("number", [3, -2.5, np.float64(0.25), np.int64(7), np.float32(1.5)])
def test_numbers_of_any_real_type_are_accepted(number):
    v = Value(number)
    assert type(v.data) is float and v.data == float(number)


def test_negative_base_with_an_integer_valued_float_exponent_is_allowed():
    check_gradients(lambda a: a**3.0, [-1.5])


# --- overflow policy: IEEE arithmetic, a warning where inf or NaN first appears -----------------

OVERFLOWS = {
    "1e308 * 10": (lambda: Value(1e308) * 10, math.inf, r"1e\+308 \* 10 gave inf"),
    "10 * 1e308": (lambda: 10 * Value(1e308), math.inf, r"1e\+308 \* 10 gave inf"),
    "1e308 + 1e308": (lambda: Value(1e308) + Value(1e308), math.inf,
                      r"1e\+308 \+ 1e\+308 gave inf"),
    "-1e308 - 1e308": (lambda: Value(-1e308) - 1e308, -math.inf, r"gave -inf"),
    "exp(1000)": (lambda: Value(1000).exp(), math.inf, r"exp\(1000\) gave inf"),
    "1.5 ** 2000": (lambda: Value(1.5) ** 2000, math.inf, r"1\.5 \*\*2000 gave inf"),
    "(-1.5) ** 2001": (lambda: Value(-1.5) ** 2001, -math.inf, r"-1\.5 \*\*2001 gave -inf"),
    "1 / 1e-320": (lambda: Value(1.0) / 1e-320, math.inf, r"\*\*-1 gave inf"),
    "weighted_sum": (lambda: weighted_sum([Value(1e308)], [10.0], 0.0), math.inf,
                     r"Σwx of 1 weights and inputs \(largest 1e\+308\) gave inf"),
}


@pytest.mark.parametrize("case", OVERFLOWS)
def test_an_overflow_gives_inf_and_warns_naming_the_operation(case):
    make, expected, message = OVERFLOWS[case]
    with pytest.warns(ValueOverflowWarning, match="Value overflow: .*" + message) as caught:
        y = make()
    assert y.data == expected
    assert len(caught) == 1
    assert issubclass(ValueOverflowWarning, RuntimeWarning)


def test_inf_minus_inf_gives_nan_and_warns_once_more():
    with pytest.warns(ValueOverflowWarning):
        big = Value(1e308) * 10
    with pytest.warns(ValueOverflowWarning, match=r"inf \+ -inf gave nan") as caught:
        y = big - big
    assert math.isnan(y.data) and len(caught) == 1


def test_inf_and_nan_pass_on_without_a_new_warning():
    with pytest.warns(ValueOverflowWarning):
        big = Value(1e308) * 10
        nan = big - big
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail here
        assert (big * 2).data == math.inf and (big + 1).data == math.inf
        assert math.isnan((nan * 0).data) and math.isnan((nan + big).data)
        assert math.isnan(nan.tanh().data) and math.isnan(nan.log().data)
        assert (big.tanh().data, big.sigmoid().data, big.relu().data) == (1.0, 1.0, math.inf)


def test_the_warning_points_at_the_callers_line():
    with pytest.warns(ValueOverflowWarning) as caught:
        Value(1e308) * 10
    assert caught[0].filename == __file__


def test_finite_operations_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Value(700.0)
        y = (x.exp() * 1e-300 + x**2 - x / 3).tanh() + Value(-1e308) * 1.0
        y.backward()


def test_pow_zero_exponent_at_zero_has_zero_gradient():
    x = Value(0.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def backward_warnings(y):
    """Run y.backward(); which of its RuntimeWarnings were about NaN or infinite values.

    (Not pytest.warns: that would turn an exception raised inside into "DID NOT WARN".)
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y.backward()
    return ["NaN or infinite" for w in caught
            if issubclass(w.category, RuntimeWarning) and "NaN or infinite" in str(w.message)]


def test_sqrt_at_zero_has_infinite_gradient_and_warns():
    x = Value(0.0)
    y = x**0.5
    assert backward_warnings(y) == ["NaN or infinite"]
    assert x.grad == math.inf


def test_reciprocal_of_a_tiny_number_has_infinite_gradient_and_warns():
    x = Value(1e-160)
    y = 1 / x  # 1e160 is a fine float; dy/dx = -1e320 is not
    assert backward_warnings(y) == ["NaN or infinite"]
    assert x.grad == -math.inf


def test_pow_at_zero_with_exponents_that_have_a_finite_derivative():
    for exponent, slope in [(1, 1.0), (2, 0.0), (3, 0.0), (1.5, 0.0)]:
        x = Value(0.0)
        (x**exponent).backward()
        assert x.grad == slope, exponent


# --- repr and micrograd API ----------------------------------------------------------------------


def test_repr_matches_micrograd():
    a = Value(2.5)
    assert repr(a) == "Value(data=2.5, grad=0.0)"
    y = a * 2
    y.backward()
    assert repr(a) == "Value(data=2.5, grad=2.0)"
    assert repr(y) == "Value(data=5.0, grad=1.0)"
    assert repr(Value(-3)) == "Value(data=-3.0, grad=0.0)"


def test_micrograd_attributes():
    a = Value(2.0, label="a")
    b = Value(3.0)
    c = a * b
    c.label = "c"
    assert (a.data, a.grad, a.label, a._prev, a._op) == (2.0, 0.0, "a", (), "")
    assert c._prev == (a, b) and c._op == "*" and c.label == "c"
    assert set(c._prev) == {a, b}  # micrograd's _prev is a set; membership works the same
    assert (a + b)._op == "+"
    assert (a**2)._op == "**2"
    assert [v._op for v in (a.exp(), a.log(), a.tanh(), a.sigmoid(), a.relu())] == [
        "exp", "log", "tanh", "sigmoid", "ReLU"]
    a.data = 4.0  # data and grad are plain, writable floats
    a.grad = 1.5
    assert (a.data, a.grad) == (4.0, 1.5)
    with pytest.raises(AttributeError):
        a.extra = 1  # __slots__: a typo like `a.gard = 0` fails instead of passing silently


@pytest.mark.parametrize("not_a_value", [None, "x", 1.5, 3, [1.0]])
def test_topological_order_of_something_else_is_a_type_error(not_a_value):
    with pytest.raises(TypeError, match="topological_order needs a Value"):
        topological_order(not_a_value)
