"""`RedactConfig`: five frozen parts, each checked once, and the flat names that map onto
them (the Python API's keywords and `bin/redact`'s flags)."""

import dataclasses
import json
import subprocess
import sys

import pytest

from keras_redact.jobs.redact_config import (
    PARTS,
    RedactConfig,
    Target,
    Training,
    What,
    setting_names,
)


def test_each_flat_name_belongs_to_exactly_one_part():
    names = setting_names()
    assert len(names) == len(set(names))
    config = RedactConfig.of(method="validity", labels=(3, 8), epochs=4, seed=7,
                             target_invalidity=None, eval_samples=123, judge="")
    assert config.what == What(method="validity", labels=(3, 8))
    assert config.training == Training(epochs=4, seed=7)
    assert config.output.eval_samples == 123 and config.inputs.judge == ""
    assert config.flat() == {**RedactConfig().flat(), "method": "validity", "labels": (3, 8),
                             "epochs": 4, "seed": 7, "eval_samples": 123, "judge": ""}
    assert RedactConfig.of(**config.flat()) == config


def test_parts_are_frozen_and_typed():
    config = RedactConfig.of()
    for name in PARTS:
        with pytest.raises(dataclasses.FrozenInstanceError):
            part = getattr(config, name)
            part.verbose = 0
    with pytest.raises(TypeError, match="RedactConfig.training must be a Training; "
                                        "received Target"):
        RedactConfig(training=Target())


def test_an_unknown_name_is_refused_with_the_names_allowed():
    with pytest.raises(TypeError, match="no setting epoch; the settings are .*epochs"):
        RedactConfig.of(epoch=3)


@pytest.mark.parametrize("settings, message", [
    (dict(method="dat"), "method"),
    (dict(grid_every=0), "grid_every"),
    (dict(batch_size=0), "batch_size"),
    (dict(seed=-1), "seed must be a non-negative integer"),
    (dict(eval_samples=0), "eval_samples"),
    (dict(max_epochs=3), "max_epochs is the budget"),
    (dict(model_contract={"generator_rang": (0, 1)}), "model_contract takes"),
])
def test_each_part_checks_its_own_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        RedactConfig.of(**settings)


def test_what_crosses_parts_is_checked_by_the_config():
    Training(lam=2.0)  # the recipe checks its overrides, for the method
    with pytest.raises(ValueError, match="lam must be in"):
        RedactConfig(training=Training(lam=2.0))
    with pytest.raises(ValueError, match="give max_epochs"):
        RedactConfig.of(epochs=2, target_invalidity=1e-3)


def test_bin_redact_maps_its_flags_onto_the_parts(tmp_path):
    script = (
        "import dataclasses, json, sys\n"
        "from absl import flags\n"
        "from keras_redact.cli import redact as cli\n"
        "from keras_redact.jobs import redact\n"
        "def capture(config):\n"
        "    print(json.dumps({n: dataclasses.asdict(getattr(config, n)) for n in "
        "('what', 'inputs', 'training', 'target', 'output')}, default=str))\n"
        "    sys.exit(0)\n"
        "redact.redact = capture\n"
        "flags.FLAGS(sys.argv)\n"
        "cli.main([])\n")
    out = subprocess.run(
        [sys.executable, "-c", script, "--method=validity", "--labels=8,3", "--epochs=2",
         "--seed=5", "--eval_samples=99", "--judge=", "--output_dir", str(tmp_path / "r"),
         "--model_contract=discriminator_output=logit", "--mixed_precision=mixed_bfloat16",
         "--conditions=1", "--export=false"],
        capture_output=True, text=True, check=True).stdout
    parts = json.loads(out.strip().splitlines()[-1])
    assert (parts["what"]["method"], parts["what"]["labels"], parts["what"]["conditions"]) \
        == ("validity", [3, 8], [1])
    assert (parts["training"]["epochs"], parts["training"]["seed"],
            parts["training"]["mixed_precision"]) == (2, 5, "mixed_bfloat16")
    assert parts["inputs"]["judge"] == ""
    assert parts["inputs"]["model_contract"] == {"discriminator_output": "logit"}
    assert parts["output"] == {"output_dir": str(tmp_path / "r"), "eval_samples": 99,
                               "export": False, "export_dir": None, "verbose": 1,
                               "audit": False}
    assert parts["target"]["target_invalidity"] is None
