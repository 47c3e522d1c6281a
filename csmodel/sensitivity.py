"""Which assumption matters most (``csmodel sensitivity``), the paper's finding 2.

Every numeric assumption of the scenario is moved down and up, one at a time:
rates (churn, contraction, expansion, price increase, shares, onboarding
rate, attrition, cost to serve, discount rate) by 1 percentage point, clamped
to [0%, 100%]; every other number (accounts, ACV, hours, productivity, CSMs,
new logos, costs, sensitivities) by 10%. The metric is recomputed for each,
and assumptions are ranked by the swing between the two.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from csmodel.engine import project
from csmodel.schema import Scenario, plain

RATE_KEYS = frozenset(
    {"rate", "share", "onboarding_rate", "attrition", "cost_to_serve", "discount_rate"}
)
"""Keys moved by +/- 1 percentage point."""
SKIP_KEYS = frozenset({"horizon_months", "ramp_months"})
"""Numbers that define the plan's frame, not assumptions to move."""
SKIP_TREES = frozenset({"variants", "checks", "lint"})
WHOLE_KEYS = frozenset({"accounts"})
RATE_STEP = 0.01
NUMBER_STEP = 0.10


@dataclass(frozen=True)
class Row:
    """One assumption moved down and up; ``period`` is the movement's ``every`` for its rates."""

    assumption: str
    base_input: float
    low_input: float
    high_input: float
    low: float | None
    high: float | None
    swing: float | None
    period: str | None = None


@dataclass(frozen=True)
class Sensitivity:
    metric: str
    base: float | None
    rows: tuple[Row, ...]
    scenario: Scenario

    @property
    def currency(self) -> str:
        return self.scenario.currency


def assumptions(data: Any, path: tuple = ()) -> list[tuple[tuple, float]]:
    """Numeric leaves of a scenario's plain data, with their values."""
    out: list[tuple[tuple, float]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if not path and k in SKIP_TREES:
                continue
            out += assumptions(v, (*path, k))
    elif (
        isinstance(data, (int, float)) and not isinstance(data, bool) and path[-1] not in SKIP_KEYS
    ):
        out.append((path, float(data)))
    return out


def bounds(path: tuple, value: float) -> tuple[float, float]:
    """The low and high inputs for an assumption, clamped to valid values."""
    key = path[-1]
    if key in RATE_KEYS:
        return max(0.0, value - RATE_STEP), min(1.0, value + RATE_STEP)
    low, high = value * (1 - NUMBER_STEP), value * (1 + NUMBER_STEP)
    if key == "productivity":
        high = min(1.0, high)
    if key in WHOLE_KEYS:
        low, high = float(round(low)), float(round(high))
        if value >= 1 and low == value:
            low = value - 1
        if high == value:
            high = value + 1
    return low, high


def _with(data: dict, path: tuple, value: float) -> dict:
    new = copy.deepcopy(data)
    node = new
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = int(value) if path[-1] in WHOLE_KEYS else value
    return new


def _at(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _metric(data: dict, metric: str) -> float | None:
    from pydantic import ValidationError

    try:
        sc = Scenario.model_validate(data)
    except ValidationError:
        return None
    return project(sc).metrics.get(metric)


def sensitivity(scenario: Scenario, metric: str = "gross_profit") -> Sensitivity:
    """Swing of ``metric`` for each assumption moved down and up (see module docstring)."""
    data = plain(scenario)
    for k in SKIP_TREES:
        data.pop(k, None)
    base = project(scenario).metrics.get(metric)
    rows = []
    for path, value in assumptions(data):
        lo_in, hi_in = bounds(path, value)
        lo = base if lo_in == value else _metric(_with(data, path, lo_in), metric)
        hi = base if hi_in == value else _metric(_with(data, path, hi_in), metric)
        swing = abs(hi - lo) if lo is not None and hi is not None else None
        parent = _at(data, path[:-1])
        period = parent.get("every") if isinstance(parent, dict) else None
        rows.append(Row(".".join(map(str, path)), value, lo_in, hi_in, lo, hi, swing, period))
    rows.sort(key=lambda r: (r.swing is None, -(r.swing or 0.0), r.assumption))
    return Sensitivity(metric, base, tuple(rows), scenario)
