"""The data-deletion baseline: delete Omega and the samples like it, re-train, measure.

Deletes the training samples with the given labels and those whose classifier features
have a cosine similarity of at least --threshold to one of them, re-trains the DCGAN from
scratch with the pre-training recipe (100 epochs, K_G = 5: the shipped model's), and
measures invalidity and the Inception Score of the result, for comparison with redaction
(paper, Table III).

Usage (installed, `bin/delete` is `keras-redact-delete`):
  bin/delete --labels=0                      # about 15-35 min on 2 CPU cores
  bin/delete --labels=0 --threshold=0.7 --epochs=20 --output_dir=runs/delete-quick

Writes <output_dir>/generator.keras, discriminator.keras, gan_metrics.json (the
re-training) and metrics.json (deletion and evaluation).
"""

import json

from absl import flags

from keras_redact.cli.flags import parse_labels, run

_LABELS = flags.DEFINE_list("labels", ["0"], "Labels of Omega.")
_THRESHOLD = flags.DEFINE_float("threshold", 0.8, "Delete samples with a cosine similarity "
                                "of at least this to a sample of Omega.")
_REPRESENTATION = flags.DEFINE_enum("representation", "features", ["features", "pixels"],
                                    "Where the cosine similarity is taken.")
_DATASET = flags.DEFINE_string("dataset", "mnist_5k", "Training data.")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data folder.")
_CLASSIFIER = flags.DEFINE_string("classifier", None, "Label classifier .keras (default: "
                                  "the shipped MNIST classifier).")
_EPOCHS = flags.DEFINE_integer("epochs", 100, "Re-training epochs (the shipped recipe: 100).")
_G_STEPS = flags.DEFINE_integer("g_steps", 5, "K_G of the re-training.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Output folder (default "
                                  "runs/delete-<timestamp>); must be new or empty.")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 50_000, "Samples for invalidity and IS.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")


def main(argv):
    del argv
    from keras_redact.jobs import delete

    labels = parse_labels(_LABELS.value)
    metrics = delete.delete_and_retrain(delete.DeleteConfig(
        labels=labels, threshold=_THRESHOLD.value, representation=_REPRESENTATION.value,
        dataset=_DATASET.value, data_dir=_DATA_DIR.value, classifier=_CLASSIFIER.value,
        epochs=_EPOCHS.value, g_steps=_G_STEPS.value, output_dir=_OUTPUT_DIR.value,
        eval_samples=_EVAL_SAMPLES.value, seed=_SEED.value))
    print(json.dumps(metrics, indent=2))


def entry():
    """The `keras-redact-delete` console script (and `bin/delete`)."""
    run(main, __name__)
