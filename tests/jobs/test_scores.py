"""bin/scores: redaction scores of a run against the shipped discriminator."""

import json

import keras
import numpy as np
import pytest

from keras_redact import data
from keras_redact.jobs import PRETRAINED, scores


@pytest.fixture(scope="module")
def shifted_discriminator(tmp_path_factory):
    """The shipped D with its logit lowered by 1: D'(x) = sigmoid(logit(x) - 1)."""
    d = keras.saving.load_model(PRETRAINED / "discriminator.keras")
    logit = d.get_layer("logit")
    kernel, bias = logit.get_weights()
    logit.set_weights([kernel, bias - 1.0])
    path = tmp_path_factory.mktemp("d") / "discriminator.keras"
    d.save(path)
    return path


def test_scores_match_the_definition(tmp_path, shifted_discriminator, run_bin):
    out = tmp_path / "scores"
    result = run_bin("scores", f"--discriminator_after={shifted_discriminator}", "--labels=3",
                     f"--output_dir={out}", "--grid_size=16")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "scores.json").read_text())
    threes, _ = data.to_numpy(data.load("mnist_5k", "train"), data.label_predicate([3]),
                              part="redacted")
    d0 = np.asarray(keras.saving.load_model(PRETRAINED / "discriminator.keras")(threes))[:, 0]
    logit = np.log(d0 / (1 - d0))
    expected = d0 - 1 / (1 + np.exp(-(logit - 1)))
    assert summary["num_samples"] == 400 == len(threes)
    assert summary["mean_score"] == pytest.approx(expected.mean(), rel=1e-4)
    saved = np.load(out / "scores.npz")
    np.testing.assert_allclose(saved["score"], expected, rtol=1e-3, atol=1e-6)
    assert summary["mean_score_by_label"] == {"3": pytest.approx(expected.mean(), rel=1e-4)}
    assert 0.0 <= summary["fit"]["r2"] <= 1.0
    for name in ("scores.png", "easiest.png", "hardest.png", "scores.md"):
        assert (out / name).exists(), name


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="Give run_dir"):
        scores.ScoresConfig()
    with pytest.raises(FileNotFoundError, match="no metrics.json"):
        scores.scores(scores.ScoresConfig(run_dir=str(tmp_path)))
    config = scores.ScoresConfig(discriminator_after=str(PRETRAINED / "discriminator.keras"),
                                 labels=(11,), output_dir=str(tmp_path / "x"))
    with pytest.raises(ValueError, match=r"labels \[11\] do not occur"):
        scores.scores(config)
