"""TF-GAN's evaluation maths, loaded without TF-GAN's package `__init__`.

Why this module exists: tensorflow-gan 2.1.0 (its last release) imports `tf.estimator` in
its package `__init__`, and `tf.estimator` is gone from TensorFlow >= 2.16, so
`import tensorflow_gan` fails (tensorflow/gan#55). Its module
`tensorflow_gan/python/eval/classifier_metrics.py` needs only TensorFlow, TensorFlow
Probability and the sibling `eval_utils.py`, and works. We load those two files directly,
with placeholder parent packages present only while they load, so that a later
`import tensorflow_gan` behaves exactly as it would have.

If TF-GAN's layout changes, `classifier_metrics()` raises an error that says what it
expected to find.
"""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import sys
import types

_PARENTS = ("tensorflow_gan", "tensorflow_gan.python", "tensorflow_gan.python.eval")
_MODULES = ("eval_utils", "classifier_metrics")
REQUIRED = (
    "classifier_score_from_logits",
    "frechet_classifier_distance_from_activations",
    "kernel_classifier_distance_and_std_from_activations",
)


def _load_file(name: str, path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@functools.cache
def classifier_metrics() -> types.ModuleType:
    """TF-GAN's `tensorflow_gan.python.eval.classifier_metrics` module.

    Raises:
        ImportError: If tensorflow-gan is not installed.
        RuntimeError: If its files or functions are not where TF-GAN 2.1.0 keeps them.
    """
    spec = importlib.util.find_spec("tensorflow_gan")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("tensorflow-gan is not installed: pip install tensorflow-gan")
    eval_dir = pathlib.Path(list(spec.submodule_search_locations)[0]) / "python" / "eval"
    paths = {m: eval_dir / f"{m}.py" for m in _MODULES}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise RuntimeError(
            f"TF-GAN's layout changed: expected {', '.join(missing)} (as in tensorflow-gan "
            "2.1.0). Update keras_redact/evaluation/tfgan.py.")

    names = list(_PARENTS) + [f"{_PARENTS[-1]}.{m}" for m in _MODULES]
    saved = {n: sys.modules.get(n) for n in names}
    try:
        for parent in _PARENTS:
            if parent not in sys.modules:
                stub = types.ModuleType(parent)
                stub.__path__ = []
                sys.modules[parent] = stub
        eval_utils = _load_file(f"{_PARENTS[-1]}.eval_utils", paths["eval_utils"])
        sys.modules[_PARENTS[-1]].eval_utils = eval_utils
        module = _load_file(f"{_PARENTS[-1]}.classifier_metrics", paths["classifier_metrics"])
    finally:
        for n, m in saved.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m
    absent = [f for f in REQUIRED if not hasattr(module, f)]
    if absent:
        raise RuntimeError(f"TF-GAN's classifier_metrics lacks {absent}; its API changed. "
                           "Update keras_redact/evaluation/tfgan.py.")
    return module
