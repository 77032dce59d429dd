"""Which of a run's units a human labels, and in which order, so that the labels made when the labeller
stops, wherever that is, are a probability sample with known inclusion probabilities.

The plans are jury.stats.label_sampling's stratified samples without replacement, taken in a fixed order:
`uniform` is one stratum (a seeded random order of all units: the first k are a simple random sample),
`disagreement` cuts the conversations into strata by how unsure the panel is and labels the unsure strata
first and at a higher rate. Stopping after k labels leaves the first n_h(k) units of each stratum's order,
so each label's inclusion probability is n_h/N_h, whatever k is (label_sampling explains the design and the
alternatives rejected). Every label row records its stratum, the stratum's size and its rank in the
stratum's order, so the estimate is recomputed from the labels file alone.

As with any sample, the stop must not depend on the labels given (stop for time or budget, not because the
numbers look good); a skipped pair is a missing label, and a label after a gap in its stratum's order is
set aside by the estimator.

Plans are prefix-stable: a larger `--sample` with the same seed extends the same order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jury.stats.label_sampling import PlannedLabel, disagreement_plan, uniform_plan

STRATEGIES = ("uniform", "disagreement")


@dataclass(frozen=True)
class Plan:
    strategy: str
    seed: int
    population: int  # N, the run's units
    labels: tuple[PlannedLabel, ...]  # the whole order; a session asks the first `sample` of it

    def asked(self, sample: int) -> tuple[PlannedLabel, ...]:
        return self.labels[:sample]


def make_plan(strategy: str, uncertainty: Sequence[float], clusters: Sequence[str], *, seed: int) -> Plan:
    """`uncertainty` (in [0, 1]) and `clusters` (the conversation of each unit) are per unit, in run order."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: use one of {', '.join(STRATEGIES)}")
    if not uncertainty:
        raise ValueError("the run has no units to label")
    if strategy == "uniform":
        labels = uniform_plan(len(uncertainty), seed=seed)
    else:
        labels = disagreement_plan(list(uncertainty), list(clusters), seed=seed)
    return Plan(strategy, seed, len(uncertainty), tuple(labels))
