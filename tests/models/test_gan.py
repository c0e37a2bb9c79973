import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact.models import (
    DCGAN,
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
)
from keras_redact.models.optimizers import WarmupEMAAdam, adam


def _gan(**compile_kwargs):
    gan = DCGAN(DCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4), seed=1)
    gan.compile(jit_compile=False, **compile_kwargs)
    return gan


def _data(n=16):
    x = np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).batch(8, drop_remainder=True)


def test_fit_step_changes_weights_with_finite_losses():
    gan = _gan()
    g0 = [w.numpy().copy() for w in gan.generator.trainable_weights]
    d0 = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    history = gan.fit(_data(), epochs=1, verbose=0)
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert math.isfinite(history.history[key][-1])
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(g0, gan.generator.trainable_weights))
    assert any(not np.allclose(a, b.numpy())
               for a, b in zip(d0, gan.discriminator.trainable_weights))


def test_g_steps_counts_generator_updates():
    gan = _gan(g_steps=5, d_steps=1)
    gan.fit(_data(), epochs=1, verbose=0)  # 2 batches
    assert int(gan.g_optimizer.iterations.numpy()) == 10
    assert int(gan.d_optimizer.iterations.numpy()) == 2


def test_first_step_d_loss_matches_formula():
    # D's last layer zeroed but for a bias of 1: D(x) = sigmoid(1) everywhere. The loss is
    # -(0.9 log D + 0.1 log(1 - D)) - (0.1 log D + 0.9 log(1 - D)) with the pre-training's
    # smoothing 0.9 / 0.1; one target for both terms, or none, gives another value.
    gan = _gan()
    logit = gan.discriminator.get_layer("logit")
    kernel, bias = logit.get_weights()
    logit.set_weights([np.zeros_like(kernel), np.ones_like(bias)])
    x = np.zeros((8, 28, 28, 1), "float32")
    logs = gan.train_on_batch(x, return_dict=True)
    p = 1.0 / (1.0 + math.exp(-1.0))
    expected = -(0.9 * math.log(p) + 0.1 * math.log(1 - p)) - (
        0.1 * math.log(p) + 0.9 * math.log(1 - p))
    assert logs["d_loss"] == pytest.approx(expected, rel=1e-5)
    assert logs["d_real"] == pytest.approx(p, abs=1e-6)


def test_shape_mismatch_fails_before_training():
    gan = _gan()
    bad = tf.data.Dataset.from_tensor_slices(np.zeros((8, 32, 32, 3), "float32")).batch(8)
    with pytest.raises(ValueError, match=r"\(32, 32, 3\).*\(28, 28, 1\)"):
        gan.fit(bad, epochs=1, verbose=0)


def test_mismatched_models():
    with pytest.raises(ValueError, match="must match"):
        DCGAN(DCGANGenerator(base_filters=4), DCGANDiscriminator((32, 32, 3), base_filters=4))


def test_bad_compile_arguments():
    gan = DCGAN(DCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4))
    with pytest.raises(ValueError, match="alpha_plus"):
        gan.compile(alpha_plus=0.4)
    with pytest.raises(ValueError, match="g_steps"):
        gan.compile(g_steps=-1)


def test_keras_round_trip_and_resume(tmp_path):
    gan = _gan(g_steps=2)
    gan.fit(_data(), epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    assert isinstance(loaded, DCGAN) and loaded.g_steps == 2
    z = np.random.default_rng(0).standard_normal((2, 128)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded.generator(z)), np.asarray(gan.generator(z)),
                               atol=1e-6)
    loaded.fit(_data(), epochs=1, verbose=0)


def test_backup_and_restore(tmp_path):
    gan = _gan()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        gan.fit(_data(), epochs=2, verbose=0, callbacks=[backup, Stop()])
    saved = [w.numpy().copy() for w in gan.generator.weights]
    fresh = _gan()
    fresh.fit(_data(), epochs=1, verbose=0, initial_epoch=0,
              callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    # Restored from epoch 1's backup, it had no epochs left to run at epochs=1.
    for a, b in zip(saved, fresh.generator.weights):
        np.testing.assert_allclose(a, b.numpy(), atol=1e-6)


def test_model_checkpoint_saves_loadable_models(tmp_path):
    gan = _gan()
    ckpt = keras.callbacks.ModelCheckpoint(str(tmp_path / "gan_{epoch}.keras"))
    weights = keras.callbacks.ModelCheckpoint(str(tmp_path / "w_{epoch}.weights.h5"),
                                              save_weights_only=True)
    gan.fit(_data(), epochs=2, verbose=0, callbacks=[ckpt, weights])
    loaded = keras.saving.load_model(tmp_path / "gan_2.keras")
    z = np.random.default_rng(0).standard_normal((2, 128)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded.generator(z)), np.asarray(gan.generator(z)),
                               atol=1e-6)
    fresh = _gan()
    fresh.load_weights(tmp_path / "w_2.weights.h5")
    np.testing.assert_allclose(np.asarray(fresh.generator(z)), np.asarray(gan.generator(z)),
                               atol=1e-6)


class _Weights(keras.callbacks.Callback):
    """G's and D's weights after every batch."""

    def on_train_begin(self, logs=None):
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append([w.numpy().copy() for w in self.model.generator.trainable_weights
                          + self.model.discriminator.trainable_weights])


def test_fit_puts_the_optimizers_moving_averages_into_both_networks():
    # Keras finalises use_ema only for `Model.compile`'s one optimizer; GANBase.fit does it
    # for G's and D's. With momentum 0.999 the average after 5 updates is still almost the
    # weights after the first (Keras starts the average there), far from the last.
    plain = _gan(g_steps=1)
    averaged = _gan(g_steps=1, g_optimizer=adam(ema_momentum=0.999, ema_warmup=False),
                    d_optimizer=adam(ema_momentum=0.999, ema_warmup=False))
    averaged.set_weights(plain.get_weights())
    record = _Weights()
    plain.fit(_data(40), epochs=1, verbose=0, callbacks=[record])
    averaged.fit(_data(40), epochs=1, verbose=0)
    first, last = record.seen[0], record.seen[-1]
    final = [w.numpy() for w in averaged.generator.trainable_weights
             + averaged.discriminator.trainable_weights]
    moved = sum(np.abs(b - a).sum() for a, b in zip(first, last))
    off = sum(np.abs(b - a).sum() for a, b in zip(first, final))
    assert len(record.seen) == 5 and moved > 0
    assert off < 0.05 * moved
    # Without use_ema, fit leaves the last weights.
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(
        last, plain.generator.trainable_weights + plain.discriminator.trainable_weights))


@pytest.mark.parametrize("momentum,start", [(0.3, 0), (0.9, 0), (0.9, 2)])
def test_warmed_up_average_follows_its_momentum_schedule(momentum, start):
    # Update t (from 0) averages with momentum min(m, (1 + k) / (10 + k)), k = t - start;
    # updates up to `start` copy the weights. Recomputed here from the weights after each
    # of 6 updates (g_steps=1): 0.3 is reached at k = 3 (3 / 12 < 0.3 < 4 / 13), 0.9 not
    # within them. A large learning rate, so that the weights move and the schedules differ.
    plain = _gan(g_steps=1, g_optimizer=adam(0.05))
    averaged = _gan(g_steps=1, g_optimizer=adam(0.05, ema_momentum=momentum, ema_start=start))
    assert isinstance(averaged.g_optimizer, WarmupEMAAdam)
    averaged.set_weights(plain.get_weights())
    record = _Weights()
    plain.fit(_data(48), epochs=1, verbose=0, callbacks=[record])
    averaged.fit(_data(48), epochs=1, verbose=0)
    n = len(averaged.generator.trainable_weights)
    expected = keras_average = record.seen[0][:n]
    for t, weights in enumerate(record.seen[1:], start=1):
        k = t - start
        m = 0.0 if k <= 0 else min(momentum, (1 + k) / (10 + k))
        expected = [m * a + (1 - m) * w for a, w in zip(expected, weights[:n])]
        keras_average = [momentum * a + (1 - momentum) * w
                         for a, w in zip(keras_average, weights[:n])]
    assert len(record.seen) == 6
    for want, got in zip(expected, averaged.generator.trainable_weights):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    if momentum == 0.9:  # Keras' constant momentum keeps far more of the first weights
        assert max(np.abs(a - b).max() for a, b in zip(keras_average, expected)) > 0.05
    if start:  # the delayed average is not the one from update 0, nor the last weights
        warmed = _gan(g_steps=1, g_optimizer=adam(0.05, ema_momentum=momentum))
        warmed.set_weights(plain.get_weights())
        warmed.fit(_data(48), epochs=1, verbose=0)
        for name, other in (("from update 0", warmed.generator.trainable_weights),
                            ("last weights", record.seen[-1][:n])):
            gap = max(np.abs(np.asarray(a) - b).max()
                      for a, b in zip(other, expected))
            assert gap > 1e-3, name


def test_warmup_optimizer_round_trips_through_its_config():
    optimizer = adam(3e-4, ema_momentum=0.99, ema_start=280)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is WarmupEMAAdam
    assert restored.use_ema and restored.ema_momentum == 0.99 and restored.ema_start == 280
    assert float(restored.learning_rate) == pytest.approx(3e-4)
    assert type(adam(ema_momentum=0.99, ema_warmup=False)) is keras.optimizers.Adam


@pytest.mark.parametrize("kwargs,match", [
    ({"ema_start": 10}, r"ema_start needs the warmed-up average.*received ema_start=10, "
                        r"ema_momentum=None, ema_warmup=True"),
    ({"ema_start": 10, "ema_momentum": 0.9, "ema_warmup": False}, "ema_warmup=False"),
    ({"ema_start": -1, "ema_momentum": 0.9}, r"ema_start must be a non-negative integer "
                                             r"\(an update count\); received -1"),
    ({"ema_start": 2.5, "ema_momentum": 0.9}, "non-negative integer.*received 2.5"),
])
def test_bad_average_start(kwargs, match):
    with pytest.raises(ValueError, match=match):
        adam(**kwargs)


class _Outputs(keras.callbacks.Callback):
    """G's outputs on fixed latents at each epoch's end: averaged, then as trained."""

    def __init__(self, latents):
        super().__init__()
        self.latents = latents
        self.averaged, self.trained = [], []

    def on_epoch_end(self, epoch, logs=None):
        before = self.model.generator(self.latents).numpy()
        with self.model.averaged_generator() as g:
            self.averaged.append(g(self.latents).numpy())
        self.trained.append(self.model.generator(self.latents).numpy())
        np.testing.assert_array_equal(before, self.trained[-1])  # restored


def test_averaged_generator_shows_what_fit_delivers_and_restores_the_trained_weights():
    latents = np.random.default_rng(1).standard_normal((4, 128)).astype("float32")
    gan = _gan(g_steps=1, g_optimizer=adam(ema_momentum=0.9))
    with gan.averaged_generator():  # before any update: nothing to average yet
        before = gan.generator(latents).numpy()
    np.testing.assert_array_equal(before, gan.generator(latents).numpy())
    outputs = _Outputs(latents)
    gan.fit(_data(40), epochs=2, verbose=0, callbacks=[outputs])
    trained = outputs.trained[-1]
    # After each block the trained weights were back (`_Outputs` checks); at the end fit
    # put the averages in: the last epoch's averaged view.
    np.testing.assert_allclose(gan.generator(latents).numpy(), outputs.averaged[-1],
                               atol=1e-6)
    assert np.abs(outputs.averaged[-1] - trained).max() > 1e-3
    # Without use_ema the block changes nothing.
    plain = _gan(g_steps=1)
    plain.fit(_data(16), epochs=1, verbose=0)
    with plain.averaged_generator() as g:
        np.testing.assert_array_equal(g(latents).numpy(), plain.generator(latents).numpy())


def _conditional_gan():
    gan = DCGAN(ConditionalDCGANGenerator(num_classes=10, base_filters=4),
                ConditionalDCGANDiscriminator(num_classes=10, base_filters=4), seed=0)
    gan.compile(g_steps=1, jit_compile=False)
    return gan


def _pairs(n=64):
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32"),
            rng.integers(0, 10, n).astype("int32"))


def test_conditional_gan_trains_on_pairs_and_round_trips(tmp_path):
    gan = _conditional_gan()
    assert gan.conditional and gan.num_classes == 10
    history = gan.fit(tf.data.Dataset.from_tensor_slices(_pairs()).batch(32), epochs=1,
                      verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    latents, labels = gan.sample_latents(500)
    counts = np.bincount(np.asarray(labels), minlength=10)
    assert tuple(latents.shape) == (500, 128) and counts.min() > 20  # uniform conditions
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    assert loaded.conditional and loaded.num_classes == 10
    z = np.random.default_rng(1).standard_normal((2, 128)).astype("float32")
    y = np.array([3, 7], np.int32)
    np.testing.assert_allclose(np.asarray(loaded((z, y))), np.asarray(gan((z, y))), atol=1e-6)


def test_conditional_gan_needs_labels_and_two_conditional_networks():
    gan = _conditional_gan()
    with pytest.raises(ValueError, match="trains on \\(images, labels\\) batches"):
        gan.fit(tf.data.Dataset.from_tensor_slices(_pairs()[0]).batch(32), epochs=1,
                verbose=0)
    with pytest.raises(ValueError, match="needs both networks conditional"):
        DCGAN(ConditionalDCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4))
    unnamed = keras.Model([z := keras.Input((4,)), y := keras.Input((), dtype="int32")],
                          keras.layers.Dense(1)(keras.layers.Concatenate()(
                              [z, keras.layers.Embedding(3, 2)(y)])))
    with pytest.raises(ValueError, match="needs its number of conditions"):
        DCGAN(unnamed, unnamed)
