"""Exercises of notebooks/05_mlp.ipynb: parameter counts, a layer's forward pass, a classifier
that generalises, and why one neuron fails on the moons.

Expected answers come from nblib (nblib.nn's Layer and MLP, the Classifier),
so they follow the library the notebook teaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nblib.checks import Choice, Exercise, Feedback, Mistake, NotDone
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


# --- Exercise 2: a layer's forward pass ---------------------------------------------------------

def _layer_outputs(nin, nout, x):
    """nblib's answer: the outputs of Layer(nin, nout) on x, as numbers (one number for one neuron)."""
    out = Layer(nin, nout, rng=np.random.default_rng(0))(x)
    return [v.data for v in out] if isinstance(out, list) else out.data


def _neuron_outputs(nin, nout, x):
    layer = Layer(nin, nout, rng=np.random.default_rng(0))
    return [neuron(x).data for neuron in layer.neurons]


_LAYER_CASES = [(2, 3, [1.0, -2.0]), (3, 1, [0.5, 0.5, -1.0]), (4, 2, [1.0, 0.0, -0.5, 2.0]),
                (2, 4, [-1.5, 0.25])]

exercise_2 = Exercise(
    name="Exercise 2 (a layer's __call__)",
    cases=[(args, _layer_outputs(*args)) for args in _LAYER_CASES],
    arg_names=("nin", "nout", "x"),
    tol=1e-12,
    mistakes=[
        Mistake(when=lambda got, expected: np.shape(got) == (1,) and np.shape(expected) == (),
                message="a layer of one neuron must return that neuron's Value itself, not a "
                        "list of one: then an MLP whose last layer has one neuron gives a "
                        "single Value, as micrograd's does."),
        Mistake(function=lambda nin, nout, x: _neuron_outputs(nin, nout, x)[0],
                message="that is the first neuron's output only: a layer returns one output "
                        "per neuron, every neuron reading the same x."),
        Mistake(function=lambda nin, nout, x: sum(_neuron_outputs(nin, nout, x)),
                message="that is the sum of the neurons' outputs: a layer keeps them apart, "
                        "one output per neuron (the next layer does the adding)."),
        Mistake(error=r"object is not iterable|has no len|input\(s\) per sample, got 1",
                message="each neuron reads the whole sample x, not one entry of it: call "
                        "neuron(x) for every neuron."),
        Mistake(error=r"Value.*not callable|object is not callable",
                message="call each neuron on x, neuron(x), rather than something the neuron "
                        "returned."),
    ],
    hint_text="""
A layer is a list of neurons, self.neurons, that all read the same x.  Call each one on x
and collect the outputs in a list.  Then: if the list has one element, return that element
itself, else the list.
""",
    solution_code="""
class MyLayer(Layer):
    def __call__(self, x):
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out
""",
)


# --- Exercise 3: a network that generalises -----------------------------------------------------

#: The noisy moons of the notebook's overfitting section: 30 points to train on, 370 to test.
NOISY_MOONS = {"n_samples": 400, "noise": 0.4, "random_state": 2}
TRAIN_SIZE = 30
TARGET_ACCURACY = 0.82
MAX_PARAMETERS = 100


def noisy_moons_split():
    """(X_train, X_test, y_train, y_test) of the notebook's overfitting section."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(**NOISY_MOONS)
    return train_test_split(X, y, train_size=TRAIN_SIZE, random_state=0)


def _parameter_count(n_features: int, hidden_layer_sizes) -> int:
    sizes = [n_features, *hidden_layer_sizes, 1]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


@dataclass
class GeneralisationExercise(Feedback):
    """Check a Classifier by training it on the 30 noisy points and testing it on the other 370."""

    name: str
    hint_text: str
    solution_code: str
    passed: bool = field(default=False, init=False)

    def check(self, classifier) -> None:
        """Train ``classifier`` (an unfitted nblib Classifier) and print the verdict."""
        problem = self._problem(classifier)
        self._report(problem, "" if problem else f": test accuracy {self.test_accuracy:.1%} "
                                                 f"with {self.num_parameters} parameters")

    def _problem(self, classifier) -> str | None:
        from nblib.classifier import Classifier

        if classifier is Ellipsis:
            return NotDone("your answer is still `...`: set it to a Classifier(...)")
        if isinstance(classifier, type):
            return "that is the class itself: create one, Classifier(hidden_layer_sizes=..., ...)"
        if not isinstance(classifier, Classifier):
            return (f"your answer is a {type(classifier).__name__}, expected nblib's "
                    "Classifier(...)")
        try:
            hidden = classifier._check_hyperparameters()
        except ValueError as error:
            return f"the Classifier's settings are invalid: {error}"
        self.num_parameters = _parameter_count(2, hidden)
        if self.num_parameters > MAX_PARAMETERS:
            return (f"this network has {self.num_parameters} parameters; the exercise allows "
                    f"{MAX_PARAMETERS}: fewer or smaller hidden layers")
        X_train, X_test, y_train, y_test = noisy_moons_split()
        classifier.set_params(progress=False)
        try:
            classifier.fit(X_train, y_train)
        except FloatingPointError as error:
            return f"training diverged: {error}"
        train_accuracy = classifier.score(X_train, y_train)
        self.test_accuracy = classifier.score(X_test, y_test)
        if self.test_accuracy >= TARGET_ACCURACY:
            return None
        seen = (f"train accuracy {train_accuracy:.0%}, test accuracy {self.test_accuracy:.0%} "
                f"(target {TARGET_ACCURACY:.0%})")
        if train_accuracy >= 0.9:
            return (f"{seen}: it memorises the 30 training points and their noise. Make it "
                    "simpler: a larger alpha, fewer neurons, or fewer epochs.")
        if train_accuracy < 0.7:
            return (f"{seen}: it does not even fit the training points. Train it more (more "
                    "epochs or a larger lr) or regularise less (a smaller alpha).")
        return (f"{seen}: close. Try alpha between 0.003 and 0.03, and the tanh activation "
                "(smooth boundaries suit noisy data).")



exercise_3 = GeneralisationExercise(
    name="Exercise 3 (a small network that generalises)",
    hint_text=f"""
The overfitting network had 697 parameters for 30 training points.  One hidden layer of
a few tanh neurons has far fewer; L2 (alpha) keeps its weights small and its boundary
smooth.  Start from Classifier(hidden_layer_sizes=(8,), activation="tanh", lr=1.0,
batch_size=10, num_epochs=100, alpha=...) and vary alpha: 0, 0.001, 0.01, 0.03.
At most {MAX_PARAMETERS} parameters; (n_inputs + 1) * neurons per layer.
""",
    solution_code="""
my_classifier = Classifier(hidden_layer_sizes=(8,), activation="tanh", lr=1.0,
                           batch_size=10, num_epochs=100, alpha=0.01)   # 33 parameters
""",
)


# --- Exercise 4: why one neuron fails on the moons ----------------------------------------------

exercise_4 = Choice(
    name="Exercise 4 (why one neuron fails on the moons)",
    options={
        "A": "It has too few parameters to remember 400 training points.",
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
