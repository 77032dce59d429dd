"""Human-anchored win rate: prediction-powered inference (PPI++, Angelopoulos, Duchi & Zrnic 2023) of the HUMAN
win rate of a run from the panel's prediction on every unit and human scores on a random sample of them.

Target: the mean human score over the run's N units (a finite population), not over some wider pool of prompts.

Which units are "unlabelled": all N, not the complement of the labelled sample. The panel's prediction f is known
on every unit, so its mean F over the N units is an exact number, and the estimator
    theta = lam * F + (1/N) * sum_{labelled} (y_i - lam * f_i) / pi_i
is the survey-sampling difference (regression) estimator: unbiased for any fixed lam, with all of its randomness
in which units were labelled. Its variance is therefore the design variance of the labelled rectifier alone,
with the finite-population correction (1 - n_h/N_h), and no term for the unlabelled part. Taking the complement
instead would add the variance of the complement's mean and correlate it with the labelled part (the two sets are
complementary): more variance for no gain. ppi-python's formula treats the unlabelled set as an independent draw
from an infinite population (its variance term, ddof 0 and z quantiles); `ppi_mean` reproduces it exactly, for
reference and for its tests, and is not the run-level estimator.

lam minimises the estimated variance (the power tuning of PPI++), i.e. the within-stratum regression slope of y
on f. It is not clipped to [0, 1]: lam > 1 pays off for pooled probabilities that are less extreme than the
humans, lam < 0 for a panel that is reliably wrong, and the jackknife refits lam in every replicate, so its
estimation noise is inside the interval. lam = 0 is the humans-only estimate, computed with the same machinery.
Estimates and intervals are reported clipped to [0, 1], where the target lies (clipping only moves them closer).

Samples: a stratified random sample with known inclusion probability pi = n_h / N_h per label (the plans in
`label_sampling`; a uniform sample is one stratum). Turns of one conversation are a cluster: labels are drawn
per unit, so the design variance does not need clusters, but the jackknife deletes whole conversations, which is
conservative when turns agree, and is the right variance if conversations are labelled whole. Small samples, and
labels that show no spread, are handled in `ppi_stratified` (jackknife, Satterthwaite degrees of freedom, bounds).

Inputs are the caller's: an abstaining panel predicts 1/2 (any fixed prediction keeps the estimate valid; a poor
one only costs width), several labellers on one unit are averaged, and the user must stop labelling for reasons
unrelated to the labels seen (budget or time, not "the interval looks good")."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from jury.records import Preference
from jury.stats.ppi_stratified import StratifiedLabels, stratified_ppi


def panel_predictions(outcomes: Sequence[Preference | None]) -> np.ndarray:
    """The panel's verdicts as predictions of the human score; an abstention predicts a tie (1/2)."""
    return np.array([Preference.TIE.score if o is None else o.score for o in outcomes], dtype=float)


def _scores(name: str, values: ArrayLike) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)) or (array.size and (array.min() < 0 or array.max() > 1)):
        raise ValueError(f"{name} must be finite numbers in [0, 1]")
    return array


@dataclass(frozen=True)
class PPIMean:
    estimate: float
    lam: float
    standard_error: float


def ppi_mean(
    human: ArrayLike,
    predicted: ArrayLike,
    predicted_unlabelled: ArrayLike,
    *,
    lam: float | None = None,
    clip: bool = True,
) -> PPIMean:
    """ppi-python's PPI++ mean (ppi_mean_pointestimate / ppi_mean_ci) for an independent unlabelled sample.
    lam=None power-tunes it: cov(y, f) / ((1 + n/N) var(f over both sets)), clipped to [0, 1] when `clip`
    (as ppi-python always does); when the predictions do not vary at all lam is 0 (ppi-python divides by 0)."""
    y = np.asarray(human, dtype=float)
    f = np.asarray(predicted, dtype=float)
    f_unlabelled = np.asarray(predicted_unlabelled, dtype=float)
    if y.ndim != 1 or f.shape != y.shape or f_unlabelled.ndim != 1:
        raise ValueError(f"need equal-length 1-D labels and predictions, got {y.shape} and {f.shape}")
    if y.size < 2 or f_unlabelled.size < 2:
        raise ValueError("need at least 2 labelled and 2 unlabelled units")
    if not all(np.all(np.isfinite(a)) for a in (y, f, f_unlabelled)):
        raise ValueError("labels and predictions must be finite")
    n, big_n = y.size, f_unlabelled.size
    if lam is None:
        pooled_variance = np.concatenate([f, f_unlabelled]).var(ddof=1)
        covariance = float(((y - y.mean()) * (f - f.mean())).mean())
        lam = covariance / ((1 + n / big_n) * pooled_variance) if pooled_variance > 0 else 0.0
        if clip:
            lam = float(np.clip(lam, 0.0, 1.0))
    estimate = lam * f_unlabelled.mean() + (y - lam * f).mean()
    variance = (lam * f_unlabelled).var() / big_n + (y - lam * f).var() / n
    return PPIMean(float(estimate), float(lam), float(np.sqrt(variance)))


@dataclass(frozen=True)
class HumanAnchoredWinRate:
    estimate: float  # PPI++ estimate of the mean human score over the run's units, clipped to [0, 1]
    ci_low: float  # clipped to [0, 1]
    ci_high: float
    standard_error: float
    lam: float
    df: float  # degrees of freedom of the t part of the interval (inf when it is all a bound)
    humans_estimate: float  # the labels alone, inverse-probability weighted (clipped likewise)
    humans_ci_low: float
    humans_ci_high: float
    humans_standard_error: float
    humans_df: float
    confidence: float
    n_labels: int
    n_clusters: int  # labelled clusters (conversations)
    n_units: int
    n_strata: int
    panel_mean: float  # mean prediction over all units: what the panel alone says
    labels_worth: float  # n * (humans width / PPI width)^2: humans-only labels the panel's help is worth
    note: str  # "" or why part of an interval is a bound


def _codes(values: Sequence[Hashable]) -> np.ndarray:
    index: dict[Hashable, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=int)


def _stratum_sizes(stratum: np.ndarray, inclusion: np.ndarray, n_units: int) -> np.ndarray:
    """N_h = n_h / pi_h, with pi constant within a stratum and the strata covering all units."""
    sizes = []
    for h in range(int(stratum.max()) + 1):
        pi = inclusion[stratum == h]
        if np.ptp(pi) > 1e-9 * pi.max():
            raise ValueError(f"stratum {h}: its labels have unequal inclusion probabilities {pi.min()}..{pi.max()}")
        size = pi.size / pi[0]
        if abs(size - round(size)) > 1e-6 * size:
            raise ValueError(f"stratum {h}: {pi.size} labels / inclusion {pi[0]} is not a whole number of units")
        sizes.append(round(size))
    if sum(sizes) != n_units:
        raise ValueError(
            f"the inclusion probabilities imply {sum(sizes)} units, not {n_units}: every stratum needs a label"
        )
    return np.array(sizes, dtype=float)


def _labels(predictions, clusters, labelled, human, inclusion, strata) -> StratifiedLabels:
    f_all = _scores("predictions", predictions)
    units = np.asarray(labelled)
    y = _scores("human scores", human)
    pi = np.asarray(inclusion, dtype=float)
    if units.ndim != 1 or not (units.size == y.size == pi.size) or (strata is not None and len(strata) != y.size):
        raise ValueError(f"{units.size} labelled units, {y.size} human scores, {pi.size} inclusion probabilities")
    if clusters is not None and len(clusters) != f_all.size:
        raise ValueError(f"{f_all.size} predictions but {len(clusters)} cluster ids")
    if y.size == 0:
        raise ValueError("no labelled units")
    if not np.issubdtype(units.dtype, np.integer) or units.min() < 0 or units.max() >= f_all.size:
        raise ValueError(f"labelled units must be indices in 0..{f_all.size - 1}")
    if np.unique(units).size != units.size:
        raise ValueError("a unit is labelled twice: average its labellers' scores into one")
    if not np.all(np.isfinite(pi)) or pi.min() <= 0 or pi.max() > 1:
        raise ValueError("inclusion probabilities must be in (0, 1]")
    stratum = np.zeros(y.size, dtype=int) if strata is None else _codes(strata)
    sizes = _stratum_sizes(stratum, pi, f_all.size)
    cluster = _codes([units[k] if clusters is None else clusters[units[k]] for k in range(units.size)])
    if np.unique(np.column_stack([cluster, stratum]), axis=0).shape[0] != cluster.max() + 1:
        raise ValueError("a cluster's labelled units lie in different strata: strata must hold whole clusters")
    return StratifiedLabels(y, f_all[units], stratum, cluster, sizes, float(f_all.mean()), (f_all.min(), f_all.max()))


def human_anchored_win_rate(
    predictions: ArrayLike,
    clusters: Sequence[Hashable] | None,
    labelled: ArrayLike,
    human: ArrayLike,
    inclusion: ArrayLike,
    *,
    strata: Sequence[Hashable] | None = None,
    confidence: float = 0.95,
    lam: float | None = None,
) -> HumanAnchoredWinRate:
    """`predictions` and `clusters` cover all N units (clusters=None: every unit alone); `labelled` indexes the
    labelled units, aligned with their `human` scores, `inclusion` probabilities and (unequal probabilities)
    `strata`. lam=None power-tunes lam; a number fixes it (1 is plain PPI)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    labels = _labels(predictions, clusters, labelled, human, inclusion, strata)
    ppi = stratified_ppi(labels, confidence=confidence, lam=lam)
    humans = stratified_ppi(labels, confidence=confidence, lam=0.0)
    width, humans_width = ppi.high - ppi.low, humans.high - humans.low
    n = labels.human.size
    worth = n * (humans_width / width) ** 2 if width > 0 else (float(n) if humans_width == 0 else float("inf"))
    notes = [f"{name}: {r.note}" for name, r in (("PPI", ppi), ("humans", humans)) if r.note]
    return HumanAnchoredWinRate(
        estimate=min(max(ppi.estimate, 0.0), 1.0),
        ci_low=max(ppi.low, 0.0),
        ci_high=min(ppi.high, 1.0),
        standard_error=ppi.standard_error,
        lam=ppi.lam,
        df=ppi.df,
        humans_estimate=min(max(humans.estimate, 0.0), 1.0),
        humans_ci_low=max(humans.low, 0.0),
        humans_ci_high=min(humans.high, 1.0),
        humans_standard_error=humans.standard_error,
        humans_df=humans.df,
        confidence=confidence,
        n_labels=n,
        n_clusters=int(labels.cluster.max()) + 1,
        n_units=int(labels.stratum_sizes.sum()),
        n_strata=int(labels.stratum_sizes.size),
        panel_mean=labels.panel_mean,
        labels_worth=float(worth),
        note="; ".join(notes),
    )
