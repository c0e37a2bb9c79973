"""DCGAN pre-training as a `keras.Model` with a custom `train_step` (paper, Appendix D)."""

from __future__ import annotations

import contextlib

import keras
import tensorflow as tf
from keras import ops

from keras_redact import checks, distribute, losses
from keras_redact.conditions import features_of, is_conditional, labels_of, num_classes_of
from keras_redact.contract import check_discriminator, find_discriminator_output
from keras_redact.models.optimizers import adam
from keras_redact.models.replicas import ReplicaPlumbing


def images_of(data):
    """The images of a batch given as `images`, `(images, labels)` or a dict."""
    data = features_of(data)
    if isinstance(data, dict):
        return data["images"] if "images" in data else data["image"]
    return data


class GANBase(ReplicaPlumbing, keras.Model):
    """Shared plumbing of the pre-training and redaction GANs.

    Holds the generator and discriminator, a `SeedGenerator` for latents, the loss
    trackers, and the compile/config logic so that both models round-trip through
    `get_config` and `.keras`; `ReplicaPlumbing` makes their steps replica-independent.

    A sample is an image (or any array) for an unconditional GAN and a pair `(x, y)` for
    a conditional one (G takes `[latents, labels]`, D `[images, labels]`): the steps
    read the data with `samples_of`, draw G's inputs with `sample_latents`, make
    samples with `generate` and judge them with `judge`, so one step serves both.
    Conditions are drawn uniformly over the `num_classes` labels.

    `discriminator_output` says what D gives: `"probability"` (of real, the paper's D) or
    `"logit"` (D = sigmoid(l)); None reads it from D's last activation
    (`keras_redact.contract.find_discriminator_output`: sigmoid or linear; a model whose
    layers do not say is taken as a probability).
    """

    tracker_names: tuple[str, ...] = ()

    def __init__(self, generator, discriminator, seed=None, num_classes=None,
                 discriminator_output=None, **kwargs):
        super().__init__(**kwargs)
        check_discriminator(discriminator)
        # None: read from D's last activation (sigmoid: probability; linear: logit).
        discriminator_output = find_discriminator_output(discriminator,
                                                         discriminator_output).value
        # D gives the probability that a sample is real, or its logit (keras-io's Dense(1)):
        # the losses take their logs stably from either (keras_redact.losses).
        self.discriminator_output = discriminator_output
        self.from_logits = discriminator_output == "logit"
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.conditional = is_conditional(generator)
        if self.conditional != is_conditional(discriminator):
            raise ValueError(
                "A conditional GAN needs both networks conditional (G: [latents, labels], "
                f"D: [images, labels]); received a generator with "
                f"{len(generator.inputs)} input(s) and a discriminator with "
                f"{len(discriminator.inputs)}")
        self.num_classes = num_classes_of(generator, num_classes)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self.tracker_names}
        g_shape = tuple(generator.outputs[0].shape[1:])
        d_shape = tuple(discriminator.inputs[0].shape[1:])
        if g_shape != d_shape:
            raise ValueError(
                f"The generator makes images of shape {g_shape} but the discriminator "
                f"takes {d_shape}; they must match"
            )
        self.image_shape = g_shape
        # The sub-models come built; marking this model built lets BackupAndRestore and
        # .keras saving see its weights before the first step.
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit`; at the end, optimizers with `use_ema` set their averages.

        Keras replaces a model's weights with their moving averages when `fit` ends, but
        only for the one optimizer given to `Model.compile`; here each network has its
        own, and both are finalised when training ends, before the callbacks'
        `on_train_end` (when at least one epoch ran).
        """
        # A tf.data pipeline shuffles itself; keep Keras from warning that it cannot.
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
            self.check_replica_batches(x)
        # First: the averages are in place before the other callbacks' `on_train_end`
        # (one that restores the best epoch's weights, as EarlyStopping does, comes after).
        callbacks = [_FinalizeAverages(), *(kwargs.pop("callbacks", None) or [])]
        return super().fit(x, *args, callbacks=callbacks, **kwargs)

    def finalize_averages(self):
        """Puts the optimizers' moving averages of the weights (`use_ema`) in place."""
        self.g_optimizer.finalize_variable_values(self.generator.trainable_variables)
        self.d_optimizer.finalize_variable_values(self.discriminator.trainable_variables)

    @contextlib.contextmanager
    def averaged_generator(self):
        """Within the block, G has the weights `fit` would leave it with if it ended now.

        With `use_ema` on G's optimizer, `fit` ends by putting the moving averages of G's
        weights in place of the weights being trained, so the generator a run delivers
        after any epoch is the average: callbacks that measure or show G
        (`InvalidityMonitor`, `SampleGrid`) look at it through this. The trained weights
        come back when the block ends. Without `use_ema`, or before the first update,
        it changes nothing.

        Yields:
            The generator.
        """
        optimizer = getattr(self, "g_optimizer", None)
        inner = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if (inner is None or not inner.use_ema or not inner.built
                or int(inner.iterations.numpy()) == 0):
            yield self.generator
            return
        variables = self.generator.trainable_variables
        trained = [v.numpy() for v in variables]
        optimizer.finalize_variable_values(variables)
        try:
            yield self.generator
        finally:
            for variable, value in zip(variables, trained, strict=True):
                variable.assign(value)

    def call(self, latents, training=False):
        if self.conditional:
            return self.generator(list(latents), training=training)
        return self.generator(latents, training=training)

    def build(self, input_shape=None):
        # The sub-models are built by construction; nothing to create here.
        self.built = True

    def sample_latents(self, n):
        """`n` of G's inputs for this replica (its shard of the global batch's).

        Latents `(n, latent_dim)`; for a conditional GAN the pair `(latents, labels)`,
        labels uniform over the conditions.
        """
        latents = self.replica_shard(
            lambda total: keras.random.normal((total, self.latent_dim),
                                              seed=self.seed_generator), n)
        if not self.conditional:
            return latents
        labels = self.replica_shard(
            lambda total: keras.random.randint((total,), 0, self.num_classes,
                                               seed=self.seed_generator, dtype="int32"), n)
        return latents, labels

    def samples_of(self, data):
        """The batch's samples: its images, or `(images, labels)` for a conditional GAN."""
        images = images_of(data)
        self.check_batch(images)
        if not self.conditional:
            return images
        return images, ops.cast(ops.reshape(labels_of(data), (-1,)), "int32")

    def generate(self, latents, training=True):
        """G's samples of `sample_latents`' draws: images, or `(images, labels)`."""
        if not self.conditional:
            return self.generator(latents, training=training)
        z, labels = latents
        return self.generator([z, labels], training=training), labels

    def judge(self, samples, training=True):
        """D on samples (images, or `(images, labels)`): the probability they are real."""
        if not self.conditional:
            return self.discriminator(samples, training=training)
        images, labels = samples
        return self.discriminator([images, labels], training=training)

    @staticmethod
    def batch_size_of(samples):
        """The number of samples in a batch of images or of `(images, labels)`."""
        return ops.shape(tf.nest.flatten(samples)[0])[0]

    def check_batch(self, images):
        """Raises a clear error when the data's image shape does not fit the models."""
        got = tuple(images.shape[1:])
        if None not in got and got != self.image_shape:
            raise ValueError(
                f"The data's images have shape {got} but the models take {self.image_shape}"
            )

    @staticmethod
    def descend(optimizer, tape, loss, model):
        """One optimizer step on `model`'s trainable variables for `loss` taped by `tape`.

        The gradient is that of `optimizer.scale_loss(loss)`: a `LossScaleOptimizer`
        (mixed_float16) scales it up here and back down, skipping non-finite steps, in
        `apply`; other optimizers leave it as it is.
        """
        variables = model.trainable_variables
        scale = optimizer.scale_loss(ops.ones_like(loss))
        optimizer.apply(tape.gradient(loss, variables, output_gradients=scale), variables)

    def _update(self, tracker_values):
        for name, value in tracker_values.items():
            self.trackers[name].update_state(value)
        logs = {name: t.result() for name, t in self.trackers.items()}
        strategy = tf.distribute.get_strategy()
        if (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
                and strategy.extended._in_multi_worker_mode()):
            # Keras 3 reduces logs across workers with `strategy.reduce(MEAN, v, axis=0)`,
            # which fails on scalars (tensorflow/tensorflow#72388); a (1,) vector reduces
            # to the scalar mean.
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def _compile_common(self, g_optimizer, d_optimizer, d_steps, g_steps, generator_loss,
                        **kwargs):
        if generator_loss not in losses.GENERATOR_LOSSES:
            raise ValueError(
                f"generator_loss must be one of {losses.GENERATOR_LOSSES}; "
                f"received {generator_loss!r}"
            )
        d_steps = checks.integer("d_steps", d_steps, minimum=0)
        g_steps = checks.integer("g_steps", g_steps, minimum=0)
        # Each network has its own optimizer; no Keras default (an RMSprop that would never
        # step yet be saved in every checkpoint and logged as the learning rate).
        super().compile(optimizer=None, **kwargs)
        self.g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer else adam()
        self.d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer else adam()
        if distribute.needs_loss_scaling(self.generator, self.discriminator):
            # float16 gradients underflow without it; Keras does this only for the single
            # optimizer given to `Model.compile`.
            self.g_optimizer, self.d_optimizer = (
                o if isinstance(o, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(o)
                for o in (self.g_optimizer, self.d_optimizer))
        self.d_steps, self.g_steps = d_steps, g_steps
        self.generator_loss_kind = generator_loss
        self._ensure_built_optimizers()

    def _ensure_built_optimizers(self):
        if not self.g_optimizer.built:
            self.g_optimizer.build(self.generator.trainable_variables)
        if not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator.trainable_variables)

    def get_compile_config(self):
        config = dict(self._gan_compile_config)
        config["g_optimizer"] = keras.saving.serialize_keras_object(self.g_optimizer)
        config["d_optimizer"] = keras.saving.serialize_keras_object(self.d_optimizer)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        config["g_optimizer"] = keras.saving.deserialize_keras_object(config["g_optimizer"])
        config["d_optimizer"] = keras.saving.deserialize_keras_object(config["d_optimizer"])
        self.compile(**config)

    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "seed": self.seed,
            "num_classes": self.num_classes,
            "discriminator_output": self.discriminator_output,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


class _FinalizeAverages(keras.callbacks.Callback):
    """Puts both optimizers' weight averages in place when training ends (if it ran)."""

    def on_train_begin(self, logs=None):
        self._ran = False

    def on_epoch_end(self, epoch, logs=None):
        self._ran = True

    def on_train_end(self, logs=None):
        if self._ran:
            self.model.finalize_averages()


@keras.saving.register_keras_serializable(package="keras_redact")
class DCGAN(GANBase):
    """GAN pre-training with the label-smoothed loss of Appendix D, for any (G, D) pair.

    The name is the paper's set-up (DCGAN networks, `DCGANGenerator` and
    `DCGANDiscriminator`), but the model trains any pair of Keras models: a generator from
    latents to samples of any shape (images, 2-D points, feature vectors) and a
    discriminator from those samples to the probability that they are real.

    Each batch gets `d_steps` discriminator updates and then `g_steps` generator updates
    (the paper's K_D = 1 and K_G = 5), each with fresh latents.

    Conditional networks (G on `[latents, labels]`, D on `[images, labels]`, for example
    `ConditionalDCGANGenerator` and `ConditionalDCGANDiscriminator`) make a conditional
    GAN: it trains on `(images, labels)` batches, the fake pairs' labels drawn uniformly.

    Args:
        generator: A Keras model from latents `(latent_dim,)` to samples.
        discriminator: A Keras model from samples to the probability that they are real
            (or its logit, with `discriminator_output="logit"`).
        seed: Seed of the latent sampler, for reproducible runs.
        num_classes: Conditional GANs: the number of conditions (default: the
            generator's `num_classes` attribute).

    Example:
        >>> gan = DCGAN(DCGANGenerator(), DCGANDiscriminator())
        >>> gan.compile()
        >>> gan.fit(dataset, epochs=200)  # batches of images in [-1, 1]
    """

    tracker_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def compile(
        self,
        g_optimizer=None,
        d_optimizer=None,
        alpha_plus: float = 0.9,
        alpha_minus: float = 0.1,
        generator_loss: str = "non_saturating",
        d_steps: int = 1,
        g_steps: int = 5,
        **kwargs,
    ):
        """Configures training.

        Args:
            g_optimizer: Generator optimiser (default: Adam(2e-4, 0.5, 0.999)).
            d_optimizer: Discriminator optimiser (default: the same).
            alpha_plus: Positive smoothing target, in (1/2, 1] (paper: 0.9).
            alpha_minus: Negative smoothing target, in [0, 1/2) (paper: 0.1).
            generator_loss: `"non_saturating"` (default) or `"minimax"`.
            d_steps: Discriminator updates per batch, K_D (paper: 1).
            g_steps: Generator updates per batch, K_G (paper: 5).
            **kwargs: Passed to `keras.Model.compile` (for example `jit_compile`).
        """
        losses.validate_smoothing(alpha_plus, alpha_minus)
        self._compile_common(g_optimizer, d_optimizer, d_steps, g_steps, generator_loss,
                             **kwargs)
        self.alpha_plus = float(alpha_plus)
        self.alpha_minus = float(alpha_minus)
        self._gan_compile_config = {
            "alpha_plus": self.alpha_plus,
            "alpha_minus": self.alpha_minus,
            "generator_loss": generator_loss,
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
        }

    def train_step(self, data):
        real = self.samples_of(data)  # images, or (images, labels) for a conditional GAN
        self.prepare_replicas()
        n = self.batch_size_of(real)
        # Under tf.distribute each replica holds a shard and the optimizers sum the
        # replicas' gradients: dividing each replica's mean loss by the replica count makes
        # the update that of the global-batch mean.
        replicas = self.replicas
        d_loss = g_loss = d_real = d_fake = ops.zeros(())

        # Discriminator: maximise L on real vs generated samples, K_D times.
        for _ in range(self.d_steps):
            fake = self.generate(self.sample_latents(n))
            with tf.GradientTape() as tape:
                p_real = self.judge(real)
                p_fake = self.judge(fake)
                d_loss = losses.discriminator_loss(
                    p_real, p_fake, alpha_plus=self.alpha_plus,
                    alpha_minus=self.alpha_minus, from_logits=self.from_logits) / replicas
            self.descend(self.d_optimizer, tape, d_loss, self.discriminator)
            d_real, d_fake = (ops.mean(losses.probabilities(p, self.from_logits))
                              for p in (p_real, p_fake))

        # Generator: K_G updates, fresh latents each.
        for _ in range(self.g_steps):
            with tf.GradientTape() as tape:
                p_fake = self.judge(self.generate(self.sample_latents(n)))
                g_loss = losses.generator_loss(
                    p_fake, alpha_minus=self.alpha_minus, kind=self.generator_loss_kind,
                    from_logits=self.from_logits) / replicas
            self.descend(self.g_optimizer, tape, g_loss, self.generator)

        return self._update({
            "d_loss": d_loss * replicas, "g_loss": g_loss * replicas,
            "d_real": d_real, "d_fake": d_fake,
        })
