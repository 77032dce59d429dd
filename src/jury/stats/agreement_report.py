"""Every agreement number for one table of verdicts (items x judges), computed in one place so the
CLI and reports only render: judge pairs, each judge against the panel's majority, each judge and the
panel against human labels, and the many-rater measures."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd

from jury.stats.judges import majority_vote, pair_table, reference_table
from jury.stats.kappa import MultiRater, fleiss_kappa_items, krippendorff_alpha_items

TIE = "tie"
# Known verdict vocabularies, lowest first, for ordinal alpha (a tie sits between the two wins).
ORDERS = (("baseline", "tie", "candidate"), ("B", "tie", "A"), ("model_b", "tie", "model_a"), ("2", "tie", "1"))


@dataclass(frozen=True)
class AgreementReport:
    pairs: pd.DataFrame  # one row per judge pair
    vs_panel: pd.DataFrame  # each judge against the majority of all judges
    vs_human: pd.DataFrame | None  # each judge, and the panel, against human labels
    fleiss: MultiRater
    alpha_nominal: MultiRater
    alpha_ordinal: MultiRater | None  # None when the labels are not a known ordered vocabulary
    n_items: int
    n_judges: int
    # judges with no verdict on any item: Fleiss' kappa needs every judge on every item, so one such
    # judge would leave it no item at all; they are left out of the many-rater measures and named
    left_out: tuple[str, ...] = ()

    def left_out_note(self) -> str | None:
        """One sentence naming the judges left out of the many-rater measures; None when none was."""
        if not self.left_out:
            return None
        who = ("judges " if len(self.left_out) > 1 else "judge ") + ", ".join(self.left_out)
        return f"{who} left out of Fleiss' kappa and Krippendorff's alpha: no verdict on any item"


def agreement_report(
    verdicts: pd.DataFrame,
    human: pd.Series | None = None,
    *,
    seed: int = 0,
    clusters: Sequence[Hashable] | None = None,
) -> AgreementReport:
    """`clusters` (one label per row): rows that are not independent, such as the turns of one
    conversation; the kappa CIs then resample whole clusters."""
    labels = {v for v in verdicts.to_numpy().ravel() if pd.notna(v)}
    order = next((o for o in ORDERS if labels <= set(o)), None)
    panel = majority_vote(verdicts, tie=TIE)
    silent = tuple(str(j) for j in verdicts.columns if verdicts[j].isna().all())
    rated = verdicts.drop(columns=list(silent))
    vs_human = None
    if human is not None:
        with_panel = verdicts.assign(panel=panel)
        vs_human = reference_table(with_panel, list(human), "human", tie=TIE, seed=seed, clusters=clusters)
    return AgreementReport(
        pairs=pair_table(verdicts, tie=TIE, seed=seed, clusters=clusters),
        vs_panel=reference_table(verdicts, list(panel), "panel", tie=TIE, seed=seed, clusters=clusters),
        vs_human=vs_human,
        fleiss=fleiss_kappa_items(rated),
        alpha_nominal=krippendorff_alpha_items(rated),
        alpha_ordinal=krippendorff_alpha_items(rated, level="ordinal", order=order) if order else None,
        n_items=len(verdicts),
        n_judges=verdicts.shape[1],
        left_out=silent,
    )
