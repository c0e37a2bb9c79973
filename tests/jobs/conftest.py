import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def run_bin():
    """Runs `bin/<name> args...` in a subprocess with this checkout on the path."""

    def run(name, *args):
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
        return subprocess.run([sys.executable, str(ROOT / "bin" / name), *args],
                              capture_output=True, text=True, env=env, timeout=900)

    return run
