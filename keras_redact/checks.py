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
