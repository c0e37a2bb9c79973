"""A redaction run's folder: resuming a killed run in it, and refusing any other use.

A run writes `run.json` (its settings) when it starts, keeps `backup/` (Keras'
`BackupAndRestore` and `RunState`) while it trains, and `metrics.json` when it ends. A
folder with `run.json` and no `metrics.json` is an unfinished run: the same settings
resume it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pathlib

import keras

from keras_redact import io

BACKUP_DIR = "backup"
"""The run folder's resumable state (`keras.callbacks.BackupAndRestore` and `RunState`),
removed when training ends."""
RUN_FILE = "run.json"
"""The run folder's record of the job's settings, written when the run starts."""
LOCK_FILE = ".lock"
"""The run folder's lock: held by the one process that writes in it (`RunLock`)."""


class FolderInUse(FileExistsError):
    """Another live process holds the run folder's lock."""


class RunLock:
    """One writer per run folder: an OS file lock held for the life of the job.

    `take(folder)` locks `folder/.lock` (`fcntl.flock`, exclusive, without waiting) and
    writes the holder's process id into it; a second process on the same folder gets
    `FolderInUse` at once, naming the live one. The lock is the operating system's: it
    dies with its holder, so a run killed with `kill -9` resumes (no stale pid file to
    clear). `release()` (or leaving the `with` block) lets it go.
    """

    def __init__(self):
        self._file = None
        self.folder = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def take(self, folder) -> None:
        """Locks `folder` (created if needed).

        Raises:
            FolderInUse: If another live process holds it.
        """
        if self._file is not None:
            return
        folder = pathlib.Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_FILE, "a+")  # noqa: SIM115 (held open while locked)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise FolderInUse(f"output directory {folder} is in use by another run "
                              f"(process {holder}); wait for it to end, or choose another "
                              "folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file, self.folder = handle, folder

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class RunState(keras.callbacks.Callback):
    """Saves the job's per-epoch records beside `BackupAndRestore`'s weights.

    `BackupAndRestore` restores the weights, the optimizers (with G's weight average), the
    p_Omega buffer and lam, and the epoch to resume from; this keeps what lives in other
    callbacks: the per-epoch invalidity, Alg. 2's rounds and the epochs' times.
    """

    FILE = "run_state.json"

    def __init__(self, folder, monitor, rounds=None, timer=None, stop=None):
        super().__init__()
        self.folder = pathlib.Path(folder)
        self.monitor, self.rounds, self.timer, self.stop = monitor, rounds, timer, stop
        self.resumed_epochs = 0

    def _records(self) -> dict:
        return {"invalidity": self.monitor.values,
                "rounds": self.rounds.history if self.rounds else [],
                "epoch_seconds": self.timer.epoch_seconds if self.timer else [],
                "epoch_cpu_seconds": self.timer.epoch_cpu_seconds if self.timer else [],
                "checks": self.stop.history if self.stop else []}

    def on_epoch_end(self, epoch, logs=None):
        io.write_json(self.folder / self.FILE, {"epochs": epoch + 1, **self._records()})

    def restore(self) -> int:
        """Puts a killed run's records back into the callbacks; returns its finished epochs.

        The records are cut to the epochs whose weights `BackupAndRestore` holds.
        """
        path = self.folder / self.FILE
        weights = self.folder / "training_metadata.json"
        if not (path.is_file() and weights.is_file()):
            return 0
        epochs = int(json.loads(weights.read_text())["epoch"])
        records = json.loads(path.read_text())
        self.monitor.values = records["invalidity"][:epochs + 1]
        if self.rounds is not None:
            self.rounds.history = records["rounds"][:epochs]
        if self.timer is not None:
            self.timer.epoch_seconds = records["epoch_seconds"][:epochs]
            self.timer.epoch_cpu_seconds = records["epoch_cpu_seconds"][:epochs]
        if self.stop is not None:
            self.stop.restore(records.get("checks", [])[:epochs])
        self.resumed_epochs = epochs
        return epochs


def _run_record(config) -> dict:
    """What must match for a run folder to be resumed: every setting but the cosmetic."""
    record = config.flat()
    for name in ("output_dir", "verbose", "export", "export_dir"):
        record.pop(name)
    return json.loads(json.dumps(record, default=str))


def check_output_dir(config) -> bool:
    """Checks a `RedactConfig`'s `output_dir` before any work; returns whether it resumes.

    A folder a run started in (it holds `run.json`) and did not finish (no
    `metrics.json`) is resumed when the settings are the same: from its last finished
    epoch if one was saved, else from the start.

    Raises:
        FileExistsError: If the folder is a file, holds a finished run, holds another
            run's or other files, or holds a run with other settings.
    """
    if not config.output.output_dir:
        return False
    path = pathlib.Path(config.output.output_dir)
    run_file = path / RUN_FILE
    if path.is_dir() and run_file.is_file():
        if (path / "metrics.json").exists():
            raise FileExistsError(f"output directory {path} holds a finished run; choose "
                                  "another or remove it")
        try:
            started = json.loads(run_file.read_text())
        except ValueError:
            started = None
        if started != _run_record(config):
            changed = sorted(k for k in _run_record(config)
                             if not started or started.get(k) != _run_record(config)[k])
            raise FileExistsError(
                f"output directory {path} holds an unfinished run with other settings "
                f"({', '.join(changed)}); rerun with its settings to resume it, or choose "
                "another folder")
        return True
    io.check_fresh_dir(path, ignore=(LOCK_FILE,))
    io.check_writable(path)
    return False
