"""bin/pretrain end to end on the embedded data, with tiny models."""

import json
import os
import pathlib
import subprocess
import sys

import keras
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, str(ROOT / "bin" / "pretrain"), *args],
                          capture_output=True, text=True, env=env, timeout=900)


@pytest.mark.slow
def test_pretrain_gan_one_epoch(tmp_path):
    out = tmp_path / "models"
    result = _run("--what=gan", "--epochs=1", "--base_filters=4", "--g_steps=1",
                  f"--output={out}", f"--work_dir={tmp_path / 'work'}")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((out / "gan_metrics.json").read_text())
    assert figures["epochs"] == 1 and figures["d_loss"] > 0
    g = keras.saving.load_model(out / "generator.keras")
    assert tuple(g.outputs[0].shape[1:]) == (28, 28, 1)
    assert (tmp_path / "work" / "samples" / "epoch_001.png").exists()
    # Never overwrites models silently.
    again = _run("--what=gan", "--epochs=1", "--base_filters=4", f"--output={out}")
    assert again.returncode != 0 and "--overwrite" in again.stderr


def test_unknown_dataset_lists_sources(tmp_path):
    result = _run("--dataset=nope_nope", f"--output={tmp_path}")
    assert result.returncode != 0 and "Known sources" in result.stderr
