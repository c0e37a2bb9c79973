"""Attribute expressions and attribute-combination redaction sets (Table IV)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_redact import data
from keras_redact.models import DCGANDiscriminator, DCGANGenerator
from keras_redact.redaction import RedactionGAN, ValidityRounds, attributes, presets

NAMES = ("Black_Hair", "Blurry", "Brown_Hair", "Eyeglasses")
PAPER = "(Black_Hair & Blurry) | (Brown_Hair & Eyeglasses)"


def test_parse_precedence_and_keywords():
    assert str(attributes.parse(PAPER)) == "((Black_Hair & Blurry) | (Brown_Hair & Eyeglasses))"
    assert str(attributes.parse("Black_Hair & Blurry | Brown_Hair & Eyeglasses")) == \
        str(attributes.parse(PAPER))
    assert str(attributes.parse("not a and b or c")) == "((!a & b) | c)"
    assert str(attributes.parse("!(a | b)")) == "!(a | b)"
    assert attributes.parse(PAPER).names == NAMES


@pytest.mark.parametrize("text,position,message", [
    ("(Black_Hair & ) | Blurry", 15, "expected an attribute name"),
    ("(a | b", 7, "expected ')' to close the '(' at position 1"),
    ("a b", 3, "expected '&', '|' or the end but found 'b'"),
    ("a + b", 3, "unexpected character '+'"),
    ("Black_Hair & Blury", 14, "unknown attribute 'Blury'"),
])
def test_grammar_errors_show_where(text, position, message):
    with pytest.raises(attributes.ExpressionError) as error:
        attributes.parse(text, known=NAMES + ("a", "b"))
    text_of = str(error.value)
    assert f"at position {position}: {message}" in text_of
    # The caret sits under the fault.
    lines = text_of.splitlines()
    assert lines[-1].index("^") - 2 == position - 1 and lines[-2].strip() == text


def test_empty_expression():
    with pytest.raises(ValueError, match="An attribute expression is needed"):
        attributes.parse("  ")


def test_evaluate_and_fuzzy_score_agree():
    rng = np.random.default_rng(0)
    p = {n: rng.uniform(size=500).astype("float32") for n in NAMES}
    parsed = attributes.parse(PAPER)
    for tau in (0.5, 0.3):
        holds = np.asarray(parsed.evaluate({n: p[n] > 1 - tau for n in NAMES}))
        f = np.asarray(parsed.fuzzy({n: 1 - p[n] for n in NAMES}))
        np.testing.assert_array_equal(f < tau, holds)
    expected = ((p["Black_Hair"] > 0.5) & (p["Blurry"] > 0.5)) | (
        (p["Brown_Hair"] > 0.5) & (p["Eyeglasses"] > 0.5))
    np.testing.assert_array_equal(
        np.asarray(parsed.evaluate({n: p[n] > 0.5 for n in NAMES})), expected)
    negated = attributes.parse("!Blurry")
    np.testing.assert_array_equal(
        np.asarray(negated.fuzzy({"Blurry": 1 - p["Blurry"]})) < 0.5, p["Blurry"] <= 0.5)


def _attribute_classifier(image_shape, n):
    inputs = keras.Input(image_shape)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(n, activation="sigmoid")(x))


def test_attribute_probabilities_checks_names():
    clf = _attribute_classifier((8, 8, 3), 4)
    with pytest.raises(ValueError, match="4 outputs but 3 attribute names"):
        attributes.AttributeProbabilities(clf, NAMES[:3])
    with pytest.raises(ValueError, match="needs its attribute names"):
        attributes.AttributeProbabilities(clf)
    by_dict = attributes.AttributeProbabilities({n: (lambda x: tf.ones((2, 1))) for n in NAMES})
    assert by_dict.names == NAMES
    assert by_dict(tf.zeros((2, 8, 8, 3)))["Blurry"].shape == (2,)


@pytest.fixture(scope="module")
def mock_celeb_a():
    """CelebA through TFDS's mock data (random faces and attributes; nothing downloads)."""
    with tfds.testing.mock_data(num_examples=48, policy=tfds.testing.MockPolicy.USE_CODE):
        images, attrs = data.load_attributes("celeb_a", "train", image_size=32)
    return images, attrs


def test_load_attributes_from_mock_celeb_a(mock_celeb_a):
    images, attrs = mock_celeb_a
    assert images.shape == (48, 32, 32, 3) and images.dtype == np.uint8
    assert len(attrs) == 40 and set(NAMES) <= set(attrs)
    assert all(v.shape == (48,) and v.dtype == bool for v in attrs.values())


@pytest.mark.parametrize("method", ["data", "validity", "classifier"])
def test_attribute_sets_train_a_step_on_mock_celeb_a(mock_celeb_a, method):
    uint8_images, attrs = mock_celeb_a
    images = uint8_images.astype("float32") / 127.5 - 1.0
    names = sorted(attrs)
    clf = _attribute_classifier((32, 32, 3), len(names))
    expression = "Black_Hair & Blurry | Brown_Hair & !Eyeglasses"
    s = presets.attributes_set(expression, clf, names, method, images=images,
                               image_attributes=attrs)
    assert s.kind == method
    truth = (attrs["Black_Hair"] & attrs["Blurry"]) | (attrs["Brown_Hair"] & ~attrs["Eyeglasses"])
    if method == "data":
        assert len(s.samples) == int(truth.sum())
    p = np.asarray(clf(images))
    col = {n: p[:, names.index(n)] > 0.5 for n in NAMES}
    predicted = (col["Black_Hair"] & col["Blurry"]) | (col["Brown_Hair"] & ~col["Eyeglasses"])
    np.testing.assert_array_equal(np.asarray(s.contains(images)), predicted)
    g = DCGANGenerator((32, 32, 3), latent_dim=8, base_filters=4)
    d = DCGANDiscriminator((32, 32, 3), base_filters=4)
    model = RedactionGAN(g, d, s, capacity=64, seed=0)
    model.compile()
    extra = {} if method == "data" else {"redaction_samples": images[truth]}
    if method == "validity":
        extra["callbacks"] = [ValidityRounds()]
    history = model.fit(tf.data.Dataset.from_tensor_slices(images[~truth]).batch(8),
                        epochs=1, verbose=0, **extra)
    assert np.isfinite(history.history["d_loss"][-1])


def test_unknown_attribute_and_empty_data_set(mock_celeb_a):
    uint8_images, attrs = mock_celeb_a
    names = sorted(attrs)
    clf = _attribute_classifier((32, 32, 3), len(names))
    with pytest.raises(ValueError, match="unknown attribute 'Purple_Hair'"):
        presets.attributes_set("Purple_Hair", clf, names, "validity")
    with pytest.raises(ValueError, match="No training image satisfies"):
        presets.attributes_set("Bald & !Bald", clf, names, "data", images=uint8_images,
                               image_attributes=attrs)
