"""Judges measured against each other, against their panel and against human labels.

Inputs are tables with one row per item and one column per judge (pandas, labels any hashable,
None/NaN missing), so any source of verdicts (a jury run, LLMBar, MT-Bench human votes) can be
compared with the same functions. Each number says on how many items it rests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from jury.stats.kappa import Label, cohen_kappa_labels, is_missing, rated_pairs


@dataclass(frozen=True)
class Rate:
    value: float  # nan when n == 0
    n: int


def label_agreement(a: Sequence[Label], b: Sequence[Label], *, tie: Hashable | None = None) -> Rate:
    """Share of items both rated on which they agree. With `tie` given, items where either side said
    tie are left out: the "without ties" figure of MT-Bench, which asks only whether they pick the same winner."""
    x, y = rated_pairs(a, b)
    kept = [(u, v) for u, v in zip(x, y, strict=True) if tie is None or (u != tie and v != tie)]
    if not kept:
        return Rate(float("nan"), 0)
    return Rate(sum(u == v for u, v in kept) / len(kept), len(kept))


def accuracy_against(predicted: Sequence[Label], gold: Sequence[Label]) -> Rate:
    """Share of gold-labelled items predicted right; a missing prediction counts as wrong, because a
    judge that abstains on the hard items must not look better for it."""
    if len(predicted) != len(gold):
        raise ValueError(f"predictions and gold labels differ in length: {len(predicted)} and {len(gold)}")
    scored = [(p, g) for p, g in zip(predicted, gold, strict=True) if not is_missing(g)]
    if not scored:
        return Rate(float("nan"), 0)
    return Rate(sum(not is_missing(p) and p == g for p, g in scored) / len(scored), len(scored))


def order_consistency(first: Sequence[Label], second: Sequence[Label]) -> Rate:
    """Share of items whose verdict (already mapped back to the models) is the same in both presentation
    orders. Missing verdicts are compared like any other label: a judge that fails to parse in both
    orders is consistent, as LLMBar counts it; map abstentions to a label before calling to decide otherwise."""
    if len(first) != len(second):
        raise ValueError(f"both orders must cover the same items: got {len(first)} and {len(second)}")
    if not first:
        return Rate(float("nan"), 0)
    same = sum((is_missing(x) and is_missing(y)) or x == y for x, y in zip(first, second, strict=True))
    return Rate(same / len(first), len(first))


def majority_vote(verdicts: pd.DataFrame, *, tie: Hashable | None = None) -> pd.Series:
    """The panel's verdict per item (row): the most frequent label among the judges who voted.
    A split vote gives `tie` (None by default, i.e. no verdict), never an arbitrary winner."""

    def vote(row: pd.Series) -> Label:
        counts = Counter(v for v in row if not is_missing(v)).most_common()
        if not counts:
            return None
        if len(counts) > 1 and counts[0][1] == counts[1][1]:
            return tie
        return counts[0][0]

    return pd.Series([vote(row) for _, row in verdicts.iterrows()], index=verdicts.index, dtype=object)


def pair_table(
    verdicts: pd.DataFrame,
    *,
    tie: Hashable | None = None,
    seed: int = 0,
    clusters: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Every pair of judges (columns): items both rated, percent agreement with and without ties,
    Cohen's kappa with its bootstrap CI (resampling `clusters` of rows when given)."""
    rows = []
    for a, b in combinations(verdicts.columns, 2):
        x, y = list(verdicts[a]), list(verdicts[b])
        rows.append(_compare(str(a), str(b), x, y, tie=tie, seed=seed, clusters=clusters))
    return pd.DataFrame(rows, columns=_COLUMNS)


def reference_table(
    verdicts: pd.DataFrame,
    reference: Sequence[Label],
    name: str,
    *,
    tie: Hashable | None = None,
    seed: int = 0,
    clusters: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Each judge (column) against one reference labelling: the panel's vote, or human labels."""
    ref = list(reference)
    rows = [
        _compare(str(j), name, list(verdicts[j]), ref, tie=tie, seed=seed, clusters=clusters) for j in verdicts.columns
    ]
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = [
    "rater",
    "reference",
    "n",
    "agreement",
    "n_without_ties",
    "agreement_without_ties",
    "kappa",
    "kappa_low",
    "kappa_high",
]


def _compare(
    a: str,
    b: str,
    x: list[Label],
    y: list[Label],
    *,
    tie: Hashable | None,
    seed: int,
    clusters: Sequence[Hashable] | None = None,
) -> dict:
    both = label_agreement(x, y)
    no_ties = label_agreement(x, y, tie=tie) if tie is not None else both
    kappa = cohen_kappa_labels(x, y, seed=seed, clusters=clusters)
    return {
        "rater": a,
        "reference": b,
        "n": both.n,
        "agreement": both.value,
        "n_without_ties": no_ties.n,
        "agreement_without_ties": no_ties.value,
        "kappa": kappa.value,
        "kappa_low": kappa.ci_low,
        "kappa_high": kappa.ci_high,
    }
