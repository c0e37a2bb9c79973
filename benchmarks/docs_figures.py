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
    """The numbers the package's code sets (numeric literals, not text)."""
    found = set()
    for path in (ROOT / "keras_redact").rglob("*.py"):
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
            if "." in token or "e" in token or unit is not None:
                yield number, token


def recipe_texts() -> str:
    """The recipes' descriptions (their string literals), one per line."""
    tree = ast.parse(RECIPES.read_text())
    return "\n".join(node.value.replace("\n", " ") for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))


def unrecorded(forms: set[str] | None = None) -> list[str]:
    """`file:line: figure` for each figure that no record holds."""
    forms = known_forms() if forms is None else forms
    missing = []
    sources = [(p.relative_to(ROOT), p.read_text()) for p in DOCS]
    sources.append((RECIPES.relative_to(ROOT), recipe_texts()))
    for name, text in sources:
        for line, token in figures_in(text):
            if _normal(token) not in forms:
                missing.append(f"{name}:{line}: {token}")
    return missing


# ---------------------------------------------------------------------------- tables

def _e(v, places=1):
    mantissa, exponent = f"{v:.{places}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


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
    return "\n".join(lines) + "\n"


TABLES = {
    "judge-methods": table_judge_methods,
}
"""How each table is rendered: `NAME -> markdown`, from the records."""


def render(text: str) -> str:
    """`text` with each table block rendered afresh from its record.

    Raises:
        KeyError: For a block whose name `TABLES` does not know.
    """
    def fill(match):
        head, name, _, tail = match.groups()
        if name not in TABLES:
            raise KeyError(f"no table named {name!r}; known: {sorted(TABLES)}")
        return head + TABLES[name]() + tail

    return BLOCK.sub(fill, text)


def stale() -> list[str]:
    """The files whose tables differ from what their records render."""
    return [str(p.relative_to(ROOT)) for p in DOCS if render(p.read_text()) != p.read_text()]


def main(argv) -> int:
    if "--check" in argv:
        problems = [f"{name}: a table differs from its record (edited by hand?)"
                    for name in stale()]
        problems += [f"{where}: no record holds this figure" for where in unrecorded()]
        print("\n".join(problems) or "Every figure has its record.")
        return 1 if problems else 0
    for path in DOCS:
        text = path.read_text()
        if render(text) != text:
            path.write_text(render(text))
            print(f"Rendered {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
