"""One measurement: bin/evaluate on the generator a bin/redact run wrote gives the run's
figures (same seed and sample count), whichever method redacted it."""

import json

import pytest

from keras_redact.jobs import evaluate, redact

SAMPLES = 2000


@pytest.mark.slow
@pytest.mark.parametrize("method", ["data", "validity", "classifier"])
def test_evaluate_reproduces_the_runs_metrics(method, tmp_path):
    out = tmp_path / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        method=method, epochs=1, steps_per_epoch=4, eval_samples=SAMPLES,
        monitor_samples=500, max_class_drift=None, seed=3, output_dir=str(out),
        export=False, verbose=0))
    assert metrics == json.loads((out / "metrics.json").read_text())
    figures = evaluate.evaluate(evaluate.EvaluateConfig(
        generator=str(out / "generator.keras"), labels=(0,), eval_samples=SAMPLES, seed=3,
        metrics=("invalidity", "is")))
    assert figures["invalidity"] == metrics["invalidity_after"]
    assert figures["invalidity_ci"] == metrics["invalidity_ci_after"]
    assert figures["inception_score"] == pytest.approx(metrics["inception_score_after"],
                                                       rel=1e-6)
    judged = metrics["judge"]["after"]
    assert {k: figures["judge"][k] for k in judged} == judged
    assert figures["class_shares"] == metrics["class_shares_after"]
    # The pre-trained generator, through both commands.
    before = evaluate.evaluate(evaluate.EvaluateConfig(
        eval_samples=SAMPLES, seed=3, metrics=("invalidity",)))
    assert before["invalidity"] == metrics["invalidity_before"]


def test_evaluate_has_no_method_or_tau_to_disagree_with_redact(run_bin):
    # The measurement does not depend on how Omega was described for training.
    assert not {"method", "tau"} & set(evaluate.EvaluateConfig.__dataclass_fields__)
    result = run_bin("evaluate", "--tau=5")
    assert result.returncode != 0 and "tau" in result.stderr
