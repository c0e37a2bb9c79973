"""keras-redact: post-edit a pre-trained GAN so that it stops generating a redaction set.

Reference implementation of Kong & Chaudhuri, "Data Redaction from Pre-trained GANs".
Importing the package loads nothing heavy: `keras_redact.serving` (a TF Serving client)
needs only NumPy; the models, losses and jobs load TensorFlow when first used. The
subpackages load it through `keras_redact._quiet`, without TensorFlow's start-up lines.
"""

__version__ = "0.1.0"


_LAZY = {"DCGAN": "keras_redact.models", "DCGANDiscriminator": "keras_redact.models",
         "DCGANGenerator": "keras_redact.models", "LabelClassifier": "keras_redact.models",
         "losses": "keras_redact.losses"}
"""Names the package gives on first use, so that `keras_redact.serving` (NumPy only) is
importable without TensorFlow."""


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'keras_redact' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(_LAZY[name])
    return module if name == "losses" else getattr(module, name)


__all__ = ["DCGAN", "DCGANDiscriminator", "DCGANGenerator", "LabelClassifier", "losses",
           "__version__"]
