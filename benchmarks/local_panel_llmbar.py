"""Does the embedded local panel agree with humans? LLMBar, real models, one table per panel.

Each LLMBar item is a question, two answers and the human (gold) winner, never a tie. Each local
judge scores each answer alone and prefers the higher score: P(Yes) to "is this answer correct?"
(panels/local.yaml) or the answer's likelihood given the question (panels/local-likelihood.yaml,
PMI; `local-likelihood@mean_logprob` swaps its judges' parser for the plain mean log-probability).
Rows: each judge alone; the panel as shipped (majority; with two judges a split is a tie); average
pooling of the scores; pooling of the judges' log-odds (equal weights); the calibrated panel
(log-odds weights fitted by logistic regression, each item predicted from weights fitted on the
other 4 folds); the shorter answer (no model, a reference);
chance. Accuracy counts a tie ½ (what a coin flip would score); accuracy and Cohen's kappa with the
human winner carry 95% bootstrap CIs. `--combined` adds a table for all the panels' judges as one
jury (the calibration then uses every judge's scores as features), where the best member is the best
of all those judges on the same items. Panels after the first are compared with it, paired over items.

    PYTHONPATH=src .venv/bin/python benchmarks/local_panel_llmbar.py --subset all --adversarial-limit 30 \
        --panel local --panel local-likelihood@mean_logprob --panel local-likelihood --combined

Every model reply is cached in --store, so a second run only recomputes the tables.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported: no download

from jury.io.labels import WINNERS, LabelledPair
from jury.models.client import ModelClient
from jury.panel.aggregate import judge_votes, panel_votes
from jury.panel.spec import PanelSpec, load_panel
from jury.panel.strategies import get_strategy
from jury.panel.units import pair_units
from jury.records import Item, Judgment, Preference
from jury.stats.bias import longer_preferred_rate
from jury.stats.pairwise import paired_comparison_scores
from jury.store import CallStore
from jury.workflows.calibrate import CalibrationReport, calibration_report, item_credit, rater_row
from jury.workflows.judging import judge

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "llmbar"
SUBSETS = {  # file stems under --data
    "natural": ("LLMBar_Natural",),
    "adversarial": tuple(f"LLMBar_Adversarial_{s}" for s in ("GPTInst", "GPTOut", "Manual", "Neighbor")),
    # human preference sets LLMBar ships in its own format: everyday questions, not built to mislead
    "llmeval2": ("Processed_LLMEval2",),
    "mt-bench": ("Processed_MT-Bench",),
    "faireval": ("Processed_FairEval",),
}
SUBSETS["all"] = SUBSETS["natural"] + SUBSETS["adversarial"]


class _Quiet:
    def start(self, label: str, total: int):
        return lambda: None


def load_pairs(
    data: Path,
    subsets: tuple[str, ...],
    limit: int | None,
    adversarial_limit: int | None = None,
    adversarial_offset: int = 0,
) -> tuple[LabelledPair, ...]:
    """LLMBar's label 1 / 2 names the winning answer (output_1 = answer_a); the limits take the first
    items of each file (`adversarial_limit`, when given, for the Adversarial files), after skipping
    `adversarial_offset` items of each Adversarial file (a set kept apart from earlier runs)."""
    pairs = []
    for subset in subsets:
        adversarial = subset.startswith("LLMBar_Adversarial")
        first = adversarial_limit if adversarial_limit is not None and adversarial else limit
        skip = adversarial_offset if adversarial else 0
        rows = [json.loads(line) for line in (data / f"{subset}.jsonl").open()][skip:]
        rows = rows[:first]
        pairs += [
            LabelledPair(
                r["id"], r["question"], r["answer_a"], r["answer_b"], WINNERS["a" if str(r["label"]) == "1" else "b"]
            )
            for r in rows
        ]
    return tuple(pairs)


def panel_variant(spec: str) -> PanelSpec:
    """`name` or `name@parser`: the panel with every judge that can use `parser` switched to it (and renamed)."""
    name, _, parser = spec.partition("@")
    panel = replace(load_panel(name), mode="jury")
    if not parser:
        return panel
    judges = tuple(
        replace(j, parser=parser, name=f"{j.name}-{parser}") if parser in get_strategy(j.strategy).parsers else j
        for j in panel.judges
    )
    return replace(panel, name=spec, judges=judges)


def combined(panels: list[PanelSpec]) -> PanelSpec:
    judges = {j.name: j for p in panels for j in p.judges}
    return replace(panels[0], name=" + ".join(p.name for p in panels), judges=tuple(judges.values()))


def print_report(panel: PanelSpec, pairs: tuple[LabelledPair, ...], judgments: list[Judgment]) -> None:
    names = {j.name for j in panel.judges}
    jv = judge_votes(j for j in judgments if j.judge in names)
    shipped = calibration_report(panel, pairs, jv)
    pooled = calibration_report(replace(panel, rule="average"), pairs, jv)
    log_pool = calibration_report(replace(panel, rule="log_odds"), pairs, jv)
    rows = [*shipped.rows[:-1], pooled.rows[-2], log_pool.rows[-2], shipped.rows[-1], shorter_wins(pairs)]
    print(f"\n## panel '{panel.name}' ({', '.join(j.name for j in panel.judges)})\n")
    print(f"{'rater':<38} {'accuracy [95% CI]':>22} {'kappa [95% CI]':>26} {'abstained':>10} {'n':>4}")
    for r in rows:
        k, (lo, hi) = r.kappa, r.accuracy_ci
        print(
            f"{r.rater:<38} {100 * r.accuracy:6.1f}% [{100 * lo:5.1f}, {100 * hi:5.1f}] "
            f"{k.value:8.3f} [{k.ci_low:6.3f}, {k.ci_high:6.3f}] {r.abstentions:>10} {r.n:>4}"
        )
    print(f"{'chance (coin flip)':<38} {50.0:6.1f}% {'':>14} {0.0:8.3f}")
    _print_extras(panel, pairs, jv, shipped)


def shorter_wins(pairs: tuple[LabelledPair, ...]):  # type: ignore[no-untyped-def]
    """A reference rater with no model: the shorter answer (in characters) wins. LLMBar's Adversarial
    sets pair a correct answer with a longer, more engaging wrong one, so this is strong there."""
    pick = [
        Preference.TIE
        if len(p.answer_a) == len(p.answer_b)
        else (Preference.CANDIDATE if len(p.answer_a) < len(p.answer_b) else Preference.BASELINE)
        for p in pairs
    ]
    return rater_row("shorter answer wins (no model)", pick, [p.human for p in pairs], None, 0)


def _print_extras(panel: PanelSpec, pairs: tuple[LabelledPair, ...], jv: list, shipped: CalibrationReport) -> None:
    w = shipped.weights
    print(
        "weights fitted on all items: "
        + ", ".join(
            f"{j} {c:+.2f} (weight {x:.2f})" for j, c, x in zip(w.judges, w.coefficients, w.weights, strict=True)
        )
    )
    by = {(v.unit_id, v.judge): v for v in jv}
    lengths = {p.item_id: (len(p.answer_a), len(p.answer_b)) for p in pairs}
    longer = [("humans", {p.item_id: p.human for p in pairs})]
    longer += [(j.name, {p.item_id: by[(p.item_id, j.name)].preference for p in pairs}) for j in panel.judges]
    print(
        "P(longer answer wins), exact 95% CI: "
        + "; ".join(
            (f"{n} {100 * r.value:.0f}% [{100 * r.ci_low:.0f}, {100 * r.ci_high:.0f}] (n={r.n})" if r.n else f"{n} n/a")
            for n, r in ((n, longer_preferred_rate(prefs, lengths)) for n, prefs in longer)
        )
    )
    best, cmp = shipped.vs_best.judge, shipped.vs_best.comparison
    print(
        f"calibrated (held out) minus the best member ({best}), paired over items: "
        f"{100 * cmp.mean_difference:+.1f} points, 95% CI [{100 * cmp.ci_low:+.1f}, {100 * cmp.ci_high:+.1f}], "
        f"p = {cmp.p_value:.2g}"
    )


def panel_credits(panel: PanelSpec, pairs: tuple[LabelledPair, ...], judgments: list[Judgment]) -> list[float]:
    """Per item: 1 the panel (as written) agrees with the human winner, ½ a tie, 0 otherwise."""
    names = {j.name for j in panel.judges}
    votes = panel_votes(panel, judge_votes(j for j in judgments if j.judge in names), [p.item_id for p in pairs])
    return [item_credit(v.outcome, p.human) for v, p in zip(votes, pairs, strict=True)]


def print_panel_differences(
    panels: list[PanelSpec], pairs: tuple[LabelledPair, ...], judgments: list[Judgment]
) -> None:
    first = panel_credits(panels[0], pairs, judgments)
    for panel in panels[1:]:
        cmp = paired_comparison_scores(first, panel_credits(panel, pairs, judgments))
        print(
            f"panel '{panel.name}' ({panel.rule}) minus panel '{panels[0].name}' ({panels[0].rule}), paired over "
            f"items: {100 * cmp.mean_difference:+.1f} points, 95% CI [{100 * cmp.ci_low:+.1f}, "
            f"{100 * cmp.ci_high:+.1f}], p = {cmp.p_value:.2g}"
        )


def print_timing(panel: PanelSpec, judgments: list[Judgment]) -> None:
    """Model time per judgment as measured when each call was made (stored with the reply)."""
    for j in panel.judges:
        mine = [x for x in judgments if x.judge == j.name]
        if mine:
            seconds = math.fsum(x.usage.latency_s for x in mine) / len(mine)
            tokens = sum(x.usage.prompt_tokens for x in mine) / len(mine)
            print(f"  {j.name}: {seconds:.2f} s and {tokens:.0f} prompt tokens per item (both answers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--subset", choices=sorted(SUBSETS), default="natural")
    parser.add_argument("--limit", type=int, default=None, help="first N items of each file")
    parser.add_argument("--adversarial-limit", type=int, default=None, help="first N items of each Adversarial file")
    parser.add_argument(
        "--adversarial-offset", type=int, default=0, help="skip the first N items of each Adversarial file"
    )
    parser.add_argument("--panel", action="append", help="panel name, or name@parser (repeatable; default local)")
    parser.add_argument("--combined", action="store_true", help="also all the panels' judges as one jury")
    parser.add_argument("--store", type=Path, default=Path(".jury/cache.sqlite"))
    args = parser.parse_args()
    if not (args.data / "LLMBar_Natural.jsonl").exists():
        raise SystemExit(f"LLMBar data not found at {args.data}: pass --data")
    pairs = load_pairs(args.data, SUBSETS[args.subset], args.limit, args.adversarial_limit, args.adversarial_offset)
    panels = [panel_variant(p) for p in args.panel or ["local"]]
    everyone = combined(panels)
    args.store.parent.mkdir(parents=True, exist_ok=True)
    store = CallStore(args.store)
    client = ModelClient(store)
    started = time.perf_counter()
    try:
        items = tuple(Item("llmbar", p.item_id, p.question) for p in pairs)
        first = {p.item_id: p.answer_a for p in pairs}
        second = {p.item_id: p.answer_b for p in pairs}
        judgments = list(judge(client, everyone, pair_units(items, first, second), _Quiet()))
    finally:
        client.close()
        store.close()
    ids = [p.item_id.replace("/", "_") for p in pairs]  # LLMBar/Adversarial/GPTOut#0
    sizes = ", ".join(f"{s} {sum(i.startswith(f'{s}#') for i in ids)}" for s in SUBSETS[args.subset])
    a_wins = sum(p.human.value == "candidate" for p in pairs)
    print(
        f"LLMBar {args.subset} ({sizes}; {len(pairs)} items, {a_wins} won by A), "
        f"{len(judgments)} judgments, {time.perf_counter() - started:.0f} s "
        f"({client.calls_made} model calls, {client.cache_hits} from the store)"
    )
    print_timing(everyone, judgments)
    for panel in [*panels, *([everyone] if args.combined and len(panels) > 1 else [])]:
        print_report(panel, pairs, judgments)
    if len(panels) > 1:
        print()
        print_panel_differences(panels, pairs, judgments)


if __name__ == "__main__":
    main()
