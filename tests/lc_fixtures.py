"""A synthetic board drawn from AlpacaEval's length-control GLM, with a known answer.

Items whose baseline answer is short are easier for every candidate (as AlpacaEval's short-answer
instructions are), so a model that always answers tersely wins only there: judged alone, its few
wins look like a length effect, and its length-controlled rate runs away (AlpacaEval's gpt4_gamed:
4% of wins, LC 69% before the fix). The board's other models show the items are simply easier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LENGTH_WEIGHT = 1.5
# name: (quality in log-odds, answer length relative to the baseline's); "terse" answers in 20-40 characters
MODELS = {"long": (0.5, 1.6), "even": (0.0, 1.0), "short": (0.3, 0.6), "good": (1.0, 1.1), "weak": (-0.8, 0.9),
          "mid": (0.2, 1.3), "terse": (-3.0, None)}  # fmt: skip


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def length_term(length: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """AlpacaEval's feature: tanh of the length difference over its SD across the model's items."""
    delta = length - baseline
    return np.tanh(delta / delta.std(ddof=1))


def glm_board(seed: int, n_items: int = 80) -> tuple[pd.DataFrame, dict[str, float]]:
    """Verdicts (stats.length_control_board.COLUMNS) and each model's true LC rate: its mean win
    probability at equal length."""
    rng = np.random.default_rng(seed)
    baseline = np.exp(rng.uniform(np.log(40), np.log(1500), n_items))
    log_len = np.log(baseline)
    effect = -1.5 * (log_len - log_len.mean()) / log_len.std() + rng.normal(0, 0.5, n_items)
    rows, truth = [], {}
    for model, (quality, ratio) in MODELS.items():
        spread = rng.uniform(0.6, 1.4, n_items)
        length = rng.uniform(20, 40, n_items) if ratio is None else baseline * ratio * spread
        p = _sigmoid(quality + effect + LENGTH_WEIGHT * length_term(length, baseline))
        won = (rng.random(n_items) < p).astype(float)
        truth[model] = float(_sigmoid(quality + effect).mean())
        rows += [(model, f"i{k}", won[k], round(length[k]), round(baseline[k]), f"{model}/{k}") for k in range(n_items)]
    columns = ["model", "item", "score", "candidate_length", "baseline_length", "cluster"]
    return pd.DataFrame(rows, columns=columns), truth
