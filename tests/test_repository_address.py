"""The repository's address is one setting: pyproject.toml's ``[project.urls] Repository``.

tools/course_links.py (``make links REPOSITORY=...``) writes it into README.md (the Binder
badge, the nbgitpuller links, a link per notebook, the repo2docker command) and into
deploy/zero-to-jupyterhub/config.yaml (the image, ``singleuser.defaultUrl``).  Checked here:

- every link, the badge and the config agree with the setting, and the files are exactly
  what the tool writes from it (a link edited by hand, or a setting changed without
  ``make links``, fails);
- while the setting is the placeholder, the README says to set it;
- with a real address set (``make links`` in a copy of the repository's files), the
  placeholder is left nowhere but where it is defined, the README no longer asks, and
  every link opens a file that exists;
- the nbgitpuller links are the ones nbgitpuller's own link generator builds (its
  JavaScript, run in Node), and bad addresses are refused with what to write instead.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests import hub_class
from tests.offline_data import ON_CI
from tests.test_binder import launch_links
from tests.toml_reader import tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import course_links  # noqa: E402

#: Where the placeholder may stay once a real address is set: where it is defined and tested.
DEFINES_PLACEHOLDER = {"tools/course_links.py", "tests/test_repository_address.py"}
REAL = "https://github.com/me/course"


def setting(root: Path = ROOT) -> str:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["urls"]["Repository"]


def read(root: Path, name: str) -> str:
    return (root / name).read_text(encoding="utf-8")


def check_links_follow(root: Path, address: str) -> None:
    """Every link and config value in ``root`` uses ``address`` and opens an existing file."""
    readme = read(root, "README.md")
    folder = course_links.clone_folder(address)
    links = launch_links(readme)
    pulls = [link for link in links if "git-pull" in link[0]]
    binders = [link for link in links if "mybinder.org" in link[0]]
    numbered = course_links.notebooks(root)
    assert len(pulls) == len(binders) == 1 + len(numbered), [link for link, _, _ in links]
    for link, paths, branch in pulls:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        assert query["repo"] == address, link
        assert query["urlpath"].startswith(f"lab/tree/{folder}/"), link
        assert branch == [course_links.BRANCH], link
        assert paths and all((root / path).is_file() for path in paths), link
    for link, paths, _ in binders:
        assert link == course_links.binder_link(address, paths[0]), link
        assert (root / paths[0]).is_file(), link
    assert {paths[0] for _, paths, _ in pulls} == (
        {course_links.CONTENTS} | {path for path, _ in numbered})
    config = yaml.safe_load(read(root, "deploy/zero-to-jupyterhub/config.yaml"))
    url = config["singleuser"]["defaultUrl"]
    assert url == course_links.default_url(address)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["repo"] == address
    assert (root / query["urlpath"].removeprefix(f"lab/tree/{folder}/")).is_file()
    image = config["singleuser"]["image"]
    assert course_links.PLACEHOLDER_NAME not in image["name"] or course_links.is_placeholder(
        address)
    command = course_links.build_command(address, f"{image['name']}:{image['tag']}")
    assert f"```\n{command}\n```" in readme, "README: no repo2docker command for the image"


# --- this checkout ---------------------------------------------------------------------------

def test_the_tool_reads_the_setting_as_toml_does():
    text = read(ROOT, "pyproject.toml")
    assert course_links.read_repository(text) == setting()
    changed = tomllib.loads(course_links.with_repository(text, REAL))
    original = tomllib.loads(text)
    assert changed["project"].pop("urls") == {"Repository": REAL}
    original["project"].pop("urls")
    assert changed == original            # nothing else changed


def test_the_files_are_written_from_the_setting():
    stale = course_links.out_of_date()
    assert stale == [], f"{[str(p.relative_to(ROOT)) for p in stale]}: run make links"


def test_every_link_badge_and_config_value_uses_the_setting():
    check_links_follow(ROOT, course_links.normalise(setting()))


def test_the_readme_says_to_set_the_placeholder_address():
    asks = "Set the repository address first" in read(ROOT, "README.md")
    assert asks == course_links.is_placeholder(setting())
    assert "make links REPOSITORY=" in read(ROOT, "README.md")


def test_the_hub_test_opens_the_readmes_contents_link():
    assert hub_class.readme_link() == course_links.nbgitpuller_link(setting(),
                                                                   course_links.CONTENTS)


# --- a real address --------------------------------------------------------------------------

def copy_of_repository(target: Path) -> Path:
    """The files git tracks, and this checkout's tools and tests (new ones may not be
    committed yet)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    extra = ["tools/course_links.py", "tests/test_repository_address.py"]
    for name in {*filter(None, files), *extra}:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def placeholders(root: Path) -> list[str]:
    """Files that still hold the placeholder (any case: an image name is lower case)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        if course_links.PLACEHOLDER_NAME in text and name not in DEFINES_PLACEHOLDER:
            found.append(name)
    return found


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A copy of the repository whose address was set as the README says."""
    root = copy_of_repository(tmp_path_factory.mktemp("published"))
    assert placeholders(root), "the copy should start with the placeholder"
    result = subprocess.run(["make", "links", f"REPOSITORY={REAL}.git/"], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result.stdout


def test_a_real_address_leaves_no_placeholder(published):
    root, _ = published
    assert placeholders(root) == []
    assert setting(root) == REAL          # stored without .git and the slash


def test_a_real_address_is_in_every_link(published):
    root, output = published
    check_links_follow(root, REAL)
    assert "Set the repository address first" not in read(root, "README.md")
    assert course_links.out_of_date(root) == []
    readme = read(root, "README.md")
    assert ("https://mybinder.org/v2/gh/me/course/main?urlpath=lab/tree/notebooks/00_contents.md"
            in readme)
    assert ("https://<hub>/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fme%2Fcourse"
            "&urlpath=lab%2Ftree%2Fcourse%2Fnotebooks%2F00_contents.md&branch=main") in readme
    assert "ghcr.io/me/course:1" in readme and "wrote README.md" in output


def test_make_links_again_changes_nothing(published):
    root, _ = published
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = subprocess.run(["make", "links"], cwd=root, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "wrote" not in result.stdout, result.stdout
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_host_without_a_known_registry_needs_the_image_name(tmp_path):
    root = copy_of_repository(tmp_path)
    result = subprocess.run(["make", "links", "REPOSITORY=https://git.example.edu/ml/course"],
                            cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "singleuser.image.name" in result.stderr, result.stderr
    assert setting(root) == course_links.PLACEHOLDER          # nothing was written
    config = root / "deploy" / "zero-to-jupyterhub" / "config.yaml"
    config.write_text(read(root, "deploy/zero-to-jupyterhub/config.yaml").replace(
        "ghcr.io/owner/nn-from-scratch", "registry.example.edu/ml/course"))
    result = subprocess.run(["make", "links", "REPOSITORY=https://git.example.edu/ml/course"],
                            cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert placeholders(root) == []
    assert "https://mybinder.org/v2/git/https%3A%2F%2Fgit.example.edu%2Fml%2Fcourse/main?" in read(
        root, "README.md")


def test_an_image_name_set_by_hand_is_kept(tmp_path):
    root = copy_of_repository(tmp_path)
    config = root / "deploy" / "zero-to-jupyterhub" / "config.yaml"
    subprocess.run(["make", "links", f"REPOSITORY={REAL}"], cwd=root, check=True,
                   capture_output=True)
    assert "name: ghcr.io/me/course  # written by make links" in config.read_text()
    config.write_text(config.read_text().replace("ghcr.io/me/course", "docker.io/me/nn"))
    subprocess.run(["make", "links", "REPOSITORY=https://github.com/me/course2"], cwd=root,
                   check=True, capture_output=True)
    text = config.read_text()
    assert "name: docker.io/me/nn  # written by make links" in text
    assert "--image-name docker.io/me/nn:1" in text and "github.com/me/course2" in text
    assert "--image-name docker.io/me/nn:1" in read(root, "README.md")
    check_links_follow(root, "https://github.com/me/course2")


@pytest.mark.parametrize("address", ["git@github.com:me/course.git", "http://github.com/me/course",
                                     "https://github.com/me", "https://github.com/me/course?x=1",
                                     "github.com/me/course", "https://github.com/me/my course"])
def test_addresses_the_links_cannot_use_are_refused(address):
    with pytest.raises(course_links.AddressError, match="https://github.com/you/nn-from-scratch"):
        course_links.normalise(address)


# --- nbgitpuller's own link generator ----------------------------------------------------------

#: From nbgitpuller's link generator (github.com/jupyterhub/nbgitpuller,
#: docs/_static/link_gen/link.js, BSD-3-Clause), unchanged: how it builds a link, and the
#: folder it expects the clone in.
NBGITPULLER_LINK_JS = r"""
function generateRegularUrl(hubUrl, serverPath, urlPath, repoUrl, branch, targetPath) {

    // assume hubUrl is a valid URL
    var url = new URL(hubUrl);

    url.searchParams.set('repo', repoUrl);

    if (urlPath) {
        url.searchParams.set('urlpath', urlPath);
    }

    if (branch) {
        url.searchParams.set('branch', branch);
    }

    if (targetPath) {
        url.searchParams.set('targetPath', targetPath);
    }

    if (!url.pathname.endsWith('/')) {
        url.pathname += '/'
    }

    if (serverPath) {
        url.pathname += 'hub/user-redirect/'+serverPath+'/git-pull';
    } else {
        url.pathname += 'hub/user-redirect/git-pull';
    }

    return url.toString();
}

function generateCloneDirectoryName(gitCloneUrl) {
    var lastPart = gitCloneUrl.split('/').slice(-1)[0];
    return lastPart.split(':').slice(-1)[0].replace(/(\.git|\.bundle)?/, '');
}
"""
# its JupyterLab app: apps.jupyterlab.generateUrlPath(repoName + '/' + filePath)
GENERATE = NBGITPULLER_LINK_JS + r"""
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map(([hub, repo, file, branch]) => generateRegularUrl(
    hub, '', 'lab/tree/' + generateCloneDirectoryName(repo) + '/' + file, repo, branch, ''))));
"""


def test_nbgitpuller_links_are_the_ones_its_link_generator_builds():
    node = shutil.which("node")
    if not node:
        if ON_CI:
            pytest.fail("no node: .ci/run installs npm, which brings it")
        pytest.skip("no node to run nbgitpuller's link generator")
    hub = "https://hub.example.org"
    paths = [course_links.CONTENTS] + [path for path, _ in course_links.notebooks()]
    addresses = [setting(), REAL, "https://gitlab.com/group/sub/ml-course_2"]
    cases = [[hub, address, path, course_links.BRANCH] for address in addresses for path in paths]
    result = subprocess.run([node, "-e", GENERATE], input=json.dumps(cases), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = json.loads(result.stdout)
    ours = [course_links.nbgitpuller_link(address, path, hub=hub) for _, address, path, _ in cases]
    assert ours == expected


def test_the_readme_link_is_the_generators_with_hub_left_open():
    # the README writes <hub> where the generator needs a real address
    ours = course_links.nbgitpuller_link(setting(), course_links.CONTENTS, hub="https://h.org")
    assert hub_class.readme_link() == ours.replace("https://h.org", "https://<hub>")
    assert re.fullmatch(r"https://<hub>/hub/user-redirect/git-pull\?repo=[^&\s]+&urlpath=[^&\s]+"
                        r"&branch=main", hub_class.readme_link())
