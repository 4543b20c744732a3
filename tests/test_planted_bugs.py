"""nblib.planted_bugs: the debug exercise's six bugs, their symptoms, their fixes, its checks.

Each bug's symptom is asserted on its broken run *and* refused on the same seed's run once
fixed, so no symptom test passes on a healthy run (it could not tell the bug).  The numbers
in the assertions leave margin around the ones measured on seeds 0-17 (nblib.planted_bugs's
SYMPTOMS and LEARNS say what was measured).  Every check answers every submission with one
verdict line (as tests/test_check_robustness.py asks of all checks) and never the answer.
"""

import contextlib
import io
import math
import warnings

import numpy as np
import pytest

import nblib.layers as layers
from nblib.checks import CHECK_FAILED, FAIL, PASS, TODO, Choice
from nblib.diagnostics import dead_relu_fractions, look_inside
from nblib.planted_bugs import (
    BUGS,
    LEARNS,
    OPTIONS,
    PART_OF,
    PARTS,
    SYMPTOMS,
    BrokenRun,
    bug_of,
    fix_check,
    name_the_bug,
    planted_bug,
)
from tests.offline_data import offline_mnist

STUCK = "  Stuck? Run .hint() on this exercise, or .solution() to see one answer."


@pytest.fixture(scope="module")
def mnist():
    return offline_mnist()


# --- seeds -----------------------------------------------------------------------------------------


def test_seeds_map_to_bugs_deterministically_and_reach_all_six():
    first = [bug_of(seed) for seed in range(60)]
    assert first == [bug_of(seed) for seed in range(60)]
    for block in range(10):                   # each block of six seeds holds all six bugs
        assert sorted(first[6 * block:6 * block + 6]) == sorted(BUGS)
    neighbours_differ = sum(a != b for a, b in zip(first[:-1], first[1:]))
    assert neighbours_differ >= 50            # within a block always; across, mostly
    assert first[:6] != first[6:12]           # not seed mod 6
    assert planted_bug(3).seed == 3 and isinstance(planted_bug(3), BrokenRun)
    with pytest.raises(ValueError, match="seed"):
        planted_bug(-1)
    with pytest.raises(ValueError, match="seed"):
        bug_of(2.5)


# --- the runs -----------------------------------------------------------------------------------

#: One seed per bug, and the correct part each is fixed with (nblib's).
SEED_OF = {bug_of(seed): seed for seed in range(6)}


def correct_part(bug, data):
    return {"labels": data.y_train, "Dense": layers.Dense, "ReLU": layers.ReLU,
            "loss": layers.softmax_cross_entropy_with_logits, "init": "he",
            "lr": 0.1}[PART_OF[bug]]


@pytest.fixture(scope="module")
def runs(mnist):
    """bug -> (its broken run, trained; the same run fixed with nblib's part, trained)."""
    found = {}
    for bug, seed in SEED_OF.items():
        broken = planted_bug(seed, mnist).train()
        fixed = broken.replace(**{PART_OF[bug]: correct_part(bug, mnist)}).train()
        found[bug] = broken, fixed
    return found


def ratios(run):
    return run.update_ratios.ratios       # (steps, 3 layers)


def dead(run, model=None):
    return list(dead_relu_fractions(model or run.model, run.images[:2000]).values())


def labels_shuffled(run):
    loss = np.array(run.history["loss"])
    r = ratios(run)
    return (np.all(np.abs(loss[-50:] - math.log(10)) < 0.15)       # stuck at ln 10
            and run.val_accuracy < 0.25
            and np.all((r > 1e-3) & (r < 0.05))                     # flat, healthy steps
            and max(dead(run)) < 0.25)


def softmax_wrong_axis(run):
    loss = run.history["loss"]
    return (abs(loss[0] - math.log(64)) < 0.3                       # ln(batch), not ln 10
            and run.history["stopped"] is not None and len(loss) < 30
            and run.val_accuracy < 0.2)


def relu_mask_missing(run):
    r = ratios(run)[:, 0]
    first_epoch = run.history["val_accuracy"][0]
    return (first_epoch > 0.7 and run.val_accuracy < 0.3            # learns, then blows up
            and run.history["stopped"] is not None
            and np.median(r[-10:]) > 2 * np.median(r[:10]))


def learning_rate_too_large(run):
    return (np.min(ratios(run)[0]) > 0.2                            # measured 0.5 and more
            and run.history["stopped"] is not None and len(run.history["loss"]) <= 5
            and dead(run)[0] > 0.4)


def weights_all_zero(run):
    return (dead(run, run.initial_model) == [1.0, 1.0] and dead(run) == [1.0, 1.0]
            and np.all(np.isnan(ratios(run)))                       # 0 / 0: never moved
            and all(not layer.W.any() for layer in run.model.layers[::2])
            and run.val_accuracy < 0.2)


def gradients_accumulated(run):
    r = ratios(run)[:12, 0]
    return (np.all(np.diff(r) > 0) and r[-1] > 10 * r[0]            # climbing step by step
            and max(run.history["loss"]) > 10 and run.val_accuracy < 0.2
            and dead(run)[1] > 0.9)


SYMPTOM_OF = {"labels shuffled": labels_shuffled, "softmax over the wrong axis": softmax_wrong_axis,
              "ReLU mask missing": relu_mask_missing, "learning rate too large":
              learning_rate_too_large, "weights all zero": weights_all_zero,
              "gradients accumulated": gradients_accumulated}


@pytest.mark.parametrize("bug", BUGS)
def test_each_bug_shows_its_symptom_and_the_fix_removes_it(runs, bug):
    broken, fixed = runs[bug]
    assert bug in SYMPTOMS
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert SYMPTOM_OF[bug](broken), (bug, str(broken))
        assert not SYMPTOM_OF[bug](fixed), (bug, str(fixed))
        others = [name for name, symptom in SYMPTOM_OF.items() if name != bug
                  and symptom(broken)]
    assert not others, f"{bug}'s run also shows the symptom of {others}"
    assert fixed.val_accuracy >= LEARNS + 0.05          # measured 89.4 % at least
    assert fixed.history["stopped"] is None
    assert broken.val_accuracy < 0.3                    # measured 12 % at most


def test_a_run_exposes_what_the_diagnostics_need(runs):
    broken, _ = runs["labels shuffled"]
    hidden = look_inside(broken.model, *broken.batch(200))
    assert [h.activations.shape for h in hidden] == [(200, 256), (200, 128)]
    assert broken.update_ratios.names[0] == "Dense 1 (784→256)"
    assert len(broken.history["val_accuracy"]) == broken.epochs
    assert broken.images.shape == (5000, 28, 28) and broken.labels.shape == (5000,)
    assert "validation accuracy" in str(broken) and "planted" in str(broken)


def test_train_is_deterministic_and_fast(mnist):
    import time

    began = time.perf_counter()
    first = planted_bug(SEED_OF["labels shuffled"], mnist).train()
    seconds = time.perf_counter() - began
    second = planted_bug(SEED_OF["labels shuffled"], mnist).train()
    assert first.history["loss"] == second.history["loss"]
    assert seconds < 3                                  # measured 0.6-0.8 s


def test_parts_look_the_same_broken_or_not(mnist):
    parts = {seed: planted_bug(seed, mnist).parts() for seed in range(6)}
    for name in PARTS:
        shown = {repr(parts[seed][name]) for seed in range(6)}
        names = {getattr(parts[seed][name], "__name__", None) for seed in range(6)}
        assert len(shown) == 1 and len(names) == 1, (name, shown, names)
        for bug in BUGS:
            assert bug not in repr(parts[0][name]).lower()


def test_replace_refuses_what_cannot_be_a_part(mnist):
    run = planted_bug(0, mnist)
    with pytest.raises(TypeError, match="no part 'relu'"):
        run.replace(relu=layers.ReLU)
    with pytest.raises(ValueError, match="class"):
        run.replace(ReLU=layers.ReLU())
    with pytest.raises(ValueError, match="lr"):
        run.replace(lr=-1)
    with pytest.raises(ValueError, match="labels"):
        run.replace(labels=mnist.y_train[:10])
    assert run.replace(lr=0.2).replaced() == ["lr"] and run.replaced() == []


# --- the checks ---------------------------------------------------------------------------------


def verdict(check, answer) -> str:
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        check.check(answer)
    assert not caught, [str(w.message) for w in caught]
    text = out.getvalue()
    lines = text.splitlines()
    assert lines and lines[0][:1] in (PASS, FAIL, TODO), text
    assert lines[1:] in ([], [STUCK]), text
    assert CHECK_FAILED not in text and "Traceback" not in text, text
    assert check.passed == lines[0].startswith(PASS), text
    return text


@pytest.mark.parametrize("seed", range(6))
def test_the_choice_accepts_the_bug_and_refuses_the_others(seed):
    choice = name_the_bug(seed)
    assert isinstance(choice, Choice) and len(choice.options) == 6
    right = "ABCDEF"[BUGS.index(bug_of(seed))]
    assert planted_bug(seed).naming.answer == right
    for letter in "ABCDEF":
        text = verdict(choice, letter)
        assert text.startswith(PASS) == (letter == right), text
        if letter != right:
            assert OPTIONS[right] not in text
    assert verdict(choice, f" {right.lower()} ").startswith(PASS)
    for junk in (..., None, "G", "", 3, [right], OPTIONS[right]):
        assert not verdict(choice, junk).startswith(PASS)


class ReLUWithoutMask:
    """A student's ReLU whose backward forgot the mask."""

    def forward(self, X):
        self.mask = X > 0
        return np.maximum(X, 0)

    def backward(self, dY):
        return dY

    def parameters(self):
        return []

    def gradients(self):
        return []


class StudentReLU(ReLUWithoutMask):
    def backward(self, dY):
        return dY * self.mask


class RaisingReLU(StudentReLU):
    def backward(self, dY):
        return dY * self.mask_typo


class StudentDense:
    """The notebook's Dense: Dense(n_in, n_out, rng), backward(dY) makes new gradients."""

    def __init__(self, n_in, n_out, rng, dtype=np.float32):
        self.W = (rng.standard_normal((n_in, n_out)) * 0.05).astype(dtype)
        self.b = np.zeros(n_out, dtype=dtype)

    def forward(self, X):
        self.X = X
        return X @ self.W + self.b

    def backward(self, dY):
        self.dW = self.X.T @ dY
        self.db = dY.sum(axis=0)
        return dY @ self.W.T

    def parameters(self):
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]


def student_softmax_cross_entropy(logits, labels):
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1
    return -log_p[np.arange(n), labels].mean(), dlogits / n


def noisy_loss(logits, labels):
    print("a student's debugging print")
    return student_softmax_cross_entropy(logits, labels)


@pytest.mark.parametrize("part, yours", [("Dense", StudentDense),
                                         ("loss", student_softmax_cross_entropy),
                                         ("loss", noisy_loss)])
def test_the_fix_check_takes_the_students_own_parts(mnist, part, yours):
    bug = {"Dense": "gradients accumulated", "loss": "softmax over the wrong axis"}[part]
    run = planted_bug(SEED_OF[bug], mnist)
    assert verdict(fix_check, run.replace(**{part: yours})).startswith(PASS)


def test_the_fix_check_passes_the_fix_and_refuses_the_rest(mnist):
    seed = SEED_OF["ReLU mask missing"]
    run = planted_bug(seed, mnist)
    assert verdict(fix_check, run.replace(ReLU=StudentReLU)).startswith(PASS)
    assert verdict(fix_check, run.replace(ReLU=layers.ReLU)).startswith(PASS)
    text = verdict(fix_check, run.replace(ReLU=ReLUWithoutMask))
    assert text.startswith(FAIL) and "validation accuracy" in text
    text = verdict(fix_check, run.replace(ReLU=RaisingReLU))
    assert "AttributeError" in text and "of your RaisingReLU.backward" in text
    text = verdict(fix_check, run)
    assert text.startswith(FAIL) and "nothing is replaced" in text
    text = verdict(fix_check, run.replace(ReLU=StudentReLU, lr=0.1))
    assert text.startswith(FAIL) and "only the one" in text
    wrong_part = "lr" if PART_OF[bug_of(seed)] != "lr" else "init"
    text = verdict(fix_check, run.replace(**{wrong_part: 0.1 if wrong_part == "lr" else "he"}))
    assert text.startswith(FAIL) and "not the faulty one" in text


@pytest.mark.parametrize("bug", BUGS)
def test_the_fix_check_passes_each_bugs_fix(mnist, bug):
    run = planted_bug(SEED_OF[bug], mnist)
    assert verdict(fix_check, run.replace(**{PART_OF[bug]: correct_part(bug, mnist)})) \
        .startswith(PASS)


def test_the_fix_check_answers_junk_and_invalid_runs_without_training(mnist, monkeypatch):
    trained = []
    monkeypatch.setattr(BrokenRun, "train", lambda self: trained.append(self))
    run = planted_bug(0, mnist)
    settings = run.get_params()
    invalid = [BrokenRun(**{**settings, name: -1}) for name, value in settings.items()
               if isinstance(value, int)]
    assert len(invalid) >= 3
    junk = ["abc", 1.5, float("nan"), [1, 2], np.zeros(3), {}, BrokenRun, object(),
            10**400, layers.ReLU, BrokenRun(0, parts="ReLU"),
            BrokenRun(0, parts={"ReLU": 3}), BrokenRun(True)]
    for answer in junk + invalid:
        assert verdict(fix_check, answer).startswith(FAIL), answer
    assert verdict(fix_check, ...).startswith(TODO)
    assert verdict(fix_check, None).startswith(TODO)
    assert not trained
