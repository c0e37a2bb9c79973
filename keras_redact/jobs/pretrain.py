"""Pre-training a DCGAN or a label classifier: the library behind `bin/pretrain`."""

from __future__ import annotations

import dataclasses
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf

from keras_redact import callbacks as kr_callbacks
from keras_redact import distribute, io, seeds
from keras_redact.conditions import images_in
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import quality, sampling
from keras_redact.jobs import check_positive_integers
from keras_redact.models import (
    DCGAN,
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    LabelClassifier,
)
from keras_redact.models.optimizers import adam
from keras_redact.redaction.sets import batched

WHAT = ("gan", "conditional_gan", "classifier")


@dataclasses.dataclass(frozen=True)
class PretrainConfig:
    """One pre-training job. Defaults are the paper's (Appendix D).

    Attributes:
        dataset: Dataset name or path (see `keras_redact.data.load`).
        what: `"gan"`, `"conditional_gan"` (G(z, y) and a projection D(x, y) on the
            data's labels) or `"classifier"`.
        epochs: Training epochs (paper: 200 for the GAN).
        steps_per_epoch: Train steps per epoch (default: one pass over the data); the
            data repeat as needed. Caps an epoch of a large dataset.
        batch_size: Batch size (paper: 64).
        output_dir: Folder for the trained models and `metrics.json`.
        work_dir: Folder for per-epoch sample grids, TensorBoard logs and the
            `BackupAndRestore` state (resuming an interrupted run). Default:
            `<output_dir>/../runs/pretrain-<name>`.
        data_dir: TFDS data folder.
        seed: Seed for weights, latents and shuffling.
        alpha_plus: Positive smoothing target (GAN).
        alpha_minus: Negative smoothing target (GAN).
        d_steps: Discriminator updates per batch, K_D (GAN).
        g_steps: Generator updates per batch, K_G (GAN). `None`: the paper's 5 for a
            GAN; 2 for a conditional GAN, whose generator with 5 updates a batch learned
            to ignore its latents (one sample per label; docs/pretrained.md).
        learning_rate: Adam learning rate.
        base_filters: Width of the DCGAN, or of the label classifier's first block
            (None: the builders' defaults; the classifier's is 32).
        jit_compile: Compile the train step with XLA (the classifier: where its layers
            allow; its augmentation layers do not).
        strategy: `tf.distribute` strategy: `"default"`, `"mirrored"`, `"multi_worker"` or
            `"tpu"` (see `keras_redact.distribute`); `batch_size` is the global batch.
        mixed_precision: Keras dtype policy: `"float32"`, `"mixed_float16"` or
            `"mixed_bfloat16"`.
        classifier: A label classifier `.keras` used to report the GAN's Inception Score
            and label shares at the end (skipped if None); for a conditional GAN also
            its conditional accuracy (the share of samples the classifier gives the
            label they were drawn for, per label and averaged).
        eval_samples: Generated samples for that report.
        teacher: Classifier: a label classifier `.keras` whose class probabilities the new
            one learns (knowledge distillation) instead of the labels: a cheaper f that
            judges like the teacher (a recipe's `redaction_classifier`). No
            augmentation then: the targets are the teacher's outputs on the images as
            they are.
        teacher_generator: Classifier, with `teacher`: a generator `.keras` whose
            samples, labelled by the teacher, join the training images, so that the
            new classifier also agrees with the teacher on generated images (the ones
            it judges while redacting).
        teacher_samples: How many samples of `teacher_generator` (latent seed `seed`).
        overwrite: Replace existing models in `output_dir`.
        verbose: Keras verbosity (1: progress bar).
    """

    dataset: str = sources.EMBEDDED
    what: str = "gan"
    epochs: int = 200
    steps_per_epoch: int | None = None
    batch_size: int = 64
    output_dir: str = "runs/pretrained"
    work_dir: str | None = None
    data_dir: str | None = None
    seed: int = 0
    alpha_plus: float = 0.9
    alpha_minus: float = 0.1
    d_steps: int = 1
    g_steps: int | None = None
    learning_rate: float = 2e-4
    base_filters: int | None = None
    jit_compile: bool = True
    strategy: str = "default"
    mixed_precision: str = "float32"
    classifier: str | None = None
    eval_samples: int = 10_000
    teacher: str | None = None
    teacher_generator: str | None = None
    teacher_samples: int = 50_000
    overwrite: bool = False
    verbose: int = 1

    def __post_init__(self):
        if self.what not in WHAT:
            raise ValueError(f"what must be one of {WHAT}; received {self.what!r}")
        check_positive_integers(self, ("epochs", "batch_size", "eval_samples",
                                       "teacher_samples"))
        if self.teacher and self.what != "classifier":
            raise ValueError("teacher distils a label classifier: it needs what='classifier'; "
                             f"received what={self.what!r}")
        if self.teacher_generator and not self.teacher:
            raise ValueError("teacher_generator adds generated samples labelled by the "
                             "teacher: it needs teacher (a label classifier .keras)")
        check_positive_integers(self, ("base_filters", "steps_per_epoch"), optional=True)
        distribute.check_names(self.strategy, self.mixed_precision)

    @property
    def generator_steps(self) -> int:
        """K_G: `g_steps`, or the default for `what` (5, or 2 for a conditional GAN)."""
        if self.g_steps is not None:
            return self.g_steps
        return CONDITIONAL_G_STEPS if self.what == "conditional_gan" else 5


CONDITIONAL_G_STEPS = 2
"""K_G of a conditional GAN's pre-training (measured: 5 collapses each label to one sample)."""

_ONLY_FOR = {
    "gan": ("alpha_plus", "alpha_minus", "d_steps", "g_steps", "learning_rate",
            "classifier", "eval_samples"),
    "classifier": ("teacher", "teacher_generator", "teacher_samples"),
}
"""Settings that apply to one kind of pre-training only (GANs: both kinds)."""


def settings_of(config: PretrainConfig) -> dict:
    """The job's settings as `metrics.json` records them: those that apply to `what`."""
    other = "gan" if config.what == "classifier" else "classifier"
    settings = {k: v for k, v in dataclasses.asdict(config).items()
                if k not in _ONLY_FOR[other]}
    if config.what != "classifier":
        settings["g_steps"] = config.generator_steps  # the value trained with
    return settings


def config_of(metrics: dict) -> dict:
    """The `PretrainConfig` fields a run's `*_metrics.json` records (`output`, the name
    before `output_dir`, read as `output_dir`).

    Example:
        >>> PretrainConfig(**config_of(json.loads(path.read_text())))
    """
    config = dict(metrics["config"])
    if "output" in config:
        config["output_dir"] = config.pop("output")
    return config


def _targets(output: pathlib.Path, what: str) -> list[pathlib.Path]:
    names = (["classifier.keras"] if what == "classifier"
             else ["generator.keras", "discriminator.keras"])
    return [output / n for n in names]


def pretrain(config: PretrainConfig, source: sources.ImageSource | None = None) -> dict:
    """Runs one pre-training job and returns its figures (also written to metrics.json).

    Args:
        config: The job.
        source: Training data to use instead of loading `config.dataset` (the deletion
            baseline trains on what is left after deleting).

    Raises:
        FileExistsError: If the output models exist and `overwrite` is False.
        ValueError: For bad configuration or data.
    """
    output = pathlib.Path(config.output_dir)
    targets = _targets(output, config.what)
    existing = [str(p) for p in targets if p.exists()]
    if existing and not config.overwrite:
        raise FileExistsError(f"{', '.join(existing)} exist; pass --overwrite to replace them")
    work_dir = pathlib.Path(config.work_dir or output.parent / "runs" / f"pretrain-{output.name}")
    keras.utils.set_random_seed(config.seed)
    train = source or sources.load(config.dataset, "train", data_dir=config.data_dir)
    start = time.time()
    strategy = distribute.strategy_from_name(config.strategy)
    distribute.check_global_batch(config.batch_size, strategy)
    with distribute.precision(config.mixed_precision), strategy.scope():
        if config.what != "classifier":
            figures = _pretrain_gan(config, train, output, work_dir)
        else:
            figures = _pretrain_classifier(config, train, output, work_dir)
    figures.update(dataset=config.dataset, what=config.what, epochs=config.epochs,
                   batch_size=config.batch_size, seed=config.seed,
                   seconds=round(time.time() - start, 1), config=settings_of(config))
    io.write_json(output / f"{config.what}_metrics.json", figures)
    return figures


def _callbacks(work_dir: pathlib.Path, with_grid: bool):
    cbs = [
        keras.callbacks.BackupAndRestore(str(work_dir / "backup")),
        keras.callbacks.TensorBoard(str(work_dir / "logs")),
    ]
    if with_grid:
        cbs.append(kr_callbacks.SampleGrid(work_dir / "samples",
                                           tensorboard_dir=work_dir / "logs" / "samples"))
    return cbs


def compiled_gan(config: PretrainConfig, image_shape, num_classes: int | None = None) -> DCGAN:
    """A fresh DCGAN for `image_shape`, compiled as `config` pre-trains it.

    `what="conditional_gan"` builds the conditional networks for `num_classes` labels.
    """
    if config.what == "conditional_gan":
        generator = ConditionalDCGANGenerator(image_shape, num_classes,
                                              base_filters=config.base_filters,
                                              name="generator")
        discriminator = ConditionalDCGANDiscriminator(
            image_shape, num_classes, base_filters=config.base_filters, name="discriminator")
    else:
        generator = DCGANGenerator(image_shape, base_filters=config.base_filters,
                                   name="generator")
        discriminator = DCGANDiscriminator(image_shape, base_filters=config.base_filters,
                                           name="discriminator")
    gan = DCGAN(generator, discriminator, seed=config.seed)
    gan.compile(g_optimizer=adam(config.learning_rate), d_optimizer=adam(config.learning_rate),
                alpha_plus=config.alpha_plus, alpha_minus=config.alpha_minus,
                d_steps=config.d_steps, g_steps=config.generator_steps,
                jit_compile=config.jit_compile)
    return gan


def _pretrain_gan(config, train, output, work_dir) -> dict:
    conditional = config.what == "conditional_gan"
    if conditional and train.num_classes is None:
        raise ValueError(f"Dataset {config.dataset!r} has no labels to condition a GAN on")
    gan = compiled_gan(config, train.image_shape, train.num_classes)
    generator, discriminator = gan.generator, gan.discriminator
    data = pipeline.batches(train, config.batch_size, seed=config.seed,
                            with_labels=conditional,
                            repeat=config.steps_per_epoch is not None)
    history = gan.fit(data, epochs=config.epochs, verbose=config.verbose,
                      steps_per_epoch=config.steps_per_epoch,
                      callbacks=_callbacks(work_dir, with_grid=True))
    io.save_keras(generator, output / "generator.keras", overwrite=config.overwrite)
    io.save_keras(discriminator, output / "discriminator.keras", overwrite=config.overwrite)
    figures = {k: float(v[-1]) for k, v in history.history.items()}
    if config.classifier:
        classifier = io.load_keras(config.classifier, "classifier")
        figures.update(label_report(generator, classifier, config.eval_samples, config.seed))
    return figures


def label_report(generator, classifier, num_samples: int, seed: int = 0) -> dict:
    """Inception Score and the share of each predicted label over generated samples.

    For a conditional generator (conditions drawn uniformly) also its conditional
    accuracy: the share of samples the classifier gives their condition's label, per
    label and averaged over labels (`quality.conditional_accuracy`).
    """
    measure = sampling.GeneratedMap(generator, lambda samples: (
        classifier(images_in(samples), training=False),
        samples[1] if isinstance(samples, tuple) else tf.zeros((0,), tf.int32)))
    logits, conditions = measure(num_samples, seed=seed)
    shares = np.bincount(logits.argmax(-1), minlength=logits.shape[-1]) / len(logits)
    report = {
        "inception_score": quality.inception_score_from_logits(logits),
        "label_shares": [round(float(s), 4) for s in shares],
        "eval_samples": int(num_samples),
    }
    if measure.num_classes is not None:
        report.update(quality.conditional_accuracy(logits.argmax(-1), conditions,
                                                   measure.num_classes))
    return report


def _pretrain_classifier(config, train, output, work_dir) -> dict:
    if train.num_classes is None:
        raise ValueError(f"Dataset {config.dataset!r} has no labels to train a classifier on")
    teacher = io.load_keras(config.teacher, "teacher") if config.teacher else None
    generator = (_teacher_generator(config, train.image_shape) if config.teacher_generator
                 else None)
    classifier = LabelClassifier(train.image_shape, train.num_classes,
                                 **({} if config.base_filters is None
                                    else {"filters": config.base_filters}),
                                 augment=teacher is None, name="classifier")
    test = sources.load(config.dataset, "test", data_dir=config.data_dir)
    test_data = pipeline.batches(test, 500, shuffle=False, with_labels=True,
                                 drop_remainder=False)
    if teacher is None:
        data, size = pipeline.batches(train, config.batch_size, seed=config.seed,
                                      with_labels=True,
                                      repeat=config.steps_per_epoch is not None), train.size
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        validation = test_data
    else:
        data, size, figures = _distillation_batches(config, train, teacher, generator)
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)
        validation = None  # targets are the teacher's probabilities; labels come after
    steps = config.epochs * (config.steps_per_epoch
                             or (size // config.batch_size if size else 100))
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=max(steps, 1))
    classifier.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-4),
                       loss=loss, metrics=["accuracy"],
                       # "auto": XLA where the layers allow it, without Keras' warning
                       # that the augmentation layers do not.
                       jit_compile="auto" if config.jit_compile else False)
    classifier.fit(data, epochs=config.epochs, verbose=config.verbose, shuffle=False,
                   steps_per_epoch=config.steps_per_epoch,
                   validation_data=validation,
                   callbacks=_callbacks(work_dir, with_grid=False))
    images, labels = (np.concatenate(a) for a in zip(*test_data.as_numpy_iterator()))
    logits = _logits(classifier, images)
    io.save_keras(classifier, output / "classifier.keras", overwrite=config.overwrite,
                  include_optimizer=False)
    result = {"test_accuracy": float(np.mean(logits.argmax(-1) == labels)),
              "test_size": int(len(labels))}
    if teacher is not None:
        result.update(figures)
        result["teacher_agreement_test"] = _agreement(logits, _logits(teacher, images))
        if generator is not None:
            # Fresh samples (another latent seed than the training ones).
            generated = _images_of(generator, config.eval_samples,
                                   seeds.derive(config.seed, "fresh"))
            result["teacher_agreement_generated"] = _agreement(
                _logits(classifier, generated), _logits(teacher, generated))
    return result


def _distillation_batches(config, train, teacher, generator=None):
    """Training images (and `generator`'s) with the teacher's class probabilities.

    Returns:
        The batches, their number of samples, and the figures to report.

    Raises:
        ValueError: If the teacher does not take the data's images or gives another
            number of classes.
    """
    teacher_in = tuple(teacher.inputs[0].shape[1:])
    teacher_out = int(teacher.outputs[0].shape[-1])
    if teacher_in != tuple(train.image_shape) or teacher_out != train.num_classes:
        raise ValueError(
            f"The teacher {config.teacher} takes images of shape {teacher_in} and gives "
            f"{teacher_out} classes; the data's images have shape {tuple(train.image_shape)} "
            f"and {train.num_classes} classes")
    images, _ = pipeline.to_numpy(train)
    figures = {"teacher": config.teacher, "teacher_generator": config.teacher_generator,
               "distilled_real": int(len(images))}
    if generator is not None:
        generated = _images_of(generator, config.teacher_samples, config.seed)
        images = np.concatenate([images, generated])
        figures["distilled_generated"] = int(len(generated))
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(_logits(teacher, images)))
    data = pipeline.shuffled_batches(
        tf.data.Dataset.from_tensor_slices((images, probabilities)), config.batch_size,
        seed=config.seed, shuffle_buffer=len(images),
        repeat=config.steps_per_epoch is not None)
    return data, len(images), figures


def _teacher_generator(config, image_shape):
    """`config.teacher_generator`, loaded; it must make images of the data's shape."""
    generator = io.load_keras(config.teacher_generator, "teacher generator")
    made = tuple(generator.outputs[0].shape[1:])
    if made != tuple(image_shape):
        raise ValueError(f"The teacher_generator {config.teacher_generator} makes images of "
                         f"shape {made}; the data's have shape {tuple(image_shape)}")
    return generator


def _images_of(generator, num_samples: int, seed: int) -> np.ndarray:
    """`num_samples` images of `generator` (latent seed `seed`)."""
    return sampling.map_generated(generator, images_in, num_samples, seed=seed)


def _agreement(logits, other_logits) -> float:
    """Share of samples on which two classifiers' logits give the same label."""
    return float(np.mean(logits.argmax(-1) == other_logits.argmax(-1)))


def _logits(model, images) -> np.ndarray:
    """`model`'s inference outputs on numpy `images`, in batches (eager: no retracing)."""
    return batched(lambda x: model(x, training=False), images, batch_size=500)

