"""Exercises of notebooks/02_gradients.ipynb: derivatives, the chain rule, gradient descent.

Expected answers are computed with nblib (the central difference, the neuron's
training step, gradient descent), not typed in.
"""

import numpy as np

from nblib.checks import Exercise
from nblib.descent import gradient_descent_1d
from nblib.gradcheck import numerical_derivative
from nblib.neuron import train_neuron
from nblib.widgets import parabola_derivative

# --- Exercise 1: a derivative by hand -----------------------------------------

def _k(x):
    return x**3 - 2 * x + 1


_K_POINTS = (-2.0, 0.0, 0.5, 3.0)

exercise_1 = Exercise(
    name="Exercise 1 (a derivative by hand)",
    cases=[((x,), numerical_derivative(_k, x)) for x in _K_POINTS],
    arg_names=("x",),
    hint_text="""
Differentiate term by term with the power rule d/dx x^n = n x^(n-1):
x³ gives 3x², -2x gives -2, and the constant 1 has slope 0.
""",
    solution_code="""
def k_prime(x):
    return 3 * x**2 - 2
""",
)


# --- Exercise 2: the gradient of the loss for one bun ---------------------------

def _bun_gradient(x, y, w, b):
    """dL/dw of (sigmoid(w · x + b) - y)**2, from one step of nblib's training loop."""
    w = np.asarray(w, dtype=np.float64)
    step = train_neuron(np.asarray(x, dtype=np.float64)[None, :], [y], loss="mse", lr=1.0,
                        num_epochs=1, w=w, b=b)
    return w - step.w          # with lr = 1, one step moves w by exactly -dL/dw


_BUN_CASES = (
    (np.array([6.05, 2.96]), 1, np.array([-1.0, -1.0]), 9.0),    # notebook's worked example
    (np.array([6.75, 3.73]), 0, np.array([-1.0, -1.0]), 12.0),   # a reject, called accept
    (np.array([4.0, 4.5]), 1, np.array([0.5, -0.2]), -1.0),
)

exercise_2 = Exercise(
    name="Exercise 2 (the gradient for one bun)",
    cases=[(case, _bun_gradient(*case)) for case in _BUN_CASES],
    arg_names=("x", "y", "w", "b"),
    hint_text="""
Forward first: z = x @ w + b, y_hat = 1 / (1 + np.exp(-z)).
Then multiply the three local slopes of the chain:
dL/dy_hat = 2 * (y_hat - y),  dy_hat/dz = y_hat * (1 - y_hat),  dz/dw = x.
""",
    solution_code="""
def bun_gradient(x, y, w, b):
    z = x @ w + b
    y_hat = 1 / (1 + np.exp(-z))
    return 2 * (y_hat - y) * y_hat * (1 - y_hat) * x
""",
)


# --- Exercise 3: one step of gradient descent ----------------------------------

exercise_3 = Exercise(
    name="Exercise 3 (one step of gradient descent)",
    expected=float(gradient_descent_1d(parabola_derivative, 2.0, 0.1, 1)[1]),
    hint_text="""
The slope at x = 2 is f'(2) = 6 * 2 - 4 = 8.  The step goes *against* the slope:
x_new = x - lr * f'(x).
""",
    solution_code="""
x_new = 2 - 0.1 * (6 * 2 - 4)    # = 1.2
""",
)


# --- Exercise 4: the learning-rate limit ----------------------------------------

def _p_prime(x):
    return 10 * x + 3        # p(x) = 5x² + 3x + 1


exercise_4 = Exercise(
    name="Exercise 4 (the learning-rate limit)",
    expected=2 / numerical_derivative(_p_prime, 0.0),    # 2 / p''
    hint_text="""
On the parabola f(x) = 3x² - 4x + 5 each step multiplied the distance to the minimum
by (1 - lr * f''), with f'' = 6, so descent converged for lr < 2 / 6.
Here p'(x) = 10x + 3: what is p''?
""",
    solution_code="""
alpha_max = 2 / 10    # p'' = 10; each step multiplies the distance by (1 - 10 * alpha)
""",
)
