"""Redacts digit 0 from the shipped MNIST DCGAN with each method; prints the paper's figures.

    python benchmarks/redaction_targets.py [--methods=data,validity,classifier] [--epochs=8]
        [--lam=0.85 | --lam_schedule=0.65,0.7] [--g_steps=1] [--alpha_minus=0.05]
        [--g_learning_rate=2e-4]
        [--g_ema_momentum=0] [--g_ema_start_epochs=0] [--noguide_omega] [--tau=0.5]
        [--redaction_classifier=PATH] [--queries_per_round=1000] [--first_round_queries=T]
        [--seed=0 --seed=1 ...] [--nojit_compile]

For each method (and seed), one `bin/redact` job (its library), by default with the
paper's MNIST base values (`--lam` or `--lam_schedule`, `--g_steps`, `--alpha_minus`,
`--g_learning_rate`, `--g_ema_momentum`, `--g_ema_start_epochs` and, for the classifier method,
`--noguide_omega` and `--tau`, and for the validity and classifier methods
`--redaction_classifier`, override them; docs/benchmarks.md has the figures), measuring
invalidity and the Inception Score on 50,000 samples before and after, and invalidity on
10,000 other samples after every epoch (the "after 1 epoch" column).
With several seeds, each method also gets a pooled row: invalidity over all its seeds'
samples, with its 95% interval. Targets (issue 3): invalidity <= 1e-2 after 1 epoch and
<= 1e-3 after 8; IS after >= 0.9 x before. The IS is also shown as its two factors,
the effective number of classes and the confidence (`inception_score_parts_from_logits`).
Runs go to runs/bench-<method>-seed<k>-<timestamp>/ (`-2`, ... for jobs started in the
same second).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import recipe  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact.evaluation.invalidity import binomial_interval  # noqa: E402

_METHODS = flags.DEFINE_list("methods", ["data", "validity", "classifier"], "Methods.")
_EPOCHS = flags.DEFINE_integer("epochs", 8, "Redaction epochs.")
_SAMPLES = flags.DEFINE_integer("samples", 50_000, "Samples before and after.")
_MONITOR = flags.DEFINE_integer("monitor_samples", 10_000, "Samples after each epoch.")
_SEED = flags.DEFINE_multi_integer("seed", [0], "Seed; repeat the flag for several.")


def main(argv):
    del argv
    seeds = _SEED.value
    rows = []
    for method in _METHODS.value:
        invalid = samples = 0
        for seed in seeds:
            m = recipe.run_job(method, f"bench-{method}-seed{seed}", epochs=_EPOCHS.value,
                               eval_samples=_SAMPLES.value, monitor_samples=_MONITOR.value,
                               seed=seed)
            curve = m["invalidity_per_epoch"]
            rows.append((f"{method}, seed {seed}", f"{m['invalidity_before']:.2e}",
                         f"{curve[1]:.2e}", m["invalidity_after"], m["invalidity_ci_after"],
                         f"{m['inception_score_before']:.2f}",
                         f"{m['inception_score_after']:.2f}",
                         f"{m['inception_score_after'] / m['inception_score_before']:.3f}",
                         _parts(m["inception_score_parts_after"]), f"{m['fit_seconds']:.0f}"))
            invalid += round(m["invalidity_after"] * _SAMPLES.value)
            samples += _SAMPLES.value
            print(f"{method}, seed {seed}: per-epoch invalidity "
                  f"{[f'{v:.2e}' for v in curve]}", flush=True)
        if len(seeds) > 1:
            rows.append((f"{method}, {len(seeds)} seeds pooled", "", "", invalid / samples,
                         binomial_interval(invalid, samples), "", "", "", "", ""))
    print(f"\nMNIST (mnist_5k), redact digit 0, {_EPOCHS.value} epochs, {_SAMPLES.value} "
          f"samples, lam {m['lam_schedule'] or m['lam']}, K_G {m['g_steps']}, "
          f"alpha_minus {m['alpha_minus']}, "
          f"G learning rate {m['g_learning_rate']:g}, G EMA momentum {m['g_ema_momentum']:g} "
          f"(start after epoch {m['g_ema_start_epochs'] or 0}); "
          f"classifier: guide_omega "
          f"{recipe.GUIDE_OMEGA.value}, tau {recipe.TAU.value}; IS before = classes x confidence = "
          f"{_parts(m['inception_score_parts_before'])}")
    print(f"| method | inv. before | inv. after 1 epoch | inv. after {_EPOCHS.value} | "
          "95% interval | IS before | IS after | IS ratio | IS after = classes x confidence "
          "| fit s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, before, first, after, (low, high), isb, isa, ratio, parts, secs in rows:
        print(f"| {name} | {before} | {first} | {after:.2e} | [{low:.1e}, {high:.1e}] | {isb} "
              f"| {isa} | {ratio} | {parts} | {secs} |")


def _parts(parts):
    return f"{parts['classes']:.3f} x {parts['confidence']:.4f}"


if __name__ == "__main__":
    app.run(main)
