"""`bin/audit`: its flags reach the audit; its outputs."""

import json

import pytest

from keras_redact.jobs import audit


@pytest.mark.slow
def test_off_condition_audit_of_a_conditional_generator(run_bin, tmp_path):
    out = tmp_path / "audit"
    result = run_bin("audit", f"--generator={audit.CONDITIONAL / 'generator.keras'}",
                     "--off_condition", "--starts=8", "--steps=1", "--revival_epochs=1",
                     "--omega_counts=0", f"--output_dir={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((out / "audit.json").read_text())
    # --off_condition without --labels: Omega is the off-condition samples alone.
    assert figures["off_condition"] and figures["labels"] == [] and figures["conditional"]
    assert figures["starts"] == 8 and figures["steps"] == 1 and figures["revival_epochs"] == 1
    assert list(figures["rows"]["audited"]["revival"]) == ["0"]
    assert "# Audit: off-condition samples" in result.stdout
    assert (out / "audit.md").read_text() in result.stdout


def test_bad_flags_are_one_line(run_bin):
    result = run_bin("audit", "--starts=0")
    assert result.returncode != 0 and "starts must be a positive integer" in result.stderr
    assert "Traceback" not in result.stderr
