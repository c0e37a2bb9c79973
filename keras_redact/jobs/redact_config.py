"""`RedactConfig`: one `bin/redact` job, in five small frozen parts each checked once.

| part | holds | class |
|---|---|---|
| what to redact | method, labels, presets, conditions, Appendix H's frozen D | `What` |
| models and data | G, D, classifier, judge, dataset, declared contract | `Inputs` |
| training | recipe and its overrides, batch, steps, seed, scaling, class guard | `Training` |
| target | the certified invalidity, its confidence, budget and quality guard | `Target` |
| output | folder, evaluation samples, export, verbosity | `Output` |

`RedactConfig.of(**settings)` builds one from flat setting names (the command line's
flags, the Python API's keywords); each name belongs to exactly one part.
"""

from __future__ import annotations

import dataclasses

from keras_redact import checks, distribute, export
from keras_redact import contract as contract_lib
from keras_redact.data import sources
from keras_redact.evaluation import certificates
from keras_redact.jobs import audit as audit_job
from keras_redact.jobs import check_positive_integers, is_shipped_classifier
from keras_redact.redaction import methods, recipes

CONTRACT_KEYS = ("generator_range", "discriminator_output", "discriminator_real",
                 "discriminator_range", "classifier_range")
"""What `model_contract` may declare."""


@dataclasses.dataclass(frozen=True)
class What:
    """What to redact.

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
        self._check_conditions()
        if self.ambiguity_tau is not None and not 0.0 < self.ambiguity_tau < 1.0:
            raise ValueError(f"ambiguity_tau must be in (0, 1); received {self.ambiguity_tau!r}")
        if self.attributes is not None and not self.attribute_classifier:
            raise ValueError("attributes needs attribute_classifier (a multi-label .keras "
                             "model) and attribute_names")
        check_positive_integers(self, ("grid_every",))

    def _check_conditions(self):
        if self.conditions is None:
            return
        if not self.conditions:
            raise ValueError("conditions must name at least one condition (or be None: "
                             "every condition); received none")
        if not self.redacted_labels:
            raise ValueError("conditions are the conditions labels are redacted under; "
                             f"received conditions={list(self.conditions)} without labels")
        for condition in self.conditions:
            checks.integer("conditions", condition, minimum=0)

    @property
    def presets(self) -> tuple[str, ...]:
        """The presets asked for, besides labels."""
        given = {"boundary": self.boundary_margin, "ambiguity": self.ambiguity_tau,
                 "attributes": self.attributes,
                 "off_condition": True if self.off_condition else None}
        return tuple(name for name, value in given.items() if value is not None)

    @property
    def searchable(self) -> bool:
        """Whether Omega is what a latent search looks for (the audit, `search_feed`): the
        labels (under every condition) and off-condition samples, no other preset."""
        return not self.conditions and set(self.presets) <= {"off_condition"}

    @property
    def redacted_labels(self) -> tuple[int, ...]:
        """The labels to redact: `labels`, or digit 0 when neither they nor a preset is given."""
        if self.labels is None:
            return () if self.presets else (0,)
        return tuple(self.labels)


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The models and the data.

    Attributes:
        generator: Pre-trained generator `.keras` (default: the shipped MNIST DCGAN).
        discriminator: Pre-trained discriminator `.keras` (default: shipped).
        classifier: Label classifier `.keras` (default: the shipped MNIST classifier). It
            measures invalidity and the Inception Score and describes Omega too, unless
            the recipe names a classifier distilled from the shipped one for that.
        judge: An independent label classifier `.keras` that took no part in the
            redaction: the labels (and off-condition samples) are counted under it too,
            beside the classifier's count, with the samples where the two disagree
            (default: the shipped judge with the shipped classifier and data, else none;
            `""`: none).
        dataset: Dataset name or path (default: the embedded mnist_5k).
        data_dir: TFDS data folder.
        model_contract: What detection cannot tell about the models, declared
            (`keras_redact.contract.adapt`'s arguments): `{"generator_range": (0, 1),
            "discriminator_output": "logit", "discriminator_real": False,
            "discriminator_range": (-1, 1), "classifier_range": (0, 255)}`, any of them
            (`discriminator_real`: False for a D that labels fake as 1). None: all
            detected.
    """

    generator: str | None = None
    discriminator: str | None = None
    classifier: str | None = None
    judge: str | None = None
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    model_contract: dict | None = None

    def __post_init__(self):
        self.declared_contract()

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

    @property
    def shipped_classifier(self) -> bool:
        """Whether the label classifier is the shipped MNIST one."""
        return is_shipped_classifier(self.classifier)


@dataclasses.dataclass(frozen=True)
class Training:
    """How to train: a recipe, the overrides of its values, and the run's mechanics.

    Hyper-parameters come from a recipe (`keras_redact.redaction.recipes`): `recipe`, or
    the recommended one for the data and method when it is `None`. `epochs`, `lam`,
    `alpha_plus`, `alpha_minus`, `tau`, `queries_per_round` and `jit_compile` override the
    recipe's value when given (`None`: the recipe's); they are checked against the method
    by `RedactConfig`.

    Attributes:
        recipe: A recipe name (`recipes.RECIPES`), or a `recipes.Recipe`; `None`:
            `recipes.recommended(method, steps, sample shape)` for the data.
        epochs: Redaction epochs (the recipe's: 8 for MNIST-sized data).
        lam: Weight of p_G in the fake mixture, in (0, 1); replaces a recipe's schedule.
        alpha_plus: Positive smoothing target in (1/2, 1].
        alpha_minus: Negative smoothing target in [0, 1/2).
        tau: Threshold of the classifier-based set, in (0, 1).
        queries_per_round: T of the validity-based set.
        jit_compile: Compile the train step with XLA (`None`: the recipe's).
        batch_size: Batch size (64).
        steps_per_epoch: Train steps per epoch (default: one pass over the kept data). An
            `mnist_5k` pass is 56 steps where the paper's MNIST epoch is about 840. The
            data repeat as needed.
        seed: Random seed; every random stream of the job derives from it
            (`keras_redact.seeds`).
        strategy: `tf.distribute` strategy: `"default"`, `"mirrored"`, `"multi_worker"` or
            `"tpu"` (see `keras_redact.distribute`); `batch_size` is the global batch.
        mixed_precision: Keras dtype policy: `"float32"`, `"mixed_float16"` or
            `"mixed_bfloat16"`.
        monitor_samples: Samples for the invalidity measured after each epoch (also the
            quality guard's, in the same pass, when it is at least 2,000:
            `jobs.redact.GUARD_SAMPLES`).
        max_class_drift: The quality guard of a run without a target
            (`redaction.QualityGuard`): each kept class's share of G's samples must stay
            within this factor of the post-hoc filter's, else the run stops and keeps its
            best guarded epoch. None: no guard.
    """

    recipe: str | recipes.Recipe | None = None
    epochs: int | None = None
    lam: float | None = None
    alpha_plus: float | None = None
    alpha_minus: float | None = None
    tau: float | None = None
    queries_per_round: int | None = None
    jit_compile: bool | None = None
    batch_size: int = 64
    steps_per_epoch: int | None = None
    seed: int = 0
    strategy: str = "default"
    mixed_precision: str = "float32"
    monitor_samples: int = 2_000
    max_class_drift: float | None = 2.0

    def __post_init__(self):
        if self.recipe is not None:
            recipes.get(self.recipe)  # raises for an unknown recipe
        check_positive_integers(self, ("monitor_samples", "batch_size"))
        check_positive_integers(self, ("steps_per_epoch",), optional=True)
        checks.integer("seed", self.seed, minimum=0)
        distribute.check_names(self.strategy, self.mixed_precision)
        if self.max_class_drift is not None:
            checks.number("max_class_drift", self.max_class_drift, 1.0, float("inf"))

    def settings_of(self, method: str, recipe: str | recipes.Recipe) -> recipes.Settings:
        """The named recipe's settings for `method`, with these overrides."""
        return recipes.get(recipe).settings(
            method, epochs=self.epochs, lam=self.lam, alpha_plus=self.alpha_plus,
            alpha_minus=self.alpha_minus, tau=self.tau,
            queries_per_round=self.queries_per_round, jit_compile=self.jit_compile)

    def steps_per_epoch_of(self, kept: int) -> int:
        """Train steps an epoch: `steps_per_epoch`, else one pass over the `kept`
        training samples (the one count every step of the job uses)."""
        return self.steps_per_epoch or kept // self.batch_size


@dataclasses.dataclass(frozen=True)
class Target:
    """Redaction to a certified invalidity (`target_invalidity` None: train for epochs).

    Attributes:
        target_invalidity: Redact until this invalidity is certified (a one-sided upper
            confidence bound on fresh samples, `evaluation.certify`), then stop; `None`:
            train for `Training.epochs`. With a target, `max_epochs` is the budget.
        confidence: The certificate's confidence, in (0, 1).
        max_epochs: The budget with a target (default: 3x the recipe's epochs). If it
            ends first, the job writes its files and raises `TargetNotCertified`.
        min_quality: The quality guard with a target: the delivered G's quality against
            the post-hoc filter (the pre-trained G with its Omega samples rejected),
            min(FID of the filter / FID of G, IS of G / IS of the filter), must be at
            least this: 0.91 allows FID up to 1.1x the filter's and IS down to 0.91x.
    """

    target_invalidity: float | None = None
    confidence: float = 0.95
    max_epochs: int | None = None
    min_quality: float = 0.91

    def __post_init__(self):
        if self.target_invalidity is None:
            if self.max_epochs is not None:
                raise ValueError("max_epochs is the budget of a target_invalidity run; "
                                 f"received max_epochs={self.max_epochs} without a target "
                                 "(use epochs)")
            return
        certificates.certification_samples(self.target_invalidity, self.confidence)  # checks
        checks.integer("max_epochs", self.max_epochs, optional=True)
        checks.number("min_quality", self.min_quality, 0.0, 1.0, high_open=False)


@dataclasses.dataclass(frozen=True)
class Output:
    """What the job writes, and how much it measures.

    Attributes:
        output_dir: Where results go (default `runs/redact-<timestamp>`, a new folder even
            for runs started in the same second); must be new or empty.
        eval_samples: Samples for invalidity and IS before and after (paper: 50,000).
        export: Export the redacted generator for TF Serving.
        export_dir: Its TF Serving model base path (default `<output_dir>/export`, so each
            run is its own model); each export adds the next integer version.
        verbose: 1: progress bars and messages; 0: quiet.
        audit: After redaction, audit the redacted generator (`jobs.audit`, `bin/audit`'s
            defaults: latent search and fine-tuning revival, with G0 and the post-hoc
            filter as references) into `<output_dir>/audit/`, `metrics.json["audit"]`,
            `report.md` and the export's metadata. Label redaction (under every condition,
            for a conditional generator) and off-condition redaction; adds minutes. A dict
            audits with those `jobs.audit.AuditConfig` settings (`starts`, `steps`,
            `revival_epochs`, `omega_counts`, ...), the run giving the rest.
    """

    output_dir: str | None = None
    eval_samples: int = 50_000
    export: bool = True
    export_dir: str | None = None
    verbose: int = 1
    audit: bool | dict = False

    def __post_init__(self):
        check_positive_integers(self, ("eval_samples",))
        if isinstance(self.audit, dict):
            audit_job.check_run_settings(self.audit)
        elif not isinstance(self.audit, bool):
            raise ValueError("audit must be True, False or a dict of audit settings; "
                             f"received {self.audit!r}")
        if self.export and self.export_dir:
            export.check_base(self.export_dir)


PARTS = {"what": What, "inputs": Inputs, "training": Training, "target": Target,
         "output": Output}
"""The parts of a `RedactConfig`, by field name."""


@dataclasses.dataclass(frozen=True)
class RedactConfig:
    """One redaction job: what to redact, from which models and data, how to train, to
    which target, and what to write. Each part checks itself; this checks what crosses
    parts (a recipe's overrides against the method, a target against fixed epochs).

    Build one from flat setting names with `RedactConfig.of`, or from the parts.
    """

    what: What = What()
    inputs: Inputs = Inputs()
    training: Training = Training()
    target: Target = Target()
    output: Output = Output()

    def __post_init__(self):
        for name, part in PARTS.items():
            if not isinstance(getattr(self, name), part):
                raise TypeError(f"RedactConfig.{name} must be a {part.__name__}; received "
                                f"{type(getattr(self, name)).__name__}")
        # The overrides are checked here, before any work, by the recipes' own checks.
        self.settings_of(self.training.recipe or "paper")
        if self.output.audit and not self.what.searchable:
            raise ValueError(
                "audit audits the redaction of labels (under every condition, for a "
                "conditional GAN) and of off-condition samples; received presets "
                f"{list(self.what.presets)} and conditions {self.what.conditions}")
        if self.target.target_invalidity is not None and self.training.epochs is not None:
            raise ValueError("with target_invalidity the run stops when the target is "
                             "certified, within max_epochs; received epochs="
                             f"{self.training.epochs} (give max_epochs)")

    @classmethod
    def of(cls, **settings) -> RedactConfig:
        """A config from flat setting names, e.g. `RedactConfig.of(method="validity",
        labels=(3, 8), epochs=4)`; each name is a field of exactly one part.

        Raises:
            TypeError: For a name no part has.
        """
        parts = {}
        for name, part in PARTS.items():
            fields = {f.name for f in dataclasses.fields(part)}
            parts[name] = part(**{k: settings.pop(k) for k in list(settings) if k in fields})
        if settings:
            raise TypeError(f"RedactConfig has no setting {', '.join(sorted(settings))}; the "
                            f"settings are {', '.join(sorted(setting_names()))}")
        return cls(**parts)

    def flat(self) -> dict:
        """Every setting by its flat name (the form `of` takes), as plain values."""
        return {k: v for name in PARTS for k, v in dataclasses.asdict(
            getattr(self, name)).items()}

    def settings_of(self, recipe: str | recipes.Recipe) -> recipes.Settings:
        """The named recipe's settings for this job's method, with this job's overrides."""
        return self.training.settings_of(self.what.method, recipe)


def setting_names() -> tuple[str, ...]:
    """Every flat setting name of a `RedactConfig`, part by part."""
    return tuple(f.name for part in PARTS.values() for f in dataclasses.fields(part))
