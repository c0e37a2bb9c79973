"""bin/redact killed mid-run and run again: it resumes and finishes with full metrics."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from keras_redact.jobs import redact

COMMAND = ["--recipe=paper", "--method=validity", "--epochs=2", "--eval_samples=500",
           "--noexport"]


@pytest.mark.slow
def test_sigkill_during_epoch_2_then_resume(tmp_path):
    out = tmp_path / "run"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    argv = [sys.executable, os.path.join(root, "bin", "redact"), *COMMAND,
            f"--output_dir={out}"]
    env = dict(os.environ, PYTHONPATH=root)
    run = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    saved = out / "backup" / "training_metadata.json"
    deadline = time.time() + 600
    while not saved.exists() and run.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert saved.exists(), "the first epoch was never saved"
    time.sleep(1.0)  # into epoch 2
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert not (out / "metrics.json").exists()
    assert json.loads(saved.read_text())["epoch"] == 1

    # The folder of a half-finished run is resumable, not "not empty".
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"Resuming the unfinished run in {out}" in again.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["resumed_from_epoch"] == 1 and metrics["epochs"] == 2
    assert len(metrics["invalidity_per_epoch"]) == 3  # before, and after each epoch
    assert len(metrics["train_epoch_seconds"]) == 2
    assert metrics["g_updates"] == 2 * 56  # the killed epoch is redone, not repeated
    # Alg. 2's rounds: the 4,000 training digits, then one round of 1,000 per epoch.
    assert metrics["validity_queries"] == 4000 + 2 * 1000
    assert not (out / "backup").exists()
    rows = (out / "history.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["0", "1"]


def test_an_unfinished_run_with_other_settings_is_not_resumed(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    config = redact.RedactConfig.of(output_dir=str(out), epochs=3, verbose=0)
    (out / redact.RUN_FILE).write_text(json.dumps(redact._run_record(config)))
    assert redact.check_output_dir(config) is True
    other = redact.RedactConfig.of(output_dir=str(out), epochs=4, verbose=0)
    with pytest.raises(FileExistsError, match="holds an unfinished run with other settings "
                                              r"\(epochs\)"):
        redact.check_output_dir(other)
    (out / "metrics.json").write_text("{}")
    with pytest.raises(FileExistsError, match="holds a finished run"):
        redact.check_output_dir(config)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="exists and is not empty"):
        redact.check_output_dir(redact.RedactConfig.of(output_dir=str(tmp_path / "other")))
