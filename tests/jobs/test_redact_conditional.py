"""bin/redact and bin/evaluate on the shipped conditional MNIST GAN (tiny runs)."""

import json

import keras
import numpy as np
import pytest

from keras_redact import export
from keras_redact.jobs import PRETRAINED, evaluate, redact

CONDITIONAL = PRETRAINED.parent / "mnist_conditional"
MODELS = {"generator": str(CONDITIONAL / "generator.keras"),
          "discriminator": str(CONDITIONAL / "discriminator.keras")}
QUICK = {"epochs": 1, "steps_per_epoch": 3, "eval_samples": 1000, "monitor_samples": 500,
         "verbose": 0}


@pytest.fixture(scope="module")
def off_condition_run(tmp_path_factory, run_bin):
    """`bin/redact --method=validity --off_condition` on the conditional GAN, one epoch."""
    out = tmp_path_factory.mktemp("conditional") / "run"
    result = run_bin("redact", "--method=validity", "--off_condition", "--epochs=1",
                     "--eval_samples=1000", f"--output_dir={out}",
                     *(f"--{k}={v}" for k, v in MODELS.items()))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
def test_off_condition_run_reports_per_label_figures(off_condition_run):
    _, metrics = off_condition_run
    assert metrics["conditional"] is True and metrics["presets"]["off_condition"] is True
    assert metrics["labels"] == [] and metrics["conditions"] is None
    for when in ("before", "after"):
        per_label = metrics[f"invalidity_per_label_{when}"]
        assert len(per_label) == 10 and all(0.0 <= v <= 1.0 for v in per_label)
        # The mean over conditions is the invalidity, up to how the conditions fell.
        assert np.mean(per_label) == pytest.approx(metrics[f"invalidity_{when}"], abs=0.01)
        assert len(metrics[f"conditional_accuracy_per_label_{when}"]) == 10
    # The shipped model draws what it is asked for (>= 95% by the pre-training target).
    assert metrics["conditional_accuracy_before"] >= 0.95
    assert metrics["invalidity_before"] == pytest.approx(
        1.0 - metrics["conditional_accuracy_before"], abs=0.01)


@pytest.mark.slow
def test_off_condition_run_exports_conditional_signatures(off_condition_run):
    out, metrics = off_condition_run
    meta = export.read_metadata(metrics["export"])
    assert meta["num_classes"] == 10 and meta["presets"]["off_condition"] is True
    assert meta["signature_inputs"]["serving_default"] == ["latents", "labels"]
    assert "off-condition samples" in (out / "report.md").read_text()


@pytest.mark.slow
def test_labels_under_every_condition_pair_each_zero_with_each_condition(tmp_path):
    metrics = redact.redact(redact.RedactConfig.of(
        method="data", labels=(0,), output_dir=str(tmp_path / "r"), export=False,
        **MODELS, **QUICK))
    # 400 training zeros, each paired with the 10 conditions: p_Omega's 4,000 pairs.
    assert metrics["redaction_samples"] == 4000
    assert len(metrics["invalidity_per_label_after"]) == 10


def test_labels_under_chosen_conditions_keep_the_others():
    config = redact.RedactConfig.of(method="data", labels=(0,), conditions=(3, 5), **MODELS,
                                 **QUICK)
    models = redact.load_models(config)
    data = redact.load_data(config, models.conditional)
    redact.check_conditions(config, models, data)
    _, settings = redact.choose_settings(config, data)
    omega = redact.describe_omega(config, settings, models, models.classifier, data)
    # No training pair is a zero drawn under 3 or 5: all 4,000 are kept; p_Omega holds
    # the 400 zeros under conditions 3 and 5.
    assert omega.kept == 4000
    images, labels = omega.redaction_set.samples
    assert len(images) == 800 and sorted(set(labels.tolist())) == [3, 5]


def test_conditional_settings_are_checked_before_work(tmp_path):
    unconditional = redact.RedactConfig.of(method="validity", off_condition=True,
                                        output_dir=str(tmp_path / "u"), **QUICK)
    with pytest.raises(ValueError, match="off_condition apply to conditional generators"):
        redact.redact(unconditional)
    assert not (tmp_path / "u").exists()
    with pytest.raises(ValueError, match="conditions are the conditions labels are"):
        redact.RedactConfig.of(off_condition=True, conditions=(1,), labels=(), **MODELS)
    with pytest.raises(ValueError, match=r"conditions \[12\] are not conditions"):
        redact.redact(redact.RedactConfig.of(labels=(0,), conditions=(12,),
                                          output_dir=str(tmp_path / "c"), **MODELS, **QUICK))
    with pytest.raises(ValueError, match="the discriminator takes images only"):
        redact.redact(redact.RedactConfig.of(
            generator=MODELS["generator"], discriminator=str(PRETRAINED / "discriminator.keras"),
            output_dir=str(tmp_path / "d"), **QUICK))


def test_evaluate_reports_a_conditional_generator(tmp_path):
    figures = evaluate.evaluate(evaluate.EvaluateConfig(
        generator=MODELS["generator"], off_condition=True, eval_samples=1000,
        metrics=("invalidity", "is", "fid")))
    assert len(figures["invalidity_per_label"]) == 10
    assert figures["conditional_accuracy"] >= 0.95
    assert figures["invalidity"] == pytest.approx(1.0 - figures["conditional_accuracy"],
                                                  abs=0.01)
    zeros = evaluate.evaluate(evaluate.EvaluateConfig(
        generator=MODELS["generator"], labels=(0,), conditions=(0,), eval_samples=1000,
        metrics=("invalidity",)))
    # Zeros under condition 0 only: about a tenth of the samples, all under condition 0.
    assert zeros["invalidity_per_label"][0] > 0.9 and max(zeros["invalidity_per_label"][1:]) < 0.05
    with pytest.raises(ValueError, match="apply to conditional generators"):
        evaluate.evaluate(evaluate.EvaluateConfig(off_condition=True, eval_samples=10))


def test_evaluate_gives_an_export_the_figures_of_its_keras_file(tmp_path):
    path = export.export_generator(keras.saving.load_model(MODELS["generator"]), tmp_path)
    figures = [evaluate.evaluate(evaluate.EvaluateConfig(
        generator=generator, off_condition=True, eval_samples=500,
        metrics=("invalidity", "is"))) for generator in (str(path), MODELS["generator"])]
    for key in ("invalidity", "conditional_accuracy", "inception_score"):
        assert figures[0][key] == pytest.approx(figures[1][key], abs=1e-4)
    assert figures[0]["invalidity_per_label"] == pytest.approx(
        figures[1]["invalidity_per_label"], abs=1e-3)
