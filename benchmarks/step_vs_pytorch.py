"""The pre-training step against the same step in PyTorch, timed alternately in one run.

    python benchmarks/step_vs_pytorch.py [--rounds=5] [--steps=60] [--threads=2]
        [--variants=xla,xla_spe8,xla_bf16,graph,graph_bf16] [--record=NAME]

The network is the shipped MNIST DCGAN's (`DCGANGenerator` and `DCGANDiscriminator` at
28x28x1, fresh weights: speed does not depend on them), the step the paper's
pre-training step with K_D = K_G = 1 at batch 64: one discriminator update on a real and
a generated batch with the label-smoothed loss of Appendix D (alpha+ = 0.9, alpha- = 0.1),
then one generator update with the non-saturating loss, Adam(2e-4, 0.5, 0.999) each.

The PyTorch side (`torch_step.py`, in a process of its own) is the same network written in
`torch.nn` (same layers, kernel sizes, strides, paddings, batch-norm momentum and epsilon,
LeakyReLU slope), the same losses and optimisers, in eager mode with `--threads` intra-op
threads (TensorFlow gets the same). It is skipped, with a line saying so, when PyTorch is
not installed.

Keras variants (`--variants`):
  xla       `DCGAN.compile(jit_compile=True)`, one step per call: the shipped default.
  xla_spe8  the same with `steps_per_execution=8`: eight steps per compiled call.
  xla_bf16  `mixed_bfloat16` (bfloat16 layers, float32 weights and losses).
  graph     `jit_compile=False`: a plain `tf.function` (TensorFlow's oneDNN kernels).
  graph_bf16  the same in `mixed_bfloat16` (oneDNN's bfloat16 kernels: AMX where the
            CPU has it).
  graph_d, graph_g  the D update alone (K_G = 0) and the G update alone (K_D = 0), each
            against the same half in PyTorch: where the time goes.
PyTorch runs twice, in float32 and under bfloat16 `autocast` (its mixed precision); the
table gives each Keras variant's ratio to PyTorch in the same precision.

Each timing is batch size / the median time between consecutive steps over `--steps`
steps, after a warm-up that compiles; the variants and PyTorch are timed in turn,
`--rounds` times, and the table shows each one's median and its median ratio to PyTorch
over the rounds (alternating cancels this machine's drift).
"""

import os
import pathlib
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import records  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact.models import DCGAN, DCGANDiscriminator, DCGANGenerator  # noqa: E402

_ROUNDS = flags.DEFINE_integer("rounds", 5, "Alternating timings per variant.")
_STEPS = flags.DEFINE_integer("steps", 60, "Timed steps per timing.")
_THREADS = flags.DEFINE_integer("threads", 2, "Intra-op threads, for both frameworks.")
_PYTHON = flags.DEFINE_string("torch_python", sys.executable,
                              "The Python that runs the PyTorch side (PyTorch installed).")
_VARIANTS = flags.DEFINE_list("variants", ["xla", "xla_spe8", "xla_bf16", "graph", "graph_bf16",
                                          "graph_d", "graph_g"],
                              "Keras variants to time (see the module docstring).")

BATCH = 64
LATENT = 128
VARIANTS = {
    "xla": {"jit_compile": True},
    "xla_spe8": {"jit_compile": True, "steps_per_execution": 8},
    "xla_bf16": {"jit_compile": True, "policy": "mixed_bfloat16"},
    "graph": {"jit_compile": False},
    "graph_bf16": {"jit_compile": False, "policy": "mixed_bfloat16"},
    "graph_d": {"jit_compile": False, "part": "d"},
    "graph_g": {"jit_compile": False, "part": "g"},
}


class _Clock(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = [time.perf_counter()]

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def keras_model(variant):
    """The Keras pre-training model of `variant`, compiled, and its steps per call."""
    settings = dict(VARIANTS[variant])
    policy = settings.pop("policy", "float32")
    part = settings.pop("part", "both")
    steps = {"both": (1, 1), "d": (1, 0), "g": (0, 1)}[part]
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        model = DCGAN(DCGANGenerator((28, 28, 1)), DCGANDiscriminator((28, 28, 1)), seed=0)
        model.compile(d_steps=steps[0], g_steps=steps[1], **settings)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    return model, settings.get("steps_per_execution", 1)


def keras_rate(model, per_call, dataset, steps):
    """Images/s: batch x steps per call / median time between consecutive calls."""
    calls = max(steps // per_call, 3)
    clock = _Clock()
    keras.Model.fit(model, dataset, epochs=1, steps_per_epoch=(calls + 2) * per_call,
                    verbose=0, callbacks=[clock], shuffle=False)
    return BATCH * per_call / statistics.median(np.diff(clock.times)[2:])


class TorchSide:
    """The same step in PyTorch, run by `torch_step.py` in a process of its own.

    In one process with TensorFlow, PyTorch's import crashes; a worker process also keeps
    each framework's thread pools to itself. The worker times `steps` steps on request.
    """

    def __init__(self, threads, python, precision, part="both"):
        self.process = subprocess.Popen(
            [python, str(pathlib.Path(__file__).with_name("torch_step.py")), str(threads),
             precision, part],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.version = self._read()

    def _read(self):
        line = self.process.stdout.readline().strip()
        if not line:
            raise RuntimeError("The PyTorch worker (benchmarks/torch_step.py) stopped")
        return line

    def rate(self, steps):
        self.process.stdin.write(f"{steps}\n")
        self.process.stdin.flush()
        return float(self._read())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


TORCH_KINDS = {}
"""PyTorch rows' `(precision, part)` by name, as `torch_name` makes them."""


def kind(variant) -> tuple[str, str]:
    """A Keras variant's precision and part of the step (`both`, `d` or `g`)."""
    settings = VARIANTS[variant]
    precision = "bfloat16" if settings.get("policy") == "mixed_bfloat16" else "float32"
    return precision, settings.get("part", "both")


def torch_name(precision: str, part: str) -> str:
    """The PyTorch row that a Keras variant of `precision` and `part` is compared with."""
    name = f"pytorch_{precision}" + ("" if part == "both" else f"_{part}")
    TORCH_KINDS[name] = (precision, part)
    return name


def torch_available(python) -> bool:
    """Whether `python` runs and imports PyTorch."""
    try:
        return subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0
    except OSError:  # no such Python
        return False


def main(argv):
    del argv
    tf.config.threading.set_intra_op_parallelism_threads(_THREADS.value)
    unknown = sorted(set(_VARIANTS.value) - set(VARIANTS))
    if unknown:
        raise app.UsageError(f"--variants: unknown {unknown}; allowed: {sorted(VARIANTS)}")
    dataset = (tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).uniform(-1, 1, (BATCH * 8, 28, 28, 1)).astype("float32"))
        .repeat().batch(BATCH, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    models = {v: keras_model(v) for v in _VARIANTS.value}
    for model, per_call in models.values():  # compile
        keras.Model.fit(model, dataset, epochs=1, steps_per_epoch=2 * per_call, verbose=0,
                        shuffle=False)
    torch_sides = {}
    if torch_available(_PYTHON.value):
        wanted = {torch_name(*kind(v)): kind(v) for v in [*models, "graph", "graph_bf16"]}
        torch_sides = {name: TorchSide(_THREADS.value, _PYTHON.value, *how)
                       for name, how in wanted.items()}
    else:
        print(f"PyTorch is not installed for {_PYTHON.value}: timing the Keras variants only.")
    rates = {name: [] for name in [*models, *torch_sides]}
    for _ in range(_ROUNDS.value):
        for variant, (model, per_call) in models.items():
            rates[variant].append(keras_rate(model, per_call, dataset, _STEPS.value))
        for name, side in torch_sides.items():
            rates[name].append(side.rate(_STEPS.value))
    for side in torch_sides.values():
        side.close()
    print(f"| step (batch {BATCH}, K_D = K_G = 1, {_THREADS.value} threads) | images/s "
          "(median) | / PyTorch in the same precision (median of rounds) |")
    print("|---|---|---|")
    rows = []
    for name, values in rates.items():
        precision, part = kind(name) if name in VARIANTS else TORCH_KINDS[name]
        reference = rates.get(torch_name(precision, part))
        ratio = (statistics.median(a / b for a, b in zip(values, reference))
                 if reference else None)
        shown = "" if ratio is None else f"{ratio:.2f}x"
        print(f"| {name} | {statistics.median(values):.0f} | {shown} |")
        rows.append({"variant": name, "precision": precision, "part": part,
                     "images_per_s": statistics.median(values), "rounds": values,
                     "over_pytorch": ratio})
    version = next(iter(torch_sides.values())).version if torch_sides else "(absent)"
    records.write(
        f"Images/s of the shipped DCGAN's pre-training step (K_D = K_G = 1, batch {BATCH}) "
        f"in Keras variants and in PyTorch {version} eager (float32 and bfloat16 autocast), "
        f"{_THREADS.value} threads, timed alternately ({_ROUNDS.value} rounds of "
        f"{_STEPS.value} steps, medians)", {"threads": _THREADS.value, "rows": rows})

if __name__ == "__main__":
    app.run(main)
