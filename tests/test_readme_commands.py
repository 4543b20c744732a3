"""Every command the README shows runs, as a new user would type it.

The commands are read from README.md itself: every line of every ```bash block, and
every `make ...` or `python ...` written inline.  Each one must be listed below,
either with how this test runs it or with the reason it cannot run inside the test
suite (``make test`` itself, a system install with sudo, conda, a benchmark that
takes minutes).  A command added to the README and not listed here fails the test,
so nothing the README promises goes untried.

The commands run in a copy of the repository (its tracked files, with their dates,
so that make sees the virtual environment as up to date), sharing this checkout's
``.venv`` and ``build/vendor``: what they write stays out of this checkout, and the
other tests' builds are not disturbed.  JupyterLab servers (``make lab``,
``make lab-student``) are started, asked for the page the README says to open and
for the folder they serve, then stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.offline_data import MNIST_DIR, ON_CI

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

#: Commands that cannot run inside the test suite, and why.
NOT_RUN = {
    "make test": "this test runs inside it; CI (.ci/run) runs it",
    "make test JOBS=0": "the whole suite again, in one process; CI runs the suite",
    "make test EXTRAS=test,parity,hub": "CI's own command (.ci/run), which runs this test",
    ".venv/bin/python -m tests.hub_class --users 8": "a class of 8 on a real JupyterHub: "
    "2-3 minutes on 2 cores, run by hand; tests/test_hub.py runs one student through 01 in the suite",
    "make lab PYTHON=python3.12": "needs a Python 3.12, which these machines do not have; "
                                  "`make lab` runs below",
    "sudo apt-get install -y chromium npm": "a system install; .ci/run installs the same "
                                            "packages with apt-get",
    "conda env create -f environment.yml": "no conda here; tests/test_environment.py checks "
                                           "that environment.yml agrees with pyproject.toml",
    "conda activate nn-from-scratch": "no conda here (see conda env create)",
    "JUPYTER_CONFIG_PATH=jupyter-config jupyter lab notebooks/":
        "the conda route's JupyterLab; `make lab` runs the same server with the same settings",
    "export MNIST_DIR=~/datasets/mnist": "sets a variable in the user's shell; "
                                         "tests/test_mnist.py covers MNIST_DIR",
    "python benchmarks/notebook_times.py": "a benchmark, run by hand: it runs every "
                                           "notebook three times",
    "python benchmarks/engine_vs_micrograd.py": "a benchmark, run by hand: it installs "
                                                "micrograd and takes minutes",
    "python benchmarks/classifier_vs_sklearn.py": "a benchmark, run by hand",
    "python benchmarks/graph_sizes.py": "a benchmark, run by hand",
    'make test PYTEST_ARGS="tests/test_slides.py -k 01_neuron"':
        "runs tests/test_slides.py's tests of 01, which this suite runs; "
        "tests/test_makefile.py checks that make test hands PYTEST_ARGS to pytest",
    "make notebooks": "re-runs all six notebooks (about 2 minutes), as nbval does in this "
                      "suite; the one-notebook form below runs the same three tools",
    "make grade SUBMISSIONS=path/to/folder": "needs a folder of students' notebooks: "
        "tests/test_grading.py grades a synthetic class with tools/grade.py, which this "
        "runs, and checks the command make runs",
    "make grade": "the students' section names it; without SUBMISSIONS it only asks for "
                  "the folder (tests/test_grading.py checks that)",
}

#: Commands this test runs: each in the copy, in the order of this list (later ones
#: use what earlier ones wrote, as a user's would).
RUN = [
    "make doctor",
    "make student",
    "make slides",
    ".venv/bin/python -m tests.browser build/slides/NN_name.slides.html",
    "make html",
    "make html-instructor",
    "make notebooks NOTEBOOKS=notebooks/03_log_loss.ipynb",
    "make spreadsheets",
    "make lab",
    'make lab LAB_ARGS="--no-browser --ServerApp.ip=0.0.0.0 --ServerApp.port=8888"',
    "make lab-student",
    "make present",
    # last: it sets the copy's repository address (pyproject.toml); tests/
    # test_repository_address.py checks what it writes
    "make links REPOSITORY=https://github.com/you/nn-from-scratch",
]

BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`((?:make|python|\.venv/bin/python) [^`]+|make)`")


def readme_commands() -> list[str]:
    """Every command the README shows, once each, in order."""
    text = README.read_text(encoding="utf-8")
    found = []
    for block in BASH_BLOCK.findall(text):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()     # drop a trailing comment
            if command:
                found.append(command)
    found += [match.strip() for match in INLINE.findall(text)]
    return list(dict.fromkeys(c for c in found if c not in ("make",)))


def test_every_readme_command_is_run_or_says_why_not():
    commands = readme_commands()
    unlisted = [c for c in commands if c not in RUN and c not in NOT_RUN]
    assert not unlisted, f"README commands this test neither runs nor explains: {unlisted}"
    stale = [c for c in [*RUN, *NOT_RUN] if c not in commands]
    assert not stale, f"listed here but no longer in the README: {stale}"


# --- running them -------------------------------------------------------------------------

def copy_of_repository(target: Path) -> Path:
    """The tracked files in ``target``, with their dates; ``.venv`` and ``build/vendor`` shared."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)     # copy2 keeps the date: no reinstall
    (target / ".venv").symlink_to(ROOT / ".venv")
    sys.path.insert(0, str(ROOT / "tools"))
    import vendor_js  # fetched once, under a lock, for every test that needs it

    try:
        vendor_js.main(ROOT / "build" / "vendor")
    except vendor_js.NpmMissing as error:
        pytest.fail(str(error)) if ON_CI else pytest.skip(str(error))
    (target / "build").mkdir()
    (target / "build" / "vendor").symlink_to(ROOT / "build" / "vendor")
    return target


def environment() -> dict:
    env = dict(os.environ, BROWSER="true",   # `make lab` may open no browser here
               JUPYTER_PLATFORM_DIRS="1")
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    if MNIST_DIR.is_dir():
        env.setdefault("MNIST_DIR", str(MNIST_DIR))
    return env


def run(command: str, cwd: Path, timeout: int = 900) -> str:
    """Run ``command`` as a shell would; fail with its output when it fails."""
    result = subprocess.run(["bash", "-c", command], cwd=cwd, env=environment(),
                            capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"`{command}` exited with {result.returncode}:\n{output[-3000:]}"
    return output


LAB_URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab/tree/00_contents\.md\?token=(\w+))")


def serve(command: str, cwd: Path) -> tuple[subprocess.Popen, str, str, Path]:
    """Start a `make lab` command; return the process, the address it printed, its port
    and token, and its log, once the server answers."""
    log = cwd / f"lab-{time.monotonic_ns()}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=environment(),
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        match = LAB_URL.search(log.read_text(errors="replace"))
        if match:
            return process, match.group(1), match.group(3), log
        if process.poll() is not None:
            break
        time.sleep(0.5)
    stop(process)
    pytest.fail(f"`{command}` printed no /lab/tree/00_contents.md address:\n"
                f"{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop a server and everything it started (make, jupyter, kernels)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def fetch(url: str, wait: float = 30) -> tuple[int, str]:
    """GET a page of the local server; the server may print its address a moment before
    it answers, so a refused connection is retried for ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:   # noqa: S310 (localhost)
                return response.status, response.read().decode("utf-8", errors="replace")
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


AUTOSAVE = "/lab/api/settings/@jupyterlab/docmanager-extension:plugin"


def check_lab(command: str, cwd: Path, student: bool) -> None:
    process, address, token, log = serve(command, cwd)
    try:
        status, page = fetch(address)          # the page the README says to open
        assert status == 200 and "JupyterLab" in page, page[:300]
        base = address.split("/lab/", 1)[0]
        status, listing = fetch(f"{base}/api/contents?token={token}")
        names = {item["name"] for item in json.loads(listing)["content"]}
        assert {"00_contents.md", "01_neuron.ipynb"} <= names, names
        status, notebook = fetch(f"{base}/api/contents/01_neuron.ipynb?token={token}")
        has_solutions = "BEGIN SOLUTION" in notebook
        assert has_solutions != student, (
            "the student edition holds solutions" if student
            else "make lab should open the instructor edition")
        status, settings = fetch(f"{base}{AUTOSAVE}?token={token}")
        settings = json.loads(settings)      # the user's settings, over the defaults
        autosave = settings["settings"].get(
            "autosave", settings["schema"]["properties"]["autosave"]["default"])
        presenting = command == "make present"
        assert autosave != presenting, (
            "presenting must not save the notebooks" if presenting
            else "students' notebooks must autosave")
    finally:
        stop(process)
    assert process.returncode is not None, log.read_text()[-2000:]


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    return copy_of_repository(tmp_path_factory.mktemp("readme") / "course")


@pytest.mark.parametrize("command", RUN)
def test_readme_command_runs(copy, command):
    if "slides" in command or "html" in command or "tests.browser" in command:
        from tests.browser import chromium_path
        if "tests.browser" in command or "test_slides" in command:
            chromium_path()                     # skips (fails under CI) without chromium
    if command.startswith(("make lab", "make present")):
        check_lab(command, copy, student=command == "make lab-student")
        return
    command = command.replace("NN_name", "01_neuron")
    output = run(command, copy)
    if command == "make student":
        assert (copy / "build" / "student" / "01_neuron.ipynb").is_file(), output
    elif command == "make slides":
        assert len(list((copy / "build" / "slides").glob("*.slides.html"))) >= 6, output
    elif command == "make html":
        page = (copy / "build" / "html" / "01_neuron.html").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in page
    elif command == "make html-instructor":
        page = (copy / "build" / "html-instructor" / "01_neuron.html").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" in page
    elif command == "make spreadsheets":
        for name in ("01_neuron.xlsx", "03_logistic_regression.xlsx"):
            assert (copy / "build" / "spreadsheets" / name).is_file(), output
    elif command.startswith("make notebooks"):
        assert not (ROOT / "notebooks").samefile(copy / "notebooks")
        assert "03_log_loss.ipynb" in output and "01_neuron.ipynb" not in output, output
    elif command.startswith("make doctor"):
        assert "Python" in output, output
    assert "Traceback" not in output, output[-3000:]
