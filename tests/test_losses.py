import math

import numpy as np
import pytest
import tensorflow as tf

from keras_redact import losses


def _ll(p, t):
    return t * math.log(p) + (1 - t) * math.log(1 - p)


def test_discriminator_loss_pretraining_golden():
    real, fake = [0.8, 0.6], [0.3, 0.1]
    want = -(np.mean([_ll(p, 0.9) for p in real]) + np.mean([_ll(p, 0.1) for p in fake]))
    got = losses.discriminator_loss(np.array(real), np.array(fake), alpha_plus=0.9,
                                    alpha_minus=0.1)
    assert float(got) == pytest.approx(want, rel=1e-6)
    assert float(got) == pytest.approx(0.8398, abs=1e-4)  # by hand: -(-0.45657 - 0.38324)


def test_discriminator_loss_mixture_weights_eq3():
    real, gen, omega = [0.7], [0.4, 0.2], [0.9]
    lam, ap, am = 0.85, 0.95, 0.05
    want = -(_ll(0.7, ap) + lam * np.mean([_ll(p, am) for p in gen]) + (1 - lam) * _ll(0.9, am))
    got = losses.discriminator_loss(np.array(real), np.array(gen), np.array(omega),
                                    alpha_plus=ap, alpha_minus=am, lam=lam)
    assert float(got) == pytest.approx(want, rel=1e-6)
    assert float(got) == pytest.approx(1.0780, abs=1e-4)  # by hand: 0.39904 + 0.35001 + 0.32891


def test_optimal_discriminator_theorem1():
    # At a point with densities p_data, p_fake, L's integrand is
    # p_data * ll(D, a+) + p_fake * ll(D, a-); it peaks at D* of eq. 4.
    pd, pf, ap, am = 0.3, 0.5, 0.95, 0.05
    grid = np.linspace(0.001, 0.999, 9999)
    value = (pd * np.asarray(losses.smoothed_log_likelihood(grid, ap))
             + pf * np.asarray(losses.smoothed_log_likelihood(grid, am)))
    assert grid[np.argmax(value)] == pytest.approx((ap * pd + am * pf) / (pd + pf), abs=1e-3)


def test_generator_losses():
    p = np.array([0.25, 0.5])
    assert float(losses.generator_loss(p)) == pytest.approx(-np.mean(np.log(p)), rel=1e-6)
    mm = losses.generator_loss(p, kind="minimax", alpha_minus=0.05, lam=0.8)
    assert float(mm) == pytest.approx(0.8 * np.mean([_ll(x, 0.05) for x in p]), rel=1e-6)
    with pytest.raises(ValueError, match="generator_loss must be one of"):
        losses.generator_loss(p, kind="wasserstein")


def test_guide_golden_eq6():
    d = np.array([0.8, 0.8, 0.3])
    f = np.array([0.7, 0.2, 0.0])
    got = np.asarray(losses.guide(d, f, tau=0.5, alpha_minus=0.05))
    np.testing.assert_allclose(got, [0.8, 0.05 + 0.75 * 0.2, 0.05], rtol=1e-6)


def test_guide_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    d, f = rng.uniform(size=10_000), rng.uniform(size=10_000)
    for am in (0.0, 0.05, 0.49):
        g = np.asarray(losses.guide(d, f, tau=0.5, alpha_minus=am))
        assert g.min() >= 0.0 and g.max() <= 1.0
        # Appendix C: where f < tau, with D* = alpha_minus the guide is alpha_minus.
        g_star = np.asarray(losses.guide(np.full_like(d, am), f, tau=0.5, alpha_minus=am))
        np.testing.assert_allclose(g_star[f < 0.5], am, atol=1e-7)


def test_guide_gradient_reaches_input_through_f():
    x = tf.Variable([0.2, 0.9])
    with tf.GradientTape() as tape:
        f = tf.sigmoid(4.0 * x)  # f(0.2) < 0.7 = tau, f(0.9) >= tau
        g = losses.guide(tf.constant([0.6, 0.6]), f, tau=0.7, alpha_minus=0.05)
    grad = tape.gradient(g, x).numpy()
    assert grad[0] != 0.0  # through f where f < tau: d/dx = (D - a-) f'(x)
    assert grad[1] == 0.0  # guide = D there, independent of f
    s = 1 / (1 + math.exp(-0.8))
    assert grad[0] == pytest.approx(0.55 * 4 * s * (1 - s), rel=1e-5)


@pytest.mark.parametrize("ap,am,match", [(0.5, 0.1, "alpha_plus"), (1.01, 0.1, "alpha_plus"),
                                         (0.9, 0.5, "alpha_minus"), (0.9, -0.1, "alpha_minus")])
def test_validate_smoothing_errors(ap, am, match):
    with pytest.raises(ValueError, match=f"{match} must be in .*received"):
        losses.validate_smoothing(ap, am)


@pytest.mark.parametrize("lam", [0.0, 1.0, 1.2, -0.1])
def test_validate_lam_errors(lam):
    with pytest.raises(ValueError, match=r"lam must be in \(0, 1\); received"):
        losses.validate_lam(lam)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def test_from_logits_form_equals_the_probability_form():
    real, gen, omega = np.array([2.0, -0.5]), np.array([-1.5, 0.3, 1.0]), np.array([-2.5])
    kwargs = dict(alpha_plus=0.95, alpha_minus=0.05, lam=0.85)
    from_probs = losses.discriminator_loss(_sigmoid(real), _sigmoid(gen), _sigmoid(omega),
                                           **kwargs)
    from_logits = losses.discriminator_loss(real, gen, omega, from_logits=True, **kwargs)
    assert float(from_logits) == pytest.approx(float(from_probs), rel=1e-6)
    for kind in ("non_saturating", "minimax"):
        want = losses.generator_loss(_sigmoid(gen), kind=kind, alpha_minus=0.05, lam=0.85)
        got = losses.generator_loss(gen, kind=kind, alpha_minus=0.05, lam=0.85,
                                    from_logits=True)
        assert float(got) == pytest.approx(float(want), rel=1e-6)


def test_logit_losses_are_exact_where_probabilities_saturate():
    # log D = log_sigmoid(40) = -4.2e-18 and log(1 - D) = -40 exactly; the clipped
    # probability form would read log(1 - (1 - 1e-7)) = -16.1 instead.
    got = losses.smoothed_log_likelihood(np.array([40.0]), 0.9, from_logits=True)
    assert float(got[0]) == pytest.approx(0.1 * -40.0, rel=1e-6)
    big = losses.discriminator_loss(np.array([-300.0]), np.array([300.0]), from_logits=True)
    assert np.isfinite(float(big)) and float(big) == pytest.approx(0.9 * 300 + 0.9 * 300,
                                                                  rel=1e-4)


@pytest.mark.parametrize("alpha_minus", [0.05, 0.0])
def test_guide_logits_is_eq6_with_finite_gradients(alpha_minus):
    logits = tf.constant([2.0, -1.0, 0.5, 30.0, -30.0])
    f = tf.constant([0.7, 0.2, 0.0, 0.1, 0.3])
    with tf.GradientTape() as tape:
        tape.watch([logits, f])
        guided = losses.guide_logits(logits, f, tau=0.5, alpha_minus=alpha_minus)
        loss = tf.reduce_sum(losses.smoothed_log_likelihood(guided, 0.05, from_logits=True))
    want = losses.guide(tf.sigmoid(logits), f, tau=0.5, alpha_minus=alpha_minus)
    np.testing.assert_allclose(tf.sigmoid(guided).numpy(), want.numpy(), rtol=1e-5,
                               atol=1e-7)
    assert float(guided[0]) == pytest.approx(2.0)  # f >= tau: D itself
    for gradient in tape.gradient(loss, [logits, f]):
        assert np.all(np.isfinite(gradient.numpy()))
