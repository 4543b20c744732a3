"""Is this machine ready for the course?  ``python -m nblib.doctor`` (also the first cell of 01).

Reports Python and package versions, Graphviz's ``dot``, the JupyterLab widget
frontend and the data folders (run as a script, also where MNIST will come from).
Every problem comes with the exact command that fixes it.  Versions are printed
as ``vX.Y.Z`` so the course's tests can recognise them as the only
machine-dependent text.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

from nblib.paths import DATA_DIR, cache_dir

#: Runtime dependencies (distribution name -> minimum version), as in pyproject.toml.
REQUIRED = {
    "numpy": "1.26",
    "matplotlib": "3.8",
    "jupyterlab": "4.2",
    "ipywidgets": "8.1",
    "graphviz": "0.20",
    "tqdm": "4.66",
    "scikit-learn": "1.7",
    "jupyterlab-slideshow": "0.3.4",
}
MIN_PYTHON = (3, 10)
REINSTALL = "make setup   (or: pip install -e . in the course folder)"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def graphviz_install_command() -> str:
    """The one-line command that installs Graphviz's ``dot`` on this platform."""
    if os.environ.get("CONDA_PREFIX"):
        return "conda install -c conda-forge graphviz"
    if sys.platform == "darwin":
        return "brew install graphviz"
    if sys.platform.startswith("win"):
        return "winget install graphviz   (then open a new terminal)"
    if shutil.which("apt-get"):
        return "sudo apt-get install -y graphviz"
    if shutil.which("dnf"):
        return "sudo dnf install -y graphviz"
    return "install the 'graphviz' package with your system's package manager"


def _widget_frontend_installed() -> bool:
    from jupyter_core.paths import jupyter_path

    return any(Path(folder, "@jupyter-widgets", "jupyterlab-manager").is_dir()
               for folder in jupyter_path("labextensions"))


def _display_path(path: Path) -> str:
    """Show a path relative to the course folder or home, never this machine's absolute path."""
    path = path.resolve()
    for base, shown in ((DATA_DIR.parent, "<course>"), (Path.home(), "~")):
        try:
            return f"{shown}/{path.relative_to(base.resolve()).as_posix()}"
        except ValueError:
            continue
    return str(path)


def mnist_check() -> tuple[bool, str, str]:
    """Where notebook 06 will get MNIST: ``MNIST_DIR`` (checked), the cache, or a download.

    Returns
    -------
    (ok, what, fix)
        Not ok only when ``MNIST_DIR`` is set to a folder that fails the loader's checks.
    """
    try:
        from nblib import mnist  # needs numpy, whose absence is reported above
    except ImportError:
        return True, "MNIST: not checked (numpy is missing)", ""
    folder = os.environ.get(mnist.ENV_VAR)
    if folder:
        shown = _display_path(Path(folder).expanduser())
        try:
            mnist.check_folder(folder)
        except mnist.MNISTError as error:
            problem = str(error).splitlines()[0].rstrip(":")  # the first line names it
            return (False, f"MNIST_DIR={shown} is not usable: {problem}",
                    "point MNIST_DIR at a folder holding the four MNIST .gz files "
                    "(and optionally SHA256SUMS), or unset it to download MNIST")
        return True, f"MNIST: read from MNIST_DIR={shown} (files checked)", ""
    cache = mnist.cache_folder()
    if all((cache / name).is_file() for name in mnist.FILES):
        return True, f"MNIST: downloaded, in {_display_path(cache)}", ""
    return True, ("MNIST: not downloaded yet (notebook 06 downloads ~11 MB once; "
                  "or set MNIST_DIR)"), ""


def diagnose() -> list[tuple[bool, str, str]]:
    """Run every check (except :func:`mnist_check`, which ``report(mnist=True)`` adds).

    Returns
    -------
    list of (ok, what, fix)
        ``fix`` is the exact command or step when ``ok`` is False, else "".
    """
    results = []
    python = platform.python_version()
    results.append((sys.version_info >= MIN_PYTHON, f"Python v{python}",
                    "install Python 3.10 or newer, then run: make clean && make lab"))
    for name, minimum in REQUIRED.items():
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            results.append((False, f"{name} is not installed", REINSTALL))
            continue
        ok = _version_tuple(version) >= _version_tuple(minimum)
        results.append((ok, f"{name} v{version}", f"{name} must be >= {minimum}: {REINSTALL}"))

    dot = shutil.which("dot")
    if dot:
        try:
            # `dot -V` prints e.g. "dot - graphviz version 2.43.0 (0)" on stderr.
            text = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=10).stderr
            version = text.split("version")[1].split()[0] if "version" in text else "unknown"
        except (OSError, subprocess.SubprocessError):
            version = "unknown"
        results.append((True, f"Graphviz dot v{version} is on PATH", ""))
    else:
        results.append((False, "Graphviz's `dot` program is not on PATH (notebook 04 draws with it)",
                        graphviz_install_command()))

    try:
        widgets_ok = _widget_frontend_installed()
    except ImportError:
        widgets_ok = False
    results.append((widgets_ok, "JupyterLab widget frontend (sliders, progress bars)"
                    + (" is installed" if widgets_ok else " is missing"),
                    "pip install 'ipywidgets>=8.1,<9'   (then restart JupyterLab)"))

    results.append((DATA_DIR.is_dir(), f"course data: {_display_path(DATA_DIR)}",
                    "run from a clone of the course repository (data/ ships with it)"))
    results.append((True, f"download cache: {_display_path(cache_dir())} "
                          "(set NBLIB_CACHE to move it)", ""))
    return [(ok, what, "" if ok else fix) for ok, what, fix in results]


def report(mnist: bool = False) -> bool:
    """Print the checks, one line each, with the fix under every problem; True if all pass.

    ``mnist=True`` adds :func:`mnist_check` (as ``python -m nblib.doctor`` does).  It is
    off by default because notebook 01 prints this report, and its stored output must not
    depend on whether this machine has MNIST yet.
    """
    results = diagnose()
    if mnist:
        results.append(mnist_check())
    for ok, what, fix in results:
        print(f"{'✓' if ok else '✗'} {what}")
        if not ok:
            print(f"    fix: {fix}")
    problems = sum(not ok for ok, _, _ in results)
    print("All set: this machine is ready for the course." if not problems
          else f"{problems} problem(s) found: run the fix shown under each ✗.")
    return not problems


if __name__ == "__main__":
    sys.exit(0 if report(mnist=True) else 1)
