import numpy as np
import pytest

from keras_redact import checks


@pytest.mark.parametrize("value,minimum,expected", [
    (3, 1, 3), (np.int64(7), 1, 7), (4.0, 1, 4), (np.float32(2.0), 1, 2), (0, 0, 0),
    (5, 5, 5),
])
def test_integer_accepts_whole_numbers(value, minimum, expected):
    result = checks.integer("n", value, minimum=minimum)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value,minimum,match", [
    (0, 1, "n must be a positive integer; received 0"),
    (-1, 0, "n must be a non-negative integer; received -1"),
    (2, 3, "n must be an integer >= 3; received 2"),
    (2.5, 1, "received 2.5"),
    (True, 1, "received True"),
    ("3", 1, "received '3'"),
    (None, 1, "received None"),
    (float("nan"), 1, "received nan"),
    (float("inf"), 1, "received inf"),
    ([1], 1, r"received \[1\]"),
])
def test_integer_refuses_the_rest_with_what_it_received(value, minimum, match):
    with pytest.raises(ValueError, match=match):
        checks.integer("n", value, minimum=minimum)


def test_optional_and_hint_in_the_message():
    assert checks.integer("n", None, optional=True) is None
    with pytest.raises(ValueError, match=r"n must be a positive integer or None; received 0"):
        checks.integer("n", 0, optional=True)
    with pytest.raises(ValueError, match=r"non-negative integer \(an update count\); "
                                         r"received -2"):
        checks.integer("n", -2, minimum=0, hint="an update count")


def test_is_integer_is_the_same_test_without_raising():
    assert checks.is_integer(4) and checks.is_integer(np.int32(4)) and checks.is_integer(4.0)
    assert checks.is_integer(0, minimum=0) and not checks.is_integer(0)
    for value in (True, "4", 4.5, float("nan"), None):
        assert not checks.is_integer(value), value
