"""keras-redact: post-edit a pre-trained GAN so that it stops generating a redaction set.

Reference implementation of Kong & Chaudhuri, "Data Redaction from Pre-trained GANs".
"""

__version__ = "0.1.0"

from keras_redact import losses  # noqa: E402
from keras_redact.models import (  # noqa: E402
    DCGAN,
    DCGANDiscriminator,
    DCGANGenerator,
    LabelClassifier,
)

__all__ = ["DCGAN", "DCGANDiscriminator", "DCGANGenerator", "LabelClassifier", "losses",
           "__version__"]
