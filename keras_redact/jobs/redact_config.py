"""`RedactConfig`: one `bin/redact` job, every setting checked once on construction."""

from __future__ import annotations

import dataclasses

from keras_redact import checks, distribute, export
from keras_redact import contract as contract_lib
from keras_redact.data import sources
from keras_redact.evaluation import certificates
from keras_redact.jobs import check_positive_integers, is_shipped_classifier
from keras_redact.redaction import (
    methods,
    recipes,
)

CONTRACT_KEYS = ("generator_range", "discriminator_output", "discriminator_real",
                 "discriminator_range", "classifier_range")
"""What `model_contract` may declare."""


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
            (default: the shipped judge with the shipped classifier and data, else none;
            `""`: none).
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
        return is_shipped_classifier(self.classifier)


def steps_per_epoch(config: RedactConfig, kept: int) -> int:
    """Train steps an epoch: `config.steps_per_epoch`, else one pass over the `kept`
    training samples (the one count every step of the job uses)."""
    return config.steps_per_epoch or kept // config.batch_size
