"""The wall time of a job's named phases, for `metrics.json`."""

from __future__ import annotations

import contextlib
import time


class Phases:
    """Seconds spent in each named phase of a job, in the order they ran.

    Example:
        >>> phases = Phases()
        >>> with phases("load"):
        ...     models = load_models(config)
        >>> phases.as_dict()
        {'load': 1.93}
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        """Adds `seconds` to phase `name` (a phase may run more than once)."""
        self.seconds[name] = self.seconds.get(name, 0.0) + float(seconds)

    def as_dict(self) -> dict[str, float]:
        """`{phase: seconds}` rounded to 10 ms, in the order the phases first ran."""
        return {name: round(seconds, 2) for name, seconds in self.seconds.items()}
