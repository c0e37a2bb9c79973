"""Pre-trains a DCGAN or a label classifier.

Usage (installed, `bin/pretrain` is `keras-redact-pretrain`):
  bin/pretrain --what=classifier --epochs=30 --output_dir=runs/mnist
  bin/pretrain --what=gan --epochs=200 --output_dir=runs/mnist \
      --classifier=runs/mnist/classifier.keras
  bin/pretrain --what=conditional_gan --epochs=80 --output_dir=runs/mnist_conditional \
      --classifier=runs/mnist/classifier.keras
  bin/pretrain --what=classifier --base_filters=8 --epochs=10 --output_dir=runs/small \
      --teacher=runs/mnist/classifier.keras --teacher_generator=runs/mnist/generator.keras

Writes `<output>/generator.keras` and `discriminator.keras` (or `classifier.keras`) and
`<output>/<what>_metrics.json`; per-epoch sample grids, TensorBoard logs and the resumable
backup go to --work_dir. Interrupted runs resume from the backup when rerun.
"""

import json

from absl import flags

from keras_redact.cli.flags import define_scaling_flags, run, scaling_values

_DATASET = flags.DEFINE_string(
    "dataset", "mnist_5k", "Dataset: mnist_5k (embedded), a TFDS name, an IDX folder or an "
    "image folder.")
_WHAT = flags.DEFINE_enum("what", "gan", ["gan", "conditional_gan", "classifier"],
                          "What to pre-train: a DCGAN, a class-conditional DCGAN (on the "
                          "data's labels) or a label classifier.")
_EPOCHS = flags.DEFINE_integer("epochs", 200, "Training epochs (paper: 200 for the GAN).")
_STEPS_PER_EPOCH = flags.DEFINE_integer(
    "steps_per_epoch", None, "Train steps per epoch (default: one pass over the data); "
    "caps the epochs of a large dataset.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Batch size (paper: 64).")
_OUTPUT = flags.DEFINE_string("output_dir", "runs/pretrained", "Folder for the trained models.")
_WORK_DIR = flags.DEFINE_string(
    "work_dir", None, "Folder for sample grids, TensorBoard logs and the resumable backup.")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data folder.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")
_G_STEPS = flags.DEFINE_integer(
    "g_steps", None, "Generator updates per batch, K_G (default: the paper's 5; 2 for "
    "--what=conditional_gan).")
_D_STEPS = flags.DEFINE_integer("d_steps", 1, "Discriminator updates per batch, K_D.")
_CLASSIFIER = flags.DEFINE_string(
    "classifier", None, "Label classifier .keras used to report the GAN's IS and label shares.")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 10_000, "Samples for that report.")
_BASE_FILTERS = flags.DEFINE_integer(
    "base_filters", None, "Width of the DCGAN (default: 32 for 28x28 images, else 64) or "
    "of the label classifier's first block (default: 32).")
_TEACHER = flags.DEFINE_string(
    "teacher", None, "--what=classifier: learn this label classifier's (.keras) class "
    "probabilities instead of the labels (knowledge distillation; no augmentation).")
_TEACHER_GENERATOR = flags.DEFINE_string(
    "teacher_generator", None, "With --teacher: add this generator's (.keras) samples, "
    "labelled by the teacher, to the training images.")
_TEACHER_SAMPLES = flags.DEFINE_integer(
    "teacher_samples", 50_000, "How many samples of --teacher_generator.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing models in --output.")
_SCALING = define_scaling_flags()


def main(argv):
    del argv
    from keras_redact.jobs import pretrain

    config = pretrain.PretrainConfig(
        dataset=_DATASET.value, what=_WHAT.value, epochs=_EPOCHS.value,
        steps_per_epoch=_STEPS_PER_EPOCH.value,
        batch_size=_BATCH_SIZE.value, output_dir=_OUTPUT.value, work_dir=_WORK_DIR.value,
        data_dir=_DATA_DIR.value, seed=_SEED.value, g_steps=_G_STEPS.value,
        d_steps=_D_STEPS.value, classifier=_CLASSIFIER.value,
        eval_samples=_EVAL_SAMPLES.value, base_filters=_BASE_FILTERS.value,
        teacher=_TEACHER.value, teacher_generator=_TEACHER_GENERATOR.value,
        teacher_samples=_TEACHER_SAMPLES.value,
        overwrite=_OVERWRITE.value, **scaling_values(_SCALING))
    figures = pretrain.pretrain(config)
    figures.pop("config")
    print(json.dumps(figures, indent=2))


def entry():
    """The `keras-redact-pretrain` console script (and `bin/pretrain`)."""
    run(main, __name__)
