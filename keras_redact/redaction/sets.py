"""Redaction-set descriptions (paper, Section II-B and III): data, validity, classifier.

A redaction set says which samples Omega the model must stop generating. Each kind maps to
one algorithm of the paper:

| class                    | Omega given as                          | algorithm |
|--------------------------|-----------------------------------------|-----------|
| `DataRedactionSet`       | samples of Omega                        | Alg. 1    |
| `ValidityRedactionSet`   | v(x) in {0, 1}, 0 = invalid             | Alg. 2    |
| `ClassifierRedactionSet` | differentiable f(x) in [0, 1] and tau   | Alg. 3    |

`union(...)` combines several (Section III-D). Sets take any Keras model or callable; they do
not depend on `keras_redact.models`.

Every set has `contains(images)`, the membership test used to measure invalidity, and
`initial_samples(images)`, the members of the training data that seed p_Omega.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_redact import checks

ImageFn = Callable[[tf.Tensor], tf.Tensor]


def _call(fn, images):
    if isinstance(fn, keras.Model):
        return fn(images, training=False)
    return fn(images)


def _flat(values, what: str = "the function"):
    """One value per sample, `(N,)`, from `(N,)` or `(N, 1)` outputs.

    Raises:
        ValueError: For any other output shape (a multi-class model given as v or f,
            say): the message names what it is and the shape received.
    """
    values = ops.convert_to_tensor(values)
    if len(values.shape) == 2 and values.shape[-1] == 1:
        values = values[:, 0]
    if len(values.shape) != 1:
        raise ValueError(f"{what} must give one value per sample, shape (N,) or (N, 1); "
                         f"received shape {tuple(values.shape)}")
    return values


_PROGRESS = contextvars.ContextVar("keras_redact_batched_progress", default=None)


@contextlib.contextmanager
def progress(show, label: str):
    """Within the block, `batched` passes over many samples show a progress bar.

    For the long passes of a job (v or f over the training data) that happen inside
    the redaction sets: `with sets.progress(verbose, "Scoring the training data"): ...`.

    Args:
        show: Whether to show them (a job's `verbose`).
        label: What the passes do, printed above the first bar.
    """
    token = _PROGRESS.set([label] if show else None)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def batched(fn, images, batch_size=1000) -> np.ndarray:
    """`fn` applied to numpy `images` in batches; the results as one numpy array.

    Inside `progress(True, ...)`, a pass over 10,000 samples or more shows a progress bar.
    """
    images = np.asarray(images, np.float32)
    shown = _PROGRESS.get()
    bar = None
    if shown is not None and len(images) >= 10_000:
        if shown:
            print(f"{shown.pop()}...")
        bar = keras.utils.Progbar(len(images), unit_name="sample")
    out = []
    for i in range(0, len(images), batch_size):
        out.append(np.asarray(fn(tf.constant(images[i:i + batch_size]))))
        if bar is not None:
            bar.update(min(i + batch_size, len(images)))
    return np.concatenate(out) if out else np.zeros((0,), bool)


class RedactionSet:
    """Base class of redaction-set descriptions."""

    kind: str = ""

    def contains(self, images) -> tf.Tensor:
        """Boolean tensor (N,): True where the sample is in Omega."""
        raise NotImplementedError(
            f"{type(self).__name__} has no membership test; give it one (membership=...)")

    def initial_samples(self, images) -> np.ndarray:
        """The given training images that lie in Omega (they seed p_Omega)."""
        return self.split(images)[1]

    def split_mask(self, images) -> np.ndarray:
        """Boolean numpy mask (N,) of the images in Omega, computed in batches."""
        return batched(self.contains, np.asarray(images, np.float32)).astype(bool)

    def split(self, images):
        """Splits training images into `(kept, in_omega)` numpy arrays with `contains`."""
        images = np.asarray(images, np.float32)
        mask = self.split_mask(images)
        return images[~mask], images[mask]


class DataRedactionSet(RedactionSet):
    """Data-based redaction set (Alg. 1): p_Omega is uniform over the given samples.

    Args:
        samples: Samples of Omega, images in [-1, 1] `(N, H, W, C)` (array or a
            `tf.data.Dataset` of images or batches of images).
        membership: Optional `images -> bool` test of Omega, used to measure invalidity
            (for a label: "the label classifier's argmax is y").

    Raises:
        ValueError: If there are no samples.
    """

    kind = "data"

    def __init__(self, samples, membership: ImageFn | None = None):
        if isinstance(samples, tf.data.Dataset):
            parts = [np.asarray(b) for b in samples]
            samples = np.concatenate(parts) if parts else np.zeros((0,))
        self.samples = np.asarray(samples, np.float32)
        if self.samples.ndim < 2 or len(self.samples) == 0:
            raise ValueError(
                "A data-based redaction set needs an array (N, *sample_shape) with N >= 1, "
                f"for images (N, H, W, C); received an array of shape {self.samples.shape}")
        self.membership = membership

    def contains(self, images):
        if self.membership is None:
            return super().contains(images)
        return ops.cast(_flat(_call(self.membership, images), "the membership test"), "bool")

    def initial_samples(self, images=None) -> np.ndarray:
        return self.samples


class ValidityRedactionSet(RedactionSet):
    """Validity-based redaction set (Alg. 2): Omega = {x : v(x) = 0}.

    Omega' starts as the invalid training samples and, before each round (epoch) of
    training, grows with the invalid ones among `queries_per_round` (T) fresh samples of
    the current generator. `RedactionGAN.fit` adds the `ValidityRounds` callback that does
    this, so `fit(..., epochs=R)` runs R rounds. Queries to v: |X| + T * R.

    Omega' is stored in a buffer of at most `capacity` samples (memory:
    `capacity * H * W * C * 4` bytes; 10,000 MNIST images take 31 MB). Past that, reservoir
    sampling keeps it a uniform sample of every invalid sample seen.

    Args:
        validity_fn: Batched v(x): images in [-1, 1] -> values in {0, 1} (a Python callable
            or a Keras model), 0 meaning invalid.
        queries_per_round: T, generated samples queried per round (paper: 1000).
        capacity: Most samples kept in Omega'.

    Raises:
        ValueError: For a non-positive T or capacity.
    """

    kind = "validity"

    def __init__(self, validity_fn, queries_per_round: int = 1000, capacity: int = 10_000):
        self.validity_fn = validity_fn
        self.queries_per_round = checks.integer("queries_per_round", queries_per_round)
        self.capacity = checks.integer("capacity", capacity)

    def validity(self, images) -> tf.Tensor:
        """v(x) as float32 (N,), checked to be 0 or 1."""
        v = ops.cast(_flat(_call(self.validity_fn, images), "the validity function v"),
                     "float32")
        tf.debugging.assert_equal(
            tf.reduce_all((v == 0.0) | (v == 1.0)), True,
            message="The validity function must return only 0 (invalid) and 1 (valid)")
        return v

    def contains(self, images):
        return self.validity(images) == 0.0


class ClassifierRedactionSet(RedactionSet):
    """Classifier-based redaction set (Alg. 3): Omega = {x : f(x) < tau}.

    Training uses the guided discriminator of eq. 6 wherever D's output enters the loss;
    p_Omega is uniform over the training samples with f(x) < tau.

    Args:
        classifier_fn: Differentiable f(x) in [0, 1] (Keras model or TensorFlow function),
            0 meaning "has the property to redact".
        tau: Threshold in (0, 1) (paper: 0.5).

    Raises:
        ValueError: If tau is not in (0, 1).
    """

    kind = "classifier"

    def __init__(self, classifier_fn, tau: float = 0.5):
        if not 0.0 < float(tau) < 1.0:
            raise ValueError(f"tau must be in (0, 1); received {tau!r}")
        self.classifier_fn = classifier_fn
        self.tau = float(tau)

    def score(self, images) -> tf.Tensor:
        """f(x) as float32 (N,), checked to lie in [0, 1]."""
        f = ops.cast(_flat(_call(self.classifier_fn, images), "the classifier score f"),
                     "float32")
        tf.debugging.assert_equal(
            tf.reduce_all((f >= 0.0) & (f <= 1.0)), True,
            message="The redaction classifier f must return values in [0, 1]")
        return f

    def contains(self, images):
        return self.score(images) < self.tau


def any_of(memberships: Sequence) -> ImageFn:
    """`images -> bool`: the images in any of the memberships (callables or Keras models)."""
    memberships = list(memberships)
    if len(memberships) == 1:
        return memberships[0]
    return lambda images: ops.any(
        ops.stack([ops.cast(_flat(_call(m, images), "a membership test"), "bool")
                   for m in memberships]), axis=0)


def union(sets: Sequence[RedactionSet]) -> RedactionSet:
    """The union of several redaction sets (Section III-D).

    * data sets: the samples are concatenated (p_Omega uniform over the union);
    * validity sets: v(x) = min_k v_k(x) (T and capacity: the largest given);
    * classifier sets: f(x) = min_k f_k(x), with the first set's tau. A set with another
      tau_k is first rescaled piecewise-linearly so that f_k < tau_k becomes f_k' < tau
      (same members, values in [0, 1]). Validity sets may join a classifier union: v_k in
      {0, 1} acts as an f_k that is below any tau exactly where v_k(x) = 0 (the paper
      notes f = v, tau = 1/2 represents a validity set).

    Raises:
        ValueError: For an empty list, or a data set mixed with others.
    """
    sets = list(sets)
    if not sets:
        raise ValueError("union needs at least one redaction set; received none")
    if len(sets) == 1:
        return sets[0]
    kinds = {s.kind for s in sets}
    if kinds == {"data"}:
        memberships = [s.membership for s in sets]
        membership = any_of(memberships) if all(m is not None for m in memberships) else None
        return DataRedactionSet(np.concatenate([s.samples for s in sets]), membership)
    if "data" in kinds:
        raise ValueError(f"Cannot unite a data-based set with {sorted(kinds - {'data'})} "
                         "sets; describe all by validity or classifier functions")
    if kinds == {"validity"}:
        fns = [s.validity for s in sets]
        return ValidityRedactionSet(
            lambda x: ops.min(ops.stack([fn(x) for fn in fns]), axis=0),
            max(s.queries_per_round for s in sets), max(s.capacity for s in sets))
    tau = next(s.tau for s in sets if s.kind == "classifier")
    fns = [_retarget(s.score, s.tau, tau) if s.kind == "classifier" else s.validity
           for s in sets]
    return ClassifierRedactionSet(
        lambda x: ops.min(ops.stack([fn(x) for fn in fns]), axis=0), tau=tau)


def _retarget(f: ImageFn, tau_from: float, tau_to: float) -> ImageFn:
    """f rescaled piecewise-linearly so that `f < tau_from` becomes `f' < tau_to`.

    Maps [0, tau_from] onto [0, tau_to] and [tau_from, 1] onto [tau_to, 1]: the same
    members, values still in [0, 1], and monotone (so still differentiable almost
    everywhere with the same sign of gradient).
    """
    if tau_from == tau_to:
        return f
    low, high = tau_to / tau_from, (1.0 - tau_to) / (1.0 - tau_from)

    def retargeted(images):
        v = f(images)
        return ops.where(v < tau_from, v * low, tau_to + (v - tau_from) * high)

    return retargeted


# === Label presets ===


def _check_labels(labels, num_classes):
    labels = sorted({int(y) for y in labels})
    if not labels:
        raise ValueError("labels must name at least one label; received none")
    bad = [y for y in labels if not 0 <= y < num_classes]
    if bad:
        raise ValueError(f"labels {bad} are not labels of a {num_classes}-class classifier; "
                         f"allowed: 0..{num_classes - 1}")
    return labels


def _num_classes(classifier) -> int:
    return int(classifier.outputs[0].shape[-1])


def label_membership(classifier, labels) -> ImageFn:
    """`images -> bool`: the label classifier's argmax is one of `labels`."""
    labels = _check_labels(labels, _num_classes(classifier))
    wanted = tf.constant(labels, tf.int64)

    def membership(images):
        predicted = ops.argmax(_call(classifier, images), axis=-1)
        return ops.any(ops.expand_dims(ops.cast(predicted, "int64"), -1) == wanted, axis=-1)

    return membership


def label_validity(classifier, labels) -> ImageFn:
    """v(x) = 1{argmax_k classifier(x)_k not in labels}."""
    member = label_membership(classifier, labels)
    return lambda images: 1.0 - ops.cast(member(images), "float32")


def label_score(classifier, labels) -> ImageFn:
    """f(x) = 1 - max_{y in labels} p_y(x): the union over labels of f_y = 1 - p_y."""
    labels = _check_labels(labels, _num_classes(classifier))
    index = tf.constant(labels, tf.int32)

    def f(images):
        probs = ops.softmax(_call(classifier, images), axis=-1)
        return 1.0 - ops.max(ops.take(probs, index, axis=-1), axis=-1)

    return f


def labels_set(method: str, classifier, labels, *, images=None, image_labels=None,
               tau: float = 0.5, queries_per_round: int = 1000,
               capacity: int = 10_000) -> RedactionSet:
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
    if method == "data":
        if images is None or image_labels is None:
            raise ValueError("The data-based label set needs the training images and labels")
        labels = _check_labels(labels, _num_classes(classifier))
        image_labels = np.asarray(image_labels)
        absent = [y for y in labels if not np.any(image_labels == y)]
        if absent:
            raise ValueError(f"labels {absent} do not occur in the data; it has labels "
                             f"{sorted(set(image_labels.tolist()))}")
        mask = np.isin(image_labels, labels)
        return DataRedactionSet(np.asarray(images)[mask], label_membership(classifier, labels))
    if method == "validity":
        return ValidityRedactionSet(label_validity(classifier, labels), queries_per_round,
                                    capacity)
    if method == "classifier":
        return ClassifierRedactionSet(label_score(classifier, labels), tau)
    raise ValueError(f"method must be 'data', 'validity' or 'classifier'; received {method!r}")
