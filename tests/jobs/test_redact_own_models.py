"""bin/redact on GANs built the way Keras users build them (docs/own_models.md).

A keras-io-style GAN (sigmoid generator, `Dense(1)` logit discriminator trained by its
own `train_step` with fake = 1, no keras_redact code) is pre-trained here, tiny, and
redacted through the job with nothing declared; the conventions that have no GAN meaning
are refused before any work.
"""

import json
import pathlib
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact.jobs import PRETRAINED, redact

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
from keras_io_gan import keras_io_gan, keras_io_gan_model, mnist_digits  # noqa: E402


@pytest.fixture(scope="module")
def keras_io_files(tmp_path_factory):
    """A tiny keras-io-style GAN trained for two epochs on the embedded digits in [0, 1]."""
    keras.utils.set_random_seed(1)
    generator, discriminator = keras_io_gan(width=2)
    gan = keras_io_gan_model(generator, discriminator, seed=1)
    digits = tf.data.Dataset.from_tensor_slices(mnist_digits()).shuffle(4000, seed=1)
    gan.fit(digits.batch(64, drop_remainder=True), epochs=2, verbose=0)
    folder = tmp_path_factory.mktemp("keras_io")
    generator.save(folder / "g.keras")
    discriminator.save(folder / "d.keras")
    return folder


@pytest.fixture(scope="module")
def keras_io_run(keras_io_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("own") / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        generator=str(keras_io_files / "g.keras"),
        discriminator=str(keras_io_files / "d.keras"), epochs=1, steps_per_epoch=4,
        eval_samples=400, monitor_samples=400, output_dir=str(out), verbose=0))
    return out, metrics


@pytest.mark.slow
def test_a_keras_io_gan_is_found_as_it_is(keras_io_run):
    _, metrics = keras_io_run
    found = {name: fact["value"] for name, fact in metrics["model_contract"].items()}
    assert found["generator_range"] == [0.0, 1.0]
    assert found["discriminator_output"] == "logit"
    assert found["discriminator_real"] is False  # keras-io labels fake as 1
    assert found["discriminator_range"] == [0.0, 1.0]  # trained on G's data
    assert found["classifier_range"] == [-1.0, 1.0]  # the shipped LabelClassifier's
    shares = metrics["quality_guard"]["filter_shares"]  # outside Omega: no zeros
    assert shares[0] == 0.0 and sum(shares) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
def test_its_figures_are_measured_in_the_classifiers_range(keras_io_run, keras_io_files):
    # The before figures are those of G's samples mapped to the classifier's [-1, 1].
    _, metrics = keras_io_run
    generator = keras.saving.load_model(keras_io_files / "g.keras")
    classifier = keras.saving.load_model(PRETRAINED / "classifier.keras")
    z = np.random.default_rng(0).standard_normal((2000, 128)).astype(np.float32)
    labels = classifier.predict(generator.predict(z, verbose=0) * 2 - 1, verbose=0).argmax(-1)
    assert metrics["invalidity_before"] == pytest.approx(np.mean(labels == 0), abs=0.04)
    assert sum(metrics["class_shares_before"]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
def test_the_user_gets_their_own_models_back(keras_io_run):
    out, metrics = keras_io_run
    generator = keras.saving.load_model(out / "generator.keras")
    discriminator = keras.saving.load_model(out / "discriminator.keras")
    assert generator.layers[-1].activation.__name__ == "sigmoid"
    head = discriminator.layers[-1]
    assert head.units == 1 and head.activation.__name__ == "linear"
    images = generator.predict(np.zeros((4, 128), np.float32), verbose=0)
    assert images.min() >= 0.0 and images.max() <= 1.0
    meta = json.loads((out / "export" / "1" / "assets" /
                       "redaction_metadata.json").read_text())
    assert meta["model_contract"]["generator_range"]["value"] == [0.0, 1.0]
    report = (out / "report.md").read_text()
    assert "discriminator real: fake = high (negated)" in report
    assert "Quality guard" in report


def _tiny_pair(head):
    z = keras.Input((8,))
    g = keras.Model(z, keras.layers.Reshape((28, 28, 1))(
        keras.layers.Dense(784, activation="tanh")(z)))
    x = keras.Input((28, 28, 1))
    h = keras.layers.Flatten()(x)
    if head == "batch_norm":
        h = keras.layers.BatchNormalization()(h)
    out = keras.layers.Dense(2 if head == "two" else 1)(h)
    return g, keras.Model(x, out)


@pytest.mark.parametrize("head,match", [
    ("two", r"outputs of shape \(2,\) per sample"),
    ("batch_norm", "batch normalisation"),
])
def test_discriminators_without_a_gan_meaning_are_refused_before_any_work(
        tmp_path, head, match):
    g, d = _tiny_pair(head)
    g.save(tmp_path / "g.keras")
    d.save(tmp_path / "d.keras")
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=match):
        redact.redact(redact.RedactConfig.of(
            generator=str(tmp_path / "g.keras"), discriminator=str(tmp_path / "d.keras"),
            output_dir=str(out), verbose=0))
    assert not out.exists()


@pytest.mark.parametrize("declared,match", [
    ({"discriminator_output": "critic"}, "WGAN critic is refused"),
    ({"generator_range": (1, 0)}, "generator_range must have low < high"),
    ({"data_range": (0, 1)}, "model_contract takes generator_range"),
])
def test_declarations_are_checked_with_the_config(declared, match):
    with pytest.raises(ValueError, match=match):
        redact.RedactConfig.of(model_contract=declared)


@pytest.mark.slow
def test_a_two_output_discriminator_is_one_line_on_the_command_line(tmp_path, run_bin):
    g, d = _tiny_pair("two")
    d.save(tmp_path / "d.keras")
    result = run_bin("redact", f"--discriminator={tmp_path / 'd.keras'}",
                     f"--output_dir={tmp_path / 'run'}")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: The discriminator")
    assert "Traceback" not in result.stderr and not (tmp_path / "run").exists()


@pytest.mark.slow
def test_the_python_example_of_the_docs(keras_io_files, tmp_path):
    text = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "own_models.md").read_text()
    block = text[text.index("## In Python"):].split("```python\n")[1].split("```")[0]
    assert "epochs=settings.epochs" in block
    block = block.replace("epochs=settings.epochs", "epochs=1, steps_per_epoch=2, verbose=0")
    namespace = {"GENERATOR": keras_io_files / "g.keras",
                 "DISCRIMINATOR": keras_io_files / "d.keras",
                 "CLASSIFIER": PRETRAINED / "classifier.keras",
                 "OUTPUT": tmp_path / "g.keras"}
    exec(compile(block, "docs/own_models.md", "exec"), namespace)
    found = namespace["found"].contract
    assert found.discriminator_real.value is False and namespace["model"].from_logits
    saved = keras.saving.load_model(tmp_path / "g.keras")
    assert saved.layers[-1].activation.__name__ == "sigmoid"
    assert len(namespace["guard"].history) == 1


def test_float_data_follow_the_generators_range(keras_io_files):
    from keras_redact.data import sources

    generator = keras.saving.load_model(keras_io_files / "g.keras")
    discriminator = keras.saving.load_model(keras_io_files / "d.keras")
    classifier = keras.saving.load_model(PRETRAINED / "classifier.keras")
    digits = mnist_digits()[:512]  # floats in [0, 1], the sigmoid G's range
    labels = np.arange(512) % 10
    data = redact.Data(sources.from_arrays(digits, labels), digits, labels)
    models = redact.Models(generator, discriminator, classifier)
    adapted, f = redact.adapt_models(redact.RedactConfig.of(), models, classifier, data)
    np.testing.assert_allclose(data.images, digits * 2 - 1, atol=1e-6)  # mapped to [-1, 1]
    assert adapted.contract.data.how == "float samples in [0, 1], mapped to [-1, 1]"
    assert f is adapted.classifier and adapted.saved == (generator, discriminator)
    wrong = redact.Data(sources.from_arrays(digits * 255, labels), digits * 255, labels)
    with pytest.raises(ValueError, match=r"lie in \[0, 255\] but the generator makes "
                                         r"samples in \[0, 1\]"):
        redact.adapt_models(redact.RedactConfig.of(), models, classifier, wrong)


@pytest.mark.slow
def test_the_audit_reads_a_keras_io_gan_as_it_is(keras_io_files, tmp_path):
    from keras_redact.jobs import audit

    figures = audit.audit_generator(audit.AuditConfig(
        generator=str(keras_io_files / "g.keras"),
        discriminator=str(keras_io_files / "d.keras"), starts=8, steps=2,
        revival_epochs=1, steps_per_epoch=2, omega_counts=(0,), eval_samples=300,
        output_dir=str(tmp_path / "audit"), verbose=0))
    found = figures["model_contracts"]["audited"]
    assert found["generator_range"]["value"] == [0.0, 1.0]
    assert found["discriminator_output"]["value"] == "logit"
    assert found["discriminator_real"]["value"] is False  # keras-io: fake = 1
    assert figures["model_contracts"]["pre-trained"]["discriminator_output"]["value"] == \
        "probability"
    assert len(figures["rows"]["audited"]["revival"]["0"]["curve"]) == 2
