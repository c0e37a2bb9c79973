"""One train step of each GAN on 1 and on 2 replicas; prints the differences as JSON.

Run as a script by tests/test_distribute.py: TensorFlow must split the CPU into two
logical devices before it starts, so this cannot run inside the pytest process.

    python tests/replica_step.py                      # MirroredStrategy, 2 logical CPUs
    python tests/replica_step.py --save=OUT.npz       # one step, default strategy
    TF_CONFIG=... python tests/replica_step.py --multi_worker --save=OUT.npz
"""

import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

_ARGS = argparse.ArgumentParser()
_ARGS.add_argument("--save", help="Write the weights after one step to this .npz.")
_ARGS.add_argument("--multi_worker", action="store_true",
                   help="Use MultiWorkerMirroredStrategy (set TF_CONFIG).")
ARGS = _ARGS.parse_args()
if not ARGS.save:
    _cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        _cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_redact.models import DCGAN, DCGANDiscriminator, DCGANGenerator  # noqa: E402
from keras_redact.redaction import (  # noqa: E402
    ClassifierRedactionSet,
    DataRedactionSet,
    LamSchedule,
    RedactionGAN,
    ValidityRedactionSet,
    ValidityRounds,
)

BATCH = 8


def classifier():
    images = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(2, 4, strides=4)(images)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(images, keras.layers.Dense(1, activation="sigmoid")(x))


def run(case, strategy, data, omega):
    with strategy.scope():
        keras.utils.set_random_seed(1)
        g = DCGANGenerator(latent_dim=8, base_filters=4)
        d = DCGANDiscriminator(base_filters=4)
        if case == "dcgan":
            model = DCGAN(g, d, seed=3)
            model.compile(g_steps=2)
        else:
            redaction_set = {
                "data": lambda: DataRedactionSet(omega),
                "validity": lambda: ValidityRedactionSet(
                    lambda x: tf.cast(tf.reduce_mean(x, axis=[1, 2, 3]) < 0.0, "float32"),
                    queries_per_round=16),
                "classifier": lambda: ClassifierRedactionSet(classifier(), tau=0.5),
            }[case]()
            model = RedactionGAN(g, d, redaction_set, capacity=64, seed=3)
            model.compile(g_steps=2)
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(BATCH, drop_remainder=True)
    kwargs = {} if case in ("dcgan", "data") else {"redaction_samples": omega}
    # Redaction: lam set by the callback (0.6) instead of compile's (0.85), on each replica.
    callbacks = [] if case == "dcgan" else [LamSchedule([0.6])]
    if case == "validity":
        callbacks.insert(0, ValidityRounds())
    history = model.fit(dataset, epochs=1, verbose=0, callbacks=callbacks, **kwargs)
    weights = [np.asarray(w) for w in model.generator.weights + model.discriminator.weights]
    return weights, {k: float(v[-1]) for k, v in history.history.items()}


def main():
    rng = np.random.default_rng(0)
    data = rng.uniform(-1, 1, (BATCH, 28, 28, 1)).astype("float32")
    omega = rng.uniform(-1, 1, (5, 28, 28, 1)).astype("float32")
    if ARGS.save:
        strategy = (tf.distribute.MultiWorkerMirroredStrategy() if ARGS.multi_worker
                    else tf.distribute.get_strategy())
        arrays, logs = {}, {}
        for case in ("dcgan", "data"):
            weights, logs[case] = run(case, strategy, data, omega)
            arrays.update({f"{case}_{i}": w for i, w in enumerate(weights)})
        np.savez(ARGS.save, **arrays)
        print("REPORT " + json.dumps({"replicas": strategy.num_replicas_in_sync,
                                      "logs": logs}))
        return
    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    report = {"replicas": two.num_replicas_in_sync}
    for case in ("dcgan", "data", "validity", "classifier"):
        w1, logs1 = run(case, tf.distribute.get_strategy(), data, omega)
        w2, logs2 = run(case, two, data, omega)
        report[case] = {
            "weight_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(w1, w2)),
            "logs_one": logs1,
            "logs_two": logs2,
        }
    # A global batch that does not split over the replicas is refused before training.
    odd = tf.data.Dataset.from_tensor_slices(data).batch(BATCH - 1, drop_remainder=True)
    ragged = tf.data.Dataset.from_tensor_slices(data).batch(BATCH - 1)
    with two.scope():
        gan = DCGAN(DCGANGenerator(latent_dim=8, base_filters=4),
                    DCGANDiscriminator(base_filters=4))
        gan.compile()
    for name, dataset in (("odd_batch_error", odd), ("ragged_batch_error", ragged)):
        try:
            gan.fit(dataset, epochs=1, verbose=0)
            report[name] = None
        except ValueError as error:
            report[name] = str(error)
    print("REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
