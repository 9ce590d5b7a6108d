"""Plots drawn with matplotlib on the server and inlined as SVG: nothing is loaded when a page is viewed.
The one place parallax draws plots: the web pages and the outlet profile page both use these.

Only matplotlib's object API is used (no pyplot state), under one lock, so plots can be drawn from the
server's worker threads. Text is written as SVG <text> (escaped by matplotlib), so labels taken from
articles stay text; the SVG is scaled by CSS (the fixed width/height are replaced by the viewBox).
The bar charts can also be written as PNG bytes (`fmt="png"`, for the figures of benchmarks/).
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import threading
from collections.abc import Mapping, Sequence
from html import escape

_LOCK = threading.Lock()
# Colour-blind-safe (Okabe-Ito), in the order outlets are shown.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
WIDTH_IN = 7.2
NARROW_IN = 4.8         # plots of the outlet pages: drawn narrow, so their text stays legible at 375 px
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def color_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _figure(height_in: float, width_in: float = WIDTH_IN):
    # lazy: matplotlib takes ~0.3 s to import; pages without plots and `parallax --help` must not pay it
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({
        "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
        "axes.spines.right": False, "axes.titlesize": 10, "axes.titleweight": "bold",
        "text.parse_math": False,   # a "$" in an outlet name is text, not TeX
    })
    return Figure(figsize=(width_in, height_in), dpi=96, layout="constrained")


def _output(fig, title: str, fmt: str) -> str | bytes:
    """The figure as an SVG element (`fmt="svg"`), else as the bytes of an image file of that format."""
    if fmt == "svg":
        return _svg(fig, title)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=110)
    return buf.getvalue()


def _svg(fig, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    text = _METADATA.sub("", text, count=1)
    match = _SVG_OPEN.search(text)
    if match:
        tag = match.group(0)
        new = re.sub(r'\s(width|height)="[^"]*"', "", tag)
        new = new.replace("<svg", f'<svg class="plot" role="img" aria-label="{escape(title, quote=True)}"', 1)
        text = text[:match.start()] + new + f"<title>{escape(title)}</title>" + text[match.end():]
    return text


def coverage_timeline(rows: Sequence[tuple[str, dt.datetime | None]], title: str = "When each outlet published"
                      ) -> str | None:
    """One row per outlet, a mark per article at its publication time. `rows`: (outlet, time) per article.
    None when no article has a time."""
    dated = [(o, t) for o, t in rows if t is not None]
    if not dated:
        return None
    outlets = list(dict.fromkeys(o for o, _ in rows))
    with _LOCK:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter  # lazy: as in _figure

        fig = _figure(0.7 + 0.38 * len(outlets))
        ax = fig.add_subplot()
        for i, outlet in enumerate(outlets):
            times = [t for o, t in dated if o == outlet]
            if times:
                ax.scatter(times, [i] * len(times), s=46, color=color_of(i), alpha=0.85, edgecolors="white",
                           linewidths=0.8, zorder=3)
        ax.set_yticks(range(len(outlets)), [_short(o, 28) for o in outlets])
        ax.set_ylim(-0.6, len(outlets) - 0.4)
        ax.invert_yaxis()
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        times = [t for _, t in dated]
        if max(times) == min(times):
            pad = dt.timedelta(hours=1)
            ax.set_xlim(min(times) - pad, max(times) + pad)
        ax.grid(axis="x", color="#ddd", linewidth=0.6, zorder=0)
        ax.set_title(title, loc="left")
        ax.tick_params(axis="y", length=0)
        return _svg(fig, title)


def stacked_bars(categories: Sequence[str], series: dict[str, Sequence[float]], title: str,
                 ylabel: str = "", fmt: str = "svg", width_in: float = WIDTH_IN) -> str | bytes | None:
    """Bars per category (e.g. month), stacked by series (e.g. the label of a contested term). A narrow
    figure puts its legend under the plot (a legend at the side would not fit a phone)."""
    if not categories or not series or not any(any(v) for v in series.values()):
        return None
    narrow = width_in < WIDTH_IN
    with _LOCK:
        fig = _figure(2.6 + (0.2 * ((len(series) + 1) // 2) if narrow else 0), width_in)
        ax = fig.add_subplot()
        bottom = [0.0] * len(categories)
        positions = list(range(len(categories)))
        for i, (name, values) in enumerate(series.items()):
            ax.bar(positions, values, bottom=bottom, color=color_of(i), label=_short(name, 40), width=0.7,
                   zorder=3)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(positions, list(categories), rotation=0 if len(categories) <= 8 else 45,
                      ha="center" if len(categories) <= 8 else "right")
        ax.grid(axis="y", color="#ddd", linewidth=0.6, zorder=0)
        if ylabel:
            ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left")
        _legend(ax, narrow)
        return _output(fig, title, fmt)


def _legend(ax, below: bool) -> None:
    if below:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.18), ncol=2)
    else:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def horizontal_bars(items: Sequence[tuple[str, float]], title: str, xlabel: str = "",
                    fmt: str = "svg", width_in: float = WIDTH_IN) -> str | bytes | None:
    """One bar per item, largest at the top."""
    items = [(label, value) for label, value in items if value]
    if not items:
        return None
    with _LOCK:
        fig = _figure(0.8 + 0.28 * len(items), width_in)
        ax = fig.add_subplot()
        labels = [_short(label, 40) for label, _ in items]
        values = [value for _, value in items]
        ax.barh(range(len(items)), values, color=color_of(0), zorder=3, height=0.65)
        ax.set_yticks(range(len(items)), labels)
        ax.invert_yaxis()
        ax.grid(axis="x", color="#ddd", linewidth=0.6, zorder=0)
        ax.tick_params(axis="y", length=0)
        if xlabel:
            ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        return _output(fig, title, fmt)


def stacked_horizontal_bars(rows: Sequence[str], series: dict[str, Sequence[float]], title: str,
                            xlabel: str = "", colors: Mapping[str, str] | None = None,
                            xmax: float | None = None, fmt: str = "svg",
                            width_in: float = WIDTH_IN) -> str | bytes | None:
    """One bar per row (first row at the top), stacked by series (e.g. the kinds of sources of each outlet);
    `colors` gives a series its colour, `xmax` fixes the scale (100 for percentages)."""
    if not rows or not series or not any(any(v) for v in series.values()):
        return None
    narrow = width_in < WIDTH_IN
    shown = sum(1 for v in series.values() if any(v))
    with _LOCK:
        fig = _figure(max(1.6, 0.6 + 0.32 * len(rows)) + (0.2 * ((shown + 1) // 2) if narrow else 0), width_in)
        ax = fig.add_subplot()
        left = [0.0] * len(rows)
        positions = list(range(len(rows)))
        for i, (name, values) in enumerate(series.items()):
            if not any(values):
                continue
            ax.barh(positions, values, left=left, color=(colors or {}).get(name, color_of(i)),
                    label=_short(name, 40), height=0.65, zorder=3)
            left = [a + b for a, b in zip(left, values)]
        ax.set_yticks(positions, [_short(r, 40) for r in rows])
        ax.invert_yaxis()
        if xmax is not None:
            ax.set_xlim(0, xmax)
        ax.grid(axis="x", color="#ddd", linewidth=0.6, zorder=0)
        ax.tick_params(axis="y", length=0)
        if xlabel:
            ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        _legend(ax, narrow)
        return _output(fig, title, fmt)


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of the proportion k/n: it stays inside [0, 1] and is
    honest for the small counts an entity often has (3 mentions), where the normal approximation is not."""
    if n <= 0:
        return 0.0, 0.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def tone_shares(rows: Sequence[tuple[str, int, int, int]], title: str, negative_label: str,
                positive_label: str, xlabel: str, fmt: str = "svg", width_in: float = NARROW_IN
                ) -> str | bytes | None:
    """Diverging bars, one row per entity (`rows`: name, negative, neutral, positive mentions): the share of
    negative mentions to the left of zero, the share of positive ones to the right, each with its 95 %
    Wilson interval; the neutral rest is what the two bars leave out. Reads like a number line: more
    negative is further left."""
    rows = [r for r in rows if sum(r[1:]) > 0]
    if not rows:
        return None
    with _LOCK:
        fig = _figure(1.0 + 0.3 * len(rows), width_in)
        ax = fig.add_subplot()
        y = list(range(len(rows)))
        neg = [r[1] / sum(r[1:]) for r in rows]
        pos = [r[3] / sum(r[1:]) for r in rows]
        neg_ci = [wilson_interval(r[1], sum(r[1:])) for r in rows]
        pos_ci = [wilson_interval(r[3], sum(r[1:])) for r in rows]
        ax.barh(y, [-100 * v for v in neg], color="#d6604d", height=0.6, zorder=3, label=negative_label)
        ax.barh(y, [100 * v for v in pos], color="#4393c3", height=0.6, zorder=3, label=positive_label)
        ax.errorbar([-100 * v for v in neg], y, xerr=[[100 * (hi - v) for v, (lo, hi) in zip(neg, neg_ci)],
                                                      [100 * (v - lo) for v, (lo, hi) in zip(neg, neg_ci)]],
                    fmt="none", ecolor="#333", elinewidth=0.8, capsize=2, zorder=4)
        ax.errorbar([100 * v for v in pos], y, xerr=[[100 * (v - lo) for v, (lo, hi) in zip(pos, pos_ci)],
                                                     [100 * (hi - v) for v, (lo, hi) in zip(pos, pos_ci)]],
                    fmt="none", ecolor="#333", elinewidth=0.8, capsize=2, zorder=4)
        ax.axvline(0, color="#333", linewidth=0.8, zorder=5)
        ax.set_yticks(y, [f"{_short(r[0], 22)} ({sum(r[1:])})" for r in rows])
        ax.invert_yaxis()
        ax.set_xlim(-100, 100)
        ticks = [-100, -50, 0, 50, 100]
        ax.set_xticks(ticks, [f"{abs(t)}%" for t in ticks])
        ax.grid(axis="x", color="#ddd", linewidth=0.6, zorder=0)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.22), ncol=2)
        return _output(fig, title, fmt)


def daily_counts(days: Sequence[dt.date], counts: Sequence[int], title: str,
                 width_in: float = WIDTH_IN) -> str | None:
    if not days:
        return None
    with _LOCK:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter  # lazy: as in _figure

        fig = _figure(1.9, width_in)
        ax = fig.add_subplot()
        ax.bar(list(days), list(counts), color=color_of(0), width=0.8, zorder=3)
        locator = AutoDateLocator(minticks=3, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.grid(axis="y", color="#ddd", linewidth=0.6, zorder=0)
        ax.set_title(title, loc="left")
        return _svg(fig, title)


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- light SVG charts (no matplotlib) --------------------------------------------------------------------
# The outlet pages draw their bar charts directly as SVG: a page's first view must not pay matplotlib's
# import and layout (~1.3 CPU s for four charts), and hand-set text sizes stay legible on a phone. The
# viewBox is CHART_W wide; CSS scales it to the column.

CHART_W = 480
_FONT = 12
_CHAR_W = 7.6           # a generous width of one character at 12 px (labels are cut to fit)
_ROW = 22


def _nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step (1, 2 or 5 times a power of ten, ~4 ticks)."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step - 1e-9), step


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 or abs(value) >= 10 else f"{value:.1f}"


class _Svg:
    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = []

    def text(self, x: float, y: float, s: str, anchor: str = "start", size: int = _FONT, weight: str = "normal",
             fill: str = "#222") -> None:
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'font-weight="{weight}" fill="{fill}">{escape(s)}</text>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str | None = None) -> None:
        inner = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}">'
                          f'{inner}</rect>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#ddd", width: float = 1) -> None:
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                          f'stroke-width="{width}"/>')

    def done(self, height: float) -> str:
        label = escape(self.title, quote=True)
        return (f'<svg class="plot light" role="img" aria-label="{label}" viewBox="0 0 {CHART_W} {height:.0f}" '
                f'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif">'
                f"<title>{escape(self.title)}</title>" + "".join(self.parts) + "</svg>")

    def legend(self, y: float, entries: Sequence[tuple[str, str]]) -> float:
        """Swatches in two columns under the chart; returns the y below them."""
        col = (CHART_W - 8) / 2
        for i, (name, colour) in enumerate(entries):
            x, yy = 4 + (i % 2) * col, y + (i // 2) * 18
            self.rect(x, yy - 10, 11, 11, colour)
            self.text(x + 16, yy, _short(name, int((col - 22) / _CHAR_W)), size=11)
        return y + ((len(entries) + 1) // 2) * 18


def _label_width(labels: Sequence[str]) -> float:
    return min(CHART_W * 0.45, max((len(s) for s in labels), default=0) * _CHAR_W + 12)


def _x_axis(svg: _Svg, x0: float, x1: float, y_top: float, y_bottom: float, vmax: float, step: float,
            xlabel: str, fmt=_num) -> float:
    ticks = int(round(vmax / step))
    for i in range(ticks + 1):
        x = x0 + (x1 - x0) * i / ticks
        svg.line(x, y_top, x, y_bottom)
        svg.text(x, y_bottom + 14, fmt(step * i), anchor="middle", size=11, fill="#555")
    if xlabel:
        svg.text((x0 + x1) / 2, y_bottom + 30, xlabel, anchor="middle", size=11, fill="#555")
        return y_bottom + 38
    return y_bottom + 22


def light_hbars(items: Sequence[tuple[str, float, str]], title: str, xlabel: str = "",
                colour: str = PALETTE[0]) -> str | None:
    """One horizontal bar per item (label, value, tooltip), first at the top."""
    items = [it for it in items if it[1]]
    if not items:
        return None
    svg = _Svg(title)
    svg.text(4, 16, _short(title, int(CHART_W / 7.4)), weight="bold")
    lw = _label_width([_short(lab, 34) for lab, _, _ in items])
    x0, x1, top = lw + 6, CHART_W - 22, 28
    vmax, step = _nice_max(max(v for _, v, _ in items))
    bottom = top + _ROW * len(items)
    axis_end = _x_axis(svg, x0, x1, top, bottom, vmax, step, xlabel)
    for i, (lab, value, tip) in enumerate(items):
        y = top + i * _ROW
        svg.text(x0 - 6, y + _ROW * 0.65, _short(lab, int((lw - 8) / _CHAR_W)), anchor="end")
        svg.rect(x0, y + 4, (x1 - x0) * value / vmax, _ROW - 8, colour, tip)
    return svg.done(axis_end + 4)


def light_columns(categories: Sequence[str], series: dict[str, Sequence[float]], title: str,
                  ylabel: str = "") -> str | None:
    """Stacked columns per category (a week, a month), stacked by series, legend under the chart."""
    if not categories or not series or not any(any(v) for v in series.values()):
        return None
    svg = _Svg(title)
    svg.text(4, 16, _short(title, int(CHART_W / 7.4)), weight="bold")
    totals = [sum(v[i] for v in series.values()) for i in range(len(categories))]
    vmax, step = _nice_max(max(totals))
    x0, x1, top, height = 40, CHART_W - 8, 30, 150
    bottom = top + height
    ticks = int(round(vmax / step))
    for i in range(ticks + 1):
        y = bottom - height * i / ticks
        svg.line(x0, y, x1, y)
        svg.text(x0 - 4, y + 4, _num(step * i), anchor="end", size=11, fill="#555")
    slot = (x1 - x0) / len(categories)
    for j, cat in enumerate(categories):
        base = 0.0
        for i, (name, values) in enumerate(series.items()):
            v = values[j]
            if v:
                h = height * v / vmax
                svg.rect(x0 + j * slot + slot * 0.15, bottom - height * base / vmax - h, slot * 0.7, h,
                         color_of(i), f"{cat} · {name}: {_num(v)}")
                base += v
        svg.text(x0 + (j + 0.5) * slot, bottom + 14, _short(cat, max(3, int(slot / 6.2))), anchor="middle",
                 size=10, fill="#555")
    if ylabel:
        svg.text(x0, top - 4, ylabel, size=10, fill="#555")
    end = svg.legend(bottom + 34, [(name, color_of(i)) for i, name in enumerate(series)])
    return svg.done(end + 2)


def light_stacked_hbars(rows: Sequence[str], series: dict[str, Sequence[float]], title: str, xlabel: str = "",
                        colors: Mapping[str, str] | None = None, xmax: float | None = None) -> str | None:
    """One bar per row stacked by series (e.g. each outlet's shares of source kinds), legend under it."""
    shown = {k: v for k, v in series.items() if any(v)}
    if not rows or not shown:
        return None
    svg = _Svg(title)
    svg.text(4, 16, _short(title, int(CHART_W / 7.4)), weight="bold")
    lw = _label_width([_short(r, 28) for r in rows])
    x0, x1, top = lw + 6, CHART_W - 22, 28
    totals = [sum(v[i] for v in shown.values()) for i in range(len(rows))]
    vmax, step = (xmax, xmax / 4) if xmax else _nice_max(max(totals))
    bottom = top + (_ROW + 6) * len(rows)
    end = _x_axis(svg, x0, x1, top, bottom, vmax, step, xlabel)
    for r, row in enumerate(rows):
        y, left = top + r * (_ROW + 6), 0.0
        svg.text(x0 - 6, y + (_ROW + 6) * 0.62, _short(row, int((lw - 8) / _CHAR_W)), anchor="end")
        for i, (name, values) in enumerate(shown.items()):
            v = values[r]
            if v:
                svg.rect(x0 + (x1 - x0) * left / vmax, y + 4, (x1 - x0) * v / vmax, _ROW - 2,
                         (colors or {}).get(name, color_of(i)), f"{row} · {name}: {_num(v)}")
                left += v
    end = svg.legend(end + 12, [(name, (colors or {}).get(name, color_of(i))) for i, name in enumerate(shown)])
    return svg.done(end + 2)


def light_tone(rows: Sequence[tuple[str, int, int, int]], title: str, negative_label: str, positive_label: str,
               xlabel: str) -> str | None:
    """As :func:`tone_shares`, drawn directly: per entity (name, negative, neutral, positive) the share of
    negative mentions to the left of zero and of positive ones to the right, each with its 95 % Wilson
    interval as a whisker; more negative is further left."""
    rows = [r for r in rows if sum(r[1:]) > 0]
    if not rows:
        return None
    neg_c, pos_c = "#d6604d", "#4393c3"
    svg = _Svg(title)
    svg.text(4, 16, _short(title, int(CHART_W / 7.4)), weight="bold")
    labels = [f"{_short(r[0], 22)} ({sum(r[1:])})" for r in rows]
    lw = _label_width(labels)
    x0, x1, top = lw + 6, CHART_W - 22, 28
    mid = (x0 + x1) / 2
    half = (x1 - x0) / 2
    bottom = top + _ROW * len(rows)
    for pct in (-100, -50, 0, 50, 100):
        x = mid + half * pct / 100
        svg.line(x, top, x, bottom, "#333" if pct == 0 else "#ddd")
        svg.text(x, bottom + 14, f"{abs(pct)}%", anchor="middle", size=11, fill="#555")
    svg.text(mid, bottom + 30, xlabel, anchor="middle", size=11, fill="#555")
    for i, (r, lab) in enumerate(zip(rows, labels)):
        n, y = sum(r[1:]), top + i * _ROW
        svg.text(x0 - 6, y + _ROW * 0.65, lab, anchor="end")
        for k, colour, sign, name in ((r[1], neg_c, -1, negative_label), (r[3], pos_c, 1, positive_label)):
            share = k / n
            lo, hi = wilson_interval(k, n)
            x_end = mid + sign * half * share
            svg.rect(min(mid, x_end), y + 5, abs(x_end - mid), _ROW - 10, colour,
                     f"{r[0]}: {name} {k}/{n} = {100 * share:.0f}% (95 %: {100 * lo:.0f}–{100 * hi:.0f}%)")
            yc = y + _ROW / 2
            a, b = mid + sign * half * lo, mid + sign * half * hi
            svg.line(a, yc, b, yc, "#333", 1)
            svg.line(a, yc - 3, a, yc + 3, "#333", 1)
            svg.line(b, yc - 3, b, yc + 3, "#333", 1)
    end = svg.legend(bottom + 48, [(negative_label, neg_c), (positive_label, pos_c)])
    return svg.done(end + 2)
