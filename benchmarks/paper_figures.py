"""The paper's own figures as a record: `benchmarks/results/paper.json`.

    python benchmarks/paper_figures.py --paper=PATH/paper.md

Reads every table of Kong & Chaudhuri, "Data Redaction from Pre-trained GANs" (the
Markdown text of the paper) and its percentages, so the docs may cite the paper's figures
(`docs_figures.py` checks each figure in the docs against the records). Values written
`a \\times 10^{b}` are read as numbers; a row whose heading gives a scale
(`(\\times 10^{-5})`, or a Scale column) has its plain values scaled too.
"""

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCIENTIFIC = re.compile(r"(\d+(?:\.\d+)?)\s*\\times\s*10\^\{?(-?\d+)\}?")
SCALE = re.compile(r"[($]\\times\s*10\^\{(-?\d+)\}[)$]")
PLAIN = re.compile(r"(?<![\w.^{\\])(\d+\.\d+|\d+)(?![\w.}])")


def row_values(line: str) -> list[float]:
    """The numbers of one table row (or sentence), scaled where the row says so."""
    values = [float(a) * 10 ** int(b) for a, b in SCIENTIFIC.findall(line)]
    rest = SCIENTIFIC.sub(" ", SCALE.sub(" ", line))
    plain = [float(v) for v in PLAIN.findall(rest)]
    scale = SCALE.search(line)
    return values + [v * 10 ** int(scale.group(1)) if scale else v for v in plain]


def figures(text: str) -> dict:
    """`{table caption: [values]}` for each table, and `percentages` from the prose."""
    tables, caption = {}, None
    for line in text.splitlines():
        if line.startswith("TABLE "):
            caption = line.split(":", 1)[0]
            tables.setdefault(caption, [])
        elif caption and "\t" in line:
            tables[caption] += row_values(line)
    tables["percentages"] = [float(v) for v in re.findall(r"(\d+(?:\.\d+)?)\s*\\?%", text)]
    return {k: sorted(set(round(v, 12) for v in vs)) for k, vs in tables.items()}


def main(argv) -> int:
    paths = [a.split("=", 1)[1] for a in argv if a.startswith("--paper=")]
    if not paths:
        print(__doc__)
        return 2
    record = {
        "what": "The figures of Kong & Chaudhuri, 'Data Redaction from Pre-trained GANs', "
                "as its tables print them (cited, not measured here)",
        "command": "python benchmarks/paper_figures.py --paper=paper.md",
        "commit": None, "versions": None, "machine": "the paper's (Sec. 5, App. B)",
        "date": None, "figures": figures(pathlib.Path(paths[0]).read_text())}
    out = ROOT / "benchmarks" / "results" / "paper.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"Record: {out} ({sum(len(v) for v in record['figures'].values())} values)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
