"""Per-step timing shared by the benchmark scripts (run them from anywhere: they put this
folder on `sys.path` as Python does for a script)."""

import statistics
import time

import keras
import numpy as np


class StepClock(keras.callbacks.Callback):
    """Records the time at the end of every train batch."""

    def on_train_begin(self, logs=None):
        self.times = [time.perf_counter()]

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def step_rate(model, dataset, steps: int, batch_size: int = 64, skip: int = 5) -> float:
    """Images/s of `model`'s train step: batch size / median time between batches.

    Runs `keras.Model.fit` itself (not a subclass's `fit`, so a `RedactionGAN` adds no
    Alg. 2 rounds) for `skip + steps` steps and ignores the first `skip` intervals.

    Not `fit`'s wall time: on this machine a `fit` call returns up to 2.56 s after its last
    step (its wall times come in multiples of 2.56 s), which made whole-`fit` timings of
    short runs wrong by up to 2x (the figures measured before 2026-11-27 were).
    """
    clock = StepClock()
    keras.Model.fit(model, dataset, epochs=1, steps_per_epoch=steps + skip, verbose=0,
                    callbacks=[clock], shuffle=False)
    return batch_size / statistics.median(np.diff(clock.times)[skip:])
