"""bin/report: several runs' invalidity curves in one figure, and their table."""

import json

import pytest

from keras_redact.jobs import report


def _run(folder, method, curve, **extra):
    folder.mkdir(parents=True)
    metrics = {"method": method, "labels": [0], "epochs": len(curve) - 1, "lam": 0.85,
               "presets": {"boundary_margin": None}, "invalidity_before": curve[0],
               "invalidity_after": curve[-1], "invalidity_ci_after": [0.0, curve[-1] * 1.1],
               "inception_score_before": 8.15, "inception_score_after": 7.6,
               "fit_seconds": 12.5, "invalidity_per_epoch": curve, **extra}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_report_of_two_runs(tmp_path, run_bin):
    a = _run(tmp_path / "data8", "data", [0.11, 0.05, 0.02])
    b = _run(tmp_path / "validity8", "validity", [0.11, 0.06, 0.03])
    result = run_bin("report", f"--runs={a},{b}", f"--output_dir={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| data8 | data | labels [0] | 2 | 0.85 | 1.10e-01 | 2.00e-02 |" in result.stdout
    assert "| validity8 | validity |" in result.stdout
    assert (tmp_path / "out" / "invalidity.png").stat().st_size > 1000
    assert "![invalidity per epoch](invalidity.png)" in (tmp_path / "out" / "report.md").read_text()


def test_bad_runs(tmp_path):
    with pytest.raises(FileNotFoundError, match="no metrics.json"):
        report.load_runs([tmp_path])
    with pytest.raises(ValueError, match="at least one run"):
        report.load_runs([])
    _run(tmp_path / "x" / "same", "data", [0.1, 0.05])
    _run(tmp_path / "y" / "same", "data", [0.1, 0.05])
    with pytest.raises(ValueError, match="Two runs are called 'same'"):
        report.load_runs([tmp_path / "x" / "same", tmp_path / "y" / "same"])
