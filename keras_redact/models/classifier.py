"""A small CNN label classifier: counts invalidity and gives the Inception Score."""

from __future__ import annotations

import keras
from keras import layers

from keras_redact.models.config import ConstructorConfig


@keras.saving.register_keras_serializable(package="keras_redact")
class LabelClassifier(ConstructorConfig, keras.Model):
    """Small CNN from images in [-1, 1] to class logits.

    Two blocks of two 3x3 convolutions with batch normalisation and max-pooling, a dense
    `features` layer (the penultimate features used for FID / KID), dropout, and a dense
    `logits` layer. Optional random translation and rotation act during training only.

    Args:
        image_shape: Input shape `(H, W, C)`.
        num_classes: Number of labels.
        filters: Width of the first block (the second doubles it).
        feature_dim: Size of the penultimate feature layer.
        dropout: Dropout rate before the logits.
        augment: Random translation (10%), rotation (8 degrees) and zoom (10%) while
            training.
        **kwargs: Passed to `keras.Model`.

    Example:
        >>> clf = LabelClassifier((28, 28, 1), 10)
        >>> logits = clf(images)                 # (N, 10)
        >>> feats = clf.feature_extractor(images)  # (N, 128)
    """

    config_keys = ("image_shape", "num_classes", "filters", "feature_dim", "dropout", "augment")
    input_range = (-1.0, 1.0)  # the range of the images it takes (keras_redact.contract)

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, filters=32, feature_dim=128,
                 dropout=0.4, augment=True, **kwargs):
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (H, W, C); received {image_shape}")
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be at least 2; received {num_classes!r}")

        # === Functional Model ===
        images = keras.Input(shape=image_shape, name="images")
        x = images
        if augment:
            x = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0,
                                         name="augment_translate")(x)
            x = layers.RandomRotation(8 / 360, fill_mode="constant", fill_value=-1.0,
                                      name="augment_rotate")(x)
            x = layers.RandomZoom(0.1, fill_mode="constant", fill_value=-1.0,
                                  name="augment_zoom")(x)
        for block, width in enumerate((filters, filters * 2)):
            for i in range(2):
                x = layers.Conv2D(width, 3, padding="same", use_bias=False,
                                  name=f"block{block}_conv{i}")(x)
                x = layers.BatchNormalization(name=f"block{block}_bn{i}")(x)
                x = layers.ReLU(name=f"block{block}_relu{i}")(x)
            x = layers.MaxPooling2D(name=f"block{block}_pool")(x)
        x = layers.Flatten(name="flatten")(x)
        features = layers.Dense(feature_dim, activation="relu", name="features")(x)
        x = layers.Dropout(dropout, name="dropout")(features)
        logits = layers.Dense(num_classes, dtype="float32", name="logits")(x)
        super().__init__(inputs=images, outputs=logits, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = int(num_classes)
        self.filters = int(filters)
        self.feature_dim = int(feature_dim)
        self.dropout = float(dropout)
        self.augment = bool(augment)

    @property
    def feature_extractor(self) -> keras.Model:
        """A new model sharing this one's layers: images -> penultimate features."""
        return keras.Model(self.inputs[0], self.get_layer("features").output, name="features")

    @property
    def logits_and_features(self) -> keras.Model:
        """A new model sharing this one's layers: images -> (logits, features)."""
        return keras.Model(self.inputs[0], [self.outputs[0], self.get_layer("features").output],
                           name="logits_and_features")

