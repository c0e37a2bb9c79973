"""The benchmark suite: images/s of every stage, ratios to pre-training, peak memory.

    python benchmarks/throughput.py [--steps=40] [--rounds=3] [--batch_size=64] [--compare_jit]
        [--mixed_precision=float32|mixed_float16|mixed_bfloat16] [--eval_samples=50000]
        [--classifier_filters=32] [--recipe_g_steps=10 ...] [--recipe_methods=data,...]

Prints one table: the tf.data pipeline, the pre-training step (K_G = 5 and 1), each
redaction step (data, validity, classifier), each with XLA (`jit_compile`) and, with
--compare_jit, without it, and evaluation (invalidity + IS + FID through `bin/evaluate`'s
library, generating and classifying --eval_samples samples). Uses the shipped MNIST DCGAN
shapes, the embedded data and batch 64. Pre-training rows start from fresh weights (speed
does not depend on them); redaction rows start from the shipped G, D and f, because the
classifier-based step's cost does: it back-propagates through f only on the samples inside
Omega, as many as the shipped G makes (about 10% at first, fewer as redaction proceeds).
Each train-step figure is batch size / the median time between consecutive batches over
--steps steps (see `timing.step_rate` for why not `fit`'s wall time), after a warm-up that
compiles every step; the steps are timed in turn, --rounds times, and the table shows each
one's median (single timings drift by up to 30% on a shared machine; interleaving makes the
ratios between steps trustworthy).
Ratios are to the pre-training step with the paper's K_G = 5 and, for a like-for-like
comparison, to a pre-training step with K_G = 1 (the redaction steps use the paper's
K_G = 1 on MNIST; more rows time the --recipe_methods steps, by default data-based, with
each --recipe_g_steps, by default K_G = 10, the recipe for small data).
--classifier_filters sets the width of the label classifier f that the classifier-based
rows run (the shipped one: 32, 18.7 million multiply-adds an image, 11 times D's 1.7
million; 8, the shipped small one for `bin/redact --redaction_classifier`: 1.3 million;
any other width is a fresh, untrained f, inside whose Omega few samples fall).
Under the table, each redaction row's 8 epochs over the kept digits as a share of the
pre-training run that made the shipped DCGAN (the target: at most 10%), with that run's
settings read from its `gan_metrics.json` (K_G = 5, XLA: so the share needs the XLA
pre-training row, which --compare_jit or --jit_compile gives). Single steps from the
shipped weights: `redaction_cost.py` times whole runs.
The same script runs on a GPU machine unchanged.
"""

import dataclasses
import functools
import json
import os
import platform
import resource
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import timing  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact import data, distribute, redaction  # noqa: E402
from keras_redact.jobs import PRETRAINED, evaluate  # noqa: E402
from keras_redact.models import DCGAN, DCGANDiscriminator, DCGANGenerator, LabelClassifier  # noqa: E402

_STEPS = flags.DEFINE_integer("steps", 40, "Timed steps per run.")
_ROUNDS = flags.DEFINE_integer("rounds", 3, "Timings per train step, interleaved; the table "
                               "shows their median.")
_BATCH = flags.DEFINE_integer("batch_size", 64, "Batch size.")
_JIT = flags.DEFINE_bool("jit_compile", True, "XLA-compile the train steps.")
_COMPARE_JIT = flags.DEFINE_bool("compare_jit", True, "Also time each train step without "
                                 "XLA, and print the speed-up.")
_PRECISION = flags.DEFINE_enum("mixed_precision", "float32", list(distribute.PRECISIONS),
                               "Keras dtype policy for the models.")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 50_000, "Samples for the evaluation row.")
_RECIPE_G_STEPS = flags.DEFINE_multi_integer(
    "recipe_g_steps", [10], "K_G of the extra data-based redaction rows (repeat the flag "
    "for several).", lower_bound=1)
_RECIPE_METHODS = flags.DEFINE_list(
    "recipe_methods", ["data"], "Methods of the --recipe_g_steps rows (data, validity, "
    "classifier).")
_CLASSIFIER_FILTERS = flags.DEFINE_integer(
    "classifier_filters", 32, "Width of the label classifier f in the classifier-based rows "
    "(shipped: 32, and 8 in small/). f's forward and backward passes dominate that step's "
    "cost.")


@functools.cache
def _shipped_weights(name):
    return keras.saving.load_model(PRETRAINED / f"{name}.keras").get_weights()


def shipped(name, model):
    """`model` (new, of the shipped shape, in the current dtype policy) with shipped weights."""
    model.set_weights(_shipped_weights(name))
    return model


def _pipeline_rate(train, n_batches=400):
    ds = data.batches(train, _BATCH.value, repeat=True, seed=0)
    it = iter(ds)
    for _ in range(20):
        next(it)
    start = time.perf_counter()
    for _ in range(n_batches):
        next(it)
    return n_batches * _BATCH.value / (time.perf_counter() - start)


def _evaluation_rate():
    config = evaluate.EvaluateConfig(eval_samples=_EVAL_SAMPLES.value,
                                     metrics=("invalidity", "is", "fid"))
    evaluate.evaluate(dataclasses.replace(config, eval_samples=1000))  # warm-up
    start = time.perf_counter()
    evaluate.evaluate(config)
    return _EVAL_SAMPLES.value / (time.perf_counter() - start)


def main(argv):
    del argv
    distribute.set_precision(_PRECISION.value)
    keras.utils.set_random_seed(0)
    train = data.load("mnist_5k", "train")
    images, labels = data.to_numpy(train)
    batches = data.batches(train, _BATCH.value, repeat=True, seed=0)
    kept = data.batches(train, _BATCH.value, repeat=True, seed=0, part="kept",
                        predicate=data.label_predicate([0]))
    classifier = LabelClassifier((28, 28, 1), 10, filters=_CLASSIFIER_FILTERS.value)
    shipped_widths = {32: "classifier", 8: "small/classifier"}  # docs/pretrained.md
    if _CLASSIFIER_FILTERS.value in shipped_widths:
        classifier = shipped(shipped_widths[_CLASSIFIER_FILTERS.value], classifier)
    rows = [("tf.data pipeline (mnist_5k)", _pipeline_rate(train))]
    jit_modes = (_JIT.value, not _JIT.value) if _COMPARE_JIT.value else (_JIT.value,)

    def tag(jit):
        return " [XLA]" if jit else " [no XLA]"

    models = []
    for g_steps in (5, 1):
        for jit in jit_modes:
            gan = DCGAN(DCGANGenerator(), DCGANDiscriminator(), seed=0)
            gan.compile(g_steps=g_steps, jit_compile=jit)
            models.append((f"pre-training step (K_G={g_steps}){tag(jit)}", gan, batches))
    # Each method's set and batches, made once. The Alg. 2 rounds run between epochs;
    # `timing` times the step alone. The classifier-based step gets f's values with the
    # batches, as bin/redact does.
    inputs = {}
    for method in {"data", "validity", "classifier", *_RECIPE_METHODS.value}:
        rs = redaction.labels_set(method, classifier, [0], images=images, image_labels=labels)
        inputs[method] = rs, (redaction.scored_batches(
            images[labels != 0], rs, _BATCH.value, seed=0, repeat=True)
            if method == "classifier" else kept)

    def redaction_row(method, jit, g_steps=None):
        rs, data_ = inputs[method]
        model = redaction.RedactionGAN(shipped("generator", DCGANGenerator()),
                                       shipped("discriminator", DCGANDiscriminator()), rs,
                                       seed=0)
        model.compile(g_steps=g_steps, jit_compile=jit)
        if method != "data":
            model.add_redaction_samples(images[labels == 0])
        kg = "" if g_steps is None else f", K_G={g_steps}"
        return f"redaction step ({method}{kg}){tag(jit)}", model, data_

    models += [redaction_row(method, jit) for method in ("data", "validity", "classifier")
               for jit in jit_modes]
    # The recipes for small data (docs/redaction.md): more generator updates per batch.
    models += [redaction_row(method, _JIT.value, g_steps) for method in _RECIPE_METHODS.value
               for g_steps in _RECIPE_G_STEPS.value]
    for _, model, dataset in models:  # compiles every step before any timing
        keras.Model.fit(model, dataset, epochs=1, steps_per_epoch=3, verbose=0, shuffle=False)
    timings = {name: [] for name, _, _ in models}
    for _ in range(_ROUNDS.value):  # interleaved: drift hits every step alike
        for name, model, dataset in models:
            timings[name].append(timing.step_rate(model, dataset, _STEPS.value, _BATCH.value))
    rows += [(name, statistics.median(rates)) for name, rates in timings.items()]
    rows.append((f"evaluation (inv. + IS + FID, {_EVAL_SAMPLES.value} samples)",
                 _evaluation_rate()))

    rates = dict(rows)
    pre5 = rates[f"pre-training step (K_G=5){tag(_JIT.value)}"]
    pre1 = rates[f"pre-training step (K_G=1){tag(_JIT.value)}"]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{_device()}; TF {tf.__version__}, Keras {keras.__version__}; batch {_BATCH.value}; "
          f"{_PRECISION.value}")
    print(f"| {'what':48} | {'images/s':>9} | {'/ pre K_G=5':>11} | {'/ pre K_G=1':>11} |")
    print(f"|{'-' * 50}|{'-' * 11}|{'-' * 13}|{'-' * 13}|")
    for name, rate in rows:
        print(f"| {name:48} | {rate:9.0f} | {rate / pre5:11.2f} | {rate / pre1:11.2f} |")
    for line in _redaction_costs(rows, len(images), int((labels != 0).sum())):
        print(line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")
    steps = [r for name, r in rows[1:] if "step" in name]
    print(f"pipeline / fastest step: {rows[0][1] / max(steps):.1f}x")
    if _COMPARE_JIT.value:
        for name, rate in rows:
            plain = rates.get(name.replace(tag(True), tag(False)))
            if name.endswith(tag(True)) and plain:
                print(f"XLA speed-up, {name[:-len(tag(True))]}: {rate / plain:.2f}x")


def _redaction_costs(rows, n_train, n_kept, epochs=8):
    """Lines giving each redaction row's `epochs` epochs as a share of the shipped pre-training.

    The cost target: 8 redaction epochs over the kept digits against the pre-training
    run that made the shipped DCGAN, as that run was configured (its `gan_metrics.json`:
    epochs, K_G, batch and XLA), timed with this run's rate of that very step. Step time
    only: the validity-based method's queries and f's one pass over the kept data come on top.
    """
    shipped_config = json.loads((PRETRAINED / "gan_metrics.json").read_text())["config"]
    batch = shipped_config["batch_size"]
    pre_name = (f"pre-training step (K_G={shipped_config['g_steps']})"
                f"{' [XLA]' if shipped_config['jit_compile'] else ' [no XLA]'}")
    rates = dict(rows)
    if pre_name not in rates or _BATCH.value != batch:
        return [f"(no cost lines: they need the {pre_name} row at batch {batch})"]
    pre_images = shipped_config["epochs"] * (n_train // batch) * batch
    pre_seconds = pre_images / rates[pre_name]
    images = epochs * (n_kept // batch) * batch
    lines = [f"{epochs} redaction epochs ({images:,} images) / the shipped pre-training "
             f"({pre_images:,} images at the {pre_name} rate, {pre_seconds:.0f} s):"]
    lines += [f"  {name}: {images / rate:.0f} s, {100 * images / rate / pre_seconds:.1f}%"
              for name, rate in rows if name.startswith("redaction step")]
    return lines


def _device():
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "no GPU"
    return ", ".join(tf.config.experimental.get_device_details(g).get("device_name", g.name)
                     for g in gpus)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    app.run(main)
