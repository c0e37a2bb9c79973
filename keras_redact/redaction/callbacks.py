"""Callbacks of the redaction job: Alg. 2's rounds, a lam schedule and an invalidity monitor."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras

from keras_redact import checks, losses
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
        first_round_queries: T of the first round only (default: T). The pre-trained G
            makes the most invalid samples, so a larger first round fills Omega' with
            them cheaply (the MNIST validity recipe: 5,000, then 1,000 a round;
            docs/redaction.md). Not in the paper, whose rounds all query T.
        seed: Seed of the queried latents (each round draws fresh ones).
        verbose: Print the size of Omega' after each round.

    Raises:
        ValueError: If a number of queries is not a positive integer.
    """

    def __init__(self, queries_per_round: int | None = None, seed: int = 0, verbose: int = 0,
                 first_round_queries: int | None = None):
        super().__init__()
        self.queries_per_round = checks.integer("queries_per_round", queries_per_round,
                                                optional=True)
        self.first_round_queries = checks.integer("first_round_queries", first_round_queries,
                                                  optional=True)
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
        if epoch == 0 and self.first_round_queries:
            t = self.first_round_queries
        generated, invalid = self._query(t, seed=self.seed * 100_003 + epoch)
        found = generated[invalid.astype(bool)]
        total = model.add_redaction_samples(found)
        self.history.append({"round": epoch, "queries": t, "invalid": int(len(found)),
                             "buffer": total})
        if self.verbose:
            print(f"\nround {epoch}: {len(found)} of {t} samples invalid; Omega' holds {total}")


class LamSchedule(keras.callbacks.Callback):
    """Sets lam, the weight of p_G in the fake mixture, at the start of each epoch.

    `keras.callbacks.LearningRateScheduler` for the `RedactionGAN`'s lam: a low lam
    (more weight on p_Omega) redacts faster, a high one keeps more of G's quality
    (docs/redaction.md). The compiled step reads lam from a variable, so changing it
    does not re-trace the step. Adds `lam` to the epoch logs. Measured on MNIST
    (docs/benchmarks.md): each epoch's invalidity follows that epoch's lam
    within an epoch or two, so a low first lam speeds the first epoch while the figures
    at the end are those of the last lam.

    Args:
        schedule: The values of epochs 1, 2, ... (the last one holds for the later
            epochs), or a function `(epoch, lam) -> lam` of the 0-based epoch index and the
            current value, as `LearningRateScheduler` takes.
        verbose: Print each change.

    Raises:
        ValueError: For an empty list, or a value outside (0, 1) (a function's: when it
            returns it).

    Example:
        >>> model.fit(kept_batches, epochs=8, callbacks=[LamSchedule([0.65, 0.7])])
    """

    def __init__(self, schedule: Sequence[float] | Callable[[int, float], float],
                 verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            if isinstance(schedule, str) or not isinstance(schedule, Sequence) or not schedule:
                raise ValueError("schedule must be a non-empty list of lam values or a "
                                 f"function (epoch, lam) -> lam; received {schedule!r}")
            for value in schedule:
                losses.validate_lam(value)
            values = tuple(float(v) for v in schedule)
            schedule = lambda epoch, lam: values[min(epoch, len(values) - 1)]  # noqa: E731
        self.schedule = schedule
        self.verbose = verbose

    def set_model(self, model):
        if not hasattr(model, "lam_variable"):
            raise ValueError("LamSchedule sets the lam of a RedactionGAN; received a "
                             f"{type(model).__name__}")
        super().set_model(model)

    def on_epoch_begin(self, epoch, logs=None):
        lam = float(self.schedule(epoch, self.model.lam))
        if lam != self.model.lam and self.verbose:
            print(f"\nEpoch {epoch + 1}: lam {self.model.lam:g} -> {lam:g}")
        self.model.lam = lam

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lam"] = self.model.lam


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
