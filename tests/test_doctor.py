"""nblib.doctor: the checks, their fixes, and output that is the same on every machine."""

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nblib import doctor
from nblib.datasets import DATA_DIR
from tests.notebook_code import sanitize
from tests.toml_reader import tomllib

ROOT = Path(__file__).resolve().parent.parent
REAL_WHICH = shutil.which
VERSION = re.compile(r"\bv\d+\.\d+(\.\d+)?\b")


def without(*programs):
    """A shutil.which that cannot find ``programs`` (and finds the rest as usual)."""
    return lambda name, *args, **kwargs: None if name in programs else REAL_WHICH(name, *args,
                                                                                   **kwargs)


def by_topic(results, start):
    (match,) = [r for r in results if r[1].startswith(start)]
    return match




# --- diagnose -------------------------------------------------------------------------------------------


def test_diagnose_returns_ok_what_fix_triples():
    results = doctor.diagnose()
    assert len(results) == 1 + len(doctor.REQUIRED) + 4
    for result in results:
        assert isinstance(result, tuple) and len(result) == 3
        ok, what, fix = result
        assert isinstance(ok, bool) and isinstance(what, str) and isinstance(fix, str)
        assert what
        if not ok:
            assert fix, f"no fix for the failing check {what!r}"


def test_diagnose_on_this_machine():
    results = doctor.diagnose()
    assert by_topic(results, "Python v")[0] is True
    for name in doctor.REQUIRED:
        ok, what, _ = by_topic(results, f"{name} v")
        assert ok, what
        assert VERSION.search(what)
    assert by_topic(results, "course data: <course>/data")[:2] == (True, "course data: <course>/data")


def test_fix_is_empty_for_passing_checks():
    assert [what for ok, what, fix in doctor.diagnose() if ok and fix] == []


def test_missing_dot_gives_a_cross_with_the_install_command(monkeypatch, capsys):
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(shutil, "which", without("dot", "dnf"))
    monkeypatch.setattr(doctor, "_widget_frontend_installed", lambda: True)
    expected_fix = ("sudo apt-get install -y graphviz" if REAL_WHICH("apt-get")
                    else "install the 'graphviz' package with your system's package manager")
    ok, what, fix = by_topic(doctor.diagnose(), "Graphviz's `dot`")
    assert ok is False
    assert what == "Graphviz's `dot` program is not on PATH (notebook 04 draws with it)"
    assert fix == expected_fix

    assert doctor.report() is False
    out = capsys.readouterr().out
    assert f"✗ {what}\n    fix: {expected_fix}\n" in out
    assert out.rstrip().endswith("1 problem(s) found: run the fix shown under each ✗.")


def test_dot_found_reports_its_version(monkeypatch):
    if not REAL_WHICH("dot"):
        pytest.skip("Graphviz dot is not installed here")
    ok, what, fix = by_topic(doctor.diagnose(), "Graphviz dot v")
    assert ok and fix == ""
    assert re.fullmatch(r"Graphviz dot v\d+\.\d+\.\d+ is on PATH", what)


def test_dot_that_cannot_run_gives_unknown_version(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: "/nonexistent/dot"
                        if name == "dot" else REAL_WHICH(name, *a, **k))

    def broken(*args, **kwargs):
        raise OSError("exec format error")

    monkeypatch.setattr(subprocess, "run", broken)
    assert by_topic(doctor.diagnose(), "Graphviz dot")[:2] == (
        True, "Graphviz dot vunknown is on PATH")


@pytest.mark.parametrize("env, platform, which, command", [
    ({"CONDA_PREFIX": "/opt/conda"}, "linux", (), "conda install -c conda-forge graphviz"),
    ({}, "darwin", (), "brew install graphviz"),
    ({}, "win32", (), "winget install graphviz   (then open a new terminal)"),
    ({}, "linux", ("apt-get", "dnf"), "sudo apt-get install -y graphviz"),
    ({}, "linux", ("dnf",), "sudo dnf install -y graphviz"),
    ({}, "linux", (), "install the 'graphviz' package with your system's package manager"),
])
def test_graphviz_install_command(monkeypatch, env, platform, which, command):
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}"
                        if name in which else None)
    assert doctor.graphviz_install_command() == command


def test_missing_package(monkeypatch):
    real_version = importlib.metadata.version

    def version(name):
        if name == "tqdm":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert by_topic(doctor.diagnose(), "tqdm") == (False, "tqdm is not installed",
                                                    doctor.REINSTALL)


def test_too_old_package(monkeypatch):
    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "1.9.3" if name == "numpy" else real_version(name))
    assert by_topic(doctor.diagnose(), "numpy") == (
        False, "numpy v1.9.3", f"numpy must be >= 1.26: {doctor.REINSTALL}")


def test_widget_frontend_missing(monkeypatch):
    monkeypatch.setattr(doctor, "_widget_frontend_installed", lambda: False)
    ok, what, fix = by_topic(doctor.diagnose(), "JupyterLab widget frontend")
    assert not ok and what.endswith("is missing")
    assert fix == "pip install 'ipywidgets>=8.1,<9'   (then restart JupyterLab)"


def test_old_python(monkeypatch):
    monkeypatch.setattr(doctor, "MIN_PYTHON", (99, 0))
    ok, what, fix = doctor.diagnose()[0]
    assert not ok and what.startswith("Python v") and "Python 3.10 or newer" in fix


@pytest.mark.parametrize("text, expected", [
    ("2.4.6", (2, 4, 6)), ("1.26", (1, 26)), ("0.20.3.post1", (0, 20, 3)), ("4", (4,)),
    ("3.11.2+local", (3, 11, 2)), ("abc", ()),
])
def test_version_tuple(text, expected):
    assert doctor._version_tuple(text) == expected


@pytest.mark.parametrize("text, expected", [("1.26.0rc1", (1, 26, 0)), ("1.2rc6", (1, 2))])
def test_version_tuple_pre_releases(text, expected):
    assert doctor._version_tuple(text) == expected


def test_versions_compare_as_numbers_not_text():
    assert doctor._version_tuple("1.3") < doctor._version_tuple("1.26")


def test_required_minimums_are_pyprojects_lower_bounds():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lower = {}
    for requirement in pyproject["project"]["dependencies"]:
        name, minimum = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+),<.*", requirement).groups()
        lower[name] = minimum
    assert doctor.REQUIRED == lower
    assert doctor.MIN_PYTHON == (3, 10)
    assert pyproject["project"]["requires-python"] == ">=3.10"


# --- report ---------------------------------------------------------------------------------------------


def test_report_all_ok(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "diagnose", lambda: [(True, "numpy v2.0.1", ""),
                                                     (True, "dot", "")])
    assert doctor.report() is True
    assert capsys.readouterr().out == ("✓ numpy v2.0.1\n✓ dot\n"
                                       "All set: this machine is ready for the course.\n")


def test_report_problems(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "diagnose", lambda: [(False, "a is missing", "install a"),
                                                     (True, "b v1.2.3", "unused"),
                                                     (False, "c is old", "upgrade c")])
    assert doctor.report() is False
    assert capsys.readouterr().out == (
        "✗ a is missing\n    fix: install a\n✓ b v1.2.3\n✗ c is old\n    fix: upgrade c\n"
        "2 problem(s) found: run the fix shown under each ✗.\n")


def test_report_prints_every_version_as_vXYZ(capsys):
    doctor.report()
    out = capsys.readouterr().out
    assert re.search(r"^✓ Python v\d+\.\d+\.\d+$", out, re.M)
    for name in doctor.REQUIRED:
        assert re.search(rf"^✓ {name} v\d+\.\d+(\.\d+)?\S*$", out, re.M), name


def test_report_is_machine_independent_after_sanitizing(monkeypatch, capsys):
    monkeypatch.delenv("NBLIB_CACHE", raising=False)
    doctor.report()
    out = sanitize(capsys.readouterr().out)
    # what nbval compares: every version replaced, no other number left
    passing = [line for line in out.splitlines() if line.startswith("✓")]
    assert passing and not [line for line in passing if re.search(r"\d+\.\d+", line)]
    assert "Python vX.Y" in out


def test_report_shows_no_absolute_path(monkeypatch, capsys):
    monkeypatch.delenv("NBLIB_CACHE", raising=False)
    doctor.report()
    out = capsys.readouterr().out
    assert str(ROOT) not in out
    assert str(Path.home()) + "/" not in out
    assert "course data: <course>/data\n" in out
    assert "download cache: <course>/data/cache (set NBLIB_CACHE to move it)\n" in out


def test_cache_under_home_is_shown_with_a_tilde(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NBLIB_CACHE", "~/datasets/nblib")
    doctor.report()
    out = capsys.readouterr().out
    assert "download cache: ~/datasets/nblib (set NBLIB_CACHE to move it)" in out
    assert str(tmp_path) not in out


def test_display_path():
    assert doctor._display_path(DATA_DIR / "cache") == "<course>/data/cache"
    assert doctor._display_path(Path.home() / "x" / "y") == "~/x/y"
    assert doctor._display_path(Path("/")) == "/"


def test_module_runs_as_a_script():
    result = subprocess.run([sys.executable, "-m", "nblib.doctor"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.stdout.startswith("✓ Python v")
    assert result.returncode == (0 if "All set" in result.stdout else 1)


# --- MNIST (python -m nblib.doctor only) ----------------------------------------------------------------


def fake_mnist_folder(folder, sums=True):
    """The four MNIST file names with any bytes (the check hashes them, it does not read them)."""
    import hashlib

    from nblib import mnist

    folder.mkdir(parents=True, exist_ok=True)
    for name in mnist.FILES:
        (folder / name).write_bytes(name.encode())
    if sums:
        (folder / "SHA256SUMS").write_text("".join(
            f"{hashlib.sha256(name.encode()).hexdigest()}  {name}\n" for name in mnist.FILES))
    return folder


@pytest.fixture
def no_mnist(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("NBLIB_CACHE", str(tmp_path / "cache"))


def test_report_leaves_mnist_out_by_default(no_mnist, capsys):
    # notebook 01 prints report(): its stored output must not depend on MNIST's state here
    doctor.report()
    assert "MNIST" not in capsys.readouterr().out
    assert not [what for _, what, _ in doctor.diagnose() if "MNIST" in what]


def test_mnist_not_downloaded_yet(no_mnist):
    assert doctor.mnist_check() == (
        True, "MNIST: not downloaded yet (notebook 06 downloads ~11 MB once; or set MNIST_DIR)", "")


def test_mnist_in_the_cache(no_mnist, tmp_path):
    fake_mnist_folder(tmp_path / "cache" / "mnist", sums=False)
    ok, what, _ = doctor.mnist_check()
    assert ok and what.startswith("MNIST: downloaded, in ") and what.endswith("/cache/mnist")


def test_mnist_dir_valid(no_mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(fake_mnist_folder(tmp_path / "m")))
    ok, what, fix = doctor.mnist_check()
    assert (ok, fix) == (True, "")
    assert what.startswith("MNIST: read from MNIST_DIR=") and what.endswith("(files checked)")


@pytest.mark.parametrize("damage, problem", [
    ("missing", "has no t10k-labels-idx1-ubyte.gz."),
    ("checksum", "t10k-labels-idx1-ubyte.gz is not the expected file"),
])
def test_mnist_dir_invalid_is_a_problem_with_a_fix(no_mnist, monkeypatch, tmp_path, capsys,
                                                   damage, problem):
    folder = fake_mnist_folder(tmp_path / "m")
    if damage == "missing":
        (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    else:
        (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"changed")
    monkeypatch.setenv("MNIST_DIR", str(folder))
    ok, what, fix = doctor.mnist_check()
    assert not ok and what.startswith("MNIST_DIR=") and what.endswith(problem)
    assert "\n" not in what
    assert fix.startswith("point MNIST_DIR at a folder holding the four MNIST .gz files")
    monkeypatch.setattr(doctor, "_widget_frontend_installed", lambda: True)
    doctor.report(mnist=True)
    assert f"    fix: {fix}\n" in capsys.readouterr().out


def test_script_reports_mnist(no_mnist):
    result = subprocess.run([sys.executable, "-m", "nblib.doctor"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert "✓ MNIST: not downloaded yet" in result.stdout
