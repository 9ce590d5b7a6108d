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
import re
import threading
from collections.abc import Mapping, Sequence
from html import escape

_LOCK = threading.Lock()
# Colour-blind-safe (Okabe-Ito), in the order outlets are shown.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
WIDTH_IN = 7.2
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def color_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _figure(height_in: float):
    # lazy: matplotlib takes ~0.3 s to import; pages without plots and `parallax --help` must not pay it
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({
        "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
        "axes.spines.right": False, "axes.titlesize": 10, "axes.titleweight": "bold",
        "text.parse_math": False,   # a "$" in an outlet name is text, not TeX
    })
    return Figure(figsize=(WIDTH_IN, height_in), dpi=96, layout="constrained")


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
                 ylabel: str = "", fmt: str = "svg") -> str | bytes | None:
    """Bars per category (e.g. month), stacked by series (e.g. the label of a contested term)."""
    if not categories or not series or not any(any(v) for v in series.values()):
        return None
    with _LOCK:
        fig = _figure(2.6)
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
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _output(fig, title, fmt)


def horizontal_bars(items: Sequence[tuple[str, float]], title: str, xlabel: str = "",
                    fmt: str = "svg") -> str | bytes | None:
    """One bar per item, largest at the top."""
    items = [(label, value) for label, value in items if value]
    if not items:
        return None
    with _LOCK:
        fig = _figure(0.6 + 0.28 * len(items))
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
                            xmax: float | None = None, fmt: str = "svg") -> str | bytes | None:
    """One bar per row (first row at the top), stacked by series (e.g. the kinds of sources of each outlet);
    `colors` gives a series its colour, `xmax` fixes the scale (100 for percentages)."""
    if not rows or not series or not any(any(v) for v in series.values()):
        return None
    with _LOCK:
        fig = _figure(max(1.6, 0.6 + 0.32 * len(rows)))
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
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _output(fig, title, fmt)


def daily_counts(days: Sequence[dt.date], counts: Sequence[int], title: str) -> str | None:
    if not days:
        return None
    with _LOCK:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter  # lazy: as in _figure

        fig = _figure(1.9)
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
