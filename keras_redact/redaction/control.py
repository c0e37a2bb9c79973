"""The callbacks that steer a redaction: Alg. 2's rounds, a lam schedule, an invalidity
monitor, certified stopping and the quality guard (`keras_redact.callbacks` holds the
general ones: sample grids and train time)."""

from __future__ import annotations

import io as pyio
import math
import pathlib
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_redact import calls, checks, conditions, io, losses, seeds
from keras_redact.callbacks import delivered_generator
from keras_redact.evaluation import audit, certificates, sampling
from keras_redact.evaluation.invalidity import Invalidity


def gan_weights(model) -> tuple[list, list]:
    """Copies of G's and D's weights (numpy), to put back with `set_gan_weights`."""
    return ([w.numpy() for w in model.generator.weights],
            [w.numpy() for w in model.discriminator.weights])


def set_gan_weights(model, g_weights, d_weights) -> None:
    """Puts weights taken by `gan_weights` back into G and D."""
    for variable, value in zip(model.generator.weights, g_weights, strict=True):
        variable.assign(value)
    for variable, value in zip(model.discriminator.weights, d_weights, strict=True):
        variable.assign(value)


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
            model.generator,
            lambda s: (*tf.nest.flatten(s), model.redaction_set.contains(s)),
            num_classes=model.num_classes)

    def on_epoch_begin(self, epoch, logs=None):
        model = self.model
        t = self.queries_per_round or model.redaction_set.queries_per_round
        if epoch == 0 and self.first_round_queries:
            t = self.first_round_queries
        *generated, invalid = self._query(t, seed=seeds.derive(self.seed, "validity_rounds", epoch))
        found = conditions.take(generated if len(generated) > 1 else generated[0],
                                invalid.astype(bool))
        total = model.add_redaction_samples(found)
        found = conditions.count(found)
        self.history.append({"round": epoch, "queries": t, "invalid": found,
                             "buffer": total})
        if self.verbose:
            print(f"\nround {epoch}: {found} of {t} samples invalid; Omega' holds {total}")


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
        also: Optional function of the same samples, computed in the same pass (one
            generator and classifier pass per epoch for every callback that reads it,
            such as `QualityGuard.read_from(monitor)`); its values are `self.also_values`.
    """

    def __init__(self, contains, num_samples: int = 10_000, seed: int = 0, also=None):
        super().__init__()
        self.contains = contains
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.also = also
        self.values: list[float] = []
        self.flags = self.also_values = None  # the last measurement's

    def _measure(self, samples):
        inside = self.contains(samples)
        return inside if self.also is None else (inside, self.also(samples))

    def set_model(self, model):
        super().set_model(model)
        # Traced once per fit, not once per epoch.
        self._map = sampling.GeneratedMap(model.generator, self._measure,
                                          num_classes=getattr(model, "num_classes", None))

    def measure(self) -> float:
        """Invalidity of the generator the run would deliver now (with `use_ema` on G's
        optimizer: its averaged weights, `GANBase.averaged_generator`)."""
        with delivered_generator(self.model):
            outputs = self._map(self.num_samples, seed=self.seed)
        self.flags, self.also_values = (outputs, None) if self.also is None else outputs
        return Invalidity.from_flags(self.flags).value

    def on_train_begin(self, logs=None):
        if not self.values:
            self.values.append(self.measure())

    def on_epoch_end(self, epoch, logs=None):
        value = self.measure()
        self.values.append(value)
        if logs is not None:
            logs["invalidity"] = value


class CertifiedStopping(keras.callbacks.Callback):
    """Redacts until a certified invalidity target is met, keeping quality; stops then.

    After each epoch, on samples of the G the run would deliver then:

    1. invalidity on `check_samples` fresh samples (new latents every epoch);
    2. for an epoch that could be delivered (its check beats the best guarded epoch's, or
       would try a certification), quality, when `quality` is given: a function of the
       generator returning
       `{"quality": q, ...}` (the redact job's is q = min(FID of the filter / FID of G,
       IS of G / IS of the filter), the filter being the pre-trained G with its Omega
       samples rejected), which must be at least `min_quality`: the guard;
    3. if the guard holds and the invalidity is at most `trigger` x the target (0.7), a
       certification on other fresh samples (`evaluation.certify`: a sequential test that
       draws only what it needs, its first bets guided by the check), at confidence
       `1 - (1 - confidence) / attempts` with `attempts` the epochs of the run, so that
       however many epochs try, a false certificate has probability at most
       `1 - confidence`. Certified: training stops.

    When training ends, G and D get the weights of the certified epoch; without a
    certificate, those of the epoch with the least invalidity among the epochs that met
    the guard (as `keras.callbacks.EarlyStopping(restore_best_weights=True)` does).

    Args:
        contains: `samples -> bool` membership test of Omega.
        epsilon: The target invalidity, in (0, 1).
        confidence: The certificate's confidence, in (0, 1).
        check_samples: Samples of the per-epoch check (default: `10 / epsilon`, at most
            50,000: the check only decides when to try a certification).
        certify_samples: The budget of a certification (default:
            `certificates.certification_samples(epsilon, confidence)`).
        quality: Optional `generator -> {"quality": float, ...}`.
        min_quality: The guard's bound on `quality` (None: no guard).
        seed: Seed from which the checks' and certifications' latents are drawn (apart).
        evaluator: What `contains` is, for the certificate.
        state_dir: Optional folder where the best weights are kept too, so that a resumed
            run (`restore`) can still deliver them.
        trigger: The check's invalidity, as a share of the target, at or under which a
            certification is tried.
        verbose: Print each epoch's check.

    Attributes:
        certificate: The `Certificate` of the delivered G, or None.
        history: Each epoch's check: invalidity, quality, whether the guard held, and the
            certification if one was tried.
        best_epoch: The epoch whose weights G and D have at the end (1-based), or None.
    """

    def __init__(self, contains, epsilon: float, confidence: float = 0.95, *,
                 check_samples: int | None = None, certify_samples: int | None = None,
                 quality: Callable | None = None, min_quality: float | None = None,
                 seed: int = 0, evaluator: str = "membership test", state_dir=None,
                 trigger: float = 0.7, verbose: int = 0):
        super().__init__()
        certificates._check_epsilon(epsilon)
        certificates._check_confidence(confidence)
        self.contains, self.epsilon, self.confidence = contains, float(epsilon), confidence
        self.check_samples = checks.integer("check_samples", check_samples, optional=True) \
            or min(int(math.ceil(10.0 / epsilon)), 50_000)
        self.certify_samples = checks.integer("certify_samples", certify_samples,
                                              optional=True)
        if min_quality is not None:
            checks.number("min_quality", min_quality, 0.0, 1.0, high_open=False)
        self.quality, self.min_quality = quality, min_quality
        self.seed, self.evaluator, self.verbose = int(seed), evaluator, verbose
        self.state_dir = None if state_dir is None else pathlib.Path(state_dir)
        self.trigger = checks.number("trigger", trigger, 0.0, 1.0, high_open=False)
        self.certificate = None
        self.history: list[dict] = []
        self.best_epoch = None
        self._best = None  # (invalidity, G weights, D weights)
        self.attempts = None

    def set_model(self, model):
        super().set_model(model)
        self._flags = sampling.GeneratedMap(model.generator, self.contains,
                                            num_classes=getattr(model, "num_classes", None))

    def on_train_begin(self, logs=None):
        self.attempts = int(self.params.get("epochs") or 1)


    def _keep_best(self, invalidity, epoch):
        self._best = (invalidity, *gan_weights(self.model))
        self.best_epoch = epoch
        if self.state_dir is not None:
            g, d = self._best[1:]
            arrays = {f"arr_{k}": a for k, a in enumerate([*g, *d])}
            buffer = pyio.BytesIO()
            np.savez(buffer, epoch=epoch, invalidity=invalidity, g_count=len(g), **arrays)
            io.write_bytes(self.state_dir / "best_weights.npz", buffer.getvalue())

    def restore(self, history: list) -> None:
        """Takes back a killed run's checks (and its best weights from `state_dir`)."""
        self.history = list(history)
        path = None if self.state_dir is None else self.state_dir / "best_weights.npz"
        if path is not None and path.is_file():
            with np.load(path) as saved:
                arrays = [saved[f"arr_{k}"] for k in range(len(saved.files) - 3)]
                count = int(saved["g_count"])
                epoch = int(saved["epoch"])
                if epoch <= len(self.history):
                    self._best = (float(saved["invalidity"]), arrays[:count], arrays[count:])
                    self.best_epoch = epoch
        last = self.history[-1] if self.history else {}
        cert = last.get("certificate")
        if cert and cert["certified"] and self.best_epoch == last["epoch"]:
            self.certificate = certificates.Certificate(**{k: v for k, v in cert.items()
                                              if k != "statement"})
    def on_epoch_end(self, epoch, logs=None):
        record = {"epoch": epoch + 1}
        with delivered_generator(self.model):
            generator = self.model.generator
            flags = self._flags(self.check_samples,
                                seed=seeds.derive(self.seed, "target_check", epoch))
            record["invalidity"] = Invalidity.from_flags(flags).value
            # Quality decides only for an epoch that could be delivered: one that would
            # try a certification or beat the best guarded epoch so far.
            candidate = (self._best is None or record["invalidity"] < self._best[0]
                         or record["invalidity"] <= self.trigger * self.epsilon)
            if self.quality is not None and candidate:
                record.update(self.quality(generator))
            record["guard"] = candidate and (self.min_quality is None
                                             or "quality" not in record
                                             or record["quality"] >= self.min_quality)
            if record["guard"] and (self._best is None or
                                    record["invalidity"] < self._best[0]):
                self._keep_best(record["invalidity"], epoch + 1)
            if record["guard"] and record["invalidity"] <= self.trigger * self.epsilon:
                cert = certificates.certify(
                    generator, self.contains, self.epsilon, self.confidence,
                    num_samples=self.certify_samples, attempts=self.attempts,
                    seed=seeds.derive(self.seed, "certification", epoch),
                    evaluator=self.evaluator, guess=record["invalidity"],
                    flags_of=self._flags)
                record["certificate"] = cert.as_dict()
                if cert.certified:
                    self.certificate = cert
                    self._keep_best(record["invalidity"], epoch + 1)
                    self.model.stop_training = True
        self.history.append(record)
        if logs is not None:
            logs["check_invalidity"] = record["invalidity"]
        if self.verbose:
            text = f"\nepoch {epoch + 1}: invalidity {record['invalidity']:.3g}"
            if "quality" in record:
                text += f", quality vs the filter {record['quality']:.3f}"
            if "certificate" in record:
                text += f"; {record['certificate']['statement']}"
            print(text)

    def on_train_end(self, logs=None):
        if self._best is None:
            return
        set_gan_weights(self.model, *self._best[1:])


class SearchFeed(keras.callbacks.Callback):
    """After each epoch, searches G's latents for Omega and feeds the finds into p_Omega.

    The latent search of `evaluation.audit` (an attacker's, `bin/audit`), run by the
    redaction itself: `starts` typical latents, `steps` Adam steps each on `score` through
    G, and the samples `contains` puts in Omega join the redaction buffer
    (`RedactionGAN.add_redaction_samples`; past its capacity, a uniform sample of all).
    They are G's own samples in Omega, what Alg. 2 collects from random latents, taken
    where an attacker would look. For a conditional GAN each start keeps a random
    condition, and the finds join p_Omega as pairs.

    Args:
        score: `samples -> (N,)` in (0, 1], higher inside Omega (the classifier's
            probability of the redacted labels).
        contains: `samples -> bool`, Omega as the redaction describes it.
        starts: Starts a search.
        steps: Adam steps a start.
        seed: Seed of the starts (epoch e's: derived from it and e).

    Attributes:
        finds: Each epoch's number of starts that reached Omega.
    """

    def __init__(self, score, contains, *, starts: int = 200, steps: int = 20, seed: int = 0):
        super().__init__()
        self.score, self.contains = score, contains
        self.starts = checks.integer("starts", starts)
        self.steps = checks.integer("steps", steps)
        self.seed = int(seed)
        self.finds: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        result, found = audit.latent_search(
            self.model.generator, self.score, self.contains, starts=self.starts,
            steps=self.steps, seed=seeds.derive(self.seed, "fresh") + epoch,
            keep=self.starts, pairs=True)
        self.model.add_redaction_samples(found)
        self.finds.append(result.successes)
        if logs is not None:
            logs["search_finds"] = result.successes


class QualityGuard(keras.callbacks.Callback):
    """Stops a run whose kept classes drift from the post-hoc filter's, keeping its best epoch.

    Redaction should leave G drawing what the pre-trained G draws outside Omega: the
    post-hoc filter (the pre-trained G with its Omega samples rejected) is the reference.
    After each epoch, the share of each class among G's samples outside Omega (by a label
    classifier's argmax) is compared with the filter's; a class whose share moves past
    `max_ratio` (either way, shares counted with a floor of `floor` so that rare classes do
    not trip it on noise) breaks the guard. The run then stops, G and D get the weights of
    the guarded epoch with the least invalidity (the pre-trained ones if none held), and
    `message` says so in one line.

    Args:
        reference: The pre-trained generator (sampled now, before training changes it).
        classifier: A label classifier (logits) of the samples.
        contains: `samples -> bool` membership test of Omega.
        num_samples: Samples of each measurement.
        max_ratio: The bound on each kept class's share against the filter's (2: between
            0.5x and 2x).
        floor: Added to every share before the ratio (0.005: half a percent).
        seed: Latent seed (the filter's; each epoch's is derived from it).
        verbose: Print the line when the guard breaks.

    Attributes:
        history: Each epoch's `{"epoch", "invalidity", "drift", "worst_class", "guard"}`
            (drift: the worst class's ratio, >= 1).
        filter_shares: The filter's class shares.
        stopped_epoch: The epoch at which the guard broke, or None.
        best_epoch: The epoch whose weights G and D have at the end (0: the pre-trained
            ones), or None when the guard never broke (the weights are the last epoch's).
        message: The one line saying what the guard did, or None.
    """

    def __init__(self, reference, classifier, contains, *, num_samples: int = 5_000,
                 max_ratio: float = 2.0, floor: float = 0.005, seed: int = 0,
                 verbose: int = 0):
        super().__init__()
        self.num_samples = checks.integer("num_samples", num_samples)
        self.max_ratio = checks.number("max_ratio", max_ratio, 1.0, math.inf)
        self.floor = checks.number("floor", floor, 0.0, 1.0)
        self.seed, self.verbose = int(seed), verbose
        self.classifier, self.contains = classifier, contains
        self.num_classes = int(classifier.outputs[0].shape[-1])
        self.monitor = None  # `read_from`: the monitor whose pass the guard reads
        labels, inside = sampling.map_generated(reference, self._measure, self.num_samples,
                                                seed=self.seed)
        self.filter_shares = self._shares(labels, inside)
        self.history: list[dict] = []
        self.stopped_epoch = self.best_epoch = self.message = None
        self._best = None  # (invalidity, epoch, G weights, D weights)

    def classes(self, samples):
        """The classifier's argmax label of each sample (shared with `contains`' pass)."""
        logits = calls.call(self.classifier, conditions.images_in(samples))
        return tf.argmax(logits, axis=-1, output_type=tf.int32)

    def _measure(self, samples):
        return self.classes(samples), self.contains(samples)

    def read_from(self, monitor: InvalidityMonitor) -> None:
        """Takes each epoch's classes and membership from `monitor`'s pass."""
        if monitor.also != self.classes or monitor.num_samples != self.num_samples:
            raise ValueError(
                "QualityGuard reads a monitor's pass only when the monitor was built with "
                f"also=guard.classes and num_samples={self.num_samples}; received "
                f"also={monitor.also!r}, num_samples={monitor.num_samples}")
        self.monitor = monitor

    def _shares(self, labels, inside) -> np.ndarray:
        outside = np.asarray(labels)[~np.asarray(inside).astype(bool)]
        counts = np.bincount(outside, minlength=self.num_classes).astype(np.float64)
        return counts / max(counts.sum(), 1.0)

    def set_model(self, model):
        super().set_model(model)
        if self.monitor is None:
            self._map = sampling.GeneratedMap(
                model.generator, self._measure, num_classes=getattr(model, "num_classes", None))

    def _epoch_measurement(self):
        if self.monitor is not None:  # measured by the monitor, just before
            return self.monitor.also_values, self.monitor.flags
        with delivered_generator(self.model):
            return self._map(self.num_samples, seed=seeds.derive(self.seed, "fresh"))


    def on_train_begin(self, logs=None):
        if self._best is None:  # the pre-trained weights: what a first epoch that drifts gets
            self._best = (math.inf, 0, *gan_weights(self.model))

    def on_epoch_end(self, epoch, logs=None):
        labels, inside = self._epoch_measurement()
        shares = self._shares(labels, inside)
        ratios = (shares + self.floor) / (self.filter_shares + self.floor)
        ratios = np.maximum(ratios, 1.0 / ratios)
        worst = int(np.argmax(ratios))
        record = {"epoch": epoch + 1, "invalidity": float(np.mean(inside)),
                  "drift": round(float(ratios[worst]), 4), "worst_class": worst,
                  "share": round(float(shares[worst]), 4),
                  "filter_share": round(float(self.filter_shares[worst]), 4),
                  "guard": bool(ratios[worst] <= self.max_ratio)}
        if record["guard"] and record["invalidity"] <= self._best[0]:
            with delivered_generator(self.model):  # the weights the run would deliver
                self._best = (record["invalidity"], epoch + 1, *gan_weights(self.model))
        self.history.append(record)
        if logs is not None:
            logs["class_drift"] = record["drift"]
        if not record["guard"]:
            self.stopped_epoch = epoch + 1
            self.best_epoch = self._best[1]
            kept = (f"restored epoch {self.best_epoch}" if self.best_epoch
                    else "restored the pre-trained weights (no epoch kept the classes)")
            self.message = (
                f"Quality guard: after epoch {epoch + 1} class {worst} is "
                f"{record['share']:.1%} of the samples outside Omega against the filter's "
                f"{record['filter_share']:.1%} ({record['drift']:.2g}x, bound "
                f"{self.max_ratio:g}x); stopped and {kept}")
            self.model.stop_training = True
            if self.verbose:
                print("\n" + self.message)

    def on_train_end(self, logs=None):
        if self.stopped_epoch is None:
            return
        set_gan_weights(self.model, *self._best[2:])

    def as_dict(self) -> dict:
        """The record `metrics.json` keeps (`quality_guard`)."""
        return {"max_ratio": self.max_ratio, "floor": self.floor,
                "samples": self.num_samples,
                "filter_shares": [round(float(s), 4) for s in self.filter_shares],
                "stopped_epoch": self.stopped_epoch, "restored_epoch": self.best_epoch,
                "message": self.message, "epochs": self.history}
