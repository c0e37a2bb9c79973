"""Figures from records: every table in the docs is rendered from its record, and every
other figure is a recorded value (`benchmarks/docs_figures.py`)."""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import docs_figures  # noqa: E402
import records  # noqa: E402


def test_every_table_is_what_its_record_renders():
    assert docs_figures.stale() == []


def test_every_figure_in_the_docs_and_recipes_has_a_record():
    assert docs_figures.unrecorded() == []


def test_a_figure_typed_by_hand_is_caught(tmp_path):
    forms = docs_figures.known_forms()
    # A recorded value passes at the precision written; the same figure edited fails.
    judge = docs_figures.load("judge")["figures"]["default_runs"]["data"]
    recorded = docs_figures._e(judge["invalidity_after"])
    text = f"The data method leaves {recorded} zeros; the paper 8.0e-5; 12.5% of 7.77e-3.\n"
    missing = docs_figures.unrecorded([("doc.md", text)], forms)
    assert missing == ["doc.md:1: 7.77e-3"]
    assert docs_figures.unrecorded([("doc.md", "In `code 9.99e-9` and\n```\n7.77e-3\n```\n"
                                     "Python 3.10, TensorFlow 2.21.\n")], forms) == []


def test_a_table_edited_by_hand_is_caught():
    path = docs_figures.ROOT / "docs" / "own_models.md"
    text = path.read_text()
    assert "<!-- figures: batch-norm -->" in text
    assert docs_figures.render(text) == text
    start = text.index("<!-- figures: batch-norm -->")
    edited = text[:start] + text[start:].replace("0.116", "0.117", 1)
    assert docs_figures.render(edited) != edited
    assert docs_figures.render(edited) == text


def test_written_forms_of_a_value():
    forms = set(docs_figures._forms(0.10766))
    assert {"10.8", "0.108", "1.1e-1", "1.08e-1", "11"} <= forms
    assert "10.7" not in forms and "1.07e-1" not in forms


def test_every_record_says_how_where_and_when_it_was_measured():
    for path in sorted(docs_figures.RESULTS.glob("*.json")):
        record = json.loads(path.read_text())
        assert set(records.PROVENANCE) | {"what", "figures"} <= set(record), path.name
        assert record["command"] and record["machine"], path.name


def test_a_record_is_written_with_its_provenance(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "RESULTS", tmp_path)
    path = records.write("a test figure", {"value": 0.5}, name="probe")
    record = json.loads(path.read_text())
    assert record["figures"] == {"value": 0.5} and record["what"] == "a test figure"
    assert record["versions"]["python"] and "cores" in record["machine"]
    assert record["command"].startswith("python ")
