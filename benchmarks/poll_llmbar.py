"""PoLL on real verdicts: do majority-vote panels of LLMBar's judges agree with humans better than one judge?

LLMBar (Zeng et al. 2024) published the verdicts of six judge models on its 419 Natural and
Adversarial items, in both presentation orders. Here each judge is used with one prompting strategy,
each presentation order is a separate judgment (accuracy is the mean over both orders, LLMBar's
`correct_average`), and a panel's verdict is the majority of its judges in that order. Odd panels
only, so a vote is never split.

    python benchmarks/poll_llmbar.py [--strategy Vanilla] [--data ../shared/data/llmbar]
"""

from __future__ import annotations

import argparse
import json
from itertools import combinations
from pathlib import Path

import pandas as pd

from jury.stats.judges import accuracy_against, majority_vote
from jury.stats.kappa import cohen_kappa_labels, fleiss_kappa_items
from jury.stats.pairwise import paired_comparison_scores

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "llmbar"
JUDGES = ["GPT-4", "ChatGPT", "ChatGPT-0301", "PaLM2", "LLaMA2", "Falcon"]
ORDERS = ["swap_false", "swap_true"]


def load(data: Path, strategy: str) -> tuple[dict[str, pd.DataFrame], pd.Series, pd.Series]:
    """Per order, an items x judges table of verdicts "1"/"2" (None = unparsed); human labels; subsets."""
    items = [json.loads(line) for path in sorted(data.glob("LLMBar_*.jsonl")) for line in path.open()]
    tables = {
        order: pd.DataFrame([{j: it["judges"][f"{j}/{strategy}"][order] for j in JUDGES} for it in items], dtype=object)
        for order in ORDERS
    }
    human = pd.Series([str(it["label"]) for it in items], dtype=object)
    subset = pd.Series(["Natural" if it["subset"].endswith("Natural") else "Adversarial" for it in items])
    return tables, human, subset


def row(name: str, per_order: dict[str, pd.Series], human: pd.Series, subset: pd.Series) -> dict:
    """Accuracy (mean over both orders) overall and per subset, and kappa with humans over both orders."""
    out: dict[str, object] = {"rater": name}
    for label, mask in [
        ("all", subset.notna()),
        ("natural", subset == "Natural"),
        ("adversarial", subset != "Natural"),
    ]:
        accs = [accuracy_against(list(v[mask]), list(human[mask])).value for v in per_order.values()]
        out[f"acc_{label}"] = 100 * sum(accs) / len(accs)
    verdicts = pd.concat(per_order.values(), ignore_index=True)
    gold = pd.concat([human] * len(per_order), ignore_index=True)
    kappa = cohen_kappa_labels(list(verdicts), list(gold), n_resamples=1000)
    out["kappa_human"] = kappa.value
    out["kappa_95ci"] = f"[{kappa.ci_low:.3f}, {kappa.ci_high:.3f}]"
    return out


def correctness(per_order: dict[str, pd.Series], human: pd.Series) -> pd.Series:
    """Per item: share of the two presentation orders judged right (0, ½ or 1)."""
    return sum((v == human).astype(float) for v in per_order.values()) / len(per_order)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", default="Vanilla")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"LLMBar data not found at {args.data}: pass --data")
    tables, human, subset = load(args.data, args.strategy)
    rows = [row(j, {o: t[j] for o, t in tables.items()}, human, subset) for j in JUDGES]
    correct = {j: correctness({o: t[j] for o, t in tables.items()}, human) for j in JUDGES}
    singles = pd.DataFrame(rows)
    for size in (3, 5):
        for panel in combinations(JUDGES, size):
            votes = {o: majority_vote(t[list(panel)]) for o, t in tables.items()}
            rows.append(row(" + ".join(panel), votes, human, subset))
            correct[" + ".join(panel)] = correctness(votes, human)
    table = pd.DataFrame(rows).sort_values("acc_all", ascending=False)
    table.insert(1, "size", [1 if " + " not in r else r.count(" + ") + 1 for r in table["rater"]])
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    print(f"LLMBar, {len(human)} items (Natural {int((subset == 'Natural').sum())}), strategy {args.strategy}")
    print("accuracy in %, mean of both presentation orders; kappa with the human label, both orders pooled\n")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}" if abs(x) < 1 else f"{x:.1f}"))
    for order, t in tables.items():
        fk = fleiss_kappa_items(t)
        print(f"\nFleiss' kappa among the six judges ({order}): {fk.value:.3f} over {fk.n_items} items")
    best = singles.loc[singles["acc_all"].idxmax()]
    for size in (3, 5):
        panels = table[table["size"] == size]
        beat = int((panels["acc_all"] > best["acc_all"]).sum())
        print(
            f"panels of {size}: mean accuracy {panels['acc_all'].mean():.1f}%, best {panels['acc_all'].max():.1f}%, "
            f"{beat}/{len(panels)} beat the best single judge ({best['rater']}, {best['acc_all']:.1f}%); "
            f"mean single judge {singles['acc_all'].mean():.1f}%"
        )
        top = panels.iloc[0]["rater"]
        cmp = paired_comparison_scores(correct[best["rater"]], correct[top], n_resamples=2000)
        print(
            f"  best panel of {size} ({top}) minus {best['rater']}, paired over items: "
            f"{100 * cmp.mean_difference:+.1f} points, 95% CI [{100 * cmp.ci_low:+.1f}, {100 * cmp.ci_high:+.1f}], "
            f"paired t-test p = {cmp.p_value:.2g}"
        )
    members = []
    for r in table[table["size"] > 1].itertuples():
        members.append(r.acc_all - singles.set_index("rater").loc[r.rater.split(" + "), "acc_all"].mean())
    gain = pd.Series(members)
    print(
        f"a panel against the mean of its own members: {gain.mean():+.1f} points on average, "
        f"better for {int((gain > 0).sum())}/{len(gain)} panels"
    )


if __name__ == "__main__":
    main()
