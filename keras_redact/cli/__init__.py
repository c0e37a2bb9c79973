"""The absl command lines: flags and `main` of each `bin/` command and console script.

Each module parses its flags and calls the library of the same name in `keras_redact.jobs`
(the benchmarks import those, so the flags live here). `bin/<name>` runs a module from a
checkout; `pip install` makes the console scripts `keras-redact` (redact) and
`keras-redact-<name>` for pretrain, export, evaluate, delete, scores and report.
"""

from keras_redact import _quiet  # noqa: F401 (TensorFlow first, without start-up lines)
