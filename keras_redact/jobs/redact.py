"""Redacting labels and presets from a pre-trained GAN: the library behind `bin/redact`.

`redact(config)` is a pipeline of small named steps, each usable alone:

    prepare (load_models -> load_data -> choose_settings -> check_fit, adapt_models,
      check_classifiers -> describe_omega) -> kept_batches
      -> measure (before) -> train -> measure (after) -> write_results -> export_results

The steps live where their subject lives: the settings in `redact_config`, the models and
data in `redact_inputs`, Omega in `redact_omega`, the measurement in
`keras_redact.evaluation.measure`, the metrics record and report in `reports`.
"""

from __future__ import annotations

import dataclasses
import pathlib
import shutil
import time

import keras
import numpy as np

from keras_redact import callbacks as kr_callbacks
from keras_redact import distribute, export, io, seeds
from keras_redact.evaluation import quality
from keras_redact.evaluation.plots import plot_invalidity
from keras_redact.jobs import (
    SHIPPED_JUDGE,  # noqa: F401 (re-exported)
)
from keras_redact.jobs import audit as audit_lib
from keras_redact.jobs.phases import Phases
from keras_redact.jobs.redact_config import (  # noqa: F401 (re-exported)
    CONTRACT_KEYS,
    Inputs,
    Output,
    RedactConfig,
    Target,
    Training,
    What,
)
from keras_redact.jobs.redact_inputs import (  # noqa: F401 (re-exported)
    Data,
    Models,
    adapt_models,
    check_classifiers,
    check_conditions,
    check_fit,
    load_data,
    load_models,
)
from keras_redact.jobs.redact_measure import (  # noqa: F401 (re-exported)
    before_cache_key,
    measure,
    measure_before,
)
from keras_redact.jobs.redact_omega import (  # noqa: F401 (re-exported)
    Omega,
    describe_omega,
    kept_batches,
    omega_classifier,
    redaction_parts,
)
from keras_redact.jobs.reports import (  # noqa: F401 (re-exported)
    JUDGE_GRID_FILE,
    judge_record,
    markdown_report,
    metrics_of,
)
from keras_redact.jobs.run_folder import (  # noqa: F401 (re-exported)
    BACKUP_DIR,
    RUN_FILE,
    RunLock,
    RunState,
    _run_record,
    check_output_dir,
)
from keras_redact.redaction import (
    CertifiedStopping,
    InvalidityMonitor,
    QualityGuard,
    RedactionGAN,
    SearchFeed,
    ValidityRounds,
    membership,
    methods,
    recipes,
)

GUARD_SAMPLES = 2_000
"""The fewest samples the quality guard measures class shares on."""


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
    feed: object = None  # the SearchFeed, when the recipe feeds the search's finds


def choose_settings(config: RedactConfig, data: Data) -> tuple[str, recipes.Settings]:
    """The recipe's name and settings: `config.training.recipe`, or the recommended one
    for the data.

    The recommendation counts the steps of an epoch (`steps_per_epoch`) over the data
    outside the redacted labels (the presets' parts of Omega need the recipe's settings,
    so they are not counted here), and takes `conditional` for a conditional GAN.
    """
    kept = int(np.count_nonzero(~np.isin(data.labels, config.what.redacted_labels or ())))
    recipe = config.training.recipe or recipes.recommended(
        config.what.method, config.training.steps_per_epoch_of(kept), data.images.shape[1:],
        data.conditional)
    return recipes.get(recipe).name, config.settings_of(recipe)


def stopping(config: RedactConfig, models: Models, omega: Omega, data: Data,
             output: pathlib.Path):
    """With a target, the `CertifiedStopping` callback and its quality guard, else None.

    The guard's filter (the pre-trained G with its Omega samples rejected) is measured
    here, so call this before training changes G.
    """
    if config.target.target_invalidity is None:
        return None
    guard = quality.QualityAgainstFilter(
        models.generator, models.classifier, omega.membership,
        data.images[~omega.in_omega], num_samples=10_000,
        seed=seeds.derive(config.training.seed, "target_filter"))
    return CertifiedStopping(
        omega.membership, config.target.target_invalidity, config.target.confidence,
        quality=guard, min_quality=config.target.min_quality, seed=config.training.seed,
        verbose=config.output.verbose,
        evaluator=f"{_describe(config)}, by the label classifier "
                  f"{config.inputs.classifier or 'shipped with keras-redact (mnist)'}",
        state_dir=output / BACKUP_DIR)


def quality_guard(config: RedactConfig, models: Models, omega: Omega):
    """The `QualityGuard` of a run without a target (a target run guards FID and IS), or
    None. Measures the filter now, so call it before training changes G."""
    if config.target.target_invalidity is not None or config.training.max_class_drift is None:
        return None
    # At least 2,000 samples: class shares of a few hundred move by 2x on noise alone.
    return QualityGuard(models.generator, models.classifier, omega.membership,
                        num_samples=max(config.training.monitor_samples, GUARD_SAMPLES),
                        max_ratio=config.training.max_class_drift,
                        seed=seeds.derive(config.training.seed, "quality_guard"),
                        verbose=config.output.verbose)


class TargetNotCertified(ValueError):
    """A target-invalidity run ended its budget without a certificate."""


def train(config: RedactConfig, settings: recipes.Settings, models: Models, omega: Omega,
          data: Data, batches, output: pathlib.Path, stop=None) -> Trained:
    """Redacts: compiles a `RedactionGAN` with the recipe and fits it on the kept data.

    Args:
        stop: Optional `CertifiedStopping` (see `stopping`).
    """
    steps = config.training.steps_per_epoch_of(omega.kept)
    model = RedactionGAN(models.generator, models.discriminator, omega.redaction_set,
                         seed=config.training.seed,
                         discriminator_output="logit" if models.from_logits else "probability")
    model.compile(**settings.compile_kwargs(
        steps, d_steps=0 if config.what.freeze_discriminator else 1))
    guard = quality_guard(config, models, omega)
    # One pass of G and the classifier per epoch serves the monitor and the guard.
    shared = guard is not None and guard.num_samples == config.training.monitor_samples
    monitor = InvalidityMonitor(omega.membership, config.training.monitor_samples,
                                seed=seeds.derive(config.training.seed, "monitor"),
                                also=guard.classes if shared else None)
    if shared:
        guard.read_from(monitor)
    grid = kr_callbacks.SampleGrid(
        output / "samples", seed=config.training.seed,
        every_batches=config.what.grid_every if config.what.freeze_discriminator else None)
    timer = kr_callbacks.TrainTime()  # first: Alg. 2's queries count, the monitor does not
    recipe_callbacks = settings.callbacks(seed=config.training.seed)
    feed = None
    if settings.search_feed:
        feed = SearchFeed(
            membership.omega_score(models.classifier, config.what.redacted_labels,
                                   off_condition=config.what.off_condition),
            omega.membership, starts=settings.search_feed, seed=config.training.seed)
        recipe_callbacks.append(feed)
    rounds = next((c for c in recipe_callbacks if isinstance(c, ValidityRounds)), None)
    state = RunState(output / BACKUP_DIR, monitor=monitor, rounds=rounds, timer=timer,
                     stop=stop)
    state.restore()  # a killed run's records, when resuming it
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
    history = model.fit(batches, epochs=epochs, verbose=config.output.verbose,
                        callbacks=callbacks, redaction_samples=redaction_samples,
                        steps_per_epoch=config.training.steps_per_epoch)
    if not history.epoch and state.resumed_epochs:  # killed after the last epoch's save
        model.finalize_averages()
    return Trained(model, monitor, timer, grid, rounds, time.time() - start,
                   state.resumed_epochs, stop, guard, feed)


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
    strategy = distribute.strategy_from_name(config.training.strategy)
    distribute.check_global_batch(config.training.batch_size, strategy)
    resume = check_output_dir(config)
    with RunLock() as lock:  # one writer per run folder, for the life of the job
        if config.output.output_dir and pathlib.Path(config.output.output_dir).is_dir():
            lock.take(config.output.output_dir)
            resume = check_output_dir(config)  # as the lock's last holder left it
        with distribute.precision(config.training.mixed_precision), strategy.scope():
            return _redact(config, start, resume, lock)


def prepare(config: RedactConfig, say=print):
    """Loads, checks and adapts the models and data, chooses the recipe and describes
    Omega: everything that can refuse a run, before any folder is written.

    Returns:
        `(models, data, recipe, settings, f, omega)`.
    """
    models = load_models(config)
    data = load_data(config, models.conditional)
    check_conditions(config, models, data)
    recipe, settings = choose_settings(config, data)
    if settings.search_feed and not config.what.searchable:
        raise ValueError(
            "search_feed searches for the redacted labels' samples (under every condition) "
            f"and off-condition samples; received presets {list(config.what.presets)} and "
            f"conditions {config.what.conditions}")
    if config.target.target_invalidity is not None:  # the epochs are a budget
        settings = settings.replace(epochs=config.target.max_epochs or 3 * settings.epochs)
    f = omega_classifier(config, settings, models)
    check_fit(models, f, data)
    models, f = adapt_models(config, models, f, data)
    for line in models.contract.lines():
        say(f"  {line}")
    check_classifiers(config, models, f, data)
    return models, data, recipe, settings, f, describe_omega(config, settings, models, f, data)


def _output_folder(config: RedactConfig, resume: bool, lock: RunLock | None,
                   say=print) -> pathlib.Path:
    """The run's folder: the unfinished one a resume continues, else a new one, locked."""
    if resume:
        output = pathlib.Path(config.output.output_dir)
        say(f"Resuming the unfinished run in {output}")
        return output
    output = (lock.folder if lock and lock.folder else
              io.output_dir(config.output.output_dir, "redact"))  # the checks passed
    if lock is not None:
        lock.take(output)
    io.write_json(output / RUN_FILE, _run_record(config))
    say(f"Writing to {output} (if stopped, the same command with "
        f"--output_dir={output} resumes it)")
    return output


def _redact(config: RedactConfig, start: float, resume: bool = False,
            lock: RunLock | None = None) -> dict:
    say = print if config.output.verbose else (lambda *a, **k: None)
    phases = Phases()
    with phases("load"):
        models, data, recipe, settings, f, omega = prepare(config, say)
        output = _output_folder(config, resume, lock, say)
    keras.utils.set_random_seed(config.training.seed)

    say(f"Measuring the pre-trained generator on {config.output.eval_samples} samples...")
    with phases("measure_before"):
        before = measure_before(config, models, omega, settings)
        before_grid = kr_callbacks.SampleGrid(output / "samples", seed=config.training.seed)
        before_grid.set_model(models.generator)
        before_grid = before_grid.grid()
    say(f"  invalidity {before['invalidity']:.3g}, IS {before['inception_score']:.3f}"
        + (" (measured before, cached)" if before.get("cached") else ""))

    method = methods.of(omega.redaction_set).name
    say(f"Redacting {_describe(config)} with the {method}-based method, "
        f"recipe {recipe}{_unmeasured(recipe)}, for {settings.epochs} epochs on "
        f"{omega.kept} kept samples...")
    with phases("train"):
        stop = stopping(config, models, omega, data, output)
        trained = train(config, settings, models, omega, data,
                        kept_batches(config, omega, data), output, stop)

    say(f"Measuring the redacted generator on {config.output.eval_samples} samples...")
    with phases("measure_after"):
        after = measure(models.generator, models.classifier, omega,
                        config.output.eval_samples, config.training.seed,
                        config.output.verbose)
    say(f"  invalidity {after['invalidity']:.3g}, IS {after['inception_score']:.3f}")
    judge_grid = after.pop("judge_grid", None)
    with phases("write"):
        metrics = metrics_of(config, recipe, settings, omega, data, trained, before, after,
                             output, f is not models.classifier, time.time() - start)
        metrics["model_contract"] = models.contract.as_dict()
        metrics["quality_guard"] = trained.guard.as_dict() if trained.guard else None
        metrics["judge"] = judge_record(models.judge_path, before, after)
        _say_judge(metrics["judge"], config.output.eval_samples, say)
        write_results(models, trained, metrics, before_grid, output, judge_grid)
    metrics["phases"] = _phase_record(phases, trained)
    io.write_json(output / "metrics.json", metrics)
    _check_certified(stop, config, settings, output, say)
    if config.output.audit:
        say("Auditing the redacted generator (latent search, fine-tuning revival)...")
        with phases("audit"):
            metrics["audit"] = audit_run(config, output)
        metrics["phases"]["audit"] = phases.as_dict()["audit"]
        rewrite_results(metrics, output)
        say(audit_summary(metrics["audit"]))
    if config.output.export:
        export_results(models.generator, config, metrics, output, phases)
        say(f"Exported for TF Serving: {metrics['export']}")
    return metrics


def _phase_record(phases: Phases, trained: Trained) -> dict:
    """`metrics.json`'s `phases`: each phase's seconds, the training split into its
    epochs (the first with the step's compilation) and the per-epoch callbacks' work."""
    record = phases.as_dict()
    record["train_epochs"] = round(trained.timer.seconds, 2)
    record["train_first_epoch"] = round(next(iter(trained.timer.epoch_seconds), 0.0), 2)
    record["train_callbacks"] = round(trained.fit_seconds - trained.timer.seconds, 2)
    return record


def _say_judge(record: dict | None, samples: int, say=print) -> None:
    if record:
        judged = record["after"]
        say(f"  the judge counts {judged['invalidity']:.3g} of the labels' samples, the "
            f"classifier {judged['classifier_invalidity']:.3g}; they disagree on "
            f"{judged['disagreements']} of {samples}")
        if record["message"]:
            say(record["message"])


def _check_certified(stop, config: RedactConfig, settings, output, say=print) -> None:
    """Raises `TargetNotCertified` when a target run's budget ended without a certificate.
    """
    if stop is None:
        return
    if stop.certificate is None:
        best = next((c for c in stop.history if c["epoch"] == stop.best_epoch), None)
        reached = (f"the best epoch that kept quality ({best['epoch']}) measured "
                   f"invalidity {best['invalidity']:.3g}, quality {best.get('quality', 1):.3f}"
                   if best else "no epoch kept quality")
        raise TargetNotCertified(
            f"target invalidity {config.target.target_invalidity:g} not certified at "
            f"{config.target.confidence:.0%} within {settings.epochs} epochs: {reached}; not "
            f"exported; metrics.json, report.md and the generator are in {output}")
    say(f"Certified: {stop.certificate.statement}")


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
                   output: pathlib.Path, phases: Phases | None = None) -> pathlib.Path:
    """Exports G as the next version under `config.output.export_dir` (default `<output>/export`).

    `metrics["export"]`, `metrics.json` and `report.md` then name the version. If the
    export fails, the files `write_results` wrote stay, and the error says so.
    """
    base = pathlib.Path(config.output.export_dir) if config.output.export_dir else output / "export"
    phases = phases or Phases()
    try:
        with phases("export"):
            path = export.export_generator(generator, base, metadata=metrics)
    except (OSError, ValueError) as error:
        raise type(error)(f"{error} (the run's results are kept in {output})") from error
    metrics["export"] = str(path)
    if "phases" in metrics:
        metrics["phases"]["export"] = phases.as_dict()["export"]
    rewrite_results(metrics, output)
    return path


def rewrite_results(metrics: dict, output: pathlib.Path) -> None:
    """Writes `metrics.json` and `report.md` again, after a later phase added to them."""
    io.write_json(output / "metrics.json", metrics)
    io.write_bytes(output / "report.md", markdown_report(metrics).encode())


def audit_run(config: RedactConfig, output: pathlib.Path) -> dict:
    """Audits the run's redacted generator (`jobs.audit` with `bin/audit`'s defaults)
    against the pre-trained one and the filter, into `<output>/audit/`; its figures."""
    folder = output / "audit"
    if folder.exists():  # a killed run's unfinished audit: this run's own folder
        shutil.rmtree(folder)
    return audit_lib.audit_generator(audit_lib.AuditConfig(
        generator=str(output / "generator.keras"),
        discriminator=str(output / "discriminator.keras"),
        pretrained_generator=config.inputs.generator,
        pretrained_discriminator=config.inputs.discriminator,
        classifier=config.inputs.classifier, judge=config.inputs.judge,
        labels=config.what.redacted_labels, off_condition=config.what.off_condition,
        dataset=config.inputs.dataset,
        data_dir=config.inputs.data_dir, seed=config.training.seed,
        output_dir=str(folder), verbose=config.output.verbose,
        **(config.output.audit if isinstance(config.output.audit, dict) else {})))


def audit_summary(figures: dict) -> str:
    """One line: the latent search's success on each generator of the audit."""
    rates = ", ".join(
        f"{name} {row['latent_search']['rate']:.3g} "
        f"[{row['latent_search']['rate_ci'][0]:.2g}, {row['latent_search']['rate_ci'][1]:.2g}]"
        for name, row in figures["rows"].items())
    return f"  latent search reaches Omega from a share of its starts: {rates} (audit/audit.md)"


def _unmeasured(recipe: str) -> str:
    """`" (unmeasured ...)"` for a shipped recipe with no record of what it reaches (the
    paper's values for other datasets), else "" (a user's own recipe is theirs to judge)."""
    shipped = recipes.RECIPES.get(recipe)
    if shipped is None or shipped.measured != "unmeasured":
        return ""
    return " (the paper's values, unmeasured on this package)"


def _describe(config: RedactConfig) -> str:
    what = [f"labels {list(config.what.redacted_labels)}"] if config.what.redacted_labels else []
    if what and config.what.conditions:
        what[0] += f" under conditions {list(config.what.conditions)}"
    if config.what.off_condition:
        what.append("off-condition samples")
    if config.what.boundary_margin is not None:
        what.append(f"boundary artifacts (margin {config.what.boundary_margin})")
    if config.what.ambiguity_tau is not None:
        what.append(f"ambiguous samples (tau {config.what.ambiguity_tau})")
    if config.what.attributes is not None:
        what.append(f"attributes {config.what.attributes!r}")
    return " + ".join(what)


