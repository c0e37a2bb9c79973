"""Quality metrics: Inception Score, FID and KID from logits / features (TF-GAN's maths).

All three are pure functions of arrays, computed in float64 by TF-GAN's
`classifier_metrics` (see `keras_redact.evaluation.tfgan` for why it is loaded by path).
For grey-scale data the paper computes the Inception Score with the dataset's own label
classifier; FID and KID here use that classifier's penultimate features.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_redact import seeds
from keras_redact.conditions import images_in
from keras_redact.evaluation import sampling, tfgan


def _as_2d(name, values, min_rows=1):
    values = np.asarray(values, np.float64)
    if values.ndim != 2 or values.shape[0] < min_rows:
        raise ValueError(
            f"{name} must be a 2-D array (samples, dims) with at least {min_rows} rows; "
            f"received shape {values.shape}")
    return values


def inception_score_from_logits(logits) -> float:
    """Inception Score `exp(E_x KL(p(y|x) || p(y)))` from classifier logits (N, classes).

    Salimans et al. (2016); the paper uses the dataset's own label classifier for
    grey-scale images. Higher is better; at most the number of classes.
    """
    logits = _as_2d("logits", logits)
    return float(tfgan.classifier_metrics().classifier_score_from_logits(
        tf.constant(logits)).numpy())


def inception_score_parts_from_logits(logits) -> dict:
    """The Inception Score's two factors: how many classes, and how sure each sample is.

    `E_x KL(p(y|x) || p(y)) = H(p(y)) - E_x H(p(y|x))`, so the score is the product of

    * `"classes"`: `exp H(p(y))`, the effective number of classes of the marginal (10 for
      ten equally frequent classes, 9 once one of them is gone), and
    * `"confidence"`: `exp(-E_x H(p(y|x)))`, 1 when every sample gets one class for sure.

    Redacting one of ten balanced classes takes "classes" from 10 to at most 9 by itself;
    whatever else a redaction does to the score shows in "confidence" and in how evenly the
    redacted class's mass lands on the others (docs/evaluation.md).

    Args:
        logits: Classifier logits, `(N, classes)`.

    Returns:
        `{"classes": ..., "confidence": ...}`, floats whose product is the Inception
        Score of `logits` (up to rounding).
    """
    logits = _as_2d("logits", logits)
    log_p = logits - logits.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    marginal = p.mean(axis=0)
    nonzero = marginal > 0
    marginal_entropy = -(marginal[nonzero] * np.log(marginal[nonzero])).sum()
    mean_entropy = -(p * log_p).sum(axis=1).mean()
    return {"classes": float(np.exp(marginal_entropy)),
            "confidence": float(np.exp(-mean_entropy))}


def frechet_distance_from_features(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (Heusel et al., 2017).

    `||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))`. Lower is better.
    """
    a = _as_2d("features_a", features_a, 2)
    b = _as_2d("features_b", features_b, 2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} and {b.shape[1]}")
    return float(tfgan.classifier_metrics().frechet_classifier_distance_from_activations(
        tf.constant(a), tf.constant(b)).numpy())


def kernel_distance_from_features(features_a, features_b,
                                  max_block_size: int = 1024) -> tuple[float, float]:
    """Kernel Inception Distance (Binkowski et al., 2018) and its standard error.

    The unbiased MMD^2 with the cubic polynomial kernel `k(a, b) = (a.b / d + 1)^3`,
    estimated with TF-GAN's block estimator (blocks of at most `max_block_size`
    samples). Lower is better.

    Returns:
        `(kid, std)`.
    """
    a = _as_2d("features_a", features_a, 2)
    b = _as_2d("features_b", features_b, 2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} and {b.shape[1]}")
    kid, std = tfgan.classifier_metrics().kernel_classifier_distance_and_std_from_activations(
        tf.constant(a), tf.constant(b), max_block_size=max_block_size)
    return float(kid.numpy()), float(std.numpy())


def features_of_samples(logits_and_features, samples, batch_size: int = 1000) -> np.ndarray:
    """The features of numpy `samples`, in batches: the second output of
    `logits_and_features(x, training=False)` (`LabelClassifier.logits_and_features`)."""
    samples = np.asarray(samples, np.float32)
    return np.concatenate([
        np.asarray(logits_and_features(samples[i:i + batch_size], training=False)[1])
        for i in range(0, len(samples), batch_size)])


class QualityAgainstFilter:
    """Quality of a generator against the post-hoc filter that redaction replaces.

    The filter is the pre-trained generator with its samples inside Omega rejected. Its
    FID to the kept data (in the classifier's features) and its Inception Score are
    measured once, when this object is made (before training changes the generator);
    calling it on a generator measures the same figures and compares:
    `quality = min(FID of the filter / FID of G, IS of G / IS of the filter)`, 1 or more
    when G is at least as good as the filter on both. Without features (a classifier
    without `logits_and_features`), IS alone.

    Args:
        reference: The pre-trained generator (sampled now).
        classifier: The label classifier; `classifier.logits_and_features` gives FID's
            features when it has it.
        contains: `samples -> bool` membership test of Omega.
        kept: The kept training samples (for FID's reference features).
        num_samples: Samples of each generator (the filter's before rejection).
        seed: Latent seed.
    """

    def __init__(self, reference, classifier, contains, kept, num_samples: int = 10_000,
                 seed: int = 0):
        self.num_samples, self.seed = int(num_samples), int(seed)
        self._features = getattr(classifier, "logits_and_features", None)

        def measure(samples):
            x = images_in(samples)
            if self._features is not None:
                logits, features = self._features(x, training=False)
            else:
                logits = classifier(x, training=False)
                features = logits[:, :1]
            return logits, features, contains(samples)

        self._measure = measure
        self.kept_features = (None if self._features is None
                              else features_of_samples(self._features, kept))
        logits, features, inside = sampling.map_generated(
            reference, measure, self.num_samples, seed=self.seed)
        outside = ~np.asarray(inside).astype(bool)
        self.filter = self._figures(logits[outside], features[outside])

    def _figures(self, logits, features) -> dict:
        figures = {"inception_score": inception_score_from_logits(logits)}
        if self.kept_features is not None:
            figures["fid"] = frechet_distance_from_features(features, self.kept_features)
        return figures

    def __call__(self, generator) -> dict:
        """`{"quality", "fid", "fid_filter", "inception_score", "inception_score_filter"}`."""
        logits, features, _ = sampling.map_generated(
            generator, self._measure, self.num_samples, seed=seeds.derive(self.seed, "fresh"))
        mine = self._figures(logits, features)
        ratios = [mine["inception_score"] / self.filter["inception_score"]]
        result = {"inception_score": mine["inception_score"],
                  "inception_score_filter": self.filter["inception_score"]}
        if "fid" in mine:
            ratios.append(self.filter["fid"] / max(mine["fid"], 1e-12))
            result.update(fid=mine["fid"], fid_filter=self.filter["fid"])
        result["quality"] = float(min(ratios))
        return result


def conditional_accuracy(predicted, conditions, num_classes: int) -> dict:
    """How often a conditional generator's samples are what they were drawn for.

    Args:
        predicted: A label classifier's labels for the samples `(N,)`.
        conditions: The labels the samples were generated for `(N,)`.
        num_classes: Number of conditions.

    Returns:
        `conditional_accuracy` (mean over the conditions of the per-condition share, so
        each condition weighs the same) and `conditional_accuracy_per_label`.
    """
    predicted, conditions = np.asarray(predicted), np.asarray(conditions)
    per_label = [float(np.mean(predicted[conditions == y] == y))
                 if np.any(conditions == y) else float("nan") for y in range(num_classes)]
    return {"conditional_accuracy": float(np.nanmean(per_label)),
            "conditional_accuracy_per_label": [round(a, 4) for a in per_label]}
