"""bin/redact end to end on the shipped MNIST models (tiny sample counts)."""

import json

import pytest

from keras_redact.cli import redact


@pytest.mark.slow
def test_bin_redact_one_epoch(tmp_path, run_bin):
    out = tmp_path / "run"
    result = run_bin("redact", "--epochs=1", "--eval_samples=2000", "--monitor_samples=500",
                  f"--output_dir={out}", "--seed=1", f"--export_dir={tmp_path / 'sm'}")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("method", "labels", "epochs", "invalidity_before", "invalidity_after",
                "inception_score_before", "inception_score_after", "seconds"):
        assert key in metrics
    assert metrics["method"] == "data" and metrics["labels"] == [0] and metrics["epochs"] == 1
    # The shipped model makes about 11% zeros; one epoch of Alg. 1 on mnist_5k (56 steps)
    # removes about a quarter of them (measured: 10.9% -> 8.0% on 2,000 samples).
    assert metrics["invalidity_before"] > 0.08
    assert metrics["invalidity_after"] < 0.85 * metrics["invalidity_before"]
    assert len(metrics["invalidity_per_epoch"]) == 2
    for name in ("before_after.png", "invalidity.png", "generator.keras",
                 "discriminator.keras", "history.csv", "samples/epoch_001.png"):
        assert (out / name).exists(), name
    assert metrics["export"] == str(tmp_path / "sm" / "1")
    assert (tmp_path / "sm" / "1" / "saved_model.pb").exists()
    # An existing output directory is never overwritten.
    again = run_bin("redact", "--epochs=1", "--eval_samples=100", f"--output_dir={out}",
                    "--noexport")
    assert again.returncode != 0 and "exists and is not empty" in again.stderr


@pytest.mark.parametrize("kwargs,match", [
    ({"lam": 1.5}, r"lam must be in \(0, 1\); received 1.5"),
    ({"alpha_plus": 0.3}, "alpha_plus must be in"),
    ({"alpha_minus": 0.7}, "alpha_minus must be in"),
    ({"tau": 0.0}, r"tau must be in \(0, 1\)"),
    ({"method": "magic"}, "method must be one of"),
    ({"labels": ()}, "at least one label"),
    ({"eval_samples": 0}, "eval_samples must be a positive integer"),
])
def test_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        redact.RedactConfig(**kwargs)


def test_label_absent_from_classifier_fails_before_training(tmp_path):
    config = redact.RedactConfig(labels=(12,), output_dir=str(tmp_path / "x"), verbose=0)
    with pytest.raises(ValueError, match=r"labels \[12\].*allowed: 0..9"):
        redact.redact(config)
    assert not (tmp_path / "x").exists()


def test_bad_labels_flag(run_bin):
    result = run_bin("redact", "--labels=zero")
    assert result.returncode != 0 and "--labels must be integers" in result.stderr
