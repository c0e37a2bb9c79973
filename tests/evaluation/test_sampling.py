import keras
import numpy as np
import pytest

from keras_redact.evaluation import sampling
from keras_redact.redaction.control import InvalidityMonitor


def _scaled_generator():
    """Samples = latents x the Dense layer's weight (1 at first)."""
    z = keras.Input((1,))
    layer = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    return keras.Model(z, layer(z)), layer


def test_generated_map_traces_once_and_sees_new_weights():
    g, layer = _scaled_generator()
    above = sampling.GeneratedMap(g, lambda x: x[:, 0] > 1.0)
    first = above(4000, seed=1, batch_size=1000)
    assert first.mean() == pytest.approx(0.1587, abs=0.02)  # P(N(0, 1) > 1)
    layer.kernel.assign([[2.0]])  # samples N(0, 4): P(> 1) = P(N(0, 1) > 0.5)
    second = above(4000, seed=1, batch_size=1000)
    assert second.mean() == pytest.approx(0.3085, abs=0.02)
    assert above.step.experimental_get_tracing_count() == 1
    # Same latents as map_generated for the same seed.
    np.testing.assert_array_equal(
        second, sampling.map_generated(g, lambda x: x[:, 0] > 1.0, 4000, seed=1))


def test_generated_map_returns_tuples_and_checks_num_samples():
    g, _ = _scaled_generator()
    both = sampling.GeneratedMap(g, lambda x: (x, x[:, 0] > 0))
    images, flags = both(250, seed=0, batch_size=100)  # batches 100, 100, 50
    assert images.shape == (250, 1) and flags.shape == (250,)
    np.testing.assert_array_equal(flags, images[:, 0] > 0)
    with pytest.raises(ValueError, match="num_samples must be a positive integer; received -3"):
        both(-3)


def test_invalidity_monitor_reuses_one_trace_across_epochs():
    g, layer = _scaled_generator()
    model = keras.Model(g.inputs, g.outputs)
    model.generator = g
    monitor = InvalidityMonitor(lambda x: x[:, 0] > 1.0, num_samples=2000, seed=0)
    monitor.set_model(model)
    values = [monitor.measure()]
    for scale in (2.0, 0.5):
        layer.kernel.assign([[scale]])
        values.append(monitor.measure())
    assert values[1] > values[0] > values[2]  # P(N(0, s^2) > 1) grows with s
    assert monitor._map.step.experimental_get_tracing_count() == 1
