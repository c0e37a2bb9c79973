"""Broken data files give one line naming the file and what is wrong, never a traceback."""

import gzip
import struct

import numpy as np
import pytest

from keras_redact import data, io


def _idx_folder(folder, images=None, labels=None):
    images = np.zeros((3, 4, 4), np.uint8) if images is None else images
    labels = np.arange(3, dtype=np.uint8) if labels is None else labels
    folder.mkdir(exist_ok=True)
    (folder / "train-images-idx3-ubyte").write_bytes(
        struct.pack(">BBBB3I", 0, 0, 8, 3, *images.shape) + images.tobytes())
    (folder / "train-labels-idx1-ubyte").write_bytes(
        struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels.tobytes())
    return folder


def test_a_valid_idx_folder_loads(tmp_path):
    source = data.load(str(_idx_folder(tmp_path / "idx")), "train")
    assert source.image_shape == (4, 4, 1) and source.size == 3


@pytest.mark.parametrize("cut,match", [
    (6, r"the IDX header is cut short \(6 bytes; a rank-3 header has 16\)"),
    (40, r"the header says \(3, 4, 4\) \(48 bytes of data\) but the file holds 24 bytes"),
])
def test_truncated_idx_files(tmp_path, cut, match):
    folder = _idx_folder(tmp_path / "idx")
    path = folder / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(ValueError, match=f"{path}: {match}"):
        data.load(str(folder), "train")


def test_wrong_magic_number(tmp_path):
    folder = _idx_folder(tmp_path / "idx")
    path = folder / "train-labels-idx1-ubyte"
    path.write_bytes(b"\x89PNG" + path.read_bytes()[4:])
    with pytest.raises(ValueError, match=f"{path} is not an IDX file \\(bad magic number"):
        data.load(str(folder), "train")


def test_truncated_gzip(tmp_path):
    folder = _idx_folder(tmp_path / "idx")
    raw = folder / "train-images-idx3-ubyte"
    packed = folder / "train-images-idx3-ubyte.gz"
    packed.write_bytes(gzip.compress(raw.read_bytes())[:30])
    raw.unlink()
    with pytest.raises(ValueError, match=f"{packed}: not a readable gzip file"):
        data.load(str(folder), "train")


def test_corrupt_image_in_a_folder_is_named(tmp_path):
    from keras_redact.io import encode_png

    for cls in ("a", "b"):
        (tmp_path / "images" / cls).mkdir(parents=True)
        (tmp_path / "images" / cls / "0.png").write_bytes(
            encode_png(np.zeros((4, 4, 1), np.uint8)))
    bad = tmp_path / "images" / "b" / "1.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 5)
    with pytest.raises(ValueError, match=f"{bad}: not a readable image"):
        data.load(str(tmp_path / "images"), "train")


@pytest.mark.parametrize("content,match", [
    (b"not a zip at all", "is not a .keras file \\(not a zip archive, or one cut short\\)"),
    (None, "is not a .keras file"),  # a real .keras file cut in half
])
def test_keras_files_that_are_not_archives(tmp_path, content, match):
    import keras

    path = tmp_path / "model.keras"
    if content is None:
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(path)
        content = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"generator {path} {match}"):
        io.load_keras(path, "generator")
    with pytest.raises(FileNotFoundError, match="generator .*missing.keras does not exist"):
        io.load_keras(tmp_path / "missing.keras", "generator")
