"""Coverage of jury's win-rate and position-bias CIs (nominal 95%), printed as tables.

Win rate (`win_rate_with_ci`, the path of the panel's rate, each judge's and the per-turn rows): n
independent verdicts, exact (every possible count enumerated with its probability), with and without
ties; and n two-turn conversations (2n verdicts, the turns one cluster) by simulation, turn 2 a copy
of turn 1 with probability rho and otherwise an independent draw. With ties the tie share is
min(0.2, 2 (1 - rate)), so 0.95 has 10% ties and no losses. Position bias (`first_position_rate`):
G items judged in both orders, each both times won by the first answer (f1), by the second (f0), or
consistent; the rate is 1/2 + (f1 - f0) / 2.

    PYTHONPATH=src python benchmarks/winrate_coverage.py [--rounds 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy import stats

from jury.records import Judgment, Preference
from jury.stats.bias import first_position_rate
from jury.stats.winrate import win_rate_with_ci

C, T, B = Preference.CANDIDATE, Preference.TIE, Preference.BASELINE
SIZES, RATES = (10, 30, 100), (0.5, 0.8, 0.95)


def shares(rate: float, ties: bool) -> tuple[float, float, float]:
    """P(win), P(tie), P(loss) with mean win + tie / 2 = rate."""
    tie = min(0.2, 2 * (1 - rate), 2 * rate) if ties else 0.0
    return rate - tie / 2, tie, 1 - rate - tie / 2


def exact_coverage(n: int, rate: float, ties: bool) -> tuple[float, float]:
    """(coverage, mean width) over every (wins, ties) count, weighted by its multinomial probability."""
    p = shares(rate, ties)
    covered = width = 0.0
    for tied in range(n + 1) if ties else (0,):
        for won in range(n - tied + 1):
            prob = stats.multinomial.pmf([won, tied, n - won - tied], n, p)
            if prob < 1e-15:
                continue
            w = win_rate_with_ci([C] * won + [T] * tied + [B] * (n - won - tied))
            covered += prob * (w.ci_low <= rate <= w.ci_high)
            width += prob * (w.ci_high - w.ci_low)
    return covered, width


def clustered_coverage(n: int, rate: float, ties: bool, rho: float, rounds: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    p = shares(rate, ties)
    items = [f"i{k}" for k in range(n)] * 2
    covered = width = 0.0
    for _ in range(rounds):
        first = rng.choice(3, size=n, p=p)
        second = np.where(rng.random(n) < rho, first, rng.choice(3, size=n, p=p))
        w = win_rate_with_ci([(C, T, B)[k] for k in np.concatenate([first, second])], clusters=items)
        covered += w.ci_low <= rate <= w.ci_high
        width += w.ci_high - w.ci_low
    return covered / rounds, width / rounds


def position_coverage(g: int, f1: float, f0: float, rounds: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    truth = 0.5 + (f1 - f0) / 2
    covered = width = 0.0
    for _ in range(rounds):
        u = rng.random(g)
        judged = []
        for k in range(g):  # the preference that puts the first-shown answer on top, or the candidate
            first_twice, second_twice = u[k] < f1, f1 <= u[k] < f1 + f0
            judged.append(Judgment(f"i{k}", "j", "m", "pairwise", "candidate_first", B if second_twice else C))
            judged.append(Judgment(f"i{k}", "j", "m", "pairwise", "baseline_first", B if first_twice else C))
        r = first_position_rate(judged)
        covered += r.ci_low <= truth <= r.ci_high
        width += r.ci_high - r.ci_low
    return covered / rounds, width / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    mc = 100 * 1.96 * math.sqrt(0.95 * 0.05 / args.rounds)
    print(f"Win rate, coverage % (mean CI width in points); simulated columns +/- {mc:.1f} (95% Monte Carlo)")
    heads = ["independent (exact)", "2-turn rho=0.5", "2-turn rho=1"]
    print(f"{'ties':<5} {'n':>4} {'rate':>5} | {heads[0]:>20} | {heads[1]:>16} | {heads[2]:>16}")
    for ties in (False, True):
        for n in SIZES:
            for rate in RATES:
                cells = [exact_coverage(n, rate, ties)]
                cells += [clustered_coverage(n, rate, ties, rho, args.rounds, args.seed) for rho in (0.5, 1.0)]
                text = [f"{100 * c:5.1f} ({100 * w:4.1f})" for c, w in cells]
                print(f"{'yes' if ties else 'no':<5} {n:>4} {rate:>5} | {text[0]:>20} | {text[1]:>16} | {text[2]:>16}")
    print("\nPosition bias (both orders of each item one cluster), coverage % (mean CI width in points)")
    print(f"{'items':>5} {'f1':>5} {'f0':>5} {'rate':>6} | {'coverage':>16}")
    for g in (20, 50, 200):
        for f1, f0 in [(0.01, 0.0), (0.05, 0.0), (0.05, 0.05), (0.1, 0.02), (0.3, 0.1), (0.6, 0.0)]:
            c, w = position_coverage(g, f1, f0, args.rounds // 4, args.seed)
            print(f"{g:>5} {f1:>5} {f0:>5} {0.5 + (f1 - f0) / 2:>6.3f} | {f'{100 * c:5.1f} ({100 * w:4.1f})':>16}")


if __name__ == "__main__":
    main()
