"""A scikit-learn-style binary classifier trained by mini-batch gradient descent on Values.

Taught in notebooks/05_mlp.ipynb.  :class:`Classifier` wraps an
:class:`nblib.nn.MLP` in scikit-learn's estimator API (``fit``, ``predict``,
``predict_proba``, ``decision_function``, ``score``, ``get_params``), so the
notebook can put the network we built next to scikit-learn's
``LogisticRegression`` and ``MLPClassifier`` and measure all three the same way.

Training runs on the scalar autograd engine, one sample at a time: that is
the point of the notebook.  Prediction needs no gradient, so it runs the same
network as one matrix product per layer on the weights' values
(:meth:`nblib.nn.MLP.predict_batch`), which the notebook's last section
explains and times.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from nblib.activations import sigmoid
from nblib.engine import collector_paused, weighted_sum
from nblib.losses import binary_cross_entropy_from_logit, binary_log_loss_from_logits, mse
from nblib.nn import ACTIVATIONS, MLP

#: loss name -> the loss of one sample from its score z (a Value) and its label y (0 or 1).
LOSSES = {
    "log": binary_cross_entropy_from_logit,             # 03's log loss, from the logit
    "mse": lambda z, y: (z.sigmoid() - y) ** 2,          # 02's squared error on the probability
}


class Classifier(ClassifierMixin, BaseEstimator):
    """A multilayer perceptron for two classes, trained by mini-batch gradient descent.

    The network is ``MLP(n_features, [*hidden_layer_sizes, 1])`` from
    :mod:`nblib.nn`: hidden layers with ``activation`` and one linear output
    neuron whose score z is the logit, so P(class 1) = sigmoid(z).  Each epoch
    shuffles the samples, and for each batch of ``batch_size`` samples takes
    one step ``p.data -= lr * p.grad`` on the batch's mean loss plus the L2
    penalty ``alpha * Σ p²`` over every weight and bias (as micrograd's demo).

    **Labels are 0 and 1.**  This classifier is binary only and does not
    rename classes: ``y`` must hold 0 and 1 (ints, floats or bools), and
    ``predict`` returns 0 and 1.  Convert other labels first, for example
    ``y = (y == "yes").astype(int)``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Neurons per hidden layer; ``(16, 16)`` is two hidden layers of 16,
        ``()`` none (a logistic neuron).  A single int means one layer.
    activation : {"relu", "tanh", "sigmoid", "linear"}
        The hidden layers' activation.
    loss : {"log", "mse"}
        "log": the log loss from the logit (notebook 03); "mse": the squared
        error of the probability sigmoid(z) (notebook 02).
    num_epochs : int
        Passes over the training data.
    batch_size : int
        Samples per gradient step (the last batch of an epoch may be smaller).
    lr : float
        Learning rate.
    alpha : float
        Strength of the L2 penalty alpha * Σ p²; 0, the default, switches it off
        (plain gradient descent, until notebook 05 introduces L2).
    seed : int or None
        Seeds the initial weights and the shuffling, so that two fits with the
        same data give the same network.  None: different every time.
    progress : bool
        Show a progress bar over the epochs (``tqdm.auto``: a widget in
        JupyterLab, text in a terminal).

    Attributes
    ----------
    model_ : nblib.nn.MLP
        The trained network.
    history_ : dict of str -> list of float, one entry per epoch (except "batch_loss")
        "batch_loss": every batch's mean loss, in the order trained (the noisy
        curve of mini-batch training; ``ceil(n / batch_size)`` per epoch);
        "loss": the mean over the epoch's batches of each batch's mean loss
        (without the L2 penalty, so that it compares with "validation_loss");
        "train_accuracy": the fraction of training samples classified right
        as the epoch went through them (like the loss, measured on the way,
        so it costs no extra pass).  With ``validation_data``, also
        "validation_loss" and "validation_accuracy", measured after the epoch.
    classes_ : ndarray of shape (2,)
        ``array([0, 1])``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    n_iter_ : int
        Number of epochs run.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = Classifier(hidden_layer_sizes=(8,), num_epochs=50, progress=False).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    """

    def __init__(self, hidden_layer_sizes=(16, 16), activation="relu", loss="log",
                 num_epochs=100, batch_size=32, lr=0.1, alpha=0.0, seed=0, progress=True):
        # scikit-learn's convention: store the arguments unchanged; fit checks them.
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.alpha = alpha
        self.seed = seed
        self.progress = progress

    # --- training -------------------------------------------------------------------------

    def fit(self, X, y, validation_data=None):
        """Train a new network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Finite numbers.
        y : array-like of shape (n_samples,)
            Labels 0 and 1.
        validation_data : tuple (X_val, y_val), optional
            Measured after every epoch into ``history_`` ("validation_loss",
            "validation_accuracy"); never trained on.

        Returns
        -------
        self
        """
        hidden_layer_sizes = self._check_hyperparameters()
        X, y = validate_data(self, X, y, dtype=np.float64)
        y = _binary_labels(y, type(self).__name__)
        if validation_data is not None:
            X_val, y_val = self._check_validation_data(validation_data)

        self.classes_ = np.array([0, 1])
        self.model_ = MLP(self.n_features_in_, [*hidden_layer_sizes, 1], self.activation,
                          output_activation="linear", seed=self.seed)
        parameters = self.model_.parameters()
        rng = np.random.default_rng(self.seed)
        n_samples = len(X)
        history = {"loss": [], "train_accuracy": [], "batch_loss": []}
        if validation_data is not None:
            history.update(validation_loss=[], validation_accuracy=[])

        with tqdm(range(self.num_epochs), desc="training", unit="epoch",
                  disable=not self.progress) as epochs:
            for epoch in epochs:
                order = rng.permutation(n_samples)
                batch_losses, n_correct = [], 0
                for start in range(0, n_samples, self.batch_size):
                    batch = order[start:start + self.batch_size]
                    # The graph holds no reference cycles: the cyclic garbage collector
                    # would only slow the step down (see nblib.engine).
                    with collector_paused():
                        batch_loss, scores = self._step(X[batch], y[batch], parameters, epoch)
                    batch_losses.append(batch_loss)
                    n_correct += int(np.sum((scores > 0) == (y[batch] == 1)))
                history["batch_loss"].extend(batch_losses)
                history["loss"].append(float(np.mean(batch_losses)))
                history["train_accuracy"].append(n_correct / n_samples)
                if validation_data is not None:
                    scores = self._scores(X_val)
                    history["validation_loss"].append(self._loss_of_scores(scores, y_val))
                    history["validation_accuracy"].append(_accuracy(scores, y_val))
                epochs.set_postfix(loss=f"{history['loss'][-1]:.4f}")

        self.history_ = history
        self.n_iter_ = self.num_epochs
        return self

    def _step(self, X_batch, y_batch, parameters, epoch):
        """One gradient-descent step on one batch: its mean loss, and each sample's score."""
        per_sample = LOSSES[self.loss]
        scores = [self.model_(x) for x in X_batch]
        data_loss = sum(per_sample(z, float(t)) for z, t in zip(scores, y_batch)) / len(scores)
        total = data_loss
        if self.alpha > 0:
            # Σ p² as one weighted_sum node (each parameter is both weight and input)
            # instead of two nodes per parameter; its gradient is still 2p.
            total = data_loss + self.alpha * weighted_sum(parameters, parameters, 0.0)
        if not math.isfinite(total.data):
            raise FloatingPointError(f"training diverged in epoch {epoch + 1}: the loss is "
                                     f"{total.data}; try a smaller lr (now {self.lr})")
        self.model_.zero_grad()
        total.backward()
        for p in parameters:
            p.data -= self.lr * p.grad
        return data_loss.data, np.array([z.data for z in scores])

    # --- prediction -----------------------------------------------------------------------

    def decision_function(self, X):
        """The output neuron's score z (the logit) for each sample; class 1 where z > 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._scores(X)

    def predict_proba(self, X):
        """Probabilities of class 0 and class 1: the columns 1 - sigmoid(z) and sigmoid(z).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Column ``k`` is P(class ``classes_[k]``); each row sums to 1.
        """
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        """The predicted class of each sample: 1 where the score z > 0 (P(class 1) > 0.5), else 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int, shape (n_samples,)
        """
        scores = self.decision_function(X)  # first: it checks that the model is fitted
        return self.classes_[(scores > 0).astype(int)]

    def _scores(self, X):
        # Prediction needs no gradient, so no graph of Values: each layer is one matrix
        # product on the weights' current values (the same numbers, many times faster).
        return self.model_.predict_batch(X)

    def _loss_of_scores(self, scores, y):
        """The mean loss of plain-number scores (numpy, no graph): for validation_loss."""
        if self.loss == "log":
            return binary_log_loss_from_logits(scores, y)
        return mse(sigmoid(scores), y)

    # --- checks ---------------------------------------------------------------------------

    def _check_hyperparameters(self) -> tuple[int, ...]:
        """Raise a ValueError naming the first invalid hyperparameter; return the hidden sizes."""
        if not isinstance(self.loss, str) or self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, "
                             f"got {self.loss!r}")
        if not isinstance(self.activation, str) or self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, "
                             f"got {self.activation!r}")
        for name in ("num_epochs", "batch_size"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
        if not _is_real(self.lr) or not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be a positive finite number, got {self.lr!r}")
        if not _is_real(self.alpha) or not 0 <= self.alpha < math.inf:
            raise ValueError(f"alpha must be a finite number >= 0 (0: no L2 penalty), "
                             f"got {self.alpha!r}")
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            raise ValueError(f"seed must be a whole number >= 0, or None, got {self.seed!r}")
        sizes = self.hidden_layer_sizes
        if _is_int(sizes):
            sizes = (sizes,)
        if (not isinstance(sizes, (tuple, list, np.ndarray))
                or not all(_is_int(size) and size >= 1 for size in sizes)):
            raise ValueError("hidden_layer_sizes must be a tuple of positive whole numbers such "
                             f"as (16, 16), or () for no hidden layer, got {sizes!r}")
        return tuple(int(size) for size in sizes)

    def _check_validation_data(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val), got "
                             f"{type(validation_data).__name__}")
        try:
            X_val, y_val = validate_data(self, *validation_data, reset=False, dtype=np.float64)
            return X_val, _binary_labels(y_val, type(self).__name__, "y_val")
        except ValueError as error:
            raise ValueError(f"validation_data: {error}") from None

    def __sklearn_is_fitted__(self):
        # Fitted means trained: fit may fail after checking X (which sets n_features_in_).
        return hasattr(self, "model_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # two classes, labelled 0 and 1
        return tags


def _binary_labels(y, estimator_name: str, name: str = "y") -> np.ndarray:
    """``y`` as floats 0.0 and 1.0, or a ValueError that says how to convert other labels."""
    y_type = type_of_target(y, input_name=name, raise_unknown=True)
    labels = np.unique(y)
    if y.dtype.kind in "biuf" and np.all((labels == 0) | (labels == 1)):
        return y.astype(np.float64)
    # These openings are scikit-learn's wording, which its estimator checks look for.
    opening = {"continuous": "Unknown label type: continuous (numbers that are not whole). ",
               "multiclass": "Only binary classification is supported. "}.get(y_type, "")
    shown = labels[:5].tolist() + (["..."] if len(labels) > 5 else [])
    raise ValueError(f"{opening}{estimator_name} needs the class labels 0 and 1, found "
                     f"{shown} in {name}; convert other labels first, for example "
                     f"{name} = ({name} == 'yes').astype(int)")


def _accuracy(scores, y) -> float:
    """The fraction of samples whose score's sign gives their label (z > 0: class 1)."""
    return float(np.mean((scores > 0) == (y == 1)))


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
