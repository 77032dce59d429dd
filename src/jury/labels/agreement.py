"""How far labellers agree with each other on the units several of them labelled: Cohen's kappa for each
pair of labellers (bootstrap CI over conversations, since the turns of one are not independent), and
with three or more, Fleiss' kappa and Krippendorff's alpha (nominal, and ordinal: baseline < tie <
candidate). The measures are jury.stats.kappa's; this only arranges the labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from jury.io.human_labels import HumanLabel
from jury.records import Preference
from jury.stats.kappa import Kappa, MultiRater, cohen_kappa_labels, fleiss_kappa_items, krippendorff_alpha_items

ORDINAL = (Preference.BASELINE.value, Preference.TIE.value, Preference.CANDIDATE.value)


@dataclass(frozen=True)
class PairAgreement:
    first: str
    second: str
    kappa: Kappa  # on the units both labelled (kappa.n of them)


@dataclass(frozen=True)
class LabellerAgreement:
    labellers: tuple[str, ...]
    n_units: int  # units labelled by two or more labellers
    pairs: tuple[PairAgreement, ...]
    fleiss: MultiRater | None = None  # three or more labellers; over units every labeller labelled
    alpha_nominal: MultiRater | None = None
    alpha_ordinal: MultiRater | None = None


def label_table(labels: Sequence[HumanLabel]) -> pd.DataFrame:
    """Units x labellers of winners ("candidate", "tie", "baseline"); None where a labeller gave none."""
    labellers = sorted({x.labeller for x in labels})
    units = list(dict.fromkeys(x.unit_id for x in labels))
    cells = {(x.unit_id, x.labeller): x.winner.value for x in labels}
    rows = [[cells.get((u, who)) for who in labellers] for u in units]
    return pd.DataFrame(rows, index=pd.Index(units, name="unit"), columns=labellers, dtype=object)


def labeller_agreement(labels: Sequence[HumanLabel], *, seed: int = 0) -> LabellerAgreement:
    table = label_table(labels)
    shared = table[table.notna().sum(axis=1) >= 2]
    item_of = {x.unit_id: x.item_id for x in labels}
    clusters = [item_of[u] for u in shared.index]
    pairs = tuple(
        PairAgreement(a, b, cohen_kappa_labels(list(shared[a]), list(shared[b]), seed=seed, clusters=clusters))
        for a, b in combinations(table.columns, 2)
    )
    many = len(table.columns) >= 3
    return LabellerAgreement(
        tuple(table.columns),
        len(shared),
        pairs,
        fleiss_kappa_items(shared) if many else None,
        krippendorff_alpha_items(shared) if many else None,
        krippendorff_alpha_items(shared, level="ordinal", order=ORDINAL) if many else None,
    )
