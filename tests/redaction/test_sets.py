import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import redaction


def _images(values):
    return np.stack([np.full((2, 2, 1), v, np.float32) for v in values])


def _mean(x):
    return tf.reduce_mean(tf.reshape(x, (tf.shape(x)[0], -1)), axis=1)


def test_data_set_requires_samples():
    with pytest.raises(ValueError, match="N >= 1"):
        redaction.DataRedactionSet(np.zeros((0, 2, 2, 1)))


def test_data_set_from_dataset():
    ds = tf.data.Dataset.from_tensor_slices(_images([0.1, 0.2, 0.3])).batch(2)
    s = redaction.DataRedactionSet(ds)
    assert s.samples.shape == (3, 2, 2, 1)
    with pytest.raises(NotImplementedError, match="membership"):
        s.contains(_images([0.0]))


def test_validity_set_membership_and_checks():
    s = redaction.ValidityRedactionSet(lambda x: tf.cast(_mean(x) > 0, tf.float32), 10)
    np.testing.assert_array_equal(np.asarray(s.contains(_images([-0.5, 0.5]))), [True, False])
    kept, omega = s.split(_images([-0.5, 0.5, -0.1]))
    assert len(kept) == 1 and len(omega) == 2
    bad = redaction.ValidityRedactionSet(lambda x: 0.5 * tf.ones(tf.shape(x)[0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="only 0"):
        bad.contains(_images([0.0]))
    with pytest.raises(ValueError, match="queries_per_round"):
        redaction.ValidityRedactionSet(lambda x: x, queries_per_round=0)


def test_classifier_set_checks():
    with pytest.raises(ValueError, match=r"tau must be in \(0, 1\); received 1.0"):
        redaction.ClassifierRedactionSet(lambda x: x, tau=1.0)
    s = redaction.ClassifierRedactionSet(lambda x: 2.0 * tf.ones(tf.shape(x)[0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, 1\]"):
        s.contains(_images([0.0]))


def test_union_rules():
    v1 = redaction.ValidityRedactionSet(lambda x: tf.cast(_mean(x) > -0.5, tf.float32), 5)
    v2 = redaction.ValidityRedactionSet(lambda x: tf.cast(_mean(x) < 0.5, tf.float32), 7)
    u = redaction.union([v1, v2])
    assert u.queries_per_round == 7
    np.testing.assert_array_equal(np.asarray(u.contains(_images([-0.9, 0.0, 0.9]))),
                                  [True, False, True])
    f1 = redaction.ClassifierRedactionSet(lambda x: tf.sigmoid(_mean(x)), tau=0.5)
    f2 = redaction.ClassifierRedactionSet(lambda x: tf.sigmoid(-_mean(x)), tau=0.5)
    uf = redaction.union([f1, f2, v1])
    np.testing.assert_allclose(np.asarray(uf.score(_images([0.0, -0.9]))), [0.5, 0.0],
                               atol=1e-6)
    d = redaction.union([redaction.DataRedactionSet(_images([1])),
                         redaction.DataRedactionSet(_images([2, 3]))])
    assert d.samples.shape[0] == 3
    # Different taus: the second set is rescaled so that its members stay members.
    f3 = redaction.ClassifierRedactionSet(lambda x: (_mean(x) + 1.0) / 2.0, tau=0.3)
    mixed = redaction.union([f1, f3])
    assert mixed.tau == 0.5
    x = _images([-0.5, -0.3, -0.1, 0.9])  # f3 = 0.25, 0.35, 0.45, 0.95
    f3_scaled = np.asarray([0.25 * 0.5 / 0.3, 0.5 + 0.05 * 0.5 / 0.7, 0.5 + 0.15 * 0.5 / 0.7,
                            0.5 + 0.65 * 0.5 / 0.7])
    f1_values = 1.0 / (1.0 + np.exp(-np.asarray([-0.5, -0.3, -0.1, 0.9])))
    np.testing.assert_allclose(np.asarray(mixed.score(x)), np.minimum(f1_values, f3_scaled),
                               atol=1e-5)
    np.testing.assert_array_equal(
        np.asarray(mixed.contains(x)),
        np.asarray(f1.contains(x)) | np.asarray(f3.contains(x)))
    with pytest.raises(ValueError, match="data-based"):
        redaction.union([d, v1])
    with pytest.raises(ValueError, match="at least one"):
        redaction.union([])


def _tiny_classifier():
    inputs = keras.Input((2, 2, 1))
    logits = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, logits)
    w = np.zeros((4, 3), np.float32)
    w[:, 0], w[:, 1] = -10.0, 10.0  # dark -> 0, bright -> 1, class 2 never wins
    model.layers[-1].set_weights([w, np.array([0, 0, -5], np.float32)])
    return model


def test_label_presets():
    clf = _tiny_classifier()
    x = _images([-0.8, 0.8])
    member = redaction.label_membership(clf, [0])
    np.testing.assert_array_equal(np.asarray(member(x)), [True, False])
    np.testing.assert_array_equal(np.asarray(redaction.label_validity(clf, [0])(x)), [0, 1])
    f = np.asarray(redaction.label_score(clf, [0, 2])(x))
    assert f[0] < 0.01 and f[1] > 0.99
    s = redaction.labels_set("data", clf, [1], images=x, image_labels=[0, 1])
    assert s.samples.shape == (1, 2, 2, 1) and s.samples[0, 0, 0, 0] == pytest.approx(0.8)
    with pytest.raises(ValueError, match=r"labels \[2\] do not occur"):
        redaction.labels_set("data", clf, [2], images=x, image_labels=[0, 1])
    with pytest.raises(ValueError, match=r"allowed: 0..2"):
        redaction.labels_set("validity", clf, [7])
    with pytest.raises(ValueError, match="method must be"):
        redaction.labels_set("magic", clf, [0])


# === Sets of pairs (conditional GANs) ===


def _pairs():
    # dark (class 0) and bright (class 1) images, each under conditions 0, 1 and 2.
    x = _images([-0.8, -0.8, -0.8, 0.8, 0.8, 0.8])
    return x, np.array([0, 1, 2, 0, 1, 2], np.int32)


def test_off_condition_set_on_pairs():
    clf = _tiny_classifier()
    pairs = _pairs()
    member = redaction.off_condition_membership(clf)
    want = [False, True, True, True, False, True]  # off-condition: x is not its y
    np.testing.assert_array_equal(np.asarray(member(pairs)), want)
    validity = redaction.off_condition_set("validity", clf)
    np.testing.assert_array_equal(np.asarray(validity.contains(pairs)), want)
    classifier = redaction.off_condition_set("classifier", clf, tau=0.5)
    f = np.asarray(classifier.score(pairs))  # p_y(x)
    assert f[0] > 0.99 and f[4] > 0.99 and f[[1, 2, 3, 5]].max() < 0.01
    np.testing.assert_array_equal(np.asarray(classifier.contains(pairs)), want)
    # Data: each training image with another label than its own; all off-condition.
    data = redaction.off_condition_set("data", clf, images=_images([-0.8, 0.8]),
                                       image_labels=[0, 1], seed=0)
    images, labels = data.samples
    assert images.shape == (2, 2, 2, 1) and labels.tolist()[0] != 0 and labels[1] != 1
    assert np.asarray(data.contains(data.samples)).all()
    kept, inside = validity.split(pairs)
    assert len(kept[0]) == 2 and inside[1].tolist() == [1, 2, 0, 2]
    # Given the training images, validity's Omega' also starts with them under other
    # labels than their own (v is asked once about each: |X| more queries).
    seeded = redaction.off_condition_set("validity", clf, images=_images([-0.8, 0.8]),
                                         image_labels=[0, 1], seed=0)
    assert seeded.candidate_queries == 2 and validity.candidate_queries == 0
    own = (_images([-0.8, 0.8]), np.array([0, 0], np.int32))  # the second is off-condition
    start_images, start_labels = seeded.initial_samples(own)
    assert len(start_images) == 3 and start_labels[0] == 0
    assert start_labels[1] != 0 and start_labels[2] != 1


def test_labels_under_chosen_conditions():
    clf = _tiny_classifier()
    pairs = _pairs()
    member = redaction.conditional_labels_membership(clf, [1], [0, 2])
    np.testing.assert_array_equal(np.asarray(member(pairs)),
                                  [False, False, False, True, False, True])
    every = redaction.conditional_labels_set("validity", clf, [1])
    np.testing.assert_array_equal(np.asarray(every.contains(pairs)),
                                  [False, False, False, True, True, True])
    scored = redaction.conditional_labels_set("classifier", clf, [1], [0, 2])
    f = np.asarray(scored.score(pairs))
    assert f[3] < 0.01 and f[5] < 0.01 and f[4] == 1.0 and f[0] > 0.99
    data = redaction.conditional_labels_set("data", clf, [1], [0, 2],
                                            images=_images([-0.8, 0.8]), image_labels=[0, 1])
    assert data.samples[0].shape == (2, 2, 2, 1) and data.samples[1].tolist() == [0, 2]
    with pytest.raises(ValueError, match=r"allowed: 0..2"):
        redaction.conditional_labels_set("validity", clf, [1], [5])
    # Given the data, validity's Omega' also starts with the data method's pairs.
    seeded = redaction.conditional_labels_set("validity", clf, [1], [0, 2],
                                              images=_images([-0.8, 0.8]), image_labels=[0, 1])
    assert seeded.candidate_queries == 2
    assert seeded.initial_samples(_pairs())[1].tolist() == [0, 2, 0, 2]


def test_sets_on_images_apply_under_every_condition():
    clf = _tiny_classifier()
    on_images = redaction.labels_set("validity", clf, [0])
    lifted = redaction.for_every_condition(on_images)
    np.testing.assert_array_equal(np.asarray(lifted.contains(_pairs())),
                                  [True, True, True, False, False, False])
    boundary = redaction.boundary_set(np.full((1, 4, 4, 1), -1.0, np.float32), margin=1,
                                      threshold=0.5)
    assert redaction.for_every_condition(boundary).validity_fn.threshold == 0.5
    with pytest.raises(ValueError, match="name no conditions"):
        redaction.for_every_condition(redaction.DataRedactionSet(_images([0.1])))


def test_data_sets_of_pairs_unite_and_check_labels():
    a = redaction.DataRedactionSet((_images([0.1]), [1]))
    b = redaction.DataRedactionSet((_images([0.2, 0.3]), [0, 2]))
    united = redaction.union([a, b])
    assert united.samples[1].tolist() == [1, 0, 2] and united.samples[0].shape[0] == 3
    with pytest.raises(ValueError, match="one label per image"):
        redaction.DataRedactionSet((_images([0.1, 0.2]), [1]))
