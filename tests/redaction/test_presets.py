"""Boundary-artifact, label-ambiguity and attribute presets (paper, Appendix F and E-D)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import data
from keras_redact.redaction import presets


def _framed(value_inside, value_border, margin=1, size=28):
    image = np.full((size, size, 1), value_inside, np.float32)
    image[:margin], image[-margin:] = value_border, value_border
    image[:, :margin], image[:, -margin:] = value_border, value_border
    return image


def test_boundary_sum_is_the_frame_in_0_1():
    white_frame = _framed(-1.0, 1.0)           # black image, white 1-pixel frame
    grey = np.zeros((28, 28, 1), np.float32)   # 0.5 everywhere in [0, 1]
    images = np.stack([white_frame, grey, _framed(1.0, -1.0)])
    v1 = presets.BoundaryValidity(margin=1)
    np.testing.assert_allclose(np.asarray(v1.boundary_sum(images)), [108.0, 54.0, 0.0])
    v2 = presets.BoundaryValidity(margin=2)   # 28*28 - 24*24 = 208 frame pixels
    # The third image has white in the second ring: 208 - 108 = 100.
    np.testing.assert_allclose(np.asarray(v2.boundary_sum(images)), [108.0, 104.0, 100.0])
    # v = 1{sum < tau_b}: the white frame and the grey image are invalid, the framed-black
    # image (white inside, black border) is valid.
    np.testing.assert_array_equal(np.asarray(v1(images)), [0.0, 0.0, 1.0])
    assert (v1.threshold, v2.threshold) == (4.25, 10.0)


@pytest.mark.parametrize("margin,threshold,match", [
    (0, None, "margin must be a positive integer"),
    (1.5, None, "margin must be a positive integer"),
    (3, None, "No default threshold for margin 3"),
    (1, -2.0, "threshold must be positive"),
])
def test_boundary_bad_arguments(margin, threshold, match):
    with pytest.raises(ValueError, match=match):
        presets.BoundaryValidity(margin, threshold)


def test_margin_that_leaves_no_interior_is_refused():
    with pytest.raises(ValueError, match="margin of 14 leaves no interior in 28x28"):
        presets.boundary_set(np.zeros((2, 28, 28, 1), np.float32), margin=14, threshold=5.0)


def test_paper_thresholds_leave_every_mnist_training_image_valid():
    images, _ = data.to_numpy(data.load("mnist_5k", "train"))
    for margin in (1, 2):
        boundary = presets.boundary_set(images, margin)
        assert not np.any(boundary.split_mask(images))
    # A threshold that marks training images invalid is refused unless forced.
    with pytest.raises(ValueError, match=r"marks 55 of 4000 training images invalid"):
        presets.boundary_set(images, 1, 0.5)
    forced = presets.boundary_set(images, 1, 0.5, force=True, queries_per_round=7)
    assert forced.queries_per_round == 7
    assert len(forced.initial_samples(images)) == 55


def _classifier(num_classes=3, shape=(4, 4, 1)):
    inputs = keras.Input(shape)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(keras.layers.Flatten()(inputs)))


def test_ambiguity_score_golden_values_and_gradient():
    clf = _classifier(num_classes=2)
    score = presets.AmbiguityScore(lambda x: x, num_classes=2)  # logits given directly
    logits = tf.constant([[0.0, 0.0], [math.log(3.0), 0.0], [30.0, 0.0]])
    # p = (1/2, 1/2): f = 0; p = (3/4, 1/4): H = 0.5623 nats, f = 1 - H / ln 2 = 0.1887.
    np.testing.assert_allclose(np.asarray(score(logits)), [0.0, 0.18872, 1.0], atol=1e-4)
    real = presets.AmbiguityScore(clf)
    x = tf.Variable(np.random.default_rng(0).normal(size=(3, 4, 4, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        f = real(x)
    assert np.all((np.asarray(f) >= 0) & (np.asarray(f) <= 1))
    assert float(tf.reduce_sum(tf.abs(tape.gradient(f, x)))) > 0


def test_ambiguity_set_membership():
    clf = _classifier()
    s = presets.ambiguity_set(clf, tau=0.3)
    x = np.random.default_rng(1).normal(size=(5, 4, 4, 1)).astype("float32")
    f = np.asarray(presets.AmbiguityScore(clf)(x))
    np.testing.assert_array_equal(np.asarray(s.contains(x)), f < 0.3)
    with pytest.raises(ValueError, match=r"tau must be in \(0, 1\)"):
        presets.ambiguity_set(clf, tau=1.0)
