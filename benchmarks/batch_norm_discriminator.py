"""Why keras-redact refuses batch normalisation in D: the paper's Fig. 1 toy, measured.

p_data = N(0, 1), Omega = {|x| >= 1.5}. A small MLP GAN is pre-trained and redacted with
the data-based method (as tests/redaction/test_gaussian.py), once with a plain D and once
with a `BatchNormalization` after D's first layer, each over a few seeds. The train step
judges real, generated and Omega samples in separate batches, so a BN-D normalises each
batch by its own statistics. Prints Omega's mass after redaction and the Kolmogorov-Smirnov
distance of the kept samples to N(0, 1) on (-1.5, 1.5), per seed, and writes them to
`--record` if given.

    python benchmarks/batch_norm_discriminator.py --seeds=3 --record=batch_norm
"""

from __future__ import annotations

import json

import numpy as np
import records
from absl import app, flags

_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds per discriminator.")

LATENT = 4


def _mlp(inputs, output_activation=None, batch_norm=False):
    import keras

    x = keras.Input((inputs,))
    h = keras.layers.Dense(32, activation="relu")(x)
    if batch_norm:
        h = keras.layers.BatchNormalization()(h)
    h = keras.layers.Dense(32, activation="relu")(h)
    return keras.Model(x, keras.layers.Dense(1, activation=output_activation)(h))


def run(seed: int, batch_norm: bool) -> dict:
    import keras
    import tensorflow as tf
    from scipy import stats

    from keras_redact import redaction
    from keras_redact.models import DCGAN, gan

    gan.check_discriminator = lambda d: None  # what the contract refuses, measured here
    keras.utils.set_random_seed(seed)
    data = np.random.default_rng(seed).standard_normal((4096, 1)).astype("float32")
    g, d = _mlp(LATENT), _mlp(1, "sigmoid", batch_norm)

    def adam(rate=1e-3):
        return keras.optimizers.Adam(rate, beta_1=0.5)

    def batches(x):
        return tf.data.Dataset.from_tensor_slices(x).shuffle(4096, seed=seed).batch(
            128, drop_remainder=True)

    pre = DCGAN(g, d, seed=seed, discriminator_output="probability")
    pre.compile(g_optimizer=adam(), d_optimizer=adam(), g_steps=1, jit_compile=False)
    pre.fit(batches(data), epochs=30, verbose=0)

    def measure():
        z = np.random.default_rng(123).standard_normal((20_000, LATENT)).astype("float32")
        x = g.predict(z, verbose=0, batch_size=5000)[:, 0]
        inside = x[np.abs(x) < 1.5]
        ks = stats.kstest(inside, stats.truncnorm(-1.5, 1.5).cdf).statistic
        return float(np.mean(np.abs(x) >= 1.5)), float(ks)

    before = measure()
    omega = data[np.abs(data[:, 0]) >= 1.5]
    model = redaction.RedactionGAN(g, d, redaction.DataRedactionSet(omega), seed=seed,
                                   discriminator_output="probability")
    model.compile(lam=0.85, alpha_plus=0.95, alpha_minus=0.05, g_optimizer=adam(5e-4),
                  d_optimizer=adam(5e-4), jit_compile=False)
    model.fit(batches(data[np.abs(data[:, 0]) < 1.5]), epochs=60, verbose=0)
    after = measure()
    return {"seed": seed, "batch_norm": batch_norm, "omega_mass_before": before[0],
            "omega_mass_after": after[0], "ks_before": before[1], "ks_after": after[1]}


def main(argv):
    del argv
    rows = [run(seed, bn) for bn in (False, True) for seed in range(_SEEDS.value)]
    for row in rows:
        print(json.dumps(row))
    records.write("Omega's mass before and after data-based redaction of a 2-D GAN whose "
                  "discriminator has, or has not, a BatchNormalization layer", {"rows": rows})


if __name__ == "__main__":
    app.run(main)
