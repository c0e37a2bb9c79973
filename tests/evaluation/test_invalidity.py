import keras
import pytest
import tensorflow as tf

from keras_redact.evaluation import invalidity as inv


def test_binomial_interval():
    low, high = inv.binomial_interval(0, 50_000)
    assert low == 0.0 and high == pytest.approx(5.99e-5, rel=1e-2)  # about 3 / n
    low, high = inv.binomial_interval(50, 1000)
    assert low < 0.05 < high
    assert low == pytest.approx(0.0373, abs=5e-4) and high == pytest.approx(0.0654, abs=5e-4)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        inv.binomial_interval(3, 2)


def _identity_generator():
    z = keras.Input((1,))
    return keras.Model(z, keras.layers.Identity()(z))


def test_invalidity_of_a_known_generator_is_deterministic():
    g = _identity_generator()  # samples are the latents: N(0, 1)
    result = inv.invalidity(g, lambda x: x[:, 0] > 1.0, 20_000, seed=5, batch_size=3000)
    assert result.value == pytest.approx(0.1587, abs=0.01)  # P(N(0,1) > 1)
    again = inv.invalidity(g, lambda x: x[:, 0] > 1.0, 20_000, seed=5, batch_size=3000)
    assert again == result
    assert result.ci[0] < result.value < result.ci[1]
    other = inv.invalidity(g, lambda x: x[:, 0] > 1.0, 20_000, seed=6)
    assert other.invalid != result.invalid


def test_num_samples_must_be_positive():
    with pytest.raises(ValueError, match="num_samples must be a positive integer; received 0"):
        inv.invalidity(_identity_generator(), lambda x: tf.zeros(1, bool), 0)
