"""The benchmark scripts' recipe presets (`--recipe`) and issue 3's verdict."""

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


def test_paper_recipe_leaves_the_paper_values_to_bin_redact(parse):
    parse()
    kwargs = recipe.config_kwargs("data")
    assert (kwargs["lam"], kwargs["lam_schedule"], kwargs["g_steps"]) == (None, None, None)
    assert kwargs["g_learning_rate"] == 2e-4 and kwargs["g_ema_momentum"] == 0.0


def test_targets_recipe_per_method(parse):
    parse("--recipe=targets")
    data = recipe.config_kwargs("data")
    assert (data["g_steps"], data["lam"], data["lam_schedule"]) == (5, 0.625, None)
    assert (data["g_ema_momentum"], data["g_ema_start_epochs"]) == (0.99, 1)
    validity = recipe.config_kwargs("validity")
    assert (validity["lam"], validity["lam_schedule"]) == (None, (0.6, 0.65))
    assert (validity["first_round_queries"], validity["g_ema_momentum"]) == (5000, 0.995)
    classifier = recipe.config_kwargs("classifier")
    assert (classifier["g_steps"], classifier["alpha_minus"], classifier["tau"]) == (3, 0.0,
                                                                                    0.95)
    assert classifier["guide_omega"] is False and classifier["jit_compile"] is False
    assert pathlib.Path(classifier["redaction_classifier"]).is_file()
    assert classifier["redaction_classifier"].endswith("distilled/classifier.keras")


@pytest.mark.parametrize("name", ["paper", "targets"])
def test_every_recipe_is_a_valid_bin_redact_config(parse, name, tmp_path):
    parse(f"--recipe={name}")
    for method in ("data", "validity", "classifier"):
        config = redact.RedactConfig(output_dir=str(tmp_path), epochs=8,
                                     **recipe.config_kwargs(method))
        assert config.method == method


def test_flags_given_override_the_recipe(parse):
    parse("--recipe=targets", "--g_steps=6", "--lam=0.7", "--tau=0.9")
    validity = recipe.config_kwargs("validity")
    # --lam replaces the recipe's lam_schedule as well: one setting.
    assert (validity["g_steps"], validity["lam"], validity["lam_schedule"]) == (6, 0.7, None)
    assert validity["first_round_queries"] == 5000  # not given: the recipe's
    assert recipe.config_kwargs("classifier")["tau"] == 0.9
    parse("--recipe=targets", "--lam_schedule=0.5,0.6")
    data = recipe.config_kwargs("data")
    assert (data["lam"], data["lam_schedule"], data["g_steps"]) == (None, (0.5, 0.6), 5)


# Session 10's data-based recipe, seeds 0-4: (after 1 epoch, after 8, IS ratio).
SESSION_10_DATA = [(4.1e-3, 8.0e-4, 0.9018), (6.0e-3, 5.8e-4, 0.9005),
                   (4.6e-3, 7.2e-4, 0.9024), (8.4e-3, 1.14e-3, 0.904),
                   (5.3e-3, 7.6e-4, 0.9002)]


def test_verdict_means_and_seeds():
    text = redaction_targets.verdict(SESSION_10_DATA)
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
