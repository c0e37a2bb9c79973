"""absl flags and the runner shared by the `keras_redact.cli` command lines."""

from __future__ import annotations

from absl import app, flags

from keras_redact import distribute


def define_scaling_flags(jit: bool = True) -> dict:
    """Defines `--strategy`, `--mixed_precision` and, with `jit`, `--jit_compile`.

    Args:
        jit: Define `--jit_compile` too (`bin/redact` leaves XLA to its recipe).

    Returns:
        The flag holders by config field name; `scaling_values(holders)` reads them.
    """
    holders = {
        "strategy": flags.DEFINE_enum(
            "strategy", "default", list(distribute.STRATEGIES),
            "tf.distribute strategy: default (one device), mirrored (all local GPUs), "
            "multi_worker (machines listed in TF_CONFIG; see docs/scaling.md) or tpu. "
            "The batch is the global batch and must split evenly over the replicas."),
        "mixed_precision": flags.DEFINE_enum(
            "mixed_precision", "float32", list(distribute.PRECISIONS),
            "Keras dtype policy; mixed_float16 adds loss scaling. Outputs stay float32."),
    }
    if jit:
        holders["jit_compile"] = flags.DEFINE_bool("jit_compile", True,
                                                   "Compile the train step with XLA.")
    return holders


def scaling_values(holders: dict) -> dict:
    """The values of the flags made by `define_scaling_flags`."""
    return {name: holder.value for name, holder in holders.items()}


def define_condition_flags(what: str) -> dict:
    """Defines `--off_condition` and `--conditions`, for conditional generators.

    Args:
        what: What the command does with them ("redact" or "measure"), for the help.

    Returns:
        The flag holders by config field name; `condition_values(holders)` reads them.
    """
    return {
        "off_condition": flags.DEFINE_bool(
            "off_condition", False, f"Conditional GANs: {what} off-condition samples, the "
            "pairs (x, y) whose x the label classifier does not call a y."),
        "conditions": flags.DEFINE_list(
            "conditions", None, "Conditional GANs: the conditions --labels applies to "
            "(default: every condition)."),
    }


def condition_values(holders: dict) -> dict:
    """The values of the flags made by `define_condition_flags`, as config fields."""
    return {"off_condition": holders["off_condition"].value,
            "conditions": parse_list(holders["conditions"].value, "conditions")}


def parse_list(values, flag: str, kind: type = int):
    """The value of a list flag as a tuple of `kind`, int or float (`None` stays `None`).

    Raises:
        ValueError: If a value is not one (one line, without the usage text).
    """
    if values is None:
        return None
    try:
        return tuple(kind(v) for v in values)
    except ValueError:
        what = "integers" if kind is int else "numbers"
        raise ValueError(f"--{flag} must be {what}; received {','.join(values)}") from None


def parse_labels(values):
    """The value of a `--labels` list flag as a sorted tuple of distinct ints (`None`
    stays `None`): `--labels=3,0,3` is `(0, 3)`."""
    labels = parse_list(values, "labels")
    return None if labels is None else tuple(sorted(set(labels)))


def run(main, command: str) -> None:
    """`absl.app.run(main)`, with the errors a user can fix printed as one line.

    `command` names the `keras_redact.cli` module that defines `main` and its
    flags: `--help` prints its docstring and its flags (absl looks for both in
    `__main__`, which is `bin/<name>` or a console-script wrapper).

    A `ValueError`, `FileExistsError`, `FileNotFoundError` or `PermissionError` (bad
    flags, data, models or output folders) prints `error: <message>` to stderr and exits
    with status 2, instead of a traceback; other exceptions keep their traceback. Python
    logging shows warnings and errors only (TensorFlow's SavedModel writer logs a dozen
    INFO lines per export); `--verbosity=0` brings INFO back.
    """
    import logging
    import sys

    from absl import logging as absl_logging

    # absl formats the usage text with %, filling each %s with the program's name.
    sys.modules["__main__"].__doc__ = sys.modules[command].__doc__.replace("%", "%%")
    for module in (command, __name__):  # and the shared flags defined here
        for flag in flags.FLAGS.get_key_flags_for_module(module):
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)

    def guarded(argv):
        if not flags.FLAGS["verbosity"].present:
            absl_logging.set_verbosity(absl_logging.WARNING)
            logging.getLogger("tensorflow").setLevel(logging.WARNING)
        try:
            return main(argv)
        except (ValueError, FileExistsError, FileNotFoundError, PermissionError) as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    app.run(guarded)
