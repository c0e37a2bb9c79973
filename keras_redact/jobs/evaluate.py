"""Evaluating a generator: the library behind `bin/evaluate`.

Invalidity (with a 95% interval), the Inception Score from the label classifier's logits,
and FID / KID in the classifier's feature space against the valid training data (X minus
Omega), all over the same N generated samples, streamed in batches: the one measurement
(`keras_redact.evaluation.measure`) and the one membership of Omega
(`keras_redact.redaction.membership`) that `bin/redact` reports, so the two commands give
the same figures for the same generator, seed and sample count. The independent judge
counts the labels too (the shipped one with the shipped classifier).

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
from keras_redact.evaluation import inception, measure, quality, sampling
from keras_redact.jobs import PRETRAINED, cache_dir, judge_path
from keras_redact.redaction import any_of, membership

METRICS = ("invalidity", "is", "fid", "kid")
OPT_IN_METRICS = ("inception_fid",)  # Needs TF-Hub's Inception network (a download).


@dataclasses.dataclass(frozen=True)
class EvaluateConfig:
    """One evaluation job.

    Attributes:
        generator: A generator `.keras` file or an exported SavedModel folder (with the
            `serving_default` signature of `keras_redact.export`).
        labels: Labels of the redaction set: a sample is in Omega when the classifier's
            argmax is one of them (`keras_redact.redaction.membership`, whatever method
            redacted the generator).
        classifier: Label classifier `.keras` (default: the shipped MNIST classifier).
        judge: An independent label classifier `.keras` that counts the labels too
            (default: the shipped judge with the shipped classifier, else none; `""`: none).
        dataset: Training data for FID / KID (its samples outside Omega).
        data_dir: TFDS data folder.
        eval_samples: Generated samples N.
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
    classifier: str | None = None
    judge: str | None = None
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    eval_samples: int = 50_000
    metrics: tuple[str, ...] = METRICS
    output_dir: str | None = None
    seed: int = 0
    batch_size: int = measure.BATCH_SIZE
    inception_handle: str = inception.INCEPTION_TFHUB
    trust_saved_model: bool = False
    off_condition: bool = False
    conditions: tuple[int, ...] | None = None

    def __post_init__(self):
        checks.integer("eval_samples", self.eval_samples)
        allowed = METRICS + OPT_IN_METRICS
        unknown = [m for m in self.metrics if m not in allowed]
        if unknown or not self.metrics:
            raise ValueError(f"metrics must be a non-empty subset of {allowed}; "
                             f"received {list(self.metrics)}")


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
    classifier_path = config.classifier or PRETRAINED / "classifier.keras"
    judged_by = judge_path(config.judge, config.classifier, config.dataset)
    generator, classifier, judge = _models(config, classifier_path, judged_by)
    latent_dim, _ = _shape_of(generator)
    conditional = cond_lib.is_conditional(generator)
    labels = () if config.off_condition else config.labels
    omega = dict(conditional=conditional, conditions=config.conditions,
                 off_condition=config.off_condition)
    counted = membership.of_labels(classifier, labels, **omega)
    if not counted:
        raise ValueError("Nothing to count: give labels, or off_condition for a "
                         "conditional generator")
    features_model = getattr(classifier, "logits_and_features", None)
    need_features = {"fid", "kid"} & set(config.metrics)
    if need_features and features_model is None:
        raise ValueError("FID / KID need a classifier with penultimate features "
                         "(keras_redact.models.LabelClassifier)")
    inception_model = (inception.load_inception(config.inception_handle)
                       if "inception_fid" in config.metrics else None)
    reference, cached = (reference_features(config, classifier_path, features_model)
                         if need_features else (None, None))

    measured = measure.measure(
        generator, classifier, any_of(list(counted.values())), config.eval_samples,
        seed=config.seed, batch_size=config.batch_size,
        judged=membership.judged(classifier, judge, labels, **omega),
        features_model=features_model if need_features else None, reference=reference)
    measured.pop("judge_grid", None)
    figures = {"eval_samples": config.eval_samples, "labels": list(labels),
               "generator": str(config.generator), "seed": config.seed}
    if conditional:
        figures.update(conditional=True, off_condition=config.off_condition,
                       conditions=list(config.conditions) if config.conditions else None)
    wanted = {"invalidity": ("invalidity", "invalidity_ci", "invalidity_per_label"),
              "is": ("inception_score", "inception_score_parts"),
              "fid": ("fid",), "kid": ("kid", "kid_std")}
    for metric in config.metrics:
        figures.update({k: measured[k] for k in wanted.get(metric, ()) if k in measured})
    figures.update({k: measured[k] for k in ("class_shares", "conditional_accuracy",
                                             "conditional_accuracy_per_label", "judge")
                    if k in measured})
    if judged_by:
        figures["judge"] = {"judge": str(judged_by), **figures["judge"]}
    if need_features:
        figures["reference_cached"], figures["reference_samples"] = cached, len(reference)
    if inception_model is not None:  # A second pass over the same latents (same seed).
        inception_feats = sampling.map_generated(
            generator, lambda x: inception.inception_features(x, inception_model),
            config.eval_samples, seed=config.seed, batch_size=64, latent_dim=latent_dim)
        figures["inception_fid"] = quality.frechet_distance_from_features(
            inception_feats, inception.features_of(_kept_images(config), inception_model))
    figures["seconds"] = round(time.time() - start, 1)
    if config.output_dir:
        out = pathlib.Path(config.output_dir)
        io.write_json(out / "metrics.json", figures)
        io.write_bytes(out / "metrics.md", markdown_table(figures).encode())
    return figures


def _models(config: EvaluateConfig, classifier_path, judged_by):
    """The generator, the classifier and the judge `judged_by` (or None), each on samples
    in its own range (`keras_redact.contract`): a `.keras` G is mapped to [-1, 1] (an
    export's images already are), the classifiers from there.

    Raises:
        ValueError: If the generator's images do not fit a classifier.
    """
    generator = load_generator(config.generator, config.trust_saved_model)
    if isinstance(generator, _SavedModelGenerator):
        g_range = contract_lib.Found(contract_lib.INTERNAL_RANGE, "an export's images")
    else:
        generator, g_range = contract_lib.adapt_generator(generator, seed=config.seed)
    classifier, _ = contract_lib.adapt_classifier(
        io.load_keras(classifier_path, "classifier"), g_range)
    judge = (contract_lib.adapt_classifier(io.load_keras(judged_by, "judge"), g_range)[0]
             if judged_by else None)
    image_shape = _shape_of(generator)[1]
    for name, model in (("classifier", classifier), ("judge", judge)):
        expected = None if model is None else tuple(model.inputs[0].shape[1:])
        if expected is not None and image_shape != expected:
            raise ValueError(f"The generator makes images of shape {image_shape} but the "
                             f"{name} takes {expected}")
    return generator, classifier, judge


def _kept_images(config: EvaluateConfig) -> np.ndarray:
    """The training samples outside Omega (the labels' complement), in [-1, 1].

    For off-condition samples: all of them (the data's pairs are on-condition).
    """
    train = sources.load(config.dataset, "train", data_dir=config.data_dir)
    if config.off_condition:
        return pipeline.to_numpy(train)[0]
    return pipeline.to_numpy(train, pipeline.label_predicate(config.labels), "kept")[0]


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
             ("eval_samples", "samples"),
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
