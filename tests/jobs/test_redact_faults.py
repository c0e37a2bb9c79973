"""bin/redact under bad input and late faults: checked before training, nothing lost."""

import json
import os
import pathlib
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import export
from keras_redact.jobs import redact, run_folder
from keras_redact.redaction import ClassifierRedactionSet, ValidityRedactionSet

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _classifier(tmp_path, outputs):
    path = tmp_path / f"clf{outputs}.keras"
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    keras.Model(inputs, keras.layers.Dense(outputs)(x)).save(path)
    return path


@pytest.mark.parametrize("outputs,match", [
    (3, "gives 3 outputs but the data 'mnist_5k' have 10 classes \\(labels 0..9\\)"),
    (1, r"gives outputs of shape \(1,\); a label classifier gives one logit per class"),
])
def test_a_classifier_that_does_not_fit_the_data_is_refused(tmp_path, outputs, match):
    config = redact.RedactConfig.of(classifier=str(_classifier(tmp_path, outputs)),
                                 output_dir=str(tmp_path / "x"), verbose=0)
    with pytest.raises(ValueError, match=match):
        redact.redact(config)
    assert not (tmp_path / "x").exists()


def test_on_the_command_line_it_is_one_line(tmp_path, run_bin):
    result = run_bin("redact", f"--classifier={_classifier(tmp_path, 3)}",
                     f"--output_dir={tmp_path / 'x'}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: The classifier ")


def test_an_export_folder_that_is_a_file_fails_before_training(tmp_path, run_bin):
    (tmp_path / "file").write_text("x")
    result = run_bin("redact", f"--export_dir={tmp_path / 'file'}",
                     f"--output_dir={tmp_path / 'x'}")
    assert result.returncode == 2 and "is a file" in result.stderr
    assert not (tmp_path / "x").exists()


def test_an_output_folder_that_is_a_file_fails_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="is a file"):
        redact.redact(redact.RedactConfig.of(output_dir=str(tmp_path / "file"), verbose=0))


@pytest.mark.slow
def test_a_failed_export_keeps_the_results_and_says_so(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(export, "export_generator", full_disk)
    out = tmp_path / "run"
    with pytest.raises(OSError, match=f"No space left on device \\(the run's results are "
                                      f"kept in {out}\\)"):
        redact.redact(redact.RedactConfig.of(
            recipe="paper", epochs=1, steps_per_epoch=2, eval_samples=200,
            monitor_samples=100, output_dir=str(out), verbose=0))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["export"] is None and metrics["invalidity_after"] >= 0
    assert (out / "report.md").exists() and (out / "generator.keras").exists()


def test_validity_and_score_functions_of_the_wrong_shape():
    images = tf.zeros((4, 28, 28, 1))

    def ten_outputs(x):
        return tf.zeros((tf.shape(x)[0], 10))

    with pytest.raises(ValueError, match=r"the validity function v must give one value per "
                                         r"sample, shape \(N,\) or \(N, 1\); received shape "
                                         r"\(4, 10\)"):
        ValidityRedactionSet(ten_outputs).contains(images)
    with pytest.raises(ValueError, match="the classifier score f must give one value per "
                                         "sample"):
        ClassifierRedactionSet(ten_outputs, tau=0.5).score(images)
    ok = ValidityRedactionSet(lambda x: tf.ones((tf.shape(x)[0], 1)))
    assert np.asarray(ok.contains(images)).tolist() == [False] * 4


# --- One writer per run folder -------------------------------------------------------


def _hold_lock(folder):
    """A live process holding `folder`'s run lock, as a running bin/redact does."""
    code = ("import sys, time\nfrom keras_redact.jobs.run_folder import RunLock\n"
            "lock = RunLock()\nlock.take(sys.argv[1])\nprint('locked', flush=True)\n"
            "time.sleep(120)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_writer_on_a_live_run_folder_stops_at_once(tmp_path):
    folder = tmp_path / "run"
    holder = _hold_lock(folder)
    try:
        start = time.perf_counter()
        with pytest.raises(run_folder.FolderInUse,
                           match=rf"{folder} is in use by another run \(process "
                                 rf"{holder.pid}\)"):
            redact.redact(redact.RedactConfig.of(output_dir=str(folder), verbose=0))
        assert time.perf_counter() - start < 5  # before any model is loaded
    finally:
        holder.kill()  # kill -9: the lock dies with its holder
        holder.wait()
    with run_folder.RunLock() as lock:  # a resumed run takes it
        lock.take(folder)
        assert (folder / run_folder.LOCK_FILE).read_text() == str(os.getpid())
    assert redact.check_output_dir(redact.RedactConfig.of(output_dir=str(folder))) is False


@pytest.mark.slow
def test_two_runs_on_one_folder_the_second_exits_and_the_first_finishes(tmp_path, run_bin):
    folder = tmp_path / "run"
    args = ["--epochs=1", "--eval_samples=300", "--noexport", f"--output_dir={folder}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    first = subprocess.Popen([sys.executable, str(ROOT / "bin" / "redact"), *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    deadline = time.time() + 120
    while not (folder / redact.RUN_FILE).exists() and time.time() < deadline:
        time.sleep(0.2)
    start = time.perf_counter()
    second = run_bin("redact", *args)
    assert time.perf_counter() - start < 30
    assert second.returncode == 2
    assert second.stderr.strip().splitlines()[-1].startswith(
        f"error: output directory {folder} is in use by another run (process {first.pid})")
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    history = (folder / "history.csv").read_text().splitlines()
    assert len(history) == 2 and history[0].startswith("epoch")  # one header, one epoch


# --- Folders that cannot be written, data that cannot be had -------------------------


@pytest.mark.parametrize("flag", ["output_dir", "export_dir"])
def test_unwritable_folders_are_one_line_before_any_work(tmp_path, run_bin, flag):
    # /proc takes no files, for root too (a read-only or foreign folder answers the same).
    args = {"output_dir": str(tmp_path / "out"), flag: "/proc/keras-redact-test/out"}
    result = run_bin("redact", *(f"--{k}={v}" for k, v in args.items()))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: {'output directory' if flag == 'output_dir' else 'export folder'} "
        "/proc/keras-redact-test/out is not writable")
    assert not (tmp_path / "out").exists()


def test_an_unprepared_tfds_name_offline_is_one_line_within_seconds(tmp_path, monkeypatch):
    from keras_redact.data import sources

    # TFDS reads TFDS_DATA_DIR when it is imported (bin/redact: at start); in a process
    # that has imported it, the job's data_dir names the folder the same way.
    (tmp_path / "tfds").mkdir()
    monkeypatch.setattr(sources, "online", lambda: False)  # as on this offline machine
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"'cifar10' is not prepared in {tmp_path / 'tfds'} "
                                         r"and TFDS's servers cannot be reached.*tfds build "
                                         r"cifar10"):
        redact.redact(redact.RedactConfig.of(dataset="cifar10", data_dir=str(tmp_path / "tfds"),
                                          output_dir=str(tmp_path / "o"), verbose=0))
    assert time.perf_counter() - start < 30
    assert list((tmp_path / "tfds").iterdir()) == [] and not (tmp_path / "o").exists()


def test_the_reachability_probe_gives_up_in_time():
    from keras_redact.data import sources

    start = time.perf_counter()
    assert sources.online(("192.0.2.1", 443), timeout=0.5) is False  # TEST-NET-1: no host
    assert time.perf_counter() - start < 2


def test_labels_are_parsed_once_distinct_and_sorted(run_bin):
    from keras_redact.cli.flags import parse_labels

    assert parse_labels(["3", "0", "3"]) == (0, 3)
    assert parse_labels(["0"] * 5000) == (0,)
    result = run_bin("redact", "--labels=zero")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --labels must be integers; received zero"]
