"""Spending limits: a call is made only if its worst-case cost still fits under --max-cost."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

from jury.models.request import ModelRequest

log = logging.getLogger(__name__)


@cache
def _rates(model: str) -> tuple[float, float] | None:
    """(input, output) US dollars per token from litellm's offline price map, looked up once."""
    import litellm

    provider, _, name = model.partition("/")
    attempts = [{"model": model}, {"model": name, "custom_llm_provider": provider}] if name else [{"model": model}]
    for kwargs in attempts:
        try:
            info = litellm.get_model_info(**kwargs)
        except Exception:  # litellm raises plain exceptions for unmapped models
            continue
        return float(info.get("input_cost_per_token") or 0.0), float(info.get("output_cost_per_token") or 0.0)
    return None


def price(model: str, prompt_tokens: int, completion_tokens: int, batch: bool = False) -> float | None:
    """US dollars at list price (no cached-token discount), or at the provider's batch price when
    `batch`: litellm's batch_cost_calculator, which reads the map's *_batches rates and charges half
    the list price where the map has none. None when no price is known."""
    if model.startswith("local/"):
        return 0.0
    rates = _rates(model)
    if rates is None:
        return None
    if not batch:
        return prompt_tokens * rates[0] + completion_tokens * rates[1]
    from litellm.cost_calculator import batch_cost_calculator
    from litellm.types.utils import Usage

    usage = Usage(
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
    )
    return sum(batch_cost_calculator(usage=usage, model=model))


def estimate_cost(request: ModelRequest, batch: bool = False) -> float | None:
    """Worst case: the prompt's tokens plus max_tokens of output, at litellm's offline prices
    (batch prices when `batch`). None when litellm knows no price for the model (local models cost 0)."""
    if request.model.startswith("local/"):
        return 0.0
    import litellm

    messages = [{"role": r, "content": c} for r, c in request.messages]
    try:
        prompt_tokens = litellm.token_counter(model=request.model, messages=messages)
    except Exception:  # unknown tokenizer: a rough count is enough for a worst-case estimate
        prompt_tokens = sum(len(c) for _, c in request.messages) // 3 + 8
    return price(request.model, prompt_tokens, request.max_tokens, batch)


@dataclass
class Budget:
    """Reservations make the limit hold under concurrency: in-flight calls count at worst case."""

    max_cost_usd: float | None
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    exhausted: bool = False
    unpriced_models: set[str] = field(default_factory=set)

    def reserve(self, request: ModelRequest, batch: bool = False) -> float | None:
        """The amount reserved, or None when the call must not be made (`batch`: at batch prices)."""
        if self.max_cost_usd is None:
            return 0.0
        if self.exhausted:
            return None
        estimate = estimate_cost(request, batch)
        if estimate is None:
            if request.model not in self.unpriced_models:
                log.warning("no price known for %s: --max-cost cannot limit its calls", request.model)
                self.unpriced_models.add(request.model)
            estimate = 0.0
        if self.spent_usd + self.reserved_usd + estimate > self.max_cost_usd:
            self.exhausted = True
            return None
        self.reserved_usd += estimate
        return estimate

    def settle(self, reserved: float, actual: float) -> None:
        self.reserved_usd -= reserved
        self.spent_usd += actual
