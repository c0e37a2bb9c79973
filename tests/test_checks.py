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


@pytest.mark.parametrize("kwargs,value,match", [
    ({}, 0.0, "lr must be a positive number; received 0.0"),
    ({}, float("nan"), "lr must be a positive number; received nan"),
    ({}, True, "received True"),
    ({}, "1e-3", "received '1e-3'"),
    ({"low": 0.0, "high": 1.0}, 1.0, r"lr must be in \(0, 1\); received 1.0"),
    ({"low": 0.0, "high": 1.0, "low_open": False, "hint": "0: off"}, -0.1,
     r"lr must be in \[0, 1\) \(0: off\); received -0.1"),
    ({"low": 0.0, "high": 1.0, "high_open": False}, 1.5, r"lr must be in \(0, 1\]"),
])
def test_number_refuses_with_one_message(kwargs, value, match):
    with pytest.raises(ValueError, match=match):
        checks.number("lr", value, **kwargs)


def test_number_accepts_the_interval_and_numpy():
    assert checks.number("lr", np.float32(0.5), 0.0, 1.0) == 0.5
    assert checks.number("m", 0, 0.0, 1.0, low_open=False) == 0.0
    assert checks.number("q", 1, 0.0, 1.0, high_open=False) == 1.0

