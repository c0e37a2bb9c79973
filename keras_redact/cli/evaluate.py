"""Evaluates a generator: invalidity, Inception Score, FID and KID.

Usage (installed, `bin/evaluate` is `keras-redact-evaluate`):
  bin/evaluate --generator=runs/redact-X/generator.keras --labels=0
  bin/evaluate --generator=runs/redact-X/export/1 --metrics=invalidity,is
  bin/evaluate --generator=keras_redact/pretrained/mnist_conditional/generator.keras --off_condition

The generator is a .keras file (loaded in Keras' safe mode) or an exported SavedModel
folder (refused if its graph touches files or runs Python, unless --trust_saved_model).
IS uses the label classifier's logits; FID and KID use its penultimate features against
the training samples outside the redaction set. A sample counts in Omega when the
classifier's argmax is a redacted label, whichever method redacted the generator: the
figures are those of the bin/redact run's metrics.json for the same --seed and
--eval_samples. The shipped judge counts the labels beside the shipped classifier.
A conditional generator ([latents, labels]) draws its conditions uniformly; --off_condition
measures its off-condition samples, else --labels under --conditions, and the table adds
each condition's invalidity and the conditional accuracy. Writes <output_dir>/metrics.json
and metrics.md when --output_dir is given, and prints the table.
"""

import json

from absl import flags

from keras_redact.cli.flags import (
    condition_values,
    define_condition_flags,
    parse_labels,
    run,
)

_GENERATOR = flags.DEFINE_string("generator", None, "Generator .keras file or SavedModel "
                                 "folder (default: the shipped pre-trained MNIST DCGAN).")
_LABELS = flags.DEFINE_list("labels", ["0"], "Labels of the redaction set.")
_CLASSIFIER = flags.DEFINE_string("classifier", None, "Label classifier .keras (default: "
                                  "the shipped MNIST classifier).")
_JUDGE = flags.DEFINE_string(
    "judge", None, "An independent label classifier .keras that counts the labels too "
    "(default: the shipped judge with the shipped classifier; '' for none).")
_DATASET = flags.DEFINE_string("dataset", "mnist_5k", "Training data for FID / KID.")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data folder.")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 50_000, "Generated samples.")
_METRICS = flags.DEFINE_list("metrics", ["invalidity", "is", "fid", "kid"], "Metrics: "
                             "invalidity, is, fid, kid (label-classifier features), and the "
                             "opt-in inception_fid (TF-Hub Inception; needs a network once).")
_INCEPTION_HANDLE = flags.DEFINE_string(
    "inception_handle", "https://tfhub.dev/tensorflow/tfgan/eval/inception/1",
    "TF-Hub handle or local SavedModel folder of the Inception network (inception_fid).")
_CONDITIONS = define_condition_flags("measure")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Where metrics.json / metrics.md go.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the latents.")
_TRUST = flags.DEFINE_bool(
    "trust_saved_model", False, "Run a SavedModel --generator even if its graph touches "
    "files or runs Python (refused otherwise; docs/serving.md, 'What is safe to load').")


def main(argv):
    del argv
    from keras_redact.jobs import evaluate

    labels = parse_labels(_LABELS.value)
    kwargs = {} if _GENERATOR.value is None else {"generator": _GENERATOR.value}
    config = evaluate.EvaluateConfig(
        labels=labels, classifier=_CLASSIFIER.value, judge=_JUDGE.value,
        dataset=_DATASET.value, data_dir=_DATA_DIR.value, eval_samples=_EVAL_SAMPLES.value,
        metrics=tuple(_METRICS.value), output_dir=_OUTPUT_DIR.value, seed=_SEED.value,
        inception_handle=_INCEPTION_HANDLE.value, trust_saved_model=_TRUST.value,
        **condition_values(_CONDITIONS),
        **kwargs)
    figures = evaluate.evaluate(config)
    print(evaluate.markdown_table(figures))
    if not _OUTPUT_DIR.value:
        print(json.dumps(figures, indent=2))


def entry():
    """The `keras-redact-evaluate` console script (and `bin/evaluate`)."""
    run(main, __name__)
