"""A GAN built and trained the way keras-io's examples do it: no keras_redact code.

keras-io's MNIST networks (`examples/generative/conditional_gan.py`, without the
condition, narrower) and its `GAN(keras.Model)` with its own `train_step`
(`dcgan_overriding_train_step.py`): a generator ending in a sigmoid (images in [0, 1]), a
discriminator ending in `Dense(1)` trained with `BinaryCrossentropy(from_logits=True)`,
fake labelled 1, with label noise. `benchmarks/own_model.py` and the tests of
docs/own_models.md's worked example use it.
"""

from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]

LATENT_DIM = 128


def keras_io_gan(latent_dim: int = LATENT_DIM, width: int = 32):
    """keras-io's MNIST networks (conditional_gan.py, without the condition), narrower:
    `width` filters in G's last hidden layer (keras-io: 128) and twice that before."""
    import keras
    from keras import layers

    generator = keras.Sequential([
        keras.layers.InputLayer((latent_dim,)),
        layers.Dense(7 * 7 * 4 * width),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 4 * width)),
        layers.Conv2DTranspose(2 * width, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(width, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.layers.InputLayer((28, 28, 1)),
        layers.Conv2D(2 * width, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(4 * width, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ], name="discriminator")
    return generator, discriminator


def keras_io_gan_model(generator, discriminator, latent_dim: int = LATENT_DIM, seed=1337):
    """keras-io's `GAN(keras.Model)` with its own `train_step` (fake = 1, label noise)."""
    import keras
    import tensorflow as tf
    from keras import ops

    class GAN(keras.Model):
        def __init__(self):
            super().__init__()
            self.discriminator, self.generator = discriminator, generator
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def train_step(self, real_images):
            batch_size = ops.shape(real_images)[0]
            latents = keras.random.normal((batch_size, latent_dim), seed=self.seed_generator)
            generated = self.generator(latents)
            combined = ops.concatenate([generated, real_images], axis=0)
            labels = ops.concatenate([ops.ones((batch_size, 1)),
                                      ops.zeros((batch_size, 1))], axis=0)
            labels += 0.05 * keras.random.uniform(ops.shape(labels),
                                                  seed=self.seed_generator)
            with tf.GradientTape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            latents = keras.random.normal((batch_size, latent_dim), seed=self.seed_generator)
            misleading = ops.zeros((batch_size, 1))
            with tf.GradientTape() as tape:
                g_loss = self.loss_fn(misleading, self.discriminator(self.generator(latents)))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(),
                    "g_loss": self.g_loss_tracker.result()}

    gan = GAN()
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-4), g_optimizer=keras.optimizers.Adam(3e-4),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    return gan


def mnist_digits():
    """The embedded MNIST training digits as keras-io loads MNIST: float32 in [0, 1]."""
    import numpy as np

    with np.load(ROOT / "keras_redact" / "data" / "mnist_5k.npz") as data:
        images = data["images"][data["split"] == 0]  # the 4,000 training digits
    return (images.astype("float32") / 255.0).reshape(-1, 28, 28, 1)
