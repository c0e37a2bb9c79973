"""Libraries behind the `bin/` commands: each `bin/X` parses flags and calls `cli.X`."""

import pathlib

PRETRAINED = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "mnist"
"""The shipped MNIST models: generator, discriminator and classifier `.keras` files."""
