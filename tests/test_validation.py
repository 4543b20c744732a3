"""nblib.validation: the input checks every public function relies on."""

import numpy as np
import pytest

from nblib.validation import (
    as_float_array,
    as_scalar,
    check_labels,
    check_positive,
    check_probabilities,
    check_same_shape,
    like_input,
)

# --- as_float_array -----------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (3, np.array(3.0)),
    ([1, 2, 3], np.array([1.0, 2.0, 3.0])),
    ([[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]])),
    (np.array([True, False]), np.array([1.0, 0.0])),
    (np.array([1, 2], dtype=np.int8), np.array([1.0, 2.0])),
    (np.float32(0.5), np.array(0.5)),
])
def test_as_float_array_converts_to_float64(value, expected):
    array = as_float_array(value, "v")
    assert array.dtype == np.float64
    assert array.shape == expected.shape
    np.testing.assert_array_equal(array, expected)


def test_as_float_array_does_not_copy_a_float64_array_needlessly():
    original = np.array([1.0, 2.0])
    assert as_float_array(original, "v") is original


@pytest.mark.parametrize("value", [None, "1.5", b"1", ["a", "b"], [1, None],
                                   np.array([1, 2], dtype=object), {"a": 1},
                                   np.array([1 + 2j]), 1 + 0j])
def test_as_float_array_rejects_non_numbers_naming_the_argument(value):
    with pytest.raises(TypeError, match="my_arg"):
        as_float_array(value, "my_arg")


@pytest.mark.parametrize("value", [np.nan, [1.0, np.inf], [[-np.inf]]])
def test_as_float_array_rejects_nan_and_inf(value):
    with pytest.raises(ValueError, match=r"my_arg contains \d+ NaN or infinite"):
        as_float_array(value, "my_arg")


def test_as_float_array_counts_the_bad_values():
    with pytest.raises(ValueError, match="contains 2 NaN"):
        as_float_array([np.nan, 1.0, np.inf], "v")


def test_as_float_array_finite_false_keeps_nan():
    assert np.isnan(as_float_array([np.nan], "v", finite=False)[0])


@pytest.mark.parametrize("value", [[], np.empty((0, 2)), np.array([])])
def test_as_float_array_rejects_empty(value):
    with pytest.raises(ValueError, match="my_arg is empty"):
        as_float_array(value, "my_arg")


def test_as_float_array_allow_empty():
    assert as_float_array([], "v", allow_empty=True).shape == (0,)


@pytest.mark.parametrize("ndim, value, hint", [
    (1, [[1.0, 2.0]], r"a vector, shape \(n,\)"),
    (2, [1.0, 2.0], r"a matrix, shape \(n, features\)"),
    (0, [1.0], "a single number"),
])
def test_as_float_array_checks_ndim(ndim, value, hint):
    with pytest.raises(ValueError, match=rf"X must have {ndim} dimension\(s\) \({hint}\)"):
        as_float_array(value, "X", ndim=ndim)


def test_as_float_array_ragged_list_names_the_argument():
    with pytest.raises(ValueError, match="my_arg"):
        as_float_array([[1.0, 2.0], [3.0]], "my_arg")


# --- as_scalar -----------------------------------------------------------------


@pytest.mark.parametrize("value", [2, 2.0, np.float32(2.0), np.int64(2), np.array(2.0),
                                   np.array([2.0])])
def test_as_scalar_returns_a_python_float(value):
    result = as_scalar(value, "v")
    assert type(result) is float
    assert result == 2.0


@pytest.mark.parametrize("value", [None, "0.1", True, [0.1], (0.1,), 1j])
def test_as_scalar_rejects_non_numbers(value):
    with pytest.raises(TypeError, match="lr must be a real number"):
        as_scalar(value, "lr")


def test_as_scalar_rejects_several_numbers():
    with pytest.raises(ValueError, match=r"lr must be a single number, got shape \(2,\)"):
        as_scalar(np.array([0.1, 0.2]), "lr")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, np.float64("nan")])
def test_as_scalar_rejects_non_finite(value):
    with pytest.raises(ValueError, match="lr must be finite"):
        as_scalar(value, "lr")


def test_as_scalar_numpy_string_names_the_argument():
    with pytest.raises(TypeError, match="lr"):
        as_scalar(np.array("0.1x"), "lr")


# --- the small checks ------------------------------------------------------------


def test_check_same_shape():
    check_same_shape(np.zeros(3), "a", np.ones(3), "b")
    with pytest.raises(ValueError, match=r"y_hat and y must have the same shape, "
                                         r"got y_hat: \(3,\) and y: \(3, 1\)"):
        check_same_shape(np.zeros(3), "y_hat", np.zeros((3, 1)), "y")


def test_check_labels():
    check_labels(np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"y must hold class labels 0 or 1, found \[0.5, 2.0\]"):
        check_labels(np.array([0.0, 2.0, 0.5, 2.0]))
    with pytest.raises(ValueError, match="labels must hold"):
        check_labels(np.array([-1.0]), name="labels")


def test_check_probabilities():
    check_probabilities(np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match=r"y_hat must hold probabilities in \[0, 1\], "
                                         r"found values from -0.1 to 1.5"):
        check_probabilities(np.array([-0.1, 0.5, 1.5]))


@pytest.mark.parametrize("value", [0, -1.0, -1e-300])
def test_check_positive(value):
    check_positive(1e-300, "lr")
    with pytest.raises(ValueError, match="lr must be positive"):
        check_positive(value, "lr")


def test_like_input():
    assert type(like_input(np.array(0.5), 3)) is float
    assert type(like_input(np.array(0.5), np.float64(3))) is float
    assert type(like_input(np.array(0.5), np.array(3.0))) is float
    result = like_input(np.array([0.5]), [3])
    assert isinstance(result, np.ndarray) and result.shape == (1,)
