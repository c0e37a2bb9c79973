"""QualityGuard: a run whose kept classes drift from the filter's stops at its best epoch."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import redaction

CLASSES = 4


def _generator():
    # Samples are 4 logits; the bias decides which class G draws most.
    z = keras.Input((2,))
    dense = keras.layers.Dense(CLASSES, kernel_initializer="random_normal")
    return keras.Model(z, dense(z)), dense


def _classifier():
    x = keras.Input((CLASSES,))
    return keras.Model(x, keras.layers.Identity()(x))


class _Run(keras.Model):
    """What a callback sees of a RedactionGAN: its generator and discriminator."""

    def __init__(self, generator, discriminator):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator


def _set_bias(dense, bias):
    # A fixed kernel: with a zero bias the four classes are about equally likely.
    kernel = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]], np.float32)
    dense.set_weights([kernel, np.asarray(bias, np.float32)])


def _contains(samples):
    return tf.equal(tf.argmax(samples, axis=-1), 0)  # Omega: class 0


def test_guard_stops_at_the_drift_and_restores_the_best_guarded_epoch():
    generator, dense = _generator()
    _set_bias(dense, [0.0, 0.0, 0.0, 0.0])  # the pre-trained G: four equal classes
    guard = redaction.QualityGuard(generator, _classifier(), _contains, num_samples=4000,
                                   max_ratio=2.0, seed=0)
    np.testing.assert_allclose(guard.filter_shares[1:], [1 / 3] * 3, atol=0.05)
    discriminator = keras.Sequential([keras.Input((CLASSES,)), keras.layers.Dense(1)])
    run = _Run(generator, discriminator)
    guard.set_model(run)
    guard.on_train_begin()
    # Epoch 1: Omega (class 0) emptied, the others kept: guarded.
    _set_bias(dense, [-9.0, 0.0, 0.0, 0.0])
    guard.on_epoch_end(0, {})
    kept = dense.get_weights()[1].copy()
    assert guard.history[0]["guard"] and guard.history[0]["invalidity"] < 0.01
    assert not getattr(run, "stop_training", False)
    # Epoch 2: class 3 takes over (the collapse of the keras-io GAN): stop.
    _set_bias(dense, [-9.0, -9.0, -9.0, 3.0])
    logs = {}
    guard.on_epoch_end(1, logs)
    # Classes 1 and 2 vanished (1/3 -> 0: 68x with the floor), class 3 tripled.
    assert not guard.history[1]["guard"] and guard.history[1]["worst_class"] in (1, 2)
    assert guard.history[1]["drift"] == pytest.approx((1 / 3 + 0.005) / 0.005, rel=0.1)
    assert logs["class_drift"] > 2.0
    assert run.stop_training and guard.stopped_epoch == 2 and guard.best_epoch == 1
    assert guard.message.startswith("Quality guard: after epoch 2 class ")
    assert "restored epoch 1" in guard.message
    guard.on_train_end()
    np.testing.assert_allclose(dense.get_weights()[1], kept)
    record = guard.as_dict()
    assert record["stopped_epoch"] == 2 and record["restored_epoch"] == 1


def test_guard_restores_the_pre_trained_weights_when_no_epoch_held():
    generator, dense = _generator()
    _set_bias(dense, [0.0, 0.0, 0.0, 0.0])
    pre_trained = dense.get_weights()[1].copy()
    guard = redaction.QualityGuard(generator, _classifier(), _contains, num_samples=2000)
    run = _Run(generator, keras.Sequential([keras.Input((CLASSES,)), keras.layers.Dense(1)]))
    guard.set_model(run)
    guard.on_train_begin()
    _set_bias(dense, [-9.0, 4.0, -9.0, -9.0])
    guard.on_epoch_end(0, {})
    guard.on_train_end()
    assert guard.best_epoch == 0 and "restored the pre-trained weights" in guard.message
    np.testing.assert_allclose(dense.get_weights()[1], pre_trained)


def test_guard_holds_within_the_bound_and_checks_its_arguments():
    generator, dense = _generator()
    _set_bias(dense, [0.0, 0.0, 0.0, 0.0])
    guard = redaction.QualityGuard(generator, _classifier(), _contains, num_samples=2000)
    run = _Run(generator, keras.Sequential([keras.Input((CLASSES,)), keras.layers.Dense(1)]))
    guard.set_model(run)
    guard.on_train_begin()
    _set_bias(dense, [-9.0, 0.3, 0.0, -0.3])  # shares move by well under 2x
    guard.on_epoch_end(0, {})
    guard.on_train_end()
    assert guard.history[0]["guard"] and guard.stopped_epoch is None and guard.message is None
    with pytest.raises(ValueError, match="max_ratio"):
        redaction.QualityGuard(generator, _classifier(), _contains, max_ratio=0.5)


def test_guard_reads_the_monitors_pass_one_generator_pass_an_epoch():
    generator, dense = _generator()
    _set_bias(dense, [0.0, 0.0, 0.0, 0.0])
    guard = redaction.QualityGuard(generator, _classifier(), _contains, num_samples=2000)
    monitor = redaction.InvalidityMonitor(_contains, 2000, seed=5, also=guard.classes)
    guard.read_from(monitor)
    run = _Run(generator, keras.Sequential([keras.Input((CLASSES,)), keras.layers.Dense(1)]))
    for callback in (monitor, guard):
        callback.set_model(run)
        callback.on_train_begin()
    _set_bias(dense, [-9.0, 4.0, -9.0, -9.0])  # class 1 takes over: the guard breaks
    logs = {}
    for callback in (monitor, guard):
        callback.on_epoch_end(0, logs)
    # The guard's epoch figures are the monitor's: its invalidity, its samples' classes.
    assert guard.history[0]["invalidity"] == logs["invalidity"] == monitor.values[-1]
    assert np.mean(np.asarray(monitor.also_values) == 1) > 0.99
    assert not guard.history[0]["guard"] and guard.stopped_epoch == 1
    assert not hasattr(guard, "_map")  # no pass of its own
    with pytest.raises(ValueError, match="also=guard.classes and num_samples=2000"):
        guard.read_from(redaction.InvalidityMonitor(_contains, 500, also=guard.classes))
    with pytest.raises(ValueError, match="also=guard.classes"):
        guard.read_from(redaction.InvalidityMonitor(_contains, 2000))
