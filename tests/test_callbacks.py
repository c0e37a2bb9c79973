import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_redact import callbacks
from keras_redact.models import DCGAN, DCGANDiscriminator, DCGANGenerator


def test_sample_grid_writes_comparable_grids(tmp_path):
    gan = DCGAN(DCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4), seed=0)
    gan.compile(jit_compile=False)
    grid = callbacks.SampleGrid(tmp_path / "samples", num_samples=16, seed=3,
                                tensorboard_dir=tmp_path / "tb")
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(8), epochs=2, verbose=0,
            callbacks=[grid])
    files = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert files == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    image = tf.io.decode_png((tmp_path / "samples" / "epoch_002.png").read_bytes()).numpy()
    assert image.shape == (4 * 30 + 2, 4 * 30 + 2, 1)  # 4x4 tiles of 28 px, 2 px padding
    # The last grid is G's samples on the fixed latents of seed 3, tiled row by row.
    latents = np.random.default_rng(3).standard_normal((16, 128)).astype(np.float32)
    pixels = np.clip((gan.generator.predict(latents, verbose=0) + 1) * 127.5 + 0.5, 0, 255)
    pixels = pixels.astype(np.uint8)
    np.testing.assert_array_equal(image[2:30, 2:30], pixels[0])        # row 0, column 0
    np.testing.assert_array_equal(image[32:60, 92:120], pixels[7])     # row 1, column 3
    assert np.any(pixels[0] != pixels[1])  # distinct latents, distinct tiles
    assert list((tmp_path / "tb").iterdir())  # TensorBoard event file


def test_sample_grid_every_batches(tmp_path):
    gan = DCGAN(DCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4), seed=0)
    gan.compile(jit_compile=False)
    grid = callbacks.SampleGrid(tmp_path, num_samples=4, every_batches=3)
    x = np.random.default_rng(0).uniform(-1, 1, (40, 28, 28, 1)).astype("float32")
    gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(8), epochs=2, verbose=0,
            callbacks=[grid])  # 5 batches an epoch: steps 3, 6 and 9 of 10
    steps = sorted(p.name for p in tmp_path.glob("step_*.png"))
    assert steps == ["step_000000.png", "step_000003.png", "step_000006.png",
                     "step_000009.png"]
    with pytest.raises(ValueError, match="every_batches must be a positive integer"):
        callbacks.SampleGrid(tmp_path, every_batches=0)


class _Sleep(keras.callbacks.Callback):
    def __init__(self, at, seconds):
        super().__init__()
        self.at, self.seconds = at, seconds

    def on_epoch_begin(self, epoch, logs=None):
        if self.at == "begin":
            time.sleep(self.seconds)

    def on_epoch_end(self, epoch, logs=None):
        if self.at == "end":
            time.sleep(self.seconds)


class _Spin(_Sleep):
    """Busy for `seconds` of this process's CPU time, instead of sleeping."""

    def on_epoch_begin(self, epoch, logs=None):
        if self.at == "begin":
            _spin(self.seconds)

    def on_epoch_end(self, epoch, logs=None):
        if self.at == "end":
            _spin(self.seconds)


def _spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_train_time_leaves_out_per_epoch_work_after_the_epoch():
    gan = DCGAN(DCGANGenerator(base_filters=4), DCGANDiscriminator(base_filters=4), seed=0)
    gan.compile(jit_compile=False)
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    timer = callbacks.TrainTime()
    start, start_cpu = time.perf_counter(), time.process_time()
    gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(8), epochs=2, verbose=0,
            callbacks=[timer, _Sleep("begin", 0.3), _Sleep("end", 0.6), _Spin("begin", 0.2),
                       _Spin("end", 0.5)])
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    assert len(timer.epoch_seconds) == len(timer.epoch_cpu_seconds) == 2
    assert timer.seconds == pytest.approx(sum(timer.epoch_seconds))
    # Epoch-start work of later callbacks counts (2 x (0.3 s asleep + 0.2 s of CPU)),
    # epoch-end work does not (2 x (0.6 + 0.5 s)): the sleeps and spins bound the
    # figures whatever the machine's speed. Sleeping costs wall time only.
    assert all(s >= 0.5 for s in timer.epoch_seconds)
    assert timer.seconds <= wall - 2.2
    assert all(s >= 0.2 for s in timer.epoch_cpu_seconds)
    assert sum(timer.epoch_cpu_seconds) <= cpu - 1.0
