"""Panel specs, read from panels/<name>.yaml and checked key by key."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from jury.errors import JuryError
from jury.paths import resolve_named_file

Strategy = Literal["pairwise", "pointwise_probe"]
STRATEGY_FIELDS: dict[str, set[str]] = {
    "pairwise": {"question", "answer_a", "answer_b", "reference"},
    "pointwise_probe": {"question", "answer", "reference"},
}
TIE_RULES = ("tie", "baseline", "candidate")


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
    strategy: Strategy
    prompt: str
    prompt_file: str
    family: str
    weight: float = 1.0
    max_tokens: int = 16
    # pointwise_probe: score differences this small are a tie
    tie_margin: float = 0.02
    api_base: str | None = None  # e.g. a vLLM or llama.cpp server for `openai/<name>` models
    deployments: tuple[Deployment, ...] = ()


@dataclass(frozen=True)
class PanelSpec:
    name: str
    path: Path
    mode: Literal["jury"]
    rule: Literal["majority"]
    tie_rule: str
    judges: tuple[JudgeSpec, ...]
    description: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


_PANEL_KEYS = {"name", "description", "mode", "aggregation", "judges", "notes"}
_AGG_KEYS = {"rule", "tie_rule"}
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


def _load_prompt(panel_path: Path, rel: str, strategy: str, where: str) -> str:
    path = (panel_path.parent / rel).resolve()
    if not path.is_file():
        raise JuryError(f"prompt file not found: {path}", where=where)
    text = path.read_text(encoding="utf-8")
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    unknown = fields - STRATEGY_FIELDS[strategy]
    if unknown:
        raise JuryError(
            f"prompt {rel} uses unknown placeholder '{{{sorted(unknown)[0]}}}'",
            where=where,
            fix=f"{strategy} prompts may use {sorted(STRATEGY_FIELDS[strategy])}",
        )
    return text


def _judge(raw: Any, index: int, path: Path) -> JudgeSpec:
    where = f"{path}: judges[{index}]"
    data = _check_keys(raw, _JUDGE_KEYS, {"name", "model", "strategy", "prompt", "family"}, where)
    strategy = data["strategy"]
    if strategy not in STRATEGY_FIELDS:
        raise JuryError(
            f"unknown strategy '{strategy}'", where=f"{where}.strategy", fix=f"one of {', '.join(STRATEGY_FIELDS)}"
        )
    return JudgeSpec(
        name=str(data["name"]),
        model=str(data["model"]),
        strategy=strategy,
        prompt=_load_prompt(path, str(data["prompt"]), strategy, f"{where}.prompt"),
        prompt_file=str(data["prompt"]),
        family=str(data["family"]),
        weight=float(data.get("weight", 1.0)),
        max_tokens=int(data.get("max_tokens", 1 if strategy == "pointwise_probe" else 512)),
        tie_margin=float(data.get("tie_margin", 0.02)),
        api_base=str(data["api_base"]) if data.get("api_base") else None,
        deployments=_deployments(data.get("deployments") or [], f"{where}.deployments"),
    )


def _deployments(raw: Any, where: str) -> tuple[Deployment, ...]:
    if not isinstance(raw, list):
        raise JuryError("expected a list of deployments", where=where)
    out = []
    for i, entry in enumerate(raw):
        data = _check_keys(entry, _DEPLOYMENT_KEYS, {"model"}, f"{where}[{i}]")
        out.append(Deployment(str(data["model"]), data.get("api_base"), data.get("api_key_env")))
    return tuple(out)


def load_panel(name_or_path: str) -> PanelSpec:
    path = resolve_named_file(name_or_path, "panels", (".yaml", ".yml")).resolve()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise JuryError("not valid YAML", where=f"{path}:{mark.line + 1}" if mark else str(path)) from None
    data = _check_keys(raw, _PANEL_KEYS, {"name", "mode", "aggregation", "judges"}, str(path))
    if data["mode"] != "jury":
        raise JuryError(
            f"unsupported mode '{data['mode']}'", where=f"{path}: mode", fix="'jury' (every judge votes on every item)"
        )
    agg = _check_keys(data["aggregation"], _AGG_KEYS, {"rule", "tie_rule"}, f"{path}: aggregation")
    if agg["rule"] != "majority":
        raise JuryError(f"unsupported rule '{agg['rule']}'", where=f"{path}: aggregation.rule", fix="'majority'")
    if agg["tie_rule"] not in TIE_RULES:
        raise JuryError(
            f"unknown tie_rule '{agg['tie_rule']}'",
            where=f"{path}: aggregation.tie_rule",
            fix=f"one of {', '.join(TIE_RULES)}",
        )
    if not isinstance(data["judges"], list) or not data["judges"]:
        raise JuryError("a panel needs at least one judge", where=f"{path}: judges")
    judges = tuple(_judge(j, i, path) for i, j in enumerate(data["judges"]))
    names = [j.name for j in judges]
    if len(set(names)) != len(names):
        raise JuryError("judge names must be unique", where=f"{path}: judges")
    return PanelSpec(
        name=str(data["name"]),
        path=path,
        mode="jury",
        rule="majority",
        tie_rule=agg["tie_rule"],
        judges=judges,
        description=str(data.get("description", "")),
        notes=tuple(str(n) for n in data.get("notes", []) or []),
    )
