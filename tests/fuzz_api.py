"""Fuzz the public API of nblib.nn, engine, layers, classifier and mnist with bad input.

    .venv/bin/python tests/fuzz_api.py [--module nn] [--all]
    PYTHONPATH=/other/worktree .venv/bin/python tests/fuzz_api.py   # another tree's nblib

Every public function, class and method of the five modules is called, once per
kind of bad input per argument (None, a str, a set, a dict, complex, NaN, inf,
negative, zero, 10**400, a bool where a number goes, empty arrays, wrong
shapes, ragged lists, strings in arrays, callables returning NaN or a negative
number, ...), the other arguments being good.  Each call is classified:

clear
    It raised ValueError, TypeError, ZeroDivisionError, FloatingPointError or
    one of nblib's own error classes (``nblib.mnist.MNISTError``), and the
    message *names the argument*: the parameter's name (or, for an operator,
    its symbol; for a few parameters an alias listed in ``ALIASES``) occurs in
    the message as a whole word.  Or the call returned and warned with a
    message that names it (the engine's overflow policy: a RuntimeWarning).
unclear
    Any other exception (AttributeError, KeyError, OverflowError, numpy's
    errors...), or one of the classes above whose message does not name the
    argument (numpy's "could not convert string to float", ...).
silent
    It returned without error or such a warning although the input was bad,
    or it left NaN or inf in a model's weights.
hang
    Still running after ``TIMEOUT`` seconds (stopped with SIGALRM).

Which values are bad depends on the argument: 0 is a fine momentum but a bad
layer size, None a fine seed but a bad learning rate.  Each argument has a
*type* (``COUNT``, ``POSITIVE``, ``BATCH``...) listing the kinds of bad input
that apply to it; a kind that would be good for an argument is not tried.
Every public callable of the five modules must be listed in ``TARGETS`` or in
``NO_ARGUMENTS`` (callables that take no argument to get wrong); the others
are reported as "uncovered".

No network: the MNIST calls use tiny fake MNIST files in a temporary folder,
mirrors on 127.0.0.1 port 9 (nothing listens there) with a short timeout, and
any connection to an address other than 127.0.0.1 raises (and is reported).
Deterministic: fixed inputs and seeds, calls in a fixed order.
"""

# B008: the good arguments are defaults of the call wrappers (never mutated by the calls);
# B023: every lambda built in a loop is called at once, inside that iteration.
# ruff: noqa: B008, B023

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import inspect
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODULES = ["nn", "engine", "layers", "classifier", "mnist"]
TIMEOUT = 2.0  # seconds per call (a good call takes milliseconds)
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens there
CLEAR_ERRORS = (ValueError, TypeError, ZeroDivisionError, FloatingPointError)


class Hang(BaseException):
    """Raised by SIGALRM in a call that runs past TIMEOUT."""


# --- kinds of bad input --------------------------------------------------------------------------
# Each kind is a function of the context (ctx: what the good call uses), returning a fresh value.


def _ragged(ctx):
    return [[0.5] * ctx.get("cols", 2), [0.5] * (ctx.get("cols", 2) - 1)]


def _batch(ctx, fill=0.5, dtype=None):
    return np.full((ctx.get("rows", 4), ctx.get("cols", 2)), fill,
                   dtype=dtype or ctx.get("dtype", np.float64))


KINDS = {
    # scalars
    "None": lambda ctx: None,
    "str": lambda ctx: "3",
    "set": lambda ctx: {3, 1},
    "dict": lambda ctx: {"a": 1},
    "list": lambda ctx: [1.0],
    "complex": lambda ctx: 1 + 2j,
    "nan": lambda ctx: float("nan"),
    "inf": lambda ctx: float("inf"),
    "negative": lambda ctx: -1,
    "zero": lambda ctx: 0,
    "one": lambda ctx: 1.0,
    "huge int": lambda ctx: 10**400,
    "bool": lambda ctx: True,
    "float for an int": lambda ctx: 2.5,
    "int": lambda ctx: 3,
    "unknown name": lambda ctx: "abc",
    # sequences of sizes
    "empty list": lambda ctx: [],
    "list with 0": lambda ctx: [3, 0],
    "list with negative": lambda ctx: [3, -1],
    "list with float": lambda ctx: [3, 2.5],
    "list with None": lambda ctx: [3, None],
    "list with str": lambda ctx: [3, "2"],
    "list with bool": lambda ctx: [3, True],
    "list with huge int": lambda ctx: [3, 10**400],
    "one size": lambda ctx: [3],
    # one sample (a list of numbers)
    "short sample": lambda ctx: [0.5] * (ctx.get("cols", 2) - 1),
    "empty sample": lambda ctx: [],
    "nested sample": lambda ctx: [[0.5] * ctx.get("cols", 2)],
    "sample with nan": lambda ctx: [float("nan")] + [0.5] * (ctx.get("cols", 2) - 1),
    "sample with inf": lambda ctx: [float("inf")] + [0.5] * (ctx.get("cols", 2) - 1),
    "sample with str": lambda ctx: ["a"] + [0.5] * (ctx.get("cols", 2) - 1),
    "sample with bool": lambda ctx: [True] + [0.5] * (ctx.get("cols", 2) - 1),
    "sample with complex": lambda ctx: [1j] + [0.5] * (ctx.get("cols", 2) - 1),
    "sample with None": lambda ctx: [None] + [0.5] * (ctx.get("cols", 2) - 1),
    "sample with huge int": lambda ctx: [10**400] + [0.5] * (ctx.get("cols", 2) - 1),
    "2-D array sample": lambda ctx: np.full((1, ctx.get("cols", 2)), 0.5),
    # batches (2-D arrays)
    "empty batch": lambda ctx: np.empty((0, ctx.get("cols", 2)), dtype=ctx.get("dtype", float)),
    "1-D batch": lambda ctx: np.full(ctx.get("cols", 2), 0.5, dtype=ctx.get("dtype", float)),
    "3-D batch": lambda ctx: np.full((2, ctx.get("cols", 2), 1), 0.5,
                                     dtype=ctx.get("dtype", float)),
    "wrong columns": lambda ctx: np.full((3, ctx.get("cols", 2) + 1), 0.5,
                                         dtype=ctx.get("dtype", float)),
    "ragged rows": _ragged,
    "strings in array": lambda ctx: [["a"] * ctx.get("cols", 2)] * 2,
    "complex array": lambda ctx: _batch(ctx) + 1j,
    "NaN in array": lambda ctx: _batch(ctx, float("nan")),
    "inf in array": lambda ctx: _batch(ctx, float("inf")),
    "None in array": lambda ctx: [[None] * ctx.get("cols", 2)] * 2,
    "bool array": lambda ctx: np.ones((ctx.get("rows", 4), ctx.get("cols", 2)), dtype=bool),
    "int array": lambda ctx: np.ones((ctx.get("rows", 4), ctx.get("cols", 2)), dtype=np.int64),
    "float64 for float32": lambda ctx: _batch(ctx, dtype=np.float64),
    "nested list": lambda ctx: _batch(ctx).tolist(),
    # labels
    "labels of wrong length": lambda ctx: np.zeros(ctx.get("rows", 4) + 1, dtype=int),
    "2-D labels": lambda ctx: np.zeros((ctx.get("rows", 4), 1), dtype=int),
    "empty labels": lambda ctx: np.zeros(0, dtype=int),
    "float labels": lambda ctx: np.full(ctx.get("rows", 4), 0.5),
    "NaN labels": lambda ctx: np.full(ctx.get("rows", 4), float("nan")),
    "negative label": lambda ctx: np.full(ctx.get("rows", 4), -1),
    "label out of range": lambda ctx: np.full(ctx.get("rows", 4), ctx.get("classes", 2) + 7),
    "string labels": lambda ctx: np.array(["a"] * ctx.get("rows", 4)),
    # callables
    "not callable": lambda ctx: 3,
    "callable returning NaN": lambda ctx: (lambda step: float("nan")),
    "callable returning inf": lambda ctx: (lambda step: float("inf")),
    "callable returning negative": lambda ctx: (lambda step: -1.0),
    "callable returning str": lambda ctx: (lambda step: "fast"),
    "callable returning None": lambda ctx: (lambda step: None),
    # objects
    "object": lambda ctx: object(),
    "number for an object": lambda ctx: 3,
    "Value": lambda ctx: _engine().Value(2.0),
    "list of non-layers": lambda ctx: [3, "relu"],
    # paths and URLs
    "int path": lambda ctx: 123,
    "float path": lambda ctx: 1.5,
    "missing path": lambda ctx: str(Path(ctx["tmp"]) / "no such file"),
    "mirror list with int": lambda ctx: [123],
    "malformed URL": lambda ctx: ["not a url"],
    "URL as a str": lambda ctx: UNREACHABLE,
    "mapping missing files": lambda ctx: {},
    "bad hex digest": lambda ctx: {name: "xyz" for name in ctx["files"]},
    "str in place of bytes": lambda ctx: "not an array",
}

# An argument's type: the kinds of bad input that apply to it.
NUMBER_KINDS = ["None", "str", "set", "dict", "list", "complex", "nan", "inf", "huge int", "bool"]
COUNT = [*NUMBER_KINDS, "negative", "zero", "float for an int"]            # an int >= 1
COUNT0 = [*NUMBER_KINDS, "negative", "float for an int"]                   # an int >= 0
POSITIVE = [*NUMBER_KINDS, "negative", "zero"]                             # a real > 0
NONNEG = [*NUMBER_KINDS, "negative"]                                       # a real >= 0
UNIT = [*NUMBER_KINDS, "negative", "one"]                                  # a real in [0, 1)
SEED = ["str", "set", "dict", "list", "complex", "nan", "inf", "negative", "float for an int",
        "bool"]                                                          # None or an int >= 0
RNG = ["str", "dict", "int", "object"]                                     # None or a Generator
NAME = ["None", "unknown name", "set", "dict", "bool", "int"]              # one of a few names
FLAG = ["str", "dict", "nan", "complex", "int"]                            # True or False
SIZES = ["None", "str", "set", "dict", "complex", "nan", "bool", "empty list", "list with 0",
         "list with negative", "list with float", "list with None", "list with str",
         "list with bool", "list with huge int"]                           # a list of ints >= 1
SAMPLE = ["None", "str", "set", "dict", "complex", "short sample", "empty sample",
          "nested sample", "sample with nan", "sample with inf", "sample with str",
          "sample with bool", "sample with complex", "sample with None", "sample with huge int",
          "2-D array sample"]                                              # nin numbers
NUMBER = ["None", "str", "set", "dict", "list", "complex", "nan", "inf", "huge int", "bool"]
BATCH = ["None", "str", "set", "dict", "complex", "nan", "bool", "empty batch", "1-D batch",
         "3-D batch", "wrong columns", "ragged rows", "strings in array", "complex array",
         "NaN in array", "inf in array", "None in array"]                  # (n, features) floats
LAYER_BATCH = [*BATCH, "int array", "nested list"]                         # a float ndarray
# A layer's forward and backward pass NaN and inf through, as nblib.layers documents (the
# loss and the optimizer stop on them): not bad input there.
LAYER_X = [k for k in LAYER_BATCH if k not in ("NaN in array", "inf in array")]
LOGITS = [k for k in LAYER_BATCH if k != "wrong columns"]                  # any number of classes
LABELS = ["None", "str", "set", "dict", "complex", "labels of wrong length", "2-D labels",
          "empty labels", "float labels", "NaN labels", "negative label", "label out of range",
          "string labels"]
CLASSES = [k for k in LABELS if k not in ("negative label", "label out of range")]
SCHEDULE = ["not callable", "str", "callable returning NaN", "callable returning inf",
            "callable returning negative", "callable returning str", "callable returning None"]
PATH = ["None", "int path", "float path", "set", "dict", "bool", "missing path"]
OPTIONAL_PATH = ["int path", "float path", "set", "dict", "bool"]
MIRRORS = ["None", "URL as a str", "int", "set", "dict", "empty list", "mirror list with int",
           "malformed URL"]
SHA256 = ["None", "str", "int", "list", "mapping missing files", "bad hex digest"]
TIMEOUT_KINDS = ["None", "str", "set", "dict", "complex", "nan", "inf", "negative", "zero",
                 "huge int", "bool"]

#: Words besides the parameter's own name that count as naming it, with the reason.
ALIASES = {
    # Value(x): the user writes no "data"; "Value(" names the call.
    ("engine", "Value", "data"): ["Value"],
    # operators: the user writes no "other"; the message must name the operation.
    ("engine", "Value", "other"): ["operand"],
    ("engine", "Value.__add__", "other"): ["+"], ("engine", "Value.__radd__", "other"): ["+"],
    ("engine", "Value.__sub__", "other"): ["-"], ("engine", "Value.__rsub__", "other"): ["-"],
    ("engine", "Value.__mul__", "other"): ["*"], ("engine", "Value.__rmul__", "other"): ["*"],
    ("engine", "Value.__truediv__", "other"): ["/"],
    ("engine", "Value.__rtruediv__", "other"): ["/"],
    ("engine", "Value.__rpow__", "base"): ["**"],
    # Sequential(*layers): "layer 0" names the first of them.
    ("layers", "Sequential", "layers"): ["layer"],
    # Neuron/Layer/MLP(x): x[0], x[1], ... name the argument's entries.
    ("nn", "*", "x"): ["x"],
    # a bad mirror is one failed mirror, reported with the others (issue 16): "mirror" names it.
    ("mnist", "*", "mirrors"): ["mirror"],
}


# --- the calls -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One public callable and how to call it well; ``call(**overrides)`` makes the call."""
    module: str
    qualname: str
    call: object
    params: dict = field(default_factory=dict)   # parameter -> list of kinds
    ctx: dict = field(default_factory=dict)      # shapes and dtype the kinds build from
    check: object = None                         # after a call that returned: "what is broken"


@dataclass
class Extra:
    """One explicit bad call, with the words its error or warning must contain."""
    module: str
    qualname: str
    label: str
    call: object
    names: list
    check: object = None


@dataclass
class Outcome:
    module: str
    qualname: str
    param: str
    kind: str
    verdict: str      # clear, unclear, silent, hang
    detail: str


def _engine():
    import nblib.engine
    return nblib.engine


def _weights_broken(*arrays):
    for a in arrays:
        if not np.all(np.isfinite(a)):
            return "NaN or inf written into the weights"
    return None


def _model_broken(model):
    return _weights_broken(*model.parameters())


def _value_model_broken(model):
    return _weights_broken(np.array([p.data for p in model.parameters()]))


def build_targets(tmp: Path):
    """Every target and extra call, as (targets, extras, no_arguments)."""
    from nblib import classifier, engine, layers, mnist, nn

    V = engine.Value
    X2 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0], [1.0, 1.0]])
    X32 = X2.astype(np.float32)
    fake = make_fake_mnist(tmp / "mnist")
    ctx2 = {"rows": 4, "cols": 2}
    ctx32 = {"rows": 4, "cols": 2, "dtype": np.float32}
    T = []

    # --- nblib.engine --------------------------------------------------------------------------
    def value(data=1.5, label="", requires_grad=True):
        return V(data, label=label, requires_grad=requires_grad)
    T.append(Target("engine", "Value", value,
                    {"data": NUMBER, "label": ["None", "int", "dict"],
                     "requires_grad": ["None", "str", "int", "nan"]}))
    for op, qual in [("+", "__add__"), ("*", "__mul__"), ("-", "__sub__"), ("/", "__truediv__")]:
        T.append(Target("engine", f"Value.{qual}",
                        (lambda op: lambda other=2.0: eval(f"a {op} other",
                                                            {"a": V(1.5), "other": other}))(op),
                        {"other": [k for k in NUMBER if k != "list"] + ["list"]
                         + (["zero"] if op == "/" else [])}))
    for op, qual in [("+", "__radd__"), ("*", "__rmul__"), ("-", "__rsub__"),
                     ("/", "__rtruediv__")]:
        T.append(Target("engine", f"Value.{qual}",
                        (lambda op: lambda other=2.0: eval(f"other {op} a",
                                                            {"a": V(1.5), "other": other}))(op),
                        {"other": ["str", "set", "dict", "complex", "nan", "inf", "huge int",
                                   "bool"]}))
    T.append(Target("engine", "Value.__pow__", lambda exponent=2: V(1.5) ** exponent,
                    {"exponent": ["None", "str", "set", "complex", "nan", "inf", "huge int",
                                  "bool", "Value", "list"]}))
    T.append(Target("engine", "Value.__rpow__", lambda base=2.0: base ** V(1.5),
                    {"base": ["int", "complex", "nan"]}))

    def optimize(lr=0.1):
        w = V(1.0, label="w")
        loss = w * w
        loss.backward()
        loss.optimize(lr)
        return w
    T.append(Target("engine", "Value.optimize", optimize, {"lr": POSITIVE},
                    check=lambda w: None if math.isfinite(w.data) else "w is not finite"))
    T.append(Target("engine", "topological_order", lambda root=V(1.0): engine.topological_order(root),
                    {"root": ["None", "str", "int", "list", "dict"]}))
    T.append(Target("engine", "Value.topological_order", lambda: V(1.0).topological_order()))

    seq_kinds = ["str", "set", "dict", "int", "list with None", "list with str", "list with huge int",
                 "empty list", "one size"]
    T.append(Target("engine", "weighted_sum", lambda weights=(V(0.5), V(-1.0)), inputs=(1.0, 2.0),
                    bias=0.5: engine.weighted_sum(weights, inputs, bias),
                    {"weights": ["None", *seq_kinds], "inputs": ["None", *seq_kinds],
                     "bias": [k for k in NUMBER if k != "list"]}))

    E = []  # extra, explicit bad calls
    E.append(Extra("engine", "Value", "Value(10**400)", lambda: V(10**400), ["Value", "large"]))
    E.append(Extra("engine", "Value.__mul__", "Value(1e308) * 10", lambda: V(1e308) * 10,
                   ["1e+308", "10", "inf"]))
    E.append(Extra("engine", "Value.__add__", "Value(1e308) + 1e308", lambda: V(1e308) + 1e308,
                   ["1e+308", "inf"]))
    E.append(Extra("engine", "Value.exp", "Value(1000).exp()", lambda: V(1000).exp(),
                   ["exp", "1000"]))
    E.append(Extra("engine", "Value.__pow__", "Value(1.5) ** 2000", lambda: V(1.5) ** 2000,
                   ["1.5", "2000"]))
    E.append(Extra("engine", "Value.__sub__", "inf - inf", lambda: _inf_minus_inf(V),
                   ["inf", "nan"]))
    E.append(Extra("engine", "Value.log", "Value(0).log()", lambda: V(0.0).log(), ["log", "0"]))
    E.append(Extra("engine", "Value.log", "Value(-2).log()", lambda: V(-2.0).log(), ["log", "-2"]))
    E.append(Extra("engine", "Value.__truediv__", "Value(1) / Value(0)", lambda: V(1.0) / V(0.0),
                   ["0"]))
    E.append(Extra("engine", "Value.__pow__", "Value(-2) ** 0.5", lambda: V(-2.0) ** 0.5,
                   ["-2", "0.5"]))
    E.append(Extra("engine", "Value.optimize", "optimize(1e308) overflows the weights",
                   lambda: optimize(1e308), ["lr"],
                   check=lambda w: None if math.isfinite(w.data) else "w is not finite"))
    E.append(Extra("engine", "Value.backward", "backward() from inf",
                   lambda: _backward_from_inf(V), ["inf"]))

    # --- nblib.nn ------------------------------------------------------------------------------
    T.append(Target("nn", "Neuron", lambda nin=2, activation="relu", nonlin=None, rng=None, seed=0:
                    nn.Neuron(nin, activation, nonlin=nonlin, rng=rng, seed=seed),
                    {"nin": COUNT, "activation": NAME, "nonlin": FLAG, "rng": RNG, "seed": SEED}))
    T.append(Target("nn", "Neuron.__call__", lambda x=(0.5, 1.0): nn.Neuron(2, seed=0)(x),
                    {"x": SAMPLE}, ctx2))
    T.append(Target("nn", "Layer", lambda nin=2, nout=3, activation="relu", nonlin=None, rng=None,
                    seed=0: nn.Layer(nin, nout, activation, nonlin=nonlin, rng=rng, seed=seed),
                    {"nin": COUNT, "nout": COUNT, "activation": NAME, "nonlin": FLAG, "rng": RNG,
                     "seed": SEED}))
    T.append(Target("nn", "Layer.__call__", lambda x=(0.5, 1.0): nn.Layer(2, 3, seed=0)(x),
                    {"x": SAMPLE}, ctx2))
    T.append(Target("nn", "MLP", lambda nin=2, nouts=(3, 1), activation="relu",
                    output_activation="linear", seed=0:
                    nn.MLP(nin, nouts, activation, output_activation, seed),
                    {"nin": COUNT, "nouts": SIZES, "activation": NAME,
                     "output_activation": NAME, "seed": SEED}))
    T.append(Target("nn", "MLP.__call__", lambda x=(0.5, 1.0): nn.MLP(2, [3, 1])(x),
                    {"x": SAMPLE}, ctx2))
    T.append(Target("nn", "MLP.predict_batch", lambda X=X2: nn.MLP(2, [3, 1]).predict_batch(X),
                    {"X": BATCH}, ctx2))

    # --- nblib.layers --------------------------------------------------------------------------
    T.append(Target("layers", "Dense", lambda n_in=2, n_out=3, seed=0, rng=None, dtype=np.float32:
                    layers.Dense(n_in, n_out, seed=seed, rng=rng, dtype=dtype),
                    {"n_in": COUNT, "n_out": COUNT, "seed": SEED, "rng": RNG,
                     "dtype": ["None", "unknown name", "int", "set", "dict", "str"]}))
    T.append(Target("layers", "Dense.forward", lambda X=X32: layers.Dense(2, 3).forward(X),
                    {"X": [*LAYER_X, "float64 for float32"]}, ctx32))
    T.append(Target("layers", "Layer.__call__", lambda X=X32: layers.Dense(2, 3)(X),
                    {"X": [*LAYER_X, "float64 for float32"]}, ctx32))

    def dense_backward(dY=np.ones((4, 3), np.float32), input_grad=True):
        d = layers.Dense(2, 3)
        d.forward(X32)
        return d.backward(dY, input_grad)
    T.append(Target("layers", "Dense.backward", dense_backward,
                    {"dY": [*LAYER_X, "float64 for float32"], "input_grad": FLAG},
                    {"rows": 4, "cols": 3, "dtype": np.float32}))
    T.append(Target("layers", "ReLU.forward", lambda X=X32: layers.ReLU().forward(X),
                    {"X": [k for k in LAYER_X if k != "wrong columns"]}, ctx32))

    def relu_backward(dY=np.ones((4, 2), np.float32), input_grad=True):
        r = layers.ReLU()
        r.forward(X32)
        return r.backward(dY, input_grad)
    T.append(Target("layers", "ReLU.backward", relu_backward,
                    {"dY": [*LAYER_X, "float64 for float32"], "input_grad": FLAG}, ctx32))

    def seq(layers=None, _seq=layers):
        if layers is _GOOD:
            return _seq.Sequential(_seq.Dense(2, 3), _seq.ReLU())
        if layers is _EMPTY:
            return _seq.Sequential()
        return _seq.Sequential(layers)
    T.append(Target("layers", "Sequential", lambda layers=_GOOD: seq(layers),
                    {"layers": ["None", "str", "int", "dict", "list of non-layers", "empty list",
                                "object", "Value"]}))
    E.append(Extra("layers", "Sequential", "Sequential()", lambda: seq(_EMPTY), ["layer"]))
    E.append(Extra("layers", "Sequential", "Sequential(Dense, 'relu')",
                   lambda: layers.Sequential(layers.Dense(2, 3), "relu"), ["layer"]))
    T.append(Target("layers", "Sequential.forward",
                    lambda X=X32: layers.mlp([2, 3, 2]).forward(X), {"X": LAYER_X}, ctx32))

    def seq_backward(dY=np.ones((4, 2), np.float32), input_grad=False):
        m = layers.mlp([2, 3, 2])
        m.forward(X32)
        return m.backward(dY, input_grad)
    T.append(Target("layers", "Sequential.backward", seq_backward,
                    {"dY": [*LAYER_X, "float64 for float32"], "input_grad": FLAG}, ctx32))
    T.append(Target("layers", "mlp", lambda sizes=(2, 3, 2), seed=0, dtype=np.float32:
                    layers.mlp(sizes, seed=seed, dtype=dtype),
                    {"sizes": [*SIZES, "one size"], "seed": SEED,
                     "dtype": ["None", "unknown name", "int", "set", "str"]}))
    for fname in ["log_softmax", "softmax"]:
        T.append(Target("layers", fname, (lambda f: lambda logits=X32: f(logits))(
            getattr(layers, fname)), {"logits": LOGITS}, ctx32))
    T.append(Target("layers", "softmax_cross_entropy_with_logits",
                    lambda logits=X32, labels=np.array([0, 1, 1, 0]):
                    layers.softmax_cross_entropy_with_logits(logits, labels),
                    {"logits": LOGITS, "labels": LABELS}, ctx32))
    T.append(Target("layers", "SGD", lambda lr=0.1, momentum=0.0, schedule=None:
                    layers.SGD(lr, momentum, schedule),
                    {"lr": POSITIVE, "momentum": UNIT, "schedule": ["str", "dict", "not callable"]}))

    def sgd_step(model=_GOOD, lr=0.1, momentum=0.9, schedule=None, steps=1):
        opt = layers.SGD(lr, momentum, schedule)
        m = layers.mlp([2, 3, 2])
        for _ in range(steps):
            m.backward(layers.softmax_cross_entropy_with_logits(m.forward(X32),
                                                                np.array([0, 1, 1, 0]))[1])
            opt.step(m if model is _GOOD else model)
        return m
    T.append(Target("layers", "SGD.step", lambda model=_GOOD: sgd_step(model),
                    {"model": ["None", "str", "int", "dict", "object", "list"]},
                    check=_model_broken))
    T.append(Target("layers", "SGD.current_lr",
                    lambda schedule=lambda s: 1.0: layers.SGD(0.1, 0, schedule).current_lr(),
                    {"schedule": SCHEDULE[2:]},
                    check=lambda lr: None if isinstance(lr, float) and lr >= 0 and
                    math.isfinite(lr) else f"returned {lr!r}"))
    T.append(Target("layers", "SGD.step (schedule)",
                    lambda schedule=lambda s: 1.0: sgd_step(schedule=schedule),
                    {"schedule": SCHEDULE[2:]}, check=_model_broken))
    E.append(Extra("layers", "SGD.step", "SGD(lr=1e300).step", lambda: sgd_step(lr=1e300),
                   ["lr"], check=_model_broken))
    E.append(Extra("layers", "SGD.step", "SGD(lr=1e38, momentum=0.9).step x3",
                   lambda: sgd_step(lr=1e38, steps=3), ["lr"], check=_model_broken))
    T.append(Target("layers", "linear_decay", lambda total_steps=10: layers.linear_decay(total_steps),
                    {"total_steps": COUNT}))
    T.append(Target("layers", "iterate_minibatches",
                    lambda X=X32, y=np.array([0, 1, 1, 0]), batch_size=2, rng=None, shuffle=True:
                    list(layers.iterate_minibatches(X, y, batch_size, rng=rng, shuffle=shuffle)),
                    {"X": ["None", "str", "set", "dict", "complex", "nan", "bool", "empty batch",
                           "1-D batch", "ragged rows", "strings in array"],
                     "y": ["None", "str", "set", "dict", "complex", "labels of wrong length",
                           "2-D labels", "empty labels"],
                     "batch_size": COUNT, "rng": RNG, "shuffle": FLAG}, ctx32))

    def train(model=_GOOD, optimizer=_GOOD, X=X32, y=np.array([0, 1, 1, 0]), batch_size=2,
              rng=None):
        model = layers.mlp([2, 3, 2]) if model is _GOOD else model
        optimizer = layers.SGD(0.1) if optimizer is _GOOD else optimizer
        return layers.train_epoch(model, optimizer, X, y, batch_size, rng=rng)
    T.append(Target("layers", "train_epoch", train,
                    {"model": ["None", "str", "int", "dict", "object"],
                     "optimizer": ["None", "str", "int", "dict", "object"],
                     "X": LAYER_BATCH, "y": LABELS, "batch_size": COUNT, "rng": RNG}, ctx32))
    E.append(Extra("layers", "train_epoch", "lr 10, momentum 0.99, five epochs",
                   lambda: _diverging_training(layers), ["lr", "momentum"]))
    T.append(Target("layers", "predict", lambda model=_GOOD, X=X32, batch_size=2:
                    layers.predict(layers.mlp([2, 3, 2]) if model is _GOOD else model, X,
                                   batch_size),
                    {"model": ["None", "str", "int", "dict", "object"], "X": LAYER_BATCH,
                     "batch_size": COUNT}, ctx32))
    T.append(Target("layers", "accuracy", lambda y_pred=np.array([0, 1, 1, 0]),
                    y=np.array([0, 1, 0, 0]): layers.accuracy(y_pred, y),
                    {"y_pred": CLASSES, "y": CLASSES}, ctx2))

    # --- nblib.classifier ----------------------------------------------------------------------
    Xc = np.array([[0.0, 0.1], [0.2, 0.9], [1.0, 0.8], [0.9, 0.1], [0.1, 0.5], [0.8, 0.4],
                   [0.3, 0.3], [0.7, 0.9]])
    yc = np.array([0, 1, 1, 0, 0, 1, 0, 1])
    ctxc = {"rows": 8, "cols": 2, "classes": 2}
    small = {"hidden_layer_sizes": (3,), "num_epochs": 2, "batch_size": 4, "progress": False}
    init_kinds = {"hidden_layer_sizes": [k for k in SIZES if k != "empty list"],
                  "activation": NAME, "loss": NAME, "num_epochs": COUNT, "batch_size": COUNT,
                  "lr": POSITIVE, "alpha": NONNEG, "seed": SEED, "random_state": SEED,
                  "progress": FLAG}
    init_params = list(inspect.signature(classifier.Classifier.__init__).parameters)[1:]

    def clf_fit(**overrides):
        return classifier.Classifier(**{**small, **overrides}).fit(Xc, yc)
    T.append(Target("classifier", "Classifier", clf_fit,
                    {p: init_kinds.get(p, []) for p in init_params}, ctxc,
                    check=lambda c: _value_model_broken(c.model_)))
    T.append(Target("classifier", "Classifier.fit",
                    lambda X=Xc, y=yc, validation_data=None:
                    classifier.Classifier(**small).fit(X, y, validation_data=validation_data),
                    {"X": BATCH, "y": [k for k in LABELS if k not in (
                        "negative label", "label out of range", "float labels",
                        "string labels")],
                     "validation_data": ["str", "int", "dict", "list"]}, ctxc))
    fitted = classifier.Classifier(**small).fit(Xc, yc)
    for method in ["predict", "predict_proba", "decision_function"]:
        T.append(Target("classifier", f"Classifier.{method}",
                        (lambda m: lambda X=Xc: getattr(fitted, m)(X))(method), {"X": BATCH},
                        ctxc))
    E.append(Extra("classifier", "Classifier.fit", "lr=1e3 diverges",
                   lambda: classifier.Classifier(**{**small, "num_epochs": 20, "lr": 1e3})
                   .fit(Xc * 50, yc), ["lr"]))
    E.append(Extra("classifier", "Classifier.fit", "X times 1e300",
                   lambda: classifier.Classifier(**small).fit(Xc * 1e300, yc),
                   ["standardise", "1e+300"]))

    # --- nblib.mnist ---------------------------------------------------------------------------
    files, sums = fake["files"], fake["sha256"]
    mctx = {"tmp": str(tmp), "files": files}

    def fresh_cache():
        folder = Path(tempfile.mkdtemp(dir=tmp))
        for name in files:
            shutil.copy(fake["dir"] / name, folder / name)
        return folder
    net = {"mirrors": [UNREACHABLE], "timeout": 0.5, "progress": False}
    T.append(Target("mnist", "load_mnist", lambda mnist_dir=_GOOD, n_val=4, cache=None,
                    mirrors=net["mirrors"], sha256=sums, progress=False, timeout=0.5:
                    mnist.load_mnist(fake["dir"] if mnist_dir is _GOOD else mnist_dir,
                                     n_val=n_val, cache=fresh_cache() if cache is None else cache,
                                     mirrors=mirrors, sha256=sums if sha256 is None else sha256,
                                     progress=progress, timeout=timeout),
                    {"mnist_dir": OPTIONAL_PATH + ["missing path"], "n_val": COUNT0},
                    mctx))
    T.append(Target("mnist", "load_mnist (download)", lambda cache=_GOOD, mirrors=net["mirrors"],
                    sha256=_GOOD, progress=False, timeout=0.5:
                    mnist.load_mnist(None, n_val=4,
                                     cache=fresh_cache() if cache is _GOOD else cache,
                                     mirrors=mirrors, sha256=sums if sha256 is _GOOD else sha256,
                                     progress=progress, timeout=timeout),
                    {"cache": OPTIONAL_PATH, "sha256": SHA256, "progress": FLAG},
                    mctx))

    def download(cache=_GOOD, mirrors=net["mirrors"], sha256=_GOOD, progress=False,
                 timeout=0.5, empty=False):
        folder = fresh_cache() if cache is _GOOD else cache
        if empty and cache is _GOOD:
            for name in files:
                (folder / name).unlink()
        return mnist.download_mnist(folder, mirrors=mirrors,
                                    sha256=sums if sha256 is _GOOD else sha256,
                                    progress=progress, timeout=timeout)
    T.append(Target("mnist", "download_mnist", download,
                    {"cache": OPTIONAL_PATH, "sha256": SHA256, "progress": FLAG}, mctx))
    # an empty cache: the mirrors and timeout are used (127.0.0.1 only)
    T.append(Target("mnist", "download_mnist (empty cache)",
                    lambda mirrors=net["mirrors"], timeout=0.5:
                    download(mirrors=mirrors, timeout=timeout, empty=True),
                    {"mirrors": MIRRORS, "timeout": TIMEOUT_KINDS}, mctx,
                    check=lambda r: "returned files from nowhere"))
    T.append(Target("mnist", "check_folder", lambda folder=_GOOD, sha256=_GOOD:
                    mnist.check_folder(fake["dir"] if folder is _GOOD else folder,
                                       sha256=sums if sha256 is _GOOD else sha256),
                    {"folder": PATH}, mctx))
    T.append(Target("mnist", "file_sha256",
                    lambda path=_GOOD: mnist.file_sha256(fake["dir"] / files[0]
                                                         if path is _GOOD else path),
                    {"path": PATH}, mctx))
    T.append(Target("mnist", "read_sha256sums",
                    lambda path=_GOOD: mnist.read_sha256sums(fake["dir"] / "SHA256SUMS"
                                                             if path is _GOOD else path),
                    {"path": PATH}, mctx))
    T.append(Target("mnist", "read_idx", lambda path=_GOOD, ndim=3:
                    mnist.read_idx(fake["dir"] / files[0] if path is _GOOD else path, ndim),
                    {"path": PATH, "ndim": ["str", "set", "complex", "nan", "negative",
                                            "float for an int", "bool", "huge int"]}, mctx))
    T.append(Target("mnist", "to_float32",
                    lambda images=np.zeros((2, 28, 28), np.uint8): mnist.to_float32(images),
                    {"images": ["None", "str", "set", "dict", "complex", "float64 for float32",
                                "1-D batch", "ragged rows", "strings in array", "bool array",
                                "int array"]}, {"rows": 2, "cols": 784}))
    E.append(Extra("mnist", "read_sha256sums", "SHA256SUMS not UTF-8",
                   lambda: mnist.read_sha256sums(_write(tmp / "latin1", b"\xff\xfe  x\n")),
                   ["SHA256SUMS", "latin1"]))
    E.append(Extra("mnist", "read_sha256sums", "duplicate entries",
                   lambda: mnist.read_sha256sums(_write(
                       tmp / "dups", f"{'0' * 64}  a\n{'1' * 64}  a\n".encode())),
                   ["dups"]))
    E.append(Extra("mnist", "read_idx", "an IDX header with a zero dimension",
                   lambda: mnist.read_idx(_write(tmp / "zero.gz", gzip.compress(
                       b"\x00\x00\x08\x03" + (0).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
                   ))), ["zero.gz"]))

    no_arguments = {
        ("engine", "collector_paused"), ("engine", "Value.backward"), ("engine", "Value.exp"),
        ("engine", "Value.log"), ("engine", "Value.tanh"), ("engine", "Value.sigmoid"),
        ("engine", "Value.relu"), ("engine", "Value.__neg__"), ("engine", "Value.parameters"),
        ("engine", "Value.zero_grad"), ("engine", "Value.__repr__"),
        ("nn", "Module"), ("nn", "Module.parameters"), ("nn", "Module.zero_grad"),
        ("nn", "Neuron.parameters"), ("nn", "Layer.parameters"), ("nn", "Layer.weight_arrays"),
        ("nn", "MLP.parameters"), ("nn", "Neuron.__repr__"), ("nn", "Layer.__repr__"),
        ("nn", "MLP.__repr__"),
        ("layers", "Layer"), ("layers", "Layer.forward"), ("layers", "Layer.backward"),
        ("layers", "Layer.parameters"), ("layers", "Layer.gradients"),
        ("layers", "Dense.parameters"), ("layers", "Dense.gradients"), ("layers", "ReLU"),
        ("layers", "Sequential.parameters"), ("layers", "Sequential.gradients"),
        ("layers", "Dense.__repr__"), ("layers", "ReLU.__repr__"),
        ("layers", "Sequential.__repr__"),
        ("mnist", "cache_folder"), ("mnist", "MNIST"), ("mnist", "MNIST.__repr__"),
        ("classifier", "Classifier.__sklearn_is_fitted__"),
        ("mnist", "MNISTError"), ("mnist", "DownloadError"), ("mnist", "ChecksumError"),
        ("mnist", "FormatError"), ("engine", "ValueOverflowWarning"),
        ("layers", "TrainingDiverged"),
    }
    return T, E, no_arguments


class _Marker:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


_GOOD, _EMPTY = _Marker("<good>"), _Marker("<empty>")


def _inf_minus_inf(V):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = V(1e308) * 10
    return big - big


def _backward_from_inf(V):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = V(1e200) * V(1e200)
    y.backward()
    return y


def _diverging_training(layers):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = layers.mlp([4, 16, 2])
    optimizer = layers.SGD(lr=10.0, momentum=0.99)
    losses = [layers.train_epoch(model, optimizer, X, y, 16, rng=np.random.default_rng(1))
              for _ in range(5)]
    return losses


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_fake_mnist(folder: Path) -> dict:
    """Four tiny IDX files with MNIST's names (12 training, 4 test images), and SHA256SUMS."""
    from nblib import mnist
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def idx(array):
        header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big")
                                                         for n in array.shape)
        return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)
    names = list(mnist.FILES)
    arrays = {}
    for name in names:
        n = 12 if "train" in name else 4
        arrays[name] = (rng.integers(0, 256, (n, 28, 28)) if "images" in name
                        else rng.integers(0, 10, n))
    sums = {}
    for name in names:
        data = idx(arrays[name])
        (folder / name).write_bytes(data)
        sums[name] = hashlib.sha256(data).hexdigest()
    (folder / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    return {"dir": folder, "files": names, "sha256": sums}


# --- running and classifying ---------------------------------------------------------------------


def _names(message: str, words) -> bool:
    return any(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", message) for w in words)


def _aliases(module, qualname, param):
    cls = qualname.split(".")[0]
    return [param, *ALIASES.get((module, cls, param), []), *ALIASES.get((module, "*", param), []),
            *ALIASES.get((module, qualname, param), [])]


def _nblib_error(error) -> bool:
    try:
        from nblib.mnist import MNISTError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, MNISTError)


def _is_numpy_warning(w) -> bool:
    return "encountered in" in str(w.message) or "numpy" in (w.filename or "")


def run_call(call, words, check=None):
    """(verdict, detail) of one call; ``words``: what a clear message must name (any of them)."""
    saved = [os.dup(fd) for fd in (0, 1, 2)]  # open(True) is open(1): it would close stdout
    try:
        verdict, detail = _run_call(call, words, check)
    finally:
        closed = []
        for fd, copy in zip((0, 1, 2), saved):
            try:
                os.fstat(fd)
            except OSError:
                closed.append(fd)
                os.dup2(copy, fd)
            os.close(copy)
    if closed and verdict != "clear":
        detail += f" (and closed file descriptor {closed})"
    return verdict, detail


def _run_call(call, words, check=None):
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            result = call()
    except Hang:
        return "hang", f"still running after {TIMEOUT} s"
    except _NetworkAttempt as error:
        return "unclear", f"tried the network: {error}"
    except Exception as error:  # noqa: BLE001 - classifying every exception is the point
        signal.setitimer(signal.ITIMER_REAL, 0)
        text = f"{type(error).__name__}: {error}"
        if isinstance(error, CLEAR_ERRORS) or _nblib_error(error):
            if _names(str(error), words):
                return "clear", text
            return "unclear", "does not name it: " + text
        return "unclear", text
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    own = [w for w in caught if not _is_numpy_warning(w)]
    named = [w for w in own if _names(str(w.message), words)]
    broken = check(result) if check is not None else None
    if broken:
        return "silent", broken + (f" (warned: {own[0].message})" if own else "")
    if named:
        return "clear", f"warned {named[0].category.__name__}: {named[0].message}"
    if own:
        return "silent", f"warned without naming it: {own[0].category.__name__}: {own[0].message}"
    numpy_warnings = [str(w.message) for w in caught]
    return "silent", "returned " + _short(result) + (
        f" (numpy warned: {numpy_warnings[0]})" if numpy_warnings else "")


def _short(result) -> str:
    text = repr(result) if not isinstance(result, np.ndarray) else \
        f"array {result.shape} {result.dtype}"
    return text if len(text) < 80 else text[:77] + "..."


def _alarm(signum, frame):
    raise Hang()


class _NetworkAttempt(BaseException):
    pass


@contextlib.contextmanager
def loopback_only():
    """Any connection to an address other than 127.0.0.1 raises _NetworkAttempt."""
    original_connect = socket.socket.connect
    original_create = socket.create_connection

    def host_of(address):
        return address[0] if isinstance(address, tuple) else str(address)

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and \
                host_of(address) not in ("127.0.0.1", "localhost", "::1"):
            raise _NetworkAttempt(f"connection to {address}")
        return original_connect(self, address)

    def create_connection(address, *args, **kwargs):
        if host_of(address) not in ("127.0.0.1", "localhost", "::1"):
            raise _NetworkAttempt(f"connection to {address}")
        return original_create(address, *args, **kwargs)
    socket.socket.connect = connect
    socket.create_connection = create_connection
    try:
        yield
    finally:
        socket.socket.connect = original_connect
        socket.create_connection = original_create


def public_callables(module_name: str):
    """(module, qualname) of every public function, class and method defined in the module."""
    import importlib
    module = importlib.import_module(f"nblib.{module_name}")
    found = []
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            found.append((module_name, name))
        elif inspect.isclass(obj) and issubclass(obj, BaseException):
            continue  # error and warning classes: raised by the API, not called with input
        elif inspect.isclass(obj):
            found.append((module_name, name))
            for attr, member in vars(obj).items():
                if attr in ("__init__", "__module__", "__doc__", "__slots__", "__dict__",
                            "__weakref__", "__annotations__", "__qualname__", "_fields",
                            "_field_defaults", "__orig_bases__", "__new__", "__getnewargs__",
                            "__match_args__", "__abstractmethods__", "_abc_impl",
                            "__sklearn_tags__"):
                    continue
                if attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__")):
                    continue
                if callable(member) or isinstance(member, (staticmethod, classmethod)):
                    found.append((module_name, f"{name}.{attr}"))
    return found


def fuzz(modules=MODULES):
    """Run every call; returns (outcomes, uncovered)."""
    saved_env = {k: os.environ.get(k) for k in ("MNIST_DIR", "NBLIB_CACHE")}
    with tempfile.TemporaryDirectory(prefix="nblib-fuzz-") as tmp_name, loopback_only():
        tmp = Path(tmp_name)
        os.environ.pop("MNIST_DIR", None)
        os.environ["NBLIB_CACHE"] = str(tmp / "cache")
        try:
            targets, extras, no_arguments = build_targets(tmp)
            outcomes = []
            for t in targets:
                if t.module not in modules:
                    continue
                for param, kinds in t.params.items():
                    for kind in kinds:
                        value = KINDS[kind]({**t.ctx})
                        began = time.perf_counter()
                        verdict, detail = run_call(lambda: t.call(**{param: value}),
                                                   _aliases(t.module, t.qualname, param), t.check)
                        TIMES[t.qualname] = TIMES.get(t.qualname, 0) + time.perf_counter() - began
                        outcomes.append(Outcome(t.module, t.qualname, param, kind, verdict,
                                                detail))
            for e in extras:
                if e.module not in modules:
                    continue
                verdict, detail = run_call(e.call, e.names, e.check)
                outcomes.append(Outcome(e.module, e.qualname, "", e.label, verdict, detail))
            covered = {(t.module, t.qualname.split(" ")[0]) for t in targets} | no_arguments
            covered |= {(e.module, e.qualname) for e in extras}
            uncovered = [c for m in modules for c in public_callables(m) if c not in covered]
        finally:
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return outcomes, uncovered


VERDICTS = ["clear", "unclear", "silent", "hang"]
TIMES = {}


def counts(outcomes, key):
    table = {}
    for o in outcomes:
        row = table.setdefault(key(o), dict.fromkeys(VERDICTS, 0))
        row[o.verdict] += 1
    return table


def report(outcomes, uncovered, file=sys.stdout, show_all=False):
    def table(title, rows):
        print(f"\n{title:44s} {'calls':>6s} " + " ".join(f"{v:>7s}" for v in VERDICTS), file=file)
        for name, row in rows.items():
            print(f"{name:44s} {sum(row.values()):6d} "
                  + " ".join(f"{row[v]:7d}" for v in VERDICTS), file=file)
    total = counts(outcomes, lambda o: "all")
    table("per module", {**counts(outcomes, lambda o: o.module), **total})
    table("per class or function", counts(outcomes, lambda o: f"{o.module}."
                                          f"{o.qualname.split('.')[0].split(' ')[0]}"))
    table("per kind of bad input", dict(sorted(counts(outcomes, lambda o: o.kind).items())))
    shown = [o for o in outcomes if show_all or o.verdict != "clear"]
    print(f"\n{'all calls' if show_all else 'non-clear calls'} ({len(shown)}):", file=file)
    for o in shown:
        where = f"{o.module}.{o.qualname}" + (f"({o.param}={o.kind})" if o.param
                                              else f": {o.kind}")
        print(f"  {o.verdict:7s} {where}\n          {o.detail[:200]}", file=file)
    if uncovered:
        print(f"\nuncovered public callables ({len(uncovered)}): "
              + ", ".join(f"{m}.{q}" for m, q in uncovered), file=file)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", choices=MODULES,
                        help="fuzz only this module (repeatable)")
    parser.add_argument("--all", action="store_true", help="list the clear calls too")
    parser.add_argument("--times", action="store_true", help="the slowest targets")
    args = parser.parse_args()
    import nblib
    print(f"nblib from {Path(nblib.__file__).parent}")
    start = time.perf_counter()
    outcomes, uncovered = fuzz(args.module or MODULES)
    report(outcomes, uncovered, show_all=args.all)
    print(f"\n{len(outcomes)} calls in {time.perf_counter() - start:.1f} s")
    if args.times:
        for name, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1])[:10]:
            print(f"  {seconds:6.2f} s  {name}")


if __name__ == "__main__":
    main()
