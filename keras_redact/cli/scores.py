"""Redaction scores of a bin/redact run: which samples of Omega were easy to redact.

RS(x) = D0(x) - D'(x) for the training samples of the redacted labels (paper, Fig. 4):
writes scores.png (RS against D0 with the fitted line and R^2), easiest.png and
hardest.png (sample grids), scores.npz (per sample), scores.json and scores.md.

Usage (installed, `bin/scores` is `keras-redact-scores`):
  bin/scores --run_dir=runs/redact-20261127-010000
  bin/scores --discriminator_after=my_d.keras --labels=3 --output_dir=runs/scores3
"""

import json

from absl import flags

from keras_redact.cli.flags import parse_labels, run

_RUN_DIR = flags.DEFINE_string("run_dir", None, "A bin/redact output folder.")
_AFTER = flags.DEFINE_string("discriminator_after", None, "D' .keras (default: the run's).")
_BEFORE = flags.DEFINE_string("discriminator_before", None, "D0 .keras (default: the "
                              "shipped MNIST discriminator).")
_LABELS = flags.DEFINE_list("labels", None, "Omega's labels (default: the run's).")
_DATASET = flags.DEFINE_string("dataset", None, "Training data (default: the run's).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data folder.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Output folder (default: "
                                  "<run_dir>/scores); must be new or empty.")
_GRID_SIZE = flags.DEFINE_integer("grid_size", 64, "Samples in each easiest/hardest grid.")


def main(argv):
    del argv
    from keras_redact.jobs import scores

    labels = parse_labels(_LABELS.value)
    summary = scores.scores(scores.ScoresConfig(
        run_dir=_RUN_DIR.value, discriminator_after=_AFTER.value,
        discriminator_before=_BEFORE.value, labels=labels, dataset=_DATASET.value,
        data_dir=_DATA_DIR.value, output_dir=_OUTPUT_DIR.value, grid_size=_GRID_SIZE.value))
    print(json.dumps(summary, indent=2))


def entry():
    """The `keras-redact-scores` console script (and `bin/scores`)."""
    run(main, __name__)
