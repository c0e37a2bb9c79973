"""Invalidity: the mass of p_G on Omega, measured on N generated samples (paper, Sec. IV)."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

from keras_redact import checks
from keras_redact.evaluation import sampling


@dataclasses.dataclass(frozen=True)
class Invalidity:
    """An invalidity estimate.

    Attributes:
        value: Fraction of samples in Omega.
        invalid: Number of samples in Omega.
        num_samples: Number of samples.
        ci: 95% confidence interval `(low, high)` (see `binomial_interval`).
    """

    value: float
    invalid: int
    num_samples: int
    ci: tuple[float, float]

    @classmethod
    def from_flags(cls, flags) -> Invalidity:
        """The estimate from one in-Omega flag per sample."""
        flags = np.asarray(flags).astype(bool)
        n, k = int(flags.size), int(flags.sum())
        return cls(k / n, k, n, binomial_interval(k, n))


def binomial_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact) interval for a binomial proportion k / n.

    Two-sided; at k = 0 (or k = n) the interval is one-sided, `[0, 1 - (1 - c)^(1/n)]`,
    so that with 50,000 samples and none invalid the upper bound is 6.0e-5 (the "rule of
    three", 3 / n).
    """
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0; received k={k}, n={n}")
    alpha = 1.0 - confidence
    if k == 0:
        return 0.0, float(1.0 - alpha ** (1.0 / n))
    if k == n:
        return float(alpha ** (1.0 / n)), 1.0
    low = stats.beta.ppf(alpha / 2, k, n - k + 1)
    high = stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
    return float(low), float(high)


def invalidity(generator, contains, num_samples: int = 50_000, *, seed: int = 0,
               batch_size: int = 1000, progress: bool = False) -> Invalidity:
    """Fraction of `num_samples` generated samples that fall in Omega.

    Streams batches, so memory does not grow with N; deterministic for a seed.

    Args:
        generator: Keras model (or callable) from latents to images.
        contains: `images -> bool` membership test of Omega (for example
            `RedactionSet.contains` or `keras_redact.redaction.label_membership`).
        num_samples: N (the paper: 50,000).
        seed: Seed of the latents.
        batch_size: Samples per batch.
        progress: Show a progress bar.

    Raises:
        ValueError: If num_samples <= 0.
    """
    num_samples = checks.integer("num_samples", num_samples)
    return Invalidity.from_flags(sampling.map_generated(
        generator, contains, num_samples, seed=seed, batch_size=batch_size,
        progress=progress))


def per_condition(flags, conditions, num_classes: int) -> dict:
    """A conditional generator's invalidity under each condition.

    Args:
        flags: Membership of Omega per sample `(N,)`.
        conditions: The condition each sample was drawn for `(N,)`.
        num_classes: Number of conditions.

    Returns:
        `{"invalidity_per_label": [p_G(Omega_y | y) for each y]}` (NaN for a condition
        no sample was drawn for). Their mean is the invalidity under the uniform label
        prior E_y[p_G(Omega_y | y)], up to the sampling of the conditions.
    """
    flags, conditions = np.asarray(flags).astype(bool), np.asarray(conditions)
    return {"invalidity_per_label": [
        float(np.mean(flags[conditions == y])) if np.any(conditions == y) else float("nan")
        for y in range(num_classes)]}
