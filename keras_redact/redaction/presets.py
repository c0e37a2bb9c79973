"""Ready-made redaction sets for the paper's applications (Section IV-B, Appendix F, E-D).

* `boundary_set`: boundary artifacts, validity-based (Alg. 2), Appendix F-A.
* `ambiguity_set`: semantically ambiguous samples (label bias), classifier-based (Alg. 3),
  Appendix F-B.
* `attributes_set`: combinations of binary attributes, e.g.
  `"(Black_Hair & Blurry) | (Brown_Hair & Eyeglasses)"` (Table IV), for any method; the
  expression grammar is in `keras_redact.redaction.attributes`.

All take images in the models' range [-1, 1], like every redaction set.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from keras import ops

from keras_redact import checks
from keras_redact.redaction import attributes as attributes_lib
from keras_redact.redaction import methods, sets

# Appendix F-A: the thresholds that leave no MNIST training image invalid.
BOUNDARY_THRESHOLDS = {1: 4.25, 2: 10.0}


class BoundaryValidity:
    """v(x) = 1{sum of the pixel intensities within `margin` of the border < threshold}.

    Intensities are those of the image in [0, 1] (summed over channels). The boundary is
    the frame of pixels at most `margin` rows or columns from an edge. (Appendix F-A's
    formula joins the row and the column conditions with "and", which read literally is
    the four corner squares only; the text, "pixels within a certain margin to the
    boundary", and Fig. 8 are the frame, which is what this computes.)

    Args:
        margin: Frame width in pixels, a positive integer.
        threshold: tau_b; default: Appendix F-A's value for margins 1 (4.25) and 2 (10.0).

    Raises:
        ValueError: For a margin that is not a positive integer, or a margin without a
            default threshold and no threshold given.
    """

    def __init__(self, margin: int = 1, threshold: float | None = None):
        self.margin = checks.integer("margin", margin)
        if threshold is None:
            if self.margin not in BOUNDARY_THRESHOLDS:
                raise ValueError(
                    f"No default threshold for margin {self.margin} (Appendix F-A gives "
                    f"{BOUNDARY_THRESHOLDS}); pass one")
            threshold = BOUNDARY_THRESHOLDS[self.margin]
        if not float(threshold) > 0:
            raise ValueError(f"threshold must be positive; received {threshold!r}")
        self.threshold = float(threshold)

    def check_shape(self, image_shape) -> None:
        """Raises ValueError if the margin leaves no interior in images of this shape."""
        height, width = int(image_shape[0]), int(image_shape[1])
        if 2 * self.margin >= min(height, width):
            raise ValueError(
                f"A margin of {self.margin} leaves no interior in {height}x{width} images; "
                f"the margin must be below {min(height, width) / 2:g}")

    def boundary_sum(self, images):
        """Per-image sum of the boundary pixels' intensities in [0, 1], float32 (N,)."""
        self.check_shape(images.shape[1:3])
        x = (ops.cast(images, "float32") + 1.0) / 2.0
        total = ops.sum(x, axis=(1, 2, 3))
        m = self.margin
        interior = ops.sum(x[:, m:-m, m:-m, :], axis=(1, 2, 3))
        return total - interior

    def __call__(self, images):
        return ops.cast(self.boundary_sum(images) < self.threshold, "float32")

    def __repr__(self):
        return f"BoundaryValidity(margin={self.margin}, threshold={self.threshold})"


def boundary_set(training_images, margin: int = 1, threshold: float | None = None, *,
                 queries_per_round: int = 1000, capacity: int = 10_000,
                 force: bool = False) -> sets.ValidityRedactionSet:
    """Boundary artifacts as a validity-based set (Alg. 2).

    Args:
        training_images: The training images in [-1, 1]; the threshold must leave all of
            them valid (the paper's condition), unless `force`.
        margin: Frame width (1 or 2 have the paper's thresholds).
        threshold: tau_b (default: Appendix F-A's).
        queries_per_round: T.
        capacity: Omega' capacity.
        force: Accept a threshold that makes training images invalid.

    Raises:
        ValueError: For a margin leaving no interior, or a threshold that marks training
            images invalid (the error gives how many, and the largest threshold that
            would not).
    """
    validity = BoundaryValidity(margin, threshold)
    training_images = np.asarray(training_images, np.float32)
    validity.check_shape(training_images.shape[1:3])
    sums = np.concatenate([np.asarray(validity.boundary_sum(training_images[i:i + 2000]))
                           for i in range(0, len(training_images), 2000)])
    invalid = int(np.count_nonzero(sums >= validity.threshold))
    if invalid and not force:
        raise ValueError(
            f"Threshold {validity.threshold:g} at margin {validity.margin} marks {invalid} of "
            f"{len(sums)} training images invalid (their boundary sums reach "
            f"{sums.max():.2f}); use a threshold above {sums.max():.2f}, or force it "
            "(force=True; RedactConfig.of(force_boundary_threshold=True))")
    return sets.ValidityRedactionSet(validity, queries_per_round, capacity)


class AmbiguityScore:
    """f(x) = 1 - Entropy(softmax(logits(x))) / log(#classes), in [0, 1]; differentiable.

    Low f means the label classifier cannot tell which class x is (Appendix F-B).

    Args:
        classifier: A label classifier returning logits `(N, K)`, K >= 2 (a Keras model,
            or any callable with `num_classes` given).
        num_classes: K (default: the Keras model's output width).
    """

    def __init__(self, classifier, num_classes: int | None = None):
        self.classifier = classifier
        if num_classes is None:
            if not hasattr(classifier, "outputs"):
                raise ValueError("AmbiguityScore needs num_classes for a classifier that is "
                                 f"not a Keras model; received {classifier!r}")
            num_classes = classifier.outputs[0].shape[-1]
        self.num_classes = int(num_classes)
        if self.num_classes < 2:
            raise ValueError(f"The classifier must have at least 2 classes; it has "
                             f"{self.num_classes}")

    def __call__(self, images):
        logits = ops.cast(sets._call(self.classifier, images), "float32")
        log_p = ops.log_softmax(logits, axis=-1)
        entropy = -ops.sum(ops.exp(log_p) * log_p, axis=-1)
        return ops.clip(1.0 - entropy / math.log(self.num_classes), 0.0, 1.0)


def ambiguity_set(classifier, tau: float = 0.3) -> sets.ClassifierRedactionSet:
    """Semantically ambiguous samples as a classifier-based set (Alg. 3): f(x) < tau."""
    return sets.ClassifierRedactionSet(AmbiguityScore(classifier), tau)


def attributes_set(expression: str, attribute_classifier, attribute_names, method: str, *,
                   images=None, image_attributes=None, tau: float = 0.5,
                   queries_per_round: int = methods.QUERIES_PER_ROUND,
                   capacity: int = methods.CAPACITY) -> sets.RedactionSet:
    """Omega = the samples whose attributes satisfy `expression`, for any method.

    Args:
        expression: A predicate over attribute names, e.g.
            `"(Black_Hair & Blurry) | (Brown_Hair & Eyeglasses)"`; see
            `keras_redact.redaction.attributes` for the grammar.
        attribute_classifier: `images -> (N, A)` probabilities, one sigmoid per attribute
            (a multi-label Keras model, or a dict `{name: model}` of binary classifiers
            returning `(N,)` or `(N, 1)` probabilities).
        attribute_names: The names of the A outputs, in order (ignored for a dict).
        method: `"data"` (the training images whose ground-truth attributes satisfy the
            expression), `"validity"` (v = 1 - expression(p > 1/2)) or `"classifier"`
            (the fuzzy f of `AttributeExpression.score`, below tau exactly where the
            expression holds of p > 1 - tau).
        images: Training images (for `"data"`).
        image_attributes: Their attributes, `{name: bool array (N,)}` (for `"data"`).
        tau: Threshold for `"classifier"`.
        queries_per_round: T for `"validity"`.
        capacity: Omega' capacity for `"validity"`.

    Raises:
        ValueError: For a grammar error (the message points at it), an attribute the
            classifier does not know, or (data) an expression no training image satisfies.
    """
    probabilities = attributes_lib.AttributeProbabilities(attribute_classifier, attribute_names)
    parsed = attributes_lib.parse(expression, known=probabilities.names)
    membership = parsed.membership(probabilities)

    def samples():
        if images is None or image_attributes is None:
            raise ValueError("The data-based attribute set needs the training images and "
                             "their attributes")
        mask = np.asarray(parsed.evaluate(
            {k: np.asarray(v, bool) for k, v in image_attributes.items()}))
        if not np.any(mask):
            raise ValueError(f"No training image satisfies {expression!r}: nothing to redact")
        return np.asarray(images)[mask]

    return methods.get(method).build(methods.Description(
        f"attributes {expression!r}", membership, score=parsed.score(probabilities),
        samples=samples), tau=tau, queries_per_round=queries_per_round, capacity=capacity)


# === Labels: sets of images, and of pairs for conditional GANs ===


def labels_set(method: str, classifier, labels, *, images=None, image_labels=None,
               tau: float = 0.5, queries_per_round: int = methods.QUERIES_PER_ROUND,
               capacity: int = methods.CAPACITY) -> sets.RedactionSet:
    """A redaction set that removes labels, described for the given method.

    Args:
        method: `"data"` (the training images with those labels), `"validity"`
            (v = 1{argmax not in labels}) or `"classifier"` (f = 1 - p_y, threshold tau).
        classifier: A label classifier returning logits.
        labels: The labels to redact.
        images: Training images in [-1, 1] (needed for `"data"`).
        image_labels: Their labels (needed for `"data"`).
        tau: Threshold for `"classifier"`.
        queries_per_round: T for `"validity"`.
        capacity: Omega' capacity for `"validity"`.

    Raises:
        ValueError: For an unknown method, labels the classifier does not know, or labels
            absent from the data.
    """
    labels = sets._check_labels(labels, sets._num_classes(classifier))

    def samples():
        if images is None or image_labels is None:
            raise ValueError("The data-based label set needs the training images and labels")
        found = np.asarray(image_labels)
        absent = [y for y in labels if not np.any(found == y)]
        if absent:
            raise ValueError(f"labels {absent} do not occur in the data; it has labels "
                             f"{sorted(set(found.tolist()))}")
        return np.asarray(images)[np.isin(found, labels)]

    return methods.get(method).build(methods.Description(
        f"labels {labels}", sets.label_membership(classifier, labels),
        score=sets.label_score(classifier, labels), samples=samples),
        tau=tau, queries_per_round=queries_per_round, capacity=capacity)


def off_condition_set(method: str, classifier, *, images=None, image_labels=None,
                      tau: float = 0.5, queries_per_round: int = methods.QUERIES_PER_ROUND,
                      capacity: int = methods.CAPACITY, seed: int = 0) -> sets.RedactionSet:
    """Off-condition samples of a conditional GAN: Omega = {(x, y): x is not a y}.

    "Not a y" is the label classifier's judgement: its argmax is not y.

    Args:
        method: `"validity"` (v(x, y) = 1{argmax = y}; Omega' also starts with the
            training images under another label than their own that v calls invalid,
            when the images are given), `"classifier"` (f(x, y) = p_y(x), threshold tau)
            or `"data"`: each training image paired with another label than its own,
            drawn uniformly (pairs that are off-condition by the data's labels; p_Omega is
            uniform over them).
        classifier: A label classifier returning logits.
        images: Training images in [-1, 1] (`"data"`; `"validity"`: its candidates).
        image_labels: Their labels.
        tau: Threshold for `"classifier"`.
        queries_per_round: T for `"validity"`.
        capacity: Omega' capacity for `"validity"`.
        seed: Seed of the other labels the images are paired with.

    Raises:
        ValueError: For an unknown method, or `"data"` without images and labels.
    """
    given = images is not None and image_labels is not None

    def other_labels():
        if not given:
            raise ValueError("The data-based off-condition set needs the training images "
                             "and labels")
        return _other_labels(classifier, images, image_labels, seed)

    return methods.get(method).build(methods.Description(
        "off-condition samples", sets.off_condition_membership(classifier),
        score=sets.off_condition_score(classifier), samples=other_labels,
        candidates=other_labels if given else None),
        tau=tau, queries_per_round=queries_per_round, capacity=capacity)


def _other_labels(classifier, images, image_labels, seed):
    """Each image paired with another label than its own, drawn uniformly (seeded)."""
    num_classes = sets._num_classes(classifier)
    image_labels = np.asarray(image_labels).astype(np.int32)
    shift = np.random.default_rng(seed).integers(1, num_classes, len(image_labels))
    return images, ((image_labels + shift) % num_classes).astype(np.int32)


def _under_conditions(classifier, labels, conditions, images, image_labels):
    """The training images of `labels`, each paired with every one of `conditions`."""
    members = labels_set("data", classifier, labels, images=images,
                         image_labels=image_labels).samples
    return (np.repeat(members, len(conditions), axis=0),
            np.tile(np.asarray(conditions, np.int32), len(members)))


def conditional_labels_set(method: str, classifier, labels, conditions=None, *,
                           images=None, image_labels=None, tau: float = 0.5,
                           queries_per_round: int = methods.QUERIES_PER_ROUND,
                           capacity: int = methods.CAPACITY) -> sets.RedactionSet:
    """Labels redacted from chosen conditions: Omega = {(x, y): x in labels, y in conditions}.

    Args:
        method: `"validity"` (v = 0 on Omega; when the images are given, Omega' also
            starts with the pairs the data method holds that v calls invalid),
            `"classifier"` (f(x, y) = 1 - max over the labels of p_l(x) under the
            conditions, 1 under the others) or `"data"`: each training image with one of
            the labels, paired with every chosen condition (all members of Omega by the
            data's labels).
        classifier: A label classifier returning logits.
        labels: The labels to redact.
        conditions: The conditions they are redacted under (None: every condition).
        images: Training images in [-1, 1] (`"data"`; `"validity"`: its candidates).
        image_labels: Their labels.
        tau: Threshold for `"classifier"`.
        queries_per_round: T for `"validity"`.
        capacity: Omega' capacity for `"validity"`.

    Raises:
        ValueError: For an unknown method, labels or conditions the classifier does not
            know, or labels absent from the data.
    """
    num_classes = sets._num_classes(classifier)
    labels = sets._check_labels(labels, num_classes)
    chosen = sets._check_conditions(conditions, num_classes)
    score = sets.label_score(classifier, labels)
    wanted = tf.constant(chosen, tf.int32)

    def f(samples):
        return ops.where(sets._condition_in(samples, wanted), score(samples[0]), 1.0)

    def pairs():
        return _under_conditions(classifier, labels, chosen, images, image_labels)

    given = images is not None and image_labels is not None
    return methods.get(method).build(methods.Description(
        f"labels {labels} under conditions {chosen}",
        sets.conditional_labels_membership(classifier, labels, chosen), score=f,
        samples=pairs, candidates=pairs if given else None),
        tau=tau, queries_per_round=queries_per_round, capacity=capacity)
