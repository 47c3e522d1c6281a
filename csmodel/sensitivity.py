"""Which assumption matters most (``csmodel sensitivity``), the paper's finding 2.

Every numeric assumption of the scenario is moved down and up, one at a time,
the metric is recomputed for each, and assumptions are ranked by the swing
between the two. So that the ranking measures importance and not step size,
every rate moves by the same **annualised** amount, ``step`` (default 1
percentage point a year, ``--step``):

- **Movement rates** (``churn``, ``contraction``, ``expansion``,
  ``price_increase``), whatever their period L (1, 3 or 12 months), move so
  that their effect over a year moves by exactly ``step``. "Annualised" means
  the compound effect of the n = 12 / L periods of one year on an account that
  takes the movement:

  - loss rates (churn, contraction): annual loss ``A = 1 - (1 - r)^n``, moved to
    ``A -/+ step`` and converted back with ``r = 1 - (1 - A)^(1/n)``;
  - growth rates (expansion, price increase): annual growth
    ``G = (1 + r)^n - 1``, moved to ``G -/+ step`` and converted back with
    ``r = (1 + G)^(1/n) - 1`` (the rate of an account that takes the movement;
    ``share`` is moved on its own).

  A monthly churn of 1% (an annual loss of 11.36%) thus moves to 0.912% and
  1.089% a month (annual losses of 10.36% and 12.36%), exactly as an annual
  churn of 11.36% moves to 10.36% and 12.36%.
- **Rates without a period** (``share``, ``onboarding_rate``, and the yearly
  or periodless ``attrition``, ``cost_to_serve``, ``discount_rate``) move by
  ``step`` in plain points.

Every rate is clamped to its valid range [0%, 100%] (an annual loss or growth
below zero moves no further).

Every other number (accounts, ACV, hours, productivity, CSMs, new logos,
costs, sensitivities) moves by ``relative_step`` (default 10%) of its value. A
number whose value is zero would not move at all that way, so it moves up by
an absolute step instead (see :data:`ZERO_STEPS`): counts and hours by 1 of
their unit, the CAC per logo by 10% of the book's average ACV, the CSM cost by
10% of the default 120,000, the understaffing sensitivities by 0.1. Inputs
cannot go below zero, so their low side stays at the base.

Each :class:`Row` states the step it took (``step``, ``step_kind``,
``step_amount``) and, for movement rates, the annualised base, low and high.

Every point is one edit of the scenario (``csmodel.edit``), and all points
are projected in a few batched engine calls; a point that changes one segment
costs one column (see :class:`_Points`). Work is still bounded: the estimate
of segment-months projected (:func:`work_estimate`) above :data:`MAX_WORK` is
refused with :class:`WorkTooLarge` before anything is projected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from csmodel.engine import project
from csmodel.errors import CsmodelError
from csmodel.ids import PERIODS
from csmodel.ranges import Range
from csmodel.schedule import Schedule
from csmodel.schema import Scenario, plain

RATE_KEYS = frozenset(
    {"rate", "share", "onboarding_rate", "attrition", "cost_to_serve", "discount_rate"}
)
"""Keys that are rates: moved by the (annualised) step in points."""
LOSS_MOVEMENTS = frozenset({"churn", "contraction"})
GROWTH_MOVEMENTS = frozenset({"expansion", "price_increase"})
SKIP_KEYS = frozenset({"horizon_months", "ramp_months", "fiscal_year_start"})
"""Numbers that define the plan's frame, not assumptions to move."""
SKIP_TREES = frozenset({"variants", "checks", "lint"})
WHOLE_KEYS = frozenset({"accounts", "tenure_years"})
RATE_STEP = 0.01
"""Default step of every rate: 1 percentage point a year (annualised for movement rates)."""
NUMBER_STEP = 0.10
"""Default relative step of every other number: 10% of its value."""
MAX_RATE_STEP = 0.5
"""Largest ``--step``: 50 points a year."""

DEFAULT_CSM_COST = 120_000.0
ZERO_STEPS: dict[str, tuple[str, Any]] = {
    "accounts": ("+1 account", 1.0),
    "csms": ("+1 CSM", 1.0),
    "per_month": ("+1 logo a month", 1.0),
    "per_year": ("+1 meeting a year", 1.0),
    "hours": ("+1 hour", 1.0),
    "prep_hours": ("+1 hour", 1.0),
    "onboarding_hours": ("+1 hour", 1.0),
    "churn_sensitivity": ("+0.1", 0.1),
    "expansion_sensitivity": ("+0.1", 0.1),
    "cost_per_csm": ("+10% of 120,000 (the default CSM cost)", NUMBER_STEP * DEFAULT_CSM_COST),
    "cac_per_logo": ("+10% of the book's average ACV", "acv"),
}
"""How a number whose value is zero moves (it cannot go below zero): ``key -> (text, step)``;
``"acv"`` means 10% of the book's average starting ACV. Keys not listed move by +1."""

MAX_WORK = 50_000_000
"""Most work one ``sensitivity`` run may take, in segment-months projected:
2 x assumptions x segments x (horizon + 1). About a minute; a 1,000-segment
file is ~1.5e9 and is refused."""


class WorkTooLarge(CsmodelError):
    """A sensitivity run would project more than :data:`MAX_WORK` segment-months."""


@dataclass(frozen=True)
class Row:
    """One assumption moved down and up; ``period`` is the movement's ``every`` for its rates.

    ``low_input``/``high_input`` are in the input's own terms (a movement rate
    per its own period). ``step`` says the move in words ("±1 pt a year",
    "±10%", "+1 logo a month"); ``step_kind`` is ``annualised`` (movement
    rates: ``annual_*`` hold the annual loss or growth at base, low and high),
    ``points`` (other rates), ``relative`` (other numbers), ``absolute``
    (numbers at zero) or ``range`` (a ranged input, P5 to P95, DOMAIN 9);
    ``step_amount`` is the step in that kind's unit (0.01 for one point, 0.10 for
    10%, 1.0 for one logo, 0.90 for a range's P5 to P95).
    """

    assumption: str
    base_input: float
    low_input: float
    high_input: float
    low: float | None
    high: float | None
    swing: float | None
    period: str | None = None
    step: str = ""
    step_kind: str = ""
    step_amount: float = 0.0
    annual_base: float | None = None
    annual_low: float | None = None
    annual_high: float | None = None


@dataclass(frozen=True)
class Sensitivity:
    """Rows sorted by swing, largest first; ``rows`` holds the ``top`` first when given.

    ``step`` is the rate step (a fraction: 0.01 = 1 point a year),
    ``relative_step`` the step of other numbers; ``assumptions`` counts every
    assumption moved (before ``top``).
    """

    metric: str
    base: float | None
    rows: tuple[Row, ...]
    scenario: Scenario
    step: float = RATE_STEP
    relative_step: float = NUMBER_STEP
    top: int | None = None
    assumptions: int = 0

    @property
    def currency(self) -> str:
        return self.scenario.currency

    @property
    def method(self) -> str:
        """One paragraph saying how inputs moved (for every renderer to print)."""
        text = method_text(self.step, self.relative_step)
        if any(r.step_kind == "range" for r in self.rows):
            text += " " + RANGE_METHOD
        return text


RANGE_METHOD = (
    "Inputs with a range (low/high) swing instead between their P5 and P95, every other "
    "input at its median: their rows rank which uncertainty matters most."
)


def method_text(step: float = RATE_STEP, relative_step: float = NUMBER_STEP) -> str:
    pts = f"{step * 100:g}"
    return (
        f"Movement rates move ±{pts} pt a year, converted to their own period exactly "
        "(churn and contraction by annual loss 1 − (1 − r)^(12/L), expansion and price "
        "increase by annual growth (1 + r)^(12/L) − 1, for a movement every L months); "
        f"shares and other rates ±{pts} pt; every other number ±{relative_step * 100:g}%, "
        "or, at zero, by a stated absolute step (counts and hours +1, CAC +10% of the average "
        "ACV, CSM cost +12,000, sensitivities +0.1). Rates stay within 0–100%."
    )


def parse_step(text: str) -> float:
    """``"2"``, ``"2%"`` or ``"2pt"`` -> 0.02 (points a year); ValueError when out of range."""
    raw = text.strip().lower()
    for suffix in ("pts", "pt", "%"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            break
    try:
        x = float(raw) / 100.0
    except ValueError:
        raise ValueError(f"expected points a year such as 1, 2 or 0.5% (got {text!r})") from None
    if not math.isfinite(x) or x <= 0 or x > MAX_RATE_STEP:
        raise ValueError(
            f"must be above 0 and at most {MAX_RATE_STEP * 100:g} points a year (got {text!r})"
        )
    return x


def assumptions(data: Any, path: tuple = ()) -> list[tuple[tuple, float]]:
    """Numeric leaves of a scenario's plain data, with their values."""
    out: list[tuple[tuple, float]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if not path and k in SKIP_TREES:
                continue
            if k == "tenure_years" and "model" not in (data.get("churn") or {}):
                continue  # tenure moves only tenure-based (sBG) churn
            out += assumptions(v, (*path, k))
    elif (
        isinstance(data, (int, float)) and not isinstance(data, bool) and path[-1] not in SKIP_KEYS
    ):
        out.append((path, data if isinstance(data, (Schedule, Range)) else float(data)))
    return out


def annualise(kind: str, rate: float, n: float) -> float:
    """Annual loss (``kind`` ``loss``) or growth (``growth``) of ``n`` periods at ``rate``."""
    if kind == "loss":
        return 1.0 - (1.0 - rate) ** n
    return (1.0 + rate) ** n - 1.0


def per_period(kind: str, annual: float, n: float) -> float:
    """Inverse of :func:`annualise`: the rate per period with that annual effect."""
    if kind == "loss":
        return 1.0 - (1.0 - min(1.0, annual)) ** (1.0 / n)
    return (1.0 + annual) ** (1.0 / n) - 1.0


@dataclass(frozen=True)
class Move:
    """How one assumption moves: inputs and the step stated."""

    low: float
    high: float
    step: str
    kind: str
    amount: float
    annual: tuple[float, float, float] | None = None


def movement_kind(path: tuple) -> str | None:
    """``loss`` / ``growth`` for a movement's ``rate``, else ``None``."""
    if len(path) >= 2 and path[-1] == "rate":
        if path[-2] in LOSS_MOVEMENTS:
            return "loss"
        if path[-2] in GROWTH_MOVEMENTS:
            return "growth"
    return None


def move(
    path: tuple,
    value: float,
    period: str | None = None,
    step: float = RATE_STEP,
    relative_step: float = NUMBER_STEP,
    average_acv: float = 0.0,
) -> Move:
    """The low and high inputs for an assumption, clamped to valid values (module docstring)."""
    key = path[-1]
    pts = f"±{step * 100:g} pt"
    kind = movement_kind(path)
    if kind is not None:
        n = 12.0 / PERIODS[period or "year"]
        a = annualise(kind, value, n)
        a_lo, a_hi = max(0.0, a - step), a + step
        lo = max(0.0, min(1.0, per_period(kind, a_lo, n)))
        hi = max(0.0, min(1.0, per_period(kind, a_hi, n)))
        annual = (a, annualise(kind, lo, n), annualise(kind, hi, n))
        return Move(lo, hi, f"{pts} a year", "annualised", step, annual)
    if key in RATE_KEYS:
        return Move(max(0.0, value - step), min(1.0, value + step), pts, "points", step)
    if value == 0.0:
        text, amount = ZERO_STEPS.get(key, ("+1", 1.0))
        if amount == "acv":
            amount = NUMBER_STEP * average_acv
        return Move(0.0, float(amount), text, "absolute", float(amount))
    low, high = value * (1 - relative_step), value * (1 + relative_step)
    if key == "productivity":
        high = min(1.0, high)
    if key in WHOLE_KEYS:
        low, high = float(round(low)), float(round(high))
        if value >= 1 and low == value:
            low = value - 1
        if high == value:
            high = value + 1
    return Move(low, high, f"±{relative_step * 100:g}%", "relative", relative_step)


def range_move(r: Range) -> Move:
    """A ranged input (DOMAIN 9) swings between its P5 and P95, the rest at their medians:
    the ranking then says which *uncertainty* matters most, in the range's own terms."""
    return Move(float(r.quantile(0.05)), float(r.quantile(0.95)), "P5 to P95", "range", 0.90)


def bounds(path: tuple, value: float, period: str | None = None) -> tuple[float, float]:
    """The low and high inputs for an assumption (see :func:`move`)."""
    m = move(path, value, period)
    return m.low, m.high


def _at(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


CHUNK_COLUMNS = 20_000
"""Columns (segments of points) projected in one batched engine call."""


class _Points:
    """Metric values of many one-assumption edits of a scenario, in few engine calls.

    An assumption inside a segment changes only that segment (segments do not
    interact), so its points are projected as that segment alone and combined
    with the rest of the book from the base projection's parts
    (``metrics.column_parts``): a 1,000-segment book costs one column a point,
    not a thousand. Assumptions outside the segments (team, economics,
    understaffing) change every segment: their points are whole scenarios. All
    points go through ``edit.edit`` (the leaf's model validated again); a value
    that model refuses gives no metric (``None``).
    """

    def __init__(self, scenario: Scenario, metric: str):
        from csmodel.metrics import column_parts, sum_parts

        self.scenario, self.metric = scenario, metric
        self.base = project(scenario)
        self.parts = column_parts(self.base)
        self.total = sum_parts(self.parts)
        self.names = list(scenario.segments)
        cov = self.parts["coverage"]
        order = np.argsort(cov, kind="stable")
        # the lowest coverage of every other segment: the lowest, or the second for it
        self.cov_others = np.full(cov.shape, np.inf)
        if cov.size:
            self.cov_others[:] = cov[order[0]]
            self.cov_others[order[0]] = cov[order[1]] if cov.size > 1 else np.inf
        self.index = {name: i for i, name in enumerate(self.names)}
        from csmodel.engine import owned_segments

        # a book with owners or other terms: a segment is several engine columns, so every
        # point is the whole scenario projected as `project` does (owner by owner)
        self.split = bool(owned_segments(scenario))
        self.local: list[tuple[int, int, tuple]] = []  # (point, segment, engine column)
        self.whole: list[tuple[int, Any]] = []  # (point, edited scenario)
        self.count = 0

    def add(self, path: tuple, value: float) -> int:
        """Queue the edit ``path = value``; returns its index (or -1 when invalid).

        An edit inside a segment validates the edited model (``edit.edit`` on the
        segment) and keeps only that segment's engine column; any other edit keeps
        the whole edited scenario.
        """
        from csmodel.edit import edit
        from csmodel.engine import segment_row
        from csmodel.errors import ScenarioError

        value = int(value) if path[-1] in WHOLE_KEYS else value
        try:
            if path[0] == "segments" and not self.split:
                seg = edit(self.scenario.segments[path[1]], path[2:], value)
                row = segment_row(self.scenario, seg, path[1])
                self.local.append((self.count, self.index[path[1]], row))
            else:
                self.whole.append((self.count, edit(self.scenario, path, value)))
        except ScenarioError:
            return -1
        self.count += 1
        return self.count - 1

    def evaluate(self) -> list[float | None]:
        """The metric of every queued point, in order."""
        from csmodel.engine import params_from_rows, project_batch, project_columns, run_batches
        from csmodel.metrics import column_parts, combine, sum_parts

        has_year = self.base.year_open_mrr.shape[0] >= 1
        out: list[float | None] = [None] * self.count
        keys = [k for k in self.total if k != "coverage"]
        rest = np.array([[self.total[k] for k in keys]]) - np.stack(
            [self.parts[k] for k in keys], axis=-1
        )  # (segments, parts): the book without each segment
        # one segment edited, in the rest of the book: one engine column a point
        for start in range(0, len(self.local), CHUNK_COLUMNS):
            chunk = self.local[start : start + CHUNK_COLUMNS]
            pr = project_columns(self.scenario, params_from_rows([row for _, _, row in chunk]))
            parts = column_parts(pr)
            table = rest[[i for _, i, _ in chunk]] + np.stack([parts[k] for k in keys], axis=-1)
            for j, (k, i, _) in enumerate(chunk):
                t = dict(zip(keys, table[j].tolist(), strict=True))
                t["coverage"] = min(float(self.cov_others[i]), float(parts["coverage"][j]))
                out[k] = combine(t, has_year).get(self.metric)
        # the whole book edited (team, economics, understaffing): every segment a point
        per_call = max(1, CHUNK_COLUMNS // max(1, len(self.names)))
        for start in range(0, len(self.whole), per_call):
            chunk2 = self.whole[start : start + per_call]
            if self.split:
                for (k, _), pr in zip(chunk2, project_batch([sc for _, sc in chunk2]), strict=True):
                    out[k] = combine(sum_parts(column_parts(pr)), has_year).get(self.metric)
                continue
            for b in run_batches([sc for _, sc in chunk2]):
                parts = column_parts(b.columns)
                for member, cols in zip(b.members, b.slices, strict=True):
                    t = sum_parts(parts, cols)
                    out[chunk2[member][0]] = combine(t, has_year).get(self.metric)
        return out


def work_estimate(scenario: Scenario, leaves: list[tuple[tuple, float]]) -> int:
    """Segment-months a run projects: two points per assumption, each one segment (an
    assumption inside a segment) or every segment (one outside), x (horizon + 1)."""
    n_seg = len(scenario.segments)
    columns = sum(2 if path[0] == "segments" else 2 * n_seg for path, _ in leaves)
    return (columns + n_seg) * (scenario.horizon_months + 1)


def _average_acv(scenario: Scenario) -> float:
    accounts = sum(s.accounts for s in scenario.segments.values())
    arr = sum(s.accounts * s.acv for s in scenario.segments.values())
    if accounts > 0:
        return arr / accounts
    acvs = [s.acv for s in scenario.segments.values()]
    return sum(acvs) / len(acvs) if acvs else 0.0


def sensitivity(
    scenario: Scenario,
    metric: str = "contribution",
    step: float = RATE_STEP,
    top: int | None = None,
    relative_step: float = NUMBER_STEP,
) -> Sensitivity:
    """Swing of ``metric`` for each assumption moved down and up (see module docstring).

    ``top`` keeps the ``top`` largest swings. Raises :class:`WorkTooLarge` when
    the run would exceed :data:`MAX_WORK`.
    """
    data = plain(scenario, schedules=True)
    for k in SKIP_TREES:
        data.pop(k, None)
    leaves = assumptions(data)
    work = work_estimate(scenario, leaves)
    if work > MAX_WORK:
        raise WorkTooLarge(
            f"sensitivity would project {len(leaves):,} assumptions × 2 points over "
            f"{len(scenario.segments):,} segments × {scenario.horizon_months + 1:,} months "
            f"= {work:,} segment-months, above the limit of {MAX_WORK:,}; "
            "run it on fewer segments (a file or variant with the segments you want to rank) "
            "or a shorter horizon_months"
        )
    acv = _average_acv(scenario)
    with np.errstate(all="ignore"):
        points = _Points(scenario, metric)
        base = points.base.metrics.get(metric)
        moves = []
        for path, value in leaves:
            parent = _at(data, path[:-1])
            period = parent.get("every") if isinstance(parent, dict) else None
            mv = move(path, float(value), period, step, relative_step, acv)
            if isinstance(value, Range):  # which uncertainty matters most: P5 to P95
                mv = range_move(value)
            low, high = mv.low, mv.high
            if isinstance(value, Schedule):  # every month's value moved by the same rule
                each = [move(path, v, period, step, relative_step, acv) for v in value.values]
                keys = [k for k, _ in value.points]
                low = Schedule(tuple(zip(keys, [m.low for m in each], strict=True)), value.linear)
                high = Schedule(tuple(zip(keys, [m.high for m in each], strict=True)), value.linear)
            lo = None if low == value else points.add(path, low)
            hi = None if high == value else points.add(path, high)
            moves.append((path, float(value), period, mv, lo, hi))
        values = points.evaluate()
        rows = []
        for path, value, period, mv, lo_at, hi_at in moves:
            lo = base if lo_at is None else (values[lo_at] if lo_at >= 0 else None)
            hi = base if hi_at is None else (values[hi_at] if hi_at >= 0 else None)
            swing = abs(hi - lo) if lo is not None and hi is not None else None
            annual = mv.annual or (None, None, None)
            rows.append(
                Row(
                    ".".join(map(str, path)),
                    value,
                    mv.low,
                    mv.high,
                    lo,
                    hi,
                    swing,
                    period,
                    step=mv.step,
                    step_kind=mv.kind,
                    step_amount=mv.amount,
                    annual_base=annual[0],
                    annual_low=annual[1],
                    annual_high=annual[2],
                )
            )
    rows.sort(key=lambda r: (r.swing is None, -(r.swing or 0.0), r.assumption))
    kept = tuple(rows[:top]) if top is not None else tuple(rows)
    return Sensitivity(metric, base, kept, scenario, step, relative_step, top, len(rows))
