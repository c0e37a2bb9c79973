"""`bin/redact --audit`: the audit of the redacted generator in the run's records."""

import json

import pytest

from keras_redact import export
from keras_redact.jobs import PRETRAINED, redact
from keras_redact.redaction import recipes

SMALL_AUDIT = {"starts": 8, "steps": 2, "revival_epochs": 1, "steps_per_epoch": 2,
               "omega_counts": (0,), "eval_samples": 300}


@pytest.mark.slow
def test_audit_after_redaction_lands_in_metrics_report_and_export(tmp_path):
    out = tmp_path / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        epochs=1, steps_per_epoch=2, eval_samples=500, monitor_samples=100,
        output_dir=str(out), audit=SMALL_AUDIT, verbose=0))
    figures = metrics["audit"]
    assert figures == json.loads((out / "audit" / "audit.json").read_text())
    assert set(figures["rows"]) == {"audited", "pre-trained", "filter"}
    assert figures["labels"] == [0] and figures["seed"] == 0 and figures["starts"] == 8
    # The audited generator is the run's, its references the pre-trained ones.
    assert figures["model_contracts"]["audited"] and figures["model_contracts"]["pre-trained"]
    assert metrics["phases"]["audit"] > 0
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["audit"]["rows"]["audited"]["latent_search"] == \
        figures["rows"]["audited"]["latent_search"]
    report = (out / "report.md").read_text()
    assert "## Audit: labels [0]" in report and "| audited |" in report
    # The export carries the latent-search figure beside the run's other figures.
    meta = export.read_metadata(metrics["export"])
    assert meta["audit"]["rows"]["audited"]["latent_search"]["rate"] == \
        figures["rows"]["audited"]["latent_search"]["rate"]


def test_audit_settings_are_checked_before_any_work():
    with pytest.raises(ValueError, match=r"audit audits the redaction of labels.*\['boundary'\]"):
        redact.RedactConfig.of(method="validity", boundary_margin=1, audit=True)
    with pytest.raises(ValueError, match=r"audit settings \['generator'\] are not the audit's"):
        redact.RedactConfig.of(audit={"generator": "G.keras"})
    with pytest.raises(ValueError, match="starts must be a positive integer"):
        redact.RedactConfig.of(audit={"starts": 0})
    with pytest.raises(ValueError, match="audit must be True, False or a dict"):
        redact.RedactConfig.of(audit="yes")
    with pytest.raises(ValueError, match=r"and conditions \(3,\)"):
        redact.RedactConfig.of(labels=(0,), conditions=(3,), audit=True)


@pytest.mark.slow
def test_audit_of_an_off_condition_redaction_reports_each_condition(tmp_path):
    conditional = PRETRAINED.parent / "mnist_conditional"
    out = tmp_path / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        generator=str(conditional / "generator.keras"),
        discriminator=str(conditional / "discriminator.keras"), off_condition=True,
        epochs=1, steps_per_epoch=2, eval_samples=500, monitor_samples=100,
        output_dir=str(out), export=False, audit={**SMALL_AUDIT, "starts": 40}, verbose=0))
    figures = metrics["audit"]
    assert figures["conditional"] and figures["off_condition"] and figures["labels"] == []
    for name in ("audited", "pre-trained", "filter"):
        by = figures["rows"][name]["latent_search"]["by_condition"]
        assert sum(c["starts"] for c in by.values()) == 40
        assert set(by) <= {str(c) for c in range(10)}
    report = (out / "report.md").read_text()
    assert "## Audit: off-condition samples" in report
    assert "Latent search success per condition" in report


def test_audit_flag_reaches_the_config(run_bin):
    result = run_bin("redact", "--audit", "--method=validity", "--boundary_margin=1")
    assert result.returncode != 0 and "audit audits the redaction of labels" in result.stderr


def _feeding(starts):
    base = recipes.get("small_data")
    return recipes.Recipe("test-feed", "", common={**base.common, "search_feed": starts},
                          per_method=base.per_method)


@pytest.mark.slow
def test_a_recipe_can_feed_the_searchs_finds_into_p_omega(tmp_path):
    metrics = redact.redact(redact.RedactConfig.of(
        recipe=_feeding(16), epochs=2, steps_per_epoch=2, eval_samples=500,
        monitor_samples=100, output_dir=str(tmp_path / "run"), export=False, verbose=0))
    assert metrics["search_feed"] == 16
    finds = metrics["search_feed_finds"]
    assert len(finds) == 2 and all(0 <= n <= 16 for n in finds)
    # The shipped G makes zeros from about 11% of random latents; 20 steps find more.
    assert finds[0] >= 2


def test_search_feed_is_for_label_redaction_and_checked_first(tmp_path):
    with pytest.raises(ValueError, match=r"search_feed searches.*\['boundary'\]"):
        redact.redact(redact.RedactConfig.of(
            recipe=_feeding(16), method="validity", boundary_margin=1,
            output_dir=str(tmp_path / "run"), verbose=0))
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_conditional_off_condition_run_feeds_pairs(tmp_path):
    conditional = PRETRAINED.parent / "mnist_conditional"
    metrics = redact.redact(redact.RedactConfig.of(
        generator=str(conditional / "generator.keras"),
        discriminator=str(conditional / "discriminator.keras"), off_condition=True,
        method="validity", recipe=_feeding(32), epochs=1, steps_per_epoch=2,
        eval_samples=500, monitor_samples=100, output_dir=str(tmp_path / "run"),
        export=False, verbose=0))
    assert len(metrics["search_feed_finds"]) == 1 and metrics["search_feed_finds"][0] > 0
