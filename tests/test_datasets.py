"""nblib.datasets: the generators, the shipped CSVs in data/, reading and writing, the cache."""

from pathlib import Path

import numpy as np
import pytest

from nblib import paths
from nblib.datasets import (
    BAKERY_FEATURES,
    DATA_DIR,
    TOY_FEATURES,
    bakery_buns,
    cache_dir,
    read_csv,
    toy_table,
    write_csv,
)

ROOT = Path(__file__).resolve().parent.parent

# --- bakery buns -----------------------------------------------------------------------------


def test_bakery_buns_shape_and_types():
    X, y = bakery_buns()
    assert X.shape == (200, 2)
    assert X.dtype == np.float64
    assert y.shape == (200,)
    assert np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1}


def test_bakery_buns_ranges_and_caliper_precision():
    X, _ = bakery_buns()
    width, height = X[:, 0], X[:, 1]
    assert width.min() >= 3.5 and width.max() <= 7.5
    assert height.min() >= 2.0 and height.max() <= 5.0
    # spread over the whole range, not bunched up
    assert width.min() < 3.7 and width.max() > 7.3
    assert height.min() < 2.2 and height.max() > 4.8
    np.testing.assert_array_equal(X, np.round(X, 2))


@pytest.mark.parametrize("seed", [0, 1, 7, 2024])
def test_bakery_buns_label_rule_exactly(seed):
    X, y = bakery_buns(seed=seed)
    reject = (X[:, 0] > 5.5) & (X[:, 1] > 3.5)
    np.testing.assert_array_equal(y, np.where(reject, 0, 1))
    # both classes present, accepts the majority (the reject corner is 2/4 x 1.5/3 = 1/4)
    assert 0.1 < np.mean(y == 0) < 0.4


def test_bakery_buns_seed_0_counts():
    _, y = bakery_buns()
    assert int(np.sum(y == 1)) == 145 and int(np.sum(y == 0)) == 55


def test_bakery_buns_matches_an_independent_reimplementation():
    rng = np.random.default_rng(3)
    width = np.round(rng.uniform(3.5, 7.5, size=50), 2)
    height = np.round(rng.uniform(2.0, 5.0, size=50), 2)
    X, _ = bakery_buns(n=50, seed=3)
    np.testing.assert_array_equal(X, np.column_stack([width, height]))


def test_bakery_buns_is_deterministic_per_seed():
    X1, y1 = bakery_buns(seed=5)
    X2, y2 = bakery_buns(seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(bakery_buns(seed=np.int64(5))[0], X1)


def test_different_seeds_differ():
    X0, _ = bakery_buns(seed=0)
    X1, _ = bakery_buns(seed=1)
    assert np.mean(X0 != X1) > 0.9


def test_bakery_buns_n():
    X, y = bakery_buns(n=1)
    assert X.shape == (1, 2) and y.shape == (1,)
    assert bakery_buns(n=np.int32(30))[0].shape == (30, 2)


@pytest.mark.parametrize("n", [0, -3, 2.5, "10", None, True])
def test_bakery_buns_bad_n(n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        bakery_buns(n=n)


@pytest.mark.parametrize("seed", [None, 1.5, "0", False])
def test_bakery_buns_bad_seed(seed):
    with pytest.raises(TypeError, match="seed must be an integer"):
        bakery_buns(seed=seed)


def test_bakery_buns_negative_seed_names_seed():
    with pytest.raises(ValueError, match="seed"):
        bakery_buns(seed=-1)


# --- toy table -------------------------------------------------------------------------------


def test_toy_table_values():
    X, y = toy_table()
    np.testing.assert_array_equal(X, [[0, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(y, X[:, 0])  # the label is the first input


def test_toy_table_returns_fresh_arrays():
    X, y = toy_table()
    X[0, 0] = 99
    y[0] = 99
    assert toy_table()[0][0, 0] == 0 and toy_table()[1][0] == 0


# --- the shipped CSVs ----------------------------------------------------------------------------


def test_data_dir_is_the_course_data_folder():
    assert DATA_DIR == ROOT / "data"


@pytest.mark.parametrize("name, generate, features", [
    ("bakery_buns.csv", bakery_buns, BAKERY_FEATURES),
    ("toy_table.csv", toy_table, TOY_FEATURES),
])
def test_shipped_csv_equals_its_generator_exactly(name, generate, features):
    X_file, y_file, names = read_csv(DATA_DIR / name)
    X, y = generate()
    assert names == list(features)
    np.testing.assert_array_equal(X_file, X)
    np.testing.assert_array_equal(y_file, y)


@pytest.mark.parametrize("name, generate, features", [
    ("bakery_buns.csv", bakery_buns, BAKERY_FEATURES),
    ("toy_table.csv", toy_table, TOY_FEATURES),
])
def test_shipped_csv_is_byte_for_byte_what_write_datasets_writes(tmp_path, name, generate,
                                                                features):
    write_csv(tmp_path / name, *generate(), features)
    assert (DATA_DIR / name).read_bytes() == (tmp_path / name).read_bytes()


def test_bakery_csv_opens_in_a_spreadsheet():
    lines = (DATA_DIR / "bakery_buns.csv").read_text(encoding="ascii").splitlines()
    assert lines[0] == "width_cm,height_cm,label"
    assert len(lines) == 201
    assert lines[1] == "6.05,2.96,1"
    assert all(line.count(",") == 2 for line in lines)


def test_toy_csv_text():
    assert (DATA_DIR / "toy_table.csv").read_text() == (
        "x1,x2,x3,label\n0,1,0,0\n1,0,0,1\n1,1,1,1\n0,1,1,0\n")


def test_data_readme_describes_every_shipped_dataset():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for csv_file in DATA_DIR.glob("*.csv"):
        assert f"`{csv_file.name}`" in readme, f"data/README.md does not describe {csv_file.name}"
    for word in [*BAKERY_FEATURES, *TOY_FEATURES, "seed", "NBLIB_CACHE", "data/cache/",
                 "spreadsheet", "5.5", "3.5"]:
        assert word in readme


def test_cache_folder_is_git_ignored():
    assert "data/cache/" in (ROOT / ".gitignore").read_text().splitlines()


# --- write_csv and read_csv ---------------------------------------------------------------------


def test_write_then_read_round_trip(tmp_path):
    X = np.array([[1.5, 2.0], [0.25, -3.0], [7.0, 0.0]])
    y = np.array([1, 0, 1])
    write_csv(tmp_path / "d.csv", X, y, ["a", "b"])
    assert (tmp_path / "d.csv").read_text() == "a,b,label\n1.5,2,1\n0.25,-3,0\n7,0,1\n"
    X_back, y_back, names = read_csv(tmp_path / "d.csv")
    np.testing.assert_array_equal(X_back, X)
    np.testing.assert_array_equal(y_back, y)
    assert names == ["a", "b"]
    assert np.issubdtype(y_back.dtype, np.integer)


def test_read_csv_accepts_str_paths(tmp_path):
    write_csv(str(tmp_path / "d.csv"), [[1.0]], [1], ["a"])
    assert read_csv(str(tmp_path / "d.csv"))[2] == ["a"]


def test_write_read_round_trip_is_exact_for_any_float(tmp_path):
    X = np.array([[123.456789], [1 / 3], [1e-7], [6.02214076e23]])
    write_csv(tmp_path / "d.csv", X, [0, 1, 0, 1], ["a"])
    np.testing.assert_array_equal(read_csv(tmp_path / "d.csv")[0], X)


def test_write_csv_rejects_non_integer_labels(tmp_path):
    with pytest.raises(ValueError, match="y"):
        write_csv(tmp_path / "d.csv", [[1.0], [2.0]], [0.7, 1.0], ["a"])


def test_write_csv_bad_shapes(tmp_path):
    path = tmp_path / "d.csv"
    with pytest.raises(ValueError, match="X must have 2 dimension"):
        write_csv(path, [1.0, 2.0], [0, 1], ["a"])
    with pytest.raises(ValueError, match="y must have 1 dimension"):
        write_csv(path, [[1.0], [2.0]], [[0], [1]], ["a"])
    with pytest.raises(ValueError, match="do not fit together"):
        write_csv(path, [[1.0], [2.0]], [0, 1, 1], ["a"])
    with pytest.raises(ValueError, match="do not fit together"):
        write_csv(path, [[1.0], [2.0]], [0, 1], ["a", "b"])
    with pytest.raises(TypeError, match="X must"):
        write_csv(path, [["a"], ["b"]], [0, 1], ["a"])
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        write_csv(path, [[np.nan], [2.0]], [0, 1], ["a"])
    assert not path.exists()


def test_read_csv_rejects_files_that_are_not_course_datasets(tmp_path):
    html = tmp_path / "page.csv"
    html.write_text("<html><body>403 Forbidden</body></html>\n")
    with pytest.raises(ValueError, match="page.csv is not a course dataset"):
        read_csv(html)
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,label\n")
    with pytest.raises(ValueError, match="header.csv is not a course dataset"):
        read_csv(header_only)


def test_read_csv_empty_file_names_the_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty.csv"):
        read_csv(empty)


def test_read_csv_non_numeric_cell_names_the_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,label\nwide,1\n")
    with pytest.raises(ValueError, match="bad.csv"):
        read_csv(bad)


# --- cache_dir -----------------------------------------------------------------------------------


def test_cache_dir_defaults_to_data_cache(monkeypatch):
    monkeypatch.delenv("NBLIB_CACHE", raising=False)
    assert cache_dir() == DATA_DIR / "cache"


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("NBLIB_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"


def test_cache_dir_override_expands_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NBLIB_CACHE", "~/datasets")
    assert cache_dir() == tmp_path / "datasets"


def test_cache_dir_empty_variable_is_ignored(monkeypatch):
    monkeypatch.setenv("NBLIB_CACHE", "")
    assert cache_dir() == DATA_DIR / "cache"


def test_cache_dir_outside_a_clone(monkeypatch, tmp_path):
    monkeypatch.delenv("NBLIB_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "no-such-folder")
    assert cache_dir() == tmp_path / ".cache" / "nblib"


def test_cache_dir_does_not_create_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NBLIB_CACHE", str(tmp_path / "new"))
    cache_dir()
    assert not (tmp_path / "new").exists()
