"""A class on a real JupyterHub on 127.0.0.1, for tests/test_hub.py and by hand.

The hub (``jupyterhub``, the ``hub`` extra) runs with its proxy
``configurable-http-proxy`` (npm, installed once into ``build/hub-proxy/``), the
DummyAuthenticator (one password, known to the test) and SimpleLocalProcessSpawner
(a temporary home per student; no system users).  The course is published as a bare
clone of this repository, ``<tmp>/origin/nn-from-scratch``, standing in for GitHub.

Each student logs in, opens the README's nbgitpuller link with ``repo=`` pointed at
that clone (``file://``: nbgitpuller hands it to ``git clone --depth 1``), and their
page's event stream (``/user/<name>/git-pull/api``) clones the course into their home.
Then every student runs each notebook at the same time, through their own server's
APIs: the notebook is read back from their home (contents API), a kernel is started
in its folder (kernels API), and its code cells are sent in order over the kernel's
websocket, stopping at the first error.  A thread samples the RSS of every process
whose environment names ``JUPYTERHUB_USER`` (the server, its kernels, git).

The whole class by hand, with figures as JSON (MNIST_DIR must be set for 06)::

    MNIST_DIR=../shared/data/mnist .venv/bin/python -m tests.hub_class --users 8
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent

#: The proxy, pinned; installed by ``npm install`` into build/hub-proxy (git-ignored).
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"
PROXY_DIR = ROOT / "build" / "hub-proxy"

NOTEBOOKS = ("01_neuron.ipynb", "06_mnist.ipynb")

#: Variables passed on to the students' servers and kernels.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PASSED_ON = ("MNIST_DIR", "NBLIB_CACHE", *BLAS_THREADS)


class Missing(RuntimeError):
    """A part of the hub is not installed (the test skips, or fails under CI)."""


def hub_bin() -> Path:
    """The folder with ``jupyterhub`` and ``jupyterhub-singleuser``: the running Python's
    (``pip install -e '.[hub]'``), or ``$HUB_PYTHON``'s."""
    python = Path(os.environ.get("HUB_PYTHON") or sys.executable)
    # a venv's bin/python may be a symlink to the base interpreter: keep the venv's path
    folder = python.parent
    for tool in ("jupyterhub", "jupyterhub-singleuser"):
        if not (folder / tool).exists():
            raise Missing(f"no `{tool}` next to {python}: install the course with the `hub` "
                          f"extra (pip install -e '.[hub]': jupyterhub and nbgitpuller)")
    check = subprocess.run([str(python), "-c", "import nbgitpuller, ipykernel, nblib"],
                           capture_output=True, text=True)
    if check.returncode:
        raise Missing(f"{python} lacks nbgitpuller, ipykernel or nblib: {check.stderr[-300:]}")
    return folder


def proxy_command() -> str:
    """configurable-http-proxy from build/hub-proxy, installed with npm on first use."""
    exe = PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    PROXY_DIR.mkdir(parents=True, exist_ok=True)
    with open(PROXY_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not exe.exists():
            npm = shutil.which("npm")
            if npm is None:
                raise Missing("no `npm` on PATH: the hub's proxy is the npm package "
                              f"{PROXY_PACKAGE} (sudo apt-get install npm)")
            subprocess.run([npm, "install", "--prefix", str(PROXY_DIR), "--no-audit",
                            "--no-fund", "--loglevel=error", PROXY_PACKAGE], check=True)
    return str(exe)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """\
# Written by tests/hub_class.py: a hub on 127.0.0.1 for a class of test students.
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///{db}"
c.JupyterHub.cookie_secret_file = {cookie!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {users!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {env!r}
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 180
c.JupyterHub.services = [{{"name": "class-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "class-test",
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users"],
    "services": ["class-test"],
}}]
"""


class Hub:
    """``jupyterhub`` in a subprocess, configured in ``work``; ``call`` uses its REST API."""

    def __init__(self, work: Path, users: list[str], env: dict[str, str]):
        folder = hub_bin()
        proxy = proxy_command()
        self.work, self.users = work, users
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token, self.password = secrets.token_hex(16), secrets.token_hex(8)
        self.homes = work / "homes"
        self.homes.mkdir(parents=True)
        args = ["--allow-root"] if os.geteuid() == 0 else []
        (work / "jupyterhub_config.py").write_text(CONFIG.format(
            port=self.port, hub_port=free_port(), proxy_api_port=free_port(), proxy=proxy,
            pid_file=str(work / "proxy.pid"), db=work / "hub.sqlite",
            cookie=str(work / "cookie_secret"), password=self.password, users=set(users),
            homes=str(self.homes), singleuser=str(folder / "jupyterhub-singleuser"),
            args=args, env=env, token=self.token))
        self.log_path = work / "hub.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(folder / "jupyterhub"), "-f", str(work / "jupyterhub_config.py")],
            cwd=work, stdout=self.log, stderr=subprocess.STDOUT)
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {self.token}"

    def tail(self, lines: int = 40) -> str:
        if not self.log.closed:
            self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_up(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited:\n{self.tail()}")
            try:
                if self.api.get(f"{self.url}/hub/api/", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the hub did not answer in {timeout} s:\n{self.tail()}")

    def call(self, method: str, path: str, **kw):
        r = self.api.request(method, f"{self.url}/hub/api{path}", timeout=60, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.text else None

    def start_servers(self, timeout: float = 240) -> float:
        """Starts every student's server at once; returns the seconds until all are ready."""
        start = time.monotonic()
        for user in self.users:
            self.call("POST", f"/users/{user}/server")
        pending = set(self.users)
        while pending:
            for user in sorted(pending):
                if self.call("GET", f"/users/{user}")["servers"].get("", {}).get("ready"):
                    pending.discard(user)
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"servers not ready in {timeout} s: {pending}\n{self.tail()}")
            time.sleep(0.5)
        return time.monotonic() - start

    def login(self, user: str, link: str) -> requests.Session:
        """A student's browser: opens ``link`` on the hub, logs in at the page it is sent
        to, and lands on their own server's nbgitpuller page."""
        browser = requests.Session()
        r = browser.get(link, timeout=60)
        if "/hub/login" not in r.url:
            raise RuntimeError(f"{link} did not ask {user} to log in: {r.url}")
        r = browser.post(r.url, timeout=60, data={
            "username": user, "password": self.password,
            "_xsrf": browser.cookies.get("_xsrf", path="/hub/")})
        if r.status_code != 200 or f"/user/{user}/git-pull" not in r.url:
            raise RuntimeError(f"{user} did not reach their git-pull page: {r.status_code} {r.url}")
        return browser

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()   # the hub stops the servers and the proxy it started
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Memory(threading.Thread):
    """Samples, every ``period`` s, the RSS of every process whose environment names
    ``JUPYTERHUB_USER``: per user (their server, kernels and git together) and per process."""

    def __init__(self, period: float = 0.5):
        super().__init__(daemon=True)
        self.period, self.stopped = period, threading.Event()
        self.peak_user: dict[str, int] = {}
        self.peak_process: dict[tuple[str, int], tuple[str, int]] = {}
        self._owner: dict[int, str | None] = {}

    def _user_of(self, pid: int) -> str | None:
        if pid not in self._owner:
            user = None
            try:
                for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                    if item.startswith(b"JUPYTERHUB_USER="):
                        user = item.split(b"=", 1)[1].decode()
            except OSError:
                pass
            self._owner[pid] = user
        return self._owner[pid]

    def sample(self) -> None:
        total: dict[str, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or not (user := self._user_of(int(entry))):
                continue
            try:
                status = Path(f"/proc/{entry}/status").read_text()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found = re.search(r"VmRSS:\s+(\d+)", status)
            if not found:
                continue
            mb = int(found.group(1)) // 1024
            kind = ("kernel" if "ipykernel" in cmd else
                    "server" if "jupyterhub-singleuser" in cmd else "git and others")
            total[user] = total.get(user, 0) + mb
            key = (user, int(entry))
            self.peak_process[key] = (kind, max(mb, self.peak_process.get(key, ("", 0))[1]))
        for user, mb in total.items():
            self.peak_user[user] = max(mb, self.peak_user.get(user, 0))

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.period)

    def by_kind(self) -> dict[str, int]:
        """The largest peak RSS (MB) of one process of each kind."""
        out: dict[str, int] = {}
        for kind, mb in self.peak_process.values():
            out[kind] = max(mb, out.get(kind, 0))
        return out


def pull(server: str, browser: requests.Session, query: str) -> tuple[float, list[dict]]:
    """What the student's nbgitpuller page does: reads its event stream to the end."""
    start = time.monotonic()
    events: list[dict] = []
    with browser.get(f"{server}git-pull/api?{query}", stream=True, timeout=300) as r:
        r.raise_for_status()
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if events[-1].get("phase") in ("finished", "error"):
                    break
    return time.monotonic() - start, events


def run_notebook(server: str, token: str, path: str, timeout: float = 900) -> tuple[float, list[str]]:
    """Runs the code cells of the notebook at ``path`` (in the student's home) in a new
    kernel started in its folder, in order, stopping at the first error.
    Returns (seconds from kernel start to the last reply, errors)."""
    api = requests.Session()
    api.headers["Authorization"] = f"token {token}"
    r = api.get(f"{server}api/contents/{urllib.parse.quote(path)}", timeout=60)
    r.raise_for_status()
    cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
             for c in r.json()["content"]["cells"] if c["cell_type"] == "code"]
    start = time.monotonic()
    r = api.post(f"{server}api/kernels", timeout=120,
                 json={"name": "python3", "path": path.rsplit("/", 1)[0]})
    r.raise_for_status()
    kernel = r.json()["id"]
    errors: list[str] = []
    ws = websocket.create_connection(
        server.replace("http", "ws", 1) + f"api/kernels/{kernel}/channels",
        header=[f"Authorization: token {token}"], timeout=timeout)
    try:
        session = uuid.uuid4().hex
        for number, code in enumerate(cells, 1):
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "username": "student", "session": session,
                           "msg_type": "execute_request", "version": "5.3",
                           "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False,
                            "stop_on_error": True}}))
            while True:
                raw = ws.recv()
                if not isinstance(raw, str):
                    continue        # binary frames: widget buffers
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "error":
                    errors.append(f"code cell {number}: {msg['content']['ename']}: "
                                  f"{msg['content']['evalue']}")
                if msg["channel"] == "shell" and msg["msg_type"] == "execute_reply":
                    if msg["content"]["status"] != "ok" and not errors:
                        errors.append(f"code cell {number}: {msg['content']['status']}")
                    break
            if errors:
                break
        seconds = time.monotonic() - start
    finally:
        ws.close()
        api.delete(f"{server}api/kernels/{kernel}", timeout=60)
    return seconds, errors


def at_once(users: list[str], task) -> tuple[float, dict]:
    """``task(user)`` for every user at the same time, one thread each; (wall s, results),
    an exception standing for a result that failed."""
    results: dict = {}

    def one(user):
        try:
            results[user] = task(user)
        except Exception as error:  # noqa: BLE001 -- reported as the student's failure
            results[user] = error

    threads = [threading.Thread(target=one, args=(user,)) for user in users]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - start, results


def readme_link() -> str:
    """The nbgitpuller link of the README's instructor section, with ``<hub>`` in it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"https://<hub>/hub/user-redirect/git-pull\?\S+", readme)
    if not found:
        raise RuntimeError("README.md has no nbgitpuller link https://<hub>/hub/user-redirect/git-pull?…")
    return found.group(0)


def run_class(users: int, notebooks=NOTEBOOKS, log=print) -> dict:
    """The whole class; returns the measurements and every failure (``failures``)."""
    begin = time.monotonic()
    names = [f"student{i}" for i in range(1, users + 1)]
    work = Path(tempfile.mkdtemp(prefix="hub-class-"))
    report: dict = {"users": users, "failures": []}
    failures = report["failures"]
    try:
        link = readme_link()
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        # named like the repository of the README's link (pyproject.toml's Repository), so
        # that nbgitpuller clones into the folder the link's urlpath opens
        origin = work / "origin" / query["repo"].rstrip("/").split("/")[-1].removesuffix(".git")
        subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(origin)], check=True)
        # the spawner passes on only a few variables: these by name.  One BLAS thread per
        # process unless set otherwise: with a kernel per student, more only contend (8
        # students on 2 cores with multi-threaded BLAS did not finish 06 in 5 minutes)
        env = {**{k: "1" for k in BLAS_THREADS},
               **{k: os.environ[k] for k in PASSED_ON if os.environ.get(k)}}
        hub = Hub(work, names, env)
        memory = Memory()
        try:
            hub.wait_up()
            report["hub_start_s"] = round(time.monotonic() - begin, 1)
            tokens = {u: hub.call("POST", f"/users/{u}/tokens", json={"note": "class test"})["token"]
                      for u in names}
            memory.start()
            report["servers_start_s"] = round(hub.start_servers(), 1)
            log(f"hub and {users} servers up in {time.monotonic() - begin:.1f} s")

            query["repo"] = origin.as_uri()
            query_string = urllib.parse.urlencode(query)
            student_link = link.split("?")[0].replace("https://<hub>", hub.url) + "?" + query_string
            browsers = {u: hub.login(u, student_link) for u in names}
            servers = {u: f"{hub.url}/user/{u}/" for u in names}
            landing = query["urlpath"].split("/", 2)[2]      # lab/tree/<path> -> <path>
            target = query.get("targetpath") or query["repo"].rstrip("/").split("/")[-1]

            wall, pulls = at_once(names, lambda u: pull(servers[u], browsers[u], query_string))
            report["pull"] = {"wall_s": round(wall, 1), "per_user_s": {}}
            for u, result in sorted(pulls.items()):
                if isinstance(result, Exception):
                    failures.append(f"{u} pull: {result!r}")
                    continue
                seconds, events = result
                report["pull"]["per_user_s"][u] = round(seconds, 1)
                if not events or events[-1].get("phase") != "finished":
                    failures.append(f"{u} pull: {events[-1:] or 'no events'}")
                elif not (hub.homes / u / landing).is_file():
                    failures.append(f"{u} pull finished without {landing} in their home")
            log(f"pull: {report['pull']}")

            for notebook in notebooks:
                path = f"{target}/notebooks/{notebook}"
                wall, runs = at_once(names, lambda u, path=path: run_notebook(servers[u], tokens[u], path))
                entry = report[notebook] = {"wall_s": round(wall, 1), "per_user_s": {}}
                for u, result in sorted(runs.items()):
                    if isinstance(result, Exception):
                        failures.append(f"{u} {notebook}: {result!r}")
                        continue
                    seconds, errors = result
                    entry["per_user_s"][u] = round(seconds, 1)
                    failures.extend(f"{u} {notebook}: {e}" for e in errors)
                log(f"{notebook}: {entry}")
        finally:
            memory.stopped.set()
            hub.stop()
            report["peak_rss_mb_per_user"] = dict(sorted(memory.peak_user.items()))
            report["peak_rss_mb_per_process_kind"] = memory.by_kind()
            if failures:
                report["hub_log_tail"] = hub.tail()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["total_s"] = round(time.monotonic() - begin, 1)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--notebooks", default=",".join(NOTEBOOKS))
    args = parser.parse_args(argv)
    report = run_class(args.users, args.notebooks.split(","),
                       log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(report, indent=1))
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
