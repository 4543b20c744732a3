"""MNIST: the four official files, found or downloaded, checked, and read as numpy arrays.

Notebook 06 loads it in one line::

    from nblib.mnist import load_mnist, to_float32

    data = load_mnist()                     # data.X_train: (50000, 28, 28) uint8, ...
    X_batch = to_float32(data.X_train[:64])  # (64, 784) float32 in [0, 1]

Where the files come from, first match wins:

1. ``load_mnist(mnist_dir=...)``, else the ``MNIST_DIR`` environment variable: a folder
   that already holds the four ``.gz`` files (a classroom copy, a machine without
   internet).  Nothing is downloaded.  The files are checked against the folder's own
   ``SHA256SUMS`` (``sha256sum`` format) when it has one, else against the published
   checksums.  Files in that folder are never changed or removed.
2. The download cache, :func:`cache_folder` (``data/cache/mnist`` in the course folder;
   ``NBLIB_CACHE`` moves it): files downloaded before, checked again on every load.  A
   cached file with other bytes (perhaps the user's own copy) is never deleted: it is
   moved aside to ``NAME.rejected`` (``NAME.rejected-2``, ... if that exists), with a
   warning, and the file is downloaded afresh.
3. A download (~11 MB, once) from :data:`MIRRORS`, tried in order.  The HTTP status, the
   gzip signature, the length and the SHA-256 are checked; each file is written under a
   temporary name (``.NAME.*.part``) and renamed only once it is complete and correct.

A download always ends.  ``timeout`` bounds every wait for the server (connecting, each
read), and each file has a deadline of ``timeout + size / MIN_RATE`` seconds from the
request, ``size`` being the published size of the file (else the length the server
announces): a mirror slower than :data:`MIN_RATE` (50 kB/s) over the whole file counts as
stalled, and the next mirror is tried.  The deadline is checked between reads and, for
a server that trickles its headers or stops mid-read, enforced by shutting the
connection down when it passes.  A mirror that fails (refused, HTTP error, not a
valid ``http(s)://`` URL, stalled, wrong file) is reported and the next one is tried; a
:class:`MNISTWarning` lists the failures when a later mirror succeeds (one warning per
download), a :class:`DownloadError` when none does.

A download that was killed (SIGKILL, SIGTERM, a crash) leaves its ``.NAME.*.part`` file
behind; the next download into the same cache removes it.  Each download holds an
exclusive ``flock`` on its ``.part`` file while it runs, and only files whose lock can be
taken (their process has ended) are removed, so a download running in another process
is left alone.  Where ``fcntl`` does not exist (Windows), ``.part`` files older than one
day are removed instead.

The files are gzip-compressed IDX files: a magic number, the dimensions as big-endian
32-bit integers, then the pixels (or labels) as unsigned bytes.  They are parsed with
numpy, never with pickle.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import http.client
import math
import numbers
import os
import re
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from nblib.paths import cache_dir

try:
    import fcntl
except ImportError:  # Windows: stale .part files are recognised by their age instead
    fcntl = None

#: Where the official files are downloaded from, in order (the original host,
#: yann.lecun.com, often refuses automated downloads).
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

#: Published SHA-256 of the official ``.gz`` files: what a download must match.
SHA256 = MappingProxyType({
    TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
})

#: Published sizes of the official ``.gz`` files in bytes: they set each file's deadline.
SIZES = MappingProxyType({
    TRAIN_IMAGES: 9_912_422,
    TRAIN_LABELS: 28_881,
    TEST_IMAGES: 1_648_877,
    TEST_LABELS: 4_542,
})

#: The slowest transfer that still counts as working, in bytes per second: a file must
#: arrive within ``timeout + size / MIN_RATE`` seconds (30 s + 198 s for the 9.9 MB
#: training images with the default timeout).
MIN_RATE = 50_000

ENV_VAR = "MNIST_DIR"
N_VAL = 10_000  # the last 10,000 training images are the validation set
IMAGE_SHAPE = (28, 28)
PIXELS = 28 * 28

_CHUNK = 1 << 20
_MAX_BYTES = 1 << 30  # 20 times the largest MNIST file: a bigger header is a damaged one
_GZIP_MAGIC = b"\x1f\x8b"
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")
_PART = re.compile(r"\.(?:" + "|".join(map(re.escape, FILES)) + r")\.[^/\\]+\.part")
_STALE_PART_AGE = 24 * 3600  # seconds; only where fcntl (flock) does not exist


class MNISTError(Exception):
    """MNIST could not be found, downloaded, checked or read; the message says what to do."""


class DownloadError(MNISTError):
    """No mirror delivered a complete file with the expected checksum."""


class ChecksumError(MNISTError):
    """A file's SHA-256 differs from the expected one, or a SHA256SUMS file is unusable."""


class FormatError(MNISTError):
    """A file is not a complete gzip-compressed IDX file of the expected kind."""


class MissingFileError(MNISTError, FileNotFoundError):
    """A path given to one of the file readers names no file (a FileNotFoundError too)."""


class MNISTWarning(UserWarning):
    """The loader went on after a problem: a mirror failed, or a cached file was moved aside."""


class MNIST(NamedTuple):
    """MNIST in three parts.  Every array is uint8; none is a copy of another.

    Unpacks in this order: ``X_train, y_train, X_val, y_val, X_test, y_test = load_mnist()``.

    Attributes
    ----------
    X_train : array of uint8, shape (50000, 28, 28)
        Gray levels, 0 (background) to 255 (ink).
    y_train : array of uint8, shape (50000,)
        The digit each image shows, 0 to 9.
    X_val, y_val : arrays of uint8, shapes (10000, 28, 28) and (10000,)
        The last 10,000 images of the official training set, held out for choosing
        hyperparameters.
    X_test, y_test : arrays of uint8, shapes (10000, 28, 28) and (10000,)
        The official test set.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        # The default repr would print six arrays of pixels.
        shapes = ", ".join(f"{name}: {getattr(self, name).shape}" for name in self._fields)
        return f"MNIST({shapes}; uint8)"


def load_mnist(mnist_dir: str | os.PathLike | None = None, *, n_val: int = N_VAL,
               cache: str | os.PathLike | None = None, mirrors: Sequence[str] = MIRRORS,
               sha256: Mapping[str, str] = SHA256, progress: bool = True,
               timeout: float = 30.0) -> MNIST:
    """Load MNIST: 50,000 training, 10,000 validation and 10,000 test images with labels.

    Reads the four files from ``mnist_dir`` (else ``$MNIST_DIR``) or from the download
    cache, downloading what is missing (~11 MB, once).  Prints nothing but a progress bar
    while downloading (and a :class:`MNISTWarning` if a mirror failed or a cached file
    was moved aside).  Used in notebook 06.

    Parameters
    ----------
    mnist_dir : str or Path, optional
        A folder that already holds the four ``.gz`` files; nothing is downloaded.  Its
        ``SHA256SUMS``, if present, is checked, else the published checksums are.
        Defaults to the ``MNIST_DIR`` environment variable when that is set.
    n_val : int
        How many of the last training images become the validation set (0 for none).
    cache : str or Path, optional
        Where downloads are kept; defaults to :func:`cache_folder`.
    mirrors : sequence of str
        Base URLs (``http://`` or ``https://``) tried in order; each must serve the four
        files by name.  A malformed one counts as a failed mirror.
    sha256 : mapping of file name to hex digest
        What the downloaded (or ``SHA256SUMS``-less ``mnist_dir``) files must match.
    progress : bool
        Show a ``tqdm.auto`` progress bar while downloading.
    timeout : float
        A positive finite number of seconds: the longest wait for a mirror to connect or
        to send more data.  Each file also has a deadline of ``timeout + size /
        MIN_RATE`` seconds (``MIN_RATE`` = 50 kB/s; 228 s for the training images with
        the default 30 s); a mirror that misses it counts as stalled and the next one is
        tried.

    Returns
    -------
    MNIST
        A named tuple ``(X_train, y_train, X_val, y_val, X_test, y_test)``; images are
        uint8 of shape (n, 28, 28), labels uint8 of shape (n,).  Convert images with
        :func:`to_float32`, one mini-batch at a time.

    Raises
    ------
    MNISTError
        A file is missing, cannot be downloaded (:class:`DownloadError`), has the wrong
        checksum (:class:`ChecksumError`) or is not a valid IDX file (:class:`FormatError`),
        or the download cache cannot be written (read-only, no space, ...).
    TypeError, ValueError
        An argument of the wrong type or value (raised before any network access).
    """
    if isinstance(n_val, bool) or not isinstance(n_val, (int, np.integer)) or n_val < 0:
        raise ValueError(f"n_val must be a non-negative integer, got {n_val!r}")
    timeout = _checked_timeout(timeout)
    progress = _checked_progress(progress)
    if mnist_dir is not None:
        mnist_dir = _checked_path(mnist_dir, "mnist_dir")
    if cache is not None:
        cache = _checked_path(cache, "cache")
    if mnist_dir is None:
        mnist_dir = os.environ.get(ENV_VAR) or None  # an empty MNIST_DIR counts as unset
    if mnist_dir is not None:
        paths = check_folder(mnist_dir, sha256=sha256)
    else:
        paths = download_mnist(cache, mirrors=mirrors, sha256=sha256, progress=progress,
                               timeout=timeout)

    X, y = _read_pair(paths[TRAIN_IMAGES], paths[TRAIN_LABELS])
    if n_val >= len(X):
        raise ValueError(f"n_val must be smaller than the {len(X):,} training images, "
                         f"got {n_val:,}")
    X_test, y_test = _read_pair(paths[TEST_IMAGES], paths[TEST_LABELS])
    split = len(X) - n_val
    # Slices are views: the training and validation sets share one buffer, no copy.
    return MNIST(X[:split], y[:split], X[split:], y[split:], X_test, y_test)


def to_float32(images) -> np.ndarray:
    """Images as rows of 784 float32 pixels in [0, 1] (gray level / 255).

    Converts only what it is given, so a training loop can convert one mini-batch at a
    time: all 50,000 training images as float32 take 157 MB, a batch of 64 takes 200 kB.

    Parameters
    ----------
    images : array of uint8, shape (n, 28, 28) or (n, 784)
        Images as :func:`load_mnist` returns them, or a slice of them.

    Returns
    -------
    X : array of float32, shape (n, 784)
        Row ``i`` is image ``i`` read row by row; 0 stays 0.0 and 255 becomes 1.0.

    Examples
    --------
    >>> X_batch = to_float32(data.X_train[i:i + batch_size])   # (batch_size, 784)
    """
    try:
        images = np.asarray(images)
    except (ValueError, TypeError):
        raise ValueError("images must be an array of uint8 images, shape (n, 28, 28) or "
                         "(n, 784); got rows of different lengths") from None
    if images.dtype != np.uint8:
        raise TypeError("images must hold the uint8 gray levels that load_mnist returns, "
                        f"got dtype {images.dtype}")
    if not ((images.ndim == 3 and images.shape[1:] == IMAGE_SHAPE)
            or (images.ndim == 2 and images.shape[1] == PIXELS)):
        hint = "; for one image pass images[i:i + 1]" if images.shape == IMAGE_SHAPE else ""
        raise ValueError(f"images must have shape (n, 28, 28) or (n, 784), got {images.shape}"
                         + hint)
    X = images.astype(np.float32)  # the only allocation; the division below is in place
    X /= 255
    return X.reshape(len(X), PIXELS)


# --- finding and downloading the files ---------------------------------------------------------


def cache_folder() -> Path:
    """Where downloaded MNIST files are kept: ``nblib.paths.cache_dir() / "mnist"``."""
    return cache_dir() / "mnist"


def check_folder(folder: str | os.PathLike, *,
                 sha256: Mapping[str, str] = SHA256) -> dict[str, Path]:
    """Check a folder that should already hold the four MNIST files, as ``MNIST_DIR`` does.

    The files are checked against the folder's ``SHA256SUMS`` if it has one, else against
    ``sha256``.  Nothing in the folder is changed.

    Returns
    -------
    dict of file name to Path
        The four files.

    Raises
    ------
    MNISTError
        The folder or a file is missing or unreadable, or ``SHA256SUMS`` does not list a
        file.
    ChecksumError
        A file's SHA-256 differs from the expected one, or ``SHA256SUMS`` is not a
        usable ``sha256sum`` file (see :func:`read_sha256sums`).
    """
    folder = _checked_path(folder, "folder").expanduser()
    use = (f"Point {ENV_VAR} (or load_mnist's mnist_dir) at a folder holding "
           f"{', '.join(FILES)}, or unset {ENV_VAR} to download them (~11 MB).")
    if not folder.is_dir():
        raise MNISTError(f"The MNIST folder {folder} does not exist or is not a folder.\n{use}")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise MNISTError(f"The MNIST folder {folder} has no {', '.join(missing)}.\n{use}")

    sums_file = folder / "SHA256SUMS"
    try:
        if sums_file.is_file():
            expected, origin = read_sha256sums(sums_file), f"from {sums_file}"
            unlisted = [name for name in FILES if name not in expected]
            if unlisted:
                raise MNISTError(f"{sums_file} lists no checksum for {', '.join(unlisted)}.\n"
                                 "Add it (sha256sum *.gz > SHA256SUMS) or remove SHA256SUMS to "
                                 "check the files against the published checksums.")
        else:
            expected, origin = _checked_hashes(sha256), "published"
        actual = {name: file_sha256(folder / name) for name in FILES}
    except OSError as error:
        raise MNISTError(f"Cannot read the MNIST folder {folder}: {_describe(error)}.\n"
                         f"{use}") from None
    for name in FILES:
        if actual[name] != expected[name].lower():
            raise ChecksumError(
                f"{folder / name} is not the expected file:\n"
                f"  SHA-256 of the file: {actual[name]}\n"
                f"  expected ({origin}): {expected[name].lower()}\n"
                "The file was left as it is. Replace it with a good copy, or unset "
                f"{ENV_VAR} to download MNIST instead.")
    return {name: folder / name for name in FILES}


def download_mnist(cache: str | os.PathLike | None = None, *,
                   mirrors: Sequence[str] = MIRRORS, sha256: Mapping[str, str] = SHA256,
                   progress: bool = True, timeout: float = 30.0) -> dict[str, Path]:
    """Make sure the four files are in the download cache, downloading what is missing.

    A cached file is checked against ``sha256`` on every call.  One that does not match
    is never deleted (it may be the user's own copy): it is moved aside to
    ``NAME.rejected`` (or ``NAME.rejected-2``, ...: nothing is overwritten), a
    :class:`MNISTWarning` names both paths, and the file is downloaded afresh.  A
    download is written to a temporary file ``.NAME.*.part`` in the cache and renamed
    only when its length and SHA-256 are right, so an interrupted download never leaves a
    file that looks complete; ``.part`` files left by a killed download are removed on
    the next call (never one that another running download is writing, see the module
    docstring).

    Parameters
    ----------
    cache : str or Path, optional
        The cache folder (created if needed); defaults to :func:`cache_folder`.
    mirrors, sha256, progress, timeout
        As in :func:`load_mnist`, including each file's deadline.

    Returns
    -------
    dict of file name to Path
        The four checked files.

    Raises
    ------
    DownloadError
        Every mirror failed for a file; the message lists why, mirror by mirror.
    MNISTError
        The cache cannot be used (read-only, permission denied, no space left, a file
        where the folder should be, ...); the message names the folder and what to set
        (``NBLIB_CACHE`` or ``MNIST_DIR``).
    """
    timeout = _checked_timeout(timeout)
    progress = _checked_progress(progress)
    folder = cache_folder() if cache is None else _checked_path(cache, "cache").expanduser()
    mirrors = _checked_mirrors(mirrors)
    expected = _checked_hashes(sha256)
    try:
        return _fill_cache(folder, mirrors, expected, progress, timeout)
    except OSError as error:
        raise _cache_error(folder, error) from error


def _fill_cache(folder, mirrors, expected, progress, timeout) -> dict[str, Path]:
    _remove_stale_parts(folder)
    paths, detours = {}, []
    for name in FILES:
        path = folder / name
        note = ""
        if path.is_file():
            actual = file_sha256(path)
            if actual == expected[name]:
                paths[name] = path
                continue
            aside = _move_aside(path)
            note = (f"The cached {path} had SHA-256 {actual}, expected {expected[name]}; "
                    f"it was moved to {aside}.\n")
            warnings.warn(f"The cached {path} is not the expected file (SHA-256 {actual}, "
                          f"expected {expected[name]}). It was moved to {aside} (nothing was "
                          f"deleted) and {name} is downloaded afresh.", MNISTWarning,
                          stacklevel=4)
        folder.mkdir(parents=True, exist_ok=True)
        # The published file's size sets its deadline; another file's size is unknown.
        size = SIZES[name] if expected[name] == SHA256[name] else None
        failures = _download(name, folder, mirrors, expected[name], size, progress, timeout,
                             note)
        detours += [failure for failure in failures if failure not in detours]
        paths[name] = path
    if detours:  # one warning for the whole download, not one per file
        warnings.warn(f"MNIST was downloaded into {folder}, but {len(detours)} mirror "
                      "attempt(s) failed first:\n" + "\n".join(detours), MNISTWarning,
                      stacklevel=4)
    return paths


class _MirrorFailed(Exception):
    """One mirror failed for one file; the message says how."""


def _download(name, folder, mirrors, expected, size, progress, timeout, note) -> list[str]:
    """Download one file from the first mirror that delivers it; return the failures."""
    failures = []
    for mirror in mirrors:
        problem = _url_problem(mirror)
        if problem:
            failures.append(f"  mirror {mirror!r}: {problem}")
            continue
        url = mirror.rstrip("/") + "/" + name
        try:
            _download_from(url, name, folder, expected, size, progress, timeout)
        except _MirrorFailed as failure:
            failures.append(f"  {url}: {failure}")
            continue
        return failures
    raise DownloadError(
        f"Could not download MNIST's {name}; every mirror failed:\n" + "\n".join(failures)
        + "\n" + note
        + f"No network? Put the four files ({', '.join(FILES)}) in a folder and set "
        f"{ENV_VAR} to it (or pass load_mnist(mnist_dir=...)); a SHA256SUMS file there is "
        f"checked if present. Or copy them into the download cache {folder} "
        "(set NBLIB_CACHE to move it).")


def _download_from(url, name, folder, expected, size, progress, timeout) -> None:
    """Download ``url`` into ``folder / name`` through a locked ``.part`` file.

    OSErrors are the cache's (the network's are _MirrorFailed).
    """
    file, part = _new_part(folder, name)
    try:
        _fetch(url, file, name, expected, size, progress, timeout)
        file.flush()
        if fcntl is None:
            file.close()  # Windows renames no open file
        # Atomic: the file appears complete or not at all.  On POSIX the lock is held
        # until after the rename, so no cleaner can take a finished file for a stale one.
        os.replace(part, folder / name)
    except BaseException:
        # Also on Ctrl-C: a partial download must not stay behind.
        if fcntl is None:
            file.close()
        try:
            os.unlink(part)
        except OSError:
            pass
        raise
    finally:
        try:
            file.close()  # releases the lock
        except OSError:
            pass


def _new_part(folder: Path, name: str):
    """A new ``.NAME.*.part`` file in ``folder``, open for writing and locked (flock)."""
    handle, part = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    file = os.fdopen(handle, "wb")
    if fcntl is not None:
        try:
            # Never blocks: nobody else has the new file open.  The lock tells
            # _remove_stale_parts in other processes that this download is alive; the
            # system releases it when the process ends, however it ends.
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # a file system without flock: cleaners cannot lock it either
    return file, part


def _remove_stale_parts(folder: Path) -> list[Path]:
    """Remove the ``.NAME.*.part`` files of downloads that have ended (best effort)."""
    try:
        parts = [path for path in folder.iterdir() if _PART.fullmatch(path.name)]
    except OSError:  # no cache yet, or unreadable: the download says so if it matters
        return []
    removed = []
    for part in parts:
        try:
            if _remove_if_stale(part):
                removed.append(part)
        except OSError:
            pass  # a read-only cache, a file that just went away: leave it
    return removed


def _remove_if_stale(part: Path) -> bool:
    if fcntl is None:
        if time.time() - part.stat().st_mtime > _STALE_PART_AGE:
            part.unlink()
            return True
        return False
    handle = os.open(part, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a running download holds it
        # Locked, so its download has ended.  Remove it unless the name has meanwhile
        # been given to another file.
        if os.path.samestat(os.fstat(handle), os.stat(part, follow_symlinks=False)):
            os.unlink(part)
            return True
        return False
    finally:
        os.close(handle)


def _move_aside(path: Path) -> Path:
    """Rename ``path`` to ``NAME.rejected`` (``-2``, ``-3``, ...), never overwriting a file."""
    number = 1
    while True:
        aside = path.with_name(path.name + (".rejected" if number == 1
                                            else f".rejected-{number}"))
        number += 1
        try:
            os.link(path, aside, follow_symlinks=False)  # refuses an existing target
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EXDEV, getattr(errno, "ENOTSUP", -1),
                                   getattr(errno, "EOPNOTSUPP", -1), errno.EMLINK):
                raise
            # No hard links here: rename, after checking that the name is free.
            if os.path.lexists(aside):
                continue
            os.rename(path, aside)
            return aside
        os.unlink(path)
        return aside


def _cache_error(folder: Path, error: OSError) -> MNISTError:
    """The cache cannot be used: say which folder, why, and what to set instead."""
    reasons = {
        errno.EROFS: "it is on a read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENOSPC: "no space left on the device (MNIST needs about 11 MB)",
        getattr(errno, "EDQUOT", -1): "disk quota exceeded (MNIST needs about 11 MB)",
        errno.ENOTDIR: "a file stands where a folder should be",
        errno.EEXIST: "a file stands where the folder should be",
        errno.EISDIR: "a folder stands where a file should be",
    }
    reason = reasons.get(error.errno, "it cannot be written")
    return MNISTError(
        f"The MNIST download cache {folder} cannot be used: {reason} ({_describe(error)}).\n"
        "Set NBLIB_CACHE to a writable folder (MNIST is then kept in its mnist subfolder; "
        "in a notebook: os.environ['NBLIB_CACHE'] = '...'), or pass load_mnist(cache=...); "
        f"or set {ENV_VAR} to a folder that holds the four files ({', '.join(FILES)}) to "
        "use them without downloading.")


def _url_problem(mirror: str) -> str | None:
    """Why ``mirror`` is not a usable base URL, or None."""
    try:
        parts = urllib.parse.urlsplit(mirror)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as error:
        return f"not a valid URL ({error})"
    if parts.scheme.lower() not in ("http", "https"):
        kind = f"{parts.scheme}:// is not supported" if parts.scheme else "not a URL"
        return f"{kind}: a mirror must be an http:// or https:// URL"
    if not parts.hostname:
        return "not a valid URL (no host name)"
    return None


def _fetch(url, file, name, expected, size, progress, timeout) -> None:
    """Stream ``url`` into ``file``; raise _MirrorFailed unless it is the expected file.

    ``size``: the file's known size (the published one), or None.  The download must end
    within ``timeout + size / MIN_RATE`` seconds of the request (the size announced by
    the server once its headers arrive, when ``size`` is None), else the mirror counts
    as stalled.
    """
    deadline = _Deadline(timeout, size or SIZES[name])
    try:
        _fetch_until(deadline, url, file, name, expected, size, progress, timeout)
    except _MirrorFailed:
        if deadline.expired:  # the connection was closed at the deadline
            raise deadline.stalled() from None
        raise
    finally:
        deadline.cancel()


def _fetch_until(deadline, url, file, name, expected, size, progress, timeout) -> None:
    try:
        response = _open(url, timeout, deadline)
    except urllib.error.HTTPError as error:
        error.close()
        raise _MirrorFailed(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _MirrorFailed(str(error.reason)) from None
    except (OSError, http.client.HTTPException) as error:
        raise _MirrorFailed(_describe(error)) from None
    except ValueError as error:  # a URL that urlsplit accepted but http.client does not
        raise _MirrorFailed(f"not a valid URL ({_describe(error)})") from None
    with response:
        if response.status != 200:
            raise _MirrorFailed(f"HTTP {response.status} {response.reason} (expected 200)")
        header = response.headers.get("Content-Length", "")
        length = int(header) if header.isdigit() else None
        if length is not None and size is not None and length != size:
            raise _MirrorFailed(f"the server announces {length:,} bytes, the published file "
                                f"has {size:,}")
        if length is not None and length > _MAX_BYTES:
            raise _MirrorFailed(f"the server announces {length:,} bytes, far more than any "
                                "MNIST file")
        if size is None and length is not None:
            deadline.set_budget(length)
        digest, head = hashlib.sha256(), b""
        with tqdm(total=length, desc=name, unit="B", unit_scale=True, unit_divisor=1024,
                  disable=not progress) as bar:
            while True:
                try:
                    # read1: what has arrived (at most one socket read), so that the clock
                    # is checked however slowly the data trickles in.
                    chunk = response.read1(_CHUNK)
                except (OSError, http.client.HTTPException) as error:
                    raise _MirrorFailed(f"the connection broke after {deadline.received:,} "
                                        f"bytes ({_describe(error)})") from None
                if not chunk:
                    break
                if len(head) < 64:
                    head += chunk[:64 - len(head)]
                    if len(head) >= len(_GZIP_MAGIC) and not head.startswith(_GZIP_MAGIC):
                        _not_gzip(head)
                file.write(chunk)
                digest.update(chunk)
                deadline.received += len(chunk)
                bar.update(len(chunk))
                deadline.check()
    received = deadline.received
    if 0 < len(head) < len(_GZIP_MAGIC):
        _not_gzip(head)
    # http.client returns a short body without complaint when the server closes early.
    if length is not None and received != length:
        raise _MirrorFailed(f"the connection closed after {received:,} of {length:,} bytes")
    actual = digest.hexdigest()
    if actual != expected:
        raise _MirrorFailed(f"wrong file: SHA-256 {actual}, expected {expected} (removed)")


class _Deadline:
    """One file's deadline, ``timeout + budget / MIN_RATE`` seconds from the request.

    Checked between reads (:meth:`check`), and enforced on the connection itself: when it
    passes, a timer shuts the sockets down, which ends a read (or a wait for headers) that
    is under way.
    """

    def __init__(self, timeout: float, budget: int):
        self.start, self.timeout, self.received = time.monotonic(), timeout, 0
        self.expired, self._sockets, self._lock, self._timer = False, [], threading.Lock(), None
        self.set_budget(budget)

    def set_budget(self, budget: int) -> None:
        """Base the deadline on ``budget`` bytes (from the request's start)."""
        self.budget, self.seconds = budget, self.timeout + budget / MIN_RATE
        self.cancel()
        self._timer = threading.Timer(max(self.seconds - self.elapsed(), 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def watch(self, sock):
        """Shut ``sock`` down at the deadline; return it."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut_down(sock)
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut_down(sock)

    def check(self) -> None:
        if self.expired or self.elapsed() > self.seconds:
            raise self.stalled()

    def stalled(self) -> _MirrorFailed:
        return _MirrorFailed(
            f"stalled: {self.received:,} bytes in {self.elapsed():.1f} s, deadline "
            f"{self.seconds:.1f} s (timeout {self.timeout:g} s + {self.budget:,} bytes at "
            f"{MIN_RATE / 1000:g} kB/s)")

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _shut_down(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watched(connection_class, deadline: _Deadline):
    """``connection_class`` (http.client) with its sockets watched by ``deadline``."""

    class Watched(connection_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            create = getattr(self, "_create_connection", None)
            if create is not None:  # else only the checks between reads remain
                self._create_connection = lambda *a, **k: deadline.watch(create(*a, **k))

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self._deadline = deadline

    def do_open(self, http_class, request, **kwargs):
        return super().do_open(_watched(http_class, self._deadline), request, **kwargs)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self._deadline = deadline

    def do_open(self, http_class, request, **kwargs):
        return super().do_open(_watched(http_class, self._deadline), request, **kwargs)


def _open(url: str, timeout: float, deadline: _Deadline):
    """``urllib.request.urlopen(url, timeout=timeout)``, its connections watched by
    ``deadline`` (proxies from the environment are used as urlopen uses them)."""
    opener = urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline))
    return opener.open(url, timeout=timeout)


def _not_gzip(head: bytes):
    # Typically a 200 page saying "access denied" or "moved": not data.
    start = " ".join(head[:60].decode("utf-8", "replace").split())
    raise _MirrorFailed(f"the answer is not a gzip file (it starts with {start!r}: an error "
                        "page?)")


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


# --- checking arguments ---------------------------------------------------------------------------


def _checked_path(value, argument: str) -> Path:
    """``value`` as a Path, or a TypeError/ValueError naming ``argument``."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{argument} must be a str or os.PathLike (a path), got "
                        f"{type(value).__name__} {_short_repr(value)}")
    if not value:
        raise ValueError(f"{argument} must be a path, got an empty string")
    return Path(value)


def _existing_file(value, argument: str) -> Path:
    """``value`` as the Path of an existing file, or an error naming ``argument``."""
    path = _checked_path(value, argument)
    if not path.exists():
        raise MissingFileError(f"{argument} names no file: {path} does not exist")
    if path.is_dir():
        raise ValueError(f"{argument} must be a file, got the folder {path}")
    return path


#: The largest number of dimensions an IDX header can announce (one byte).
_MAX_NDIM = 255


def _checked_ndim(ndim) -> int | None:
    if ndim is None:
        return None
    if isinstance(ndim, bool) or not isinstance(ndim, numbers.Integral):
        raise TypeError(f"ndim must be a whole number of dimensions (3 for images, 1 for "
                        f"labels) or None, got {type(ndim).__name__} {_short_repr(ndim)}")
    if not 1 <= ndim <= _MAX_NDIM:
        raise ValueError(f"ndim must be between 1 and {_MAX_NDIM} (3 for images, 1 for "
                         f"labels), got {_short_repr(ndim)}")
    return int(ndim)


def _checked_progress(progress) -> bool:
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {type(progress).__name__} "
                        f"{_short_repr(progress)}")
    return bool(progress)


def _checked_timeout(timeout) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError("timeout must be a positive finite number of seconds (int or float), "
                        f"got {type(timeout).__name__} {_short_repr(timeout)}")
    try:
        seconds = float(timeout)
    except OverflowError:
        raise ValueError(f"timeout must be a positive finite number of seconds, got an int "
                         f"of {len(str(abs(timeout)))} digits") from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"timeout must be a positive finite number of seconds, got {timeout!r}")
    return seconds


def _checked_mirrors(mirrors) -> list[str]:
    if isinstance(mirrors, (str, bytes)) or not isinstance(mirrors, Sequence) or not mirrors:
        raise TypeError("mirrors must be a non-empty list of base URLs (str), got "
                        f"{_short_repr(mirrors)}")
    for index, mirror in enumerate(mirrors):
        if not isinstance(mirror, str):
            raise TypeError("mirrors must be a non-empty list of base URLs (str); "
                            f"mirrors[{index}] is {type(mirror).__name__} "
                            f"{_short_repr(mirror)}")
    return list(mirrors)


def _short_repr(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _checked_hashes(sha256: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(sha256, Mapping):
        raise TypeError(f"sha256 must map file names to hex digests, got {type(sha256).__name__}")
    missing = [name for name in FILES if name not in sha256]
    if missing:
        raise ValueError(f"sha256 has no checksum for {', '.join(missing)}")
    for name in FILES:
        digest = sha256[name]
        if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-fA-F]{64}", digest)):
            raise ValueError(f"sha256[{name!r}] must be a SHA-256 as 64 hex digits, got "
                             f"{_short_repr(digest)}")
    return {name: sha256[name].lower() for name in FILES}


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file as 64 hex digits, read in chunks (no whole-file copy in memory)."""
    path = _existing_file(path, "path")
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_sha256sums(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``sha256sum``-format file (``<64 hex digits>  <name>`` per line), in UTF-8.

    Names are reduced to their last part (``mnist/x.gz`` is ``x.gz``).  A name listed
    twice with different checksums is refused; listed twice with the same checksum (as
    ``sha256sum`` writes for two copies in different folders) it is accepted, since
    either line accepts the same bytes.

    Returns
    -------
    dict of file name (without folders) to lower-case hex digest

    Raises
    ------
    ChecksumError
        The file is not UTF-8 text, or lists a name twice with different checksums.
    MNISTError
        A line is not in ``sha256sum`` format.
    """
    path = _existing_file(path, "path")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ChecksumError(f"{path} is not a sha256sum file: it is not UTF-8 text (byte "
                            f"0x{data[error.start]:02x} at position {error.start:,}). Write "
                            "it again with: sha256sum *.gz > SHA256SUMS") from None
    sums, first_line = {}, {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _SUMS_LINE.fullmatch(line.strip())
        if not match:
            raise MNISTError(f"{path}, line {number}, is not in sha256sum format "
                             f"('<64 hex digits>  <file name>'): {line!r}")
        name, digest = Path(match.group(2)).name, match.group(1).lower()
        if name in sums and sums[name] != digest:
            raise ChecksumError(f"{path} lists {name} twice with different checksums: line "
                                f"{first_line[name]} says {sums[name]}, line {number} says "
                                f"{digest}. Keep only the line of the right file.")
        sums.setdefault(name, digest)
        first_line.setdefault(name, number)
    return sums


# --- reading IDX files ----------------------------------------------------------------------------


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read a gzip-compressed IDX file of unsigned bytes.

    The header is a magic number ``0x000008NN`` (0x08: unsigned bytes; NN: the number of
    dimensions), then each dimension as a big-endian 32-bit integer; the data follows.

    Parameters
    ----------
    path : str or Path
        A ``.gz`` IDX file, such as ``train-images-idx3-ubyte.gz``.
    ndim : int, optional
        The number of dimensions the file must have (3 for images, 1 for labels).

    Returns
    -------
    array of uint8, shape given by the header
        Writable, and allocated once: the file is decompressed straight into it.

    Raises
    ------
    FormatError
        Not a complete gzip file, a wrong magic number, a dimension of size 0 (valid IDX,
        but no MNIST file has one), or more or fewer data bytes than the header promises.
    """
    path = _existing_file(path, "path")
    ndim = _checked_ndim(ndim)
    try:
        with gzip.open(path, "rb") as file:
            array = _read_idx_stream(file, path.name, ndim)
    except FileNotFoundError:
        raise
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise FormatError(f"{path} is not a complete gzip file ({_describe(error)}). "
                          "Replace it with a good copy.") from None
    return array


def _read_idx_stream(file, name: str, ndim: int | None) -> np.ndarray:
    magic = file.read(4)
    if len(magic) < 4 or magic[:3] != b"\x00\x00\x08":
        raise FormatError(f"{name} is not an IDX file of unsigned bytes: its magic number is "
                          f"0x{magic.hex()}, expected 0x000008NN (NN = number of dimensions)")
    if ndim is not None and magic[3] != ndim:
        raise FormatError(f"{name} has magic number 0x{magic.hex()} ({magic[3]} dimension(s)), "
                          f"expected 0x{0x800 + ndim:08x} ({ndim} dimension(s)): "
                          "is it the right file?")
    header = file.read(4 * magic[3])
    if len(header) < 4 * magic[3]:
        raise FormatError(f"{name} ends inside its header")
    shape = tuple(int(size) for size in np.frombuffer(header, dtype=">u4"))
    if 0 in shape:
        raise FormatError(f"{name} is damaged or not MNIST: dimension {shape.index(0) + 1} of "
                          f"its header ({' x '.join(map(str, shape))}) is 0. That is valid "
                          "IDX, but no MNIST file has an empty dimension.")
    size = int(np.prod(shape, dtype=object))  # Python ints: no overflow on a damaged header
    promised = f"{' x '.join(map(str, shape))} = {size:,} bytes"
    if size > _MAX_BYTES:
        raise FormatError(f"{name} is damaged: its header promises {promised} of data, "
                          "far more than any MNIST file")
    # Decompress straight into the result, chunk by chunk: reading the whole file into
    # bytes first would hold the 47 MB of training images twice.
    array = np.empty(shape, dtype=np.uint8)
    view = memoryview(array).cast("B")
    filled = 0
    while filled < size:
        count = file.readinto(view[filled:filled + _CHUNK])
        if not count:
            break
        filled += count
    if filled < size:
        raise FormatError(f"{name} is too short: its header promises {promised} of data, "
                          f"the file holds {filled:,}")
    if file.read(1):
        raise FormatError(f"{name} holds more data than its header promises ({promised})")
    return array


def _read_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, ndim=3)
    if images.shape[1:] != IMAGE_SHAPE:
        raise FormatError(f"{images_path.name} holds images of {images.shape[1]} x "
                          f"{images.shape[2]} pixels, expected 28 x 28")
    labels = read_idx(labels_path, ndim=1)
    if len(images) != len(labels):
        raise FormatError(f"{images_path.name} holds {len(images):,} images but "
                          f"{labels_path.name} holds {len(labels):,} labels")
    if labels.size and labels.max() > 9:
        raise FormatError(f"{labels_path.name} holds labels up to {labels.max()}, expected 0 to 9")
    return images, labels
