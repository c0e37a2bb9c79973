"""bin/pretrain end to end on the embedded data, with tiny models."""

import json

import keras
import pytest

import keras_redact  # noqa: F401  (registers the model classes for load_model)
from keras_redact import data
from keras_redact.cli import pretrain
from keras_redact.data import pipeline


@pytest.mark.slow
def test_pretrain_gan_one_epoch(tmp_path, run_bin):
    out = tmp_path / "models"
    # Through the scaling flags too: MirroredStrategy (one CPU replica here) and bfloat16.
    result = run_bin("pretrain", "--what=gan", "--epochs=1", "--base_filters=4", "--g_steps=1",
                     f"--output={out}", f"--work_dir={tmp_path / 'work'}",
                     "--strategy=mirrored", "--mixed_precision=mixed_bfloat16")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((out / "gan_metrics.json").read_text())
    assert figures["epochs"] == 1 and figures["d_loss"] > 0
    assert figures["config"]["strategy"] == "mirrored"
    assert figures["config"]["mixed_precision"] == "mixed_bfloat16"
    g = keras.saving.load_model(out / "generator.keras")
    assert tuple(g.outputs[0].shape[1:]) == (28, 28, 1)
    assert (tmp_path / "work" / "samples" / "epoch_001.png").exists()
    # Never overwrites models silently.
    again = run_bin("pretrain", "--what=gan", "--epochs=1", "--base_filters=4",
                    f"--output={out}")
    assert again.returncode != 0 and "--overwrite" in again.stderr


@pytest.mark.parametrize("flag,message", [
    ("--strategy=tpu", "needs a TPU"),
    ("--strategy=cluster", "--strategy"),
    ("--mixed_precision=float8", "--mixed_precision"),
])
def test_bad_scaling_flags(tmp_path, run_bin, flag, message):
    result = run_bin("pretrain", "--epochs=1", flag, f"--output={tmp_path}")
    assert result.returncode != 0 and message in result.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_dataset_lists_sources(tmp_path, run_bin):
    result = run_bin("pretrain", "--dataset=nope_nope", f"--output={tmp_path}")
    assert result.returncode != 0 and "Known sources" in result.stderr


def test_pretrain_classifier_of_a_given_width(tmp_path):
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))
    every = slice(None, None, 16)  # 250 images of all ten digits (the split is sorted)
    small = pipeline.from_scaled(images[every], labels[every], name="mnist_5k")
    figures = pretrain.pretrain(pretrain.PretrainConfig(
        what="classifier", epochs=1, base_filters=4, output=str(tmp_path / "models"),
        work_dir=str(tmp_path / "work"), verbose=0), source=small)
    classifier = keras.saving.load_model(tmp_path / "models" / "classifier.keras")
    assert classifier.filters == 4 and figures["config"]["base_filters"] == 4
    assert figures["test_size"] == 1000 and 0.0 <= figures["test_accuracy"] <= 1.0


def test_pretrain_rejects_a_width_below_one():
    with pytest.raises(ValueError, match="base_filters must be a positive integer; received 0"):
        pretrain.PretrainConfig(what="classifier", base_filters=0)
