"""Certificates: Clopper-Pearson upper bounds, sample counts, and the false-certification
rate on a generator whose Omega mass is set exactly."""

import json

import numpy as np
import pytest
from scipy import stats

from keras_redact.evaluation import certificates


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
    cert = certificates.certify(_generator, _inside, 0.5, num_samples=200_000, seed=1,
                                latent_dim=2)
    assert abs(cert.invalid / cert.num_samples - P) < 0.002


@pytest.mark.parametrize("attempts", [1, 3])
def test_false_certification_rate_at_most_one_minus_confidence(attempts):
    # The target equals the true mass: every certificate is false. Each run tries
    # `attempts` times on fresh samples, sharing the confidence (Bonferroni).
    runs, false = 300, 0
    for run in range(runs):
        for attempt in range(attempts):
            cert = certificates.certify(_generator, _inside, P, 0.95, num_samples=1000,
                                        seed=run * 10 + attempt, attempts=attempts,
                                        latent_dim=2)
            if cert.certified:
                false += 1
                break
    # At most 5%, plus 2.5 binomial standard deviations of 300 runs.
    assert false / runs <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / runs), false


def test_a_generator_under_the_target_is_certified():
    cert = certificates.certify(_generator, _inside, 2 * P, 0.95, seed=3,
                                evaluator="x > threshold", latent_dim=2)
    assert cert.certified and cert.num_samples == certificates.certification_samples(2 * P)
    assert cert.bound < 2 * P and cert.attempt_confidence == 0.95
    assert "with 95% confidence (certifies 0.1; evaluator: x > threshold)" in cert.statement
    assert json.loads(json.dumps(cert.as_dict()))["statement"] == cert.statement
