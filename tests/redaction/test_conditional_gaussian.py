"""The Fig. 1 example for a conditional GAN: two conditions, a different region redacted under each.

p_data(x | y) is a mixture of two Gaussians, N(-2, 0.5^2) and N(2, 0.5^2), under both
conditions y = 0 and y = 1, and Omega = {(x, 0): x > 0} U {(x, 1): x < 0}: the right mode
under condition 0, the left one under condition 1 (half of each condition's mass). A small
conditional MLP GAN is pre-trained on the pairs, then each algorithm redacts Omega. Under
each condition, Omega's mass must fall to at most 2%, and what G makes must be the kept
mode: its median within 0.75 of the centre (the modes are 4 apart) and its standard
deviation between 0.2 and 0.8 (the mode's: 0.5). A small MLP GAN fits a two-mode
condition's shape only roughly, so the check is the mode's place and width, not a
Kolmogorov-Smirnov bound.

Also Theorem 1 on pairs: with the mixture lam p_G(x, y) + (1 - lam) p_Omega(x, y) as fake
distribution, `RedactionGAN`'s discriminator updates reach eq. 4's D* pair by pair.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import redaction
from keras_redact.models import DCGAN

LATENT = 4
CONDITIONS = 2


def _conditional_mlp(inputs, output_activation=None):
    x = keras.Input((inputs,))
    y = keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([x, keras.layers.Embedding(CONDITIONS, 4)(y)])
    h = keras.layers.Dense(64, activation="relu")(h)
    h = keras.layers.Dense(64, activation="relu")(h)
    return keras.Model([x, y], keras.layers.Dense(1, activation=output_activation)(h))


def _adam(learning_rate=1e-3):
    return keras.optimizers.Adam(learning_rate, beta_1=0.5)


def _contains(samples):
    x, y = samples
    x = x[:, 0]
    return tf.where(tf.equal(tf.reshape(y, (-1,)), 0), x > 0.0, x < 0.0)


def _data(n=4096, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, CONDITIONS, n).astype("int32")
    x = (rng.choice([-2.0, 2.0], n) + 0.5 * rng.standard_normal(n)).astype("float32")
    return x[:, None], y


KEPT_MODE = {0: -2.0, 1: 2.0}


def _samples(generator, y):
    z = np.random.default_rng(123).standard_normal((20_000, LATENT)).astype("float32")
    return generator.predict([z, np.full(len(z), y, "int32")], verbose=0,
                             batch_size=5000)[:, 0]


def _omega_mass(x, y):
    return float(np.mean(x > 0.0 if y == 0 else x < 0.0))


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    keras.utils.set_random_seed(0)
    x, y = _data()
    g, d = _conditional_mlp(LATENT), _conditional_mlp(1, "sigmoid")
    gan = DCGAN(g, d, seed=0, num_classes=CONDITIONS)
    gan.compile(g_optimizer=_adam(), d_optimizer=_adam(), g_steps=1, jit_compile=False)
    gan.fit(tf.data.Dataset.from_tensor_slices((x, y)).shuffle(4096, seed=0).batch(
        128, drop_remainder=True), epochs=40, verbose=0)
    folder = tmp_path_factory.mktemp("conditional_gauss")
    g.save(folder / "g.keras")
    d.save(folder / "d.keras")
    return folder, (x, y)


def _redaction_set(method, data):
    x, y = data
    if method == "data":
        inside = _contains((x, y)).numpy()
        return redaction.DataRedactionSet((x[inside], y[inside]), _contains)
    if method == "validity":
        return redaction.ValidityRedactionSet(
            lambda s: 1.0 - tf.cast(_contains(s), tf.float32), queries_per_round=1000)

    def f(samples):  # p(the sample is where its condition keeps mass)
        x, y = samples
        sign = tf.where(tf.equal(tf.reshape(y, (-1,)), 0), -1.0, 1.0)
        return tf.sigmoid(8.0 * sign * x[:, 0])

    return redaction.ClassifierRedactionSet(f, tau=0.5)


def test_pretrained_puts_mass_on_omega_under_each_condition(pretrained):
    folder, _ = pretrained
    g = keras.saving.load_model(folder / "g.keras")
    for y in KEPT_MODE:
        # Each mode holds half of its condition's mass.
        assert 0.3 < _omega_mass(_samples(g, y), y) < 0.7


@pytest.mark.slow
@pytest.mark.parametrize("method", ["data", "validity", "classifier"])
def test_conditional_redaction_removes_each_conditions_region(pretrained, method):
    folder, data = pretrained
    keras.utils.set_random_seed(1)
    g = keras.saving.load_model(folder / "g.keras")
    d = keras.saving.load_model(folder / "d.keras")
    rs = _redaction_set(method, data)
    model = redaction.RedactionGAN(g, d, rs, seed=0, num_classes=CONDITIONS)
    model.compile(lam=0.85, alpha_plus=0.95, alpha_minus=0.05, g_optimizer=_adam(5e-4),
                  d_optimizer=_adam(5e-4), jit_compile=False)
    x, y = data
    inside = _contains((x, y)).numpy()
    model.fit(tf.data.Dataset.from_tensor_slices((x[~inside], y[~inside])).shuffle(
        4096, seed=0).batch(128, drop_remainder=True), epochs=60, verbose=0,
        redaction_samples=None if method == "data" else rs.initial_samples((x, y)),
        callbacks=[redaction.ValidityRounds()] if method == "validity" else [])
    for y, mode in KEPT_MODE.items():
        x = _samples(g, y)
        mass = _omega_mass(x, y)
        assert mass <= 0.02, f"{method}, condition {y}: Omega's mass {mass:.4f}"
        assert abs(np.median(x) - mode) <= 0.75, f"{method}, condition {y}: {np.median(x)}"
        assert 0.2 <= np.std(x) <= 0.8, f"{method}, condition {y}: std {np.std(x):.3f}"


def test_optimal_discriminator_on_pairs():
    # x in {0, 1, 2}, y in {0, 1}; D is a free table of logits, one per pair. Fake pairs:
    # lam p_G + (1 - lam) p_Omega, Omega = {(2, 0), (0, 1)}; real pairs: p_data outside it.
    p_data = np.array([[0.25, 0.0], [0.25, 0.25], [0.0, 0.25]])  # [x, y]
    p_g = np.array([[0.1, 0.2], [0.2, 0.2], [0.2, 0.1]])
    p_omega = np.array([[0.0, 0.5], [0.0, 0.0], [0.5, 0.0]])
    lam, a_plus, a_minus = 0.8, 0.95, 0.05

    x_in = keras.Input((1,))
    y_in = keras.Input((), dtype="int32")
    index = keras.ops.cast(x_in[:, 0], "int32") * 2 + y_in
    table = keras.layers.Embedding(6, 1, embeddings_initializer="zeros")(index)
    d = keras.Model([x_in, y_in], keras.layers.Activation("sigmoid")(table))
    z_in = keras.Input((1,))
    c_in = keras.Input((), dtype="int32")
    g = keras.Model([z_in, c_in], _pairs_generator(z_in, c_in, p_g))

    def draw(p, n, rng):
        flat = rng.choice(6, n, p=p.reshape(-1) / p.sum())
        return (flat // 2).astype("float32")[:, None], (flat % 2).astype("int32")

    rng = np.random.default_rng(0)
    omega = redaction.DataRedactionSet(draw(p_omega, 4000, rng))
    model = redaction.RedactionGAN(g, d, omega, seed=0, num_classes=2)
    model.compile(lam=lam, alpha_plus=a_plus, alpha_minus=a_minus, g_steps=0,
                  d_optimizer=keras.optimizers.Adam(0.05), jit_compile=False)
    real = draw(p_data, 256 * 400, rng)
    model.fit(tf.data.Dataset.from_tensor_slices(real).batch(256), epochs=1, verbose=0)

    got = keras.ops.convert_to_numpy(d([np.repeat([0.0, 1.0, 2.0], 2)[:, None].astype(
        "float32"), np.tile([0, 1], 3).astype("int32")]))[:, 0].reshape(3, 2)
    p_fake = lam * p_g + (1 - lam) * p_omega
    want = (a_plus * p_data + a_minus * p_fake) / (p_data + p_fake)
    np.testing.assert_allclose(got, want, atol=0.04)
    # On Omega's pairs the data put no mass: D* is alpha_minus, "surely fake".
    assert got[2, 0] < 0.1 and got[0, 1] < 0.1


def _pairs_generator(z, y, p_g):
    """x | y from the table p_g by inverse CDF on a standard normal z (no trainable weights)."""
    u = 0.5 * (1.0 + keras.ops.erf(z[:, 0] / np.sqrt(2.0)))
    conditional = p_g / p_g.sum(axis=0, keepdims=True)
    first = keras.ops.take(keras.ops.convert_to_tensor(conditional[0], "float32"), y)
    second = keras.ops.take(keras.ops.convert_to_tensor(conditional[:2].sum(0), "float32"), y)
    x = keras.ops.where(u < first, 0.0, keras.ops.where(u < second, 1.0, 2.0))
    return keras.ops.expand_dims(x, -1)
