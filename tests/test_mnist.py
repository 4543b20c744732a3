"""nblib.mnist: parsing, checking, downloading (from a local HTTP server) and the real data.

The download tests serve tiny synthetic IDX files (5 images of 28 x 28) from a server on
127.0.0.1 whose paths fail in the ways real mirrors do (refused, 404, 500, an HTML page, a
short body, a trickle of one byte every 0.3 s).  Killed downloads are real subprocesses.  The real-data tests read the
offline copy in ``../shared/data/mnist`` (or ``$MNIST_DIR``); without it they skip,
except on CI (``CI=true``), where a missing copy is a failure.
"""

import errno
import gzip
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nblib import mnist
from nblib.mnist import (
    FILES,
    MIN_RATE,
    MIRRORS,
    SHA256,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    ChecksumError,
    DownloadError,
    FormatError,
    MNISTError,
    MNISTWarning,
    check_folder,
    download_mnist,
    file_sha256,
    load_mnist,
    read_idx,
    read_sha256sums,
    to_float32,
)

# Read (at import) before the autouse fixture below removes MNIST_DIR from the environment.
from tests.offline_data import MNIST_DIR as REAL_DIR  # noqa: E402
from tests.offline_data import ON_CI  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test sees the caller's MNIST_DIR or cache, or goes through a proxy."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("NBLIB_CACHE", str(tmp_path / "nblib-cache"))
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


# --- synthetic IDX files -----------------------------------------------------------------------


def idx_bytes(array, magic=None):
    """IDX encoding of a uint8 array: magic, big-endian dimensions, data."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x800 + array.ndim if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def gz(data):
    return gzip.compress(data, mtime=0)


def write_gz(path, data):
    path.write_bytes(gz(data))
    return path


def fake_arrays(n_train=5, n_test=3):
    rng = np.random.default_rng(0)
    return {
        TRAIN_IMAGES: rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: np.arange(n_train, dtype=np.uint8) % 10,
        TEST_IMAGES: rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: (np.arange(n_test, dtype=np.uint8) + 7) % 10,
    }


def write_fake_mnist(folder, arrays=None, sums=True):
    """Write the four files (and a SHA256SUMS) into ``folder``; return their arrays."""
    arrays = fake_arrays() if arrays is None else arrays
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write_gz(folder / name, idx_bytes(array))
    if sums:
        write_sums(folder)
    return arrays


def write_sums(folder):
    (folder / "SHA256SUMS").write_text(
        "".join(f"{file_sha256(folder / name)}  {name}\n" for name in FILES))


def hashes_of(folder):
    return {name: file_sha256(folder / name) for name in FILES}


# --- read_idx -------------------------------------------------------------------------------------


def test_read_idx_round_trip(tmp_path):
    images = np.arange(5 * 28 * 28, dtype=np.uint32).reshape(5, 28, 28).astype(np.uint8)
    result = read_idx(write_gz(tmp_path / "i.gz", idx_bytes(images)), ndim=3)
    assert result.dtype == np.uint8 and result.shape == (5, 28, 28)
    np.testing.assert_array_equal(result, images)
    assert result.flags.writeable and result.flags.c_contiguous
    labels = read_idx(write_gz(tmp_path / "l.gz", idx_bytes([3, 1, 4])), ndim=1)
    np.testing.assert_array_equal(labels, [3, 1, 4])


def test_read_idx_larger_than_one_chunk(tmp_path):
    images = np.random.default_rng(1).integers(0, 256, size=(2000, 28, 28), dtype=np.uint8)
    assert images.nbytes > mnist._CHUNK
    np.testing.assert_array_equal(read_idx(write_gz(tmp_path / "i.gz", idx_bytes(images))), images)


def test_wrong_magic_number(tmp_path):
    path = write_gz(tmp_path / "labels.gz", idx_bytes([1, 2, 3]))
    with pytest.raises(FormatError, match=r"labels.gz has magic number 0x00000801 \(1 dimension"
                                          r"\(s\)\), expected 0x00000803"):
        read_idx(path, ndim=3)


def test_magic_number_of_another_data_type(tmp_path):
    path = write_gz(tmp_path / "f.gz", idx_bytes([1, 2], magic=0x0D01))  # 0x0D: float32
    with pytest.raises(FormatError, match="not an IDX file of unsigned bytes: its magic number "
                                          "is 0x00000d01, expected 0x000008NN"):
        read_idx(path)


def test_not_a_gzip_file(tmp_path):
    path = tmp_path / "page.gz"
    path.write_bytes(b"<!DOCTYPE html><html>Access denied</html>")
    with pytest.raises(FormatError, match=r"page.gz is not a complete gzip file \(Not a gzipped"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    data = gz(idx_bytes(np.zeros((5, 28, 28))))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="cut.gz is not a complete gzip file"):
        read_idx(path)


def test_corrupt_gzip(tmp_path):
    data = bytearray(gz(idx_bytes(np.random.default_rng(2).integers(0, 256, (5, 28, 28)))))
    middle = len(data) // 2
    for i in range(middle, middle + 20):  # damage the data; the checksum at the end catches it
        data[i] ^= 0xFF
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="bad.gz is not a complete gzip file"):
        read_idx(path)


def test_fewer_data_bytes_than_the_header_promises(tmp_path):
    data = idx_bytes(np.zeros((5, 28, 28)))[:-100]
    with pytest.raises(FormatError, match="i.gz is too short: its header promises 5 x 28 x 28 = "
                                          "3,920 bytes of data, the file holds 3,820"):
        read_idx(write_gz(tmp_path / "i.gz", data))


def test_more_data_bytes_than_the_header_promises(tmp_path):
    data = idx_bytes(np.zeros((5, 28, 28))) + b"\x00"
    with pytest.raises(FormatError, match="more data than its header promises"):
        read_idx(write_gz(tmp_path / "i.gz", data))


def test_header_cut_short(tmp_path):
    with pytest.raises(FormatError, match="ends inside its header"):
        read_idx(write_gz(tmp_path / "i.gz", struct.pack(">II", 0x803, 5)))


def test_damaged_header_promising_too_much(tmp_path):
    data = struct.pack(">IIII", 0x803, 60_000, 2**31, 28) + bytes(100)
    with pytest.raises(FormatError, match="i.gz is damaged: its header promises 60000 x "
                                          "2147483648 x 28 = .* far more than any MNIST file"):
        read_idx(write_gz(tmp_path / "i.gz", data))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing.gz")


# --- load_mnist from a folder (MNIST_DIR) ---------------------------------------------------------


def test_load_from_folder_with_sha256sums(tmp_path):
    arrays = write_fake_mnist(tmp_path / "m")
    data = load_mnist(tmp_path / "m", n_val=2)
    assert isinstance(data, mnist.MNIST)
    np.testing.assert_array_equal(data.X_train, arrays[TRAIN_IMAGES][:3])
    np.testing.assert_array_equal(data.y_train, [0, 1, 2])
    np.testing.assert_array_equal(data.X_val, arrays[TRAIN_IMAGES][3:])
    np.testing.assert_array_equal(data.y_val, [3, 4])
    np.testing.assert_array_equal(data.X_test, arrays[TEST_IMAGES])
    np.testing.assert_array_equal(data.y_test, [7, 8, 9])
    assert all(array.dtype == np.uint8 for array in data)


def test_unpacks_in_order_and_has_a_short_repr(tmp_path):
    write_fake_mnist(tmp_path)
    X_train, y_train, X_val, y_val, X_test, y_test = load_mnist(tmp_path, n_val=1)
    assert (len(X_train), len(X_val), len(X_test)) == (4, 1, 3)
    assert repr(load_mnist(tmp_path, n_val=1)) == (
        "MNIST(X_train: (4, 28, 28), y_train: (4,), X_val: (1, 28, 28), y_val: (1,), "
        "X_test: (3, 28, 28), y_test: (3,); uint8)")


def test_validation_split_is_a_view_not_a_copy(tmp_path):
    write_fake_mnist(tmp_path)
    data = load_mnist(tmp_path, n_val=2)
    assert data.X_train.base is not None and data.X_train.base is data.X_val.base


def test_n_val_zero(tmp_path):
    write_fake_mnist(tmp_path)
    data = load_mnist(tmp_path, n_val=0)
    assert data.X_train.shape == (5, 28, 28) and data.X_val.shape == (0, 28, 28)


@pytest.mark.parametrize("n_val, error, message", [
    (-1, ValueError, "n_val must be a non-negative integer, got -1"),
    (2.5, ValueError, "n_val must be a non-negative integer, got 2.5"),
    (True, ValueError, "n_val must be a non-negative integer, got True"),
    (5, ValueError, "n_val must be smaller than the 5 training images, got 5"),
])
def test_bad_n_val(tmp_path, n_val, error, message):
    write_fake_mnist(tmp_path)
    with pytest.raises(error, match=message):
        load_mnist(tmp_path, n_val=n_val)


def test_mnist_dir_environment_variable(tmp_path, monkeypatch, capsys):
    arrays = write_fake_mnist(tmp_path / "m")
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "m"))
    data = load_mnist(n_val=1, mirrors=["http://127.0.0.1:9/never-used/"])
    np.testing.assert_array_equal(data.X_test, arrays[TEST_IMAGES])
    assert capsys.readouterr() == ("", "")  # nothing printed, no path shown
    assert not (tmp_path / "nblib-cache").exists()  # nothing downloaded or cached


def test_argument_wins_over_the_environment_variable(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path / "env", fake_arrays(n_train=6))
    write_fake_mnist(tmp_path / "arg", fake_arrays(n_train=4))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    assert len(load_mnist(tmp_path / "arg", n_val=1).X_train) == 3


def test_empty_mnist_dir_counts_as_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", "")
    with pytest.raises(DownloadError):
        load_mnist(mirrors=[f"http://127.0.0.1:{free_port()}/"], progress=False)


def test_folder_without_sha256sums_is_checked_against_sha256(tmp_path):
    write_fake_mnist(tmp_path, sums=False)
    assert len(load_mnist(tmp_path, n_val=1, sha256=hashes_of(tmp_path)).y_test) == 3
    with pytest.raises(ChecksumError) as caught:
        load_mnist(tmp_path)  # the published checksums
    message = str(caught.value)
    assert f"{tmp_path / TRAIN_IMAGES} is not the expected file" in message
    assert f"SHA-256 of the file: {file_sha256(tmp_path / TRAIN_IMAGES)}" in message
    assert f"expected (published): {SHA256[TRAIN_IMAGES]}" in message


def test_sha256sums_mismatch_shows_both_hashes_and_keeps_the_file(tmp_path):
    write_fake_mnist(tmp_path)
    sums = (tmp_path / "SHA256SUMS").read_text()
    good = file_sha256(tmp_path / TEST_LABELS)
    (tmp_path / "SHA256SUMS").write_text(sums.replace(good, "ab" * 32))
    with pytest.raises(ChecksumError) as caught:
        load_mnist(tmp_path, n_val=1)
    message = str(caught.value)
    assert f"SHA-256 of the file: {good}" in message
    assert f"expected (from {tmp_path / 'SHA256SUMS'}): {'ab' * 32}" in message
    assert "The file was left as it is" in message and "MNIST_DIR" in message
    assert file_sha256(tmp_path / TEST_LABELS) == good


def test_sha256sums_missing_an_entry(tmp_path):
    write_fake_mnist(tmp_path)
    lines = (tmp_path / "SHA256SUMS").read_text().splitlines()
    (tmp_path / "SHA256SUMS").write_text("\n".join(line for line in lines
                                                   if TEST_IMAGES not in line) + "\n")
    with pytest.raises(MNISTError, match=f"lists no checksum for {TEST_IMAGES}"):
        load_mnist(tmp_path)


def test_sha256sums_in_binary_mode_with_folders(tmp_path):
    (tmp_path / "S").write_text(f"{'AB' * 32} *mnist/{TRAIN_IMAGES}\n\n")
    assert read_sha256sums(tmp_path / "S") == {TRAIN_IMAGES: "ab" * 32}


def test_malformed_sha256sums(tmp_path):
    (tmp_path / "S").write_text("not a checksum line\n")
    with pytest.raises(MNISTError, match="line 1, is not in sha256sum format"):
        read_sha256sums(tmp_path / "S")


def test_missing_file_in_mnist_dir(tmp_path, monkeypatch):
    write_fake_mnist(tmp_path)
    (tmp_path / TEST_IMAGES).unlink()
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    with pytest.raises(MNISTError, match=f"The MNIST folder {tmp_path} has no {TEST_IMAGES}.\n"
                                         "Point MNIST_DIR .* or unset MNIST_DIR to download"):
        load_mnist()


def test_mnist_dir_that_does_not_exist(tmp_path):
    with pytest.raises(MNISTError, match="does not exist or is not a folder"):
        load_mnist(tmp_path / "nowhere")


def test_count_mismatch(tmp_path):
    arrays = fake_arrays()
    arrays[TRAIN_LABELS] = arrays[TRAIN_LABELS][:4]
    write_fake_mnist(tmp_path, arrays)
    with pytest.raises(FormatError, match=f"{TRAIN_IMAGES} holds 5 images but {TRAIN_LABELS} "
                                          "holds 4 labels"):
        load_mnist(tmp_path, n_val=1)


def test_images_of_the_wrong_size(tmp_path):
    arrays = fake_arrays()
    arrays[TEST_IMAGES] = np.zeros((3, 32, 32), dtype=np.uint8)
    write_fake_mnist(tmp_path, arrays)
    with pytest.raises(FormatError, match="images of 32 x 32 pixels, expected 28 x 28"):
        load_mnist(tmp_path, n_val=1)


def test_labels_out_of_range(tmp_path):
    arrays = fake_arrays()
    arrays[TEST_LABELS] = np.array([1, 12, 3], dtype=np.uint8)
    write_fake_mnist(tmp_path, arrays)
    with pytest.raises(FormatError, match="labels up to 12, expected 0 to 9"):
        load_mnist(tmp_path, n_val=1)


def test_wrong_magic_through_load_mnist(tmp_path):
    write_fake_mnist(tmp_path, sums=False)
    write_gz(tmp_path / TRAIN_IMAGES, idx_bytes(fake_arrays()[TRAIN_LABELS]))  # labels as images
    write_sums(tmp_path)
    with pytest.raises(FormatError, match=f"{TRAIN_IMAGES} has magic number 0x00000801"):
        load_mnist(tmp_path, n_val=1)


def test_corrupt_gzip_through_load_mnist(tmp_path):
    write_fake_mnist(tmp_path, sums=False)
    data = (tmp_path / TEST_IMAGES).read_bytes()
    (tmp_path / TEST_IMAGES).write_bytes(data[:-30])
    write_sums(tmp_path)  # the checksum agrees: the damage must be caught while reading
    with pytest.raises(FormatError, match=f"{TEST_IMAGES} is not a complete gzip file"):
        load_mnist(tmp_path, n_val=1)


# --- downloads from a local HTTP server -----------------------------------------------------------


HTML_PAGE = b"<!DOCTYPE html>\n<html><body><h1>Access denied</h1></body></html>\n"


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """``/ok/<file>`` serves a file; ``/404/``, ``/500/``, ``/html/`` and ``/short/`` fail;
    ``/stall/`` sends the training images one byte every 0.3 s (the other files at once);
    ``/slowheaders/`` sends the test labels' headers one byte every 0.3 s, for ever."""

    def do_GET(self):
        self.server.requests.append(self.path)
        kind, _, name = self.path.strip("/").partition("/")
        path = self.server.root / name
        if kind in ("404", "500") or not path.is_file():
            self.send_error(int(kind) if kind in ("404", "500") else 404)
        elif kind == "html":  # a 200 "error page", as some hosts send
            self.answer(HTML_PAGE, len(HTML_PAGE))
        elif kind == "short":  # promise the whole file, send half, hang up
            data = path.read_bytes()
            self.answer(data[: len(data) // 2], len(data))
        elif kind == "stall" and name == TRAIN_IMAGES:  # alive, but far too slow
            data = path.read_bytes()
            self.answer(b"", len(data))
            try:
                for i in range(len(data)):
                    if self.server.stopping.wait(0.3):
                        return
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
            except OSError:  # the client gave up or was killed
                return
        elif kind == "slowheaders" and name == TEST_LABELS:
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not self.server.stopping.wait(0.3):
                    self.wfile.write(b"a")
            except OSError:
                return
        else:
            data = path.read_bytes()
            self.answer(data, len(data))

    def answer(self, body, length):
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server(tmp_path):
    """A mirror on 127.0.0.1 serving synthetic files; ``server.url(kind)`` is a base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MirrorHandler)
    httpd.root = tmp_path / "served"
    httpd.arrays = write_fake_mnist(httpd.root, sums=False)
    httpd.sha256 = hashes_of(httpd.root)
    httpd.requests = []
    httpd.stopping = threading.Event()
    httpd.url = lambda kind: f"http://127.0.0.1:{httpd.server_address[1]}/{kind}/"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def free_port():
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def download(server, tmp_path, mirrors, **kwargs):
    return load_mnist(n_val=1, cache=tmp_path / "cache", mirrors=mirrors,
                      sha256=kwargs.pop("sha256", server.sha256), progress=False, **kwargs)


def cache_contents(tmp_path):
    folder = tmp_path / "cache"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_download_from_a_working_mirror(server, tmp_path):
    data = download(server, tmp_path, [server.url("ok")])
    np.testing.assert_array_equal(data.X_test, server.arrays[TEST_IMAGES])
    assert cache_contents(tmp_path) == sorted(FILES)  # no temporary files left
    assert hashes_of(tmp_path / "cache") == server.sha256
    assert sorted(server.requests) == sorted(f"/ok/{name}" for name in FILES)


@pytest.mark.parametrize("failing", ["refused", "404", "500", "html", "short"])
def test_a_failing_mirror_is_followed_by_the_next(server, tmp_path, failing):
    first = f"http://127.0.0.1:{free_port()}/" if failing == "refused" else server.url(failing)
    with pytest.warns(MNISTWarning) as caught:
        data = download(server, tmp_path, [first, server.url("ok")])
    assert len(caught) == 1  # one warning for the download, not one per file
    assert str(caught[0].message).startswith(
        f"MNIST was downloaded into {tmp_path / 'cache'}, but 4 mirror attempt(s) failed first:"
        f"\n  {first}{TRAIN_IMAGES}: ")
    np.testing.assert_array_equal(data.y_test, server.arrays[TEST_LABELS])
    assert cache_contents(tmp_path) == sorted(FILES)
    assert hashes_of(tmp_path / "cache") == server.sha256


@pytest.mark.parametrize("failing, reason", [
    ("404", "HTTP 404 Not Found"),
    ("500", "HTTP 500 Internal Server Error"),
    ("html", "the answer is not a gzip file (it starts with '<!DOCTYPE html> <html><body><h1>"
             "Access denied"),
    ("short", "the connection closed after "),
])
def test_every_mirror_failing_explains_each_and_leaves_nothing(server, tmp_path, failing,
                                                               reason):
    refused = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(DownloadError) as caught:
        download(server, tmp_path, [refused, server.url(failing)])
    message = str(caught.value)
    assert message.startswith(f"Could not download MNIST's {TRAIN_IMAGES}; every mirror failed:\n"
                              f"  {refused}{TRAIN_IMAGES}: [Errno 111] Connection refused\n"
                              f"  {server.url(failing)}{TRAIN_IMAGES}: {reason}")
    assert "set MNIST_DIR to it" in message
    assert f"download cache {tmp_path / 'cache'}" in message
    assert cache_contents(tmp_path) == []  # no partial or temporary file


def test_no_network_message_names_the_official_mirrors(tmp_path, monkeypatch):
    def offline(url, timeout, deadline):
        raise mnist.urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(mnist, "_open", offline)
    with pytest.raises(DownloadError) as caught:
        load_mnist(progress=False)
    message = str(caught.value)
    for mirror in MIRRORS:
        assert (f"  {mirror}{TRAIN_IMAGES}: [Errno -3] Temporary failure in name resolution"
                in message)
    assert str(tmp_path / "nblib-cache" / "mnist") in message  # the folder, via NBLIB_CACHE
    assert "MNIST_DIR" in message and "NBLIB_CACHE" in message
    assert list((tmp_path / "nblib-cache" / "mnist").iterdir()) == []


def test_interrupted_download_leaves_no_complete_looking_file(server, tmp_path):
    with pytest.raises(DownloadError, match=r"the connection closed after [\d,]+ of [\d,]+ bytes"):
        download(server, tmp_path, [server.url("short")])
    assert cache_contents(tmp_path) == []


def test_ctrl_c_during_a_download_leaves_no_file(server, tmp_path, monkeypatch):
    class Interrupted(mnist.tqdm):
        def update(self, n=1):
            raise KeyboardInterrupt

    monkeypatch.setattr(mnist, "tqdm", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        download(server, tmp_path, [server.url("ok")])
    assert cache_contents(tmp_path) == []


def test_checksum_mismatch_on_download_shows_both_hashes(server, tmp_path):
    wrong = dict(server.sha256, **{TEST_LABELS: "0" * 64})
    with pytest.raises(DownloadError) as caught:
        download(server, tmp_path, [server.url("ok")], sha256=wrong)
    assert (f"  {server.url('ok')}{TEST_LABELS}: wrong file: SHA-256 "
            f"{server.sha256[TEST_LABELS]}, expected {'0' * 64} (removed)") in str(caught.value)
    assert TEST_LABELS not in cache_contents(tmp_path)
    assert not [name for name in cache_contents(tmp_path) if name.endswith(".part")]


def test_the_cache_is_reused(server, tmp_path):
    download(server, tmp_path, [server.url("ok")])
    assert len(server.requests) == 4
    again = download(server, tmp_path, [server.url("ok")])
    assert len(server.requests) == 4  # no second download
    np.testing.assert_array_equal(again.X_train, server.arrays[TRAIN_IMAGES][:4])


def test_a_damaged_cached_file_is_downloaded_again(server, tmp_path):
    download(server, tmp_path, [server.url("ok")])
    (tmp_path / "cache" / TRAIN_LABELS).write_bytes(b"damaged")
    with pytest.warns(MNISTWarning, match="downloaded afresh"):
        download(server, tmp_path, [server.url("ok")])
    assert server.requests[4:] == [f"/ok/{TRAIN_LABELS}"]
    assert hashes_of(tmp_path / "cache") == server.sha256


def test_a_damaged_cached_file_that_cannot_be_replaced_is_explained(server, tmp_path):
    download(server, tmp_path, [server.url("ok")])
    (tmp_path / "cache" / TRAIN_LABELS).write_bytes(b"damaged")
    with pytest.raises(DownloadError, match=f"The cached .*{TRAIN_LABELS} had SHA-256 "
                                            f"{hashlib.sha256(b'damaged').hexdigest()}, expected "
                                            f"{server.sha256[TRAIN_LABELS]}; it was moved to "
                                            f".*{TRAIN_LABELS}.rejected"), \
            pytest.warns(MNISTWarning):
        download(server, tmp_path, [server.url("404")])
    assert TRAIN_LABELS not in cache_contents(tmp_path)
    assert (tmp_path / "cache" / f"{TRAIN_LABELS}.rejected").read_bytes() == b"damaged"


def test_default_cache_is_under_nblib_cache(server, tmp_path):
    paths = download_mnist(mirrors=[server.url("ok")], sha256=server.sha256, progress=False)
    assert mnist.cache_folder() == tmp_path / "nblib-cache" / "mnist"
    assert paths == {name: tmp_path / "nblib-cache" / "mnist" / name for name in FILES}


def test_progress_bar_names_the_file(server, tmp_path, capsys):
    load_mnist(cache=tmp_path / "cache", mirrors=[server.url("ok")], sha256=server.sha256,
               n_val=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert TRAIN_IMAGES in captured.err and "100%" in captured.err
    assert str(tmp_path) not in captured.err  # no machine-specific path


@pytest.mark.parametrize("mirrors", ["https://example.org/", [], None])
def test_mirrors_must_be_a_list_of_urls(tmp_path, mirrors):
    with pytest.raises(TypeError, match="mirrors must be a non-empty list of base URLs"):
        download_mnist(tmp_path, mirrors=mirrors)


def test_sha256_must_cover_every_file(tmp_path):
    with pytest.raises(ValueError, match=f"sha256 has no checksum for {TRAIN_LABELS}"):
        download_mnist(tmp_path, sha256={name: "0" * 64 for name in FILES if name != TRAIN_LABELS})


# --- issue 16: a download always ends ------------------------------------------------------------


def stall_reason(server, timeout):
    """The failure a /stall/ mirror gives for the training images, as a regex."""
    size = len((server.root / TRAIN_IMAGES).read_bytes())
    deadline = timeout + size / MIN_RATE  # the documented rule: timeout + size / 50 kB/s
    return (rf"{server.url('stall')}{TRAIN_IMAGES}: stalled: [\d,]+ bytes in [\d.]+ s, "
            rf"deadline {deadline:.1f} s \(timeout {timeout:g} s \+ {size:,} bytes at 50 kB/s\)")


def test_a_stalled_mirror_is_one_failed_mirror_and_the_next_is_tried(server, tmp_path):
    # One byte every 0.3 s never trips the 1 s per-read timeout: only the deadline
    # (1 s + ~4 kB / 50 kB/s = 1.1 s) ends it.  Before the deadline existed this ran for
    # about 20 minutes (4 kB at 0.3 s per byte).
    start = time.monotonic()
    with pytest.warns(MNISTWarning, match=stall_reason(server, 1.0)):
        data = download(server, tmp_path, [server.url("stall"), server.url("ok")], timeout=1)
    seconds = time.monotonic() - start
    assert seconds < 12, f"the stalled mirror held the download for {seconds:.1f} s"
    np.testing.assert_array_equal(data.X_train, server.arrays[TRAIN_IMAGES][:4])
    assert cache_contents(tmp_path) == sorted(FILES)  # the stalled .part is gone


def test_a_download_from_a_stalled_mirror_alone_ends_with_its_reason(server, tmp_path):
    start = time.monotonic()
    with pytest.raises(DownloadError, match=stall_reason(server, 1.0)):
        download(server, tmp_path, [server.url("stall")], timeout=1)
    seconds = time.monotonic() - start
    assert 1.0 < seconds < 12, f"gave up after {seconds:.1f} s"
    assert cache_contents(tmp_path) == []


def test_a_mirror_trickling_its_headers_is_stalled_too(server, tmp_path):
    # The headers never end, one byte every 0.3 s: the deadline (from the published size
    # of the test labels until the server announces a length) closes the connection.
    start = time.monotonic()
    with pytest.warns(MNISTWarning, match=rf"{server.url('slowheaders')}{TEST_LABELS}: stalled: "
                                          r"0 bytes in [\d.]+ s, deadline 1.1 s \(timeout 1 s "
                                          r"\+ 4,542 bytes at 50 kB/s\)"):
        data = download(server, tmp_path, [server.url("slowheaders"), server.url("ok")],
                        timeout=1)
    seconds = time.monotonic() - start
    assert seconds < 12, f"the trickled headers held the download for {seconds:.1f} s"
    np.testing.assert_array_equal(data.y_test, server.arrays[TEST_LABELS])


def test_the_published_size_is_enforced_before_downloading(server, tmp_path):
    # With the published checksums the size is known (SIZES), which also sets the deadline:
    # a mirror announcing another length is refused at once.
    with pytest.raises(DownloadError) as caught:
        download(server, tmp_path, [server.url("ok")], sha256=SHA256)
    length = (server.root / TRAIN_IMAGES).stat().st_size
    assert (f"{TRAIN_IMAGES}: the server announces {length:,} bytes, the published file has "
            f"{mnist.SIZES[TRAIN_IMAGES]:,}") in str(caught.value)


@pytest.mark.parametrize("timeout, error", [
    (None, TypeError), (-1, ValueError), (0, ValueError), (-0.5, ValueError),
    (float("nan"), ValueError), (float("inf"), ValueError), ("30", TypeError),
    (True, TypeError), ([30], TypeError),
])
@pytest.mark.parametrize("function", ["load_mnist", "download_mnist"])
def test_timeout_must_be_a_positive_finite_number(server, tmp_path, timeout, error, function):
    call = getattr(mnist, function)
    with pytest.raises(error, match="timeout must be a positive finite number of seconds"):
        call(cache=tmp_path / "cache", mirrors=[server.url("ok")], sha256=server.sha256,
             progress=False, timeout=timeout)
    assert server.requests == [] and not (tmp_path / "cache").exists()  # before any access


@pytest.mark.parametrize("timeout", [3, 0.5, np.float64(2.0)])
def test_timeout_accepts_positive_numbers(server, tmp_path, timeout):
    assert len(download(server, tmp_path, [server.url("ok")], timeout=timeout).y_test) == 3


def test_a_timeout_too_large_for_a_float_is_named(server, tmp_path):
    with pytest.raises(ValueError, match="timeout must be a positive finite number of seconds, "
                                         "got an int of 401 digits"):
        download(server, tmp_path, [server.url("ok")], timeout=10**400)
    assert server.requests == []


@pytest.mark.parametrize("progress", ["yes", 1, None, float("nan")])
def test_progress_must_be_true_or_false(server, tmp_path, progress):
    with pytest.raises(TypeError, match="progress must be True or False"):
        mnist.download_mnist(cache=tmp_path / "cache", mirrors=[server.url("ok")],
                             sha256=server.sha256, progress=progress)
    assert server.requests == []


def test_a_checksum_that_is_not_a_sha256_is_refused_before_downloading(server, tmp_path):
    sha256 = {**server.sha256, TRAIN_IMAGES: "xyz"}
    with pytest.raises(ValueError, match=f"sha256\\['{TRAIN_IMAGES}'\\] must be a SHA-256 as "
                                         "64 hex digits, got 'xyz'"):
        mnist.download_mnist(cache=tmp_path / "cache", mirrors=[server.url("ok")],
                             sha256=sha256, progress=False)
    assert server.requests == []


# --- issue 16: malformed mirror URLs -----------------------------------------------------------


@pytest.mark.parametrize("bad, reason", [
    ("not a url", "not a URL: a mirror must be an http:// or https:// URL"),
    ("", "not a URL: a mirror must be an http:// or https:// URL"),
    ("ftp://127.0.0.1/mnist/", "ftp:// is not supported: a mirror must be an http:// or "
                               "https:// URL"),
    ("file:///tmp/mnist/", "file:// is not supported"),
    ("http://[::1/", r"not a valid URL \(Invalid IPv6 URL\)"),
    ("http:///mnist/", r"not a valid URL \(no host name\)"),
    ("http://127.0.0.1:port/", r"not a valid URL \(Port could not be cast"),
])
def test_a_malformed_mirror_is_one_failed_mirror(server, tmp_path, bad, reason):
    with pytest.warns(MNISTWarning) as caught:
        data = download(server, tmp_path, [bad, server.url("ok")])
    np.testing.assert_array_equal(data.y_test, server.arrays[TEST_LABELS])
    assert len(caught) == 1
    message = str(caught[0].message)
    # The same bad mirror fails for each file: it is reported once.
    assert message.count(f"  mirror {bad!r}: ") == 1, message
    assert re.search(f"  mirror {re.escape(repr(bad))}: {reason}", message), message


def test_only_malformed_mirrors_explain_each(tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_mnist(tmp_path, mirrors=["not a url", "ftp://example.org/"], progress=False)
    message = str(caught.value)
    assert ("every mirror failed:\n  mirror 'not a url': not a URL: a mirror must be an http:// "
            "or https:// URL\n  mirror 'ftp://example.org/': ftp:// is not supported") in message


@pytest.mark.parametrize("mirrors, message", [
    ([123, "http://127.0.0.1/"], r"mirrors\[0\] is int 123"),
    (["http://127.0.0.1/", None], r"mirrors\[1\] is NoneType None"),
    ([b"http://127.0.0.1/"], r"mirrors\[0\] is bytes b'http://127.0.0.1/'"),
    ({"http://127.0.0.1/"}, "got {'http://127.0.0.1/'}"),
    (b"http://127.0.0.1/", "got b'http://127.0.0.1/'"),
])
def test_mirrors_must_be_a_sequence_of_str(tmp_path, mirrors, message):
    with pytest.raises(TypeError, match="mirrors must be a non-empty list of base URLs "
                                        rf"\(str\).*{message}"):
        download_mnist(tmp_path / "cache", mirrors=mirrors)
    assert not (tmp_path / "cache").exists()


# --- issue 16: a file in the cache that is not the expected one is moved aside -----------------


def test_a_users_file_in_the_cache_is_moved_aside_never_deleted(server, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    # The user's own copy of the labels: the same data, compressed differently.
    users_copy = gzip.compress(idx_bytes(server.arrays[TRAIN_LABELS]), compresslevel=1, mtime=1)
    assert hashlib.sha256(users_copy).hexdigest() != server.sha256[TRAIN_LABELS]
    (cache / TRAIN_LABELS).write_bytes(users_copy)
    with pytest.warns(MNISTWarning) as caught:
        download(server, tmp_path, [server.url("ok")])
    message = str(caught[0].message)
    assert f"The cached {cache / TRAIN_LABELS} is not the expected file" in message
    assert f"It was moved to {cache / TRAIN_LABELS}.rejected" in message
    assert "downloaded afresh" in message
    assert (cache / f"{TRAIN_LABELS}.rejected").read_bytes() == users_copy  # byte for byte
    assert hashes_of(cache) == server.sha256
    assert server.requests.count(f"/ok/{TRAIN_LABELS}") == 1

    # A second rejected copy never overwrites the first.
    (cache / TRAIN_LABELS).write_bytes(b"second copy")
    with pytest.warns(MNISTWarning, match=f"moved to {re.escape(str(cache / TRAIN_LABELS))}"
                                          ".rejected-2"):
        download(server, tmp_path, [server.url("ok")])
    assert (cache / f"{TRAIN_LABELS}.rejected").read_bytes() == users_copy
    assert (cache / f"{TRAIN_LABELS}.rejected-2").read_bytes() == b"second copy"
    assert hashes_of(cache) == server.sha256


# --- issue 16: partial files of killed downloads ---------------------------------------------------

# A download in another process, against the /stall/ mirror (it never finishes on its own).
# Once it has created (and locked) its .part file and sends its request, it prints the name.
CHILD = """
import json, sys
from nblib import mnist

Opener = mnist.urllib.request.OpenerDirector
mkstemp, open_url, parts = mnist.tempfile.mkstemp, Opener.open, []
def remembered(*args, **kwargs):
    handle, part = mkstemp(*args, **kwargs)
    parts.append(part)
    return handle, part
def announced(*args, **kwargs):
    print(parts[-1], flush=True)
    return open_url(*args, **kwargs)

mnist.tempfile.mkstemp, Opener.open = remembered, announced
mnist.download_mnist(sys.argv[1], mirrors=[sys.argv[2]], sha256=json.loads(sys.argv[3]),
                     progress=False, timeout=60)
"""


def start_stalled_download(server, cache):
    """A download running in a subprocess; returns it and its .part file."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(cache), server.url("stall"),
                              json.dumps(server.sha256)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = child.stdout.readline().strip()
    assert line, f"the download did not start: {child.communicate(timeout=10)[1]}"
    return child, Path(line)


def test_parts_of_killed_downloads_are_removed_not_those_of_running_ones(server, tmp_path):
    cache = tmp_path / "cache"
    children, killed = [], []
    try:
        for how in (signal.SIGKILL, signal.SIGTERM):
            child, part = start_stalled_download(server, cache)
            children.append(child)
            child.send_signal(how)
            child.wait(timeout=10)
            assert part.exists()  # a killed download cannot clean up after itself
            killed.append(part)
        running, running_part = start_stalled_download(server, cache)
        children.append(running)

        download(server, tmp_path, [server.url("ok")])

        assert not any(part.exists() for part in killed)
        assert running.poll() is None and running_part.exists()  # still downloading
        assert cache_contents(tmp_path) == sorted([*FILES, running_part.name])
    finally:
        for child in children:
            child.kill()
            child.communicate()


def test_without_flock_parts_older_than_a_day_are_removed(server, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "fcntl", None, raising=False)  # as on Windows
    cache = tmp_path / "cache"
    cache.mkdir()
    old, fresh = cache / f".{TEST_IMAGES}.abc123.part", cache / f".{TEST_LABELS}.xyz.part"
    other = cache / ".notes.part"  # not a download's file: never touched
    for path in (old, fresh, other):
        path.write_bytes(b"partial")
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (old, other):
        os.utime(path, (two_days_ago, two_days_ago))
    download(server, tmp_path, [server.url("ok")])
    assert not old.exists() and fresh.exists() and other.exists()
    assert hashes_of(cache) == server.sha256  # and the download works without fcntl


# --- issue 16: a cache that cannot be written ------------------------------------------------------


def assert_names_folder_and_fix(error, folder, reason):
    message = str(error)
    assert message.startswith(f"The MNIST download cache {folder} cannot be used: {reason}"), \
        message
    assert "Set NBLIB_CACHE to a writable folder" in message
    assert "set MNIST_DIR to a folder that holds the four files" in message


def refuse(number):
    def refused(*args, **kwargs):
        raise OSError(number, os.strerror(number), str(kwargs.get("dir", "")))
    return refused


def test_a_read_only_cache_is_explained(server, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        try:
            (cache / "probe").touch()
        except PermissionError:
            reason = "permission denied"  # chmod works: the real error
        else:
            # Running as root, chmod does not stop writes: simulate the read-only file
            # system with the error the system gives there (EROFS), where the download
            # creates its file.  (A real read-only mount gives the same message; measured
            # with a read-only tmpfs for issue 16.)
            (cache / "probe").unlink()
            monkeypatch.setattr(mnist.tempfile, "mkstemp", refuse(errno.EROFS))
            reason = "it is on a read-only file system"
        with pytest.raises(MNISTError) as caught:
            download(server, tmp_path, [server.url("ok")])
        assert_names_folder_and_fix(caught.value, cache, reason)
        assert server.requests == []
    finally:
        cache.chmod(0o755)


@pytest.mark.parametrize("number, reason", [
    (errno.EROFS, "it is on a read-only file system"),
    (errno.EACCES, "permission denied"),
    (errno.ENOSPC, r"no space left on the device (MNIST needs about 11 MB)"),
    (errno.EDQUOT, r"disk quota exceeded (MNIST needs about 11 MB)"),
    (errno.EIO, "it cannot be written"),
])
def test_os_errors_of_the_cache_are_explained(server, tmp_path, monkeypatch, number, reason):
    # Simulated where the download creates its file (a real read-only and a real full file
    # system give the same errors there).
    monkeypatch.setattr(mnist.tempfile, "mkstemp", refuse(number))
    with pytest.raises(MNISTError) as caught:
        download(server, tmp_path, [server.url("ok")])
    assert_names_folder_and_fix(caught.value, tmp_path / "cache", reason)
    assert f"[Errno {number}]" in str(caught.value)


def test_no_space_left_while_writing_leaves_no_part(server, tmp_path, monkeypatch):
    new_part = mnist._new_part

    class Full:
        """The .part file on a disk that fills up at the first write."""

        def __init__(self, file):
            self.file = file

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.file, name)

    def full_part(folder, name):
        file, part = new_part(folder, name)
        return Full(file), part

    monkeypatch.setattr(mnist, "_new_part", full_part)
    with pytest.raises(MNISTError) as caught:
        download(server, tmp_path, [server.url("ok")])
    assert_names_folder_and_fix(caught.value, tmp_path / "cache", "no space left on the device")
    assert cache_contents(tmp_path) == []


def test_a_file_where_the_cache_folder_should_be(server, tmp_path):
    (tmp_path / "cache").write_text("not a folder")  # real, no simulation
    with pytest.raises(MNISTError) as caught:
        download(server, tmp_path, [server.url("ok")])
    assert_names_folder_and_fix(caught.value, tmp_path / "cache",
                                "a file stands where the folder should be")
    with pytest.raises(MNISTError) as caught:
        download_mnist(tmp_path / "cache" / "mnist", mirrors=[server.url("ok")],
                       sha256=server.sha256, progress=False)
    assert_names_folder_and_fix(caught.value, tmp_path / "cache" / "mnist",
                                "a file stands where a folder should be")
    assert (tmp_path / "cache").read_text() == "not a folder"


# --- issue 16: IDX headers and SHA256SUMS ------------------------------------------------------


@pytest.mark.parametrize("shape, dimension", [((0, 28, 28), 1), ((5, 28, 0), 3), ((0,), 1)])
def test_a_zero_dimension_is_a_format_error(tmp_path, shape, dimension):
    data = struct.pack(f">I{len(shape)}I", 0x800 + len(shape), *shape)
    path = write_gz(tmp_path / "empty.gz", data)
    with pytest.raises(FormatError, match=rf"empty.gz is damaged or not MNIST: dimension "
                                          rf"{dimension} of its header \({' x '.join(map(str, shape))}"
                                          r"\) is 0"):
        read_idx(path)


def test_a_zero_dimension_through_load_mnist(tmp_path):
    arrays = fake_arrays()
    arrays[TEST_LABELS] = np.zeros(0, dtype=np.uint8)
    arrays[TEST_IMAGES] = np.zeros((0, 28, 28), dtype=np.uint8)
    write_fake_mnist(tmp_path, arrays)
    with pytest.raises(FormatError, match=f"{TEST_IMAGES} is damaged or not MNIST"):
        load_mnist(tmp_path, n_val=1)


def test_sha256sums_that_is_not_utf8(tmp_path):
    (tmp_path / "SHA256SUMS").write_bytes(f"{'ab' * 32}  caf\u00e9.gz\n".encode("latin-1"))
    with pytest.raises(ChecksumError, match=f"{tmp_path / 'SHA256SUMS'} is not a sha256sum "
                                            r"file: it is not UTF-8 text \(byte 0xe9 at "
                                            "position 69\\)"):
        read_sha256sums(tmp_path / "SHA256SUMS")


def test_sha256sums_that_is_not_utf8_through_load_mnist(tmp_path):
    write_fake_mnist(tmp_path)
    (tmp_path / "SHA256SUMS").write_bytes(b"\xff\xfe" + (tmp_path / "SHA256SUMS").read_bytes())
    with pytest.raises(ChecksumError, match="SHA256SUMS is not a sha256sum file"):
        load_mnist(tmp_path, n_val=1)


def test_sha256sums_listing_a_file_twice_with_different_checksums(tmp_path):
    (tmp_path / "S").write_text(f"{'ab' * 32}  {TRAIN_IMAGES}\n{'cd' * 32}  {TEST_IMAGES}\n"
                                f"{'ef' * 32}  old/{TRAIN_IMAGES}\n")
    with pytest.raises(ChecksumError, match=f"{tmp_path / 'S'} lists {TRAIN_IMAGES} twice with "
                                            f"different checksums: line 1 says {'ab' * 32}, "
                                            f"line 3 says {'ef' * 32}"):
        read_sha256sums(tmp_path / "S")


def test_sha256sums_listing_a_file_twice_with_the_same_checksum_is_accepted(tmp_path):
    # As `sha256sum a/x.gz b/x.gz` writes for two copies: either line accepts the same bytes.
    (tmp_path / "S").write_text(f"{'ab' * 32}  a/{TRAIN_IMAGES}\n{'AB' * 32}  b/{TRAIN_IMAGES}\n")
    assert read_sha256sums(tmp_path / "S") == {TRAIN_IMAGES: "ab" * 32}


# --- issue 16: paths of the wrong type -------------------------------------------------------------


@pytest.mark.parametrize("call, argument, kind", [
    (lambda: load_mnist(123), "mnist_dir", "int"),
    (lambda: load_mnist(cache=3.5), "cache", "float"),
    (lambda: load_mnist(cache=["data"]), "cache", "list"),
    (lambda: check_folder(None), "folder", "NoneType"),
    (lambda: read_idx(None), "path", "NoneType"),
    (lambda: read_idx(b"/tmp/x.gz"), "path", "bytes"),
    (lambda: read_sha256sums(5), "path", "int"),
    (lambda: file_sha256(None), "path", "NoneType"),
    (lambda: download_mnist(cache=3), "cache", "int"),
    (lambda: download_mnist(cache=True), "cache", "bool"),
])
def test_a_path_of_the_wrong_type_is_named(call, argument, kind):
    with pytest.raises(TypeError, match=f"^{argument} must be a str or os.PathLike "
                                        rf"\(a path\), got {kind} "):
        call()


@pytest.mark.parametrize("reader", [read_idx, file_sha256, read_sha256sums])
def test_a_missing_file_is_named_and_still_a_file_not_found_error(tmp_path, reader):
    with pytest.raises(FileNotFoundError, match="path names no file: .* does not exist") as caught:
        reader(tmp_path / "no such file")
    assert isinstance(caught.value, mnist.MNISTError)
    with pytest.raises(ValueError, match="path must be a file, got the folder"):
        reader(tmp_path)


@pytest.mark.parametrize("ndim, error, message", [
    ("3", TypeError, "ndim must be a whole number of dimensions"),
    (3.0, TypeError, "ndim must be a whole number of dimensions"),
    (True, TypeError, "ndim must be a whole number of dimensions"),
    (0, ValueError, "ndim must be between 1 and 255"),
    (-1, ValueError, "ndim must be between 1 and 255"),
    (10**400, ValueError, "ndim must be between 1 and 255"),
])
def test_read_idx_names_a_bad_ndim(tmp_path, ndim, error, message):
    write_fake_mnist(tmp_path)
    with pytest.raises(error, match=message):
        read_idx(tmp_path / TEST_LABELS, ndim=ndim)
    assert read_idx(tmp_path / TEST_LABELS, ndim=np.int64(1)).shape == (3,)


def test_to_float32_names_ragged_rows():
    with pytest.raises(ValueError, match="images must be an array of uint8 images"):
        to_float32([[1, 2], [3]])


def test_an_empty_path_is_refused():
    with pytest.raises(ValueError, match="mnist_dir must be a path, got an empty string"):
        load_mnist("")


def test_path_like_objects_are_accepted(tmp_path):
    write_fake_mnist(tmp_path)

    class Folder:
        def __fspath__(self):
            return str(tmp_path)

    assert len(load_mnist(Folder(), n_val=1).y_test) == 3
    assert file_sha256(str(tmp_path / TEST_LABELS)) == file_sha256(tmp_path / TEST_LABELS)


# --- to_float32 -----------------------------------------------------------------------------------


def test_to_float32_scales_and_flattens():
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1], images[1, 27, 27] = 255, 51, 1
    X = to_float32(images)
    assert X.dtype == np.float32 and X.shape == (2, 784)
    assert X[0, 0] == 1.0 and X[0, 1] == np.float32(0.2) and X[1, 783] == np.float32(1 / 255)
    assert X.min() == 0.0 and X.max() == 1.0


def test_to_float32_on_a_batch_slice_and_on_rows():
    images = np.random.default_rng(3).integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    batch = to_float32(images[4:7])
    assert batch.shape == (3, 784)
    np.testing.assert_array_equal(batch, images[4:7].reshape(3, 784) / np.float32(255))
    np.testing.assert_array_equal(to_float32(images.reshape(10, 784)), to_float32(images))
    assert to_float32(images[::3]).shape == (4, 784)  # non-contiguous slices too


def test_to_float32_does_not_change_its_input():
    images = np.full((1, 28, 28), 200, dtype=np.uint8)
    to_float32(images)
    assert images.dtype == np.uint8 and images.max() == 200


@pytest.mark.parametrize("images, error, message", [
    (np.zeros((2, 28, 28)), TypeError, "uint8 gray levels that load_mnist returns, got dtype "
                                       "float64"),
    (np.zeros((28, 28), np.uint8), ValueError, r"got \(28, 28\); for one image pass "
                                               r"images\[i:i \+ 1\]"),
    (np.zeros((2, 784, 1), np.uint8), ValueError,
     r"\(n, 28, 28\) or \(n, 784\), got \(2, 784, 1\)"),
])
def test_to_float32_rejects(images, error, message):
    with pytest.raises(error, match=message):
        to_float32(images)


# --- the real data (offline copy) -----------------------------------------------------------------

MISSING_REAL = (f"no MNIST copy at {REAL_DIR}: set MNIST_DIR to a folder holding the four "
                "MNIST files to run the real-data tests")


@pytest.fixture(scope="module")
def real():
    if not REAL_DIR.is_dir():
        if ON_CI:
            pytest.fail(f"CI needs MNIST offline: {MISSING_REAL}")
        pytest.skip(MISSING_REAL)
    start = time.perf_counter()
    data = load_mnist(REAL_DIR)
    return data, time.perf_counter() - start


def test_real_shapes_and_dtypes(real):
    data, _ = real
    assert data.X_train.shape == (50_000, 28, 28) and data.y_train.shape == (50_000,)
    assert data.X_val.shape == (10_000, 28, 28) and data.y_val.shape == (10_000,)
    assert data.X_test.shape == (10_000, 28, 28) and data.y_test.shape == (10_000,)
    assert all(array.dtype == np.uint8 for array in data)
    assert data.X_train.max() == 255 and data.X_test.min() == 0


def test_real_labels(real):
    data, _ = real
    for labels in (data.y_train, data.y_val, data.y_test):
        assert set(np.unique(labels)) == set(range(10))
    np.testing.assert_array_equal(data.y_train[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    np.testing.assert_array_equal(data.y_test[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    all_train = np.concatenate([data.y_train, data.y_val])
    np.testing.assert_array_equal(np.bincount(all_train),
                                  [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    np.testing.assert_array_equal(np.bincount(data.y_test),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])


def test_real_load_is_fast(real):
    _, seconds = real
    assert seconds < 10, f"loading MNIST took {seconds:.1f} s"


def test_real_files_match_their_checksums(real):
    paths = check_folder(REAL_DIR)
    sums = REAL_DIR / "SHA256SUMS"
    expected = read_sha256sums(sums) if sums.is_file() else dict(SHA256)
    assert {name: file_sha256(path) for name, path in paths.items()} == expected


def test_real_sha256sums_are_enforced(real, tmp_path):
    if not (REAL_DIR / "SHA256SUMS").is_file():
        pytest.skip(f"{REAL_DIR} has no SHA256SUMS (checked against the published checksums)")
    for name in FILES:  # links, not copies: 11 MB stay where they are
        (tmp_path / name).symlink_to(REAL_DIR / name)
    sums = (REAL_DIR / "SHA256SUMS").read_text()
    real_hash = read_sha256sums(REAL_DIR / "SHA256SUMS")[TRAIN_IMAGES]
    (tmp_path / "SHA256SUMS").write_text(sums.replace(real_hash, "f" * 64))
    with pytest.raises(ChecksumError, match=f"expected \\(from .*SHA256SUMS\\): {'f' * 64}"):
        check_folder(tmp_path)
