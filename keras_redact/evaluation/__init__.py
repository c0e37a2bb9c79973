"""Evaluation: invalidity and its certificate, IS / FID / KID (TF-GAN's maths), redaction
scores."""

from keras_redact import _quiet  # noqa: F401 (TensorFlow without start-up lines)
from keras_redact.evaluation.certificates import Certificate, certify
from keras_redact.evaluation.quality import (
    frechet_distance_from_features,
    inception_score_from_logits,
    inception_score_parts_from_logits,
    kernel_distance_from_features,
)
from keras_redact.evaluation.sampling import GeneratedMap, map_generated

__all__ = ["Certificate", "certify", "frechet_distance_from_features",
           "inception_score_from_logits", "inception_score_parts_from_logits",
           "kernel_distance_from_features", "map_generated", "GeneratedMap"]
