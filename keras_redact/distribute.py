"""Scaling out: `tf.distribute` strategies, mixed precision and XLA options by name.

The train steps of `DCGAN` and `RedactionGAN` are written to give the same update for the
same global batch whatever the number of replicas (see `GANBase.replica_shard` and
`GANBase.prepare_replicas`); this module turns the command line's names into the objects
that run them.

Example:
    >>> strategy = strategy_from_name("mirrored")
    >>> set_precision("mixed_bfloat16")         # before the models are built or loaded
    >>> with strategy.scope():
    ...     model = RedactionGAN(g, d, omega)
    ...     model.compile(jit_compile=True)
    >>> model.fit(batches(..., batch_size=check_global_batch(64, strategy)), epochs=8)
"""

from __future__ import annotations

import contextlib

import keras
import tensorflow as tf

from keras_redact import checks

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def check_names(strategy: str, precision: str) -> None:
    """Checks a strategy and a precision name without creating anything.

    Raises:
        ValueError: For an unknown name.
    """
    _check_name("strategy", strategy, STRATEGIES)
    _check_name("precision", precision, PRECISIONS)


def _check_name(what: str, name: str, allowed) -> None:
    if name not in allowed:
        raise ValueError(f"Unknown {what} {name!r}; choose one of {', '.join(allowed)}")


def strategy_from_name(name: str) -> tf.distribute.Strategy:
    """The `tf.distribute.Strategy` called `name`.

    Args:
        name: `"default"` (no distribution: one device), `"mirrored"` (every local GPU, or
            the CPU when there is none), `"multi_worker"` (`MultiWorkerMirroredStrategy`,
            configured by the `TF_CONFIG` environment variable; see docs/scaling.md) or
            `"tpu"` (`TPUStrategy` on the TPU this machine can reach).

    Raises:
        ValueError: For an unknown name, or a strategy this machine cannot run (`tpu`
            without a TPU).
    """
    _check_name("strategy", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise ValueError(
            f"--strategy=tpu needs a TPU, and none is reachable from this machine ({error}); "
            f"use one of {', '.join(s for s in STRATEGIES if s != 'tpu')}") from error
    return tf.distribute.TPUStrategy(resolver)


def check_global_batch(batch_size: int, strategy: tf.distribute.Strategy | None = None) -> int:
    """Checks that the global batch splits evenly over the strategy's replicas.

    Each replica takes `batch_size / replicas` samples; the train steps weigh the replicas'
    losses equally, which is exact only for equal shards.

    Returns:
        `batch_size`, unchanged.

    Raises:
        ValueError: If `batch_size` is not a positive multiple of the replica count.
    """
    strategy = strategy or tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    if not checks.is_integer(batch_size) or batch_size % replicas:
        raise ValueError(
            f"The global batch size must be a positive multiple of the {replicas} replicas "
            f"of {type(strategy).__name__}; received {batch_size!r}")
    return int(batch_size)


def set_precision(name: str) -> None:
    """Sets Keras' global dtype policy: `float32`, `mixed_float16` or `mixed_bfloat16`.

    Call it before models are built or loaded: layers take the policy when they are made.
    The keras-redact models keep their outputs (G's images, D's probability, the
    classifier's logits) in float32 whatever the policy, and the GANs wrap their
    optimizers in a `LossScaleOptimizer` under `mixed_float16`.

    Raises:
        ValueError: For an unknown policy name.
    """
    _check_name("precision", name, PRECISIONS)
    keras.config.set_dtype_policy(name)


@contextlib.contextmanager
def precision(name: str):
    """Context manager: Keras' global dtype policy is `name` inside, restored after.

    Raises:
        ValueError: For an unknown policy name.
    """
    previous = keras.config.dtype_policy()
    set_precision(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def walk_layers(model):
    """Every layer of `model` and of the models nested in it, by the public `layers`."""
    for layer in getattr(model, "layers", []):
        yield layer
        yield from walk_layers(layer)


def needs_loss_scaling(*models) -> bool:
    """Whether any layer of the models computes in float16 (and so needs loss scaling)."""
    return any(layer.compute_dtype == "float16"
               for model in models for layer in [model, *walk_layers(model)])
