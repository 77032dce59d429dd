"""PPI++ under a stratified random sample of units: the machinery behind `ppi.human_anchored_win_rate`.

The estimator is the combined regression (difference) estimator of survey sampling, which is PPI++ with every
unit's prediction known: theta = lam * F + sum_h W_h * mean_h(y - lam * f), W_h = N_h / N, F the mean
prediction over all N units. Its variance is a stratified delete-one-cluster jackknife that refits lam in every
replicate (so lam's estimation is paid for), with each stratum's finite-population correction. The t quantile
takes Satterthwaite's degrees of freedom, where the spread of each stratum's variance estimate grows with the
kurtosis of the jackknife values: a rectifier that is mostly zero (a panel that usually agrees with the humans)
has few effective degrees of freedom, which is where plain intervals under-cover at small n
(benchmarks/ppi_coverage.py). A stratum whose labels all give the same rectifier has no variance to estimate;
its share of unseen disagreements is bounded instead (all n_h labels agreeing has probability <= (1 - q)^n_h),
with the error rate split between that bound and the t part (Bonferroni). Where deleting whole conversations
shows no spread but single units do, the delete-one-unit jackknife is used: units are drawn one by one."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

# Columns of the moment sums kept per cluster and per stratum: count, y, f, y*f, f*f.
_COLUMNS = 5
_TINY = 1e-12
_NEGLIGIBLE = _TINY**2  # a variance this small is rounding error: nothing was estimated


@dataclass(frozen=True)
class StratifiedLabels:
    """The labelled units of one run, already checked: arrays aligned per label, strata and clusters as 0-based
    codes (clusters nested in strata), and what is known about every unit (sizes, mean and range of f)."""

    human: np.ndarray
    predicted: np.ndarray
    stratum: np.ndarray
    cluster: np.ndarray
    stratum_sizes: np.ndarray  # N_h for every stratum
    panel_mean: float  # mean prediction over all N units
    prediction_range: tuple[float, float]  # smallest and largest prediction over all N units


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float  # not clipped to [0, 1]; the caller clips
    high: float
    standard_error: float  # jackknife, over the strata that have a variance to estimate
    df: float  # Satterthwaite degrees of freedom of the t part; inf when there is none
    lam: float
    note: str  # "" or why part of the interval is a bound rather than a t interval


def _moments(labels: StratifiedLabels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-cluster moment sums (C, 5), each cluster's stratum (C,), per-stratum totals (H, 5)."""
    y, f = labels.human, labels.predicted
    columns = np.column_stack([np.ones_like(y), y, f, y * f, f * f])
    n_clusters = int(labels.cluster.max()) + 1
    per_cluster = np.zeros((n_clusters, _COLUMNS))
    np.add.at(per_cluster, labels.cluster, columns)
    cluster_stratum = np.zeros(n_clusters, dtype=int)
    cluster_stratum[labels.cluster] = labels.stratum
    totals = np.zeros((labels.stratum_sizes.size, _COLUMNS))
    np.add.at(totals, cluster_stratum, per_cluster)
    return per_cluster, cluster_stratum, totals


def _fit(sums: np.ndarray, sizes: np.ndarray, panel_mean: float, lam: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Estimate and lam from stratum sums of shape (..., H, 5). A free lam minimises the estimated variance
    sum_h W_h^2 (1 - n_h/N_h) / n_h * S^2_h(y - lam f); it is 0 when the labelled predictions do not vary."""
    n = sums[..., 0]
    y_mean, f_mean = sums[..., 1] / n, sums[..., 2] / n
    dof = np.maximum(n - 1, 1)
    s_yf = (sums[..., 3] - n * y_mean * f_mean) / dof
    s_ff = (sums[..., 4] - n * f_mean * f_mean) / dof
    weights = sizes / sizes.sum()
    if lam is None:
        c = weights**2 * (1 - n / sizes) / n
        denominator = (c * s_ff).sum(-1)
        usable = denominator > _TINY * np.maximum(c.sum(-1), _TINY)
        lams = np.where(usable, (c * s_yf).sum(-1) / np.where(usable, denominator, 1.0), 0.0)
    else:
        lams = np.full(n.shape[:-1], float(lam))
    estimate = (weights * y_mean).sum(-1) - lams * ((weights * f_mean).sum(-1) - panel_mean)
    return estimate, lams


def _jackknife(labels: StratifiedLabels, lam: float | None, selected: np.ndarray):
    """Delete-one-cluster replicates within each selected stratum; per-stratum variances and standardised
    replicate deviations (for the kurtosis)."""
    per_cluster, cluster_stratum, totals = _moments(labels)
    keep = selected[cluster_stratum]
    replicates = np.broadcast_to(totals, (int(keep.sum()), *totals.shape)).copy()
    rows = np.arange(replicates.shape[0])
    replicates[rows, cluster_stratum[keep]] -= per_cluster[keep]
    estimates, _ = _fit(replicates, labels.stratum_sizes, labels.panel_mean, lam)
    strata = cluster_stratum[keep]
    variances = np.zeros(labels.stratum_sizes.size)
    deviations = []
    for h in np.flatnonzero(selected):
        theta_h = estimates[strata == h]
        g = theta_h.size
        spread = theta_h - theta_h.mean()
        fpc = 1 - totals[h, 0] / labels.stratum_sizes[h]
        variances[h] = fpc * (g - 1) / g * float((spread**2).sum())
        rms = np.sqrt((spread**2).mean())
        if rms > _TINY:
            deviations.append(spread / rms)
    return variances, (np.concatenate(deviations) if deviations else np.zeros(0))


def _excess_kurtosis(x: np.ndarray) -> float:
    """The sample excess kurtosis G2 (scipy.stats.kurtosis(x, bias=False), written out: scipy's call costs
    milliseconds, which the coverage benchmark pays 100,000 times); 0 below 4 values or without spread."""
    n = x.size
    if n < 4:
        return 0.0
    d = x - x.mean()
    m2 = float((d**2).mean())
    if m2 <= 0:
        return 0.0
    g2 = float((d**4).mean()) / m2**2 - 3
    return ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))


def _satterthwaite_df(variances: np.ndarray, groups: np.ndarray, deviations: np.ndarray) -> float:
    """Var(s^2)/sigma^4 ~ 2/(G-1) + kappa/G per stratum (kappa the pooled excess kurtosis), matched to a
    scaled chi-square; never more than G-1 per stratum."""
    kurtosis = max(_excess_kurtosis(deviations), 0.0)
    used = variances > _NEGLIGIBLE
    g = groups[used].astype(float)
    per_stratum = np.minimum(2 / (2 / (g - 1) + kurtosis / g), g - 1)
    return float(variances[used].sum() ** 2 / (variances[used] ** 2 / per_stratum).sum())


def _stratum_variances(labels: StratifiedLabels, lam: float | None, wanted: np.ndarray, clusters: np.ndarray):
    """Delete-one-cluster jackknife where a stratum has two labelled clusters or more and they differ; else the
    delete-one-unit jackknife, the design's own variance since units are drawn one by one (turns of one
    conversation can differ while every conversation's mean is the same). Returns per-stratum variances,
    jackknife deviations and the number of groups deleted in turn."""
    variances, deviations = _jackknife(labels, lam, wanted & (clusters >= 2))
    groups = clusters.astype(float)
    by_unit = wanted & (variances <= _NEGLIGIBLE)
    if by_unit.any():
        units = replace(labels, cluster=np.arange(labels.human.size))
        unit_variances, unit_deviations = _jackknife(units, lam, by_unit)
        variances = np.where(by_unit, unit_variances, variances)
        groups = np.where(by_unit, np.bincount(labels.stratum, minlength=groups.size), groups)
        deviations = np.concatenate([deviations, unit_deviations])
    return variances, deviations, groups


def _unseen_bound(labels: StratifiedLabels, lam: float, rectifier: np.ndarray, h: int, alpha: float) -> tuple:
    """Range of W_h * (population mean - sample mean) of the rectifier in a stratum without a usable spread:
    if its labels all agree, at most a share q = 1 - alpha^(1/n_h) of its units differ (else any share)."""
    in_h = labels.stratum == h
    n_h = int(in_h.sum())
    constant = np.ptp(rectifier[in_h]) <= _TINY
    share = 1 - alpha ** (1 / n_h) if constant else 1.0
    f_low, f_high = labels.prediction_range
    lowest, highest = -max(lam * f_low, lam * f_high), 1 - min(lam * f_low, lam * f_high)
    centre = float(rectifier[in_h].mean())
    weight = labels.stratum_sizes[h] / labels.stratum_sizes.sum()
    return float(weight * share * (lowest - centre)), float(weight * share * (highest - centre))


def stratified_ppi(labels: StratifiedLabels, *, confidence: float, lam: float | None) -> Interval:
    """PPI++ estimate and interval; `lam=None` power-tunes lam, a number fixes it (0 gives humans only)."""
    _, cluster_stratum, totals = _moments(labels)
    estimate, lams = _fit(totals, labels.stratum_sizes, labels.panel_mean, lam)
    lam_hat = float(lams)
    rectifier = labels.human - lam_hat * labels.predicted
    n_h = totals[:, 0]
    census = n_h >= labels.stratum_sizes
    clusters = np.bincount(cluster_stratum, minlength=n_h.size)
    flat = np.array([np.ptp(rectifier[labels.stratum == h]) <= _TINY for h in range(n_h.size)])
    variances, deviations, groups = _stratum_variances(labels, lam, ~census & ~flat, clusters)
    degenerate = ~census & (variances <= _NEGLIGIBLE)
    t_part = bool((variances > _NEGLIGIBLE).any())
    alpha = (1 - confidence) / max(int(t_part) + int(degenerate.sum()), 1)
    se = float(np.sqrt(variances.sum()))
    df = _satterthwaite_df(variances, groups, deviations) if t_part else float("inf")
    half = float(stats.t.ppf(1 - alpha / 2, df)) * se if t_part else 0.0
    low, high = float(estimate) - half, float(estimate) + half
    for h in np.flatnonzero(degenerate):
        below, above = _unseen_bound(labels, lam_hat, rectifier, int(h), alpha)
        low, high = low + below, high + above
    note = ""
    if degenerate.any():
        note = f"{int(degenerate.sum())} stratum(s) without spread among their labels: bounded, not estimated"
    return Interval(float(estimate), low, high, se, df, lam_hat, note)
