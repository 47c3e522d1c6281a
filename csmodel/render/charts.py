"""Charts of the HTML report: matplotlib figures written as inline SVG.

matplotlib's SVG backend is used without any GUI or raster backend (a plain
:class:`~matplotlib.figure.Figure` on a ``FigureCanvasSVG``), and deterministically:
a fixed ``svg.hashsalt`` and no date in the metadata, so the same plan gives the same
bytes. Text stays text (``svg.fonttype: none``: small, searchable, printed sharp)
and is never parsed as mathtext (``text.parse_math: False``), so a segment named
``$x$`` is drawn as written; every label from a user passes
:func:`csmodel.render.safe.visible` first, and matplotlib escapes it for XML.

Each chart is returned as an ``<svg>`` element ready to inline in HTML: the XML
prolog removed, ids prefixed so several charts share a page without clashing.
Numbers on axes are compact (``$2.5M``); the tables beside each chart carry the exact
figures. matplotlib is imported here only (``csmodel report``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any

from csmodel.render.safe import visible
from csmodel.units import compact_money

RC = {
    "svg.hashsalt": "csmodel",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "path.simplify": True,
}
"""matplotlib settings of every chart (deterministic output, text as text)."""

BLUE, GREEN, RED, GREY, DARK = "#2b6cb0", "#2f855a", "#c53030", "#a0aec0", "#2d3748"
SEGMENT_COLORS = ("#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#d53f8c", "#319795", "#718096")

_counter = [0]


def label(text: Any) -> str:
    """User text for a chart: control characters visible (matplotlib escapes the rest)."""
    return visible(text)


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))  # fixed margins: one draw (no layout engine)
    FigureCanvasSVG(fig)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1, right=0.98, top=0.95, bottom=0.2)
    return fig, ax


def _svg(fig: Any, title: str) -> str:
    """The figure as an inline ``<svg>`` element (see the module docstring)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "csmodel"})
    text = buf.getvalue()
    start = text.index("<svg")
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[start:], flags=re.S)
    _counter[0] += 1
    prefix = f"c{_counter[0]}-"
    ids = set(re.findall(r'\sid="([^"]+)"', text))
    if ids:
        pattern = re.compile(
            r'(\sid="|#)('
            + "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
            + r')(?=["\)])'
        )
        text = pattern.sub(lambda m: m.group(1) + prefix + m.group(2), text)
    from csmodel.render.safe import html

    return text.replace(
        "<svg ", f'<svg role="img" aria-label="{html(title)}" class="chart" ', 1
    ).strip()


def reset_ids() -> None:
    """Start chart ids afresh (one report: the same plan gives the same document)."""
    _counter[0] = 0


def _money_axis(ax: Any, currency: str, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: compact_money(v, currency))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def render(draw: Callable[[Any, Any], None], title: str, size: tuple[float, float]) -> str:
    """Draw with ``draw(fig, ax)`` under :data:`RC` and return the inline SVG."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig, ax = _figure(*size)
        draw(fig, ax)
        return _svg(fig, title)


def arr_chart(
    arr: Sequence[float],
    currency: str,
    x_labels: tuple[str, str],
    fan: dict[str, Sequence[float]] | None = None,
    exit_band: tuple[float, float, float] | None = None,
) -> str:
    """Closing ARR of months 0..H (``arr``; month 0 is the starting ARR). A simulation
    adds its fan: ``fan`` with ``p10``/``p50``/``p90`` per month when the simulation has
    them; else ``exit_band`` (P10, P50, P90 of exit ARR) drawn at the last month."""
    months = list(range(len(arr)))

    def draw(fig: Any, ax: Any) -> None:
        if fan is not None:
            ax.fill_between(
                months, fan["p10"], fan["p90"], color=BLUE, alpha=0.18, lw=0, label="P10–P90"
            )
            ax.plot(months, fan["p50"], color=BLUE, lw=1.2, ls="--", label="P50 (simulated)")
        ax.plot(months, arr, color=DARK, lw=1.8, label="Plan (every range at its median)")
        if exit_band is not None and fan is None:
            lo, mid, hi = exit_band
            x = months[-1]
            ax.errorbar(
                [x],
                [mid],
                yerr=[[mid - lo], [hi - mid]],
                fmt="o",
                color=BLUE,
                capsize=4,
                label="Exit ARR P10–P90, P50 (simulated)",
            )
        ax.set_xlim(0, max(1, months[-1]) + (1 if exit_band is not None else 0))
        _money_axis(ax, currency)
        ax.set_xlabel(f"months: {label(x_labels[0])} → {label(x_labels[1])}")
        ax.grid(axis="y", color="#e2e8f0", lw=0.6)
        ax.legend(loc="best", frameon=False)

    return render(draw, "ARR over the horizon", (7.0, 2.8))


def waterfall(steps: Sequence[tuple[str, float]], currency: str) -> str:
    """An ARR bridge as a waterfall: the first and last steps are levels (opening,
    closing ARR), the ones between are movements (added when positive, removed when
    negative), each bar floating from the running total."""

    def draw(fig: Any, ax: Any) -> None:
        names = [label(n) for n, _ in steps]
        running = 0.0
        for i, (_, v) in enumerate(steps):
            if i == 0 or i == len(steps) - 1:
                ax.bar(i, v, color=DARK, width=0.6)
                running = v
                top = v
            else:
                bottom = running if v >= 0 else running + v
                ax.bar(i, abs(v), bottom=bottom, color=GREEN if v >= 0 else RED, width=0.6)
                running += v
                top = max(running, running - v)
            ax.annotate(
                ("−" if v < 0 else "") + compact_money(abs(v), currency),
                (i, top),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
        ax.set_xticks(range(len(names)), names)
        _money_axis(ax, currency)
        ax.grid(axis="y", color="#e2e8f0", lw=0.6)
        ax.set_axisbelow(True)

    return render(draw, "ARR bridge over the horizon", (7.0, 2.8))


def stacked_years(years: Sequence[str], segments: dict[str, Sequence[float]], currency: str) -> str:
    """Exit ARR of each year, stacked by segment."""

    def draw(fig: Any, ax: Any) -> None:
        bottom = [0.0] * len(years)
        x = list(range(len(years)))
        for i, (name, values) in enumerate(segments.items()):
            ax.bar(
                x,
                values,
                bottom=bottom,
                width=0.6,
                color=SEGMENT_COLORS[i % len(SEGMENT_COLORS)],
                label=label(name),
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(x, [label(y) for y in years])
        _money_axis(ax, currency)
        ax.grid(axis="y", color="#e2e8f0", lw=0.6)
        ax.set_axisbelow(True)
        if len(segments) <= 12:
            fig.subplots_adjust(right=0.78)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)

    return render(draw, "Exit ARR by year and segment", (7.0, 2.6))


def tornado(
    rows: Sequence[tuple[str, float, float]],
    base: float,
    tick: Callable[[float], str],
    metric: str,
) -> str:
    """Each assumption's metric at its low and high input, as bars from the base value,
    largest swing on top."""
    from matplotlib.ticker import FuncFormatter

    def draw(fig: Any, ax: Any) -> None:
        ys = list(range(len(rows)))[::-1]
        for y, (_, lo, hi) in zip(ys, rows, strict=True):
            ax.barh(y, lo - base, left=base, color=RED, height=0.6)
            ax.barh(y, hi - base, left=base, color=GREEN, height=0.6)
        ax.axvline(base, color=DARK, lw=0.8)
        names = [label(r[0]) for r in rows]
        ax.set_yticks(ys, names, fontsize=8)
        longest = max((len(n) for n in names), default=10)
        fig.subplots_adjust(left=min(0.6, 0.02 + 0.0095 * longest), bottom=0.35 / height + 0.1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick(v)))
        ax.set_xlabel(f"{label(metric)}: red at the low input, green at the high input")
        ax.grid(axis="x", color="#e2e8f0", lw=0.6)
        ax.set_axisbelow(True)

    height = max(1.8, 0.28 * len(rows) + 0.9)
    return render(draw, "Tornado", (7.0, height))


def hiring(quarters: Sequence[str], required: Sequence[float], headcount: Sequence[float]) -> str:
    """Required FTE and CSMs on staff at each quarter's end (the hiring plan)."""

    def draw(fig: Any, ax: Any) -> None:
        x = list(range(len(quarters)))
        ax.bar(x, headcount, color=GREY, width=0.6, label="Headcount at quarter end")
        ax.plot(x, required, color=RED, marker="o", lw=1.5, ms=3, label="Required FTE")
        step = max(1, -(-len(quarters) // 8))  # at most 8 labels
        names = [label(q) for q in quarters]
        ax.set_xticks(x[::step], names[::step], fontsize=8, rotation=30, ha="right")
        ax.grid(axis="y", color="#e2e8f0", lw=0.6)
        ax.set_axisbelow(True)
        fig.subplots_adjust(right=0.75, bottom=0.28)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)

    return render(draw, "Hiring plan", (7.0, 2.4))
