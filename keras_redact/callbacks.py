"""Callbacks for long GAN jobs: sample grids on fixed latents, TensorBoard images, train time."""

from __future__ import annotations

import contextlib
import pathlib
import time

import keras
import numpy as np

from keras_redact import checks, io
from keras_redact.conditions import num_classes_of


def delivered_generator(model):
    """A context in which `model.generator` is the G a run stopped now would deliver.

    For a `GANBase` that is `averaged_generator()` (G's weight averages in place when its
    optimizer keeps them); for other models, nothing changes.
    """
    averaged = getattr(model, "averaged_generator", None)
    return averaged() if averaged else contextlib.nullcontext()


class SampleGrid(keras.callbacks.Callback):
    """Writes a PNG grid of generator samples on fixed latents after every epoch.

    The latents are drawn once from `seed`, so grids of successive epochs (and of different
    runs with the same seed) show the same latents and can be compared side by side. A
    conditional generator's samples take the conditions in turn (0, 1, 2, ... and again).

    Args:
        directory: Folder for `epoch_<NNN>.png` (epoch 0 is the model before training).
        num_samples: Number of samples in the grid.
        seed: Seed of the fixed latents.
        every: Write every `every` epochs.
        tensorboard_dir: If set, also log the grid as a TensorBoard image there.
        every_batches: Also write `step_<NNNNNN>.png` every this many train batches
            (counted over the whole run; step 0 is the model before training), for
            watching G move within an epoch (the adversarial mode of Appendix H).
    """

    def __init__(self, directory, num_samples: int = 64, seed: int = 0, every: int = 1,
                 tensorboard_dir=None, every_batches: int | None = None):
        super().__init__()
        self.every_batches = checks.integer("every_batches", every_batches, optional=True)
        self._step = 0
        self.directory = pathlib.Path(directory)
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.every = int(every)
        self.tensorboard_dir = tensorboard_dir
        self._latents = None
        self._writer = None

    def _generator(self):
        return getattr(self.model, "generator", self.model)

    def grid(self) -> np.ndarray:
        """The current grid as a uint8 image (of G's averaged weights when its optimizer
        keeps them: `GANBase.averaged_generator`)."""
        generator = self._generator()
        if self._latents is None:
            latent_dim = int(generator.inputs[0].shape[-1])
            rng = np.random.default_rng(self.seed)
            self._latents = rng.standard_normal((self.num_samples, latent_dim)).astype(
                np.float32)
            num_classes = num_classes_of(generator)
            if num_classes is not None:
                labels = np.arange(self.num_samples, dtype=np.int32) % num_classes
                self._latents = [self._latents, labels]
        with delivered_generator(self.model):
            images = generator.predict(self._latents, verbose=0, batch_size=256)
        return io.image_grid(images)

    def _write(self, epoch):
        grid = self.grid()
        io.write_png(self.directory / f"epoch_{epoch:03d}.png", grid)
        if self.tensorboard_dir is not None:
            import tensorflow as tf

            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(self.tensorboard_dir))
            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch)
            self._writer.flush()

    def on_train_begin(self, logs=None):
        if not (self.directory / "epoch_000.png").exists():
            self._write(0)
        if self.every_batches and not (self.directory / "step_000000.png").exists():
            io.write_png(self.directory / "step_000000.png", self.grid())

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.every_batches and self._step % self.every_batches == 0:
            io.write_png(self.directory / f"step_{self._step:06d}.png", self.grid())

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._write(epoch + 1)


class TrainTime(keras.callbacks.Callback):
    """Wall time of the training epochs alone, without other callbacks' per-epoch work.

    Each epoch counts from its start (`on_epoch_begin`: put this callback first so that
    the others' epoch-start work, such as Alg. 2's queries, counts) to the end of its last
    batch; per-epoch measurements, sample grids and logging after it do not count. The
    first epoch includes tracing and compiling the train step. `seconds` is the sum over
every `fit` the callback served (a resumed run restores the killed one's epochs);
    `epoch_seconds` the epochs' times. `epoch_cpu_seconds` is the same spans in the
    process's CPU time (all its threads; `time.process_time`): time the process waited
    does not count, but other load on the host can still slow its work (shared caches
    and memory; on the development machine it drifted as much as the wall time).
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds = []
        self.epoch_cpu_seconds = []
        self._start = self._last = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = self._last = (time.perf_counter(), time.process_time())

    def on_train_batch_end(self, batch, logs=None):
        self._last = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(self._last[0] - self._start[0])
        self.epoch_cpu_seconds.append(self._last[1] - self._start[1])

    @property
    def seconds(self) -> float:
        return float(sum(self.epoch_seconds))
