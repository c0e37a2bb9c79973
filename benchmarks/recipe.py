"""The redaction-recipe flags of the benchmark scripts, with `bin/redact`'s names.

`redaction_targets.py` and `redaction_cost.py` run `bin/redact`'s job (its library) with
these: `config_kwargs` turns them into `RedactConfig` arguments for one method, `run_job`
runs the job with them.

`--recipe` picks each method's starting values: `paper`, the paper's MNIST base values
(`bin/redact`'s defaults); `targets`, the recipes `docs/benchmarks.md` measured against
issue 3's targets on the shipped MNIST models (`RECIPES`). A recipe flag given on the
command line overrides the recipe's value (`--lam` or `--lam_schedule` replaces both).
"""

from absl import flags

from keras_redact import io
from keras_redact.cli.flags import parse_list
from keras_redact.jobs import PRETRAINED, redact

RECIPES = {
    "paper": {"data": {}, "validity": {}, "classifier": {}},
    "targets": {
        # Session 10: five seeds, mean after 1 epoch 5.7e-3, after 8 8.0e-4, IS 0.902x.
        "data": {"g_steps": 5, "lam": 0.625, "lam_schedule": None,
                 "g_learning_rate": 2.5e-4, "g_ema_momentum": 0.99, "g_ema_start_epochs": 1},
        # Session 11: seven seeds, after 1 epoch 4.8-6.5e-3, after 8 8.3e-4, IS 0.903x.
        "validity": {"g_steps": 5, "lam": None, "lam_schedule": (0.6, 0.65),
                     "g_learning_rate": 2.5e-4,
                     "g_ema_momentum": 0.995, "g_ema_start_epochs": 1,
                     "first_round_queries": 5000},
        # Session 9 (f distilled from the evaluator; XLA is slower for this step on CPU).
        "classifier": {"g_steps": 3, "alpha_minus": 0.0, "guide_omega": False,
                       "g_learning_rate": 4e-4, "g_ema_momentum": 0.99, "tau": 0.95,
                       "jit_compile": False, "redaction_classifier": str(
                           PRETRAINED / "distilled" / "classifier.keras")},
    },
}
"""Each `--recipe`'s values per method, as `RedactConfig` fields (and recipe flag names).
A recipe that sets lam gives both `lam` and `lam_schedule` (one of them `None`)."""

_LAM = ("lam", "lam_schedule")

RECIPE = flags.DEFINE_enum("recipe", "paper", sorted(RECIPES), "Starting values of the "
                           "recipe flags: the paper's base values, or the recipes measured "
                           "against issue 3's targets (docs/benchmarks.md).")

LAM = flags.DEFINE_float("lam", None, "lam (default: the paper's base value).")
LAM_SCHEDULE = flags.DEFINE_list("lam_schedule", None, "lam of epochs 1, 2, ... instead of "
                                 "--lam (the last value holds for the later epochs).")
G_STEPS = flags.DEFINE_integer("g_steps", None, "K_G (default: the paper's base value).")
ALPHA_MINUS = flags.DEFINE_float("alpha_minus", None, "Negative smoothing target (default: "
                                 "the paper's base value).")
G_LR = flags.DEFINE_float("g_learning_rate", 2e-4, "Adam learning rate of G (paper: 2e-4).")
G_EMA = flags.DEFINE_float("g_ema_momentum", 0.0, "Momentum of the moving average of G's "
                           "weights that becomes the redacted G (0: off, the paper).")
G_EMA_WARMUP = flags.DEFINE_bool("g_ema_warmup", True, "Warm the average up "
                                 "(`WarmupEMAAdam`); --nog_ema_warmup: Keras' constant momentum.")
G_EMA_START = flags.DEFINE_integer("g_ema_start_epochs", 0, "Start the warmed-up average "
                                   "after this many epochs (0: from the first update).")
GUIDE_OMEGA = flags.DEFINE_bool("guide_omega", True, "Classifier method: D judges p_Omega "
                                "through guide(D, f) (eq. 6); --noguide_omega: D alone.")
QUERIES = flags.DEFINE_integer("queries_per_round", 1000, "Validity method: T, the samples "
                               "of G queried per round (epoch).")
FIRST_QUERIES = flags.DEFINE_integer("first_round_queries", None, "Validity method: T of "
                                     "the first round only (default: --queries_per_round).")
TAU = flags.DEFINE_float("tau", 0.5, "Classifier method: Omega = {f < tau}.")
REDACTION_CLASSIFIER = flags.DEFINE_string(
    "redaction_classifier", None, "Classifier .keras that describes Omega (v, f) for the "
    "validity and classifier methods (default: the shipped one, which also measures).")
JIT = flags.DEFINE_bool("jit_compile", True, "XLA-compile the redaction step (the "
                        "classifier-based step is faster without on CPU: docs/redaction.md).")


def config_kwargs(method: str) -> dict:
    """`RedactConfig` arguments of the recipe flags for `method` (those it takes).

    The `--recipe`'s values for `method`, then every recipe flag given on the command line.
    """
    given = {
        "method": method, "lam": LAM.value,
        "lam_schedule": parse_list(LAM_SCHEDULE.value, "lam_schedule", float),
        "g_steps": G_STEPS.value,
        "alpha_minus": ALPHA_MINUS.value, "g_learning_rate": G_LR.value,
        "g_ema_momentum": G_EMA.value, "g_ema_warmup": G_EMA_WARMUP.value,
        "g_ema_start_epochs": G_EMA_START.value, "tau": TAU.value,
        "queries_per_round": QUERIES.value,
        "first_round_queries": FIRST_QUERIES.value if method == "validity" else None,
        "jit_compile": JIT.value,
        "guide_omega": GUIDE_OMEGA.value or method != "classifier",
        "redaction_classifier": None if method == "data" else REDACTION_CLASSIFIER.value,
    }
    for name, value in RECIPES[RECIPE.value][method].items():
        # lam and lam_schedule are one setting: a flag for either replaces both.
        if not any(flags.FLAGS[n].present for n in (_LAM if name in _LAM else (name,))):
            given[name] = value
    return given


def run_job(method: str, prefix: str, **config) -> dict:
    """One quiet `bin/redact` job (no export) with the recipe flags for `method`.

    Its folder is a new `runs/<prefix>-<timestamp>`, removed again if the job fails
    before writing to it (a bad flag).

    Args:
        method: `data`, `validity` or `classifier`.
        prefix: The run folder's prefix.
        **config: Further `RedactConfig` fields (epochs, sample counts, seed).

    Returns:
        The job's `metrics.json` figures.
    """
    with io.claimed_dir(prefix) as output:
        return redact.redact(redact.RedactConfig(
            verbose=0, export=False, output_dir=str(output), **config,
            **config_kwargs(method)))
