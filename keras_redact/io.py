"""Atomic file writes and image grids: nothing a user had is left half-written."""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import math
import os
import pathlib
import shutil
import tempfile
import zipfile

import numpy as np


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yields a temporary path beside `path`; renames it onto `path` if the block succeeds.

    Works for files and directories. On error the temporary is removed and `path` is left
    as it was.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}",
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield pathlib.Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path, data: bytes) -> pathlib.Path:
    """Writes `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return pathlib.Path(path)


def write_json(path, obj) -> pathlib.Path:
    """Writes `obj` as indented JSON, atomically."""
    return write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def save_keras(model, path, overwrite: bool = False,
               include_optimizer: bool = True) -> pathlib.Path:
    """Saves a Keras model to a `.keras` file atomically.

    Args:
        model: The model.
        path: Target `.keras` path.
        overwrite: Replace an existing file.
        include_optimizer: Keep the optimizer state (needed to resume training, not to
            use the model); False saves an uncompiled copy, a third of the size with Adam.

    Raises:
        FileExistsError: If `path` exists and `overwrite` is False.
    """
    path = pathlib.Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    if not include_optimizer and getattr(model, "optimizer", None) is not None:
        clone = type(model).from_config(model.get_config())
        clone.set_weights(model.get_weights())
        model = clone
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)
    return path


def image_grid(images, columns: int | None = None, padding: int = 2) -> np.ndarray:
    """Tiles images in [-1, 1] `(N, H, W, C)` into one uint8 image `(rows*H', cols*W', C)`."""
    images = np.asarray(images, np.float32)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                    np.uint8)
    pixels = np.clip((images + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = pixels[i]
    return grid


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 `(H, W, C)` image."""
    import tensorflow as tf

    return tf.io.encode_png(np.asarray(image, np.uint8)).numpy()


def write_png(path, image: np.ndarray) -> pathlib.Path:
    """Writes a uint8 `(H, W, C)` image as PNG, atomically."""
    return write_bytes(path, encode_png(image))


def check_fresh_dir(path, what: str = "output directory",
                    ignore: tuple[str, ...] = ()) -> pathlib.Path:
    """Raises unless `path` is new or an empty folder (checked before long work).

    Args:
        ignore: Names that do not count (a run folder's lock).

    Raises:
        FileExistsError: If `path` exists and holds files, or is a file.
    """
    path = pathlib.Path(path)
    if path.exists() and (not path.is_dir() or any(p.name not in ignore
                                                   for p in path.iterdir())):
        kind = "is a file" if not path.is_dir() else "exists and is not empty"
        raise FileExistsError(f"{what} {path} {kind}; choose another or remove it")
    return path


def check_writable(path, what: str = "output directory") -> pathlib.Path:
    """Raises unless files can be written in `path`, or it can be made (checked before work).

    The nearest existing folder (`path`, or the first above it) is tried by writing a
    temporary file there and removing it: permissions, read-only file systems and
    pseudo-file systems all answer the same way, for root too.

    Raises:
        PermissionError: If nothing can be written there; one line naming the folder.
    """
    path = pathlib.Path(path)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return path  # a file in the way: the callers' own checks say so
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        where = "" if existing == path else f" (nothing can be written in {existing})"
        raise PermissionError(f"{what} {path} is not writable{where}: "
                              f"{error.strerror or error}; choose another folder") from None
    return path


def fresh_dir(path, what: str = "output directory",
              ignore: tuple[str, ...] = ()) -> pathlib.Path:
    """Creates `path`, refusing one that exists and is not empty (besides `ignore`).

    Raises:
        FileExistsError: If `path` exists and holds files.
    """
    path = check_fresh_dir(path, what, ignore=ignore)
    check_writable(path, what)
    path.mkdir(parents=True, exist_ok=True)
    return path


def output_dir(given=None, prefix: str = "run", parent="runs") -> pathlib.Path:
    """Creates a run's output folder: `given` (new or empty), or a new timestamped one.

    Without `given`, the folder is `<parent>/<prefix>-<YYYYmmdd-HHMMSS>`, or with `-2`,
    `-3`, ... added when that exists: each name is taken by an atomic `mkdir`, so runs
    started in the same second (parallel jobs) never share a folder.

    Raises:
        FileExistsError: If `given` exists and holds files.
    """
    if given:
        return fresh_dir(given)
    parent = pathlib.Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{prefix}-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    for k in itertools.count(1):
        path = parent / (stamp if k == 1 else f"{stamp}-{k}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


@contextlib.contextmanager
def claimed_dir(prefix: str = "run", parent="runs"):
    """A new timestamped run folder (`output_dir(None, prefix, parent)`) for a job.

    For callers that name the folder before the job checks its configuration (the
    benchmarks): if the job raises while the folder is still empty, the folder is removed,
    so a bad flag leaves nothing behind. A folder the job has written to is kept.

    Yields:
        The folder's path.
    """
    path = output_dir(None, prefix, parent)
    try:
        yield path
    except BaseException:
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
        raise


def load_keras(path, what: str = "model"):
    """Loads a `.keras` file with Keras' safe mode, with errors that name the file.

    Args:
        path: The `.keras` file.
        what: What it should be, for the messages ("generator", "classifier", ...).

    Raises:
        FileNotFoundError: If nothing is at `path`.
        ValueError: If it is not a `.keras` archive (not a zip file, or one cut short), or
            Keras cannot load it; the message says which file and why.
    """
    import keras

    import keras_redact.models  # noqa: F401 (registers the package's Keras classes)

    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {path} does not exist")
    if path.is_dir() or not zipfile.is_zipfile(path):
        kind = "a folder" if path.is_dir() else "not a zip archive, or one cut short"
        raise ValueError(f"{what} {path} is not a .keras file ({kind})")
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(f"{what} {path} is not a readable .keras file ({e})") from None
    if broken is not None:
        raise ValueError(f"{what} {path} is a damaged .keras file (member {broken} fails "
                         "its checksum)")
    try:
        return keras.saving.load_model(path)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as e:
        raise ValueError(f"{what} {path} could not be loaded as a .keras model ({e})") from None
