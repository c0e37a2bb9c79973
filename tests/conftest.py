import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# The evaluator's feature cache goes to a fresh folder, not the user's cache (the
# subprocesses of the command-line tests inherit it).
import tempfile  # noqa: E402

os.environ["KERAS_REDACT_CACHE"] = tempfile.mkdtemp(prefix="keras-redact-test-cache-")

import pathlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import keras  # noqa: E402
import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)
    yield


def run_command(name, *args):
    """Runs `bin/<name> args...` in a subprocess with this checkout on the path."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(ROOT / "bin" / name), *args],
                          capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def run_bin():
    """`run_command` as a fixture."""
    return run_command
