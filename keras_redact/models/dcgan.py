"""DCGAN generator and discriminator (Radford et al., 2015) for 28, 32, 64 and 96 pixel images.

`ConditionalDCGANGenerator` and `ConditionalDCGANDiscriminator` are their class-conditional
versions: G(z, y) takes the label as a second input (embedded and joined to the latents),
and D(x, y) is a projection discriminator (Miyato & Koyama, 2018): its logit is
`w . phi(x) + embed(y) . phi(x)` over the same convolutional features phi(x). Conditional
models take `[latents, labels]` and `[images, labels]`, labels as integer class indices.

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


def _generator_body(x, image_shape, filters, label_maps=None):
    """Dense projection, stride-2 transposed convolutions with BN and ReLU, tanh images.

    `label_maps`, if given, is joined to the first feature map as extra channels (the
    conditional generator's second entry point for the label).
    """
    size, channels = image_shape[0], image_shape[2]
    start, steps = _LAYOUTS[size]
    x = layers.Dense(start * start * filters * 2 ** (steps - 1), use_bias=False,
                     name="project")(x)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((start, start, filters * 2 ** (steps - 1)), name="reshape")(x)
    if label_maps is not None:
        x = layers.Concatenate(name="features_and_label")([x, label_maps])
    for i in range(steps - 1):
        width = filters * 2 ** (steps - 2 - i)
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False,
                                   name=f"up{i}")(x)
        x = layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = layers.ReLU(name=f"up{i}_relu")(x)
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                               name=f"up{steps - 1}")(x)
    return layers.Activation("tanh", dtype="float32", name="images")(x)


def _discriminator_features(images, image_shape, filters):
    """phi(x): stride-2 convolutions with LeakyReLU(0.2), flattened."""
    _, steps = _LAYOUTS[image_shape[0]]
    x = images
    for i in range(steps):
        x = layers.Conv2D(filters * 2**i, 4, strides=2, padding="same", name=f"down{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
    return layers.Flatten(name="flatten")(x)


def _check_num_classes(num_classes) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2; received {num_classes!r}")
    return num_classes


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
        filters = base_filters or _default_filters(image_shape[0])

        # === Functional Model ===
        latents = keras.Input(shape=(latent_dim,), name="latents")
        images = _generator_body(latents, image_shape, filters)
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
    input_range = (-1.0, 1.0)  # the range of the images it takes (keras_redact.contract)

    def __init__(self, image_shape=(28, 28, 1), base_filters=None, **kwargs):
        image_shape = _check_image_shape(image_shape)
        filters = base_filters or _default_filters(image_shape[0])

        # === Functional Model ===
        images = keras.Input(shape=image_shape, name="images")
        features = _discriminator_features(images, image_shape, filters)
        logits = layers.Dense(1, dtype="float32", name="logit")(features)
        probs = layers.Activation("sigmoid", dtype="float32", name="probability")(logits)
        super().__init__(inputs=images, outputs=probs, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.base_filters = base_filters


# === Conditional models ===


@keras.saving.register_keras_serializable(package="keras_redact")
class ConditionalDCGANGenerator(ConstructorConfig, keras.Model):
    """Class-conditional DCGAN generator: `[latents, labels]` -> image in [-1, 1].

    The label is embedded (`embedding_dim` numbers) and joined to the latents before the
    `DCGANGenerator` body, and a second embedding, `label_channels` feature maps of the
    first layer's size, is joined to that layer's output: the label reaches the
    convolutions directly, not only through the projection.

    Args:
        image_shape: Output shape `(H, W, C)`, one of `SUPPORTED_SHAPES`.
        num_classes: Number of conditions (labels `0 .. num_classes - 1`).
        latent_dim: Size of the latent vector.
        base_filters: As for `DCGANGenerator`.
        embedding_dim: Size of the label embedding joined to the latents.
        label_channels: Label feature maps joined to the first feature map.
        **kwargs: Passed to `keras.Model`.

    Example:
        >>> g = ConditionalDCGANGenerator((28, 28, 1), num_classes=10)
        >>> g([keras.random.normal((2, 128)), keras.ops.array([3, 7])]).shape
        TensorShape([2, 28, 28, 1])
    """

    config_keys = ("image_shape", "num_classes", "latent_dim", "base_filters",
                   "embedding_dim", "label_channels")

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, latent_dim=128,
                 base_filters=None, embedding_dim=32, label_channels=8, **kwargs):
        image_shape = _check_image_shape(image_shape)
        num_classes = _check_num_classes(num_classes)
        filters = base_filters or _default_filters(image_shape[0])

        # === Functional Model ===
        latents = keras.Input(shape=(latent_dim,), name="latents")
        labels = keras.Input(shape=(), dtype="int32", name="labels")
        embedded = layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
        x = layers.Concatenate(name="latents_and_label")([latents, embedded])
        start = _LAYOUTS[image_shape[0]][0]
        label_maps = layers.Reshape((start, start, label_channels), name="label_maps")(
            layers.Embedding(num_classes, start * start * label_channels,
                             name="label_map_embedding")(labels))
        images = _generator_body(x, image_shape, filters, label_maps)
        super().__init__(inputs=[latents, labels], outputs=images, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.latent_dim = int(latent_dim)
        self.base_filters = base_filters
        self.embedding_dim = int(embedding_dim)
        self.label_channels = int(label_channels)


@keras.saving.register_keras_serializable(package="keras_redact")
class ConditionalDCGANDiscriminator(ConstructorConfig, keras.Model):
    """Projection discriminator (Miyato & Koyama, 2018): `[images, labels]` -> P(real).

    The `DCGANDiscriminator` features phi(x), and the logit `w . phi(x) + b +
    embed(y) . phi(x)`: the label enters as an inner product with the features, which
    is what the optimal discriminator of a conditional GAN has the form of. Like the
    unconditional one it has no batch normalisation (D(x, y) depends on its pair alone).

    Args:
        image_shape: Input shape `(H, W, C)`, one of `SUPPORTED_SHAPES`.
        num_classes: Number of conditions.
        base_filters: As for `DCGANDiscriminator`.
        **kwargs: Passed to `keras.Model`.
    """

    config_keys = ("image_shape", "num_classes", "base_filters")
    input_range = (-1.0, 1.0)  # the range of the images it takes (keras_redact.contract)

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, base_filters=None, **kwargs):
        image_shape = _check_image_shape(image_shape)
        num_classes = _check_num_classes(num_classes)
        filters = base_filters or _default_filters(image_shape[0])

        # === Functional Model ===
        images = keras.Input(shape=image_shape, name="images")
        labels = keras.Input(shape=(), dtype="int32", name="labels")
        features = _discriminator_features(images, image_shape, filters)
        width = int(features.shape[-1])
        embedded = layers.Embedding(num_classes, width, name="label_projection")(labels)
        projection = layers.Dot(axes=-1, name="projection")([embedded, features])
        logits = layers.Add(dtype="float32", name="logit")(
            [layers.Dense(1, dtype="float32", name="unconditional_logit")(features),
             projection])
        probs = layers.Activation("sigmoid", dtype="float32", name="probability")(logits)
        super().__init__(inputs=[images, labels], outputs=probs, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.base_filters = base_filters
