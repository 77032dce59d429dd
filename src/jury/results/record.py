"""The run log: one versioned, self-describing record of a run, written for every run (finished,
stopped by --max-cost, or interrupted) and read back by `jury report`, `jury compare` and boards.

It holds the inputs that identify the run (`spec`), what was judged (`items`, both sides'
`outputs`) and every `judgment`; votes and statistics are derived again from the judgments when a
run is loaded, so a re-rendered report picks up statistics added since. The results a run printed
are stored beside it for readers of the file, never read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from jury.panel.spec import PanelSpec
from jury.records import Item, Judgment, Output, Usage

RECORD_VERSION = 3
# complete: every planned call was made (or answered from the store); stopped_budget: --max-cost
# stopped it; interrupted: Ctrl-C. The last two hold whatever was judged before the stop.
RunStatus = Literal["complete", "stopped_budget", "interrupted"]
STATUS_MEANS: dict[str, str] = {
    "complete": "complete",
    "stopped_budget": "stopped by --max-cost before every call was made",
    "interrupted": "interrupted before every call was made",
}


@dataclass(frozen=True)
class TaskInfo:
    """What a run's task was; its items are the record's `items`."""

    name: str
    path: str
    format: str
    max_tokens: int
    description: str = ""
    baseline_name: str | None = None


@dataclass(frozen=True)
class RunSpec:
    """Everything that identifies a run's result; call settings (timeouts, retries) are not part of it."""

    task: TaskInfo
    candidate: str  # the model's name as reported: a litellm model string or an imported file's model
    baseline: str
    panel: PanelSpec
    seed: int = 0
    limit: int | None = None
    candidate_outputs: str | None = None  # the imported files, when the answers were not generated
    baseline_outputs: str | None = None
    baseline_model: str | None = None  # the model that generated the baseline's answers (--baseline)
    allow_partial: bool = False
    # items left out because an imported outputs file had no answer for them (--allow-partial)
    dropped_items: tuple[str, ...] = ()
    # judges left out because they are of the candidate's family (--exclude-same-family)
    excluded_same_family: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    status: RunStatus
    spec: RunSpec
    items: tuple[Item, ...]
    outputs: tuple[Output, ...]  # the candidate's answers
    baseline: tuple[Output, ...]  # the baseline's answers
    judgments: tuple[Judgment, ...]
    usage: dict[str, Usage] = field(default_factory=dict)  # per model, this run's calls and stored ones
    model_calls: int = 0
    cached_calls: int = 0
    created_at: str = ""
    jury_version: str = ""
    version: int = RECORD_VERSION
    stop_reason: str | None = None  # why a stopped run stopped (None when complete)
    # the statistics as the run reported them (results.json-style), for readers of the file only
    results: dict[str, Any] | None = None
