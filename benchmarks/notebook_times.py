"""How long does each notebook take to run top to bottom in a fresh kernel?

    .venv/bin/python benchmarks/notebook_times.py [notebooks/01_neuron.ipynb ...]

Runs each notebook REPEATS times (default 3) on a copy, so the stored notebook
is untouched, and prints the best and median wall time.  The course's target:
every notebook under 60 s.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
REPEATS = int(os.environ.get("REPEATS", "3"))
TARGET_SECONDS = 60


def run_once(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(paths: list[Path]) -> int:
    print(f"{'notebook':<28} {'best (s)':>9} {'median (s)':>11}  (of {REPEATS} runs, kernel start included)")
    slow = 0
    for path in paths:
        times = [run_once(path) for _ in range(REPEATS)]
        best, median = min(times), statistics.median(times)
        slow += median > TARGET_SECONDS
        flag = "" if median <= TARGET_SECONDS else f"  over the {TARGET_SECONDS} s target"
        print(f"{path.name:<28} {best:9.1f} {median:11.1f}{flag}", flush=True)
    return 1 if slow else 0


if __name__ == "__main__":
    chosen = [Path(p) for p in sys.argv[1:]] or sorted(
        p for p in ROOT.glob("notebooks/[0-9][0-9]_*.ipynb") if not p.name.startswith("00_"))
    sys.exit(main(chosen))
