"""XLA speed-up of each train step, measured interleaved to cancel this machine's drift.

    python benchmarks/xla_speedup.py [--rounds=3] [--steps=60] [--record=NAME]

For each step (pre-training K_G = 1, redaction data / validity / classifier) it builds the
model with and without `jit_compile`, then times them alternately, `--rounds` times each
(median time between consecutive batches over `--steps` steps), and prints the median
ratio. On a shared 2-core machine single timings drift by up to 30% between runs, so a
speed-up from two separate runs (as `throughput.py --compare_jit` gives) is only a rough
figure; alternating the two cancels the drift.
"""

import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import records  # noqa: E402
import timing  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact import data, redaction  # noqa: E402
from keras_redact.models import DCGAN, DCGANDiscriminator, DCGANGenerator, LabelClassifier  # noqa: E402

_ROUNDS = flags.DEFINE_integer("rounds", 3, "Alternating timings per model.")
_STEPS = flags.DEFINE_integer("steps", 60, "Timed steps per timing.")


def main(argv):
    del argv
    keras.utils.set_random_seed(0)
    train = data.load("mnist_5k", "train")
    images, labels = data.to_numpy(train)
    batches = data.batches(train, 64, repeat=True, seed=0)
    kept = data.batches(train, 64, repeat=True, seed=0, part="kept",
                        predicate=data.label_predicate([0]))
    classifier = LabelClassifier((28, 28, 1), 10)

    def build(kind, jit):
        if kind == "pre-training (K_G=1)":
            model = DCGAN(DCGANGenerator(), DCGANDiscriminator(), seed=0)
            model.compile(g_steps=1, jit_compile=jit)
            return model, batches
        method = kind.split()[1]
        rs = redaction.labels_set(method, classifier, [0], images=images, image_labels=labels)
        model = redaction.RedactionGAN(DCGANGenerator(), DCGANDiscriminator(), rs, seed=0)
        model.compile(jit_compile=jit)
        if method != "data":
            model.add_redaction_samples(images[labels == 0])
        return model, kept

    print("| step | images/s with XLA | without | speed-up (median of rounds) |")
    print("|---|---|---|---|")
    rows = []
    for kind in ("pre-training (K_G=1)", "redaction data", "redaction validity",
                 "redaction classifier"):
        models = {jit: build(kind, jit) for jit in (True, False)}
        for model, dataset in models.values():  # compile both
            keras.Model.fit(model, dataset, epochs=1, steps_per_epoch=3, verbose=0,
                            shuffle=False)
        rates = {True: [], False: []}
        for _ in range(_ROUNDS.value):
            for jit in (True, False):
                rates[jit].append(timing.step_rate(*models[jit], _STEPS.value))
        ratio = statistics.median(a / b for a, b in zip(rates[True], rates[False]))
        print(f"| {kind} | {statistics.median(rates[True]):.0f} | "
              f"{statistics.median(rates[False]):.0f} | {ratio:.2f}x |")
        rows.append({"step": kind, "with_xla": statistics.median(rates[True]),
                     "without": statistics.median(rates[False]), "speedup": ratio})
    records.write("Images/s of each train step with and without XLA, timed alternately "
                  f"({_ROUNDS.value} rounds of {_STEPS.value} steps, medians)", {"steps": rows})


if __name__ == "__main__":
    app.run(main)
