"""The `results` section of the run log (run.json): the reported numbers, machine-readable."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from jury import __version__
from jury.report.bias_sections import bias_json, votes_json
from jury.report.human_sections import human_json
from jury.results.run_result import RunResult
from jury.stats.costs import usage_by_judge
from jury.stats.winrate import WinRate


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
    """The `results` section of run.json: the numbers as this version of jury reported them. The
    inputs (task, panel, items, outputs, judgments) are the record's own fields, not repeated here."""
    stats = result.stats
    panel = result.panel
    return {
        "jury_version": __version__,
        "n_units": len(result.units),
        # units planned but not judged because the run stopped (status stopped_budget / interrupted)
        "n_units_not_judged": result.units_not_judged,
        "mode_means": panel.describe_mode(),
        "rule_means": panel.describe_rule(),
        "result": win_rate_json(stats.win_rate),
        # units whose two answers were the same text: counted as ties in "result", no judge was called
        "n_identical": result.identical,
        # judged units whose answer was empty (judges saw it as it is), per side
        "n_empty_answers": dict(zip(("candidate", "baseline"), result.empty_answers, strict=True)),
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
        "human_anchored": human_json(result),
        "bias": bias_json(result),
        "panel_votes": votes_json(result),
    }
