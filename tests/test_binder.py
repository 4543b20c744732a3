"""The repository launches on Binder and JupyterHub (repo2docker) unchanged: what can be checked offline.

repo2docker builds an image from the files at the repository root: environment.yml (the
conda environment, with ``pip: -e .`` for nblib) and postBuild (run once afterwards).
tests/test_environment.py checks that environment.yml agrees with pyproject.toml; here:

- repo2docker picks the conda build from the root files (no binder/ folder, Dockerfile
  or other file that would take precedence or be silently ignored);
- postBuild is executable and runs, against a temporary prefix and HOME, and installs
  jupyter-config's settings as JupyterLab's overrides, keeping other overrides;
- JupyterLab's own settings reader finds them there, and every overridden setting, of
  the course and of the presenter (jupyter-config/present/, which `make present` adds and
  postBuild does not install), exists in the installed JupyterLab's or extension's schemas
  with a valid value;
- any Binder or nbgitpuller link in the README opens a file that exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
import pytest
import yaml

from tests.test_environment import environment_entries

ROOT = Path(__file__).resolve().parent.parent
POSTBUILD = ROOT / "postBuild"
COURSE_SETTINGS = ROOT / "jupyter-config" / "labconfig" / "default_setting_overrides.json"
#: The presenter's settings, on top of the course's (`make present`; tests/test_present_live.py).
PRESENTER_SETTINGS = (ROOT / "jupyter-config" / "present" / "labconfig"
                      / "default_setting_overrides.json")
OVERRIDES = Path("share", "jupyter", "lab", "settings", "overrides.json")

#: Files that make repo2docker use another build than environment.yml's, or ignore the
#: root files altogether (a binder/ or .binder/ folder).
OTHER_BUILDS = ["binder", ".binder", "Dockerfile", "default.nix", "Project.toml", "REQUIRE",
                "DESCRIPTION", "install.R", "runtime.txt", "Pipfile", "Pipfile.lock"]
#: Files repo2docker ignores when environment.yml exists: a dependency listed only there
#: would be missing on Binder.
IGNORED_WITH_CONDA = ["requirements.txt", "setup.py"]


def course_settings() -> dict:
    return json.loads(COURSE_SETTINGS.read_text(encoding="utf-8"))


def presenter_settings() -> dict:
    return json.loads(PRESENTER_SETTINGS.read_text(encoding="utf-8"))


def schema_file(plugin: str) -> Path:
    """Where the installed JupyterLab keeps a plugin's settings schema (core or extension)."""
    package, name = plugin.split(":")
    share = Path(sys.prefix, "share", "jupyter")
    for path in (share / "lab" / "schemas" / package / f"{name}.json",
                 share / "labextensions" / package / "schemas" / package / f"{name}.json"):
        if path.is_file():
            return path
    return path


def run_postbuild(prefix: Path, home: Path) -> subprocess.CompletedProcess:
    """Run ./postBuild as repo2docker does (from the repository, by its shebang)."""
    env = {**os.environ, "POSTBUILD_PREFIX": str(prefix), "HOME": str(home),
           # the shebang's `python3` is the test's own Python, as on Binder it is the env's
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["./postBuild"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- what repo2docker reads ----------------------------------------------------------------

def test_repo2docker_builds_from_environment_yml_at_the_root():
    assert (ROOT / "environment.yml").is_file()
    present = [name for name in OTHER_BUILDS if (ROOT / name).exists()]
    assert not present, (f"{present}: repo2docker would not build from the root's "
                         "environment.yml and postBuild (a binder/ folder hides them)")
    ignored = [name for name in IGNORED_WITH_CONDA if (ROOT / name).exists()]
    assert not ignored, (f"{ignored}: repo2docker ignores these when environment.yml exists; "
                         "list dependencies in pyproject.toml and environment.yml")


def test_environment_yml_installs_the_course_from_the_repository():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    packages, conda_only, pip_section = environment_entries(environment)
    # `-e .` is a local requirement: repo2docker copies the repository before installing
    # the environment, and pip installs nblib from it (pyproject.toml's dependencies come
    # from conda, compared with pyproject.toml by tests/test_environment.py)
    assert pip_section == ["-e ."]
    assert "graphviz" in conda_only          # the `dot` program: Binder has no apt-get step
    assert {"jupyterlab", "ipywidgets"} <= packages.keys()


def test_postbuild_is_an_executable_script_in_git():
    assert POSTBUILD.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    assert POSTBUILD.stat().st_mode & stat.S_IXUSR, "chmod +x postBuild"
    if shutil.which("git") and (ROOT / ".git").exists():
        staged = subprocess.run(["git", "ls-files", "-s", "postBuild"], cwd=ROOT,
                                capture_output=True, text=True).stdout
        if staged:   # not yet committed: the file mode above is what will be
            assert staged.startswith("100755"), "git update-index --chmod=+x postBuild"


# --- postBuild runs -------------------------------------------------------------------------

def test_postbuild_installs_the_course_settings_into_the_prefix_only(tmp_path):
    prefix, home = tmp_path / "prefix", tmp_path / "home"
    home.mkdir()
    result = run_postbuild(prefix, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert files_under(prefix) == [str(OVERRIDES)]
    assert files_under(home) == []
    assert json.loads((prefix / OVERRIDES).read_text()) == course_settings()

    again = run_postbuild(prefix, home)          # a rebuild changes nothing
    assert again.returncode == 0, again.stderr
    assert json.loads((prefix / OVERRIDES).read_text()) == course_settings()


def test_postbuild_keeps_other_overrides(tmp_path):
    prefix, home = tmp_path / "prefix", tmp_path / "home"
    home.mkdir()
    (prefix / OVERRIDES).parent.mkdir(parents=True)
    other = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
             "@jupyterlab/apputils-extension:notification": {"checkForUpdates": True,
                                                             "doNotDisturbMode": True}}
    (prefix / OVERRIDES).write_text(json.dumps(other))
    assert run_postbuild(prefix, home).returncode == 0
    installed = json.loads((prefix / OVERRIDES).read_text())
    course = course_settings()
    assert installed["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    notification = installed["@jupyterlab/apputils-extension:notification"]
    assert notification == {**course["@jupyterlab/apputils-extension:notification"],
                            "doNotDisturbMode": True}
    for plugin in course:
        assert course[plugin].items() <= installed[plugin].items()


def test_jupyterlab_reads_the_installed_settings(tmp_path):
    from jupyterlab_server.settings_utils import _get_overrides  # JupyterLab's own reader

    prefix, home = tmp_path / "prefix", tmp_path / "home"
    home.mkdir()
    assert run_postbuild(prefix, home).returncode == 0
    overrides, error = _get_overrides(str((prefix / OVERRIDES).parent))
    assert not error
    for plugin, settings in course_settings().items():
        assert overrides[plugin] == settings


@pytest.mark.parametrize("settings_of, plugin",
                         [("course", plugin) for plugin in sorted(course_settings())]
                         + [("presenter", plugin) for plugin in sorted(presenter_settings())])
def test_every_course_setting_exists_in_jupyterlab_with_a_valid_value(settings_of, plugin):
    path = schema_file(plugin)
    assert path.is_file(), f"{plugin}: no such JupyterLab plugin or extension ({path})"
    schema = json.loads(path.read_text(encoding="utf-8"))
    settings = (course_settings() if settings_of == "course" else presenter_settings())[plugin]
    unknown = settings.keys() - schema.get("properties", {}).keys()
    assert not unknown, f"{plugin}: JupyterLab has no setting {sorted(unknown)}"
    jsonschema.validate(settings, schema)


def test_the_course_settings_say_what_the_course_needs():
    settings = course_settings()
    viewers = settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == "Markdown Preview"      # 00_contents.md opens rendered
    notification = settings["@jupyterlab/apputils-extension:notification"]
    assert notification["checkForUpdates"] is False
    assert notification["fetchNews"] == "false"
    # text sized for a room in jupyterlab-slideshow's deck mode only (.jp-Deck), not while
    # students work; tests/test_present_live.py measures it in a browser
    styles = settings["@deathbeds/jupyterlab-fonts:fonts"]["styles"]
    assert list(styles) == [".jp-Deck"]
    assert int(styles[".jp-Deck"]["--jp-content-font-size1"].removesuffix("px")) >= 20
    assert int(styles[".jp-Deck"]["--jp-code-font-size"].removesuffix("px")) >= 18
    # students keep autosave; only the presenter turns it off
    assert "autosave" not in settings["@jupyterlab/docmanager-extension:plugin"]


def test_the_presenters_settings_turn_autosave_off_and_nothing_else():
    # presenting runs the notebook: with autosave on, its new outputs would be saved
    assert presenter_settings() == {"@jupyterlab/docmanager-extension:plugin": {"autosave": False}}


# --- links in the README ------------------------------------------------------------------

LAUNCH_LINK = re.compile(r"https://mybinder\.org/v2/[^\s)\"']+|https?://[^\s)\"']*git-pull\?"
                         r"[^\s)\"']+")


def launch_links(text: str) -> list[tuple[str, list[str], list[str]]]:
    """Each Binder or nbgitpuller link in ``text``: (link, files it opens, its branch)."""
    found = []
    for link in LAUNCH_LINK.findall(text):
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        paths = []
        for value in query.get("urlpath", []) + query.get("labpath", []):
            path = re.sub(r"^(lab/tree|tree|lab)/", "", unquote(value).split("?")[0])
            if "git-pull" in link:
                path = path.split("/", 1)[-1]     # nbgitpuller clones into <repo name>/
            paths.append(path)
        found.append((link, paths, query.get("branch", [])))
    return found


def test_launch_links_are_read():
    text = ("[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/O/nn/"
            "HEAD?urlpath=lab/tree/notebooks/00_contents.md)\n"
            "https://<hub>/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2FO%2Fnn"
            "&urlpath=lab%2Ftree%2Fnn%2Fnotebooks%2F00_contents.md&branch=main\n")
    assert [(paths, branch) for _, paths, branch in launch_links(text)] == [
        (["notebooks/00_contents.md"], []), (["notebooks/00_contents.md"], ["main"])]


def test_binder_and_nbgitpuller_links_in_the_readme_open_existing_files():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link, paths, branch in launch_links(readme):
        for path in paths:
            assert (ROOT / path).exists(), f"{link}: {path} does not exist"
        if "git-pull" in link:
            assert branch == ["main"], link
