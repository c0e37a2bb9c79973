"""bin/pretrain end to end on the embedded data, with tiny models."""

import json

import keras
import numpy as np
import pytest

import keras_redact  # noqa: F401  (registers the model classes for load_model)
from keras_redact import data
from keras_redact.data import pipeline
from keras_redact.jobs import PRETRAINED, pretrain
from keras_redact.models import DCGANGenerator, LabelClassifier


@pytest.mark.slow
def test_pretrain_gan_one_epoch(tmp_path, run_bin):
    out = tmp_path / "models"
    # Through the scaling flags too: MirroredStrategy (one CPU replica here) and bfloat16.
    result = run_bin("pretrain", "--what=gan", "--epochs=1", "--base_filters=4", "--g_steps=1",
                     f"--output_dir={out}", f"--work_dir={tmp_path / 'work'}",
                     "--strategy=mirrored", "--mixed_precision=mixed_bfloat16")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((out / "gan_metrics.json").read_text())
    # The label-smoothed loss cannot fall below the targets' entropies, H(0.9) + H(0.1).
    floor = -2 * (0.9 * np.log(0.9) + 0.1 * np.log(0.1))
    assert figures["epochs"] == 1 and floor - 1e-6 <= figures["d_loss"] < 10
    assert figures["config"]["strategy"] == "mirrored"
    assert figures["config"]["mixed_precision"] == "mixed_bfloat16"
    g = keras.saving.load_model(out / "generator.keras")
    assert tuple(g.outputs[0].shape[1:]) == (28, 28, 1)
    assert (tmp_path / "work" / "samples" / "epoch_001.png").exists()
    # Never overwrites models silently.
    again = run_bin("pretrain", "--what=gan", "--epochs=1", "--base_filters=4",
                    f"--output_dir={out}")
    assert again.returncode != 0 and "--overwrite" in again.stderr


@pytest.mark.parametrize("flag,message", [
    ("--strategy=tpu", "needs a TPU"),
    ("--strategy=cluster", "--strategy"),
    ("--mixed_precision=float8", "--mixed_precision"),
])
def test_bad_scaling_flags(tmp_path, run_bin, flag, message):
    result = run_bin("pretrain", "--epochs=1", flag, f"--output_dir={tmp_path}")
    assert result.returncode != 0 and message in result.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_dataset_lists_sources(tmp_path, run_bin):
    result = run_bin("pretrain", "--dataset=nope_nope", f"--output_dir={tmp_path}")
    assert result.returncode != 0 and "Known sources" in result.stderr


def test_pretrain_classifier_of_a_given_width(tmp_path):
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))
    every = slice(None, None, 16)  # 250 images of all ten digits (the split is sorted)
    small = pipeline.from_scaled(images[every], labels[every], name="mnist_5k")
    figures = pretrain.pretrain(pretrain.PretrainConfig(
        what="classifier", epochs=1, base_filters=4, output_dir=str(tmp_path / "models"),
        work_dir=str(tmp_path / "work"), verbose=0), source=small)
    classifier = keras.saving.load_model(tmp_path / "models" / "classifier.keras")
    assert classifier.filters == 4 and figures["config"]["base_filters"] == 4
    test_images, test_labels = data.to_numpy(data.load("mnist_5k", "test"))
    predicted = classifier.predict(test_images, verbose=0).argmax(-1)
    assert figures["test_size"] == len(test_labels) == 1000
    assert figures["test_accuracy"] == pytest.approx(np.mean(predicted == test_labels), abs=1e-6)
    # The metrics file records the classifier's settings, not the GAN's.
    for gan_only in ("alpha_plus", "alpha_minus", "d_steps", "g_steps", "learning_rate"):
        assert gan_only not in figures["config"], gan_only
    assert "teacher" in figures["config"]


def test_steps_per_epoch_caps_the_epochs(tmp_path, capfd, monkeypatch):
    from keras_redact.models import DCGAN

    updates = []
    fit = DCGAN.fit

    def counting_fit(self, *args, **kwargs):
        history = fit(self, *args, **kwargs)
        updates.append(int(self.g_optimizer.iterations.numpy()))
        return history

    monkeypatch.setattr(DCGAN, "fit", counting_fit)
    figures = pretrain.pretrain(pretrain.PretrainConfig(
        what="classifier", epochs=2, steps_per_epoch=3, base_filters=4,
        output_dir=str(tmp_path / "models"), work_dir=str(tmp_path / "work"), verbose=0))
    assert figures["config"]["steps_per_epoch"] == 3
    # The augmentation layers do not compile with XLA: "auto" leaves it off, silently.
    assert "jit_compile" not in capfd.readouterr().err
    gan = pretrain.pretrain(pretrain.PretrainConfig(
        what="gan", epochs=1, steps_per_epoch=2, base_filters=4, g_steps=1,
        output_dir=str(tmp_path / "gan"), work_dir=str(tmp_path / "gan-work"), verbose=0))
    assert "teacher" not in gan["config"] and gan["config"]["g_steps"] == 1
    assert updates == [2]  # one epoch of 2 steps (K_G 1), not a pass over 4,000 digits


def test_pretrain_rejects_a_width_below_one():
    with pytest.raises(ValueError,
                       match="base_filters must be a positive integer or None; received 0"):
        pretrain.PretrainConfig(what="classifier", base_filters=0)


def test_pretrain_classifier_distilled_from_a_teacher_on_its_generator_too(tmp_path):
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))
    every = slice(None, None, 16)
    small = pipeline.from_scaled(images[every], labels[every], name="mnist_5k")
    config = pretrain.PretrainConfig(
        what="classifier", epochs=4, base_filters=4, output_dir=str(tmp_path / "models"),
        work_dir=str(tmp_path / "work"), verbose=0, eval_samples=1000,
        teacher=str(PRETRAINED / "classifier.keras"),
        teacher_generator=str(PRETRAINED / "generator.keras"), teacher_samples=3000)
    # The targets: the teacher's probabilities on the real images and 3,000 generated ones.
    teacher = keras.saving.load_model(config.teacher)
    generator = keras.saving.load_model(config.teacher_generator)
    batches, size, figures = pretrain._distillation_batches(config, small, teacher, generator)
    assert size == 250 + 3000
    assert (figures["distilled_real"], figures["distilled_generated"]) == (250, 3000)
    x, target = next(iter(batches))
    np.testing.assert_allclose(target.numpy(), keras.ops.convert_to_numpy(
        keras.ops.softmax(teacher(x, training=False))), atol=1e-5)

    figures = pretrain.pretrain(config, source=small)
    student = keras.saving.load_model(tmp_path / "models" / "classifier.keras")
    assert student.filters == 4 and not student.augment
    # It learned the teacher's judgement of fresh generated samples and of the test
    # digits: well above the agreement of always answering the teacher's most frequent
    # label (at most ~0.13). Measured: 0.70 and 0.84.
    assert figures["teacher_agreement_generated"] > 0.5
    assert figures["teacher_agreement_test"] > 0.6
    assert figures["test_size"] == 1000


@pytest.mark.parametrize("kwargs,match", [
    ({"teacher": "t.keras"}, "teacher distils a label classifier: it needs "
                             "what='classifier'; received what='gan'"),
    ({"what": "classifier", "teacher_generator": "g.keras"}, "it needs teacher"),
    ({"what": "classifier", "teacher": "t.keras", "teacher_samples": 0},
     "teacher_samples must be a positive integer"),
])
def test_pretrain_rejects_bad_teacher_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pretrain.PretrainConfig(**kwargs)


def test_distillation_refuses_a_teacher_or_generator_that_does_not_fit(tmp_path):
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))
    small = pipeline.from_scaled(images[::40], labels[::40], name="mnist_5k")
    three = LabelClassifier((28, 28, 1), 3, filters=2)
    three.save(tmp_path / "three.keras")
    wide = DCGANGenerator((32, 32, 3), base_filters=4)
    wide.save(tmp_path / "wide.keras")
    for teacher, generator, match in (
            (tmp_path / "three.keras", None, r"gives 3 classes; the data's images have "
                                              r"shape \(28, 28, 1\) and 10 classes"),
            (PRETRAINED / "classifier.keras", tmp_path / "wide.keras",
             r"makes images of shape \(32, 32, 3\); the data's have shape \(28, 28, 1\)")):
        config = pretrain.PretrainConfig(
            what="classifier", epochs=1, base_filters=2, output_dir=str(tmp_path / "out"),
            verbose=0, teacher=str(teacher),
            teacher_generator=generator and str(generator), teacher_samples=10)
        with pytest.raises(ValueError, match=match):
            pretrain.pretrain(config, source=small)
    assert not (tmp_path / "out" / "classifier.keras").exists()


def test_pretrain_conditional_gan_reports_conditional_accuracy(tmp_path):
    figures = pretrain.pretrain(pretrain.PretrainConfig(
        what="conditional_gan", epochs=1, steps_per_epoch=3, base_filters=4, g_steps=1,
        output_dir=str(tmp_path / "m"), work_dir=str(tmp_path / "w"), eval_samples=500,
        classifier=str(PRETRAINED / "classifier.keras"), verbose=0))
    assert figures["what"] == "conditional_gan" and figures["config"]["g_steps"] == 1
    per_label = figures["conditional_accuracy_per_label"]
    assert len(per_label) == 10
    # The mean over the conditions of each condition's accuracy (each weighs the same).
    assert figures["conditional_accuracy"] == pytest.approx(np.nanmean(per_label), abs=1e-4)
    assert (tmp_path / "m" / "conditional_gan_metrics.json").exists()
    g = keras.saving.load_model(tmp_path / "m" / "generator.keras")
    assert g.num_classes == 10 and len(g.inputs) == 2
    images = keras.ops.convert_to_numpy(
        g([np.zeros((3, 128), np.float32), np.array([0, 4, 9], np.int32)]))
    assert images.shape == (3, 28, 28, 1)
    d = keras.saving.load_model(tmp_path / "m" / "discriminator.keras")
    p = keras.ops.convert_to_numpy(d([images, np.array([0, 4, 9], np.int32)]))
    assert p.shape == (3, 1) and ((p > 0) & (p < 1)).all()
    with pytest.raises(ValueError, match="has no labels to condition a GAN on"):
        pretrain.pretrain(pretrain.PretrainConfig(
            what="conditional_gan", epochs=1, output_dir=str(tmp_path / "n"), verbose=0),
            source=data.from_arrays(np.zeros((64, 28, 28, 1), np.uint8), None))


def test_generator_steps_default_by_kind():
    assert pretrain.PretrainConfig(what="gan").generator_steps == 5
    assert pretrain.PretrainConfig(what="conditional_gan").generator_steps == 2
    assert pretrain.PretrainConfig(what="conditional_gan", g_steps=3).generator_steps == 3
