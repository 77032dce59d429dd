"""Hand-written inline SVG charts: no plotting dependency, no script, nothing fetched, and every
label escaped, so a report stays one self-contained file that a hostile model name cannot break.
Each chart is a function of already-computed numbers; none computes a statistic."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
ROW = 26
LEFT = 190  # room for labels
RIGHT = 70
TOP = 30
BAR_COLOUR = "#4c78a8"


@dataclass(frozen=True)
class CiBar:
    label: str
    value: float  # in [0, 1]; nan draws nothing
    low: float
    high: float


def _ok(x: float | None) -> bool:
    return x is not None and not math.isnan(x)


def _frame(kind: str, title: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="{escape(kind)}" role="img" '
        f'aria-label="{escape(title)}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="sans-serif" font-size="12">'
        f'<title>{escape(title)}</title><text x="4" y="16" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _label(y: float, text: str) -> str:
    short = text if len(text) <= 28 else text[:27] + "…"
    return f'<text x="{LEFT - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">{escape(short)}</text>'


@dataclass(frozen=True)
class Axis:
    """The value range a chart shows, where its dashed reference line sits, and how ticks read."""

    low: float
    high: float
    reference: float
    ticks: tuple[float, ...]
    fmt: str  # format of tick and value labels, e.g. "{:.0%}"


PERCENT = Axis(0.0, 1.0, 0.5, (0, 0.25, 0.5, 0.75, 1), "{:.1%}")


def win_rate_chart(bars: Sequence[CiBar], title: str, kind: str = "win-rate") -> str:
    """Horizontal bars on a 0-100% axis, a whisker for the CI and a dashed line at 50% (parity)."""
    return interval_chart(bars, title, kind, PERCENT, solid=True)


def interval_chart(bars: Sequence[CiBar], title: str, kind: str, axis: Axis, *, solid: bool) -> str:
    """Each row a bar (solid) or a dot, with a whisker from low to high when both are known."""
    span = WIDTH - LEFT - RIGHT
    height = TOP + ROW * len(bars) + 24

    def x(v: float) -> float:
        share = (v - axis.low) / (axis.high - axis.low) if axis.high > axis.low else 0.5
        return LEFT + span * min(max(share, 0.0), 1.0)

    ref = x(axis.reference)
    body = [
        f'<line x1="{ref:.1f}" y1="{TOP - 4}" x2="{ref:.1f}" y2="{height - 20}" stroke="#999" stroke-dasharray="4 3"/>'
    ]
    for tick in axis.ticks:
        label = escape(axis.fmt.format(tick).replace(".0%", "%"))
        body.append(f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle" fill="#555">{label}</text>')
    for k, b in enumerate(bars):
        y = TOP + ROW * k
        mid = y + ROW / 2 - 2
        body.append(_label(mid, b.label))
        if not _ok(b.value):
            body.append(f'<text x="{LEFT + 4}" y="{mid:.1f}" dominant-baseline="middle" fill="#777">n/a</text>')
            continue
        tip = f"<title>{escape(b.label)}: {escape(axis.fmt.format(b.value))}</title>"
        if solid:
            body.append(
                f'<rect class="bar" x="{LEFT}" y="{y + 4}" width="{x(b.value) - LEFT:.1f}" height="{ROW - 12}" '
                f'fill="{BAR_COLOUR}">{tip}</rect>'
            )
        if _ok(b.low) and _ok(b.high):
            lo, hi = x(b.low), x(b.high)
            body.append(
                f'<g class="ci" stroke="#222"><line x1="{lo:.1f}" y1="{mid:.1f}" x2="{hi:.1f}" y2="{mid:.1f}"/>'
                f'<line x1="{lo:.1f}" y1="{mid - 5:.1f}" x2="{lo:.1f}" y2="{mid + 5:.1f}"/>'
                f'<line x1="{hi:.1f}" y1="{mid - 5:.1f}" x2="{hi:.1f}" y2="{mid + 5:.1f}"/></g>'
            )
        if not solid:
            body.append(
                f'<circle class="dot" cx="{x(b.value):.1f}" cy="{mid:.1f}" r="5" fill="{BAR_COLOUR}">{tip}</circle>'
            )
        body.append(
            f'<text x="{WIDTH - RIGHT + 6}" y="{mid:.1f}" dominant-baseline="middle">'
            f"{escape(axis.fmt.format(b.value))}</text>"
        )
    return _frame(kind, title, height, body)


def value_chart(rows: Sequence[tuple[str, float]], title: str, unit: str, kind: str) -> str:
    """Plain horizontal bars scaled to the largest value (costs, token counts)."""
    span = WIDTH - LEFT - RIGHT - 20
    top = max((v for _, v in rows if _ok(v)), default=0.0) or 1.0
    height = TOP + ROW * len(rows) + 8
    body = []
    for k, (label, value) in enumerate(rows):
        y = TOP + ROW * k
        mid = y + ROW / 2 - 2
        body.append(_label(mid, label))
        width = span * value / top if _ok(value) else 0.0
        body.append(
            f'<rect class="bar" x="{LEFT}" y="{y + 4}" width="{width:.1f}" height="{ROW - 12}" fill="{BAR_COLOUR}"/>'
        )
        body.append(
            f'<text x="{LEFT + width + 6:.1f}" y="{mid:.1f}" dominant-baseline="middle">'
            f"{escape(unit.format(value))}</text>"
        )
    return _frame(kind, title, height, body)


POSITIVE = (33, 102, 172)  # kappa +1
NEGATIVE = (178, 24, 43)  # kappa -1


def _colour(v: float) -> str:
    """-1 red, 0 white, +1 blue: kappa's sign matters (below chance is worse than none)."""
    if not _ok(v):
        return "#eeeeee"
    v = max(-1.0, min(1.0, v))
    end = POSITIVE if v >= 0 else NEGATIVE
    r, g, b = (round(255 + (c - 255) * abs(v)) for c in end)
    return f"rgb({r},{g},{b})"


def _ink(v: float) -> str:
    """Text stays readable on the darkest cells."""
    return "#ffffff" if _ok(v) and abs(v) > 0.55 else "#222222"


def heatmap(labels: Sequence[str], cells: dict[tuple[str, str], float], title: str, kind: str = "kappa-heatmap") -> str:
    """A symmetric matrix of pairwise values in [-1, 1]; the diagonal and missing pairs are grey."""
    n = len(labels)
    cell = max(28, min(70, (WIDTH - LEFT - 10) // max(n, 1)))
    height = TOP + cell * n + 60
    body = []
    for r, a in enumerate(labels):
        y = TOP + r * cell
        body.append(_label(y + cell / 2, a))
        for c, b in enumerate(labels):
            v = cells.get((a, b), cells.get((b, a), float("nan"))) if a != b else float("nan")
            x = LEFT + c * cell
            text = "" if a == b else ("n/a" if not _ok(v) else f"{v:.2f}")
            body.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{_colour(v)}" stroke="#cccccc">'
                f"<title>{escape(a)} / {escape(b)}: {escape(text or '-')}</title></rect>"
                f'<text x="{x + (cell - 2) / 2}" y="{y + cell / 2}" text-anchor="middle" dominant-baseline="middle" '
                f'fill="{_ink(v)}">'
                f"{escape(text)}</text>"
            )
    for c, b in enumerate(labels):
        x = LEFT + c * cell + cell / 2
        y = TOP + n * cell + 8
        short = b if len(b) <= 14 else b[:13] + "…"
        body.append(f'<text x="{x}" y="{y}" text-anchor="end" transform="rotate(-35 {x} {y})">{escape(short)}</text>')
    return _frame(kind, title, height, body)
