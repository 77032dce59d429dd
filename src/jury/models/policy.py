"""How calls are made: concurrency per provider, retries with exponential backoff, timeouts, budget,
and whether judge calls go through providers' batch APIs."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class CallPolicy:
    concurrency: int = 8  # simultaneous requests per remote provider
    local_concurrency: int = 1  # in-process models: two at once on 2 cores collapse throughput
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    timeout_s: float = 120.0  # per request
    max_cost_usd: float | None = None
    # Processes making remote calls (litellm costs ~4 ms of CPU per call, ~200 calls/s per process).
    # None: automatic, several when one batch has hundreds of remote calls; 1: all in this process.
    workers: int | None = None
    # Judge calls of batch-capable providers go through one provider batch per model (jury.models.batch).
    batch: bool = False
    batch_poll_s: float = 30.0  # seconds between two status checks of a submitted batch

    def backoff_s(self, attempt: int) -> float:
        """Exponential with full jitter, so many clients hitting a rate limit spread out."""
        return random.uniform(0.5, 1.0) * min(self.backoff_max_s, self.backoff_base_s * 2**attempt)


def is_retryable(exc: BaseException) -> bool:
    """Rate limits, timeouts, connection failures and 5xx are worth another try; the rest are not.
    The batch endpoints raise the openai SDK's own errors, hence openai.APIConnectionError."""
    import litellm
    import openai

    retryable = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
        openai.APIConnectionError,  # its APITimeoutError too
    )
    if isinstance(exc, retryable):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)
