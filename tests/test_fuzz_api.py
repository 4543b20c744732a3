"""Every bad call to nblib's public API gets a clear error (issue 16).

tests/fuzz_api.py calls every public function, class and method of nblib.nn,
engine, layers, classifier and mnist with each kind of bad input, and
classifies each call as clear, unclear, silent or hang (its docstring defines
them).  The fuzz runs once here (a few seconds, no network) and:

- in each of the five modules every call is clear, and every public callable is
  covered;
- each kind of bad input the issue names has its own test, and each of the
  issue's examples is called here directly.
"""

import math
import warnings

import numpy as np
import pytest

from nblib import layers, nn
from nblib.engine import Value, ValueOverflowWarning, weighted_sum
from tests import fuzz_api

CLEAN = ["nn", "engine", "layers", "classifier", "mnist"]


@pytest.fixture(scope="module")
def fuzz():
    outcomes, uncovered = fuzz_api.fuzz()
    return outcomes, uncovered


def _listing(outcomes):
    return "\n".join(f"{o.verdict} {o.module}.{o.qualname}({o.param}={o.kind}): {o.detail[:160]}"
                     for o in outcomes)


@pytest.mark.parametrize("module", CLEAN)
def test_every_bad_call_is_clear(fuzz, module):
    outcomes, _ = fuzz
    mine = [o for o in outcomes if o.module == module]
    assert len(mine) > 100
    bad = [o for o in mine if o.verdict != "clear"]
    assert not bad, f"{len(bad)} of {len(mine)} calls not clear:\n{_listing(bad)}"


@pytest.mark.parametrize("module", CLEAN)
def test_every_public_callable_is_fuzzed(fuzz, module):
    _, uncovered = fuzz
    assert [c for c in uncovered if c[0] == module] == []


def test_the_fuzz_reaches_every_module_and_never_the_network(fuzz):
    outcomes, _ = fuzz
    assert {o.module for o in outcomes} == set(CLEAN)
    assert not [o for o in outcomes if "tried the network" in o.detail]


# --- each kind of bad input the issue lists: every call of that kind to the clean modules --------

ISSUE_KINDS = {
    "None": ["None"],
    "wrong type: str": ["str", "unknown name"],
    "wrong type: set": ["set"],
    "wrong type: dict": ["dict"],
    "wrong type: complex": ["complex", "complex array", "sample with complex"],
    "NaN": ["nan", "NaN in array", "sample with nan", "callable returning NaN"],
    "inf": ["inf", "inf in array", "sample with inf", "callable returning inf"],
    "negative": ["negative", "list with negative", "callable returning negative"],
    "zero": ["zero", "list with 0"],
    "huge int 10**400": ["huge int", "list with huge int", "sample with huge int"],
    "bool where a number goes": ["bool", "list with bool", "sample with bool"],
    "empty arrays": ["empty batch", "empty sample", "empty list", "empty labels"],
    "wrong shapes": ["1-D batch", "3-D batch", "wrong columns", "2-D labels",
                     "labels of wrong length", "short sample", "nested sample"],
    "ragged lists": ["ragged rows"],
    "strings in arrays": ["strings in array", "sample with str", "list with str",
                          "string labels"],
    "callables returning NaN or negative": ["callable returning NaN",
                                            "callable returning negative",
                                            "callable returning str", "callable returning None"],
    "wrong model or optimizer objects": ["object", "int", "list of non-layers"],
}


@pytest.mark.parametrize("kind", ISSUE_KINDS)
def test_each_kind_of_bad_input_is_refused_clearly(fuzz, kind):
    outcomes, _ = fuzz
    calls = [o for o in outcomes if o.module in CLEAN and o.kind in ISSUE_KINDS[kind]]
    assert len(calls) >= 3, f"the fuzz makes too few calls with {kind}"
    bad = [o for o in calls if o.verdict != "clear"]
    assert not bad, _listing(bad)


# --- the issue's examples, called directly ------------------------------------------------------

X32 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0], [1.0, 1.0]], np.float32)
Y4 = np.array([0, 1, 1, 0])


def _one_step(optimizer, model=None):
    model = model or layers.mlp([2, 3, 2])
    before = [p.copy() for p in model.parameters()]
    model.backward(layers.softmax_cross_entropy_with_logits(model.forward(X32), Y4)[1])
    try:
        optimizer.step(model)
    finally:
        after = model.parameters()
    return before, after


@pytest.mark.parametrize("factor, shown", [
    (float("nan"), "nan"), (-1.0, "-1.0"), ("fast", "'fast'"), (None, "None"),
    (float("inf"), "inf")])
def test_a_bad_schedule_is_refused_at_the_step_naming_schedule_and_step(factor, shown):
    optimizer = layers.SGD(0.1, schedule=lambda step: 1.0 if step < 2 else factor)
    model = layers.mlp([2, 3, 2])
    _one_step(optimizer, model)
    _one_step(optimizer, model)
    with pytest.raises(ValueError, match=rf"schedule\(2\) must return a finite number >= 0 .*"
                                         rf"at step 2\), got {shown}"):
        before, after = _one_step(optimizer, model)
    assert optimizer.steps == 2


def test_sgd_refuses_to_write_non_finite_weights_naming_lr():
    model = layers.mlp([2, 3, 2])
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(FloatingPointError, match=r"NaN or inf .* with lr=1e\+300"):
        _one_step(layers.SGD(lr=1e300), model)
    for old, new in zip(before, model.parameters()):
        np.testing.assert_array_equal(old, new)          # nothing written


def test_sgd_refuses_nan_gradients_and_writes_nothing():
    model = layers.mlp([2, 3, 2])
    optimizer = layers.SGD(0.1, momentum=0.9)
    model.forward(X32)
    model.backward(np.full((4, 2), np.nan, np.float32))
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(FloatingPointError, match="its gradient is NaN or infinite"):
        optimizer.step(model)
    for old, new in zip(before, model.parameters()):
        np.testing.assert_array_equal(old, new)
    assert all(not v.any() for v in optimizer.velocities)   # velocities untouched too


def test_a_diverging_training_stops_naming_lr_and_momentum():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model, optimizer = layers.mlp([4, 16, 2]), layers.SGD(lr=10.0, momentum=0.99)
    with pytest.raises(layers.TrainingDiverged, match=r"training diverged: a batch's loss is .* "
                                                      r"try a smaller lr \(now 10\) or "
                                                      r"momentum \(now 0.99\)") as error:
        for _ in range(5):
            layers.train_epoch(model, optimizer, X, y, 16, rng=np.random.default_rng(1))
    # a FloatingPointError, and a ValueError as the loss's refusal of NaN logits was
    assert isinstance(error.value, FloatingPointError) and isinstance(error.value, ValueError)
    assert all(np.isfinite(p).all() for p in model.parameters())


def test_a_normal_training_does_not_trip_the_divergence_check():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model, optimizer = layers.mlp([4, 16, 2]), layers.SGD(lr=0.5, momentum=0.9)
    losses = [layers.train_epoch(model, optimizer, X, y, 16, rng=np.random.default_rng(1))
              for _ in range(5)]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("call, error, message", [
    (lambda: layers.SGD().step(None), TypeError, "model must be a Layer .* got NoneType"),
    (lambda: layers.train_epoch(None, layers.SGD(), X32, Y4), TypeError,
     "model must be a Layer .* got NoneType"),
    (lambda: layers.train_epoch(layers.mlp([2, 2]), None, X32, Y4), TypeError,
     "optimizer must have a step"),
    (lambda: layers.mlp({2, 3}), TypeError, "sizes must be a list or tuple of layer sizes"),
    (lambda: layers.mlp({2: 3, 3: 1}), TypeError, "sizes must be a list or tuple of layer sizes"),
    (lambda: nn.MLP(2, {3, 1}), TypeError,
     r"nouts must be a list or tuple of layer sizes .*\(a set has no order\)"),
    (lambda: layers.Dense(2, 2, dtype="abc"), TypeError, "dtype must be np.float32"),
    (lambda: nn.MLP(2, [1]).predict_batch([["a", "b"]]), TypeError, "X must hold real numbers"),
    (lambda: nn.MLP(2, [1]).predict_batch([[1.0, 2.0], [3.0]]), ValueError,
     "X must be a rectangular array"),
    (lambda: nn.MLP(2, [1]).predict_batch(np.ones((2, 2)) + 1j), TypeError,
     "X must hold real numbers, got an array of dtype complex"),
    (lambda: nn.MLP(3, [1]).predict_batch(np.zeros((0, 3))), ValueError,
     r"^X is empty \(shape \(0, 3\)\)"),
    (lambda: Value(10**400), ValueError, "too large for a float: an int of 401 digits"),
    (lambda: weighted_sum(None, [1], 0), TypeError, "weighted_sum's weights must be a list"),
], ids=["SGD.step(None)", "train_epoch(None)", "train_epoch(optimizer=None)", "mlp(set)",
        "mlp(dict)", "MLP(2, set)", "Dense dtype abc", "predict_batch strings",
        "predict_batch ragged", "predict_batch complex", "predict_batch empty", "Value(10**400)",
        "weighted_sum(None)"])
def test_the_issues_examples(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("make, message", [
    (lambda: Value(1e308) * 10, r"1e\+308 \* 10 gave inf"),
    (lambda: Value(1000.0).exp(), r"exp\(1000\) gave inf"),
])
def test_engine_overflow_warns_naming_the_operation(make, message):
    with pytest.warns(ValueOverflowWarning, match=message):
        y = make()
    assert y.data == math.inf


def test_engine_inf_minus_inf_warns_and_nan_passes_on_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = Value(1e308) * 10
    with pytest.warns(ValueOverflowWarning, match="inf \\+ -inf gave nan"):
        nan = big - big
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(nan.log().data)   # NaN in, NaN out: warned once, where it appeared
