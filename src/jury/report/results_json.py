"""results.json: the versioned, machine-readable record of a run."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from jury import __version__
from jury.report.bias_sections import bias_json, votes_json
from jury.stats.costs import usage_by_judge
from jury.stats.winrate import WinRate
from jury.workflows.pipeline import RunResult

# 2: added judge_kappa, cost_by_judge and files (additive; version 1 readers ignore them)
# 3: multi-turn items are judged per turn: added per_turn, and panel_votes items' item and turn
#    (additive); a multi-turn run's `result` counts every turn's verdict and its CI resamples items
SCHEMA_VERSION = 3


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def win_rate_json(w: WinRate) -> dict[str, Any]:
    return {
        "win_rate": _num(w.value),
        "ci_low": _num(w.ci_low),
        "ci_high": _num(w.ci_high),
        "confidence": w.confidence,
        "n_judged": w.n,
        "n_wins": w.wins,
        "n_ties": w.ties,
        "n_losses": w.losses,
        "n_abstained": w.abstained,
    }


REPORT_FILES = ("results.json", "judgments.jsonl", "run.json", "report.md", "report.html", "items.csv", "judges.csv")


def judge_kappa_json(result: RunResult) -> list[dict[str, Any]]:
    """Cohen's kappa per judge pair with its bootstrap CI, as computed by stats.agreement_report."""
    ag = result.stats.agreement
    if ag is None:
        return []
    return [
        {"judge_a": p.rater, "judge_b": p.reference, "n": int(p.n), "kappa": _num(float(p.kappa)),
         "kappa_low": _num(float(p.kappa_low)), "kappa_high": _num(float(p.kappa_high))}
        for p in ag.pairs.itertuples()
    ]  # fmt: skip


def results_json(result: RunResult) -> dict[str, Any]:
    stats = result.stats
    panel = result.panel
    return {
        "schema_version": SCHEMA_VERSION,
        "jury_version": __version__,
        "run_id": result.run_id,
        "created_at": datetime.now(UTC).isoformat(),
        "task": {
            "name": result.task.name,
            "path": str(result.task.path),
            "n_items": len(result.task.items),
            # items dropped by --allow-partial because an imported file had no output for them
            "n_dropped": len(result.dropped_items),
            "dropped_items": list(result.dropped_items),
        },
        "candidate": result.config.candidate,
        "baseline": result.baseline_name,
        "panel": {
            "name": panel.name,
            "path": str(panel.path),
            "mode": panel.mode,
            "rule": panel.rule,
            "tie_rule": panel.tie_rule,
            "mode_means": panel.describe_mode(),
            "rule_means": panel.describe_rule(),
            "quorum": panel.quorum,
            "seed": panel.seed,
            "judges": [
                {
                    "name": j.name,
                    "model": j.model,
                    "family": j.family,
                    "strategy": j.strategy,
                    "prompt": j.prompt_file,
                    "weight": j.weight,
                    "parser": j.verdict_parser,
                }
                for j in panel.judges
            ],
            "notes": list(panel.notes),
        },
        "seed": result.config.seed,
        "result": win_rate_json(stats.win_rate),
        # the panel's win rate on each turn alone; empty for single-turn runs
        "per_turn": [{"turn": turn, **win_rate_json(w)} for turn, w in stats.per_turn.items()],
        "judges": [
            {
                "judge": js.judge,
                **{f"own_{k}": v for k, v in win_rate_json(js.win_rate).items()},
                "position_consistency": _num(js.position_consistency.rate),
                "position_pairs": js.position_consistency.n,
                "agreement_with_panel": _num(js.agreement_with_panel.rate),
                "abstentions": js.abstentions,
                "abstain_reasons": js.abstain_reasons,
            }
            for js in stats.judges
        ],
        "judge_agreement": [
            {"judge_a": a, "judge_b": b, "percent_agreement": _num(ag.rate), "n": ag.n}
            for (a, b), ag in stats.pair_agreement.items()
        ],
        "unanimous": {"rate": _num(stats.unanimous.rate), "n": stats.unanimous.n},
        "judge_kappa": judge_kappa_json(result),
        "cost_by_judge": {
            judge: asdict(u) for judge, u in usage_by_judge(result.judgments, [j.name for j in panel.judges]).items()
        },
        "files": list(REPORT_FILES),
        "bias": bias_json(result),
        "panel_votes": votes_json(result),
        "usage": {model: asdict(u) for model, u in result.usage.items()},
        "model_calls": result.model_calls,
        "cached_calls": result.cached_calls,
    }
