"""The likelihood strategy with scripted models: requests, the answer's log-probabilities out of
vLLM-shaped prompt logprobs, mean log-probability and PMI verdicts, abstentions, cache identity."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from jury.errors import JuryError
from jury.models.client import ModelClient
from jury.models.local.engine import token_texts
from jury.models.prompt_logprobs import answer_logprobs
from jury.models.request import ModelReply, ModelRequest
from jury.panel.aggregate import calls_per_unit, judge_votes
from jury.panel.spec import load_panel
from jury.panel.strategies.likelihood import NO_PROMPT_LOGPROBS
from jury.panel.units import pair_units
from jury.records import Item, Preference
from jury.store import CallStore
from jury.workflows.judging import judge

from .conftest import Scripted
from .helpers import write_panel

C, B = Preference.CANDIDATE, Preference.BASELINE
TERSE, FLUENT = "2", "The answer is a number."
ITEM = Item("t", "q1", "What is 1+1?")


def _lm(question: str, answer: str) -> float:
    """Per-token log-probability of a toy model: 'The ...' is fluent anywhere; '2' is likely only
    after the question (the unconditional prompt is 'Q:')."""
    fluent = -0.5 if answer.startswith("The") else -2.0
    return fluent + (1.0 if answer == TERSE and question != "Q:" else 0.0)


def _judge(tmp_path, judges, candidate=TERSE, baseline=FLUENT):
    panel = load_panel(str(write_panel(tmp_path / "panel", judges)))
    client = ModelClient(CallStore(tmp_path / "cache.sqlite"))
    try:
        judgments = judge(client, panel, pair_units((ITEM,), {"q1": candidate}, {"q1": baseline}))
        return {j.judge: j for j in judgments}, client.calls_made
    finally:
        client.close()


def test_request_identity_gains_prompt_logprobs_only_when_asked():
    plain = ModelRequest(model="local/x", messages=(("user", "Q"), ("assistant", "A")), max_tokens=1)
    # the key a plain request had before scoring existed: stored replies stay reachable
    assert plain.key() == "c593500f55fcc54f1e71fc224baa6be9c781608573d33e117e77508458cbca52"
    scoring = ModelRequest(model="local/x", messages=plain.messages, max_tokens=1, prompt_logprobs=0)
    assert scoring.canonical()["prompt_logprobs"] == 0
    assert scoring.key() != plain.key()
    assert (
        ModelRequest(model="local/x", messages=plain.messages, max_tokens=1, prompt_logprobs=5).key() != scoring.key()
    )


def test_reply_keeps_answer_logprobs_through_the_store():
    reply = ModelReply("", answer_logprobs=(-0.5, -1.25))
    assert ModelReply.from_json(reply.to_json(), cached=True).answer_logprobs == (-0.5, -1.25)
    assert "answer_logprobs" not in ModelReply("x").to_json()  # other replies are stored as before
    assert ModelReply.from_json(ModelReply("x").to_json(), cached=True).answer_logprobs is None


def _entry(logprob: float, text: str) -> dict:
    return {"17": {"logprob": logprob, "rank": 1, "decoded_token": text}}


def test_answer_logprobs_are_the_trailing_tokens_that_spell_the_answer():
    template = [None, _entry(-9.0, "<|user|>"), _entry(-8.0, "\nHi"), _entry(-7.0, "<|assistant|>\n")]
    answer = [_entry(-0.1, " Paris"), _entry(-0.2, " is"), _entry(-0.3, " lovely"), _entry(-0.4, ".")]
    response = {"prompt_logprobs": template + answer}
    assert answer_logprobs(response, "Paris is lovely.") == (-0.1, -0.2, -0.3, -0.4)
    assert answer_logprobs(response, "  Paris is\nlovely. ") == (-0.1, -0.2, -0.3, -0.4)  # whitespace aside
    assert answer_logprobs(response, "") == ()


def test_a_character_split_across_tokens_belongs_to_the_token_where_it_starts():
    pieces = token_texts([b"\xf0\x9f\x98", b"\x80", b" hi", b" \xc3", b"\xa9"])
    assert pieces == ("\U0001f600", "", " hi", " \u00e9", "")
    entries = [None, _entry(-5.0, "\n")] + [_entry(-float(k), text) for k, text in enumerate(pieces, 1)]
    assert answer_logprobs({"prompt_logprobs": entries}, "\U0001f600 hi \u00e9") == (-1.0, -2.0, -3.0, -4.0, -5.0)


@pytest.mark.parametrize(
    "entries",
    [
        None,  # the provider ignored the parameter
        [None, _entry(-1.0, " Paris"), _entry(-1.0, " is")],  # not what was sent
        [None, None, _entry(-1.0, " lovely")],  # part of the answer not computed
        [None, {"1": {"logprob": -1.0}, "2": {"logprob": -2.0}}],  # alternatives: which one is the token?
    ],
)
def test_answer_logprobs_are_none_when_they_do_not_cover_the_answer(entries):
    assert answer_logprobs({"prompt_logprobs": entries}, "Paris is lovely") is None


def test_likelihood_and_pmi_judges_through_litellm(tmp_path, scripts):
    scripts["lm"] = Scripted(token_logprob=_lm)
    judges = [
        {"name": "mean", "model": "scripted/lm", "strategy": "likelihood"},
        {"name": "pmi", "model": "scripted/lm", "strategy": "likelihood", "parser": "pmi"},
    ]
    by, calls = _judge(tmp_path, judges)
    # the fluent answer is more probable; the terse one is what the question makes probable
    assert by["mean"].preference is B and by["pmi"].preference is C
    assert by["mean"].scores == pytest.approx({"candidate": math.exp(-1.0), "baseline": math.exp(-0.5)})
    assert by["pmi"].scores == pytest.approx({"candidate": 1 / (1 + math.exp(-1.0)), "baseline": 0.5})
    assert by["pmi"].order == "pointwise" and "mean logprob" in by["pmi"].raw
    # the PMI judge's conditional requests are the mean judge's: one call each
    assert calls == 4 == len(scripts["lm"].calls)
    params = scripts["lm"].params[0]
    assert params["prompt_logprobs"] == 0 and params["max_tokens"] == 1
    assert params["continue_final_message"] is True and params["add_generation_prompt"] is False
    # outputs are the assistant's message as they are, and the prompt file's final newline is dropped
    assert set(scripts["lm"].calls) == {TERSE, FLUENT}


def test_likelihood_verdicts_do_not_depend_on_which_output_is_the_candidate(tmp_path, scripts):
    scripts["lm"] = Scripted(token_logprob=_lm)
    judges = [{"name": "pmi", "model": "scripted/lm", "strategy": "likelihood", "parser": "pmi"}]
    forward, _ = _judge(tmp_path / "f", judges)
    swapped, _ = _judge(tmp_path / "s", judges, candidate=FLUENT, baseline=TERSE)
    assert forward["pmi"].preference is C and swapped["pmi"].preference is B
    assert swapped["pmi"].scores["baseline"] == pytest.approx(forward["pmi"].scores["candidate"])


def test_a_provider_without_prompt_logprobs_gives_an_abstention_with_its_reason(tmp_path, scripts):
    scripts["chat"] = Scripted(reply=lambda prompt: "Sure!")  # answers, ignores prompt_logprobs
    by, _ = _judge(tmp_path, [{"name": "j", "model": "scripted/chat", "strategy": "likelihood"}])
    assert by["j"].preference is None
    assert by["j"].abstain_reason == f"candidate: {NO_PROMPT_LOGPROBS}; baseline: {NO_PROMPT_LOGPROBS}"
    (vote,) = judge_votes(by.values())
    assert vote.preference is None and vote.score is None


def test_a_provider_that_rejects_the_parameter_gives_an_abstention_not_a_crash(tmp_path, scripts):
    import litellm

    rejected = litellm.BadRequestError(
        message="Unrecognized request argument: prompt_logprobs", model="x", llm_provider="scripted"
    )
    scripts["strict"] = Scripted(fail_with=rejected)
    by, _ = _judge(tmp_path, [{"name": "j", "model": "scripted/strict", "strategy": "likelihood"}])
    assert by["j"].preference is None
    assert "call failed" in by["j"].abstain_reason and "prompt_logprobs" in by["j"].abstain_reason


def test_an_openai_compatible_server_is_asked_in_vllm_terms_and_read_back(tmp_path):
    """litellm's hosted_vllm route carries the parameters and the response's prompt_logprobs through."""
    bodies: list[dict] = []

    class Server(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            bodies.append(body)
            answer = body["messages"][-1]["content"]
            reply = {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": ""}}],
                "usage": {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5},
                "prompt_logprobs": [None, _entry(-3.0, "<s>user")] + [_entry(-0.5, w) for w in answer.split(" ")],
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request = ModelRequest(
        model="hosted_vllm/judge",
        messages=(("user", "Capital of France?"), ("assistant", "Paris, of course")),
        max_tokens=1,
        prompt_logprobs=0,
        api_base=f"http://127.0.0.1:{server.server_port}/v1",
    )
    try:
        with ModelClient(CallStore(tmp_path / "cache.sqlite")) as client:
            reply = client.call(request)
    finally:
        server.shutdown()
    assert reply.error is None and reply.answer_logprobs == (-0.5, -0.5, -0.5)
    assert bodies[0]["prompt_logprobs"] == 0 and bodies[0]["continue_final_message"] is True


def test_likelihood_panels_are_checked(tmp_path):
    path = write_panel(tmp_path, [{"name": "j", "model": "scripted/x", "strategy": "likelihood", "parser": "pmi"}])
    spec = load_panel(str(path)).judges[0]
    assert (spec.parser, spec.max_tokens, spec.tie_margin, calls_per_unit(spec)) == ("pmi", 1, 0.0, 4)
    (tmp_path / "likelihood.txt").write_text("Q: {question}\nA: {answer}")
    with pytest.raises(JuryError, match=r"unknown placeholder '\{answer\}'"):
        load_panel(str(path))
    path = write_panel(tmp_path, [{"name": "j", "model": "scripted/x", "strategy": "likelihood", "parser": "yes_no"}])
    with pytest.raises(JuryError, match="unknown parser 'yes_no'"):
        load_panel(str(path))
    shipped = load_panel("local-likelihood")
    assert {j.strategy for j in shipped.judges} == {"likelihood"}
