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
   ``NBLIB_CACHE`` moves it): files downloaded before, checked again on every load.
3. A download (~11 MB, once) from :data:`MIRRORS`, tried in order.  The HTTP status, the
   gzip signature, the length and the SHA-256 are checked; each file is written under a
   temporary name and renamed only once it is complete and correct.

The files are gzip-compressed IDX files: a magic number, the dimensions as big-endian
32-bit integers, then the pixels (or labels) as unsigned bytes.  They are parsed with
numpy, never with pickle.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from nblib.paths import cache_dir

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

ENV_VAR = "MNIST_DIR"
N_VAL = 10_000  # the last 10,000 training images are the validation set
IMAGE_SHAPE = (28, 28)
PIXELS = 28 * 28

_CHUNK = 1 << 20
_MAX_BYTES = 1 << 30  # 20 times the largest MNIST file: a bigger header is a damaged one
_GZIP_MAGIC = b"\x1f\x8b"
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


class MNISTError(Exception):
    """MNIST could not be found, downloaded, checked or read; the message says what to do."""


class DownloadError(MNISTError):
    """No mirror delivered a complete file with the expected checksum."""


class ChecksumError(MNISTError):
    """A file's SHA-256 differs from the expected one."""


class FormatError(MNISTError):
    """A file is not a complete gzip-compressed IDX file of the expected kind."""


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
    while downloading.  Used in notebook 06.

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
        Base URLs tried in order; each must serve the four files by name.
    sha256 : mapping of file name to hex digest
        What the downloaded (or ``SHA256SUMS``-less ``mnist_dir``) files must match.
    progress : bool
        Show a ``tqdm.auto`` progress bar while downloading.
    timeout : float
        Seconds to wait for a mirror before trying the next one.

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
        checksum (:class:`ChecksumError`) or is not a valid IDX file (:class:`FormatError`).
    """
    if isinstance(n_val, bool) or not isinstance(n_val, (int, np.integer)) or n_val < 0:
        raise ValueError(f"n_val must be a non-negative integer, got {n_val!r}")
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
    images = np.asarray(images)
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
        The folder or a file is missing, or ``SHA256SUMS`` does not list a file.
    ChecksumError
        A file's SHA-256 differs from the expected one.
    """
    folder = Path(folder).expanduser()
    use = (f"Point {ENV_VAR} (or load_mnist's mnist_dir) at a folder holding "
           f"{', '.join(FILES)}, or unset {ENV_VAR} to download them (~11 MB).")
    if not folder.is_dir():
        raise MNISTError(f"The MNIST folder {folder} does not exist or is not a folder.\n{use}")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise MNISTError(f"The MNIST folder {folder} has no {', '.join(missing)}.\n{use}")

    sums_file = folder / "SHA256SUMS"
    if sums_file.is_file():
        expected, origin = read_sha256sums(sums_file), f"from {sums_file}"
        unlisted = [name for name in FILES if name not in expected]
        if unlisted:
            raise MNISTError(f"{sums_file} lists no checksum for {', '.join(unlisted)}.\n"
                             "Add it (sha256sum *.gz > SHA256SUMS) or remove SHA256SUMS to "
                             "check the files against the published checksums.")
    else:
        expected, origin = _checked_hashes(sha256), "published"
    for name in FILES:
        actual = file_sha256(folder / name)
        if actual != expected[name].lower():
            raise ChecksumError(
                f"{folder / name} is not the expected file:\n"
                f"  SHA-256 of the file: {actual}\n"
                f"  expected ({origin}): {expected[name].lower()}\n"
                "The file was left as it is. Replace it with a good copy, or unset "
                f"{ENV_VAR} to download MNIST instead.")
    return {name: folder / name for name in FILES}


def download_mnist(cache: str | os.PathLike | None = None, *,
                   mirrors: Sequence[str] = MIRRORS, sha256: Mapping[str, str] = SHA256,
                   progress: bool = True, timeout: float = 30.0) -> dict[str, Path]:
    """Make sure the four files are in the download cache, downloading what is missing.

    A cached file is checked against ``sha256`` on every call; one that does not match is
    removed and downloaded again.  A download is written to a temporary file in the
    cache and renamed only when its length and SHA-256 are right, so an interrupted
    download never leaves a file that looks complete.

    Parameters
    ----------
    cache : str or Path, optional
        The cache folder (created if needed); defaults to :func:`cache_folder`.
    mirrors, sha256, progress, timeout
        As in :func:`load_mnist`.

    Returns
    -------
    dict of file name to Path
        The four checked files.

    Raises
    ------
    DownloadError
        Every mirror failed for a file; the message lists why, mirror by mirror.
    """
    folder = cache_folder() if cache is None else Path(cache).expanduser()
    if isinstance(mirrors, str) or not isinstance(mirrors, Sequence) or not mirrors:
        raise TypeError(f"mirrors must be a non-empty list of base URLs, got {mirrors!r}")
    expected = _checked_hashes(sha256)
    paths = {}
    for name in FILES:
        path = folder / name
        note = ""
        if path.is_file():
            actual = file_sha256(path)
            if actual == expected[name]:
                paths[name] = path
                continue
            path.unlink()
            note = (f"The cached {path} had SHA-256 {actual}, expected {expected[name]}; "
                    "it was removed.\n")
        folder.mkdir(parents=True, exist_ok=True)
        _download(name, folder, mirrors, expected[name], progress, timeout, note)
        paths[name] = path
    return paths


class _MirrorFailed(Exception):
    """One mirror failed for one file; the message says how."""


def _download(name, folder, mirrors, expected, progress, timeout, note) -> None:
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        handle, part = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                _fetch(url, file, name, expected, progress, timeout)
            os.replace(part, folder / name)  # atomic: the file appears complete or not at all
            return
        except _MirrorFailed as failure:
            failures.append(f"  {url}: {failure}")
        finally:
            # Also on Ctrl-C: a partial download must not stay behind.
            Path(part).unlink(missing_ok=True)
    raise DownloadError(
        f"Could not download MNIST's {name}; every mirror failed:\n" + "\n".join(failures)
        + "\n" + note
        + f"No network? Put the four files ({', '.join(FILES)}) in a folder and set "
        f"{ENV_VAR} to it (or pass load_mnist(mnist_dir=...)); a SHA256SUMS file there is "
        f"checked if present. Or copy them into the download cache {folder} "
        "(set NBLIB_CACHE to move it).")


def _fetch(url, file, name, expected, progress, timeout) -> None:
    """Stream ``url`` into ``file``; raise _MirrorFailed unless it is the expected file."""
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        raise _MirrorFailed(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _MirrorFailed(str(error.reason)) from None
    except (OSError, http.client.HTTPException) as error:
        raise _MirrorFailed(_describe(error)) from None
    with response:
        if response.status != 200:
            raise _MirrorFailed(f"HTTP {response.status} {response.reason} (expected 200)")
        header = response.headers.get("Content-Length", "")
        length = int(header) if header.isdigit() else None
        digest, received = hashlib.sha256(), 0
        with tqdm(total=length, desc=name, unit="B", unit_scale=True, unit_divisor=1024,
                  disable=not progress) as bar:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (OSError, http.client.HTTPException) as error:
                    raise _MirrorFailed(f"the connection broke after {received:,} bytes "
                                        f"({_describe(error)})") from None
                if not chunk:
                    break
                if received == 0 and not chunk.startswith(_GZIP_MAGIC):
                    # Typically a 200 page saying "access denied" or "moved": not data.
                    start = " ".join(chunk[:60].decode("utf-8", "replace").split())
                    raise _MirrorFailed(f"the answer is not a gzip file (it starts with "
                                        f"{start!r}: an error page?)")
                file.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    # http.client returns a short body without complaint when the server closes early.
    if length is not None and received != length:
        raise _MirrorFailed(f"the connection closed after {received:,} of {length:,} bytes")
    actual = digest.hexdigest()
    if actual != expected:
        raise _MirrorFailed(f"wrong file: SHA-256 {actual}, expected {expected} (removed)")


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _checked_hashes(sha256: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(sha256, Mapping):
        raise TypeError(f"sha256 must map file names to hex digests, got {type(sha256).__name__}")
    missing = [name for name in FILES if name not in sha256]
    if missing:
        raise ValueError(f"sha256 has no checksum for {', '.join(missing)}")
    return {name: str(sha256[name]).lower() for name in FILES}


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file as 64 hex digits, read in chunks (no whole-file copy in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_sha256sums(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``sha256sum``-format file (``<64 hex digits>  <name>`` per line).

    Returns
    -------
    dict of file name (without folders) to lower-case hex digest
    """
    sums = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        match = _SUMS_LINE.fullmatch(line.strip())
        if not match:
            raise MNISTError(f"{path}, line {number}, is not in sha256sum format "
                             f"('<64 hex digits>  <file name>'): {line!r}")
        sums[Path(match.group(2)).name] = match.group(1).lower()
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
        Not a complete gzip file, a wrong magic number, or more or fewer data bytes than
        the header promises.
    """
    path = Path(path)
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
