"""Redacts digit 0 to a certified target with each method; prints what it took.

    python benchmarks/certified_targets.py [--target=1e-3] [--methods=data,validity,classifier]
        [--seed=0 --seed=1 ...] [--max_epochs=24] [--recipe=NAME] [--record=NAME]

For each method and seed, one `bin/redact --target_invalidity=T` job (its library): the
epochs until the target was certified at 95% (or the budget ran out), the training time,
Alg. 2's validity queries, the certificate (bound, invalid of fresh samples) and the
delivered G's quality against the post-hoc filter (FID to the kept data and IS, against
the pre-trained G with its zeros rejected). Runs go to runs/cert-<method>-seed<k>-*/.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import recipe  # noqa: E402
import records  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact.jobs import redact  # noqa: E402

_TARGET = flags.DEFINE_float("target", 1e-3, "Target invalidity.")
_METHODS = flags.DEFINE_list("methods", ["data", "validity", "classifier"], "Methods.")
_SEED = flags.DEFINE_multi_integer("seed", [0], "Seed; repeat the flag for several.")
_MAX_EPOCHS = flags.DEFINE_integer("max_epochs", None, "Budget (default: 3x the recipe's).")
_SAMPLES = flags.DEFINE_integer("samples", 50_000, "Samples before and after.")
RECORDED = ("stopped_at_epoch", "train_seconds", "seconds", "validity_queries", "certificate",
            "quality_vs_filter", "invalidity_before", "invalidity_after", "max_epochs",
            "certification_history", "phases")
"""What the record keeps of each run's `metrics.json`."""


def main(argv):
    del argv
    rows = []
    for method in _METHODS.value:
        for seed in _SEED.value:
            try:
                m = recipe.run_job(method, f"cert-{method}-seed{seed}",
                                   target_invalidity=_TARGET.value,
                                   max_epochs=_MAX_EPOCHS.value,
                                   eval_samples=_SAMPLES.value, seed=seed)
            except redact.TargetNotCertified as error:
                print(f"{method}, seed {seed}: {error}", flush=True)
                rows.append((method, seed, None))
                continue
            rows.append((method, seed, m))
            print(f"{method}, seed {seed}: {m['certificate']['statement']}", flush=True)
    print(f"\nTarget {_TARGET.value:g} at 95%, digit 0 on the shipped MNIST DCGAN:\n")
    print("| method | seed | epochs | train s | validity queries | certified bound "
          "(invalid / fresh samples) | FID / filter's | IS / filter's | invalidity after "
          "(50,000) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for method, seed, m in rows:
        if m is None:
            print(f"| {method} | {seed} | not certified | | | | | | |")
            continue
        cert, q = m["certificate"], m["quality_vs_filter"]
        print(f"| {method} | {seed} | {m['stopped_at_epoch']} | {m['train_seconds']:.0f} | "
              f"{m['validity_queries'] or '-'} | {cert['bound']:.2e} ({cert['invalid']} / "
              f"{cert['num_samples']}) | {q['fid']:.3f} / {q['fid_filter']:.3f} | "
              f"{q['inception_score']:.3f} / {q['inception_score_filter']:.3f} | "
              f"{m['invalidity_after']:.2e} |")
    records.write(f"bin/redact --target_invalidity={_TARGET.value:g} on digit 0 of the shipped "
                  "MNIST DCGAN, per method and seed", {
                      "target": _TARGET.value, "eval_samples": _SAMPLES.value,
                      "runs": [{"method": method, "seed": seed, "certified": m is not None,
                                **({k: m.get(k) for k in RECORDED} if m else {})}
                               for method, seed, m in rows]})


if __name__ == "__main__":
    app.run(main)
