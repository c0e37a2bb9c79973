"""Argument checks shared by every layer, so that one kind of bad value reads the same."""

import math
import numbers


def is_integer(value, minimum: int = 1) -> bool:
    """Whether `value` is a whole number (not a boolean) of at least `minimum`.

    Python and NumPy integers and whole floats (`3.0`) count; strings, fractions and
    non-finite numbers do not.
    """
    if isinstance(value, bool):
        return False
    whole = isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer())
    return whole and value >= minimum


def integer(name: str, value, *, minimum: int = 1, optional: bool = False,
            hint: str = "") -> int | None:
    """Returns `value` as an `int`, or raises ValueError naming `name` and `value`.

    Accepts Python and NumPy integers and whole floats (`3.0`, as JSON or a flag parser may
    give them); refuses booleans, strings, fractions and non-finite numbers.

    Args:
        name: The argument's name, for the message.
        value: The value received.
        minimum: The smallest value allowed (1: "a positive integer", 0: "a non-negative
            integer").
        optional: Also accept `None` (returned as is), meaning "the default".
        hint: What the number counts, shown in parentheses after the kind (e.g. "an update
            count").

    Returns:
        `int(value)`, or `None` when `optional` and `value` is `None`.

    Raises:
        ValueError: Unless `value` is a whole number >= `minimum` (or an allowed `None`).
    """
    if optional and value is None:
        return None
    if not is_integer(value, minimum):
        kind = {1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {kind}{' or None' if optional else ''}"
                         f"{f' ({hint})' if hint else ''}; received {value!r}")
    return int(value)


def number(name: str, value, low: float = 0.0, high: float | None = None, *,
           low_open: bool = True, high_open: bool = True, hint: str = "") -> float:
    """Returns `value` as a `float`, or raises ValueError naming `name` and `value`.

    Accepts Python and NumPy real numbers; refuses booleans, strings and non-finite
    numbers, and numbers outside the interval from `low` to `high` (`None`: no upper end).

    Args:
        name: The argument's name, for the message.
        value: The value received.
        low: The interval's lower end.
        high: Its upper end, or `None`.
        low_open: Whether `low` itself is refused ("(0, 1)" rather than "[0, 1)").
        high_open: Whether `high` itself is refused.
        hint: Shown in parentheses after the interval (e.g. "0: no moving average").

    Raises:
        ValueError: "tau must be in (0, 1); received 1.5", "lr must be a positive number;
            received 0.0".
    """
    fits = (not isinstance(value, bool) and isinstance(value, numbers.Real)
            and math.isfinite(value)
            and (value > low if low_open else value >= low)
            and (high is None or (value < high if high_open else value <= high)))
    if not fits:
        if high is None:
            kind = ("a positive number" if low == 0 and low_open
                    else f"a number {'>' if low_open else '>='} {low:g}")
        else:
            kind = (f"in {'(' if low_open else '['}{low:g}, {high:g}"
                    f"{')' if high_open else ']'}")
        raise ValueError(f"{name} must be {kind}{f' ({hint})' if hint else ''}; "
                         f"received {value!r}")
    return float(value)
