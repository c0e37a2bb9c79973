import keras
import numpy as np
import pytest

from keras_redact.models import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3), (96, 96, 3)])
def test_output_shapes(shape):
    g = DCGANGenerator(shape, base_filters=8)
    d = DCGANDiscriminator(shape, base_filters=8)
    images = g(np.random.default_rng(0).standard_normal((2, 128)).astype("float32"))
    assert tuple(images.shape) == (2, *shape)
    assert float(np.abs(images).max()) <= 1.0
    probs = np.asarray(d(images))
    assert probs.shape == (2, 1) and ((probs > 0) & (probs < 1)).all()


def test_unsupported_shape_lists_supported():
    supported = r"support image shapes .*\(28, 28, 1\).*received \(30, 30, 1\)"
    with pytest.raises(ValueError, match=supported):
        DCGANGenerator((30, 30, 1))
    with pytest.raises(ValueError, match="received"):
        DCGANDiscriminator((28, 28, 2))


def test_config_round_trip():
    g = DCGANGenerator((32, 32, 3), latent_dim=64, base_filters=8, name="g")
    config = g.get_config()
    assert config["image_shape"] == [32, 32, 3] and config["latent_dim"] == 64
    g2 = DCGANGenerator.from_config(config)
    assert g2.count_params() == g.count_params() and g2.name == "g"
    d = DCGANDiscriminator((28, 28, 1), base_filters=8)
    assert DCGANDiscriminator.from_config(d.get_config()).count_params() == d.count_params()


def test_keras_file_round_trip(tmp_path):
    g = DCGANGenerator(base_filters=8)
    d = DCGANDiscriminator(base_filters=8)
    z = np.random.default_rng(0).standard_normal((3, 128)).astype("float32")
    x = np.asarray(g(z))
    g.save(tmp_path / "g.keras")
    d.save(tmp_path / "d.keras")
    g2 = keras.saving.load_model(tmp_path / "g.keras")
    d2 = keras.saving.load_model(tmp_path / "d.keras")
    assert isinstance(g2, DCGANGenerator) and isinstance(d2, DCGANDiscriminator)
    np.testing.assert_allclose(np.asarray(g2(z)), x, atol=1e-6)
    np.testing.assert_allclose(np.asarray(d2(x)), np.asarray(d(x)), atol=1e-6)


def test_conditional_builders_take_labels_and_round_trip(tmp_path):
    g = ConditionalDCGANGenerator((32, 32, 3), num_classes=5, base_filters=4)
    d = ConditionalDCGANDiscriminator((32, 32, 3), num_classes=5, base_filters=4)
    z = np.random.default_rng(0).standard_normal((3, 128)).astype(np.float32)
    labels = np.array([0, 2, 4], np.int32)
    images = keras.ops.convert_to_numpy(g([z, labels]))
    assert tuple(images.shape) == (3, 32, 32, 3)
    assert tuple(d([images, labels]).shape) == (3, 1)
    # The label changes the sample: same latents, another condition, another image.
    assert not np.allclose(images[1], g([z, np.array([0, 3, 4], np.int32)])[1])
    for model in (g, d):
        model.save(tmp_path / "m.keras")
        loaded = keras.saving.load_model(tmp_path / "m.keras")
        assert loaded.get_config() == model.get_config() and loaded.num_classes == 5
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "m.keras")(
        [images, labels]), d([images, labels]), atol=1e-6)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2"):
        ConditionalDCGANGenerator(num_classes=1)
