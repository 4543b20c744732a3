"""The course's repository address, one setting, written into every link that uses it.

The setting is ``Repository`` in pyproject.toml's ``[project.urls]``.  From it this tool
writes:

- README.md, between the ``course-links`` markers in the instructor section: the Binder
  badge, the nbgitpuller link that opens the contents, a link per notebook (Binder and
  nbgitpuller) and the repo2docker command that builds the students' image;
- deploy/zero-to-jupyterhub/config.yaml (the lines marked ``make links``): the image's
  name (ghcr.io or GitLab's registry, unless set by hand for another registry), the
  repo2docker command that builds it, and ``singleuser.defaultUrl``, the nbgitpuller page
  a new server opens.

    python tools/course_links.py                     # rewrite them from the setting
    python tools/course_links.py --repository URL    # change the setting, then rewrite
    python tools/course_links.py --check             # exit 1 if any is out of date

(``make links REPOSITORY=URL`` runs the second.)  nbgitpuller links are built as
nbgitpuller's own link generator builds them (docs/_static/link_gen/link.js: the query
``repo``, ``urlpath``, ``branch`` in that order, form-encoded; the folder in ``urlpath`` is
the one ``git clone`` makes, the address's last part without ``.git``).
tests/test_repository_address.py checks the files against the setting.  Standard library
only, so that it runs before the course's environment exists.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "README.md"
CONFIG = ROOT / "deploy" / "zero-to-jupyterhub" / "config.yaml"

#: The address the course ships with, until an instructor sets theirs.
PLACEHOLDER = "https://github.com/OWNER/nn-from-scratch"
#: How the placeholder shows in any file, in any case (an image name is lower case).
PLACEHOLDER_NAME = "owner/nn-from-scratch"
#: The branch students pull and Binder builds.
BRANCH = "main"
#: The page every link opens first: the course's table of contents.
CONTENTS = "notebooks/00_contents.md"
#: What the README shows for the instructor's hub, which this tool does not know.
HUB = "https://<hub>"

BEGIN = "<!-- course-links: begin -->"
END = "<!-- course-links: end -->"
URLS_TABLE = re.compile(r"^\[project\.urls\][ \t]*\n(?:(?!\[).*\n)*", re.M)
REPOSITORY_LINE = re.compile(r'^Repository[ \t]*=[ \t]*"([^"]*)"[ \t]*$', re.M)


class AddressError(ValueError):
    """A repository address the links cannot be built from."""


# --- the setting -----------------------------------------------------------------------------

def read_repository(pyproject: str) -> str:
    """``Repository`` of pyproject.toml's ``[project.urls]`` (the text of the file)."""
    table = URLS_TABLE.search(pyproject)
    line = REPOSITORY_LINE.search(table.group(0)) if table else None
    if not line:
        raise AddressError('pyproject.toml has no [project.urls] Repository = "https://..."')
    return line.group(1)


def with_repository(pyproject: str, address: str) -> str:
    """pyproject.toml's text with ``Repository`` set to ``address``, nothing else changed."""
    table = URLS_TABLE.search(pyproject)
    if not table or not REPOSITORY_LINE.search(table.group(0)):
        raise AddressError('pyproject.toml has no [project.urls] Repository = "https://..."')
    new_table = REPOSITORY_LINE.sub(f'Repository = "{address}"', table.group(0), count=1)
    return pyproject[:table.start()] + new_table + pyproject[table.end():]


def normalise(address: str) -> str:
    """``address`` as the links use it: ``https://host/owner/name``, without ``.git`` or a
    trailing slash.  Anything else is refused with what to write instead."""
    address = address.strip().rstrip("/").removesuffix(".git")
    parts = urlsplit(address)
    path = [part for part in parts.path.split("/") if part]
    if (parts.scheme != "https" or not parts.netloc or len(path) < 2 or parts.query
            or parts.fragment or "@" in parts.netloc or re.search(r"\s", address)):
        raise AddressError(
            f"{address!r} is not a repository address the links can use: give the public "
            "https address of the repository, as https://github.com/you/nn-from-scratch")
    return address


def is_placeholder(address: str) -> bool:
    return normalise(address) == PLACEHOLDER


# --- links -------------------------------------------------------------------------------------

def clone_folder(address: str) -> str:
    """The folder ``git clone address`` makes, and nbgitpuller pulls into."""
    return normalise(address).split("/")[-1]


def pull_query(address: str, path: str, branch: str = BRANCH) -> str:
    """nbgitpuller's query: clone or update ``address`` and open ``path`` (from the
    repository's root) in JupyterLab."""
    urlpath = f"lab/tree/{clone_folder(address)}/{path}"
    return urlencode([("repo", normalise(address)), ("urlpath", urlpath), ("branch", branch)])


def nbgitpuller_link(address: str, path: str, hub: str = HUB, branch: str = BRANCH) -> str:
    """The link a student clicks on ``hub``: log in, pull the course, open ``path``."""
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{pull_query(address, path, branch)}"


def default_url(address: str, branch: str = BRANCH) -> str:
    """z2jh's ``singleuser.defaultUrl``: the same pull, from a new server's own address."""
    return f"/git-pull?{pull_query(address, CONTENTS, branch)}"


def binder_link(address: str, path: str, branch: str = BRANCH) -> str:
    """mybinder.org's launch link for ``path`` of the repository at ``address``."""
    address = normalise(address)
    parts = urlsplit(address)
    repository = parts.path.strip("/")
    if parts.netloc == "github.com":
        spec = f"gh/{repository}"
    elif parts.netloc == "gitlab.com":
        spec = f"gl/{quote(repository, safe='')}"
    else:
        spec = f"git/{quote(address, safe='')}"
    return f"https://mybinder.org/v2/{spec}/{branch}?urlpath=lab/tree/{path}"


def image_name(address: str) -> str | None:
    """The registry name of the students' image, where the host has a known one."""
    address = normalise(address)
    parts = urlsplit(address)
    repository = parts.path.strip("/").lower()
    registry = {"github.com": "ghcr.io", "gitlab.com": "registry.gitlab.com"}.get(parts.netloc)
    return f"{registry}/{repository}" if registry else None


def notebooks(root: Path = ROOT) -> list[tuple[str, str]]:
    """(path from the repository's root, title) of each numbered notebook, in order."""
    found = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        title = path.stem
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"]).strip()
            if cell["cell_type"] == "markdown" and source.startswith("# "):
                title = source.splitlines()[0][2:].strip()
                break
        found.append((path.relative_to(root).as_posix(), title))
    return found


# --- the files --------------------------------------------------------------------------------

IMAGE_LINE = re.compile(r"^(\s*name:[ \t]*)(\S+)([ \t]*# written by make links[^\n]*)$", re.M)
TAG_LINE = re.compile(r'^\s*tag:[ \t]*"([^"]+)"', re.M)
DEFAULT_URL_LINE = re.compile(r'^(\s*defaultUrl:[ \t]*)"[^"]*"([ \t]*# written by make links)',
                              re.M)
BUILD_COMMAND = re.compile(r"^([ \t]*)#   jupyter-repo2docker .*\n(?:\1#     .*\n)*", re.M)


def config_image(config: str) -> tuple[str, str]:
    """(name, tag) of the students' image in config.yaml."""
    name, tag = IMAGE_LINE.search(config), TAG_LINE.search(config)
    if not name or not tag:
        raise AddressError(f"{CONFIG.name}: no image name marked 'written by make links' "
                           "or no quoted tag")
    return name.group(2), tag.group(1)


def build_command(address: str, image: str) -> str:
    """repo2docker's command that builds the students' image from the repository and
    pushes it (the image name includes its tag)."""
    return (f"jupyter-repo2docker --no-run --push --user-id 1000 --user-name jovyan \\\n"
            f"    --target-repo-dir /srv/repo --ref {BRANCH} --image-name {image} \\\n"
            f"    {normalise(address)}")


def written_config(config: str, address: str, previous: str | None = None) -> str:
    """config.yaml with the image's build command and defaultUrl for ``address``, and the
    image's name while it is the one derived from the ``previous`` address (or the
    placeholder's): a name set by hand, for another registry, is kept."""
    name, tag = config_image(config)
    if PLACEHOLDER_NAME in name.lower() or name == image_name(previous or address):
        name = image_name(address)
        if name is None:
            raise AddressError(
                f"{urlsplit(address).netloc} has no registry this tool knows: set "
                f"singleuser.image.name in {CONFIG.relative_to(ROOT)} to your registry's "
                "name for the image (keep its '# written by make links' comment), then "
                "run this again")
    config = IMAGE_LINE.sub(lambda m: m.group(1) + name + m.group(3), config, count=1)
    command = build_command(address, f"{name}:{tag}").splitlines()
    if not BUILD_COMMAND.search(config):
        raise AddressError(f"{CONFIG.name}: no '#   jupyter-repo2docker ...' command")
    config = BUILD_COMMAND.sub(lambda m: "".join(f"{m.group(1)}#   {line}\n" for line in command),
                               config, count=1)
    if not DEFAULT_URL_LINE.search(config):
        raise AddressError(f'{CONFIG.name}: no defaultUrl: "..." marked "written by make links"')
    return DEFAULT_URL_LINE.sub(lambda m: f'{m.group(1)}"{default_url(address)}"{m.group(2)}',
                                config, count=1)


def readme_block(address: str, image: str, root: Path = ROOT) -> str:
    """The README's generated links, between the markers (included)."""
    address = normalise(address)
    lines = [BEGIN]
    if is_placeholder(address):
        lines += [
            "**Set the repository address first** (above): until then these links point at",
            f"`{PLACEHOLDER}`, which does not exist.",
            ""]
    contents_binder = binder_link(address, CONTENTS)
    lines += [
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({contents_binder})",
        "",
        "On your own JupyterHub, with the course environment as the users' image (below),",
        "send students this link, with `<hub>` your hub's address. The first click clones",
        "the course into their home folder; later clicks pull your updates without",
        "overwriting their work:",
        "",
        "```",
        nbgitpuller_link(address, CONTENTS),
        "```",
        "",
        "A link per notebook pulls the course in the same way, then opens that notebook:",
        "",
        "| Notebook | Binder | JupyterHub (`<hub>` as above) |",
        "|---|---|---|",
    ]
    for path, title in notebooks(root):
        lines.append(f"| {title} | [launch]({binder_link(address, path)}) | "
                     f"[git-pull]({nbgitpuller_link(address, path)}) |")
    lines += [
        "",
        "The users' image is built from the repository by repo2docker and pushed to your",
        "registry (`deploy/zero-to-jupyterhub/config.yaml` names the same image):",
        "",
        "```",
        build_command(address, image),
        "```",
        END,
    ]
    return "\n".join(lines)


def written_readme(readme: str, address: str, image: str, root: Path = ROOT) -> str:
    begin, end = readme.find(BEGIN), readme.find(END)
    if begin < 0 or end < begin:
        raise AddressError(f"README.md has no {BEGIN} ... {END} block")
    return readme[:begin] + readme_block(address, image, root) + readme[end + len(END):]


def write_all(root: Path = ROOT, address: str | None = None) -> list[Path]:
    """Set the address (if given) and rewrite the files from it; returns those changed."""
    paths = {"pyproject": root / PYPROJECT.relative_to(ROOT),
             "readme": root / README.relative_to(ROOT), "config": root / CONFIG.relative_to(ROOT)}
    old = {key: path.read_text(encoding="utf-8") for key, path in paths.items()}
    new = dict(old)
    previous = normalise(read_repository(old["pyproject"]))
    if address is not None:
        new["pyproject"] = with_repository(old["pyproject"], normalise(address))
    address = normalise(read_repository(new["pyproject"]))
    new["config"] = written_config(old["config"], address, previous)
    name, tag = config_image(new["config"])
    new["readme"] = written_readme(old["readme"], address, f"{name}:{tag}", root)
    changed = []
    for key, path in paths.items():
        if new[key] != old[key]:
            path.write_text(new[key], encoding="utf-8")
            changed.append(path)
    return changed


def out_of_date(root: Path = ROOT) -> list[Path]:
    """The files that do not say what the setting says."""
    pyproject = (root / PYPROJECT.relative_to(ROOT)).read_text(encoding="utf-8")
    address = normalise(read_repository(pyproject))
    config = (root / CONFIG.relative_to(ROOT)).read_text(encoding="utf-8")
    readme = (root / README.relative_to(ROOT)).read_text(encoding="utf-8")
    stale = []
    new_config = written_config(config, address)
    if new_config != config:
        stale.append(root / CONFIG.relative_to(ROOT))
    name, tag = config_image(new_config)
    if written_readme(readme, address, f"{name}:{tag}", root) != readme:
        stale.append(root / README.relative_to(ROOT))
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", help="set the repository address first "
                        "(https://github.com/you/nn-from-scratch)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = out_of_date()
            for path in stale:
                print(f"{path.relative_to(ROOT)} is out of date with pyproject.toml's "
                      "Repository: run make links")
            return 1 if stale else 0
        changed = write_all(address=args.repository)
        address = read_repository(PYPROJECT.read_text(encoding="utf-8"))
    except AddressError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"wrote {path.relative_to(ROOT)}")
    print(f"repository: {address}")
    if is_placeholder(address):
        print("the links still use the placeholder: make links "
              "REPOSITORY=https://github.com/you/nn-from-scratch", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
