"""Probabilities to log-odds and back: the scale on which judges' evidence adds up."""

from __future__ import annotations

import math

# Probabilities are clipped to [CLIP, 1 - CLIP] before taking log-odds, so a bare verdict (score 0 or
# 1) or a grade at the end of its scale counts as strong evidence (±4.6), never as infinite.
CLIP = 0.01


def logit(p: float) -> float:
    p = min(max(p, CLIP), 1.0 - CLIP)
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
