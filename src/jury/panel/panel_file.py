"""The schema of a panel file, key for key as docs/panels.md lists them.

Strict (jury.io.schema): a wrong type, an unknown key or a missing one is refused with its file, line
and field path; nothing is coerced. What depends on more than one key (a strategy's parsers, the
quorum against the number of judges, unique names) is checked by jury.panel.spec after this.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from jury.io.schema import STRICT, NonNegative, PositiveInt, Text

Mode = Literal["jury", "pool", "escalate"]
Rule = Literal["majority", "weighted", "average", "median", "log_odds"]
TieRule = Literal["tie", "baseline", "candidate"]


class DeploymentEntry(BaseModel):
    model_config = STRICT

    model: Text
    api_base: str | None = None
    api_key_env: str | None = None  # the name of the environment variable, never the key itself


class JudgeEntry(BaseModel):
    model_config = STRICT

    name: Text
    model: Text
    family: Text
    strategy: Text
    prompt: Text  # the template file, relative to the panel file
    parser: Text | None = None  # None: the strategy's default
    weight: NonNegative = 1.0
    max_tokens: PositiveInt | None = None  # None: the strategy's default for the parser
    tie_margin: NonNegative | None = None  # None: the strategy's default
    api_base: str | None = None
    deployments: list[DeploymentEntry] | None = None


class AggregationEntry(BaseModel):
    model_config = STRICT

    rule: Rule
    tie_rule: TieRule
    quorum: PositiveInt = 1
    tie_margin: NonNegative = 0.0


class PanelFile(BaseModel):
    model_config = STRICT

    name: Text
    mode: Mode
    aggregation: AggregationEntry
    judges: Annotated[list[JudgeEntry], Field(min_length=1)]
    description: str | None = None
    notes: list[str] | None = None
    seed: int = 0
