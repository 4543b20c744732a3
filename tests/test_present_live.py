"""Presenting a notebook live: jupyterlab-slideshow's deck mode in real JupyterLab, offline.

The README's "Present live" promises what this test checks, in headless Chromium at
1280x720, with JupyterLab started as ``make present`` starts it: the course's settings
(jupyter-config/) plus the presenter's (jupyter-config/present/), on a copy of 01.

1. Run > Run All Cells, then the notebook toolbar's deck button: the notebook fills the
   window (no menu, side panel or status bar to dismiss by hand).
2. Text is sized for a room: body text >= 20 px, code >= 18 px (as in the static decks).
3. Space walks the slides in order up to the neuron explorer.  Every cell that a slide
   shows (all but ``skip`` and ``notes``) comes on screen; no skipped cell and no
   presenter's note ever does.
4. On the explorer's slide, moving a slider with the keyboard redraws the figure: the
   widgets are live, from the running kernel.
5. No request leaves the machine, none fails, and the console shows no error.
6. Presenting does not write the notebook: the presenter's settings turn autosave off.
   (This test's own settings make the autosave interval 1 s, so that autosave, were it
   on, would save the run notebook during the test.)

Needs Debian's ``chromium`` (tests/browser.py): skipped without it, except under
CI=true, where it must run.  Alone::

    .venv/bin/python -m pytest tests/test_present_live.py -v
"""

from __future__ import annotations

import contextlib
import hashlib
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

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_neuron.ipynb"
JUPYTER = Path(sys.executable).parent / "jupyter"
COURSE_CONFIG = REPO / "jupyter-config"
PRESENTER_CONFIG = REPO / "jupyter-config" / "present"

#: The room's minimum text sizes in deck mode at 1280x720 (the static decks' sizes).
MIN_BODY_PX, MIN_CODE_PX = 20, 18
#: Cells a slideshow never shows.
HIDDEN_TYPES = {"skip", "notes"}
#: jupyterlab-slideshow 0.3.4 hides a cell whose slide_type is "-" (it treats only an
#: empty or missing slide_type as "part of the current slide"); JupyterLab's own
#: property inspector writes "" for its "-" choice.
UNSHOWN_BY_SLIDESHOW = "-"

SERVER_START_S = 120
TIMEOUT_MS = 90_000

_PANEL = "window.jupyterapp.shell.currentWidget"
KERNEL_READY = f"""() => {{
    if (!window.jupyterapp) return false;
    const panel = {_PANEL};
    if (!panel || !panel.context || !panel.context.isReady) return false;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}}"""
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
# Which cells the deck shows now (indices), and which one is active.
ON_SCREEN = f"""() => {_PANEL}.content.widgets
    .map((cell, index) => cell.hasClass('jp-deck-mod-onscreen') ? index : -1)
    .filter(index => index >= 0)"""
ACTIVE = f"() => {_PANEL}.content.activeCellIndex"
DIRTY = f"() => {_PANEL}.context.model.dirty"
# What a room sees: the visible size of the presented cells and of JupyterLab's chrome,
# and the font sizes of the text on screen.
LAYOUT = """() => {
    const shown = el => {
        if (!el) return false;
        const box = el.getBoundingClientRect(), style = getComputedStyle(el);
        return box.width > 1 && box.height > 1 && box.bottom > 0 && box.top < innerHeight
            && box.right > 0 && box.left < innerWidth && style.visibility !== 'hidden'
            && style.display !== 'none' && style.opacity !== '0';
    };
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell.jp-deck-mod-onscreen')];
    const chrome = {'menu bar': '#jp-menu-panel', 'top bar': '#jp-top-panel',
                    'left side bar': '#jp-left-stack', 'right side bar': '#jp-right-stack',
                    'status bar': '#jp-bottom-panel', 'tab bar': '.lm-DockPanel-tabBar'};
    const sizes = selector => [...new Set([...document.querySelectorAll(selector)]
        .filter(el => shown(el) && el.closest('.jp-deck-mod-onscreen'))
        .map(el => parseFloat(getComputedStyle(el).fontSize)))];
    return {
        width: Math.max(0, ...cells.map(cell => cell.getBoundingClientRect().width)),
        chrome: Object.entries(chrome)
            .filter(([, selector]) => [...document.querySelectorAll(selector)].some(shown))
            .map(([name]) => name),
        body: sizes('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li'),
        code: sizes('.jp-InputArea .cm-line'),
        widgets: sizes('.widget-label, .widget-readout'),
    };
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slide_types(notebook: dict) -> list[str | None]:
    return [cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
            for cell in notebook["cells"]]


def explorer_cell(notebook: dict) -> int:
    """The index of the cell that shows 01's neuron explorer."""
    (index,) = [i for i, cell in enumerate(notebook["cells"])
                if cell["cell_type"] == "code" and "neuron_explorer(" in "".join(cell["source"])]
    return index


@contextlib.contextmanager
def presenting_server(tmp: Path):
    """``jupyter lab`` as ``make present`` runs it, on a copy of 01; yield (folder, url, token)."""
    course = tmp / "course"
    folder = course / "notebooks"
    folder.mkdir(parents=True)
    shutil.copy2(NOTEBOOK, folder / NOTEBOOK.name)
    for name in ("data", "benchmarks"):        # nblib.paths reads them beside notebooks/
        if (REPO / name).exists():
            (course / name).symlink_to(REPO / name)
    config = tmp / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"buildAvailable": False, "buildCheck": False}))
    # This test only: autosave, if on, would save after 1 s instead of 120 s.
    (config / "labconfig" / "default_setting_overrides.json").write_text(json.dumps(
        {"@jupyterlab/docmanager-extension:plugin": {"autosaveInterval": 1}}))
    env = dict(os.environ,
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_PATH=os.pathsep.join(
                   [str(config), str(PRESENTER_CONFIG), str(COURSE_CONFIG)]))
    env.pop("MPLBACKEND", None)
    port, token = free_port(), secrets.token_hex(16)
    command = [str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
               "--NotebookNotary.db_file=:memory:", "--LabApp.expose_app_in_browser=True"]
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
        yield folder, url, token
    finally:
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"{url}/api/shutdown?token={token}", method="POST"), timeout=10).close()
            process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()


def test_no_cell_is_marked_with_a_dash():
    """jupyterlab-slideshow would hide these cells: mark them "" (JupyterLab's "-")."""
    problems = []
    for path in sorted((REPO / "notebooks").glob("[0-9]*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        dashed = [i for i, kind in enumerate(slide_types(notebook))
                  if kind == UNSHOWN_BY_SLIDESHOW]
        if dashed:
            problems.append(f"{path.name}: {len(dashed)} cells, first {dashed[:8]}")
    assert not problems, ('cells with slide_type "-", which the live slideshow hides '
                          '(write "" instead):\n' + "\n".join(problems))


def test_present_01_live(tmp_path):
    chromium_path()                    # skip (fail under CI) before starting anything
    stored = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    kinds = slide_types(stored)
    explorer = explorer_cell(stored)
    problems: list[str] = []
    started = time.monotonic()
    with presenting_server(tmp_path) as (folder, url, token), chromium() as browser:
        copy = folder / NOTEBOOK.name
        before = hashlib.sha256(copy.read_bytes()).hexdigest()
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page, log = offline_page(context)
        page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?reset&token={token}")
        page.wait_for_function(KERNEL_READY, timeout=TIMEOUT_MS, polling=200)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(RUN_ALL_DONE, timeout=TIMEOUT_MS, polling=250)

        # 1. from the first cell, the toolbar's deck button
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.locator(".jp-NotebookPanel-toolbar").get_by_title("Toggle Deck").click()
        page.wait_for_function(f"() => {_PANEL}.hasClass('jp-Deck')", timeout=10_000)
        page.wait_for_function(f"() => ({ON_SCREEN})().includes(0)", timeout=10_000)
        first = page.evaluate(LAYOUT)
        if first["width"] < 1100:
            problems.append(f"the first slide is {first['width']:.0f} px wide in a 1280 px "
                            "window: the deck does not fill the window")
        if first["chrome"]:
            problems.append(f"JupyterLab's {', '.join(first['chrome'])} still on screen")
        # 2. text for a room (the first slide is prose; the explorer's has code)
        if not first["body"] or min(first["body"]) < MIN_BODY_PX:
            problems.append(f"body text {first['body']} px, want >= {MIN_BODY_PX}")

        # 3. Space through the slides to the explorer
        seen: set[int] = set()
        for _ in range(3 * len(kinds)):
            on_screen = page.evaluate(ON_SCREEN)
            seen.update(on_screen)
            if explorer in on_screen:
                break
            active = page.evaluate(ACTIVE)
            page.keyboard.press("Space")
            page.wait_for_function(f"() => ({ACTIVE})() !== {active}", timeout=5_000)
        else:
            pytest.fail(f"Space never reached the neuron explorer (cell {explorer}); "
                        f"cells seen: {sorted(seen)}")
        missed = [i for i, kind in enumerate(kinds[:explorer + 1])
                  if kind not in HIDDEN_TYPES and i not in seen]
        if missed:
            problems.append(f"cells {missed} were never on screen (slide types "
                            f"{sorted({str(kinds[i]) for i in missed})})")
        shown_hidden = sorted(i for i in seen if kinds[i] in HIDDEN_TYPES)
        if shown_hidden:
            problems.append(f"skipped cells or presenter's notes on screen: {shown_hidden}")
        layout = page.evaluate(LAYOUT)
        if not layout["code"] or min(layout["code"]) < MIN_CODE_PX:
            problems.append(f"code {layout['code']} px, want >= {MIN_CODE_PX}")

        # 4. the widgets are live: a slider redraws the figure
        box = page.locator(".jupyter-widgets.widget-vbox", has_text="Neuron explorer").first
        figure = box.locator(".widget-output img").first
        figure.wait_for(timeout=30_000)
        drawn = figure.get_attribute("src")
        handle = box.locator(".widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function(
                """([box, drawn]) => {
                    const img = box.querySelector('.widget-output img');
                    return !!img && img.src !== drawn && img.naturalWidth > 0;
                }""", arg=[box.element_handle(), drawn], timeout=30_000)
        except Exception:
            problems.append("moving a slider did not redraw the explorer's figure "
                            f"(slider at {handle.get_attribute('aria-valuenow')})")
        if explorer not in page.evaluate(ON_SCREEN):
            problems.append("the slider's arrow keys moved the deck off the explorer's slide")

        # 6. nothing written: the run notebook is unsaved, and stays so
        time.sleep(3)                            # three autosave intervals of this test
        dirty = page.evaluate(DIRTY)
        after = hashlib.sha256(copy.read_bytes()).hexdigest()
        # 5. offline, no failing request, no error
        problems += [f"request left the machine: {u}" for u in log.blocked]
        problems += [f"request failed: {u}" for u in log.failed]
        problems += [f"console error: {e[:300]}" for e in log.errors]
        page.close()
        context.close()
    if after != before:
        problems.append("presenting wrote the notebook file (autosave is on)")
    elif not dirty:
        problems.append("the notebook was not dirty after Run All: the check of autosave "
                        "proves nothing")
    print(f"presented 01 live in {time.monotonic() - started:.1f} s; widget text "
          f"{layout['widgets']} px")
    assert not problems, "presenting 01 live:\n" + "\n".join(problems)
