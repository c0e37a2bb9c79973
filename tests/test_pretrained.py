"""The shipped MNIST models load and meet their documented quality (docs/pretrained.md)."""

import pathlib

import keras
import numpy as np
import pytest

from keras_redact import data, evaluation
from keras_redact.models import (
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    LabelClassifier,
)

PRETRAINED = pathlib.Path(__file__).resolve().parents[1] / "keras_redact" / "pretrained" / "mnist"


@pytest.fixture(scope="module")
def classifier():
    return keras.saving.load_model(PRETRAINED / "classifier.keras")


@pytest.fixture(scope="module")
def generator():
    return keras.saving.load_model(PRETRAINED / "generator.keras")


def _test_accuracy(model) -> float:
    """`model`'s accuracy on the 1,000 embedded test digits."""
    x, y = data.to_numpy(data.load("mnist_5k", "test"))
    return float(np.mean(model.predict(x, verbose=0).argmax(-1) == y))


def test_classifier_accuracy_on_the_embedded_test_split(classifier):
    assert isinstance(classifier, LabelClassifier)
    assert _test_accuracy(classifier) >= 0.985


def test_small_classifier_accuracy_on_the_embedded_test_split():
    # The cheaper f for classifier-based redaction (docs/pretrained.md): 97.5% measured.
    small = keras.saving.load_model(PRETRAINED / "small" / "classifier.keras")
    assert isinstance(small, LabelClassifier) and small.filters == 8
    assert _test_accuracy(small) >= 0.97


def test_distilled_classifier_judges_generated_digits_like_the_evaluator(classifier,
                                                                          generator):
    # docs/pretrained.md: 97.9% test accuracy; the shipped classifier's label on 90.2% of
    # 10,000 generated samples (the small one trained on labels: 81.1%).
    distilled = keras.saving.load_model(PRETRAINED / "distilled" / "classifier.keras")
    assert isinstance(distilled, LabelClassifier) and distilled.filters == 8
    assert _test_accuracy(distilled) >= 0.97
    both = evaluation.map_generated(
        generator, lambda x: (classifier(x, training=False), distilled(x, training=False)),
        3000, seed=1)
    assert np.mean(both[0].argmax(-1) == both[1].argmax(-1)) >= 0.88


def test_generator_makes_every_digit(classifier, generator):
    d = keras.saving.load_model(PRETRAINED / "discriminator.keras")
    assert isinstance(generator, DCGANGenerator) and isinstance(d, DCGANDiscriminator)
    logits = evaluation.map_generated(generator, lambda x: classifier(x, training=False), 3000,
                                      seed=0)
    shares = np.bincount(logits.argmax(-1), minlength=10) / len(logits)
    assert shares.min() >= 0.04 and shares.max() <= 0.16, shares  # 6-14% on 10,000 samples
    assert evaluation.inception_score_from_logits(logits) >= 7.0  # 10,000 samples: >= 7.5


def test_judge_is_a_classifier_of_its_own():
    # docs/pretrained.md: 16 filters, seed 1, trained apart; 98.4% measured.
    judge = keras.saving.load_model(PRETRAINED / "judge" / "classifier.keras")
    assert isinstance(judge, LabelClassifier) and judge.filters == 16
    assert _test_accuracy(judge) >= 0.975


def test_files_are_small():
    sizes = {p.name: p.stat().st_size for p in PRETRAINED.glob("*.keras")}
    assert set(sizes) == {"generator.keras", "discriminator.keras", "classifier.keras"}
    for small in ("small", "distilled"):
        assert (PRETRAINED / small / "classifier.keras").stat().st_size < 600_000
    assert (PRETRAINED / "judge" / "classifier.keras").stat().st_size < 1_000_000
    assert sum(sizes.values()) < 6_000_000


# === The conditional GAN (keras_redact/pretrained/mnist_conditional/) ===


def test_conditional_gan_draws_each_condition_with_variety(classifier):
    folder = PRETRAINED.parent / "mnist_conditional"
    g = keras.saving.load_model(folder / "generator.keras")
    d = keras.saving.load_model(folder / "discriminator.keras")
    assert isinstance(g, ConditionalDCGANGenerator) and g.num_classes == 10
    assert isinstance(d, ConditionalDCGANDiscriminator)
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))
    rng = np.random.default_rng(0)
    accuracy, spread = [], []
    for y in range(10):
        z = rng.standard_normal((300, 128)).astype(np.float32)
        generated = g.predict([z, np.full(300, y, np.int32)], verbose=0)
        accuracy.append(np.mean(classifier.predict(generated, verbose=0).argmax(-1) == y))
        # Variety within the condition: the mean distance between two of its samples,
        # against two training images of that label (a G that ignores z gives ~0.1).
        spread.append(_mean_distance(generated, rng) / _mean_distance(images[labels == y], rng))
    # Shipped figures (docs/pretrained.md); bars with room for 300 samples per label.
    assert np.mean(accuracy) >= 0.95 and min(accuracy) >= 0.85
    assert np.mean(spread) >= 0.8 and min(spread) >= 0.6


def _mean_distance(images, rng, pairs=2000):
    flat = images.reshape(len(images), -1)
    i, j = rng.integers(0, len(flat), (2, pairs))
    keep = i != j
    return float(np.linalg.norm(flat[i[keep]] - flat[j[keep]], axis=1).mean())
