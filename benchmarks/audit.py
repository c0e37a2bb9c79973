"""`bin/audit` on a redacted generator, recorded: can its Omega come back?

    python benchmarks/audit.py --generator=runs/redact-X/generator.keras [--starts=1000]
        [--revival_epochs=5] [--off_condition] [--record=NAME]

Runs the audit job (its library) on the given generator (its discriminator beside it)
with the pre-trained G0 and the post-hoc filter as references, prints the table and
records `audit.json`'s figures with the run that made the generator (its `metrics.json`:
method, epochs, seed, invalidity after).
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import records  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact import io  # noqa: E402
from keras_redact.jobs import audit  # noqa: E402

_GENERATOR = flags.DEFINE_string("generator", None, "Generator .keras under audit.",
                                 required=True)
_STARTS = flags.DEFINE_integer("starts", 1000, "Latent-search starts.")
_EPOCHS = flags.DEFINE_integer("revival_epochs", 5, "Fine-tuning epochs a revival.")
_OFF_CONDITION = flags.DEFINE_bool("off_condition", False, "A conditional generator's "
                                   "off-condition redaction: Omega is the off-condition "
                                   "samples (and no labels).")


def main(argv):
    del argv
    run = pathlib.Path(_GENERATOR.value).parent / "metrics.json"
    made_by = json.loads(run.read_text()) if run.is_file() else {}
    with io.claimed_dir("audit") as output:
        figures = audit.audit_generator(audit.AuditConfig(
            generator=_GENERATOR.value, starts=_STARTS.value,
            labels=() if _OFF_CONDITION.value else (0,), off_condition=_OFF_CONDITION.value,
            revival_epochs=_EPOCHS.value, output_dir=str(output), verbose=1))
    print(audit.markdown(figures))
    figures["made_by"] = {k: made_by.get(k) for k in (
        "method", "recipe", "epochs", "seed", "invalidity_after", "inception_score_after",
        "eval_samples")}
    records.write("bin/audit on a redacted generator, with the pre-trained G0 and the "
                  "post-hoc filter as references", figures)


if __name__ == "__main__":
    app.run(main)
