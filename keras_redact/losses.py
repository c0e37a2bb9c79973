"""Label-smoothed GAN losses and the guided discriminator (Kong & Chaudhuri, eq. 3 and 6).

These are pure functions of discriminator outputs. They sit at the bottom of the package:
pre-training (`keras_redact.models.DCGAN`) and redaction (`keras_redact.redaction`) both
use them, and they import nothing else from the package.

Conventions: `D(x)` is the discriminator's probability that `x` is *real* (the paper's
convention; keras-io examples label fake = 1 instead). Every function returns the quantity
its network *minimises*, so the discriminator loss is `-L(G, D)` of eq. 3.

A discriminator may give the probability D or its logit l (D = sigmoid(l), keras-io's
`Dense(1)` with `from_logits=True`). With `from_logits=True` the logs of eq. 3 are taken
stably, `log D = log_sigmoid(l)` and `log(1 - D) = log_sigmoid(-l)`, with no clipping, and
`guide_logits` gives eq. 6's guide as a logit, its logs taken stably too.
"""

from __future__ import annotations

import math

from keras import ops

EPSILON = 1e-7
"""Probabilities are clipped to `[EPSILON, 1 - EPSILON]` before taking logs."""

GENERATOR_LOSSES = ("non_saturating", "minimax")


def validate_smoothing(alpha_plus: float, alpha_minus: float) -> None:
    """Checks label-smoothing targets against the paper's ranges.

    Args:
        alpha_plus: Positive target, in (1/2, 1].
        alpha_minus: Negative target, in [0, 1/2).

    Raises:
        ValueError: If either target is out of range.
    """
    if not 0.5 < float(alpha_plus) <= 1.0:
        raise ValueError(f"alpha_plus must be in (0.5, 1]; received {alpha_plus!r}")
    if not 0.0 <= float(alpha_minus) < 0.5:
        raise ValueError(f"alpha_minus must be in [0, 0.5); received {alpha_minus!r}")


def validate_lam(lam: float) -> None:
    """Checks the mixture weight lam of eq. 2.

    Raises:
        ValueError: If lam is not in the open interval (0, 1).
    """
    if not 0.0 < float(lam) < 1.0:
        raise ValueError(f"lam must be in (0, 1); received {lam!r}")


def log_probabilities(outputs, from_logits: bool = False):
    """`(log D, log(1 - D))` per sample from D's outputs.

    Args:
        outputs: Probabilities `D(x)` in [0, 1] (clipped to `[EPSILON, 1 - EPSILON]`), or
            logits `l` with `from_logits=True` (`log_sigmoid(l)`, `log_sigmoid(-l)`: exact
            and finite for any float32 logit).
        from_logits: Whether `outputs` are logits.

    Returns:
        Two tensors of the shape of `outputs`.
    """
    outputs = ops.cast(outputs, "float32")
    if from_logits:
        return ops.log_sigmoid(outputs), ops.log_sigmoid(-outputs)
    probs = ops.clip(outputs, EPSILON, 1.0 - EPSILON)
    return ops.log(probs), ops.log(1.0 - probs)


def probabilities(outputs, from_logits: bool = False):
    """D's outputs as probabilities of *real* (`sigmoid` of logits), float32."""
    outputs = ops.cast(outputs, "float32")
    return ops.sigmoid(outputs) if from_logits else outputs


def smoothed_log_likelihood(probs, target, from_logits: bool = False):
    """Per-sample `target * log D + (1 - target) * log(1 - D)`.

    This is the integrand of both expectations in eq. 3 (the negative binary cross-entropy
    of `probs` against a smoothed `target`).

    Args:
        probs: Discriminator outputs `D(x)` in [0, 1] (logits with `from_logits`), any
            shape.
        target: The smoothing target (alpha_plus for real data, alpha_minus for fake).
        from_logits: Whether `probs` are logits `l` (D = sigmoid(l)).

    Returns:
        A tensor of the same shape as `probs`.
    """
    log_d, log_not_d = log_probabilities(probs, from_logits)
    return target * log_d + (1.0 - target) * log_not_d


def discriminator_loss(
    real_probs,
    generated_probs,
    redaction_probs=None,
    *,
    alpha_plus: float = 0.9,
    alpha_minus: float = 0.1,
    lam: float = 1.0,
    from_logits: bool = False,
):
    """The discriminator's loss `-L(G, D)` of eq. 3 (pre-training when lam = 1).

    The fake expectation is taken over the mixture `p_fake = lam * p_G + (1 - lam) *
    p_Omega` with the exact mixture weights: `lam * mean(generated) + (1 - lam) *
    mean(redaction)`. This is an unbiased estimate of the expectation in eq. 3 whatever the
    two batch sizes are.

    Args:
        real_probs: `D(x)` for real samples (the kept data, `X` minus Omega).
        generated_probs: `D(G(z))` for generated samples.
        redaction_probs: `D(x)` for samples from `p_Omega`, or None when lam is 1.
        alpha_plus: Positive smoothing target, in (1/2, 1].
        alpha_minus: Negative smoothing target, in [0, 1/2).
        lam: Weight of `p_G` in the fake mixture, in (0, 1]; 1 means plain GAN training.
            May be a tensor (the redaction step sets it to 1 while Omega is empty).
        from_logits: The three inputs are D's logits (D = sigmoid(l)): the same loss,
            its logs taken stably.

    Returns:
        A scalar: the loss the discriminator minimises.
    """
    real_term = ops.mean(smoothed_log_likelihood(real_probs, alpha_plus, from_logits))
    fake_term = lam * ops.mean(
        smoothed_log_likelihood(generated_probs, alpha_minus, from_logits))
    if redaction_probs is not None:
        fake_term = fake_term + (1.0 - lam) * ops.mean(
            smoothed_log_likelihood(redaction_probs, alpha_minus, from_logits)
        )
    return -(real_term + fake_term)


def generator_loss(
    generated_probs,
    *,
    alpha_minus: float = 0.1,
    lam: float = 1.0,
    kind: str = "non_saturating",
    from_logits: bool = False,
):
    """The generator's loss.

    * `"minimax"`: the part of eq. 3 that depends on G, which G minimises:
      `lam * E_z[alpha_minus log D(G(z)) + (1 - alpha_minus) log(1 - D(G(z)))]`.
    * `"non_saturating"` (default): `-E_z[log D(G(z))]`, the usual practical loss of
      Goodfellow et al. (2014). It has the same fixed point and stronger gradients early
      on; lam only rescales the gradient, so it is not applied.

    Args:
        generated_probs: `D(G(z))` (or `guide(D, f)(G(z))` in Alg. 3).
        alpha_minus: Negative smoothing target, used by the minimax form.
        lam: Weight of `p_G` in the fake mixture, used by the minimax form.
        kind: `"non_saturating"` or `"minimax"`.
        from_logits: `generated_probs` are logits (D = sigmoid(l)).

    Returns:
        A scalar: the loss the generator minimises.

    Raises:
        ValueError: If `kind` is unknown.
    """
    if kind == "non_saturating":
        return -ops.mean(log_probabilities(generated_probs, from_logits)[0])
    if kind == "minimax":
        return lam * ops.mean(
            smoothed_log_likelihood(generated_probs, alpha_minus, from_logits))
    raise ValueError(
        f"generator_loss must be one of {GENERATOR_LOSSES}; received {kind!r}"
    )


def guide(discriminator_probs, classifier_probs, *, tau: float, alpha_minus: float):
    """The guided discriminator of eq. 6.

        guide(D, f)(x) = D(x)                                   if f(x) >= tau
                         alpha_minus + (D(x) - alpha_minus) f(x)  otherwise

    Where `f(x) < tau` the output is pulled towards alpha_minus (the fake target), so the
    optimal guided discriminator stays in [0, 1] (Appendix C). Gradients flow through both
    `D` and `f`, so a generator trained against the guide is pushed out of `{f < tau}`.

    Args:
        discriminator_probs: `D(x)` in [0, 1].
        classifier_probs: `f(x)` in [0, 1], same shape as `discriminator_probs`.
        tau: The threshold in (0, 1); Omega = {x : f(x) < tau}.
        alpha_minus: Negative smoothing target.

    Returns:
        `guide(D, f)(x)`, same shape as the inputs.
    """
    d = ops.cast(discriminator_probs, "float32")
    f = ops.cast(classifier_probs, "float32")
    guided = alpha_minus + (d - alpha_minus) * f
    return ops.where(f >= tau, d, guided)


def guide_logits(discriminator_logits, classifier_probs, *, tau: float, alpha_minus: float):
    """The guided discriminator of eq. 6 for a logit discriminator, as a logit.

    With D = sigmoid(l), eq. 6 keeps its exact form, g = D where f >= tau, else
    `alpha_minus + (D - alpha_minus) f`. This returns `log g - log(1 - g)`, so that
    `log_sigmoid` of it gives back `log g` (and of its negation `log(1 - g)`): the losses
    take it with `from_logits=True`. Inside Omega both logs are taken stably,

        log g       = logaddexp(log(alpha_minus) + log(1 - f), log f + log_sigmoid(l))
        log (1 - g) = logaddexp(log(1 - alpha_minus) + log(1 - f), log f + log_sigmoid(-l))

    (with alpha_minus = 0, log g = log f + log_sigmoid(l)), and f's gradient stays finite.

    Args:
        discriminator_logits: `l(x)`, D's logit.
        classifier_probs: `f(x)` in [0, 1], same shape.
        tau: The threshold in (0, 1); Omega = {x : f(x) < tau}.
        alpha_minus: Negative smoothing target.

    Returns:
        The logit of `guide(D, f)(x)`, same shape as the inputs.
    """
    logits = ops.cast(discriminator_logits, "float32")
    f = ops.cast(classifier_probs, "float32")
    # f is clipped inside Omega's branch only, so that its logs (and their gradients,
    # which tf.where multiplies by zero in the branch not taken) stay finite.
    f_in = ops.clip(f, EPSILON, 1.0 - EPSILON)
    log_f, log_not_f = ops.log(f_in), ops.log1p(-f_in)
    log_alpha = math.log(alpha_minus) if alpha_minus > 0 else -math.inf
    log_g = ops.logaddexp(log_alpha + log_not_f, log_f + ops.log_sigmoid(logits))
    log_not_g = ops.logaddexp(math.log(1.0 - alpha_minus) + log_not_f,
                              log_f + ops.log_sigmoid(-logits))
    return ops.where(f >= tau, logits, log_g - log_not_g)
