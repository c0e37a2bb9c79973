"""absl flags shared by several `bin/` commands."""

from __future__ import annotations

from absl import flags

from keras_redact import distribute


def define_scaling_flags() -> dict:
    """Defines `--strategy`, `--jit_compile` and `--mixed_precision`.

    Returns:
        The flag holders by config field name; `scaling_values(holders)` reads them.
    """
    return {
        "strategy": flags.DEFINE_enum(
            "strategy", "default", list(distribute.STRATEGIES),
            "tf.distribute strategy: default (one device), mirrored (all local GPUs), "
            "multi_worker (machines listed in TF_CONFIG; see docs/scaling.md) or tpu. "
            "--batch_size is the global batch and must split evenly over the replicas."),
        "jit_compile": flags.DEFINE_bool("jit_compile", True,
                                         "Compile the train step with XLA."),
        "mixed_precision": flags.DEFINE_enum(
            "mixed_precision", "float32", list(distribute.PRECISIONS),
            "Keras dtype policy; mixed_float16 adds loss scaling. Outputs stay float32."),
    }


def scaling_values(holders: dict) -> dict:
    """The values of the flags made by `define_scaling_flags`."""
    return {name: holder.value for name, holder in holders.items()}


def run(main) -> None:
    """`absl.app.run(main)`, with the errors a user can fix printed as one line.

    A `ValueError`, `FileExistsError` or `FileNotFoundError` (bad flags, data, models or
    output folders) prints `error: <message>` to stderr and exits with status 2, instead of
    a traceback; other exceptions keep their traceback. Python logging shows warnings and
    errors only (TensorFlow's SavedModel writer logs a dozen INFO lines per export);
    `--verbosity=0` brings INFO back.
    """
    import logging
    import sys

    from absl import app
    from absl import logging as absl_logging

    def guarded(argv):
        if not flags.FLAGS["verbosity"].present:
            absl_logging.set_verbosity(absl_logging.WARNING)
            logging.getLogger("tensorflow").setLevel(logging.WARNING)
        try:
            return main(argv)
        except (ValueError, FileExistsError, FileNotFoundError) as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    app.run(guarded)
