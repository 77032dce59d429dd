"""Which units to label by hand, and in which order, so that the labels give an unbiased human win rate WHEREVER
the user stops.

Both plans are stratified samples without replacement taken in a fixed order: each stratum's units in a seeded,
uniformly random order, and a schedule, fixed before any label, saying from which stratum the k-th label comes.
Stopping after k labels leaves the first n_h(k) units of every stratum's order, which is a stratified simple
random sample with inclusion probability n_h(k)/N_h, exactly, for every k. `uniform_plan` is one stratum.

`disagreement_plan` cuts the conversations into strata by the panel's uncertainty and labels the uncertain
strata at a higher rate (a mix of uniform and uncertainty-proportional rates, so no stratum's rate is below
`uniform_share` times its fair share); the first labels are two from every stratum, least sure first, so an
estimate exists early. The default share, 0.7, is deliberately high: a panel can be confidently wrong, and the
strata it is sure about then need labels too (benchmarks/ppi_coverage.py: 0.5 under-covered a biased panel at 50
labels, 0.7 covered it with narrower intervals, and lost little where the uncertainty is informative).

Rejected alternatives: a Poisson sample shown in decreasing-uncertainty order is biased
when the user stops early (what comes last is never labelled); a with-replacement (Hansen-Hurwitz) sequence
repeats units, and stopping after k distinct units makes the number of draws depend on which units came up;
ordered draws without replacement with Des Raj's estimator are unbiased at every stop, but their terms are
heavy-tailed when low-probability units come up, and the interval under-covered at 20-50 labels in simulation.

Each planned label records what the estimator needs later (unit, stratum, stratum size, rank in the stratum), so
the estimate can be recomputed from the labels file alone (`labelled_sample`)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

WARM_UP_PER_STRATUM = 2  # labels taken from every stratum first, so each has a variance to estimate


@dataclass(frozen=True)
class PlannedLabel:
    position: int  # order in which to ask, 0 first
    unit: int  # index of the unit in the run
    stratum: int  # 0 = where the panel is least sure
    stratum_size: int  # units in the stratum (N_h)
    stratum_position: int  # rank in the stratum's random order


@dataclass(frozen=True)
class LabelledSample:
    units: tuple[int, ...]  # labelled units the estimate may use
    strata: tuple[int, ...]
    inclusion: tuple[float, ...]  # n_h / N_h for the labels actually made
    set_aside: int  # labels after a gap in their stratum's order: using them would favour easy-to-label units


def prediction_uncertainty(predictions: ArrayLike) -> np.ndarray:
    """1 - |2f - 1|: 0 for a sure verdict (f = 0 or 1), 1 for f = 1/2 (a tie, or an even split of the judges)."""
    f = np.asarray(predictions, dtype=float)
    if not np.all(np.isfinite(f)) or (f.size and (f.min() < 0 or f.max() > 1)):
        raise ValueError("predictions must be finite numbers in [0, 1]")
    return 1 - np.abs(2 * f - 1)


def _schedule(sizes: np.ndarray, rates: np.ndarray) -> list[int]:
    """Stratum of every position: a warm-up round, then always the open stratum furthest behind its rate."""
    sizes_, rates_ = [int(s) for s in sizes], [float(r) for r in rates]
    taken = [0] * len(sizes_)
    order: list[int] = []
    for _ in range(WARM_UP_PER_STRATUM):
        for h, size in enumerate(sizes_):
            if taken[h] < size:
                taken[h] += 1
                order.append(h)
    while len(order) < sum(sizes_):
        open_strata = [h for h, size in enumerate(sizes_) if taken[h] < size]
        total = sum(rates_[h] for h in open_strata)
        k = len(order) + 1
        h = max(open_strata, key=lambda h: (rates_[h] / total * k - taken[h], -h))
        taken[h] += 1
        order.append(h)
    return order


def _plan(stratum: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> tuple[PlannedLabel, ...]:
    sizes = np.bincount(stratum)
    queues = [rng.permutation(np.flatnonzero(stratum == h)) for h in range(sizes.size)]
    taken = np.zeros(sizes.size, dtype=int)
    rows = []
    for position, h in enumerate(_schedule(sizes, rates)):
        rows.append(PlannedLabel(position, int(queues[h][taken[h]]), int(h), int(sizes[h]), int(taken[h])))
        taken[h] += 1
    return tuple(rows)


def uniform_plan(n_units: int, *, seed: int) -> tuple[PlannedLabel, ...]:
    """A seeded random order of all units: the first k of it are a uniform sample, inclusion k/N."""
    if n_units < 1:
        raise ValueError(f"need at least one unit, got {n_units}")
    return _plan(np.zeros(n_units, dtype=int), np.ones(1), np.random.default_rng(seed))


def _strata_by_uncertainty(u: np.ndarray, clusters: Sequence[Hashable], n_strata: int, rng) -> np.ndarray:
    """Whole clusters ranked by mean uncertainty (ties in random order), cut into strata of about equal units."""
    index: dict[Hashable, int] = {}
    cluster = np.array([index.setdefault(c, len(index)) for c in clusters], dtype=int)
    sizes = np.bincount(cluster)
    mean_u = np.bincount(cluster, u) / sizes
    ranked = np.lexsort((rng.random(sizes.size), -mean_u))
    middle = np.cumsum(sizes[ranked]) - sizes[ranked] / 2
    of_cluster = np.empty(sizes.size, dtype=int)
    of_cluster[ranked] = np.minimum((middle / u.size * n_strata).astype(int), n_strata - 1)
    return np.unique(of_cluster, return_inverse=True)[1][cluster]  # drop strata left empty by big clusters


def disagreement_plan(
    uncertainty: ArrayLike,
    clusters: Sequence[Hashable] | None = None,
    *,
    seed: int,
    strata: int = 2,
    uniform_share: float = 0.7,
) -> tuple[PlannedLabel, ...]:
    """Uncertain conversations first and more often. `uncertainty` in [0, 1] per unit (judge disagreement, or
    `prediction_uncertainty`); stratum h is labelled at rate N_h/N * (s + (1 - s) * mean_u_h / mean_u)."""
    u = np.asarray(uncertainty, dtype=float)
    if u.ndim != 1 or u.size < 1 or not np.all(np.isfinite(u)) or u.min() < 0 or u.max() > 1:
        raise ValueError("uncertainty must be a non-empty 1-D array of numbers in [0, 1]")
    if clusters is not None and len(clusters) != u.size:
        raise ValueError(f"{u.size} uncertainties but {len(clusters)} cluster ids")
    if not 0 < uniform_share <= 1:
        raise ValueError(f"uniform_share must be in (0, 1], got {uniform_share}")
    if strata < 1:
        raise ValueError(f"need at least one stratum, got {strata}")
    rng = np.random.default_rng(seed)
    stratum = _strata_by_uncertainty(u, range(u.size) if clusters is None else clusters, strata, rng)
    fair = np.bincount(stratum) / u.size
    relative = np.bincount(stratum, u) / np.bincount(stratum) / u.mean() if u.mean() > 0 else np.ones(fair.size)
    return _plan(stratum, fair * (uniform_share + (1 - uniform_share) * relative), rng)


def labelled_sample(rows: Sequence[PlannedLabel]) -> LabelledSample:
    """The planned labels that were made (any order) -> what `human_anchored_win_rate` needs. Within a stratum
    only the unbroken run from its first planned unit counts; labels after a gap are set aside."""
    units, strata, inclusion = [], [], []
    by_stratum: dict[int, list[PlannedLabel]] = {}
    for row in rows:
        by_stratum.setdefault(row.stratum, []).append(row)
    if len({row.unit for row in rows}) != len(rows):
        raise ValueError("a unit appears twice among the labelled rows")
    for h, group in sorted(by_stratum.items()):
        if len({row.stratum_size for row in group}) != 1:
            raise ValueError(f"stratum {h}: rows disagree on the stratum's size")
        ranks = sorted(row.stratum_position for row in group)
        if len(set(ranks)) != len(ranks):
            raise ValueError(f"stratum {h}: two rows share a rank in the stratum's order")
        kept = next((k for k, rank in enumerate(ranks) if rank != k), len(ranks))
        for row in group:
            if row.stratum_position < kept:
                units.append(row.unit)
                strata.append(h)
                inclusion.append(kept / row.stratum_size)
    return LabelledSample(tuple(units), tuple(strata), tuple(inclusion), len(rows) - len(units))
