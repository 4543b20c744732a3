"""notebooks/05_mlp.ipynb: its own Neuron, Layer, MLP and training loop agree with nblib; its
exercises' checks pass right answers and diagnose the typical wrong ones."""

import json
import re

import numpy as np
import pytest

import nblib.nn
from nblib.classifier import Classifier
from nblib.engine import Value
from nblib.exercises import nb05
from nblib.losses import binary_cross_entropy_from_logit
from tests.notebook_code import NOTEBOOKS, notebook_namespace

NOTEBOOK = "05_mlp.ipynb"


@pytest.fixture(scope="module")
def ns():
    return notebook_namespace(NOTEBOOK)


def notebook_cell(text: str) -> str:
    """The source of the notebook's code cell containing ``text`` (exactly one)."""
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    matches = ["".join(c["source"]) for c in cells
               if c["cell_type"] == "code" and text in "".join(c["source"])]
    assert len(matches) == 1, f"expected one cell containing {text!r}, found {len(matches)}"
    return matches[0]


def numbers(out):
    return [v.data for v in out] if isinstance(out, list) else out.data


# --- the notebook's classes against nblib.nn -------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("nouts, seed", [([4, 4, 1], 0), ([3, 2], 5), ([8, 1], 2)])
def test_notebook_mlp_equals_nblib_nn(ns, activation, nouts, seed):
    ours = ns["MLP"](3, nouts, activation=activation, seed=seed)
    theirs = nblib.nn.MLP(3, nouts, activation=activation, seed=seed)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    x = [0.5, -1.5, 2.0]
    out_ours, out_theirs = ours(x), theirs(x)
    assert np.allclose(numbers(out_ours), numbers(out_theirs), rtol=1e-15, atol=1e-15)
    root_ours = out_ours if isinstance(out_ours, Value) else sum(out_ours)
    root_theirs = out_theirs if isinstance(out_theirs, Value) else sum(out_theirs)
    root_ours.backward()
    root_theirs.backward()
    assert np.allclose([p.grad for p in ours.parameters()], [p.grad for p in theirs.parameters()],
                       rtol=1e-12, atol=1e-15)
    ours.zero_grad()
    assert all(p.grad == 0.0 for p in ours.parameters())


def test_notebook_layer_and_neuron_equal_nblib_nn(ns):
    ours = ns["Layer"](2, 3, "tanh", np.random.default_rng(4))
    theirs = nblib.nn.Layer(2, 3, "tanh", rng=np.random.default_rng(4))
    assert np.allclose(numbers(ours([1.0, -2.0])), numbers(theirs([1.0, -2.0])), rtol=1e-15)
    single = ns["Layer"](2, 1, "relu", np.random.default_rng(1))([1.0, 0.5])
    assert isinstance(single, Value)       # one neuron: the Value itself, as micrograd
    assert len(ns["Neuron"](5).parameters()) == 6


def test_notebook_mlp_repr_counts_parameters(ns):
    model = ns["MLP"](2, [4, 4, 1])
    assert repr(model) == repr(nblib.nn.MLP(2, [4, 4, 1])) \
        == "MLP(2 -> 4 relu -> 4 relu -> 1 linear), 37 parameters"


@pytest.mark.parametrize("loss, alpha", [("log", 1e-4), ("log", 0.0), ("mse", 1e-3)])
def test_notebook_training_loop_equals_the_classifier(ns, loss, alpha):
    """One epoch of the notebook's train_epoch and of Classifier.fit give the same weights."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(37, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    settings = dict(hidden_layer_sizes=(4, 3), activation="tanh", lr=0.3, batch_size=8,
                    alpha=alpha, seed=3)
    clf = Classifier(loss=loss, num_epochs=2, progress=False, **settings).fit(X, y)
    model = ns["MLP"](2, [4, 3, 1], activation="tanh", seed=3)
    loss_of = (binary_cross_entropy_from_logit if loss == "log"
               else lambda z, t: (z.sigmoid() - t) ** 2)
    order_rng = np.random.default_rng(3)
    batch_losses = []
    for _ in range(2):
        batch_losses += ns["train_epoch"](model, X, y, loss_of, lr=0.3, batch_size=8,
                                          alpha=alpha, rng=order_rng)
    assert np.allclose([p.data for p in model.parameters()],
                       [p.data for p in clf.model_.parameters()], rtol=1e-12, atol=1e-14)
    assert np.allclose(batch_losses, clf.history_["batch_loss"], rtol=1e-12)


# --- exercises ----------------------------------------------------------------------------------

def test_stored_exercise_cells_hold_solutions_that_pass():
    """Each exercise: a `solution` cell with a marked answer, then a `check` cell that passed."""
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    tags = [cell.get("metadata", {}).get("tags", []) for cell in cells]
    solutions = [i for i, t in enumerate(tags) if "solution" in t]
    checks = [i for i, t in enumerate(tags) if "check" in t]
    assert len(solutions) == 4 and checks == [i + 1 for i in solutions]
    for i in solutions:
        assert "# BEGIN SOLUTION" in "".join(cells[i]["source"])
    outputs = ["".join(o.get("text", "")) for i in checks for o in cells[i].get("outputs", [])]
    assert len(outputs) == 4
    assert all(text.startswith("✓ Correct! Exercise") for text in outputs), outputs


def test_exercise_1(capsys):
    namespace = {}
    exec(nb05.exercise_1.solution_code, namespace)
    nb05.exercise_1.check(namespace["answer_1"])
    assert nb05.exercise_1.passed
    assert namespace["answer_1"] == len(nblib.nn.MLP(3, [5, 4, 1]).parameters())
    for wrong, says in [(39, "weights only"), (10, "counts neurons"), (44, "output layer"),
                        (52, "inputs a bias"), (60, "multiplies all the layer sizes"),
                        (50, "too high")]:
        nb05.exercise_1.check(wrong)
        out = capsys.readouterr().out
        assert not nb05.exercise_1.passed and says in out and "49" not in out, out


def exercise_2_wrapper(ns, call_source: str):
    """The notebook's exercise 2 cell with MyLayer.__call__ replaced by ``call_source``."""
    cell = notebook_cell("class MyLayer(Layer):")
    cell, count = re.subn(r"        # BEGIN SOLUTION\n.*?# END SOLUTION\n", lambda _: call_source,
                          cell, flags=re.DOTALL)
    assert count == 1
    namespace = dict(ns)
    exec(cell, namespace)
    return namespace["layer_outputs"]


@pytest.mark.parametrize("body, says", [
    ("        return [neuron(x) for neuron in self.neurons]\n", "not a list of one"),
    ("        return self.neurons[0](x)\n", "the first neuron's output only"),
    ("        return sum(neuron(x) for neuron in self.neurons)\n", "the sum of the neurons"),
    ("        return [n(xi) for n, xi in zip(self.neurons, x)]\n", "reads the whole sample x"),
    ("        pass\n", "forget `return`"),
])
def test_exercise_2_diagnoses(ns, body, says, capsys):
    nb05.exercise_2.check(exercise_2_wrapper(ns, body))
    out = capsys.readouterr().out
    assert not nb05.exercise_2.passed and says in out, out


def test_exercise_2_solution_passes_with_the_notebooks_layer(ns, capsys):
    body = ("        out = [neuron(x) for neuron in self.neurons]\n"
            "        return out[0] if len(out) == 1 else out\n")
    nb05.exercise_2.check(exercise_2_wrapper(ns, body))
    assert nb05.exercise_2.passed, capsys.readouterr().out


def test_exercise_3_solution_passes(capsys):
    namespace = {"Classifier": Classifier}
    exec(nb05.exercise_3.solution_code, namespace)
    nb05.exercise_3.check(namespace["my_classifier"])
    out = capsys.readouterr().out
    assert nb05.exercise_3.passed and "test accuracy" in out, out


@pytest.mark.parametrize("answer, says", [
    (..., "still `...`"),
    (Classifier, "the class itself"),
    ("Classifier()", "is a str"),
    (Classifier(hidden_layer_sizes=(24, 24)), "697 parameters"),
    (Classifier(hidden_layer_sizes=(8,), lr=-1.0), "settings are invalid"),
    (Classifier(hidden_layer_sizes=(8,), activation="tanh", lr=1.0, batch_size=10,
                num_epochs=100, alpha=0.0), "train accuracy"),
    (Classifier(hidden_layer_sizes=(8,), activation="tanh", lr=0.01, batch_size=10,
                num_epochs=2, alpha=0.0), "Train it more"),
])
def test_exercise_3_diagnoses(answer, says, capsys):
    nb05.exercise_3.check(answer)
    out = capsys.readouterr().out
    assert not nb05.exercise_3.passed and says in out, out


def test_exercise_3_names_the_memorising_network(monkeypatch, capsys):
    """A network that fits the training points but not the test points is told to simplify."""
    monkeypatch.setattr(Classifier, "score",
                        lambda self, X, y: 1.0 if len(X) == nb05.TRAIN_SIZE else 0.7)
    nb05.exercise_3.check(Classifier(hidden_layer_sizes=(8,), num_epochs=1))
    assert "memorises" in capsys.readouterr().out


@pytest.mark.parametrize("answer, says", [
    ("B", "Correct"), (" b ", "Correct"),
    ("A", "not A: remembering points"), ("C", "not C: with log loss"), ("D", "not D: logistic"),
    ("E", "not one of the options"), (2, "of type int"), (..., "not done yet"),
])
def test_exercise_4(answer, says, capsys):
    nb05.exercise_4.check(answer)
    out = capsys.readouterr().out
    assert says in out and nb05.exercise_4.passed == (says == "Correct"), out


@pytest.mark.parametrize("exercise", [nb05.exercise_1, nb05.exercise_2, nb05.exercise_3,
                                      nb05.exercise_4])
def test_hints_and_solutions_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert out.startswith(f"Hint for {exercise.name}") and f"Solution for {exercise.name}" in out
