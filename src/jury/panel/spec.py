"""Panel specs, read from panels/<name>.yaml: strict YAML (a repeated key is an error) read with a
strict schema (jury.panel.panel_file: a wrong type is an error, never coerced), then checked across keys.

A panel says how its judges are used: `mode: jury` (every judge votes on every item), `pool` (one
judge per item, drawn from a seed and recorded) or `escalate` (the first two judges vote, the third
is asked only when they disagree). Its `aggregation` names the rule that turns votes into the
panel's verdict and the `quorum` of voting judges below which an item is an abstention.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from jury.errors import JuryError
from jury.io.schema import validate
from jury.io.strict_yaml import YamlDocument, load_yaml_document
from jury.panel.panel_file import JudgeEntry, Mode, PanelFile, Rule
from jury.panel.strategies.base import Strategy
from jury.panel.strategies.registry import get_strategy
from jury.panel.template import prompt_template
from jury.paths import resolve_named_file

MODES: dict[str, str] = {
    "jury": "every judge votes on every item",
    "pool": "one judge, drawn per item from the panel's seed, votes on each item",
    "escalate": "the first two judges vote; the third is asked only when they disagree",
}
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


def _load_prompt(doc: YamlDocument, index: int, rel: str, strategy: Strategy) -> str:
    where = doc.where(("judges", index, "prompt"), f"judges[{index}].prompt")
    path = (doc.path.parent / rel).resolve()
    if not path.is_file():
        raise JuryError(f"prompt file not found: {path}", where=where)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise JuryError(f"prompt {path} is not UTF-8 text (byte {exc.start})", where=where) from None
    try:
        return prompt_template(text, frozenset(strategy.fields), str(path), strategy.name)
    except JuryError as exc:
        raise JuryError(exc.problem, where=where, fix=exc.fix) from None


def _judge(entry: JudgeEntry, index: int, doc: YamlDocument) -> JudgeSpec:
    def where(key: str) -> str:
        return doc.where(("judges", index, key), f"judges[{index}].{key}")

    strategy = get_strategy(entry.strategy, where("strategy"))
    parser = entry.parser or strategy.parsers[0]
    if parser not in strategy.parsers:
        fix = f"one of {', '.join(strategy.parsers)}"
        raise JuryError(f"unknown parser '{parser}'", where=where("parser"), fix=fix)
    return JudgeSpec(
        name=entry.name,
        model=entry.model,
        strategy=strategy.name,
        prompt=_load_prompt(doc, index, entry.prompt, strategy),
        prompt_file=entry.prompt,
        family=entry.family,
        weight=entry.weight,
        max_tokens=entry.max_tokens or strategy.default_max_tokens(parser),
        tie_margin=strategy.default_tie_margin if entry.tie_margin is None else entry.tie_margin,
        api_base=entry.api_base or None,
        deployments=tuple(Deployment(d.model, d.api_base, d.api_key_env) for d in entry.deployments or ()),
        parser=parser,
    )


def _check_panel(raw: PanelFile, judges: tuple[JudgeSpec, ...], doc: YamlDocument) -> None:
    """What no single key can say: unique names, some weight, a quorum the judges can reach."""
    names = [j.name for j in judges]
    if len(set(names)) != len(names):
        raise JuryError("judge names must be unique", where=doc.where(("judges",), "judges"))
    if all(j.weight == 0 for j in judges):
        # the weighted majority and the pools would abstain on every item: refused rather than reported
        raise JuryError(
            "every judge's weight is 0, so no vote would count",
            where=f"{doc.path}: judges[].weight",
            fix="give at least one judge a positive weight",
        )
    quorum = raw.aggregation.quorum
    at = doc.where(("aggregation", "quorum"), "aggregation.quorum")
    if quorum > len(judges):
        raise JuryError(f"quorum must be a whole number of judges between 1 and {len(judges)}, got {quorum}", where=at)
    if raw.mode == "escalate" and len(judges) != 3:
        raise JuryError("escalate mode needs exactly three judges", where=doc.where(("judges",), "judges"))
    if raw.mode != "jury" and quorum > 1:
        raise JuryError(f"{raw.mode} mode asks fewer judges than a quorum above 1", where=at)


def load_panel(name_or_path: str) -> PanelSpec:
    path = resolve_named_file(name_or_path, "panels", (".yaml", ".yml")).resolve()
    doc = load_yaml_document(path)
    raw = validate(PanelFile, doc)
    judges = tuple(_judge(entry, i, doc) for i, entry in enumerate(raw.judges))
    _check_panel(raw, judges, doc)
    return PanelSpec(
        name=raw.name,
        path=path,
        mode=raw.mode,
        rule=raw.aggregation.rule,
        tie_rule=raw.aggregation.tie_rule,
        judges=judges,
        description=raw.description or "",
        notes=tuple(raw.notes or ()),
        quorum=raw.aggregation.quorum,
        score_tie_margin=raw.aggregation.tie_margin,
        seed=raw.seed,
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
