"""bin/redact end to end on the shipped MNIST models (tiny sample counts)."""

import json

import keras
import numpy as np
import pytest

from keras_redact import data
from keras_redact.evaluation.measure import measure
from keras_redact.jobs import PRETRAINED, redact
from keras_redact.redaction import label_membership, labels_set, recipes


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory, run_bin):
    """One epoch of `bin/redact --recipe=paper` (K_G 1: the cheapest full epoch), once."""
    tmp = tmp_path_factory.mktemp("redact")
    out = tmp / "run"
    result = run_bin("redact", "--recipe=paper", "--epochs=1", "--eval_samples=2000",
                         f"--output_dir={out}", "--seed=1", f"--export_dir={tmp / 'sm'}")
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads((out / "metrics.json").read_text()), result, tmp


@pytest.mark.slow
def test_paper_recipe_values_are_recorded(paper_run):
    _, metrics, _, _ = paper_run
    for key in ("method", "labels", "epochs", "invalidity_before", "invalidity_after",
                "inception_score_before", "inception_score_after", "seconds", "recipe"):
        assert key in metrics
    assert metrics["method"] == "data" and metrics["labels"] == [0] and metrics["epochs"] == 1
    assert metrics["recipe"] == "paper"
    assert (metrics["lam"], metrics["g_steps"], metrics["d_steps"]) == (0.85, 1, 1)
    assert (metrics["g_learning_rate"], metrics["d_learning_rate"]) == (2e-4, 2e-4)
    assert metrics["g_ema_momentum"] == 0.0 and metrics["g_ema_warmup"] is None


@pytest.mark.slow
def test_one_paper_epoch_lowers_invalidity(paper_run):
    _, metrics, _, _ = paper_run
    # The shipped model makes about 11% zeros; one epoch of Alg. 1 on mnist_5k (56 steps)
    # removes about a quarter of them (measured: 10.9% -> 8.0% on 2,000 samples).
    assert metrics["invalidity_before"] > 0.08
    assert metrics["invalidity_after"] < 0.85 * metrics["invalidity_before"]
    assert len(metrics["invalidity_per_epoch"]) == 2


@pytest.mark.slow
def test_inception_score_parts_multiply_to_the_score(paper_run):
    _, metrics, _, _ = paper_run
    for when in ("before", "after"):
        parts = metrics[f"inception_score_parts_{when}"]
        assert parts["classes"] * parts["confidence"] == pytest.approx(
            metrics[f"inception_score_{when}"], rel=1e-6)
    assert 9.5 < metrics["inception_score_parts_before"]["classes"] <= 10.0


@pytest.mark.slow
def test_train_time_leaves_the_monitor_out(paper_run):
    _, metrics, _, _ = paper_run
    assert 0 < metrics["train_seconds"] < metrics["fit_seconds"]
    assert len(metrics["train_epoch_seconds"]) == metrics["epochs"]
    assert len(metrics["train_epoch_cpu_seconds"]) == metrics["epochs"]
    assert sum(metrics["train_epoch_seconds"]) == pytest.approx(metrics["train_seconds"],
                                                                 abs=0.1)


@pytest.mark.slow
def test_files_and_report_are_written(paper_run):
    out, metrics, _, _ = paper_run
    for name in ("before_after.png", "invalidity.png", "generator.keras",
                 "discriminator.keras", "history.csv", "samples/epoch_001.png", "report.md"):
        assert (out / name).exists(), name
    report = (out / "report.md").read_text()
    assert f"{metrics['invalidity_before']:.2e}" in report and "before_after.png" in report
    assert (f"| IS part: effective number of classes | "
            f"{metrics['inception_score_parts_before']['classes']:.3f} |") in report
    assert "recipe paper" in report


@pytest.mark.slow
def test_export_goes_to_the_named_base(paper_run):
    _, metrics, _, tmp = paper_run
    assert metrics["export"] == str(tmp / "sm" / "1")
    assert (tmp / "sm" / "1" / "saved_model.pb").exists()


@pytest.mark.slow
def test_command_line_shows_no_tensorflow_start_up_or_info_lines(paper_run):
    _, _, result, _ = paper_run
    # TensorFlow's SavedModel writer logs INFO lines, its libraries start-up lines; the
    # command line shows warnings only.
    for text in ("Assets written to", "signature_serialization", "cuda", "oneDNN",
                 "cpu_feature_guard"):
        assert text not in result.stderr, text


@pytest.mark.slow
def test_existing_output_dir_is_never_overwritten(paper_run, run_bin):
    out, _, _, _ = paper_run
    again = run_bin("redact", "--epochs=1", "--eval_samples=100", f"--output_dir={out}",
                        "--noexport")
    assert again.returncode == 2 and "holds a finished run" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.slow
def test_default_is_the_recommended_recipe_and_exports_into_the_run(tmp_path):
    # mnist_5k: 56 steps a pass over the kept digits, under recipes.SMALL_DATA_STEPS:
    # small_data. One epoch of
    # a recipe whose schedule and weight average begin later: lam 0.6, the trained G.
    out = tmp_path / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        method="validity", epochs=1, steps_per_epoch=3, eval_samples=500,
        monitor_samples=100, output_dir=str(out), verbose=0))
    assert metrics["recipe"] == "small_data"
    assert (metrics["lam"], metrics["lam_schedule"], metrics["g_steps"]) == (0.6, [0.6, 0.65], 5)
    assert (metrics["g_ema_momentum"], metrics["g_ema_start_update"]) == (0.995, 15)
    assert metrics["g_updates"] == 15 and metrics["first_round_queries"] == 5000
    assert metrics["export"] == str(out / "export" / "1")
    assert (out / "export" / "1" / "saved_model.pb").exists()


@pytest.mark.parametrize("kwargs,match", [
    ({"lam": 1.5}, r"lam must be in \(0, 1\); received 1.5"),
    ({"alpha_plus": 0.3}, "alpha_plus must be in"),
    ({"alpha_minus": 0.7}, "alpha_minus must be in"),
    ({"tau": 0.0}, r"tau must be in \(0, 1\)"),
    ({"epochs": 0}, "epochs must be a positive integer; received 0"),
    ({"queries_per_round": -3}, "queries_per_round must be a positive integer"),
    ({"jit_compile": "no"}, "jit_compile must be True, False or 'auto'; received 'no'"),
    ({"recipe": "fast"}, "recipe must be one of .*received 'fast'"),
    ({"method": "magic"}, "method must be one of"),
    ({"labels": ()}, "at least one label"),
    ({"boundary_margin": 1}, "use method 'validity' or 'classifier'"),
    ({"method": "classifier", "ambiguity_tau": 1.2}, r"ambiguity_tau must be in \(0, 1\)"),
    ({"method": "validity", "attributes": "a & b"}, "needs attribute_classifier"),
    ({"grid_every": 0}, "grid_every must be a positive integer"),
    ({"eval_samples": 0}, "eval_samples must be a positive integer"),
])
def test_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        redact.RedactConfig.of(**kwargs)


@pytest.mark.slow
def test_a_recipe_object_with_schedule_average_and_bigger_first_round(tmp_path):
    # Validity-based, two passes over the 3,600 kept digits in batches of 512 (7 steps
    # each, K_G 2): the average starts at the second pass's first update, update 14; lam
    # is 0.6 in the first pass and 0.7 in the second; Alg. 2 queries 2,000 samples in the
    # first round and 300 in the second.
    recipe = recipes.Recipe("test-schedule", "", common={
        "g_steps": 2, "g_ema_momentum": 0.9, "g_ema_start_epochs": 1, "lam": 0.6,
        "lam_schedule": (0.6, 0.7), "jit_compile": False},
        per_method={"validity": {"first_round_queries": 2000, "queries_per_round": 300}})
    out = tmp_path / "run"
    metrics = redact.redact(redact.RedactConfig.of(
        method="validity", recipe=recipe, epochs=2, batch_size=512, eval_samples=500,
        monitor_samples=100, output_dir=str(out), export=False, verbose=0))
    assert metrics["recipe"] == "test-schedule"
    assert metrics["g_ema_start_epochs"] == 1 and metrics["g_ema_warmup"] is True
    assert (metrics["g_ema_start_update"], metrics["g_updates"]) == (14, 28)
    assert (metrics["queries_per_round"], metrics["first_round_queries"]) == (300, 2000)
    assert metrics["validity_queries"] == 4000 + 2000 + 300  # the training data, 2 rounds
    # Omega' = the 400 training zeros and the shipped G's zeros among the queries (11%).
    assert 400 + 150 < metrics["redaction_samples"] < 400 + 2300 * 0.2
    assert (metrics["lam"], metrics["lam_schedule"]) == (0.6, [0.6, 0.7])
    history = (out / "history.csv").read_text().splitlines()
    lam_column = history[0].split(",").index("lam")
    assert [float(row.split(",")[lam_column]) for row in history[1:]] == pytest.approx(
        [0.6, 0.7])
    report = (out / "report.md").read_text()
    assert "(momentum 0.9, warmed up, from epoch 2)" in report
    assert "recipe test-schedule (lam 0.6, then 0.7 from epoch 2, alpha+ 0.95" in report


def test_label_absent_from_classifier_fails_before_training(tmp_path):
    config = redact.RedactConfig.of(labels=(12,), output_dir=str(tmp_path / "x"), verbose=0)
    with pytest.raises(ValueError, match=r"labels \[12\].*allowed: 0..9"):
        redact.redact(config)
    assert not (tmp_path / "x").exists()


def test_labels_default_to_zero_unless_a_preset_is_given():
    assert redact.RedactConfig.of().what.redacted_labels == (0,)
    assert redact.RedactConfig.of(method="validity", boundary_margin=1).what.redacted_labels == ()
    both = redact.RedactConfig.of(method="classifier", labels=(3,), ambiguity_tau=0.3)
    assert both.what.redacted_labels == (3,) and both.what.presets == ("ambiguity",)


@pytest.mark.slow
def test_union_of_presets_in_adversarial_mode(tmp_path):
    """Digit 0 and ambiguous digits at once, training G only (Appendix H)."""
    out = tmp_path / "run"
    recipe = recipes.Recipe("test-adversarial", "", common={
        "g_learning_rate": 1e-4, "d_learning_rate": 3e-4, "g_ema_momentum": 0.9})
    metrics = redact.redact(redact.RedactConfig.of(
        method="classifier", labels=(0,), ambiguity_tau=0.3, freeze_discriminator=True,
        grid_every=5, epochs=1, steps_per_epoch=12, eval_samples=1000, monitor_samples=200,
        output_dir=str(out), export=False, verbose=0, recipe=recipe))
    assert metrics["method"] == "classifier" and metrics["labels"] == [0]
    assert metrics["presets"]["ambiguity_tau"] == 0.3 and metrics["freeze_discriminator"]
    assert (metrics["g_steps"], metrics["d_steps"]) == (1, 0)
    # The learning rates the optimizers ran with, read back from them.
    assert (metrics["g_learning_rate"], metrics["d_learning_rate"]) == (1e-4, 3e-4)
    assert metrics["g_ema_momentum"] == 0.9  # G's optimizer keeps the moving average
    assert metrics["g_ema_warmup"] is True
    report = (out / "report.md").read_text()
    assert "Adam learning rates G 0.0001 / D 0.0003" in report
    assert "G the moving average of its weights (momentum 0.9, warmed up)" in report
    parts = metrics["invalidity_parts_before"]
    assert set(parts) == {"labels", "ambiguity"}
    # The union's invalidity is at least each part's and at most their sum.
    union = metrics["invalidity_before"]
    assert max(parts.values()) <= union <= sum(parts.values()) + 1e-12
    # The frozen discriminator is the shipped one, weight for weight.
    shipped = keras.saving.load_model(PRETRAINED / "discriminator.keras")
    after = keras.saving.load_model(out / "discriminator.keras")
    for a, b in zip(shipped.weights, after.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    steps = sorted(p.name for p in (out / "samples").glob("step_*.png"))
    assert steps == ["step_000000.png", "step_000005.png", "step_000010.png"]


def test_unknown_recipe_on_the_command_line(run_bin):
    result = run_bin("redact", "--recipe=x")
    assert result.returncode == 2 and "recipe must be one of" in result.stderr


def test_boundary_threshold_that_marks_training_images_is_refused(tmp_path):
    config = redact.RedactConfig.of(method="validity", boundary_margin=1, boundary_threshold=0.5,
                                 output_dir=str(tmp_path / "x"), verbose=0)
    with pytest.raises(ValueError, match="marks 55 of 4000 training images invalid"):
        redact.redact(config)
    assert not (tmp_path / "x").exists()


def test_attribute_grammar_error_is_shown_where(tmp_path, run_bin):
    clf_path = tmp_path / "attrs.keras"
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    keras.Model(inputs, keras.layers.Dense(2, activation="sigmoid")(x)).save(clf_path)
    result = run_bin("redact", "--method=validity", "--attributes=thick & (slanted",
                     f"--attribute_classifier={clf_path}", "--attribute_names=thick,slanted",
                     f"--output_dir={tmp_path / 'x'}")
    assert result.returncode == 2
    assert "at position 17: expected ')' to close the '(' at position 9" in result.stderr
    assert "\n  thick & (slanted\n" + " " * 18 + "^" in result.stderr


def test_attribute_classifier_that_does_not_fit_the_data(tmp_path):
    clf_path = tmp_path / "attrs.keras"
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    keras.Model(inputs, keras.layers.Dense(2, activation="sigmoid")(x)).save(clf_path)
    config = redact.RedactConfig.of(method="validity", attributes="thick", verbose=0,
                                 attribute_classifier=str(clf_path),
                                 attribute_names=("thick", "slanted"),
                                 output_dir=str(tmp_path / "x"))
    with pytest.raises(ValueError, match=r"takes images of shape \(32, 32, 3\) but the data's "
                                         r"are \(28, 28, 1\)"):
        redact.redact(config)
    assert not (tmp_path / "x").exists()


def test_bad_labels_flag(run_bin):
    result = run_bin("redact", "--labels=zero")
    assert result.returncode != 0 and "--labels must be integers" in result.stderr


def test_tuning_levers_are_not_command_line_flags(run_bin):
    result = run_bin("redact", "--lam_schedule=0.6,0.7")
    assert result.returncode != 0 and "Unknown command line flag 'lam_schedule'" in result.stderr


def test_help_lists_what_users_decide(run_bin):
    result = run_bin("redact", "--helpshort")
    flags = [line for line in result.stdout.splitlines() if line.startswith("  --")]
    # 30, --model_contract (what cannot be read from a user's models) and --audit.
    assert len(flags) <= 32, flags


@pytest.mark.slow
def test_redaction_classifier_describes_omega_while_classifier_measures(tmp_path):
    small = PRETRAINED / "small" / "classifier.keras"
    out = tmp_path / "run"
    recipe = recipes.Recipe("test-small-f", "", per_method={"classifier": {
        "redaction_classifier": "mnist/small/classifier.keras", "tau": 0.95,
        "jit_compile": False}})
    metrics = redact.redact(redact.RedactConfig.of(
        method="classifier", recipe=recipe, epochs=1, steps_per_epoch=2, eval_samples=500,
        monitor_samples=100, output_dir=str(out), export=False, verbose=0))
    assert metrics["redaction_classifier"] == str(small)
    assert "Omega described by the classifier" in (out / "report.md").read_text()
    # p_Omega starts as the training images with f < tau for the small classifier's f
    # (408 at tau 0.95; the shipped classifier's f puts 401 there).
    images, labels = data.to_numpy(data.load("mnist_5k", "train"))

    def inside(classifier):
        return int(labels_set("classifier", classifier, [0], images=images,
                              image_labels=labels, tau=0.95).split_mask(images).sum())

    shipped = keras.saving.load_model(PRETRAINED / "classifier.keras")
    assert metrics["redaction_samples"] == inside(keras.saving.load_model(small))
    assert metrics["redaction_samples"] != inside(shipped)
    # The shipped classifier measures: the same figure as measuring the shipped G directly.
    before = measure(keras.saving.load_model(PRETRAINED / "generator.keras"), shipped,
                     label_membership(shipped, (0,)), 500, seed=0)
    assert metrics["invalidity_before"] == before["invalidity"]
    assert metrics["inception_score_before"] == pytest.approx(before["inception_score"])


@pytest.mark.slow
def test_an_independent_judge_counts_the_labels_too(paper_run):
    out, metrics, result, _ = paper_run
    judge = metrics["judge"]
    assert judge["judge"].endswith("pretrained/mnist/judge/classifier.keras")
    for when in ("before", "after"):
        figures = judge[when]
        # The classifier's count of the labels is the run's invalidity (labels alone).
        assert figures["classifier_invalidity"] == metrics[f"invalidity_{when}"]
        assert 0 <= figures["disagreements"] <= metrics["eval_samples"]
        # Both count the same samples: they differ by at most the disagreements.
        n = metrics["eval_samples"]
        assert abs(figures["invalidity"] - figures["classifier_invalidity"]) * n <= (
            figures["disagreements"] + 1e-9)
    assert 0.08 < judge["before"]["invalidity"] < 0.14  # the shipped G's zeros, by the judge
    assert (out / "judge_most_omega_like.png").exists()
    report = (out / "report.md").read_text()
    assert "Counted by an independent judge" in report and "judge_most_omega_like.png" in report
    assert '"judge_invalidity_after"' in result.stdout


def test_judged_figures_say_when_the_intervals_do_not_meet():
    from keras_redact.evaluation.measure import judged_figures
    from keras_redact.jobs.redact import judge_record

    by_classifier = np.zeros(2000, bool)
    by_judge = np.zeros(2000, bool)
    by_judge[:200] = True  # the judge sees 10% where the classifier sees none
    images = np.arange(100, dtype=np.float32).reshape(100, 1, 1, 1)
    likeness = np.linspace(0, 1, 100)
    figures, grid = judged_figures(by_classifier, by_judge, images, likeness)
    assert figures["disagreements"] == 200 and not figures["intervals_meet"]
    assert grid.shape[0] == 64 and grid[0, 0, 0, 0] == 99  # most Omega-like first
    record = judge_record(redact.SHIPPED_JUDGE, {"judge": figures}, {"judge": figures})
    assert record["message"].startswith("The judge counts 0.1 of the redacted labels' "
                                        "samples, the classifier 0: their 95% intervals do "
                                        "not meet")
    assert "fool the classifier (App. H)" in record["message"]
    fewer, _ = judged_figures(by_judge, by_classifier, images, likeness)
    stricter = judge_record(redact.SHIPPED_JUDGE, {"judge": fewer}, {"judge": fewer})
    assert "the classifier is the stricter count here" in stricter["message"]
    same, _ = judged_figures(by_judge, by_judge, images, likeness)
    assert same["disagreements"] == 0 and same["intervals_meet"]


def test_one_count_of_steps_per_epoch_from_the_kept_data():
    config = redact.RedactConfig.of(labels=(0,), verbose=0)
    data = redact.load_data(config)
    kept = int(np.count_nonzero(data.labels != 0))
    assert config.training.steps_per_epoch_of(kept) == kept // 64 == 56
    assert redact.choose_settings(config, data)[0] == "small_data"
    assert redact.RedactConfig.of(steps_per_epoch=900).training.steps_per_epoch_of(kept) == 900
    assert redact.choose_settings(redact.RedactConfig.of(steps_per_epoch=900), data)[0] == "paper"


@pytest.mark.slow
def test_phases_are_timed_and_the_before_measurement_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_REDACT_CACHE", str(tmp_path / "cache"))
    settings = dict(epochs=1, steps_per_epoch=2, eval_samples=500, monitor_samples=100,
                    export=False, verbose=0)
    first = redact.redact(redact.RedactConfig.of(output_dir=str(tmp_path / "a"), **settings))
    again = redact.redact(redact.RedactConfig.of(output_dir=str(tmp_path / "b"), **settings))
    assert not first["before_cached"] and again["before_cached"]
    for key in ("invalidity_before", "invalidity_ci_before", "inception_score_before",
                "class_shares_before", "inception_score_parts_before"):
        assert again[key] == first[key], key
    assert again["judge"]["before"] == first["judge"]["before"]
    phases = first["phases"]
    assert list(phases)[:5] == ["load", "measure_before", "train", "measure_after", "write"]
    assert phases["train_epochs"] + phases["train_callbacks"] <= phases["train"]
    assert phases["train_first_epoch"] <= phases["train_epochs"]
    saved = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert saved["phases"] == again["phases"] and saved["before_cached"]


def test_the_before_cache_key_changes_with_what_the_figures_depend_on(tmp_path):
    config = redact.RedactConfig.of(verbose=0)
    models = redact.load_models(config)
    settings = config.settings_of("small_data")
    key = redact.before_cache_key(config, models, settings)
    assert key == redact.before_cache_key(redact.RedactConfig.of(epochs=3, verbose=0),
                                          models, settings)  # training does not count
    for changed in (dict(seed=1), dict(eval_samples=49_999), dict(labels=(0, 1)),
                    dict(judge="")):
        other = redact.RedactConfig.of(verbose=0, **changed)
        assert redact.before_cache_key(other, redact.load_models(other), settings) != key, \
            changed
    copy = tmp_path / "g.keras"
    copy.write_bytes((PRETRAINED / "generator.keras").read_bytes())
    same_bytes = redact.RedactConfig.of(generator=str(copy), verbose=0)
    assert redact.before_cache_key(same_bytes, models, settings) == key
