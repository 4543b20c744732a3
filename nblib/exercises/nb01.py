"""Exercises of notebooks/01_neuron.ipynb: one neuron's forward pass and its decision boundary.

    from nblib.exercises import nb01
    nb01.exercise_1.check(neuron_output)

Expected values come from nblib's own neuron (:func:`nblib.neuron.neuron_forward`).
Each exercise lists typical mistakes, written as the mistaken code, so the check
can say which one a wrong answer looks like.
"""

import numpy as np

from nblib.activations import sigmoid
from nblib.checks import Exercise, Mistake
from nblib.neuron import neuron_forward


def _y_hat(x, w, b) -> float:
    """nblib's prediction for one sample ``x``."""
    return float(neuron_forward(np.atleast_2d(x), w, b)[0])


def _bias_through(point, w) -> float:
    """The b with w @ point + b = 0."""
    return -float(np.dot(w, point))


_BUN = np.array([6.05, 2.96])       # the first bun of the notebook
_W = np.array([-2.0, -3.0])
_CORNER = np.array([5.5, 3.5])       # corner of the rejects

#: (x, w, b) for exercises 1 and 2.  The first is the notebook's worked example;
#: the third lies exactly on the decision boundary (z = 0, y_hat = 0.5).
_SAMPLES = [
    (_BUN, _W, 22.0),
    (np.array([7.0, 4.5]), _W, 22.0),
    (_CORNER, np.array([-1.0, -1.0]), 9.0),
    (np.array([0.0, 1.0, 1.0]), np.array([0.5, -1.0, 2.0]), -0.5),
    (np.array([1.0, 0.0, 0.0]), np.array([-1.5, 0.3, 0.7]), 0.25),
]

def _z(x, w, b) -> float:
    return float(np.dot(w, x) + b)


exercise_1 = Exercise(
    name="Exercise 1 (one sample's forward pass)",
    cases=[((x, w, b), _y_hat(x, w, b)) for x, w, b in _SAMPLES],
    arg_names=("x", "w", "b"),
    sign_step="the sigmoid squashes every z into (0, 1), so the neuron's output is never "
              "negative.",
    hint_text="""
First the weighted sum, one number:  z = w @ x + b   (the same as np.dot(w, x) + b).
Then squash it:  activations.sigmoid(z).
Check by hand: for x = (6.05, 2.96), w = (-2, -3), b = 22 you get z = 1.02, y_hat = 0.7350.
""",
    solution_code="""
def neuron_output(x, w, b):
    z = w @ x + b                  # weighted sum plus bias: one number
    return activations.sigmoid(z)  # squashed into (0, 1)
""",
    mistakes=[
        Mistake(function=_z,
                message="that is z = w @ x + b, the weighted sum before the sigmoid: "
                        "squash it into (0, 1) with activations.sigmoid(z)."),
        Mistake(function=lambda x, w, b: sigmoid(np.dot(w, x)),
                message="the bias is missing: add b to the weighted sum before the sigmoid."),
        Mistake(function=lambda x, w, b: sigmoid(np.dot(w, x)) + b,
                message="b was added after the sigmoid: it belongs inside, "
                        "z = w @ x + b, and then sigmoid(z)."),
        Mistake(function=lambda x, w, b: 1 - sigmoid(_z(x, w, b)),
                message="that is 1 - sigmoid(z), the probability of the other class (reject): "
                        "the neuron's output is sigmoid(z) itself."),
        Mistake(function=lambda x, w, b: sigmoid(w * x + b),
                message="one number per feature: w * x multiplies entry by entry; the weighted "
                        "sum adds those products up into one number, w @ x."),
    ],
)

exercise_2 = Exercise(
    name="Exercise 2 (accept or reject?)",
    cases=[((x, w, b), int(_y_hat(x, w, b) >= 0.5)) for x, w, b in _SAMPLES],
    arg_names=("x", "w", "b"),
    sign_step="the class is 1 (accept) or 0 (reject), never negative.",
    hint_text="""
The neuron accepts when y_hat >= 0.5, which is the same as z = w @ x + b >= 0.
Return 1 or 0 (an int), not the probability. Mind the >=: a sample on the boundary
has z = 0 and y_hat = 0.5 exactly, and counts as accepted.
""",
    solution_code="""
def predict_class(x, w, b):
    z = w @ x + b
    return 1 if z >= 0 else 0      # y_hat >= 0.5 exactly when z >= 0
""",
    mistakes=[
        Mistake(function=_y_hat,
                message="that is the probability y_hat; the check wants the class it decides, "
                        "an int: 1 (accept) or 0 (reject)."),
        # before "swapped": on the boundary case alone the two give the same answer
        Mistake(function=lambda x, w, b: int(_y_hat(x, w, b) > 0.5),
                message="this sample lies exactly on the boundary (y_hat = 0.5), and a sample "
                        "there counts as accepted: use >= 0.5, not > 0.5."),
        Mistake(function=lambda x, w, b: int(_y_hat(x, w, b) < 0.5),
                message="the classes are swapped: y_hat is the probability of class 1 (accept), "
                        "so a high y_hat means 1."),
    ],
)

_POINTS = [
    (_CORNER, np.array([-1.0, -1.0])),
    (np.array([6.0, 4.0]), _W),
    (np.array([4.0, 5.0]), np.array([1.0, -0.5])),
    (np.array([1.0, 0.0, 1.0]), np.array([0.5, 2.0, -1.0])),
]

exercise_3 = Exercise(
    name="Exercise 3 (put the boundary through a point)",
    cases=[((point, w), _bias_through(point, w)) for point, w in _POINTS],
    arg_names=("point", "w"),
    sign_step="the sign comes from solving w @ point + b = 0 for b: watch what happens to "
              "w @ point's sign when it moves to the other side of the equation.",
    hint_text="""
The decision boundary is where z = w @ x + b = 0.
The point lies on it when w @ point + b = 0: solve that for b.
""",
    solution_code="""
def bias_through(point, w):
    return -(w @ point)            # then w @ point + b = 0
""",
    mistakes=[
        Mistake(function=lambda point, w: float(np.dot(w, point)),
                message="the sign is flipped: solve w @ point + b = 0 for b, "
                        "and mind the minus when w @ point moves to the other side."),
        Mistake(function=lambda point, w: -(w * point),
                message="one number per feature: w * point multiplies entry by entry; "
                        "b is one number, built from their sum, the dot product w @ point."),
    ],
)
