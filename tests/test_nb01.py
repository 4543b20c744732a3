"""notebooks/01_neuron.ipynb: its own sigmoid and forward pass agree with nblib; its exercises."""

import json
import re

import numpy as np
import pytest

from nblib import activations, neuron
from nblib.datasets import bakery_buns, toy_table
from nblib.exercises import nb01
from tests.notebook_code import NOTEBOOKS, notebook_namespace

NOTEBOOK = "01_neuron.ipynb"


@pytest.fixture(scope="module")
def notebook():
    return notebook_namespace(NOTEBOOK)


# --- the notebook's code agrees with nblib -------------------------------------

SIGMOID_INPUTS = [
    np.linspace(-50, 50, 201),
    np.array([-1e300, -1000.0, -745.0, -710.0, -30.0, 0.0, 30.0, 710.0, 1000.0, 1e300]),
    np.array([-1e-12, 0.0, 1e-12]),
    np.arange(-6.0, 6.0).reshape(3, 4),
    np.array([0.5]),
]


def assert_sigmoid_matches(sigmoid):
    """``sigmoid`` gives nblib's values on every input, with no warning (pytest makes
    RuntimeWarning an error, so an overflowing sigmoid fails here)."""
    for x in SIGMOID_INPUTS:
        got = sigmoid(x)
        assert np.shape(got) == x.shape
        np.testing.assert_allclose(got, activations.sigmoid(x), rtol=1e-12, atol=1e-300)


def test_sigmoid_matches_nblib(notebook):
    assert_sigmoid_matches(notebook["sigmoid"])


def test_sigmoid_scalar_input(notebook):
    for value in (-1000.0, -2.5, 0.0, 2.5, 1000.0):
        assert float(notebook["sigmoid"](value)) == pytest.approx(activations.sigmoid(value))


@pytest.mark.parametrize("wrong", [
    lambda x: 1 / (1 + np.exp(x)),                              # sign slip
    lambda x: np.where(x >= 0, 1 / (1 + np.exp(-x)), 0.0),      # drops the negative branch
    lambda x: np.clip(x / 10 + 0.5, 0, 1),                      # some other squashing
])
def test_sigmoid_check_can_fail(wrong):
    with pytest.raises(AssertionError):
        assert_sigmoid_matches(wrong)


def test_textbook_sigmoid_overflow_is_caught():
    """The textbook formula really warns at -1000 (what the notebook demonstrates)."""
    with pytest.warns(RuntimeWarning, match="overflow"):
        x = -1000.0
        1 / (1 + np.exp(-x))


def forward_cases():
    rng = np.random.default_rng(1)
    X_buns, _ = bakery_buns()
    X_toy, _ = toy_table()
    cases = [(X_buns, np.array([-2.0, -3.0]), 22.0), (X_toy, rng.normal(size=3), 0.0),
             (X_buns, np.array([200.0, -300.0]), 5.0)]      # |z| in the hundreds
    for n, features in [(1, 1), (7, 3), (50, 5)]:
        cases.append((rng.normal(size=(n, features)) * 10, rng.normal(size=features),
                      float(rng.normal())))
    return cases


@pytest.mark.parametrize("X, w, b", forward_cases())
def test_neuron_forward_matches_nblib(notebook, X, w, b):
    got = notebook["neuron_forward"](X, w, b)
    assert got.shape == (X.shape[0],)
    np.testing.assert_allclose(got, neuron.neuron_forward(X, w, b), rtol=1e-12, atol=1e-300)


def test_neuron_forward_worked_example(notebook):
    """The hand computation of the notebook: first bun, w = (-2, -3), b = 22."""
    X, _ = bakery_buns()
    y_hat = notebook["neuron_forward"](X[:1], np.array([-2.0, -3.0]), 22.0)
    assert y_hat[0] == pytest.approx(1 / (1 + np.exp(-1.02)))
    assert round(float(y_hat[0]), 4) == 0.7350


def test_notebook_metadata_and_title():
    data = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))
    assert data["metadata"]["course"]["summary"]
    assert "".join(data["cells"][0]["source"]).startswith("# 01 · ")
    first_code = next(c for c in data["cells"] if c["cell_type"] == "code")
    assert "report()" in "".join(first_code["source"])


# --- exercises ---------------------------------------------------------------

EXERCISES = [nb01.exercise_1, nb01.exercise_2, nb01.exercise_3]


def function_from(code: str):
    """Run a solution as the notebook would (np and activations imported); return its def."""
    namespace = {"np": np, "activations": activations}
    exec(code, namespace)
    return namespace[re.search(r"def (\w+)\(", code).group(1)]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_solution_passes(exercise, capsys):
    exercise.check(function_from(exercise.solution_code))
    assert exercise.passed
    assert capsys.readouterr().out.startswith("✓ Correct!")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_placeholder_fails_helpfully(exercise, capsys):
    def placeholder(*args):
        # your code here
        ...

    exercise.check(placeholder)
    out = capsys.readouterr().out
    assert not exercise.passed
    assert out.startswith("✗ ")
    assert "returned None" in out and ".hint()" in out


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_hint_and_solution_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert "Hint for" in out and "Solution for" in out and "def " in out


def neuron_output_without_sigmoid(x, w, b):
    return w @ x + b


def neuron_output_without_bias(x, w, b):
    return activations.sigmoid(w @ x)


def predict_class_strict(x, w, b):           # > instead of >=: wrong on the boundary
    return int(activations.sigmoid(w @ x + b) > 0.5)


def predict_class_probability(x, w, b):      # the probability, not the class
    return activations.sigmoid(w @ x + b)


def bias_through_wrong_sign(point, w):
    return w @ point


@pytest.mark.parametrize("exercise, wrong, expected_text", [
    (nb01.exercise_1, neuron_output_without_sigmoid,
     "neuron_output_without_sigmoid(x=[6.05, 2.96], w=[-2., -3.], b=22) returned 1.02: "
     "that is z = w @ x + b, the weighted sum before the sigmoid"),
    (nb01.exercise_1, neuron_output_without_bias,
     "(x=[6.05, 2.96], w=[-2., -3.], b=22) returned 7.736e-10: the bias is missing"),
    (nb01.exercise_2, predict_class_strict,
     "(x=[5.5, 3.5], w=[-1., -1.], b=9) returned 0: this sample lies exactly on the boundary"),
    (nb01.exercise_2, predict_class_probability,
     "(x=[6.05, 2.96], w=[-2., -3.], b=22) returned 0.735: that is the probability y_hat"),
    (nb01.exercise_3, bias_through_wrong_sign,
     "(point=[5.5, 3.5], w=[-1., -1.]) returned -9: the sign is flipped"),
])
def test_typical_wrong_answer_names_input_and_mistake(exercise, wrong, expected_text, capsys):
    exercise.check(wrong)
    out = capsys.readouterr().out
    assert not exercise.passed
    assert expected_text in out and "expected" not in out, out


def test_exercise_cases_are_consistent():
    """Exercise 2's boundary case really is on the boundary; exercise 3's biases put the
    boundary through the point."""
    boundary = [args for args, _ in nb01.exercise_2.cases
                if neuron.neuron_forward(np.atleast_2d(args[0]), args[1], args[2])[0] == 0.5]
    assert boundary, "exercise 2 should test a sample exactly on the boundary"
    for (point, w), b in nb01.exercise_3.cases:
        assert neuron.neuron_forward(np.atleast_2d(point), w, b)[0] == pytest.approx(0.5)
    assert nb01.exercise_3.cases[0][1] == 9.0     # the explorer's default bias
