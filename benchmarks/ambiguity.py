"""Label-ambiguity fractions of generators on many samples (docs/applications.md, Table VI).

    python benchmarks/ambiguity.py --samples=500000 --seed=1 \\
        keras_redact/pretrained/mnist/generator.keras runs/apps/ambiguity_03_kg10/generator.keras

For each generator (`.keras` files given as arguments), counts the samples with
f(x) < tau for f(x) = 1 - Entropy(softmax(logits(x))) / log(#classes) (the label-ambiguity
preset, `redaction.presets.AmbiguityScore`) at several tau, with the 95% interval, and
times it. The first generator is the reference: each later one gets the two-sided p-value
of the two-proportion z-test of its fraction against the first's. At tau 0.3 the shipped
MNIST model has about 6.4e-4 ambiguous samples, so the 50,000 samples of `bin/redact`
cannot show a change of 10-20%; 500,000 samples of each of two seeds can.
"""

import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from absl import app, flags  # noqa: E402
from scipy import stats  # noqa: E402

from keras_redact.evaluation import sampling  # noqa: E402
from keras_redact.evaluation.invalidity import binomial_interval  # noqa: E402
from keras_redact.jobs import PRETRAINED  # noqa: E402
from keras_redact.redaction import presets  # noqa: E402

_SAMPLES = flags.DEFINE_integer("samples", 500_000, "Samples per generator.", lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 1, "Seed of the latents (the same for every generator).")
_TAUS = flags.DEFINE_list("taus", ["0.3", "0.5", "0.7"], "Thresholds tau.")
_CLASSIFIER = flags.DEFINE_string("classifier", None, "Label classifier .keras (default: the "
                                  "shipped MNIST classifier).")


def _p_value(k0: int, k1: int, n: int) -> float:
    """Two-sided p-value of the two-proportion z-test, k0 / n against k1 / n."""
    pooled = (k0 + k1) / (2 * n)
    sd = math.sqrt(pooled * (1 - pooled) * 2 / n)
    return float(2 * stats.norm.sf(abs(k0 - k1) / n / sd)) if sd else 1.0


def main(argv):
    paths = argv[1:]
    if not paths:
        raise app.UsageError("Give one or more generator .keras files")
    taus = [float(t) for t in _TAUS.value]
    classifier = keras.saving.load_model(_CLASSIFIER.value or PRETRAINED / "classifier.keras")
    score = presets.AmbiguityScore(classifier)
    n = _SAMPLES.value
    print(f"{n} samples each, latent seed {_SEED.value}")
    print("| generator | " + " | ".join(f"tau {t}: count, fraction [95%], p" for t in taus)
          + " | s |")
    print("|---|" + "---|" * len(taus) + "---|")
    reference = None  # the first generator's counts
    for path in paths:
        start = time.perf_counter()
        f = sampling.map_generated(keras.saving.load_model(path), score, n, seed=_SEED.value,
                                   batch_size=5000)
        counts = [int((f < t).sum()) for t in taus]
        cells = []
        for i, k in enumerate(counts):
            low, high = binomial_interval(k, n)
            p = "" if reference is None else f", p {_p_value(reference[i], k, n):.2g}"
            cells.append(f"{k}, {k / n:.2e} [{low:.2e}, {high:.2e}]{p}")
        print(f"| {path} | " + " | ".join(cells) + f" | {time.perf_counter() - start:.0f} |",
              flush=True)
        if reference is None:
            reference = counts


if __name__ == "__main__":
    app.run(main)
