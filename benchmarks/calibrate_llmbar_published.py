"""Calibration on real judges without a model call: LLMBar's published verdicts of six judges.

LLMBar (Zeng et al. 2024) published each judge's verdict on its 419 items in both presentation
orders. Each judge's vote here is jury's: both orders agree -> that answer, they disagree -> a tie,
score = mean over the orders (1 = answer 1). The table is `jury calibrate`'s: each judge, the
majority panel, the calibrated panel predicted on held-out folds, and escalation replayed on three.

    PYTHONPATH=src .venv/bin/python benchmarks/calibrate_llmbar_published.py [--strategy Vanilla] [--data DIR]

--data may also be tests/data/llmbar, the verdicts-only excerpt in the repository (same figures).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from jury.io.labels import WINNERS, LabelledPair
from jury.panel.log_odds import logit
from jury.panel.spec import JudgeSpec, PanelSpec
from jury.records import JudgeVote, Preference
from jury.workflows.calibrate import CalibrationReport, calibration_report

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "llmbar"
JUDGES = ("GPT-4", "ChatGPT", "ChatGPT-0301", "PaLM2", "LLaMA2", "Falcon")
_ORDER_SCORE = {"1": 1.0, "2": 0.0}  # LLMBar names the winning output; swap_true is already mapped back


def _rows(data: Path) -> list[dict]:
    """LLMBar's five subsets, from the published files or from tests/data/llmbar/verdicts.jsonl.gz (every
    verdict in the same order, without the texts, which calibration never reads)."""
    excerpt = data / "verdicts.jsonl.gz"
    if excerpt.exists():
        with gzip.open(excerpt, "rt", encoding="utf-8") as lines:
            return [r for r in map(json.loads, lines) if r["subset"].startswith("LLMBar/")]
    return [json.loads(line) for path in sorted(data.glob("LLMBar_*.jsonl")) for line in path.open()]


def load(data: Path, strategy: str) -> tuple[tuple[LabelledPair, ...], list[JudgeVote]]:
    rows = _rows(data)
    pairs = tuple(
        LabelledPair(
            r["id"],
            r.get("question", ""),
            r.get("answer_a", ""),
            r.get("answer_b", ""),
            WINNERS["a" if str(r["label"]) == "1" else "b"],
        )
        for r in rows
    )
    votes = []
    for r in rows:
        for judge in JUDGES:
            given = r["judges"][f"{judge}/{strategy}"]
            scores = [_ORDER_SCORE[v] for v in (given["swap_false"], given["swap_true"]) if v in _ORDER_SCORE]
            if not scores:
                votes.append(JudgeVote(r["id"], judge, None))
                continue
            score = sum(scores) / len(scores)
            pref = Preference.CANDIDATE if score > 0.5 else Preference.BASELINE if score < 0.5 else Preference.TIE
            log_odds = sum(map(logit, scores)) / len(scores)  # as judge_vote does for the two orders
            votes.append(JudgeVote(r["id"], judge, pref, len(scores) == 2 and len(set(scores)) == 1, score, log_odds))
    return pairs, votes


def panel_of(names: tuple[str, ...]) -> PanelSpec:
    judges = tuple(JudgeSpec(n, n, "pairwise", "", "", n) for n in names)
    return PanelSpec("llmbar-" + "+".join(names), Path("."), "jury", "majority", "tie", judges)


def show(report: CalibrationReport) -> None:
    print(f"\npanel {report.panel}: {report.n_items} items")
    print(f"{'rater':<32} {'accuracy':>9} {'kappa [95% CI]':>26} {'consistency':>12}")
    rows = list(report.rows) + ([report.escalation.row] if report.escalation else [])
    for r in rows:
        k = r.kappa
        pc = "-" if r.position_consistency is None else f"{100 * r.position_consistency:.1f}%"
        print(f"{r.rater:<32} {100 * r.accuracy:8.1f}% {k.value:8.3f} [{k.ci_low:6.3f}, {k.ci_high:6.3f}] {pc:>12}")
    w = report.weights
    print("weights: " + ", ".join(f"{j} {x:.2f}" for j, x in zip(w.judges, w.weights, strict=True)))
    if report.vs_best:
        c = report.vs_best.comparison
        print(
            f"calibrated minus the best judge ({report.vs_best.judge}): {100 * c.mean_difference:+.1f} points, "
            f"95% CI [{100 * c.ci_low:+.1f}, {100 * c.ci_high:+.1f}]"
        )
    if report.escalation:
        e = report.escalation
        print(
            f"escalation: third judge on {e.escalated}/{report.n_items} items, {e.calls_saved}/{e.calls_full} calls "
            f"saved, same verdict as the full jury on {100 * e.agreement_with_jury:.1f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", default="Vanilla")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"LLMBar data not found at {args.data}: pass --data")
    pairs, votes = load(args.data, args.strategy)
    for names in (JUDGES, ("ChatGPT", "PaLM2", "LLaMA2"), ("GPT-4", "ChatGPT", "PaLM2")):
        mine = [v for v in votes if v.judge in names]
        show(calibration_report(panel_of(names), pairs, mine))


if __name__ == "__main__":
    main()
