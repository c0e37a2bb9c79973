"""The docs' figures from the records: renders the tables, checks every other figure.

    python benchmarks/docs_figures.py           # rewrite the tables in README.md and docs/
    python benchmarks/docs_figures.py --check   # list what differs or has no record; exit 1

A table of figures sits in the Markdown between `<!-- figures: NAME -->` and
`<!-- /figures -->`; `TABLES[NAME]` renders it from a record in `benchmarks/results/`
(written by a benchmark script's `--record`). Every other figure in README.md, docs/ and
the recipes' descriptions (a number with a decimal point or an exponent, a percentage, a
ratio `1.5x`, seconds, img/s) must be a value of some record at the precision written
(`benchmarks/results/*.json`, the shipped models' `*_metrics.json`, and
`benchmarks/results/paper.json` for the paper's own figures), or a number the package's
code sets (a setting such as lam 0.85). A figure typed by hand that no record holds fails
`tests/benchmarks/test_docs_figures.py`.
"""

from __future__ import annotations

import ast
import json
import math
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RECIPES = ROOT / "keras_redact" / "redaction" / "recipes.py"
BLOCK = re.compile(r"(<!-- figures: ([\w.-]+) -->\n)(.*?)(<!-- /figures -->)", re.S)
FIGURE = re.compile(
    r"(?<![\w.\-/=])(\d+(?:,\d{3})*(?:\.\d+)?(?:e-?\d+)?)(%|x\b|(?= ?img/s)|(?= s\b))?")
VERSIONED = re.compile(r"(Python|TensorFlow|TF|Keras|keras|tensorflow|version|v)[ =]?$")
"""A number after these words is a version, not a figure."""
NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|<!--.*?-->|\]\([^)]*\)|https?://\S+", re.S)


# ---------------------------------------------------------------------------- records

def load(name: str) -> dict:
    """The record `benchmarks/results/<name>.json`."""
    return json.loads((RESULTS / f"{name}.json").read_text())


def record_files() -> list[pathlib.Path]:
    """Every record: the benchmarks' and the shipped models' `*_metrics.json`."""
    return [*sorted(RESULTS.glob("*.json")),
            *sorted((ROOT / "keras_redact" / "pretrained").rglob("*metrics.json"))]


def _numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, str):  # figures quoted in a record's text ("3.7 s")
        for match in FIGURE.finditer(value):
            yield float(match.group(1).replace(",", ""))


def code_numbers() -> set[float]:
    """The numbers the package and its tests set (numeric literals, not text): settings
    and the bounds tests assert."""
    found = set()
    for path in [*(ROOT / "keras_redact").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                    and not isinstance(node.value, bool):
                found.add(float(node.value))
    return found


def _forms(v: float):
    """How a value may be written: fixed to 0-4 places, as a percentage, with an exponent."""
    for scale in (1.0, 100.0):
        for places in range(5):
            yield f"{v * scale:.{places}f}"
    for places in range(4):
        mantissa, exponent = f"{v:.{places}e}".split("e")
        yield f"{mantissa}e{int(exponent)}"


def known_forms() -> set[str]:
    """Every written form of every recorded value and every setting of the code."""
    forms = set()
    for path in record_files():
        for v in _numbers(json.loads(path.read_text())):
            forms.update(_forms(v))
    for v in code_numbers():
        forms.update(_forms(v))
    return forms


def _normal(token: str) -> str:
    token = token.replace(",", "")
    if "e" in token:
        mantissa, exponent = token.split("e")
        return f"{mantissa}e{int(exponent)}"
    return token


# ---------------------------------------------------------------------------- figures

def figures_in(text: str):
    """`(line, token)` of each figure in Markdown prose and tables, rendered tables,
    code and links left out."""
    text = BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    text = NOT_PROSE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for number, line in enumerate(text.splitlines(), 1):
        for match in FIGURE.finditer(line):
            token, unit = match.group(1), match.group(2)
            if VERSIONED.search(line[:match.start()]):
                continue
            if "." in token or "e" in token or unit is not None:
                yield number, token


def recipe_texts() -> str:
    """The recipes' text (their string literals and comments), each on its line."""
    source = RECIPES.read_text()
    lines = ["" for _ in source.splitlines()]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lines[node.lineno - 1] += " " + node.value.replace("\n", " ")
    for number, line in enumerate(source.splitlines()):
        if "#" in line:
            lines[number] += " " + line.split("#", 1)[1]
    return "\n".join(lines)


def sources() -> list[tuple[str, str]]:
    """`(name, text)` of every text whose figures need records: README, docs, recipes."""
    texts = [(str(p.relative_to(ROOT)), p.read_text()) for p in DOCS]
    return texts + [(str(RECIPES.relative_to(ROOT)), recipe_texts())]


def unrecorded(texts=None, forms: set[str] | None = None) -> list[str]:
    """`file:line: figure` for each figure that no record holds.

    Args:
        texts: `(name, text)` pairs (default: `sources()`).
        forms: The recorded values' written forms (default: `known_forms()`).
    """
    forms = known_forms() if forms is None else forms
    missing = []
    for name, text in sources() if texts is None else texts:
        for line, token in figures_in(text):
            if _normal(token) not in forms:
                missing.append(f"{name}:{line}: {token}")
    return missing


# ---------------------------------------------------------------------------- tables

def _e(v, places=1):
    """`8.0e-4`: a figure with an exponent (`0` for zero)."""
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.{places}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _mean(values):
    return sum(values) / len(values)


def _ratio(run) -> float:
    """A run's Inception Score after, as a share of before."""
    return run["inception_score_after"] / run["inception_score_before"]


def _paper(table: str, value: float) -> float:
    """A figure of the paper's `table`, checked against `paper.json`."""
    if not any(math.isclose(value, v, rel_tol=1e-9) for v in load("paper")["figures"][table]):
        raise ValueError(f"{value} is not in the paper's {table} (benchmarks/results/paper.json)")
    return value


PAPER_AFTER_8 = {"data": 8.0e-5, "validity": 6.4e-5, "classifier": 5.2e-5}
"""The paper's MNIST invalidity after 8 epochs, means of 5 seeds (Table I)."""
PAPER_AFTER_1 = {"data": 4.7e-3, "validity": 5.6e-3, "classifier": 3.9e-3}
"""The paper's MNIST invalidity after 1 epoch, means of 5 seeds (Table XVII)."""


def _by_method(runs) -> dict:
    methods = {}
    for run in runs:
        methods.setdefault(run["method"], []).append(run)
    return methods


def _table(lines, record=None, how: str = "") -> str:
    """The table's lines, then (given the record) the command, `how` and the machine."""
    if record is not None:
        lines = [*lines, "", f"`{record['command']}`{how} on {_machine(record)}."]
    return "\n".join(lines) + "\n"


def _with_interval(run) -> str:
    """`7.2e-4 [5.0e-4, 1.0e-3]`: invalidity after, with its 95% interval."""
    low, high = run["invalidity_ci_after"]
    return f"{_e(run['invalidity_after'])} [{_e(low)}, {_e(high)}]"


def _machine(record) -> str:
    return f"{record['machine']}; commit {record['commit']}, {record['date']}"


def table_targets() -> str:
    """The default recipe, per method: means over the seeds of `redaction_targets`."""
    record = load("redaction_targets")
    figures = record["figures"]
    methods = _by_method(figures["runs"])
    seeds = len(next(iter(methods.values())))
    lines = [f"| `bin/redact --method=M` | zeros before | after 1 epoch | after "
             f"{figures['epochs']} epochs | IS after / before | paper, after 1 / after 8 |",
             "|---|---|---|---|---|---|"]
    for method, runs in methods.items():
        lines.append(
            f"| {method} | {_mean([r['invalidity_before'] for r in runs]):.1%} | "
            f"{_e(_mean([r['invalidity_per_epoch'][1] for r in runs]))} | "
            f"{_e(_mean([r['invalidity_after'] for r in runs]))} | "
            f"{_mean([_ratio(r) for r in runs]):.3f}"
            f" | {_e(_paper('TABLE XVII', PAPER_AFTER_1[method]))} / "
            f"{_e(_paper('TABLE I', PAPER_AFTER_8[method]))} |")
    train = [r["train_seconds"] for r in figures["runs"]]
    lines += ["", f"Means of {seeds} seeds, as the paper reports its figures, "
              f"{figures['eval_samples']:,} samples before and after "
              f"({figures['monitor_samples']:,} after each epoch); {figures['epochs']} epochs "
              "train in "
              f"{min(train) / 60:.1f}-{max(train) / 60:.1f} minutes. Measured by "
              f"`{record['command']}` on {_machine(record)}."]
    return _table(lines)


def table_targets_seeds() -> str:
    """The default recipe, per method and seed (`redaction_targets`)."""
    figures = load("redaction_targets")["figures"]
    lines = ["| method | seed | zeros before | after 1 epoch | after 8 [95% interval] | IS "
             "before -> after | ratio | judge, after | train s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in figures["runs"]:
        judge = (run.get("judge") or {}).get("after")
        lines.append(
            f"| {run['method']} | {run['seed']} | {run['invalidity_before']:.2%} | "
            f"{_e(run['invalidity_per_epoch'][1])} | {_with_interval(run)} | "
            f"{run['inception_score_before']:.2f} -> "
            f"{run['inception_score_after']:.2f} | "
            f"{_ratio(run):.3f} | "
            f"{_e(judge['invalidity']) if judge else '-'} | {run['train_seconds']:.0f} |")
    return _table(lines)


def table_paper_recipe() -> str:
    """`--recipe=paper` on the shipped model (`redaction_targets_paper`)."""
    record = load("redaction_targets_paper")
    lines = ["| method | zeros before | after 1 epoch | after 8 [95% interval] | IS after / "
             "before | train s |", "|---|---|---|---|---|---|"]
    for run in record["figures"]["runs"]:
        lines.append(
            f"| {run['method']} | {run['invalidity_before']:.2%} | "
            f"{_e(run['invalidity_per_epoch'][1])} | {_with_interval(run)} | "
            f"{_ratio(run):.3f} | "
            f"{run['train_seconds']:.0f} |")
    return _table(lines, record, f", seed {record['figures']['runs'][0]['seed']},")


def table_certified() -> str:
    """`--target_invalidity=1e-3` per method (`certified_targets`)."""
    record = load("certified_targets")
    figures = record["figures"]
    lines = ["| method | seed | certified after | bound (invalid / fresh samples) | FID, G / "
             "filter | IS, G / filter | validity queries | train s | job s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in figures["runs"]:
        if not run["certified"]:
            lines.append(f"| {run['method']} | {run['seed']} | not certified | | | | | | |")
            continue
        cert, q = run["certificate"], run["quality_vs_filter"]
        lines.append(
            f"| {run['method']} | {run['seed']} | {run['stopped_at_epoch']} epochs | "
            f"{_e(cert['bound'])} ({cert['invalid']} / {cert['num_samples']:,}) | "
            f"{q['fid']:.1f} / {q['fid_filter']:.1f} | {q['inception_score']:.2f} / "
            f"{q['inception_score_filter']:.2f} | {run['validity_queries'] or '-'} | "
            f"{run['train_seconds']:.0f} | {run['seconds']:.0f} |")
    return _table(lines, record)


def table_xla() -> str:
    """Each step with and without XLA (`xla_speedup`)."""
    record = load("xla_speedup")
    lines = ["| step | images/s with XLA | without | speed-up |", "|---|---|---|---|"]
    for row in record["figures"]["steps"]:
        lines.append(f"| {row['step']} | {row['with_xla']:,.0f} | {row['without']:,.0f} | "
                     f"{row['speedup']:.2f}x |")
    return _table(lines, record)


def table_step_vs_pytorch() -> str:
    """The pre-training step in Keras variants and in PyTorch (`step_vs_pytorch`)."""
    record = load("step_vs_pytorch")
    lines = ["| step | precision | images/s | / PyTorch, same precision |", "|---|---|---|---|"]
    for row in record["figures"]["rows"]:
        ratio = "" if row["over_pytorch"] is None else f"{row['over_pytorch']:.2f}x"
        lines.append(f"| {row['variant']} | {row['precision']} | {row['images_per_s']:,.0f} | "
                     f"{ratio} |")
    return _table(lines, record)


def table_cost() -> str:
    """One redaction job against the pre-training (`redaction_cost_data`)."""
    record = load("redaction_cost_data")
    f = record["figures"]
    return (f"| method | {f['epochs']} epochs, s | pre-training's 100 epochs at their fastest, s "
            "| share as ran | both at their fastest | CPU time |\n|---|---|---|---|---|---|\n"
            f"| {f['method']} | {f['redaction_seconds']:.1f} | "
            f"{f['pretraining_seconds_at_fastest']:.0f} | {f['share_as_ran']:.1%} | "
            f"{f['share_at_fastest']:.1%} | {f['share_cpu']:.1%} |\n\n"
            f"`{record['command']}` on {_machine(record)}.\n")


def table_conditional() -> str:
    """The shipped conditional GAN (`conditional_targets`)."""
    record = load("conditional_targets")
    lines = ["| what | method | seed | invalidity before | after | worst condition after | "
             "IS after / before | conditional accuracy after | train s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in record["figures"]["runs"]:
        per_label = run["invalidity_per_label_after"]
        worst = max(range(len(per_label)), key=lambda y: per_label[y])
        accuracy = run["conditional_accuracy_per_label_after"]
        if run["preset"] == "zeros":  # condition 0 keeps no data to be accurate to
            accuracy = accuracy[1:]
        what = ("off-condition samples" if run["preset"] == "off_condition"
                else "zeros, every condition")
        lines.append(
            f"| {what} | {run['method']} | {run['seed']} | {_e(run['invalidity_before'], 2)} | "
            f"{_e(run['invalidity_after'], 2)} | {_e(per_label[worst])} (label {worst}) | "
            f"{_ratio(run):.3f} | "
            f"{_mean(accuracy):.2%} | {run['train_seconds']:.0f} |")
    return _table(lines, record, f", {record['figures']['eval_samples']:,} samples, "
                                 "conditions uniform,")


def table_batch_norm() -> str:
    """Redaction with and without batch normalisation in D (`batch_norm`)."""
    rows = load("batch_norm")["figures"]["rows"]
    lines = ["| discriminator | Omega's mass before | after redaction |", "|---|---|---|"]
    for batch_norm, name in ((False, "no batch normalisation"),
                             (True, "`BatchNormalization` after the first layer")):
        mine = [r for r in rows if r["batch_norm"] is batch_norm]
        before = ", ".join(f"{r['omega_mass_before']:.3f}" for r in mine)
        after = ", ".join(_e(r["omega_mass_after"]) for r in mine)
        lines.append(f"| {name} | {before} | {after} |")
    return _table(lines)


def table_judge_methods() -> str:
    """The three methods' default runs, counted by the classifier and the judge."""
    runs = load("judge")["figures"]["default_runs"]
    lines = ["| `bin/redact --method=M` | zeros before (classifier / judge) | after, "
             "classifier | after, judge | disagreements after | IS before -> after |",
             "|---|---|---|---|---|---|"]
    for method, run in runs.items():
        before, after = run["judge"]["before"], run["judge"]["after"]
        lines.append(
            f"| {method} | {before['classifier_invalidity']:.2%} / "
            f"{before['invalidity']:.2%} | {_e(after['classifier_invalidity'])} | "
            f"{_e(after['invalidity'])} | {after['disagreements']} | "
            f"{run['inception_score_before']:.2f} -> {run['inception_score_after']:.2f} |")
    return _table(lines)


def table_main_job() -> str:
    """`bin/redact` with nothing set, phase by phase (`main_job`)."""
    record = load("main_job")
    lines = ["| run | before | job s | load | measure before | train: epochs (first) / "
             "per-epoch checks | measure after | write + export | invalidity | IS |",
             "|---|---|---|---|---|---|---|---|---|"]
    for k, run in enumerate(record["figures"]["runs"], 1):
        p = run["phases"]
        lines.append(
            f"| {k} | {'cached' if run['before_cached'] else 'measured'} | "
            f"{run['seconds'] + p.get('write', 0) + p.get('export', 0):.0f} | "
            f"{p['load']:.1f} | {p['measure_before']:.1f} | {p['train_epochs']:.1f} "
            f"({p['train_first_epoch']:.1f}) / {p['train_callbacks']:.1f} | "
            f"{p['measure_after']:.1f} | {p.get('write', 0) + p.get('export', 0):.1f} | "
            f"{run['invalidity_before']:.4f} -> {_e(run['invalidity_after'])} | "
            f"{run['inception_score_before']:.2f} -> {run['inception_score_after']:.2f} |")
    return _table(lines, record)


def table_sequential() -> str:
    """The sequential certification on simulated generators (`sequential_certification`)."""
    record = load("sequential_certification")
    figures = record["figures"]
    lines = ["| invalidity / target | certified | median samples drawn | mean |",
             "|---|---|---|---|"]
    for row in figures["rows"]:
        lines.append(f"| {row['share']:g} | {row['certified']:.1%} | "
                     f"{row['median_samples']:,.0f} | {row['mean_samples']:,} |")
    return _table(lines, record, f" ({figures['runs']} runs a rate, target "
                                 f"{figures['target']:g}, budget {figures['budget']:,})")


def _audit_lines(rows, first) -> list[str]:
    """The audit table's lines: `rows` are `(label, row of audit.json)`."""
    counts = list(first["rows"]["audited"]["revival"])
    lines = ["| generator | latent search: success [95% CI] | median steps | "
             + " | ".join(f"fine-tuning, k={k}: after {first['revival_epochs']} epochs "
                          "(epochs to 10% / 50% of G0's)" for k in counts) + " |",
             "|---|---|---|" + "---|" * len(counts)]
    for label, row in rows:
        search = row["latent_search"]
        low, high = search["rate_ci"]
        cells = [label, f"{search['rate']:.1%} [{low:.1%}, {high:.1%}]",
                 "-" if search["median_steps"] is None else f"{search['median_steps']:g}"]
        for k in counts:
            if isinstance(row["revival"], str):
                cells.append("as G0 (its weights)")
                continue
            run = row["revival"][k]
            to = " / ".join("-" if v is None else str(v) for v in run["epochs_to"].values())
            cells.append(f"{_e(run['curve'][-1])} ({to})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _references(figures) -> list:
    return [("post-hoc filter (kept in place)", figures["rows"]["filter"]),
            ("pre-trained G0", figures["rows"]["pre-trained"])]


def table_audit() -> str:
    """`bin/audit` on the default redaction of each method, with G0 and the filter
    (`audit_data`, `audit_validity`, `audit_classifier`)."""
    found = [load(name) for name in ("audit_data", "audit_validity", "audit_classifier")
             if (RESULTS / f"{name}.json").is_file()]
    first = found[0]["figures"]
    rows = [(f"redacted ({r['figures']['made_by']['method']}, default recipe)",
             r["figures"]["rows"]["audited"]) for r in found]
    lines = _audit_lines(rows + _references(first), first)
    commands = "; ".join(f"`{r['command']}` (commit {r['commit']})" for r in found)
    return "\n".join([*lines, "", f"{commands}: {first['starts']} starts of "
                      f"{first['steps']} steps, G0 makes "
                      f"{first['pre-trained_invalidity']:.1%}; on {found[0]['machine']}, "
                      f"{found[0]['date']}."]) + "\n"


def table_audit_conditional() -> str:
    """`bin/audit --off_condition` on the conditional model's default off-condition
    redaction, with the search's success per condition (`audit_conditional`)."""
    record = load("audit_conditional")
    figures = record["figures"]
    made = figures["made_by"]
    rows = [(f"redacted ({made['method']}, off-condition)", figures["rows"]["audited"])]
    lines = _audit_lines(rows + _references(figures), figures)
    names = {"audited": "redacted", "filter": "filter", "pre-trained": "G0"}
    by = {name: figures["rows"][name]["latent_search"]["by_condition"] for name in names}
    lines += ["", "| condition | " + " | ".join(
        f"search success, {label}" for label in names.values()) + " |",
        "|---|" + "---|" * len(names)]
    for c in sorted(by["audited"], key=int):
        lines.append(f"| {c} | " + " | ".join(
            f"{by[name][c]['rate']:.1%} ({by[name][c]['successes']}/{by[name][c]['starts']})"
            for name in names) + " |")
    return _table(lines, record, f": {figures['starts']} starts of {figures['steps']} steps, "
                  f"G0 makes {figures['pre-trained_invalidity']:.2%} off-condition samples")


def table_audit_remedy() -> str:
    """The search's finds fed into p_Omega against the default redaction, on digit 0 and
    on the conditional model's off-condition samples (`audit_search_feed`,
    `audit_search_feed_conditional` against `audit_data`, `audit_conditional`)."""
    pairs = [("digit 0, data", "audit_data", "audit_search_feed"),
             ("off-condition, validity", "audit_conditional",
              "audit_search_feed_conditional")]
    lines = ["| redaction | search_feed | invalidity after | IS after | latent search: "
             "success [95% CI] | fine-tuning, k=100: after 5 epochs |",
             "|---|---|---|---|---|---|"]
    commands = []
    for what, default, fed in pairs:
        for name in (default, fed):
            if not (RESULTS / f"{name}.json").is_file():
                continue
            record = load(name)
            figures, made = record["figures"], record["figures"]["made_by"]
            search = figures["rows"]["audited"]["latent_search"]
            low, high = search["rate_ci"]
            revival = figures["rows"]["audited"]["revival"].get("100")
            score = made.get("inception_score_after")
            lines.append(
                f"| {what} | {made.get('search_feed') or 0} | "
                f"{_e(made['invalidity_after'])} | "
                f"{'-' if score is None else f'{score:.3f}'} | "
                f"{search['rate']:.1%} [{low:.1%}, {high:.1%}] | "
                f"{'-' if revival is None else _e(revival['curve'][-1])} |")
            commands.append(f"`{record['command']}` (commit {record['commit']})")
    return "\n".join([*lines, "", "; ".join(commands)
                       + f"; on {record['machine']}, {record['date']}."]) + "\n"


TABLES = {
    "targets": table_targets,
    "targets-seeds": table_targets_seeds,
    "paper-recipe": table_paper_recipe,
    "certified": table_certified,
    "xla": table_xla,
    "step-vs-pytorch": table_step_vs_pytorch,
    "cost": table_cost,
    "conditional": table_conditional,
    "batch-norm": table_batch_norm,
    "judge-methods": table_judge_methods,
    "main-job": table_main_job,
    "sequential": table_sequential,
    "audit": table_audit,
    "audit-conditional": table_audit_conditional,
    "audit-remedy": table_audit_remedy,
}
"""How each table is rendered: `NAME -> markdown`, from the records."""


def render(text: str, strict: bool = True) -> str:
    """`text` with each table block rendered afresh from its record.

    Args:
        strict: Raise for a block whose record is missing; else leave it as it is.

    Raises:
        KeyError: For a block whose name `TABLES` does not know.
        FileNotFoundError: For a block whose record is missing (when `strict`).
    """
    def fill(match):
        head, name, body, tail = match.groups()
        if name not in TABLES:
            raise KeyError(f"no table named {name!r}; known: {sorted(TABLES)}")
        try:
            return head + TABLES[name]() + tail
        except FileNotFoundError:
            if strict:
                raise
            print(f"No record yet for the table {name!r}: left as it is")
            return head + body + tail

    return BLOCK.sub(fill, text)


def stale() -> list[str]:
    """What is wrong with the tables: one that differs from what its record renders (an
    edit by hand), or one whose record is missing or unknown."""
    problems = []
    for path in DOCS:
        text = path.read_text()
        try:
            if render(text) != text:
                problems.append(f"{path.relative_to(ROOT)}: a table differs from its "
                                "record (edited by hand?)")
        except (KeyError, FileNotFoundError) as error:
            problems.append(f"{path.relative_to(ROOT)}: {error}")
    return problems


def main(argv) -> int:
    if "--check" in argv:
        problems = stale()
        problems += [f"{where}: no record holds this figure" for where in unrecorded()]
        print("\n".join(problems) or "Every figure has its record.")
        return 1 if problems else 0
    for path in DOCS:
        text = path.read_text()
        rendered = render(text, strict=False)
        if rendered != text:
            path.write_text(rendered)
            print(f"Rendered {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
