"""Certificates: Clopper-Pearson bounds, the sequential test's validity under optional
stopping, and the false-certification rate on a generator whose Omega mass is set exactly."""

import json

import numpy as np
import pytest
from scipy import stats

from keras_redact.evaluation import certificates, sampling


def test_upper_bound_golden_values():
    # None of n invalid: 1 - (1 - c)^(1/n); 2,995 samples are the fewest for 1e-3 at 95%.
    assert certificates.upper_bound(0, 2995) == pytest.approx(1 - 0.05 ** (1 / 2995))
    assert certificates.upper_bound(0, 2995) <= 1e-3 < certificates.upper_bound(0, 2994)
    assert certificates.minimum_samples(1e-3, 0.95) == 2995
    assert certificates.minimum_samples(1e-4, 0.95) == 29956
    # 25 of 50,000: the Beta quantile.
    assert certificates.upper_bound(25, 50_000) == pytest.approx(
        stats.beta.ppf(0.95, 26, 49_975))
    assert 6.5e-4 < certificates.upper_bound(25, 50_000) < 7.0e-4
    assert certificates.upper_bound(10, 10) == 1.0
    assert certificates.certification_samples(1e-3) == 200_000
    assert certificates.chunk_sizes(1e-3, 200_000)[:3] == [10_000, 15_000, 22_500]
    assert sum(certificates.chunk_sizes(1e-3, 200_000)) == 200_000


def test_the_wealth_is_the_likelihood_ratio_when_the_bet_is_kellys():
    # A guess equal to the observed rate, with no data yet: the bet is Kelly's for it, so
    # one chunk's log-wealth is log L(p) - log L(p0) for k of n at p = guess.
    p, p0, k, n = 4e-4, 1e-3, 4, 10_000
    test = certificates.RateBound(0.95, guess=p)
    test.update(k, n)
    ratio = k * np.log(p / p0) + (n - k) * np.log((1 - p) / (1 - p0))
    assert test.log_wealth(p0) == pytest.approx(ratio, rel=1e-9)
    assert test.rejects(p0) == (ratio >= -np.log(0.05))


def test_the_bound_is_where_the_test_starts_rejecting():
    test = certificates.RateBound(0.95)
    for _ in range(5):
        test.update(5, 10_000)
    bound = test.bound()
    assert 5e-4 < bound < 1e-3
    assert test.rejects(bound) and not test.rejects(bound / 1.01)
    assert test.rejects(2 * bound) and not test.rejects(5e-4)
    assert certificates.RateBound(0.95).bound() == 1.0  # no samples, no bound

@pytest.mark.parametrize("call,match", [
    (lambda: certificates.upper_bound(3, 2), "invalid must be at most num_samples"),
    (lambda: certificates.upper_bound(1, 10, 1.0), r"confidence must be in \(0, 1\)"),
    (lambda: certificates.minimum_samples(0.0), r"target invalidity must be in \(0, 1\)"),
    (lambda: certificates.minimum_samples(True), "received True"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


P = 0.05  # the simulated generator's exact Omega mass
THRESHOLD = float(stats.norm.ppf(1 - P))


def _generator(latents):
    return latents[:, :1]  # x = z_0 ~ N(0, 1)


def _inside(x):
    return x[:, 0] > THRESHOLD  # mass exactly P


def test_the_simulated_generator_has_the_mass_it_should():
    flags = sampling.map_generated(_generator, _inside, 200_000, seed=1, latent_dim=2)
    assert abs(flags.mean() - P) < 0.002


@pytest.mark.parametrize("rate", [P, 1.2 * P])
def test_the_sequential_bound_is_valid_under_optional_stopping(rate):
    # Peek after every 20 samples, up to 4,000, and stop at the first rejection of the
    # true rate or above: Ville's inequality allows it at most 5% of the time.
    rng = np.random.default_rng(0)
    runs, false = 2000, 0
    for _ in range(runs):
        test = certificates.RateBound(0.95)
        for _ in range(200):
            test.update(int(rng.binomial(20, rate)), 20)
            if test.rejects(P):
                false += 1
                break
    # At most 5%, plus 2.5 binomial standard deviations of the runs.
    assert false / runs <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / runs), false


@pytest.mark.parametrize("attempts", [1, 3])
@pytest.mark.parametrize("rate", [P, 1.2 * P])
def test_false_certification_rate_at_most_one_minus_confidence(attempts, rate):
    # The target is the true mass or under it: every certificate is false. Each run tries
    # `attempts` times on fresh samples, sharing the confidence (Bonferroni).
    target = P * P / rate
    flags_of = sampling.GeneratedMap(_generator, _inside, latent_dim=2)
    runs, false = 300, 0
    for run in range(runs):
        for attempt in range(attempts):
            cert = certificates.certify(_generator, _inside, target, 0.95,
                                        seed=run * 10 + attempt, attempts=attempts,
                                        flags_of=flags_of)
            if cert.certified:
                false += 1
                break
    assert false / runs <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / runs), false


def test_a_generator_under_the_target_is_certified_with_the_samples_it_needs():
    cert = certificates.certify(_generator, _inside, 2 * P, 0.95, seed=3,
                                evaluator="x > threshold", latent_dim=2)
    budget = certificates.certification_samples(2 * P)
    assert cert.certified and cert.budget == budget == 2000
    assert cert.num_samples == 1000 < budget  # the first chunk decides
    assert cert.bound < 2 * P and cert.attempt_confidence == 0.95
    assert "with 95% confidence (certifies 0.1; evaluator: x > threshold)" in cert.statement
    assert json.loads(json.dumps(cert.as_dict()))["statement"] == cert.statement


def test_a_generator_over_the_target_gives_up_before_the_budget():
    cert = certificates.certify(_generator, _inside, P / 2, 0.95, seed=4, latent_dim=2)
    assert not cert.certified and cert.bound > P / 2
    assert cert.num_samples < cert.budget
