"""The paper's Fig. 1 example: p_data = N(0, 1), Omega = {|x| >= 1.5}.

A small MLP GAN is pre-trained on 1-D samples (Omega holds about 13% of its mass), then each
algorithm redacts Omega. Omega's mass must fall to at most 1% and the samples outside Omega
must stay close to N(0, 1) restricted to (-1.5, 1.5) (Kolmogorov-Smirnov distance <= 0.1).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_redact import redaction
from keras_redact.models import DCGAN

LATENT = 4


def _mlp(inputs, output_activation=None):
    x = keras.Input((inputs,))
    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32, activation="relu")(h)
    return keras.Model(x, keras.layers.Dense(1, activation=output_activation)(h))


def _adam(learning_rate=1e-3):
    return keras.optimizers.Adam(learning_rate, beta_1=0.5)


def _contains(x):
    return tf.abs(x[:, 0]) >= 1.5


def _measure(generator):
    z = np.random.default_rng(123).standard_normal((20_000, LATENT)).astype("float32")
    x = generator.predict(z, verbose=0, batch_size=5000)[:, 0]
    inside = x[np.abs(x) < 1.5]
    ks = stats.kstest(inside, stats.truncnorm(-1.5, 1.5).cdf).statistic
    return float(np.mean(np.abs(x) >= 1.5)), float(ks)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    keras.utils.set_random_seed(0)
    data = np.random.default_rng(0).standard_normal((4096, 1)).astype("float32")
    g, d = _mlp(LATENT), _mlp(1, "sigmoid")
    gan = DCGAN(g, d, seed=0)
    gan.compile(g_optimizer=_adam(), d_optimizer=_adam(), g_steps=1, jit_compile=False)
    gan.fit(tf.data.Dataset.from_tensor_slices(data).shuffle(4096, seed=0).batch(
        128, drop_remainder=True), epochs=30, verbose=0)
    folder = tmp_path_factory.mktemp("gauss")
    g.save(folder / "g.keras")
    d.save(folder / "d.keras")
    return folder, data


def _redaction_set(method, data):
    omega = data[np.abs(data[:, 0]) >= 1.5]
    if method == "data":
        return redaction.DataRedactionSet(omega, _contains)
    if method == "validity":
        return redaction.ValidityRedactionSet(
            lambda x: 1.0 - tf.cast(_contains(x), tf.float32), queries_per_round=1000)
    return redaction.ClassifierRedactionSet(
        lambda x: tf.sigmoid(8.0 * (1.5 - tf.abs(x[:, 0]))), tau=0.5)


def test_pretrained_puts_mass_on_omega(pretrained):
    folder, _ = pretrained
    mass, _ = _measure(keras.saving.load_model(folder / "g.keras"))
    assert 0.08 < mass < 0.2  # N(0, 1) puts 13.4% on |x| >= 1.5


@pytest.mark.slow
@pytest.mark.parametrize("method", ["data", "validity", "classifier"])
def test_redaction_removes_omega(pretrained, method):
    folder, data = pretrained
    keras.utils.set_random_seed(1)
    g = keras.saving.load_model(folder / "g.keras")
    d = keras.saving.load_model(folder / "d.keras")
    rs = _redaction_set(method, data)
    model = redaction.RedactionGAN(g, d, rs, seed=0)
    model.compile(lam=0.85, alpha_plus=0.95, alpha_minus=0.05, g_optimizer=_adam(5e-4),
                  d_optimizer=_adam(5e-4), jit_compile=False)
    kept = data[np.abs(data[:, 0]) < 1.5]
    model.fit(tf.data.Dataset.from_tensor_slices(kept).shuffle(4096, seed=0).batch(
        128, drop_remainder=True), epochs=60, verbose=0,
        redaction_samples=None if method == "data" else rs.initial_samples(data),
        callbacks=[redaction.ValidityRounds()] if method == "validity" else [])
    mass, ks = _measure(g)
    assert mass <= 0.01, f"{method}: Omega's mass {mass:.4f}"
    assert ks <= 0.1, f"{method}: KS distance {ks:.3f}"
