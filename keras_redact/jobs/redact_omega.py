"""The redact job's Omega: its parts (labels and presets, built by `redaction.presets`
through `redaction.methods`), the training samples inside it, its measurement, and the
kept data's batches."""

from __future__ import annotations

import dataclasses

import numpy as np

from keras_redact import io
from keras_redact.data import pipeline, sources
from keras_redact.evaluation.measure import Judged
from keras_redact.jobs.redact_config import RedactConfig
from keras_redact.jobs.redact_inputs import Data, Models
from keras_redact.redaction import (
    any_of,
    labels_set,
    membership,
    methods,
    presets,
    recipes,
    scored_batches,
    sets,
    union,
)


@dataclasses.dataclass
class Omega:
    """The redaction set: its parts, their union, and what it holds of the training data.

    Attributes:
        parts: `{name: RedactionSet}`: `labels` and the presets asked for.
        redaction_set: Their union (what `RedactionGAN` trains with).
        in_omega: Boolean mask of the training samples inside Omega.
        membership: `images -> bool` for measuring invalidity (the label classifier's
            argmax for labels, the parts' own tests for presets).
        part_memberships: `{name: membership}` when Omega has several parts, else `None`.
    """

    parts: dict
    redaction_set: sets.RedactionSet
    in_omega: np.ndarray
    membership: object
    part_memberships: dict | None
    judged: Judged | None = None

    @property
    def kept(self) -> int:
        """How many training samples lie outside Omega."""
        return int(np.count_nonzero(~self.in_omega))


def omega_classifier(config: RedactConfig, settings: recipes.Settings, models: Models):
    """The classifier that describes Omega (v, f): the recipe's, with the shipped evaluator.

    A recipe's `redaction_classifier` was distilled from the shipped label classifier on
    the shipped data, so it stands in for it only there; with a user's classifier, that
    classifier describes Omega too.
    """
    path = settings.redaction_classifier_path()
    inputs = config.inputs
    if path is None or not inputs.shipped_classifier or inputs.dataset != sources.EMBEDDED:
        return models.classifier
    return io.load_keras(path, "redaction classifier")


def describe_omega(config: RedactConfig, settings: recipes.Settings, models: Models, f,
                   data: Data) -> Omega:
    """Builds the redaction set (labels and presets) and finds its training samples.

    Raises:
        ValueError: If fewer than one batch of training samples lie outside Omega.
    """
    with sets.progress(config.output.verbose, "Describing Omega on the training data"):
        parts = redaction_parts(config, settings, f, data.images, data.labels)
        if data.conditional:
            parts = conditional_parts(config, settings, f, parts, data)
        in_omega = _omega_mask(parts, config, data)
    kept = int(np.count_nonzero(~in_omega))
    if kept < config.training.batch_size:
        raise ValueError(f"Only {kept} training samples remain outside the redaction set; "
                         f"fewer than one batch of {config.training.batch_size}")
    counted = membership.of_labels(models.classifier, config.what.redacted_labels,
                                   conditional=data.conditional, conditions=config.what.conditions,
                                   off_condition=config.what.off_condition)
    memberships = {name: counted.get(name, part.contains) for name, part in parts.items()}
    return Omega(parts, union(list(parts.values())), in_omega,
                 any_of(list(memberships.values())),
                 memberships if len(memberships) > 1 else None,
                 membership.judged(models.classifier, models.judge, config.what.redacted_labels,
                                   conditional=data.conditional, conditions=config.what.conditions,
                                   off_condition=config.what.off_condition))


def kept_batches(config: RedactConfig, omega: Omega, data: Data):
    """Shuffled batches of the kept data (with f's values for classifier sets).

    A conditional GAN's batches are `(images, labels)` pairs.
    """
    repeat = config.training.steps_per_epoch is not None
    kept = ~omega.in_omega
    if methods.of(omega.redaction_set).guided and not config.what.freeze_discriminator:
        with sets.progress(config.output.verbose, "Scoring the kept data with f"):
            return scored_batches(data.kept(omega.in_omega), omega.redaction_set,
                                  config.training.batch_size, seed=config.training.seed,
                                  repeat=repeat)
    if list(omega.parts) == ["labels"] and not data.conditional:
        return pipeline.batches(data.source, config.training.batch_size, seed=config.training.seed,
                                part="kept", repeat=repeat,
                                predicate=pipeline.label_predicate(config.what.redacted_labels))
    # The kept samples as materialised (float32): the pipeline passes them through.
    return pipeline.batches(sources.from_arrays(data.images[kept], data.labels[kept],
                                                name=data.source.name),
                            config.training.batch_size, seed=config.training.seed, repeat=repeat,
                            with_labels=data.conditional)


def redaction_parts(config: RedactConfig, settings: recipes.Settings, classifier, images,
                    image_labels) -> dict:
    """The redaction set's parts, `{name: RedactionSet}`: labels and presets.

    Raises:
        ValueError: For labels, thresholds or expressions that do not fit the data or the
            classifiers.
    """
    parts = {}
    labels = config.what.redacted_labels
    if labels:
        parts["labels"] = labels_set(config.what.method, classifier, labels, images=images,
                                     image_labels=image_labels, tau=settings.tau,
                                     queries_per_round=settings.queries_per_round)
    if config.what.boundary_margin is not None:
        parts["boundary"] = presets.boundary_set(
            images, config.what.boundary_margin, config.what.boundary_threshold,
            queries_per_round=settings.queries_per_round,
            force=config.what.force_boundary_threshold)
    if config.what.ambiguity_tau is not None:
        parts["ambiguity"] = presets.ambiguity_set(classifier, config.what.ambiguity_tau)
    if config.what.attributes is not None:
        attribute_classifier = io.load_keras(config.what.attribute_classifier,
                                             "attribute classifier")
        takes = tuple(attribute_classifier.inputs[0].shape[1:])
        if takes != tuple(images.shape[1:]):
            raise ValueError(f"The attribute classifier takes images of shape {takes} but the "
                             f"data's are {tuple(images.shape[1:])}")
        parts["attributes"] = presets.attributes_set(
            config.what.attributes, attribute_classifier, config.what.attribute_names,
            config.what.method,
            tau=settings.tau, queries_per_round=settings.queries_per_round)
    return parts


def conditional_parts(config: RedactConfig, settings: recipes.Settings, classifier,
                      parts: dict, data: Data) -> dict:
    """A conditional GAN's redaction set's parts, sets of pairs (docs/conditional.md).

    Labels are redacted under `config.what.conditions` (every condition by default), the
    presets on images under every condition, and `off_condition` adds the off-condition
    pairs.
    """
    pairs = {}
    for name, part in parts.items():
        if name == "labels":
            pairs[name] = presets.conditional_labels_set(
                config.what.method, classifier, config.what.redacted_labels, config.what.conditions,
                images=data.images, image_labels=data.labels, tau=settings.tau,
                queries_per_round=settings.queries_per_round)
        else:
            pairs[name] = sets.for_every_condition(part)
    if config.what.off_condition:
        pairs["off_condition"] = presets.off_condition_set(
            config.what.method, classifier, images=data.images, image_labels=data.labels,
            tau=settings.tau, queries_per_round=settings.queries_per_round,
            seed=config.training.seed)
    return pairs


def _omega_mask(parts: dict, config: RedactConfig, data: Data) -> np.ndarray:
    """Which training samples lie in Omega: true labels for labels, membership otherwise.

    A conditional GAN's training pairs are `(x, its label)`: in the labels part when
    the label is redacted under that condition.
    """
    mask = np.zeros(len(data.images), bool)
    for name, part in parts.items():
        if name == "labels":
            in_part = np.isin(data.labels, config.what.redacted_labels)
            if data.conditional and config.what.conditions:
                in_part &= np.isin(data.labels, config.what.conditions)
            mask |= in_part
        else:
            mask |= part.split_mask(data.samples)
    return mask

