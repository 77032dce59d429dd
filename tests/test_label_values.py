"""Label files keep their values as written: an id of null is refused (not the text "None", not the
row number), and a human label repeated on every judge's row is one label whether it is written 1,
1.0 or "1"; only labels that really differ are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jury.errors import JuryError
from jury.io.labels import load_labels
from jury.io.verdicts import load_verdicts

PAIR = {"question": "2+2?", "answer_a": "4", "answer_b": "5", "human_winner": "a"}


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("value", "got"), [(None, "None"), (1.5, "1.5"), (True, "True"), ({"a": 1}, "{'a': 1}"), ("", "''")]
)
def test_a_labels_id_that_is_not_text_or_an_integer_is_refused(tmp_path, value, got):
    path = _jsonl(tmp_path / "labels.jsonl", [dict(PAIR, id="p1"), dict(PAIR, id=value)])
    with pytest.raises(JuryError) as info:
        load_labels(path)
    assert info.value.one_line() == f"{path}:2: field 'id' must be text or an integer, got {got}"


def test_labels_ids_as_written_or_the_row_number(tmp_path):
    path = _jsonl(tmp_path / "labels.jsonl", [dict(PAIR, id=81), dict(PAIR, id="q2"), PAIR])
    assert [p.item_id for p in load_labels(path)] == ["81", "q2", "3"]
    bad = _jsonl(tmp_path / "bad.jsonl", [dict(PAIR, reference=42)])
    with pytest.raises(JuryError, match=r"bad\.jsonl:1: field 'reference' must be text, got int"):
        load_labels(bad)


def _verdict_rows(labels: list[object]) -> list[dict]:
    """Three judges on one item, each row carrying the item's human label (as an export repeats it)."""
    return [
        {"item_id": "q1", "judge": judge, "verdict": verdict, "human": label}
        for judge, verdict, label in zip(("x", "y", "z"), (1, 0, 1.0), labels, strict=True)
    ] + [{"item_id": "q2", "judge": j, "verdict": 0, "human": 0} for j in ("x", "y", "z")]


@pytest.mark.parametrize("labels", [[1, 1, 1], [1, 1.0, "1"], ["1", 1, 1.0]])
def test_a_human_label_repeated_on_each_judges_row_is_one_label(tmp_path, labels):
    table = load_verdicts(_jsonl(tmp_path / "v.jsonl", _verdict_rows(labels)))
    assert table.human is not None and table.human.tolist() == ["1", "0"]
    # verdicts are the same categories as the labels: 1.0 is the label 1
    assert table.verdicts.loc["q1"].tolist() == ["1", "0", "1"]


def test_two_really_different_human_labels_are_refused(tmp_path):
    path = _jsonl(tmp_path / "v.jsonl", _verdict_rows([1, 1, 2]))
    with pytest.raises(JuryError, match=r"v\.jsonl:3: item 'q1' has two different human labels \('1' and '2'\)"):
        load_verdicts(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"item_id": None, "judge": "x", "verdict": "A"}, r"field 'item_id' must be text or an integer, got None"),
        ({"item_id": "q1", "judge": ["x"], "verdict": "A"}, r"field 'judge' must be text or an integer, got \['x'\]"),
        ({"item_id": "q1", "judge": "x", "verdict": {"w": "A"}}, r"field 'verdict' must be text or a number"),
        ({"item_id": "q1", "judge": "x", "verdict": "A", "human": True}, r"field 'human' must be text or a number"),
    ],
)
def test_verdict_fields_are_not_turned_into_text(tmp_path, row, message):
    with pytest.raises(JuryError, match=r"v\.jsonl:1: " + message):
        load_verdicts(_jsonl(tmp_path / "v.jsonl", [row]))
