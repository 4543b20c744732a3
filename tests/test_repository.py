"""The repository's promises: README's two commands exist, CI runs one of them, `make test` tests."""

import configparser
import os
import re
import shlex
from pathlib import Path

import pytest

from tests.notebook_code import sanitize
from tests.toml_reader import tomllib

ROOT = Path(__file__).resolve().parent.parent


def read(name):
    path = ROOT / name
    if not path.exists():
        pytest.fail(f"{name} is missing")
    return path.read_text(encoding="utf-8")


def code_block_lines(markdown):
    """Lines inside ``` fenced blocks."""
    lines, inside = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line.strip())
    return lines


def make_recipe(makefile, target):
    """The recipe of ``target`` as one string, backslash continuations joined."""
    lines = makefile.splitlines()
    (start,) = [i for i, line in enumerate(lines) if re.match(rf"{re.escape(target)}\s*:", line)]
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return re.sub(r"\\\s+", " ", "\n".join(recipe))


def make_prerequisites(makefile, target):
    (line,) = [line for line in makefile.splitlines() if re.match(rf"{re.escape(target)}\s*:", line)]
    return line.split(":", 1)[1].split()




# --- README -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["make lab", "make test"])
def test_readme_shows_the_two_commands(command):
    lines = code_block_lines(read("README.md"))
    assert any(line == command or line.startswith(command + " ") for line in lines), (
        f"README.md has no code block line running `{command}`")


@pytest.mark.parametrize("target", ["lab", "test"])
def test_the_two_commands_are_make_targets(target):
    makefile = read("Makefile")
    assert re.search(rf"^{target}\s*:", makefile, re.M)
    assert re.search(rf"^\.PHONY:.*\b{target}\b", makefile, re.M)


def test_make_lab_opens_jupyterlab_on_the_notebooks():
    makefile = read("Makefile")
    assert "jupyter lab" in make_recipe(makefile, "lab")
    assert "--ServerApp.root_dir=$(LAB_ROOT)" in make_recipe(makefile, "lab")
    assert re.search(r"^LAB_ROOT \?= notebooks$", makefile, re.M)   # (make lab-student: build/student)
    assert "setup" in make_prerequisites(makefile, "lab")


# --- CI -------------------------------------------------------------------------------------------------


def test_ci_runs_make_test():
    script = read(".ci/run")
    commands = [shlex.split(line) for line in script.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert ["make", "test"] in [command[:2] for command in commands], (
        ".ci/run must run README's `make test`")
    assert "set -euo pipefail" in script


def test_ci_script_is_executable():
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
    assert read(".ci/run").startswith("#!/usr/bin/env bash\n")


# --- make test --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def test_recipe():
    return make_recipe(read("Makefile"), "test")


def test_make_test_runs_ruff(test_recipe):
    assert re.search(r"(\$\(BIN\)/)?ruff check \.", test_recipe)


def test_make_test_runs_pytest_over_the_notebooks_with_nbval(test_recipe):
    (pytest_line,) = [line for line in re.split(r"&&|;|\n", test_recipe) if "pytest" in line]
    arguments = shlex.split(pytest_line)
    assert "--nbval" in arguments
    assert "--nbval-current-env" in arguments
    index = arguments.index("--nbval-sanitize-with")
    assert arguments[index + 1] == "tests/sanitize.cfg"
    assert (ROOT / "tests" / "sanitize.cfg").is_file()


def test_make_test_fails_when_ruff_or_pytest_fails(test_recipe):
    assert re.search(r"ruff check \.\s*&&", test_recipe), "pytest must only run when ruff passes"
    assert "exit $$status" in test_recipe


def test_make_test_installs_the_test_tools_first():
    makefile = read("Makefile")
    assert "setup-test" in make_prerequisites(makefile, "test")
    assert "graphviz" in make_prerequisites(makefile, "setup-test")


def test_pytest_collects_tests_and_notebooks_and_fails_on_runtime_warnings():
    options = tomllib.loads(read("pyproject.toml"))["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests", "notebooks"]
    assert "error::RuntimeWarning" in options["filterwarnings"]


# --- sanitize.cfg: only what truly varies between machines -------------------------------------------------


def test_sanitize_cfg_is_well_formed():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tests" / "sanitize.cfg", encoding="utf-8")
    assert config.sections()
    for section in config.sections():
        assert set(config[section]) == {"regex", "replace"}, section
        re.compile(config[section]["regex"])


@pytest.mark.parametrize("text, expected", [
    ("✓ numpy v2.4.6", "✓ numpy vX.Y"),
    ("<nblib.engine.Value at 0x7f3a2b1c9d10>", "<nblib.engine.Value at 0xADDRESS>"),
    ("training (mse): 100%|██████████| 50/50 [00:01<00:00, 45.2it/s]",
     "training (mse): 100%|██████████| 50/50 [TIME]"),
])
def test_sanitize_replaces_machine_dependent_text(text, expected):
    assert sanitize(text) == expected


@pytest.mark.parametrize("text", [
    "loss = 0.3567", "accuracy 75%", "w = [-1.234, 0.5], b = 9.0", "x = 0.667",
    "ŷ = 0.700, y = 1: loss = 0.3567", "relative error 1.2e-09", "version 2 of the model",
])
def test_sanitize_never_touches_numbers_the_course_computes(text):
    assert sanitize(text) == text
