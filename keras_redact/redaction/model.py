"""`RedactionGAN`: post-edits a pre-trained (G, D) to stop generating Omega (Alg. 1-3)."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_redact import conditions as cond_lib
from keras_redact import contract as contract_lib
from keras_redact import losses
from keras_redact.models.gan import GANBase, features_of
from keras_redact.redaction import methods
from keras_redact.redaction import sets as sets_lib
from keras_redact.redaction.batches import SCORES_KEY
from keras_redact.redaction.recipes import get as get_recipe

_PAPER = get_recipe("paper").settings("data")

@keras.saving.register_keras_serializable(package="keras_redact")
class RedactionGAN(GANBase):
    """Redaction of a pre-trained GAN with the loss of eq. 3 (and the guide of eq. 6).

    The model trains the given generator and discriminator *in place* (it does not copy
    them, like the keras-io GAN examples); load fresh copies, or keep D0 on disk, if the
    pre-trained models are needed afterwards (for example for redaction scores).

    `fit` takes batches of the kept data, the training samples outside Omega (for
    classifier sets, optionally with f's values: `scored_batches`). The fake
    distribution is the mixture `lam * p_G + (1 - lam) * p_Omega`: each step draws as many
    samples from p_Omega (uniform over a buffer of redaction samples) as the batch has,
    and weighs the two fake terms with exactly lam and 1 - lam (see
    `keras_redact.losses.discriminator_loss`). While the buffer is empty (validity sets
    with no invalid training data) the fake term is the generated samples alone.

    * `DataRedactionSet` (Alg. 1): the buffer holds the given samples.
    * `ValidityRedactionSet` (Alg. 2): the buffer starts with the invalid training samples
      passed to `add_redaction_samples` (or `fit(..., redaction_samples=...)`) and the
      `ValidityRounds` callback, which `fit` must be given, grows it before every epoch.
    * `ClassifierRedactionSet` (Alg. 3): D's output is replaced by guide(D, f) for real,
      generated and redaction samples, in D's and G's updates; gradients reach G through f.

    The redaction set is the job's description, like the data: it is not part of
    `get_config`. Save the generator and discriminator (`.keras`) as the results.

    A conditional pair (G on `[latents, labels]`, D on `[images, labels]`) is redacted on
    pairs (docs/conditional.md): `fit` takes `(images, labels)` batches, the redaction set
    is a set of pairs, and the buffer holds pairs (`redaction_samples()` returns
    `(images, labels)`); G's conditions are drawn uniformly.

    Args:
        generator: Pre-trained generator (latents, or `[latents, labels]`, -> images in
            [-1, 1]).
        discriminator: Pre-trained discriminator (images, or `[images, labels]`, ->
            probability of real, or its logit with `discriminator_output="logit"`).
        redaction_set: A `RedactionSet`.
        capacity: Buffer size for redaction samples (default: the data set's size, or the
            validity set's capacity, or 10,000).
        seed: Seed for latents and p_Omega sampling.
        **kwargs: Passed to `GANBase` (`discriminator_output`: `"probability"` or
            `"logit"`; `num_classes` for a conditional generator without a `num_classes`
            attribute) and `keras.Model`.

    Example:
        >>> omega = DataRedactionSet(zeros)             # images of digit 0 in [-1, 1]
        >>> model = RedactionGAN(g, d, omega)
        >>> model.compile(lam=0.85, alpha_plus=0.95, alpha_minus=0.05)
        >>> model.fit(kept_batches, epochs=8)           # X minus Omega
    """

    tracker_names = ("d_loss", "g_loss", "d_real", "d_generated", "d_redaction",
                     "redaction_samples")

    def __init__(self, generator, discriminator, redaction_set=None, capacity=None,
                 seed=None, **kwargs):
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.redaction_set = redaction_set
        self.method = None if redaction_set is None else methods.of(redaction_set)
        if capacity is None:
            if self.method is not None and self.method.fixed_buffer:
                capacity = cond_lib.count(redaction_set.samples)
            elif self.method is not None and self.method.grows_buffer:
                capacity = redaction_set.capacity
            else:
                capacity = methods.CAPACITY
        self.capacity = int(capacity)
        self.redaction_buffer = self.add_weight(
            shape=(self.capacity, *self.image_shape), initializer="zeros", trainable=False,
            name="redaction_buffer")
        # A conditional GAN's p_Omega holds pairs: the buffer's conditions.
        self.redaction_labels = (self.add_weight(
            shape=(self.capacity,), initializer="zeros", dtype="int32", trainable=False,
            name="redaction_labels") if self.conditional else None)
        self.redaction_count = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False,
            name="redaction_count")
        self.redaction_seen = self.add_weight(
            shape=(), initializer="zeros", dtype="int64", trainable=False,
            name="redaction_seen")
        # f on the buffer's samples (classifier sets; f is fixed, so computed once when a
        # sample is added instead of at every step). Ones for other sets.
        self.redaction_scores = self.add_weight(
            shape=(self.capacity,), initializer="ones", trainable=False,
            name="redaction_scores")
        # lam as a variable, read by the compiled step at every step: `compile` sets it,
        # and `LamSchedule` (or `model.lam = ...`) may change it between epochs.
        self.lam_variable = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(_PAPER.lam),
            trainable=False, name="lam")
        self._rng = np.random.default_rng(seed)
        if self.method is not None and self.method.fixed_buffer:
            self.add_redaction_samples(redaction_set.samples)

    @property
    def lam(self) -> float:
        """Weight of p_G in the fake mixture, in (0, 1), as the next step will use it.

        Set by `compile`; assigning it (`model.lam = 0.7`, or the `LamSchedule` callback
        between epochs) changes the compiled step's value without re-tracing it, as
        assigning an optimizer's learning rate does. The float32 variable's value as the
        shortest decimal that holds it (0.85, not 0.8500000238).
        """
        return float(str(np.float32(ops.convert_to_numpy(self.lam_variable))))

    @lam.setter
    def lam(self, value):
        losses.validate_lam(value)
        self.lam_variable.assign(float(value))

    @property
    def uses_guide(self) -> bool:
        """Whether D is read through guide(D, f) (the classifier method, eq. 6)."""
        return self.method is not None and self.method.guided

    # --- The buffer of redaction samples (p_Omega) ----------------------------------

    def redaction_samples(self) -> np.ndarray:
        """The current redaction samples as numpy (N, H, W, C) (conditional: pairs)."""
        count = int(self.redaction_count.numpy())
        images = np.asarray(self.redaction_buffer.numpy()[:count])
        if not self.conditional:
            return images
        return images, np.asarray(self.redaction_labels.numpy()[:count])

    def add_redaction_samples(self, samples) -> int:
        """Adds samples to p_Omega's buffer; returns how many it now holds.

        Past `capacity`, reservoir sampling keeps the buffer a uniform sample of every
        sample ever added. A conditional GAN's samples are pairs `(images, labels)`.

        Raises:
            ValueError: If the samples' shape does not fit the models, or pairs are given
                to an unconditional GAN (or images alone to a conditional one).
        """
        if isinstance(samples, (tuple, list)) != self.conditional:
            raise ValueError(
                "A conditional GAN's redaction samples are pairs (images, labels); an "
                "unconditional GAN's are images" + (
                    f"; received {type(samples).__name__}" if self.conditional
                    else "; received a pair"))
        samples = cond_lib.as_numpy(samples)
        images = cond_lib.images_in(samples)
        if images.size == 0:
            return int(self.redaction_count.numpy())
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"Redaction samples have shape {images.shape[1:]} but the models "
                             f"take {self.image_shape}")
        labels = samples[1] if self.conditional else np.zeros(len(images), np.int32)
        scores = (sets_lib.batched(self.redaction_set.score, samples) if self.uses_guide
                  else np.ones(len(images), np.float32))
        buffer = self.redaction_buffer.numpy()
        buffer_labels = (self.redaction_labels.numpy() if self.conditional
                         else np.zeros(self.capacity, np.int32))
        buffer_scores = self.redaction_scores.numpy()
        count = int(self.redaction_count.numpy())
        seen = int(self.redaction_seen.numpy())
        for x, y, score in zip(images, labels, scores, strict=True):
            j = count
            if count < self.capacity:
                count += 1
            else:
                j = int(self._rng.integers(0, seen + 1))
            if j < self.capacity:
                buffer[j], buffer_labels[j], buffer_scores[j] = x, y, score
            seen += 1
        self.redaction_buffer.assign(buffer)
        if self.conditional:
            self.redaction_labels.assign(buffer_labels)
        self.redaction_scores.assign(buffer_scores)
        self.redaction_count.assign(count)
        self.redaction_seen.assign(seen)
        return count

    def _sample_redaction(self, n):
        """`n` samples of p_Omega (images, or pairs) and their (cached) f values."""
        count = ops.maximum(self.redaction_count, 1)
        u = self.replica_shard(
            lambda total: keras.random.uniform((total,), seed=self.seed_generator), n)
        index = ops.minimum(ops.cast(u * ops.cast(count, "float32"), "int32"), count - 1)
        images = ops.take(self.redaction_buffer, index, axis=0)
        samples = ((images, ops.take(self.redaction_labels, index, axis=0))
                   if self.conditional else images)
        return samples, ops.take(self.redaction_scores, index, axis=0)

    # --- Training ----------------------------------------------------------------------

    def compile(
        self,
        g_optimizer=None,
        d_optimizer=None,
        alpha_plus: float | None = None,
        alpha_minus: float | None = None,
        lam: float | None = None,
        generator_loss: str = "non_saturating",
        d_steps: int = 1,
        g_steps: int | None = None,
        guide_omega: bool = True,
        **kwargs,
    ):
        """Configures redaction. `None` means the `paper` recipe's value (MNIST's, any data).

        `recipes.Settings.compile_kwargs` gives all of these for a named recipe.

        Args:
            g_optimizer: Generator optimiser (default: Adam(2e-4, 0.5, 0.999)).
            d_optimizer: Discriminator optimiser (default: the same).
            alpha_plus: Positive smoothing target in (1/2, 1] (0.95).
            alpha_minus: Negative smoothing target in [0, 1/2) (0.05).
            lam: Weight of p_G in the fake mixture, in (0, 1) (0.85).
                Its value from the first step; `LamSchedule` changes it per epoch.
            generator_loss: `"non_saturating"` (default: `-log D(G(z))`) or `"minimax"`.
            d_steps: Discriminator updates per batch; 0 freezes D (with f: the
                on-manifold adversarial samples of Appendix H).
            g_steps: Generator updates per batch (1).
            guide_omega: Classifier sets: D's update judges the p_Omega samples with
                guide(D, f), as eq. 6 is written (default). `False`: with D alone. Both
                have the same optimum (D* = alpha_minus on Omega, Appendix C), but where
                f is near 0, as on training samples f is sure of, guide(D, f) is near
                alpha_minus whatever D is, so D learns nothing from them; without the
                guide it does (`docs/redaction.md`).
            **kwargs: Passed to `keras.Model.compile` (for example `jit_compile`).

        Raises:
            ValueError: For hyper-parameters outside the paper's ranges, or
                `guide_omega=False` without a classifier set.
        """
        alpha_plus = _PAPER.alpha_plus if alpha_plus is None else alpha_plus
        alpha_minus = _PAPER.alpha_minus if alpha_minus is None else alpha_minus
        lam = _PAPER.lam if lam is None else lam
        g_steps = _PAPER.g_steps if g_steps is None else g_steps
        losses.validate_smoothing(alpha_plus, alpha_minus)
        losses.validate_lam(lam)
        if not isinstance(guide_omega, bool):
            raise ValueError(f"guide_omega must be True or False; received {guide_omega!r}")
        if not guide_omega and self.redaction_set is not None and not self.uses_guide:
            raise ValueError("guide_omega=False applies to classifier-based redaction only; "
                             f"the redaction set is a {type(self.redaction_set).__name__}")
        self._compile_common(g_optimizer, d_optimizer, d_steps, g_steps, generator_loss,
                             **kwargs)
        self.alpha_plus, self.alpha_minus = float(alpha_plus), float(alpha_minus)
        self.lam = float(lam)
        self.guide_omega = guide_omega
        self._gan_compile_config = {
            "alpha_plus": self.alpha_plus, "alpha_minus": self.alpha_minus, "lam": float(lam),
            "generator_loss": generator_loss, "d_steps": self.d_steps,
            "g_steps": self.g_steps, "guide_omega": guide_omega,
        }

    def fit(self, x=None, *args, redaction_samples=None, callbacks=None, **kwargs):
        """`keras.Model.fit`, after checking the set can train.

        Args:
            x: Batches of the kept data (X minus Omega).
            redaction_samples: Optional samples to add to p_Omega first (for validity and
                classifier sets: the training samples in Omega).
            callbacks: Keras callbacks. A `ValidityRedactionSet` needs a `ValidityRounds`
                (Alg. 2's rounds): nothing is added behind the caller's back.
            *args: Passed to `keras.Model.fit`.
            **kwargs: Passed to `keras.Model.fit`.

        Raises:
            ValueError: Without a redaction set, a validity set without `ValidityRounds`,
                or an empty data set.
        """
        from keras_redact.redaction.control import ValidityRounds

        if redaction_samples is not None:
            self.add_redaction_samples(redaction_samples)
        callbacks = list(callbacks or [])
        if self.redaction_set is None:
            raise ValueError("RedactionGAN needs a redaction_set to train")
        if self.method.grows_buffer and not any(isinstance(c, ValidityRounds)
                                                for c in callbacks):
            raise ValueError(
                "Validity-based redaction (Alg. 2) grows Omega' by a round of queries each "
                "epoch: pass callbacks=[redaction.ValidityRounds()] (a recipe's "
                "settings.callbacks() include it); received callbacks "
                f"{[type(c).__name__ for c in callbacks]}")
        if self.method.fixed_buffer and int(self.redaction_count.numpy()) == 0:
            raise ValueError("The redaction set is empty: nothing to redact")
        self.check_real_side(self.redaction_samples())
        return super().fit(x, *args, callbacks=callbacks, **kwargs)

    def check_real_side(self, real, limit: int = 512) -> None:
        """Warns when D says "real" clearly more on scrambled or generated samples than on
        `real` ones; raises ValueError when its outputs mean no probability (a critic).

        A pre-trained D that labels fake as 1 (keras-io's examples) would otherwise be
        trained towards the opposite of eq. 3 without a word. `fit` checks on p_Omega's
        buffer, training samples (the data are not read: a `tf.data` pipeline's shuffle
        order would move on); an empty buffer is not checked. `bin/redact` negates such a
        D itself (`keras_redact.contract.adapt`). A warning, not an error: a D not trained
        yet may lean either way.

        Args:
            real: Real samples (numpy images, or pairs), as many as `limit` are used.
        """
        real = cond_lib.take(real, slice(0, limit))
        n = cond_lib.count(real)
        if n < 2:
            return
        # Latents of its own: the training stream (`seed_generator`) is left as it is.
        rng = np.random.default_rng(self.seed)
        latents = rng.standard_normal((n, self.latent_dim)).astype(np.float32)
        if self.conditional:
            latents = (latents, rng.integers(0, self.num_classes, n).astype(np.int32))

        def judged(samples):
            samples = tf.nest.map_structure(tf.convert_to_tensor, samples)
            return np.asarray(self.judge(samples, training=False)).reshape(-1)

        outputs = [judged(real), judged(self.generate(
            tf.nest.map_structure(tf.convert_to_tensor, latents), training=False))]
        scrambled = judged(contract_lib.scrambled(real, self.seed or 0))
        side = contract_lib.discriminator_side(*outputs, from_logits=self.from_logits,
                                               scrambled_outputs=scrambled)
        if not side.value:
            warnings.warn(
                "The discriminator says 'real' more on samples no D should take for real "
                f"than on real ones ({side.how}): it labels fake as 1, as keras-io's "
                "examples do; pass "
                "keras_redact.contract.negated(discriminator, from_logits="
                f"{self.from_logits}) if so (an untrained D may lean either way)",
                stacklevel=3)

    # --- The step's parts: eq. 6 and the speed-ups, each behind a named helper ----------

    def _d(self, samples):
        """D(x) (conditional: D(x, y)) per sample, the probability that it is real."""
        return ops.reshape(self.judge(samples), (-1,))

    def _guide(self, d, f):
        """guide(D, f) of eq. 6 for classifier sets given f's values; D otherwise.

        For a logit D the guide is taken as a logit (`losses.guide_logits`), its logs
        stable, and the losses read it `from_logits`.
        """
        if f is None or not self.uses_guide:
            return d
        guide = losses.guide_logits if self.from_logits else losses.guide
        return guide(d, f, tau=self.redaction_set.tau, alpha_minus=self.alpha_minus)

    def _f_constant(self, images):
        """f(x) as a constant for D's update (f is fixed); None without a classifier set."""
        return ops.stop_gradient(self.redaction_set.score(images)) if self.uses_guide else None

    def _f_on_data(self, data, real):
        """f on the real batch. Speed-up: `scored_batches` computed it once for all epochs."""
        if not self.uses_guide:
            return None
        given = features_of(data)
        if isinstance(given, dict) and SCORES_KEY in given:
            return ops.reshape(ops.cast(given[SCORES_KEY], "float32"), (-1,))
        return self._f_constant(real)

    def _f_differentiable(self, images, values=None):
        """f(images) with its gradient, for G's update (Alg. 3: G learns through f).

        Speed-up: guide(D, f) is D where f >= tau, so f's gradient reaches G only from the
        samples inside Omega, usually a few of the batch. Without XLA, f runs without its
        gradient on the batch (unless `values` holds it) and with it on those samples only.
        An XLA step differentiates f on the whole batch: a subset of data-dependent size
        in a data-dependent branch does not compile (on CPU it ran 100x slower).
        """
        if not self.uses_guide:
            return None
        if self.jit_compile:
            return self.redaction_set.score(images)
        values = ops.stop_gradient(self.redaction_set.score(images) if values is None
                                   else values)
        inside = tf.cast(tf.where(values < self.redaction_set.tau), "int32")  # (m, 1)

        def afresh():
            fresh = self.redaction_set.score(tf.nest.map_structure(
                lambda part: ops.take(part, inside[:, 0], axis=0), images))
            return tf.tensor_scatter_nd_update(values, inside, fresh)

        return tf.cond(tf.shape(inside)[0] > 0, afresh, lambda: values)

    def _g_latents(self, step, d_latents, f_gen, n):
        """Latents of G's update `step`, and f on G's samples of them if known.

        Speed-up: with a classifier set, G's first update reuses the last D update's
        latents (G has not changed since, so f's values on its samples are known: one pass
        of f a step saved); later updates draw fresh ones.
        """
        if self.uses_guide and step == 0 and d_latents is not None:
            return d_latents, f_gen
        return self.sample_latents(n), None

    def _mixture_lam(self):
        """eq. 3's lam for this step: the set value, or 1 while p_Omega is still empty."""
        has_omega = ops.cast(self.redaction_count > 0, "float32")
        return 1.0 - (1.0 - ops.convert_to_tensor(self.lam_variable)) * has_omega

    def train_step(self, data):
        # The algorithm (Algs. 1-3), with D's targets smoothed to alpha_+ / alpha_-:
        #   eq. 3, D ascends  E_{p_data|X\Omega} log D + E_{lam p_G + (1-lam) p_Omega} log(1 - D)
        #   eq. 6, for a classifier set D is read through
        #          guide(D, f)(x) = D(x) if f(x) >= tau, else alpha_- + (D(x) - alpha_-) f(x)
        #   G descends -E_z log guide(D, f)(G(z)) (non-saturating; or eq. 3's minimax part).
        real = self.samples_of(data)  # x ~ p_data restricted to the complement of Omega
        self.prepare_replicas()
        n, replicas = self.batch_size_of(real), self.replicas
        lam = self._mixture_lam()
        d_loss = g_loss = d_real = d_gen = d_omega = ops.zeros(())
        latents = f_gen = None
        if self.d_steps:
            omega, f_omega = self._sample_redaction(n)  # x ~ p_Omega, f(x) cached
            f_real = self._f_on_data(data, real)

        # Discriminator, eq. 3: real = kept data; fake = lam p_G + (1 - lam) p_Omega, each
        # judged by guide(D, f) of eq. 6 for classifier sets (by D otherwise).
        for _ in range(self.d_steps):
            latents = self.sample_latents(n)
            generated = self.generate(latents)
            f_gen = self._f_constant(generated)
            with tf.GradientTape() as tape:
                p_real = self._guide(self._d(real), f_real)
                p_gen = self._guide(self._d(generated), f_gen)
                p_omega = self._guide(self._d(omega), f_omega if self.guide_omega else None)
                d_loss = losses.discriminator_loss(
                    p_real, p_gen, p_omega, alpha_plus=self.alpha_plus,
                    alpha_minus=self.alpha_minus, lam=lam,
                    from_logits=self.from_logits) / replicas
            self.descend(self.d_optimizer, tape, d_loss, self.discriminator)
            d_real, d_gen, d_omega = (ops.mean(losses.probabilities(p, self.from_logits))
                                      for p in (p_real, p_gen, p_omega))

        # Generator: fool guide(D, f) (or D) on G's samples; for Alg. 3 the gradient flows
        # through f as well as D.
        for step in range(self.g_steps):
            z, f_known = self._g_latents(step, latents, f_gen, n)
            with tf.GradientTape() as tape:
                generated = self.generate(z)
                p_gen = self._guide(self._d(generated),
                                    self._f_differentiable(generated, f_known))
                g_loss = losses.generator_loss(
                    p_gen, alpha_minus=self.alpha_minus,
                    lam=ops.convert_to_tensor(self.lam_variable),
                    kind=self.generator_loss_kind, from_logits=self.from_logits) / replicas
            self.descend(self.g_optimizer, tape, g_loss, self.generator)

        return self._update({
            "d_loss": d_loss * replicas, "g_loss": g_loss * replicas, "d_real": d_real,
            "d_generated": d_gen,
            "d_redaction": d_omega * ops.cast(self.redaction_count > 0, "float32"),
            "redaction_samples": ops.cast(self.redaction_count, "float32"),
        })

    def get_config(self):
        config = super().get_config()
        config["capacity"] = self.capacity
        return config
