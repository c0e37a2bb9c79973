"""The three ways to describe Omega (paper, Sec. III), each defined once.

| method | Omega given as | algorithm | p_Omega | D is read as |
|---|---|---|---|---|
| `data` | samples of Omega | Alg. 1 | the given samples | D |
| `validity` | v(x) in {0, 1} | Alg. 2 | Omega', grown each epoch | D |
| `classifier` | f(x) in [0, 1] and tau | Alg. 3 | training samples with f < tau | guide(D, f) |

A preset (labels, off-condition pairs, attributes, ...) says what it knows of Omega in a
`Description`: a membership test, and where it can, f and the training samples in Omega.
`get(method).build(description, ...)` makes that method's set from it, so each method's
set is made in one place; `of(redaction_set)` names a set's method, and its flags are what
the rest of the package asks (`RedactionGAN`, the jobs), never the set's class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from keras import ops

from keras_redact.redaction import sets

QUERIES_PER_ROUND = 1000
"""T, the generated samples Alg. 2 queries v on each round (the paper's)."""
CAPACITY = 10_000
"""The most samples Omega' keeps (validity method)."""


@dataclasses.dataclass(frozen=True)
class Description:
    """What a preset knows of Omega, for any method to build its set from.

    Attributes:
        what: Omega in words ("labels [0]"), for messages.
        membership: `samples -> bool`, the test of Omega (the validity method's v is
            1 - membership).
        score: `samples -> f in [0, 1]`, below tau on Omega (None: no classifier set).
        samples: `() -> the training samples in Omega` (None: no data set).
        candidates: `() -> samples v is asked about once before training` (validity), or
            None.
    """

    what: str
    membership: Callable
    score: Callable | None = None
    samples: Callable | None = None
    candidates: Callable | None = None


def _data_set(description: Description, tau, queries_per_round, capacity):
    if description.samples is None:
        raise ValueError(f"The data-based set of {description.what} needs the training "
                         "samples in Omega (give the images and labels)")
    return sets.DataRedactionSet(description.samples(), description.membership)


def _validity_set(description: Description, tau, queries_per_round, capacity):
    member = description.membership
    return sets.ValidityRedactionSet(
        lambda x: 1.0 - ops.cast(member(x), "float32"), queries_per_round, capacity,
        candidates=description.candidates() if description.candidates else None)


def _classifier_set(description: Description, tau, queries_per_round, capacity):
    if description.score is None:
        raise ValueError(f"The classifier-based set of {description.what} needs a "
                         "differentiable f")
    return sets.ClassifierRedactionSet(description.score, tau)


@dataclasses.dataclass(frozen=True)
class Method:
    """One description of Omega: its set, how a preset's set is built, what training does.

    Attributes:
        name: `data`, `validity` or `classifier`.
        algorithm: The paper's algorithm.
        omega_given_as: What the user gives.
        set_class: Its `RedactionSet` class.
        builder: `(description, tau, queries_per_round, capacity) -> set` (`build`).
        fixed_buffer: p_Omega is the given samples (no rounds, no f).
        grows_buffer: Omega' grows each epoch by Alg. 2's rounds (`ValidityRounds`).
        guided: D is read through guide(D, f) of eq. 6 (f's values travel with the data).
    """

    name: str
    algorithm: str
    omega_given_as: str
    set_class: type
    builder: Callable = dataclasses.field(repr=False)
    fixed_buffer: bool = False
    grows_buffer: bool = False
    guided: bool = False

    def build(self, description: Description, *, tau: float = 0.5,
              queries_per_round: int = QUERIES_PER_ROUND,
              capacity: int = CAPACITY) -> sets.RedactionSet:
        """This method's set for `description`.

        Raises:
            ValueError: When the description lacks what the method needs (the data
                method's samples, the classifier method's f).
        """
        return self.builder(description, tau, queries_per_round, capacity)


METHODS = {
    "data": Method("data", "Alg. 1", "samples of Omega", sets.DataRedactionSet,
                   _data_set, fixed_buffer=True),
    "validity": Method("validity", "Alg. 2", "a validity function v",
                       sets.ValidityRedactionSet, _validity_set, grows_buffer=True),
    "classifier": Method("classifier", "Alg. 3", "a differentiable f and a threshold tau",
                         sets.ClassifierRedactionSet, _classifier_set, guided=True),
}
NAMES = tuple(METHODS)
"""The methods' names, in the paper's order."""


def get(name: str) -> Method:
    """The method named `name`.

    Raises:
        ValueError: "method must be one of ('data', 'validity', 'classifier'); received 'x'".
    """
    if name not in METHODS:
        raise ValueError(f"method must be one of {NAMES}; received {name!r}")
    return METHODS[name]


def of(redaction_set) -> Method:
    """The method of a redaction set (a union takes its parts' method).

    Raises:
        ValueError: For an object that is no redaction set of the three.
    """
    for method in METHODS.values():
        if isinstance(redaction_set, method.set_class):
            return method
    raise ValueError(f"{type(redaction_set).__name__} is not a data, validity or classifier "
                     "redaction set")
