"""Judgments that could not be made, told apart by cause, and whether a run may pass with them.

A CALL failure is the provider's: the request errored (unreachable server, rejected key, a rate limit
that outlived every retry). A PARSE failure is the judge's: it answered, but no verdict could be read
from the answer. Both leave an abstention, and abstentions are left out of the win rate; so a run
whose every call failed still "finishes", with the win rate n/a. The counts are taken from the
judgments' abstention reasons, so a run read back from its log is checked as the run that wrote it.

The unit counted is the judgment: one judge's verdict on one unit in one presentation order (a
pairwise judgment is one call; a pointwise one needs both outputs' calls and fails with either).

Why 5% by default (`--max-failed`): failures are rarely random (long prompts overflow a context,
content filters trip on some topics), so the missing verdicts may differ from the rest. If a share f
of the verdicts is missing, the win rate over all items lies within f of the one measured, whatever
the missing ones would have said: 5% bounds that worst-case shift at 5 points, the half-width of a
95% CI on about 400 items, so the failures cannot move the result by more than its own noise there.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from jury.records import Judgment, Vote

DEFAULT_MAX_FAILED = 0.05
# how every verdict parser (jury.panel.parse, the likelihood strategy) words a reply that carried an error
CALL_FAILED = "call failed: "
_ROLE = re.compile(r"^(candidate|baseline)(_unconditional)?: ")
_CALL_ERROR = re.compile(re.escape(CALL_FAILED) + r"(.+?)(?=; (?:candidate|baseline)(?:_unconditional)?: |$)", re.S)
_MAX_REASON = 160


@dataclass(frozen=True)
class Failures:
    judgments: int  # every judgment the run made or tried
    call_failed: int  # judgments lost because a model call errored
    parse_failed: int  # judgments whose reply held no readable verdict
    commonest_call: str | None = None  # the most frequent provider error, shortened to one line
    commonest_parse: str | None = None

    @property
    def call_share(self) -> float:
        return self.call_failed / self.judgments if self.judgments else 0.0

    def describe(self) -> str:
        """One line: how many judgments failed and why, the two causes apart."""
        calls = f"{self.call_failed} call failure(s)" + (
            f" (commonest: {self.commonest_call})" if self.commonest_call else ""
        )
        parses = f"{self.parse_failed} unreadable verdict(s)" + (
            f" (commonest: {self.commonest_parse})" if self.commonest_parse else ""
        )
        return f"{self.call_failed + self.parse_failed} of {self.judgments} judgments failed: {calls}, {parses}"


def _one_line(text: str) -> str:
    """The first line (provider errors may carry a traceback after it), at most _MAX_REASON characters."""
    text = " ".join(next((line for line in text.splitlines() if line.strip()), "").split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def count_failures(judgments: Iterable[Judgment]) -> Failures:
    calls: Counter[str] = Counter()
    parses: Counter[str] = Counter()
    total = 0
    for j in judgments:
        total += 1
        if j.preference is not None:
            continue
        reason = j.abstain_reason or "no reason recorded"
        error = _CALL_ERROR.search(reason)
        if error:
            calls[_one_line(error.group(1))] += 1
        else:
            parses[_one_line(_ROLE.sub("", reason.split("; ")[0]))] += 1
    return Failures(
        judgments=total,
        call_failed=sum(calls.values()),
        parse_failed=sum(parses.values()),
        commonest_call=calls.most_common(1)[0][0] if calls else None,
        commonest_parse=parses.most_common(1)[0][0] if parses else None,
    )


def failure_problem(judgments: Iterable[Judgment], votes: Iterable[Vote], max_failed: float) -> str | None:
    """Why a finished run must not pass (one line), or None: the panel gave no verdict on any unit, or
    more than `max_failed` of the judgments were lost to failed calls. Unreadable verdicts are the
    judges' behaviour, reported but not held against the threshold."""
    if not 0.0 <= max_failed <= 1.0:
        raise ValueError(f"max_failed must be a fraction between 0 and 1, got {max_failed}")
    failures = count_failures(judgments)
    votes = list(votes)
    if votes and all(v.outcome is None for v in votes):
        why = f"no verdict on any of the {len(votes)} judged units ({_commonest_vote_reason(votes)})"
        return f"{why}: {failures.describe()}" if failures.call_failed + failures.parse_failed else why
    if failures.call_share > max_failed:
        return (
            f"{failures.call_share:.1%} of the judgments were lost to failed calls, above --max-failed "
            f"{max_failed:.1%}: {failures.describe()}"
        )
    return None


def _commonest_vote_reason(votes: list[Vote]) -> str:
    reasons = Counter(v.abstain_reason or "no judge voted" for v in votes)
    return f"commonest: {reasons.most_common(1)[0][0]}"
