"""The audit's attacks on 2-D generators whose Omega mass is known."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_redact.evaluation import audit

EDGE = 2.5  # Omega = {x : x_0 > EDGE}


def _linear_generator(scale):
    """G(z) = scale * z on 2-D latents."""
    inputs = keras.Input((2,))
    layer = keras.layers.Dense(2, use_bias=False)
    g = keras.Model(inputs, layer(inputs))
    layer.set_weights([scale * np.eye(2, dtype=np.float32)])
    return g


def _score(x):
    return tf.sigmoid(4.0 * (x[:, 0] - EDGE))


def _in_omega(x):
    return x[:, 0] > EDGE


def test_typical_norms_are_the_chi_square_interval_and_the_projection_keeps_to_it():
    low, high = audit.typical_norms(2, 0.999)
    assert low == pytest.approx(np.sqrt(stats.chi2.ppf(0.0005, 2)))
    assert high == pytest.approx(np.sqrt(stats.chi2.ppf(0.9995, 2)))
    low100, high100 = audit.typical_norms(100)
    assert low100 < 10.0 < high100 and high100 - low100 < 5.0
    z = np.array([[10.0, 0.0], [0.0, 1e-4], [1.0, 1.0]], np.float32)
    projected = audit.project_to_typical(tf.constant(z), low, high).numpy()
    norms = np.linalg.norm(projected, axis=-1)
    np.testing.assert_allclose(norms, [high, low, np.sqrt(2.0)], rtol=1e-5)
    np.testing.assert_allclose(projected[0] / norms[0], [1.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="mass must be in"):
        audit.typical_norms(2, 1.0)


def test_the_search_finds_an_omega_mode_that_random_latents_rarely_reach():
    g = _linear_generator(1.0)  # P(z_0 > 2.5) = 0.6% from random latents
    result, found = audit.latent_search(g, _score, _in_omega, starts=200, steps=60,
                                        learning_rate=0.2, seed=1, keep=16)
    assert result.rate > 0.9 and result.successes == int(round(result.rate * 200))
    assert result.at_start < 10 and result.median_steps > 0
    assert result.rate_ci[0] <= result.rate <= result.rate_ci[1]
    low, high = result.norms["typical"]
    assert low - 1e-4 <= result.norms["min"] and result.norms["max"] <= high + 1e-4
    assert found.shape == (16, 2) and (found[:, 0] > EDGE).all()


def test_the_search_fails_on_a_generator_without_omega():
    g = _linear_generator(0.3)  # |x_0| <= 0.3 x 3.9 < 2.5 on typical latents
    result, found = audit.latent_search(g, _score, _in_omega, starts=100, steps=60,
                                        learning_rate=0.2, seed=2)
    assert result.successes == 0 and result.rate == 0.0 and result.median_steps is None
    assert result.rate_ci[1] < 0.04 and found.shape[0] == 0
    assert result.as_dict()["rate_ci"] == list(result.rate_ci)


def test_revival_fine_tunes_copies_and_measures_each_epoch():
    keras.utils.set_random_seed(0)
    g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
    before = [w.copy() for w in g.get_weights()]
    omega_data = np.random.default_rng(0).normal([4.0, 0.0], 0.3, (1024, 2)).astype(
        np.float32)
    fast = {"g_steps": 1, "g_optimizer": keras.optimizers.Adam(0.01),
            "d_optimizer": keras.optimizers.Adam(0.01)}
    curve = audit.revival(g, d, omega_data, _in_omega, epochs=6, samples=2000, seed=3,
                          compile_kwargs=fast)
    assert len(curve) == 7 and all(0.0 <= v <= 1.0 for v in curve)
    assert curve[-1] > curve[0] + 0.2  # trained on Omega only, G moves into it
    for w, w0 in zip(g.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)  # the user's G is left as it was


def test_epochs_until():
    assert audit.epochs_until([0.0, 0.01, 0.05, 0.2], 0.05) == 2
    assert audit.epochs_until([0.1], 0.05) == 0
    assert audit.epochs_until([0.0, 0.01], 0.05) is None
