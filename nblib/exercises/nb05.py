"""Exercises of notebooks/05_mlp.ipynb: parameter counts, a layer's weights as arrays, a
classifier that generalises, and why one neuron fails on the moons.

Expected answers come from nblib (nblib.nn's Layer and MLP, the Classifier), so they
follow the library the notebook teaches.  Exercise 3 also holds the notebook's noisy
moons (:func:`noisy_moons_split`): 30 points to train on, 500 to choose on, 500 to test
once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from nblib.checks import (
    FUNCTION_NOT_DONE,
    Choice,
    Exercise,
    Feedback,
    Mistake,
    NotDone,
    _Outcome,
    as_numbers,
    attempt,
    error_text,
    format_value,
    function_name,
    note_mistake,
    wrong_signature,
)
from nblib.engine import Value
from nblib.nn import Layer

# --- Exercise 1: count the parameters ----------------------------------------------------------

exercise_1 = Exercise(
    name="Exercise 1 (parameters of MLP(3, [5, 4, 1]))",
    expected=(3 * 5 + 5) + (5 * 4 + 4) + (4 * 1 + 1),
    tol=0.0,
    # A count: a typed value gets no "too high" / "too low" (nblib.checks: that would give
    # it away in two guesses). The mistakes below say what was miscounted; anything else
    # is "not right", with a pointer to .hint().
    sign_step="a count of parameters cannot be negative.",
    mistakes=[
        Mistake(value=3 * 5 + 5 * 4 + 4 * 1, tol=0.0,
                message="your answer counts the weights only: every neuron also has a bias."),
        Mistake(value=3 * 5 + 5 * 4 + 4 * 1 + 1, tol=0.0,
                message="your answer counts one bias for the whole network: every neuron "
                        "has a bias of its own."),
        Mistake(value=3 * 5 + 5 * 4 + 4 * 1 + 3, tol=0.0,
                message="your answer counts one bias per layer: every neuron has a bias of "
                        "its own, so a layer has as many biases as neurons."),
        Mistake(value=5 + 4 + 1, tol=0.0,
                message="your answer counts neurons, not parameters: each neuron has one "
                        "weight per input, plus a bias."),
        Mistake(value=(3 * 5 + 5) + (5 * 4 + 4), tol=0.0,
                message="your answer leaves out the output layer: its one neuron reads the "
                        "4 outputs of the layer before, and has a bias too."),
        Mistake(value=(5 * 4 + 4) + (4 * 1 + 1), tol=0.0,
                message="your answer leaves out the first layer: its 5 neurons read the 3 "
                        "inputs (the inputs themselves have no parameters, but the first "
                        "layer's neurons do)."),
        Mistake(value=(3 * 5 + 5) + (4 * 1 + 1), tol=0.0,
                message="your answer leaves out the middle layer: its 4 neurons each read "
                        "the 5 outputs of the first layer, and have a bias each."),
        Mistake(value=3 + 1 * 5 + 5 + 1 * 4 + 4 + 1 * 1, tol=0.0,
                message="your answer looks like 3 + 1 * 5 + ... without brackets: * comes "
                        "before +, so write (inputs + 1) * neurons for each layer."),
        Mistake(value=(3 * 5 + 5) + (5 * 4 + 4) + (4 * 1 + 1) + 3, tol=0.0,
                message="your answer gives the inputs a bias each, but the inputs are data, "
                        "not neurons: only neurons have parameters."),
        Mistake(value=3 * 5 * 4 * 1, tol=0.0,
                message="your answer multiplies all the layer sizes: count layer by layer "
                        "instead, (inputs + 1) x neurons, and add the layers up."),
    ],
    hint_text="""
A neuron with n inputs has n weights and 1 bias.  A layer of m such neurons has (n + 1) * m.
MLP(3, [5, 4, 1]) has three layers: 3 inputs -> 5 neurons, 5 -> 4, 4 -> 1.  Add them up,
then check with len(MLP(3, [5, 4, 1]).parameters()).
""",
    solution_code="""
answer_1 = (3 + 1) * 5 + (5 + 1) * 4 + (4 + 1) * 1    # 20 + 24 + 5
""",
)


# --- Exercise 2: a layer's weights as arrays -----------------------------------------------------

#: The layers the check reads: (inputs, neurons, seed).  No layer is square, so a W with
#: rows and columns swapped has another shape; the biases are set to non-zero numbers
#: (a new layer's are 0), so that a missing or misread bias shows.
_LAYER_SHAPES = [(2, 3, 0), (3, 1, 1), (4, 2, 2), (1, 5, 3)]


class CheckLayer:
    """A layer as section 2 of the notebook builds it, and nothing more: ``neurons``, each
    with its weights ``w`` (a list of Values) and bias ``b`` (a Value).

    The check hands the student's ``weight_arrays`` layers of this kind: nblib's
    ``Layer.weight_arrays()``, which answers the exercise, is not there to call.
    """

    def __init__(self, nin: int, nout: int, seed: int):
        rng = np.random.default_rng(seed)
        self.neurons = Layer(nin, nout, "tanh", rng=rng).neurons
        for neuron in self.neurons:
            neuron.b.data = float(rng.uniform(-1, 1))

    def __repr__(self):
        return f"a layer of {len(self.neurons)} neurons with {len(self.neurons[0].w)} inputs each"

    def expected(self) -> tuple[np.ndarray, np.ndarray]:
        """The right answer: W, shape (nout, nin), row i neuron i's weights; b, shape (nout,)."""
        W = np.array([[w.data for w in neuron.w] for neuron in self.neurons])
        b = np.array([neuron.b.data for neuron in self.neurons])
        return W, b


def _holds_values(value) -> bool:
    """Whether ``value`` is, or contains, autograd Values (somewhere in nested lists/arrays)."""
    if isinstance(value, Value):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype == object and any(_holds_values(item) for item in value.ravel()[:50])
    if isinstance(value, (list, tuple)):
        return any(_holds_values(item) for item in value[:50])
    return False


def _equal(got, expected) -> bool:
    """``got`` holds exactly the numbers of ``expected``, in its shape (to rounding)."""
    numbers, _ = as_numbers(got)
    return (numbers is not None and numbers.shape == expected.shape
            and bool(np.allclose(numbers, expected, rtol=1e-12, atol=1e-12)))


def _is_pair(got) -> bool:
    return isinstance(got, (tuple, list)) and len(got) == 2


@dataclass
class WeightArraysExercise(Feedback):
    """Check ``weight_arrays(layer) -> (W, b)`` on a few layers; name the typical mistakes.

    Each failing answer is matched against ``mistakes`` (nblib.checks.Mistake with
    ``when=``, given what came back and the right (W, b)), in order; an answer none of
    them explains gets a description of what is wrong with its shape or its numbers.
    """

    name: str
    hint_text: str
    solution_code: str
    mistakes: tuple = ()
    passed: bool = field(default=False, init=False)

    def check(self, weight_arrays) -> None:
        """Call ``weight_arrays`` on the check's layers and print the verdict."""
        self._report(self._problem(weight_arrays))

    def _problem(self, func) -> str | None:
        if func is None or func is Ellipsis:
            return FUNCTION_NOT_DONE
        if not callable(func) or isinstance(func, type):
            return f"expected a function, weight_arrays(layer), got {format_value(func)}"
        name = function_name(func)
        layers = [CheckLayer(*shape) for shape in _LAYER_SHAPES]
        misfit = wrong_signature(func, name, (layers[0],), ("layer",))
        if misfit is not None:
            return misfit
        for layer in layers:
            result = attempt(func, (layer,))
            if result.stub is not None:
                return result.stub
            call = f"{name}({layer!r})"
            if result.error is not None:
                if "weight_arrays" in result.error:
                    return (f"{call} raised {result.error}{result.where}: build W and b from "
                            "layer.neurons yourself (each neuron's .w and .b), not with a "
                            "method that does the exercise")
                return f"{call} raised {result.error}{result.where}"
            if result.got is Ellipsis:
                return NotDone(f"{name} returns `...`: replace the `...` with your code")
            problem = self._describe(result.got, layer.expected())
            if problem is not None:
                return f"{call}: {problem}"
        return None

    def _describe(self, got, expected) -> str | None:
        """What is wrong with ``got`` as (W, b), or None when it is right."""
        W, b = expected
        if _is_pair(got) and _equal(got[0], W) and _equal(got[1], b):
            if not all(isinstance(part, np.ndarray) for part in got):
                return ("the numbers are right, but return numpy arrays (np.array(...)), "
                        "so that X @ W.T + b works")
            return None
        for mistake in self.mistakes:
            outcome = _Outcome((), expected, got, problem="wrong")
            if mistake.matches([outcome], 0.0):
                return note_mistake(mistake.message, mistake.key)
        if got is None:
            return "returned None (did you forget `return W, b`?)"
        if not _is_pair(got):
            return (f"returned {_kind(got)}; return two things, W and b "
                    "(return W, b gives them as a pair)")
        for part, right, name, shape in ((got[0], W, "W", "(nout, nin)"),
                                         (got[1], b, "b", "(nout,)")):
            numbers, why_not = as_numbers(part)
            if numbers is None:
                return f"its {name} {why_not}; expected an array of shape {shape}"
            if numbers.shape != right.shape:
                return (f"its {name} has shape {numbers.shape}, expected {shape} = "
                        f"{right.shape}")
            if not np.all(np.isfinite(numbers)):
                return f"its {name} contains NaN or infinite numbers"
            if not np.allclose(numbers, right, rtol=1e-12, atol=1e-12):
                return (f"its {name} has the right shape but not the right numbers"
                        + (": row i must hold neuron i's weights, in the order of neuron.w"
                           if name == "W" else ": entry i must be neuron i's bias, .b.data"))
        return None         # not reached: both parts equal means a right answer above


def _kind(value) -> str:
    """What a returned value is, for "returned ...; return two things" (never raises)."""
    if isinstance(value, (tuple, list)):
        items = "item" if len(value) == 1 else "items"
        return f"a {type(value).__name__} of {len(value)} {items}"
    numbers, why_not = as_numbers(value)
    if numbers is None:
        return why_not.removeprefix("is ")
    return f"one array of shape {numbers.shape}" if numbers.ndim else "one number"


def _pair_parts(got):
    """The two parts of a returned pair as float arrays, or None."""
    if not _is_pair(got):
        return None
    parts = [as_numbers(part)[0] for part in got]
    return None if any(part is None for part in parts) else parts


exercise_2 = WeightArraysExercise(
    name="Exercise 2 (a layer's weights as arrays)",
    mistakes=(
        Mistake(when=lambda got, expected: _holds_values(got),
                message="it returns Values, not numbers: take each weight's and each bias's "
                        ".data, a float, so that numpy can compute with them"),
        Mistake(when=lambda got, expected: _equal(got, expected[0]),
                message="it returns W only: return the biases too, as a pair, return W, b"),
        Mistake(when=lambda got, expected: _equal(got, expected[0].T),
                message="it returns W only, and with a row per input: return W with a row per "
                        "neuron, and the biases, as return W, b"),
        Mistake(when=lambda got, expected: _pair_parts(got) is not None
                and _equal(got[0], expected[1]) and (_equal(got[1], expected[0])
                                                     or _equal(got[1], expected[0].T)),
                message="it returns b first: return them in the order W, b"),
        Mistake(when=lambda got, expected: _pair_parts(got) is not None
                and _equal(got[0], expected[0].T),
                message="its W has a row per input and a column per neuron, shape (nin, "
                        "nout): that is notebook 06's layout, for X @ W. Here row i holds "
                        "neuron i's weights, shape (nout, nin), as section 6 uses it in "
                        "X @ W.T + b"),
        Mistake(when=lambda got, expected: _pair_parts(got) is not None
                and _equal(got[0], expected[0]) and not np.any(_pair_parts(got)[1]),
                message="its b is all zeros, but these neurons' biases are not: read each "
                        "neuron's .b"),
    ),
    hint_text="""
A layer's neurons are layer.neurons; neuron.w is the list of its weights (Values) and
neuron.b its bias (a Value); .data gives a Value's number.  One row of W per neuron:
np.array([[...one neuron's weights as floats...] for neuron in layer.neurons]).
b has one number per neuron.  Return both: return W, b.
""",
    solution_code="""
def weight_arrays(layer):
    W = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
    b = np.array([neuron.b.data for neuron in layer.neurons])
    return W, b
""",
)


# --- Exercise 3: a network that generalises -----------------------------------------------------

#: The noisy moons of the notebook's overfitting section: 30 points to train on, 500 to
#: make choices on (validation), 500 to test once.  This sample was drawn (by seed, among
#: others tried) so that overfitting and L2's effect are easy to see; the notebook says so.
NOISY_MOONS = {"n_samples": 1030, "noise": 0.25, "random_state": 50}
TRAIN_SIZE = 30
VALIDATION_SIZE = 500
#: Exercise 3's target, on the validation points.  The best logistic regression (C chosen
#: on the same validation points) reaches about 81%: a straight line cannot get within
#: 5 points of it (tests/test_nb05.py asserts this).
TARGET_ACCURACY = 0.88
MAX_PARAMETERS = 100
#: More epochs would make the check slow (the network trains on Values).
MAX_EPOCHS = 1000
#: Logistic regression's strengths tried, the best chosen on the validation points.
LINEAR_C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)


class Split(NamedTuple):
    """A data set cut three ways: train on one part, choose on another, test once on the last."""

    X_train: np.ndarray
    X_val: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray


def noisy_moons_split(random_state: int = NOISY_MOONS["random_state"]) -> Split:
    """The noisy moons of notebook 05's overfitting section, cut into 30 / 500 / 500 points.

    Parameters
    ----------
    random_state : int
        make_moons' seed: the notebook's sample by default; another draws another sample
        of the same kind (benchmarks/noisy_moons_samples.py).

    Returns
    -------
    Split
        ``X_train`` (30, 2), ``X_val`` (500, 2), ``X_test`` (500, 2) and their labels
        ``y_train``, ``y_val``, ``y_test`` (0 or 1); unpacks like scikit-learn's
        ``train_test_split``: ``X_train, X_val, X_test, y_train, y_val, y_test``.
    """
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(**{**NOISY_MOONS, "random_state": random_state})
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, train_size=TRAIN_SIZE,
                                                        random_state=0)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, train_size=VALIDATION_SIZE,
                                                    random_state=0)
    return Split(X_train, X_val, X_test, y_train, y_val, y_test)


def best_linear_accuracy(split: Split) -> tuple[float, float]:
    """The best straight line on ``split``: logistic regression with C chosen on validation.

    Returns
    -------
    (C, validation accuracy)
    """
    from sklearn.linear_model import LogisticRegression

    scores = {C: LogisticRegression(C=C).fit(split.X_train, split.y_train)
              .score(split.X_val, split.y_val) for C in LINEAR_C_GRID}
    best = max(scores, key=scores.get)
    return best, scores[best]


def _parameter_count(n_features: int, hidden_layer_sizes) -> int:
    sizes = [n_features, *hidden_layer_sizes, 1]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


@dataclass
class GeneralisationExercise(Feedback):
    """Check a Classifier: train it on the 30 noisy points, judge it on the 500 validation
    points, and on a pass report its accuracy on the 500 test points, once."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)

    def check(self, classifier) -> None:
        """Train ``classifier`` (an unfitted nblib Classifier) and print the verdict."""
        problem = self._problem(classifier)
        self._report(problem, "" if problem else
                     f": validation accuracy {self.validation_accuracy:.1%} with "
                     f"{self.num_parameters} parameters; on the test points, measured once "
                     f"now: {self.test_accuracy:.1%}")

    def _problem(self, classifier) -> str | None:
        from nblib.classifier import Classifier, TrainingDiverged

        if classifier is Ellipsis:
            return NotDone("your answer is still `...`: set it to a Classifier(...)")
        if isinstance(classifier, type):
            return "that is the class itself: create one, Classifier(hidden_layer_sizes=..., ...)"
        if not isinstance(classifier, Classifier):
            return (f"your answer is {format_value(classifier)}, a "
                    f"{type(classifier).__name__}; expected nblib's Classifier(...)")
        try:
            hidden = classifier._check_hyperparameters()
        except ValueError as error:
            return f"the Classifier's settings are invalid: {error}"
        self.num_parameters = _parameter_count(2, hidden)
        if self.num_parameters > MAX_PARAMETERS:
            return (f"this network has {self.num_parameters} parameters; the exercise allows "
                    f"{MAX_PARAMETERS}: fewer or smaller hidden layers")
        if classifier.num_epochs > MAX_EPOCHS:
            return (f"num_epochs={classifier.num_epochs} would train for minutes here; the "
                    f"check allows up to {MAX_EPOCHS}")
        split = noisy_moons_split()
        classifier.set_params(progress=False)
        try:
            classifier.fit(split.X_train, split.y_train)
        except TrainingDiverged as error:   # "training diverged: ...", with its cause
            return str(error)
        except Exception as error:   # e.g. an overflow in the engine: a verdict, not a crash
            return f"training failed: {error_text(error)}; try a smaller lr"
        train_accuracy = classifier.score(split.X_train, split.y_train)
        self.validation_accuracy = classifier.score(split.X_val, split.y_val)
        if self.validation_accuracy >= TARGET_ACCURACY:
            # The test points, once: only for the classifier the student settled on.
            self.test_accuracy = classifier.score(split.X_test, split.y_test)
            return None
        _, linear = best_linear_accuracy(split)
        seen = (f"training accuracy {train_accuracy:.0%}, validation accuracy "
                f"{self.validation_accuracy:.0%} (target {TARGET_ACCURACY:.0%})")
        if train_accuracy - self.validation_accuracy >= 0.08:
            return (f"{seen}: it fits the 30 training points far better than new ones, so it "
                    "memorises their noise. Make it simpler: a little L2 (alpha), or fewer "
                    "neurons.")
        if self.validation_accuracy <= linear + 0.02:
            return (f"{seen}: no better than a straight line (logistic regression reaches "
                    f"{linear:.0%}). Its boundary barely bends: regularise less (a smaller "
                    "alpha), or train it longer (more epochs; an lr between 0.1 and 1).")
        return (f"{seen}: it bends, but not enough yet: a little more training (epochs), or "
                "a little less alpha.")


exercise_3 = GeneralisationExercise(
    name="Exercise 3 (a small network that generalises)",
    hint_text=f"""
The overfitting network had 151 parameters for 30 training points.  Two hidden layers of
4 tanh neurons have 37; L2 (alpha) keeps their weights small and the boundary smooth.
Start from Classifier(hidden_layer_sizes=(4, 4), activation="tanh", lr=0.3,
batch_size=10, num_epochs=150, alpha=...) and try alpha = 0, 0.001, 0.003: the check
reports each one's validation accuracy.  At most {MAX_PARAMETERS} parameters:
(inputs + 1) * neurons per layer.
""",
    solution_code="""
my_classifier = Classifier(hidden_layer_sizes=(4, 4), activation="tanh", lr=0.3,
                           batch_size=10, num_epochs=150, alpha=0.001)   # 37 parameters
""",
)


# --- Exercise 4: why one neuron fails on the moons ----------------------------------------------

exercise_4 = Choice(
    name="Exercise 4 (why one neuron fails on the moons)",
    options={
        "A": "It has too few parameters to remember 300 training points.",
        "B": "Its decision boundary is a straight line, and no straight line separates the "
             "two moons.",
        "C": "Its sigmoid saturates, so gradient descent stops before it finds the curve.",
        "D": "It needs more epochs: trained long enough, it would reach 100%.",
    },
    answer="B",
    why_not={
        "A": "remembering points is not the goal, and more parameters are not needed for "
             "every problem: what matters is which shapes of boundary the model can draw.",
        "C": "with log loss the gradient does not fade while the neuron is wrong (03): "
             "gradient descent reaches the best this model can do.",
        "D": "logistic regression converges: more epochs leave it where it is. Look at the "
             "shape of its boundary in the comparison.",
    },
    hint_text="""
Look at LogisticRegression's decision boundary in the comparison: one neuron computes
sigmoid(w1 x1 + w2 x2 + b).  Where is its output exactly 0.5, and what shape is that set?
""",
    solution_code="""
answer_4 = "B"   # the boundary w1 x1 + w2 x2 + b = 0 is a straight line; the moons interlock
""",
)
