"""The job libraries: one frozen config and a short pipeline of named steps per job.

`keras_redact.cli.X` (`bin/X`, the console script `keras-redact-X`) parses flags and calls
`keras_redact.jobs.X`; everything a command does can be done from Python with these
(TF-GAN's `train.py` over `train_lib.py`).
"""

import pathlib

from keras_redact import (
    _quiet,  # noqa: F401 (TensorFlow without start-up lines)
    checks,
)

PRETRAINED = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "mnist"
"""The shipped MNIST models: generator, discriminator and classifier `.keras` files."""


def check_positive_integers(config, names, *, optional: bool = False) -> None:
    """Raises ValueError unless each named field of `config` is a positive integer.

    Args:
        config: A job config (any object with the named attributes).
        names: The field names.
        optional: Also accept `None` (meaning "the default").
    """
    for name in names:
        checks.integer(name, getattr(config, name), optional=optional)

