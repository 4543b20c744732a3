"""Run one graded notebook in a fresh kernel, apart from everything else, and read its verdicts.

Each run gets a temporary folder holding its working directory, HOME, TMPDIR and
caches, and a kernel started by :mod:`grading.kernel` with a memory limit and a guard
on writes outside that folder.  The whole notebook has a time limit: when it runs out,
the kernel is killed.  A kernel that dies (``os._exit``, a crash, memory) ends the run
too.  Output beyond :data:`OUTPUT_LIMIT` characters is dropped, so that a submission
printing 100 MB cannot fill the grader's memory.

The verdicts are read from the records the checks display
(``application/vnd.nblib.check+json``, :mod:`nblib.checks`) in the course's check
cells -- never from their printed text, and never from an answer cell, where a
student could display a record of their own.  When a check displays more than one
record (a student's function can display one while the check calls it), the last one
counts: the check's own comes after the student's code has run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output

from nblib.checks import CHECK_MIME, REPORT_VARIABLE

#: Characters of output kept per notebook; the rest is dropped (and said so).
OUTPUT_LIMIT = 2_000_000

#: Default limits per notebook: run time in seconds, memory (address space) in bytes.
TIME_LIMIT = 300
MEMORY_LIMIT = 4 * 2**30

KERNEL = Path(__file__).resolve().parent / "kernel.py"

#: Environment variables a graded kernel inherits from the grader; everything else is
#: set afresh (HOME, TMPDIR...) inside the run's folder.
INHERITED = ("PATH", "LANG", "LC_ALL", "MNIST_DIR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
             "MKL_NUM_THREADS", "VIRTUAL_ENV", "PYTHONPATH")


@dataclass
class CellResult:
    """What one cell did: its error, if it raised."""

    index: int
    error: str | None = None            # "ZeroDivisionError: division by zero"
    records: list[dict] = field(default_factory=list)   # the checks' records, in order


@dataclass
class Run:
    """One execution of a graded notebook."""

    status: str = "finished"            # "finished", "time limit" or "kernel died"
    stopped_at: int | None = None       # the cell that was running when it stopped
    cells: dict[int, CellResult] = field(default_factory=dict)
    output_dropped: bool = False
    seconds: float = 0.0
    notebook: object = None             # the executed notebook (outputs capped)


class GradingClient(NotebookClient):
    """nbclient's NotebookClient, keeping at most :data:`OUTPUT_LIMIT` characters of output.

    The checks' records are always kept: they are small, and they are what is graded.
    """

    output_kept = 0
    output_dropped = False

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if CHECK_MIME in content.get("data", {}):
            return super().output(outs, msg, display_id, cell_index)
        size = len(content.get("text", "")) + sum(
            len(value) if isinstance(value, str) else len(json.dumps(value))
            for value in content.get("data", {}).values())
        size += sum(len(line) for line in content.get("traceback", []))
        if self.output_kept + size > OUTPUT_LIMIT:
            if not self.output_dropped:
                self.output_dropped = True
                outs.append(_stream(f"\n[grading: output beyond {OUTPUT_LIMIT:,} characters "
                                    "dropped]\n"))
            return None
        self.output_kept += size
        return super().output(outs, msg, display_id, cell_index)


def _stream(text: str):
    return new_output("stream", name="stderr", text=text)


def _kernel_spec(folder: Path) -> KernelSpecManager:
    """A kernel spec, in ``folder``, that starts :mod:`grading.kernel` with this Python."""
    spec = folder / "kernels" / "grading"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(KERNEL), "-f", "{connection_file}"],
        "display_name": "grading", "language": "python"}))
    return KernelSpecManager(kernel_dirs=[str(folder / "kernels")],
                             ensure_native_kernel=False)


def _environment(folder: Path, memory: int) -> dict[str, str]:
    # one BLAS thread per kernel unless told otherwise: the grader runs one kernel per core
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update({name: os.environ[name] for name in INHERITED if name in os.environ})
    home, tmp = folder / "home", folder / "tmp"
    home.mkdir()
    tmp.mkdir()
    env.update(HOME=str(home), TMPDIR=str(tmp), MPLCONFIGDIR=str(home / ".matplotlib"),
               IPYTHONDIR=str(home / ".ipython"), JUPYTER_RUNTIME_DIR=str(folder / "runtime"),
               NBLIB_CACHE=str(folder / "cache"), PYTHONDONTWRITEBYTECODE="1",
               NBLIB_GRADING_ROOT=str(folder), NBLIB_GRADING_MEMORY=str(memory),
               **{REPORT_VARIABLE: "1"})
    return env


def _error(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            value = str(output.get("evalue", "")).strip().splitlines()
            return f"{output.get('ename', 'Error')}: {value[0] if value else ''}".rstrip(": ")
    return None


def _records(cell) -> list[dict]:
    return [output["data"][CHECK_MIME] for output in cell.get("outputs", [])
            if CHECK_MIME in output.get("data", {})]


def run_notebook(notebook, time_limit: float = TIME_LIMIT,
                 memory_limit: int = MEMORY_LIMIT) -> Run:
    """Execute ``notebook`` top to bottom in a fresh, guarded kernel; report what happened.

    Errors in cells do not stop the run (the next cells still run, as "Run All" with
    errors allowed would); the time limit and a dead kernel do.
    """
    run = Run()
    start = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="grading-"))
    try:
        work = folder / "work"
        work.mkdir()
        km = AsyncKernelManager(kernel_name="grading",
                                kernel_spec_manager=_kernel_spec(folder))
        client = GradingClient(notebook, km=km, allow_errors=True, kernel_name="grading",
                               shutdown_kernel="immediate", iopub_timeout=10,
                               raise_on_iopub_timeout=False,
                               resources={"metadata": {"path": str(work)}})
        try:
            log = open(folder / "kernel.log", "wb")   # the kernel's own messages, not the grader's
            with log, client.setup_kernel(env=_environment(folder, memory_limit), cwd=str(work),
                                          stdout=log, stderr=log):
                for index, cell in enumerate(notebook.cells):
                    remaining = time_limit - (time.monotonic() - start)
                    if remaining <= 0:
                        run.status, run.stopped_at = "time limit", index
                        break
                    client.timeout = max(1, int(remaining + 0.999))
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        run.status, run.stopped_at = "time limit", index
                        break
                    except DeadKernelError:
                        run.status, run.stopped_at = "kernel died", index
                        break
                    if cell.cell_type == "code":
                        run.cells[index] = CellResult(index, _error(cell), _records(cell))
        except DeadKernelError:     # died while starting, or while being shut down
            if run.status == "finished":
                run.status, run.stopped_at = "kernel died", 0
        run.output_dropped = client.output_dropped
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    run.seconds = time.monotonic() - start
    run.notebook = notebook
    return run
