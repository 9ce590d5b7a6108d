"""The charts of the outlet pages: drawn as plain SVG that scales to the column (viewBox), text escaped, the
tone chart reading like a number line (more negative further left) with Wilson intervals."""
import re

import pytest

from parallax.render import plots


def test_wilson_interval_known_values():
    # 95 % Wilson interval of 0/10 and 5/10 (textbook values)
    lo, hi = plots.wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-3)
    lo, hi = plots.wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    assert plots.wilson_interval(0, 0) == (0.0, 0.0)
    lo, hi = plots.wilson_interval(30, 100)
    assert lo < 0.3 < hi and hi - lo < plots.wilson_interval(3, 10)[1] - plots.wilson_interval(3, 10)[0]


def _rects(svg):
    return [(float(x), float(w), fill) for x, w, fill in
            re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="(#\w+)"', svg)]


def test_tone_chart_puts_negative_left_of_zero():
    svg = plots.light_tone([("Иванов", 6, 2, 2), ("<b>X</b>", 0, 1, 3)], "Tone", "negative", "positive",
                           "← negative · positive →")
    assert svg.startswith('<svg class="plot light"') and 'viewBox="0 0 480 ' in svg
    assert "width=" not in svg.split(">", 1)[0].replace("stroke-width", "")   # scales with its column
    assert "<b>" not in svg and "&lt;b&gt;X&lt;/b&gt;" in svg
    zero = float(re.search(r'<line x1="([\d.]+)" y1="[\d.]+" x2="\1" y2="[\d.]+" stroke="#333"', svg).group(1))
    bars = _rects(svg)
    negative = [(x, w) for x, w, fill in bars if fill == "#d6604d" and w > 0]
    positive = [(x, w) for x, w, fill in bars if fill == "#4393c3" and w > 0 and x >= zero - 0.1]
    assert negative and all(x + w <= zero + 0.1 for x, w in negative)
    assert positive and all(x >= zero - 0.1 for x, w in positive)
    # 6 of 10 negative: the bar is 60 % of the half-width
    (x, w), = [(x, w) for x, w in negative if w > 0][:1]
    half = zero - float(re.search(r'<text x="([\d.]+)" y="[\d.]+" font-size="11" text-anchor="middle"[^>]*>100%',
                                  svg).group(1))
    assert w == pytest.approx(0.6 * half, abs=0.2)
    assert "95 %" in svg          # the interval is in the tooltip too
    assert plots.light_tone([("A", 0, 0, 0)], "T", "n", "p", "x") is None


def test_light_bars_and_columns():
    svg = plots.light_hbars([("госагентство", 500.0, "12 раз"), ("<script>", 100.0, None), ("пусто", 0, None)],
                            "Kinds", "per 1,000 posts")
    assert svg.count("<rect") == 2 and "<script>" not in svg and "12 раз" in svg
    cols = plots.light_columns(["2024-W48", "2024-W49"], {"на Украине": [3, 1], "в Украине": [0, 2]}, "Terms", "uses")
    assert cols.count("<rect") == 3 + 2          # three bars with a value, two legend swatches
    assert plots.light_columns([], {}, "T") is None
    mix = plots.light_stacked_hbars(["A", "B"], {"x": [50, 20], "y": [50, 80], "z": [0, 0]}, "Mix", "%", xmax=100)
    assert "z" not in re.findall(r">(\w)</text>", mix)      # an empty series has no legend entry
