"""Redaction: redaction sets (data / validity / classifier, unions, label presets),
`RedactionGAN` (the train step of Alg. 1-3) and its callbacks."""

from keras_redact.redaction import attributes, presets
from keras_redact.redaction.attributes import parse as parse_attributes
from keras_redact.redaction.callbacks import InvalidityMonitor, LamSchedule, ValidityRounds
from keras_redact.redaction.model import DEFAULTS, RedactionGAN, defaults_for, scored_batches
from keras_redact.redaction.presets import (
    AmbiguityScore,
    BoundaryValidity,
    ambiguity_set,
    attributes_set,
    boundary_set,
)
from keras_redact.redaction.sets import (
    ClassifierRedactionSet,
    DataRedactionSet,
    RedactionSet,
    ValidityRedactionSet,
    any_of,
    label_membership,
    label_score,
    label_validity,
    labels_set,
    union,
)

__all__ = ["AmbiguityScore", "BoundaryValidity", "ambiguity_set", "attributes",
           "attributes_set", "boundary_set", "parse_attributes", "presets",
           "ClassifierRedactionSet", "DEFAULTS", "DataRedactionSet", "InvalidityMonitor",
           "LamSchedule", "RedactionGAN", "RedactionSet", "ValidityRedactionSet",
           "ValidityRounds", "any_of", "defaults_for", "label_membership", "label_score",
           "label_validity", "labels_set", "scored_batches", "union"]
