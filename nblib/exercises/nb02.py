"""Exercises of notebooks/02_gradients.ipynb: derivatives, the chain rule, gradient descent.

Expected answers are computed exactly (the derivative's formula, nblib's training
step), not with the central difference: exercise 1 asks for the exact derivative,
and a central-difference estimate must not pass it.  Each exercise lists typical
mistakes, so the check can say which one a wrong answer looks like.
"""

import numpy as np

from nblib.checks import Exercise, Mistake
from nblib.descent import gradient_descent_1d
from nblib.gradcheck import numerical_derivative
from nblib.neuron import train_neuron
from nblib.widgets import parabola, parabola_derivative

# --- Exercise 1: a derivative by hand -----------------------------------------

def _k(x):
    return x**3 - 2 * x + 1


def _k_prime(x):
    """The exact derivative, by the power rule."""
    return 3 * x**2 - 2


#: At x = 1e4 the central difference (h = 1e-5) is off by about 3e-8 relative
#: (rounding in k(x ± h) ~ 1e12, divided by 2h); the exact formula is exact there.
#: So a tolerance of 1e-9 passes 3x² - 2 and fails numerical_derivative(k, x).
_K_POINTS = (-2.0, 0.0, 0.5, 3.0, 1e4)

exercise_1 = Exercise(
    name="Exercise 1 (a derivative by hand)",
    cases=[((x,), _k_prime(x)) for x in _K_POINTS],
    arg_names=("x",),
    tol=1e-9,
    sign_step="differentiating term by term keeps each term's sign (the power rule multiplies "
              "by the exponent, which is positive here): compare your signs with k's.",
    hint_text="""
Differentiate term by term with the power rule d/dx x^n = n x^(n-1):
x³ gives 3x², -2x gives -2, and the constant 1 has slope 0.
""",
    solution_code="""
def k_prime(x):
    return 3 * x**2 - 2
""",
    mistakes=[
        # Its own tolerance: a student's k may round differently from _k at x = 1e4.
        Mistake(function=lambda x: numerical_derivative(_k, x), tol=1e-6,
                message="that matches the central difference, not the exact derivative: "
                        "numerical_derivative only estimates the slope. Derive k'(x) "
                        "with the power rule and return the formula."),
        Mistake(function=lambda x: 3 * x**2,
                message="the -2x term is missing: it has a slope too (d/dx of -2x)."),
        Mistake(function=lambda x: 3 * x**2 - 2 * x,
                message="-2x was copied unchanged: differentiate it too, "
                        "d/dx of a·x is the constant a."),
        Mistake(function=lambda x: 3 * x**2 - 1,
                message="the constant 1 was kept (or subtracted): a constant does not change "
                        "with x, so its slope is 0."),
        Mistake(function=lambda x: 3 * x**2 - 2 * x + 1,
                message="only x³ was differentiated: -2x and 1 need the power rule too."),
    ],
)


# --- Exercise 2: the gradient of the loss for one bun ---------------------------

def _bun_gradient(x, y, w, b):
    """dL/dw of (sigmoid(w · x + b) - y)**2, from one step of nblib's training loop."""
    w = np.asarray(w, dtype=np.float64)
    step = train_neuron(np.asarray(x, dtype=np.float64)[None, :], [y], loss="mse", lr=1.0,
                        num_epochs=1, w=w, b=b)
    return w - step.w          # with lr = 1, one step moves w by exactly -dL/dw


def _y_hat(x, w, b):
    return 1 / (1 + np.exp(-(x @ w + b)))


def _error_slope(x, y, w, b):
    """The first two factors of the chain, 2(ŷ - y) · ŷ(1 - ŷ): dL/dz, which is also dL/db."""
    y_hat = _y_hat(x, w, b)
    return 2 * (y_hat - y) * y_hat * (1 - y_hat)


_BUN_CASES = (
    (np.array([6.05, 2.96]), 1, np.array([-1.0, -1.0]), 9.0),    # notebook's worked example
    (np.array([6.75, 3.73]), 0, np.array([-1.0, -1.0]), 12.0),   # a reject, called accept
    (np.array([4.0, 4.5]), 1, np.array([0.5, -0.2]), -1.0),
)

exercise_2 = Exercise(
    name="Exercise 2 (the gradient for one bun)",
    cases=[(case, _bun_gradient(*case)) for case in _BUN_CASES],
    arg_names=("x", "y", "w", "b"),
    sign_step="the sign comes from dL/dy_hat = 2 (y_hat - y), prediction minus label in that "
              "order; the sigmoid's slope y_hat (1 - y_hat) is never negative.",
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
    mistakes=[
        Mistake(function=lambda x, y, w, b: _error_slope(x, y, w, b) / 2 * x,
                message="the factor 2 is missing: the derivative of (y_hat - y)² "
                        "is 2 (y_hat - y)."),
        Mistake(function=lambda x, y, w, b: 2 * (_y_hat(x, w, b) - y) * x,
                message="the sigmoid's slope is missing: the chain goes through the sigmoid, "
                        "so multiply by dy_hat/dz = y_hat * (1 - y_hat)."),
        Mistake(function=lambda x, y, w, b: -_error_slope(x, y, w, b) * x,
                message="the sign is flipped: the derivative of (y_hat - y)² with respect to "
                        "y_hat is 2 (y_hat - y), not 2 (y - y_hat)."),
        Mistake(function=_error_slope,
                message="that is one number, dL/dz (which is also dL/db); dL/dw has one entry "
                        "per weight: multiply by dz/dw = x."),
    ],
)


# --- Exercise 3: one step of gradient descent ----------------------------------

_X0, _LR = 2.0, 0.1          # the start and the learning rate of the exercise

exercise_3 = Exercise(
    name="Exercise 3 (one step of gradient descent)",
    expected=float(gradient_descent_1d(parabola_derivative, _X0, _LR, 1)[1]),
    sign_step="the step starts at x = 2 and goes against the slope: look at which way "
              "f'(2) points, and how far a step of lr * f'(2) takes x from 2.",
    hint_text="""
The slope at x = 2 is f'(2) = 6 * 2 - 4 = 8.  The step goes *against* the slope:
x_new = x - lr * f'(x).
""",
    solution_code="""
x_new = 2 - 0.1 * (6 * 2 - 4)    # = 1.2
""",
    mistakes=[
        Mistake(value=_X0 + _LR * parabola_derivative(_X0),
                message="your answer stepped uphill, x + lr * f'(x): the slope points uphill, "
                        "so gradient descent steps against it (minus)."),
        Mistake(value=_LR * parabola_derivative(_X0),
                message="your answer is the step, lr * f'(x), not the new x: that is the "
                        "`=` vs `-=` slip (x = lr * f'(x)). Start from x: x = x - lr * f'(x), "
                        "or x -= lr * f'(x)."),
        Mistake(value=-_LR * parabola_derivative(_X0),
                message="your answer is the step, -lr * f'(x), not the new x: add it to x "
                        "(x = x - lr * f'(x), or x -= lr * f'(x))."),
        Mistake(value=_X0 - _LR * parabola(_X0),
                message="your answer used f(x), the height, where the step needs f'(x), "
                        "the slope."),
        Mistake(value=parabola_derivative(_X0),
                message="your answer is the slope f'(x) itself; the exercise asks where x "
                        "lands after one step."),
    ],
)


# --- Exercise 4: the learning-rate limit ----------------------------------------

_P_CURVATURE = 10.0          # p(x) = 5x² + 3x + 1: p'(x) = 10x + 3, p''(x) = 10
_F_CURVATURE = 6.0           # the notebook's parabola f(x) = 3x² - 4x + 5
_P_SLOPE_AT_0 = 3.0          # p'(0)

exercise_4 = Exercise(
    name="Exercise 4 (the learning-rate limit)",
    expected=2 / _P_CURVATURE,
    sign_step="a learning rate is a positive number: the limit is the positive lr at which "
              "each step's factor (1 - lr·p'') reaches -1.",
    hint_text="""
On the parabola f(x) = 3x² - 4x + 5 each step multiplied the distance to the minimum
by (1 - lr * f''), with f'' = 6, so descent converged for lr < 2 / 6.
Here p'(x) = 10x + 3: what is p''?
""",
    solution_code="""
alpha_max = 2 / 10    # p'' = 10; each step multiplies the distance by (1 - 10 * alpha)
""",
    mistakes=[
        Mistake(value=1 / _P_CURVATURE,
                message="your answer is 1 / p'': the rate that lands on the minimum in one "
                        "step (the factor 1 - lr·p'' is 0). Above it descent overshoots but "
                        "still converges while the factor stays above -1: the limit is the "
                        "lr where it reaches -1."),
        Mistake(value=2 / _F_CURVATURE,
                message="your answer is the limit for the notebook's parabola f (f'' = 6), "
                        "not for p: compute p'' from p'(x) = 10x + 3."),
        Mistake(value=2 / _P_SLOPE_AT_0,
                message="your answer divides by p'(0), a slope; the limit depends on the "
                        "curvature p'', the derivative of p'."),
        Mistake(value=_P_CURVATURE,
                message="your answer is p'' itself, the curvature; the limit is a learning "
                        "rate: the lr at which each step's factor (1 - lr·p'') reaches -1."),
    ],
)
