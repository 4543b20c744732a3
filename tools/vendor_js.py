"""Fetch the JavaScript that slides and the HTML site load, so they work with no internet.

    python tools/vendor_js.py [VENDOR_DIR]        (default build/vendor; run by `make slides`)

nbconvert's pages load reveal.js, RequireJS, jQuery, MathJax, Font Awesome and
the Jupyter widget renderer from CDNs.  This downloads each, at a pinned
version, from the npm registry (``npm pack``: the package itself, none of its
build dependencies) and unpacks it into ``build/vendor/<name>/`` (git-ignored).
The pages then point at these copies: see ``tools/editions.py``.

Needs ``npm`` (Node.js) once; afterwards everything is local.  A second run
does nothing unless the pinned versions change.
"""

import fcntl
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: folder under build/vendor -> npm package at a pinned version.
PACKAGES = {
    "reveal.js": "reveal.js@4.6.1",
    "requirejs": "requirejs@2.3.8",
    "jquery": "jquery@3.7.1",
    "mathjax": "mathjax@2.7.9",                 # nbconvert's templates configure MathJax 2
    "font-awesome": "font-awesome@4.7.0",       # icons in the widget renderer's CSS
    "html-manager": "@jupyter-widgets/html-manager@1.0.15",   # widgets (ipywidgets 8)
}

#: Parts of the packages no page loads: unminified sources, source maps, typings.
SKIPPED = ("unpacked/", "src/", "test/", "docs/", "examples/")
SKIPPED_SUFFIXES = (".map", ".d.ts", ".ts")


def wanted(member: tarfile.TarInfo) -> str | None:
    """The path to unpack ``member`` to (without npm's "package/" prefix), or None to skip it."""
    path = member.name.split("/", 1)[1] if "/" in member.name else ""
    if not path or not (member.isfile() or member.isdir()):
        return None
    if path.startswith(SKIPPED) or path.endswith(SKIPPED_SUFFIXES):
        return None
    return path


class NpmMissing(RuntimeError):
    """The JavaScript is not here yet and there is no npm to fetch it."""


def fetch(vendor: Path) -> None:
    """Download and unpack every package in :data:`PACKAGES` into ``vendor``."""
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing("npm not found: install Node.js (https://nodejs.org, or "
                         "`sudo apt-get install npm`). It is needed once, to download "
                         "reveal.js and MathJax for the offline slides and HTML pages.")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, "pack", "--silent", "--json", *PACKAGES.values()],
                                cwd=tmp, check=True, capture_output=True, text=True)
        tarballs = [entry["filename"] for entry in json.loads(result.stdout)]
        for folder, tarball in zip(PACKAGES, tarballs):
            target = vendor / folder
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(Path(tmp) / tarball) as archive:
                for member in archive.getmembers():
                    path = wanted(member)
                    if path is not None:
                        member.name = path
                        archive.extract(member, target, filter="data")


def main(vendor: Path = ROOT / "build" / "vendor") -> Path:
    """Make sure ``vendor`` holds the pinned packages; return it."""
    vendor.mkdir(parents=True, exist_ok=True)
    stamp = vendor / "versions.json"
    # one process fetches while any other (a parallel test worker) waits
    with open(vendor / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and json.loads(stamp.read_text()) == PACKAGES):
            fetch(vendor)
            stamp.write_text(json.dumps(PACKAGES, indent=1) + "\n")
            print(f"JavaScript for offline pages in {vendor}")
    return vendor


if __name__ == "__main__":
    try:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "vendor")
    except NpmMissing as error:
        sys.exit(str(error))
