"""The data-deletion baseline: which samples it deletes, and bin/delete end to end."""

import json

import keras
import numpy as np
import pytest

from keras_redact import data
from keras_redact.jobs import PRETRAINED, delete


def test_max_cosine_similarity_golden():
    a = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, -2.0]])
    omega = np.array([[2.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(delete.max_cosine_similarity(a, omega, batch_size=2),
                               [1.0, np.sqrt(0.5), 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="Omega has no samples"):
        delete.max_cosine_similarity(a, np.zeros((0, 2)))


def test_correlated_samples_of_digit_zero():
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))
    classifier = keras.saving.load_model(PRETRAINED / "classifier.keras")
    mask = delete.correlated(images, labels, (0,), classifier, threshold=0.8)
    counts = np.bincount(labels[mask], minlength=10)
    # All 400 zeros, and the 51 others whose features are within cos >= 0.8 of a zero
    # (measured with the shipped classifier; mostly 6s and 8s).
    assert counts[0] == 400 and mask.sum() == 451
    assert counts[6] == 35 and counts[8] == 11
    stricter = delete.correlated(images, labels, (0,), classifier, threshold=0.9)
    assert stricter.sum() == 402 and not np.any(stricter & ~mask)
    with pytest.raises(ValueError, match=r"labels \[12\] do not occur"):
        delete.correlated(images, labels, (12,), classifier, 0.8)


@pytest.mark.parametrize("kwargs,match", [
    ({"threshold": 1.5}, r"threshold must be in \(-1, 1\]"),
    ({"representation": "wavelets"}, "representation must be one of"),
    ({"labels": ()}, "at least one label"),
    ({"epochs": 0}, "epochs must be a positive integer"),
])
def test_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        delete.DeleteConfig(**kwargs)


@pytest.mark.slow
def test_bin_delete_one_epoch(tmp_path, run_bin):
    out = tmp_path / "deleted"
    result = run_bin("delete", "--epochs=1", "--g_steps=1", "--eval_samples=500",
                     f"--output_dir={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["deleted"] == 451 and metrics["kept"] == 3549
    assert 0.0 <= metrics["invalidity"] <= 1.0 and metrics["inception_score"] >= 1.0
    assert (out / "generator.keras").exists() and (out / "gan_metrics.json").exists()
    again = run_bin("delete", "--epochs=1", f"--output_dir={out}")
    assert again.returncode == 2 and "exists and is not empty" in again.stderr
