"""Comparing finished runs: the library behind `bin/report`.

Reads the `metrics.json` of several `bin/redact` runs and writes their invalidity-per-epoch
curves in one figure (the paper's Fig. 2) and a Markdown table of their figures.
"""

from __future__ import annotations

import json
import pathlib

from keras_redact import io
from keras_redact.evaluation.plots import plot_invalidity


def load_runs(run_dirs) -> dict[str, dict]:
    """`{name: metrics}` of `bin/redact` output folders (name: the folder's name).

    Raises:
        FileNotFoundError: For a folder without `metrics.json`.
        ValueError: For no folders, or two with the same name.
    """
    runs = {}
    for run_dir in run_dirs:
        path = pathlib.Path(run_dir) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"{run_dir} is not a bin/redact output folder: no "
                                    "metrics.json")
        name = pathlib.Path(run_dir).name
        if name in runs:
            raise ValueError(f"Two runs are called {name!r}; give folders with distinct names")
        runs[name] = json.loads(path.read_text())
    if not runs:
        raise ValueError("Give at least one run folder")
    return runs


def markdown_table(runs: dict[str, dict]) -> str:
    """One row a run: method, what was redacted, epochs, invalidity and IS before/after."""
    lines = ["| run | method | redacted | epochs | lam | inv. before | inv. after | "
             "95% upper | IS before | IS after | train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, m in runs.items():
        presets = {k: v for k, v in (m.get("presets") or {}).items() if v is not None}
        what = ", ".join([f"labels {m['labels']}"] if m.get("labels") else []
                         + [f"{k}={v}" for k, v in presets.items()])
        lines.append(
            f"| {name} | {m['method']} | {what} | {m['epochs']} | {m.get('lam')} | "
            f"{m['invalidity_before']:.2e} | {m['invalidity_after']:.2e} | "
            f"{m['invalidity_ci_after'][1]:.1e} | {m['inception_score_before']:.2f} | "
            f"{m['inception_score_after']:.2f} | {m.get('fit_seconds')} |")
    return "\n".join(lines) + "\n"


def report(run_dirs, output_dir) -> dict:
    """Writes `invalidity.png` (all runs' curves) and `report.md`; returns the runs read."""
    runs = load_runs(run_dirs)
    output = pathlib.Path(output_dir)
    io.fresh_dir(output)
    plot_invalidity({n: m["invalidity_per_epoch"] for n, m in runs.items()},
                    output / "invalidity.png")
    text = ("# Redaction runs\n\n" + markdown_table(runs)
            + "\nInvalidity after each epoch (the monitor's samples):\n\n"
            + "![invalidity per epoch](invalidity.png)\n")
    io.write_bytes(output / "report.md", text.encode())
    return runs
