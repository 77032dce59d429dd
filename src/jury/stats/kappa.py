"""Chance-corrected agreement between raters: Cohen's kappa (two raters, with a bootstrap CI),
Fleiss' kappa and Krippendorff's alpha (many raters).

Percent agreement flatters judges that mostly say the same thing (a panel that always answers
"candidate" agrees with itself perfectly); kappa and alpha subtract the agreement expected by chance.
The point estimates come from maintained libraries (scikit-learn, statsmodels, krippendorff); only
the bootstrap, which must refit thousands of times, computes kappa itself, from confusion counts.

Labels are any hashable values; None (or NaN) is a missing rating and the item is left out of
pairwise measures, so every result carries the number of items it used.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Label = Hashable | None


def is_missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def rated_pairs(a: Sequence[Label], b: Sequence[Label]) -> tuple[list[Label], list[Label]]:
    if len(a) != len(b):
        raise ValueError(f"both raters must rate the same items: got {len(a)} and {len(b)} labels")
    kept = [(x, y) for x, y in zip(a, b, strict=True) if not is_missing(x) and not is_missing(y)]
    return [x for x, _ in kept], [y for _, y in kept]


@dataclass(frozen=True)
class Kappa:
    value: float  # nan when undefined (fewer than two items, or both raters constant and equal)
    ci_low: float
    ci_high: float
    confidence: float
    n: int


def _kappa_from_counts(counts: np.ndarray) -> np.ndarray:
    """Cohen's kappa of confusion matrices stacked on the first axis (vectorised for the bootstrap)."""
    n = counts.sum(axis=(1, 2))
    observed = np.trace(counts, axis1=1, axis2=2) / n
    expected = (counts.sum(axis=2) * counts.sum(axis=1)).sum(axis=1) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (observed - expected) / (1 - expected)


def cohen_kappa_labels(
    a: Sequence[Label],
    b: Sequence[Label],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
    clusters: Sequence[Hashable] | None = None,
) -> Kappa:
    """Cohen's kappa (scikit-learn) on the items both rated, with a percentile bootstrap over items,
    or over `clusters` (one label per item, e.g. the conversation a turn belongs to) when the items
    of a cluster are not independent: whole clusters are drawn, so the CI is not too narrow."""
    from sklearn.metrics import cohen_kappa_score

    if clusters is not None and len(clusters) != len(a):
        raise ValueError(f"{len(a)} labels but {len(clusters)} cluster labels")
    x, y = rated_pairs(a, b)
    groups: list[Hashable] = list(range(len(x)))
    if clusters is not None:
        groups = [c for c, u, v in zip(clusters, a, b, strict=True) if not is_missing(u) and not is_missing(v)]
    n = len(x)
    nan = float("nan")
    if n < 2 or len({*x, *y}) < 2:  # one label only: chance agreement is 1 and kappa is undefined
        return Kappa(nan, nan, nan, confidence, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = float(cohen_kappa_score(x, y))
    categories = {c: i for i, c in enumerate(dict.fromkeys([*x, *y]))}
    k = len(categories)
    cell = np.array([categories[u] * k + categories[v] for u, v in zip(x, y, strict=True)])
    # one confusion matrix per cluster (per item when there are no clusters); a resample sums the drawn ones
    labels = {c: i for i, c in enumerate(dict.fromkeys(groups))}
    g = len(labels)
    per_cluster = np.zeros((g, k * k), dtype=np.int64)
    np.add.at(per_cluster, ([labels[c] for c in groups], cell), 1)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, g, size=(n_resamples, g))
    # how often each round drew each cluster, times the clusters' counts: never a rounds x items x cells array
    drawn = np.bincount((idx + np.arange(n_resamples)[:, None] * g).ravel(), minlength=n_resamples * g)
    counts = (drawn.reshape(n_resamples, g) @ per_cluster).reshape(n_resamples, k, k)
    boot = _kappa_from_counts(counts)
    boot = boot[~np.isnan(boot)]
    if boot.size == 0:
        return Kappa(value, nan, nan, confidence, n)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail])
    return Kappa(value, float(low), float(high), confidence, n)


@dataclass(frozen=True)
class MultiRater:
    value: float
    n_items: int  # items that entered the measure
    n_raters: int


def _as_frame(ratings: pd.DataFrame | Sequence[Sequence[Label]]) -> pd.DataFrame:
    """Items are rows and raters columns; None and NaN are missing."""
    frame = ratings if isinstance(ratings, pd.DataFrame) else pd.DataFrame(list(ratings))
    return frame.astype(object).where(frame.notna(), None)


def fleiss_kappa_items(ratings: pd.DataFrame | Sequence[Sequence[Label]]) -> MultiRater:
    """Fleiss' kappa (statsmodels) over items rated by every rater: it needs a fixed number of raters
    per item, so items with a missing rating are left out (and n_items says how many remain)."""
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    frame = _as_frame(ratings)
    complete = frame[frame.notna().all(axis=1)]
    if len(complete) < 1 or frame.shape[1] < 2:
        return MultiRater(float("nan"), len(complete), frame.shape[1])
    codes = {c: i for i, c in enumerate(pd.unique(complete.to_numpy().ravel()))}
    table, _ = aggregate_raters(complete.map(codes.__getitem__).to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        value = float(fleiss_kappa(table, method="fleiss"))
    return MultiRater(value, len(complete), frame.shape[1])


def krippendorff_alpha_items(
    ratings: pd.DataFrame | Sequence[Sequence[Label]],
    *,
    level: Literal["nominal", "ordinal"] = "nominal",
    order: Sequence[Hashable] | None = None,
) -> MultiRater:
    """Krippendorff's alpha (the `krippendorff` package); unlike Fleiss it keeps items with missing
    ratings. Ordinal alpha needs `order`, lowest first (e.g. baseline, tie, candidate), so that
    confusing a tie with a win costs less than confusing a loss with a win."""
    import krippendorff

    frame = _as_frame(ratings)
    values = [v for v in pd.unique(frame.to_numpy().ravel()) if not is_missing(v)]
    if level == "ordinal":
        if order is None:
            raise ValueError("ordinal alpha needs the order of the labels, lowest first")
        unknown = set(values) - set(order)
        if unknown:
            raise ValueError(f"labels {sorted(map(str, unknown))} are not in the given order {list(order)}")
        codes = {c: float(i) for i, c in enumerate(order)}
    else:
        codes = {c: float(i) for i, c in enumerate(values)}
    data = frame.map(lambda v: np.nan if is_missing(v) else codes[v]).to_numpy(dtype=float).T
    rated = (~np.isnan(data)).sum(axis=0) >= 2
    if rated.sum() < 1 or len(values) < 2:
        return MultiRater(float("nan"), int(rated.sum()), frame.shape[1])
    value = krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=sorted(codes.values()))
    return MultiRater(float(value), int(rated.sum()), frame.shape[1])
