"""Opt-in Inception FID: the TF-Hub plumbing, with a small stand-in network (no download)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import data
from keras_redact.evaluation import inception, quality, sampling
from keras_redact.jobs import PRETRAINED, evaluate


class _StandIn(tf.Module):
    """Has TF-GAN's Inception interface: 299x299x3 images -> {"pool_3", "logits"}."""

    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.random.default_rng(0).normal(size=(3, 8)).astype("float32"))

    @tf.function(input_signature=[tf.TensorSpec((None, 299, 299, 3), tf.float32)])
    def __call__(self, images):
        pooled = tf.reduce_mean(images, axis=[1, 2])  # (N, 3)
        pool = tf.tanh(pooled @ self.w + tf.reduce_mean(images ** 2, axis=[1, 2, 3])[:, None])
        return {"pool_3": pool[:, None, None, :], "logits": pool[:, :2]}


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    path = tmp_path_factory.mktemp("inception") / "saved_model"
    tf.saved_model.save(_StandIn(), str(path))
    return str(path)


def test_features_resize_and_repeat_grey_images(stand_in):
    model = inception.load_inception(stand_in)
    grey = np.random.default_rng(1).uniform(-1, 1, (5, 28, 28, 1)).astype("float32")
    feats = inception.features_of(grey, model, batch_size=2)
    assert feats.shape == (5, 8)
    rgb = tf.image.resize(tf.repeat(grey, 3, axis=-1), (299, 299))
    np.testing.assert_allclose(feats, np.asarray(model(rgb)["pool_3"])[:, 0, 0], atol=1e-5)


def test_bin_evaluate_inception_fid(stand_in, tmp_path):
    config = evaluate.EvaluateConfig(
        generator=str(PRETRAINED / "generator.keras"), eval_samples=300,
        metrics=("fid", "inception_fid"), inception_handle=stand_in)
    figures = evaluate.evaluate(config)
    assert figures["inception_fid"] > 0 and figures["fid"] > 0
    assert "FID (Inception, TF-Hub)" in evaluate.markdown_table(figures)
    # The same number by hand: features of the same generated and real samples.
    model = inception.load_inception(stand_in)
    g = keras.saving.load_model(PRETRAINED / "generator.keras")
    fake = sampling.map_generated(g, lambda x: inception.inception_features(x, model), 300,
                                  seed=0, batch_size=64)
    kept, _ = data.to_numpy(data.load("mnist_5k", "train"), data.label_predicate([0]), "kept")
    expected = quality.frechet_distance_from_features(fake, inception.features_of(kept, model))
    assert figures["inception_fid"] == pytest.approx(expected, rel=1e-4)


def test_unreachable_inception_says_what_to_do(tmp_path):
    with pytest.raises(RuntimeError, match="--inception_handle=DIR") as error:
        inception.load_inception(str(tmp_path / "no_such_model"))
    assert "--metrics=fid" in str(error.value)
    with pytest.raises(ValueError, match="inception_fid"):
        evaluate.EvaluateConfig(metrics=("inceptionfid",))
