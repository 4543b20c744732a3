"""notebooks/04_autograd.ipynb: its own engine agrees with nblib.engine; its exercises' checks work.

The notebook builds its `Value` class step by step in cells tagged ``nblib-source``
(a class, then methods added one at a time).  Executed in order they give the
finished engine, which must compute the same values and gradients as
nblib.engine on every graph here: every operation, values used twice, the
neuron, a Σwx node, constants, backward() twice, zero_grad, parameters and
optimize.
"""

import ast
import gc
import json
import math
import sys

import numpy as np
import pytest

import nblib.engine as engine
from nblib.exercises import nb04
from nblib.losses import binary_log_loss
from tests.notebook_code import NOTEBOOKS, ROOT, notebook_namespace, tagged_sources

sys.path.insert(0, str(ROOT / "tools"))
import student_edition  # noqa: E402

NOTEBOOK = "04_autograd.ipynb"
TOL = 1e-12


@pytest.fixture(scope="module")
def ns():
    return notebook_namespace(NOTEBOOK)


def close(a, b, tol=TOL):
    return np.allclose(a, b, rtol=tol, atol=tol)


# --- graphs, each built by a function of (Value class, weighted_sum) --------------------------

def graph_L(V, ws):
    a, b, c, f = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c"), V(-2.0, label="f")
    return [a, b, c, f], (a * b + c) * f


def graph_neuron(V, ws):
    x1, x2 = V(2.0, label="x1"), V(0.0, label="x2")
    w1, w2 = V(-3.0, label="w1"), V(1.0, label="w2")
    b = V(6.8813735870195432, label="b")
    return [x1, x2, w1, w2, b], (x1 * w1 + x2 * w2 + b).tanh()


def graph_a_plus_a(V, ws):
    a = V(3.0, label="a")
    return [a], a + a


def graph_shared_inner_node(V, ws):
    a, b, c = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c")
    e = a * b
    return [a, b, c], e * (e + c)


def graph_reused_many_times(V, ws):
    x, y = V(-1.3, label="x"), V(0.4, label="y")
    z = x * x * x + x * y - y * y + x
    return [x, y], z * z + z.sigmoid() * x


def graph_every_operation(V, ws):
    a, b = V(1.5, label="a"), V(-0.8, label="b")
    out = ((1 + 2 * a - a / 4) ** 2 + 3 / (4 - a) + (-a).exp() * a.sigmoid()
           + b**3 - b**-1 + a**0.5 - (a - b) / (a * b) + (b * 0.7).tanh() + 2 - b)
    return [a, b], out


def graph_tanh_from_exp(V, ws):
    leaves, o = graph_neuron(V, ws)
    n = o._prev[0]
    e = (2 * n).exp()
    return leaves, (e - 1) / (e + 1)


def graph_weighted_sum_neuron(V, ws):
    w = [V(0.5, label="w1"), V(-1.2, label="w2"), V(0.3, label="w3")]
    x = [V(1.0, label="x1"), 2.0, V(-0.5, label="x3", requires_grad=False)]
    b = V(0.1, label="b")
    return [*w, x[0], x[2], b], ws(w, x, b).tanh() * ws(w, [1.0, 1.0, 1.0], 0.0)


def graph_with_constants(V, ws):
    a, b = V(-1.5, label="a"), V(2.0, label="b")
    c = V(0.5, label="c", requires_grad=False)
    d = a * b + b**2 - c
    s = ws([a, b], [c, 3.0], 1.0).sigmoid()
    return [a, b, c], (d / 4 - a).tanh() + (1 - a).exp() * s - 2 / b


def graph_constant_branch(V, ws):
    k1, k2 = V(0.7, label="k1", requires_grad=False), V(-2.0, label="k2", requires_grad=False)
    w = V(1.1, label="w")
    return [k1, k2, w], (k1 * k2).exp() * w + k1


GRAPHS = [graph_L, graph_neuron, graph_a_plus_a, graph_shared_inner_node, graph_reused_many_times,
          graph_every_operation, graph_tanh_from_exp, graph_weighted_sum_neuron,
          graph_with_constants, graph_constant_branch]


def both(ns, build):
    mine = build(ns["Value"], ns["weighted_sum"])
    theirs = build(engine.Value, engine.weighted_sum)
    return mine, theirs


def assert_same_graph(mine_out, theirs_out):
    """Same operations in the same topological order, same data and same grad at every node."""
    mine_order, theirs_order = mine_out.topological_order(), theirs_out.topological_order()
    assert [n._op for n in mine_order] == [n._op for n in theirs_order]
    for m, t in zip(mine_order, theirs_order):
        assert close(m.data, t.data), f"data of a {t._op or 'leaf'} node: {m.data} vs {t.data}"
        assert close(m.grad, t.grad), f"grad of a {t._op or 'leaf'} node: {m.grad} vs {t.grad}"


# --- the notebook's finished engine against nblib.engine -----------------------------------

def test_notebook_defines_the_engine(ns):
    Value = ns["Value"]
    for method in ("__add__", "__mul__", "__pow__", "__neg__", "__sub__", "__truediv__",
                   "__radd__", "__rmul__", "__rsub__", "__rtruediv__", "exp", "tanh", "sigmoid",
                   "topological_order", "backward", "zero_grad", "parameters", "optimize"):
        assert hasattr(Value, method), f"{NOTEBOOK}'s Value has no {method}"
    assert callable(ns["weighted_sum"])


@pytest.mark.parametrize("build", GRAPHS, ids=lambda g: g.__name__)
def test_same_values_and_gradients_as_nblib(ns, build):
    (mine_leaves, mine_out), (theirs_leaves, theirs_out) = both(ns, build)
    assert close(mine_out.data, theirs_out.data)
    mine_out.backward()
    theirs_out.backward()
    grads = [leaf.grad for leaf in theirs_leaves]
    assert any(g != 0 for g in grads), "a graph whose gradients are all 0 tests nothing"
    assert close([leaf.grad for leaf in mine_leaves], grads)
    assert_same_graph(mine_out, theirs_out)


def test_known_numbers(ns):
    """The numbers the notebook's prose quotes."""
    Value = ns["Value"]
    leaves, out = graph_L(Value, None)
    out.backward()
    assert out.data == -8.0 and [leaf.grad for leaf in leaves] == [6.0, -4.0, -2.0, 4.0]
    leaves, out = graph_neuron(Value, None)
    out.backward()
    assert close([leaf.grad for leaf in leaves], [-1.5, 0.5, 1.0, 0.0, 0.5], 1e-9)
    leaves, out = graph_a_plus_a(Value, None)
    out.backward()
    assert leaves[0].grad == 2.0
    leaves, out = graph_shared_inner_node(Value, None)
    out.backward()
    assert [leaf.grad for leaf in leaves] == [6.0, -4.0, -6.0]


@pytest.mark.parametrize("build", [graph_neuron, graph_shared_inner_node, graph_with_constants],
                         ids=lambda g: g.__name__)
def test_backward_twice_and_zero_grad_as_nblib(ns, build):
    (mine_leaves, mine_out), (theirs_leaves, theirs_out) = both(ns, build)
    for out in (mine_out, theirs_out):
        out.backward()
    once = [leaf.grad for leaf in theirs_leaves]
    for out in (mine_out, theirs_out):
        out.backward()
    assert close([leaf.grad for leaf in theirs_leaves], [2 * g for g in once])
    assert_same_graph(mine_out, theirs_out)
    mine_out.zero_grad()
    assert all(node.grad == 0.0 for node in mine_out.topological_order())
    mine_out.backward()
    assert close([leaf.grad for leaf in mine_leaves], once)


def test_requires_grad_parameters_and_optimize_as_nblib(ns):
    (mine_leaves, mine_out), (theirs_leaves, theirs_out) = both(ns, graph_with_constants)
    assert [p.label for p in mine_out.parameters()] == [p.label for p in theirs_out.parameters()]
    assert [p.label for p in mine_out.parameters()] == ["a", "b"]
    assert [n.requires_grad for n in mine_out.topological_order()] == \
           [n.requires_grad for n in theirs_out.topological_order()]
    for out in (mine_out, theirs_out):
        out.backward()
        out.optimize(0.1)
    assert mine_leaves[2].grad == 0.0
    assert close([leaf.data for leaf in mine_leaves], [leaf.data for leaf in theirs_leaves])
    assert mine_leaves[0].data != -1.5


def test_curve_fit_loop_as_nblib(ns):
    """The notebook's training loop, run with both engines, gives the same losses and weights."""
    rng = np.random.default_rng(0)
    x = np.linspace(0, 2, 8)
    y = 2 * x + 1 + rng.normal(scale=0.2, size=8)
    results = []
    for V in (ns["Value"], engine.Value):
        w, b, losses = V(0.0, label="w"), V(0.0, label="b"), []
        for _ in range(30):
            loss = sum((w * xi + b - yi) ** 2 for xi, yi in zip(x.tolist(), y.tolist())) / len(x)
            loss.zero_grad()
            loss.backward()
            loss.optimize(0.3)
            losses.append(loss.data)
        results.append((w.data, b.data, losses))
    assert close(results[0][:2], results[1][:2]) and close(results[0][2], results[1][2])
    assert results[0][2][-1] < results[0][2][0] / 100


def test_deep_chain_needs_no_recursion(ns):
    x = ns["Value"](1.0)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0 and y.data == 20_001.0


def test_no_reference_cycles(ns):
    """The finished engine's graphs are freed by reference counting: gc finds nothing."""
    gc.collect()
    gc.disable()
    try:
        leaves, out = graph_with_constants(ns["Value"], ns["weighted_sum"])
        out.backward()
        del leaves, out
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_value_power_value_is_refused(ns):
    Value = ns["Value"]
    with pytest.raises(TypeError, match="Value \\*\\* Value"):
        Value(2.0) ** Value(3.0)


# --- the earlier stages the notebook shows ------------------------------------------------

def stage(upto: str) -> dict:
    """Execute the tagged cells up to and including the first one containing ``upto``."""
    namespace = {"np": np}
    for source in tagged_sources(NOTEBOOK):
        exec(source, namespace)
        if upto in source:
            return namespace
    raise LookupError(f"no tagged cell of {NOTEBOOK} contains {upto!r}")


def test_first_class_records_the_graph():
    Value = stage("class Value")["Value"]
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    e = a * b
    d = e + c
    assert d.data == 4.0 and d._op == "+" and d._prev == (e, c)
    assert e._op == "*" and e._prev == (a, b) and repr(d) == "Value(data=4.0, grad=0.0)"


def test_first_engine_hits_the_recursion_limit_but_makes_no_cycles():
    """The notebook's first engine: a recursive sort, closures handed their gradient."""
    Value = stage("self.grad = 1.0\n")["Value"]        # up to the first backward()
    y = Value(1.0)
    for _ in range(5000):
        y = y + 1.0
    with pytest.raises(RecursionError):
        y.backward()
    a = Value(2.0)
    out = (a * a + 1.0).tanh()
    out.backward()
    assert close(a.grad, 4 * (1 - math.tanh(5.0) ** 2))
    # (Its recursive sort leaves a cycle of its own: `visit` refers to itself.  So count
    # what the graph alone leaves, built and dropped without a backward pass.)
    gc.collect()
    gc.disable()
    try:
        a = Value(2.0)
        out = (a * a + 1.0).tanh()
        del a, out
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_micrograd_style_closure_makes_cycles_and_ours_does_not(ns):
    """Under the hood's demonstration: reading out.grad in the closure makes a cycle."""
    namespace = dict(ns)
    exec(notebook_cell("def mul_reading_out"), namespace)
    assert namespace["garbage_left_by"](namespace["mul_reading_out"]) > 0
    assert namespace["garbage_left_by"](namespace["Value"].__mul__) == 0
    a, b = namespace["Value"](2.0), namespace["Value"](-3.0)
    out = namespace["mul_reading_out"](a, b)
    out.backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)      # it still computes the right gradients


def test_a_broken_notebook_cell_would_be_caught():
    """Assign (=) instead of accumulating (+=) in the final add: a + a gets the wrong gradient."""
    sources = tagged_sources(NOTEBOOK)
    broken = [source.replace("        self.grad += grad\n        other.grad += grad\n",
                             "        self.grad = grad\n        other.grad = grad\n")
              for source in sources]
    assert broken != sources, "the notebook's add changed; update this test"
    namespace = {"np": np}
    for source in broken:
        exec(source, namespace)
    (_, mine), (theirs_leaves, theirs) = (graph_a_plus_a(namespace["Value"], None),
                                         graph_a_plus_a(engine.Value, None))
    mine.backward()
    theirs.backward()
    assert mine._prev[0].grad != theirs_leaves[0].grad


# --- exercises ------------------------------------------------------------------------------

def notebook_cell(text: str) -> str:
    """The source of the notebook's (untagged) code cell containing ``text``."""
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    matches = ["".join(c["source"]) for c in cells
               if c["cell_type"] == "code" and text in "".join(c["source"])]
    assert len(matches) == 1, f"expected one cell containing {text!r}, found {len(matches)}"
    return matches[0]


def wrapper_source() -> str:
    """The notebook's loss_and_gradient, which exercise 3's check calls."""
    source = notebook_cell("def loss_and_gradient")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == "loss_and_gradient":
            return ast.get_source_segment(source, node)
    raise LookupError("loss_and_gradient not found")


def exercise_3_namespace(log_and_bce_source: str) -> dict:
    """A fresh notebook engine with the given log / binary_cross_entropy, and the wrapper."""
    namespace = notebook_namespace(NOTEBOOK)
    exec("import math\n" + log_and_bce_source + "\n" + wrapper_source(), namespace)
    return namespace


def exercise_cells(tag: str) -> list[str]:
    """The sources of the notebook's code cells tagged ``tag`` (solution or check), in order."""
    return tagged_sources(NOTEBOOK, tag)


def student_version(source: str) -> str:
    """A solution cell as tools/student_edition.py gives it to students."""
    return student_edition.REGION.sub(student_edition.stub, source)


def test_every_exercise_is_a_solution_cell_and_a_check_cell():
    solutions, checks = exercise_cells("solution"), exercise_cells("check")
    assert len(solutions) == len(checks) == 3
    for number, (solution, check) in enumerate(zip(solutions, checks), start=1):
        assert check.startswith(f"nb04.exercise_{number}.check(") or \
            f"\nnb04.exercise_{number}.check(" in check
        assert "BEGIN SOLUTION" in solution and "END SOLUTION" in solution


def test_student_edition_cells_say_not_done_yet(capsys):
    """Each exercise's stubbed solution cell, then its check: a "not done yet" line, no error."""
    expected = [
        "replace the `...` with your answer",
        "replace `raise NotImplementedError` in relu_backward",
        "replace `raise NotImplementedError` in binary_cross_entropy",
    ]
    for solution, check, message in zip(exercise_cells("solution"), exercise_cells("check"),
                                        expected):
        namespace = notebook_namespace(NOTEBOOK)
        namespace.update(nb04=nb04, math=math)
        stubbed = student_version(solution)
        assert "SOLUTION" not in stubbed
        exec(stubbed, namespace)
        exec(check, namespace)
        out = capsys.readouterr().out
        assert out.startswith("○ Exercise") and "not done yet" in out and message in out, out


def test_instructor_edition_cells_pass(capsys):
    """The solution cells as stored, then their checks: "✓ Correct!" for each exercise."""
    for solution, check in zip(exercise_cells("solution"), exercise_cells("check")):
        namespace = notebook_namespace(NOTEBOOK)
        namespace.update(nb04=nb04, math=math)
        exec(solution, namespace)
        exec(check, namespace)
        assert capsys.readouterr().out.startswith("✓ Correct!")


def test_notebook_solutions_are_the_printed_solutions():
    """One solution text: the lines between the markers are what .solution() prints."""
    for exercise, solution in zip([nb04.exercise_1, nb04.exercise_2, nb04.exercise_3],
                                  exercise_cells("solution")):
        printed = {line.strip() for line in exercise.solution_code.splitlines()}
        region = [line.strip() for match in student_edition.REGION.finditer(solution)
                  for line in match.group(0).splitlines()[1:-1] if line.strip()]
        assert region and set(region) <= printed, (exercise.name, set(region) - printed)


def test_stored_checks_show_the_solutions_passing():
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    outputs = ["".join(o.get("text", "")) for cell in cells
               if "check" in cell.get("metadata", {}).get("tags", [])
               for o in cell.get("outputs", [])]
    assert len(outputs) == 3 and all(text.startswith("✓ Correct!") for text in outputs), outputs


def test_solution_1_passes(capsys):
    namespace = {}
    exec(nb04.exercise_1.solution_code, namespace)
    nb04.exercise_1.check(namespace["my_prediction"])
    assert nb04.exercise_1.passed and capsys.readouterr().out.startswith("✓ Correct!")
    assert nb04.exercise_1.expected == 8.0


def test_exercise_1_wrong_answer(capsys):
    nb04.exercise_1.check(6.0)          # only the x * x part
    out = capsys.readouterr().out
    assert not nb04.exercise_1.passed and "counts only the shares from x * x" in out


def test_solution_2_passes(capsys):
    namespace = {}
    exec(nb04.exercise_2.solution_code, namespace)
    nb04.exercise_2.check(namespace["relu_backward"])
    assert nb04.exercise_2.passed and capsys.readouterr().out.startswith("✓ Correct!")
    for (x, grad), expected in nb04.exercise_2.cases:
        assert expected == (grad if x > 0 else 0.0)


@pytest.mark.parametrize("wrong, message", [
    (lambda x, grad: 1.0 if x > 0 else 0.0,
     "relu_backward(x=3, grad=-0.5) returned 1: that is relu's local derivative alone"),
    (lambda x, grad: grad if x >= 0 else 0.0,
     "relu_backward(x=0, grad=1) returned 1: at x = 0 the gradient was passed on"),
    (lambda x, grad: max(x, 0.0),
     "relu_backward(x=2, grad=1) returned 2: that is relu(x), the forward value"),
])
def test_exercise_2_wrong_answers(wrong, message, capsys):
    wrong.__name__ = "relu_backward"
    nb04.exercise_2.check(wrong)
    out = capsys.readouterr().out
    assert not nb04.exercise_2.passed and message in out, out


def test_solution_3_passes(capsys):
    namespace = exercise_3_namespace(nb04.exercise_3.solution_code)
    nb04.exercise_3.check(namespace["loss_and_gradient"])
    assert nb04.exercise_3.passed and capsys.readouterr().out.startswith("✓ Correct!")
    for (y_hat, y), (loss, grad) in nb04.exercise_3.cases:
        assert close(loss, binary_log_loss(y_hat, y), 1e-12)
        assert close(grad, (y_hat - y) / (y_hat * (1 - y_hat)), 1e-12)


LOG_WITHOUT_BACKWARD = '''
def log(self):
    return Value(math.log(self.data), (self,), "log")

Value.log = log


def binary_cross_entropy(y_hat, y):
    return -(y * y_hat.log() + (1 - y) * (1 - y_hat).log())
'''

BCE_WITHOUT_MINUS = nb04.exercise_3.solution_code.replace("return -(y", "return (y")


@pytest.mark.parametrize("source, message", [
    (LOG_WITHOUT_BACKWARD,
     "loss_and_gradient(y_hat=0.7, y=1) returned [0.3567, 0.    ]: the loss is right but "
     "dL/dy_hat came back 0"),
    (BCE_WITHOUT_MINUS, "loss_and_gradient(y_hat=0.7, y=1) returned [-0.3567,  1.4286]: "
                        "the loss has the wrong sign"),
])
def test_exercise_3_wrong_answers(source, message, capsys):
    assert source != nb04.exercise_3.solution_code
    namespace = exercise_3_namespace(source)
    nb04.exercise_3.check(namespace["loss_and_gradient"])
    out = capsys.readouterr().out
    assert not nb04.exercise_3.passed and message in out, out


@pytest.mark.parametrize("exercise", [nb04.exercise_1, nb04.exercise_2, nb04.exercise_3])
def test_hints_and_solutions_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert out.startswith(f"Hint for {exercise.name}") and f"Solution for {exercise.name}" in out


def test_exercise_3_checks_the_gradient_not_just_the_loss():
    """Each case's expected gradient is nonzero, so a log without backward cannot pass."""
    assert all(abs(grad) > 0.5 for _, (_, grad) in nb04.exercise_3.cases)
    assert math.isclose(nb04.exercise_3.cases[0][1][0], -math.log(0.7))
