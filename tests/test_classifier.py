"""nblib.classifier: scikit-learn's conventions, training, outputs, bad input, check_estimator."""

import gc
import math
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_moons
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from nblib.activations import sigmoid
from nblib.classifier import Classifier, TrainingDiverged
from nblib.losses import binary_cross_entropy_from_logit, binary_log_loss_from_logits, mse
from nblib.nn import MLP

#: A small, fast network: enough for the easy data below.
FAST = dict(hidden_layer_sizes=(4,), num_epochs=10, lr=0.3, progress=False)


def easy_data(n=40, seed=0):
    """Two well-separated blobs: class 1 where x0 + x1 > 0."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(scale=0.5, size=(n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = easy_data()
    return Classifier(**FAST).fit(X, y), X, y


def parameter_values(clf):
    return np.array([p.data for p in clf.model_.parameters()])


# --- scikit-learn's conventions -----------------------------------------------------------------


def test_defaults_and_get_params():
    assert Classifier().get_params() == {
        "hidden_layer_sizes": (16, 16), "activation": "relu", "loss": "log", "num_epochs": 100,
        "batch_size": 32, "lr": 0.1, "alpha": 0.0, "random_state": 0, "progress": True}


def test_init_only_stores_its_arguments():
    # scikit-learn's convention: no checks in __init__ (fit checks), nothing else set.
    clf = Classifier(lr=-1, loss="nonsense")
    assert clf.lr == -1 and clf.loss == "nonsense"
    assert not [name for name in vars(clf) if name.endswith("_")]


def test_set_params_and_clone():
    clf = Classifier().set_params(lr=0.5, hidden_layer_sizes=(3,))
    assert (clf.lr, clf.hidden_layer_sizes) == (0.5, (3,))
    copy = clone(clf)
    assert copy is not clf and copy.get_params() == clf.get_params()
    assert repr(copy) == "Classifier(hidden_layer_sizes=(3,), lr=0.5)"


def test_clone_of_a_fitted_classifier_is_unfitted(fitted):
    clf, X, _ = fitted
    with pytest.raises(NotFittedError):
        clone(clf).predict(X)


def test_fitted_attributes(fitted):
    clf, X, _ = fitted
    assert isinstance(clf.model_, MLP)
    assert repr(clf.model_) == "MLP(2 -> 4 relu -> 1 linear), 17 parameters"
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.n_features_in_ == 2
    assert clf.n_iter_ == 10
    assert set(clf.history_) == {"loss", "train_accuracy", "batch_loss"}


def test_fit_returns_self():
    X, y = easy_data()
    clf = Classifier(**FAST)
    assert clf.fit(X, y) is clf


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_predicting_before_fit_raises_not_fitted_error(method):
    with pytest.raises(NotFittedError, match="not fitted yet. Call 'fit'"):
        getattr(Classifier(), method)(np.zeros((2, 2)))


def test_score_before_fit_raises_not_fitted_error():
    with pytest.raises(NotFittedError):
        Classifier().score(np.zeros((2, 2)), [0, 1])


def test_a_fitted_classifier_pickles(fitted):
    clf, X, _ = fitted
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.decision_function(X), clf.decision_function(X))


# --- outputs --------------------------------------------------------------------------------------


def test_shapes_and_types_of_every_output(fitted):
    clf, X, y = fitted
    scores, proba, labels = clf.decision_function(X), clf.predict_proba(X), clf.predict(X)
    assert scores.shape == (40,) and scores.dtype == np.float64
    assert proba.shape == (40, 2) and proba.dtype == np.float64
    assert labels.shape == (40,) and labels.dtype.kind == "i"
    assert set(labels.tolist()) <= {0, 1}
    assert isinstance(clf.score(X, y), float)


def test_outputs_agree(fitted):
    clf, X, y = fitted
    scores, proba, labels = clf.decision_function(X), clf.predict_proba(X), clf.predict(X)
    np.testing.assert_allclose(proba[:, 1], sigmoid(scores), rtol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(labels, (scores > 0).astype(int))
    np.testing.assert_array_equal(labels, proba.argmax(axis=1))
    assert clf.score(X, y) == np.mean(labels == y)


def test_decision_function_is_the_networks_output(fitted):
    """Computed as matrix products (no graph), it equals the Value network's output per sample."""
    clf, X, _ = fitted
    np.testing.assert_allclose(clf.decision_function(X[:3]), [clf.model_(x).data for x in X[:3]],
                               rtol=1e-12, atol=1e-12)


def test_the_collector_is_on_again_after_fit_and_predict(fitted):
    # fit and predict pause Python's cyclic garbage collector (nblib.engine.collector_paused)
    clf, X, y = fitted
    assert gc.isenabled()
    Classifier(**{**FAST, "num_epochs": 1}).fit(X, y).predict(X)
    assert gc.isenabled()
    with pytest.raises(FloatingPointError):
        Classifier(**{**FAST, "lr": 1e200}).fit(X, y)
    assert gc.isenabled()


def test_predicting_leaves_the_gradients_alone(fitted):
    # Forward passes only: no backward(), so no parameter gets a gradient.
    clf, X, _ = fitted
    clf.model_.zero_grad()
    clf.predict_proba(X)
    assert all(p.grad == 0 for p in clf.model_.parameters())


# --- training -------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_fit():
    X, y = easy_data()
    first, second = Classifier(**FAST).fit(X, y), Classifier(**FAST).fit(X, y)
    assert first.history_ == second.history_
    np.testing.assert_array_equal(parameter_values(first), parameter_values(second))
    np.testing.assert_array_equal(first.decision_function(X), second.decision_function(X))


def test_refitting_starts_again():
    X, y = easy_data()
    clf = Classifier(**FAST)
    first = clf.fit(X, y).decision_function(X)
    np.testing.assert_array_equal(clf.fit(X, y).decision_function(X), first)


def test_another_seed_gives_another_fit():
    X, y = easy_data()
    a = Classifier(**FAST).fit(X, y)
    b = Classifier(**{**FAST, "random_state": 1}).fit(X, y)
    assert a.history_["loss"] != b.history_["loss"]


def test_one_step_is_mean_loss_plus_l2_then_gradient_descent():
    # One epoch, one batch holding every sample: fit takes exactly micrograd's step.
    X, y = easy_data(n=6)
    lr, alpha = 0.5, 0.01
    clf = Classifier(hidden_layer_sizes=(3,), num_epochs=1, batch_size=6, lr=lr, alpha=alpha,
                     progress=False).fit(X, y)
    model = MLP(2, [3, 1], seed=0)
    order = np.random.default_rng(0).permutation(6)   # the order fit adds the samples in
    data_loss = sum(binary_cross_entropy_from_logit(model(X[i]), y[i]) for i in order) / 6
    total = data_loss + alpha * sum(p * p for p in model.parameters())
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    np.testing.assert_allclose(parameter_values(clf), [p.data for p in model.parameters()],
                               rtol=1e-12, atol=1e-15)
    assert clf.history_["loss"] == [pytest.approx(data_loss.data, rel=1e-12)]


@pytest.mark.parametrize("loss", ["log", "mse"])
def test_both_losses_train(loss):
    X, y = easy_data()
    clf = Classifier(**{**FAST, "loss": loss, "lr": 1.0}).fit(X, y)
    losses = clf.history_["loss"]
    assert losses[-1] < 0.5 * losses[0], losses
    assert clf.score(X, y) == 1.0


def test_the_loss_goes_down_on_easy_data(fitted):
    clf, _, _ = fitted
    losses = clf.history_["loss"]
    assert losses[-1] < losses[0] / 4
    assert sum(b < a for a, b in zip(losses, losses[1:])) >= len(losses) - 2


def test_moons_test_accuracy():
    # Notebook 05's data set; about 1.5 s.
    X, y = make_moons(200, noise=0.1, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = Classifier(hidden_layer_sizes=(8,), activation="tanh", num_epochs=40, batch_size=16,
                     lr=1.0, progress=False).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    assert clf.history_["train_accuracy"][-1] >= 0.95


def test_l2_penalty_shrinks_the_weights():
    X, y = easy_data()
    norms = {alpha: np.linalg.norm(parameter_values(Classifier(**{**FAST, "alpha": alpha})
                                                    .fit(X, y)))
             for alpha in (0.0, 0.1)}
    assert norms[0.1] < 0.8 * norms[0.0], norms


def test_the_last_batch_may_be_smaller_and_a_large_batch_is_everything():
    X, y = easy_data(n=10)
    for batch_size in (3, 10, 1000):
        clf = Classifier(**{**FAST, "batch_size": batch_size}).fit(X, y)
        assert len(clf.history_["loss"]) == 10


@pytest.mark.parametrize("sizes, shape", [
    ((), "2 -> 1 linear"),                             # a single logistic neuron
    (5, "2 -> 5 tanh -> 1 linear"),                    # an int is one hidden layer
    ([3, 2], "2 -> 3 tanh -> 2 tanh -> 1 linear"),
    (np.array([3]), "2 -> 3 tanh -> 1 linear"),
])
def test_hidden_layer_sizes(sizes, shape):
    X, y = easy_data()
    clf = Classifier(**{**FAST, "hidden_layer_sizes": sizes, "activation": "tanh"}).fit(X, y)
    assert repr(clf.model_).startswith(f"MLP({shape})")
    assert clf.score(X, y) >= 0.95


@pytest.mark.parametrize("labels", [
    [0, 1], [1, 2], [-1, 1], [0.0, 1.0], [False, True], ["no", "yes"],
    np.array(["no", "yes"], dtype=object),
], ids=["0/1", "1/2", "-1/1", "floats", "bools", "strings", "object strings"])
def test_any_two_labels(labels):
    """Labels are sorted into classes_ (as scikit-learn's LabelEncoder), the network's output
    is P(classes_[1]), and predict returns the original labels, of their type."""
    X, y = easy_data()
    y_labels = np.asarray(labels)[y]                 # the smaller label where y is 0
    clf = Classifier(**FAST).fit(X, y_labels)
    np.testing.assert_array_equal(clf.classes_, labels)
    assert clf.classes_.dtype == y_labels.dtype
    np.testing.assert_array_equal(clf.decision_function(X),
                                  Classifier(**FAST).fit(X, y).decision_function(X))
    predicted = clf.predict(X)
    assert predicted.dtype == y_labels.dtype
    np.testing.assert_array_equal(predicted, y_labels)
    assert clf.score(X, y_labels) == 1.0
    np.testing.assert_array_equal(np.asarray(labels)[clf.predict_proba(X).argmax(axis=1)],
                                  predicted)


def test_labels_are_sorted_whatever_their_order():
    X, y = easy_data()
    y_labels = np.array(["yes", "no"])[y]            # "yes" where y is 0
    clf = Classifier(**FAST).fit(X, list(y_labels))
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    np.testing.assert_array_equal(clf.predict(X), y_labels)
    # column k of predict_proba is P(classes_[k]): "yes" (column 1) where y is 0
    assert np.all(clf.predict_proba(X)[y == 0, 1] > 0.5)


def test_labels_may_be_a_list_of_ints_floats_or_bools():
    X, y = easy_data()
    reference = Classifier(**FAST).fit(X, y).decision_function(X)
    for labels in (y.astype(float), y.astype(bool), y.tolist()):
        clf = Classifier(**FAST).fit(X, labels)
        np.testing.assert_array_equal(clf.decision_function(X), reference)
        assert clf.predict(X).dtype == np.asarray(labels).dtype


@pytest.mark.parametrize("label", [1.0, 0, "only"])
@pytest.mark.parametrize("settings", [{}, {"hidden_layer_sizes": (), "loss": "mse"}],
                         ids=["(4,) log", "() mse"])
def test_fitted_on_one_class_it_predicts_that_class(label, settings):
    """scikit-learn's check_classifiers_one_label: fit on one class, predict that class.
    (hidden_layer_sizes=(), loss="mse", 3 epochs predicted both 0 and 1 for y = 1.)"""
    X, _ = make_moons(200, noise=0.1, random_state=0)
    y = np.full(200, label)
    clf = Classifier(**{**FAST, "num_epochs": 3, **settings}).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [label])
    predicted = clf.predict(X)
    np.testing.assert_array_equal(predicted, y)
    assert predicted.dtype == y.dtype
    np.testing.assert_array_equal(clf.predict_proba(X), np.ones((200, 1)))
    assert clf.score(X, y) == 1.0


def test_inputs_of_other_types_and_dtypes():
    # What the excluded estimator checks exercise with labels 1 and 2 (see the list below).
    X, y = easy_data()
    reference = Classifier(**FAST).fit(X, y).decision_function(X)
    for X_other in (X.tolist(), X.astype(np.float32), np.asfortranarray(X)):
        clf = Classifier(**FAST).fit(X_other, y)
        np.testing.assert_allclose(clf.decision_function(X_other), reference, rtol=1e-5)
    for dtype in (np.int32, np.int64):
        assert Classifier(**FAST).fit(X.round().astype(dtype), y).predict(X).shape == (40,)
    one_feature = Classifier(**FAST).fit(X[:, :1], y)
    assert one_feature.n_features_in_ == 1 and one_feature.predict(X[:, :1]).shape == (40,)


def test_diverging_training_stops_with_advice():
    X, y = easy_data()
    with pytest.raises(TrainingDiverged, match=r"^training diverged: the loss went from \d\.\d+ "
                                               r"to nan in epoch 1: lr=1e\+200 is too large; "
                                               r"try lr=1e\+199 or smaller$"):
        Classifier(**{**FAST, "lr": 1e200}).fit(X, y)


# --- history, validation data, progress bar -------------------------------------------------------


def test_history_has_one_entry_per_epoch(fitted):
    clf, X, _ = fitted
    for key, values in clf.history_.items():
        batches_per_epoch = math.ceil(len(X) / clf.batch_size) if key == "batch_loss" else 1
        assert len(values) == clf.n_iter_ * batches_per_epoch and clf.n_iter_ == 10, key
        assert all(isinstance(v, float) for v in values)
    per_epoch = np.reshape(clf.history_["batch_loss"], (10, -1)).mean(axis=1)
    np.testing.assert_allclose(clf.history_["loss"], per_epoch, rtol=1e-12)
    assert all(0 <= a <= 1 for a in clf.history_["train_accuracy"])
    assert clf.history_["train_accuracy"][-1] == 1.0


@pytest.mark.parametrize("loss", ["log", "mse"])
def test_validation_data_is_measured_after_every_epoch(loss):
    X, y = easy_data()
    X_val, y_val = easy_data(n=20, seed=1)
    clf = Classifier(**{**FAST, "loss": loss, "num_epochs": 4}).fit(
        X, y, validation_data=(X_val, y_val))
    history = clf.history_
    assert list(history) == ["loss", "train_accuracy", "batch_loss", "validation_loss",
                             "validation_accuracy"]
    assert all(len(values) == 4 for key, values in history.items() if key != "batch_loss")
    # the last entries describe the final network
    scores = clf.decision_function(X_val)
    expected = (binary_log_loss_from_logits(scores, y_val) if loss == "log"
                else mse(sigmoid(scores), y_val))
    assert history["validation_loss"][-1] == pytest.approx(expected, rel=1e-12)
    assert history["validation_accuracy"][-1] == clf.score(X_val, y_val)


def test_validation_data_does_not_change_the_training():
    X, y = easy_data()
    plain = Classifier(**FAST).fit(X, y)
    validated = Classifier(**FAST).fit(X, y, validation_data=easy_data(n=10, seed=1))
    assert validated.history_["loss"] == plain.history_["loss"]


def test_progress_bar_off(capsys):
    X, y = easy_data()
    Classifier(**FAST).fit(X, y)
    assert capsys.readouterr() == ("", "")


def test_progress_bar_on(capsys):
    X, y = easy_data()
    Classifier(**{**FAST, "progress": True, "num_epochs": 3}).fit(X, y)
    out, err = capsys.readouterr()   # outside a notebook tqdm.auto writes text to stderr
    assert out == ""
    assert "training: 100%" in err and "3/3" in err and "loss=" in err


# --- bad input ------------------------------------------------------------------------------------

X_GOOD, Y_GOOD = easy_data()


@pytest.mark.parametrize("X, y, match", [
    (X_GOOD, Y_GOOD[:-1], r"^X and y: Found input variables with inconsistent numbers of "
                          r"samples: \[40, 39\]"),
    (np.where(np.eye(40, 2) > 0, np.nan, X_GOOD), Y_GOOD, r"^Input X contains NaN"),
    (np.where(np.eye(40, 2) > 0, np.inf, X_GOOD), Y_GOOD, r"^Input X contains infinity"),
    (X_GOOD[:, 0], Y_GOOD, r"^X: Expected 2D array, got 1D array instead"),
    (X_GOOD[:, :, None], Y_GOOD, r"^X: Found array with dim 3, while dim <= 2 is required"),
    (X_GOOD[:0], Y_GOOD[:0], r"^X: Found array with 0 sample\(s\)"),
    (X_GOOD.astype(str).astype(object) + "a", Y_GOOD, r"^X: could not convert string to float"),
    (X_GOOD, np.where(Y_GOOD == 1, np.nan, 0), r"^Input y contains NaN"),
    (X_GOOD, Y_GOOD + 1j, r"^y: Complex data not supported"),
    (X_GOOD, None, r"requires y to be passed, but the target y is None"),
])
def test_bad_data(X, y, match):
    with pytest.raises(ValueError, match=match):
        Classifier(**FAST).fit(X, y)


def test_x_of_the_wrong_type_is_named(fitted):
    clf, _, _ = fitted
    match = r"^X: float\(\) argument must be a string or a real number, not 'dict'"
    with pytest.raises(TypeError, match=match):
        clf.predict({"a": 1})
    with pytest.raises(TypeError, match=match):
        Classifier(**FAST).fit({"a": 1}, Y_GOOD)      # (not the fixture: that unfits it)


BINARY_ONLY = (r"^Only binary classification is supported. Classifier is binary: it takes two "
               r"class labels, and y holds ")
CONTINUOUS = r"^Unknown label type: continuous \(y holds numbers that are not whole: "


@pytest.mark.parametrize("y, match", [
    (np.arange(40) % 3, BINARY_ONLY + r"3: \[0, 1, 2\]. For more classes, use scikit-learn's "
                                      r"MLPClassifier$"),
    (np.array(["a", "b", "c", "d"])[np.arange(40) % 4], BINARY_ONLY + r"4: \['a', 'b', 'c', 'd'\]"),
    (np.arange(40) % 7, BINARY_ONLY + r"7: \[0, 1, 2, 3, 4, '...'\]"),
    (0.5 * Y_GOOD, CONTINUOUS + r"\[0.0, 0.5\]\). Classifier needs class labels, such as 0 and 1 "
                   r"or 'no' and 'yes'; to predict numbers, use a regressor$"),
    (np.array([3.5, 7.25])[Y_GOOD], CONTINUOUS + r"\[3.5, 7.25\]\)"),
    (Y_GOOD.astype(object), r"^Unknown label type: y is an array of object holding int values. "
                            r"Classifier needs class labels: ints, bools, whole numbers or "
                            r"strings \(an object array of numbers: convert it first, e\.g\. "
                            r"y\.astype\(int\)\)$"),       # refused, as by scikit-learn's classifiers
])
def test_labels_a_binary_classifier_cannot_take(y, match):
    with pytest.raises(ValueError, match=match):
        Classifier(**FAST).fit(X_GOOD, y)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
@pytest.mark.parametrize("n_features", [1, 3])
def test_wrong_number_of_features_when_predicting(fitted, method, n_features):
    clf, _, _ = fitted
    with pytest.raises(ValueError, match=rf"^X has {n_features} features, but Classifier is "
                                         r"expecting 2 features as input"):
        getattr(clf, method)(np.zeros((5, n_features)))


def test_predicting_on_a_single_row_needs_2d(fitted):
    clf, _, _ = fitted
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array instead"):
        clf.predict([0.5, 0.5])
    assert clf.predict([[0.5, 0.5]]).shape == (1,)


@pytest.mark.parametrize("name, value, match", [
    ("loss", "hinge", r"^loss must be one of 'log', 'mse', got 'hinge'"),
    ("loss", ["log"], r"^loss must be one of 'log', 'mse', got \['log'\]"),
    ("activation", "gelu", r"^activation must be one of 'relu', 'tanh', 'sigmoid', 'linear', "
                           r"got 'gelu'"),
    ("activation", None, r"^activation must be one of .*got None"),
    ("num_epochs", 0, r"^num_epochs must be a positive whole number, got 0"),
    ("num_epochs", 2.5, r"^num_epochs must be a positive whole number, got 2.5"),
    ("batch_size", -4, r"^batch_size must be a positive whole number, got -4"),
    ("batch_size", True, r"^batch_size must be a positive whole number, got True"),
    ("lr", 0, r"^lr must be a positive finite number, got 0"),
    ("lr", -0.1, r"^lr must be a positive finite number, got -0.1"),
    ("lr", math.inf, r"^lr must be a positive finite number, got inf"),
    ("lr", math.nan, r"^lr must be a positive finite number, got nan"),
    ("lr", "0.1", r"^lr must be a positive finite number, got '0.1'"),
    ("lr", 10**400, r"^lr must be a positive finite number, got a whole number of 401 digits$"),
    ("alpha", 10**400, r"^alpha must be a finite number >= 0 .*got a whole number of 401 digits$"),
    ("num_epochs", 10**400, r"^num_epochs must be at most 9,223,372,036,854,775,807, got a "
                            r"whole number of 401 digits$"),
    ("batch_size", 2**63, r"^batch_size must be at most 9,223,372,036,854,775,807, got "
                          r"9223372036854775808$"),
    ("progress", "yes", r"^progress must be True or False, got 'yes'$"),
    ("progress", 1, r"^progress must be True or False, got 1$"),
    ("alpha", -1e-4, r"^alpha must be a finite number >= 0 \(0: no L2 penalty\), got -0.0001"),
    ("alpha", None, r"^alpha must be a finite number >= 0 .*got None"),
    ("random_state", -1, r"^random_state must be a whole number >= 0, None, or a numpy "
                         r"RandomState or Generator, got -1$"),
    ("random_state", 1.5, r"^random_state must be .*got 1.5$"),
    ("random_state", "0", r"^random_state must be .*got '0'$"),
    ("hidden_layer_sizes", (16, 0), r"^hidden_layer_sizes must be a tuple of positive whole "
                                    r"numbers such as \(16, 16\), or \(\) for no hidden layer, "
                                    r"got \(16, 0\)"),
    ("hidden_layer_sizes", (8.0,), r"^hidden_layer_sizes must be .*got \(8.0,\)"),
    ("hidden_layer_sizes", -3, r"^hidden_layer_sizes must be .*got \(-3,\)"),
    ("hidden_layer_sizes", "16", r"^hidden_layer_sizes must be .*got '16'"),
    ("hidden_layer_sizes", None, r"^hidden_layer_sizes must be .*got None"),
    ("hidden_layer_sizes", (4, 10**400), r"^hidden_layer_sizes: a layer has at most 1,000,000 "
                                         r"neurons \(a network of Values that large would not "
                                         r"fit in memory\), got a whole number of 401 digits$"),
])
def test_invalid_hyperparameters_are_refused_at_fit(name, value, match):
    clf = Classifier(**{**FAST, name: value})   # accepted here, as scikit-learn wants
    with pytest.raises(ValueError, match=match):
        clf.fit(X_GOOD, Y_GOOD)
    assert not hasattr(clf, "model_")


def test_hyperparameters_are_checked_before_the_data():
    with pytest.raises(ValueError, match="^lr must be"):
        Classifier(lr=0).fit("not data", None)


@pytest.mark.parametrize("validation_data, error, match", [
    ((np.zeros((5, 3)), np.zeros(5)), ValueError,
     r"^validation_data: X has 3 features, but Classifier is expecting 2 features as input"),
    ((X_GOOD, np.full(40, 2)), ValueError,
     r"^validation_data: y_val holds labels that y does not: \[2\] \(y's classes are \[0, 1\]\)$"),
    ((X_GOOD, np.full(40, "no")), ValueError,
     r"^validation_data: y_val holds labels that y does not: \['no'\] "),
    ((X_GOOD, Y_GOOD[:5]), ValueError, r"^validation_data: .*inconsistent numbers of samples"),
    ((np.full((40, 2), np.nan), Y_GOOD), ValueError, r"^validation_data: Input X contains NaN"),
    ((X_GOOD[:, 0], Y_GOOD), ValueError, r"^validation_data: X_val: Expected 2D array"),
    (X_GOOD, ValueError, r"^validation_data must be a pair \(X_val, y_val\), got ndarray"),
    ((X_GOOD, Y_GOOD, Y_GOOD), ValueError, r"^validation_data must be a pair"),
])
def test_bad_validation_data(validation_data, error, match):
    with pytest.raises(error, match=match):
        Classifier(**FAST).fit(X_GOOD, Y_GOOD, validation_data=validation_data)


def test_validation_data_with_string_labels():
    X, y = easy_data()
    X_val, y_val = easy_data(n=20, seed=1)
    names = np.array(["no", "yes"])
    clf = Classifier(**{**FAST, "num_epochs": 3}).fit(X, names[y],
                                                     validation_data=(X_val, names[y_val]))
    plain = Classifier(**{**FAST, "num_epochs": 3}).fit(X, y, validation_data=(X_val, y_val))
    assert clf.history_ == plain.history_


# --- a failed fit leaves the classifier unfitted --------------------------------------------------

FITTED = ("model_", "classes_", "history_", "n_iter_", "n_features_in_")


def assert_unfitted(clf):
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(clf, method)(X_GOOD)
    assert not [name for name in FITTED if hasattr(clf, name)]


def test_a_failed_fit_does_not_look_fitted():
    clf = Classifier(**FAST)
    with pytest.raises(ValueError):
        clf.fit(X_GOOD, Y_GOOD, validation_data=(np.zeros((5, 3)), np.zeros(5)))
    assert_unfitted(clf)


def test_a_diverging_fit_leaves_a_fresh_classifier_unfitted():
    clf = Classifier(**{**FAST, "lr": 1e200})
    with pytest.raises(TrainingDiverged):
        clf.fit(X_GOOD, Y_GOOD)
    assert_unfitted(clf)


@pytest.mark.parametrize("bad", [
    dict(params={"lr": 1e200}, error=TrainingDiverged),                   # diverges
    dict(params={"hidden_layer_sizes": (), "lr": 1e10}, error=TrainingDiverged),
    dict(params={"lr": -1.0}, error=ValueError),                           # refused setting
    dict(y=np.arange(40) % 3, error=ValueError),                           # refused labels
], ids=["lr 1e200", "() lr 1e10", "lr -1", "three classes"])
def test_a_failed_refit_forgets_the_earlier_fit(bad):
    """Before, predict went on with the broken network (lr 1e200: [0 0 0], decision_function
    NaN) while history_ and n_iter_ still described the earlier fit."""
    clf = Classifier(**FAST).fit(X_GOOD, Y_GOOD)
    clf.set_params(**bad.get("params", {}))
    with pytest.raises(bad["error"]):
        clf.fit(X_GOOD, bad.get("y", Y_GOOD))
    assert_unfitted(clf)
    clf.set_params(**FAST).fit(X_GOOD, Y_GOOD)             # and it can be fitted again
    assert clf.score(X_GOOD, Y_GOOD) == 1.0


def test_an_interrupted_fit_leaves_the_classifier_unfitted(monkeypatch):
    clf = Classifier(**FAST).fit(X_GOOD, Y_GOOD)
    steps = []
    step = Classifier._step

    def interrupted_step(self, *args):
        steps.append(1)
        if len(steps) == 5:
            raise KeyboardInterrupt
        return step(self, *args)
    monkeypatch.setattr(Classifier, "_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X_GOOD, Y_GOOD)
    assert_unfitted(clf)


# --- divergence: a clear error, never a silent blow-up --------------------------------------------

MOONS_X, MOONS_Y = make_moons(200, noise=0.1, random_state=0)
GREW = r"^training diverged: the loss grew from 0\.\d\d? to \d\.?\d?e\+\d+ in epoch 1: "


@pytest.mark.parametrize("settings, X, match", [
    # before: finished silently, loss up to 7.8e16, weights 2.2e20, accuracy 0.5
    ({"lr": 1e3}, MOONS_X, GREW + r"lr=1000 is too large; try lr=100 or smaller$"),
    ({"lr": 10.0}, MOONS_X, GREW + r"lr=10 is too large; try lr=1 or smaller$"),
    # before: finished silently with a constant output (dead ReLUs), accuracy 0.5
    ({"lr": 3.0}, MOONS_X, r"^training diverged: the mean loss grew from 0\.87 to 1\.8e\+02 in "
                           r"epoch 1: lr=3 is too large; try lr=0\.3 or smaller$"),
    # before: finished silently, weights around 3.5e199, accuracy 0.86
    ({"hidden_layer_sizes": (), "lr": 1e200}, MOONS_X,
     GREW + r"lr=1e\+200 is too large; try lr=1e\+199 or smaller$"),
    ({"hidden_layer_sizes": (), "lr": 1e10}, MOONS_X, GREW + r"lr=1e\+10 is too large"),
    # mse: the loss stays below 1, the weights or the gradients blow up
    ({"hidden_layer_sizes": (), "loss": "mse", "lr": 1e200}, MOONS_X,
     r"^training diverged: a weight reached \d\.?\d?e\+19\d in epoch 1: lr=1e\+200 is too large"),
    ({"loss": "mse", "lr": 1e200}, MOONS_X,
     r"^training diverged: the gradients overflowed at a loss of 0\.\d+ in epoch 1: "
     r"lr=1e\+200 is too large"),
    # the features' scale, not lr, is the cause
    ({}, MOONS_X * 1e300, r"^training diverged: the loss went from 4\.4e\+299 to nan in epoch 1: "
                          r"the features are up to 2\.1e\+300: standardise them \(for example "
                          r"with scikit-learn's StandardScaler\)$"),
    ({}, MOONS_X * 1e5, r"the features are up to 2\.1e\+05: standardise them"),
], ids=["lr 1e3", "lr 10", "lr 3", "() lr 1e200", "() lr 1e10", "() mse lr 1e200", "mse lr 1e200",
        "X*1e300", "X*1e5"])
def test_divergence_stops_the_fit_with_its_cause(settings, X, match):
    # (pyproject turns RuntimeWarnings into errors: the fit must not emit any.)
    clf = Classifier(**{**FAST, "hidden_layer_sizes": (16, 16), "num_epochs": 20, **settings})
    with pytest.raises(TrainingDiverged, match=match) as error:
        clf.fit(X, MOONS_Y)
    assert isinstance(error.value, ValueError) and isinstance(error.value, FloatingPointError)
    if "features" in match:
        assert "lr" not in str(error.value)
    assert_unfitted(clf)


def test_reasonable_settings_do_not_diverge():
    # Large steps that still train on the moons: no false alarm
    for settings in ({"lr": 1.0}, {"activation": "tanh", "lr": 3.0}, {"loss": "mse", "lr": 3.0},
                     {"hidden_layer_sizes": (), "lr": 100.0}):
        clf = Classifier(**{**FAST, "hidden_layer_sizes": (16, 16), "num_epochs": 20,
                            **settings}).fit(MOONS_X, MOONS_Y)
        assert clf.score(MOONS_X, MOONS_Y) >= 0.85, settings


# --- random_state: scikit-learn's name for the seed -----------------------------------------------


def test_random_state_is_scikit_learns_seed():
    clf = Classifier(**FAST)
    assert "random_state" in clf.get_params() and "seed" not in clf.get_params()
    with pytest.raises(TypeError):
        Classifier(seed=0)
    # scikit-learn's tools recognise it: set_random_state fixes it, clone keeps it
    unseeded = Classifier(**{**FAST, "random_state": None})
    estimator_checks.set_random_state(unseeded, 7)
    assert unseeded.random_state == 7 and clone(unseeded).random_state == 7


def test_random_state_none_differs_from_fit_to_fit():
    clf = Classifier(**{**FAST, "random_state": None})
    first = clf.fit(X_GOOD, Y_GOOD).history_["loss"]
    assert clf.fit(X_GOOD, Y_GOOD).history_["loss"] != first


@pytest.mark.parametrize("make", [np.random.RandomState, np.random.default_rng])
def test_random_state_may_be_a_numpy_generator(make):
    def fit(state):
        return Classifier(**{**FAST, "random_state": state}).fit(X_GOOD, Y_GOOD)
    assert fit(make(5)).history_ == fit(make(5)).history_          # the same seed: the same fit
    shared = make(5)
    assert fit(shared).history_ != fit(shared).history_            # drawn afresh at every fit
    assert fit(make(5)).score(X_GOOD, Y_GOOD) == 1.0


# --- scikit-learn's own estimator checks ----------------------------------------------------------

#: Every check that check_estimator runs passes (scikit-learn >= 1.7), with no expected
#: failure; the tags (binary only) skip the multi-class checks, and the checks for
#: sample_weight, class_weight, partial_fit, multi-output and multi-label are not run because
#: the classifier has none of them.  With random_state=None too: the checks fix random_state
#: themselves (set_random_state), as for scikit-learn's own estimators.
@parametrize_with_checks(
    # tiny and quick: scikit-learn fits each about a hundred times
    [Classifier(hidden_layer_sizes=(3,), num_epochs=3, progress=False),
     Classifier(hidden_layer_sizes=(3,), num_epochs=3, progress=False, random_state=None)],
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_the_tags_say_binary_only():
    tags = Classifier().__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert tags.classifier_tags.multi_class is False
    assert tags.input_tags.allow_nan is False and tags.input_tags.sparse is False
