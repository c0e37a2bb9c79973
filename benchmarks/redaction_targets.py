"""Redacts digit 0 from the shipped MNIST DCGAN with each method; prints the targets' table.

    python benchmarks/redaction_targets.py [--recipe=NAME] [--methods=data,validity,classifier]
        [--epochs=8] [--seed=0 --seed=1 ...] [--record=NAME]

    # the default recipe against the targets, five seeds:
    python benchmarks/redaction_targets.py --seed=0 --seed=1 --seed=2 --seed=3 --seed=4
    # bin/redact --method=M --epochs=1 with nothing else set, five seeds:
    python benchmarks/redaction_targets.py --epochs=1 --seed=0 ... --seed=4

For each method (and seed), one `bin/redact` job (its library) with `--recipe` (default:
the recommended recipe for the data, as `bin/redact` with nothing set: `small_data` on
mnist_5k). Each job measures invalidity and the Inception Score on 50,000 samples before
and after, and invalidity on 10,000 other samples after every epoch (the "after 1 epoch"
column).

Targets: invalidity <= 1e-2 after 1 epoch and <= 1e-3 after 8 epochs; IS after >= 0.9 x
before. A run of one epoch is judged on its 50,000-sample figures against the first and
the IS targets; a longer one on all three. With several seeds each method gets a row of
the means over its seeds (after the last epoch: all seeds' samples pooled, with the 95%
interval) and a verdict: whether the means meet the targets (the paper reports means of
5 seeds) and on how many seeds every target is met. The IS is also shown as its two
factors, the effective number of classes and the confidence
(`inception_score_parts_from_logits`). Runs go to runs/bench-<method>-seed<k>-<timestamp>/.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import recipe  # noqa: E402
import records  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact.evaluation.invalidity import binomial_interval  # noqa: E402

_METHODS = flags.DEFINE_list("methods", ["data", "validity", "classifier"], "Methods.")
_EPOCHS = flags.DEFINE_integer("epochs", 8, "Redaction epochs.")
_SAMPLES = flags.DEFINE_integer("samples", 50_000, "Samples before and after.")
_MONITOR = flags.DEFINE_integer("monitor_samples", 10_000, "Samples after each epoch.")
_SEED = flags.DEFINE_multi_integer("seed", [0], "Seed; repeat the flag for several.")

TARGETS = {"after_first": 1e-2, "after_last": 1e-3, "is_ratio": 0.9}
"""Invalidity at most these after the first and the last (8th) epoch, and the Inception
Score after at least this share of the score before."""


RECORDED = ("recipe", "invalidity_before", "invalidity_per_epoch", "invalidity_after",
            "invalidity_ci_after", "inception_score_before", "inception_score_after",
            "inception_score_parts_before", "inception_score_parts_after", "fit_seconds",
            "train_seconds", "seconds", "judge", "lam", "g_steps", "alpha_minus",
            "g_learning_rate", "jit_compile")
"""The figures and settings of each run the record keeps (from its `metrics.json`)."""

_CHECKS = (("after 1 epoch", "after_first", "<=", ".2e"),
           ("after the last", "after_last", "<=", ".2e"),
           ("IS ratio", "is_ratio", ">=", ".4f"))


def _checks(figures):
    """`(name, value, bound, met)` of each target for `(after_first, after_last, is_ratio)`.

    An `after_last` of `None` (a one-epoch run) is not judged.
    """
    for (name, key, op, fmt), value in zip(_CHECKS, figures, strict=True):
        if value is None:  # a one-epoch run: no "after the last" figure
            continue
        met = value <= TARGETS[key] if op == "<=" else value >= TARGETS[key]
        yield name, f"{value:{fmt}}", f"{op} {TARGETS[key]:g}", met


def meets(after_first: float, after_last: float, is_ratio: float) -> bool:
    """Whether one run's (or a mean's) figures meet every target of `TARGETS`."""
    return all(met for *_, met in _checks((after_first, after_last, is_ratio)))


def means(runs) -> tuple[float, float, float]:
    """The mean `(after_first, after_last, is_ratio)` over runs given as such triples.

    Raises:
        ValueError: If there are no runs.
    """
    runs = [tuple(None if v is None else float(v) for v in run) for run in runs]
    if not runs:
        raise ValueError("the targets need at least one run; received none")
    return tuple(None if None in column else float(np.mean(column)) for column in zip(*runs))


def verdict(runs) -> str:
    """The targets' verdict on one method's runs, `(after_first, after_last, is_ratio)` each.

    The means over the runs (the paper's figures are means of 5 seeds) and the runs that
    meet every target on their own.
    """
    checks = list(_checks(means(runs)))
    parts = ", ".join(f"{name} {value} ({bound}: {'yes' if met else 'NO'})"
                      for name, value, bound, met in checks)
    mean_ok = "meets" if all(met for *_, met in checks) else "does NOT meet"
    passing = sum(meets(*run) for run in runs)
    return (f"mean of {len(runs)}: {parts}: {mean_ok} the targets as means; every target "
            f"on {passing} of {len(runs)} seeds")


def main(argv):
    del argv
    seeds = _SEED.value
    rows, settings, verdicts, recorded = [], [], [], []
    for method in _METHODS.value:
        invalid = samples = 0
        runs = []
        for seed in seeds:
            m = recipe.run_job(method, f"bench-{method}-seed{seed}", epochs=_EPOCHS.value,
                               eval_samples=_SAMPLES.value, monitor_samples=_MONITOR.value,
                               seed=seed)
            curve = m["invalidity_per_epoch"]
            ratio = m["inception_score_after"] / m["inception_score_before"]
            # One epoch: its 50,000-sample figure is the "after 1 epoch" one.
            first = curve[1] if _EPOCHS.value > 1 else m["invalidity_after"]
            runs.append((first, m["invalidity_after"] if _EPOCHS.value > 1 else None, ratio))
            rows.append((f"{method}, seed {seed}", f"{m['invalidity_before']:.2e}",
                         f"{first:.2e}", m["invalidity_after"], m["invalidity_ci_after"],
                         f"{m['inception_score_before']:.2f}",
                         f"{m['inception_score_after']:.2f}", f"{ratio:.4f}",
                         _parts(m["inception_score_parts_after"]), f"{m['fit_seconds']:.0f}"))
            recorded.append({"method": method, "seed": seed, **{k: m.get(k) for k in RECORDED}})
            invalid += round(m["invalidity_after"] * _SAMPLES.value)
            samples += _SAMPLES.value
            print(f"{method}, seed {seed}: per-epoch invalidity "
                  f"{[f'{v:.2e}' for v in curve]}", flush=True)
        settings.append(_settings(m))
        if len(seeds) > 1:
            first, _, ratio = means(runs)
            rows.append((f"{method}, mean of {len(seeds)} seeds", "", f"{first:.2e}",
                         invalid / samples, binomial_interval(invalid, samples), "", "",
                         f"{ratio:.4f}", "", ""))
            verdicts.append(f"{method}: {verdict(runs)}")
    print(f"\nMNIST (mnist_5k), redact digit 0, {_EPOCHS.value} epochs, {_SAMPLES.value} "
          f"samples; IS before = classes x confidence = "
          f"{_parts(m['inception_score_parts_before'])}:")
    for line in settings:
        print(f"- {line}")
    print(f"\n| method | inv. before | inv. after 1 epoch | inv. after {_EPOCHS.value} | "
          "95% interval | IS before | IS after | IS ratio | IS after = classes x confidence "
          "| fit s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, before, first, after, (low, high), isb, isa, ratio, parts, secs in rows:
        print(f"| {name} | {before} | {first} | {after:.2e} | [{low:.1e}, {high:.1e}] | {isb} "
              f"| {isa} | {ratio} | {parts} | {secs} |")
    if verdicts:
        print(f"\nTargets (after 1 epoch <= {TARGETS['after_first']:g}, after "
              f"{_EPOCHS.value} <= {TARGETS['after_last']:g}, IS ratio >= "
              f"{TARGETS['is_ratio']:g}):")
        for line in verdicts:
            print(f"- {line}")
    records.write(f"bin/redact's job on digit 0 of the shipped MNIST DCGAN, {_EPOCHS.value} "
                  f"epochs, per method and seed", {
                      "epochs": _EPOCHS.value, "eval_samples": _SAMPLES.value,
                      "monitor_samples": _MONITOR.value, "recipe": recipe.RECIPE.value,
                      "targets": TARGETS, "runs": recorded})


def _settings(m) -> str:
    """One method's recipe, as its `metrics.json` records it."""
    text = (f"{m['method']} ({m['recipe']}): lam {m['lam_schedule'] or m['lam']}, "
            f"K_G {m['g_steps']}, "
            f"alpha_minus {m['alpha_minus']}, G learning rate {m['g_learning_rate']:g}, "
            f"G EMA momentum {m['g_ema_momentum']:g} (start after epoch "
            f"{m['g_ema_start_epochs'] or 0}), XLA {m['jit_compile']}")
    if m["method"] == "validity":
        text += (f", T {m['queries_per_round']} (first round "
                 f"{m.get('first_round_queries') or m['queries_per_round']})")
    if m["method"] == "classifier":
        text += f", tau {m['tau']}, guide_omega {m['guide_omega']}"
    return text


def _parts(parts):
    return f"{parts['classes']:.3f} x {parts['confidence']:.4f}"


if __name__ == "__main__":
    app.run(main)
