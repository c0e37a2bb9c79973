"""Auditing a redacted generator: the library behind `bin/audit`.

Two attacks by whoever holds the weights (`keras_redact.evaluation.audit`), on the
generator under audit and, as references, on the pre-trained G0 and the post-hoc filter
(G0 with the label classifier's Omega samples rejected):

- latent search: `starts` random starts, `steps` Adam steps on the label classifier's
  probability of the redacted labels through G, latents kept typical; success when the
  independent judge (the shipped one with the shipped classifier) counts G(z) in Omega.
  Against the filter kept in place, success also needs the classifier not to reject it.
- fine-tuning revival: `revival_epochs` epochs of plain GAN training (`DCGAN`, the paper's
  pre-training step) from (G, D) on the kept data, and on the kept data with k Omega
  samples added (`omega_counts`), measuring the invalidity of fresh samples after each
  epoch, and the epochs until it is back at 10% and 50% of G0's. The filter's weights are
  G0's: whoever holds them removes the filter, so its revival is G0's.

Conditional generators (`[latents, labels]`) are audited the same way, Omega being the
labels under every condition and/or the off-condition pairs (`off_condition`: samples the
classifier does not call their condition); each start keeps a random condition, and the
search's success is also reported per condition. Their Omega samples for the revival are
the data's pairs of the labels and, off-condition, real samples given a wrong condition.

Writes `audit.json` and `audit.md` (and `audit_found.png`, the samples the search found
in G).
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import numpy as np
import tensorflow as tf

from keras_redact import checks, conditions, contract, io, seeds
from keras_redact.conditions import is_conditional
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import audit
from keras_redact.jobs import PRETRAINED, judge_path
from keras_redact.redaction import membership, sets

CONDITIONAL = PRETRAINED.parent / "mnist_conditional"
"""The shipped conditional MNIST models: the conditional generator's default G0."""

SHARES = (0.1, 0.5)
"""The shares of G0's invalidity whose return the revival reports."""


@dataclasses.dataclass(frozen=True)
class AuditConfig:
    """One audit.

    Attributes:
        generator: The generator under audit (`.keras`, default: the shipped G0).
        discriminator: Its discriminator (default: `discriminator.keras` beside the
            generator when there is one, else the shipped D).
        pretrained_generator: G0, the reference (default: the shipped MNIST DCGAN, or the
            shipped conditional one for a conditional generator).
        pretrained_discriminator: G0's discriminator (default: the shipped one beside it).
        classifier: The label classifier: the search's score and the filter (default:
            the shipped one).
        judge: The independent judge of success (default: the shipped judge with the
            shipped classifier and data; `""`: the classifier judges).
        labels: The redacted labels (conditional generators: under every condition).
        off_condition: Conditional generators: Omega holds the off-condition pairs.
        dataset: The training data (the kept part fine-tunes; Omega samples come from it).
        data_dir: TFDS data folder.
        starts: Latent-search starts.
        steps: Adam steps a start.
        learning_rate: Adam's learning rate on the latents.
        revival_epochs: Fine-tuning epochs.
        steps_per_epoch: Fine-tuning steps an epoch (default: one pass over the data).
        omega_counts: How many Omega samples are added to the kept data, one revival each
            (0: the kept data alone, a downstream user who fine-tunes).
        eval_samples: Fresh samples measured after each fine-tuning epoch.
        seed: Seed of the starts, the fine-tuning and the samples.
        output_dir: Where `audit.json` and `audit.md` go (default `runs/audit-<time>`).
        verbose: 1: progress lines; 0: quiet.
    """

    generator: str | None = None
    discriminator: str | None = None
    pretrained_generator: str | None = None
    pretrained_discriminator: str | None = None
    classifier: str | None = None
    judge: str | None = None
    labels: tuple[int, ...] = (0,)
    off_condition: bool = False
    dataset: str = sources.EMBEDDED
    data_dir: str | None = None
    starts: int = 1000
    steps: int = 100
    learning_rate: float = 0.05
    revival_epochs: int = 5
    steps_per_epoch: int | None = None
    omega_counts: tuple[int, ...] = (0, 10, 100)
    eval_samples: int = 5000
    seed: int = 0
    output_dir: str | None = None
    verbose: int = 1

    def __post_init__(self):
        if not self.labels and not self.off_condition:
            raise ValueError("labels must name at least one label (or off_condition be "
                             "set, for a conditional generator); received none")
        for name in ("starts", "steps", "revival_epochs", "eval_samples"):
            checks.integer(name, getattr(self, name), minimum=0 if name == "steps" else 1)
        for count in self.omega_counts:
            checks.integer("omega_counts", count, minimum=0)
        checks.integer("steps_per_epoch", self.steps_per_epoch, optional=True)
        checks.number("learning_rate", self.learning_rate, 0.0, float("inf"))
        checks.integer("seed", self.seed, minimum=0)

    def discriminator_path(self) -> pathlib.Path:
        """D: as named, else the run's `discriminator.keras` beside G, else the shipped."""
        if self.discriminator:
            return pathlib.Path(self.discriminator)
        beside = pathlib.Path(self.generator or "").parent / "discriminator.keras"
        return beside if self.generator and beside.is_file() else \
            PRETRAINED / "discriminator.keras"

    def pretrained_paths(self, conditional: bool) -> tuple[pathlib.Path, pathlib.Path]:
        """G0 and its D: as named (D, else beside G0), else the shipped pair of the
        audited generator's kind (conditional or not)."""
        shipped = CONDITIONAL if conditional else PRETRAINED
        g0 = pathlib.Path(self.pretrained_generator or shipped / "generator.keras")
        if self.pretrained_discriminator:
            return g0, pathlib.Path(self.pretrained_discriminator)
        beside = g0.parent / "discriminator.keras"
        return g0, beside if beside.is_file() else shipped / "discriminator.keras"


RUN_SETTINGS = ("generator", "discriminator", "pretrained_generator",
                "pretrained_discriminator", "classifier", "judge", "labels", "off_condition",
                "dataset", "data_dir", "seed", "output_dir", "verbose")
"""The `AuditConfig` settings a redaction run gives its audit (`bin/redact --audit`)."""


def check_run_settings(settings: dict) -> dict:
    """Checks the audit settings a redaction run takes (`Output.audit` as a dict): the
    other `AuditConfig` settings, each checked by `AuditConfig` itself; returns them."""
    fields = {f.name for f in dataclasses.fields(AuditConfig)}
    allowed = sorted(fields - set(RUN_SETTINGS))
    bad = sorted(set(settings) - set(allowed))
    if bad:
        raise ValueError(f"audit settings {bad} are not the audit's to set in a redaction "
                         f"run (the run gives its models, data, labels and seed); allowed: "
                         f"{allowed}")
    AuditConfig(**settings)  # each value checked
    return settings


def audit_generator(config: AuditConfig) -> dict:
    """Runs the audit; returns the figures written to `audit.json`.

    Each (G, D) pair is read against the model contract first (`keras_redact.contract`:
    G's range, D's output and side), so a sigmoid G or a logit D is audited as it is.
    """
    start = time.time()
    say = print if config.verbose else (lambda *a, **k: None)
    g_path = pathlib.Path(config.generator or PRETRAINED / "generator.keras")
    models = {"audited": (io.load_keras(g_path, "generator"),
                          io.load_keras(config.discriminator_path(), "discriminator"))}
    conditional = is_conditional(models["audited"][0])
    g0_path, d0_path = config.pretrained_paths(conditional)
    models["pre-trained"] = (io.load_keras(g0_path, "pre-trained generator"),
                             io.load_keras(d0_path, "pre-trained discriminator"))
    if is_conditional(models["pre-trained"][0]) != conditional:
        raise ValueError(f"The audited generator {g_path} is "
                         f"{'' if conditional else 'un'}conditional but the pre-trained "
                         f"generator {g0_path} is not; audit a pair of the same kind")
    if config.off_condition and not conditional:
        raise ValueError("off_condition audits a conditional generator ([latents, labels] "
                         f"inputs); received the unconditional generator {g_path}")
    classifier = io.load_keras(config.classifier or PRETRAINED / "classifier.keras",
                               "classifier")
    judge_file = judge_path(config.judge, config.classifier, config.dataset)
    judge = io.load_keras(judge_file, "judge") if judge_file else classifier
    images, labels = pipeline.to_numpy(sources.load(config.dataset, "train",
                                                    data_dir=config.data_dir))
    kept, omega = _split(config, images, labels, conditional)
    output = io.output_dir(config.output_dir, "audit")  # after every check
    rows, contracts = {}, {}
    for name, (generator, discriminator) in models.items():
        adapted = contract.adapt(generator, discriminator, [classifier, judge],
                                 real_samples=conditions.take(kept, slice(0, 512)),
                                 seed=config.seed)
        contracts[name] = adapted.contract.as_dict()
        rows[name], found = _attacks(config, adapted, kept, omega, say, name)
        if name == "audited" and len(found):
            io.write_png(output / "audit_found.png", io.image_grid(found, columns=8))
        if name == "pre-trained":
            score, by_classifier, by_judge = _counts(config, *adapted.classifiers,
                                                     conditional)
            filtered, _ = _search(config, adapted.generator, score,
                                  _past_filter(by_classifier, by_judge))
            rows["filter"] = {
                "latent_search": filtered.as_dict(), "revival": "pre-trained",
                "note": "the filter kept in place: success needs the judge's Omega past "
                        "the classifier; its weights are G0's, so with the filter removed "
                        "both attacks are G0's"}
    # G0's invalidity before fine-tuning (every revival of G0 starts from it).
    reference = next(iter(rows["pre-trained"]["revival"].values()))["curve"][0]
    for name in models:
        for run in rows[name]["revival"].values():
            run["epochs_to"] = {f"{share:g}": audit.epochs_until(run["curve"],
                                                                 share * reference)
                                for share in SHARES}
    figures = {"labels": list(config.labels), "off_condition": config.off_condition,
               "conditional": conditional, "judge": str(judge_file or "the classifier"),
               "starts": config.starts, "steps": config.steps,
               "revival_epochs": config.revival_epochs, "eval_samples": config.eval_samples,
               "seed": config.seed, "pre-trained_invalidity": reference, "rows": rows,
               "model_contracts": contracts,
               "seconds": round(time.time() - start, 1), "output_dir": str(output)}
    io.write_json(output / "audit.json", figures)
    io.write_bytes(output / "audit.md", markdown(figures).encode())
    return figures


def _counts(config: AuditConfig, classifier, judge, conditional: bool = False):
    """The search's score (the classifier's probability of Omega: of the labels, and of
    not being its condition) and Omega as the classifier and the judge count it."""
    score = membership.omega_score(classifier, config.labels,
                                   off_condition=config.off_condition)

    def omega(model):
        return sets.any_of(list(membership.of_labels(
            model, config.labels, conditional=conditional,
            off_condition=config.off_condition).values()))

    return score, omega(classifier), omega(judge)


def _split(config: AuditConfig, images, labels, conditional: bool):
    """The kept data and the Omega samples the revival adds: images, or for a conditional
    GAN `(images, labels)` pairs (Omega's: the labels' pairs and, off-condition, real
    images given a wrong condition)."""
    inside = np.isin(labels, config.labels)
    if not conditional:
        return images[~inside], images[inside]
    kept = (images[~inside], labels[~inside].astype(np.int32))
    omega = [(images[inside], labels[inside].astype(np.int32))]
    if config.off_condition:
        rng = np.random.default_rng(seeds.derive(config.seed, "audit_omega"))
        classes = int(labels.max()) + 1
        wrong = (labels + rng.integers(1, classes, labels.shape)) % classes
        omega.append((images, wrong.astype(np.int32)))
    return kept, conditions.concatenate(omega)


def _past_filter(by_classifier, by_judge):
    """The judge's Omega that the filter (the classifier's rejection) lets through."""
    def inside(samples):
        return tf.logical_and(tf.cast(by_judge(samples), tf.bool),
                              tf.logical_not(tf.cast(by_classifier(samples), tf.bool)))
    return inside


def _attacks(config: AuditConfig, adapted, kept, omega, say, name: str):
    """Both attacks on one adapted (G, D): its row of the table, and the found samples."""
    score, by_classifier, by_judge = _counts(config, *adapted.classifiers,
                                             is_conditional(adapted.generator))
    say(f"Latent search on the {name} generator ({config.starts} starts, "
        f"{config.steps} steps)...")
    search, found = _search(config, adapted.generator, score, by_judge)
    say(f"  {search.successes} of {search.starts} found Omega")
    say(f"Fine-tuning the {name} generator ({config.revival_epochs} epochs a run)...")
    revivals = {}
    rng = np.random.default_rng(config.seed)
    available = conditions.count(omega)
    for count in config.omega_counts:
        chosen = rng.choice(available, min(count, available), replace=False)
        added = conditions.take(omega, chosen)
        revivals[str(count)] = {"curve": audit.revival(
            adapted.generator, adapted.discriminator,
            conditions.concatenate([kept, added]) if count else kept, by_classifier,
            epochs=config.revival_epochs, steps_per_epoch=config.steps_per_epoch,
            samples=config.eval_samples,
            seed=seeds.derive(config.seed, "fresh"),
            discriminator_output="logit" if adapted.from_logits else "probability")}
    return {"latent_search": search.as_dict(), "revival": revivals}, found


def _search(config, generator, score, judge):
    return audit.latent_search(generator, score, judge, starts=config.starts,
                               steps=config.steps, learning_rate=config.learning_rate,
                               seed=seeds.derive(config.seed, "measure"))


def markdown(figures: dict) -> str:
    """The audit as a Markdown page: one table of both attacks on each generator."""
    counts = list(figures["rows"]["audited"]["revival"])
    what = [f"labels {figures['labels']}"] if figures["labels"] else []
    what += ["off-condition samples"] if figures.get("off_condition") else []
    lines = [f"# Audit: {' and '.join(what)}", "",
             f"Latent search: {figures['starts']} starts, {figures['steps']} Adam steps, "
             f"success judged by {figures['judge']}. Revival: {figures['revival_epochs']} "
             f"epochs of GAN training on the kept data with k Omega samples added; epochs "
             f"until the invalidity is back at 10% / 50% of G0's "
             f"({figures['pre-trained_invalidity']:.3g}).", "",
             "| generator | search success [95% CI] | median steps | "
             + " | ".join(f"revival k={k}: after | epochs to 10% / 50%" for k in counts)
             + " |",
             "|---|---|---|" + "---|---|" * len(counts)]
    for name, row in figures["rows"].items():
        s = row["latent_search"]
        cells = [name, f"{s['rate']:.3g} [{s['rate_ci'][0]:.2g}, {s['rate_ci'][1]:.2g}]",
                 "-" if s["median_steps"] is None else f"{s['median_steps']:g}"]
        for k in counts:
            if isinstance(row["revival"], str):
                cells += [f"as {row['revival']}", ""]
                continue
            run = row["revival"][k]
            to = run["epochs_to"]
            cells += [f"{run['curve'][-1]:.3g}",
                      " / ".join("-" if v is None else str(v) for v in to.values())]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + _condition_table(figures["rows"])) + "\n"


def _condition_table(rows: dict) -> list[str]:
    """Conditional generators: the search's success under each condition, per row."""
    by = {name: row["latent_search"].get("by_condition") for name, row in rows.items()}
    if not any(by.values()):
        return []
    conditions = sorted({c for figures in by.values() if figures for c in figures}, key=int)
    lines = ["", "Latent search success per condition (starts keep a random condition):", "",
             "| condition | " + " | ".join(by) + " |", "|---|" + "---|" * len(by)]
    for c in conditions:
        cells = [c] + ["-" if not (by[name] or {}).get(c) else
                       f"{by[name][c]['rate']:.3g} ({by[name][c]['successes']}/"
                       f"{by[name][c]['starts']})" for name in by]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
