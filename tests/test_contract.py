"""The model contract: each convention of the GANs Keras users hold, found and adapted."""

import keras
import numpy as np
import pytest

from keras_redact import contract
from keras_redact.models import DCGANGenerator, LabelClassifier

LATENT = 4


def _generator(activation="tanh", rescale=None):
    z = keras.Input((LATENT,))
    x = keras.layers.Dense(4, activation=activation)(z)
    x = keras.layers.Reshape((2, 2, 1))(x)
    if rescale:
        x = keras.layers.Rescaling(*rescale)(x)
    return keras.Model(z, x, name="g")


def _discriminator(head="logit", norm=False):
    x = keras.Input((2, 2, 1))
    h = keras.layers.Flatten()(x)
    if norm:
        h = keras.layers.BatchNormalization()(h)
    if head == "logit":
        out = keras.layers.Dense(1)(h)
    elif head == "probability":
        out = keras.layers.Dense(1, activation="sigmoid")(h)
    elif head == "two":
        out = keras.layers.Dense(2)(h)
    else:
        out = keras.layers.Dense(1, activation=head)(h)
    return keras.Model(x, out, name="d")


def _two_headed():
    x = keras.Input((2, 2, 1))
    h = keras.layers.Flatten()(x)
    return keras.Model(x, [keras.layers.Dense(1)(h), keras.layers.Dense(1)(h)])


class _Subclassed(keras.Model):
    """A generator whose layers do not say its range (a subclassed model)."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)

    def call(self, z):
        return keras.ops.reshape(keras.ops.sigmoid(self.dense(z)), (-1, 2, 2, 1))


@pytest.mark.parametrize("make,expected,how", [
    (lambda: _generator("tanh"), (-1.0, 1.0), "tanh"),
    (lambda: _generator("sigmoid"), (0.0, 1.0), "sigmoid"),
    (lambda: _generator("tanh", (0.5, 0.5)), (0.0, 1.0), "Rescaling(0.5, offset=0.5)"),
    (lambda: _generator("sigmoid", (255.0, 0.0)), (0.0, 255.0), "Rescaling(255"),
    (lambda: _generator(None), None, "linear"),
    (lambda: DCGANGenerator(latent_dim=LATENT), (-1.0, 1.0), "tanh"),
])
def test_generator_range_is_read_from_the_last_layers(make, expected, how):
    found = contract.find_generator_range(make())
    assert found.value == expected
    assert how in found.how


def test_generator_range_of_a_subclassed_model_comes_from_samples():
    model = _Subclassed()
    model(np.zeros((1, LATENT), np.float32))
    inputs = keras.Input((LATENT,))
    wrapped = keras.Model(inputs, model(inputs))  # functional over a subclassed layer
    found = contract.find_generator_range(wrapped)
    assert found.value == (0.0, 1.0)
    assert "samples" in found.how
    assert contract.find_generator_range(wrapped, declared=(-1, 1)).value == (-1.0, 1.0)
    with pytest.raises(ValueError, match="generator_range must have low < high"):
        contract.find_generator_range(wrapped, declared=(1, 0))


@pytest.mark.parametrize("head,expected", [("probability", "probability"),
                                           ("logit", "logit")])
def test_discriminator_output_kind(head, expected):
    assert contract.find_discriminator_output(_discriminator(head)).value == expected


@pytest.mark.parametrize("make,match", [
    (lambda: _discriminator("two"), r"outputs of shape \(2,\) per sample"),
    (lambda: _two_headed(), "has 2 outputs"),
    (lambda: _discriminator(norm=True), "batch normalisation"),
])
def test_discriminators_without_a_gan_meaning_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        contract.check_discriminator(make())


def test_critics_and_other_heads_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="ends in tanh"):
        contract.find_discriminator_output(_discriminator("tanh"))
    with pytest.raises(ValueError, match="WGAN critic is refused"):
        contract.find_discriminator_output(_discriminator(), declared="critic")
    # A critic's scores: large, arbitrary offset: "real" almost surely on both sides.
    with pytest.raises(ValueError, match="no probability meaning"):
        contract.discriminator_side(np.full(100, 42.0) + np.arange(100) * 0.01,
                                    np.full(100, 37.0), from_logits=True)


def test_discriminator_side_follows_its_outputs():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(1.0, 1.0, 512), rng.normal(-1.0, 1.0, 512)
    assert contract.discriminator_side(real, fake, True).value is True
    assert contract.discriminator_side(fake, real, True).value is False  # keras-io: fake = 1
    # Near equilibrium D barely tells real from generated, but scrambled samples (no D
    # takes them for real) give its side away: here keras-io's, fake = 1.
    near = contract.discriminator_side(real * 0.01, real * 0.01 + 0.1, True,
                                       scrambled_outputs=real * 0.01 + 5.0)
    assert near.value is False and "scrambled" in near.how
    # Near equilibrium (both about 0.5, the other way by under MIN_SIDE_GAP): the paper's.
    tied = contract.discriminator_side(real * 0.01, real * 0.01 + 0.1, True)
    assert tied.value is True and tied.how.startswith("assumed")


def test_classifier_with_a_rescaling_input_takes_pixels():
    x = keras.Input((2, 2, 1))
    logits = keras.layers.Dense(3)(keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(x)))
    classifier = keras.Model(x, logits)
    assert contract.input_range(classifier)[0] == (0.0, 255.0)
    assert contract.input_range(LabelClassifier((28, 28, 1), 10))[0] == (-1.0, 1.0)
    sigmoid_g = contract.Found((0.0, 1.0), "test")
    adapted, found = contract.adapt_classifier(classifier, sigmoid_g)
    assert found.value == (0.0, 255.0)
    internal = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 2, 2, 1)
    np.testing.assert_allclose(adapted.predict(internal, verbose=0),
                               classifier.predict((internal + 1) * 127.5, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_adapt_a_keras_io_pair_sigmoid_g_and_fake_high_logit_d():
    g = _generator("sigmoid")
    d = _discriminator("logit")
    # D says "fake" with large logits where the pixels are bright (G's samples are).
    d.layers[-1].set_weights([np.full((4, 1), 3.0, np.float32), np.array([-3.0], np.float32)])
    g.layers[1].set_weights([np.zeros((LATENT, 4), np.float32), np.full(4, 2.0, np.float32)])
    real = np.full((64, 2, 2, 1), -0.9, np.float32)  # internal range: dark pixels
    adapted = contract.adapt(g, d, real_samples=real)
    found = adapted.contract
    assert found.generator_range.value == (0.0, 1.0)
    assert found.discriminator_output.value == "logit" and adapted.from_logits
    assert found.discriminator_real.value is False
    assert found.discriminator_range.value == (0.0, 1.0)  # assumed: G's
    z = np.random.default_rng(0).standard_normal((5, LATENT)).astype(np.float32)
    images = g.predict(z, verbose=0)
    np.testing.assert_allclose(adapted.generator.predict(z, verbose=0), 2 * images - 1,
                               rtol=1e-6, atol=1e-6)
    # The adapted D takes internal samples, maps them to [0, 1] and says real = high.
    np.testing.assert_allclose(adapted.discriminator.predict(2 * images - 1, verbose=0),
                               -d.predict(images, verbose=0), rtol=1e-5, atol=1e-5)
    assert set(found.as_dict()) >= {"generator_range", "discriminator_output"}
    assert any("fake = high (negated)" in line for line in found.lines())
    # The adapters share the user's weights: training them trains the user's models.
    assert adapted.discriminator.trainable_weights[0] is d.trainable_weights[0]


def test_data_outside_the_generators_range_is_refused():
    inside = np.array([[0.0], [1.0]], np.float32)
    np.testing.assert_allclose(contract.data_to_internal(inside, None, (0.0, 1.0)),
                               [[-1.0], [1.0]])
    with pytest.raises(ValueError, match=r"lie in \[-3, 4\] but the generator makes "
                                         r"samples in \[0, 1\]"):
        contract.data_to_internal(np.array([-3.0, 4.0]), None, (0.0, 1.0))
    unbounded = np.array([-3.0, 4.0])
    assert contract.data_to_internal(unbounded, None, None) is unbounded


def test_scrambled_samples_keep_values_and_labels():
    images = np.arange(24, dtype=np.float32).reshape(2, 2, 3, 2)
    mixed = contract.scrambled(images, seed=1)
    assert mixed.shape == images.shape and not np.array_equal(mixed, images)
    np.testing.assert_array_equal(np.sort(mixed.reshape(2, -1), 1), images.reshape(2, -1))
    pair = contract.scrambled((images, np.array([3, 5])), seed=1)
    np.testing.assert_array_equal(pair[1], [3, 5])
