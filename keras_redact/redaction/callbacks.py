"""Callbacks of the redaction job: Alg. 2's rounds and an invalidity monitor."""

from __future__ import annotations

import keras

from keras_redact.callbacks import delivered_generator
from keras_redact.evaluation import sampling
from keras_redact.evaluation.invalidity import Invalidity


class ValidityRounds(keras.callbacks.Callback):
    """Runs Alg. 2's rounds: before each epoch, query v on T fresh samples of G.

    The invalid samples join p_Omega's buffer of the `RedactionGAN` being trained, so
    `fit(..., epochs=R)` is Alg. 2 with R rounds of one epoch each. `RedactionGAN.fit`
    adds this callback by itself for validity sets.

    Args:
        queries_per_round: T (default: the redaction set's).
        seed: Seed of the queried latents (each round draws fresh ones).
        verbose: Print the size of Omega' after each round.
    """

    def __init__(self, queries_per_round: int | None = None, seed: int = 0, verbose: int = 0):
        super().__init__()
        self.queries_per_round = queries_per_round
        self.seed = int(seed)
        self.verbose = verbose
        self.history = []

    def set_model(self, model):
        super().set_model(model)
        # Traced once per fit, not once per round.
        self._query = sampling.GeneratedMap(
            model.generator, lambda x: (x, model.redaction_set.contains(x)))

    def on_epoch_begin(self, epoch, logs=None):
        model = self.model
        t = self.queries_per_round or model.redaction_set.queries_per_round
        generated, invalid = self._query(t, seed=self.seed * 100_003 + epoch)
        found = generated[invalid.astype(bool)]
        total = model.add_redaction_samples(found)
        self.history.append({"round": epoch, "queries": t, "invalid": int(len(found)),
                             "buffer": total})
        if self.verbose:
            print(f"\nround {epoch}: {len(found)} of {t} samples invalid; Omega' holds {total}")


class InvalidityMonitor(keras.callbacks.Callback):
    """Measures the generator's invalidity at the start and after every epoch.

    Adds `invalidity` to the epoch logs (so History, CSVLogger and TensorBoard see it) and
    keeps `self.values` (index 0 = before training), the curve of the paper's Fig. 2.

    Args:
        contains: `images -> bool` membership test of Omega.
        num_samples: Samples per measurement.
        seed: Seed of the latents (the same every epoch).
    """

    def __init__(self, contains, num_samples: int = 10_000, seed: int = 0):
        super().__init__()
        self.contains = contains
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.values: list[float] = []

    def set_model(self, model):
        super().set_model(model)
        # Traced once per fit, not once per epoch.
        self._flags = sampling.GeneratedMap(model.generator, self.contains)

    def measure(self) -> float:
        """Invalidity of the generator the run would deliver now (with `use_ema` on G's
        optimizer: its averaged weights, `GANBase.averaged_generator`)."""
        with delivered_generator(self.model):
            flags = self._flags(self.num_samples, seed=self.seed)
        return Invalidity.from_flags(flags).value

    def on_train_begin(self, logs=None):
        if not self.values:
            self.values.append(self.measure())

    def on_epoch_end(self, epoch, logs=None):
        value = self.measure()
        self.values.append(value)
        if logs is not None:
            logs["invalidity"] = value
