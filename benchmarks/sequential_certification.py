"""What a certification draws: the sequential test on simulated generators.

    python benchmarks/sequential_certification.py [--target=1e-3] [--attempts=24]
        [--runs=1000] [--record=NAME]

For generators whose invalidity is a given share of the target (0.3 to 1.2), draws the
certification's chunks from a binomial at that rate through `certify`'s own test
(`certificates.sequential_test`) at one attempt's confidence of `--attempts` (a default
target run's budget: 24 epochs): the share of runs certified and the median and mean samples
drawn, against the fixed 200 / target of a Clopper-Pearson certificate. No network is
run; the figures depend only on the test.
"""

import numpy as np
import records
from absl import app, flags

from keras_redact.evaluation import certificates

_TARGET = flags.DEFINE_float("target", 1e-3, "Target invalidity.")
_ATTEMPTS = flags.DEFINE_integer("attempts", 24, "Attempts sharing the confidence.")
_RUNS = flags.DEFINE_integer("runs", 1000, "Simulated certifications per rate.")
SHARES = (0.3, 0.5, 0.7, 1.0, 1.2)


def simulate(rate: float, target: float, attempts: int, runs: int, seed: int = 0):
    """Certified share, median and mean samples of `runs` certifications at `rate`."""
    rng = np.random.default_rng(seed)
    budget = certificates.certification_samples(target)
    confidence = 1.0 - 0.05 / attempts
    drawn, certified = [], 0
    for _ in range(runs):
        test = certificates.sequential_test(lambda j, size: int(rng.binomial(size, rate)),
                                            target, budget, confidence)
        drawn.append(test.num_samples)
        certified += test.rejects(target)
    return certified / runs, float(np.median(drawn)), float(np.mean(drawn))


def main(argv):
    del argv
    target = _TARGET.value
    rows = []
    print(f"Target {target:g}, one attempt of {_ATTEMPTS.value} at 95%, "
          f"{_RUNS.value} runs a rate; budget {certificates.certification_samples(target)}")
    print("| invalidity / target | certified | median samples | mean samples |")
    print("|---|---|---|---|")
    for share in SHARES:
        certified, median, mean = simulate(share * target, target, _ATTEMPTS.value,
                                           _RUNS.value)
        rows.append({"share": share, "certified": certified, "median_samples": median,
                     "mean_samples": round(mean)})
        print(f"| {share:g} | {certified:.1%} | {median:,.0f} | {mean:,.0f} |", flush=True)
    records.write("The sequential certification on simulated generators: certified share "
                  "and samples drawn against the generator's invalidity",
                  {"target": target, "attempts": _ATTEMPTS.value, "runs": _RUNS.value,
                   "budget": certificates.certification_samples(target), "rows": rows})


if __name__ == "__main__":
    app.run(main)
