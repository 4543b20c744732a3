"""notebooks/03_log_loss.ipynb: its own code agrees with nblib; its exercises' checks work."""

import json

import numpy as np
import pytest

from nblib import activations, gradcheck, losses
from nblib.datasets import bakery_buns, toy_table
from nblib.exercises import nb03
from nblib.neuron import neuron_forward, train_neuron
from tests.notebook_code import NOTEBOOKS, notebook_namespace, tagged_sources

NOTEBOOK = "03_log_loss.ipynb"
EXERCISES = [nb03.exercise_1, nb03.exercise_2, nb03.exercise_3]


@pytest.fixture(scope="module")
def ns():
    return notebook_namespace(NOTEBOOK)


def close(a, b, tol=1e-10):
    return np.allclose(a, b, rtol=tol, atol=tol)


def random_batch(seed, n=9):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.001, 0.999, size=n), rng.integers(0, 2, size=n)


# --- the notebook's nblib-source cells against nblib -------------------------

def test_notebook_defines_the_taught_functions(ns):
    for name in ("binary_log_loss", "binary_log_loss_from_logits",
                 "binary_log_loss_derivative", "train_logistic"):
        assert callable(ns.get(name)), f"{NOTEBOOK} no longer defines {name}"


def test_first_log_loss_is_the_naive_formula():
    """The first tagged cell is the unclipped formula: right inside (0, 1), inf and nan at the ends."""
    namespace = {"np": np}
    exec(tagged_sources(NOTEBOOK)[0], namespace)
    naive = namespace["binary_log_loss"]
    for seed in range(3):
        y_hat, y = random_batch(seed)
        assert close(naive(y_hat, y), losses.binary_log_loss(y_hat, y))
    with np.errstate(divide="ignore", invalid="ignore"):
        assert naive(np.array([0.0]), np.array([1])) == np.inf
        assert np.isnan(naive(np.array([0.0]), np.array([0])))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_log_loss(ns, seed):
    y_hat, y = random_batch(seed)
    assert close(ns["binary_log_loss"](y_hat, y), losses.binary_log_loss(y_hat, y))


def test_binary_log_loss_at_the_edges(ns):
    """The clipped version agrees with nblib where the naive one gives inf or nan."""
    y_hat = np.array([0.0, 0.0, 1.0, 1.0, 1e-15, 1 - 1e-15, 0.5])
    y = np.array([1, 0, 0, 1, 1, 0, 1])
    assert close(ns["binary_log_loss"](y_hat, y), losses.binary_log_loss(y_hat, y))
    for y_hat_i, y_i in zip(y_hat, y):
        assert close(ns["binary_log_loss"](y_hat_i, y_i), losses.binary_log_loss(y_hat_i, y_i))
    assert close(ns["binary_log_loss"](0.0, 1), -np.log(1e-12))


def test_worked_cases():
    assert f"{losses.binary_log_loss(0.01, 1):.4f}" == "4.6052"
    assert f"{losses.binary_log_loss(0.99, 1):.4f}" == "0.0101"
    assert f"{losses.binary_log_loss(0.99, 0):.4f}" == "4.6052"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_log_loss_from_logits(ns, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(scale=5, size=11), rng.integers(0, 2, size=11)
    mine = ns["binary_log_loss_from_logits"](z, y)
    assert close(mine, losses.binary_log_loss_from_logits(z, y))
    assert close(mine, losses.binary_log_loss(activations.sigmoid(z), y), 1e-9)


def test_binary_log_loss_from_logits_far_out(ns):
    """At z = ±1000 the logit route is exact where the probability route saturates."""
    z = np.array([-1000.0, 1000.0, -1000.0, 1000.0, 0.0])
    y = np.array([1, 0, 0, 1, 1])
    mine = ns["binary_log_loss_from_logits"](z, y)
    assert close(mine, losses.binary_log_loss_from_logits(z, y))
    assert close(mine, (1000 + 1000 + 0 + 0 + np.log(2)) / 5)


@pytest.mark.parametrize("seed", [0, 1])
def test_binary_log_loss_derivative(ns, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(scale=3, size=8), rng.integers(0, 2, size=8)
    y_hat = activations.sigmoid(z)
    mine = ns["binary_log_loss_derivative"](y_hat, y)
    assert close(mine, losses.binary_log_loss_derivative(y_hat, y))
    # It is the derivative of each sample's loss with respect to its logit.
    numeric = gradcheck.numerical_derivative(
        lambda t: len(t) * losses.binary_log_loss_from_logits(t, y), z)
    assert gradcheck.relative_error(mine, numeric) < 1e-7


@pytest.mark.parametrize("lr, num_epochs", [(1.0, 22), (0.1, 5), (10.0, 60), (1.0, 1)])
def test_training_loop_matches_train_neuron_on_toy_table(ns, lr, num_epochs):
    X, y = toy_table()
    w, b, losses_mine = ns["train_logistic"](X, y, lr, num_epochs)
    result = train_neuron(X, y, loss="log_loss", lr=lr, num_epochs=num_epochs)
    assert losses_mine.shape == result.losses.shape == (num_epochs,)
    assert close(w, result.w, 1e-9) and close(b, result.b, 1e-9)
    assert close(losses_mine, result.losses, 1e-9)


def test_training_loop_on_other_data(ns):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, size=30)
    w, b, losses_mine = ns["train_logistic"](X, y, 0.5, 100)
    result = train_neuron(X, y, loss="log_loss", lr=0.5, num_epochs=100)
    assert close(w, result.w, 1e-9) and close(b, result.b, 1e-9)
    assert close(losses_mine, result.losses, 1e-9)


def test_toy_table_numbers_the_notebook_quotes():
    X, y = toy_table()
    result = train_neuron(X, y, loss="log_loss", lr=1.0, num_epochs=22)
    assert f"{result.losses[0]:.4f}" == "0.6931" and f"{result.losses[-1]:.4f}" == "0.1736"
    assert result.w[0] > 2 and np.all((neuron_forward(X, result.w, result.b) > 0.5) == (y == 1))


def test_chunked_training_equals_one_run():
    """The notebook tracks accuracy by training in chunks; that must equal one long run."""
    X, y = bakery_buns()
    w, b, chunked = np.zeros(2), -10.0, []
    for _ in range(4):
        result = train_neuron(X, y, loss="log_loss", lr=0.2, num_epochs=25, w=w, b=b)
        w, b = result.w, result.b
        chunked.extend(result.losses)
    whole = train_neuron(X, y, loss="log_loss", lr=0.2, num_epochs=100, w=np.zeros(2), b=-10.0)
    assert close(chunked, whole.losses, 1e-12) and close(w, whole.w, 1e-12)


def test_a_broken_notebook_cell_would_be_caught():
    """Drop the 1/n from the notebook's training loop: the comparison with nblib fails."""
    sources = tagged_sources(NOTEBOOK)
    broken = [source.replace("dz = (y_hat - y) / n", "dz = y_hat - y") for source in sources]
    assert broken != sources, "the notebook's training loop changed; update this test"
    namespace = {"np": np}
    for source in broken:
        exec(source, namespace)
    X, y = toy_table()
    w, _, _ = namespace["train_logistic"](X, y, 1.0, 22)
    assert not close(w, train_neuron(X, y, loss="log_loss", lr=1.0, num_epochs=22).w)


# --- exercises ---------------------------------------------------------------

def solved(exercise):
    """Run an exercise's solution code; return what it defines."""
    namespace = {"np": np, "sigmoid": activations.sigmoid}
    exec(exercise.solution_code, namespace)
    return namespace


ANSWER_NAMES = {1: "answer_1", 2: "gradient_w", 3: "mse_dz"}


@pytest.mark.parametrize("number", [1, 2, 3])
def test_solution_passes(number, capsys):
    exercise = EXERCISES[number - 1]
    answer = solved(exercise)[ANSWER_NAMES[number]]
    capsys.readouterr()                                   # what the solution itself prints
    exercise.check(answer)
    out = capsys.readouterr().out
    assert exercise.passed and out.startswith("✓ Correct!"), out


def test_exercise_1_accepts_the_rounded_value_and_the_expression(capsys):
    for answer in (4.6052, -np.log(0.01), -np.log(1 - 0.99)):
        nb03.exercise_1.check(answer)
        assert nb03.exercise_1.passed, capsys.readouterr().out
    assert close(nb03.exercise_1.expected, -np.log(0.01), 1e-9)


def test_placeholders_fail_helpfully(capsys):
    nb03.exercise_1.check(...)
    out = capsys.readouterr().out
    assert not nb03.exercise_1.passed and "not done yet" in out and "replace the `...`" in out

    def stub(*args):                                      # the student edition's stub
        raise NotImplementedError

    for exercise in (nb03.exercise_2, nb03.exercise_3):
        exercise.check(stub)
        out = capsys.readouterr().out
        assert not exercise.passed and "not done yet" in out and "NotImplementedError" in out

    def placeholder(*args):
        ...

    for exercise in (nb03.exercise_2, nb03.exercise_3):
        exercise.check(placeholder)
        out = capsys.readouterr().out
        assert not exercise.passed
        assert "returned None" in out and "forget `return`" in out and ".hint()" in out


def test_exercise_1_wrong_answer(capsys):
    nb03.exercise_1.check(-np.log(0.99))                 # used the y = 1 term
    out = capsys.readouterr().out
    assert not nb03.exercise_1.passed
    assert "the wrong term of the loss" in out and "4.60" not in out


def test_exercise_2_wrong_answers_name_the_input(capsys):
    def summed(X, y, w, b):                               # forgot the 1/n of the mean
        return X.T @ (activations.sigmoid(X @ w + b) - y)

    nb03.exercise_2.check(summed)
    out = capsys.readouterr().out
    assert not nb03.exercise_2.passed
    assert "summed(X=[[0., 1., 0.]" in out and "w=[0., 0., 0.], b=0" in out
    assert "returned [-1. ,  0.5,  0. ]: that is the gradient of the summed loss" in out

    def per_sample(X, y, w, b):                          # stopped at dz, forgot X.T @ dz
        return (activations.sigmoid(X @ w + b) - y) / len(y)

    nb03.exercise_2.check(per_sample)
    out = capsys.readouterr().out
    assert "that is dz, one number per sample" in out


def test_exercise_3_wrong_answer_names_the_input(capsys):
    def no_sigmoid_slope(z, y):                          # forgot dŷ/dz
        return 2 * (activations.sigmoid(z) - y)

    nb03.exercise_3.check(no_sigmoid_slope)
    out = capsys.readouterr().out
    assert not nb03.exercise_3.passed
    assert "no_sigmoid_slope(z=[0.], y=[1.]) returned [-1.]: that is dL/dŷ only" in out


def test_exercise_3_expected_values_show_the_vanishing_gradient():
    (z, y), expected = nb03.exercise_3.cases[2]
    assert np.all(np.abs(expected) < 1e-4)
    assert np.all(np.abs(losses.binary_log_loss_derivative(activations.sigmoid(z), y)) > 0.99)


# --- the stored notebook -------------------------------------------------------

def stored_outputs():
    notebook = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))
    return [("".join(cell["source"]), "".join(o.get("text", "")))
            for cell in notebook["cells"] if cell["cell_type"] == "code"
            for o in cell.get("outputs", [])]


def test_stored_notebook_shows_every_solution_passing():
    """The instructor edition: each check cell's stored output is its solution's "✓ Correct!"."""
    outputs = [text for source, text in stored_outputs() if ".check(" in source]
    assert len(outputs) == 3 and all(text.startswith("✓ Correct!") for text in outputs), outputs


def solution_regions(notebook: str) -> list[list[str]]:
    """Each solution cell's lines between the markers, stripped, in notebook order."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    regions = []
    for cell in cells:
        if "solution" not in cell.get("metadata", {}).get("tags", []):
            continue
        lines, inside = [], False
        for line in "".join(cell["source"]).splitlines():
            if line.strip() in ("# BEGIN SOLUTION", "# END SOLUTION"):
                inside = line.strip() == "# BEGIN SOLUTION"
            elif inside and line.strip():
                lines.append(line.strip())
        regions.append(lines)
    return regions


def test_notebook_solutions_are_the_printed_solutions():
    """One solution text: what the notebook's solution cells hold, .solution() prints."""
    regions = solution_regions(NOTEBOOK)
    assert len(regions) == len(EXERCISES)
    for exercise, lines in zip(EXERCISES, regions):
        printed = {line.strip() for line in exercise.solution_code.splitlines()}
        assert lines and set(lines) <= printed, (exercise.name, set(lines) - printed)


def test_stored_notebook_checks_all_pass():
    """Every compare() line the notebook prints is a ✓; no cell stored an error."""
    lines = [line for source, text in stored_outputs() if ".check(" not in source
             for line in text.splitlines()]
    assert not [line for line in lines if line.startswith("✗")]
    assert sum(line.startswith("✓") for line in lines) >= 9
    notebook = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))
    assert not [o for cell in notebook["cells"] for o in cell.get("outputs", [])
                if o["output_type"] == "error" or o.get("name") == "stderr"]
