"""How a generated sample is counted in Omega: one definition for every command.

A sample is in the labels' part of Omega when the label classifier's argmax is a redacted
label (under the chosen conditions, for a conditional generator), and in the
off-condition part when its argmax is not the condition it was drawn for: the paper's
evaluation (App. B, "classified as the label to be redacted") for every method. The
method (data, validity, classifier) and its threshold tau describe Omega for *training*;
they do not change what is counted, so runs of the three methods compare, and
`bin/evaluate` on a redacted generator gives the figures of the run's `metrics.json`.
"""

from __future__ import annotations

import tensorflow as tf

from keras_redact import conditions as cond_lib
from keras_redact.evaluation.measure import Judged
from keras_redact.redaction import sets


def of_labels(classifier, labels=(), *, conditional: bool = False, conditions=None,
              off_condition: bool = False) -> dict:
    """`{part: samples -> bool}`: the label parts of Omega as `classifier` counts them.

    Args:
        classifier: A label classifier (logits over the classes).
        labels: The redacted labels (empty: no labels part).
        conditional: The samples are `(images, labels)` pairs.
        conditions: Conditional: the conditions the labels are redacted under (None: all).
        off_condition: Conditional: count the off-condition samples (part `off_condition`).

    Raises:
        ValueError: For `conditions` or `off_condition` without `conditional`.
    """
    if not conditional and (conditions or off_condition):
        raise ValueError("conditions and off_condition apply to conditional generators "
                         "([latents, labels]); this generator takes latents only")
    parts = {}
    if labels:
        parts["labels"] = (
            sets.conditional_labels_membership(classifier, labels, conditions) if conditional
            else sets.label_membership(classifier, labels))
    if off_condition:
        parts["off_condition"] = sets.off_condition_membership(classifier)
    return parts


def judged(classifier, judge, labels=(), *, conditional: bool = False, conditions=None,
           off_condition: bool = False) -> Judged | None:
    """Omega's label parts as `classifier` and an independent `judge` count them, with the
    judge's likeness of each sample (None: no judge, or no label part)."""
    by_classifier = of_labels(classifier, labels, conditional=conditional,
                              conditions=conditions, off_condition=off_condition)
    if judge is None or not by_classifier:
        return None
    by_judge = of_labels(judge, labels, conditional=conditional, conditions=conditions,
                         off_condition=off_condition)
    likeness = []
    if labels:  # the likeness of a label ignores the condition
        score = sets.label_score(judge, labels)
        likeness.append(lambda samples: 1.0 - score(cond_lib.images_in(samples)))
    if off_condition:
        off_score = sets.off_condition_score(judge)
        likeness.append(lambda samples: 1.0 - off_score(samples))
    return Judged(sets.any_of(list(by_classifier.values())),
                  sets.any_of(list(by_judge.values())),
                  lambda samples: tf.reduce_max(tf.stack([f(samples) for f in likeness]),
                                                axis=0))


def omega_score(classifier, labels=(), *, off_condition: bool = False):
    """`samples -> (N,)`: the classifier's probability that a sample is in Omega, the
    labels' (the largest of their probabilities, on the images) and, for conditional
    pairs with `off_condition`, that the sample is not its condition; the largest of
    those. What a latent search climbs (`evaluation.audit.latent_search`).

    Raises:
        ValueError: With neither labels nor `off_condition`.
    """
    if not labels and not off_condition:
        raise ValueError("omega_score needs labels or off_condition; received neither")
    scores = []
    if labels:
        label_score = sets.label_score(classifier, labels)
        scores.append(lambda samples: 1.0 - label_score(cond_lib.images_in(samples)))
    if off_condition:
        on_condition = sets.off_condition_score(classifier)
        scores.append(lambda samples: 1.0 - on_condition(samples))

    def score(samples):
        return tf.reduce_max(tf.stack([s(samples) for s in scores]), axis=0)

    return score
