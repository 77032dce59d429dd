"""The inline SVG charts: well-formed XML whatever the labels, n/a instead of a bar for a missing value."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from jury.report.svg import CiBar, heatmap, value_chart, win_rate_chart

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '</svg><script>alert(1)</script>&"'


def test_win_rate_chart_is_valid_xml_with_one_bar_per_known_value():
    nan = math.nan
    svg = win_rate_chart([CiBar(HOSTILE, 0.25, 0.1, 0.4), CiBar("unjudged", nan, nan, nan)], "t")
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert list(root.iter(f"{NS}script")) == []
    bars = [r for r in root.iter(f"{NS}rect") if r.get("class") == "bar"]
    assert len(bars) == 1
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "n/a" in texts and "25.0%" in texts
    assert any(t and t.startswith("</svg><script>") for t in texts)  # the label survived as text


def test_heatmap_marks_missing_pairs_and_is_symmetric():
    root = ET.fromstring(heatmap(["a", "b", "c"], {("a", "b"): 0.5, ("b", "c"): math.nan}, "k"))
    cells = [t.text for t in root.iter(f"{NS}text") if t.text in {"0.50", "n/a"}]
    assert cells.count("0.50") == 2  # (a, b) and (b, a)
    assert cells.count("n/a") == 4  # (a, c), (c, a), (b, c), (c, b)


def test_value_chart_scales_bars_to_the_largest_value():
    root = ET.fromstring(value_chart([("x", 1.0), ("y", 2.0)], "cost", "${:.2f}", "cost"))
    widths = [float(r.get("width")) for r in root.iter(f"{NS}rect")]
    assert widths[1] == 2 * widths[0] > 0
