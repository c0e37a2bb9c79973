"""The paper's optimiser, and Adam with a warmed-up moving average of the weights."""

from __future__ import annotations

import keras
from keras import ops

from keras_redact import checks


def adam(learning_rate: float = 2e-4, ema_momentum: float | None = None,
         ema_warmup: bool = True, ema_start: int = 0) -> keras.optimizers.Optimizer:
    """The paper's optimiser: Adam(lr 2e-4, beta_1 0.5, beta_2 0.999).

    Args:
        learning_rate: The learning rate.
        ema_momentum: If given, the optimizer keeps an exponential moving average of the
            weights with this momentum (Keras' `use_ema`); `GANBase.fit` puts the averages
            into the model when it ends.
        ema_warmup: With `ema_momentum`, warm the average up (`WarmupEMAAdam`): its
            momentum is min(ema_momentum, (1 + t) / (10 + t)) at update t, so a short run
            delivers an average of its recent weights, not of the starting ones. False:
            Keras' constant momentum.
        ema_start: With the warmed-up average, the update it starts at: before it the
            average is the weights themselves, and the warm-up counts from it
            (`WarmupEMAAdam`). 0: from the first update.

    Raises:
        ValueError: If `ema_start` is given without a warmed-up average.
    """
    if ema_start and (ema_momentum is None or not ema_warmup):
        raise ValueError("ema_start needs the warmed-up average (ema_momentum given, "
                         f"ema_warmup=True); received ema_start={ema_start!r}, "
                         f"ema_momentum={ema_momentum!r}, ema_warmup={ema_warmup!r}")
    kwargs = {"learning_rate": learning_rate, "beta_1": 0.5, "beta_2": 0.999}
    if ema_momentum is None:
        return keras.optimizers.Adam(**kwargs)
    if not ema_warmup:
        return keras.optimizers.Adam(use_ema=True, ema_momentum=ema_momentum, **kwargs)
    return WarmupEMAAdam(use_ema=True, ema_momentum=ema_momentum, ema_start=ema_start,
                         **kwargs)


@keras.saving.register_keras_serializable(package="keras_redact")
class WarmupEMAAdam(keras.optimizers.Adam):
    """Adam whose moving average of the weights (`use_ema`) warms up.

    Keras' average uses the same momentum m from the first update on, so after t updates
    the weights the run started from still weigh m^t in it: a redaction stopped after one
    epoch (168-280 updates of G) with m = 0.99 delivers a G that is 6-18% the
    pre-trained one. Here update t (from 0) uses momentum min(m, (1 + t) / (10 + t)), the
    schedule of `tf.train.ExponentialMovingAverage(num_updates=...)`: the starting
    weights' share falls like t^-9, and from t = (10m - 1) / (1 - m) on (890 updates for
    m = 0.99) it is Keras' average.

    `ema_start` delays the average, as `start_averaging` does in stochastic weight
    averaging: updates before it copy the weights (the average is the weights being
    trained), and the schedule above counts t from it. A run stopped before then
    delivers its trained weights; one that goes on, the average of the weights since.

    Args:
        ema_start: The update (0-based count of `iterations`) the average starts at.
        **kwargs: `keras.optimizers.Adam`'s arguments.

    Raises:
        ValueError: If `ema_start` is not a non-negative integer.
    """

    def __init__(self, *args, ema_start: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.ema_start = checks.integer("ema_start", ema_start, minimum=0,
                                        hint="an update count")

    def get_config(self):
        return {**super().get_config(), "ema_start": self.ema_start}

    def _update_model_variables_moving_average(self, trainable_variables):
        if not self.use_ema:
            return
        step = ops.cast(self.iterations, "float32") - float(self.ema_start)
        # Update 0 (and any before ema_start) copies the weights, as Keras' update 0 does.
        momentum = ops.where(ops.less_equal(step, 0.0), 0.0, ops.minimum(
            ops.cast(self.ema_momentum, "float32"), (1.0 + step) / (10.0 + step)))
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                m = ops.cast(momentum, var.dtype)
                average.assign(ops.add(ops.multiply(m, average),
                                       ops.multiply(ops.subtract(1, m), var)))
