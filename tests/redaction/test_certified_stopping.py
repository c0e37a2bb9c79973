"""CertifiedStopping on a generator whose Omega mass each epoch sets exactly."""

import keras
import numpy as np
import pytest

from keras_redact.redaction import CertifiedStopping


class _Model:
    """Stands for a GAN: G maps z to z_0 + b, and "training" sets b."""

    def __init__(self):
        self.generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        self.generator.set_weights([np.array([[1.0], [0.0]], np.float32),
                                    np.zeros(1, np.float32)])
        self.discriminator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        self.stop_training = False

    def set_bias(self, b):
        kernel, _ = self.generator.get_weights()
        self.generator.set_weights([kernel, np.full(1, b, np.float32)])

    @property
    def bias(self):
        return float(self.generator.get_weights()[1][0])


def _inside(x):
    return x[:, 0] > 3.0  # mass P(z_0 > 3 - b)


def _run(biases, quality=None, min_quality=None, epsilon=1e-2):
    model = _Model()
    stop = CertifiedStopping(_inside, epsilon, quality=quality, min_quality=min_quality,
                             seed=5)
    stop.set_model(model)
    stop.params = {"epochs": len(biases)}
    stop.on_train_begin()
    for epoch, b in enumerate(biases):
        model.set_bias(b)
        stop.on_epoch_end(epoch, {})
        if model.stop_training:
            break
    model.set_bias(9.0)  # whatever training did after
    stop.on_train_end()
    return stop, model


def test_stops_at_the_first_certified_epoch_and_delivers_it():
    # Masses: b = 2: 16%; b = -1: 3e-5 (certifiable at 1e-2); b = 1: 2.3%.
    stop, model = _run([2.0, -1.0, 1.0])
    assert [c["epoch"] for c in stop.history] == [1, 2]  # stopped after epoch 2
    assert model.stop_training and stop.certificate.certified
    assert stop.certificate.bound <= 1e-2 and stop.certificate.attempts == 3
    assert stop.best_epoch == 2 and model.bias == pytest.approx(-1.0)
    assert "certificate" not in stop.history[0]  # 16% is not worth a certification


def test_the_guard_blocks_certification_and_the_best_guarded_epoch_is_delivered():
    qualities = iter([0.95, 0.5, 0.93])

    def quality(generator):
        return {"quality": next(qualities)}

    stop, model = _run([1.0, -1.0, 0.8], quality=quality, min_quality=0.91)
    assert stop.certificate is None and len(stop.history) == 3
    assert [c["guard"] for c in stop.history] == [True, False, True]
    # Epoch 2 had the least invalidity but failed the guard; epoch 3 (b 0.8, 1.4%) is
    # the best of the guarded ones (epoch 1: b 1, 2.3%).
    assert stop.best_epoch == 3 and model.bias == pytest.approx(0.8)


def test_quality_is_measured_only_for_an_epoch_that_could_be_delivered():
    measured = []

    def quality(generator):
        measured.append(generator)
        return {"quality": 0.95}

    # b = 1 (2.3%), then b = 2 (16%: worse than the best guarded epoch, and far from the
    # 1e-2 target), then b = 0.5 (0.6%: the best so far).
    stop, model = _run([1.0, 2.0, 0.5], quality=quality, min_quality=0.91, epsilon=1e-3)
    assert len(measured) == 2
    assert ["quality" in c for c in stop.history] == [True, False, True]
    assert [c["guard"] for c in stop.history] == [True, False, True]
    assert stop.best_epoch == 3 and model.bias == pytest.approx(0.5)


def test_nothing_certified_and_nothing_guarded_leaves_the_last_weights():
    stop, model = _run([2.0], quality=lambda g: {"quality": 0.1}, min_quality=0.91)
    assert stop.certificate is None and stop.best_epoch is None
    assert model.bias == pytest.approx(9.0)


@pytest.mark.parametrize("kwargs,match", [
    ({"epsilon": 0.0}, r"target invalidity must be in \(0, 1\)"),
    ({"epsilon": 1e-3, "confidence": 1.5}, r"confidence must be in \(0, 1\)"),
    ({"epsilon": 1e-3, "min_quality": 2.0}, r"min_quality must be in \(0, 1\]"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CertifiedStopping(_inside, **kwargs)
