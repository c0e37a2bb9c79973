"""The one measurement of a generator: every job's figures come from `measure`.

One pass over N generated samples (latents drawn from `seed` in batches of `batch_size`)
gives invalidity with its 95% interval, the invalidity of each part of Omega and under
each condition, the Inception Score (and its two factors) and each class's share from the
label classifier's logits, FID / KID against reference features when asked, and the
judge's count of Omega's label parts beside the classifier's. `bin/redact` (before and
after), `bin/evaluate` and `bin/delete` call it, so the same generator, seed, sample count
and membership give the same figures in each; the per-epoch callbacks and certification
count the same membership over the same sampler (`sampling.map_generated`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from keras_redact import calls
from keras_redact import conditions as cond_lib
from keras_redact.evaluation import invalidity as inv_lib
from keras_redact.evaluation import quality, sampling

BATCH_SIZE = 1000
"""Samples per batch. The latents of a seed depend on it: keep it for comparable figures."""

JUDGE_GRID = 64
"""How many of the samples the judge finds most Omega-like are kept for a person to see."""


@dataclasses.dataclass(frozen=True)
class Judged:
    """The parts of Omega a label classifier can count (labels, off-condition samples), as
    the measuring classifier and an independent judge count them.

    Attributes:
        by_classifier: `samples -> bool` by the measuring classifier.
        by_judge: The same by the judge.
        likeness: `samples -> float`, the judge's probability that a sample is in them.
    """

    by_classifier: Callable
    by_judge: Callable
    likeness: Callable


def measure(generator, classifier, membership, num_samples: int, *, seed: int = 0,
            batch_size: int = BATCH_SIZE, parts: dict | None = None,
            judged: Judged | None = None, features_model=None, reference=None,
            progress: bool = False) -> dict:
    """The figures of `num_samples` samples of `generator`.

    Args:
        generator: A Keras generator (or callable) on samples in [-1, 1]; conditional ones
            take `[latents, labels]` and draw the conditions uniformly.
        classifier: The label classifier whose logits give the IS and the class shares.
        membership: `samples -> bool`, Omega's membership test
            (`keras_redact.redaction.membership.of_labels` for labels).
        num_samples: N.
        seed: Seed of the latents.
        batch_size: Samples per batch.
        parts: Optional `{name: membership}` of Omega's parts: `"invalidity_parts"`.
        judged: Optional label parts counted by a judge too: `"judge"` (its figures,
            `judged_figures`) and `"judge_grid"` (the `JUDGE_GRID` most Omega-like images).
        features_model: `images -> (logits, features)` for FID / KID (with `reference`).
        reference: Features of the reference samples: `"fid"`, `"kid"`, `"kid_std"`.
        progress: Show a progress bar.

    Returns:
        `invalidity`, `invalidity_ci`, `inception_score`, `inception_score_parts`,
        `class_shares`, and what the arguments add (conditional generators:
        `invalidity_per_label` and the conditional accuracy).
    """
    parts = dict(parts or {})
    conditional = cond_lib.is_conditional(generator)
    with_features = features_model is not None and reference is not None

    def step(samples):  # traced in `calls.shared()`: one pass of each network
        images = cond_lib.images_in(samples)
        if with_features:
            logits, features = features_model(images, training=False)
        else:
            logits, features = calls.call(classifier, images), tf.zeros((0,))
        conditions = samples[1] if conditional else tf.zeros((0,), "int32")
        judge = () if judged is None else _judge_batch(judged, samples)
        return (logits, features, membership(samples), conditions, *judge,
                *(m(samples) for m in parts.values()))

    logits, features, flags, conditions, *rest = sampling.map_generated(
        generator, step, num_samples, seed=seed, batch_size=batch_size, progress=progress)
    judge_outputs, part_flags = rest[:4 if judged else 0], rest[4 if judged else 0:]
    measured = inv_lib.Invalidity.from_flags(flags)
    figures = {
        "invalidity": measured.value,
        "invalidity_ci": list(measured.ci),
        "inception_score": quality.inception_score_from_logits(logits),
        "inception_score_parts": quality.inception_score_parts_from_logits(logits),
        "class_shares": [round(float(v), 5) for v in np.bincount(
            logits.argmax(-1), minlength=logits.shape[-1]) / len(logits)],
    }
    if parts:
        figures["invalidity_parts"] = {
            name: inv_lib.Invalidity.from_flags(f).value for name, f in zip(parts, part_flags)}
    if conditional:
        figures.update(inv_lib.per_condition(flags, conditions, logits.shape[-1]))
        figures.update(quality.conditional_accuracy(logits.argmax(-1), conditions,
                                                    logits.shape[-1]))
    if with_features:
        figures["fid"] = quality.frechet_distance_from_features(features, reference)
        figures["kid"], figures["kid_std"] = quality.kernel_distance_from_features(
            features, reference)
    if judged is not None:
        figures["judge"], figures["judge_grid"] = judged_figures(*judge_outputs)
    return figures


def _judge_batch(judged: Judged, samples):
    """A batch's flags by the classifier and the judge, and the batch's `JUDGE_GRID` most
    Omega-like images by the judge with their likeness."""
    likeness = tf.cast(judged.likeness(samples), "float32")
    top = tf.math.top_k(likeness, k=tf.minimum(JUDGE_GRID, tf.shape(likeness)[0]))
    return (judged.by_classifier(samples), judged.by_judge(samples),
            tf.gather(cond_lib.images_in(samples), top.indices), top.values)


def judged_figures(by_classifier, by_judge, images, likeness) -> tuple[dict, np.ndarray]:
    """Invalidity by the classifier and by the judge, the samples they disagree on,
    whether their 95% intervals meet, and the images the judge finds most Omega-like."""
    classifier = inv_lib.Invalidity.from_flags(by_classifier)
    judge = inv_lib.Invalidity.from_flags(by_judge)
    apart = classifier.ci[1] < judge.ci[0] or judge.ci[1] < classifier.ci[0]
    figures = {
        "classifier_invalidity": classifier.value, "classifier_invalidity_ci":
            list(classifier.ci), "invalidity": judge.value, "invalidity_ci": list(judge.ci),
        "disagreements": int(np.count_nonzero(np.asarray(by_classifier, bool)
                                              != np.asarray(by_judge, bool))),
        "intervals_meet": not apart}
    order = np.argsort(-np.asarray(likeness))[:JUDGE_GRID]
    return figures, np.asarray(images)[order]
