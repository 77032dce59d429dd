"""Judge prompt files: only the strategy's placeholders are filled; other braces are text. A brace
that str.format would choke on (`{}`, a JSON reply format) reaches the judge as written, and a
placeholder-like mistake is refused in one line naming the prompt file and line, never a traceback
on the first call."""

from __future__ import annotations

from pathlib import Path

import pytest

from jury.errors import JuryError
from jury.panel.spec import load_panel
from jury.panel.strategies import judge_calls
from jury.panel.template import prompt_template
from jury.records import Item

from .helpers import write_panel

ROOT = Path(__file__).resolve().parents[1]
PROBE = frozenset({"question", "answer", "reference"})
ITEM = Item("t", "q1", "What is 1+1?", reference="2")


def _panel_with_prompt(tmp_path: Path, text: str, strategy: str = "pointwise_probe") -> Path:
    path = write_panel(tmp_path, [{"name": "j", "model": "scripted/j", "strategy": strategy}])
    (tmp_path / ("probe.txt" if strategy == "pointwise_probe" else "pairwise.txt")).write_text(text)
    return path


def _sent(path: Path) -> list[str]:
    judge = load_panel(str(path)).judges[0]
    return [c.request.messages[-1][1] for c in judge_calls(judge, "q1", ITEM, "It is 2.", "Three.")]


@pytest.mark.parametrize(
    ("prompt", "sent"),
    [
        ('Q: {question}\nA: {answer}\nReply as JSON: {"correct": true}', 'Reply as JSON: {"correct": true}'),
        ("Q: {question}\nA: {answer}\nReply {} when unsure", "Reply {} when unsure"),
        ("Q: {question}\nA: {answer}\nA lone { brace", "A lone { brace"),
        ('Q: {question}\nA: {answer}\nNested: {"a": {"b": 1}}', 'Nested: {"a": {"b": 1}}'),
        # Python's escapes still work: prompts written for str.format (AlpacaEval, MT-Bench) are unchanged
        ('Q: {question}\nA: {answer}\nJSON: {{"correct": true}}', 'JSON: {"correct": true}'),
    ],
)
def test_literal_braces_reach_the_judge_as_written(tmp_path, prompt, sent):
    messages = _sent(_panel_with_prompt(tmp_path, prompt))
    assert len(messages) == 2 and all(sent in m for m in messages), messages
    assert "What is 1+1?" in messages[0] and "It is 2." in messages[0] and "Three." in messages[1]


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("Q: {question}\n\nA: {answr}", r"probe\.txt:3: unknown placeholder '\{answr\}'"),
        ("Q: {question}\nA: {answer_a}", r"probe\.txt:2: unknown placeholder '\{answer_a\}'"),  # a pairwise field
        ("Q: {{question}}\nA: {answer}", r"probe\.txt:1: '\{\{question\}\}' is the literal text '\{question\}'"),
        ("Q: { question }\nA: {answer}", r"probe\.txt:1: placeholder '\{ question \}' has spaces"),
        ("Q: {question:>20}\nA: {answer}", r"probe\.txt:1: placeholder '\{question:>20\}' has spaces, a format spec"),
        ("Q: {question!r}\nA: {answer}", r"probe\.txt:1: placeholder '\{question!r\}'"),
        ('Q: {question}\nA: {answer}\n{"a": {"b": {"c": 1}}}', r"probe\.txt:3: single literal braces mixed with"),
    ],
)
def test_a_placeholder_like_mistake_is_one_line_naming_the_prompt_file(tmp_path, prompt, message):
    with pytest.raises(JuryError, match=message) as info:
        load_panel(str(_panel_with_prompt(tmp_path, prompt)))
    text = info.value.one_line()
    assert "\n" not in text and "judges[0].prompt" in text and str(tmp_path / "probe.txt") in text


def test_a_valid_str_format_template_is_returned_unchanged():
    """So the requests built from it, and their cache keys, do not move."""
    for path in sorted((ROOT / "panels" / "prompts").glob("*.txt")):
        text = path.read_text()
        fields = {"question", "answer", "answer_a", "answer_b", "reference"}
        assert prompt_template(text, frozenset(fields), str(path)) == text


def test_the_template_fills_like_str_format_and_keeps_other_braces():
    template = prompt_template('{question} {} {"k": 1} { {reference} }', PROBE, "p.txt")
    assert template.format(question="Q", answer="", reference="R") == 'Q {} {"k": 1} { R }'
    assert prompt_template("{question} {{x}} x}}", PROBE, "p.txt").format(question="Q") == "Q {x} x}"
    with pytest.raises(JuryError, match=r"p\.txt:2: single literal braces mixed with \{\{ \}\} escapes"):
        prompt_template("{question} {{x}}\n{}", PROBE, "p.txt")
