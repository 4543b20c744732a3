"""nblib: the code the course notebooks build, collected so later notebooks can import it.

Each function's docstring names the notebook that teaches it.  Modules hold one
concept each:

- :mod:`nblib.activations`  sigmoid, tanh, relu and their derivatives (01, 02)
- :mod:`nblib.losses`       mean squared error and binary log loss (02, 03)
- :mod:`nblib.datasets`     the bakery buns and the toy table (01, 03)
- :mod:`nblib.neuron`       a logistic neuron and its gradient-descent training (01, 02, 03)
- :mod:`nblib.gradcheck`    numerical derivatives and gradient checks (02)
- :mod:`nblib.plots`        the course's figures
- :mod:`nblib.widgets`      the interactive explorers
- :mod:`nblib.checks`       instant feedback for exercises
- :mod:`nblib.doctor`       ``python -m nblib.doctor``: is this machine ready?
"""

__version__ = "0.1.0"
