"""bin/redact under bad input and late faults: checked before training, nothing lost."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import export
from keras_redact.jobs import redact
from keras_redact.redaction import ClassifierRedactionSet, ValidityRedactionSet


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
    config = redact.RedactConfig(classifier=str(_classifier(tmp_path, outputs)),
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
        redact.redact(redact.RedactConfig(output_dir=str(tmp_path / "file"), verbose=0))


@pytest.mark.slow
def test_a_failed_export_keeps_the_results_and_says_so(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(export, "export_generator", full_disk)
    out = tmp_path / "run"
    with pytest.raises(OSError, match=f"No space left on device \\(the run's results are "
                                      f"kept in {out}\\)"):
        redact.redact(redact.RedactConfig(
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
