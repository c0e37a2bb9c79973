"""The benchmark scripts' `--recipe` flag and the targets' verdict."""

import pathlib
import sys

import pytest
from absl import flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import recipe  # noqa: E402
import redaction_targets  # noqa: E402

from keras_redact.jobs import redact  # noqa: E402


@pytest.fixture
def parse():
    """Parses the scripts' flags from a command line; leaves them unparsed afterwards."""
    def parse_args(*args):
        flags.FLAGS.unparse_flags()
        flags.FLAGS(["redaction_targets.py", *args])
    yield parse_args
    flags.FLAGS.unparse_flags()


def test_no_recipe_flag_runs_what_bin_redact_runs(parse, tmp_path, monkeypatch):
    parse()
    assert recipe.RECIPE.value is None
    seen = {}
    monkeypatch.setattr(redact, "redact", lambda config: seen.update(config=config))
    monkeypatch.chdir(tmp_path)
    recipe.run_job("validity", "bench", epochs=1, seed=3)
    config = seen["config"]
    assert (config.what.method, config.training.recipe, config.training.epochs,
            config.training.seed) == ("validity", None, 1, 3)
    assert config.output.export is False and config.output.verbose == 0
    parse("--recipe=paper")
    recipe.run_job("data", "bench")
    assert seen["config"].training.recipe == "paper"


def test_recipe_flag_names_the_library_recipes(parse):
    parse("--recipe=small_data")
    assert recipe.RECIPE.value == "small_data"
    with pytest.raises(flags.IllegalFlagValueError):
        parse("--recipe=targets")


# The small_data recipe, data-based, seeds 0-4: (after 1 epoch, after 8, IS ratio).
SMALL_DATA_RUNS = [(4.1e-3, 8.0e-4, 0.9018), (6.0e-3, 5.8e-4, 0.9005),
                   (4.6e-3, 7.2e-4, 0.9024), (8.4e-3, 1.14e-3, 0.904),
                   (5.3e-3, 7.6e-4, 0.9002)]


def test_verdict_means_and_seeds():
    text = redaction_targets.verdict(SMALL_DATA_RUNS)
    assert text.startswith("mean of 5: after 1 epoch 5.68e-03 (<= 0.01: yes), after the last "
                           "8.00e-04 (<= 0.001: yes), IS ratio 0.9018 (>= 0.9: yes)")
    assert "meets the targets as means; every target on 4 of 5 seeds" in text


def test_verdict_a_mean_that_misses():
    runs = [(5e-3, 8e-4, 0.905), (5e-3, 1.4e-3, 0.905)]  # mean after the last 1.1e-3
    text = redaction_targets.verdict(runs)
    assert "after the last 1.10e-03 (<= 0.001: NO)" in text
    assert "does NOT meet the targets as means; every target on 1 of 2 seeds" in text


def test_meets_is_inclusive_at_the_targets():
    assert redaction_targets.meets(1e-2, 1e-3, 0.9)
    assert not redaction_targets.meets(1e-2, 1e-3, 0.8999)
    assert not redaction_targets.meets(1.02e-2, 5e-4, 0.95)


def test_verdict_needs_runs():
    with pytest.raises(ValueError, match="at least one run; received none"):
        redaction_targets.verdict([])


def test_one_epoch_runs_are_judged_without_an_after_the_last_figure():
    text = redaction_targets.verdict([(5e-3, None, 0.91), (1.2e-2, None, 0.92)])
    assert "after 1 epoch 8.50e-03 (<= 0.01: yes), IS ratio 0.9150 (>= 0.9: yes)" in text
    assert "after the last" not in text
    assert "every target on 1 of 2 seeds" in text
