"""The page shell shared by report.html and leaderboard.html: inline CSS, no script, no external
resource, so the file opens offline and untrusted text in it can only ever be text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;
padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{max-width:420px;white-space:pre-wrap;word-break:break-word}.standings td{white-space:nowrap}
.standings td:nth-child(2){white-space:normal;word-break:break-word;max-width:260px}
.headline{font-size:1.15em}.note{color:#555}svg.plot{display:block;margin:.8em 0}
"""


def esc(x: object) -> str:
    return escape(str(x), quote=True)


def page(title: str, sections: Sequence[str]) -> str:
    # The CSP forbids every script and every fetch, as a second wall behind escaping.
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(s for s in sections if s)
        + "\n</body></html>\n"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[int] = (), cls: str = "") -> str:
    """Cells are escaped here, once, whatever their source; `numeric` columns align right."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            kind = "num" if k in numeric else ("text" if isinstance(cell, str) and len(cell) > 60 else "")
            cells.append(f'<td class="{kind}">{esc(cell)}</td>' if kind else f"<td>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def section(title: str, *parts: str, ident: str = "") -> str:
    anchor = f' id="{esc(ident)}"' if ident else ""
    return f"<section{anchor}><h2>{esc(title)}</h2>" + "".join(parts) + "</section>"


def num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"
