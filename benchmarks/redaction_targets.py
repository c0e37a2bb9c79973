"""Redacts digit 0 from the shipped MNIST DCGAN with each method; prints the paper's figures.

    python benchmarks/redaction_targets.py [--methods=data,validity,classifier] [--epochs=8]
        [--lam=0.85] [--g_steps=1] [--alpha_minus=0.05] [--g_learning_rate=2e-4]
        [--noguide_omega] [--tau=0.5] [--seed=0 --seed=1 ...] [--nojit_compile]

For each method (and seed), one `bin/redact` job (its library), by default with the
paper's MNIST base values (`--lam`, `--g_steps`, `--alpha_minus`, `--g_learning_rate`
and, for the classifier method, `--noguide_omega` and `--tau` override them;
docs/benchmarks.md has the figures), measuring invalidity and the Inception Score on
50,000 samples before and after, and invalidity on 10,000 other samples after every epoch
(the "after 1 epoch" column).
With several seeds, each method also gets a pooled row: invalidity over all its seeds'
samples, with its 95% interval. Targets (issue 3): invalidity <= 1e-2 after 1 epoch and
<= 1e-3 after 8; IS after >= 0.9 x before.
Runs go to runs/bench-<method>-<timestamp>[-seed<k>]/.
"""

import datetime
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app, flags  # noqa: E402

from keras_redact.cli import redact  # noqa: E402
from keras_redact.evaluation.invalidity import binomial_interval  # noqa: E402

_METHODS = flags.DEFINE_list("methods", ["data", "validity", "classifier"], "Methods.")
_EPOCHS = flags.DEFINE_integer("epochs", 8, "Redaction epochs.")
_SAMPLES = flags.DEFINE_integer("samples", 50_000, "Samples before and after.")
_MONITOR = flags.DEFINE_integer("monitor_samples", 10_000, "Samples after each epoch.")
_SEED = flags.DEFINE_multi_integer("seed", [0], "Seed; repeat the flag for several.")
_LAM = flags.DEFINE_float("lam", None, "lam (default: the paper's base value).")
_G_STEPS = flags.DEFINE_integer("g_steps", None, "K_G (default: the paper's base value).")
_ALPHA_MINUS = flags.DEFINE_float("alpha_minus", None, "Negative smoothing target (default: "
                                  "the paper's base value).")
_G_LR = flags.DEFINE_float("g_learning_rate", 2e-4, "Adam learning rate of G (paper: 2e-4).")
_GUIDE_OMEGA = flags.DEFINE_bool("guide_omega", True, "Classifier method: D judges p_Omega "
                                 "through guide(D, f) (eq. 6); --noguide_omega: D alone.")
_TAU = flags.DEFINE_float("tau", 0.5, "Classifier method: Omega = {f < tau}.")
_JIT = flags.DEFINE_bool("jit_compile", True, "XLA-compile the steps (the classifier-based "
                         "step is faster without on CPU: docs/redaction.md).")


def main(argv):
    del argv
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    seeds = _SEED.value
    rows = []
    for method in _METHODS.value:
        invalid = samples = 0
        for seed in seeds:
            suffix = f"-seed{seed}" if len(seeds) > 1 else ""
            m = redact.redact(redact.RedactConfig(
                method=method, epochs=_EPOCHS.value, eval_samples=_SAMPLES.value,
                monitor_samples=_MONITOR.value, seed=seed, verbose=0, export=False,
                lam=_LAM.value, g_steps=_G_STEPS.value, alpha_minus=_ALPHA_MINUS.value,
                g_learning_rate=_G_LR.value,
                guide_omega=_GUIDE_OMEGA.value or method != "classifier", tau=_TAU.value,
                jit_compile=_JIT.value, output_dir=f"runs/bench-{method}-{stamp}{suffix}"))
            curve = m["invalidity_per_epoch"]
            rows.append((f"{method}, seed {seed}", f"{m['invalidity_before']:.2e}",
                         f"{curve[1]:.2e}", m["invalidity_after"], m["invalidity_ci_after"],
                         f"{m['inception_score_before']:.2f}",
                         f"{m['inception_score_after']:.2f}",
                         f"{m['inception_score_after'] / m['inception_score_before']:.3f}",
                         f"{m['fit_seconds']:.0f}"))
            invalid += round(m["invalidity_after"] * _SAMPLES.value)
            samples += _SAMPLES.value
            print(f"{method}, seed {seed}: per-epoch invalidity "
                  f"{[f'{v:.2e}' for v in curve]}", flush=True)
        if len(seeds) > 1:
            rows.append((f"{method}, {len(seeds)} seeds pooled", "", "", invalid / samples,
                         binomial_interval(invalid, samples), "", "", "", ""))
    print(f"\nMNIST (mnist_5k), redact digit 0, {_EPOCHS.value} epochs, {_SAMPLES.value} "
          f"samples, lam {m['lam']}, K_G {m['g_steps']}, alpha_minus {m['alpha_minus']}, "
          f"G learning rate {m['g_learning_rate']:g}; classifier: guide_omega "
          f"{_GUIDE_OMEGA.value}, tau {_TAU.value}")
    print(f"| method | inv. before | inv. after 1 epoch | inv. after {_EPOCHS.value} | "
          "95% interval | IS before | IS after | IS ratio | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, before, first, after, (low, high), isb, isa, ratio, secs in rows:
        print(f"| {name} | {before} | {first} | {after:.2e} | [{low:.1e}, {high:.1e}] | {isb} "
              f"| {isa} | {ratio} | {secs} |")


if __name__ == "__main__":
    app.run(main)
