"""Redacting labels and presets from a pre-trained GAN: the library behind `bin/redact`."""

from __future__ import annotations

import dataclasses
import pathlib
import time

import keras
import numpy as np

from keras_redact import __version__, checks, distribute, export, io, losses
from keras_redact import callbacks as kr_callbacks
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import invalidity as inv_lib
from keras_redact.evaluation import quality, sampling
from keras_redact.evaluation.plots import plot_invalidity
from keras_redact.jobs import PRETRAINED, check_positive_integers, check_positive_numbers
from keras_redact.models.gan import WarmupEMAAdam, adam
from keras_redact.redaction import (
    InvalidityMonitor,
    LamSchedule,
    RedactionGAN,
    ValidityRounds,
    any_of,
    defaults_for,
    label_membership,
    labels_set,
    presets,
    scored_batches,
    union,
)

METHODS = ("data", "validity", "classifier")


@dataclasses.dataclass(frozen=True)
class RedactConfig:
    """One redaction job. `None` hyper-parameters take the paper's base values.

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
        freeze_discriminator: Train G only, against the frozen D (and f): the on-manifold
            adversarial samples of Appendix H.
        grid_every: With `freeze_discriminator`, write a sample grid every this many
            iterations (batches).
        epochs: Redaction epochs (MNIST: 8).
        lam: Weight of p_G in the fake mixture, in (0, 1) (MNIST: 0.85).
        lam_schedule: lam of epochs 1, 2, ... instead of one `lam` (the last value holds
            for the later epochs; `redaction.LamSchedule`): e.g. `(0.6, 0.7)`, a low lam
            for a fast first epoch; the figures at the end follow the last value.
        alpha_plus: Positive smoothing target in (1/2, 1] (MNIST: 0.95).
        alpha_minus: Negative smoothing target in [0, 1/2) (0.05).
        tau: Threshold of the classifier-based set, in (0, 1) (0.5).
        queries_per_round: T of the validity-based set (1000).
        first_round_queries: T of the first round only (default: `queries_per_round`;
            `ValidityRounds`).
        generator: Pre-trained generator `.keras` (default: the shipped MNIST DCGAN).
        discriminator: Pre-trained discriminator `.keras` (default: shipped).
        classifier: Label classifier `.keras` (default: the shipped MNIST classifier). It
            measures invalidity and the Inception Score and, unless `redaction_classifier`
            is given, describes Omega too.
        redaction_classifier: Label classifier `.keras` that describes Omega for the
            validity- and classifier-based methods instead (v, f and the ambiguity
            preset), while `classifier` still measures. f's passes dominate the
            classifier-based step, so a smaller one makes it cheaper, and redaction does
            not optimise against the classifier that judges it (docs/redaction.md).
        dataset: Dataset name or path (default: the embedded mnist_5k).
        data_dir: TFDS data folder.
        output_dir: Where results go (default `runs/redact-<timestamp>`, a new folder even
            for runs started in the same second); must be new or empty.
        eval_samples: Samples for invalidity and IS before and after (paper: 50,000).
        monitor_samples: Samples for the invalidity measured after each epoch.
        batch_size: Batch size (64).
        steps_per_epoch: Train steps per epoch (default: one pass over the kept data). An
            `mnist_5k` pass is 56 steps where the paper's MNIST epoch is about 840; set 840
            to match the paper's updates per epoch. The data repeat as needed.
        g_steps: Generator updates per batch (MNIST: 1).
        guide_omega: Classifier-based: D judges the p_Omega samples through guide(D, f)
            (eq. 6; default) or, if False, alone (`RedactionGAN.compile`).
        g_learning_rate: Adam learning rate of G (paper: 2e-4, as in pre-training).
        d_learning_rate: Adam learning rate of D (paper: 2e-4).
        g_ema_momentum: If above 0, G's optimizer keeps an exponential moving average of
            G's weights with this momentum (Keras' `use_ema`), and the redacted G is that
            average (0: off, the paper). The per-epoch measurement and grids see the
            average too: the G a run stopped at that epoch would deliver.
        g_ema_warmup: Warm the average up (`models.WarmupEMAAdam`: momentum
            min(g_ema_momentum, (1 + t) / (10 + t)) at G's update t), so that it holds
            no trace of the pre-trained G after the first epoch; False: Keras' constant
            momentum from the first update.
        g_ema_start_epochs: Start the (warmed-up) average after this many epochs: G's
            updates in them copy the weights, so a run stopped by then delivers the
            trained G, and the average covers the epochs after (0: from the first
            update). Needs `g_ema_momentum` and `g_ema_warmup`.
        generator_loss: `"non_saturating"` or `"minimax"`.
        seed: Random seed.
        jit_compile: Compile the train step with XLA.
        strategy: `tf.distribute` strategy: `"default"`, `"mirrored"`, `"multi_worker"` or
            `"tpu"` (see `keras_redact.distribute`); `batch_size` is the global batch.
        mixed_precision: Keras dtype policy: `"float32"`, `"mixed_float16"` or
            `"mixed_bfloat16"`.
        export: Export the redacted generator for TF Serving.
        export_dir: Its model base path (default `saved_models/<dataset>_redacted`); each
            run adds the next integer version.
        verbose: Keras verbosity (1: progress bar).
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
    freeze_discriminator: bool = False
    grid_every: int = 10
    epochs: int | None = None
    lam: float | None = None
    lam_schedule: tuple[float, ...] | None = None
    alpha_plus: float | None = None
    alpha_minus: float | None = None
    tau: float = 0.5
    queries_per_round: int = 1000
    first_round_queries: int | None = None
    generator: str | None = None
    discriminator: str | None = None
    classifier: str | None = None
    redaction_classifier: str | None = None
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    output_dir: str | None = None
    eval_samples: int = 50_000
    monitor_samples: int = 5_000
    batch_size: int = 64
    steps_per_epoch: int | None = None
    g_steps: int | None = None
    guide_omega: bool = True
    g_learning_rate: float = 2e-4
    d_learning_rate: float = 2e-4
    g_ema_momentum: float = 0.0
    g_ema_warmup: bool = True
    g_ema_start_epochs: int = 0
    generator_loss: str = "non_saturating"
    seed: int = 0
    jit_compile: bool = True
    strategy: str = "default"
    mixed_precision: str = "float32"
    export: bool = True
    export_dir: str | None = None
    verbose: int = 1

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; received {self.method!r}")
        if self.labels is not None and not self.labels and not self.presets:
            raise ValueError("labels must name at least one label (or give a preset: "
                             "boundary_margin, ambiguity_tau, attributes); received none")
        if self.method == "data" and self.presets:
            raise ValueError(
                f"The presets {', '.join(self.presets)} are described by functions, not "
                "by samples: use method 'validity' or 'classifier' to redact them (with "
                "labels, if any, described the same way)")
        if self.ambiguity_tau is not None and not 0.0 < self.ambiguity_tau < 1.0:
            raise ValueError(f"ambiguity_tau must be in (0, 1); received {self.ambiguity_tau!r}")
        if self.attributes is not None and not self.attribute_classifier:
            raise ValueError("attributes needs attribute_classifier (a multi-label .keras "
                             "model) and attribute_names")
        if self.lam is not None:
            losses.validate_lam(self.lam)
        if self.lam_schedule is not None:
            if self.lam is not None:
                raise ValueError("Give lam or lam_schedule, not both; received lam="
                                 f"{self.lam!r} and lam_schedule={self.lam_schedule!r}")
            if not self.lam_schedule:
                raise ValueError("lam_schedule must hold at least one value; received none")
            for value in self.lam_schedule:
                losses.validate_lam(value)
        losses.validate_smoothing(0.95 if self.alpha_plus is None else self.alpha_plus,
                                  0.05 if self.alpha_minus is None else self.alpha_minus)
        if not 0.0 < self.tau < 1.0:
            raise ValueError(f"tau must be in (0, 1); received {self.tau!r}")
        if self.redaction_classifier is not None and self.method == "data":
            raise ValueError("redaction_classifier describes Omega for the validity and "
                             "classifier methods; the data-based method takes samples "
                             f"(received method={self.method!r})")
        if not self.guide_omega and self.method != "classifier":
            raise ValueError("guide_omega=False (D alone judges the p_Omega samples) applies "
                             f"to the classifier method only; received method={self.method!r}")
        check_positive_numbers(self, ("g_learning_rate", "d_learning_rate"))
        if not (isinstance(self.g_ema_momentum, (int, float))
                and 0.0 <= self.g_ema_momentum < 1.0):
            raise ValueError("g_ema_momentum must be in [0, 1) (0: no moving average); "
                             f"received {self.g_ema_momentum!r}")
        if not isinstance(self.g_ema_warmup, bool):
            raise ValueError(f"g_ema_warmup must be True or False; received {self.g_ema_warmup!r}")
        start = checks.integer("g_ema_start_epochs", self.g_ema_start_epochs, minimum=0)
        if start and not (self.g_ema_momentum and self.g_ema_warmup):
            raise ValueError(
                "g_ema_start_epochs delays the warmed-up moving average of G's weights: it "
                "needs g_ema_momentum above 0 and g_ema_warmup=True; received "
                f"g_ema_start_epochs={start}, g_ema_momentum="
                f"{self.g_ema_momentum!r}, g_ema_warmup={self.g_ema_warmup!r}")
        check_positive_integers(self, ("eval_samples", "monitor_samples", "batch_size",
                                       "queries_per_round", "grid_every"))
        check_positive_integers(self, ("epochs", "steps_per_epoch", "first_round_queries"),
                                optional=True)
        if self.first_round_queries is not None and self.method != "validity":
            raise ValueError("first_round_queries applies to the validity method only; "
                             f"received method={self.method!r}")
        distribute.check_names(self.strategy, self.mixed_precision)

    @property
    def presets(self) -> tuple[str, ...]:
        """The presets asked for, besides labels."""
        given = {"boundary": self.boundary_margin, "ambiguity": self.ambiguity_tau,
                 "attributes": self.attributes}
        return tuple(name for name, value in given.items() if value is not None)

    @property
    def redacted_labels(self) -> tuple[int, ...]:
        """The labels to redact: `labels`, or digit 0 when neither they nor a preset is given."""
        if self.labels is None:
            return () if self.presets else (0,)
        return tuple(self.labels)


def _load_model(path, what):
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist")
    return keras.saving.load_model(path)


def _describe(config: RedactConfig) -> str:
    what = [f"labels {list(config.redacted_labels)}"] if config.redacted_labels else []
    if config.boundary_margin is not None:
        what.append(f"boundary artifacts (margin {config.boundary_margin})")
    if config.ambiguity_tau is not None:
        what.append(f"ambiguous samples (tau {config.ambiguity_tau})")
    if config.attributes is not None:
        what.append(f"attributes {config.attributes!r}")
    return " + ".join(what)


def _check_fit(generator, discriminator, classifiers: dict, image_shape):
    g = tuple(generator.outputs[0].shape[1:])
    shapes = {"generator output": g,
              "discriminator input": tuple(discriminator.inputs[0].shape[1:]),
              **{f"{name} input": tuple(c.inputs[0].shape[1:])
                 for name, c in classifiers.items()},
              "data": tuple(image_shape)}
    if len(set(shapes.values())) != 1:
        listing = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise ValueError(f"Shapes do not fit: {listing}")


def quality_and_invalidity(generator, classifier, membership, num_samples, seed,
                           parts=None):
    """Invalidity (with its 95% interval) and the Inception Score (and its parts) over N samples.

    Args:
        parts: Optional `{name: membership}` of the union's parts; their invalidities are
            returned under `"invalidity_parts"`.
    """
    parts = dict(parts or {})

    def measure(images):
        return (classifier(images, training=False), membership(images),
                *(m(images) for m in parts.values()))

    logits, flags, *part_flags = sampling.map_generated(generator, measure, num_samples,
                                                        seed=seed)
    measured = inv_lib.Invalidity.from_flags(flags)
    figures = {
        "invalidity": measured.value,
        "invalidity_ci": list(measured.ci),
        "inception_score": quality.inception_score_from_logits(logits),
        "inception_score_parts": quality.inception_score_parts_from_logits(logits),
    }
    if parts:
        figures["invalidity_parts"] = {
            name: inv_lib.Invalidity.from_flags(f).value for name, f in zip(parts, part_flags)}
    return figures


def redaction_parts(config: RedactConfig, classifier, images, image_labels) -> dict:
    """The redaction set's parts, `{name: RedactionSet}`: labels and presets.

    Raises:
        ValueError: For labels, thresholds or expressions that do not fit the data or the
            classifiers.
    """
    parts = {}
    labels = config.redacted_labels
    if labels:
        parts["labels"] = labels_set(config.method, classifier, labels, images=images,
                                     image_labels=image_labels, tau=config.tau,
                                     queries_per_round=config.queries_per_round)
    if config.boundary_margin is not None:
        parts["boundary"] = presets.boundary_set(
            images, config.boundary_margin, config.boundary_threshold,
            queries_per_round=config.queries_per_round,
            force=config.force_boundary_threshold)
    if config.ambiguity_tau is not None:
        parts["ambiguity"] = presets.ambiguity_set(classifier, config.ambiguity_tau)
    if config.attributes is not None:
        attribute_classifier = _load_model(config.attribute_classifier, "attribute classifier")
        takes = tuple(attribute_classifier.inputs[0].shape[1:])
        if takes != tuple(images.shape[1:]):
            raise ValueError(f"The attribute classifier takes images of shape {takes} but the "
                             f"data's are {tuple(images.shape[1:])}")
        parts["attributes"] = presets.attributes_set(
            config.attributes, attribute_classifier, config.attribute_names, config.method,
            tau=config.tau, queries_per_round=config.queries_per_round)
    return parts


def _omega_mask(parts: dict, config: RedactConfig, images, image_labels) -> np.ndarray:
    """Which training images lie in Omega: true labels for labels, membership otherwise."""
    mask = np.zeros(len(images), bool)
    for name, part in parts.items():
        if name == "labels":
            mask |= np.isin(image_labels, config.redacted_labels)
        else:
            mask |= part.split_mask(images)
    return mask


def redact(config: RedactConfig) -> dict:
    """Runs one redaction job; returns the figures written to `metrics.json`.

    Raises:
        ValueError: For bad hyper-parameters, labels, or shapes that do not fit, before
            any training.
        FileExistsError: If the output directory exists and is not empty.
    """
    start = time.time()
    strategy = distribute.strategy_from_name(config.strategy)
    distribute.check_global_batch(config.batch_size, strategy)
    with distribute.precision(config.mixed_precision), strategy.scope():
        return _redact(config, start)


def _redact(config: RedactConfig, start: float) -> dict:
    generator = _load_model(config.generator or PRETRAINED / "generator.keras", "generator")
    discriminator = _load_model(config.discriminator or PRETRAINED / "discriminator.keras",
                                "discriminator")
    classifier = _load_model(config.classifier or PRETRAINED / "classifier.keras",
                             "classifier")
    omega_classifier = (classifier if config.redaction_classifier is None
                        else _load_model(config.redaction_classifier, "redaction classifier"))
    train = sources.load(config.dataset, "train", data_dir=config.data_dir)
    _check_fit(generator, discriminator,
               {"classifier": classifier, "redaction classifier": omega_classifier},
               train.image_shape)
    images, labels = pipeline.to_numpy(train)
    base = defaults_for(train.image_shape)
    epochs = config.epochs or base["epochs"]
    if config.g_ema_start_epochs >= epochs:
        raise ValueError(f"g_ema_start_epochs ({config.g_ema_start_epochs}) must be less than "
                         f"epochs ({epochs}), or the moving average never starts")
    if config.lam_schedule and len(config.lam_schedule) > epochs:
        raise ValueError(f"lam_schedule has {len(config.lam_schedule)} values but the run has "
                         f"{epochs} epochs")

    parts = redaction_parts(config, omega_classifier, images, labels)
    redaction_set = union(list(parts.values()))
    in_omega = _omega_mask(parts, config, images, labels)
    kept = int(np.count_nonzero(~in_omega))
    if kept < config.batch_size:
        raise ValueError(f"Only {kept} training samples remain outside the redaction set; "
                         f"fewer than one batch of {config.batch_size}")
    memberships = {name: (label_membership(classifier, config.redacted_labels)
                          if name == "labels" else part.contains)
                   for name, part in parts.items()}
    membership = any_of(list(memberships.values()))
    part_memberships = memberships if len(memberships) > 1 else None
    output = io.output_dir(config.output_dir, "redact")  # the checks above passed
    keras.utils.set_random_seed(config.seed)

    say = print if config.verbose else (lambda *a, **k: None)
    say(f"Measuring the pre-trained generator on {config.eval_samples} samples...")
    before = quality_and_invalidity(generator, classifier, membership, config.eval_samples,
                                    config.seed, part_memberships)
    say(f"  invalidity {before['invalidity']:.3g}, IS {before['inception_score']:.3f}")
    grid = kr_callbacks.SampleGrid(
        output / "samples", seed=config.seed,
        every_batches=config.grid_every if config.freeze_discriminator else None)
    grid.set_model(generator)
    before_grid = grid.grid()

    model = RedactionGAN(generator, discriminator, redaction_set, seed=config.seed)
    # G's updates in the epochs before the average starts (each pass drops its remainder).
    g_updates_per_epoch = ((config.steps_per_epoch or kept // config.batch_size)
                           * (base["g_steps"] if config.g_steps is None else config.g_steps))
    model.compile(g_optimizer=adam(config.g_learning_rate,
                                   ema_momentum=config.g_ema_momentum or None,
                                   ema_warmup=config.g_ema_warmup,
                                   ema_start=config.g_ema_start_epochs * g_updates_per_epoch),
                  d_optimizer=adam(config.d_learning_rate),
                  lam=config.lam_schedule[0] if config.lam_schedule else config.lam,
                  alpha_plus=config.alpha_plus,
                  alpha_minus=config.alpha_minus, g_steps=config.g_steps,
                  generator_loss=config.generator_loss, jit_compile=config.jit_compile,
                  guide_omega=config.guide_omega,
                  d_steps=0 if config.freeze_discriminator else 1)
    monitor = InvalidityMonitor(membership, config.monitor_samples, seed=config.seed + 1)
    callbacks = [monitor, grid, keras.callbacks.CSVLogger(str(output / "history.csv"))]
    if config.lam_schedule:
        callbacks.insert(0, LamSchedule(list(config.lam_schedule)))
    rounds = None
    if config.method == "validity":
        rounds = ValidityRounds(seed=config.seed,
                                first_round_queries=config.first_round_queries)
        callbacks.insert(0, rounds)
    timer = kr_callbacks.TrainTime()  # first: Alg. 2's queries count, the monitor does not
    callbacks.insert(0, timer)
    redaction_samples = (None if config.method == "data"
                         else redaction_set.initial_samples(images))
    say(f"Redacting {_describe(config)} with the {redaction_set.kind}-based method for "
        f"{epochs} epochs on {kept} kept samples...")
    fit_start = time.time()
    repeat = config.steps_per_epoch is not None
    if redaction_set.kind == "classifier" and not config.freeze_discriminator:
        # f on the kept data, once (D's updates need it on every real batch).
        data = scored_batches(images[~in_omega], redaction_set, config.batch_size,
                              seed=config.seed, repeat=repeat)
    elif list(parts) == ["labels"]:
        data = pipeline.batches(train, config.batch_size, seed=config.seed, part="kept",
                                predicate=pipeline.label_predicate(config.redacted_labels),
                                repeat=repeat)
    else:
        kept_source = pipeline.from_scaled(images[~in_omega], labels[~in_omega],
                                           name=train.name)
        data = pipeline.batches(kept_source, config.batch_size, seed=config.seed,
                                repeat=repeat)
    model.fit(data, epochs=epochs, verbose=config.verbose, callbacks=callbacks,
              redaction_samples=redaction_samples, steps_per_epoch=config.steps_per_epoch)
    fit_seconds = time.time() - fit_start
    lam_schedule = list(config.lam_schedule) if config.lam_schedule else None

    say(f"Measuring the redacted generator on {config.eval_samples} samples...")
    after = quality_and_invalidity(generator, classifier, membership, config.eval_samples,
                                   config.seed, part_memberships)
    say(f"  invalidity {after['invalidity']:.3g}, IS {after['inception_score']:.3f}")
    io.write_png(output / "before_after.png",
                 np.concatenate([before_grid, grid.grid()], axis=1))
    plot_invalidity({f"{redaction_set.kind}-based": monitor.values}, output / "invalidity.png")
    io.save_keras(generator, output / "generator.keras")
    io.save_keras(discriminator, output / "discriminator.keras")

    metrics = {
        "method": redaction_set.kind,
        "labels": list(config.redacted_labels),
        "presets": {"boundary_margin": config.boundary_margin,
                    "boundary_threshold": (parts["boundary"].validity_fn.threshold
                                           if "boundary" in parts else None),
                    "ambiguity_tau": config.ambiguity_tau, "attributes": config.attributes},
        "freeze_discriminator": config.freeze_discriminator,
        "epochs": epochs,
        "steps_per_epoch": config.steps_per_epoch,
        # The first epoch's lam; lam_schedule: each epoch's, the last one for the rest.
        "lam": lam_schedule[0] if lam_schedule else model.lam,
        "lam_schedule": lam_schedule,
        "alpha_plus": model.alpha_plus, "alpha_minus": model.alpha_minus,
        "g_steps": model.g_steps, "d_steps": model.d_steps, "guide_omega": model.guide_omega,
        # What the optimizers hold (float32), to 6 significant digits: 1e-4, not 9.99e-05.
        "g_learning_rate": float(f"{float(model.g_optimizer.learning_rate):.6g}"),
        "d_learning_rate": float(f"{float(model.d_optimizer.learning_rate):.6g}"),
        **_average_of(model.g_optimizer),
        "g_ema_start_epochs": config.g_ema_start_epochs if config.g_ema_momentum else None,
        "g_updates": int(model.g_optimizer.iterations.numpy()),
        "tau": config.tau if config.method == "classifier" else None,
        "redaction_classifier": config.redaction_classifier,
        "queries_per_round": config.queries_per_round if config.method == "validity" else None,
        "first_round_queries": config.first_round_queries,
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
        "invalidity_parts_before": before.get("invalidity_parts"),
        "invalidity_parts_after": after.get("invalidity_parts"),
        "invalidity_per_epoch": monitor.values,
        "monitor_samples": config.monitor_samples,
        "redaction_samples": int(model.redaction_count.numpy()),
        # v on the training data, then each round's queries.
        "validity_queries": (len(images) + sum(r["queries"] for r in rounds.history)
                             if rounds else None),
        "fit_seconds": round(fit_seconds, 1),
        # The epochs alone: fit without the per-epoch monitor and sample grids.
        "train_seconds": round(timer.seconds, 1),
        # Each epoch's share of it; the first includes tracing and compiling the step.
        "train_epoch_seconds": [round(t, 2) for t in timer.epoch_seconds],
        # The same epochs in the process's CPU time (all threads).
        "train_epoch_cpu_seconds": [round(t, 2) for t in timer.epoch_cpu_seconds],
        "seconds": round(time.time() - start, 1),
        "seed": config.seed,
        "dataset": config.dataset,
        "strategy": config.strategy,
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "mixed_precision": config.mixed_precision,
        "jit_compile": config.jit_compile,
        "keras_redact_version": __version__,
        "output_dir": str(output),
    }
    if config.export:
        base = config.export_dir or (pathlib.Path("saved_models")
                                     / f"{pathlib.Path(config.dataset).name}_redacted")
        metrics["export"] = str(export.export_generator(generator, base, metadata=metrics))
        say(f"Exported for TF Serving: {metrics['export']}")
    io.write_json(output / "metrics.json", metrics)
    io.write_bytes(output / "report.md", markdown_report(metrics).encode())
    return metrics


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


def _lam_text(metrics: dict) -> str:
    """`0.85`, or `0.65, then 0.7 from epoch 2` for a schedule."""
    schedule = metrics.get("lam_schedule")
    if not schedule:
        return f"{metrics['lam']}"
    text = f"{schedule[0]}"
    for epoch, (previous, value) in enumerate(zip(schedule, schedule[1:]), start=2):
        if value != previous:
            text += f", then {value} from epoch {epoch}"
    return text


def markdown_report(metrics: dict) -> str:
    """A run's Markdown report: what was redacted, the figures, and the pictures."""
    def sci(value):
        return "-" if value is None else f"{value:.2e}"

    presets_given = {k: v for k, v in (metrics.get("presets") or {}).items() if v is not None}
    what = [f"labels {metrics['labels']}"] if metrics["labels"] else []
    what += [f"{k} = {v}" for k, v in presets_given.items()]
    lines = [
        f"# Redaction run `{metrics['output_dir']}`",
        "",
        f"Redacted {', '.join(what)} with the {metrics['method']}-based method for "
        f"{metrics['epochs']} epochs (lam {_lam_text(metrics)}, alpha+ {metrics['alpha_plus']}, "
        f"alpha- {metrics['alpha_minus']}, K_G {metrics.get('g_steps')}"
        + (", discriminator frozen" if metrics.get("freeze_discriminator") else "")
        + (", D alone on p_Omega" if metrics.get("guide_omega") is False else "")
        + (f", Omega described by the classifier {metrics['redaction_classifier']}"
           if metrics.get("redaction_classifier") else "")
        + (f", Adam learning rates G {metrics['g_learning_rate']:g} / D "
           f"{metrics['d_learning_rate']:g}" if "g_learning_rate" in metrics else "")
        + (f", G the moving average of its weights (momentum {metrics['g_ema_momentum']:g}"
           + (", warmed up" if metrics.get("g_ema_warmup") else "")
           + (f", from epoch {metrics['g_ema_start_epochs'] + 1}"
              if metrics.get("g_ema_start_epochs") else "") + ")"
           if metrics.get("g_ema_momentum") else "")
        + f") on {metrics['dataset']}; seed {metrics['seed']}.",
        "",
        f"| measure ({metrics['eval_samples']} samples) | before | after |",
        "|---|---|---|",
        f"| invalidity | {sci(metrics['invalidity_before'])} | "
        f"{sci(metrics['invalidity_after'])} |",
        f"| invalidity 95% interval | [{sci(metrics['invalidity_ci_before'][0])}, "
        f"{sci(metrics['invalidity_ci_before'][1])}] | [{sci(metrics['invalidity_ci_after'][0])}, "
        f"{sci(metrics['invalidity_ci_after'][1])}] |",
    ]
    for name, value in (metrics.get("invalidity_parts_before") or {}).items():
        lines.append(f"| invalidity, {name} only | {sci(value)} | "
                     f"{sci(metrics['invalidity_parts_after'][name])} |")
    lines += [
        f"| Inception Score | {metrics['inception_score_before']:.3f} | "
        f"{metrics['inception_score_after']:.3f} |",
        *(f"| IS part: {name} | {metrics['inception_score_parts_before'][key]:.3f} | "
          f"{metrics['inception_score_parts_after'][key]:.3f} |"
          for key, name in (("classes", "effective number of classes"),
                            ("confidence", "confidence, exp(-mean entropy)"))
          if metrics.get("inception_score_parts_before")),
        "",
        f"Invalidity after each epoch ({metrics['monitor_samples']} samples): "
        + ", ".join(sci(v) for v in metrics["invalidity_per_epoch"]),
        "",
        f"Time: {metrics['seconds']} s in all, {metrics['fit_seconds']} s training"
        + (f", of which {metrics['train_seconds']} s in the epochs themselves (without the "
           "per-epoch measurement and grids)" if "train_seconds" in metrics else "")
        + f" ({metrics['replicas']} replica(s), {metrics['mixed_precision']}, "
        f"XLA {'on' if metrics['jit_compile'] else 'off'}).",
        "",
        "Before (left) and after (right), same latents:",
        "",
        "![before and after](before_after.png)",
        "",
        "![invalidity per epoch](invalidity.png)",
        "",
    ]
    if metrics.get("export"):
        lines += [f"Exported for TF Serving: `{metrics['export']}`.", ""]
    return "\n".join(lines)

