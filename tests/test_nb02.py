"""notebooks/02_gradients.ipynb: its own code agrees with nblib; its exercises' checks work."""


import numpy as np
import pytest

from nblib import activations, descent, gradcheck, losses, metrics
from nblib.datasets import bakery_buns
from nblib.exercises import nb02
from nblib.neuron import neuron_forward, train_neuron
from tests.notebook_code import notebook_namespace, tagged_sources

NOTEBOOK = "02_gradients.ipynb"
EXERCISES = [nb02.exercise_1, nb02.exercise_2, nb02.exercise_3, nb02.exercise_4]


@pytest.fixture(scope="module")
def ns():
    return notebook_namespace(NOTEBOOK)


@pytest.fixture(scope="module")
def buns():
    return bakery_buns()


def close(a, b, tol=1e-10):
    return np.allclose(a, b, rtol=tol, atol=tol)


# --- the notebook's nblib-source cells against nblib -------------------------

def test_notebook_defines_the_taught_functions(ns):
    for name in ("numerical_derivative", "sigmoid", "sigmoid_derivative", "mse",
                 "mse_derivative", "mse_loss_and_gradient", "gradient_descent_1d",
                 "train_neuron_mse", "accuracy"):
        assert callable(ns.get(name)), f"{NOTEBOOK} no longer defines {name}"


@pytest.mark.parametrize("function", [np.sin, np.exp, activations.sigmoid,
                                      lambda x: 3 * x**2 - 4 * x + 5, lambda x: x**3])
@pytest.mark.parametrize("x", [-2.0, 0.0, 0.5, 3.0])
def test_numerical_derivative(ns, function, x):
    for h in (1e-3, 1e-5):
        assert close(ns["numerical_derivative"](function, x, h),
                     gradcheck.numerical_derivative(function, x, h), 1e-12)


def test_sigmoid_and_derivative(ns):
    z = np.concatenate([np.linspace(-30, 30, 61), [0.0, 1e-8, -1e-8]])
    assert close(ns["sigmoid"](z), activations.sigmoid(z), 1e-12)
    assert close(ns["sigmoid_derivative"](z), activations.sigmoid_derivative(z), 1e-12)
    assert close(ns["sigmoid_derivative"](0.0), 0.25, 1e-15)
    grid = np.random.default_rng(1).normal(size=(4, 5))
    assert close(ns["sigmoid_derivative"](grid), activations.sigmoid_derivative(grid), 1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mse_and_derivative(ns, seed):
    rng = np.random.default_rng(seed)
    y_hat, y = rng.uniform(size=7), rng.integers(0, 2, size=7)
    assert close(ns["mse"](y_hat, y), losses.mse(y_hat, y))
    assert close(ns["mse_derivative"](y_hat, y), losses.mse_derivative(y_hat, y))
    assert close(ns["mse"](0.3, 1), losses.mse(0.3, 1))
    assert close(ns["mse_derivative"](0.3, 1), losses.mse_derivative(0.3, 1))


@pytest.mark.parametrize("point", [(np.array([-1.0, -1.0]), 9.0), (np.zeros(2), 0.0),
                                   (np.array([0.4, -2.0]), 3.0)])
def test_mse_gradient_matches_nblib_numerically_and_train_step(ns, buns, point):
    X, y = buns
    w, b = point
    loss, dw, db = ns["mse_loss_and_gradient"](X, y, w, b)
    assert close(loss, losses.mse(neuron_forward(X, w, b), y))
    numeric = gradcheck.numerical_derivative(
        lambda theta: losses.mse(neuron_forward(X, theta[:2], theta[2]), y), np.append(w, b))
    assert gradcheck.relative_error(np.append(dw, db), numeric) < 1e-7
    # One nblib training step with lr = 1 moves the parameters by exactly minus the gradient.
    step = train_neuron(X, y, loss="mse", lr=1.0, num_epochs=1, w=w, b=b)
    assert close(w - step.w, dw) and close(b - step.b, db)


@pytest.mark.parametrize("lr, num_epochs", [(0.3, 300), (0.05, 50)])
def test_training_loop_matches_train_neuron(ns, buns, lr, num_epochs):
    X, y = buns
    w, b, losses_mine = ns["train_neuron_mse"](X, y, lr, num_epochs)
    result = train_neuron(X, y, loss="mse", lr=lr, num_epochs=num_epochs)
    assert losses_mine.shape == result.losses.shape
    assert close(w, result.w, 1e-9) and close(b, result.b, 1e-9)
    assert close(losses_mine, result.losses, 1e-9)


def test_training_loop_on_other_data(ns):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, size=30)
    w, b, losses_mine = ns["train_neuron_mse"](X, y, 0.5, 100)
    result = train_neuron(X, y, loss="mse", lr=0.5, num_epochs=100)
    assert close(w, result.w, 1e-9) and close(b, result.b, 1e-9)
    assert close(losses_mine, result.losses, 1e-9)


@pytest.mark.parametrize("lr, x0", [(0.1, -1.5), (0.02, 3.0), (0.3, 0.0)])
def test_gradient_descent_1d(ns, lr, x0):
    def derivative(x):
        return 6 * x - 4
    assert close(ns["gradient_descent_1d"](derivative, x0, lr, 25),
                 descent.gradient_descent_1d(derivative, x0, lr, 25))


def test_accuracy(ns):
    rng = np.random.default_rng(4)
    y_hat, y = rng.uniform(size=50), rng.integers(0, 2, size=50)
    y_hat[:3] = 0.5   # the threshold itself counts as "accept" in both
    assert close(ns["accuracy"](y_hat, y), metrics.accuracy(y_hat, y))
    assert close(ns["accuracy"](y_hat, y, 0.7), metrics.accuracy(y_hat, y, 0.7))


def test_a_broken_notebook_cell_would_be_caught():
    """Drop the (1 - s) factor from the notebook's sigmoid_derivative: the comparison fails."""
    sources = tagged_sources(NOTEBOOK)
    broken = [source.replace("s * (1 - s)", "s") for source in sources]
    assert broken != sources, "the notebook's sigmoid_derivative changed; update this test"
    namespace = {"np": np}
    for source in broken:
        exec(source, namespace)
    z = np.linspace(-3, 3, 7)
    assert not close(namespace["sigmoid_derivative"](z), activations.sigmoid_derivative(z))


# --- exercises ---------------------------------------------------------------

def solved(exercise):
    """Run an exercise's solution code; return what it defines."""
    namespace = {"np": np}
    exec(exercise.solution_code, namespace)
    return namespace


ANSWER_NAMES = {1: "k_prime", 2: "bun_gradient", 3: "x_new", 4: "alpha_max"}


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_solution_passes(number, capsys):
    exercise = EXERCISES[number - 1]
    exercise.check(solved(exercise)[ANSWER_NAMES[number]])
    out = capsys.readouterr().out
    assert exercise.passed and out.startswith("✓ Correct!"), out


def test_placeholders_fail_helpfully(capsys):
    def placeholder(*args):
        ...

    for exercise in (nb02.exercise_1, nb02.exercise_2):
        exercise.check(placeholder)
        out = capsys.readouterr().out
        assert not exercise.passed
        assert "returned None" in out and "forget `return`" in out and ".hint()" in out
    for exercise in (nb02.exercise_3, nb02.exercise_4):
        exercise.check(...)
        out = capsys.readouterr().out
        assert not exercise.passed and out.startswith("○ ") and "not done yet" in out


def test_exercise_1_wrong_answer_names_input(capsys):
    nb02.exercise_1.check(lambda x: 3 * x**2)          # forgot the -2
    out = capsys.readouterr().out
    assert not nb02.exercise_1.passed
    assert "x=-2) returned 12: the -2x term is missing" in out and "10" not in out


def test_exercise_2_wrong_answer_names_input(capsys):
    def without_sigmoid_slope(x, y, w, b):
        y_hat = 1 / (1 + np.exp(-(x @ w + b)))
        return 2 * (y_hat - y) * x

    nb02.exercise_2.check(without_sigmoid_slope)
    out = capsys.readouterr().out
    assert not nb02.exercise_2.passed
    assert "x=[6.05, 2.96], y=1" in out and "returned [" in out and "expected" not in out
    assert "the sigmoid's slope is missing" in out
    expected = nb02.exercise_2.cases[0][1]
    assert close(expected, [-1.52, -0.7437], 1e-3)        # the notebook's worked example


def test_exercise_3_and_4_wrong_answers(capsys):
    nb02.exercise_3.check(2.8)                        # stepped uphill
    out = capsys.readouterr().out
    assert "stepped uphill" in out and "1.2" not in out
    nb02.exercise_4.check(1 / 3)                      # the parabola's limit, not p's
    out = capsys.readouterr().out
    assert "the limit for the notebook's parabola f" in out and "0.2" not in out
    assert close(nb02.exercise_4.expected, 0.2, 1e-9)
