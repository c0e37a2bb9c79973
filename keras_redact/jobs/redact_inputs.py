"""The redact job's inputs: its models (loaded, checked and adapted to the model contract)
and its training data."""

from __future__ import annotations

import dataclasses
import pathlib

import keras
import numpy as np
import tensorflow as tf

from keras_redact import conditions as cond_lib
from keras_redact import contract as contract_lib
from keras_redact import io
from keras_redact.data import pipeline, sources
from keras_redact.jobs import PRETRAINED, judge_path
from keras_redact.jobs.redact_config import RedactConfig


@dataclasses.dataclass
class Models:
    """The job's models: the pre-trained (G, D) and the label classifier that measures.

    After `adapt_models` they work in one range (`keras_redact.contract`): `generator`,
    `discriminator` and `classifier` are the adapted models, `saved` the user's own (G, D),
    trained in place through them: what the run saves.
    """

    generator: keras.Model
    discriminator: keras.Model
    classifier: keras.Model
    contract: contract_lib.Contract | None = None
    saved: tuple | None = None
    judge: keras.Model | None = None
    judge_path: pathlib.Path | None = None

    @property
    def from_logits(self) -> bool:
        """Whether D gives logits (`contract.Contract.discriminator_output`)."""
        return bool(self.contract) and self.contract.discriminator_output.value == "logit"

    @property
    def conditional(self) -> bool:
        """Whether G is conditional (`[latents, labels]`): its samples are pairs."""
        return cond_lib.is_conditional(self.generator)


@dataclasses.dataclass
class Data:
    """The training data, as a source and as arrays in [-1, 1] with their labels.

    `conditional`: the samples are the pairs `(images, labels)` (a conditional GAN's).
    """

    source: sources.ImageSource
    images: np.ndarray
    labels: np.ndarray
    conditional: bool = False

    @property
    def samples(self):
        """The training samples: images, or `(images, labels)` for a conditional GAN."""
        return (self.images, self.labels.astype(np.int32)) if self.conditional else self.images

    def kept(self, in_omega: np.ndarray):
        """The samples outside Omega (images, or pairs)."""
        return cond_lib.take(self.samples, ~in_omega)


def load_models(config: RedactConfig) -> Models:
    """Loads G, D, the label classifier and the judge (the shipped MNIST ones by default)."""
    judge = judge_path(config.inputs.judge, config.inputs.classifier, config.inputs.dataset)
    return Models(
        io.load_keras(config.inputs.generator or PRETRAINED / "generator.keras", "generator"),
        io.load_keras(config.inputs.discriminator or PRETRAINED / "discriminator.keras",
                      "discriminator"),
        io.load_keras(config.inputs.classifier or PRETRAINED / "classifier.keras", "classifier"),
        judge=io.load_keras(judge, "judge") if judge else None, judge_path=judge)


def load_data(config: RedactConfig, conditional: bool = False) -> Data:
    """Loads the training split of `config.inputs.dataset` and materialises it in [-1, 1].

    Args:
        conditional: The samples are pairs (a conditional GAN's): the data need labels.

    Raises:
        ValueError: If a conditional GAN's data have no labels.
    """
    source = sources.load(config.inputs.dataset, "train", data_dir=config.inputs.data_dir)
    if conditional and source.num_classes is None:
        raise ValueError("A conditional GAN redacts pairs (x, y); the data "
                         f"{config.inputs.dataset!r} have no labels")
    images, labels = pipeline.to_numpy(source)
    return Data(source, images, labels, conditional)


def check_classifiers(config: RedactConfig, models: Models, f, data: Data) -> None:
    """Raises ValueError unless the label classifiers give one logit per class of the data.

    A classifier with another number of outputs runs to the end and reports figures that
    mean nothing (a 3-output model on 10-class data); it is refused before any work.
    """
    classes = data.source.num_classes
    judged = [("judge", models.judge, config.inputs.judge)] if models.judge else []
    for what, model, path in (("classifier", models.classifier, config.inputs.classifier),
                              ("redaction classifier", f, None), *judged):
        outputs = tuple(model.outputs[0].shape[1:])
        if len(outputs) != 1 or outputs[0] is None or outputs[0] < 2:
            raise ValueError(f"The {what} {path or model.name} gives outputs of shape "
                             f"{outputs}; a label classifier gives one logit per class")
        if classes is not None and outputs[0] != classes:
            raise ValueError(f"The {what} {path or model.name} gives {outputs[0]} outputs but "
                             f"the data {config.inputs.dataset!r} have {classes} classes "
                             f"(labels 0..{classes - 1}); it must give one per class")


def check_conditions(config: RedactConfig, models: Models, data: Data) -> None:
    """Raises ValueError unless the conditional settings fit the models and the data.

    `off_condition` and `conditions` need a conditional G; a conditional G needs a
    conditional D and as many conditions as the data have classes (its `num_classes`
    attribute, set from the data when the model has none); conditions must be labels.
    """
    if not models.conditional:
        given = [name for name, value in (("off_condition", config.what.off_condition),
                                          ("conditions", config.what.conditions)) if value]
        if given:
            raise ValueError(f"{' and '.join(given)} apply to conditional generators "
                             "([latents, labels] inputs); the generator "
                             f"{config.inputs.generator or 'shipped'} takes latents only")
        return
    if not cond_lib.is_conditional(models.discriminator):
        raise ValueError("The generator is conditional ([latents, labels]) but the "
                         "discriminator takes images only; a conditional GAN needs D(x, y)")
    classes = data.source.num_classes
    declared = getattr(models.generator, "num_classes", None)
    if declared is None:
        models.generator.num_classes = classes
    elif declared != classes:
        raise ValueError(f"The generator has {declared} conditions but the data "
                         f"{config.inputs.dataset!r} have {classes} classes")
    bad = [c for c in config.what.conditions or () if c >= classes]
    if bad:
        raise ValueError(f"conditions {bad} are not conditions of the generator; allowed: "
                         f"0..{classes - 1}")


def adapt_models(config: RedactConfig, models: Models, f, data: Data):
    """Checks G, D and the classifiers against the model contract and adapts them.

    G's range is found first; float data must lie in it; then every model is brought to
    the internal range and D to "real = high" (`keras_redact.contract.adapt`), before any
    long work. `data` is mapped in place.

    Returns:
        `(models, f)`: the adapted models (the user's G and D in `saved`) and the adapted
        redaction classifier.

    Raises:
        ValueError: For models or data that break the contract, with the reason.
    """
    declared = config.inputs.declared_contract()
    g_range = contract_lib.find_generator_range(
        models.generator, declared.get("generator_range", "detect"), seed=config.training.seed)
    is_uint8 = data.source.dataset.element_spec[0].dtype == tf.uint8
    mapped = contract_lib.data_to_internal(data.images, np.uint8 if is_uint8 else None,
                                           g_range.value)
    was_mapped = mapped is not data.images
    if was_mapped:
        data.images = mapped
        data.source = sources.from_arrays(mapped, data.labels, name=data.source.name)
    judges = [models.judge] if models.judge else []
    own_f = [f] if f is not models.classifier else []
    adapted = contract_lib.adapt(
        models.generator, models.discriminator, [models.classifier, *judges, *own_f],
        real_samples=data.samples, generator_range=g_range,
        discriminator_output=declared.get("discriminator_output"),
        discriminator_range=declared.get("discriminator_range", "detect"),
        classifier_range=declared.get("classifier_range", "detect"),
        discriminator_real=declared.get("discriminator_real"), seed=config.training.seed)
    if is_uint8:
        how = "uint8 images scaled to [-1, 1]"
    elif not was_mapped:
        how = "float samples as they are"
    else:
        how = f"float samples in {contract_lib.show(g_range.value)}, mapped to [-1, 1]"
    found = dataclasses.replace(adapted.contract, data=contract_lib.Found(
        contract_lib.internal_range(g_range.value), how))
    adapted_f = adapted.classifiers[-1] if own_f else adapted.classifiers[0]
    if models.conditional and hasattr(models.generator, "num_classes"):
        adapted.generator.num_classes = models.generator.num_classes
    return Models(adapted.generator, adapted.discriminator, adapted.classifiers[0], found,
                  (models.generator, models.discriminator),
                  adapted.classifiers[1] if judges else None, models.judge_path), adapted_f


def check_fit(models: Models, f, data: Data) -> None:
    """Raises ValueError unless G, D, the classifiers and the data share one sample shape."""
    shapes = {"generator output": tuple(models.generator.outputs[0].shape[1:]),
              "discriminator input": tuple(models.discriminator.inputs[0].shape[1:]),
              "classifier input": tuple(models.classifier.inputs[0].shape[1:]),
              "redaction classifier input": tuple(f.inputs[0].shape[1:]),
              "data": tuple(data.images.shape[1:])}
    if len(set(shapes.values())) != 1:
        listing = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise ValueError(f"Shapes do not fit: {listing}")

