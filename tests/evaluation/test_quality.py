"""TF-GAN's maths against an independent NumPy / SciPy reference (relative error <= 1e-3)."""

import sys

import numpy as np
import pytest
from scipy import linalg, special

from keras_redact import evaluation
from keras_redact.evaluation import tfgan


def _is_reference(logits):
    p = special.softmax(logits, axis=1)
    marginal = p.mean(0)
    kl = (p * (np.log(p) - np.log(marginal))).sum(1)
    return float(np.exp(kl.mean()))


def _fid_reference(a, b):
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(sa @ sb).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sa + sb - 2 * covmean))


def _kid_reference(a, b):
    d = a.shape[1]

    def k(x, y):
        return (x @ y.T / d + 1) ** 3

    m, n = len(a), len(b)
    kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
    return float((kaa.sum() - np.trace(kaa)) / (m * (m - 1))
                 + (kbb.sum() - np.trace(kbb)) / (n * (n - 1)) - 2 * kab.mean())


def test_inception_score_matches_reference():
    logits = np.random.default_rng(0).normal(scale=3.0, size=(2000, 10))
    got = evaluation.inception_score_from_logits(logits)
    assert got == pytest.approx(_is_reference(logits), rel=1e-3)
    # Confident, balanced predictions over 10 classes give an IS near 10.
    sharp = np.eye(10)[np.arange(1000) % 10] * 50.0
    assert evaluation.inception_score_from_logits(sharp) == pytest.approx(10.0, rel=1e-3)


def test_inception_score_parts_multiply_to_the_score():
    logits = np.random.default_rng(0).normal(scale=3.0, size=(2000, 10))
    parts = evaluation.inception_score_parts_from_logits(logits)
    assert parts["classes"] * parts["confidence"] == pytest.approx(
        evaluation.inception_score_from_logits(logits), rel=1e-6)
    p = special.softmax(logits, axis=1)
    marginal = p.mean(0)
    assert parts["classes"] == pytest.approx(
        np.exp(-(marginal * np.log(marginal)).sum()), rel=1e-9)


def test_inception_score_parts_of_known_distributions():
    sharp = np.eye(10)[np.arange(1000) % 10] * 50.0
    parts = evaluation.inception_score_parts_from_logits(sharp)
    assert parts["classes"] == pytest.approx(10.0, rel=1e-9)
    assert parts["confidence"] == pytest.approx(1.0, abs=1e-12)
    # One class gone, the other nine balanced: 9 classes, still sure.
    nine = np.eye(10)[1 + np.arange(900) % 9] * 50.0
    assert evaluation.inception_score_parts_from_logits(nine)["classes"] == pytest.approx(9.0)
    # Every sample undecided between all ten: 10 classes on average, confidence 1/10.
    flat = evaluation.inception_score_parts_from_logits(np.zeros((100, 10)))
    assert flat == pytest.approx({"classes": 10.0, "confidence": 0.1})
    # Large logits do not overflow.
    huge = evaluation.inception_score_parts_from_logits(sharp * 1e3)
    assert huge == pytest.approx({"classes": 10.0, "confidence": 1.0})


def test_inception_score_parts_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"logits must be a 2-D array.*\(10,\)"):
        evaluation.inception_score_parts_from_logits(np.zeros(10))


def test_frechet_distance_matches_reference():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(1500, 16))
    b = rng.normal(loc=0.3, scale=1.2, size=(1200, 16))
    got = evaluation.frechet_distance_from_features(a, b)
    assert got == pytest.approx(_fid_reference(a, b), rel=1e-3)
    assert evaluation.frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-6)


def test_kernel_distance_matches_reference():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(800, 8))
    b = rng.normal(loc=0.5, size=(800, 8))
    kid, std = evaluation.kernel_distance_from_features(a, b, max_block_size=800)
    assert kid == pytest.approx(_kid_reference(a, b), rel=1e-3)
    assert np.isnan(std)  # one block: no spread to estimate
    # Four blocks of 200: the block estimator is the mean of the blocks' unbiased MMD^2.
    kid4, std4 = evaluation.kernel_distance_from_features(a, b, max_block_size=200)
    blocks = [_kid_reference(a[i:i + 200], b[i:i + 200]) for i in range(0, 800, 200)]
    assert kid4 == pytest.approx(np.mean(blocks), rel=1e-3)
    assert std4 == pytest.approx(np.std(blocks, ddof=1) / 2, rel=1e-2)


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"2-D array .* received shape \(10,\)"):
        evaluation.inception_score_from_logits(np.zeros(10))
    with pytest.raises(ValueError, match="feature sizes differ"):
        evaluation.frechet_distance_from_features(np.zeros((5, 3)), np.zeros((5, 4)))


def test_loader_leaves_tensorflow_gan_import_alone():
    tfgan.classifier_metrics()
    assert not any(name.startswith("tensorflow_gan") for name in sys.modules)


def test_layout_change_is_a_clear_error(monkeypatch, tmp_path):
    import importlib.machinery
    import importlib.util

    fake = importlib.machinery.ModuleSpec("tensorflow_gan", None, is_package=True)
    fake.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: fake)
    tfgan.classifier_metrics.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="TF-GAN's layout changed"):
            tfgan.classifier_metrics()
    finally:
        monkeypatch.undo()
        tfgan.classifier_metrics.cache_clear()
