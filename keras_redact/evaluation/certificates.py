"""Certified invalidity: an anytime-valid upper confidence bound on fresh samples.

A certificate says "this generator puts at most `bound` of its mass on Omega, with
confidence `confidence`". It is a sequential test (`RateBound`): fresh samples are drawn in
growing chunks, and after each chunk the test's wealth at the target, a product of bets
`1 + lam_i (epsilon - x_i)` on each sample x_i in {0, 1} (x = 1 inside Omega) with each
bet fixed before its sample is seen, is compared with `1 / (1 - confidence)`. Under any
rate p >= epsilon each factor has mean at most 1, so the wealth is a non-negative
supermartingale and, by Ville's inequality, exceeds `1 / (1 - confidence)` at *any* time,
however often it is looked at and whenever one stops, with probability at most
`1 - confidence` (Waudby-Smith & Ramdas, 2023, "Estimating means of bounded random
variables by betting"). So the draw stops as soon as the target is certified, or as soon
as it cannot be within the budget: a generator at half the target certifies 1e-3 after
tens of thousands of samples, not a fixed 200,000.

Fresh: the samples take no part in deciding when to try (the per-epoch checks draw their
own), and when a run tries more than once each attempt is made at confidence
`1 - (1 - confidence) / attempts` (Bonferroni), so that over all attempts a generator whose
invalidity is above the target is certified with probability at most `1 - confidence`.

The bets are Kelly's for a running estimate of the rate, `lam = (p0 - p_hat) / (p0 (1 -
p0))`, shrunk towards `guess` (the caller's estimate from other samples, e.g. the check
that triggered the attempt) and capped at `0.8 / (1 - p0)`: with p_hat the true rate, the
wealth grows like the likelihood ratio, about `n KL(p || epsilon)` in logs.

`upper_bound` is the fixed-sample Clopper-Pearson bound, for reports of a fixed count;
`minimum_samples(epsilon, c)` is the fewest samples with which any bound below epsilon is
possible (2,995 for 1e-3 at 95%).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

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
    """The budget of one certification of `epsilon`: `200 / epsilon` fresh samples, or more.

    At least `minimum_samples`; the sequential test stops long before it for a generator
    clearly under the target, and uses it up only for one near the target.
    """
    return max(minimum_samples(epsilon, confidence), int(math.ceil(200.0 / epsilon)))


GUESS_WEIGHT = 1.0
"""How many expected Omega samples' worth of weight the bets give `guess` (the estimate
shrinks towards it with weight `GUESS_WEIGHT / p0` samples)."""

MAX_BET = 0.8
"""The bets' cap as a share of the largest that keeps the wealth non-negative."""


class RateBound:
    """An anytime-valid upper confidence sequence for a Bernoulli rate, by betting.

    Feed it counts chunk by chunk (`update`); at any time `log_wealth(p0)` is the log of
    the test martingale of "rate >= p0", `rejects(p0)` whether the martingale has reached
    `1 / (1 - confidence)`, and `bound()` the smallest rate from which every rate is
    rejected. Valid under optional
    stopping: the chance that the true rate is ever rejected is at most `1 - confidence`.

    Args:
        confidence: In (0, 1).
        guess: An estimate of the rate from other samples, which the first bets use.
    """

    def __init__(self, confidence: float = 0.95, guess: float | None = None):
        _check_confidence(confidence)
        if guess is not None:
            checks.number("guess", guess, 0.0, 1.0, low_open=False, high_open=False)
        self.confidence, self.guess = float(confidence), guess
        self.chunks: list[tuple[int, int]] = []  # (invalid, samples)
        self.invalid = self.num_samples = 0
        self._running: dict[float, tuple[int, int, int, float]] = {}

    @property
    def threshold(self) -> float:
        """`log(1 / (1 - confidence))`: the log-wealth at which a rate is rejected."""
        return -math.log1p(-self.confidence)

    def update(self, invalid: int, num_samples: int) -> None:
        """Adds a chunk: `invalid` of `num_samples` fresh samples inside Omega."""
        num_samples = checks.integer("num_samples", num_samples)
        invalid = checks.integer("invalid", invalid, minimum=0)
        if invalid > num_samples:
            raise ValueError(f"invalid must be at most num_samples; received {invalid} of "
                             f"{num_samples}")
        self.chunks.append((invalid, num_samples))
        self.invalid += invalid
        self.num_samples += num_samples

    @staticmethod
    def bets(p0, invalid: int, num_samples: int, guess: float | None):
        """The bets on `rate >= p0` after `invalid` of `num_samples` samples (Kelly's for
        the shrunk estimate, capped); `p0` may be an array."""
        p0 = np.asarray(p0, np.float64)
        prior = p0 / 2.0 if guess is None else np.minimum(guess, p0)
        weight = GUESS_WEIGHT / p0
        p_hat = (invalid + prior * weight) / (num_samples + weight)
        return np.clip((p0 - p_hat) / (p0 * (1.0 - p0)), 0.0, MAX_BET / (1.0 - p0))

    def log_wealth(self, p0):
        """The log of the test martingale of `rate >= p0` (`p0` may be an array; a
        number's wealth is kept, so asking after every chunk costs one chunk's work)."""
        scalar = np.ndim(p0) == 0
        done, invalid, seen, total = (self._running.get(float(p0), (0, 0, 0, 0.0))
                                      if scalar else (0, 0, 0, 0.0))
        p0 = np.asarray(p0, np.float64)
        total = total + np.zeros_like(p0)
        for k, n in self.chunks[done:]:
            lam = self.bets(p0, invalid, seen, self.guess)
            total += k * np.log1p(lam * (p0 - 1.0)) + (n - k) * np.log1p(lam * p0)
            invalid, seen = invalid + k, seen + n
        if scalar:
            self._running[float(p0)] = (len(self.chunks), invalid, seen, float(total))
            return float(total)
        return total

    def rejects(self, p0: float) -> bool:
        """Whether `rate >= p0` is rejected: the rate is certified below `p0`."""
        return bool(self.log_wealth(p0) >= self.threshold)

    def bound(self) -> float:
        """The smallest `p0` above the observed rate from which every rate is rejected
        (bisection in log space, to 0.1%); 1 when none is."""
        low = max(self.invalid / max(self.num_samples, 1), 1e-12)
        high = 1.0 - 1e-12
        if not self.rejects(high):
            return 1.0
        for _ in range(80):
            middle = math.sqrt(low * high)
            if self.rejects(middle):
                high = middle
            else:
                low = middle
            if high / low < 1.001:
                break
        return float(high)

    def reachable(self, p0: float, remaining: int) -> bool:
        """Whether `remaining` more samples could still reject `rate >= p0` (all valid,
        at the largest bet)."""
        best = remaining * math.log1p(MAX_BET * p0 / (1.0 - p0))
        return bool(self.log_wealth(p0) + best >= self.threshold)


@dataclasses.dataclass(frozen=True)
class Certificate:
    """The outcome of a certification.

    Attributes:
        epsilon: The target invalidity.
        confidence: The confidence of the statement, over every attempt a run made.
        bound: The anytime-valid upper bound on the invalidity, at the attempt's confidence.
        certified: Whether the test rejected `invalidity >= epsilon`.
        invalid: Samples inside Omega.
        num_samples: Fresh samples drawn (the test stops as soon as it can decide).
        attempts: How many attempts the confidence is shared by (Bonferroni).
        attempt_confidence: The confidence of this attempt's test.
        seed: The latent seed of the fresh samples (chunk j draws from `[seed, j]`).
        evaluator: What decided membership of Omega.
        budget: The most samples the attempt could draw.
        test: How the bound was computed.
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
    budget: int = 0
    test: str = "betting confidence sequence (anytime-valid)"

    @property
    def statement(self) -> str:
        """The certificate as one sentence."""
        verdict = "certifies" if self.certified else "does not certify"
        return (f"{self.invalid} of {self.num_samples} fresh samples in Omega: invalidity "
                f"<= {self.bound:.3g} with {self.confidence:.0%} confidence ({verdict} "
                f"{self.epsilon:g}; evaluator: {self.evaluator})")

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "statement": self.statement}


def chunk_sizes(epsilon: float, budget: int, first: int | None = None) -> list[int]:
    """The chunks a certification draws: `10 / epsilon` first (at least 1,000), each next
    1.5x the last, the last cut to the budget."""
    size = min(budget, first or max(1000, int(math.ceil(10.0 / epsilon))))
    sizes = []
    while sum(sizes) < budget:
        sizes.append(min(size, budget - sum(sizes)))
        size = int(size * 1.5)
    return sizes


def sequential_test(draw: Callable[[int, int], int], epsilon: float, budget: int,
                    confidence: float, guess: float | None = None) -> RateBound:
    """Draws chunks (`chunk_sizes`) until the test certifies `epsilon` or gives up.

    Args:
        draw: `(j, size) -> invalid`: how many of chunk j's `size` fresh samples are in
            Omega (the generator in `certify`, a binomial in a simulation).
        epsilon: The target.
        budget: The most samples to draw.
        confidence: The test's confidence (one attempt's).
        guess: An estimate of the rate from other samples, for the first bets.

    Returns:
        The `RateBound` after the last chunk drawn.
    """
    test = RateBound(confidence, guess)
    for j, size in enumerate(chunk_sizes(epsilon, budget)):
        test.update(draw(j, size), size)
        if test.rejects(epsilon) or _hopeless(test, epsilon, budget):
            break
    return test


def certify(generator, contains, epsilon: float, confidence: float = 0.95, *,
            num_samples: int | None = None, seed: int = 2**20 + 7, attempts: int = 1,
            evaluator: str = "membership test", batch_size: int = 1000,
            latent_dim: int | None = None, progress: bool = False,
            guess: float | None = None, flags_of=None) -> Certificate:
    """Certifies a generator against any membership test of Omega, without training.

    Draws fresh samples in chunks (`chunk_sizes`) and stops as soon as the sequential test
    certifies `epsilon`, or cannot within the budget.

    Args:
        generator: A Keras model or callable from latents to samples.
        contains: `samples -> bool`: a label classifier's `label_membership`, a validity
            set's or classifier set's `contains` (f < tau), or a union's.
        epsilon: The target invalidity, in (0, 1).
        confidence: The statement's confidence, in (0, 1).
        num_samples: The budget of fresh samples (default:
            `certification_samples(epsilon, confidence)`).
        seed: Latent seed of the fresh samples: keep it apart from every seed used to
            decide when to stop.
        attempts: How many certifications the caller may try in all; each is made at
            confidence `1 - (1 - confidence) / attempts`.
        evaluator: What `contains` is, for the certificate.
        batch_size: Samples per batch.
        latent_dim: Latent size (read from a Keras generator's input if None).
        progress: Show a progress bar per chunk.
        guess: An estimate of the invalidity from other samples (the first bets use it).
        flags_of: A `sampling.GeneratedMap` of `generator` and `contains` to reuse (one
            traced function for every chunk and attempt); made here when None.

    Returns:
        A `Certificate`.

    Example:
        >>> cert = certify(g, label_membership(clf, [0]), 1e-3)
        >>> cert.certified, cert.bound, cert.num_samples
    """
    _check_epsilon(epsilon)
    _check_confidence(confidence)
    attempts = checks.integer("attempts", attempts)
    budget = checks.integer("num_samples", num_samples, optional=True) or \
        certification_samples(epsilon, confidence)
    attempt_confidence = 1.0 - (1.0 - confidence) / attempts
    flags_of = flags_of or sampling.GeneratedMap(generator, contains, latent_dim=latent_dim)

    def draw(j, size):  # chunk j: its own latents, from [seed, j]
        flags = flags_of(size, seed=[int(seed), j], batch_size=batch_size, progress=progress)
        return int(np.count_nonzero(np.asarray(flags).astype(bool)))

    test = sequential_test(draw, epsilon, budget, attempt_confidence, guess)
    certified = test.rejects(epsilon)
    bound = min(test.bound(), epsilon) if certified else test.bound()
    return Certificate(float(epsilon), float(confidence), bound, certified, test.invalid,
                       test.num_samples, attempts, attempt_confidence, int(seed), evaluator,
                       budget)


def _hopeless(test: RateBound, epsilon: float, budget: int) -> bool:
    """Whether to give up (which never certifies, so it cannot make a false certificate).

    Gives up when the budget cannot reach the target even with every sample valid, or,
    after `10 / epsilon` samples, when it cannot even at an optimistic rate (the observed
    count less one standard deviation): the log-wealth grows at most like KL(rate ||
    epsilon) a sample, so a generator near the target stops long before the budget.
    """
    remaining = budget - test.num_samples
    if not test.reachable(epsilon, remaining):
        return True
    if test.num_samples < 10.0 / epsilon:
        return False
    optimistic = max(test.invalid - math.sqrt(test.invalid), 0.0) / test.num_samples
    if optimistic >= epsilon:
        return True
    gain = remaining * _kl_bernoulli(optimistic, epsilon)
    return test.log_wealth(epsilon) + gain < test.threshold


def _kl_bernoulli(p: float, q: float) -> float:
    """KL(Bernoulli(p) || Bernoulli(q)) in nats."""
    first = p * math.log(p / q) if p > 0 else 0.0
    return first + (1.0 - p) * math.log((1.0 - p) / (1.0 - q))


def _check_epsilon(epsilon):
    checks.number("the target invalidity", epsilon, 0.0, 1.0)


def _check_confidence(confidence):
    checks.number("confidence", confidence, 0.0, 1.0)
