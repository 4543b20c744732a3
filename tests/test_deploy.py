"""Zero to JupyterHub (deploy/zero-to-jupyterhub/config.yaml): what can be checked without
Kubernetes.  The course's machines have none, so the configuration is never deployed here.

- It is valid YAML, and valid for the chart it names: merged into the chart's defaults as
  helm merges values, then checked against the schema the chart ships (both copied from
  the chart's 4.4.0 release into deploy/zero-to-jupyterhub/chart-4.4.0/).
- Its memory and CPU come from the class measured on a real JupyterHub, recorded in
  deploy/zero-to-jupyterhub/measured.json (tests/hub_class.py's reports): the memory
  guarantee covers every student's measured peak, the limit leaves room for a second
  kernel, the CPU guarantee is the share per student of the most crowded class whose
  notebook 06 stayed within exercise 6's time budget, and the kernels run the one BLAS
  thread the class was measured with.  The README's figures agree with both.
- Its ``singleuser.defaultUrl`` opens nbgitpuller: a Jupyter server started with it (as
  jupyterhub-singleuser is, from KubeSpawner's ``default_url``) sends a new user to the
  pull, which clones the course into their home.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import jsonschema
import pytest
import requests
import yaml

from nblib.exercises.nb06 import CAPSTONE_SECONDS
from tests import hub_class
from tests.offline_data import ON_CI

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "zero-to-jupyterhub"
CONFIG = DEPLOY / "config.yaml"
CHART = DEPLOY / "chart-4.4.0"
MEASURED = DEPLOY / "measured.json"
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT / "tools"))
import course_links  # noqa: E402

MIB = 1024 ** 2
#: JupyterHub's byte sizes (jupyterhub.traitlets.ByteSpecification, which KubeSpawner's
#: mem_guarantee and mem_limit are): the suffixes are powers of 1024.
UNITS = {"K": 1024, "M": MIB, "G": 1024 ** 3, "T": 1024 ** 4}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8}


def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def measured() -> dict:
    return json.loads(MEASURED.read_text(encoding="utf-8"))


def to_bytes(value) -> int:
    """A memory size as JupyterHub reads it: a number of bytes, or a number and K/M/G/T."""
    if isinstance(value, (int, float)):
        return int(value)
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)\s*", str(value))
    if not found:
        raise ValueError(f"{value!r} is not a size JupyterHub reads (e.g. 512M, 1G)")
    return int(float(found.group(1)) * UNITS.get(found.group(2), 1))


def helm_merge(defaults: dict, values: dict) -> dict:
    """The values helm renders with: ``values`` merged into the chart's ``defaults``
    (maps merge key by key, anything else replaces, null removes the key)."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def chart_errors(values: dict) -> list[str]:
    """What the chart's schema says about ``values`` merged into its defaults."""
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(map(str, error.path)) or '(top)'}: {error.message}"
            for error in validator.iter_errors(helm_merge(defaults, values))]


# --- the chart accepts it -----------------------------------------------------------------------

def test_config_is_yaml_the_chart_accepts():
    values = config()
    assert isinstance(values, dict) and values, "config.yaml holds no mapping"
    assert chart_errors(values) == []


@pytest.mark.parametrize("mistake", ["misspelt key", "cpu as text", "unknown top level"])
def test_the_schema_check_catches_mistakes(mistake):
    values = config()
    if mistake == "misspelt key":
        values["singleuser"]["memmory"] = values["singleuser"].pop("memory")
    elif mistake == "cpu as text":
        values["singleuser"]["cpu"]["guarantee"] = "0.25"
    else:
        values["culling"] = values.pop("cull")
    assert chart_errors(values), f"the schema check let a {mistake} through"


def test_helm_merge_keeps_the_chart_defaults_it_does_not_override():
    merged = helm_merge({"a": {"b": 1, "c": 2}, "d": [1], "e": 3}, {"a": {"b": 5}, "d": [2], "e": None})
    assert merged == {"a": {"b": 5, "c": 2}, "d": [2]}


def test_memory_sizes_are_read_as_jupyterhub_reads_them():
    assert to_bytes("512M") == 512 * MIB and to_bytes("1G") == 1024 * MIB
    try:
        from jupyterhub.traitlets import ByteSpecification
    except ImportError:
        if ON_CI:
            pytest.fail("no jupyterhub: CI installs the hub extra")
        pytest.skip("jupyterhub is not installed (the hub extra)")
    memory = config()["singleuser"]["memory"]
    for value in ("512M", "1G", "1.5G", "100K", memory["guarantee"], memory["limit"]):
        assert ByteSpecification().validate(None, value) == to_bytes(value), value


# --- sized from the measured class -------------------------------------------------------------

def test_the_measured_record_holds_whole_runs_without_failures():
    record = measured()
    assert record["machine"]["cores"] >= 1
    assert record["machine"]["blas_threads_per_process"] == 1
    assert record["runs"], "no runs recorded"
    for run in record["runs"]:
        users = {f"student{i}" for i in range(1, run["users"] + 1)}
        assert run["failures"] == []
        assert set(run["peak_rss_mb_per_user"]) == users
        assert set(run["06_mnist.ipynb"]["per_user_s"]) == users
        assert {"server", "kernel"} <= set(run["peak_rss_mb_per_process_kind"])


def peak_per_student_mib() -> int:
    return max(max(run["peak_rss_mb_per_user"].values()) for run in measured()["runs"])


def peak_kernel_mib() -> int:
    return max(run["peak_rss_mb_per_process_kind"]["kernel"] for run in measured()["runs"])


def students_per_core() -> float:
    """Students per core in the most crowded measured class whose slowest student ran all
    of notebook 06 within the time exercise 6 allows its training alone (the budget counts
    processor time, so crowding does not fail the check: it makes students wait)."""
    record = measured()
    fitting = [run["users"] / record["machine"]["cores"] for run in record["runs"]
               if max(run["06_mnist.ipynb"]["per_user_s"].values()) <= CAPSTONE_SECONDS]
    assert fitting, f"no measured class ran 06 within {CAPSTONE_SECONDS:.0f} s"
    return max(fitting)


def test_the_memory_guarantee_covers_every_measured_student():
    guarantee = to_bytes(config()["singleuser"]["memory"]["guarantee"]) / MIB
    assert guarantee >= peak_per_student_mib(), (
        f"guarantee {guarantee:.0f} MiB < the measured peak of a student, "
        f"{peak_per_student_mib()} MiB (measured.json)")


def test_the_memory_limit_leaves_room_for_a_second_kernel():
    memory = config()["singleuser"]["memory"]
    limit = to_bytes(memory["limit"]) / MIB
    needed = peak_per_student_mib() + peak_kernel_mib()
    assert limit >= needed, (f"limit {limit:.0f} MiB: a student with a second kernel running "
                             f"06 needs {needed} MiB (measured.json)")
    assert limit >= to_bytes(memory["guarantee"]) / MIB


def test_the_cpu_guarantee_is_the_measured_share_of_a_core():
    cpu = config()["singleuser"]["cpu"]
    share = 1 / students_per_core()
    assert cpu["guarantee"] >= share, (
        f"cpu guarantee {cpu['guarantee']}: the most crowded class measured within 06's "
        f"budget gave each student {share:g} of a core")
    assert cpu["guarantee"] <= 1


def test_each_kernel_runs_the_one_blas_thread_it_was_measured_with():
    env = config()["singleuser"]["extraEnv"]
    assert {name: env.get(name) for name in hub_class.BLAS_THREADS} == {
        name: str(measured()["machine"]["blas_threads_per_process"])
        for name in hub_class.BLAS_THREADS}
    # one thread keeps a kernel on one core: a lower limit would slow a student working
    # alone, a higher one would stay unused
    assert config()["singleuser"]["cpu"]["limit"] == measured()["machine"]["blas_threads_per_process"]


def test_idle_servers_are_culled():
    cull = config()["cull"]
    assert cull["enabled"] is True
    assert 0 < cull["every"] < cull["timeout"]


# --- the README says the same ------------------------------------------------------------------

def readme() -> str:
    return " ".join(README.read_text(encoding="utf-8").split())    # one line: prose wraps


def test_the_readme_figures_agree_with_the_config_and_the_measurements():
    text, cpu = readme(), config()["singleuser"]["cpu"]
    memory = config()["singleuser"]["memory"]
    found = re.search(r"guarantee (\d+) MiB, limit (\d+) GiB", text)
    assert found, "README: no 'guarantee N MiB, limit N GiB'"
    assert (int(found.group(1)) * MIB, int(found.group(2)) * 1024 * MIB) == (
        to_bytes(memory["guarantee"]), to_bytes(memory["limit"]))
    found = re.search(r"memory (\d+) MiB and (\d+) GiB", text)
    assert found, "README (Beyond one machine): no 'memory N MiB and N GiB'"
    assert (int(found.group(1)) * MIB, int(found.group(2)) * 1024 * MIB) == (
        to_bytes(memory["guarantee"]), to_bytes(memory["limit"]))
    found = re.search(r"one core per (\w+) students", text)
    assert found, "README: no 'one core per N students'"
    assert NUMBERS[found.group(1)] == students_per_core() == 1 / cpu["guarantee"]
    found = re.search(r"peaked at about (\d+) MB", text)
    assert found, "README: no 'peaked at about N MB'"
    assert int(found.group(1)) == round(peak_per_student_mib(), -1)
    assert "version 4.4.0" in text and CHART.name.endswith("4.4.0")
    assert "idle servers stopped after an hour" in text and config()["cull"]["timeout"] == 3600


# --- the default URL opens nbgitpuller ------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_default_url_pulls_the_course_into_a_new_home(tmp_path):
    """A Jupyter server with the config's default URL, as jupyterhub-singleuser gets it
    ($JUPYTERHUB_DEFAULT_URL becomes ServerApp.default_url), sends a new user to nbgitpuller,
    which clones the course (here a bare clone of this repository) into their home."""
    try:
        import nbgitpuller  # noqa: F401
    except ImportError:
        if ON_CI:
            pytest.fail("no nbgitpuller: CI installs the hub extra")
        pytest.skip("nbgitpuller is not installed (the hub extra)")
    url = config()["singleuser"]["defaultUrl"]
    path, _, query = url.partition("?")
    assert path == "/git-pull", url
    params = dict(urllib.parse.parse_qsl(query, strict_parsing=True))
    origin = tmp_path / "origin" / course_links.clone_folder(params["repo"])
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(origin)], check=True)
    params["repo"] = origin.as_uri()        # the course, published here instead of GitHub
    default = f"{path}?{urllib.parse.urlencode(params)}"
    home, port, token = tmp_path / "home", free_port(), "deploy-test"
    home.mkdir()
    command = [sys.executable, "-m", "jupyter_server", f"--ServerApp.default_url={default}",
               f"--ServerApp.root_dir={home}", f"--ServerApp.port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "HOME": str(home), "JUPYTER_PLATFORM_DIRS": "1"}
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                first = requests.get(f"{base}/", headers=headers, allow_redirects=False, timeout=10)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert first.status_code == 302, log.read_text()
        landed = urllib.parse.urlsplit(first.headers["Location"])   # the server adds a "&"
        assert (landed.path, urllib.parse.parse_qsl(landed.query)) == (
            path, list(params.items())), first.headers["Location"]   # the user lands on the pull
        page = requests.get(f"{base}{default}", headers=headers, timeout=30)
        assert page.status_code == 200 and "nbgitpuller" in page.text.lower(), page.text[:500]
        # the page's JavaScript runs the pull through this event stream
        phases = []
        with requests.get(f"{base}/git-pull/api?{urllib.parse.urlencode(params)}",
                          headers=headers, stream=True, timeout=120) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    event = json.loads(line[5:])
                    phases.append(event.get("phase"))
                    if event.get("phase") in ("finished", "error"):
                        assert event["phase"] == "finished", event
                        break
        assert phases and phases[-1] == "finished", phases
        landing = params["urlpath"].removeprefix("lab/tree/")
        assert (home / landing).is_file(), f"{landing} is not in the new home"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
