"""Evaluating a generator: the library behind `bin/evaluate`.

Invalidity (with a 95% interval), the Inception Score from the label classifier's logits,
and FID / KID in the classifier's feature space against the valid training data (X minus
Omega), all over the same N generated samples, streamed in batches.

A conditional generator (`[latents, labels]`, a `.keras` file or an export whose
`serving_default` takes `labels`) draws its conditions uniformly; its Omega is a set of
pairs (the labels under `conditions`, or the off-condition samples), and the figures add
the invalidity under each condition and the conditional accuracy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io as pyio
import json
import os
import pathlib
import time

import numpy as np
import tensorflow as tf

from keras_redact import __version__, checks, export, io
from keras_redact import conditions as cond_lib
from keras_redact import contract as contract_lib
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import inception, quality, sampling
from keras_redact.evaluation import invalidity as inv_lib
from keras_redact.jobs import PRETRAINED
from keras_redact.redaction import (
    check_tau,
    conditional_labels_membership,
    label_membership,
    label_score,
    off_condition_membership,
)

METRICS = ("invalidity", "is", "fid", "kid")
OPT_IN_METRICS = ("inception_fid",)  # Needs TF-Hub's Inception network (a download).


@dataclasses.dataclass(frozen=True)
class EvaluateConfig:
    """One evaluation job.

    Attributes:
        generator: A generator `.keras` file or an exported SavedModel folder (with the
            `serving_default` signature of `keras_redact.export`).
        labels: Labels of the redaction set.
        method: How Omega is described: `"data"` / `"validity"` (the classifier's argmax is
            a redacted label) or `"classifier"` (f = 1 - max p_y below tau). A
            conditional generator's pairs are judged by the argmax.
        tau: Threshold for `"classifier"`.
        classifier: Label classifier `.keras` (default: the shipped MNIST classifier).
        dataset: Training data for FID / KID (its samples outside Omega).
        data_dir: TFDS data folder.
        num_samples: Generated samples N.
        metrics: Which of `METRICS` to compute.
        output_dir: Where `metrics.json` and `metrics.md` go (None: not written).
        seed: Seed of the latents.
        batch_size: Samples per batch.
        inception_handle: TF-Hub handle (or SavedModel folder) of the Inception network
            for the opt-in metric `"inception_fid"`.
        trust_saved_model: Run a SavedModel generator even if its graph touches files or
            runs Python (`keras_redact.export.check_trusted`).
        off_condition: Conditional generators: Omega is the off-condition pairs (x is not
            what it was drawn for, by the classifier) instead of the labels.
        conditions: Conditional generators: the conditions the labels are redacted under
            (None: every condition).
    """

    generator: str = str(PRETRAINED / "generator.keras")
    labels: tuple[int, ...] = (0,)
    method: str = "data"
    tau: float = 0.5
    classifier: str | None = None
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    num_samples: int = 50_000
    metrics: tuple[str, ...] = METRICS
    output_dir: str | None = None
    seed: int = 0
    batch_size: int = 1000
    inception_handle: str = inception.INCEPTION_TFHUB
    trust_saved_model: bool = False
    off_condition: bool = False
    conditions: tuple[int, ...] | None = None

    def __post_init__(self):
        checks.integer("num_samples", self.num_samples)
        allowed = METRICS + OPT_IN_METRICS
        unknown = [m for m in self.metrics if m not in allowed]
        if unknown or not self.metrics:
            raise ValueError(f"metrics must be a non-empty subset of {allowed}; "
                             f"received {list(self.metrics)}")
        if self.method not in ("data", "validity", "classifier"):
            raise ValueError(f"method must be 'data', 'validity' or 'classifier'; "
                             f"received {self.method!r}")
        check_tau(self.tau)  # the setting's own check, as bin/redact's


class _SavedModelGenerator:
    """Calls an exported SavedModel like a Keras generator (images back in [-1, 1])."""

    def __init__(self, path, trusted: bool = False):
        if not (path / "saved_model.pb").is_file():
            raise ValueError(f"{path} is a folder but not a SavedModel (no saved_model.pb)")
        if not trusted:
            export.check_trusted(path)
        loaded = tf.saved_model.load(str(path))
        if "serving_default" not in loaded.signatures:
            raise ValueError(f"SavedModel {path} has no 'serving_default' signature; it has "
                             f"{sorted(loaded.signatures)}")
        fn = loaded.signatures["serving_default"]
        specs = fn.structured_input_signature[1]
        if "latents" not in specs or "images" not in fn.structured_outputs:
            raise ValueError(
                f"SavedModel {path}'s serving_default takes {sorted(specs)} and returns "
                f"{sorted(fn.structured_outputs)}; expected 'latents' -> 'images' "
                f"(signatures found: {sorted(loaded.signatures)})")
        self._loaded, self._fn = loaded, fn
        self.latent_dim = int(specs["latents"].shape[-1])
        self.image_shape = tuple(fn.structured_outputs["images"].shape[1:])
        # A conditional export takes labels too; its metadata names the conditions.
        self.inputs = [specs["latents"], *([specs["labels"]] if "labels" in specs else [])]
        if "labels" in specs:
            metadata = path / "assets" / export.METADATA_ASSET
            self.num_classes = (json.loads(metadata.read_text()).get("num_classes")
                                if metadata.is_file() else None)
            if self.num_classes is None:
                raise ValueError(f"SavedModel {path} takes labels but its metadata "
                                 f"({metadata}) does not give num_classes")

    def __call__(self, inputs):
        if isinstance(inputs, (tuple, list)):
            latents, labels = inputs
            images = self._fn(latents=latents, labels=tf.cast(labels, tf.int32))["images"]
        else:
            images = self._fn(latents=inputs)["images"]
        return images * 2.0 - 1.0


def load_generator(path, trust_saved_model: bool = False):
    """A generator from a `.keras` file or an exported SavedModel folder.

    A `.keras` file loads in Keras' safe mode. A SavedModel's `serving_default` graph is
    read first and refused if it touches files or runs Python (`export.check_trusted`),
    unless `trust_saved_model`.

    Raises:
        ValueError: If the file is not a generator (it does not map a latent vector to an
            image), or a SavedModel lacks the expected signature (the error names those
            found).
        FileNotFoundError: If nothing is at `path`.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        return _SavedModelGenerator(path, trusted=trust_saved_model)
    if not path.is_file():
        raise FileNotFoundError(f"No generator at {path}")
    model = io.load_keras(path, "generator")
    inputs = getattr(model, "inputs", None) or []
    conditional = len(inputs) == 2 and len(inputs[1].shape) == 1
    if ((len(inputs) != 1 and not conditional) or len(inputs[0].shape) != 2
            or len(model.outputs[0].shape) != 4):
        raise ValueError(
            f"{path} is not a generator: it maps {[tuple(i.shape) for i in inputs]} to "
            f"{tuple(model.outputs[0].shape)}; a generator maps latents (None, latent_dim), "
            "or [latents, labels (None,)], to images (None, H, W, C)")
    return model


def _shape_of(generator):
    if isinstance(generator, _SavedModelGenerator):
        return generator.latent_dim, generator.image_shape
    return int(generator.inputs[0].shape[-1]), tuple(generator.outputs[0].shape[1:])


def evaluate(config: EvaluateConfig) -> dict:
    """Runs the evaluation; returns the figures (also written when `output_dir` is set).

    Raises:
        ValueError: If the generator's images do not fit the classifier, or bad input.
    """
    start = time.time()
    generator = load_generator(config.generator, config.trust_saved_model)
    classifier = io.load_keras(config.classifier or PRETRAINED / "classifier.keras",
                             "classifier")
    # Each model sees samples in its own range (keras_redact.contract): a .keras G is
    # mapped to [-1, 1] (an export's images already are), the classifier from there.
    if isinstance(generator, _SavedModelGenerator):
        g_range = contract_lib.Found(contract_lib.INTERNAL_RANGE, "an export's images")
    else:
        generator, g_range = contract_lib.adapt_generator(generator, seed=config.seed)
    classifier, _ = contract_lib.adapt_classifier(classifier, g_range)
    latent_dim, image_shape = _shape_of(generator)
    expected = tuple(classifier.inputs[0].shape[1:])
    if image_shape != expected:
        raise ValueError(f"The generator makes images of shape {image_shape} but the "
                         f"classifier takes {expected}")
    contains = _membership(config, classifier, cond_lib.is_conditional(generator))
    features_model = (classifier.logits_and_features if hasattr(classifier,
                      "logits_and_features") else None)
    need_features = {"fid", "kid"} & set(config.metrics)
    if need_features and features_model is None:
        raise ValueError("FID / KID need a classifier with penultimate features "
                         "(keras_redact.models.LabelClassifier)")

    inception_model = (inception.load_inception(config.inception_handle)
                       if "inception_fid" in config.metrics else None)

    conditional = cond_lib.is_conditional(generator)

    def step(samples):
        images = cond_lib.images_in(samples)
        if need_features:
            logits, feats = features_model(images, training=False)
        else:
            logits, feats = classifier(images, training=False), tf.zeros((tf.shape(images)[0], 1))
        conditions = samples[1] if conditional else tf.zeros((0,), tf.int32)
        return logits, feats, contains(samples), conditions

    logits, feats, flags, conditions = sampling.map_generated(
        generator, step, config.num_samples, seed=config.seed, batch_size=config.batch_size,
        latent_dim=latent_dim)
    figures = {"num_samples": config.num_samples, "labels": list(config.labels),
               "method": config.method, "generator": str(config.generator)}
    if conditional:
        figures.update(conditional=True, off_condition=config.off_condition,
                       conditions=list(config.conditions) if config.conditions else None)
    if "invalidity" in config.metrics:
        measured = inv_lib.Invalidity.from_flags(flags)
        figures["invalidity"], figures["invalidity_ci"] = measured.value, list(measured.ci)
        if conditional:
            figures.update(inv_lib.per_condition(flags, conditions, logits.shape[-1]))
    if conditional:
        figures.update(quality.conditional_accuracy(logits.argmax(-1), conditions,
                                                    logits.shape[-1]))
    if "is" in config.metrics:
        figures["inception_score"] = quality.inception_score_from_logits(logits)
    if inception_model is not None:  # The reference: X minus Omega.
        kept = _kept_images(config)
    if need_features:
        real, figures["reference_cached"] = reference_features(
            config, config.classifier or PRETRAINED / "classifier.keras", features_model)
        if "fid" in config.metrics:
            figures["fid"] = quality.frechet_distance_from_features(feats, real)
        if "kid" in config.metrics:
            figures["kid"], figures["kid_std"] = quality.kernel_distance_from_features(
                feats, real)
        figures["reference_samples"] = int(len(real))
    if inception_model is not None:  # A second pass over the same latents (same seed).
        inception_feats = sampling.map_generated(
            generator, lambda x: inception.inception_features(x, inception_model),
            config.num_samples, seed=config.seed, batch_size=64, latent_dim=latent_dim)
        figures["inception_fid"] = quality.frechet_distance_from_features(
            inception_feats, inception.features_of(kept, inception_model))
    figures["seconds"] = round(time.time() - start, 1)
    if config.output_dir:
        out = pathlib.Path(config.output_dir)
        io.write_json(out / "metrics.json", figures)
        io.write_bytes(out / "metrics.md", markdown_table(figures).encode())
    return figures


def _membership(config: EvaluateConfig, classifier, conditional: bool):
    """The membership test of Omega: on images, or on pairs for a conditional generator.

    Raises:
        ValueError: For `off_condition` or `conditions` with an unconditional generator.
    """
    if not conditional:
        if config.off_condition or config.conditions:
            raise ValueError("off_condition and conditions apply to conditional generators "
                             f"([latents, labels]); {config.generator} takes latents only")
        if config.method == "classifier":
            score = label_score(classifier, config.labels)
            return lambda x: score(x) < config.tau
        return label_membership(classifier, config.labels)
    if config.off_condition:
        return off_condition_membership(classifier)
    return conditional_labels_membership(classifier, config.labels, config.conditions)


def _kept_images(config: EvaluateConfig) -> np.ndarray:
    """The training samples outside Omega (the labels' complement), in [-1, 1].

    For off-condition samples: all of them (the data's pairs are on-condition).
    """
    train = sources.load(config.dataset, "train", data_dir=config.data_dir)
    if config.off_condition:
        return pipeline.to_numpy(train)[0]
    return pipeline.to_numpy(train, pipeline.label_predicate(config.labels), "kept")[0]


def cache_dir() -> pathlib.Path:
    """Where reference features are cached: `$KERAS_REDACT_CACHE`, or the user cache.

    The user cache is `$XDG_CACHE_HOME/keras_redact` (default `~/.cache/keras_redact`).
    """
    if os.environ.get("KERAS_REDACT_CACHE"):
        return pathlib.Path(os.environ["KERAS_REDACT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "keras_redact"


def _fingerprint(config: EvaluateConfig, classifier_path) -> str:
    """A key for the kept data's features: the data's files, the labels, the evaluator."""
    digest = hashlib.sha256()
    digest.update(pathlib.Path(classifier_path).read_bytes())
    data = pathlib.Path(os.path.expanduser(str(config.dataset)))
    if config.dataset == sources.EMBEDDED:
        identity = [sources.EMBEDDED, __version__]
    elif data.is_dir():
        identity = sorted((str(f.relative_to(data)), f.stat().st_size, f.stat().st_mtime_ns)
                          for f in data.rglob("*") if f.is_file())
    else:  # a TFDS name: its prepared data are versioned by TFDS
        identity = [str(config.dataset), str(config.data_dir)]
    omega = "off_condition" if config.off_condition else sorted(config.labels)
    digest.update(json.dumps([identity, omega], default=str).encode())
    return digest.hexdigest()[:32]


def reference_features(config: EvaluateConfig, classifier_path, features_model
                       ) -> tuple[np.ndarray, bool]:
    """The evaluator's features of the kept training data, cached across calls.

    FID and KID compare the generated samples' features with these. They depend only on
    the data, the labels redacted and the evaluator, so they are computed once and kept
    in `cache_dir()` under a key of all three (the data's files with their sizes and
    times, the labels, the evaluator file's bytes); a changed file is a new key.

    Returns:
        The features and whether they came from the cache.
    """
    path = cache_dir() / "features" / f"{_fingerprint(config, classifier_path)}.npy"
    if path.is_file():
        try:
            return np.load(path), True
        except (OSError, ValueError):  # a damaged cache file: compute afresh
            pass
    real = quality.features_of_samples(features_model, _kept_images(config))
    buffer = pyio.BytesIO()
    np.save(buffer, real)
    try:
        io.write_bytes(path, buffer.getvalue())
    except OSError:  # a read-only home: evaluate without the cache
        pass
    return real, False


def markdown_table(figures: dict) -> str:
    """The figures as a two-column Markdown table."""
    names = [("invalidity", "invalidity"), ("invalidity_ci", "invalidity 95% CI"),
             ("inception_score", "Inception Score"), ("fid", "FID (classifier features)"),
             ("kid", "KID (classifier features)"),
             ("inception_fid", "FID (Inception, TF-Hub)"),
             ("invalidity_per_label", "invalidity per condition"),
             ("conditional_accuracy", "conditional accuracy"),
             ("num_samples", "samples"),
             ("seconds", "seconds")]
    lines = ["| metric | value |", "|---|---|"]
    for key, label in names:
        if key not in figures:
            continue
        value = figures[key]
        if isinstance(value, list):
            text = "[" + ", ".join(f"{v:.2e}" for v in value) + "]"
        elif isinstance(value, float):
            text = f"{value:.4g}"
        else:
            text = str(value)
        lines.append(f"| {label} | {text} |")
    return "\n".join(lines) + "\n"
