"""bin/redact --target_invalidity: stop when certified, guard quality, fail in one line."""

import json

import pytest

from keras_redact import export
from keras_redact.jobs import redact


@pytest.mark.slow
def test_a_budget_that_cannot_reach_the_target_fails_in_one_line(tmp_path, run_bin):
    out = tmp_path / "run"
    result = run_bin("redact", "--recipe=paper", "--target_invalidity=1e-6",
                     "--max_epochs=1", "--eval_samples=2000", f"--output_dir={out}")
    assert result.returncode == 2, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: target invalidity 1e-06 not certified at 95% within 1 "
                           "epochs") and "Traceback" not in result.stderr
    assert f"are in {out}" in last
    metrics = json.loads((out / "metrics.json").read_text())  # kept
    assert metrics["certified"] is False and metrics["certificate"] is None
    assert metrics["max_epochs"] == 1 and metrics["epochs"] == 1
    assert metrics["minimum_samples"] == 2_995_731 and metrics["export"] is None
    assert not (out / "export").exists()
    assert "**Not certified** within 1 epochs" in (out / "report.md").read_text()


@pytest.mark.slow
def test_a_certified_run_stops_and_the_certificate_travels_with_the_model(tmp_path):
    out = tmp_path / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        recipe="paper", target_invalidity=0.3, max_epochs=3, min_quality=0.5,
        steps_per_epoch=4, eval_samples=500, monitor_samples=200, output_dir=str(out),
        verbose=0))
    cert = metrics["certificate"]
    # The shipped model makes 11% zeros: under 0.7 of the target, certified at once.
    assert metrics["certified"] and metrics["stopped_at_epoch"] == 1
    assert metrics["epochs"] == 1 and metrics["delivered_epoch"] == 1
    assert cert["certified"] and cert["bound"] <= 0.3 and cert["confidence"] == 0.95
    # The budget is 200 / 0.3 samples; the first chunk, cut to it, decides.
    assert cert["attempts"] == 3 and cert["budget"] == cert["num_samples"] == 667
    assert "labels [0], by the label classifier" in cert["evaluator"]
    q = metrics["quality_vs_filter"]
    assert set(q) >= {"quality", "fid", "fid_filter", "inception_score",
                      "inception_score_filter"}
    assert q["quality"] == pytest.approx(min(q["fid_filter"] / q["fid"],
                                             q["inception_score"]
                                             / q["inception_score_filter"]))
    assert export.read_metadata(metrics["export"])["certificate"] == cert
    report = (out / "report.md").read_text()
    assert "**Certified** after 1 epochs (budget 3)" in report and "| FID to the kept" in report


@pytest.mark.parametrize("kwargs,match", [
    ({"target_invalidity": 1e-3, "epochs": 8}, "give max_epochs"),
    ({"max_epochs": 8}, "max_epochs is the budget of a target_invalidity run"),
    ({"target_invalidity": 1.5}, r"target invalidity must be in \(0, 1\)"),
    ({"target_invalidity": 1e-3, "confidence": 1.0}, r"confidence must be in \(0, 1\)"),
    ({"target_invalidity": 1e-3, "min_quality": 0.0}, r"min_quality must be in \(0, 1\]"),
    ({"target_invalidity": 1e-3, "max_epochs": 0}, "max_epochs must be a positive integer"),
])
def test_target_settings_are_checked_before_any_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        redact.RedactConfig.of(**kwargs)
