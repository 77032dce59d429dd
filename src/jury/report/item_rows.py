"""Which items a report's table shows, so report.md and report.html stay readable at any run size:
every item when there are few; otherwise the items where the judges disagreed or someone abstained
first (the ones worth reading), then a seeded sample of the rest, with a note pointing at items.csv
(every item's verdicts) and run.json (every text)."""

from __future__ import annotations

import random

from jury.records import Vote
from jury.results.run_result import RunResult

# what a judge's cell says for a pair of identical answers, which no judge was asked about
IDENTICAL = "identical answers"
MARKDOWN_ROWS = 150  # ~120 characters of answer per row: report.md stays under 200 KB
HTML_ROWS = 300
HTML_CELL_CHARS = 1500  # a single answer can be megabytes long; the full text is in run.json


def contested(vote: Vote) -> bool:
    """The panel abstained, a judge abstained, or the judges that voted did not all agree."""
    if vote.identical:
        return False
    voted = [p for p in vote.per_judge.values() if p is not None]
    return vote.outcome is None or len(voted) < len(vote.per_judge) or len(set(voted)) > 1


def shown_votes(result: RunResult, limit: int) -> tuple[list[Vote], str | None]:
    """(the votes to show, in run order; a note saying what was left out, or None)."""
    votes = list(result.votes)
    if len(votes) <= limit:
        return votes, None
    first = [v for v in votes if contested(v)][:limit]
    rest = [v for v in votes if not contested(v)]
    sample = random.Random(result.spec.seed).sample(rest, min(len(rest), limit - len(first)))
    keep = {v.unit_id for v in first} | {v.unit_id for v in sample}
    shown = [v for v in votes if v.unit_id in keep]
    n_contested = sum(contested(v) for v in votes)
    note = (
        f"{len(shown)} of {len(votes)} items shown: the {min(n_contested, limit)} where judges disagreed or abstained"
        + (f" (of {n_contested})" if n_contested > limit else "")
        + (f", then a random {len(sample)} of the other {len(rest)}" if sample else "")
        + ". Every item's verdicts are in items.csv, every text in run.json."
    )
    return shown, note


def clip(text: str, limit: int = HTML_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit} more characters in run.json]"
