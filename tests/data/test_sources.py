import gzip
import struct

import numpy as np
import pytest
import tensorflow as tf

from keras_redact import data


def test_embedded_split_is_fixed_and_stratified():
    x_train, y_train = data.mnist_5k("train")
    x_test, y_test = data.mnist_5k("test")
    assert x_train.shape == (4000, 28, 28, 1) and x_train.dtype == np.uint8
    assert x_test.shape == (1000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    # Real digits: ink on a dark background, roughly 19% of pixels lit in MNIST.
    assert 0.1 < (x_train > 127).mean() < 0.3
    # No image is shared between the splits.
    train_keys = {x.tobytes() for x in x_train}
    assert not any(x.tobytes() in train_keys for x in x_test)


def test_load_embedded():
    source = data.load("mnist_5k", "test")
    assert source.image_shape == (28, 28, 1) and source.num_classes == 10
    assert source.size == 1000
    image, label = next(iter(source.dataset))
    assert image.dtype == tf.uint8 and label.dtype == tf.int64


def _write_idx(path, array, gz):
    codes = {np.dtype(np.uint8): 0x08}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(
        f">{array.ndim}I", *array.shape)
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 4, 5, 9], np.uint8)
    suffix = ".gz" if gz else ""
    _write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, gz)
    _write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, gz)
    source = data.load(str(tmp_path), "train")
    assert source.image_shape == (28, 28, 1) and source.size == 7 and source.num_classes == 10
    got = np.stack([x.numpy() for x, _ in source.dataset])
    np.testing.assert_array_equal(got[..., 0], images)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        data.load(str(tmp_path), "test")


def test_read_idx_rejects_garbage(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(path)


def test_image_folder(tmp_path):
    rng = np.random.default_rng(1)
    for cls, n in (("cat", 2), ("dog", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            png = tf.io.encode_png(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
            (tmp_path / cls / f"{i}.png").write_bytes(png.numpy())
    source = data.load(str(tmp_path))
    assert source.image_shape == (32, 32, 3) and source.num_classes == 2 and source.size == 5
    labels = sorted(int(y) for _, y in source.dataset)
    assert labels == [0, 0, 1, 1, 1]


def test_image_folder_mixed_shapes(tmp_path):
    (tmp_path / "a").mkdir()
    for i, size in enumerate((8, 9)):
        png = tf.io.encode_png(np.zeros((size, size, 1), np.uint8)).numpy()
        (tmp_path / "a" / f"{i}.png").write_bytes(png)
    with pytest.raises(ValueError, match="same shape"):
        data.load(str(tmp_path))


def test_tfds_with_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=12):
        source = data.load("mnist", "train")
        assert source.image_shape == (28, 28, 1) and source.num_classes == 10
        batch = next(iter(data.batches(source, 4, with_labels=True)))
        assert batch[0].shape == (4, 28, 28, 1)
        assert float(tf.reduce_min(batch[0])) >= -1 and float(tf.reduce_max(batch[0])) <= 1


def test_unknown_dataset_lists_sources():
    with pytest.raises(ValueError, match="Known sources") as info:
        data.load("no_such_dataset_xyz")
    assert "mnist_5k" in str(info.value)


def test_missing_path_lists_sources(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        data.load(str(tmp_path / "nope"))


def test_bad_split():
    with pytest.raises(ValueError, match="split must be one of"):
        data.load("mnist_5k", "validation")
