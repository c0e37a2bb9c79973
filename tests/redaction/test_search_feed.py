"""SearchFeed: the latent search's finds join p_Omega after each epoch."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import redaction


class _Run(keras.Model):
    """What the callback sees of a RedactionGAN: its generator and p_Omega's buffer."""

    def __init__(self, generator):
        super().__init__()
        self.generator, self.added = generator, []

    def add_redaction_samples(self, samples):
        self.added.append(np.asarray(samples))
        return sum(len(a) for a in self.added)


def _generator():
    # 2-D points: G(z) = z[:2]; Omega = {x_0 > 2}, rare at random latents (2.3%).
    z = keras.Input((8,))
    return keras.Model(z, keras.layers.Lambda(lambda v: v[:, :2])(z))


def _score(samples):
    return tf.sigmoid(4.0 * (samples[:, 0] - 2.0))


def _contains(samples):
    return samples[:, 0] > 2.0


def test_the_finds_are_samples_in_omega_added_to_the_buffer():
    run = _Run(_generator())
    feed = redaction.SearchFeed(_score, _contains, starts=50, steps=60, seed=0)
    feed.set_model(run)
    logs = {}
    feed.on_epoch_end(0, logs)
    found = run.added[0]
    # The search reaches Omega from far more starts than random latents would (2.3%).
    assert feed.finds == [len(found)] == [logs["search_finds"]] and len(found) > 25
    assert found.shape[1:] == (2,) and (found[:, 0] > 2.0).all()
    feed.on_epoch_end(1, {})
    assert len(feed.finds) == 2 and not np.array_equal(run.added[0], run.added[1][:1])


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="starts must be a positive integer"):
        redaction.SearchFeed(_score, _contains, starts=0)
    with pytest.raises(ValueError, match="search_feed must be"):
        redaction.Settings(method="data", search_feed=-1)


def test_omega_score_is_the_classifiers_probability_of_omega():
    from keras_redact.redaction import membership

    x = keras.Input((3,))
    classifier = keras.Model(x, keras.layers.Identity()(x))  # logits = the sample
    images = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32))
    conditions = np.array([0, 0], np.int32)
    labels = membership.omega_score(classifier, (2,))
    np.testing.assert_allclose(labels(images), [0.1, 0.8], rtol=1e-5)
    both = membership.omega_score(classifier, (2,), off_condition=True)
    # Off condition 0: 1 - p_0 = 0.3 and 0.9; the labels' 0.1 and 0.8: the larger.
    np.testing.assert_allclose(both((images, conditions)), [0.3, 0.9], rtol=1e-5)
    with pytest.raises(ValueError, match="needs labels or off_condition"):
        membership.omega_score(classifier)
