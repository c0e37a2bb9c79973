"""Prints images/s of the tf.data pipeline, the pre-training step and each redaction step.

    python benchmarks/throughput.py [--steps=40] [--batch_size=64] [--jit_compile]

Uses the shipped MNIST DCGAN shapes (fresh weights: speed does not depend on them), the
embedded data, and batch 64. Each figure is the median of three timed runs of --steps
steps after a warm-up that compiles the step. Ratios are to the pre-training step with the
paper's K_G = 5 and, for a like-for-like comparison, to a pre-training step with K_G = 1
(the redaction steps use K_G = 1 on MNIST).
"""

import os
import platform
import resource
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact import data, redaction  # noqa: E402
from keras_redact.models import DCGAN, DCGANDiscriminator, DCGANGenerator, LabelClassifier  # noqa: E402

_STEPS = flags.DEFINE_integer("steps", 40, "Timed steps per run.")
_BATCH = flags.DEFINE_integer("batch_size", 64, "Batch size.")
_JIT = flags.DEFINE_bool("jit_compile", True, "XLA-compile the train steps.")


def _time_fit(model, dataset, steps):
    model.fit(dataset, epochs=1, steps_per_epoch=3, verbose=0)  # compile
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        runs.append(time.perf_counter() - start)
    return steps * _BATCH.value / statistics.median(runs)


def _pipeline_rate(train, n_batches=400):
    ds = data.batches(train, _BATCH.value, repeat=True, seed=0)
    it = iter(ds)
    for _ in range(20):
        next(it)
    start = time.perf_counter()
    for _ in range(n_batches):
        next(it)
    return n_batches * _BATCH.value / (time.perf_counter() - start)


def main(argv):
    del argv
    keras.utils.set_random_seed(0)
    train = data.load("mnist_5k", "train")
    images, labels = data.to_numpy(train)
    batches = data.batches(train, _BATCH.value, repeat=True, seed=0)
    kept = data.batches(train, _BATCH.value, repeat=True, seed=0, part="kept",
                        predicate=data.label_predicate([0]))
    classifier = LabelClassifier((28, 28, 1), 10)
    rows = [("tf.data pipeline (mnist_5k)", _pipeline_rate(train))]

    for g_steps in (5, 1):
        gan = DCGAN(DCGANGenerator(), DCGANDiscriminator(), seed=0)
        gan.compile(g_steps=g_steps, jit_compile=_JIT.value)
        rows.append((f"pre-training step (K_G={g_steps})", _time_fit(gan, batches, _STEPS.value)))

    for method in ("data", "validity", "classifier"):
        rs = redaction.labels_set(method, classifier, [0], images=images, image_labels=labels)
        model = redaction.RedactionGAN(DCGANGenerator(), DCGANDiscriminator(), rs, seed=0)
        model.compile(jit_compile=_JIT.value)
        if method != "data":
            model.add_redaction_samples(images[labels == 0])
        # The Alg. 2 rounds run between epochs; time the step alone.
        rows.append((f"redaction step ({method}-based)",
                     _time_fit(_StepOnly(model), kept, _STEPS.value)))

    pre5, pre1 = rows[1][1], rows[2][1]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"batch {_BATCH.value}; jit_compile={_JIT.value}")
    print(f"| {'what':34} | {'images/s':>9} | {'/ pre K_G=5':>11} | {'/ pre K_G=1':>11} |")
    print(f"|{'-' * 36}|{'-' * 11}|{'-' * 13}|{'-' * 13}|")
    for name, rate in rows:
        print(f"| {name:34} | {rate:9.0f} | {rate / pre5:11.2f} | {rate / pre1:11.2f} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")
    print(f"pipeline / fastest step: {rows[0][1] / max(r for _, r in rows[1:]):.1f}x")


class _StepOnly:
    """Wraps a RedactionGAN so that `fit` skips the callbacks that fit adds (Alg. 2 rounds)."""

    def __init__(self, model):
        self.model = model

    def fit(self, *args, **kwargs):
        return keras.Model.fit(self.model, *args, **kwargs)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    app.run(main)
