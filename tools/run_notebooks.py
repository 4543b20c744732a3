"""Execute notebooks top to bottom in a fresh kernel and store their outputs.

    python tools/run_notebooks.py notebooks/01_neuron.ipynb [...]

This is how the stored outputs that nbval compares are made: one clean run
per notebook, in order, with its folder as the working directory.  It also
gives every cell slide metadata (default "": part of the current slide, which
JupyterLab's property inspector calls "-"; jupyterlab-slideshow hides cells typed "-") so
the notebook presents as slides, and prints each notebook's run time.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jupyterlab_format  # noqa: E402  (tools/ is not a package)

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def normalise(notebook, language_info: dict | None = None) -> None:
    """Slide metadata on every cell, a standard kernelspec, no timing metadata, and the
    notebook as JupyterLab saves it (tools/jupyterlab_format.py): then opening and
    saving it in JupyterLab changes nothing.  ``language_info``: the kernel's."""
    notebook.metadata["kernelspec"] = KERNELSPEC
    for cell in notebook.cells:
        cell.metadata.setdefault("slideshow", {}).setdefault("slide_type", "")
        cell.metadata.pop("execution", None)
    jupyterlab_format.normalise(notebook, language_info)


def run(path: Path, timeout: int = 600) -> float:
    """Execute ``path`` in place; return the run time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    normalise(notebook)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False, store_widget_state=True)
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    normalise(notebook, notebook.metadata.get("language_info"))  # as the kernel reported it
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return seconds


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        sys.exit(__doc__)
    for path in paths:
        print(f"{path}: {run(path):.1f} s", flush=True)
