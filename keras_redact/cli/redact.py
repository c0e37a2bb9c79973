"""Redacts labels from a pre-trained GAN (Kong & Chaudhuri, Alg. 1-3).

With no flags it redacts digit 0 from the shipped MNIST DCGAN with the data-based method
(Alg. 1) for 8 epochs, on the embedded MNIST subset, and measures invalidity and the
Inception Score before and after on 50,000 samples.

Usage (installed, `bin/redact` is `keras-redact`):
  bin/redact                                   # redact digit 0, data-based
  bin/redact --method=validity --labels=0 --queries_per_round=1000
  bin/redact --method=classifier --labels=3,8 --tau=0.5 --output_dir=runs/no38
  bin/redact --g_steps=5 --lam=0.65 \\
      --g_learning_rate=2.5e-4                 # small data: docs/redaction.md
  bin/redact --method=classifier \\
      --redaction_classifier=keras_redact/pretrained/mnist/distilled/classifier.keras \\
      --tau=0.95 --alpha_minus=0 --g_steps=3 --noguide_omega --g_learning_rate=4e-4 \\
      --g_ema_momentum=0.99 --nojit_compile      # classifier-based, small data
  bin/redact --method=validity --boundary_margin=1 --epochs=4 --lam=0.98
  bin/redact --method=classifier --ambiguity_tau=0.3 --lam=0.8
  bin/redact --method=classifier --labels=0 --ambiguity_tau=0.3   # a union
  bin/redact --method=classifier --freeze_discriminator --epochs=1   # Appendix H

Writes <output_dir>/metrics.json, before_after.png (the same latents before and after),
invalidity.png (per epoch), samples/epoch_NNN.png, history.csv, and the redacted
generator.keras and discriminator.keras, and exports the generator for TF Serving to the
next version under --export_dir (default saved_models/<dataset>_redacted/).
"""

import json

from absl import flags

from keras_redact.cli.flags import (
    define_scaling_flags,
    parse_labels,
    parse_list,
    run,
    scaling_values,
)

_METHOD = flags.DEFINE_enum("method", "data", ["data", "validity", "classifier"],
                            "Redaction-set description: data (Alg. 1), validity (Alg. 2), "
                            "classifier (Alg. 3).")
_LABELS = flags.DEFINE_list("labels", None, "Labels to redact; a comma list is a union. "
                            "Default: 0, unless a preset flag below is given.")
_EPOCHS = flags.DEFINE_integer("epochs", None, "Redaction epochs (default: 8 on MNIST).")
_LAM = flags.DEFINE_float("lam", None, "Weight of p_G in the fake mixture, in (0, 1) "
                          "(default: 0.85 on MNIST).")
_LAM_SCHEDULE = flags.DEFINE_list(
    "lam_schedule", None, "lam of epochs 1, 2, ... instead of --lam, e.g. 0.65,0.7: the last "
    "value holds for the later epochs (a low lam redacts faster, a high one keeps quality).")
_ALPHA_PLUS = flags.DEFINE_float("alpha_plus", None, "Positive target in (1/2, 1] "
                                 "(default: 0.95 on MNIST).")
_ALPHA_MINUS = flags.DEFINE_float("alpha_minus", None, "Negative target in [0, 1/2) "
                                  "(default: 0.05).")
_TAU = flags.DEFINE_float("tau", 0.5, "Threshold of the classifier-based set, in (0, 1).")
_T = flags.DEFINE_integer("queries_per_round", 1000, "T: generated samples queried per "
                          "round of the validity-based method.")
_FIRST_T = flags.DEFINE_integer(
    "first_round_queries", None, "Validity method: T of the first round only (default: "
    "--queries_per_round); the pre-trained G's many invalid samples fill Omega' cheaply.")
_GENERATOR = flags.DEFINE_string("generator", None, "Pre-trained generator .keras "
                                 "(default: the shipped MNIST DCGAN).")
_DISCRIMINATOR = flags.DEFINE_string("discriminator", None, "Pre-trained discriminator "
                                     ".keras (default: the shipped MNIST DCGAN).")
_CLASSIFIER = flags.DEFINE_string("classifier", None, "Label classifier .keras "
                                  "(default: the shipped MNIST classifier).")
_REDACTION_CLASSIFIER = flags.DEFINE_string(
    "redaction_classifier", None, "Label classifier .keras that describes Omega for the "
    "validity and classifier methods (v, f), while --classifier measures (default: "
    "--classifier). A smaller one makes the classifier-based step cheaper.")
_DATASET = flags.DEFINE_string("dataset", "mnist_5k", "Training data: mnist_5k (embedded), "
                               "a TFDS name, an IDX folder or an image folder.")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data folder.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Output folder (default: "
                                  "runs/redact-<timestamp>); must be new or empty.")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 50_000, "Samples for invalidity and IS "
                                     "before and after.")
_MONITOR_SAMPLES = flags.DEFINE_integer("monitor_samples", 5_000, "Samples for the "
                                        "invalidity measured after each epoch.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Batch size.")
_STEPS_PER_EPOCH = flags.DEFINE_integer(
    "steps_per_epoch", None, "Train steps per epoch (default: one pass over the kept data; "
    "an mnist_5k pass is 56 steps, the paper's MNIST epoch about 840).")
_G_STEPS = flags.DEFINE_integer("g_steps", None, "Generator updates per batch (MNIST: 1).")
_GUIDE_OMEGA = flags.DEFINE_bool(
    "guide_omega", True, "Classifier method: D judges the p_Omega samples through "
    "guide(D, f), as eq. 6 is written. --noguide_omega: with D alone (same optimum; D learns "
    "from the training samples f is sure of: docs/redaction.md).")
_G_LEARNING_RATE = flags.DEFINE_float("g_learning_rate", 2e-4, "Adam learning rate of G "
                                      "(paper: 2e-4).")
_D_LEARNING_RATE = flags.DEFINE_float("d_learning_rate", 2e-4, "Adam learning rate of D "
                                      "(paper: 2e-4).")
_G_EMA_MOMENTUM = flags.DEFINE_float(
    "g_ema_momentum", 0.0, "If above 0, the redacted G is an exponential moving average of "
    "G's weights with this momentum (Keras' Adam use_ema; 0: off, the paper).")
_G_EMA_WARMUP = flags.DEFINE_bool(
    "g_ema_warmup", True, "With --g_ema_momentum, warm the average up: momentum "
    "min(m, (1 + t) / (10 + t)) at G's update t, so a short run's G holds no trace of the "
    "pre-trained one. --nog_ema_warmup: Keras' constant momentum.")
_G_EMA_START_EPOCHS = flags.DEFINE_integer(
    "g_ema_start_epochs", 0, "With --g_ema_momentum, start the warmed-up average after this "
    "many epochs: a run stopped by then delivers the trained G (0: from the first update).",
    lower_bound=0)
_GENERATOR_LOSS = flags.DEFINE_enum("generator_loss", "non_saturating",
                                    ["non_saturating", "minimax"], "Generator loss.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")
_EXPORT = flags.DEFINE_bool("export", True, "Export the redacted generator for TF Serving.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", None, "TF Serving model base path (default: "
                                  "saved_models/<dataset>_redacted); adds the next version.")
_BOUNDARY_MARGIN = flags.DEFINE_integer(
    "boundary_margin", None, "Preset (Alg. 2): redact boundary artifacts, images whose pixels "
    "within this margin of the border sum to tau_b or more (Appendix F-A).")
_BOUNDARY_THRESHOLD = flags.DEFINE_float(
    "boundary_threshold", None, "tau_b of --boundary_margin (default: 4.25 for margin 1, "
    "10.0 for margin 2); refused if it makes training images invalid.")
_FORCE_BOUNDARY = flags.DEFINE_bool(
    "force_boundary_threshold", False, "Accept a --boundary_threshold that makes training "
    "images invalid (they join Omega and leave the kept data).")
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
_FREEZE_D = flags.DEFINE_bool(
    "freeze_discriminator", False, "Train G only, against the frozen D and f: on-manifold "
    "adversarial samples (Appendix H); writes samples/step_NNNNNN.png every --grid_every "
    "iterations.")
_GRID_EVERY = flags.DEFINE_integer("grid_every", 10, "Iterations between the grids of "
                                   "--freeze_discriminator.")
_SCALING = define_scaling_flags()


def main(argv):
    del argv
    from keras_redact.jobs import redact

    labels = parse_labels(_LABELS.value)
    config = redact.RedactConfig(
        method=_METHOD.value, labels=labels, epochs=_EPOCHS.value, lam=_LAM.value,
        lam_schedule=parse_list(_LAM_SCHEDULE.value, "lam_schedule", float),
        alpha_plus=_ALPHA_PLUS.value, alpha_minus=_ALPHA_MINUS.value, tau=_TAU.value,
        queries_per_round=_T.value, first_round_queries=_FIRST_T.value,
        generator=_GENERATOR.value,
        discriminator=_DISCRIMINATOR.value, classifier=_CLASSIFIER.value,
        dataset=_DATASET.value, data_dir=_DATA_DIR.value, output_dir=_OUTPUT_DIR.value,
        eval_samples=_EVAL_SAMPLES.value, monitor_samples=_MONITOR_SAMPLES.value,
        batch_size=_BATCH_SIZE.value, steps_per_epoch=_STEPS_PER_EPOCH.value,
        g_steps=_G_STEPS.value, guide_omega=_GUIDE_OMEGA.value,
        g_learning_rate=_G_LEARNING_RATE.value, d_learning_rate=_D_LEARNING_RATE.value,
        g_ema_momentum=_G_EMA_MOMENTUM.value, g_ema_warmup=_G_EMA_WARMUP.value,
        g_ema_start_epochs=_G_EMA_START_EPOCHS.value,
        redaction_classifier=_REDACTION_CLASSIFIER.value,
        generator_loss=_GENERATOR_LOSS.value, seed=_SEED.value, export=_EXPORT.value,
        export_dir=_EXPORT_DIR.value, boundary_margin=_BOUNDARY_MARGIN.value,
        boundary_threshold=_BOUNDARY_THRESHOLD.value,
        force_boundary_threshold=_FORCE_BOUNDARY.value, ambiguity_tau=_AMBIGUITY_TAU.value,
        attributes=_ATTRIBUTES.value, attribute_classifier=_ATTRIBUTE_CLASSIFIER.value,
        attribute_names=(tuple(_ATTRIBUTE_NAMES.value) if _ATTRIBUTE_NAMES.value else None),
        freeze_discriminator=_FREEZE_D.value, grid_every=_GRID_EVERY.value,
        **scaling_values(_SCALING))
    metrics = redact.redact(config)
    keys = ("method", "labels", "epochs", "invalidity_before", "invalidity_after",
            "inception_score_before", "inception_score_after", "seconds", "output_dir",
            "export")
    print(json.dumps({k: metrics.get(k) for k in keys}, indent=2))


def entry():
    """The `keras-redact` console script (and `bin/redact`)."""
    run(main, __name__)
