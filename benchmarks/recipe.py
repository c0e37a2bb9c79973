"""The recipe flag of the benchmark scripts, and one quiet `bin/redact` job with it.

`redaction_targets.py` and `redaction_cost.py` run `bin/redact`'s job (its library) with
a named recipe from `keras_redact.redaction.recipes` (`--recipe`), or, with none named,
the recommended one for the data and method: what `bin/redact` runs with nothing set.
"""

from absl import flags

from keras_redact import io
from keras_redact.jobs import redact
from keras_redact.redaction import recipes

RECIPE = flags.DEFINE_enum("recipe", None, sorted(recipes.RECIPES),
                           "Recipe (keras_redact.redaction.recipes); default: the "
                           "recommended one for the data and method, as bin/redact.")


def run_job(method: str, prefix: str, **config) -> dict:
    """One quiet `bin/redact` job (no export) with `--recipe` for `method`.

    Its folder is a new `runs/<prefix>-<timestamp>`, removed again if the job fails
    before writing to it (a bad setting).

    Args:
        method: `data`, `validity` or `classifier`.
        prefix: The run folder's prefix.
        **config: Further `RedactConfig` fields (epochs, sample counts, seed).

    Returns:
        The job's `metrics.json` figures.
    """
    with io.claimed_dir(prefix) as output:
        return redact.redact(redact.RedactConfig.of(
            method=method, recipe=RECIPE.value, verbose=0, export=False,
            output_dir=str(output), **config))
