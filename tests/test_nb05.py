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


@pytest.mark.parametrize("loss", ["log", "mse"])
def test_notebook_training_loop_equals_the_classifier(ns, loss):
    """Two epochs of the notebook's train_epoch and of Classifier.fit give the same weights."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(37, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    settings = dict(hidden_layer_sizes=(4, 3), activation="tanh", lr=0.3, batch_size=8,
                    random_state=3)
    clf = Classifier(loss=loss, num_epochs=2, progress=False, **settings).fit(X, y)
    model = ns["MLP"](2, [4, 3, 1], activation="tanh", seed=3)
    loss_of = (binary_cross_entropy_from_logit if loss == "log"
               else lambda z, t: (z.sigmoid() - t) ** 2)
    order_rng = np.random.default_rng(3)
    batch_losses = []
    for _ in range(2):
        batch_losses += ns["train_epoch"](model, X, y, loss_of, lr=0.3, batch_size=8,
                                          rng=order_rng)
    assert np.allclose([p.data for p in model.parameters()],
                       [p.data for p in clf.model_.parameters()], rtol=1e-12, atol=1e-14)
    assert np.allclose(batch_losses, clf.history_["batch_loss"], rtol=1e-12)


def test_the_l2_line_the_notebook_shows_is_the_classifiers_penalty(ns):
    """The L2 section shows one line to add to train_epoch; with it, the loop takes the same
    steps as Classifier(alpha=...)."""
    shown = [line.strip() for cell in notebook_markdown() for line in cell.splitlines()
             if "alpha * sum(p * p for p in parameters)" in line]
    assert shown == ["loss = loss + alpha * sum(p * p for p in parameters)"], shown
    source = notebook_cell("def train_epoch(")
    with_l2 = source.replace("rng):", "rng, alpha):").replace(
        "        model.zero_grad()\n", f"        {shown[0]}\n        model.zero_grad()\n")
    assert with_l2.count(shown[0]) == 1 and "rng, alpha):" in with_l2
    namespace = dict(ns)
    exec(with_l2, namespace)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(25, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    clf = Classifier(hidden_layer_sizes=(3,), activation="tanh", lr=0.5, batch_size=6,
                     alpha=0.01, num_epochs=1, random_state=2, progress=False).fit(X, y)
    model = ns["MLP"](2, [3, 1], activation="tanh", seed=2)
    namespace["train_epoch"](model, X, y, binary_cross_entropy_from_logit, lr=0.5, batch_size=6,
                             rng=np.random.default_rng(2), alpha=0.01)
    assert np.allclose([p.data for p in model.parameters()],
                       [p.data for p in clf.model_.parameters()], rtol=1e-12, atol=1e-14)


def notebook_markdown() -> list[str]:
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


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
                        (50, "not right"), (48, "not right")]:
        nb05.exercise_1.check(wrong)
        out = capsys.readouterr().out
        assert not nb05.exercise_1.passed and says in out, out
        assert "49" not in out and "too high" not in out and "too low" not in out, out


# --- exercise 2: a layer's weights as arrays ----------------------------------------------------

def solution_weight_arrays():
    namespace = {"np": np}
    exec(nb05.exercise_2.solution_code, namespace)
    return namespace["weight_arrays"]


def test_exercise_2_solution_passes_and_agrees_with_nblib(capsys):
    weight_arrays = solution_weight_arrays()
    nb05.exercise_2.check(weight_arrays)
    assert nb05.exercise_2.passed, capsys.readouterr().out
    layer = nblib.nn.Layer(3, 4, rng=np.random.default_rng(1))
    for neuron in layer.neurons:
        neuron.b.data = 0.25
    for mine, theirs in zip(weight_arrays(layer), layer.weight_arrays()):
        np.testing.assert_array_equal(mine, theirs)


def test_exercise_2_layers_cannot_answer_it_themselves():
    """The check's layers are section 2's kind (neurons only): no weight_arrays() to call, no
    square layer (a transposed W has another shape), and biases that are not 0."""
    for shape in nb05._LAYER_SHAPES:
        layer = nb05.CheckLayer(*shape)
        assert not hasattr(layer, "weight_arrays")
        W, b = layer.expected()
        assert W.shape[0] != W.shape[1] and np.all(b != 0)


def _wa(body: str):
    namespace = {"np": np, "Value": Value}
    exec("def weight_arrays(layer):\n" + body, namespace)
    return namespace["weight_arrays"]


ROWS = "np.array([[w.data for w in n.w] for n in layer.neurons])"
BIASES = "np.array([n.b.data for n in layer.neurons])"


@pytest.mark.parametrize("body, says", [
    (f"    return {ROWS}.T, {BIASES}\n", "notebook 06's layout"),
    (f"    return {BIASES}, {ROWS}\n", "order W, b"),
    (f"    return {ROWS}\n", "W only: return the biases too"),
    (f"    return {ROWS}.T\n", "W only, and with a row per input"),
    ("    return [[w for w in n.w] for n in layer.neurons], [n.b for n in layer.neurons]\n",
     "returns Values"),
    ("    return np.array([[w for w in n.w] for n in layer.neurons]), "
     "np.array([n.b for n in layer.neurons])\n", "returns Values"),
    (f"    return {ROWS}, np.zeros(len(layer.neurons))\n", "b is all zeros"),
    (f"    return {ROWS}.tolist(), {BIASES}.tolist()\n", "return numpy arrays"),
    (f"    return {ROWS}, {BIASES}[:, None]\n", "its b has shape"),
    (f"    return {ROWS}.ravel(), {BIASES}\n", "its W has shape"),
    (f"    return 2 * {ROWS}, {BIASES}\n", "not the right numbers: row i must hold neuron i"),
    (f"    return {ROWS}, {BIASES}, 0\n", "a tuple of 3 items; return two things"),
    ("    return layer.weight_arrays()\n", "not with a method that does the exercise"),
    ("    W = np.array([[w.data for w in n.w] for n in layer.neurons])\n", "forget `return W, b`"),
    ("    return 1 / 0\n", "ZeroDivisionError"),
    ("    raise NotImplementedError\n", "not done yet"),
    ("    return ...\n", "not done yet"),
])
def test_exercise_2_diagnoses(body, says, capsys):
    nb05.exercise_2.check(_wa(body))
    out = capsys.readouterr().out
    assert not nb05.exercise_2.passed and says in out, out
    assert len(out.splitlines()) <= 2 and "Traceback" not in out, out


@pytest.mark.parametrize("answer, says", [
    (..., "not done yet"), (None, "not done yet"), ("weight_arrays", "expected a function"),
    (lambda: None, "does not fit the check's call"), (lambda layer, x: None, "does not fit"),
])
def test_exercise_2_answers_that_are_not_such_a_function(answer, says, capsys):
    nb05.exercise_2.check(answer)
    out = capsys.readouterr().out
    assert not nb05.exercise_2.passed and says in out, out


# --- exercise 3: a small network that generalises ----------------------------------------------

def test_noisy_moons_split_is_30_500_500_and_disjoint():
    split = nb05.noisy_moons_split()
    assert [len(part) for part in split] == [30, 500, 500, 30, 500, 500]
    X_train, X_val, X_test = split.X_train, split.X_val, split.X_test
    rows = {tuple(row) for part in (X_train, X_val, X_test) for row in part}
    assert len(rows) == 1030
    assert 0.4 <= split.y_val.mean() <= 0.6 and 0.4 <= split.y_test.mean() <= 0.6


def test_exercise_3_target_is_out_of_reach_of_a_straight_line():
    """The best logistic regression, C chosen on the validation points from a wide grid, stays
    at least 5 points below the target on those same points."""
    from sklearn.linear_model import LogisticRegression

    split = nb05.noisy_moons_split()
    best = max(LogisticRegression(C=C, max_iter=1000).fit(split.X_train, split.y_train)
               .score(split.X_val, split.y_val) for C in np.logspace(-3, 4, 15))
    assert best <= nb05.TARGET_ACCURACY - 0.05, best
    _, grid_best = nb05.best_linear_accuracy(split)
    assert grid_best <= best + 1e-12


def run_exercise_3(classifier, capsys):
    nb05.exercise_3.check(classifier)
    return capsys.readouterr().out


def test_exercise_3_solution_passes_and_reports_the_test_set_once(monkeypatch, capsys):
    split = nb05.noisy_moons_split()
    scored = []
    original = Classifier.score
    monkeypatch.setattr(Classifier, "score",
                        lambda self, X, y: scored.append(np.asarray(X)) or original(self, X, y))
    namespace = {"Classifier": Classifier}
    exec(nb05.exercise_3.solution_code, namespace)
    out = run_exercise_3(namespace["my_classifier"], capsys)
    assert nb05.exercise_3.passed, out
    assert "validation accuracy" in out and "on the test points, measured once now" in out, out
    assert nb05.exercise_3.validation_accuracy >= nb05.TARGET_ACCURACY
    assert namespace["my_classifier"].score(split.X_train, split.y_train) < 1.0
    assert sum(np.array_equal(X, split.X_test) for X in scored) == 1


@pytest.mark.parametrize("classifier", [
    Classifier(hidden_layer_sizes=(16,), activation="tanh", lr=0.5, batch_size=10,
               num_epochs=150, alpha=0.001),
    Classifier(hidden_layer_sizes=(6, 6), activation="tanh", lr=0.3, batch_size=10,
               num_epochs=150, alpha=0.001),
    Classifier(hidden_layer_sizes=(4, 4), activation="tanh", lr=0.3, batch_size=10,
               num_epochs=150),
], ids=["one layer of 16", "6-6", "4-4 without L2"])
def test_exercise_3_other_reasonable_small_networks_pass(classifier, capsys):
    out = run_exercise_3(classifier, capsys)
    assert nb05.exercise_3.passed, out


def test_exercise_3_never_looks_at_the_test_set_when_it_fails(monkeypatch, capsys):
    split = nb05.noisy_moons_split()
    scored = []
    original = Classifier.score
    monkeypatch.setattr(Classifier, "score",
                        lambda self, X, y: scored.append(np.asarray(X)) or original(self, X, y))
    out = run_exercise_3(Classifier(hidden_layer_sizes=(4, 4), activation="tanh", lr=0.3,
                                    batch_size=10, num_epochs=150, alpha=0.03), capsys)
    assert not nb05.exercise_3.passed, out
    assert scored and not any(np.array_equal(X, split.X_test) for X in scored)


@pytest.mark.parametrize("answer, says", [
    (..., "still `...`"),
    (Classifier, "the class itself"),
    ("Classifier()", "a str"),
    (Classifier(hidden_layer_sizes=(12, 12)), "205 parameters"),
    (Classifier(hidden_layer_sizes=(8,), lr=-1.0), "settings are invalid"),
    (Classifier(hidden_layer_sizes=(8,), num_epochs=5000), "the check allows up to 1000"),
    (Classifier(hidden_layer_sizes=(4, 4), activation="tanh", lr=0.3, batch_size=10,
                num_epochs=150, alpha=0.03), "no better than a straight line"),
    (Classifier(hidden_layer_sizes=(8,), activation="tanh", lr=0.01, batch_size=10,
                num_epochs=2), "no better than a straight line"),
])
def test_exercise_3_diagnoses(answer, says, capsys):
    out = run_exercise_3(answer, capsys)
    assert not nb05.exercise_3.passed and says in out, out


def test_exercise_3_names_a_diverging_lr_once(capsys):
    out = run_exercise_3(Classifier(hidden_layer_sizes=(4, 4), activation="tanh", lr=1e3,
                                    batch_size=10, num_epochs=150), capsys)
    assert not nb05.exercise_3.passed
    assert out.count("training diverged") == 1, out
    assert "lr=1000 is too large; try lr=100 or smaller" in out, out


def test_exercise_3_names_the_memorising_network(monkeypatch, capsys):
    """A network that fits the training points far better than the validation points is told
    to simplify."""
    monkeypatch.setattr(Classifier, "score",
                        lambda self, X, y: 1.0 if len(X) == nb05.TRAIN_SIZE else 0.85)
    out = run_exercise_3(Classifier(hidden_layer_sizes=(8,), num_epochs=1), capsys)
    assert "memorises" in out, out


def test_exercise_3_text_and_hint_match_the_check():
    """The notebook's text, the hint and the check agree on the target, the parameter budget,
    and the numbers they quote."""
    text = next(cell for cell in notebook_markdown() if cell.startswith("### Exercise 3"))
    assert f"**{nb05.TARGET_ACCURACY:.0%}**" in text
    assert f"**at most {nb05.MAX_PARAMETERS} parameters**" in text
    assert "validation" in text
    hint = nb05.exercise_3.hint_text
    assert f"At most {nb05.MAX_PARAMETERS} parameters" in hint
    start = re.search(r"Classifier\((.*?)\)", " ".join(hint.split())).group(1)
    solution = re.search(r"Classifier\((.*?)\)",
                         " ".join(nb05.exercise_3.solution_code.split())).group(1)
    assert start.replace("alpha=...", "") in solution     # the hint's start is the solution's


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


# --- the L2 section's caveat: measured on other samples ---------------------------------------

def _literal_assignment(source: str, name: str):
    """The value of ``name = <literal>`` or ``name = dict(<literal keywords>)`` in ``source``."""
    import ast

    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets
                                             if isinstance(t, ast.Name)] == [name]:
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "dict":
                return {k.arg: ast.literal_eval(k.value) for k in value.keywords}
            return ast.literal_eval(value)
    raise LookupError(name)


def test_the_other_samples_benchmark_ran_the_notebooks_protocol():
    """benchmarks/noisy_moons_samples.py's stored results, which the notebook prints, come
    from the network, sweep and data the notebook uses (only make_moons' seed differs)."""
    from nblib.paths import BENCHMARK_RESULTS

    stored = json.loads((BENCHMARK_RESULTS / "noisy_moons_samples.json").read_text())
    protocol = stored["protocol"]
    network = _literal_assignment(notebook_cell("big = dict("), "big")
    alphas = _literal_assignment(notebook_cell("alphas = ["), "alphas")
    assert protocol["network"] == {**network, "hidden_layer_sizes": list(network["hidden_layer_sizes"])}
    assert protocol["alphas"] == alphas
    assert protocol["notebook_seed"] == nb05.NOISY_MOONS["random_state"]
    assert protocol["noisy_moons"] == {k: v for k, v in nb05.NOISY_MOONS.items()
                                       if k != "random_state"}
    assert (protocol["train"], protocol["validation"]) == (nb05.TRAIN_SIZE, nb05.VALIDATION_SIZE)
    seeds = [run["seed"] for run in stored["runs"]]
    assert len(set(seeds)) == stored["summary"]["samples"] == len(seeds) >= 20
    assert nb05.NOISY_MOONS["random_state"] not in seeds          # *other* samples
