"""Layers that process a whole mini-batch at once, each with its own backward pass.

Taught in notebooks/06_mnist.ipynb.  Notebook 05 ended with a layer computed as
one matrix product for a whole batch; here every layer works that way, and
instead of a graph of ``Value`` nodes each layer writes its backward pass by
hand:

- ``forward(X)`` returns the layer's outputs for a batch ``X: (batch, n_in)``
  and remembers what the backward pass will need;
- ``backward(dY)`` takes dL/dY (shaped like the outputs), stores the
  gradients of the layer's parameters and returns dL/dX for the layer below.

A backward pass *overwrites* the gradients (``Value.grad`` was added to), so
there is no ``zero_grad``: one forward, one backward, one optimizer step.  The
optimizer (:class:`SGD`) is kept apart from the layers; it reads
``parameters()`` and ``gradients()``, two lists in the same order.

Everything on the training path is float32: half the memory of float64,
matrix products about twice as fast, and precise enough for training.  The
layers keep the dtype of their weights (``Dense(..., dtype=np.float64)`` for
gradient checks) and refuse inputs of another dtype rather than silently
computing in float64.

A training step::

    logits = model.forward(to_float32(X_batch))
    loss, dlogits = softmax_cross_entropy_with_logits(logits, y_batch)
    model.backward(dlogits)
    optimizer.step(model)
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nblib.mnist import to_float32
from nblib.validation import as_generator


class TrainingDiverged(FloatingPointError, ValueError):
    """Training diverged, or a step would write NaN or inf into the weights.

    A FloatingPointError, and a ValueError for code that catches the loss's refusal of
    NaN logits (``except ValueError``), as benchmarks/mnist_variants.py does.
    """


class Layer:
    """What every layer has: ``forward``, ``backward``, its parameters and their gradients.

    Calling a layer, ``layer(X)``, is ``layer.forward(X)``.
    """

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs for a batch ``X: (batch, n_in)``."""
        raise NotImplementedError

    def backward(self, dY: np.ndarray, input_grad: bool = True):
        """Given dL/dY, store dL/d(each parameter) and return dL/dX.

        With ``input_grad=False`` dL/dX is not computed and None is returned.
        """
        raise NotImplementedError

    def parameters(self) -> list[np.ndarray]:
        """The arrays that training adjusts (the optimizer changes them in place)."""
        return []

    def gradients(self) -> list[np.ndarray]:
        """dL/d(each parameter) from the last ``backward``, in the order of ``parameters()``."""
        return []

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)


class Dense(Layer):
    """A fully connected layer: ``Y = X @ W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Inputs and outputs per sample.
    seed : int
        Seeds the weights (ignored when ``rng`` is given).
    rng : numpy.random.Generator, optional
        Draws the weights.  Pass one generator to every layer of a network, as
        :func:`mlp` does: layers of the same shape and seed start identical.
    dtype : numpy float type
        ``np.float32`` to train; ``np.float64`` for gradient checks.

    Attributes
    ----------
    W : array, shape (n_in, n_out)
        One column per output neuron: the transpose of notebook 05's layout (one
        row per neuron, ``X @ W.T + b``) and of PyTorch's ``nn.Linear.weight``, so
        that the forward pass is ``X @ W + b``.  Normal with standard deviation
        sqrt(2 / (n_in + n_out)) (Glorot's), so the outputs start with about the
        spread of the inputs.
    b : array, shape (n_out,)
        Starts at 0.
    dW, db : arrays shaped like ``W`` and ``b``
        Gradients from the last ``backward``.
    """

    def __init__(self, n_in: int, n_out: int, *, seed: int = 0, rng=None, dtype=np.float32):
        n_in, n_out = _check_count(n_in, "n_in"), _check_count(n_out, "n_out")
        if n_in * n_out > MAX_WEIGHTS:
            raise ValueError(f"Dense(n_in={n_in:,}, n_out={n_out:,}) would hold {n_in * n_out:.3g} "
                             f"weights, more than the {MAX_WEIGHTS:.0e} that fit in memory")
        dtype = _check_dtype(dtype)
        rng = as_generator(rng, seed)
        scale = np.sqrt(2 / (n_in + n_out))
        self.W = (rng.standard_normal((n_in, n_out)) * scale).astype(dtype)
        self.b = np.zeros(n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.X = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``X @ W + b``.  X: (batch, n_in), of the weights' dtype.  Returns (batch, n_out)."""
        _check_input(X, self.W.shape[0], self.W.dtype)
        self.X = X                  # backward needs it: dW = X.T @ dY
        Y = X @ self.W
        Y += self.b                 # in place: no second (batch, n_out) array
        return Y

    def backward(self, dY: np.ndarray, input_grad: bool = True):
        """dW = X.T @ dY, db = dY summed over the batch; returns dX = dY @ W.T.

        dY: (batch, n_out), the gradient of the loss with respect to the last
        forward's output.  Returns dX: (batch, n_in), or None with
        ``input_grad=False`` (the first layer: its input is the data).
        """
        _check_gradient(dY, self.X, self.W.shape[1], "Dense", self.W.dtype)
        input_grad = _check_flag(input_grad, "input_grad")
        np.matmul(self.X.T, dY, out=self.dW)    # written into dW: no new array each step
        np.sum(dY, axis=0, out=self.db)
        if input_grad:
            return dY @ self.W.T
        return None

    def parameters(self) -> list[np.ndarray]:
        return [self.W, self.b]

    def gradients(self) -> list[np.ndarray]:
        return [self.dW, self.db]

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"


class ReLU(Layer):
    """max(0, x) on every entry; the gradient passes only where x > 0."""

    def __init__(self):
        self.mask = None
        self.dtype = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """max(0, X), same shape as ``X``."""
        _check_input(X, None, None)
        self.mask = X > 0           # where the gradient will pass (0 at the kink, as PyTorch)
        self.dtype = X.dtype
        return np.maximum(X, 0)

    def backward(self, dY: np.ndarray, input_grad: bool = True):
        """dX = dY where X > 0, else 0."""
        _check_gradient(dY, self.mask, self.mask.shape[1] if self.mask is not None else None,
                        "ReLU", self.dtype if self.mask is not None else None)
        return dY * self.mask if _check_flag(input_grad, "input_grad") else None

    def __repr__(self):
        return "ReLU()"


class Sequential(Layer):
    """Layers applied one after the other; backward runs them in reverse.

    Parameters
    ----------
    *layers : Layer
        ``Sequential(Dense(784, 100), ReLU(), Dense(100, 10))``.
    """

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])    # Sequential([a, b]) means Sequential(a, b)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be a Layer (Dense, ReLU, ...), "
                                f"got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Each layer's forward, first to last.  X: (batch, features)."""
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY: np.ndarray, input_grad: bool = False):
        """Each layer's backward, last to first; returns dL/dX only if ``input_grad``.

        The first layer's input is the data: training never needs its gradient,
        and for MNIST computing it (dY @ W.T, 784 columns wide) would be about
        40 % of the backward pass's arithmetic.  So by default it is skipped,
        as PyTorch skips it for inputs with ``requires_grad=False`` (notebook 04).
        """
        input_grad = _check_flag(input_grad, "input_grad")
        for i in range(len(self.layers) - 1, -1, -1):
            dY = self.layers[i].backward(dY, input_grad=input_grad or i > 0)
        return dY

    def parameters(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.gradients()]

    def __repr__(self):
        inner = "".join(f"\n  {layer!r}" for layer in self.layers)
        count = sum(p.size for p in self.parameters())
        return f"Sequential({inner}\n)  # {count:,} parameters"


def mlp(sizes, *, seed: int = 0, dtype=np.float32) -> Sequential:
    """A multilayer perceptron: Dense layers of the given sizes with ReLU between them.

    Parameters
    ----------
    sizes : list of int
        Inputs, then each layer's outputs: ``[784, 100, 200, 10]`` is
        Dense(784, 100), ReLU, Dense(100, 200), ReLU, Dense(200, 10).
    seed : int
        One generator seeded with it draws every layer's weights in turn.
    dtype : numpy float type

    Returns
    -------
    Sequential
        Its last layer is Dense: the outputs are logits (scores), not probabilities.
    """
    if not isinstance(sizes, (list, tuple, range, np.ndarray)) or np.ndim(sizes) != 1:
        hint = " (a set has no order)" if isinstance(sizes, (set, frozenset)) else ""
        raise TypeError(f"sizes must be a list or tuple of layer sizes such as [784, 100, 10], "
                        f"got {type(sizes).__name__} {sizes!r:.60}{hint}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list the inputs and at least one layer's outputs, "
                         f"such as [784, 100, 10], got {sizes!r}")
    sizes = [_check_count(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
    dtype = _check_dtype(dtype)
    rng = as_generator(None, seed)
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(ReLU())
        layers.append(Dense(sizes[i], sizes[i + 1], rng=rng, dtype=dtype))
    return Sequential(*layers)


# --- softmax and the loss -------------------------------------------------------------------------


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax(z) row by row: z - max(z) - log(sum(exp(z - max(z)))).

    Subtracting each row's largest logit changes no probability (the factor
    exp(-max) cancels) but keeps ``exp`` from overflowing: it only sees numbers
    <= 0, and the sum it feeds to ``log`` lies between 1 and the number of
    classes, so the result is finite for logits of +-1e4.

    Parameters
    ----------
    logits : array of float, shape (batch, classes)

    Returns
    -------
    array, shape (batch, classes), of the logits' dtype
        Each row's log-probabilities (<= 0).
    """
    _check_logits(logits)
    return _log_softmax(logits)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)    # each row's largest becomes 0
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities exp(z_k) / sum_j exp(z_j), row by row, without overflow.

    Parameters
    ----------
    logits : array of float, shape (batch, classes)

    Returns
    -------
    array, shape (batch, classes), of the logits' dtype
        Each row sums to 1.
    """
    return np.exp(log_softmax(logits))


def softmax_cross_entropy_with_logits(logits: np.ndarray, labels: np.ndarray):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Computed from :func:`log_softmax`, so it stays exact for logits of +-1e4:
    a confident wrong answer costs its (large) finite loss, never inf or NaN.

    Parameters
    ----------
    logits : array of float, shape (batch, classes)
        Scores, the last layer's outputs.
    labels : array of int, shape (batch,)
        The true class of each sample, 0 to classes - 1.

    Returns
    -------
    loss : float
        The mean over the batch of -log p(true class).
    dlogits : array shaped like ``logits``
        dloss/dlogits = (softmax(logits) - onehot(labels)) / batch.
    """
    _check_logits(logits)
    _check_labels(labels, logits)
    n = len(labels)
    rows = np.arange(n)
    log_probs = _log_softmax(logits)
    loss = -log_probs[rows, labels].mean()
    dlogits = np.exp(log_probs)                             # softmax
    dlogits[rows, labels] -= 1                              # minus the one-hot labels
    dlogits /= n
    return float(loss), dlogits


# --- the optimizer ------------------------------------------------------------------------------

#: Every FLUSH_EVERY steps, SGD sets to 0 the velocities smaller than FLUSH_BELOW: far too
#: small to move a weight, and at momentum 0.9 at least 175 steps away from float32's
#: subnormal range (below 1.2e-38), so none gets there between two flushes.
FLUSH_EVERY = 32
FLUSH_BELOW = 1e-30
#: A step smaller than this cannot make a finite weight overflow (float32 reaches 3.4e38);
#: SGD checks larger ones entry by entry before writing them.
_SAFE_STEP = 1e18


class SGD:
    """Stochastic gradient descent, with momentum if asked, updating parameters in place.

    With momentum mu each parameter p keeps a velocity v (PyTorch's convention)::

        v = mu * v + grad
        p = p - lr * v

    and with ``momentum=0`` that is plain ``p = p - lr * grad``.

    A velocity whose gradient stays exactly 0 (the weights of a ReLU unit that no
    longer fires) shrinks by ``momentum`` every step and, after a few hundred steps,
    enters float32's *subnormal* range (below 1.2e-38).  Some CPUs compute on
    subnormal numbers tens of times more slowly: on the Intel Xeon the benchmarks ran
    on (a multiply 66 times slower), the 784-256-128-10 network's epochs took twice as
    long from the third epoch on.  So every ``FLUSH_EVERY`` (32) steps the velocities
    below ``FLUSH_BELOW`` (1e-30), far too small to move any weight, are set to 0.
    Notebook 06's SGD does the same.

    Parameters
    ----------
    lr : float
        Learning rate.
    momentum : float
        In [0, 1); 0.9 is the usual choice.
    schedule : callable, optional
        ``schedule(step)`` gives the factor multiplying ``lr`` at step 0, 1, 2, ...
        (count of ``step`` calls so far); :func:`linear_decay` is one.

    Examples
    --------
    >>> optimizer = SGD(lr=0.1, momentum=0.9)
    >>> optimizer.step(model)       # after model.backward(dlogits)
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, schedule=None):
        self.lr = _check_number(lr, "lr", low=0, low_open=True)
        self.momentum = _check_number(momentum, "momentum", low=0, high=1)
        if schedule is not None and not callable(schedule):
            raise TypeError(f"schedule must be a function of the step number, "
                            f"got {type(schedule).__name__}")
        self.schedule = schedule
        self.steps = 0
        self.velocities = None

    def current_lr(self) -> float:
        """The learning rate the next ``step`` will use."""
        if self.schedule is None:
            return self.lr
        factor = self.schedule(self.steps)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) \
                or not _finite(factor) or factor < 0:
            raise ValueError(f"schedule({self.steps}) must return a finite number >= 0 (the "
                             f"factor multiplying lr at step {self.steps}), got {factor!r:.40}")
        # float(): a numpy float64 times a float32 array gives float64 (a Python float does not)
        return self.lr * float(factor)

    def step(self, model: Layer) -> None:
        """Move every parameter of ``model`` against its gradient, in place.

        Raises :class:`TrainingDiverged` (a FloatingPointError), and changes nothing, when
        the step would write a NaN or infinite weight (a NaN gradient, or a step too large:
        lr or momentum too large).
        """
        params, grads = _parameters_and_gradients(model)
        lr = self.current_lr()
        if self.momentum != 0:
            if self.velocities is None:
                self.velocities = [np.zeros_like(p) for p in params]
            elif [v.shape for v in self.velocities] != [p.shape for p in params]:
                raise ValueError("this optimizer's velocities belong to another model: "
                                 "make one SGD per model")
        # Every step is computed before any is written, so nothing changes when one of them
        # would write NaN or inf (numpy's overflow warnings are silenced: the check says more).
        with np.errstate(over="ignore", invalid="ignore"):
            velocities = grads if self.momentum == 0 else [
                _momentum_update(self.momentum, v, g) for v, g in zip(self.velocities, grads)]
            steps = [lr * v for v in velocities]
            for i, (p, step) in enumerate(zip(params, steps)):
                flat = step.reshape(-1)
                size = np.dot(flat, flat)      # one quick pass; NaN or inf if any entry is
                if not (size < _SAFE_STEP**2 or np.isfinite(p - step).all()):
                    raise TrainingDiverged(
                        f"not updating: the step would write NaN or inf into parameter {i} "
                        f"(shape {p.shape}) with lr={lr:g} and momentum={self.momentum:g}: "
                        + ("its gradient is NaN or infinite (NaN in the data, or training "
                           "diverged)" if not np.isfinite(grads[i]).all() else
                           "the step is too large (training diverged); try a smaller lr "
                           "(or momentum)"))
        for p, step in zip(params, steps):
            p -= step
        if self.momentum != 0:
            self.velocities = velocities
            if self.steps % FLUSH_EVERY == 0:    # before they turn subnormal (slow)
                for v in velocities:
                    v[np.abs(v) < FLUSH_BELOW] = 0
        self.steps += 1


def _momentum_update(momentum: float, v: np.ndarray, g: np.ndarray) -> np.ndarray:
    """momentum * v + g, as a new array (one allocation)."""
    v_new = momentum * v
    v_new += g
    return v_new


def linear_decay(total_steps: int):
    """A schedule for :class:`SGD`: the factor falls linearly from 1 to 0 over ``total_steps``.

    ``SGD(lr, momentum, schedule=linear_decay(num_epochs * steps_per_epoch))``.
    """
    total_steps = _check_count(total_steps, "total_steps")
    return lambda step: max(0.0, 1 - step / total_steps)


# --- data, training and evaluation ---------------------------------------------------------------


def iterate_minibatches(X, y, batch_size: int = 32, *, rng=None, shuffle: bool = True):
    """Yield ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    Only the order of the indices is shuffled, never the data itself; each
    batch is a small copy made by indexing.  The last batch may be smaller.

    Parameters
    ----------
    X : array, shape (n, ...)
        Inputs, for MNIST the uint8 images (convert each batch with ``to_float32``).
    y : array, shape (n,)
        Labels.
    batch_size : int
    rng : numpy.random.Generator, optional
        Shuffles; create it once before the epochs (``np.random.default_rng(0)``)
        so each epoch gets a new, reproducible order.  None: an unseeded order.
    shuffle : bool
        False: in order (for evaluation).
    """
    X, y = _check_dataset(X, y)
    batch_size = _check_count(batch_size, "batch_size")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    shuffle = _check_flag(shuffle, "shuffle")
    # Checked above, when called; the batches come from a generator, run when iterated.
    return _batches(X, y, batch_size, rng, shuffle)


def _batches(X, y, batch_size, rng, shuffle):
    n = len(X)
    if shuffle:
        order = (rng if rng is not None else np.random.default_rng()).permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            yield X[batch], y[batch]
    else:
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]


def train_epoch(model: Layer, optimizer: SGD, X, y, batch_size: int = 32, *, rng=None) -> float:
    """One pass over ``(X, y)`` in shuffled mini-batches; returns the mean training loss.

    The loop notebook 06 writes out: convert the batch (uint8 images become
    float32 in [0, 1]), forward, loss and its gradient, backward, optimizer step.

    Parameters
    ----------
    model : Layer
        Its last layer's outputs are the logits, (batch, classes).
    optimizer : SGD
    X : array, shape (n, 28, 28) or (n, features)
        uint8 images (converted batch by batch), or floats of the model's dtype.
    y : array of int, shape (n,)
    batch_size : int
    rng : numpy.random.Generator, optional
        Shuffles; the same generator across epochs gives a new order each epoch.

    Returns
    -------
    float
        The mean of the batches' losses, weighted by batch size.

    Raises
    ------
    TrainingDiverged
        Training diverged: a batch's loss exceeds ``DIVERGED_FACTOR`` (10^4) times the
        first loss this optimizer saw, the logits are NaN or infinite, or a step would
        write NaN or inf into the weights.  The message names lr and momentum.
    """
    _check_model(model)
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(model) method (an SGD), "
                        f"got {type(optimizer).__name__}")
    X, y = _check_dataset(X, y)
    _check_classes(y, "y")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    total, count = 0.0, 0
    for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng=rng):
        logits = model.forward(_as_inputs(X_batch))
        if count == 0 and y.max() >= logits.shape[1]:
            raise ValueError(f"y must hold class indices 0..{logits.shape[1] - 1} (the model "
                             f"has {logits.shape[1]} outputs), found {y.max()}")
        if not np.isfinite(logits).all():
            raise TrainingDiverged(f"training diverged: the logits are NaN or infinite; "
                                     f"{_rates(optimizer)}")
        loss, dlogits = softmax_cross_entropy_with_logits(logits, y_batch)
        _check_divergence(loss, optimizer)
        model.backward(dlogits)
        optimizer.step(model)
        total += loss * len(y_batch)
        count += len(y_batch)
    return total / count


#: train_epoch stops when a batch's loss exceeds DIVERGED_FACTOR times the first loss the
#: optimizer saw (a cross-entropy starts near log(classes), 2.3 for 10; a loss 10^4 times
#: that means logits ~ 10^4 apart: training has diverged, it will not come back).
DIVERGED_FACTOR = 1e4


def _check_divergence(loss: float, optimizer) -> None:
    first = getattr(optimizer, "first_loss", None)
    if first is None:
        if isinstance(optimizer, SGD):
            optimizer.first_loss = loss
        return
    if loss > DIVERGED_FACTOR * max(first, 1.0):
        raise TrainingDiverged(f"training diverged: a batch's loss is {loss:.3g}, "
                                 f"{loss / max(first, 1.0):.2g} times the first one ({first:.3g}); "
                                 f"{_rates(optimizer)}")


def _rates(optimizer) -> str:
    lr, momentum = getattr(optimizer, "lr", None), getattr(optimizer, "momentum", 0)
    if lr is None:
        return "try a smaller learning rate"
    return (f"try a smaller lr (now {lr:g})" + (f" or momentum (now {momentum:g})"
                                                   if momentum else ""))


def predict(model: Layer, X, batch_size: int = 1000) -> np.ndarray:
    """The class with the largest logit for each sample, computed a batch at a time.

    Parameters
    ----------
    model : Layer
    X : array, shape (n, ...)
        uint8 images (converted batch by batch) or floats of the model's dtype.
    batch_size : int
        Samples per forward pass; bounds the memory used.

    Returns
    -------
    array of int, shape (n,)
    """
    # Any model with a forward(X) will do, such as the one notebook 06 writes itself.
    if not callable(getattr(model, "forward", None)):
        raise TypeError(f"model must have a forward(X) method (a Layer such as a Sequential), "
                        f"got {type(model).__name__}")
    X = _as_array(X, "X")
    batch_size = _check_count(batch_size, "batch_size")
    if X.ndim < 2 or len(X) == 0:
        raise ValueError(f"X must be a batch of samples, shape (n, features) or (n, 28, 28), "
                         f"got shape {X.shape}")
    if X.dtype.kind == "f" and not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    return np.concatenate([model.forward(_as_inputs(X[start:start + batch_size])).argmax(axis=1)
                           for start in range(0, len(X), batch_size)])


def accuracy(y_pred, y) -> float:
    """Fraction of predicted classes equal to the labels.

    Parameters
    ----------
    y_pred : array of int, shape (n,)
        Predicted classes, as :func:`predict` returns them.
    y : array of int, shape (n,)
        True classes.
    """
    y_pred, y = _as_array(y_pred, "y_pred"), _as_array(y, "y")
    if y_pred.ndim != 1:
        hint = ": pass predict(model, X), or logits.argmax(axis=1)" if y_pred.ndim == 2 else ""
        raise ValueError(f"y_pred must be one class per sample, shape (n,), "
                         f"got shape {y_pred.shape}{hint}")
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred and y must have the same shape, got {y_pred.shape} and {y.shape}")
    if y.size == 0:
        raise ValueError("y is empty")
    _check_classes(y_pred, "y_pred")
    _check_classes(y, "y")
    return float(np.mean(y_pred == y))


# --- checks -------------------------------------------------------------------------------------


def _as_inputs(X_batch: np.ndarray) -> np.ndarray:
    """uint8 images become float32 rows in [0, 1]; other arrays pass unchanged."""
    return to_float32(X_batch) if X_batch.dtype == np.uint8 else X_batch


#: The most weights a Dense layer may hold: 10^9 float32 weights take 4 GB (and as much for
#: their gradients).  MNIST's layers hold about 10^5.
MAX_WEIGHTS = 10**9
#: The largest count (batch size, number of steps): numpy indexes with 64-bit integers.
MAX_COUNT = np.iinfo(np.int64).max


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r:.60}")
    if value > MAX_COUNT:
        raise ValueError(f"{name} must be at most 2**63 - 1, got a number of {len(str(value))} "
                         "digits")
    return int(value)


def _finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond 1.8e308
        return False


def _check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r:.40}")
    return bool(value)


def _check_model(model) -> None:
    for method in ("forward", "backward", "parameters", "gradients"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"model must be a Layer (such as a Sequential, with forward, backward, "
                            f"parameters and gradients), got {type(model).__name__} "
                            f"{model!r:.40}")


def _parameters_and_gradients(model):
    if not (callable(getattr(model, "parameters", None))
            and callable(getattr(model, "gradients", None))):
        raise TypeError(f"model must be a Layer (with parameters() and gradients()), got "
                        f"{type(model).__name__} {model!r:.40}")
    params, grads = model.parameters(), model.gradients()
    if len(params) != len(grads) or any(
            not isinstance(p, np.ndarray) or not isinstance(g, np.ndarray) or p.shape != g.shape
            for p, g in zip(params, grads)):
        raise ValueError("model.parameters() and model.gradients() must be two lists of arrays "
                         "of the same shapes, in the same order")
    return params, grads


def _as_array(value, name: str) -> np.ndarray:
    if value is None or isinstance(value, (str, bytes, set, frozenset, dict)):
        raise TypeError(f"{name} must be an array, got {type(value).__name__} {value!r:.40}")
    try:
        return np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array (every row the same length)") \
            from None


def _check_classes(y: np.ndarray, name: str) -> None:
    """Class indices: integers >= 0 (uint8 labels, or what predict returns)."""
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class indices, got dtype {y.dtype}")
    if y.size and y.min() < 0:
        raise ValueError(f"{name} must hold class indices >= 0, found {y.min()}")


def _check_number(value, name: str, low=None, high=None, low_open=False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not _finite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r:.40}")
    value = float(value)   # a Python float keeps float32 arrays float32 when multiplied
    if (low is not None and (value < low or (low_open and value == low))) \
            or (high is not None and value >= high):
        interval = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'})"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def _check_dtype(dtype) -> np.dtype:
    given = dtype
    try:
        dtype = np.dtype(dtype) if dtype is not None else None   # np.dtype(None) is float64
    except (TypeError, ValueError):
        dtype = given = f"{type(given).__name__} {given!r:.40}"   # not a dtype at all
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be np.float32 (training) or np.float64 (gradient checks), "
                        f"got {dtype}")
    return dtype


def _check_input(X, n_in, dtype) -> None:
    """A batch entering a layer: a 2-D float array, ``n_in`` columns, the layer's dtype.

    Cheap (no pass over the data): it runs on every step.  NaN is caught at the loss.
    """
    if not isinstance(X, np.ndarray):
        raise TypeError(f"X must be a numpy array of shape (batch, features), "
                        f"got {type(X).__name__}")
    if X.dtype.kind != "f":
        hint = "; convert images with to_float32(X_batch)" if X.dtype == np.uint8 else ""
        raise TypeError(f"X must hold floats, got dtype {X.dtype}{hint}")
    if X.ndim != 2 or (n_in is not None and X.shape[1] != n_in):
        hint = "; flatten images with to_float32 or X.reshape(len(X), -1)" if X.ndim == 3 else ""
        raise ValueError(f"X must have shape (batch, {n_in if n_in is not None else 'features'}), "
                         f"got {X.shape}{hint}")
    if X.shape[0] == 0:
        raise ValueError(f"X is empty (shape {X.shape}): a batch needs at least one sample")
    if dtype is not None and X.dtype != dtype:
        raise TypeError(f"X has dtype {X.dtype} but this layer's weights are {dtype}: "
                        f"convert with X.astype(np.{dtype}) (mixing them computes in float64, "
                        f"twice as slow)")


def _check_gradient(dY, saved, n_out, layer: str, dtype=None) -> None:
    if saved is None:
        raise RuntimeError(f"{layer}.backward needs the input of a forward pass: call forward first")
    if not isinstance(dY, np.ndarray):
        raise TypeError(f"dY must be a numpy array of the last forward's output shape, "
                        f"({saved.shape[0]}, {n_out}), got {type(dY).__name__}")
    if dY.shape != (saved.shape[0], n_out):
        raise ValueError(f"dY must have the shape of the last forward's output, "
                         f"({saved.shape[0]}, {n_out}), got {dY.shape}")
    if dtype is not None and dY.dtype != dtype:
        raise TypeError(f"dY must have the dtype of the last forward's output, {dtype}, "
                        f"got {dY.dtype}")


def _check_logits(logits) -> None:
    if not isinstance(logits, np.ndarray) or logits.dtype.kind != "f" or logits.ndim != 2:
        what = (f"shape {logits.shape}, dtype {logits.dtype}" if isinstance(logits, np.ndarray)
                else type(logits).__name__)
        raise ValueError(f"logits must be a float array of shape (batch, classes), got {what}")
    if logits.size == 0:
        raise ValueError(f"logits are empty (shape {logits.shape})")
    if not np.isfinite(logits).all():
        raise ValueError("logits contain NaN or infinite values: the inputs hold NaN, or "
                         "training diverged (try a smaller learning rate: SGD's lr)")


def _check_labels(labels, logits) -> None:
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu":
        what = f"dtype {labels.dtype}" if isinstance(labels, np.ndarray) else type(labels).__name__
        raise TypeError(f"labels must be an array of integer class indices, got {what}")
    if labels.shape != logits.shape[:1]:
        raise ValueError(f"labels must hold one class per row of logits, shape "
                         f"({logits.shape[0]},), got {labels.shape}")
    if labels.min() < 0 or labels.max() >= logits.shape[1]:
        raise ValueError(f"labels must lie in 0..{logits.shape[1] - 1} (one per class), "
                         f"found {labels.min()} to {labels.max()}")


def _check_dataset(X, y):
    X, y = _as_array(X, "X"), _as_array(y, "y")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold numbers, got dtype {X.dtype}")
    if X.ndim < 2:
        raise ValueError(f"X must hold one sample per row, shape (n, features), got {X.shape}")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must hold one label per sample of X, shape ({len(X)},), "
                         f"got {y.shape}")
    if len(X) == 0:
        raise ValueError("X is empty")
    return X, y
