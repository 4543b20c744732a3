"""The whole course in real JupyterLab, in headless Chromium, as a student meets it.

One JupyterLab server (fresh settings, workspaces and trust database) serves a
temporary copy of notebooks/.  Each numbered notebook is opened fresh and
untrusted, and:

(a) every stored figure and graph is visible before anything runs;
(b) saving it without an edit (Ctrl+S) leaves the file byte for byte unchanged,
    except for the Python version in ``language_info`` on a machine with another
    Python (tools/jupyterlab_format.py stores notebooks in JupyterLab's form);
(c) Run > Run All Cells runs it to the end with no error output, judged from the
    saved .ipynb; widgets render, and in 01 moving a slider of the neuron explorer
    redraws its figure.  06 (MNIST) reads MNIST from ``$MNIST_DIR`` (CI sets it).

Needs Debian's ``chromium`` (tests/browser.py): skipped without it, except under
CI=true, where it must run.  Run it alone with::

    .venv/bin/python -m pytest tests/test_jupyterlab.py -v
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import chromium, chromium_path, offline_page
from tests.offline_data import MNIST_DIR, ON_CI

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
JUPYTER = Path(sys.executable).parent / "jupyter"

SERVER_START_S = 120
OPEN_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 600_000

# The notebook in the current tab: its kernel, model and cells, read from the app
# (JupyterLab runs with --LabApp.expose_app_in_browser).  Everything the test does
# to a notebook goes through the page's menus and keys; this only looks.
_PANEL = "window.jupyterapp.shell.currentWidget"
KERNEL_READY = f"""() => {{
    if (!window.jupyterapp) return false;
    const panel = {_PANEL};
    if (!panel || !panel.context || !panel.context.isReady) return false;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const info = panel.context.model.getMetadata('language_info');
    return !!kernel && kernel.status === 'idle' && !!info && !!info.version;
}}"""
SAVED = f"() => !{_PANEL}.context.model.dirty"
UNTRUSTED = f"""() => {_PANEL}.content.widgets
    .filter(cell => cell.model.type === 'code' && cell.model.outputs.length)
    .every(cell => !cell.model.trusted)"""
# Run All has ended: the kernel is idle, no cell is queued or running, and every
# code cell ran (or one failed, which stops Run All).
RUN_ALL_DONE = f"""() => {{
    const panel = {_PANEL};
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
    if (cells.some(cell => cell.model.executionState === 'running')) return false;
    const failed = cells.some(cell => cell.model.outputs.toJSON()
        .some(output => output.output_type === 'error'));
    return failed || cells.every(cell => cell.model.executionCount !== null);
}}"""
# Every image output outside a widget: scrolled into view, with its size when shown.
MEASURE_IMAGES = """async () => {
    const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    // Scroll through the notebook as a reader would: JupyterLab renders a cell when it
    // first comes into view (or when the browser is idle).
    const outer = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
    for (let top = 0; top <= outer.scrollHeight; top += outer.clientHeight) {
        outer.scrollTop = top;
        await frame();
    }
    const panel = window.jupyterapp.shell.currentWidget;
    for (let i = 0; i < 100 && panel.content.widgets.some(c => c.isPlaceholder()); i++) {
        await new Promise(r => setTimeout(r, 100));
    }
    const found = [...document.querySelectorAll(
        '.jp-Notebook .jp-OutputArea-output.jp-RenderedImage img, '
        + '.jp-Notebook .jp-OutputArea-output.jp-RenderedSVG svg')]
        .filter(el => !el.closest('.jupyter-widgets'));
    const results = [];
    for (const el of found) {
        el.scrollIntoView({block: 'center'});
        await frame();
        if (el.tagName === 'IMG' && !el.complete) {
            await new Promise(r => { el.onload = el.onerror = r; setTimeout(r, 5000); });
        }
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        results.push({tag: el.tagName, width: box.width, height: box.height,
                      loaded: el.tagName !== 'IMG' || (el.complete && el.naturalWidth > 0),
                      hidden: style.visibility === 'hidden' || style.display === 'none'});
    }
    return results;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def image_outputs(notebook: dict) -> int:
    """How many outputs in a notebook are a PNG or SVG figure."""
    return sum(1 for cell in notebook["cells"] for output in cell.get("outputs", [])
               if {"image/png", "image/svg+xml"} & set(output.get("data", {})))


def without_python_version(text: str) -> str:
    """The notebook text with ``language_info.version`` removed (differs between machines)."""
    notebook = json.loads(text)
    notebook["metadata"].get("language_info", {}).pop("version", None)
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False)


def errors_in(notebook: dict) -> list[str]:
    return [f"cell {index}: {output['ename']}: {output['evalue']}"
            for index, cell in enumerate(notebook["cells"])
            for output in cell.get("outputs", []) if output["output_type"] == "error"]


class Lab:
    """A running JupyterLab server on a copy of the course, and one browser for it."""

    def __init__(self, folder: Path, url: str, token: str, log: Path, browser):
        self.folder, self.url, self.token, self.log, self.browser = folder, url, token, log, browser

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def jupyterlab_server(tmp: Path):
    """Start ``jupyter lab`` on a copy of notebooks/; yield (folder, url, token, log)."""
    course = tmp / "course"
    folder = course / "notebooks"
    folder.mkdir(parents=True)
    for path in [*NOTEBOOKS, NOTEBOOK_DIR / "00_contents.md"]:
        shutil.copy2(path, folder / path.name)
    # Notebooks read ../benchmarks and ../data like in the repository (nblib.paths).
    for name in ("benchmarks", "data"):
        if (REPO / name).exists():
            (course / name).symlink_to(REPO / name)
    config = tmp / "config"
    (config / "labconfig").mkdir(parents=True)
    # No build check: it costs seconds of CPU and there is nothing to build.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"buildAvailable": False, "buildCheck": False}))
    env = dict(os.environ,
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_PATH=os.pathsep.join([str(config), str(REPO / "jupyter-config")]))
    env.pop("MPLBACKEND", None)        # the kernel's inline backend, as for a student
    if MNIST_DIR.is_dir():
        env["MNIST_DIR"] = str(MNIST_DIR)
    port, token = free_port(), secrets.token_hex(16)
    command = [str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
               "--NotebookNotary.db_file=:memory:",       # nothing is trusted yet
               "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp / "jupyterlab.log"
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.2)
        yield folder, url, token, log
    finally:
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"{url}/api/shutdown?token={token}", method="POST"), timeout=10).close()
            process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    chromium_path()                    # skip (fail under CI) before starting anything
    with jupyterlab_server(tmp_path_factory.mktemp("jupyterlab")) as (folder, url, token, log):
        with chromium() as browser:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            yield Lab(folder, url, token, log, context)
            context.close()


def save(page) -> None:
    """Ctrl+S in the notebook's tab, and wait until the server has the file."""
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").click()
    page.keyboard.press("Control+s")
    page.wait_for_function(SAVED, timeout=30_000)


def menu(page, *names: str) -> None:
    """Click through the menu bar: menu(page, "Run", "Run All Cells")."""
    for name in names:
        page.get_by_role("menuitem", name=name, exact=True).click()


def check_neuron_explorer(page, problems: list[str]) -> None:
    """Move the first slider of 01's neuron explorer; its figure must be redrawn."""
    from playwright.sync_api import Error as PlaywrightError

    explorer = page.locator(".jupyter-widgets.widget-vbox", has_text="Neuron explorer").first
    figure = explorer.locator(".widget-output img").first
    figure.wait_for(timeout=30_000)
    before = figure.get_attribute("src")
    handle = explorer.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    try:   # the Output widget replaces its <img> with each new figure
        page.wait_for_function(
            """([explorer, before]) => {
                const img = explorer.querySelector('.widget-output img');
                return !!img && !!img.src && img.src !== before && img.naturalWidth > 0;
            }""", arg=[explorer.element_handle(), before], timeout=30_000)
    except PlaywrightError:
        problems.append("01: moving a slider of the neuron explorer did not redraw its figure "
                        f"(slider at {handle.get_attribute('aria-valuenow')})")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(lab, path):
    name = path.name
    if "mnist" in name and not MNIST_DIR.is_dir() and not ON_CI:
        pytest.skip(f"no offline MNIST at {MNIST_DIR} (set MNIST_DIR)")
    copy = lab.folder / name
    stored_text = copy.read_text(encoding="utf-8")
    stored = json.loads(stored_text)
    problems: list[str] = []
    page, log = offline_page(lab.browser)
    try:
        page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")
        page.wait_for_function(KERNEL_READY, timeout=OPEN_TIMEOUT_MS, polling=200)
        assert page.evaluate(UNTRUSTED), "the notebook opened trusted; it must open untrusted"

        # (a) every stored figure and graph is visible before anything runs
        images = page.evaluate(MEASURE_IMAGES)
        expected = image_outputs(stored)
        if len(images) != expected:
            problems.append(f"{len(images)} figures shown before running, "
                            f"{expected} stored in the file")
        for index, image in enumerate(images):
            if not image["loaded"] or image["hidden"] or not (image["width"] and image["height"]):
                problems.append(f"figure {index} is not visible: {image}")

        # (b) saving without an edit leaves the file unchanged
        save(page)
        saved_text = copy.read_text(encoding="utf-8")
        if saved_text != stored_text and \
                without_python_version(saved_text) != without_python_version(stored_text):
            diff = difflib.unified_diff(stored_text.splitlines(), saved_text.splitlines(),
                                        "stored", "saved by JupyterLab", lineterm="", n=1)
            problems.append("saving without an edit changed the file (fix: python "
                            "tools/jupyterlab_format.py notebooks/*.ipynb):\n"
                            + "\n".join(list(diff)[:40]))

        # (c) Run All through the menu, save, and judge the saved file
        menu(page, "Edit", "Clear Outputs of All Cells")   # so the run's end is visible
        menu(page, "Run", "Run All Cells")
        page.wait_for_function(RUN_ALL_DONE, timeout=RUN_TIMEOUT_MS, polling=250)
        if name.startswith("01_"):
            check_neuron_explorer(page, problems)
        if page.get_by_text("Error displaying widget").count():
            problems.append("a widget did not render (\"Error displaying widget\")")
        save(page)
        ran = json.loads(copy.read_text(encoding="utf-8"))
        problems += [f"error output: {error}" for error in errors_in(ran)]
        not_run = [index for index, cell in enumerate(ran["cells"])
                   if cell["cell_type"] == "code" and cell.get("execution_count") is None]
        if not_run:
            problems.append(f"Run All did not run cells {not_run}")
        problems += [f"request left the machine: {url}" for url in log.blocked]
    except Exception:
        print(lab.log_tail())
        raise
    finally:
        page.close()
        lab.shut_down_kernels()
    assert not problems, f"{name} in JupyterLab:\n" + "\n".join(problems)
