"""Redacting labels from a pre-trained GAN: the library behind `bin/redact`."""

from __future__ import annotations

import dataclasses
import datetime
import pathlib
import time

import keras
import numpy as np

from keras_redact import __version__, export, io, losses
from keras_redact import callbacks as kr_callbacks
from keras_redact.cli import PRETRAINED
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import invalidity as inv_lib
from keras_redact.evaluation import quality, sampling
from keras_redact.evaluation.plots import plot_invalidity
from keras_redact.redaction import (
    InvalidityMonitor,
    RedactionGAN,
    ValidityRounds,
    defaults_for,
    label_membership,
    labels_set,
)

METHODS = ("data", "validity", "classifier")


@dataclasses.dataclass(frozen=True)
class RedactConfig:
    """One redaction job. `None` hyper-parameters take the paper's base values.

    Attributes:
        method: `"data"` (Alg. 1), `"validity"` (Alg. 2) or `"classifier"` (Alg. 3).
        labels: Labels to redact; several form a union.
        epochs: Redaction epochs (MNIST: 8).
        lam: Weight of p_G in the fake mixture, in (0, 1) (MNIST: 0.85).
        alpha_plus: Positive smoothing target in (1/2, 1] (MNIST: 0.95).
        alpha_minus: Negative smoothing target in [0, 1/2) (0.05).
        tau: Threshold of the classifier-based set, in (0, 1) (0.5).
        queries_per_round: T of the validity-based set (1000).
        generator: Pre-trained generator `.keras` (default: the shipped MNIST DCGAN).
        discriminator: Pre-trained discriminator `.keras` (default: shipped).
        classifier: Label classifier `.keras` (default: the shipped MNIST classifier).
        dataset: Dataset name or path (default: the embedded mnist_5k).
        data_dir: TFDS data folder.
        output_dir: Where results go (default `runs/<timestamp>`); must be new or empty.
        eval_samples: Samples for invalidity and IS before and after (paper: 50,000).
        monitor_samples: Samples for the invalidity measured after each epoch.
        batch_size: Batch size (64).
        g_steps: Generator updates per batch (MNIST: 1).
        generator_loss: `"non_saturating"` or `"minimax"`.
        seed: Random seed.
        jit_compile: Compile the train step with XLA.
        export: Export the redacted generator for TF Serving.
        export_dir: Its model base path (default `saved_models/<dataset>_redacted`); each
            run adds the next integer version.
        verbose: Keras verbosity (1: progress bar).
    """

    method: str = "data"
    labels: tuple[int, ...] = (0,)
    epochs: int | None = None
    lam: float | None = None
    alpha_plus: float | None = None
    alpha_minus: float | None = None
    tau: float = 0.5
    queries_per_round: int = 1000
    generator: str | None = None
    discriminator: str | None = None
    classifier: str | None = None
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    output_dir: str | None = None
    eval_samples: int = 50_000
    monitor_samples: int = 5_000
    batch_size: int = 64
    g_steps: int | None = None
    generator_loss: str = "non_saturating"
    seed: int = 0
    jit_compile: bool = True
    export: bool = True
    export_dir: str | None = None
    verbose: int = 1

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; received {self.method!r}")
        if not self.labels:
            raise ValueError("labels must name at least one label; received none")
        if self.lam is not None:
            losses.validate_lam(self.lam)
        losses.validate_smoothing(0.95 if self.alpha_plus is None else self.alpha_plus,
                                  0.05 if self.alpha_minus is None else self.alpha_minus)
        if not 0.0 < self.tau < 1.0:
            raise ValueError(f"tau must be in (0, 1); received {self.tau!r}")
        for name in ("eval_samples", "monitor_samples", "batch_size", "queries_per_round"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer; received {value!r}")
        if self.epochs is not None and (int(self.epochs) != self.epochs or self.epochs < 1):
            raise ValueError(f"epochs must be a positive integer; received {self.epochs!r}")


def _load_model(path, what):
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist")
    return keras.saving.load_model(path)


def _check_fit(generator, discriminator, classifier, image_shape):
    g = tuple(generator.outputs[0].shape[1:])
    shapes = {"generator output": g,
              "discriminator input": tuple(discriminator.inputs[0].shape[1:]),
              "classifier input": tuple(classifier.inputs[0].shape[1:]),
              "data": tuple(image_shape)}
    if len(set(shapes.values())) != 1:
        listing = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise ValueError(f"Shapes do not fit: {listing}")


def quality_and_invalidity(generator, classifier, membership, num_samples, seed):
    """Invalidity (with its 95% interval) and the Inception Score over N samples."""
    def both(images):
        logits = classifier(images, training=False)
        return logits, membership(images)

    logits, flags = sampling.map_generated(generator, both, num_samples, seed=seed)
    measured = inv_lib.Invalidity.from_flags(flags)
    return {
        "invalidity": measured.value,
        "invalidity_ci": list(measured.ci),
        "inception_score": quality.inception_score_from_logits(logits),
    }


def redact(config: RedactConfig) -> dict:
    """Runs one redaction job; returns the figures written to `metrics.json`.

    Raises:
        ValueError: For bad hyper-parameters, labels, or shapes that do not fit, before
            any training.
        FileExistsError: If the output directory exists and is not empty.
    """
    start = time.time()
    output = pathlib.Path(config.output_dir or pathlib.Path("runs") / datetime.datetime.now()
                          .strftime("redact-%Y%m%d-%H%M%S"))
    generator = _load_model(config.generator or PRETRAINED / "generator.keras", "generator")
    discriminator = _load_model(config.discriminator or PRETRAINED / "discriminator.keras",
                                "discriminator")
    classifier = _load_model(config.classifier or PRETRAINED / "classifier.keras",
                             "classifier")
    train = sources.load(config.dataset, "train", data_dir=config.data_dir)
    _check_fit(generator, discriminator, classifier, train.image_shape)
    images, labels = pipeline.to_numpy(train)
    base = defaults_for(train.image_shape)
    epochs = config.epochs or base["epochs"]

    redaction_set = labels_set(config.method, classifier, config.labels, images=images,
                               image_labels=labels, tau=config.tau,
                               queries_per_round=config.queries_per_round)
    kept = int(np.count_nonzero(~np.isin(labels, config.labels)))
    if kept < config.batch_size:
        raise ValueError(f"Only {kept} training samples remain outside the redaction set; "
                         f"fewer than one batch of {config.batch_size}")
    membership = label_membership(classifier, config.labels)
    io.fresh_dir(output)
    keras.utils.set_random_seed(config.seed)

    say = print if config.verbose else (lambda *a, **k: None)
    say(f"Measuring the pre-trained generator on {config.eval_samples} samples...")
    before = quality_and_invalidity(generator, classifier, membership, config.eval_samples,
                                    config.seed)
    say(f"  invalidity {before['invalidity']:.3g}, IS {before['inception_score']:.3f}")
    grid = kr_callbacks.SampleGrid(output / "samples", seed=config.seed)
    grid.set_model(generator)
    before_grid = grid.grid()

    model = RedactionGAN(generator, discriminator, redaction_set, seed=config.seed)
    model.compile(lam=config.lam, alpha_plus=config.alpha_plus,
                  alpha_minus=config.alpha_minus, g_steps=config.g_steps,
                  generator_loss=config.generator_loss, jit_compile=config.jit_compile)
    monitor = InvalidityMonitor(membership, config.monitor_samples, seed=config.seed + 1)
    callbacks = [monitor, grid, keras.callbacks.CSVLogger(str(output / "history.csv"))]
    rounds = None
    if config.method == "validity":
        rounds = ValidityRounds(seed=config.seed)
        callbacks.insert(0, rounds)
    redaction_samples = (None if config.method == "data"
                         else redaction_set.initial_samples(images))
    say(f"Redacting labels {list(config.labels)} with the {config.method}-based method for "
        f"{epochs} epochs on {kept} kept samples...")
    fit_start = time.time()
    data = pipeline.batches(train, config.batch_size, seed=config.seed, part="kept",
                            predicate=pipeline.label_predicate(config.labels))
    model.fit(data, epochs=epochs, verbose=config.verbose, callbacks=callbacks,
              redaction_samples=redaction_samples)
    fit_seconds = time.time() - fit_start

    say(f"Measuring the redacted generator on {config.eval_samples} samples...")
    after = quality_and_invalidity(generator, classifier, membership, config.eval_samples,
                                   config.seed)
    say(f"  invalidity {after['invalidity']:.3g}, IS {after['inception_score']:.3f}")
    io.write_png(output / "before_after.png",
                 np.concatenate([before_grid, grid.grid()], axis=1))
    plot_invalidity({f"{config.method}-based": monitor.values}, output / "invalidity.png")
    io.save_keras(generator, output / "generator.keras")
    io.save_keras(discriminator, output / "discriminator.keras")

    metrics = {
        "method": config.method,
        "labels": list(config.labels),
        "epochs": epochs,
        "lam": model.lam, "alpha_plus": model.alpha_plus, "alpha_minus": model.alpha_minus,
        "tau": config.tau if config.method == "classifier" else None,
        "queries_per_round": config.queries_per_round if config.method == "validity" else None,
        "eval_samples": config.eval_samples,
        "invalidity_before": before["invalidity"],
        "invalidity_after": after["invalidity"],
        "invalidity_ci_before": before["invalidity_ci"],
        "invalidity_ci_after": after["invalidity_ci"],
        "inception_score_before": before["inception_score"],
        "inception_score_after": after["inception_score"],
        "invalidity_per_epoch": monitor.values,
        "monitor_samples": config.monitor_samples,
        "redaction_samples": int(model.redaction_count.numpy()),
        "validity_queries": (len(images) + config.queries_per_round * epochs
                             if rounds else None),
        "fit_seconds": round(fit_seconds, 1),
        "seconds": round(time.time() - start, 1),
        "seed": config.seed,
        "dataset": config.dataset,
        "keras_redact_version": __version__,
        "output_dir": str(output),
    }
    if config.export:
        base = config.export_dir or (pathlib.Path("saved_models")
                                     / f"{pathlib.Path(config.dataset).name}_redacted")
        metrics["export"] = str(export.export_generator(generator, base, metadata=metrics))
        say(f"Exported for TF Serving: {metrics['export']}")
    io.write_json(output / "metrics.json", metrics)
    return metrics

