"""The records behind the docs' figures: one JSON file per benchmark run.

Each benchmark script takes `--record=NAME` and then writes `benchmarks/results/NAME.json`
with what it measured and where: the command, the commit (and whether the tree had
changes), the package versions, the machine and the date, and its figures.
`docs_figures.py` renders the docs' tables from these files and checks every other
figure in the docs against them.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import subprocess
import sys
import time

from absl import flags

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PROVENANCE = ("command", "commit", "versions", "machine", "date")
"""What every record holds besides its figures."""

RECORD = flags.DEFINE_string(
    "record", None, "Also write the figures to benchmarks/results/RECORD.json, with the "
    "command, commit, versions, machine and date (the docs' tables are rendered from it).")


def machine() -> str:
    """The machine in words: CPU model and cores, memory, accelerators."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    except ImportError:
        gpus = []
    return f"{cpu}, {cores} cores, {platform.system()}, " + (
        f"GPUs {gpus}" if gpus else "no GPU")


def versions() -> dict:
    """Python's and the packages' versions that measure."""
    found = {"python": platform.python_version()}
    for name in ("tensorflow", "keras", "numpy", "keras_redact"):
        try:
            found[name] = __import__(name).__version__
        except ImportError:
            found[name] = None
    return found


def commit() -> str:
    """The checked-out commit, with `+changes` when the tree differs from it (records
    under `benchmarks/results/`, which measure nothing, aside)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                  ":(exclude)benchmarks/results")
    return head + ("+changes" if changed else "")


STARTED_ON = commit()
"""The commit the run started on (the code it measured), read when the script starts."""


def command() -> str:
    """The command that is running, as a user would type it."""
    script = pathlib.Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return " ".join(["python", str(script), *sys.argv[1:]])


def write(what: str, figures: dict, name: str | None = None) -> pathlib.Path | None:
    """Writes the record `name` (default: the `--record` flag; neither: nothing).

    Args:
        what: What was measured, in a sentence.
        figures: The figures (JSON-serialisable).
        name: The record's name: `benchmarks/results/<name>.json`.

    Returns:
        The record's path, or None when no record was asked for.
    """
    name = name or RECORD.value
    if not name:
        return None
    record = {"what": what, "command": command(), "commit": STARTED_ON,
              "versions": versions(), "machine": machine(),
              "date": time.strftime("%Y-%m-%d"), "figures": figures}
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"Record: {path}")
    return path
