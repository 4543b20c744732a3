"""nblib.nn on nblib.engine against micrograd 0.1.0 on micrograd's own demo, interleaved.

    .venv/bin/python benchmarks/engine_vs_micrograd.py [--steps 100] [--runs 5]

The demo (micrograd's demo.ipynb): MLP(2, [16, 16, 1]) on 100 "moons" points,
max-margin loss plus L2 regularisation 1e-4, full batch, learning rate
1.0 - 0.9 k / 100.  Three models start from the same weights (micrograd's,
seeded; copied into two nblib.nn.MLPs) and train side by side:

- micrograd 0.1.0, as it comes (its closures capture their output: cycles);
- nblib, collector on: Python's default garbage-collector settings;
- nblib, collector paused: each step inside nblib.engine.collector_paused().

The ``--steps`` steps are cut into ``--runs`` runs, and the runs interleave
(micrograd, nblib, nblib paused, micrograd, ...) so a noisy machine slows all
three alike; each run continues training where the last stopped, after a
gc.collect() so that no run pays for another's garbage.  Keep runs of about 20
steps or more: shorter ones end before the collector's full collections come
round, which flatters micrograd (and nblib with the collector on).  The losses
must agree with micrograd's to 1e-9 at every step.  Reported: steps/s per run
and the median, the speed-up at the median (target >= 20x), and the share of
step time spent in the cyclic garbage collector, timed with ``gc.callbacks``
from the start to the stop of each collection.  Then a Value-based training
epoch as notebook 05 runs it (400 moons, mini-batches of 32, log loss) and the
10^6-node chain.

micrograd is installed by this script into build/micrograd (pip --target), not
into the course environment.  The moons are generated here with numpy in the
same way as scikit-learn's make_moons, so scikit-learn isn't needed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from nblib.engine import Value, collector_paused
from nblib.nn import MLP

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


def nblib_copy_of(mg_model):
    """An nblib.nn.MLP with micrograd's starting weights (same parameter order)."""
    ours = MLP(2, [16, 16, 1])
    assert repr([len(layer.neurons) for layer in ours.layers]) == \
        repr([len(layer.neurons) for layer in mg_model.layers])
    mg_parameters = mg_model.parameters()
    assert len(ours.parameters()) == len(mg_parameters)
    for p, q in zip(ours.parameters(), mg_parameters):
        p.data = float(q.data)
    return ours


# --- time in the cyclic garbage collector ---------------------------------------------------


class CollectorClock:
    """Total seconds spent inside the cyclic garbage collector, from gc.callbacks."""

    def __init__(self):
        self.seconds, self.collections, self._started = 0.0, 0, None
        gc.callbacks.append(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1
            self._started = None


CLOCK = CollectorClock()


# --- micrograd's demo -------------------------------------------------------------------------


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


class Trainer:
    """One engine training on the demo, a run of steps at a time."""

    def __init__(self, name, model, value_class, constant_inputs, paused):
        self.name, self.model, self.value_class = name, model, value_class
        self.constant_inputs, self.paused = constant_inputs, paused
        self.losses, self.rates, self.gc_seconds, self.seconds = [], [], 0.0, 0.0

    def graph_size(self, X, y):
        """Nodes in one step's graph (built outside the timed runs, weights unchanged)."""
        return count_nodes(demo_loss(self.model, X, y, self.value_class, self.constant_inputs))

    def run(self, X, y, first_step, num_steps):
        gc.collect()  # start clean: no run pays for an earlier run's garbage
        seconds = gc_seconds = 0.0
        for k in range(first_step, first_step + num_steps):
            start, gc_start = time.perf_counter(), CLOCK.seconds
            with collector_paused() if self.paused else contextlib.nullcontext():
                total_loss = demo_loss(self.model, X, y, self.value_class,
                                       self.constant_inputs)
                for p in self.model.parameters():
                    p.grad = 0.0
                total_loss.backward()
                lr = 1.0 - 0.9 * k / 100
                for p in self.model.parameters():
                    p.data -= lr * p.grad
                loss = total_loss.data
                del total_loss  # nblib's graph is freed here, by reference counting
            seconds += time.perf_counter() - start
            gc_seconds += CLOCK.seconds - gc_start
            self.losses.append(loss)
        self.rates.append(num_steps / seconds)
        self.seconds += seconds
        self.gc_seconds += gc_seconds
        return num_steps / seconds, gc_seconds / seconds


def count_nodes(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node._prev)
    return len(seen)


# --- notebook 05's training epoch ----------------------------------------------------------------


def log_loss_from_logit(z, y):
    """log(1 + e^z) - y z on Values, with exp only ever of a number <= 0."""
    softplus = z + (1 + (-z).exp()).log() if z.data >= 0 else (1 + z.exp()).log()
    return softplus - y * z


def epoch_seconds(paused, num_epochs=1, n=400, batch_size=32, lr=0.5):
    """Seconds per epoch: MLP(2, [16, 16, 1]) on n moons, mini-batches, mean log loss."""
    X, y = make_moons(n, seed=0)
    X, y = np.array(X), (np.array(y) + 1) / 2
    model = MLP(2, [16, 16, 1], seed=0)
    rng = np.random.default_rng(0)
    gc.collect()
    start, gc_start = time.perf_counter(), CLOCK.seconds
    for _ in range(num_epochs):
        order = rng.permutation(n)
        for first in range(0, n, batch_size):
            batch = order[first:first + batch_size]
            with collector_paused() if paused else contextlib.nullcontext():
                loss = sum(log_loss_from_logit(model(X[i]), y[i]) for i in batch) / len(batch)
                model.zero_grad()
                loss.backward()
                for p in model.parameters():
                    p.data -= lr * p.grad
                del loss
    seconds = time.perf_counter() - start
    return seconds / num_epochs, (CLOCK.seconds - gc_start) / seconds


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
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per engine (>= 3)")
    parser.add_argument("--skip-epoch", action="store_true")
    parser.add_argument("--skip-chain", action="store_true")
    args = parser.parse_args()
    if args.runs < 3 or args.steps < args.runs:
        parser.error("need --runs >= 3 and at least one step per run")
    mg_engine, mg_nn = import_micrograd()
    X, y = make_moons()

    random.seed(1337)
    mg_model = mg_nn.MLP(2, [16, 16, 1])
    trainers = [
        Trainer("micrograd 0.1.0", mg_model, mg_engine.Value, False, paused=False),
        Trainer("nblib, collector on", nblib_copy_of(mg_model), Value, True, paused=False),
        Trainer("nblib, collector paused", nblib_copy_of(mg_model), Value, True, paused=True),
    ]
    print(f"{len(mg_model.parameters())} parameters, {len(X)} points, {args.steps} steps "
          f"in {args.runs} interleaved runs per engine", flush=True)

    nodes = [trainer.graph_size(X, y) for trainer in trainers]
    bounds = np.linspace(0, args.steps, args.runs + 1).astype(int)
    for run, (first, last) in enumerate(zip(bounds[:-1], bounds[1:]), start=1):
        for trainer in trainers:
            rate, share = trainer.run(X, y, first, last - first)
            print(f"run {run}  {trainer.name:24s} steps {first:3d}-{last - 1:3d}: "
                  f"{rate:7.3f} steps/s, {share:4.0%} in the collector", flush=True)

    mg = trainers[0]
    mg_losses = np.array(mg.losses)
    medians = [statistics.median(t.rates) for t in trainers]
    print()
    ok = True
    for trainer, median, size in zip(trainers, medians, nodes):
        difference = float(np.max(np.abs(np.array(trainer.losses) - mg_losses)))
        ok = ok and difference <= 1e-9
        runs = " ".join(f"{rate:.3f}" for rate in trainer.rates)
        print(f"{trainer.name:24s}: median {median:7.3f} steps/s ({runs}), "
              f"{median / medians[0]:.1f}x micrograd\n"
              f"{'':26s}{trainer.gc_seconds / trainer.seconds:.0%} of the time in the collector, "
              f"{size} nodes per step, losses differ from micrograd's by <= {difference:.1e}")
    speed_up = medians[2] / medians[0]
    print(f"speed-up at the median, nblib paused / micrograd: {speed_up:.1f}x (target >= 20x)")
    print(f"losses: step 0 {mg_losses[0]:.6f} -> step {args.steps - 1} {mg_losses[-1]:.6f}, "
          f"equal at every step to 1e-9: {ok}")
    ok = ok and speed_up >= 20

    if not args.skip_epoch:
        del trainers, mg, mg_model
        print("\nnotebook 05's epoch: MLP(2, [16, 16, 1]), 400 moons, batches of 32, log loss")
        results = {False: [], True: []}
        for paused in (False, True) * args.runs:
            results[paused].append(epoch_seconds(paused))
        for paused, label in ((False, "collector on"), (True, "collector paused")):
            seconds = [s for s, _ in results[paused]]
            share = statistics.median(share for _, share in results[paused])
            print(f"{label:24s}: median {statistics.median(seconds):.2f} s per epoch "
                  f"({' '.join(f'{s:.2f}' for s in seconds)}), {share:.0%} in the collector")
    if not args.skip_chain:
        gc.collect()
        built, backward = chain()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"10^6-node chain : built in {built:.1f} s, backward in {backward:.1f} s "
              f"(recursion limit {sys.getrecursionlimit()}), peak RSS {peak:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
