"""Redaction: the three methods (`methods`: data / validity / classifier), their sets and
unions (`sets`), the presets that describe Omega (`presets`: labels, conditional pairs,
boundary artifacts, ambiguity, attributes), `RedactionGAN` (the train step of Alg. 1-3),
its callbacks and its recipes."""

from keras_redact import _quiet  # noqa: F401 (TensorFlow without start-up lines)
from keras_redact.redaction import attributes, membership, methods, presets, recipes
from keras_redact.redaction.attributes import parse as parse_attributes
from keras_redact.redaction.batches import scored_batches
from keras_redact.redaction.control import (
    CertifiedStopping,
    InvalidityMonitor,
    LamSchedule,
    QualityGuard,
    SearchFeed,
    ValidityRounds,
)
from keras_redact.redaction.model import RedactionGAN
from keras_redact.redaction.presets import (
    AmbiguityScore,
    BoundaryValidity,
    ambiguity_set,
    attributes_set,
    boundary_set,
    conditional_labels_set,
    labels_set,
    off_condition_set,
)
from keras_redact.redaction.recipes import Recipe, Settings
from keras_redact.redaction.sets import (
    ClassifierRedactionSet,
    DataRedactionSet,
    RedactionSet,
    ValidityRedactionSet,
    any_of,
    check_tau,
    conditional_labels_membership,
    for_every_condition,
    label_membership,
    label_score,
    label_validity,
    off_condition_membership,
    off_condition_score,
    union,
)

__all__ = ["AmbiguityScore", "CertifiedStopping", "BoundaryValidity", "ambiguity_set", "attributes",
           "attributes_set", "boundary_set", "membership", "methods", "parse_attributes", "presets",
           "ClassifierRedactionSet", "DataRedactionSet", "InvalidityMonitor", "Recipe",
           "Settings", "recipes",
           "LamSchedule", "QualityGuard", "SearchFeed", "RedactionGAN", "RedactionSet",
           "ValidityRedactionSet",
           "ValidityRounds", "any_of", "check_tau", "label_membership", "label_score",
           "label_validity", "labels_set", "scored_batches", "union",
           "conditional_labels_membership", "conditional_labels_set", "for_every_condition",
           "off_condition_membership", "off_condition_score", "off_condition_set"]
