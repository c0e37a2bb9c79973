"""The README's main job, timed phase by phase: `bin/redact` with nothing set.

    python benchmarks/main_job.py [--runs=2] [--record=NAME]

Runs the default job (digit 0, data-based, the recommended recipe, 50,000 samples measured
before and after, exported for TF Serving) `--runs` times in one process, the first with
an empty cache (the "before" measurement is made) and the next with it (the measurement
is read back), and prints each run's job time, its phases from `metrics.json` and the
figures, which must not change between the runs. Runs go to runs/main-<timestamp>/.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import records  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact import io  # noqa: E402
from keras_redact.jobs import redact  # noqa: E402

_RUNS = flags.DEFINE_integer("runs", 2, "Jobs to run, one after another.", lower_bound=1)
FIGURES = ("invalidity_before", "invalidity_after", "inception_score_before",
           "inception_score_after")


def main(argv):
    del argv
    os.environ["KERAS_REDACT_CACHE"] = tempfile.mkdtemp(prefix="keras-redact-bench-cache-")
    runs = []
    for k in range(_RUNS.value):
        with io.claimed_dir("main") as output:
            m = redact.redact(redact.RedactConfig.of(output_dir=str(output), verbose=0))
        run = {"seconds": m["seconds"], "before_cached": m["before_cached"],
               "phases": m["phases"], **{key: m[key] for key in FIGURES}}
        runs.append(run)
        before = "cached" if run["before_cached"] else "measured"
        print(f"run {k + 1}: {m['seconds']} s (before {before}); "
              f"invalidity {m['invalidity_before']:.4g} -> {m['invalidity_after']:.3g}, "
              f"IS {m['inception_score_before']:.3f} -> {m['inception_score_after']:.3f}",
              flush=True)
        print("  phases: " + ", ".join(f"{name} {s} s" for name, s in m["phases"].items()),
              flush=True)
    records.write("bin/redact with nothing set (digit 0, data-based, 8 epochs, 50,000 "
                  "samples before and after, exported), its job time and phases; the "
                  "first run measures the pre-trained G, the next read it from the cache",
                  {"runs": runs})


if __name__ == "__main__":
    app.run(main)
