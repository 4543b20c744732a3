"""A training run with a planted bug, for notebook 06's exercise "Debug a broken network".

:func:`planted_bug` builds a :class:`BrokenRun` from a seed the student can see: the
notebook's network (784-256-128-10, SGD with momentum 0.9) trained briefly on the first
5,000 training images of MNIST, under a second.  The run is built of six replaceable
*parts*, and one of them, chosen by the seed, carries a bug:

=========  ==================================================  ==========================
part       what it is                                          its bug
=========  ==================================================  ==========================
labels     the labels the run trains with, one per image       shuffled against the images
Dense      the Dense class (forward, backward)                 gradients added up across
                                                               steps, never overwritten
ReLU       the ReLU class                                      backward lets every gradient
                                                               through (no mask)
loss       softmax_cross_entropy(logits, labels)               softmax over the batch
                                                               (axis 0), not the classes
init       init(shape, rng) -> the starting weights            all zero
lr         the learning rate                                   100 times too large
=========  ==================================================  ==========================

Every run has all six parts planted, and only one is broken: their names and reprs are
the same whether broken or not ("planted Dense", ...).  The student trains the run, looks
inside it with nblib.diagnostics (``run.model``, ``run.update_ratios``, ``run.history``),
names the bug (:func:`name_the_bug`: a multiple choice, six options) and fixes it by
replacing the faulty part with a correct one, ``run.replace(ReLU=ReLU)``; the
:data:`fix_check` retrains the fixed run and confirms that it learns.

In the notebook::

    run = planted_bug(SEED, data).train()        # your seed: your bug; < 1 s
    print(run)                                   # its loss and validation accuracy
    plot_update_ratios(run.update_ratios)
    hidden = look_inside(run.model, *run.batch(500))
    dead_relu_fractions(run.model, run.images[:2000])
    run.naming.check(bug)                        # bug = "A" ... "F"
    fix_check.check(run.replace(ReLU=ReLU))      # the part you found, replaced

What each bug looks like is in :data:`SYMPTOMS` (measured; tests/test_planted_bugs.py
asserts it).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np

from nblib.checks import Choice, Feedback, NotDone, error_text, format_value, where_raised
from nblib.initialisation import glorot_normal

#: The six bugs, in the order of the multiple choice (letters A to F), each with the part
#: that carries it.
BUGS = ("labels shuffled", "softmax over the wrong axis", "ReLU mask missing",
        "learning rate too large", "weights all zero", "gradients accumulated")
PART_OF = dict(zip(BUGS, ("labels", "loss", "ReLU", "lr", "init", "Dense")))
PARTS = ("labels", "Dense", "ReLU", "loss", "init", "lr")
LETTERS = "ABCDEF"

#: The run: the notebook's network and momentum, a short training on a subset.
SIZES = (784, 256, 128, 10)
N_TRAIN = 5_000          # the first 5,000 images of the training split
N_VAL = 2_000            # the first 2,000 of the validation split (never the test split)
EPOCHS = 3
BATCH_SIZE = 64
LR = 0.1
MOMENTUM = 0.9
#: The planted learning rate when it is the bug.
LARGE_LR = 100 * LR
#: The run stops when a batch's loss is not finite or exceeds this (10^4 times ln 10,
#: as nblib.layers.train_epoch's rule): it has diverged, and its weights are kept as they
#: were before that batch.
DIVERGED_LOSS = 1e4 * math.log(10)
#: The fix check's bar: the fixed run's validation accuracy on its N_VAL images after its
#: EPOCHS epochs.  Runs fixed with nblib's parts measured 89.4 % to 93.7 % (seeds 0-17);
#: every broken run ends at 12 % or less (the ReLU without its mask reaches 85 % after its
#: first epoch, then blows up).  Other reasonable fixes pass too: init="x0.01" 86 %,
#: "glorot" 94 %, lr=0.05 92 %, lr=0.2 90 %; lr=0.3 (72 %) and lr=1 (10 %) do not.
LEARNS = 0.80

#: What each bug does to the run, in words the notebook can use: measured on seeds 0-17
#: (three runs of each bug) when this module was written; tests/test_planted_bugs.py
#: asserts each.  A healthy run (a fixed one) here: loss from 2.3 to about 0.2, update
#: ratios about 0.005 to 0.01 at first, falling to 0.003, 90-94 % validation accuracy.
SYMPTOMS = {
    "labels shuffled":
        "the network looks healthy inside: update ratios stay flat between 0.002 and 0.02, "
        "activations keep their scale, few ReLUs die (at most 12 %); but the loss stays "
        "at ln 10 = 2.30 from the first step to the last and validation accuracy near "
        "10 % (9-17 %): the network has nothing to learn.",
    "softmax over the wrong axis":
        "the very first loss is about 4.16, which is ln 64 (the batch size), not ln 10 = "
        "2.30: each probability is shared among the 64 images of the batch instead of the "
        "10 digits.  Then the update ratios climb a hundredfold (from 0.01 to about 1) "
        "and the loss explodes within 10 steps (to 10^4 and more); validation accuracy "
        "10 %.",
    "ReLU mask missing":
        "the network learns at first (81-85 % validation accuracy after the first epoch), "
        "then its update ratios climb (from about 0.03 to 0.1-0.4), the second layer's "
        "activations grow to hundreds, and the loss blows up in the third epoch; "
        "validation accuracy falls back to 10 %.",
    "learning rate too large":
        "update ratios of 0.5 to 1.2 at the very first step (a healthy run's are about "
        "0.005 to 0.01; the rule of thumb says 1e-3), 5 to 120 at the second; the loss "
        "explodes within 3 steps and 59-86 % of the first layer's ReLUs die.",
    "weights all zero":
        "every hidden unit outputs 0 for every image, before and after training (100 % "
        "dead ReLUs in both layers), no gradient reaches the weights, they never move "
        "(update ratios NaN: a change of 0 next to weights of 0), the loss stays at ln 10 "
        "= 2.30 and validation accuracy near 10 %.",
    "gradients accumulated":
        "update ratios climb step after step from the first (0.006, 0.013, 0.023, ...: "
        "about 30 times larger by step 15), the loss rises from 2.3 to tens and hundreds, "
        "75-85 % of the first layer's ReLUs and all of the second's die; validation "
        "accuracy about 10 %.",
}


# --- which bug a seed plants ------------------------------------------------------------------------


def bug_of(seed: int) -> str:
    """The bug :func:`planted_bug` plants for ``seed``: one of :data:`BUGS`.

    Deterministic.  Each block of six consecutive seeds (0-5, 6-11, ...) holds the six bugs
    once, in an order drawn from the block's number: neighbours get different bugs, and
    "seed mod 6" says nothing.
    """
    seed = _check_seed(seed)
    block, position = divmod(seed, len(BUGS))
    order = np.random.default_rng([block, 6017]).permutation(len(BUGS))
    return BUGS[order[position]]


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0 \
            or seed >= 2**63:
        raise ValueError(f"seed must be a whole number >= 0, got {format_value(seed)}")
    return int(seed)


# --- the planted parts ------------------------------------------------------------------------------
# Each part is built by a function that knows whether it is the broken one; the part itself
# looks the same either way (same name, same repr).


class _Planted:
    """A planted function or number: called or read as the run needs it, shown as "planted"."""

    def __init__(self, part: str, value):
        self._part, self._value = part, value

    def __call__(self, *args):
        return self._value(*args)

    def __repr__(self):
        return f"<planted {self._part}>"


def _planted_dense(broken: bool):
    keep = 1.0 if broken else 0.0          # the share of the previous gradient kept

    class Dense:
        """A planted Dense layer: ``Y = X @ W + b``; Dense(n_in, n_out, rng)."""

        def __init__(self, n_in, n_out, rng, dtype=np.float32):
            scale = np.sqrt(2 / (n_in + n_out))
            self.W = (rng.standard_normal((n_in, n_out)) * scale).astype(dtype)
            self.b = np.zeros(n_out, dtype=dtype)
            self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

        def forward(self, X):
            self.X = X
            return X @ self.W + self.b

        def backward(self, dY, input_grad=True):
            self.dW = keep * self.dW + self.X.T @ dY
            self.db = keep * self.db + dY.sum(axis=0)
            return dY @ self.W.T if input_grad else None

        def parameters(self):
            return [self.W, self.b]

        def gradients(self):
            return [self.dW, self.db]

        def __repr__(self):
            return f"planted Dense({self.W.shape[0]}, {self.W.shape[1]})"

    Dense.__qualname__ = "Dense"
    return Dense


def _planted_relu(broken: bool):
    class ReLU:
        """A planted ReLU layer: max(0, x)."""

        def forward(self, X):
            self.mask = X > 0
            return np.maximum(X, 0)

        def backward(self, dY, input_grad=True):
            passed = dY * (self.mask | broken)
            return passed if input_grad else None

        def parameters(self):
            return []

        def gradients(self):
            return []

        def __repr__(self):
            return "planted ReLU()"

    ReLU.__qualname__ = "ReLU"
    return ReLU


def _planted_loss(broken: bool):
    axis = 0 if broken else 1

    def softmax_cross_entropy(logits, labels):
        n = len(labels)
        shifted = logits - logits.max(axis=axis, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        loss = -log_p[np.arange(n), labels].mean()
        dlogits = np.exp(log_p)
        dlogits[np.arange(n), labels] -= 1
        return float(loss), dlogits / n

    return _Planted("loss", softmax_cross_entropy)


def _planted_init(broken: bool):
    def init(shape, rng):
        return glorot_normal(shape, rng) * (not broken)     # broken: all zero

    return _Planted("init", init)


def _planted_parts(seed: int, y_train, n_train: int = N_TRAIN) -> dict:
    broken = PART_OF[bug_of(seed)]
    labels = np.array(y_train[:n_train])
    if broken == "labels":
        labels = np.random.default_rng([seed, 1]).permutation(labels)
    return {
        "labels": _Planted("labels", labels),
        "Dense": _planted_dense(broken == "Dense"),
        "ReLU": _planted_relu(broken == "ReLU"),
        "loss": _planted_loss(broken == "loss"),
        "init": _planted_init(broken == "init"),
        "lr": _Planted("lr", LARGE_LR if broken == "lr" else LR),
    }


# --- data -------------------------------------------------------------------------------------------

_DATA = {}


def _mnist(data=None):
    if data is not None:
        return data
    if "mnist" not in _DATA:
        from nblib.mnist import load_mnist
        _DATA["mnist"] = load_mnist()
    return _DATA["mnist"]


# --- the run ----------------------------------------------------------------------------------------


class _Network:
    """The run's network: layers one after the other; backward calls each ``backward(dY)``."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY):
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [g for layer in self.layers for g in layer.gradients()]

    def __repr__(self):
        return "network(" + ", ".join(map(repr, self.layers)) + ")"


class BrokenRun:
    """A short training run of the notebook's network, one of whose six parts is broken.

    Made by :func:`planted_bug` (``BrokenRun(seed)`` is the same run).  ``train()`` trains
    it; ``replace(part=...)`` gives a new run with parts replaced.

    Parameters
    ----------
    seed : int
        Chooses the bug (:func:`bug_of`), the starting weights and the batch order.
    n_train, epochs : int
        Training images (the first ``n_train`` of the training split) and epochs.
    parts : dict, optional
        Replacements for planted parts, as :meth:`replace` records them.
    data : nblib.mnist.MNIST, optional
        ``load_mnist()``; loaded when first needed if not given.

    Attributes (after ``train()``)
    ------------------------------
    model
        The trained network: ``model.layers`` are its Dense and ReLU layers, ready for
        nblib.diagnostics (look_inside, dead_relu_fractions).
    initial_model
        A copy of the network as it started, before the first step.
    update_ratios : nblib.diagnostics.UpdateRatios
        The optimizer the run trained with, which recorded every step's update ratios:
        ``plot_update_ratios(run.update_ratios)``.
    history : dict
        ``"loss"``: each step's training loss; ``"val_accuracy"``: after each epoch, on
        ``N_VAL`` validation images; ``"stopped"``: why training stopped early, or None.
    images, labels : arrays, (n_train, 28, 28) uint8 and (n_train,)
        What the run trains on: the images, and the labels its ``labels`` part gives them.
    X_val, y_val : the validation images and labels it is measured on.
    """

    def __init__(self, seed=0, n_train=N_TRAIN, epochs=EPOCHS, parts=None, data=None):
        # Checked when used (train, or the fix check), so that a check can describe any
        # run it is given rather than fail to build one.
        self.seed, self.n_train, self.epochs = seed, n_train, epochs
        self._replaced = dict(parts) if isinstance(parts, dict) else parts
        self._data = data
        self.model = self.initial_model = self.update_ratios = None
        self.history = self.images = self.labels = self.X_val = self.y_val = None

    # --- settings ---

    def get_params(self) -> dict:
        """The settings this run was made with (a new ``BrokenRun(**run.get_params())`` is
        the same run, untrained)."""
        return {"seed": self.seed, "n_train": self.n_train, "epochs": self.epochs,
                "parts": dict(self._replaced or {})}

    def settings_problem(self) -> str | None:
        """What is wrong with this run's settings, or None."""
        try:
            _check_seed(self.seed)
        except ValueError as error:
            return str(error)
        for value, name, low, high in ((self.n_train, "n_train", 100, 50_000),
                                       (self.epochs, "epochs", 1, 10)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
                    or not low <= value <= high:
                return f"{name} must be a whole number from {low} to {high:,}, got " \
                       f"{format_value(value)}"
        if self._replaced is not None and not isinstance(self._replaced, dict):
            return f"parts must be a dict of replaced parts, got {type(self._replaced).__name__}"
        for name, part in (self._replaced or {}).items():
            problem = _part_problem(name, part, self.n_train)
            if problem:
                return problem
        return None

    @property
    def bug_part(self) -> str:
        """Not shown to the student: the part that carries this run's bug (for the checks)."""
        return PART_OF[bug_of(self.seed)]

    def replaced(self) -> list[str]:
        """The names of the parts replaced so far, in the order of :data:`PARTS`."""
        return [name for name in PARTS if name in (self._replaced or {})]

    def replace(self, **parts) -> BrokenRun:
        """A new run, untrained, with the given parts replaced.

        Parameters
        ----------
        labels : array of int, (n_train,) or longer
            The labels that belong with the run's images: ``data.y_train`` (its first
            n_train are used).
        Dense, ReLU : classes
            Your own (the notebook's exercises) or nblib.layers'.  Dense is built as
            ``Dense(n_in, n_out, rng)``; both need ``forward(X)`` and ``backward(dY)``.
        loss : function (logits, labels) -> (loss, dlogits)
            Your ``softmax_cross_entropy``, or nblib.layers.softmax_cross_entropy_with_logits.
        init : "x0.01", "glorot", "he", "x10", or a function (shape, rng) -> weights
            A start of nblib.initialisation.
        lr : float
            The learning rate.

        Examples
        --------
        >>> fixed = run.replace(ReLU=ReLU)
        """
        unknown = [name for name in parts if name not in PARTS]
        if unknown:
            raise TypeError(f"a run has no part {unknown[0]!r}: its parts are "
                            f"{', '.join(PARTS)}")
        for name, part in parts.items():
            problem = _part_problem(name, part, self.n_train)
            if problem:
                raise ValueError(problem)
        return BrokenRun(self.seed, self.n_train, self.epochs,
                         {**(self._replaced or {}), **parts}, self._data)

    # --- training ---

    def parts(self) -> dict:
        """The parts the run trains with: the planted ones, and those replaced."""
        planted = _planted_parts(_check_seed(self.seed), _mnist(self._data).y_train,
                                 self.n_train)
        return {**planted, **(self._replaced or {})}

    def train(self) -> BrokenRun:
        """Train the run from scratch (same seed, same start, same batches); returns it.

        Stops early when a batch's loss exceeds 10^4 times ln 10 or is not finite (the
        reason is in ``history["stopped"]``), without a step on that batch; should its
        logits be infinite or NaN, the weights go back to those of the step before, so
        that the diagnostics can still look inside.
        Any error raised by a replaced part is raised here.
        """
        from nblib.diagnostics import UpdateRatios
        from nblib.initialisation import start_function
        from nblib.layers import SGD, TrainingDiverged
        from nblib.mnist import to_float32

        problem = self.settings_problem()
        if problem:
            raise ValueError(problem)
        data = _mnist(self._data)
        self._data = data
        parts = self.parts()
        init = parts["init"]
        if not isinstance(init, _Planted):
            init = start_function(init)
        labels = np.asarray(parts["labels"]._value if isinstance(parts["labels"], _Planted)
                            else parts["labels"])[:self.n_train]
        lr = parts["lr"]._value if isinstance(parts["lr"], _Planted) else float(parts["lr"])

        rng = np.random.default_rng([self.seed, 2])
        layers = []
        for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            if i > 0:
                layers.append(parts["ReLU"]())
            layer = _build_dense(parts["Dense"], n_in, n_out, rng)
            dtype = layer.W.dtype
            layer.W = np.asarray(init((n_in, n_out), rng), dtype=dtype).copy()
            layer.b = np.zeros(n_out, dtype=dtype)
            layers.append(layer)
        model = _Network(layers)
        self.initial_model = copy.deepcopy(model)
        optimizer = UpdateRatios(SGD(lr=lr, momentum=MOMENTUM))
        self.images = data.X_train[:self.n_train]
        self.labels = labels
        self.X_val, self.y_val = data.X_val[:N_VAL], data.y_val[:N_VAL]
        history = {"loss": [], "val_accuracy": [], "stopped": None}
        self.model, self.update_ratios, self.history = model, optimizer, history
        order_rng = np.random.default_rng([self.seed, 3])
        loss_part = parts["loss"]
        step, before = 0, None
        with np.errstate(all="ignore"):
            for _ in range(self.epochs):
                order = order_rng.permutation(self.n_train)
                for first in range(0, self.n_train, BATCH_SIZE):
                    batch = order[first:first + BATCH_SIZE]
                    logits = model.forward(to_float32(self.images[batch]))
                    if not np.isfinite(logits).all():
                        history["stopped"] = f"step {step}: the logits are not finite"
                        if before is not None:      # back to weights that give finite ones
                            for p, kept in zip(model.parameters(), before):
                                p[...] = kept
                        break
                    loss, dlogits = loss_part(logits, labels[batch])
                    loss = float(loss)
                    if not loss < DIVERGED_LOSS:
                        history["stopped"] = f"step {step}: the loss is {loss:.3g}"
                        break
                    history["loss"].append(loss)
                    before = [p.copy() for p in model.parameters()]
                    model.backward(dlogits)
                    try:
                        optimizer.step(model)
                    except TrainingDiverged:
                        history["stopped"] = f"step {step}: a step would make weights infinite"
                        break
                    step += 1
                history["val_accuracy"].append(self._accuracy(model))
                if history["stopped"]:
                    break
        return self

    def _accuracy(self, model) -> float:
        from nblib.mnist import to_float32
        with np.errstate(all="ignore"):
            logits = model.forward(to_float32(self.X_val))
        return float(np.mean(np.asarray(logits).argmax(axis=1) == self.y_val))

    def batch(self, n: int = 500):
        """``(images, labels)``: the first ``n`` training images and the labels the run
        gives them, for ``look_inside(run.model, *run.batch(500))``."""
        self._trained()
        return self.images[:n], np.asarray(self.labels[:n])

    def _trained(self):
        if self.history is None:
            raise RuntimeError("train the run first: run = run.train()")

    @property
    def val_accuracy(self) -> float | None:
        """Validation accuracy after the last epoch (None before training)."""
        return self.history["val_accuracy"][-1] if self.history else None

    def __repr__(self):
        replaced = self.replaced() if isinstance(self._replaced, (dict, type(None))) else []
        lines = [f"BrokenRun(seed {self.seed}): {'-'.join(map(str, SIZES))}, SGD with "
                 f"momentum {MOMENTUM}, batches of {BATCH_SIZE}, {self.epochs} epochs on "
                 f"{self.n_train:,} training images" if isinstance(self.n_train, int)
                 else f"BrokenRun(seed {self.seed})",
                 "  parts: " + ", ".join(f"{name} ({'yours' if name in replaced else 'planted'})"
                                         for name in PARTS)]
        if self.history is None:
            lines.append("  not trained yet: run.train()")
            return "\n".join(lines)
        losses = self.history["loss"]
        if losses:
            lines.append(f"  training loss: {losses[0]:.3g} at the first step, "
                         f"{np.mean(losses[-10:]):.3g} over the last 10 ({len(losses)} steps)")
        lines.append(f"  validation accuracy ({N_VAL:,} images) after each epoch: "
                     + ", ".join(f"{a:.1%}" for a in self.history["val_accuracy"]))
        if self.history["stopped"]:
            lines.append(f"  stopped early at {self.history['stopped']}")
        return "\n".join(lines)


def _build_dense(cls, n_in, n_out, rng):
    """``cls(n_in, n_out, rng)``, or ``cls(n_in, n_out, rng=rng)`` for nblib.layers.Dense."""
    try:
        inspect.signature(cls).bind(n_in, n_out, rng)
    except TypeError:
        return cls(n_in, n_out, rng=rng)
    except ValueError:   # no signature to read
        pass
    return cls(n_in, n_out, rng)


def _part_problem(name, part, n_train) -> str | None:
    """Why ``part`` cannot be the run's ``name`` part, or None."""
    if name not in PARTS:
        return f"a run has no part {name!r}: its parts are {', '.join(PARTS)}"
    if part is Ellipsis or part is None:
        return f"the {name} part is {part!r}: give the part itself"
    if name in ("Dense", "ReLU"):
        if not isinstance(part, type):
            return (f"{name} must be a class (the class itself, {name}, not {name}() or a "
                    f"layer), got {type(part).__name__}")
        return None
    if name == "lr":
        if isinstance(part, bool) or not isinstance(part, numbers.Real) \
                or not math.isfinite(part) or part <= 0:
            return f"lr must be a number > 0, got {format_value(part)}"
        return None
    if name == "init":
        if isinstance(part, str):
            from nblib.initialisation import start_function
            try:
                start_function(part)
            except ValueError as error:
                return str(error)
            return None
        return None if callable(part) else (
            f"init must be a start's name (\"he\", \"glorot\", ...) or a function "
            f"(shape, rng) -> weights, got {type(part).__name__}")
    if name == "loss":
        return None if callable(part) else \
            f"loss must be a function (logits, labels) -> (loss, dlogits), got " \
            f"{type(part).__name__}"
    # labels
    if isinstance(part, _Planted):
        return None
    labels = np.asarray(part) if isinstance(part, (np.ndarray, list, tuple)) else None
    if labels is None or labels.ndim != 1 or labels.dtype.kind not in "iu" \
            or not isinstance(n_train, int) or len(labels) < n_train:
        return (f"labels must be an array of whole numbers, one per training image (at "
                f"least {n_train}): data.y_train, got {format_value(part)}")
    if labels[:n_train].min() < 0 or labels[:n_train].max() > 9:
        return "labels must be digits 0 to 9"
    return None


def planted_bug(seed: int, data=None) -> BrokenRun:
    """The broken run of ``seed``: one of six bugs (:func:`bug_of`), not trained yet.

    Parameters
    ----------
    seed : int
        Your seed (any whole number >= 0): different seeds plant different bugs.
    data : nblib.mnist.MNIST, optional
        ``load_mnist()``; loaded if not given.

    Examples
    --------
    >>> run = planted_bug(7, data).train()      # under a second
    >>> print(run)
    """
    _check_seed(seed)
    return BrokenRun(seed, data=data)


# --- the checks -------------------------------------------------------------------------------------

OPTIONS = {
    "A": "The labels are shuffled: they no longer belong to their images.",
    "B": "The softmax is taken over the wrong axis: over the batch, not over the classes.",
    "C": "ReLU's backward pass lets every gradient through: its mask is missing.",
    "D": "The learning rate is 100 times too large.",
    "E": "All the weights start at zero.",
    "F": "The gradients are added up across steps instead of overwritten (numpy's way of "
         "forgetting PyTorch's zero_grad).",
}
#: Why each option is wrong when it is: what the run would show if it were that bug.
WHY_NOT = {
    "A": "with shuffled labels the network would look healthy inside (update ratios steady "
         "between about 0.002 and 0.02, activations keeping their scale, few dead ReLUs) "
         "while the loss stayed at ln 10 = 2.30 from the first step to the last: is that "
         "what this run shows?",
    "B": "a softmax over the wrong axis shows in the very first loss: about ln 64 = 4.16 "
         "(64 images a batch) instead of ln 10 = 2.30 (10 digits). What was this run's "
         "first loss (print(run))?",
    "C": "without its mask, ReLU lets the network learn at first (over 80 % validation "
         "accuracy after the first epoch) before its steps grow and the loss blows up: "
         "is that what this run shows?",
    "D": "a learning rate 100 times too large shows at the very first step: update ratios "
         "of 0.5 and more, hundreds of times a healthy run's. Look at "
         "plot_update_ratios(run.update_ratios).",
    "E": "weights that all start at zero give hidden units that output 0 for every image "
         "(dead_relu_fractions would say 100 %, on run.initial_model too), and weights "
         "that never move.",
    "F": "gradients added up across steps make the steps grow by about the same amount "
         "each step, from the first one on: update ratios 0.006, 0.013, 0.023, ... up to "
         "0.2 or more by step 15, then slowly sinking as the weights grow, while training "
         "goes on for hundreds of steps: is that what this run shows?",
}
HINT = """
Look before you guess.  print(run) shows the loss and validation accuracy;
plot_update_ratios(run.update_ratios) each layer's step size next to its weights (about
1e-3 is healthy); dead_relu_fractions(run.model, run.images[:2000]) the units that never
fire; look_inside(run.model, *run.batch(500)) each hidden layer's activations and
gradients, also on run.initial_model (before training).  Which of the six bugs would
produce exactly what you see?
"""


def name_the_bug(seed: int) -> Choice:
    """The multiple choice for the run of ``seed``: which of the six bugs is it?

    A :class:`nblib.checks.Choice` (letters A to F, :data:`OPTIONS`), like every other
    multiple choice of the course: ``name_the_bug(seed).check("C")``; also
    ``planted_bug(seed).naming``.
    """
    seed = _check_seed(seed)
    answer = LETTERS[BUGS.index(bug_of(seed))]
    return Choice(
        name=f"Debug exercise (name the bug of seed {seed})",
        options=dict(OPTIONS),
        answer=answer,
        why_not={letter: text for letter, text in WHY_NOT.items() if letter != answer},
        hint_text=HINT,
        solution_code=f'bug = "{answer}"   # {OPTIONS[answer]}',
    )


BrokenRun.naming = property(lambda self: name_the_bug(self.seed),
                            doc="The multiple choice naming this run's bug (name_the_bug).")

FIX_HINT = """
Replace only the part you found faulty, with a correct one, and give the check the new
run: run.replace(ReLU=ReLU) (your ReLU class from exercise 2, or nblib.layers.ReLU);
likewise Dense=, loss= (your softmax_cross_entropy), init="he" (a start of
nblib.initialisation), lr= (the recipe's rate, a number), labels=data.y_train (the labels
that belong with the images).  The check trains the fixed run again and asks it to learn.
"""
FIX_SOLUTION = """
# the part that carries your run's bug, replaced by a correct one, for example:
fixed = run.replace(ReLU=ReLU)            # ReLU's mask missing
# run.replace(labels=data.y_train)        # labels shuffled
# run.replace(loss=softmax_cross_entropy) # softmax over the wrong axis
# run.replace(lr=0.1)                     # learning rate 100 times too large
# run.replace(init="he")                  # weights all zero
# run.replace(Dense=Dense)                # gradients accumulated
"""


@dataclass
class FixCheck(Feedback):
    """Check a fixed run: exactly the faulty part replaced, and the run, trained again, learns
    (validation accuracy at least :data:`LEARNS` on its validation images)."""

    name: str = "Debug exercise (the fix)"
    hint_text: str = FIX_HINT
    solution_code: str = FIX_SOLUTION
    passed: bool = field(default=False, init=False)
    #: Its answer is a run that trains on MNIST: the robustness tests give it junk only, and
    #: tests/test_planted_bugs.py trains fixed and broken runs for it.
    checks_a_trained_network = True

    def check(self, run) -> None:
        """Retrain ``run`` (a BrokenRun from ``run.replace(...)``) and print the verdict."""
        problem = self._problem(run)
        self._report(problem, "" if problem else
                     f": the fixed run learns, {self.accuracy:.1%} validation accuracy on "
                     f"its {N_VAL:,} validation images")

    def _problem(self, run):
        if run is Ellipsis or run is None:
            return NotDone("set your answer to the fixed run, run.replace(PART=...), then "
                           "run this check")
        if isinstance(run, type):
            return "that is a class: give the check your fixed run, run.replace(PART=...)"
        if not isinstance(run, BrokenRun):
            return (f"expected your fixed run, run.replace(PART=...), got "
                    f"{type(run).__name__} {format_value(run)}")
        problem = run.settings_problem()
        if problem:
            return f"this run's settings are invalid: {problem}"
        replaced = run.replaced()
        if not replaced:
            return ("nothing is replaced yet: this is the broken run itself; replace the "
                    "faulty part, run.replace(PART=...)")
        if len(replaced) > 1:
            return (f"you replaced {len(replaced)} parts ({', '.join(replaced)}): replace "
                    "only the one you found faulty")
        part = replaced[0]
        if part != run.bug_part:
            return (f"the {part} part was not the faulty one: the run still has its bug. "
                    "Look at the diagnostics again")
        fresh = BrokenRun(**run.get_params(), data=run._data)
        try:   # quietly: the verdict is the one line printed
            with np.errstate(all="ignore"), warnings.catch_warnings(), \
                    contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                fresh.train()
        except Exception as error:   # the student's replacement failed: a verdict
            return (f"training with your {part} raised {error_text(error)}"
                    f"{where_raised(error)}")
        self.accuracy = fresh.val_accuracy
        if not self.accuracy >= LEARNS:
            stopped = fresh.history["stopped"]
            return (f"with your {part} the run reaches {self.accuracy:.1%} validation "
                    f"accuracy (the check asks for {LEARNS:.0%})"
                    + (f", and it stopped early ({stopped})" if stopped else "")
                    + ": is your replacement right? (for a class, its exercise's check "
                      "tells)")
        return None


#: The fix check: ``fix_check.check(run.replace(ReLU=ReLU))``.
fix_check = FixCheck()
