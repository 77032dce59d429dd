"""The real embedded models, in-process through litellm: few and small (3 items)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from jury import cli

from .helpers import read_run
from .local_reference import p_yes_by_hand

pytestmark = pytest.mark.local_models


@pytest.fixture(scope="module")
def smollm():
    from jury.models.local.provider import engine_for

    return engine_for("smollm2-135m-instruct")


def test_prefix_reuse_gives_the_same_logits_as_a_fresh_evaluation(smollm):
    shared = "Decide whether the answer is correct.\nQuestion: What is 2+2?\nAnswer: "
    smollm.complete([{"role": "user", "content": shared + "5\nCorrect:"}], max_tokens=1)
    reused = smollm.complete([{"role": "user", "content": shared + "4\nCorrect:"}], max_tokens=1, top_logprobs=5)
    assert reused.reused_prefix_tokens >= smollm.chunk
    smollm.forget()  # force a full evaluation of the same prompt
    fresh = smollm.complete([{"role": "user", "content": shared + "4\nCorrect:"}], max_tokens=1, top_logprobs=5)
    assert fresh.reused_prefix_tokens == 0
    assert reused.logprobs == fresh.logprobs  # bit-identical (tests/test_local_determinism.py has more)


def test_local_model_through_litellm_returns_text_usage_and_logprobs():
    from jury.models.litellm_call import import_litellm

    litellm = import_litellm()
    response = litellm.completion(
        model="local/smollm2-135m-instruct",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=12,
        temperature=0,
        logprobs=True,
        top_logprobs=3,
    )
    text = response.choices[0].message.content
    assert text.strip()
    assert response.usage.completion_tokens <= 12 and response.usage.prompt_tokens > 5
    top = response.choices[0].logprobs.content[0].top_logprobs
    assert len(top) == 3 and all(t.logprob <= 0 for t in top)
    assert top[0].logprob >= top[1].logprob >= top[2].logprob
    # greedy decoding is deterministic: the first generated token is the most likely one
    assert response.choices[0].logprobs.content[0].token == top[0].token


def test_demo_run_on_three_items_with_the_real_panel(workdir):
    from jury.panel.escape import escape_output
    from jury.paths import builtin_dir

    args = ["run", "--limit", "3"]
    first = CliRunner().invoke(cli.app, args, standalone_mode=False, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    report = next((workdir / "reports").iterdir())
    data = read_run(report)
    assert data["task"]["n_items"] == 3
    assert [j["judge"] for j in data["judges"]] == ["smollm2-135m", "gemma3-270m"]
    assert data["model_calls"] == 3 + 2 * 2 * 3  # 3 generations, 2 judges x 2 outputs x 3 items
    rows = [json.loads(line) for line in (report / "judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 6

    # every score, verdict and the win rate again, by hand from the task, the answers and llama.cpp
    task = builtin_dir("tasks") / "jury_demo"
    items = [json.loads(line) for line in (task / "jury_demo.jsonl").read_text().splitlines()][:3]
    answers = {
        side: {r["id"]: r["output"] for r in map(json.loads, (report / f"{side}_answers.jsonl").open())}
        for side in ("candidate", "baseline")
    }
    assert answers["baseline"] == {i["id"]: i["baseline"] for i in items}
    assert all(answers["candidate"][i["id"]].strip() for i in items)  # SmolLM2 answered each instruction
    template = (builtin_dir("panels") / "prompts" / "probe_correct.txt").read_text()
    models = {"smollm2-135m": "smollm2-135m-instruct", "gemma3-270m": "gemma3-270m"}
    verdicts: dict[str, list[float]] = {}
    for row in rows:
        item = next(i for i in items if i["id"] == row["unit_id"])
        for side in ("candidate", "baseline"):
            prompt = template.format(question=item["instruction"], reference=item["reference"],
                                     answer=escape_output(answers[side][item["id"]]))  # fmt: skip
            assert row["scores"][side] == pytest.approx(p_yes_by_hand(models[row["judge"]], prompt), abs=1e-5)
        diff = row["scores"]["candidate"] - row["scores"]["baseline"]  # tie_margin 0.02 in panels/local.yaml
        expected = "tie" if abs(diff) <= 0.02 else "candidate" if diff > 0 else "baseline"
        assert row["preference"] == expected, row
        verdicts.setdefault(row["unit_id"], []).append({"candidate": 1.0, "tie": 0.5, "baseline": 0.0}[expected])
    panel = [a if a == b else 0.5 for a, b in verdicts.values()]  # majority of two: a split is a tie (tie_rule)
    by_item = {r["item_id"]: r["panel"] for r in csv.DictReader((report / "items.csv").open())}
    assert [{1.0: "candidate", 0.5: "tie", 0.0: "baseline"}[x] for x in panel] == [by_item[k] for k in verdicts]
    w = data["result"]
    assert (w["n_wins"], w["n_ties"], w["n_losses"]) == (panel.count(1.0), panel.count(0.5), panel.count(0.0))
    assert w["win_rate"] == pytest.approx(sum(panel) / 3)
    assert "win rate" in first.output

    second = CliRunner().invoke(cli.app, args, standalone_mode=False, catch_exceptions=False)
    assert "model calls: 0 made" in second.output
    again = read_run(sorted((workdir / "reports").iterdir())[-1])
    assert again["result"] == data["result"]


QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def _reference_answer_logprobs(engine, messages) -> np.ndarray:
    """llama-cpp-python's own full-logits evaluation (logits_all=True) of the same tokens."""
    import llama_cpp

    from jury.models.local.registry import weights_path

    prefix = engine.llm.tokenize(engine._text_before_answer(messages).encode(), add_bos=True, special=True)
    answer = engine.llm.tokenize(messages[-1]["content"].encode(), add_bos=False)
    tokens = prefix + answer
    ref = llama_cpp.Llama(
        model_path=str(weights_path(engine.spec)), n_ctx=256, n_threads=1, logits_all=True, verbose=False
    )
    ref.eval(tokens)
    logits = ref.scores[: len(tokens)].astype(np.float64)
    positions = np.arange(len(prefix) - 1, len(tokens) - 1)
    rows = logits[positions]
    top = rows.max(axis=1, keepdims=True)
    normaliser = top[:, 0] + np.log(np.exp(rows - top).sum(axis=1))
    return rows[np.arange(len(positions)), [tokens[p + 1] for p in positions]] - normaliser


def test_answer_logprobs_match_a_full_logits_evaluation_with_and_without_prefix_reuse(smollm):
    wrong = [*QUESTION, {"role": "assistant", "content": "The capital of France is Berlin."}]
    right = [*QUESTION, {"role": "assistant", "content": "The capital of France is Paris."}]
    smollm.forget()
    fresh = smollm.score_final_message(right)
    assert fresh.reused_prefix_tokens == 0 and fresh.answer_start + len(fresh.token_ids) == fresh.prompt_tokens
    smollm.score_final_message(wrong)
    reused = smollm.score_final_message(right)  # the question's whole chunks come from the KV cache
    assert reused.reused_prefix_tokens == (reused.answer_start - 1) // smollm.chunk * smollm.chunk > 0
    assert reused.logprobs == fresh.logprobs
    reference = _reference_answer_logprobs(smollm, right)
    np.testing.assert_allclose(fresh.logprobs, reference, atol=1e-3)
    assert "".join(fresh.pieces) == " ".join(["The", "capital", "of", "France", "is", "Paris."])
    assert sum(reused.logprobs) > sum(smollm.score_final_message(wrong).logprobs)  # it knows Paris
    # generation after scoring reuses the KV state the scoring left, with the same result as afresh
    after = smollm.complete(QUESTION, max_tokens=1, top_logprobs=3)  # the scored prompt, left open
    assert after.reused_prefix_tokens == (after.prompt_tokens - 1) // smollm.chunk * smollm.chunk > 0
    smollm.forget()
    afresh = smollm.complete(QUESTION, max_tokens=1, top_logprobs=3)
    assert after.logprobs == afresh.logprobs


def test_local_scoring_through_the_client_reads_back_exactly_the_answer_tokens(tmp_path, smollm):
    from jury.models.client import ModelClient
    from jury.models.request import ModelRequest
    from jury.store import CallStore

    answer = "\U0001f600 Paris est belle"  # its first character is split across two tokens
    request = ModelRequest(
        model="local/smollm2-135m-instruct",
        messages=(("user", QUESTION[0]["content"]), ("assistant", answer)),
        max_tokens=1,
        prompt_logprobs=0,
    )
    with ModelClient(CallStore(tmp_path / "cache.sqlite")) as client:
        reply = client.call(request)
    expected = smollm.score_final_message([*QUESTION, {"role": "assistant", "content": answer}])
    assert reply.error is None and reply.text == ""
    assert tuple(reply.answer_logprobs) == expected.logprobs
