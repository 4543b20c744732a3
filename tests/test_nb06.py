"""notebooks/06_mnist.ipynb: its own layers, loss, optimizer and training loop agree with
nblib.layers; its exercises' checks pass right answers and diagnose the typical wrong ones."""

import json

import numpy as np
import pytest

import nblib.layers as layers
from nblib.exercises import nb06
from nblib.mnist import to_float32
from tests.notebook_code import NOTEBOOKS, notebook_namespace

NOTEBOOK = "06_mnist.ipynb"


@pytest.fixture(scope="module")
def ns():
    namespace = notebook_namespace(NOTEBOOK)
    namespace["to_float32"] = to_float32        # imported by an untagged cell of the notebook
    return namespace


def fake_images(n, seed=0):
    """uint8 'images' (n, 28, 28) and labels 0-9 that a network can partly learn."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):           # a bright stripe whose row is the label
        images[i, 2 + 2 * label, :] = 255
    return images, labels


# --- the notebook's code against nblib.layers ---------------------------------------------------

def test_dense_forward_and_backward_equal_nblib(ns):
    rng_ours, rng_theirs = np.random.default_rng(3), np.random.default_rng(3)
    ours = ns["Dense"](6, 4, rng_ours, dtype=np.float64)
    theirs = layers.Dense(6, 4, rng=rng_theirs, dtype=np.float64)
    assert np.array_equal(ours.W, theirs.W) and np.array_equal(ours.b, theirs.b)
    X, dY = np.random.default_rng(1).normal(size=(5, 6)), np.random.default_rng(2).normal(size=(5, 4))
    assert np.allclose(ours.forward(X), theirs.forward(X))
    assert np.allclose(ours.backward(dY), theirs.backward(dY, input_grad=True))
    for mine, nblibs in zip(ours.gradients(), theirs.gradients()):
        assert np.allclose(mine, nblibs)


def test_relu_and_loss_equal_nblib(ns):
    X = np.array([[1.0, -2.0, 0.0], [0.5, 3.0, -0.1]])
    dY = np.ones_like(X)
    ours, theirs = ns["ReLU"](), layers.ReLU()
    assert np.array_equal(ours.forward(X), theirs.forward(X))
    assert np.array_equal(ours.backward(dY), theirs.backward(dY))
    logits = np.array([[1e4, 0.0, -1e4], [2.0, 1.0, 0.1], [-3.0, 0.5, 0.0]])
    labels = np.array([2, 0, 1])
    loss, dlogits = ns["softmax_cross_entropy_with_logits"](logits, labels)
    loss_nblib, dlogits_nblib = layers.softmax_cross_entropy_with_logits(logits, labels)
    assert np.isfinite(loss) and np.isclose(loss, loss_nblib, rtol=1e-12)
    assert np.allclose(dlogits, dlogits_nblib, atol=1e-15)


@pytest.mark.parametrize("momentum, decay", [(0.0, False), (0.9, True)])
def test_training_equals_nblib_layers(ns, momentum, decay):
    """Two epochs of the notebook's network, SGD and train_epoch = nblib's, weight for weight."""
    images, labels = fake_images(600)
    steps = 2 * -(-len(images) // 64)
    schedule = (lambda step: 1 - step / steps) if decay else None
    ours = ns["network"](seed=1)
    theirs = layers.mlp([784, 256, 128, 10], seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
    optimizer_ours = ns["SGD"](0.1, momentum, schedule)
    optimizer_theirs = layers.SGD(0.1, momentum, layers.linear_decay(steps) if decay else None)
    rng_ours, rng_theirs = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(2):
        ns["train_epoch"](ours, optimizer_ours, images, labels, 64, rng_ours)
        layers.train_epoch(theirs, optimizer_theirs, images, labels, 64, rng=rng_theirs)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert a.dtype == np.float32
        assert np.allclose(a, b, rtol=1e-5, atol=1e-6)
    assert layers.accuracy(layers.predict(ours, images), labels) > 0.5


# --- exercises ----------------------------------------------------------------------------------

def test_stored_exercise_cells_hold_solutions_that_pass():
    """Each exercise: a `solution` cell with a marked answer, then a `check` cell that passed."""
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    tags = [cell.get("metadata", {}).get("tags", []) for cell in cells]
    solutions = [i for i, t in enumerate(tags) if "solution" in t]
    checks = [i for i, t in enumerate(tags) if "check" in t]
    assert len(solutions) == 3 and checks == [i + 1 for i in solutions]
    for number, (i, j) in enumerate(zip(solutions, checks), start=1):
        assert "# BEGIN SOLUTION" in "".join(cells[i]["source"])
        assert f"nb06.exercise_{number}.check(" in "".join(cells[j]["source"])
        (text,) = ["".join(o.get("text", "")) for o in cells[j].get("outputs", [])]
        assert text.startswith(f"✓ Correct! Exercise {number}"), text


def test_stubs_are_not_done_yet(capsys):
    """The student edition's stub (raise NotImplementedError) and `...` say "not done yet"."""
    def stub(*args):
        raise NotImplementedError

    for exercise in (nb06.exercise_1, nb06.exercise_2, nb06.exercise_3):
        for answer in (stub, ...):
            exercise.check(answer)
            out = capsys.readouterr().out
            assert "not done yet" in out and not exercise.passed, out


@pytest.mark.parametrize("exercise, name", [(nb06.exercise_1, "dense_backward"),
                                            (nb06.exercise_2, "relu_backward"),
                                            (nb06.exercise_3, "stable_softmax")])
def test_solutions_pass(exercise, name, capsys):
    namespace = {"np": np}
    exec(exercise.solution_code, namespace)
    exercise.check(namespace[name])
    assert exercise.passed, capsys.readouterr().out


@pytest.mark.parametrize("wrong, says", [
    (lambda X, W, dY: (dY @ W.T, dY.T @ X, dY.sum(0)), "dW is transposed"),
    (lambda X, W, dY: (dY @ W.T, X.T @ dY / len(X), dY.sum(0)), "divided by the batch size"),
    (lambda X, W, dY: (dY @ W.T, X.T @ dY, dY.mean(0)), "the mean over the batch"),
    (lambda X, W, dY: (dY @ W.T, X.T @ dY, dY), "add the rows up"),
    (lambda X, W, dY: (dY @ W, X.T @ dY, dY.sum(0)), "Match the shapes"),
    (lambda X, W, dY: (dY @ W.T, X.T @ dY), "three arrays"),
    (lambda X, W, dY: None, "forget `return`"),
])
def test_exercise_1_diagnoses(wrong, says, capsys):
    nb06.exercise_1.check(wrong)
    out = capsys.readouterr().out
    assert not nb06.exercise_1.passed and says in out, out


@pytest.mark.parametrize("wrong, says", [
    (lambda X, dY: (X > 0).astype(float), "local derivative alone"),
    (lambda X, dY: dY * (X >= 0), "at X = 0"),
    (lambda X, dY: dY, "dY unchanged"),
    (lambda X, dY: dY * np.maximum(X, 0), "ReLU's output"),
    (lambda X, dY: np.maximum(dY, 0), "not from the sign of dY"),
])
def test_exercise_2_diagnoses(wrong, says, capsys):
    nb06.exercise_2.check(wrong)
    out = capsys.readouterr().out
    assert not nb06.exercise_2.passed and says in out, out


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("wrong, says", [
    (naive_softmax, "NaN or infinity"),
    (lambda z: np.exp(z - z.max(axis=1, keepdims=True)), "not normalised"),
    (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "whole batch"),
    (lambda z: layers.log_softmax(z), "log-softmax"),
])
def test_exercise_3_diagnoses(wrong, says, capsys):
    nb06.exercise_3.check(wrong)
    out = capsys.readouterr().out
    assert not nb06.exercise_3.passed and says in out, out


@pytest.mark.parametrize("exercise", [nb06.exercise_1, nb06.exercise_2, nb06.exercise_3])
def test_hints_and_solutions_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert out.startswith(f"Hint for {exercise.name}") and f"Solution for {exercise.name}" in out
