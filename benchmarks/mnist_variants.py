"""The recipe notebook 06 trains, its time to 98 %, and what changing one thing does.

    MNIST_DIR=../shared/data/mnist .venv/bin/python benchmarks/mnist_variants.py \\
        [--seeds 0 1 2] [--recipe-seeds 0 1 2 3 4 5 6 7 8]

Every accuracy here is measured on the validation images (the last 10,000 of
MNIST's 60,000 training images, as nblib.mnist splits them), and every choice
the notebook makes from these numbers is made on them.  The test set is never
used: notebook 06 looks at it once, at its end.

1. The recipe (RECIPE: 784-256-128-10, batches of 128, SGD with momentum 0.9,
   lr 0.2 decaying linearly to 0 over 6 epochs, float32) on each seed: training
   seconds and validation accuracy after every epoch, and when the validation
   accuracy first reached 98 %.  Nine seeds by default: 98 % is close to what
   these networks reach in a few epochs, so three seeds say little about the
   next one.
2. Variants that change one thing: momentum, the learning-rate schedule, the
   hidden widths, the number of epochs (the schedule always decays to 0 at
   the last epoch).  Final validation accuracy and training seconds for each seed.
3. Peak memory (ru_maxrss) of a fresh process that loads MNIST, trains the
   recipe once and predicts the validation images.

Only training is timed; evaluation happens between epochs.  Epochs during which
other processes used more than CONTENDED_SHARE of a core are counted as
disturbed, and ``machine["under_load"]`` says how many: such timings are noisy
(the accuracies are not), re-run on a quiet machine.  Results go to
benchmarks/results/mnist_variants.json for notebook 06's "What to try next".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from mnist_vs_torch import (
    CONTENDED_SHARE,
    RECIPES,
    RESULTS,
    TARGET,
    CpuWatch,
    describe,
    load_data,
    machine_info,
    make_optimizer,
    quiet,
    timed,
)

from nblib.layers import mlp, predict, train_epoch

RECIPE = RECIPES["tuned"]

#: (group, label, changes to RECIPE).  "epochs" also moves the end of the decay.
VARIANTS = [
    ("momentum", "momentum 0.9 (the recipe)", {}),
    ("momentum", "no momentum, lr 0.2", {"momentum": 0.0}),
    # With momentum 0.9 a steady gradient moves p by lr / (1 - 0.9) = 10 lr per step.
    ("momentum", "no momentum, lr 2.0 (momentum's long-run step)",
     {"momentum": 0.0, "lr": 2.0}),
    ("schedule", "lr decaying to 0 (the recipe)", {}),
    ("schedule", "constant lr 0.2", {"decay_epochs": None}),
    ("width", "784-100-200-10", {"sizes": [784, 100, 200, 10]}),
    ("width", "784-256-128-10 (the recipe)", {}),
    ("width", "784-512-256-10", {"sizes": [784, 512, 256, 10]}),
    ("epochs", "2 epochs", {"epochs": 2, "decay_epochs": 2}),
    ("epochs", "4 epochs", {"epochs": 4, "decay_epochs": 4}),
    ("epochs", "5 epochs", {"epochs": 5, "decay_epochs": 5}),
    ("epochs", "6 epochs (the recipe)", {}),
    ("epochs", "10 epochs", {"epochs": 10, "decay_epochs": 10}),
]


def train(recipe: dict, data, seed: int, watch: CpuWatch) -> dict:
    """Train ``recipe`` from ``seed``; per epoch: seconds, loss and validation accuracy."""
    model = mlp(recipe["sizes"], seed=seed)
    optimizer = make_optimizer(recipe, len(data.X_train))
    rng = np.random.default_rng(seed)
    record = {"seed": seed, "epoch_seconds": [], "other_cpu_seconds": [], "train_loss": [],
              "val_accuracy": []}
    record["diverged_at_epoch"] = None
    for epoch in range(1, recipe["epochs"] + 1):
        try:
            loss, seconds, other = timed(lambda: train_epoch(
                model, optimizer, data.X_train, data.y_train, recipe["batch_size"], rng=rng),
                watch)
        except ValueError as error:         # nblib's loss refuses NaN or infinite logits
            if "diverged" not in str(error):
                raise
            record["diverged_at_epoch"] = epoch
            break
        record["epoch_seconds"].append(round(seconds, 4))
        record["other_cpu_seconds"].append(None if other is None else round(other, 3))
        record["train_loss"].append(round(loss, 5))
        record["val_accuracy"].append(float(np.mean(predict(model, data.X_val) == data.y_val)))
    if record["diverged_at_epoch"]:
        record["val_accuracy"].append(None)
        record["train_seconds"] = None
        record["disturbed_epochs"] = 0
        record["first_epoch_at_98"] = record["seconds_to_98"] = None
        return record
    record["train_seconds"] = round(sum(record["epoch_seconds"]), 3)
    record["disturbed_epochs"] = sum(not quiet(s, o) for s, o in
                                     zip(record["epoch_seconds"], record["other_cpu_seconds"]))
    first = next((i for i, acc in enumerate(record["val_accuracy"]) if acc >= TARGET), None)
    record["first_epoch_at_98"] = None if first is None else first + 1
    record["seconds_to_98"] = (None if first is None
                               else round(sum(record["epoch_seconds"][:first + 1]), 3))
    return record


def time_to_98(data, seeds, watch) -> dict:
    print(f"The recipe: {describe(RECIPE)}, {RECIPE['epochs']} epochs")
    print(f"{'seed':>4s} {'epochs':>6s} {'seconds':>7s} {'val acc':>7s} "
          f"{'98% at epoch':>12s} {'after s':>7s} {'disturbed':>9s}")
    runs = []
    for seed in seeds:
        r = train(RECIPE, data, seed, watch)
        runs.append(r)
        print(f"{seed:4d} {RECIPE['epochs']:6d} {r['train_seconds']:7.2f} "
              f"{r['val_accuracy'][-1]:7.4f} "
              f"{str(r['first_epoch_at_98']):>12s} {str(r['seconds_to_98']):>7s} "
              f"{r['disturbed_epochs']:9d}", flush=True)
    finals = [r["val_accuracy"][-1] for r in runs]
    reached = [r["seconds_to_98"] for r in runs]
    summary = {"every_seed_ends_at_98": all(acc >= TARGET for acc in finals),
               "every_seed_reaches_98": None not in reached,
               "max_seconds_to_98": None if None in reached else max(reached),
               "median_train_seconds": statistics.median(r["train_seconds"] for r in runs),
               "max_train_seconds": max(r["train_seconds"] for r in runs),
               "min_final_val_accuracy": min(finals),
               "first_epochs_at_98": [r["first_epoch_at_98"] for r in runs]}
    print("  " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return {"description": describe(RECIPE), **RECIPE, "runs": runs, **summary}


def variants(data, seeds, watch, recipe_runs) -> list[dict]:
    print(f"\n{'what changes':12s} {'variant':48s} {'val acc (per seed)':>26s} "
          f"{'median':>7s} {'train s':>7s}")
    rows = []
    for group, label, change in VARIANTS:
        recipe = {**RECIPE, **change}
        # The recipe's own rows reuse part 1's runs rather than training it four more times.
        runs = ([r for r in recipe_runs if r["seed"] in seeds] if not change
                else [train(recipe, data, s, watch) for s in seeds])
        val = [r["val_accuracy"][-1] for r in runs]
        seconds = [r["train_seconds"] for r in runs]
        diverged = [r["diverged_at_epoch"] for r in runs]
        rows.append({"group": group, "label": label, "change": change,
                     "description": describe(recipe), "epochs": recipe["epochs"],
                     "seeds": [r["seed"] for r in runs], "val_accuracy": val,
                     "val_accuracy_per_epoch": [r["val_accuracy"] for r in runs],
                     "train_seconds": seconds, "diverged_at_epoch": diverged,
                     "median_val_accuracy": _median(val),
                     "median_train_seconds": _median(seconds),
                     "disturbed_epochs": sum(r["disturbed_epochs"] for r in runs)})
        shown = " ".join("diverged" if a is None else f"{a:.4f}" for a in val)
        print(f"{group:12s} {label:48s} {shown:>26s} {_fmt(_median(val), 4):>7s} "
              f"{_fmt(_median(seconds), 2):>7s}", flush=True)
    return rows


#: Up to this share of disturbed epochs, the timings still count as measured on a quiet machine.
QUIET_SHARE = 0.02


def load_note(recipe_runs, rows) -> str | None:
    """A warning for the JSON when other processes disturbed the timed epochs."""
    runs = {id(r): r for r in recipe_runs}        # the recipe's rows reuse these runs
    disturbed = sum(r["disturbed_epochs"] for r in runs.values()) + sum(
        row["disturbed_epochs"] for row in rows if row["change"])
    total = sum(len(r["epoch_seconds"]) for r in runs.values()) + sum(
        row["epochs"] * len(row["seeds"]) for row in rows if row["change"])
    # A few disturbed epochs (a background task's blip) barely move a median of seeds:
    # the count stays in each run's "disturbed_epochs"; the warning is for real load.
    if disturbed <= QUIET_SHARE * total:
        return None
    return (f"measured under load: {disturbed} of about {total} timed epochs were disturbed "
            f"by other processes (more than {CONTENDED_SHARE:.0%} of a core); the timings "
            f"are noisy (the accuracies are not): re-run on a quiet machine")


def _median(values):
    """Median of the runs that finished; None if any diverged."""
    return None if None in values else statistics.median(values)


def _fmt(value, digits):
    return "-" if value is None else f"{value:.{digits}f}"


def peak_memory_child(mnist_dir) -> None:
    """Run in a fresh process: load, train the recipe once, predict the validation images;
    print memory as JSON."""
    import resource
    data = load_data(mnist_dir)
    after_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    model = mlp(RECIPE["sizes"], seed=0)
    optimizer = make_optimizer(RECIPE, len(data.X_train))
    rng = np.random.default_rng(0)
    for _ in range(RECIPE["epochs"]):
        train_epoch(model, optimizer, data.X_train, data.y_train, RECIPE["batch_size"], rng=rng)
    seconds = time.perf_counter() - start
    acc = float(np.mean(predict(model, data.X_val) == data.y_val))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss     # kB on Linux
    print(json.dumps({"peak_rss_mb": round(peak / 1024, 1),
                      "after_loading_mnist_mb": round(after_load / 1024, 1),
                      "train_seconds": round(seconds, 2), "val_accuracy": acc,
                      "modules": sorted(m for m in ("torch", "matplotlib") if m in sys.modules)}))


def peak_memory(mnist_dir) -> dict:
    command = [sys.executable, __file__, "--peak-memory-child"]
    if mnist_dir:
        command += ["--mnist-dir", str(mnist_dir)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"\nPeak memory of a fresh process (load MNIST, train the recipe, predict): "
          f"{result['peak_rss_mb']} MB ({result['after_loading_mnist_mb']} MB after loading)")
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2],
                        help="seeds of each variant")
    parser.add_argument("--recipe-seeds", nargs="+", type=int, default=list(range(9)),
                        help="seeds of the recipe's time to 98 %% (include --seeds)")
    parser.add_argument("--mnist-dir", help="folder with the four .gz files (else $MNIST_DIR)")
    parser.add_argument("--out", type=Path, default=RESULTS / "mnist_variants.json")
    parser.add_argument("--peak-memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak_memory_child:
        peak_memory_child(args.mnist_dir)
        return

    data = load_data(args.mnist_dir)
    watch = CpuWatch()
    if not set(args.seeds) <= set(args.recipe_seeds):
        parser.error("--recipe-seeds must include every seed of --seeds")
    recipe = time_to_98(data, args.recipe_seeds, watch)
    rows = variants(data, args.seeds, watch, recipe["runs"])
    memory = peak_memory(args.mnist_dir)
    info = machine_info(with_torch=False)
    info["under_load"] = load_note(recipe["runs"], rows)
    results = {"benchmark": "benchmarks/mnist_variants.py", "machine": info,
               "command": " ".join([Path(sys.executable).name, *sys.argv]),
               "evaluated_on": "validation: the last 10,000 of MNIST's training images; "
                               "the test set is not used",
               "target_val_accuracy": TARGET, "recipe": recipe, "variants": rows,
               "peak_memory": memory}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    if info["under_load"]:
        print(info["under_load"])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
