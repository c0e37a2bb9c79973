"""Redacting labels and presets from a pre-trained GAN: the library behind `bin/redact`.

`redact(config)` is a pipeline of small named steps, each usable alone:

    load_models -> load_data -> choose_settings -> check_fit, check_classifiers
      -> describe_omega -> kept_batches
      -> measure (before) -> train -> measure (after) -> write_results -> export_results
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf

from keras_redact import __version__, checks, distribute, export, io, seeds
from keras_redact import callbacks as kr_callbacks
from keras_redact import conditions as cond_lib
from keras_redact import contract as contract_lib
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import certificates, quality
from keras_redact.evaluation import measure as measure_lib
from keras_redact.evaluation.measure import Judged
from keras_redact.evaluation.plots import plot_invalidity
from keras_redact.jobs import PRETRAINED, check_positive_integers
from keras_redact.jobs.reports import markdown_report
from keras_redact.jobs.run_folder import (  # noqa: F401 (re-exported)
    BACKUP_DIR,
    RUN_FILE,
    RunLock,
    RunState,
    _run_record,
    check_output_dir,
)
from keras_redact.models.optimizers import WarmupEMAAdam
from keras_redact.redaction import (
    CertifiedStopping,
    InvalidityMonitor,
    QualityGuard,
    RedactionGAN,
    ValidityRounds,
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

METHODS = methods.NAMES
SHIPPED_JUDGE = PRETRAINED / "judge" / "classifier.keras"
"""The shipped independent judge (docs/pretrained.md)."""
GUARD_SAMPLES = 2_000
"""The fewest samples the quality guard measures class shares on."""
CONTRACT_KEYS = ("generator_range", "discriminator_output", "discriminator_real",
                 "discriminator_range", "classifier_range")


@dataclasses.dataclass(frozen=True)
class RedactConfig:
    """One redaction job: what to redact, with which recipe, from which models and data.

    Hyper-parameters come from a recipe (`keras_redact.redaction.recipes`): `recipe`, or
    the recommended one for the data and method when it is `None`. `epochs`, `lam`,
    `alpha_plus`, `alpha_minus`, `tau`, `queries_per_round` and `jit_compile` override the
    recipe's value when given (`None`: the recipe's).

    Attributes:
        method: `"data"` (Alg. 1), `"validity"` (Alg. 2) or `"classifier"` (Alg. 3).
        labels: Labels to redact; several form a union. `None`: digit 0 when no preset
            below is given, else no labels.
        boundary_margin: Also redact boundary artifacts of this margin (Alg. 2 preset,
            `keras_redact.redaction.presets.boundary_set`).
        boundary_threshold: Their tau_b (default: Appendix F-A's for margins 1 and 2).
        force_boundary_threshold: Accept a tau_b that makes training images invalid.
        ambiguity_tau: Also redact semantically ambiguous samples, f < tau with f = 1 -
            normalised entropy of the label classifier (Alg. 3 preset).
        attributes: Also redact samples whose attributes satisfy this expression (grammar in
            `keras_redact.redaction.attributes`); needs `attribute_classifier`.
        attribute_classifier: Multi-label `.keras` model with one sigmoid per attribute.
        attribute_names: Its outputs' names, in order.
        off_condition: Conditional GANs: redact off-condition samples, the pairs (x, y)
            whose x the label classifier does not call a y (docs/conditional.md).
        conditions: Conditional GANs: the conditions `labels` are redacted under
            (`None`: every condition). Presets on images apply under every condition.
        freeze_discriminator: Train G only, against the frozen D (and f): the on-manifold
            adversarial samples of Appendix H.
        grid_every: With `freeze_discriminator`, write a sample grid every this many
            iterations (batches).
        recipe: A recipe name (`recipes.RECIPES`), or a `recipes.Recipe`; `None`:
            `recipes.recommended(method, steps, sample shape)` for the data.
        epochs: Redaction epochs (the recipe's: 8 for MNIST-sized data).
        lam: Weight of p_G in the fake mixture, in (0, 1); replaces a recipe's schedule.
        alpha_plus: Positive smoothing target in (1/2, 1].
        alpha_minus: Negative smoothing target in [0, 1/2).
        tau: Threshold of the classifier-based set, in (0, 1).
        queries_per_round: T of the validity-based set.
        generator: Pre-trained generator `.keras` (default: the shipped MNIST DCGAN).
        discriminator: Pre-trained discriminator `.keras` (default: shipped).
        classifier: Label classifier `.keras` (default: the shipped MNIST classifier). It
            measures invalidity and the Inception Score and describes Omega too, unless
            the recipe names a classifier distilled from the shipped one for that.
        dataset: Dataset name or path (default: the embedded mnist_5k).
        data_dir: TFDS data folder.
        output_dir: Where results go (default `runs/redact-<timestamp>`, a new folder even
            for runs started in the same second); must be new or empty.
        eval_samples: Samples for invalidity and IS before and after (paper: 50,000).
        monitor_samples: Samples for the invalidity measured after each epoch.
        batch_size: Batch size (64).
        steps_per_epoch: Train steps per epoch (default: one pass over the kept data). An
            `mnist_5k` pass is 56 steps where the paper's MNIST epoch is about 840. The
            data repeat as needed.
        seed: Random seed.
        jit_compile: Compile the train step with XLA (`None`: the recipe's).
        strategy: `tf.distribute` strategy: `"default"`, `"mirrored"`, `"multi_worker"` or
            `"tpu"` (see `keras_redact.distribute`); `batch_size` is the global batch.
        mixed_precision: Keras dtype policy: `"float32"`, `"mixed_float16"` or
            `"mixed_bfloat16"`.
        export: Export the redacted generator for TF Serving.
        export_dir: Its TF Serving model base path (default `<output_dir>/export`, so each
            run is its own model); each export adds the next integer version.
        target_invalidity: Redact until this invalidity is certified (a one-sided upper
            confidence bound on fresh samples, `evaluation.certify`), then stop; `None`:
            train for `epochs`. With a target, `max_epochs` is the budget.
        confidence: The certificate's confidence, in (0, 1).
        max_epochs: The budget with a target (default: 3x the recipe's epochs). If it
            ends first, the job writes its files and raises `TargetNotCertified`.
        min_quality: The quality guard with a target: the delivered G's quality against
            the post-hoc filter (the pre-trained G with its Omega samples rejected),
            min(FID of the filter / FID of G, IS of G / IS of the filter), must be at
            least this: 0.91 allows FID up to 1.1x the filter's and IS down to 0.91x.
        max_class_drift: The quality guard of a run without a target
            (`redaction.QualityGuard`): each kept class's share of G's samples must stay
            within this factor of the post-hoc filter's, else the run stops and keeps its
            best guarded epoch. None: no guard.
        judge: An independent label classifier `.keras` that took no part in the
            redaction: the labels (and off-condition samples) are counted under it too,
            beside the classifier's count, with the samples where the two disagree
            (default: the shipped judge with the shipped classifier and data, else none).
        model_contract: What detection cannot tell about the models, declared
            (`keras_redact.contract.adapt`'s arguments): `{"generator_range": (0, 1),
            "discriminator_output": "logit", "discriminator_real": False,
            "discriminator_range": (-1, 1), "classifier_range": (0, 255)}`, any of them
            (`discriminator_real`: False for a D that labels fake as 1). None: all
            detected.
        verbose: 1: progress bars and messages; 0: quiet.
    """

    method: str = "data"
    labels: tuple[int, ...] | None = None
    boundary_margin: int | None = None
    boundary_threshold: float | None = None
    force_boundary_threshold: bool = False
    ambiguity_tau: float | None = None
    attributes: str | None = None
    attribute_classifier: str | None = None
    attribute_names: tuple[str, ...] | None = None
    off_condition: bool = False
    conditions: tuple[int, ...] | None = None
    freeze_discriminator: bool = False
    grid_every: int = 10
    recipe: str | recipes.Recipe | None = None
    epochs: int | None = None
    lam: float | None = None
    alpha_plus: float | None = None
    alpha_minus: float | None = None
    tau: float | None = None
    queries_per_round: int | None = None
    generator: str | None = None
    discriminator: str | None = None
    classifier: str | None = None
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    output_dir: str | None = None
    eval_samples: int = 50_000
    monitor_samples: int = 5_000
    batch_size: int = 64
    steps_per_epoch: int | None = None
    seed: int = 0
    jit_compile: bool | None = None
    strategy: str = "default"
    mixed_precision: str = "float32"
    export: bool = True
    export_dir: str | None = None
    target_invalidity: float | None = None
    confidence: float = 0.95
    max_epochs: int | None = None
    min_quality: float = 0.91
    max_class_drift: float | None = 2.0
    judge: str | None = None
    model_contract: dict | None = None
    verbose: int = 1

    def __post_init__(self):
        methods.get(self.method)  # raises for an unknown method
        if self.labels is not None and not self.labels and not self.presets:
            raise ValueError("labels must name at least one label (or give a preset: "
                             "boundary_margin, ambiguity_tau, attributes, off_condition); "
                             "received none")
        by_functions = [p for p in self.presets if p != "off_condition"]
        if self.method == "data" and by_functions:
            raise ValueError(
                f"The presets {', '.join(by_functions)} are described by functions, not "
                "by samples: use method 'validity' or 'classifier' to redact them (with "
                "labels, if any, described the same way)")
        if self.conditions is not None:
            if not self.conditions:
                raise ValueError("conditions must name at least one condition (or be None: "
                                 "every condition); received none")
            if not self.redacted_labels:
                raise ValueError("conditions are the conditions labels are redacted under; "
                                 f"received conditions={list(self.conditions)} without labels")
            for condition in self.conditions:
                checks.integer("conditions", condition, minimum=0)
        if self.ambiguity_tau is not None and not 0.0 < self.ambiguity_tau < 1.0:
            raise ValueError(f"ambiguity_tau must be in (0, 1); received {self.ambiguity_tau!r}")
        if self.attributes is not None and not self.attribute_classifier:
            raise ValueError("attributes needs attribute_classifier (a multi-label .keras "
                             "model) and attribute_names")
        # The overrides are checked here, before any work, by the recipes' own checks.
        self.settings_of(self.recipe or "paper")
        check_positive_integers(self, ("eval_samples", "monitor_samples", "batch_size",
                                       "grid_every"))
        check_positive_integers(self, ("steps_per_epoch",), optional=True)
        distribute.check_names(self.strategy, self.mixed_precision)
        if self.max_class_drift is not None:
            checks.number("max_class_drift", self.max_class_drift, 1.0, float("inf"))
        self.declared_contract()
        if self.export and self.export_dir:
            export.check_base(self.export_dir)
        self._check_target()

    def _check_target(self):
        if self.target_invalidity is None:
            if self.max_epochs is not None:
                raise ValueError("max_epochs is the budget of a target_invalidity run; "
                                 f"received max_epochs={self.max_epochs} without a target "
                                 "(use epochs)")
            return
        certificates.certification_samples(self.target_invalidity, self.confidence)  # checks
        if self.epochs is not None:
            raise ValueError("with target_invalidity the run stops when the target is "
                             "certified, within max_epochs; received epochs="
                             f"{self.epochs} (give max_epochs)")
        checks.integer("max_epochs", self.max_epochs, optional=True)
        checks.number("min_quality", self.min_quality, 0.0, 1.0, high_open=False)

    def declared_contract(self) -> dict:
        """`model_contract` as `contract.adapt`'s keyword arguments, checked."""
        declared = dict(self.model_contract or {})
        unknown = sorted(set(declared) - set(CONTRACT_KEYS))
        if unknown:
            raise ValueError(f"model_contract takes {', '.join(CONTRACT_KEYS)}; received "
                             f"{', '.join(unknown)}")
        for key in ("generator_range", "discriminator_range", "classifier_range"):
            if key in declared:
                contract_lib.check_range(key, declared[key])
        if not isinstance(declared.get("discriminator_real", True), bool):
            raise ValueError("model_contract's discriminator_real must be True or False; "
                             f"received {declared['discriminator_real']!r}")
        output = declared.get("discriminator_output")
        if output is not None and output not in contract_lib.DISCRIMINATOR_OUTPUTS:
            contract_lib.find_discriminator_output(None, output)  # refuses with the reason
        return declared

    def settings_of(self, recipe: str | recipes.Recipe) -> recipes.Settings:
        """The named recipe's settings for this job's method, with this job's overrides."""
        return recipes.get(recipe).settings(
            self.method, epochs=self.epochs, lam=self.lam, alpha_plus=self.alpha_plus,
            alpha_minus=self.alpha_minus, tau=self.tau,
            queries_per_round=self.queries_per_round, jit_compile=self.jit_compile)

    @property
    def presets(self) -> tuple[str, ...]:
        """The presets asked for, besides labels."""
        given = {"boundary": self.boundary_margin, "ambiguity": self.ambiguity_tau,
                 "attributes": self.attributes,
                 "off_condition": True if self.off_condition else None}
        return tuple(name for name, value in given.items() if value is not None)

    @property
    def redacted_labels(self) -> tuple[int, ...]:
        """The labels to redact: `labels`, or digit 0 when neither they nor a preset is given."""
        if self.labels is None:
            return () if self.presets else (0,)
        return tuple(self.labels)

    @property
    def shipped_classifier(self) -> bool:
        """Whether the label classifier is the shipped MNIST one."""
        return self.classifier is None or (
            pathlib.Path(self.classifier).resolve() == (PRETRAINED / "classifier.keras"))


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


@dataclasses.dataclass
class Trained:
    """What `train` leaves: the model, its callbacks' records and the time it took."""

    model: RedactionGAN
    monitor: InvalidityMonitor
    timer: kr_callbacks.TrainTime
    grid: kr_callbacks.SampleGrid
    rounds: object
    fit_seconds: float
    resumed_epochs: int = 0
    stop: object = None
    guard: object = None


def load_models(config: RedactConfig) -> Models:
    """Loads G, D, the label classifier and the judge (the shipped MNIST ones by default)."""
    judge = config.judge or (SHIPPED_JUDGE if config.shipped_classifier
                             and config.dataset == sources.EMBEDDED else None)
    return Models(
        io.load_keras(config.generator or PRETRAINED / "generator.keras", "generator"),
        io.load_keras(config.discriminator or PRETRAINED / "discriminator.keras",
                      "discriminator"),
        io.load_keras(config.classifier or PRETRAINED / "classifier.keras", "classifier"),
        judge=io.load_keras(judge, "judge") if judge else None)


def load_data(config: RedactConfig, conditional: bool = False) -> Data:
    """Loads the training split of `config.dataset` and materialises it in [-1, 1].

    Args:
        conditional: The samples are pairs (a conditional GAN's): the data need labels.

    Raises:
        ValueError: If a conditional GAN's data have no labels.
    """
    source = sources.load(config.dataset, "train", data_dir=config.data_dir)
    if conditional and source.num_classes is None:
        raise ValueError(f"A conditional GAN redacts pairs (x, y); the data {config.dataset!r} "
                         "have no labels")
    images, labels = pipeline.to_numpy(source)
    return Data(source, images, labels, conditional)


def steps_per_epoch(config: RedactConfig, kept: int) -> int:
    """Train steps an epoch: `config.steps_per_epoch`, else one pass over the `kept`
    training samples (the one count every step of the job uses)."""
    return config.steps_per_epoch or kept // config.batch_size


def choose_settings(config: RedactConfig, data: Data) -> tuple[str, recipes.Settings]:
    """The recipe's name and settings: `config.recipe`, or the recommended one for the data.

    The recommendation counts the steps of an epoch (`steps_per_epoch`) over the data
    outside the redacted labels (the presets' parts of Omega need the recipe's settings,
    so they are not counted here), and takes `conditional` for a conditional GAN.
    """
    kept = int(np.count_nonzero(~np.isin(data.labels, config.redacted_labels or ())))
    recipe = config.recipe or recipes.recommended(
        config.method, steps_per_epoch(config, kept), data.images.shape[1:], data.conditional)
    return recipes.get(recipe).name, config.settings_of(recipe)


def omega_classifier(config: RedactConfig, settings: recipes.Settings, models: Models):
    """The classifier that describes Omega (v, f): the recipe's, with the shipped evaluator.

    A recipe's `redaction_classifier` was distilled from the shipped label classifier on
    the shipped data, so it stands in for it only there; with a user's classifier, that
    classifier describes Omega too.
    """
    path = settings.redaction_classifier_path()
    if path is None or not config.shipped_classifier or config.dataset != sources.EMBEDDED:
        return models.classifier
    return io.load_keras(path, "redaction classifier")


def check_classifiers(config: RedactConfig, models: Models, f, data: Data) -> None:
    """Raises ValueError unless the label classifiers give one logit per class of the data.

    A classifier with another number of outputs runs to the end and reports figures that
    mean nothing (a 3-output model on 10-class data); it is refused before any work.
    """
    classes = data.source.num_classes
    judged = [("judge", models.judge, config.judge)] if models.judge else []
    for what, model, path in (("classifier", models.classifier, config.classifier),
                              ("redaction classifier", f, None), *judged):
        outputs = tuple(model.outputs[0].shape[1:])
        if len(outputs) != 1 or outputs[0] is None or outputs[0] < 2:
            raise ValueError(f"The {what} {path or model.name} gives outputs of shape "
                             f"{outputs}; a label classifier gives one logit per class")
        if classes is not None and outputs[0] != classes:
            raise ValueError(f"The {what} {path or model.name} gives {outputs[0]} outputs but "
                             f"the data {config.dataset!r} have {classes} classes "
                             f"(labels 0..{classes - 1}); it must give one per class")


def check_conditions(config: RedactConfig, models: Models, data: Data) -> None:
    """Raises ValueError unless the conditional settings fit the models and the data.

    `off_condition` and `conditions` need a conditional G; a conditional G needs a
    conditional D and as many conditions as the data have classes (its `num_classes`
    attribute, set from the data when the model has none); conditions must be labels.
    """
    if not models.conditional:
        given = [name for name, value in (("off_condition", config.off_condition),
                                          ("conditions", config.conditions)) if value]
        if given:
            raise ValueError(f"{' and '.join(given)} apply to conditional generators "
                             "([latents, labels] inputs); the generator "
                             f"{config.generator or 'shipped'} takes latents only")
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
                         f"{config.dataset!r} have {classes} classes")
    bad = [c for c in config.conditions or () if c >= classes]
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
    declared = config.declared_contract()
    g_range = contract_lib.find_generator_range(
        models.generator, declared.get("generator_range", "detect"), seed=config.seed)
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
        discriminator_real=declared.get("discriminator_real"), seed=config.seed)
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
                  adapted.classifiers[1] if judges else None), adapted_f


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


def describe_omega(config: RedactConfig, settings: recipes.Settings, models: Models, f,
                   data: Data) -> Omega:
    """Builds the redaction set (labels and presets) and finds its training samples.

    Raises:
        ValueError: If fewer than one batch of training samples lie outside Omega.
    """
    with sets.progress(config.verbose, "Describing Omega on the training data"):
        parts = redaction_parts(config, settings, f, data.images, data.labels)
        if data.conditional:
            parts = conditional_parts(config, settings, f, parts, data)
        in_omega = _omega_mask(parts, config, data)
    kept = int(np.count_nonzero(~in_omega))
    if kept < config.batch_size:
        raise ValueError(f"Only {kept} training samples remain outside the redaction set; "
                         f"fewer than one batch of {config.batch_size}")
    counted = membership.of_labels(models.classifier, config.redacted_labels,
                                   conditional=data.conditional, conditions=config.conditions,
                                   off_condition=config.off_condition)
    memberships = {name: counted.get(name, part.contains) for name, part in parts.items()}
    return Omega(parts, union(list(parts.values())), in_omega,
                 any_of(list(memberships.values())),
                 memberships if len(memberships) > 1 else None,
                 membership.judged(models.classifier, models.judge, config.redacted_labels,
                                   conditional=data.conditional, conditions=config.conditions,
                                   off_condition=config.off_condition))


def kept_batches(config: RedactConfig, omega: Omega, data: Data):
    """Shuffled batches of the kept data (with f's values for classifier sets).

    A conditional GAN's batches are `(images, labels)` pairs.
    """
    repeat = config.steps_per_epoch is not None
    kept = ~omega.in_omega
    if methods.of(omega.redaction_set).guided and not config.freeze_discriminator:
        with sets.progress(config.verbose, "Scoring the kept data with f"):
            return scored_batches(data.kept(omega.in_omega), omega.redaction_set,
                                  config.batch_size, seed=config.seed, repeat=repeat)
    if list(omega.parts) == ["labels"] and not data.conditional:
        return pipeline.batches(data.source, config.batch_size, seed=config.seed,
                                part="kept", repeat=repeat,
                                predicate=pipeline.label_predicate(config.redacted_labels))
    # The kept samples as materialised (float32): the pipeline passes them through.
    return pipeline.batches(sources.from_arrays(data.images[kept], data.labels[kept],
                                                name=data.source.name),
                            config.batch_size, seed=config.seed, repeat=repeat,
                            with_labels=data.conditional)


def measure(generator, classifier, omega: Omega, num_samples: int, seed: int,
            verbose: int = 0) -> dict:
    """The generator's figures (`evaluation.measure`): invalidity with its 95% interval,
    each part's, the IS, the class shares and the judge's count."""
    return measure_lib.measure(generator, classifier, omega.membership, num_samples,
                               seed=seed, parts=omega.part_memberships, judged=omega.judged,
                               progress=bool(verbose))


def stopping(config: RedactConfig, models: Models, omega: Omega, data: Data,
             output: pathlib.Path):
    """With a target, the `CertifiedStopping` callback and its quality guard, else None.

    The guard's filter (the pre-trained G with its Omega samples rejected) is measured
    here, so call this before training changes G.
    """
    if config.target_invalidity is None:
        return None
    guard = quality.QualityAgainstFilter(
        models.generator, models.classifier, omega.membership,
        data.images[~omega.in_omega], num_samples=10_000,
        seed=seeds.derive(config.seed, "target_filter"))
    return CertifiedStopping(
        omega.membership, config.target_invalidity, config.confidence, quality=guard,
        min_quality=config.min_quality, seed=config.seed, verbose=config.verbose,
        evaluator=f"{_describe(config)}, by the label classifier "
                  f"{config.classifier or 'shipped with keras-redact (mnist)'}",
        state_dir=output / BACKUP_DIR)


def quality_guard(config: RedactConfig, models: Models, omega: Omega):
    """The `QualityGuard` of a run without a target (a target run guards FID and IS), or
    None. Measures the filter now, so call it before training changes G."""
    if config.target_invalidity is not None or config.max_class_drift is None:
        return None
    # At least 2,000 samples: class shares of a few hundred move by 2x on noise alone.
    return QualityGuard(models.generator, models.classifier, omega.membership,
                        num_samples=max(config.monitor_samples, GUARD_SAMPLES),
                        max_ratio=config.max_class_drift,
                        seed=seeds.derive(config.seed, "quality_guard"), verbose=config.verbose)


class TargetNotCertified(ValueError):
    """A target-invalidity run ended its budget without a certificate."""


def train(config: RedactConfig, settings: recipes.Settings, models: Models, omega: Omega,
          data: Data, batches, output: pathlib.Path, stop=None) -> Trained:
    """Redacts: compiles a `RedactionGAN` with the recipe and fits it on the kept data.

    Args:
        stop: Optional `CertifiedStopping` (see `stopping`).
    """
    steps = steps_per_epoch(config, omega.kept)
    model = RedactionGAN(models.generator, models.discriminator, omega.redaction_set,
                         seed=config.seed,
                         discriminator_output="logit" if models.from_logits else "probability")
    model.compile(**settings.compile_kwargs(
        steps, d_steps=0 if config.freeze_discriminator else 1))
    monitor = InvalidityMonitor(omega.membership, config.monitor_samples,
                                seed=seeds.derive(config.seed, "monitor"))
    grid = kr_callbacks.SampleGrid(
        output / "samples", seed=config.seed,
        every_batches=config.grid_every if config.freeze_discriminator else None)
    timer = kr_callbacks.TrainTime()  # first: Alg. 2's queries count, the monitor does not
    recipe_callbacks = settings.callbacks(seed=config.seed)
    rounds = next((c for c in recipe_callbacks if isinstance(c, ValidityRounds)), None)
    state = RunState(output / BACKUP_DIR, monitor=monitor, rounds=rounds, timer=timer,
                     stop=stop)
    state.restore()  # a killed run's records, when resuming it
    guard = quality_guard(config, models, omega)
    callbacks = [timer, *recipe_callbacks, monitor, *([stop] if stop else []),
                 *([guard] if guard else []), grid,
                 keras.callbacks.CSVLogger(str(output / "history.csv"), append=True),
                 # Last: the records first, then the weights (BackupAndRestore), so a
                 # kill between the two leaves records one epoch ahead, which `restore`
                 # cuts back to the weights' epoch.
                 state, keras.callbacks.BackupAndRestore(str(output / BACKUP_DIR))]
    redaction_samples = (None if methods.of(omega.redaction_set).fixed_buffer
                         else omega.redaction_set.initial_samples(data.samples))
    start = time.time()
    # A killed run that had certified already resumes with nothing left to train.
    epochs = state.resumed_epochs if (stop and stop.certificate) else settings.epochs
    history = model.fit(batches, epochs=epochs, verbose=config.verbose,
                        callbacks=callbacks, redaction_samples=redaction_samples,
                        steps_per_epoch=config.steps_per_epoch)
    if not history.epoch and state.resumed_epochs:  # killed after the last epoch's save
        model.finalize_averages()
    return Trained(model, monitor, timer, grid, rounds, time.time() - start,
                   state.resumed_epochs, stop, guard)


def redact(config: RedactConfig) -> dict:
    """Runs one redaction job; returns the figures written to `metrics.json`.

    Raises:
        ValueError: For bad hyper-parameters, labels, or shapes that do not fit, before
            any training.
        FileExistsError: If the output directory exists and holds anything but an
            unfinished run with the same settings (which is resumed), or another live
            process writes in it (`run_folder.FolderInUse`).
        PermissionError: If the output or export folder is not writable.
    """
    start = time.time()
    strategy = distribute.strategy_from_name(config.strategy)
    distribute.check_global_batch(config.batch_size, strategy)
    resume = check_output_dir(config)
    with RunLock() as lock:  # one writer per run folder, for the life of the job
        if config.output_dir and pathlib.Path(config.output_dir).is_dir():
            lock.take(config.output_dir)
            resume = check_output_dir(config)  # as the lock's last holder left it
        with distribute.precision(config.mixed_precision), strategy.scope():
            return _redact(config, start, resume, lock)


def _redact(config: RedactConfig, start: float, resume: bool = False,
            lock: RunLock | None = None) -> dict:
    say = print if config.verbose else (lambda *a, **k: None)
    models = load_models(config)
    data = load_data(config, models.conditional)
    check_conditions(config, models, data)
    recipe, settings = choose_settings(config, data)
    if config.target_invalidity is not None:  # the epochs are a budget
        settings = settings.replace(epochs=config.max_epochs or 3 * settings.epochs)
    f = omega_classifier(config, settings, models)
    check_fit(models, f, data)
    models, f = adapt_models(config, models, f, data)
    for line in models.contract.lines():
        say(f"  {line}")
    check_classifiers(config, models, f, data)
    omega = describe_omega(config, settings, models, f, data)
    if resume:
        output = pathlib.Path(config.output_dir)
        say(f"Resuming the unfinished run in {output}")
    else:
        output = (lock.folder if lock and lock.folder else
                  io.output_dir(config.output_dir, "redact"))  # the checks above passed
        if lock is not None:
            lock.take(output)
        io.write_json(output / RUN_FILE, _run_record(config))
        say(f"Writing to {output} (if stopped, the same command with "
            f"--output_dir={output} resumes it)")
    keras.utils.set_random_seed(config.seed)

    say(f"Measuring the pre-trained generator on {config.eval_samples} samples...")
    before = measure(models.generator, models.classifier, omega, config.eval_samples,
                     config.seed, config.verbose)
    say(f"  invalidity {before['invalidity']:.3g}, IS {before['inception_score']:.3f}")
    before_grid = kr_callbacks.SampleGrid(output / "samples", seed=config.seed)
    before_grid.set_model(models.generator)
    before_grid = before_grid.grid()

    method = methods.of(omega.redaction_set).name
    say(f"Redacting {_describe(config)} with the {method}-based method, "
        f"recipe {recipe}{_unmeasured(recipe)}, for {settings.epochs} epochs on "
        f"{omega.kept} kept samples...")
    stop = stopping(config, models, omega, data, output)
    trained = train(config, settings, models, omega, data,
                    kept_batches(config, omega, data), output, stop)

    say(f"Measuring the redacted generator on {config.eval_samples} samples...")
    after = measure(models.generator, models.classifier, omega, config.eval_samples,
                    config.seed, config.verbose)
    say(f"  invalidity {after['invalidity']:.3g}, IS {after['inception_score']:.3f}")
    judge_grid = after.pop("judge_grid", None)
    before.pop("judge_grid", None)
    metrics = metrics_of(config, recipe, settings, omega, data, trained, before, after,
                         output, f is not models.classifier, time.time() - start)
    metrics["model_contract"] = models.contract.as_dict()
    metrics["quality_guard"] = trained.guard.as_dict() if trained.guard else None
    metrics["judge"] = judge_record(config, before, after)
    if metrics["judge"]:
        judged = metrics["judge"]["after"]
        say(f"  the judge counts {judged['invalidity']:.3g} of the labels' samples, the "
            f"classifier {judged['classifier_invalidity']:.3g}; they disagree on "
            f"{judged['disagreements']} of {config.eval_samples}")
        if metrics["judge"]["message"]:
            say(metrics["judge"]["message"])
    write_results(models, trained, metrics, before_grid, output, judge_grid)
    if stop is not None and stop.certificate is None:
        best = next((c for c in stop.history if c["epoch"] == stop.best_epoch), None)
        reached = (f"the best epoch that kept quality ({best['epoch']}) measured "
                   f"invalidity {best['invalidity']:.3g}, quality {best.get('quality', 1):.3f}"
                   if best else "no epoch kept quality")
        raise TargetNotCertified(
            f"target invalidity {config.target_invalidity:g} not certified at "
            f"{config.confidence:.0%} within {settings.epochs} epochs: {reached}; not "
            f"exported; metrics.json, report.md and the generator are in {output}")
    if stop is not None:
        say(f"Certified: {stop.certificate.statement}")
    if config.export:
        export_results(models.generator, config, metrics, output)
        say(f"Exported for TF Serving: {metrics['export']}")
    return metrics


def metrics_of(config, recipe, settings, omega, data, trained, before, after, output,
               distilled_f, seconds) -> dict:
    """The figures and settings of a run, as `metrics.json` holds them."""
    model, rounds, timer = trained.model, trained.rounds, trained.timer
    parts = omega.parts
    return {
        "method": methods.of(omega.redaction_set).name,
        "labels": list(config.redacted_labels),
        "presets": {"boundary_margin": config.boundary_margin,
                    "boundary_threshold": (parts["boundary"].validity_fn.threshold
                                           if "boundary" in parts else None),
                    "ambiguity_tau": config.ambiguity_tau, "attributes": config.attributes,
                    **({"off_condition": config.off_condition} if data.conditional else {})},
        "conditional": data.conditional,
        "conditions": (list(config.conditions) if config.conditions
                       else None),
        "freeze_discriminator": config.freeze_discriminator,
        "recipe": recipe,
        # The epochs run (a target run stops when it is certified).
        "epochs": len(trained.monitor.values) - 1,
        "steps_per_epoch": steps_per_epoch(config, omega.kept),
        # The first epoch's lam; lam_schedule: each epoch's, the last one for the rest.
        "lam": settings.lam,
        "lam_schedule": list(settings.lam_schedule) if settings.lam_schedule else None,
        "alpha_plus": model.alpha_plus, "alpha_minus": model.alpha_minus,
        "g_steps": model.g_steps, "d_steps": model.d_steps, "guide_omega": model.guide_omega,
        # What the optimizers hold (float32), to 6 significant digits: 1e-4, not 9.99e-05.
        "g_learning_rate": float(f"{float(model.g_optimizer.learning_rate):.6g}"),
        "d_learning_rate": float(f"{float(model.d_optimizer.learning_rate):.6g}"),
        **_average_of(model.g_optimizer),
        "g_ema_start_epochs": settings.g_ema_start_epochs if settings.g_ema_momentum else None,
        "g_updates": int(model.g_optimizer.iterations.numpy()),
        "tau": settings.tau if config.method == "classifier" else None,
        "redaction_classifier": (str(settings.redaction_classifier_path()) if distilled_f
                                 else None),
        "queries_per_round": (settings.queries_per_round if config.method == "validity"
                              else None),
        "first_round_queries": (settings.first_round_queries if config.method == "validity"
                                else None),
        "eval_samples": config.eval_samples,
        "invalidity_before": before["invalidity"],
        "invalidity_after": after["invalidity"],
        "invalidity_ci_before": before["invalidity_ci"],
        "invalidity_ci_after": after["invalidity_ci"],
        "inception_score_before": before["inception_score"],
        "inception_score_after": after["inception_score"],
        # IS = classes x confidence (`quality.inception_score_parts_from_logits`).
        "inception_score_parts_before": before["inception_score_parts"],
        "inception_score_parts_after": after["inception_score_parts"],
        "class_shares_before": before["class_shares"],
        "class_shares_after": after["class_shares"],
        "invalidity_parts_before": before.get("invalidity_parts"),
        "invalidity_parts_after": after.get("invalidity_parts"),
        **_conditional_figures(before, after),
        "invalidity_per_epoch": trained.monitor.values,
        "monitor_samples": config.monitor_samples,
        "redaction_samples": int(model.redaction_count.numpy()),
        # v on the training data, then each round's queries.
        "validity_queries": (len(data.images) + getattr(omega.redaction_set, "candidate_queries", 0)
                             + sum(r["queries"] for r in rounds.history)
                             if rounds else None),
        "fit_seconds": round(trained.fit_seconds, 1),
        # A resumed run: the epochs the killed run had finished (None: not resumed).
        "resumed_from_epoch": trained.resumed_epochs or None,
        # The epochs alone: fit without the per-epoch monitor and sample grids.
        "train_seconds": round(timer.seconds, 1),
        # Each epoch's share of it; the first includes tracing and compiling the step.
        "train_epoch_seconds": [round(t, 2) for t in timer.epoch_seconds],
        # The same epochs in the process's CPU time (all threads).
        "train_epoch_cpu_seconds": [round(t, 2) for t in timer.epoch_cpu_seconds],
        "seconds": round(seconds, 1),
        "seed": config.seed,
        "dataset": config.dataset,
        "strategy": config.strategy,
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "mixed_precision": config.mixed_precision,
        "jit_compile": settings.jit_compile,
        "keras_redact_version": __version__,
        "output_dir": str(output),
        "export": None,
        **_target_metrics(config, settings, trained.stop),
    }


def _target_metrics(config, settings, stop) -> dict:
    """A target run's certificate, budget and quality against the filter."""
    if stop is None:
        return {"target_invalidity": None, "certificate": None}
    delivered = next((c for c in stop.history if c["epoch"] == stop.best_epoch), None)
    return {
        "target_invalidity": config.target_invalidity,
        "confidence": config.confidence,
        "max_epochs": settings.epochs,
        "min_quality": config.min_quality,
        "certified": stop.certificate is not None,
        "certificate": stop.certificate.as_dict() if stop.certificate else None,
        "certification_samples": certificates.certification_samples(config.target_invalidity,
                                                               config.confidence),
        "minimum_samples": certificates.minimum_samples(config.target_invalidity,
                                                   config.confidence),
        "stopped_at_epoch": len(stop.history),
        "delivered_epoch": stop.best_epoch,
        "quality_vs_filter": ({k: delivered[k] for k in delivered
                               if k not in ("epoch", "certificate")} if delivered else None),
        "checks": stop.history,
    }


def write_results(models: Models, trained: Trained, metrics: dict, before_grid,
                  output: pathlib.Path, judge_grid=None) -> None:
    """Writes the grids, the invalidity plot, G and D, `metrics.json` and `report.md`.

    They are written before the export, so an export that fails loses none of them.
    `judge_grid`: the samples the judge finds most Omega-like after redaction
    (`judge_most_omega_like.png`).
    """
    if judge_grid is not None and len(judge_grid):
        io.write_png(output / JUDGE_GRID_FILE, io.image_grid(judge_grid, columns=8))
    io.write_png(output / "before_after.png",
                 np.concatenate([before_grid, trained.grid.grid()], axis=1))
    plot_invalidity({f"{metrics['method']}-based": trained.monitor.values},
                    output / "invalidity.png")
    generator, discriminator = models.saved or (models.generator, models.discriminator)
    io.save_keras(generator, output / "generator.keras")
    io.save_keras(discriminator, output / "discriminator.keras")
    io.write_json(output / "metrics.json", metrics)
    io.write_bytes(output / "report.md", markdown_report(metrics).encode())


def export_results(generator, config: RedactConfig, metrics: dict,
                   output: pathlib.Path) -> pathlib.Path:
    """Exports G as the next version under `config.export_dir` (default `<output>/export`).

    `metrics["export"]`, `metrics.json` and `report.md` then name the version. If the
    export fails, the files `write_results` wrote stay, and the error says so.
    """
    base = pathlib.Path(config.export_dir) if config.export_dir else output / "export"
    try:
        path = export.export_generator(generator, base, metadata=metrics)
    except (OSError, ValueError) as error:
        raise type(error)(f"{error} (the run's results are kept in {output})") from error
    metrics["export"] = str(path)
    io.write_json(output / "metrics.json", metrics)
    io.write_bytes(output / "report.md", markdown_report(metrics).encode())
    return path


def _conditional_figures(before: dict, after: dict) -> dict:
    """A conditional G's per-label invalidity and conditional accuracy, before and after."""
    if "invalidity_per_label" not in before:
        return {}
    return {f"{key}_{when}": figures[key]
            for key in ("invalidity_per_label", "conditional_accuracy",
                        "conditional_accuracy_per_label")
            for when, figures in (("before", before), ("after", after))}


def _unmeasured(recipe: str) -> str:
    """`" (unmeasured ...)"` for a recipe with no record of what it reaches, else ""."""
    measured = recipes.get(recipe).measured
    return "" if measured != "unmeasured" else " (the paper's values, unmeasured on this package)"


def _describe(config: RedactConfig) -> str:
    what = [f"labels {list(config.redacted_labels)}"] if config.redacted_labels else []
    if what and config.conditions:
        what[0] += f" under conditions {list(config.conditions)}"
    if config.off_condition:
        what.append("off-condition samples")
    if config.boundary_margin is not None:
        what.append(f"boundary artifacts (margin {config.boundary_margin})")
    if config.ambiguity_tau is not None:
        what.append(f"ambiguous samples (tau {config.ambiguity_tau})")
    if config.attributes is not None:
        what.append(f"attributes {config.attributes!r}")
    return " + ".join(what)


JUDGE_GRID_FILE = "judge_most_omega_like.png"
def judge_record(config: RedactConfig, before: dict, after: dict) -> dict | None:
    """`metrics.json`'s `judge`: the label parts counted by the classifier and the judge
    before and after, and one line when their intervals do not meet after redaction
    (a generator that fools the classifier: the paper's App. H)."""
    if "judge" not in after:
        return None
    judged = after["judge"]
    more = judged["invalidity"] > judged["classifier_invalidity"]
    message = None if judged["intervals_meet"] else (
        f"The judge counts {judged['invalidity']:.3g} of the redacted labels' samples, the "
        f"classifier {judged['classifier_invalidity']:.3g}: their 95% intervals do not "
        "meet; " + ("the generator may draw samples that fool the classifier (App. H)"
                    if more else "the classifier is the stricter count here")
        + f"; see {JUDGE_GRID_FILE}")
    return {"judge": str(config.judge or SHIPPED_JUDGE), "before": before["judge"],
            "after": judged, "message": message}


def redaction_parts(config: RedactConfig, settings: recipes.Settings, classifier, images,
                    image_labels) -> dict:
    """The redaction set's parts, `{name: RedactionSet}`: labels and presets.

    Raises:
        ValueError: For labels, thresholds or expressions that do not fit the data or the
            classifiers.
    """
    parts = {}
    labels = config.redacted_labels
    if labels:
        parts["labels"] = labels_set(config.method, classifier, labels, images=images,
                                     image_labels=image_labels, tau=settings.tau,
                                     queries_per_round=settings.queries_per_round)
    if config.boundary_margin is not None:
        parts["boundary"] = presets.boundary_set(
            images, config.boundary_margin, config.boundary_threshold,
            queries_per_round=settings.queries_per_round,
            force=config.force_boundary_threshold)
    if config.ambiguity_tau is not None:
        parts["ambiguity"] = presets.ambiguity_set(classifier, config.ambiguity_tau)
    if config.attributes is not None:
        attribute_classifier = io.load_keras(config.attribute_classifier,
                                             "attribute classifier")
        takes = tuple(attribute_classifier.inputs[0].shape[1:])
        if takes != tuple(images.shape[1:]):
            raise ValueError(f"The attribute classifier takes images of shape {takes} but the "
                             f"data's are {tuple(images.shape[1:])}")
        parts["attributes"] = presets.attributes_set(
            config.attributes, attribute_classifier, config.attribute_names, config.method,
            tau=settings.tau, queries_per_round=settings.queries_per_round)
    return parts


def conditional_parts(config: RedactConfig, settings: recipes.Settings, classifier,
                      parts: dict, data: Data) -> dict:
    """A conditional GAN's redaction set's parts, sets of pairs (docs/conditional.md).

    Labels are redacted under `config.conditions` (every condition by default), the
    presets on images under every condition, and `off_condition` adds the off-condition
    pairs.
    """
    pairs = {}
    for name, part in parts.items():
        if name == "labels":
            pairs[name] = presets.conditional_labels_set(
                config.method, classifier, config.redacted_labels, config.conditions,
                images=data.images, image_labels=data.labels, tau=settings.tau,
                queries_per_round=settings.queries_per_round)
        else:
            pairs[name] = sets.for_every_condition(part)
    if config.off_condition:
        pairs["off_condition"] = presets.off_condition_set(
            config.method, classifier, images=data.images, image_labels=data.labels,
            tau=settings.tau, queries_per_round=settings.queries_per_round, seed=config.seed)
    return pairs


def _omega_mask(parts: dict, config: RedactConfig, data: Data) -> np.ndarray:
    """Which training samples lie in Omega: true labels for labels, membership otherwise.

    A conditional GAN's training pairs are `(x, its label)`: in the labels part when
    the label is redacted under that condition.
    """
    mask = np.zeros(len(data.images), bool)
    for name, part in parts.items():
        if name == "labels":
            in_part = np.isin(data.labels, config.redacted_labels)
            if data.conditional and config.conditions:
                in_part &= np.isin(data.labels, config.conditions)
            mask |= in_part
        else:
            mask |= part.split_mask(data.samples)
    return mask



def _average_of(optimizer) -> dict:
    """The moving average of the weights G's `optimizer` keeps, as metrics.json records it.

    Read back from the optimizer (inside a `LossScaleOptimizer` under mixed_float16):
    `g_ema_momentum` (0.0 without an average; to 6 significant digits), `g_ema_warmup`
    (whether it is a `WarmupEMAAdam`) and `g_ema_start_update` (its `ema_start`), both
    None without an average.
    """
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if not optimizer.use_ema:
        return {"g_ema_momentum": 0.0, "g_ema_warmup": None, "g_ema_start_update": None}
    warmup = isinstance(optimizer, WarmupEMAAdam)
    return {"g_ema_momentum": float(f"{float(optimizer.ema_momentum):.6g}"),
            "g_ema_warmup": warmup, "g_ema_start_update": optimizer.ema_start if warmup else None}
