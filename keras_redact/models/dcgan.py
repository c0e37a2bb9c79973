"""DCGAN generator and discriminator (Radford et al., 2015) for 28, 32, 64 and 96 pixel images.

Both are functional Keras models wrapped in a class, keras-hub style: the constructor builds
the graph, `get_config` returns exactly the constructor arguments, and both round-trip
through `.keras` files.

The discriminator has no batch normalisation on purpose: redaction feeds it real, generated
and redaction-set samples in separate calls, the guide of eq. 6 and the redaction score
read `D(x)` per sample, and under `tf.distribute` each replica sees a slice of the batch.
All of these need `D(x)` to depend on `x` alone, not on the rest of the batch.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_redact.models.config import ConstructorConfig

# Spatial size -> (size of the first feature map, number of stride-2 up/down-samplings).
_LAYOUTS = {28: (7, 2), 32: (4, 3), 64: (4, 4), 96: (6, 4)}
_CHANNELS = (1, 3)
SUPPORTED_SHAPES = tuple((s, s, c) for s in _LAYOUTS for c in _CHANNELS)
"""Image shapes `(H, W, C)` the builders support."""


def _check_image_shape(image_shape) -> tuple[int, int, int]:
    shape = tuple(int(d) for d in image_shape)
    if shape not in SUPPORTED_SHAPES:
        supported = ", ".join(str(s) for s in SUPPORTED_SHAPES)
        raise ValueError(
            f"DCGAN builders support image shapes {supported}; received {shape}"
        )
    return shape


def _default_filters(size: int) -> int:
    # Small on 28x28 (MNIST trains on a laptop CPU); the paper's width on larger images.
    return 32 if size == 28 else 64


# === Generator ===


@keras.saving.register_keras_serializable(package="keras_redact")
class DCGANGenerator(ConstructorConfig, keras.Model):
    """DCGAN generator: latent vector -> image in [-1, 1].

    Dense projection to a small feature map, then stride-2 transposed convolutions with
    batch normalisation and ReLU, and a `tanh` output.

    Args:
        image_shape: Output shape `(H, W, C)`, one of `SUPPORTED_SHAPES`.
        latent_dim: Size of the latent vector (the paper: 128).
        base_filters: Width of the last hidden layer; earlier layers double it. Defaults
            to 32 for 28x28 images and 64 otherwise.
        **kwargs: Passed to `keras.Model` (for example `name`).

    Example:
        >>> g = DCGANGenerator(image_shape=(28, 28, 1))
        >>> g(keras.random.normal((2, 128))).shape
        TensorShape([2, 28, 28, 1])
    """

    config_keys = ("image_shape", "latent_dim", "base_filters")

    def __init__(self, image_shape=(28, 28, 1), latent_dim=128, base_filters=None, **kwargs):
        image_shape = _check_image_shape(image_shape)
        size, channels = image_shape[0], image_shape[2]
        start, steps = _LAYOUTS[size]
        filters = base_filters or _default_filters(size)

        # === Functional Model ===
        latents = keras.Input(shape=(latent_dim,), name="latents")
        x = layers.Dense(start * start * filters * 2 ** (steps - 1), use_bias=False,
                         name="project")(latents)
        x = layers.BatchNormalization(name="project_bn")(x)
        x = layers.ReLU(name="project_relu")(x)
        x = layers.Reshape((start, start, filters * 2 ** (steps - 1)), name="reshape")(x)
        for i in range(steps - 1):
            width = filters * 2 ** (steps - 2 - i)
            x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False,
                                       name=f"up{i}")(x)
            x = layers.BatchNormalization(name=f"up{i}_bn")(x)
            x = layers.ReLU(name=f"up{i}_relu")(x)
        x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                   name=f"up{steps - 1}")(x)
        images = layers.Activation("tanh", dtype="float32", name="images")(x)
        super().__init__(inputs=latents, outputs=images, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.latent_dim = int(latent_dim)
        self.base_filters = base_filters



# === Discriminator ===


@keras.saving.register_keras_serializable(package="keras_redact")
class DCGANDiscriminator(ConstructorConfig, keras.Model):
    """DCGAN discriminator: image in [-1, 1] -> probability that it is real.

    Stride-2 convolutions with LeakyReLU(0.2), then a dense logit and a float32 sigmoid.

    Args:
        image_shape: Input shape `(H, W, C)`, one of `SUPPORTED_SHAPES`.
        base_filters: Width of the first convolution; later ones double it. Defaults to 32
            for 28x28 images and 64 otherwise.
        **kwargs: Passed to `keras.Model`.
    """

    config_keys = ("image_shape", "base_filters")

    def __init__(self, image_shape=(28, 28, 1), base_filters=None, **kwargs):
        image_shape = _check_image_shape(image_shape)
        _, steps = _LAYOUTS[image_shape[0]]
        filters = base_filters or _default_filters(image_shape[0])

        # === Functional Model ===
        images = keras.Input(shape=image_shape, name="images")
        x = images
        for i in range(steps):
            x = layers.Conv2D(filters * 2**i, 4, strides=2, padding="same", name=f"down{i}")(x)
            x = layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
        x = layers.Flatten(name="flatten")(x)
        logits = layers.Dense(1, dtype="float32", name="logit")(x)
        probs = layers.Activation("sigmoid", dtype="float32", name="probability")(logits)
        super().__init__(inputs=images, outputs=probs, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.base_filters = base_filters

