"""nblib: the code the course notebooks build, collected so later notebooks can import it.

Each function's docstring names the notebook that teaches it.  Modules hold one
concept each:

- :mod:`nblib.activations`  sigmoid, tanh, relu and their derivatives (01, 02)
- :mod:`nblib.datasets`     the bakery buns and the toy table (01, 03)
- :mod:`nblib.neuron`       a logistic neuron and its gradient-descent training (01, 02, 03)
- :mod:`nblib.metrics`      accuracy (01)
- :mod:`nblib.losses`       mean squared error and binary log loss (02, 03, 04, 05)
- :mod:`nblib.gradcheck`    numerical derivatives and gradient checks (02)
- :mod:`nblib.descent`      gradient descent on a function of one variable (02)
- :mod:`nblib.engine`       the scalar autograd ``Value`` (04)
- :mod:`nblib.graph`        drawing a ``Value``'s expression graph with Graphviz (04)
- :mod:`nblib.nn`           neurons, layers and multilayer perceptrons on ``Value`` (05)
- :mod:`nblib.classifier`   a scikit-learn-style classifier training an MLP (05)
- :mod:`nblib.layers`       batch layers with hand-written backward passes, softmax cross-entropy, SGD (06)
- :mod:`nblib.diagnostics`  seeing inside training: activations, gradients, dead ReLUs, update sizes (06)
- :mod:`nblib.initialisation`  four ways to start the weights; why He suits ReLU (06)
- :mod:`nblib.planted_bugs`  the debug exercise: a training run with a planted bug (06)
- :mod:`nblib.mnist`        MNIST: download or find, check, read; ``load_mnist`` (06)
- :mod:`nblib.plots`        the course's figures
- :mod:`nblib.widgets`      the interactive explorers
- :mod:`nblib.checks`       instant feedback for exercises; :mod:`nblib.exercises` holds them
- :mod:`nblib.doctor`       ``python -m nblib.doctor``: is this machine ready?
- :mod:`nblib.paths`, :mod:`nblib.validation`  where data lives; input checks
"""

__version__ = "0.1.0"
