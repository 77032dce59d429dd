"""From a judge's judgments to its vote on an item, and from judges' votes to the panel's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from jury.panel.spec import PanelSpec
from jury.records import JudgeVote, Judgment, Preference, Vote


def judge_vote(judgments: list[Judgment]) -> JudgeVote:
    """Both orders agree: that verdict. They disagree: a tie (position-inconsistent).
    One order abstained: the other stands. Pointwise: the single judgment."""
    first = judgments[0]
    if len(judgments) == 1:
        return JudgeVote(first.item_id, first.judge, first.preference, None)
    prefs = [j.preference for j in judgments]
    voted = [p for p in prefs if p is not None]
    if not voted:
        return JudgeVote(first.item_id, first.judge, None, None)
    if len(voted) < len(prefs):
        return JudgeVote(first.item_id, first.judge, voted[0], None)
    consistent = len(set(voted)) == 1
    return JudgeVote(first.item_id, first.judge, voted[0] if consistent else Preference.TIE, consistent)


def judge_votes(judgments: Iterable[Judgment]) -> list[JudgeVote]:
    grouped: dict[tuple[str, str], list[Judgment]] = defaultdict(list)
    for j in judgments:
        grouped[(j.item_id, j.judge)].append(j)
    return [judge_vote(group) for group in grouped.values()]


def majority(item_id: str, votes: Mapping[str, Preference | None], weights: Mapping[str, float], tie_rule: str) -> Vote:
    """Weighted majority of the judges that voted; a split at the top is settled by `tie_rule`."""
    totals: dict[Preference, float] = defaultdict(float)
    for judge, preference in votes.items():
        if preference is not None:
            totals[preference] += weights.get(judge, 1.0)
    if not totals:
        return Vote(item_id, None, dict(votes))
    best = max(totals.values())
    leaders = [p for p, w in totals.items() if w == best]
    outcome = leaders[0] if len(leaders) == 1 else Preference(tie_rule)
    return Vote(item_id, outcome, dict(votes))


def panel_votes(panel: PanelSpec, votes: Iterable[JudgeVote], item_ids: list[str]) -> list[Vote]:
    by_item: dict[str, dict[str, Preference | None]] = {i: {} for i in item_ids}
    for v in votes:
        by_item[v.item_id][v.judge] = v.preference
    weights = {j.name: j.weight for j in panel.judges}
    for per_judge in by_item.values():
        for judge in weights:
            per_judge.setdefault(judge, None)
    return [majority(i, by_item[i], weights, panel.tie_rule) for i in item_ids]
