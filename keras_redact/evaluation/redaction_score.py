"""Redaction scores (paper, Section IV-C, Appendix G): which samples are hard to redact.

RS(x) = D0(x) - D'(x) for x in Omega, where D0 is the pre-trained discriminator and D' the
one after redaction; the relative score is RS(x) / D0(x). A large score means x was easy to
redact. The paper plots RS against D0 with a fitted line (Fig. 4) and averages RS per label
(Fig. 12).
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class LineFit:
    """Least-squares line `y = slope * x + intercept` and its R^2."""

    slope: float
    intercept: float
    r2: float


def _probs(discriminator, images, batch_size):
    images = np.asarray(images, np.float32)
    out = [np.asarray(discriminator(images[i:i + batch_size], training=False)).reshape(-1)
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out) if out else np.zeros((0,), np.float32)


def redaction_scores(d0, d_after, images, batch_size: int = 1000):
    """D0(x), RS(x) = D0(x) - D'(x) and RS(x) / D0(x) for each image.

    Args:
        d0: The pre-trained discriminator.
        d_after: The discriminator after redaction.
        images: Samples of Omega in [-1, 1].
        batch_size: Images per call.

    Returns:
        `(d0_values, scores, relative_scores)` as float arrays (N,).
    """
    before = _probs(d0, images, batch_size).astype(np.float64)
    after = _probs(d_after, images, batch_size).astype(np.float64)
    scores = before - after
    return before, scores, scores / np.maximum(before, 1e-12)


def fit_line(x, y) -> LineFit:
    """Least-squares line through (x, y) and its coefficient of determination.

    Raises:
        ValueError: With fewer than two points.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or len(x) != len(y):
        raise ValueError(f"need two or more (x, y) pairs; received {len(x)} and {len(y)}")
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = ((y - y.mean()) ** 2).sum()
    r2 = 1.0 - (residual ** 2).sum() / total if total > 0 else 1.0
    return LineFit(float(slope), float(intercept), float(r2))


def average_by_label(scores, labels) -> dict[int, float]:
    """Mean redaction score per label (label-level difficulty), highest (easiest) first."""
    scores, labels = np.asarray(scores), np.asarray(labels)
    means = {int(y): float(scores[labels == y].mean()) for y in np.unique(labels)}
    return dict(sorted(means.items(), key=lambda kv: -kv[1]))


def easiest_and_hardest(images, scores, k: int = 16):
    """The k easiest (largest RS) and k hardest (smallest RS) samples to redact."""
    order = np.argsort(-np.asarray(scores))
    images = np.asarray(images)
    return images[order[:k]], images[order[::-1][:k]]


def plot_scores(d0_values, scores, path, title="Redaction score vs. D0") -> LineFit:
    """Scatter of RS against D0(x) with the fitted line and R^2 (paper Fig. 4), as PNG."""
    from keras_redact.evaluation.plots import figure

    fit = fit_line(d0_values, scores)
    with figure(path, figsize=(4.5, 3.5)) as (_, ax):
        ax.scatter(d0_values, scores, s=4, alpha=0.5)
        xs = np.linspace(min(d0_values), max(d0_values), 10)
        ax.plot(xs, fit.slope * xs + fit.intercept, color="C1",
                label=f"y = {fit.slope:.2f} x + {fit.intercept:.2f}, R² = {fit.r2:.2f}")
        ax.set_xlabel("D0(x)")
        ax.set_ylabel("RS(x) = D0(x) - D'(x)")
        ax.set_title(title)
        ax.legend(fontsize=8)
    return fit
