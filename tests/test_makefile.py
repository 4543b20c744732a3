"""What each make target installs: a student's targets only the course, and nothing twice.

Each case runs the real Makefile against a stand-in virtual environment whose
``bin/python`` only records how it was called, so the test sees every pip call a
target would make, without installing anything.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def venv(tmp_path):
    """A stand-in .venv: ``bin/python`` appends its arguments to ``calls``."""
    folder = tmp_path / "venv"
    (folder / "bin").mkdir(parents=True)
    log = tmp_path / "calls"
    log.touch()
    python = folder / "bin" / "python"
    python.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n')
    python.chmod(0o755)
    return folder, log


def stamp(venv_folder: Path, *names: str) -> None:
    """Stamps newer than pyproject.toml: these parts count as installed."""
    later = ROOT.joinpath("pyproject.toml").stat().st_mtime + 60
    for name in names:
        path = venv_folder / name
        path.touch()
        os.utime(path, (later, later))


def clean_environment() -> dict[str, str]:
    """The environment without what an outer make passes down: under `make test
    EXTRAS=...` (CI's command) EXTRAS reaches this test's make as an environment
    variable, and would stand in for the EXTRAS a test leaves unset."""
    passed_down = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "EXTRAS"}
    return {name: value for name, value in os.environ.items() if name not in passed_down}


def pip_calls(venv, target: str, *variables: str) -> list[str]:
    folder, log = venv
    result = subprocess.run(["make", "--no-print-directory", target, f"VENV={folder}",
                             *variables], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=clean_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in log.read_text().splitlines() if line.startswith("-m pip")]


@pytest.mark.parametrize("target", ["student", "slides", "html", "html-instructor", "doctor",
                                    "notebooks"])
def test_a_fresh_machine_gets_only_the_course_for_authoring_and_student_targets(venv, target):
    assert pip_calls(venv, target) == [
        "-m pip install --no-compile --progress-bar off -e ."]


@pytest.mark.parametrize("target", ["student", "slides", "html", "doctor"])
def test_after_make_test_with_any_extras_authoring_targets_install_nothing(venv, target):
    stamp(venv[0], ".installed", ".installed-extra-test", ".installed-extra-parity")
    assert pip_calls(venv, target) == []


def test_make_test_installs_its_extras_once(venv):
    folder, _ = venv
    assert pip_calls(venv, "setup-test", "EXTRAS=test,parity") == [
        "-m pip install --no-compile --progress-bar off -e .[test,parity]"]
    time.sleep(0.01)
    stamp(folder, ".installed", ".installed-extra-test", ".installed-extra-parity")
    assert pip_calls(venv, "setup-test", "EXTRAS=test,parity")[1:] == []    # nothing new
    assert pip_calls(venv, "setup-test")[1:] == []     # `test` came with test,parity


def test_a_missing_extra_is_installed(venv):
    stamp(venv[0], ".installed", ".installed-extra-test")
    assert pip_calls(venv, "setup-test", "EXTRAS=test,parity") == [
        "-m pip install --no-compile --progress-bar off -e .[test,parity]"]


def test_make_test_hands_pytest_args_to_pytest():
    """README's `make test PYTEST_ARGS="tests/test_slides.py -k 01_neuron"` runs only those."""
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "EXTRAS")}
    run = subprocess.run(["make", "--no-print-directory", "-n", "test",
                          "PYTEST_ARGS=tests/test_slides.py -k 01_neuron"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    command = run.stdout[run.stdout.index("-m pytest"):]
    assert "--no-loadscope-reorder tests/test_slides.py -k 01_neuron;" in command, run.stdout
