"""How long does each notebook take to run top to bottom in a fresh kernel, and how much memory?

    .venv/bin/python benchmarks/notebook_times.py [notebooks/01_neuron.ipynb ...]

Runs each notebook REPEATS times (default 3) on a copy, so the stored notebook
is untouched, and prints the best and median wall time and the kernel's peak
resident memory (sampled every 20 ms with psutil).  The course's targets:
every notebook under 60 s; notebook 06 under 512 MB.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
REPEATS = int(os.environ.get("REPEATS", "3"))
TARGET_SECONDS = 60


class PeakMemory:
    """Samples a process's resident memory (children included) in a thread; ``peak`` in bytes."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.process, self.interval, self.peak = psutil.Process(pid), interval, 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            try:
                processes = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in processes))
            except psutil.Error:        # the kernel has gone: nothing left to measure
                return
            time.sleep(self.interval)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak


def run_once(path: Path) -> tuple[float, int]:
    """Wall time (kernel start included) and the kernel's peak memory, in bytes."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        memory = PeakMemory(client.km.provisioner.process.pid)
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        peak = memory.stop()
    return time.perf_counter() - start, peak


def main(paths: list[Path]) -> int:
    print(f"{'notebook':<28} {'best (s)':>9} {'median (s)':>11} {'peak memory':>12}  "
          f"(of {REPEATS} runs, kernel start included)")
    slow = 0
    for path in paths:
        runs = [run_once(path) for _ in range(REPEATS)]
        times = [seconds for seconds, _ in runs]
        best, median = min(times), statistics.median(times)
        peak = max(peak for _, peak in runs) / 2**20
        slow += median > TARGET_SECONDS
        flag = "" if median <= TARGET_SECONDS else f"  over the {TARGET_SECONDS} s target"
        print(f"{path.name:<28} {best:9.1f} {median:11.1f} {peak:9.0f} MB{flag}", flush=True)
    return 1 if slow else 0


if __name__ == "__main__":
    chosen = [Path(p) for p in sys.argv[1:]] or sorted(
        p for p in ROOT.glob("notebooks/[0-9][0-9]_*.ipynb") if not p.name.startswith("00_"))
    sys.exit(main(chosen))
