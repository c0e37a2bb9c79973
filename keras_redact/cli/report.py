"""Compares bin/redact runs: invalidity-per-epoch curves in one figure and a table.

Usage (installed, `bin/report` is `keras-redact-report`):
  bin/report --runs=runs/a,runs/b,runs/c --output_dir=runs/compare

Writes <output_dir>/invalidity.png (the paper's Fig. 2 for the given runs) and report.md,
and prints the table.
"""


from absl import flags

from keras_redact.cli.flags import run

_RUNS = flags.DEFINE_list("runs", None, "bin/redact output folders.", required=True)
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Where invalidity.png and report.md "
                                  "go; must be new or empty.", required=True)


def main(argv):
    del argv
    from keras_redact.jobs import report

    runs = report.report(_RUNS.value, _OUTPUT_DIR.value)
    print(report.markdown_table(runs))


def entry():
    """The `keras-redact-report` console script (and `bin/report`)."""
    run(main, __name__)
