"""Redaction scores of a finished run (paper, Section IV-C, Fig. 4, Appendix G).

The library behind `bin/scores`: RS(x) = D0(x) - D'(x) for the training samples of Omega,
the scatter against D0(x) with a fitted line and R^2, the mean score per label, and grids
of the easiest and hardest samples to redact.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import numpy as np

from keras_redact import checks, contract, io
from keras_redact.data import pipeline, sources
from keras_redact.evaluation import redaction_score as rs
from keras_redact.jobs import PRETRAINED


@dataclasses.dataclass(frozen=True)
class ScoresConfig:
    """One redaction-score job.

    Attributes:
        run_dir: A `bin/redact` output folder: its `discriminator.keras` is D', and its
            `metrics.json` gives the labels and dataset unless given here.
        discriminator_after: D' `.keras` (default: `<run_dir>/discriminator.keras`).
        discriminator_before: D0 `.keras` (default: the shipped MNIST discriminator).
        labels: Omega's labels (default: the run's).
        dataset: Training data (default: the run's, else mnist_5k).
        data_dir: TFDS data folder.
        output_dir: Where the files go (default: `<run_dir>/scores`); must be new or empty.
        grid_size: Samples in each of the easiest / hardest grids.
    """

    run_dir: str | None = None
    discriminator_after: str | None = None
    discriminator_before: str | None = None
    labels: tuple[int, ...] | None = None
    dataset: str | None = None
    data_dir: str | None = None
    output_dir: str | None = None
    grid_size: int = 64

    def __post_init__(self):
        if self.run_dir is None and (self.discriminator_after is None
                                     or self.output_dir is None):
            raise ValueError("Give run_dir (a bin/redact output folder), or both "
                             "discriminator_after and output_dir")
        checks.integer("grid_size", self.grid_size)


def _run_metrics(run_dir) -> dict:
    if run_dir is None:
        return {}
    path = pathlib.Path(run_dir) / "metrics.json"
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} is not a bin/redact output folder: no metrics.json")
    return json.loads(path.read_text())


def scores(config: ScoresConfig) -> dict:
    """Computes and writes the redaction scores; returns the summary.

    Raises:
        FileNotFoundError: For a missing run folder or model.
        FileExistsError: For an output folder that exists and is not empty.
        ValueError: For labels that are absent from the data, or models that do not fit.
    """
    run = _run_metrics(config.run_dir)
    labels = tuple(config.labels or run.get("labels") or ())
    if not labels:
        raise ValueError("No labels: the run redacted no labels (presets have no training "
                         "samples to score); pass labels")
    after_path = pathlib.Path(config.discriminator_after
                              or pathlib.Path(config.run_dir) / "discriminator.keras")
    before_path = pathlib.Path(config.discriminator_before
                               or PRETRAINED / "discriminator.keras")
    for path in (after_path, before_path):
        if not path.exists():
            raise FileNotFoundError(f"No discriminator at {path}")
    output = pathlib.Path(config.output_dir or pathlib.Path(config.run_dir) / "scores")
    # D's outputs as probabilities of real on [-1, 1] images, whatever D's conventions
    # (the run's model_contract record says them for D').
    recorded = run.get("model_contract")
    d0 = contract.probability_discriminator(io.load_keras(before_path, "discriminator"),
                                            recorded)
    d_after = contract.probability_discriminator(io.load_keras(after_path, "discriminator"),
                                                 recorded)
    dataset = config.dataset or run.get("dataset") or sources.EMBEDDED
    train = sources.load(dataset, "train", data_dir=config.data_dir)
    images, image_labels = pipeline.to_numpy(train, pipeline.label_predicate(labels),
                                             part="redacted")
    if len(images) == 0:
        raise ValueError(f"labels {list(labels)} do not occur in {dataset}")
    for name, model in (("D0", d0), ("D'", d_after)):
        if tuple(model.inputs[0].shape[1:]) != tuple(images.shape[1:]):
            raise ValueError(f"{name} takes {tuple(model.inputs[0].shape[1:])} but the data "
                             f"has images of shape {tuple(images.shape[1:])}")
    io.fresh_dir(output)
    d0_values, score, relative = rs.redaction_scores(d0, d_after, images)
    fit = rs.plot_scores(d0_values, score, output / "scores.png",
                         title=f"Redacting {', '.join(map(str, labels))}: RS vs. D0")
    k = min(config.grid_size, len(images))
    easiest, hardest = rs.easiest_and_hardest(images, score, k)
    io.write_png(output / "easiest.png", io.image_grid(easiest))
    io.write_png(output / "hardest.png", io.image_grid(hardest))
    np.savez_compressed(output / "scores.npz", d0=d0_values, score=score, relative=relative,
                        labels=image_labels)
    summary = {
        "labels": list(labels),
        "num_samples": int(len(images)),
        "mean_score": float(np.mean(score)),
        "mean_relative_score": float(np.mean(relative)),
        "mean_d0": float(np.mean(d0_values)),
        "fit": dataclasses.asdict(fit),
        "mean_score_by_label": {str(y): v for y, v in
                                rs.average_by_label(score, image_labels).items()},
        "discriminator_before": str(before_path),
        "discriminator_after": str(after_path),
        "output_dir": str(output),
    }
    io.write_json(output / "scores.json", summary)
    (output / "scores.md").write_text(markdown(summary))
    return summary


def markdown(summary: dict) -> str:
    """The summary as a short Markdown report."""
    fit = summary["fit"]
    lines = [
        f"# Redaction scores: labels {summary['labels']}",
        "",
        f"RS(x) = D0(x) - D'(x) over the {summary['num_samples']} training samples of Omega.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| mean RS | {summary['mean_score']:.4f} |",
        f"| mean RS / D0 | {summary['mean_relative_score']:.4f} |",
        f"| mean D0 | {summary['mean_d0']:.4f} |",
        f"| fit RS = a D0 + b | a = {fit['slope']:.3f}, b = {fit['intercept']:.3f} |",
        f"| R^2 | {fit['r2']:.3f} |",
        "",
        "| label | mean RS |",
        "|---|---|",
        *(f"| {y} | {v:.4f} |" for y, v in summary["mean_score_by_label"].items()),
        "",
        "![RS vs D0](scores.png)",
        "",
        "Easiest to redact (largest RS): ![easiest](easiest.png)",
        "",
        "Hardest to redact (smallest RS): ![hardest](hardest.png)",
        "",
    ]
    return "\n".join(lines)
