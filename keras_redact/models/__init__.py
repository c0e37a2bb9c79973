"""Models: DCGAN builders, the pre-training GAN and the label classifier."""

from keras_redact import _quiet  # noqa: F401 (TensorFlow without start-up lines)
from keras_redact.models.classifier import LabelClassifier
from keras_redact.models.dcgan import (
    SUPPORTED_SHAPES,
    ConditionalDCGANDiscriminator,
    ConditionalDCGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
)
from keras_redact.models.gan import DCGAN
from keras_redact.models.optimizers import WarmupEMAAdam, adam

__all__ = ["DCGAN", "ConditionalDCGANDiscriminator", "ConditionalDCGANGenerator",
           "DCGANDiscriminator", "DCGANGenerator", "LabelClassifier",
           "SUPPORTED_SHAPES", "WarmupEMAAdam", "adam"]
