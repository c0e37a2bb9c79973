import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_command(name, *args):
    """Runs `bin/<name> args...` in a subprocess with this checkout on the path."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(ROOT / "bin" / name), *args],
                          capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="package")
def run_bin():
    """`run_command` as a fixture."""
    return run_command
