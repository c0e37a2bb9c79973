"""The job libraries: one frozen config and a short pipeline of named steps per job.

`keras_redact.cli.X` (`bin/X`, the console script `keras-redact-X`) parses flags and calls
`keras_redact.jobs.X`; everything a command does can be done from Python with these
(TF-GAN's `train.py` over `train_lib.py`).
"""

import os
import pathlib

from keras_redact import (
    _quiet,  # noqa: F401 (TensorFlow without start-up lines)
    checks,
)
from keras_redact.data.sources import EMBEDDED

PRETRAINED = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "mnist"
"""The shipped MNIST models: generator, discriminator and classifier `.keras` files."""
SHIPPED_JUDGE = PRETRAINED / "judge" / "classifier.keras"
"""The shipped independent judge (docs/pretrained.md)."""


def cache_dir() -> pathlib.Path:
    """Where jobs cache what they can reuse (reference features, "before" measurements):
    `$KERAS_REDACT_CACHE`, or the user cache.

    The user cache is `$XDG_CACHE_HOME/keras_redact` (default `~/.cache/keras_redact`).
    """
    if os.environ.get("KERAS_REDACT_CACHE"):
        return pathlib.Path(os.environ["KERAS_REDACT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "keras_redact"


def is_shipped_classifier(path) -> bool:
    """Whether a classifier path (None: the default) is the shipped MNIST classifier."""
    return path is None or pathlib.Path(path).resolve() == PRETRAINED / "classifier.keras"


def judge_path(judge, classifier, dataset) -> pathlib.Path | None:
    """The independent judge a job counts with: `judge` as named (`""`: none), else the
    shipped judge when the classifier and the data are the shipped ones (it was trained on
    those digits, apart from that classifier), else none."""
    if judge is not None:
        return pathlib.Path(judge) if judge else None
    return (SHIPPED_JUDGE if is_shipped_classifier(classifier) and dataset == EMBEDDED
            else None)


def check_positive_integers(config, names, *, optional: bool = False) -> None:
    """Raises ValueError unless each named field of `config` is a positive integer.

    Args:
        config: A job config (any object with the named attributes).
        names: The field names.
        optional: Also accept `None` (meaning "the default").
    """
    for name in names:
        checks.integer(name, getattr(config, name), optional=optional)

