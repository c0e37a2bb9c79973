"""`keras_redact.calls`: one pass of a model per batch within `shared()`."""

import keras
import numpy as np
import tensorflow as tf

from keras_redact import calls


class Counting(keras.layers.Layer):
    """Counts the times it is traced or run eagerly."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def call(self, x):
        self.count += 1
        return x * 2.0


def _model():
    inputs = keras.Input((3,))
    layer = Counting()
    return keras.Model(inputs, layer(inputs)), layer


def test_a_model_runs_once_per_tensor_within_shared():
    model, layer = _model()
    layer.count = 0

    @tf.function
    def step(x):
        with calls.shared():
            a = calls.call(model, x)
            b = calls.call(model, x)
            c = calls.call(model, x + 1.0)  # another tensor: its own pass
        return a, b, c

    a, b, c = step(tf.ones((2, 3)))
    assert layer.count == 2
    np.testing.assert_allclose(a, 2.0 * np.ones((2, 3)))
    np.testing.assert_allclose(b, a)
    np.testing.assert_allclose(c, 4.0 * np.ones((2, 3)))


def test_outside_shared_and_on_numpy_every_call_runs():
    model, layer = _model()
    layer.count = 0
    x = tf.ones((2, 3))
    calls.call(model, x)
    calls.call(model, x)
    assert layer.count == 2
    with calls.shared():
        calls.call(model, np.ones((2, 3), np.float32))
        calls.call(model, np.ones((2, 3), np.float32))
    assert layer.count == 4
    assert calls.call(lambda v: v + 1, 1) == 2  # any callable, called as it is
