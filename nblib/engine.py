"""A scalar autograd engine: every ``Value`` remembers how it was made and can back-propagate.

Taught in notebooks/04_autograd.ipynb.  The API follows micrograd's
(``Value(data)``, ``.data``, ``.grad``, ``_prev``, ``_op``, ``label``, the
arithmetic operators, ``.relu() .tanh() .exp() .log() .sigmoid()``, ``**``
with a number, ``.backward()``) and adds ``requires_grad``, ``zero_grad()``,
``parameters()`` and ``optimize(lr)``.

Three choices make it faster than micrograd without making it harder to read:

1. **No reference cycles.**  Each operation's ``_backward`` closure captures the
   operation's *inputs* (and plain floats), never its own output node; it is
   handed the output's gradient as an argument instead.  A graph therefore
   holds no cycle and is freed by reference counting the moment the last name
   pointing to it goes, not by Python's cyclic garbage collector.
2. **One node per weighted sum.**  :func:`weighted_sum` computes b + Σ wᵢxᵢ as a
   single node with one backward loop, instead of 2n nodes of ``*`` and ``+``.
3. ``__slots__`` and an iterative topological sort (no recursion limit).

**Training faster: pause the cyclic garbage collector for a step.**  Python
frees an object when its last reference goes (reference counting); its cyclic
garbage collector exists only for objects that refer to each other in a loop.
Our graphs hold no such loop (choice 1), so the collector never finds anything
in them, yet it still runs after every ~700 new container objects, and a node
is about six of those (the Value, its ``_prev`` tuple, the ``_backward``
function with its closure cells).  Its full collections walk every live node,
so on micrograd's demo it took 28-36 % of nblib's training time, nearly
all of it while the forward pass builds the graph.  Run each training step,
forward and backward, inside :func:`collector_paused`::

    for step in range(num_steps):
        with collector_paused():
            loss = ...              # forward: builds the graph
            model.zero_grad()
            loss.backward()
            ...                     # update the parameters
            losses.append(loss.data)
            del loss                # frees the graph while the collector is still off

The collector is switched back on as the block ends (even on an exception,
and only if it was on before), and any loops made meanwhile by other code are
collected then.  A graph still alive at that moment is walked once more.

``backward()`` pauses the collector by itself while it sorts the graph: on
wide graphs like that demo the sort costs the collector little (about 1 % of
a step), but on a chain a million nodes deep the sort's stack of pending nodes
kept it busy for 40 % of ``backward()`` (8 s -> 5 s).

Gradient semantics (as in PyTorch): ``backward()`` recomputes the gradients of
inner nodes from scratch but *adds* into leaves' ``.grad``, so calling it twice
doubles the leaves' gradients; call ``zero_grad()`` between steps.

**Overflow policy: IEEE arithmetic, with a warning where inf or NaN first appears.**
The numbers you put in must be finite: ``Value(nan)``, ``Value(10**400)`` (too
large for a float) and a NaN operand (``x + float("nan")``) raise ValueError.
The operations follow IEEE floating point, as numpy and PyTorch do: a result
too large for a float is ``inf``, an undefined one (``inf - inf``) is ``nan``,
and both pass on through the rest of the graph.  But the operation where one
first appears warns at once with a :class:`ValueOverflowWarning` (a
RuntimeWarning) naming it and its operands, ``Value overflow: 1e+308 * 10 gave
inf``: an inf made from finite operands, or a NaN made from operands that were
not NaN.  Operations that merely carry an inf or NaN along do not warn again.
``exp`` and ``**`` give ``inf`` like the others instead of raising
OverflowError as Python's ``math.exp`` and float ``**`` do.  Operations that are
undefined for finite numbers stay errors, as in Python: ``log`` of a number
<= 0, a negative number to a fractional power, division by 0 (ZeroDivisionError).
``backward()`` warns when a gradient is NaN or infinite, and ``optimize()``
refuses to write a NaN or infinite gradient or step into the parameters
(FloatingPointError).  Taught in notebooks/04_autograd.ipynb.
"""

from __future__ import annotations

import contextlib
import gc
import math
import numbers
import warnings


class ValueOverflowWarning(RuntimeWarning):
    """An operation on finite Values gave inf or NaN (see the module's overflow policy)."""


def _as_number(data, name: str = "Value(data)") -> float:
    """``data`` as a finite float, or an error naming ``name`` (the argument it came in)."""
    if type(data) is float:  # nearly every call: checked first, as it is much quicker
        number = data
    elif isinstance(data, bool) or not isinstance(data, numbers.Real):
        shape = getattr(data, "shape", None)
        if shape:
            raise TypeError(f"{name}: a Value holds one number, got an array of shape {shape}; "
                            "use one Value per element")
        raise TypeError(f"{name}: a Value holds a number (int or float), got "
                        f"{type(data).__name__} {data!r:.60}")
    else:
        try:
            number = float(data)
        except OverflowError:  # an int beyond 1.8e308
            raise ValueError(f"{name} is too large for a float: an int of {len(str(abs(data)))} "
                             "digits, floats reach about 1.8e308") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def _operand(other, op: str) -> Value:
    """The other operand of ``op`` as a Value: a Value, or a finite number made a constant."""
    if isinstance(other, Value):
        return other
    try:
        return Value(other, requires_grad=False)
    except (TypeError, ValueError):
        _as_number(other, f"the other operand of {op}")  # raises the error, naming the operand
        raise


def _overflow(out: Value) -> None:
    """Warn if ``out`` is the first inf or NaN on its path (its inputs were finite, or not NaN)."""
    inputs = [child.data for child in out._prev]
    if math.isnan(out.data):
        if any(math.isnan(x) for x in inputs):
            return
    elif not all(math.isfinite(x) for x in inputs):
        return
    if out._op in ("+", "*") and len(inputs) == 2:
        what = f"{inputs[0]:.6g} {out._op} {inputs[1]:.6g}"
    elif out._op.startswith("**"):
        what = f"{inputs[0]:.6g} {out._op}"
    elif out._op == "Σwx":
        what = f"Σwx of {(len(inputs) - 1) // 2} weights and inputs (largest "\
               f"{max(abs(x) for x in inputs):.6g})"
    else:
        what = f"{out._op}({', '.join(f'{x:.6g}' for x in inputs)})"
    warnings.warn(f"Value overflow: {what} gave {out.data}; it passes on through the graph "
                  "(see nblib.engine's overflow policy)", ValueOverflowWarning, stacklevel=4)


def _power_slope(x: float, exponent: float, y: float) -> float:
    """d/dx x ** exponent at x (where x ** exponent = y), including float's edge cases."""
    if exponent == 0:
        return 0.0  # x ** 0 is constant, even at x = 0
    try:
        return exponent * x ** (exponent - 1)
    except ZeroDivisionError:  # x = 0 and 0 < exponent < 1: a vertical tangent
        return math.inf
    except OverflowError:  # float ** raises where division just gives +-inf
        return exponent * (y / x)


class Value:
    """One number in a computation, with the gradient of the final output with respect to it.

    Parameters
    ----------
    data : int or float
        The number.
    _children : tuple of Value
        The inputs of the operation that produced this value (empty for a leaf).
    _op : str
        That operation's name, for drawing (``"+"``, ``"*"``, ``"tanh"``...).
    label : str
        A name for drawing, e.g. ``"w1"``.
    requires_grad : bool
        For a leaf: whether ``backward()`` computes its gradient and
        ``optimize()`` updates it.  Set it to False for inputs and constants.
        A computed value requires a gradient when any of its inputs did at the
        moment it was computed (changing a leaf's flag later does not reach
        values already built from it).
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_prev", "_op", "_backward")

    def __init__(self, data, _children=(), _op="", label="", requires_grad=True):
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = None  # set by the operation that made this value
        if self._prev:  # an operation's output: IEEE arithmetic (see the overflow policy)
            self.data = data if type(data) is float else _as_number(data)
            self.requires_grad = any(child.requires_grad for child in self._prev)
            if self.data - self.data != 0.0:  # inf or NaN (quicker than math.isfinite)
                _overflow(self)
        else:  # a number you put in: finite, checked
            self.data = _as_number(data)
            if type(requires_grad) is not bool or type(label) is not str:
                requires_grad = _check_leaf(label, requires_grad)
            self.requires_grad = requires_grad

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # --- operations: each computes its output and says how to pass a gradient back ----

    def __add__(self, other):
        other = other if isinstance(other, Value) else _operand(other, "+")
        out = Value(self.data + other.data, (self, other), "+")

        def _backward(grad):
            self.grad += grad
            other.grad += grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else _operand(other, "*")
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(grad):
            self.grad += other.data * grad
            other.grad += self.data * grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be an int or "
                            "float. For x ** y with both Values write (y * x.log()).exp()")
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"the exponent must be an int or float, got {type(exponent).__name__}")
        try:
            finite = math.isfinite(exponent)
        except OverflowError:  # an int beyond 1.8e308
            finite = False
        if not finite:
            raise ValueError(f"the exponent must be a finite number that fits a float, got "
                             f"{exponent!r:.40}")
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"({self.data}) ** {exponent}: a negative number to a fractional "
                             "power is not a real number")
        if self.data == 0 and exponent < 0:
            raise ZeroDivisionError(f"0 ** {exponent} is undefined (division by zero)")
        x = self.data
        try:
            y = x**exponent
        except OverflowError:  # IEEE: too large is inf (negative for a negative x, odd power)
            odd = float(exponent).is_integer() and float(exponent) % 2 == 1
            y = -math.inf if x < 0 and odd else math.inf
        out = Value(y, (self,), f"**{exponent}")

        def _backward(grad):
            self.grad += _power_slope(x, exponent, y) * grad
        out._backward = _backward
        return out

    def exp(self):
        """e ** x."""
        try:
            e = math.exp(self.data)
        except OverflowError:  # IEEE: too large is inf (it warns, see the overflow policy)
            e = math.inf
        out = Value(e, (self,), "exp")

        def _backward(grad):
            self.grad += e * grad
        out._backward = _backward
        return out

    def log(self):
        """Natural logarithm; the value must be positive."""
        x = self.data
        if x <= 0:
            raise ValueError(f"log of a non-positive value ({x}) is undefined")
        out = Value(math.log(x), (self,), "log")

        def _backward(grad):
            self.grad += grad / x
        out._backward = _backward
        return out

    def tanh(self):
        """Hyperbolic tangent."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward(grad):
            self.grad += (1 - t * t) * grad
        out._backward = _backward
        return out

    def sigmoid(self):
        """1 / (1 + e^(-x)), computed without overflow for large |x|."""
        z = math.exp(-abs(self.data))
        s = 1 / (1 + z) if self.data >= 0 else z / (1 + z)
        out = Value(s, (self,), "sigmoid")

        def _backward(grad):
            self.grad += s * (1 - s) * grad
        out._backward = _backward
        return out

    def relu(self):
        """max(0, x); its gradient at 0 is taken to be 0, as in PyTorch."""
        positive = self.data > 0
        out = Value(self.data if positive else 0.0, (self,), "ReLU")

        def _backward(grad):
            if positive:
                self.grad += grad
        out._backward = _backward
        return out

    # --- derived operations: built from the ones above --------------------------------

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        if not isinstance(other, Value):
            other = _as_number(other, "the other operand of -")
        return self + (-other)

    def __truediv__(self, other):
        if isinstance(other, Value):
            return self * other**-1
        number = _as_number(other, "the other operand of /")
        if number == 0:
            raise ZeroDivisionError(f"{self.data:.6g} / 0: division of a Value by zero")
        try:
            return self * number**-1
        except OverflowError:  # 1 / 1e-320 is too large for a float: ** gives inf, and warns
            return self * Value(number, requires_grad=False)**-1

    def __radd__(self, other):  # other + self
        return self + _operand(other, "+")

    def __rmul__(self, other):  # other * self
        return self * _operand(other, "*")

    def __rsub__(self, other):  # other - self
        return (-self) + _operand(other, "-")

    def __rtruediv__(self, other):  # other / self
        return self**-1 * _operand(other, "/")

    def __rpow__(self, base):
        raise TypeError(f"{base!r} ** Value is not supported: the exponent must be a number. "
                        "For b ** x write (x * math.log(b)).exp()")

    # --- the graph ----------------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its inputs (this value last)."""
        return topological_order(self)

    def backward(self) -> None:
        """Fill in ``.grad`` of every node: the derivative of this value with respect to it.

        Inner nodes' gradients are recomputed; leaves' gradients accumulate (+=)
        across calls, like PyTorch's.  Warns when this value or a gradient is
        NaN or infinite.
        """
        # The sort makes a few objects per node; the collector, run meanwhile, would
        # only walk the live graph (it has no cycles): see collector_paused.
        with collector_paused():
            order = self.topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            if node._backward is not None and node.requires_grad:
                node._backward(node.grad)
        for node in order:
            if not node.requires_grad:
                node.grad = 0.0  # constants never hold a gradient
        if not math.isfinite(self.data) or not all(math.isfinite(n.grad) for n in order):
            warnings.warn(f"backward() from a value of {self.data}: some gradients are NaN or "
                          "infinite; an optimize() step now would break the model",
                          RuntimeWarning, stacklevel=2)

    def parameters(self) -> list[Value]:
        """The leaves of this value's graph that require a gradient, inputs before outputs."""
        return [node for node in self.topological_order()
                if not node._prev and node.requires_grad]

    def zero_grad(self) -> None:
        """Set ``.grad`` of every node in this value's graph to 0."""
        for node in self.topological_order():
            node.grad = 0.0

    def optimize(self, lr: float) -> None:
        """One gradient-descent step on this value's parameters: p.data -= lr * p.grad.

        Call after ``backward()``.  Refuses (FloatingPointError) when a gradient
        is NaN or infinite rather than write it into the parameters.
        """
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(f"lr must be a positive finite number, got {type(lr).__name__} "
                            f"{lr!r:.40}")
        try:
            lr = float(lr)
        except OverflowError:  # an int beyond 1.8e308
            lr = math.inf
        if not 0 < lr < math.inf:
            raise ValueError(f"lr must be a positive finite number, got {lr!r}")
        parameters = self.parameters()
        broken = [p for p in parameters if not math.isfinite(p.grad)]
        if broken:
            raise FloatingPointError(f"not updating: the gradient of {_names(broken)} is NaN "
                                     f"or infinite (try a smaller learning rate than lr={lr:g})")
        broken = [p for p in parameters if not math.isfinite(p.data - lr * p.grad)]
        if broken:
            raise FloatingPointError(f"not updating: the step for {_names(broken)} overflows "
                                     f"with lr={lr:g} (try a smaller learning rate)")
        for p in parameters:
            p.data -= lr * p.grad


def _names(values) -> str:
    return ", ".join(v.label or repr(v) for v in values[:5])


def _check_leaf(label, requires_grad) -> bool:
    """A leaf's ``label`` must be a str and ``requires_grad`` True or False (numpy's too)."""
    if not isinstance(label, str):
        raise TypeError(f"Value(label=...): label must be a str such as 'w1', got "
                        f"{type(label).__name__} {label!r:.40}")
    if not isinstance(requires_grad, bool) and type(requires_grad).__name__ not in ("bool_", "bool"):
        raise TypeError(f"Value(requires_grad=...): requires_grad must be True or False, got "
                        f"{type(requires_grad).__name__} {requires_grad!r:.40}")
    return bool(requires_grad)


def topological_order(root) -> list:
    """Every node ``root`` depends on, each after all of its inputs (``root`` last).

    Iterative depth-first search, so a graph millions of nodes deep needs no
    recursion.  Works on any node with a ``_prev`` tuple of input nodes.

    Raises
    ------
    TypeError
        When ``root`` is not such a node (None, a number, a string...).
    """
    if not isinstance(getattr(root, "_prev", None), (tuple, list)):
        raise TypeError(f"topological_order needs a Value (a node with a _prev tuple of its "
                        f"inputs) as root, got {type(root).__name__} {root!r:.60}")
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            # reversed: the stack pops last-in first, so inputs come out left to right
            stack.extend((child, False) for child in reversed(node._prev)
                         if child not in visited)
    return order


def weighted_sum(weights, inputs, bias) -> Value:
    """b + Σ wᵢ·xᵢ as one node, with one backward loop (a neuron's pre-activation).

    Same numbers as building it from ``*`` and ``+`` (added in the same order),
    with one node instead of 2n.

    Parameters
    ----------
    weights : sequence of Value, length n
    inputs : sequence of Value or numbers, length n
    bias : Value or number
    """
    if type(weights) is not list or type(inputs) is not list:  # nblib.nn passes lists
        weights, inputs = _sequence(weights, "weights"), _sequence(inputs, "inputs")
    try:
        weights = [w if isinstance(w, Value) else Value(w, requires_grad=False) for w in weights]
        inputs = [x if isinstance(x, Value) else Value(x, requires_grad=False) for x in inputs]
    except (TypeError, ValueError):
        for name, items in (("weights", weights), ("inputs", inputs)):
            for i, v in enumerate(items):
                if not isinstance(v, Value):
                    _as_number(v, f"weighted_sum's {name}[{i}]")
        raise
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum needs one weight per input: got {len(weights)} weights "
                         f"and {len(inputs)} inputs")
    if not isinstance(bias, Value):
        bias = Value(_as_number(bias, "weighted_sum's bias"), requires_grad=False)
    total = bias.data
    for w, x in zip(weights, inputs):
        total += w.data * x.data
    out = Value(total, (*weights, *inputs, bias), "Σwx")

    def _backward(grad):
        bias.grad += grad
        for w, x in zip(weights, inputs):
            w.grad += x.data * grad
            x.grad += w.data * grad
    out._backward = _backward
    return out


def _sequence(items, name: str):
    """``items`` if it is an ordered sequence (list, tuple, 1-D array...), else a TypeError."""
    if isinstance(items, (str, bytes, set, frozenset, dict)) or not hasattr(items, "__len__") \
            or not hasattr(items, "__getitem__") or getattr(items, "ndim", 1) != 1:
        raise TypeError(f"weighted_sum's {name} must be a list or tuple of Values or numbers, "
                        f"got {type(items).__name__} {items!r:.60}")
    return items


@contextlib.contextmanager
def collector_paused():
    """Switch Python's cyclic garbage collector off inside a ``with`` block, then back on.

    For a training step: the engine's graphs hold no reference cycles, so
    reference counting frees them and the collector would only spend time
    walking live nodes (about a third of a training step; see the module docstring).
    Restores the collector's previous state when the block ends, also on an
    exception; if it was already off, it stays off.  Nested blocks are fine.

    Examples
    --------
    >>> with collector_paused():
    ...     x = Value(2.0)
    ...     y = (x * x).tanh()
    ...     y.backward()
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
