"""Certified invalidity: a one-sided upper confidence bound on fresh samples.

A certificate says "this generator puts at most `bound` of its mass on Omega, with
confidence `confidence`", from the Clopper-Pearson upper bound on `invalid` of
`num_samples` fresh samples. Fresh: the samples take no part in deciding when to stop
training, so looking at the monitor after every epoch cannot inflate the rate of false
certificates; and when a run tries to certify more than once, each attempt is made at
confidence `1 - (1 - confidence) / attempts` (Bonferroni), so that over all attempts a
generator whose true invalidity is above the target is certified with probability at most
`1 - confidence`.

How many samples: with none of n samples invalid the bound is `1 - (1 - c)^(1/n)`, so no
bound below epsilon is possible with fewer than `minimum_samples(epsilon, c)` samples
(2,995 for 1e-3 at 95%). Drawing only that many certifies only a generator that makes no
invalid sample at all among them; `certification_samples` draws `200 / epsilon` (200,000
for 1e-3), so that a generator at 0.7 of the target (140 invalid expected) certifies even
at the stricter confidence of one attempt among 24 (bound 8.9e-4 for 1e-3).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import stats

from keras_redact import checks
from keras_redact.evaluation import sampling


def upper_bound(invalid: int, num_samples: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound on a binomial proportion.

    Args:
        invalid: Samples inside Omega, k.
        num_samples: Samples drawn, n.
        confidence: One-sided confidence level in (0, 1).

    Returns:
        The smallest p with P(Binomial(n, p) <= k) <= 1 - confidence, that is
        `Beta(confidence; k + 1, n - k)` (1 when k = n).
    """
    _check_confidence(confidence)
    num_samples = checks.integer("num_samples", num_samples)
    invalid = checks.integer("invalid", invalid, minimum=0)
    if invalid > num_samples:
        raise ValueError(f"invalid must be at most num_samples; received {invalid} of "
                         f"{num_samples}")
    if invalid == num_samples:
        return 1.0
    return float(stats.beta.ppf(confidence, invalid + 1, num_samples - invalid))


def minimum_samples(epsilon: float, confidence: float = 0.95) -> int:
    """The fewest samples with which a bound of at most `epsilon` is possible at all."""
    _check_epsilon(epsilon)
    _check_confidence(confidence)
    return int(math.ceil(math.log(1.0 - confidence) / math.log1p(-epsilon)))


def certification_samples(epsilon: float, confidence: float = 0.95) -> int:
    """How many fresh samples a certification of `epsilon` draws: `200 / epsilon`, or more.

    At least `minimum_samples`; 200 / epsilon lets a generator at 0.7 of the target
    certify even when the confidence is shared by 24 attempts.
    """
    return max(minimum_samples(epsilon, confidence), int(math.ceil(200.0 / epsilon)))


@dataclasses.dataclass(frozen=True)
class Certificate:
    """The outcome of a certification.

    Attributes:
        epsilon: The target invalidity.
        confidence: The confidence of the statement, over every attempt a run made.
        bound: The one-sided upper bound on the invalidity, at the attempt's confidence.
        certified: Whether `bound <= epsilon`.
        invalid: Samples inside Omega.
        num_samples: Fresh samples drawn.
        attempts: How many attempts the confidence is shared by (Bonferroni).
        attempt_confidence: The confidence of this attempt's bound.
        seed: The latent seed of the fresh samples.
        evaluator: What decided membership of Omega.
    """

    epsilon: float
    confidence: float
    bound: float
    certified: bool
    invalid: int
    num_samples: int
    attempts: int
    attempt_confidence: float
    seed: int
    evaluator: str

    @property
    def statement(self) -> str:
        """The certificate as one sentence."""
        verdict = "certifies" if self.certified else "does not certify"
        return (f"{self.invalid} of {self.num_samples} fresh samples in Omega: invalidity "
                f"<= {self.bound:.3g} with {self.confidence:.0%} confidence ({verdict} "
                f"{self.epsilon:g}; evaluator: {self.evaluator})")

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "statement": self.statement}


def certify(generator, contains, epsilon: float, confidence: float = 0.95, *,
            num_samples: int | None = None, seed: int = 2**20 + 7, attempts: int = 1,
            evaluator: str = "membership test", batch_size: int = 1000,
            latent_dim: int | None = None, progress: bool = False) -> Certificate:
    """Certifies a generator against any membership test of Omega, without training.

    Args:
        generator: A Keras model or callable from latents to samples.
        contains: `samples -> bool`: a label classifier's `label_membership`, a validity
            set's or classifier set's `contains` (f < tau), or a union's.
        epsilon: The target invalidity, in (0, 1).
        confidence: The statement's confidence, in (0, 1).
        num_samples: Fresh samples (default: `certification_samples(epsilon, confidence)`).
        seed: Latent seed of the fresh samples: keep it apart from every seed used to
            decide when to stop.
        attempts: How many certifications the caller may try in all; each is made at
            confidence `1 - (1 - confidence) / attempts`.
        evaluator: What `contains` is, for the certificate.
        batch_size: Samples per batch.
        latent_dim: Latent size (read from a Keras generator's input if None).
        progress: Show a progress bar.

    Returns:
        A `Certificate`.

    Example:
        >>> cert = certify(g, label_membership(clf, [0]), 1e-3)
        >>> cert.certified, cert.bound
    """
    _check_epsilon(epsilon)
    _check_confidence(confidence)
    attempts = checks.integer("attempts", attempts)
    num_samples = checks.integer("num_samples", num_samples, optional=True) or \
        certification_samples(epsilon, confidence)
    flags = sampling.map_generated(generator, contains, num_samples, seed=seed,
                                   batch_size=batch_size, latent_dim=latent_dim,
                                   progress=progress)
    invalid = int(np.count_nonzero(np.asarray(flags).astype(bool)))
    attempt_confidence = 1.0 - (1.0 - confidence) / attempts
    bound = upper_bound(invalid, num_samples, attempt_confidence)
    return Certificate(float(epsilon), float(confidence), bound, bound <= epsilon, invalid,
                       int(num_samples), attempts, attempt_confidence, int(seed), evaluator)


def _check_epsilon(epsilon):
    checks.number("the target invalidity", epsilon, 0.0, 1.0)


def _check_confidence(confidence):
    checks.number("confidence", confidence, 0.0, 1.0)
