"""Redacts labels from a pre-trained GAN (Kong & Chaudhuri, Alg. 1-3).

With no flags it redacts digit 0 from the shipped MNIST DCGAN with the data-based method
(Alg. 1) and the recommended recipe for the data (on the embedded MNIST subset:
`small_data`), and measures invalidity and the Inception Score before and after on 50,000
samples. Hyper-parameters come from a named recipe (docs/redaction.md lists them); the
flags below override its values.

Usage (installed, `bin/redact` is `keras-redact`):
  bin/redact                                   # redact digit 0, data-based
  bin/redact --method=validity --labels=0
  bin/redact --method=classifier --labels=3,8 --output_dir=runs/no38
  bin/redact --recipe=paper                    # the paper's values unchanged
  bin/redact --method=validity --boundary_margin=1 --epochs=4 --lam=0.98
  bin/redact --method=classifier --ambiguity_tau=0.3 --lam=0.8
  bin/redact --method=classifier --labels=0 --ambiguity_tau=0.3   # a union
  bin/redact --method=classifier --freeze_discriminator --epochs=1   # Appendix H
  bin/redact --target_invalidity=1e-3          # stop when certified at 95%
  bin/redact --method=validity --off_condition --generator=G --discriminator=D
  bin/redact --labels=0 --conditions=3,5 --generator=G --discriminator=D
      (G, D: keras_redact/pretrained/mnist_conditional/generator.keras, discriminator.keras)

Your own G and D are read as they are (docs/own_models.md): a sigmoid or tanh G, a
discriminator giving a probability or a logit, labelling real or fake as 1; what cannot
be read from them is declared with --model_contract.

A conditional generator ([latents, labels] inputs) is recognised: its samples are pairs
(x, y), --labels are redacted under --conditions (default: every condition) and
--off_condition redacts the samples that are not what they were drawn for
(docs/conditional.md).

Writes <output_dir>/metrics.json, report.md, before_after.png (the same latents before
and after), invalidity.png (per epoch), samples/epoch_NNN.png, history.csv, and the
redacted generator.keras and discriminator.keras, and exports the generator for TF
Serving as the next version under --export_dir (default <output_dir>/export).
"""

import json

from absl import flags

from keras_redact.cli.flags import (
    condition_values,
    define_condition_flags,
    define_scaling_flags,
    parse_labels,
    parse_list,
    run,
    scaling_values,
)
from keras_redact.redaction import methods

_METHOD = flags.DEFINE_enum(
    "method", "data", list(methods.NAMES), "How Omega is described: " + ", ".join(
        f"{m.name} ({m.algorithm}: {m.omega_given_as})" for m in methods.METHODS.values()))
_LABELS = flags.DEFINE_list("labels", None, "Labels to redact; a comma list is a union. "
                            "Default: 0, unless a preset flag below is given.")
_RECIPE = flags.DEFINE_string(
    "recipe", None, "Named hyper-parameter recipe: paper, paper_cifar10, paper_stl10, "
    "small_data, conditional (docs/redaction.md). Default: the recommended one for the data "
    "and method.")
_EPOCHS = flags.DEFINE_integer("epochs", None, "Redaction epochs (default: the recipe's, "
                               "8 on MNIST).")
_LAM = flags.DEFINE_float("lam", None, "Weight of p_G in the fake mixture, in (0, 1) "
                          "(default: the recipe's).")
_TAU = flags.DEFINE_float("tau", None, "Classifier method: Omega = {f < tau}, tau in (0, 1) "
                          "(default: the recipe's).")
_T = flags.DEFINE_integer("queries_per_round", None, "Validity method: T, samples of G "
                          "queried per round (default: the recipe's, 1000).")
_GENERATOR = flags.DEFINE_string("generator", None, "Pre-trained generator .keras "
                                 "(default: the shipped MNIST DCGAN).")
_DISCRIMINATOR = flags.DEFINE_string("discriminator", None, "Pre-trained discriminator "
                                     ".keras (default: the shipped MNIST DCGAN).")
_CLASSIFIER = flags.DEFINE_string("classifier", None, "Label classifier .keras that "
                                  "measures (default: the shipped MNIST classifier).")
_DATASET = flags.DEFINE_string("dataset", "mnist_5k", "Training data: mnist_5k (embedded), "
                               "a TFDS name (its data folder: TFDS_DATA_DIR), an IDX "
                               "folder or an image folder.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Output folder (default: "
                                  "runs/redact-<timestamp>); must be new or empty.")
_EXPORT = flags.DEFINE_bool("export", True, "Export the redacted generator for TF Serving.")
_AUDIT = flags.DEFINE_bool(
    "audit", False, "After redaction, audit the redacted generator as bin/audit does "
    "(latent search, fine-tuning revival; G0 and the filter as references) into "
    "<output_dir>/audit, metrics.json, report.md and the export; adds minutes.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", None, "TF Serving model base path (default: "
                                  "<output_dir>/export); adds the next version.")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 50_000, "Samples for invalidity and IS "
                                     "before and after.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")
_BOUNDARY_MARGIN = flags.DEFINE_integer(
    "boundary_margin", None, "Preset (Alg. 2): redact boundary artifacts, images whose pixels "
    "within this margin of the border sum to tau_b or more (Appendix F-A).")
_AMBIGUITY_TAU = flags.DEFINE_float(
    "ambiguity_tau", None, "Preset (Alg. 3): redact ambiguous samples, f < tau with f = 1 - "
    "entropy of the label classifier's softmax / log(#classes) (Appendix F-B).")
_ATTRIBUTES = flags.DEFINE_string(
    "attributes", None, "Preset: redact samples whose attributes satisfy this expression, "
    "e.g. '(Black_Hair & Blurry) | (Brown_Hair & Eyeglasses)'; operators & | ! and "
    "parentheses (docs/applications.md). Needs --attribute_classifier.")
_ATTRIBUTE_CLASSIFIER = flags.DEFINE_string(
    "attribute_classifier", None, "Multi-label .keras model, one sigmoid output per attribute.")
_ATTRIBUTE_NAMES = flags.DEFINE_list(
    "attribute_names", None, "Names of the attribute classifier's outputs, in order.")
_CONDITIONS = define_condition_flags("redact")
_FREEZE_D = flags.DEFINE_bool(
    "freeze_discriminator", False, "Train G only, against the frozen D and f: on-manifold "
    "adversarial samples (Appendix H); writes a sample grid every 10 iterations.")
_TARGET = flags.DEFINE_float(
    "target_invalidity", None, "Redact until this invalidity is certified (a one-sided "
    "upper bound on fresh samples at --confidence), then stop: e.g. 1e-3. --epochs then "
    "gives way to --max_epochs.")
_CONFIDENCE = flags.DEFINE_float("confidence", 0.95, "Confidence of the certificate.")
_MAX_EPOCHS = flags.DEFINE_integer("max_epochs", None, "Budget of a --target_invalidity "
                                   "run (default: 3x the recipe's epochs).")
_JUDGE = flags.DEFINE_string(
    "judge", None, "An independent label classifier .keras that took no part in the "
    "redaction: the redacted labels are counted under it too (default: the shipped judge "
    "with the shipped classifier and data).")
_MODEL_CONTRACT = flags.DEFINE_string(
    "model_contract", None, "What the models are, where it cannot be read from them "
    "(docs/own_models.md): e.g. discriminator_range=-1:1,discriminator_real=false; keys "
    "generator_range, discriminator_output, discriminator_real, discriminator_range, "
    "classifier_range.")
_SCALING = define_scaling_flags(jit=False)


def main(argv):
    del argv
    from keras_redact import contract
    from keras_redact.jobs import redact

    config = redact.RedactConfig(
        what=redact.What(
            method=_METHOD.value, labels=parse_labels(_LABELS.value),
            boundary_margin=_BOUNDARY_MARGIN.value, ambiguity_tau=_AMBIGUITY_TAU.value,
            attributes=_ATTRIBUTES.value, attribute_classifier=_ATTRIBUTE_CLASSIFIER.value,
            attribute_names=parse_list(_ATTRIBUTE_NAMES.value, "attribute_names", str),
            **condition_values(_CONDITIONS), freeze_discriminator=_FREEZE_D.value),
        inputs=redact.Inputs(
            generator=_GENERATOR.value, discriminator=_DISCRIMINATOR.value,
            classifier=_CLASSIFIER.value, judge=_JUDGE.value, dataset=_DATASET.value,
            model_contract=contract.parse_declarations(_MODEL_CONTRACT.value) or None),
        training=redact.Training(
            recipe=_RECIPE.value, epochs=_EPOCHS.value, lam=_LAM.value, tau=_TAU.value,
            queries_per_round=_T.value, seed=_SEED.value, **scaling_values(_SCALING)),
        target=redact.Target(
            target_invalidity=_TARGET.value, confidence=_CONFIDENCE.value,
            max_epochs=_MAX_EPOCHS.value),
        output=redact.Output(
            output_dir=_OUTPUT_DIR.value, eval_samples=_EVAL_SAMPLES.value,
            export=_EXPORT.value, export_dir=_EXPORT_DIR.value, audit=_AUDIT.value))
    metrics = redact.redact(config)
    keys = ("method", "labels", "recipe", "epochs", "invalidity_before", "invalidity_after",
            "inception_score_before", "inception_score_after", "seconds", "output_dir",
            "export", "certificate")
    judge = (metrics.get("judge") or {}).get("after") or {}
    search = {name: row["latent_search"]["rate"]
              for name, row in (metrics.get("audit") or {}).get("rows", {}).items()}
    print(json.dumps({**{k: metrics.get(k) for k in keys},
                      "judge_invalidity_after": judge.get("invalidity"),
                      **({"latent_search_success": search} if search else {})}, indent=2))


def entry():
    """The `keras-redact` console script (and `bin/redact`)."""
    run(main, __name__)
