"""nblib.engine against micrograd 0.1.0 on micrograd's own demo, side by side.

    .venv/bin/python benchmarks/engine_vs_micrograd.py [--steps 100]

The demo (micrograd's demo.ipynb): MLP(2, [16, 16, 1]) on 100 "moons" points,
max-margin loss plus L2 regularisation, full batch, learning rate 1.0 - 0.9 k / 100.
Both engines start from the same weights (micrograd's, seeded; copied into
ours) and the loss must agree at every step to 1e-9.  Reports steps per
second for each, the ratio, and graph sizes; then the 10^6-node chain.

micrograd is installed by this script into build/micrograd (pip --target), not
into the course environment.  The moons are generated here with numpy in the
same way as scikit-learn's make_moons (noise 0.1), so scikit-learn isn't needed.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from nblib.engine import Value, weighted_sum

ROOT = Path(__file__).resolve().parent.parent
MICROGRAD_DIR = ROOT / "build" / "micrograd"


def import_micrograd():
    if not (MICROGRAD_DIR / "micrograd").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                        str(MICROGRAD_DIR), "micrograd==0.1.0"], check=True)
    sys.path.insert(0, str(MICROGRAD_DIR))
    import micrograd.engine
    import micrograd.nn
    return micrograd.engine, micrograd.nn


def make_moons(n=100, noise=0.1, seed=1):
    """Two interleaving half circles, labels -1 / +1 (as scikit-learn's make_moons)."""
    rng = np.random.default_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    outer = np.column_stack([np.cos(np.linspace(0, np.pi, n_outer)),
                             np.sin(np.linspace(0, np.pi, n_outer))])
    inner = np.column_stack([1 - np.cos(np.linspace(0, np.pi, n_inner)),
                             1 - np.sin(np.linspace(0, np.pi, n_inner)) - 0.5])
    X = np.vstack([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    y = np.hstack([np.zeros(n_outer), np.ones(n_inner)]) * 2 - 1
    return X.tolist(), y.tolist()


class FastMLP:
    """micrograd's MLP with each neuron's b + Σ wᵢxᵢ as one weighted_sum node."""

    def __init__(self, layers):
        # layers: list of (weights rows, biases, nonlin) copied from micrograd
        self.layers = [([[Value(w) for w in row] for row in rows],
                        [Value(b) for b in biases], nonlin) for rows, biases, nonlin in layers]

    def __call__(self, x):
        for rows, biases, nonlin in self.layers:
            x = [weighted_sum(row, x, b) for row, b in zip(rows, biases)]
            if nonlin:
                x = [v.relu() for v in x]
        return x[0]

    def parameters(self):
        return [p for rows, biases, _ in self.layers for row, b in zip(rows, biases)
                for p in [*row, b]]


def copy_weights(model):
    return [([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons],
             layer.neurons[0].nonlin) for layer in model.layers]


def demo_loss(model, X, y, value_class, constant_inputs):
    """micrograd's demo loss: mean hinge loss + 1e-4 * sum of squared parameters."""
    if constant_inputs:
        inputs = [[value_class(v, requires_grad=False) for v in row] for row in X]
    else:
        inputs = [list(map(value_class, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def train(model, X, y, steps, value_class, constant_inputs=False):
    losses, seconds, nodes = [], 0.0, None
    for k in range(steps):
        start = time.perf_counter()
        total_loss = demo_loss(model, X, y, value_class, constant_inputs)
        for p in model.parameters():
            p.grad = 0.0
        total_loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        seconds += time.perf_counter() - start
        losses.append(total_loss.data)
        if nodes is None:
            nodes = count_nodes(total_loss)
        del total_loss
    return np.array(losses), steps / seconds, nodes


def count_nodes(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node._prev)
    return len(seen)


def gc_share(model, X, y, value_class, steps=3):
    """Fraction of a step's time that goes away when the cyclic GC is switched off."""
    def timed():
        start = time.perf_counter()
        for _ in range(steps):
            loss = demo_loss(model, X, y, value_class, False)
            loss.backward()
            del loss
        return time.perf_counter() - start
    with_gc = timed()
    gc.disable()
    try:
        without_gc = timed()
    finally:
        gc.enable()
    return 1 - without_gc / with_gc


def chain(n=10**6):
    x = Value(1.0)
    y = x
    start = time.perf_counter()
    for _ in range(n):
        y = y + 1.0
    built = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    backward = time.perf_counter() - start
    assert x.grad == 1.0 and y.data == n + 1.0
    return built, backward


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--skip-chain", action="store_true")
    args = parser.parse_args()
    mg_engine, mg_nn = import_micrograd()
    X, y = make_moons()

    random.seed(1337)
    mg_model = mg_nn.MLP(2, [16, 16, 1])
    ours = FastMLP(copy_weights(mg_model))
    print(f"{len(mg_model.parameters())} parameters, {len(X)} points, {args.steps} steps", flush=True)

    ours_losses, ours_rate, ours_nodes = train(ours, X, y, args.steps, Value,
                                               constant_inputs=True)
    mg_losses, mg_rate, mg_nodes = train(mg_model, X, y, args.steps, mg_engine.Value)
    difference = float(np.max(np.abs(ours_losses - mg_losses)))

    print(f"micrograd 0.1.0 : {mg_rate:7.3f} steps/s, {mg_nodes:6d} nodes per step graph")
    print(f"nblib.engine    : {ours_rate:7.3f} steps/s, {ours_nodes:6d} nodes per step graph")
    print(f"speed-up        : {ours_rate / mg_rate:7.1f}x   (target >= 10x)")
    print(f"graph           : {mg_nodes / ours_nodes:7.1f}x fewer nodes")
    print(f"losses          : step 0 {mg_losses[0]:.6f} -> step {args.steps - 1} "
          f"{mg_losses[-1]:.6f}; largest difference {difference:.1e} (must be <= 1e-9)")
    print(f"micrograd's time in the cyclic GC: {gc_share(mg_model, X, y, mg_engine.Value):.0%} "
          "(measured by switching gc off)")
    ok = difference <= 1e-9 and ours_rate / mg_rate >= 10
    if not args.skip_chain:
        del mg_model, ours
        gc.collect()
        built, backward = chain()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"10^6-node chain : built in {built:.1f} s, backward in {backward:.1f} s "
              f"(recursion limit {sys.getrecursionlimit()}), peak RSS {peak:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
