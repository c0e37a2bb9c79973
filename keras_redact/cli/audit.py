"""Audits a generator against attackers who hold its weights: can Omega come back?

Usage (installed, `bin/audit` is `keras-redact-audit`):
  bin/audit                                           # the shipped G0 against itself
  bin/audit --generator=runs/redact-X/generator.keras # a redacted G (its D beside it)
  bin/audit --generator=G --labels=3,8 --starts=200 --revival_epochs=3
  bin/audit --generator=runs/redact-C/generator.keras --off_condition   # a conditional G

Latent search: --starts random starts, each given --steps Adam steps on the label
classifier's probability of --labels through G, latents kept typical; success when the
independent judge counts G(z) in Omega. Fine-tuning revival: --revival_epochs epochs of
plain GAN training from (G, D) on the kept data, alone and with --omega_counts Omega
samples added. The same on the pre-trained G0 and the post-hoc filter, as references.
A conditional generator is audited per condition (its G0: the shipped conditional one),
Omega being --labels under every condition and, with --off_condition, the off-condition
samples (then --labels defaults to none).

Writes <output_dir>/audit.json, audit.md and audit_found.png, and prints the table.
"""

from absl import flags

from keras_redact.cli.flags import parse_labels, parse_list, run

_GENERATOR = flags.DEFINE_string("generator", None, "Generator .keras under audit "
                                 "(default: the shipped MNIST DCGAN).")
_DISCRIMINATOR = flags.DEFINE_string("discriminator", None, "Its discriminator .keras "
                                     "(default: discriminator.keras beside it, else the "
                                     "shipped one).")
_LABELS = flags.DEFINE_list("labels", ["0"], "The redacted labels (default: 0, none with "
                            "--off_condition).")
_OFF_CONDITION = flags.DEFINE_bool("off_condition", False, "Conditional generators: Omega "
                                   "holds the off-condition samples.")
_STARTS = flags.DEFINE_integer("starts", 1000, "Latent-search starts.")
_STEPS = flags.DEFINE_integer("steps", 100, "Adam steps a start.")
_EPOCHS = flags.DEFINE_integer("revival_epochs", 5, "Fine-tuning epochs a revival.")
_COUNTS = flags.DEFINE_list("omega_counts", ["0", "10", "100"], "Omega samples added to "
                            "the kept data, one revival each.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Output folder (default: "
                                  "runs/audit-<timestamp>); must be new or empty.")


def main(argv):
    del argv
    from keras_redact.jobs import audit

    given = flags.FLAGS["labels"].present or not _OFF_CONDITION.value
    figures = audit.audit_generator(audit.AuditConfig(
        generator=_GENERATOR.value, discriminator=_DISCRIMINATOR.value,
        labels=parse_labels(_LABELS.value) if given else (),
        off_condition=_OFF_CONDITION.value, starts=_STARTS.value, steps=_STEPS.value,
        revival_epochs=_EPOCHS.value,
        omega_counts=parse_list(_COUNTS.value, "omega_counts"), seed=_SEED.value,
        output_dir=_OUTPUT_DIR.value))
    print(audit.markdown(figures))


def entry():
    """The `keras-redact-audit` console script (and `bin/audit`)."""
    run(main, __name__)
