"""Panel specs, read from panels/<name>.yaml (strict YAML: a repeated key is an error) and checked key by key.

A panel says how its judges are used: `mode: jury` (every judge votes on every item), `pool` (one
judge per item, drawn from a seed and recorded) or `escalate` (the first two judges vote, the third
is asked only when they disagree). Its `aggregation` names the rule that turns votes into the
panel's verdict and the `quorum` of voting judges below which an item is an abstention.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from jury.errors import JuryError
from jury.io.strict_yaml import load_yaml
from jury.panel.strategies.registry import get_strategy
from jury.paths import resolve_named_file

TIE_RULES = ("tie", "baseline", "candidate")
Mode = Literal["jury", "pool", "escalate"]
MODES: dict[str, str] = {
    "jury": "every judge votes on every item",
    "pool": "one judge, drawn per item from the panel's seed, votes on each item",
    "escalate": "the first two judges vote; the third is asked only when they disagree",
}
Rule = Literal["majority", "weighted", "average", "median", "log_odds"]
RULES: dict[str, str] = {
    "majority": "one judge, one vote",
    "weighted": "majority of the judges' weights",
    "average": "mean of the judges' scores weighted by their `weight` (average pooling)",
    "median": "median of the judges' scores",
    "log_odds": "mean of the judges' log-odds weighted by their `weight` (logarithmic pooling, as calibrated)",
}


@dataclass(frozen=True)
class Deployment:
    """One server of a judge model; a judge with several is called through a litellm Router."""

    model: str  # litellm model string for this deployment, e.g. hosted_vllm/Qwen/Qwen2.5-7B-Instruct
    api_base: str | None = None
    api_key_env: str | None = None  # the name of the environment variable, never the key itself


@dataclass(frozen=True)
class JudgeSpec:
    name: str
    model: str
    strategy: str  # a name in the strategy registry (jury.panel.strategies)
    prompt: str
    prompt_file: str
    family: str
    weight: float = 1.0
    max_tokens: int = 16
    # pointwise strategies: score differences this small (on a 0-1 scale) are a tie
    tie_margin: float = 0.02  # the strategy's default_tie_margin unless the panel file sets it
    api_base: str | None = None  # e.g. a vLLM or llama.cpp server for `openai/<name>` models
    deployments: tuple[Deployment, ...] = ()
    parser: str = ""  # the verdict parser; load_panel fills in the strategy's default


@dataclass(frozen=True)
class PanelSpec:
    name: str
    path: Path
    mode: Mode
    rule: Rule
    tie_rule: str
    judges: tuple[JudgeSpec, ...]
    description: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    quorum: int = 1  # items with fewer voting judges are abstentions (counted in the report)
    # average / median: a pooled score within this distance of ½ is a tie
    score_tie_margin: float = 0.0
    seed: int = 0  # pool mode: which judge is drawn for each item

    def describe_mode(self) -> str:
        return MODES[self.mode]

    def describe_rule(self) -> str:
        return RULES[self.rule]


_PANEL_KEYS = {"name", "description", "mode", "aggregation", "judges", "notes", "seed"}
_AGG_KEYS = {"rule", "tie_rule", "quorum", "tie_margin"}
_JUDGE_KEYS = {
    "name",
    "model",
    "strategy",
    "prompt",
    "family",
    "weight",
    "max_tokens",
    "tie_margin",
    "api_base",
    "deployments",
    "parser",
}
_DEPLOYMENT_KEYS = {"model", "api_base", "api_key_env"}


def _check_keys(data: Any, allowed: set[str], required: set[str], where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise JuryError("expected a mapping", where=where)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise JuryError(f"unknown key '{unknown[0]}'", where=where, fix=f"allowed: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(data))
    if missing:
        raise JuryError(f"missing key '{missing[0]}'", where=where)
    return data


def _choice(value: Any, allowed: Any, what: str, where: str) -> str:
    if value not in allowed:
        raise JuryError(f"unknown {what} '{value}'", where=where, fix=f"one of {', '.join(allowed)}")
    return str(value)


def _number(value: Any, what: str, where: str, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= minimum:
        raise JuryError(f"{what} must be a number >= {minimum:g}, got {value!r}", where=where)
    return float(value)


def _load_prompt(panel_path: Path, rel: str, fields: frozenset[str], strategy: str, where: str) -> str:
    path = (panel_path.parent / rel).resolve()
    if not path.is_file():
        raise JuryError(f"prompt file not found: {path}", where=where)
    text = path.read_text(encoding="utf-8")
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    except ValueError as exc:  # a lone brace: str.format would fail on every call
        raise JuryError(
            f"prompt {rel} is not a valid template ({exc})",
            where=where,
            fix="write {{ and }} for literal braces",
        ) from None
    unknown = used - fields
    if unknown:
        raise JuryError(
            f"prompt {rel} uses unknown placeholder '{{{sorted(unknown)[0]}}}'",
            where=where,
            fix=f"{strategy} prompts may use {sorted(fields)}",
        )
    return text


def _judge(raw: Any, index: int, path: Path) -> JudgeSpec:
    where = f"{path}: judges[{index}]"
    data = _check_keys(raw, _JUDGE_KEYS, {"name", "model", "strategy", "prompt", "family"}, where)
    strategy = get_strategy(str(data["strategy"]), f"{where}.strategy")
    parser = _choice(data.get("parser", strategy.parsers[0]), strategy.parsers, "parser", f"{where}.parser")
    return JudgeSpec(
        name=str(data["name"]),
        model=str(data["model"]),
        strategy=strategy.name,
        prompt=_load_prompt(path, str(data["prompt"]), strategy.fields, strategy.name, f"{where}.prompt"),
        prompt_file=str(data["prompt"]),
        family=str(data["family"]),
        weight=_number(data.get("weight", 1.0), "weight", f"{where}.weight"),
        max_tokens=int(data.get("max_tokens", strategy.default_max_tokens(parser))),
        tie_margin=_number(data.get("tie_margin", strategy.default_tie_margin), "tie_margin", f"{where}.tie_margin"),
        api_base=str(data["api_base"]) if data.get("api_base") else None,
        deployments=_deployments(data.get("deployments") or [], f"{where}.deployments"),
        parser=parser,
    )


def _deployments(raw: Any, where: str) -> tuple[Deployment, ...]:
    if not isinstance(raw, list):
        raise JuryError("expected a list of deployments", where=where)
    out = []
    for i, entry in enumerate(raw):
        data = _check_keys(entry, _DEPLOYMENT_KEYS, {"model"}, f"{where}[{i}]")
        out.append(Deployment(str(data["model"]), data.get("api_base"), data.get("api_key_env")))
    return tuple(out)


def _check_some_weight(judges: tuple[JudgeSpec, ...], path: Path) -> None:
    """All-zero weights leave no vote that counts (the weighted majority and the pools would abstain
    on every item): refused here rather than reported as a panel that never decides."""
    if all(j.weight == 0 for j in judges):
        raise JuryError(
            "every judge's weight is 0, so no vote would count",
            where=f"{path}: judges[].weight",
            fix="give at least one judge a positive weight",
        )


def load_panel(name_or_path: str) -> PanelSpec:
    path = resolve_named_file(name_or_path, "panels", (".yaml", ".yml")).resolve()
    data = _check_keys(load_yaml(path), _PANEL_KEYS, {"name", "mode", "aggregation", "judges"}, str(path))
    mode = _choice(data["mode"], tuple(MODES), "mode", f"{path}: mode")
    agg = _check_keys(data["aggregation"], _AGG_KEYS, {"rule", "tie_rule"}, f"{path}: aggregation")
    rule = _choice(agg["rule"], tuple(RULES), "rule", f"{path}: aggregation.rule")
    tie_rule = _choice(agg["tie_rule"], TIE_RULES, "tie_rule", f"{path}: aggregation.tie_rule")
    if not isinstance(data["judges"], list) or not data["judges"]:
        raise JuryError("a panel needs at least one judge", where=f"{path}: judges")
    judges = tuple(_judge(j, i, path) for i, j in enumerate(data["judges"]))
    names = [j.name for j in judges]
    if len(set(names)) != len(names):
        raise JuryError("judge names must be unique", where=f"{path}: judges")
    _check_some_weight(judges, path)
    quorum = _number(agg.get("quorum", 1), "quorum", f"{path}: aggregation.quorum", minimum=1)
    if quorum != int(quorum) or quorum > len(judges):
        raise JuryError(
            f"quorum must be a whole number of judges between 1 and {len(judges)}, got {agg['quorum']!r}",
            where=f"{path}: aggregation.quorum",
        )
    if mode == "escalate" and len(judges) != 3:
        raise JuryError("escalate mode needs exactly three judges", where=f"{path}: judges")
    if mode != "jury" and quorum > 1:
        raise JuryError(f"{mode} mode asks fewer judges than a quorum above 1", where=f"{path}: aggregation.quorum")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise JuryError(f"seed must be an integer, got {seed!r}", where=f"{path}: seed")
    return PanelSpec(
        name=str(data["name"]),
        path=path,
        mode=mode,  # type: ignore[arg-type]
        rule=rule,  # type: ignore[arg-type]
        tie_rule=tie_rule,
        judges=judges,
        description=str(data.get("description", "")),
        notes=tuple(str(n) for n in data.get("notes", []) or []),
        quorum=int(quorum),
        score_tie_margin=_number(agg.get("tie_margin", 0.0), "tie_margin", f"{path}: aggregation.tie_margin"),
        seed=seed,
    )


def without_family(panel: PanelSpec, family: str | None) -> tuple[PanelSpec, tuple[str, ...]]:
    """The panel minus the judges of `family`; an error when no judge would be left."""
    dropped = tuple(j.name for j in panel.judges if family is not None and j.family == family)
    if not dropped:
        return panel, ()
    kept = tuple(j for j in panel.judges if j.name not in dropped)
    if not kept or (panel.mode == "escalate" and len(kept) != 3):
        raise JuryError(
            f"--exclude-same-family would leave panel '{panel.name}' without a usable set of judges "
            f"(every judge or part of an escalation is of the candidate's family '{family}')",
            where=str(panel.path),
            fix="use a panel with judges of other families",
        )
    return replace(panel, judges=kept, quorum=min(panel.quorum, len(kept))), dropped


def validate_panel(path: Path) -> tuple[str, str]:
    """(name, summary) of a panel file loaded fully; the first problem raises a JuryError naming it."""
    panel = load_panel(str(path))
    judges = ", ".join(f"{j.name} ({j.model}, {j.strategy})" for j in panel.judges)
    return panel.name, f"{len(panel.judges)} judges: {judges}"
