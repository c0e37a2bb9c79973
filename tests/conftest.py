import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# The evaluator's feature cache goes to a fresh folder, not the user's cache (the
# subprocesses of the command-line tests inherit it).
import tempfile  # noqa: E402

os.environ["KERAS_REDACT_CACHE"] = tempfile.mkdtemp(prefix="keras-redact-test-cache-")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)
    yield
