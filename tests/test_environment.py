"""pyproject.toml (the pip route) and environment.yml (the conda route) describe one environment.

The comparison is order- and whitespace-insensitive.  Names are mapped from
conda-forge's to PyPI's (``python-graphviz`` is pip's ``graphviz``,
``playwright-python`` pip's ``playwright``); the
conda-only entries ``python``, ``pip`` and ``graphviz`` (the ``dot`` program)
must be present but have no pip counterpart.  Runtime dependencies and the
``test`` extra must appear in both files; other extras (``parity``: PyTorch,
pip only) are compared only when environment.yml lists them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from tests.toml_reader import tomllib

ROOT = Path(__file__).resolve().parent.parent

#: conda-forge name -> PyPI name, where they differ.
CONDA_TO_PIP = {"python-graphviz": "graphviz", "pytorch": "torch", "playwright-python": "playwright"}
#: conda-forge packages with no pip counterpart; each must be listed.
CONDA_ONLY = ("python", "pip", "graphviz")
#: pyproject groups that environment.yml must contain in full.
COMPARED_GROUPS = ("dependencies", "test")

SPECIFIER = re.compile(r"(==|!=|>=|<=|~=|>|<)\d[0-9A-Za-z.*+!-]*")


def canonical(name: str) -> str:
    """PEP 503 normalised name: case and the separators - _ . do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: str) -> tuple[str, frozenset[str]]:
    """``"numpy >=1.26, <3"`` -> ``("numpy", {">=1.26", "<3"})``.

    An environment marker (``; python_version < '3.11'``) is dropped: conda has
    none, so environment.yml lists such a package for every Python.
    """
    text = text.split(";")[0]
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*", text)
    if not match:
        raise ValueError(f"cannot read the requirement {text!r}")
    name, rest = match.groups()
    specifiers = frozenset(re.sub(r"\s+", "", s) for s in rest.split(",") if s.strip())
    for specifier in specifiers:
        if not SPECIFIER.fullmatch(specifier):
            raise ValueError(f"{text!r}: cannot read the version specifier {specifier!r} "
                             "(write it as pip does, e.g. numpy>=1.26,<3)")
    return canonical(name), specifiers


def shown(specifiers: frozenset[str]) -> str:
    return ",".join(sorted(specifiers)) or "(no version)"


def pyproject_groups(pyproject: dict) -> dict[str, dict[str, frozenset[str]]]:
    """Each dependency group ("dependencies" and every extra): name -> specifiers."""
    project = pyproject["project"]
    groups = {"dependencies": project.get("dependencies", []),
              **project.get("optional-dependencies", {})}
    return {group: dict(parse_requirement(r) for r in requirements)
            for group, requirements in groups.items()}


def environment_entries(environment: dict):
    """environment.yml's dependencies as (pip-named packages, conda-only packages, pip: list)."""
    packages, conda_only, pip_section = {}, {}, []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip_section.extend(entry.get("pip", []))
            continue
        name, specifiers = parse_requirement(str(entry))
        if name in CONDA_ONLY:
            conda_only[name] = specifiers
        else:
            packages[CONDA_TO_PIP.get(name, name)] = specifiers
    return packages, conda_only, [str(line).strip() for line in pip_section]


def disagreements(pyproject: dict, environment: dict) -> list[str]:
    """Every way the two files disagree, one readable line each ([] when they agree)."""
    problems = []
    groups = pyproject_groups(pyproject)
    expected: dict[str, frozenset[str]] = {}
    for group in COMPARED_GROUPS:
        for name, specifiers in groups.get(group, {}).items():
            if expected.setdefault(name, specifiers) != specifiers:
                problems.append(f"{name}: listed twice in pyproject.toml with different versions")
    optional = {name: specifiers for group, requirements in groups.items()
                if group not in COMPARED_GROUPS for name, specifiers in requirements.items()}
    conda_names = {pip: conda for conda, pip in CONDA_TO_PIP.items()}
    packages, conda_only, pip_section = environment_entries(environment)

    for name in sorted(expected.keys() | packages.keys()):
        conda_name = conda_names.get(name, name)
        if name not in packages:
            problems.append(f"{name}: in pyproject.toml but not in environment.yml "
                            f"(conda-forge calls it {conda_name})")
            continue
        wanted = expected.get(name, optional.get(name))
        if wanted is None:
            problems.append(f"{conda_name}: in environment.yml but not in pyproject.toml")
        elif wanted != packages[name]:
            problems.append(f"{name}: pyproject.toml says {shown(wanted)}, "
                            f"environment.yml says {shown(packages[name])}")

    for name in CONDA_ONLY:
        if name not in conda_only:
            problems.append(f"{name}: environment.yml must list it (conda-only)")
    requires_python = parse_requirement("python" + pyproject["project"].get("requires-python", ""))
    if "python" in conda_only and conda_only["python"] != requires_python[1]:
        problems.append(f"python: pyproject.toml requires-python says {shown(requires_python[1])}, "
                        f"environment.yml says {shown(conda_only['python'])}")
    if "-e ." not in pip_section:
        problems.append("environment.yml's pip: section must install the course with `-e .`")
    return problems


def unbounded(groups: dict[str, dict[str, frozenset[str]]]) -> list[str]:
    """Dependencies missing a lower or an upper version bound."""
    problems = []
    for group, requirements in groups.items():
        for name, specifiers in requirements.items():
            operators = {re.match(r"[=!<>~]+", s).group() for s in specifiers}
            if not operators & {">=", ">", "~=", "=="}:
                problems.append(f"{name} ({group}): no lower bound in {shown(specifiers)}")
            if not operators & {"<", "<=", "~=", "=="}:
                problems.append(f"{name} ({group}): no upper bound in {shown(specifiers)}")
    return problems


# --- the real files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_pyproject_and_environment_yml_agree(pyproject, environment):
    problems = disagreements(pyproject, environment)
    assert not problems, "pyproject.toml and environment.yml disagree:\n  " + "\n  ".join(problems)


def test_every_dependency_has_a_bounded_range(pyproject, environment):
    groups = pyproject_groups(pyproject)
    packages, _, _ = environment_entries(environment)
    problems = unbounded(groups) + unbounded({"environment.yml": packages})
    assert not problems, "unbounded dependencies:\n  " + "\n  ".join(problems)


def test_the_real_files_list_what_the_course_needs(pyproject, environment):
    groups = pyproject_groups(pyproject)
    assert {"numpy", "matplotlib", "jupyterlab", "ipywidgets", "graphviz",
            "tqdm"} <= groups["dependencies"].keys()
    assert {"pytest", "nbval", "ruff", "pyyaml"} <= groups["test"].keys()
    packages, conda_only, pip_section = environment_entries(environment)
    assert "graphviz" in conda_only and "graphviz" in packages   # the binary and the bindings
    assert "-e ." in pip_section
    assert environment["channels"] == ["conda-forge"]


# --- the comparison itself can fail ----------------------------------------------------------------

PYPROJECT = {"project": {
    "requires-python": ">=3.10",
    "dependencies": ["numpy>=1.26,<3", "graphviz>=0.20,<1", "tqdm>=4.66,<5"],
    "optional-dependencies": {"test": ["pytest>=8,<10"], "parity": ["torch==2.13.0"]},
}}
ENVIRONMENT = {"name": "x", "channels": ["conda-forge"], "dependencies": [
    "python>=3.10", "numpy>=1.26,<3", "python-graphviz>=0.20,<1", "graphviz",
    "tqdm>=4.66,<5", "pytest>=8,<10", "pip", {"pip": ["-e ."]},
]}


def changed(environment=None, pyproject=None):
    env, project = copy.deepcopy(ENVIRONMENT), copy.deepcopy(PYPROJECT)
    if environment:
        environment(env["dependencies"])
    if pyproject:
        pyproject(project["project"])
    return disagreements(project, env)


def replace(old, new):
    def edit(dependencies):
        dependencies[dependencies.index(old)] = new
    return edit


def test_a_matching_pair_agrees():
    assert disagreements(PYPROJECT, ENVIRONMENT) == []


def test_whitespace_and_order_of_specifiers_do_not_matter():
    assert changed(replace("numpy>=1.26,<3", "numpy <3, >=1.26")) == []
    assert changed(replace("tqdm>=4.66,<5", "TQDM>=4.66,<5")) == []


def test_a_different_version_is_reported():
    assert changed(replace("numpy>=1.26,<3", "numpy>=1.25,<3")) == [
        "numpy: pyproject.toml says <3,>=1.26, environment.yml says <3,>=1.25"]
    assert changed(replace("pytest>=8,<10", "pytest>=8")) == [
        "pytest: pyproject.toml says <10,>=8, environment.yml says >=8"]


def test_a_package_missing_from_environment_yml_is_reported():
    assert changed(lambda deps: deps.remove("tqdm>=4.66,<5")) == [
        "tqdm: in pyproject.toml but not in environment.yml (conda-forge calls it tqdm)"]


def test_a_package_missing_from_pyproject_is_reported():
    assert changed(lambda deps: deps.append("scipy>=1.11,<2")) == [
        "scipy: in environment.yml but not in pyproject.toml"]
    assert changed(pyproject=lambda p: p["dependencies"].remove("numpy>=1.26,<3")) == [
        "numpy: in environment.yml but not in pyproject.toml"]


def test_the_graphviz_bindings_need_their_conda_name():
    # Listing only `graphviz` in environment.yml installs the dot program, not the bindings.
    problems = changed(lambda deps: deps.remove("python-graphviz>=0.20,<1"))
    assert problems == ["graphviz: in pyproject.toml but not in environment.yml "
                        "(conda-forge calls it python-graphviz)"]


@pytest.mark.parametrize("entry", ["python>=3.10", "pip", "graphviz"])
def test_conda_only_entries_are_required(entry):
    assert changed(lambda deps: deps.remove(entry)) == [
        f"{entry.split('>')[0]}: environment.yml must list it (conda-only)"]


def test_python_must_match_requires_python():
    assert changed(replace("python>=3.10", "python>=3.9")) == [
        "python: pyproject.toml requires-python says >=3.10, environment.yml says >=3.9"]


def test_the_pip_section_must_install_the_course():
    assert changed(replace({"pip": ["-e ."]}, {"pip": ["nblib"]})) == [
        "environment.yml's pip: section must install the course with `-e .`"]
    assert changed(lambda deps: deps.pop()) == [
        "environment.yml's pip: section must install the course with `-e .`"]


def test_other_extras_are_optional_but_compared_when_listed():
    assert changed(lambda deps: deps.append("pytorch==2.13.0")) == []
    assert changed(lambda deps: deps.append("pytorch>=2.12,<3")) == [
        "torch: pyproject.toml says ==2.13.0, environment.yml says <3,>=2.12"]


def test_several_problems_are_all_reported():
    def edit(deps):
        deps.remove("pip")
        deps[deps.index("numpy>=1.26,<3")] = "numpy>=2,<3"
    assert len(changed(edit)) == 2


@pytest.mark.parametrize("text, name, specifiers", [
    ("numpy>=1.26,<3", "numpy", {">=1.26", "<3"}),
    ("  numpy >= 1.26 , < 3 ", "numpy", {">=1.26", "<3"}),
    ("Python_Graphviz>=0.20", "python-graphviz", {">=0.20"}),
    ("graphviz", "graphviz", set()),
    ("torch==2.13.0", "torch", {"==2.13.0"}),
    ("pkg~=1.4.2", "pkg", {"~=1.4.2"}),
])
def test_parse_requirement(text, name, specifiers):
    assert parse_requirement(text) == (name, frozenset(specifiers))


@pytest.mark.parametrize("text", ["numpy=1.26", "numpy 1.26.*", "numpy>=x", "", ">=1"])
def test_parse_requirement_rejects_what_it_cannot_compare(text):
    with pytest.raises(ValueError):
        parse_requirement(text)


@pytest.mark.parametrize("requirement, problems", [
    ("numpy>=1.26,<3", []),
    ("numpy~=1.26", []),
    ("torch==2.13.0", []),
    ("numpy>=1.26", ["numpy (g): no upper bound in >=1.26"]),
    ("numpy<3", ["numpy (g): no lower bound in <3"]),
    ("numpy!=2.0", ["numpy (g): no lower bound in !=2.0", "numpy (g): no upper bound in !=2.0"]),
    ("numpy", ["numpy (g): no lower bound in (no version)",
               "numpy (g): no upper bound in (no version)"]),
])
def test_unbounded(requirement, problems):
    assert unbounded({"g": dict([parse_requirement(requirement)])}) == problems
