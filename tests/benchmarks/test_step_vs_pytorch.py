"""benchmarks/step_vs_pytorch.py: the Keras rows without PyTorch; the worker's step."""

import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "step_vs_pytorch.py"


@pytest.mark.slow
def test_without_pytorch_it_times_the_keras_steps_and_says_so(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--rounds=1", "--steps=3", "--variants=graph",
         "--torch_python=/nonexistent/python"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "PyTorch is not installed for /nonexistent/python" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("| graph |"))
    assert float(row.split("|")[2]) > 0  # images/s, and no ratio without PyTorch
    assert row.split("|")[3].strip() == ""


def test_unknown_variants_are_refused():
    result = subprocess.run([sys.executable, str(SCRIPT), "--variants=xla,fast"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode != 0 and "--variants: unknown ['fast']" in result.stderr
