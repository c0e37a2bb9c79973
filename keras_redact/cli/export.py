"""Exports a generator `.keras` file as a SavedModel version for TF Serving.

Usage (installed, `bin/export` is `keras-redact-export`):
  bin/export --generator=runs/redact-X/generator.keras --export_dir=saved_models/mnist
  bin/export --generator=g.keras --export_dir=saved_models/mnist --version=7

Writes <export_dir>/<version>/ (default version: the largest existing plus one) with the
signatures serving_default, sample and sample_png; see docs/serving.md. If the generator's
folder holds the metrics.json of a bin/redact run, it travels in the export as metadata.
"""

import json
import pathlib

from absl import flags

from keras_redact.cli.flags import run

_GENERATOR = flags.DEFINE_string("generator", None, "Generator .keras file.", required=True)
_EXPORT_DIR = flags.DEFINE_string("export_dir", "saved_models/generator",
                                  "Model base path (TF Serving --model_base_path).")
_VERSION = flags.DEFINE_integer("version", None, "Version number (default: next free).")


def main(argv):
    del argv
    from keras_redact import export, io

    path = pathlib.Path(_GENERATOR.value)
    if not path.is_file():
        raise FileNotFoundError(f"--generator {path} is not a file")
    generator = io.load_keras(path, "generator")
    metrics = path.parent / "metrics.json"
    metadata = json.loads(metrics.read_text()) if metrics.is_file() else {}
    metadata["source"] = str(path)
    target = export.export_generator(generator, _EXPORT_DIR.value, _VERSION.value, metadata)
    print(target)


def entry():
    """The `keras-redact-export` console script (and `bin/export`)."""
    run(main, __name__)
