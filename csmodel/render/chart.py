"""Terminal line charts (no plotting dependency).

One series is drawn as filled columns with eighth-block resolution; several
series are drawn as coloured markers with a legend. The y axis is labelled so
a non-zero baseline is always visible to the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text

_BLOCKS = " ▁▂▃▄▅▆▇█"
COLORS = ("cyan", "magenta", "yellow", "green", "blue", "red", "bright_white", "bright_cyan")
_MARKERS = "●◆■▲✚★◉▼"


def _resample(values: Sequence[float], width: int) -> list[float]:
    n = len(values)
    if n <= width:
        return list(values)
    return [values[min(n - 1, round(i * (n - 1) / (width - 1)))] for i in range(width)]


def line_chart(
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    label: Callable[[float], str] = lambda v: f"{v:,.0f}",
    x_labels: tuple[str, str] = ("", ""),
    height: int = 8,
    width: int = 60,
) -> Text:
    """A chart of one or more series sharing x (index) and y axes."""
    cols = [_resample(list(v), width) for _, v in series]
    n = max(len(c) for c in cols)
    lo = min(min(c) for c in cols)
    hi = max(max(c) for c in cols)
    if hi - lo < 1e-9 * max(1.0, abs(hi)):
        lo, hi = lo - 1.0, hi + 1.0
    y_labels = [label(hi - (hi - lo) * r / (height - 1)) for r in range(height)]
    pad = max(len(s) for s in y_labels)
    out = Text()
    single = len(series) == 1
    for r in range(height):
        out.append(f"{y_labels[r]:>{pad}} ┤" if r in (0, height - 1) else f"{'':>{pad}} │", "dim")
        row_top = hi - (hi - lo) * r / height
        row_bottom = hi - (hi - lo) * (r + 1) / height
        for x in range(n):
            if single:
                v = cols[0][x] if x < len(cols[0]) else lo
                if v >= row_top:
                    out.append("█", COLORS[0])
                elif v <= row_bottom:
                    out.append(" ")
                else:
                    out.append(
                        _BLOCKS[round(8 * (v - row_bottom) / (row_top - row_bottom))], COLORS[0]
                    )
                continue
            mark = " "
            style = ""
            for i, c in enumerate(cols):
                if x < len(c) and row_bottom <= c[x] <= row_top:
                    mark, style = _MARKERS[i % len(_MARKERS)], COLORS[i % len(COLORS)]
            out.append(mark, style)
        out.append("\n")
    out.append(f"{'':>{pad}} └{'─' * n}\n", "dim")
    left, right = x_labels
    gap = max(len(right) + 1, n - len(left)) if right else 0  # never run the two together
    out.append(f"{'':>{pad}}  {left}{right:>{gap}}\n", "dim")
    if not single:
        from csmodel.render.safe import visible

        for i, (name, _) in enumerate(series):  # one per line: long names wrap, never cut
            mark, color = _MARKERS[i % len(_MARKERS)], COLORS[i % len(COLORS)]
            out.append(f"  {mark} {visible(name)}\n", color)
    return out


def horizon_labels(cal: Any, horizon: int) -> tuple[str, str]:
    """The two ends of an ARR chart's x axis (the starting point, then months 1..horizon):
    ``start`` and ``exit (end of month 36)``, or, when ``cal`` (a
    :class:`csmodel.dates.Calendar`) is dated, ``Feb 2027`` and ``exit (end of Jan 2030)``."""
    if cal is None or not cal.dated:
        return "start", f"exit (end of month {horizon})"
    return cal.month_label(1), f"exit (end of {cal.month_label(horizon)})"


class Chart:
    """A :func:`line_chart` sized when rich renders it: at most ``max_points`` columns of
    plot, never wider than the console (the y-axis labels and frame included)."""

    def __init__(
        self,
        series: Sequence[tuple[str, Sequence[float]]],
        *,
        label: Callable[[float], str] = lambda v: f"{v:,.0f}",
        x_labels: tuple[str, str] = ("", ""),
        height: int = 8,
        max_points: int = 60,
    ) -> None:
        self.series, self.label, self.x_labels = series, label, x_labels
        self.height, self.max_points = height, max_points

    def text(self, max_width: int) -> Text:
        lo = min(min(v) for _, v in self.series)
        hi = max(max(v) for _, v in self.series)
        if hi - lo < 1e-9 * max(1.0, abs(hi)):
            lo, hi = lo - 1.0, hi + 1.0
        h = self.height
        pad = max(len(self.label(hi - (hi - lo) * r / (h - 1))) for r in range(h))
        room = max_width - pad - 2
        right = self.x_labels[1]
        if room < len(self.x_labels[0]) + len(right) + 1:
            right = ""  # too narrow for both axis labels: keep the first
        width = max(2, min(self.max_points, room))
        return line_chart(
            self.series,
            label=self.label,
            x_labels=(self.x_labels[0], right),
            height=self.height,
            width=width,
        )

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.text(options.max_width)
