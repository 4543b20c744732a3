"""notebooks/06_mnist.ipynb: the instructor's solutions (the student's Dense, ReLU, loss,
optimizer and training epoch) and the notebook's own code agree with nblib.layers, the
tested reference; its choices rest on validation accuracy and its prose agrees with the
stored benchmarks.  The exercises' checks are tested in tests/test_nb06_exercises.py."""

import json
import re

import numpy as np
import pytest

import nblib.layers as layers
from nblib.exercises import nb06
from nblib.mnist import to_float32
from nblib.paths import BENCHMARK_RESULTS
from tests.notebook_code import NOTEBOOKS, ROOT, TAG

NOTEBOOK = "06_mnist.ipynb"


@pytest.fixture(scope="module")
def ns():
    """What the notebook's nblib-source cells and its exercises' solution cells define, run
    in order (the capstone's cell, which trains on MNIST, and the debug exercise's answers,
    which need its run, left out)."""
    namespace = {"np": np, "to_float32": to_float32}     # to_float32: an untagged cell's import
    for cell in json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and (TAG in tags or "solution" in tags) \
                and "exercise_6" not in source and not source.startswith(DEBUG_ANSWERS):
            exec(compile(source, f"{NOTEBOOK}[{'/'.join(tags)}]", "exec"), namespace)
    return namespace


#: The debug exercise's two answer cells (section 10): the bug's letter and the fixed run.
DEBUG_ANSWERS = ("bug = ...", "fixed = ...")


def network(ns, seed):
    """The capstone's 784-256-128-10, of the solutions' classes."""
    rng = np.random.default_rng(seed)
    Dense, ReLU = ns["Dense"], ns["ReLU"]
    return ns["Sequential"](Dense(784, 256, rng), ReLU(), Dense(256, 128, rng), ReLU(),
                            Dense(128, 10, rng))


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
    loss, dlogits = ns["softmax_cross_entropy"](logits, labels)
    loss_nblib, dlogits_nblib = layers.softmax_cross_entropy_with_logits(logits, labels)
    assert np.isfinite(loss) and np.isclose(loss, loss_nblib, rtol=1e-12)
    assert np.allclose(dlogits, dlogits_nblib, atol=1e-15)


@pytest.mark.parametrize("momentum, decay", [(0.0, False), (0.9, True)])
def test_training_equals_nblib_layers(ns, momentum, decay):
    """Two epochs of the solutions' network, SGD and train_one_epoch = nblib's, weight for
    weight."""
    images, labels = fake_images(600)
    steps = 2 * -(-len(images) // 64)
    schedule = (lambda step: 1 - step / steps) if decay else None
    ours = network(ns, seed=1)
    theirs = layers.mlp([784, 256, 128, 10], seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
    optimizer_ours = ns["SGD"](0.1, momentum, schedule)
    optimizer_theirs = layers.SGD(0.1, momentum, layers.linear_decay(steps) if decay else None)
    rng_ours, rng_theirs = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(2):
        ns["train_one_epoch"](ours, optimizer_ours, images, labels, 64, rng_ours)
        layers.train_epoch(theirs, optimizer_theirs, images, labels, 64, rng=rng_theirs)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert a.dtype == np.float32
        assert np.allclose(a, b, rtol=1e-5, atol=1e-6)
    assert layers.accuracy(layers.predict(ours, images), labels) > 0.5


# --- exercises ----------------------------------------------------------------------------------

def test_stored_exercise_cells_hold_solutions_that_pass():
    """Each exercise: a `solution` cell with a marked answer, then a `check` cell that passed,
    then (but for the capstone's) the line choosing what the notebook goes on with."""
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    tags = [cell.get("metadata", {}).get("tags", []) for cell in cells]
    solutions = [i for i, t in enumerate(tags) if "solution" in t]
    checks = [i for i, t in enumerate(tags) if "check" in t]
    assert len(solutions) == 8 and checks == [i + 1 for i in solutions]
    # the debug exercise (section 10): its bug named, then fixed
    for i, j, call, verdict in [(solutions[6], checks[6], "run.naming.check(bug)",
                                 "✓ Correct! Debug exercise (name the bug of seed"),
                                (solutions[7], checks[7], "nb06.debug_fix.check(fixed)",
                                 "✓ Correct! Debug exercise (the fix): the fixed run learns")]:
        assert "# BEGIN SOLUTION" in "".join(cells[i]["source"])
        assert "".join(cells[j]["source"]).startswith(call)
        (text,) = ["".join(o.get("text", "")) for o in cells[j].get("outputs", [])]
        assert text.startswith(verdict), text
    names = ["Dense", "ReLU", "softmax_cross_entropy", "SGD", "train_one_epoch"]
    for number, (i, j) in enumerate(zip(solutions[:6], checks[:6]), start=1):
        assert "# BEGIN SOLUTION" in "".join(cells[i]["source"])
        assert f"nb06.exercise_{number}.check(" in "".join(cells[j]["source"])
        (text,) = ["".join(o.get("text", "")) for o in cells[j].get("outputs", [])]
        assert text.startswith(f"✓ Correct! Exercise {number}"), text
        chooser = "".join(cells[j + 1]["source"])
        if number <= 5:
            name = names[number - 1]
            assert chooser == f"{name} = nb06.exercise_{number}.yours_or_nblib({name})"
        else:
            assert chooser == "model, history = nb06.exercise_6.yours_or_nblib(model, history)"
        assert not cells[j + 1]["outputs"], "the instructor's run goes on with the solutions"


def test_the_capstone_starts_from_nblibs_recipe_weights(ns):
    ours = network(ns, seed=0)
    theirs = layers.mlp([784, 256, 128, 10], seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))


@pytest.mark.parametrize("number", range(1, 7))
def test_hints_and_solutions_print(number, capsys):
    exercise = getattr(nb06, f"exercise_{number}")
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert out.startswith(f"Hint for {exercise.name}") and f"Solution for {exercise.name}" in out


# --- honest evaluation: choices on validation, the test set once --------------------------------

BENCHMARK_SCRIPTS = [ROOT / "benchmarks" / "mnist_variants.py",
                     ROOT / "benchmarks" / "mnist_vs_torch.py"]


def stored_cells() -> list[dict]:
    return json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]


def cell_by_id(cell_id: str) -> dict:
    (cell,) = [cell for cell in stored_cells() if cell.get("id") == cell_id]
    return cell


def source_of(cell_id: str) -> str:
    return " ".join("".join(cell_by_id(cell_id)["source"]).split())     # one line, single spaces


def stdout_of(cell_id: str) -> str:
    return "".join("".join(o.get("text", "")) for o in cell_by_id(cell_id).get("outputs", [])
                   if o.get("output_type") == "stream")


def json_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


@pytest.fixture(scope="module")
def variants():
    return json.loads((BENCHMARK_RESULTS / "mnist_variants.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def versus_torch():
    return json.loads((BENCHMARK_RESULTS / "mnist_vs_torch.json").read_text(encoding="utf-8"))


def test_benchmarks_measure_validation_and_never_the_test_set(variants, versus_torch):
    """The numbers 06's choices rest on are validation accuracies; no benchmark reads X_test."""
    for script in BENCHMARK_SCRIPTS:
        code = script.read_text(encoding="utf-8")
        assert "X_test" not in code and "y_test" not in code, script.name
    for results in (variants, versus_torch):
        keys = json_keys(results)
        assert not [k for k in keys if "test" in k], sorted(k for k in keys if "test" in k)
        assert "val_accuracy" in keys


def test_the_notebook_looks_at_the_test_set_once_at_the_end():
    """Code before "## N. The test set, once" never touches the test images or labels."""
    cells = stored_cells()
    (section_8,) = [i for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"
                    and re.match(r"## \d+\. The test set, once", "".join(cell["source"]))]
    early = [i for i, cell in enumerate(cells[:section_8]) if cell["cell_type"] == "code"
             and any(name in "".join(cell["source"]) for name in ("X_test", "y_test"))]
    assert not early, f"cells {early} use the test set before section 8"


def test_no_bare_assert_in_a_cell_a_student_reads():
    """The notebook's own checks use confirm(...), which says in one line what it checks."""
    for i, cell in enumerate(stored_cells()):
        if cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            assert not [line for line in lines if line.strip().startswith("assert ")], i


def test_the_variants_table_columns_align(variants):
    """Every row of section 11's table is as wide as its header, and read at the header's
    column positions gives a group and a whole label, an accuracy and a time: no label pushes
    its numbers out of their columns."""
    lines = stdout_of("9f07faf4").splitlines()
    header = lines[0]
    assert re.fullmatch(r"what changes +validation +training", header), header
    labels = {(row["group"], row["label"]) for row in variants["variants"]}
    rows = lines[1:1 + len(labels) - 3]           # the recipe's row appears once, not four times
    assert lines[1 + len(labels) - 3].startswith("the recipe's 9 seeds: ")
    accuracy_at = header.index("validation")
    training_at = accuracy_at + len("validation")
    for row in rows:
        assert len(row) == len(header), "\n".join([header, row])
        label, accuracy, training = row[:accuracy_at], row[accuracy_at:training_at], row[training_at:]
        group, name = label.split(" ", 1)
        assert label.endswith(" ") and (group, name.strip()) in labels, row
        assert re.fullmatch(r" *(\d\d\.\d\d%|diverged)", accuracy), row
        assert re.fullmatch(r" +(\d+\.\d s|-)", training), row


# --- the prose agrees with the stored benchmarks -------------------------------------------------

def variant(variants, label_start: str) -> dict:
    (row,) = [row for row in variants["variants"] if row["label"].startswith(label_start)]
    return row


def recipe_spread(variants) -> float:
    finals = [run["val_accuracy"][-1] for run in variants["recipe"]["runs"]]
    return max(finals) - min(finals)


def weights(sizes) -> int:
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def test_what_to_try_next_agrees_with_the_variants_benchmark(variants):
    """Each claim of section 11's bullets, against benchmarks/results/mnist_variants.json."""
    text = source_of("7a453154")
    recipe = variant(variants, "momentum 0.9 (the recipe)")["median_val_accuracy"]
    spread = recipe_spread(variants)

    def median(label_start):
        return variant(variants, label_start)["median_val_accuracy"]

    assert "about a quarter of a point" in text and 0.0015 <= spread <= 0.0035, spread
    assert "more than half a point lower" in text and recipe - median("no momentum, lr 0.2") > 0.005
    tenfold = variant(variants, "no momentum, lr 2.0")
    assert tenfold["change"]["lr"] == 10 * variants["recipe"]["lr"]
    assert "diverges (NaN in the first epoch) or stays at chance" in text
    assert 1 in tenfold["diverged_at_epoch"]
    assert all(epoch is not None or accuracy < 0.2
               for epoch, accuracy in zip(tenfold["diverged_at_epoch"], tenfold["val_accuracy"]))
    assert "matters as much" in text and recipe - median("constant lr") > max(0.005, spread)
    # "about a quarter of a point": the seeds' spread, and the widths' and epochs' differences
    quarter = 0.003
    assert "both other networks end within about a quarter of a point of the recipe" in text
    for label in ("784-100-200-10", "784-512-256-10"):
        assert abs(median(label) - recipe) <= quarter, label
    assert "more than twice the arithmetic" in text
    assert weights([784, 512, 256, 10]) > 2 * weights(variants["recipe"]["sizes"])
    assert "2 lose more than that; 4, 5, 6 and 10 end within about a quarter of a point" in text
    assert recipe - median("2 epochs") > quarter
    ends = [median(label) for label in ("4 epochs", "5 epochs", "10 epochs")] + [recipe]
    assert max(ends) - min(ends) <= quarter, ends


def test_recipe_prose_agrees_with_the_benchmarks(variants, versus_torch):
    """Sections 6 and the summary: the classic network reaches 98 % after 10 epochs or more, if
    at all in 20; the recipe ends at about 98 % validation accuracy in each of its nine seeds."""
    assert ("it first reaches 98% validation accuracy after 10 epochs or more, if at all in 20"
            in source_of("d8087d2e"))
    classic = versus_torch["recipes"]["classic"]
    reached = [e for fw in ("nblib", "torch") for e in classic["first_epoch_at_98"][fw] if e]
    assert classic["epochs"] == 20 and reached and min(reached) >= 10, classic["first_epoch_at_98"]
    assert "reaches about 98% validation accuracy in 6 epochs" in source_of("30547afc")
    assert variants["recipe"]["epochs"] == 6 and len(variants["recipe"]["runs"]) == 9
    assert all(abs(run["val_accuracy"][-1] - 0.98) < 0.005 for run in variants["recipe"]["runs"])


def test_pytorch_prose_agrees_with_the_speed_benchmark(versus_torch):
    """Section 12 and the summary: on the benchmark's machine an epoch of each network took
    less time in numpy than in PyTorch, and both reached about the same validation accuracy."""
    assert "an epoch took less time in numpy than in PyTorch" in source_of("98e93f4d")
    assert "took less time in numpy than in PyTorch" in source_of("30547afc")
    assert versus_torch["machine"]["cpu_count"] == 2 and "2-core" in source_of("98e93f4d")
    for name, recipe in versus_torch["recipes"].items():
        seconds = recipe["median_epoch_seconds"]
        assert seconds["nblib"] < seconds["torch"], (name, seconds)
        finals = recipe["final_val_accuracy"]
        assert abs(np.median(finals["nblib"]) - np.median(finals["torch"])) < 0.003, (name, finals)


class _Weights:
    """A model of two float32 weights with gradients set by hand."""

    def __init__(self):
        self.p = np.ones(2, dtype=np.float32)
        self.g = np.array([1e-3, 1e-3], dtype=np.float32)

    def parameters(self):
        return [self.p]

    def gradients(self):
        return [self.g]


def test_notebook_sgd_keeps_velocities_out_of_the_subnormal_range_as_nblib_does(ns):
    """A dead unit's velocity decays by 0.9 per step; the solution's SGD (with the notebook's
    forget_tiny) sets it to 0 before it turns subnormal, as nblib's does, and otherwise
    computes the same updates (they flush on neighbouring steps: velocities below 1e-30
    may differ)."""
    ours, theirs = _Weights(), _Weights()
    optimizer_ours, optimizer_theirs = ns["SGD"](0.1, 0.9), layers.SGD(0.1, momentum=0.9)
    tiny = np.finfo(np.float32).tiny
    for step in range(2000):
        optimizer_ours.step(ours)
        optimizer_theirs.step(theirs)
        if step == 0:
            ours.g[0] = theirs.g[0] = 0.0            # the first weight's unit is dead from now on
        (v,) = optimizer_ours.velocities
        assert not np.any((v != 0) & (np.abs(v) < tiny)), step
        np.testing.assert_allclose(v, optimizer_theirs.velocities[0], rtol=1e-6, atol=1e-30)
    assert v[0] == 0 and np.array_equal(ours.p, theirs.p)


def test_without_forget_tiny_the_velocity_turns_subnormal(ns):
    """The test above can fail: without the flush a dead unit's velocity goes subnormal."""
    namespace = dict(ns, forget_tiny=lambda velocities, steps: None)
    exec("".join(cell_by_id("034634fc")["source"]), namespace)       # the notebook's SGD
    weights, optimizer = _Weights(), namespace["SGD"](0.1, 0.9)
    tiny, seen = np.finfo(np.float32).tiny, False
    for _ in range(2000):
        optimizer.step(weights)
        weights.g[0] = 0.0
        (v,) = optimizer.velocities
        seen |= bool(np.any((v != 0) & (np.abs(v) < tiny)))
    assert seen
