"""Which of a run's units a human labels, and in which order, so that the labels made when the labeller
stops, wherever that is, are a probability sample with known probabilities.

A plan is a sequence of draws, each naming a unit and the probability `p` that a draw comes up with that
unit. Both strategies give the same unbiased estimate of the run's mean human score from the first m draws,
  (1/m) * sum over draws d of y(d) / (N * p(d))        (Hansen-Hurwitz),
which for `uniform` is the plain mean of the labels.

`uniform`: a seeded random order of all N units (p = 1/N); the first k are a simple random sample without
replacement, each unit included with probability k/N, whatever k is.

`disagreement`: independent draws WITH replacement, p_i = s/N + (1 - s) * u_i / sum(u), a mixture of uniform
(share s, default 1/2) and the panel's uncertainty u_i (uncertainty.py). Units where the panel is split come
up earlier and more often. The uniform share bounds every weight y/(Np) by 1/s, so a panel that is
confidently wrong still has its sure units sampled. A unit drawn again is not asked again: its label counts
once per draw (a `repeat` draw). The labeller stops between two units, i.e. just before a draw of a unit not
seen yet, with every repeat before it credited. Then the estimate above stays exactly unbiased: whether the
labeller stops after draw m depends on draws 1..m only through the set of units they hold (and on draw m+1
being new), so given the stop those m draws are exchangeable, and their mean weighted label has the
expectation of the first draw's, the mean human score (tests/test_label_plan.py also checks it by enumerating
every draw sequence of small plans). Stopping right AFTER a new unit, before its repeats, would be biased;
that is why the session writes a label's following repeats at once, with the label.

As with any sample, the stop must not depend on the labels given nor on which pair came last (stop for
time or budget, not because "the numbers look good"), and a skipped pair is a missing label: skipping the
hard ones biases any estimate.

Rejected: showing units in decreasing uncertainty (what comes last is never labelled, so an early stop is
biased); ordered draws without replacement (Des Raj) are also unbiased at any stop, but their weights
become extreme when an improbable unit comes up early. A stratified plan (strata of uncertainty, a fixed
schedule) is the other sound choice; any plan fits the `Plan` interface below.

Plans are prefix-stable: a larger `sample` with the same seed extends the same sequence, so a labeller who
asks for more later continues where they were."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from jury.io.human_labels import inclusion_probability

UNIFORM_SHARE = 0.5
_CHUNK = 256  # uniforms drawn at a time: the sequence does not depend on how many draws are needed


@dataclass(frozen=True)
class Draw:
    index: int  # position in the plan, 0 first
    unit: int  # index of the unit among the run's units
    probability: float  # the chance that a draw comes up with this unit
    repeat: bool = False  # the unit came up at an earlier draw: nothing is asked, its label counts again


@dataclass(frozen=True)
class Plan:
    strategy: str
    seed: int
    population: int  # N, the run's units
    draws: tuple[Draw, ...]
    with_replacement: bool

    @property
    def asked(self) -> tuple[Draw, ...]:
        """The draws a human answers: each unit's first."""
        return tuple(d for d in self.draws if not d.repeat)

    def inclusion_probability(self, probability: float, n_draws: int) -> float:
        """The chance that a unit with this draw probability is among the first `n_draws` draws."""
        return inclusion_probability(self.with_replacement, probability, n_draws, self.population)


def uniform_plan(uncertainty: Sequence[float], *, seed: int, sample: int) -> Plan:
    """The first `sample` units of a seeded random order of all of them."""
    n = _check(uncertainty, sample)
    order = np.random.default_rng(seed).permutation(n)[: min(sample, n)]
    draws = tuple(Draw(k, int(u), 1.0 / n) for k, u in enumerate(order))
    return Plan("uniform", seed, n, draws, with_replacement=False)


def draw_probabilities(uncertainty: Sequence[float], uniform_share: float = UNIFORM_SHARE) -> np.ndarray:
    """p_i = s/N + (1 - s) u_i / sum(u); uniform when the panel is sure of every unit."""
    u = np.asarray(uncertainty, dtype=float)
    if not 0 < uniform_share <= 1:
        raise ValueError(f"uniform_share must be in (0, 1], got {uniform_share}")
    if u.ndim != 1 or u.size < 1 or not np.all(np.isfinite(u)) or u.min() < 0 or u.max() > 1:
        raise ValueError("uncertainty must be a non-empty 1-D sequence of numbers in [0, 1]")
    flat = np.full(u.size, 1.0 / u.size)
    if u.sum() == 0:
        return flat
    return uniform_share * flat + (1 - uniform_share) * u / u.sum()


def disagreement_plan(
    uncertainty: Sequence[float], *, seed: int, sample: int, uniform_share: float = UNIFORM_SHARE
) -> Plan:
    """Draws with replacement from `draw_probabilities` until `sample` distinct units have come up."""
    n = _check(uncertainty, sample)
    p = draw_probabilities(uncertainty, uniform_share)
    edges = np.cumsum(p)
    rng = np.random.default_rng(seed)
    wanted = min(sample, n)
    draws: list[Draw] = []
    seen: set[int] = set()
    while len(seen) < wanted:  # every p_i >= s/N > 0, so every unit comes up eventually
        for r in rng.random(_CHUNK):
            unit = min(int(np.searchsorted(edges, r * edges[-1], side="right")), n - 1)
            if unit not in seen and len(seen) == wanted:
                break
            draws.append(Draw(len(draws), unit, float(p[unit]), repeat=unit in seen))
            seen.add(unit)
    return Plan("disagreement", seed, n, tuple(draws), with_replacement=True)


def _check(uncertainty: Sequence[float], sample: int) -> int:
    if sample < 1:
        raise ValueError(f"sample must be at least 1, got {sample}")
    if len(uncertainty) < 1:
        raise ValueError("the run has no units to label")
    return len(uncertainty)


PlanMaker = Callable[..., Plan]
STRATEGIES: dict[str, PlanMaker] = {"uniform": uniform_plan, "disagreement": disagreement_plan}


def make_plan(strategy: str, uncertainty: Sequence[float], *, seed: int, sample: int) -> Plan:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: use one of {sorted(STRATEGIES)}")
    return STRATEGIES[strategy](uncertainty, seed=seed, sample=sample)
