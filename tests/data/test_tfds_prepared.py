"""TFDS's real preparation path, offline: a dataset prepared by TFDS from local files,
then loaded by name (in this process and by `bin/redact`, which has no builder code)."""

import json
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_redact import data
from keras_redact.data import sources


class KrTestDigits(tfds.core.GeneratorBasedBuilder):
    """Digits of the embedded subset, read from a local .npz file."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self, supervised_keys=("image", "label"),
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(28, 28, 1)),
                "label": tfds.features.ClassLabel(num_classes=10)}))

    def _split_generators(self, dl_manager):
        del dl_manager
        return {split: self._generate_examples(split) for split in ("train", "test")}

    def _generate_examples(self, split):
        with np.load(os.environ["KR_TEST_DIGITS"]) as f:
            images, labels = f[f"{split}_images"], f[f"{split}_labels"]
        for i, (x, y) in enumerate(zip(images, labels)):
            yield i, {"image": x, "label": int(y)}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tfds")
    train, test = sources.mnist_5k("train"), sources.mnist_5k("test")
    np.savez(folder / "digits.npz", train_images=train[0][::5], train_labels=train[1][::5],
             test_images=test[0][:100], test_labels=test[1][:100])
    os.environ["KR_TEST_DIGITS"] = str(folder / "digits.npz")
    KrTestDigits(data_dir=str(folder / "data")).download_and_prepare()
    return folder / "data"


def test_a_prepared_dataset_loads_by_name(data_dir):
    source = data.load("kr_test_digits", "train", data_dir=str(data_dir))
    assert (source.image_shape, source.num_classes, source.size) == ((28, 28, 1), 10, 800)
    images, labels = data.to_numpy(source)
    expected = sources.mnist_5k("train")
    np.testing.assert_array_equal(np.sort(labels), np.sort(expected[1][::5]))
    assert -1.0 <= images.min() and images.max() <= 1.0


@pytest.mark.slow
def test_bin_redact_takes_it_by_name(data_dir, tmp_path, run_bin, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(data_dir))
    out = tmp_path / "run"
    result = run_bin("redact", "--dataset=kr_test_digits", "--recipe=paper", "--epochs=1",
                     "--eval_samples=500", f"--output_dir={out}", "--noexport")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "kr_test_digits" and metrics["epochs"] == 1
    assert metrics["g_updates"] == 720 // 64  # the 720 kept digits, one K_G 1 epoch


def test_an_unprepared_name_says_where_it_looked(tmp_path):
    with pytest.raises(ValueError, match="TFDS_DATA_DIR"):
        data.load("kr_test_digits", "train", data_dir=str(tmp_path / "empty"), download=False)
