"""A class on a real JupyterHub: students pull the course with the README's nbgitpuller
link, then run notebooks 01 and 06 at the same time (tests/hub_class.py does it all).

The hub runs on 127.0.0.1 with the DummyAuthenticator and SimpleLocalProcessSpawner
(temporary homes, no system users); the course comes from a bare clone of this
repository, as students would get it from GitHub.  Every student must pull the course
and run both notebooks to the end without an error.  The figures (pull time, run time
of each notebook with everyone at once, peak memory per student) are printed.

Needs the ``hub`` extra (``pip install -e '.[hub]'``: jupyterhub and nbgitpuller, in the
same environment as the course, as in the image repo2docker builds) and ``npm`` (the
hub's proxy, configurable-http-proxy, is installed once into build/hub-proxy/).
Skipped without them, except under CI=true, where it must run.  06 reads MNIST from
``$MNIST_DIR`` when it is set (CI sets it), else downloads it once into the cache.
``HUB_USERS`` sets the class size and ``HUB_NOTEBOOKS`` the notebooks run: one student
running 01 by default, which keeps CI within its 12 minutes and still takes the whole
path (log-in, spawn, the nbgitpuller pull, a notebook run through the kernels' API); the
class of 8 running 01 and then 06 at once runs by hand:
``python -m tests.hub_class --users 8``.

    .venv/bin/python -m pytest tests/test_hub.py -v -s
"""

from __future__ import annotations

import json
import os

import pytest

from tests import hub_class
from tests.browser import skip_or_fail

USERS = int(os.environ.get("HUB_USERS", "1"))
NOTEBOOKS = tuple(os.environ.get("HUB_NOTEBOOKS", "01_neuron.ipynb").split(","))


@pytest.fixture(scope="module")
def parts():
    try:
        hub_class.hub_bin()
        hub_class.proxy_command()
    except hub_class.Missing as missing:
        skip_or_fail(str(missing))


def test_class_pulls_the_course_and_runs_its_notebooks_at_once(parts):
    report = hub_class.run_class(USERS, NOTEBOOKS)
    print(json.dumps(report, indent=1))
    assert not report["failures"], "\n".join(
        ["every student must pull the course and run its notebooks; failures:", *report["failures"],
         "--- end of the hub's log ---", report.get("hub_log_tail", "")])
    assert sorted(report["pull"]["per_user_s"]) == [f"student{i}" for i in range(1, USERS + 1)]
    for notebook in NOTEBOOKS:
        assert len(report[notebook]["per_user_s"]) == USERS, notebook
    # every student's server and kernel were seen, so the memory figures mean something
    assert len(report["peak_rss_mb_per_user"]) == USERS
    assert {"server", "kernel"} <= set(report["peak_rss_mb_per_process_kind"])
