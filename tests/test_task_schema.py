"""The keys of a task YAML that jury reads itself (metadata.jury, generation_kwargs.max_gen_toks) and the
baselines and ids of its documents are typed: a wrong one is one line naming the file, line and field,
never a traceback and never turned into text ("42", "{'a': 1}", "None")."""

from __future__ import annotations

import re

import pytest

from jury.errors import JuryError
from jury.tasks.loader import load_task

from .helpers import ROWS, write_task


def _task(tmp_path, rows=ROWS, change: tuple[str, str] | None = None) -> str:
    path = write_task(tmp_path, rows)
    if change:
        assert change[0] in path.read_text()
        path.write_text(path.read_text().replace(*change))
    return str(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # item 9: a traceback today
        (
            ("max_gen_toks: 32", "max_gen_toks: abc"),
            r"mini\.yaml:12: generation_kwargs\.max_gen_toks: expected a whole number, got 'abc'$",
        ),
        (("max_gen_toks: 32", "max_gen_toks: 2.9"), r"max_gen_toks: expected a whole number, got 2\.9$"),
        (("max_gen_toks: 32", "max_gen_toks: 0"), r"max_gen_toks: expected a number > 0, got 0$"),
        (
            ("    id_field: id", "    id_field: 5"),
            r"mini\.yaml:16: metadata\.jury\.id_field: expected text, got 5 \(put it in quotes",
        ),
        (
            ("    baseline_name: base", "    baseline_name: [a]"),
            r"mini\.yaml:18: metadata\.jury\.baseline_name: expected text, got a list \['a'\]$",
        ),
        (
            ("    baseline_name: base", "    baseline_nam: base"),
            r"mini\.yaml:18: metadata\.jury: unknown key 'baseline_nam' \(did you mean 'baseline_name'\?\)$",
        ),
        (
            ("generation_kwargs:\n  until: []\n  max_gen_toks: 32\n", "generation_kwargs: 5\n"),
            r"generation_kwargs: expected a mapping, got 5$",
        ),
    ],
)
def test_jurys_task_keys_are_typed(tmp_path, change, message):
    with pytest.raises(JuryError) as info:
        load_task(_task(tmp_path, change=change))
    text = info.value.one_line()
    assert re.search(message, text), text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("baseline", "got"),
    [
        (42, "the number 42"),
        ({"a": 1}, "a mapping"),
        ([None], "null in the list"),
        (True, "true"),
        ([1.5], "the number 1.5 in the list"),
    ],
)
def test_a_baseline_that_is_not_text_is_refused_with_its_line(tmp_path, baseline, got):
    rows = [dict(ROWS[0]), dict(ROWS[1], baseline=baseline), *ROWS[2:]]  # 42 among texts: datasets would make it "42"
    with pytest.raises(JuryError) as info:
        load_task(_task(tmp_path, rows))
    assert info.value.one_line() == (
        f"{tmp_path / 'mini.jsonl'}:2: 'baseline' (metadata.jury.baseline_field) must be text or a list of texts, "
        f"got {got} (write the baseline answer as a JSON string)"
    )


def test_an_id_that_is_not_text_or_an_integer_is_refused(tmp_path):
    rows = [dict(row, id=float(n) + 0.5) for n, row in enumerate(ROWS)]
    with pytest.raises(
        JuryError,
        match=r"mini\.yaml: row 1: 'id' \(metadata\.jury\.id_field\) must be text or an integer, got the number 0\.5",
    ):
        load_task(_task(tmp_path, rows))


def test_the_valid_task_still_loads_with_its_keys(tmp_path):
    task = load_task(_task(tmp_path))
    assert (task.max_tokens, task.baseline_name, task.description) == (32, "base", "")
    assert [i.baseline for i in task.items] == [r["baseline"] for r in ROWS]
    integer_ids = load_task(_task(tmp_path / "ints", [dict(row, id=n) for n, row in enumerate(ROWS, start=81)]))
    assert [i.item_id for i in integer_ids.items] == ["81", "82", "83", "84"]
