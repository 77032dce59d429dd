"""One local GGUF model held in-process by llama.cpp.

Decoding is done here, token by token from the last position's logits, so that
log-probabilities come for free: llama.cpp's own `logits_all` mode, which its
completion API needs for logprobs, is 9x slower for Gemma's 262k vocabulary.
Scoring a given answer (`score_final_message`) asks llama.cpp for logits at the
answer's positions only, for the same reason.
Consecutive prompts that share a prefix (a judge's instructions) reuse the
evaluated KV state of that prefix instead of evaluating it again. llama.cpp's numbers depend on
how the tokens are split into batches (its kernels differ by batch size: Gemma's logits moved by up
to 1.1 with the split point), so every prompt is evaluated in chunks aligned from its first token
and only whole chunks are reused: a reply is a function of its request alone, never of the prompts
evaluated before it.
"""

from __future__ import annotations

import codecs
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from jury.models.local.registry import LocalModelSpec, weights_path

# Tokens per evaluation chunk; measured by benchmarks/local_chunk_size.py.
CHUNK = 16


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    logprobs: tuple[TokenLogprob, ...]
    reused_prefix_tokens: int


@dataclass(frozen=True)
class AnswerScore:
    """The log-probability of each token of a final assistant message given everything before it."""

    prompt_tokens: int  # prefix and answer
    answer_start: int  # index of the answer's first token in the prompt
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...]
    pieces: tuple[str, ...]  # each token's text (see token_texts)
    reused_prefix_tokens: int


def token_texts(token_bytes: list[bytes]) -> tuple[str, ...]:
    """Each token's text; a character whose bytes are split across tokens belongs to the token where it
    starts, so the tokens of any span of text, read from either end, spell it with nothing left over."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pieces = [""] * len(token_bytes)
    owner = 0
    for index, data in enumerate(token_bytes):
        for byte in data:
            if not decoder.getstate()[0]:  # nothing pending: this byte starts a character
                owner = index
            pieces[owner] += decoder.decode(bytes([byte]))
    if pieces:
        pieces[owner] += decoder.decode(b"", final=True)
    return tuple(pieces)


def reusable_prefix(cached: Sequence[int], tokens: Sequence[int], limit: int, chunk: int) -> int:
    """How many leading tokens of `tokens` to take from the KV cache: the whole aligned chunks of
    `cached` (tokens evaluated chunk by chunk from position 0) that `tokens` begins with, ending at
    or before `limit` (the first position whose logits are needed, which must be evaluated)."""
    if chunk < 1:
        raise ValueError(f"chunk must be positive, got {chunk}")
    common = 0
    for old, new in zip(cached, tokens[:limit], strict=False):
        if old != new:
            break
        common += 1
    return common - common % chunk


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


class LlamaEngine:
    """Thread-safe: llama.cpp contexts are not, and two models at once on 2 cores collapse
    throughput, so every call holds the process-wide lock."""

    _global_lock = threading.Lock()

    def __init__(self, spec: LocalModelSpec, n_threads: int | None = None, chunk: int = CHUNK) -> None:
        path = str(weights_path(spec))  # first: without the 'local' extra it says which install line is missing
        import llama_cpp
        from llama_cpp._utils import suppress_stdout_stderr

        self.spec = spec
        self._llama_cpp = llama_cpp
        with suppress_stdout_stderr(disable=False):  # llama.cpp prints cache notes even when not verbose
            # llama-cpp-python defaults to half the cores; one model at a time should use them all
            threads = n_threads or int(os.environ.get("JURY_LOCAL_THREADS", 0)) or os.cpu_count() or 1
            self.llm = llama_cpp.Llama(
                model_path=path,
                n_ctx=spec.context,
                n_threads=threads,
                n_threads_batch=threads,
                logits_all=False,
                verbose=False,
            )
        if not 0 < chunk <= min(self.llm.n_batch, self.llm.context_params.n_ubatch):
            raise ValueError(f"chunk must be between 1 and the batch size {self.llm.n_batch}, got {chunk}")
        self.chunk = chunk
        self._formatter = self._chat_formatter() if spec.chat_template else None
        self._stop_tokens = {self.llm.token_eos(), *self._turn_end_tokens()}
        self._reusable: list[int] = []  # the whole chunks the KV cache holds, as evaluated from position 0

    def _chat_formatter(self):  # type: ignore[no-untyped-def]
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        meta = self.llm.metadata
        vocab = self.llm._model
        bos = vocab.token_get_text(self.llm.token_bos()) if self.llm.token_bos() >= 0 else ""
        eos = vocab.token_get_text(self.llm.token_eos()) if self.llm.token_eos() >= 0 else ""
        return Jinja2ChatFormatter(
            template=meta["tokenizer.chat_template"],
            eos_token=eos,
            bos_token=bos,
            add_generation_prompt=True,
        )

    def render(self, messages: list[dict[str, str]]) -> str:
        """Chat models get their own template; base models get the message texts in turn."""
        if self._formatter is not None:
            return self._formatter(messages=messages).prompt
        return "\n\n".join(str(m.get("content", "")) for m in messages)

    def forget(self) -> None:
        """Reuse nothing from the KV cache on the next call (benchmarks time a full evaluation)."""
        self._reusable = []

    def _evaluate(self, tokens: list[int], outputs: range, read: Callable[[int, int], None] | None = None) -> int:
        """Evaluate `tokens` in chunks aligned at multiples of `chunk` from position 0, asking for logits
        at the positions in `outputs` only; `read(position, row)` runs for each of them right after its
        chunk (the row is valid until the next chunk). Whole chunks the KV cache holds from an earlier
        prompt are reused, each having been computed as it would be now. Returns how many tokens were
        reused."""
        llm, size = self.llm, self.chunk
        start = reusable_prefix(self._reusable, tokens, min(outputs.start, len(tokens) - 1), size)
        llm.n_tokens = start
        llm._ctx.kv_cache_seq_rm(-1, start, -1)
        self._reusable = tokens[:start]
        for begin in range(start, len(tokens), size):
            chunk = tokens[begin : begin + size]
            llm._batch.set_batch(batch=chunk, n_past=begin, logits_all=False)
            wanted = [i for i in range(len(chunk)) if begin + i in outputs]
            for i in range(len(chunk)):
                llm._batch.batch.logits[i] = i in wanted
            llm._ctx.decode(llm._batch)
            llm.input_ids[begin : begin + len(chunk)] = chunk
            llm.n_tokens = begin + len(chunk)
            if len(chunk) == size:
                self._reusable = tokens[: begin + size]
            for i in wanted:
                if read is not None:
                    read(begin + i, i)
        return start

    def _logits(self, row: int = -1) -> np.ndarray:
        """A copy of the logits of one output row of the last chunk evaluated (-1: its last)."""
        ptr = self._llama_cpp.llama_get_logits_ith(self.llm._ctx.ctx, row)
        return np.ctypeslib.as_array(ptr, shape=(self.llm.n_vocab(),)).astype(np.float32)

    def _piece(self, token: int) -> str:
        return self.llm.detokenize([token], special=False).decode("utf-8", errors="replace")

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: list[str] | None = None,
        top_logprobs: int = 0,
    ) -> Completion:
        prompt = self.render(messages)
        with self._global_lock:
            tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            if len(tokens) + max_tokens > self.spec.context:
                max_tokens = max(1, self.spec.context - len(tokens))
            if len(tokens) >= self.spec.context:
                raise ValueError(
                    f"prompt of {len(tokens)} tokens does not fit local/{self.spec.name}'s "
                    f"context of {self.spec.context}"
                )
            reused = self._evaluate(tokens, range(len(tokens) - 1, len(tokens)))
            return self._decode(tokens, reused, max_tokens, temperature, seed, stop or [], top_logprobs)

    def _decode(
        self,
        tokens: list[int],
        reused: int,
        max_tokens: int,
        temperature: float,
        seed: int | None,
        stop: list[str],
        top_logprobs: int,
    ) -> Completion:
        rng = np.random.default_rng(seed)
        out_tokens: list[int] = []
        logprobs: list[TokenLogprob] = []
        text, finish = "", "length"
        for step in range(max_tokens):
            logits = self._logits()
            if temperature > 0:
                probs = np.exp(_log_softmax(logits / temperature))
                token = int(rng.choice(len(probs), p=probs / probs.sum()))
            else:
                token = int(np.argmax(logits))
            if top_logprobs:
                lp = _log_softmax(logits)
                best = np.argpartition(-lp, top_logprobs)[:top_logprobs]
                best = best[np.argsort(-lp[best])]
                top = tuple((self._piece(int(t)), float(lp[t])) for t in best)
                logprobs.append(TokenLogprob(self._piece(token), float(lp[token]), top))
            if token in self._stop_tokens:
                finish = "stop"
                break
            out_tokens.append(token)
            text = self.llm.detokenize(out_tokens).decode("utf-8", errors="replace")
            hit = next((s for s in stop if s and s in text), None)
            if hit is not None:
                text, finish = text[: text.index(hit)], "stop"
                break
            if step == max_tokens - 1:
                break  # the last token's logits are never read: do not pay for its evaluation
            self.llm.eval([token])  # one token at a time, as every time; never reused (not a whole chunk)
        return Completion(
            text=text,
            prompt_tokens=len(tokens),
            completion_tokens=len(out_tokens),
            finish_reason=finish,
            logprobs=tuple(logprobs),
            reused_prefix_tokens=reused,
        )

    def _text_before_answer(self, messages: list[dict[str, str]]) -> str:
        """The prompt up to where the final (assistant) message's text begins: the turn is left open."""
        before = messages[:-1]
        if self._formatter is not None:
            return self._formatter(messages=before).prompt
        return "".join(str(m.get("content", "")) + "\n\n" for m in before)

    def score_final_message(self, messages: list[dict[str, str]]) -> AnswerScore:
        """Log-probabilities of the final message's tokens given the messages before it.

        The answer is tokenized on its own (no special tokens: it is data) and appended to the
        prompt, so its tokens do not depend on what precedes it; logits are computed only where
        they are read, at the position before each answer token."""
        if not messages or messages[-1].get("role") != "assistant":
            raise ValueError("scoring needs the answer as the final, assistant message")
        prefix = self._text_before_answer(messages)
        with self._global_lock:
            head = self.llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True)
            answer = self.llm.tokenize(str(messages[-1].get("content", "")).encode("utf-8"), add_bos=False)
            tokens = head + answer
            if len(tokens) > self.spec.context:
                raise ValueError(
                    f"prompt and answer of {len(tokens)} tokens do not fit local/{self.spec.name}'s "
                    f"context of {self.spec.context}"
                )
            if not answer:
                return AnswerScore(len(head), len(head), (), (), (), 0)
            # the logits at the position before each answer token predict it
            logprobs: list[float] = []
            reused = self._evaluate(
                tokens,
                range(len(head) - 1, len(tokens) - 1),
                lambda position, row: logprobs.append(float(_log_softmax(self._logits(row))[tokens[position + 1]])),
            )
        pieces = token_texts([self.llm.detokenize([t], special=False) for t in answer])
        return AnswerScore(len(tokens), len(head), tuple(answer), tuple(logprobs), pieces, reused)

    def _turn_end_tokens(self) -> set[int]:
        """Chat templates end a turn with a token that is not always the GGUF's EOS."""
        found: set[int] = set()
        for marker in ("<|im_end|>", "<end_of_turn>", "<|eot_id|>"):
            ids = self.llm.tokenize(marker.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                found.add(ids[0])
        return found
