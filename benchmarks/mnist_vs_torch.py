"""Seconds per MNIST epoch: nblib.layers (numpy, float32) against PyTorch CPU, same recipe.

    MNIST_DIR=../shared/data/mnist .venv/bin/python benchmarks/mnist_vs_torch.py \\
        [--recipes classic tuned] [--seeds 0 1 2] [--epochs N]

Two recipes (see RECIPES): the classic 784-100-200-10 network with plain SGD
(lr 0.1, batches of 32), and the tuned 784-256-128-10 network (batches of 128,
momentum 0.9, learning rate 0.2 decaying linearly to 0 over 6 epochs), the one
notebook 06 trains.  For each seed both
frameworks start from the same weights (nblib's, copied into torch), see the
same batches in the same order (the same shuffled indices into the same uint8
arrays, each batch converted to float32 / 255), and use the same optimizer and
schedule.  Their epochs are interleaved (nblib first on even epochs, torch
first on odd ones) and timed; validation accuracy (the last 10,000 training
images, as nblib.mnist splits them) is measured after each epoch, untimed.  The
test set is never used: notebook 06 looks at it once, at its end.  torch runs with
2 threads, numpy with OpenBLAS's default (one per core).

This machine is shared: another process on a core stalls both libraries'
threads (seconds per epoch can jump tenfold).  Each epoch records how much CPU
other processes used meanwhile; epochs where they used more than
CONTENDED_SHARE of one core are left out of the medians (their count is
reported).  If every epoch of a framework was disturbed, all of them are used and
``machine["under_load"]`` says so: such timings are noisy, re-run on a quiet
machine.  Results go to benchmarks/results/mnist_vs_torch.json, which notebook 06
plots without importing torch: ``seconds_per_epoch`` is
``{recipe: {framework: [seconds of each undisturbed epoch]}}``, the input of
``nblib.plots.plot_speed_comparison``; ``recipes[name]["runs"]`` holds each
seed's epoch times, losses and validation accuracies.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np

from nblib.layers import SGD, linear_decay, mlp, predict, train_epoch
from nblib.mnist import load_mnist

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
TORCH_THREADS = 2
#: An epoch counts as disturbed when other processes used more than this share of a core.
CONTENDED_SHARE = 0.05
#: The accuracy whose first epoch both benchmarks report ("first at 98 %"), on validation.
TARGET = 0.98

RECIPES = {
    "classic": dict(sizes=[784, 100, 200, 10], batch_size=32, lr=0.1, momentum=0.0,
                    decay_epochs=None, epochs=20),
    "tuned": dict(sizes=[784, 256, 128, 10], batch_size=128, lr=0.2, momentum=0.9,
                  decay_epochs=6, epochs=6),
}


def load_data(mnist_dir=None):
    """MNIST from nblib.mnist: ``$MNIST_DIR``, else ../shared/data/mnist when present."""
    if mnist_dir is None and not os.environ.get("MNIST_DIR") and DEFAULT_MNIST.is_dir():
        mnist_dir = DEFAULT_MNIST
    return load_mnist(mnist_dir, progress=False)


def describe(recipe: dict) -> str:
    schedule = (f", lr decaying linearly to 0 over {recipe['decay_epochs']} epochs"
                if recipe["decay_epochs"] else "")
    optimizer = f"SGD with momentum {recipe['momentum']}" if recipe["momentum"] else "plain SGD"
    return (f"{'-'.join(map(str, recipe['sizes']))}, {optimizer}, lr {recipe['lr']}{schedule}, "
            f"batch {recipe['batch_size']}, float32")


def make_optimizer(recipe: dict, n_train: int) -> SGD:
    steps_per_epoch = -(-n_train // recipe["batch_size"])
    schedule = (linear_decay(recipe["decay_epochs"] * steps_per_epoch)
                if recipe["decay_epochs"] else None)
    return SGD(recipe["lr"], momentum=recipe["momentum"], schedule=schedule)


# --- watching the machine -----------------------------------------------------------------------


class CpuWatch:
    """CPU seconds used by *other* processes between ``start()`` and ``stop()`` (Linux only)."""

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _busy(self):
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return None
        idle = fields[3] + fields[4]                    # idle + iowait
        return (sum(fields[:8]) - idle) / self.tick     # user .. steal

    def start(self):
        self.busy0, self.own0 = self._busy(), _own_cpu()

    def stop(self):
        busy = self._busy()
        if busy is None or self.busy0 is None:
            return None
        return max(0.0, (busy - self.busy0) - (_own_cpu() - self.own0))


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(function, watch: CpuWatch):
    watch.start()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    return result, seconds, watch.stop()


def machine_info(with_torch: bool = True) -> dict:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "cpu": _cpu_model(),
        "torch_threads": TORCH_THREADS,
        "env": {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                           "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                if k in os.environ},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # Load averages (1, 5, 15 min) as the benchmark starts: above ~0.3 other work was running.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg") else None,
    }
    try:
        from threadpoolctl import threadpool_info
        info["numpy_blas"] = [{k: pool.get(k) for k in ("internal_api", "version",
                                                        "num_threads", "architecture")}
                              for pool in threadpool_info() if pool.get("user_api") == "blas"]
    except ImportError:
        pass
    if with_torch:
        try:
            import torch
            info["torch"] = torch.__version__
        except ImportError:
            info["torch"] = None
    else:
        info.pop("torch_threads")
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# --- PyTorch, the same recipe --------------------------------------------------------------------


class TorchRun:
    """The recipe in PyTorch, starting from an nblib model's weights."""

    def __init__(self, model, recipe: dict, n_train: int):
        import torch
        self.torch = torch
        torch.set_num_threads(TORCH_THREADS)
        layers = []
        for layer in model.layers:
            if type(layer).__name__ == "Dense":
                linear = torch.nn.Linear(*layer.W.shape)
                with torch.no_grad():
                    linear.weight.copy_(torch.from_numpy(layer.W.T.copy()))
                    linear.bias.copy_(torch.from_numpy(layer.b))
                layers.append(linear)
            else:
                layers.append(torch.nn.ReLU())
        self.net = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=recipe["lr"],
                                         momentum=recipe["momentum"])
        schedule = make_optimizer(recipe, n_train).schedule
        self.scheduler = (torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule)
                          if schedule else None)
        self.batch_size = recipe["batch_size"]

    def train_epoch(self, X, y, rng) -> float:
        """The loop of nblib.layers.train_epoch: uint8 batch -> float32 / 255, step."""
        torch, F = self.torch, self.torch.nn.functional
        order = torch.from_numpy(rng.permutation(len(X)))
        total = 0.0
        for start in range(0, len(X), self.batch_size):
            batch = order[start:start + self.batch_size]
            X_batch = X[batch].float().div_(255)
            loss = F.cross_entropy(self.net(X_batch), y[batch])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if self.scheduler:
                self.scheduler.step()
            total += loss.item() * len(batch)
        return total / len(X)

    def accuracy(self, X, y) -> float:
        """Fraction of ``X`` (uint8 rows, a tensor) classified as ``y``; no gradients."""
        with self.torch.no_grad():
            correct = sum(int((self.net(X[i:i + 1000].float().div_(255)).argmax(1)
                               == y[i:i + 1000]).sum()) for i in range(0, len(X), 1000))
        return correct / len(X)


def torch_data(images, labels):
    """The same uint8 pixels as a tensor (no copy); labels as int64, which torch's loss needs."""
    import torch
    return (torch.from_numpy(images.reshape(len(images), -1)),
            torch.from_numpy(labels.astype(np.int64)))


# --- one recipe, both frameworks ----------------------------------------------------------------


def run_recipe(name: str, data, seeds, epochs=None) -> dict:
    recipe = dict(RECIPES[name])
    if epochs:
        recipe["epochs"] = epochs
    n_train = len(data.X_train)
    Xt_train, yt_train = torch_data(data.X_train, data.y_train)
    Xt_val, yt_val = torch_data(data.X_val, data.y_val)
    watch = CpuWatch()
    runs = []
    print(f"\n{name}: {describe(recipe)}, {recipe['epochs']} epochs, seeds {list(seeds)}")
    print(f"{'seed':>4s} {'epoch':>5s} {'nblib s':>8s} {'torch s':>8s} {'ratio':>6s} "
          f"{'nblib val':>9s} {'torch val':>9s} {'other cpu s':>11s}")
    for seed in seeds:
        model = mlp(recipe["sizes"], seed=seed)
        optimizer = make_optimizer(recipe, n_train)
        theirs = TorchRun(model, recipe, n_train)
        # Two generators with the same seed: both frameworks see the same batch order.
        ours_rng, theirs_rng = np.random.default_rng(seed), np.random.default_rng(seed)

        ours_epoch = partial(train_epoch, model, optimizer, data.X_train, data.y_train,
                             recipe["batch_size"], rng=ours_rng)
        theirs_epoch = partial(theirs.train_epoch, Xt_train, yt_train, theirs_rng)

        record = {"seed": seed,
                  **{fw: {"epoch_seconds": [], "other_cpu_seconds": [], "train_loss": [],
                          "val_accuracy": []} for fw in ("nblib", "torch")}}
        for epoch in range(1, recipe["epochs"] + 1):
            order = [("nblib", ours_epoch), ("torch", theirs_epoch)]
            if epoch % 2 == 0:
                order.reverse()
            for fw, run in order:
                loss, seconds, other = timed(run, watch)
                record[fw]["epoch_seconds"].append(round(seconds, 4))
                record[fw]["other_cpu_seconds"].append(None if other is None else round(other, 3))
                record[fw]["train_loss"].append(round(loss, 5))
            record["nblib"]["val_accuracy"].append(
                float(np.mean(predict(model, data.X_val) == data.y_val)))
            record["torch"]["val_accuracy"].append(theirs.accuracy(Xt_val, yt_val))
            a, b = record["nblib"], record["torch"]
            print(f"{seed:4d} {epoch:5d} {a['epoch_seconds'][-1]:8.3f} "
                  f"{b['epoch_seconds'][-1]:8.3f} "
                  f"{a['epoch_seconds'][-1] / b['epoch_seconds'][-1]:6.2f} "
                  f"{a['val_accuracy'][-1]:9.4f} {b['val_accuracy'][-1]:9.4f} "
                  f"{_fmt(a['other_cpu_seconds'][-1])}/{_fmt(b['other_cpu_seconds'][-1])}",
                  flush=True)
        runs.append(record)
    return {"description": describe(recipe), **recipe, "n_train": n_train, "runs": runs,
            **summarize(runs)}


def _fmt(value):
    return "-" if value is None else f"{value:.2f}"


def quiet(seconds, other) -> bool:
    return other is None or other <= CONTENDED_SHARE * seconds


def kept_seconds(runs, fw) -> list[float]:
    """The epoch times of ``fw`` used for medians: the undisturbed ones, or all if none is."""
    pairs = [(s, o) for run in runs
             for s, o in zip(run[fw]["epoch_seconds"], run[fw]["other_cpu_seconds"])]
    return [s for s, o in pairs if quiet(s, o)] or [s for s, _ in pairs]


def summarize(runs) -> dict:
    """Medians over every undisturbed epoch of every seed, and when 98 % was first reached.

    "First at 98 %" and the final accuracies are measured on the validation images.
    """
    summary = {"median_epoch_seconds": {}, "epochs_used": {}, "epochs_disturbed": {},
               "first_epoch_at_98": {}, "final_val_accuracy": {}}
    for fw in ("nblib", "torch"):
        pairs = [(s, o) for run in runs
                 for s, o in zip(run[fw]["epoch_seconds"], run[fw]["other_cpu_seconds"])]
        disturbed = sum(not quiet(s, o) for s, o in pairs)
        kept = kept_seconds(runs, fw)
        summary["median_epoch_seconds"][fw] = round(statistics.median(kept), 4)
        summary["epochs_used"][fw] = len(kept)
        summary["epochs_disturbed"][fw] = disturbed
        summary["first_epoch_at_98"][fw] = [
            next((i + 1 for i, acc in enumerate(run[fw]["val_accuracy"]) if acc >= TARGET), None)
            for run in runs]
        summary["final_val_accuracy"][fw] = [run[fw]["val_accuracy"][-1] for run in runs]
    ours, theirs = summary["median_epoch_seconds"]["nblib"], summary["median_epoch_seconds"]["torch"]
    summary["ratio_nblib_to_torch"] = round(ours / theirs, 3)
    # Epoch-by-epoch ratios where both epochs were undisturbed: the interleaved comparison
    # (every pair if none was).
    every = [(a / b, quiet(a, oa) and quiet(b, ob)) for run in runs
             for a, oa, b, ob in zip(run["nblib"]["epoch_seconds"],
                                     run["nblib"]["other_cpu_seconds"],
                                     run["torch"]["epoch_seconds"],
                                     run["torch"]["other_cpu_seconds"])]
    ratios = [r for r, both_quiet in every if both_quiet] or [r for r, _ in every]
    summary["median_paired_ratio"] = round(statistics.median(ratios), 3)
    return summary


def load_note(results: dict) -> str | None:
    """A warning for the JSON when other processes disturbed the timed epochs."""
    disturbed = sum(sum(r["epochs_disturbed"].values()) for r in results["recipes"].values())
    total = sum(len(r["runs"]) * r["epochs"] * 2 for r in results["recipes"].values())
    if not disturbed:
        return None
    return (f"measured under load: {disturbed} of {total} timed epochs were disturbed by other "
            f"processes (more than {CONTENDED_SHARE:.0%} of a core); timings are noisy, "
            f"re-run on a quiet machine")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", choices=list(RECIPES), default=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, help="override each recipe's number of epochs")
    parser.add_argument("--mnist-dir", help="folder with the four .gz files (else $MNIST_DIR)")
    parser.add_argument("--out", type=Path, default=RESULTS / "mnist_vs_torch.json")
    args = parser.parse_args(argv)

    data = load_data(args.mnist_dir)
    results = {"benchmark": "benchmarks/mnist_vs_torch.py", "machine": machine_info(),
               "command": " ".join([Path(sys.executable).name, *sys.argv]),
               "contended_share": CONTENDED_SHARE, "recipes": {}}
    for name in args.recipes:
        results["recipes"][name] = run_recipe(name, data, args.seeds, args.epochs)
    # Ready for nblib.plots.plot_speed_comparison: {recipe: {framework: [seconds, ...]}},
    # every undisturbed epoch of every seed.
    results["seconds_per_epoch"] = {
        name: {fw: kept_seconds(r["runs"], fw) for fw in ("nblib", "torch")}
        for name, r in results["recipes"].items()}
    results["machine"]["under_load"] = load_note(results)

    print(f"\n{'recipe':8s} {'nblib s/epoch':>13s} {'torch s/epoch':>13s} {'ratio':>6s} "
          f"{'paired':>6s} {'kept':>9s} {'98% val. at epoch (nblib / torch)':>35s}")
    for name, r in results["recipes"].items():
        med = r["median_epoch_seconds"]
        print(f"{name:8s} {med['nblib']:13.3f} {med['torch']:13.3f} "
              f"{r['ratio_nblib_to_torch']:6.2f} {r['median_paired_ratio']:6.2f} "
              f"{r['epochs_used']['nblib']:4d}/{r['epochs_used']['torch']:<4d} "
              f"{str(r['first_epoch_at_98']['nblib']):>19s} / {r['first_epoch_at_98']['torch']}")
    if results["machine"]["under_load"]:
        print(results["machine"]["under_load"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
