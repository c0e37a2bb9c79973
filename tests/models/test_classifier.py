import keras
import numpy as np
import pytest

from keras_redact.models import LabelClassifier


def test_logits_features_and_round_trip(tmp_path):
    clf = LabelClassifier((28, 28, 1), 10, filters=4, feature_dim=8, name="clf")
    x = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    logits = np.asarray(clf(x, training=False))
    assert logits.shape == (3, 10)
    assert np.asarray(clf.feature_extractor(x, training=False)).shape == (3, 8)
    both_logits, feats = clf.logits_and_features(x, training=False)
    np.testing.assert_allclose(np.asarray(both_logits), logits, atol=1e-6)
    assert np.asarray(feats).min() >= 0  # ReLU features
    config = clf.get_config()
    assert config["image_shape"] == [28, 28, 1] and config["feature_dim"] == 8
    assert LabelClassifier.from_config(config).count_params() == clf.count_params()
    clf.save(tmp_path / "clf.keras")
    loaded = keras.saving.load_model(tmp_path / "clf.keras")
    assert isinstance(loaded, LabelClassifier)
    np.testing.assert_allclose(np.asarray(loaded(x, training=False)), logits, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"image_shape must be \(H, W, C\)"):
        LabelClassifier((28, 28), 10)
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        LabelClassifier((28, 28, 1), 1)
