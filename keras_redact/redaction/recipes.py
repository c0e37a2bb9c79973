"""Named, complete redaction recipes (keras-hub's `*_presets.py`): what to train with.

A recipe is every hyper-parameter a redaction run needs (the optimizers and their learning
rates, lam or a lam schedule, the smoothing targets, K_G, the moving average of G's
weights, tau, Alg. 2's queries per round, XLA, epochs), per method, with the data and
model it was measured on, the record of what it reached (`Recipe.record`, a file under
`benchmarks/results/`; `paper_cifar10` and `paper_stl10` are unmeasured here) and the
command that re-measures it.

* `paper`: the paper's MNIST values (Appendix D, E), for any method and any data;
  `paper_cifar10` and `paper_stl10` its values for those datasets.
* `small_data`: the measured best on data as small as the embedded 4,000 digits
  (56 steps an epoch where the paper's MNIST epoch has about 840), per method.
* `conditional`: conditional GANs (docs/conditional.md): the paper's values, with
  validity-based redaction on a lower lam and more queries a round.

`recommended(method, steps_per_epoch, sample_shape, conditional)` names the one
`bin/redact` and `jobs.redact` use when none is named: `conditional` for a conditional
GAN; else `small_data` below `SMALL_DATA_STEPS` steps an epoch; otherwise the paper's
values for the data (`paper_cifar10` for images 32 to 63 pixels wide, `paper_stl10` for
wider ones, `paper` for everything else: MNIST-sized images and samples that are not
images).

Example:
    >>> settings = recipes.get("small_data").settings("data")
    >>> model = RedactionGAN(g, d, omega)
    >>> model.compile(**settings.compile_kwargs(steps_per_epoch=56))
    >>> model.fit(kept, epochs=settings.epochs, callbacks=settings.callbacks())
"""

from __future__ import annotations

import dataclasses
import pathlib

from keras_redact import checks, losses
from keras_redact.models.optimizers import adam
from keras_redact.redaction import methods

METHODS = methods.NAMES

SMALL_DATA_STEPS = 200
"""Below this many steps an epoch, `recommended` picks `small_data` (measured at 56)."""

PRETRAINED_ROOT = pathlib.Path(__file__).resolve().parents[1] / "pretrained"
"""Where `Settings.redaction_classifier` names of shipped models are looked up."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """One method's complete hyper-parameters; every field is checked on construction.

    Attributes:
        method: `"data"` (Alg. 1), `"validity"` (Alg. 2) or `"classifier"` (Alg. 3).
        epochs: Redaction epochs.
        lam: Weight of p_G in the fake mixture, in (0, 1): of every epoch, or of the
            first one when `lam_schedule` is given.
        lam_schedule: lam of epochs 1, 2, ... (the last value holds for later epochs;
            `LamSchedule`), or `None` for one lam throughout.
        alpha_plus: Positive smoothing target in (1/2, 1].
        alpha_minus: Negative smoothing target in [0, 1/2).
        g_steps: K_G, generator updates per batch.
        g_learning_rate: Adam learning rate of G.
        d_learning_rate: Adam learning rate of D.
        g_ema_momentum: If above 0, the redacted G is a warmed-up moving average of G's
            weights with this momentum (`models.WarmupEMAAdam`); 0: the trained G.
        g_ema_start_epochs: The average starts after this many epochs (a shorter run
            delivers the trained G).
        guide_omega: Classifier method: D judges p_Omega's samples through guide(D, f)
            (eq. 6 as written); False: with D alone (`RedactionGAN.compile`).
        tau: Classifier method: Omega = {f < tau}.
        queries_per_round: Validity method: T, samples of G queried per round (epoch).
        first_round_queries: Validity method: T of the first round (`ValidityRounds`);
            `None`: `queries_per_round`.
        jit_compile: XLA-compile the train step: True, False, or `"auto"` (Keras': XLA
            only where a GPU or TPU is). On by default: on a CPU the compiled step is about
            as fast as the plain one (`benchmarks/xla_speedup.py`) and the recipes'
            figures were measured with it (XLA draws other random numbers, so a run
            without it follows another, equally valid, trajectory).
        redaction_classifier: Validity and classifier methods: a classifier, as a path
            under `keras_redact/pretrained/`, that describes Omega (v, f) instead of the
            label classifier that measures. `jobs.redact` uses it only when the label
            classifier is the shipped one it was distilled from.
        generator_loss: `"non_saturating"` or `"minimax"`.
        search_feed: Starts of a latent search on G after each epoch (`SearchFeed`: 20
            Adam steps a start on the label classifier's probability of the labels,
            latents kept typical); the samples it finds in Omega, G's own, join p_Omega.
            0: off. Label and off-condition redaction; not in the paper.
    """

    method: str
    epochs: int = 8
    lam: float = 0.85
    lam_schedule: tuple[float, ...] | None = None
    alpha_plus: float = 0.95
    alpha_minus: float = 0.05
    g_steps: int = 1
    g_learning_rate: float = 2e-4
    d_learning_rate: float = 2e-4
    g_ema_momentum: float = 0.0
    g_ema_start_epochs: int = 0
    guide_omega: bool = True
    tau: float = 0.5
    queries_per_round: int = 1000
    first_round_queries: int | None = None
    jit_compile: bool | str = True
    redaction_classifier: str | None = None
    generator_loss: str = "non_saturating"
    search_feed: int = 0

    def __post_init__(self):
        methods.get(self.method)  # raises for an unknown method
        checks.integer("epochs", self.epochs)
        losses.validate_lam(self.lam)
        if self.lam_schedule is not None:
            if not self.lam_schedule:
                raise ValueError("lam_schedule must hold at least one value; received none")
            for value in self.lam_schedule:
                losses.validate_lam(value)
            if self.lam != self.lam_schedule[0]:
                raise ValueError(f"lam ({self.lam!r}) must be lam_schedule's first value "
                                 f"({self.lam_schedule[0]!r})")
        losses.validate_smoothing(self.alpha_plus, self.alpha_minus)
        checks.integer("g_steps", self.g_steps)
        for name in ("g_learning_rate", "d_learning_rate"):
            checks.number(name, getattr(self, name))
        checks.number("g_ema_momentum", self.g_ema_momentum, 0.0, 1.0, low_open=False,
                      hint="0: no moving average")
        start = checks.integer("g_ema_start_epochs", self.g_ema_start_epochs, minimum=0)
        if start and not self.g_ema_momentum:
            raise ValueError("g_ema_start_epochs delays the moving average of G's weights: "
                             "it needs g_ema_momentum above 0; received "
                             f"g_ema_start_epochs={start}, g_ema_momentum=0")
        if not isinstance(self.jit_compile, bool) and self.jit_compile != "auto":
            raise ValueError("jit_compile must be True, False or 'auto'; received "
                             f"{self.jit_compile!r}")
        for name in ("guide_omega",):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False; received "
                                 f"{getattr(self, name)!r}")
        if not self.guide_omega and self.method != "classifier":
            raise ValueError("guide_omega=False (D alone judges the p_Omega samples) applies "
                             f"to the classifier method only; received method={self.method!r}")
        checks.number("tau", self.tau, 0.0, 1.0)
        checks.integer("queries_per_round", self.queries_per_round)
        checks.integer("search_feed", self.search_feed, minimum=0)
        checks.integer("first_round_queries", self.first_round_queries, optional=True)
        if self.first_round_queries is not None and self.method != "validity":
            raise ValueError("first_round_queries applies to the validity method only; "
                             f"received method={self.method!r}")
        if self.redaction_classifier is not None and self.method == "data":
            raise ValueError("redaction_classifier describes Omega for the validity and "
                             "classifier methods; the data-based method takes samples")
        if self.generator_loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {losses.GENERATOR_LOSSES}; "
                             f"received {self.generator_loss!r}")

    def replace(self, **overrides) -> Settings:
        """These settings with `overrides` (a `None` value keeps the recipe's).

        A `lam` replaces the schedule too (lam and lam_schedule are one setting); a
        `lam_schedule` sets `lam` to its first value.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        if "lam_schedule" in given:
            given["lam_schedule"] = tuple(given["lam_schedule"])
            if "lam" in given:
                raise ValueError("Give lam or lam_schedule, not both; received lam="
                                 f"{given['lam']!r} and lam_schedule={given['lam_schedule']!r}")
            given["lam"] = given["lam_schedule"][0] if given["lam_schedule"] else self.lam
        elif "lam" in given:
            given["lam_schedule"] = None
        return dataclasses.replace(self, **given)

    def g_ema_start_update(self, steps_per_epoch: int) -> int:
        """G's update at which the moving average starts (its `ema_start`)."""
        return self.g_ema_start_epochs * checks.integer("steps_per_epoch",
                                                        steps_per_epoch) * self.g_steps

    def compile_kwargs(self, steps_per_epoch: int, d_steps: int = 1) -> dict:
        """`RedactionGAN.compile`'s arguments: fresh optimizers, lam, smoothing, K_G, XLA.

        Args:
            steps_per_epoch: The run's steps per epoch (where the weight average starts).
            d_steps: Discriminator updates per batch (0: Appendix H's frozen D).
        """
        ema = self.g_ema_momentum or None
        return {
            "g_optimizer": adam(self.g_learning_rate, ema_momentum=ema,
                                ema_start=self.g_ema_start_update(steps_per_epoch) if ema
                                else 0),
            "d_optimizer": adam(self.d_learning_rate),
            "lam": self.lam, "alpha_plus": self.alpha_plus, "alpha_minus": self.alpha_minus,
            "g_steps": self.g_steps, "d_steps": d_steps,
            "guide_omega": self.guide_omega if self.method == "classifier" else True,
            "generator_loss": self.generator_loss, "jit_compile": self.jit_compile,
        }

    def callbacks(self, seed: int = 0) -> list:
        """The callbacks the recipe trains with: `LamSchedule`, and Alg. 2's rounds."""
        from keras_redact.redaction.control import LamSchedule, ValidityRounds

        callbacks = []
        if self.method == "validity":
            callbacks.append(ValidityRounds(seed=seed,
                                            first_round_queries=self.first_round_queries))
        if self.lam_schedule:
            callbacks.append(LamSchedule(list(self.lam_schedule)))
        return callbacks

    def redaction_classifier_path(self) -> pathlib.Path | None:
        """`redaction_classifier` as a file path, or `None`."""
        if self.redaction_classifier is None:
            return None
        return PRETRAINED_ROOT / self.redaction_classifier


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A named recipe: common settings, per-method changes and what it was measured to reach.

    Attributes:
        name: Its name (`bin/redact --recipe=NAME`).
        description: One line.
        common: `Settings` fields shared by every method.
        per_method: `{method: Settings fields}` that differ per method.
        measured_on: The data, model and redaction it was measured on.
        figures: `{method: what it reached}`, for the paper's recipes: the paper's figures.
        command: The command that re-measures the figures.
        record: The benchmark record that holds what it reached on this package's models
            (`benchmarks/results/<record>.json`, written by `command`); empty: unmeasured
            here.
    """

    name: str
    description: str
    common: dict = dataclasses.field(default_factory=dict)
    per_method: dict = dataclasses.field(default_factory=dict)
    measured_on: str = ""
    figures: dict = dataclasses.field(default_factory=dict)
    command: str = ""
    record: str = ""

    @property
    def measured(self) -> str:
        """Where its figures are: the record's path, or `"unmeasured"`."""
        return f"benchmarks/results/{self.record}.json" if self.record else "unmeasured"

    def settings(self, method: str, **overrides) -> Settings:
        """The complete, checked settings for `method`, with `overrides` (None: the recipe's).

        Raises:
            ValueError: For an unknown method or a value outside its range.
        """
        methods.get(method)  # raises for an unknown method
        base = Settings(method=method, **{**self.common, **self.per_method.get(method, {})})
        return base.replace(**overrides)


_SMALL_DATA_COMMAND = ("python benchmarks/redaction_targets.py --recipe=small_data "
                       "--seed=0 --seed=1 --seed=2 --seed=3 --seed=4")

RECIPES: dict[str, Recipe] = {}


def register(recipe: Recipe) -> Recipe:
    """Adds a recipe under its name (its settings are checked for every method first).

    Raises:
        ValueError: If the name is taken or a setting is out of range.
    """
    if recipe.name in RECIPES:
        raise ValueError(f"A recipe named {recipe.name!r} exists already")
    for method in METHODS:
        recipe.settings(method)
    RECIPES[recipe.name] = recipe
    return recipe


register(Recipe(
    name="paper",
    description="The paper's MNIST values (Appendix D, E): lam 0.85, alpha 0.95 / 0.05, "
                "K_G 1, Adam 2e-4, 8 epochs.",
    measured_on="The paper: MNIST (60,000 digits, about 840 steps an epoch), label 0.",
    figures={"data": "paper: 4.7e-3 after 1 epoch, 8.0e-5 after 8, IS 7.82 -> 7.20",
             "validity": "paper: 5.6e-3 after 1 epoch, 6.4e-5 after 8, IS 7.82 -> 7.19",
             "classifier": "paper: 3.9e-3 after 1 epoch, 5.2e-5 after 8, IS 7.82 -> 7.16"},
    command="python benchmarks/redaction_targets.py --recipe=paper "
            "--record=redaction_targets_paper",
    record="redaction_targets_paper",
))
register(Recipe(
    name="paper_cifar10",
    description="The paper's CIFAR-10 values: lam 0.8, alpha 0.9 / 0.05, K_G 1, 30 epochs.",
    common={"lam": 0.8, "alpha_plus": 0.9, "epochs": 30},
    measured_on="The paper: CIFAR-10 (32x32 RGB).",
    command="bin/redact --recipe=paper_cifar10 --dataset=cifar10 --generator=G.keras "
            "--discriminator=D.keras --classifier=C.keras",
))
register(Recipe(
    name="paper_stl10",
    description="The paper's STL-10 values: lam 0.8, alpha 0.9 / 0.05, K_G 5, 40 epochs.",
    common={"lam": 0.8, "alpha_plus": 0.9, "g_steps": 5, "epochs": 40},
    measured_on="The paper: STL-10 (96x96 RGB, 64x64 in some set-ups).",
    command="bin/redact --recipe=paper_stl10 --dataset=stl10 --generator=G.keras "
            "--discriminator=D.keras --classifier=C.keras",
))
register(Recipe(
    name="small_data",
    description="The measured best for small data (tens of steps an epoch): more G updates "
                "per batch, a lower lam and a moving average of G's weights.",
    common={"g_learning_rate": 2.5e-4, "g_steps": 5},
    per_method={
        "data": {"lam": 0.625, "g_ema_momentum": 0.99, "g_ema_start_epochs": 1},
        "validity": {"lam": 0.6, "lam_schedule": (0.6, 0.65), "g_ema_momentum": 0.995,
                     "g_ema_start_epochs": 1, "first_round_queries": 5000},
        # f distilled from the evaluating classifier: smaller (a cheaper step) and not the
        # judge itself; XLA makes this step slower on CPU.
        "classifier": {"g_steps": 3, "alpha_minus": 0.0, "guide_omega": False,
                       "g_learning_rate": 4e-4, "g_ema_momentum": 0.99, "tau": 0.95,
                       "jit_compile": False,
                       "redaction_classifier": "mnist/distilled/classifier.keras"},
    },
    measured_on="The shipped MNIST DCGAN on the embedded mnist_5k (4,000 kept digits, "
                "56 steps an epoch), digit 0 redacted, 50,000 samples, 5 seeds; 2 CPU cores.",
    command=_SMALL_DATA_COMMAND + " --record=redaction_targets",
    record="redaction_targets",
))


register(Recipe(
    name="conditional",
    description="Conditional GANs: the paper's values; validity-based redaction with lam 0.6, "
                "5,000 queries a round and D's learning rate 1e-4.",
    per_method={
        # Off-condition samples are rare: with the paper's lam 0.85 and T = 1000 a round,
        # Omega' stays a few dozen pairs and the rate barely moves. With D at 2e-4 the
        # rate swings from epoch to epoch; D at 1e-4 calms it by the end.
        "validity": {"lam": 0.6, "queries_per_round": 5000, "d_learning_rate": 1e-4},
    },
    measured_on="The shipped conditional MNIST GAN on the embedded mnist_5k, off-condition "
                "samples (and zeros under every condition), 20,000 samples; 2 CPU cores.",
    command="python benchmarks/conditional_targets.py --record=conditional_targets",
    record="conditional_targets",
))


def get(name: str | Recipe) -> Recipe:
    """The recipe named `name` (a `Recipe` is returned as it is).

    Raises:
        ValueError: If there is none.
    """
    if isinstance(name, Recipe):
        return name
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}; received {name!r}")
    return RECIPES[name]


def recommended(method: str, steps_per_epoch: int, sample_shape,
                conditional: bool = False) -> str:
    """The name of the recipe to use when none is named (the module docstring's rule).

    Args:
        method: The redaction method.
        steps_per_epoch: Steps an epoch of the kept data takes.
        sample_shape: One sample's shape, without the batch axis.
        conditional: Whether the GAN is conditional (its samples are pairs).
    """
    methods.get(method)  # raises for an unknown method
    if conditional:
        return "conditional"
    if steps_per_epoch < SMALL_DATA_STEPS:
        return "small_data"
    shape = tuple(sample_shape)
    if len(shape) == 3 and shape[0] >= 32:  # an (H, W, C) image wider than MNIST's
        return "paper_stl10" if shape[0] >= 64 else "paper_cifar10"
    return "paper"
