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

Every set has `contains(samples)`, the membership test used to measure invalidity, and
`initial_samples(samples)`, the members of the training data that seed p_Omega.

For a conditional GAN a sample is a pair `(x, y)` and Omega is a set of pairs
(docs/conditional.md): a data set holds `(images, labels)`, and v, f and membership tests
take one batch of pairs, `v((x, y))` (a Keras model with two inputs as `model([x, y])`).
`for_every_condition` lifts a set on images to the pairs of every condition. The presets
built from these tests (labels, off-condition pairs, labels under conditions) are in
`presets`, each method's set made by `methods`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_redact import calls, checks
from keras_redact import conditions as cond_lib

ImageFn = Callable[[tf.Tensor], tf.Tensor]


def _call(fn, samples):
    """`fn` on one batch of samples: images, or the pair `(images, labels)` (a Keras
    model's pass shared with the other functions of the batch: `keras_redact.calls`)."""
    return calls.call(fn, samples)


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


def batched(fn, samples, batch_size=1000) -> np.ndarray:
    """`fn` applied to numpy samples (images or pairs) in batches; one numpy array back.

    `fn` takes one batch: images, or the pair `(images, labels)`. Inside
    `progress(True, ...)`, a pass over 10,000 samples or more shows a progress bar.
    """
    samples = cond_lib.as_numpy(samples)
    total = cond_lib.count(samples)
    shown = _PROGRESS.get()
    bar = None
    if shown is not None and total >= 10_000:
        if shown:
            print(f"{shown.pop()}...")
        bar = keras.utils.Progbar(total, unit_name="sample")
    out = []
    for i in range(0, total, batch_size):
        batch = tf.nest.map_structure(tf.constant,
                                      cond_lib.take(samples, slice(i, i + batch_size)))
        out.append(np.asarray(fn(batch)))
        if bar is not None:
            bar.update(min(i + batch_size, total))
    return np.concatenate(out) if out else np.zeros((0,), bool)


class RedactionSet:
    """Base class of redaction-set descriptions."""

    kind: str = ""

    def contains(self, samples) -> tf.Tensor:
        """Boolean tensor (N,): True where the sample (image or pair) is in Omega."""
        raise NotImplementedError(
            f"{type(self).__name__} has no membership test; give it one (membership=...)")

    def initial_samples(self, samples) -> np.ndarray:
        """The given training samples that lie in Omega (they seed p_Omega)."""
        return self.split(samples)[1]

    def split_mask(self, samples) -> np.ndarray:
        """Boolean numpy mask (N,) of the samples in Omega, computed in batches."""
        return batched(self.contains, samples).astype(bool)

    def split(self, samples):
        """Splits training samples into `(kept, in_omega)` with `contains` (numpy)."""
        samples = cond_lib.as_numpy(samples)
        mask = self.split_mask(samples)
        return cond_lib.take(samples, ~mask), cond_lib.take(samples, mask)


class DataRedactionSet(RedactionSet):
    """Data-based redaction set (Alg. 1): p_Omega is uniform over the given samples.

    Args:
        samples: Samples of Omega, images in [-1, 1] `(N, H, W, C)` (array or a
            `tf.data.Dataset` of images or batches of images); for a conditional GAN the
            pairs `(images, labels)`.
        membership: Optional `samples -> bool` test of Omega, used to measure invalidity
            (for a label: "the label classifier's argmax is y").

    Raises:
        ValueError: If there are no samples.
    """

    kind = "data"

    def __init__(self, samples, membership: ImageFn | None = None):
        if isinstance(samples, tf.data.Dataset):
            parts = [np.asarray(b) for b in samples]
            samples = np.concatenate(parts) if parts else np.zeros((0,))
        self.samples = cond_lib.as_numpy(samples)
        images = cond_lib.images_in(self.samples)
        if images.ndim < 2 or len(images) == 0:
            raise ValueError(
                "A data-based redaction set needs an array (N, *sample_shape) with N >= 1, "
                f"for images (N, H, W, C); received an array of shape {images.shape}")
        if isinstance(self.samples, tuple) and len(self.samples[1]) != len(images):
            raise ValueError(f"A data-based set of pairs needs one label per image; received "
                             f"{len(images)} images and {len(self.samples[1])} labels")
        self.membership = membership

    def contains(self, samples):
        if self.membership is None:
            return super().contains(samples)
        return ops.cast(_flat(_call(self.membership, samples), "the membership test"), "bool")

    def initial_samples(self, samples=None) -> np.ndarray:
        return self.samples


class ValidityRedactionSet(RedactionSet):
    """Validity-based redaction set (Alg. 2): Omega = {x : v(x) = 0}.

    Omega' starts as the invalid training samples and, before each round (epoch) of
    training, grows with the invalid ones among `queries_per_round` (T) fresh samples of
    the current generator: the `ValidityRounds` callback `RedactionGAN.fit` is given does
    this, so `fit(..., epochs=R, callbacks=[ValidityRounds()])` runs R rounds. Queries to
    v: |X| + T * R.

    Omega' is stored in a buffer of at most `capacity` samples (memory:
    `capacity * H * W * C * 4` bytes; 10,000 MNIST images take 31 MB). Past that, reservoir
    sampling keeps it a uniform sample of every invalid sample seen.

    Args:
        validity_fn: Batched v(x): images in [-1, 1] -> values in {0, 1} (a Python callable
            or a Keras model), 0 meaning invalid.
        queries_per_round: T, generated samples queried per round (paper: 1000).
        capacity: Most samples kept in Omega'.
        candidates: Further samples v is asked about once, before training: the invalid
            ones join Omega' with the invalid training samples (`initial_samples`). The
            off-condition preset gives the training images under other labels than
            their own. Queries to v: |X| + |candidates| + T * R.

    Raises:
        ValueError: For a non-positive T or capacity.
    """

    kind = "validity"

    def __init__(self, validity_fn, queries_per_round: int = 1000, capacity: int = 10_000,
                 candidates=None):
        self.validity_fn = validity_fn
        self.queries_per_round = checks.integer("queries_per_round", queries_per_round)
        self.capacity = checks.integer("capacity", capacity)
        self.candidates = None if candidates is None else cond_lib.as_numpy(candidates)

    @property
    def candidate_queries(self) -> int:
        """How many queries to v the candidates cost."""
        return 0 if self.candidates is None else cond_lib.count(self.candidates)

    def initial_samples(self, samples) -> np.ndarray:
        """The invalid training samples, and the invalid candidates (they seed Omega')."""
        inside = self.split(samples)[1]
        if self.candidates is None:
            return inside
        return cond_lib.concatenate([inside, self.split(self.candidates)[1]])

    def validity(self, samples) -> tf.Tensor:
        """v(x) (or v(x, y)) as float32 (N,), checked to be 0 or 1."""
        v = ops.cast(_flat(_call(self.validity_fn, samples), "the validity function v"),
                     "float32")
        tf.debugging.assert_equal(
            tf.reduce_all((v == 0.0) | (v == 1.0)), True,
            message="The validity function must return only 0 (invalid) and 1 (valid)")
        return v

    def contains(self, samples):
        return self.validity(samples) == 0.0


def check_tau(tau) -> float:
    """The threshold of a classifier-based set, Omega = {f < tau}, checked: in (0, 1).

    Raises:
        ValueError: "tau must be in (0, 1); received 5".
    """
    return checks.number("tau", tau, 0.0, 1.0)


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
        self.classifier_fn = classifier_fn
        self.tau = check_tau(tau)

    def score(self, samples) -> tf.Tensor:
        """f(x) (or f(x, y)) as float32 (N,), checked to lie in [0, 1]."""
        f = ops.cast(_flat(_call(self.classifier_fn, samples), "the classifier score f"),
                     "float32")
        tf.debugging.assert_equal(
            tf.reduce_all((f >= 0.0) & (f <= 1.0)), True,
            message="The redaction classifier f must return values in [0, 1]")
        return f

    def contains(self, samples):
        return self.score(samples) < self.tau


def any_of(memberships: Sequence) -> ImageFn:
    """`samples -> bool`: the samples in any of the memberships (callables or Keras models).

    The result takes one batch (images, or a `(images, labels)` pair) like a set's
    `contains`.
    """
    memberships = list(memberships)
    if len(memberships) == 1:
        only = memberships[0]
        return lambda samples: _call(only, samples)
    return lambda samples: ops.any(
        ops.stack([ops.cast(_flat(_call(m, samples), "a membership test"), "bool")
                   for m in memberships]), axis=0)


def union(sets: Sequence[RedactionSet]) -> RedactionSet:
    """The union of several redaction sets (Section III-D).

    * data sets: the samples are concatenated (p_Omega uniform over the union);
    * validity sets: v(x) = min_k v_k(x) (T and capacity: the largest given; the
      candidates of all);
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
        return DataRedactionSet(cond_lib.concatenate([s.samples for s in sets]), membership)
    if "data" in kinds:
        raise ValueError(f"Cannot unite a data-based set with {sorted(kinds - {'data'})} "
                         "sets; describe all by validity or classifier functions")
    if kinds == {"validity"}:
        fns = [s.validity for s in sets]
        candidates = [s.candidates for s in sets if s.candidates is not None]
        return ValidityRedactionSet(
            lambda x: ops.min(ops.stack([fn(x) for fn in fns]), axis=0),
            max(s.queries_per_round for s in sets), max(s.capacity for s in sets),
            candidates=cond_lib.concatenate(candidates) if candidates else None)
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
    return _validity_of(label_membership(classifier, labels))


def _validity_of(member) -> ImageFn:
    """v = 1 - membership: 0 (invalid) exactly on the members."""
    return lambda samples: 1.0 - ops.cast(member(samples), "float32")


def label_score(classifier, labels) -> ImageFn:
    """f(x) = 1 - max_{y in labels} p_y(x): the union over labels of f_y = 1 - p_y."""
    labels = _check_labels(labels, _num_classes(classifier))
    index = tf.constant(labels, tf.int32)

    def f(images):
        probs = ops.softmax(_call(classifier, images), axis=-1)
        return 1.0 - ops.max(ops.take(probs, index, axis=-1), axis=-1)

    return f


# === Conditional GANs: sets of pairs (x, y) ===


class OnImages:
    """A function of images applied to pairs `(x, y)`: it reads x and ignores y.

    Attributes of the wrapped function (a `BoundaryValidity`'s threshold, say) read
    through.
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, samples):
        return _call(self.fn, cond_lib.images_in(samples))

    def __getattr__(self, name):
        if name == "fn":
            raise AttributeError(name)
        return getattr(self.fn, name)

    def __repr__(self):
        return f"OnImages({self.fn!r})"


def for_every_condition(redaction_set: RedactionSet) -> RedactionSet:
    """A set described on images, as a set of pairs: (x, y) is in it for every y if x is.

    How the presets on images (boundary artifacts, ambiguity, attributes, labels) apply
    to a conditional GAN: under every condition.

    Raises:
        ValueError: For a data-based set (its samples name no conditions: give pairs).
    """
    if isinstance(redaction_set, ValidityRedactionSet):
        return ValidityRedactionSet(OnImages(redaction_set.validity_fn),
                                    redaction_set.queries_per_round, redaction_set.capacity)
    if isinstance(redaction_set, ClassifierRedactionSet):
        return ClassifierRedactionSet(OnImages(redaction_set.classifier_fn), redaction_set.tau)
    raise ValueError(f"for_every_condition lifts sets described by functions; a "
                     f"{type(redaction_set).__name__}'s samples name no conditions (give "
                     "pairs (images, labels) instead)")


def _condition_of(samples):
    return ops.cast(ops.reshape(samples[1], (-1,)), "int32")


def _condition_in(samples, wanted):
    """Per pair: whether its condition is one of `wanted` (an int32 tensor)."""
    return ops.any(ops.expand_dims(_condition_of(samples), -1) == wanted, axis=-1)


def off_condition_membership(classifier) -> ImageFn:
    """`(x, y) -> bool`: the label classifier does not call x a y (its argmax is not y)."""

    def membership(samples):
        predicted = ops.cast(ops.argmax(_call(classifier, samples[0]), axis=-1), "int32")
        return predicted != _condition_of(samples)

    return membership


def off_condition_score(classifier) -> ImageFn:
    """f(x, y) = p_y(x): the label classifier's probability that x is its condition y."""

    def f(samples):
        probs = ops.softmax(_call(classifier, samples[0]), axis=-1)
        return ops.take_along_axis(probs, ops.expand_dims(_condition_of(samples), -1),
                                   axis=-1)[:, 0]

    return f


def _check_conditions(conditions, num_classes):
    if conditions is None:
        return list(range(num_classes))
    return _check_labels(conditions, num_classes)


def conditional_labels_membership(classifier, labels, conditions=None) -> ImageFn:
    """`(x, y) -> bool`: x is one of `labels` (classifier's argmax) and y one of `conditions`."""
    num_classes = _num_classes(classifier)
    member = label_membership(classifier, labels)
    wanted = tf.constant(_check_conditions(conditions, num_classes), tf.int32)

    def membership(samples):
        return ops.logical_and(ops.cast(member(samples[0]), "bool"),
                               _condition_in(samples, wanted))

    return membership
