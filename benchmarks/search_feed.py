"""The remedy for latent search, measured: the search's finds fed into p_Omega.

    python benchmarks/search_feed.py [--starts=200] [--method=data] [--off_condition]
        [--record=NAME]

Runs the default redaction of digit 0 (`bin/redact --method=M`, the recommended recipe)
with `search_feed=--starts` added to the recipe (`redaction.SearchFeed`: after each
epoch a latent search of that many starts on G, its finds added to p_Omega), then audits
the redacted generator as `bin/redact --audit` does (1,000 starts of 100 steps, judged by the
independent judge; fine-tuning revival), and prints and records the redaction's figures
and the audit's. Compare with the audit of the default redaction (`benchmarks/audit.py`):
the remedy helps if the search's success falls at equal invalidity and IS. With
--off_condition: the conditional model's off-condition redaction (its recipe,
`conditional`) and its audit per condition. Runs go to runs/search-feed-<timestamp>/.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import records  # noqa: E402
from absl import app, flags  # noqa: E402

from keras_redact import io  # noqa: E402
from keras_redact.jobs import audit, redact  # noqa: E402
from keras_redact.redaction import recipes  # noqa: E402

_STARTS = flags.DEFINE_integer("starts", 200, "Search starts after each epoch.")
_METHOD = flags.DEFINE_enum("method", "data", ["data", "validity", "classifier"], "Method.")
_OFF_CONDITION = flags.DEFINE_bool("off_condition", False, "The shipped conditional "
                                   "model's off-condition redaction instead of digit 0.")
FIGURES = ("invalidity_before", "invalidity_after", "inception_score_before",
           "inception_score_after", "epochs", "recipe", "search_feed", "search_feed_finds",
           "seconds")


def main(argv):
    del argv
    base = recipes.get("conditional" if _OFF_CONDITION.value else "small_data")
    recipe = recipes.Recipe(
        f"{base.name}_search_feed", f"{base.name} with the latent search's finds in p_Omega",
        common={**base.common, "search_feed": _STARTS.value}, per_method=base.per_method)
    models = ({"generator": str(audit.CONDITIONAL / "generator.keras"),
               "discriminator": str(audit.CONDITIONAL / "discriminator.keras"),
               "off_condition": True} if _OFF_CONDITION.value else {})
    with io.claimed_dir("search-feed") as output:
        # The run audits its own G (`bin/redact --audit`): into output/audit/.
        m = redact.redact(redact.RedactConfig.of(
            method=_METHOD.value, recipe=recipe, output_dir=str(output), export=False,
            audit=True, verbose=0, **models))
    print(f"redaction: invalidity {m['invalidity_before']:.4g} -> "
          f"{m['invalidity_after']:.3g}, IS {m['inception_score_before']:.3f} -> "
          f"{m['inception_score_after']:.3f}; finds each epoch {m['search_feed_finds']}")
    figures = m["audit"]
    print(audit.markdown(figures))
    figures["made_by"] = {"method": _METHOD.value, **{k: m[k] for k in FIGURES}}
    records.write("The default redaction with the latent search's finds fed into p_Omega "
                  "(search_feed), then bin/audit on it", figures)


if __name__ == "__main__":
    app.run(main)
