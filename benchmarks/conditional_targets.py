"""Redacts the shipped conditional MNIST GAN; prints the figures docs/conditional.md gives.

    python benchmarks/conditional_targets.py [--methods=data,validity,classifier]
        [--seed=0 --seed=1 ...] [--samples=20000] [--recipe=NAME] [--record=NAME]

For each method and seed, two `bin/redact` jobs (their library) on
`keras_redact/pretrained/mnist_conditional/`: off-condition samples (`--off_condition`)
and zeros under every condition (`--labels=0`). Each prints the invalidity before and
after (for off-condition samples: the off-condition rate) on `--samples` samples with
conditions drawn uniformly, the worst condition's invalidity after, the IS ratio, the
conditional accuracy after (over the conditions that keep data) and the training time.
Runs go to runs/conditional-<preset>-<method>-seed<k>-*/.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import recipe  # noqa: E402
import records  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact.jobs import PRETRAINED  # noqa: E402

_METHODS = flags.DEFINE_list("methods", ["data", "validity", "classifier"], "Methods.")
_SEED = flags.DEFINE_multi_integer("seed", [0], "Seed; repeat the flag for several.")
_SAMPLES = flags.DEFINE_integer("samples", 20_000, "Samples before and after.")
_PRESETS = flags.DEFINE_list("presets", ["off_condition", "zeros"], "off_condition, zeros.")

RECORDED = ("recipe", "epochs", "invalidity_before", "invalidity_after",
            "invalidity_ci_after", "invalidity_per_label_after", "inception_score_before",
            "inception_score_after", "conditional_accuracy_per_label_after",
            "train_seconds", "seconds", "judge")
"""What the record keeps of each run's `metrics.json`."""
CONDITIONAL = PRETRAINED.parent / "mnist_conditional"
PRESETS = {"off_condition": {"off_condition": True}, "zeros": {"labels": (0,)}}


def main(argv):
    del argv
    rows = []
    for preset in _PRESETS.value:
        for method in _METHODS.value:
            for seed in _SEED.value:
                m = recipe.run_job(
                    method, f"conditional-{preset}-{method}-seed{seed}",
                    generator=str(CONDITIONAL / "generator.keras"),
                    discriminator=str(CONDITIONAL / "discriminator.keras"),
                    eval_samples=_SAMPLES.value, seed=seed, **PRESETS[preset])
                rows.append((preset, method, seed, m))
                print(f"{preset}, {method}, seed {seed}: {m['invalidity_before']:.2e} -> "
                      f"{m['invalidity_after']:.2e}", flush=True)
    print(f"\nThe shipped conditional MNIST GAN, {_SAMPLES.value:,} samples, conditions "
          "uniform:\n")
    print("| preset | method | seed | epochs | invalidity before | after | worst condition "
          "after | IS after / before | conditional accuracy after | train s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for preset, method, seed, m in rows:
        per_label = np.asarray(m["invalidity_per_label_after"])
        accuracy = np.asarray(m["conditional_accuracy_per_label_after"])
        if preset == "zeros":  # condition 0 keeps no data: it has no target to be accurate to
            accuracy = accuracy[1:]
        print(f"| {preset} | {method} | {seed} | {m['epochs']} | "
              f"{m['invalidity_before']:.2e} | {m['invalidity_after']:.2e} | "
              f"{per_label.max():.2e} (label {per_label.argmax()}) | "
              f"{m['inception_score_after'] / m['inception_score_before']:.3f} | "
              f"{accuracy.mean():.4f} | {m['train_seconds']:.0f} |")
    records.write("bin/redact on the shipped conditional MNIST GAN: off-condition samples "
                  "and zeros under every condition, per method and seed", {
                      "eval_samples": _SAMPLES.value,
                      "runs": [{"preset": preset, "method": method, "seed": seed,
                                **{k: m.get(k) for k in RECORDED}}
                               for preset, method, seed, m in rows]})


if __name__ == "__main__":
    app.run(main)
