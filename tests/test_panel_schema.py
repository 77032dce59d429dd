"""Panel and board files are read with strict schemas: a value of the wrong type is refused with one line
naming the file, the line and the field path, never coerced ("None", "['a', 'b']", 2.9 -> 2, true -> 1,
a note split into characters) and never a traceback."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from jury import cli
from jury.errors import JuryError
from jury.leaderboard.board import load_board
from jury.panel.spec import load_panel

ROOT = Path(__file__).resolve().parents[1]

PANEL = """\
name: {name}
mode: jury
aggregation:
  rule: majority
  tie_rule: tie
judges:
  - name: first
    model: scripted/first
    family: one
    strategy: pointwise_probe
    prompt: probe.txt
  - name: second
    model: {model}
    family: two
    strategy: pointwise_probe
    prompt: probe.txt
    max_tokens: {max_tokens}
    weight: {weight}
notes: {notes}
"""
GOOD = {"name": "strict", "model": "scripted/second", "max_tokens": 4, "weight": 1, "notes": "[a note]"}


def _panel(tmp_path: Path, **changes: object) -> Path:
    (tmp_path / "probe.txt").write_text("Q: {question}\nA: {answer}\nCorrect:")
    path = tmp_path / "panel.yaml"
    path.write_text(PANEL.format(**{**GOOD, **changes}))
    return path


def test_the_panel_template_loads_as_written(tmp_path):
    panel = load_panel(str(_panel(tmp_path)))
    second = panel.judges[1]
    assert (panel.name, second.model, second.max_tokens, second.weight, panel.notes) == (
        "strict",
        "scripted/second",
        4,
        1.0,
        ("a note",),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # item 9: a traceback today
        ({"max_tokens": "abc"}, r"panel\.yaml:17: judges\[1\]\.max_tokens: expected a whole number, got 'abc'$"),
        # item 10: silent coercions today
        ({"name": "null"}, r"panel\.yaml:1: name: expected text, got null$"),
        ({"model": "[a, b]"}, r"panel\.yaml:13: judges\[1\]\.model: expected text, got a list \['a', 'b'\]$"),
        ({"max_tokens": 2.9}, r"panel\.yaml:17: judges\[1\]\.max_tokens: expected a whole number, got 2\.9$"),
        ({"max_tokens": "true"}, r"panel\.yaml:17: judges\[1\]\.max_tokens: expected a whole number, got true$"),
        ({"max_tokens": 0}, r"panel\.yaml:17: judges\[1\]\.max_tokens: expected a number > 0, got 0$"),
        ({"notes": "hello"}, r"panel\.yaml:19: notes: expected a list, got 'hello'$"),
        ({"weight": "yes"}, r"panel\.yaml:18: judges\[1\]\.weight: expected a number, got true$"),
        ({"weight": ".nan"}, r"panel\.yaml:18: judges\[1\]\.weight: expected a finite number, got nan$"),
        # a quoted number is text: refused, with the way out
        ({"max_tokens": '"16"'}, r"max_tokens: expected a whole number, got '16' \(write the number without quotes\)$"),
        # YAML reads a bare yes as true: a name must be quoted
        ({"name": "yes"}, r"name: expected text, got true \(put it in quotes .*\)$"),
    ],
)
def test_a_wrong_type_is_one_line_naming_file_line_and_field(tmp_path, change, message):
    with pytest.raises(JuryError) as info:
        load_panel(str(_panel(tmp_path, **change)))
    text = info.value.one_line()
    assert re.search(message, text), text
    assert "\n" not in text and str(tmp_path / "panel.yaml") in text


def test_unknown_and_missing_keys_name_their_mapping_and_line(tmp_path):
    path = _panel(tmp_path)
    path.write_text(path.read_text().replace("    max_tokens: 4\n", "    max_token: 4\n"))
    with pytest.raises(
        JuryError, match=r"panel\.yaml:17: judges\[1\]: unknown key 'max_token' \(did you mean 'max_tokens'\?\)"
    ):
        load_panel(str(path))
    path.write_text(path.read_text().replace("    max_token: 4\n", "").replace("    family: two\n", ""))
    with pytest.raises(JuryError, match=r"panel\.yaml:12: judges\[1\]: missing key 'family'$"):
        load_panel(str(path))


def test_several_problems_report_the_first_in_the_file_and_count_the_rest(tmp_path):
    path = _panel(tmp_path, name="null", max_tokens=0)
    with pytest.raises(JuryError, match=r"panel\.yaml:1: name: expected text, got null \(and 1 more\)"):
        load_panel(str(path))


def test_cli_validate_prints_the_one_line_without_a_traceback(tmp_path, capsys, monkeypatch):
    path = _panel(tmp_path, max_tokens="abc")
    monkeypatch.setattr(sys, "argv", ["jury", "validate", str(path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 1 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {path}:17: judges[1].max_tokens: expected a whole number")


def test_every_shipped_panel_still_loads():
    names = sorted(p.stem for p in (ROOT / "panels").glob("*.yaml"))
    assert names == ["local", "local-likelihood", "poll", "single-large"]
    for name in names:
        assert load_panel(str(ROOT / "panels" / f"{name}.yaml")).judges


BOARD = "name: {name}\ntask: {task}\npanel: local\nseed: {seed}\n"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"name": "b", "task": "jury_demo", "seed": "abc"},
            r"board\.yaml:4: seed: expected a whole number, got 'abc'$",
        ),
        ({"name": "null", "task": "jury_demo", "seed": 0}, r"board\.yaml:1: name: expected text, got null$"),
        (
            {"name": "b", "task": "[a]", "seed": 1.5},
            r"board\.yaml:2: task: expected text, got a list \['a'\] \(and 1 more\)$",
        ),
    ],
)
def test_board_yaml_is_read_strictly(tmp_path, values, message):
    (tmp_path / "board.yaml").write_text(BOARD.format(**values))
    with pytest.raises(JuryError) as info:
        load_board(tmp_path)
    assert re.search(message, info.value.one_line()), info.value.one_line()


def test_a_valid_board_yaml_loads(tmp_path):
    (tmp_path / "board.yaml").write_text(BOARD.format(name="b", task="jury_demo", seed=3) + "description:\n")
    board = load_board(tmp_path)
    assert (board.name, board.seed, board.description, board.baseline_outputs) == ("b", 3, "", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: t\n? [a, b]\n: c\n", r"panel\.yaml:2: a list or mapping used as a key \(keys are names\)$"),
        ("name: 2020-13-45\n", r"panel\.yaml:1: not valid YAML \(not a date \(month must be in 1\.\.12\)\)$"),
        (
            "name: t\nmode: jury\naggregation: {rule: majority, tie_rule: tie, yes: 1}\njudges: [{name: a}]\n",
            r"panel\.yaml:3: aggregation: key true is not text \(and 4 more\) \(put the key in quotes\)$",
        ),
    ],
)
def test_yaml_that_python_cannot_hold_as_keys_or_dates_is_one_line(tmp_path, text, message):
    path = tmp_path / "panel.yaml"
    path.write_text(text)
    with pytest.raises(JuryError) as info:
        load_panel(str(path))
    assert re.search(message, info.value.one_line()), info.value.one_line()
