"""Fit time per epoch: nblib's Classifier (Values) against scikit-learn's MLPClassifier.

    .venv/bin/python benchmarks/classifier_vs_sklearn.py [--repeats 3]

Notebook 05's moons: make_moons(500, noise=0.1, random_state=0), 400 points to
train on.  For each network shape, fits nblib's Classifier (tanh, batches of 16,
20 epochs) and scikit-learn's MLPClassifier (tanh, Adam at 0.01, batches of 16,
trained until it stops) REPEATS times, alternating, and prints the median fit
time, the epochs run, the median time per epoch and the test accuracy of each.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from nblib.classifier import Classifier


def timed_fit(model, X, y) -> float:
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def main(repeats: int) -> None:
    X, y = make_moons(500, noise=0.1, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    print(f"{'model':34s} {'fit (median)':>12s} {'epochs':>6s} {'per epoch':>10s} "
          f"{'test acc':>8s}")
    for shape in [(8, 8), (16, 16)]:
        ours = Classifier(hidden_layer_sizes=shape, activation="tanh", lr=0.3, batch_size=16,
                          num_epochs=20, progress=False)
        theirs = MLPClassifier(shape, activation="tanh", learning_rate_init=0.01, batch_size=16,
                               max_iter=2000, random_state=0)
        times = {"ours": [], "sklearn": []}
        for _ in range(repeats):                     # alternate, so machine noise hits both
            times["ours"].append(timed_fit(ours, X_train, y_train))
            times["sklearn"].append(timed_fit(theirs, X_train, y_train))
        for name, model, epochs in [(f"nblib Classifier {shape}", ours, ours.n_iter_),
                                    (f"sklearn MLPClassifier {shape}", theirs, theirs.n_iter_)]:
            median = statistics.median(times["ours" if model is ours else "sklearn"])
            print(f"{name:34s} {median:10.3f} s {epochs:6d} {median / epochs * 1000:7.2f} ms "
                  f"{model.score(X_test, y_test):8.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)
