"""Goal seek (``csmodel solve``): the value of one assumption that makes a metric hit a target.

Excel's Goal Seek for plans. Two forms:

- ``METRIC=VALUE`` solves continuously: the assumption's range is sampled on
  a grid in one batched projection, a sign change of ``metric − target`` is
  bracketed, and the Illinois method narrows the bracket until the metric is
  within 1e-9 (relative to the target, absolute below 1) of the target.
- ``METRIC>=VALUE`` / ``METRIC<=VALUE`` on a whole-number assumption (CSMs,
  accounts, horizon) returns the boundary of the values that satisfy it: the
  smallest when the metric rises with the assumption (fewest CSMs that keep
  coverage at 100%), the largest when it falls (most accounts a team can carry).

Every evaluated point is an edit of the scenario through the same override
path as ``--set`` (validated, with located errors), and every grid is one
:func:`csmodel.engine.project_batch` call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from csmodel.errors import CsmodelError, UsageError
from csmodel.ids import METRICS

GRID = 16
"""Points of the batched grid that brackets a continuous target."""
RTOL = 1e-9
"""Relative tolerance on the metric (absolute when the target is below 1 in size)."""
MAX_ROUNDS = 100
MAX_WHOLE_POINTS = 4096
"""Whole-number ranges up to this size are evaluated point by point in one batch."""

_TARGET = re.compile(r"^\s*([A-Za-z0-9_.\- ]+?)\s*(>=|<=|=)\s*(.+?)\s*$")
_WHOLE_FIELDS = frozenset({"csms", "accounts", "horizon_months", "ramp_months"})
_RATE_FIELDS = frozenset(
    {"rate", "share", "onboarding_rate", "productivity", "cost_to_serve", "attrition"}
)
_POSITIVE_FIELDS = frozenset({"alpha", "beta"})
"""Numbers that must stay above 0 (sBG churn's alpha and beta): searched from 1% of their
value, not from 0."""


class Unreachable(CsmodelError):
    """The target lies outside what the range can reach (exit 1, not an input error)."""

    def __init__(self, message: str, solution: Solution):
        super().__init__(message)
        self.solution = solution


@dataclass(frozen=True)
class Target:
    metric: str  # a metric id
    segment: str | None
    op: str  # "=", ">=", "<="
    value: float
    text: str  # as written

    @property
    def metric_path(self) -> str:
        return f"segments.{self.segment}.{self.metric}" if self.segment else self.metric


@dataclass
class Solution:
    path: str
    target: Target
    range: tuple[float, float]
    value: float | None = None
    achieved: float | None = None
    evaluations: int = 0
    at_low: float | None = None
    at_high: float | None = None
    whole: bool = False
    period: str | None = None  # the movement's `every`, for a rate
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)


def parse_number(text: str, what: str) -> float:
    """``4.5``, ``110%``, ``1e6`` or ``36,000`` as a number, or a usage error naming ``what``."""
    raw = text.strip().replace(",", "").replace("_", "")
    scale = 1.0
    if raw.endswith("%"):
        raw, scale = raw[:-1], 0.01
    try:
        x = float(raw) * scale
    except ValueError:
        raise UsageError(f"{what}: expected a number (got {text!r})") from None
    if not math.isfinite(x) or abs(x) > 1e15:
        raise UsageError(f"{what}: expected a finite number of at most 1e15 (got {text!r})")
    return x


def parse_target(text: str, segments: list[str]) -> Target:
    """``nrr=110%``, ``segments.smb.grr>=90%``, ``coverage>=1`` → a :class:`Target`."""
    from csmodel.suggest import did_you_mean

    m = _TARGET.match(text or "")
    if not m:
        raise UsageError(
            f"--target {text}: expected METRIC=VALUE, METRIC>=VALUE or METRIC<=VALUE "
            "(e.g. --target nrr=110%)"
        )
    name, op, raw = m.groups()
    segment = None
    if name.startswith("segments."):
        rest = name[len("segments.") :]
        seg, _, metric = rest.rpartition(".")
        if seg not in segments:
            raise UsageError(
                f"--target {text}: unknown segment `{seg}`{did_you_mean(seg, segments)}; "
                f"segments are: {', '.join(segments)}"
            )
        segment, name = seg, metric
    if name not in METRICS:
        raise UsageError(
            f"--target {text}: unknown metric `{name}`{did_you_mean(name, list(METRICS))}; "
            f"metrics are: {', '.join(METRICS)}"
        )
    return Target(name, segment, op, parse_number(raw, f"--target {text}"), text)


def parse_range(text: str) -> tuple[float, float]:
    """``LOW..HIGH`` (``0%..20%``, ``1..12``) → ``(low, high)``."""
    low, sep, high = (text or "").partition("..")
    if not sep:
        raise UsageError(f"--range {text}: expected LOW..HIGH, e.g. --range 0%..20%")
    lo, hi = parse_number(low, f"--range {text}"), parse_number(high, f"--range {text}")
    if not lo < hi:
        raise UsageError(f"--range {text}: LOW must be below HIGH")
    return lo, hi


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def default_range(path: str, current: float | None) -> tuple[float, float]:
    """The range searched when ``--range`` is absent (README states the rule)."""
    leaf = _leaf(path)
    if leaf in _RATE_FIELDS:
        return 0.0, 1.0
    base = abs(current or 0.0)
    if leaf in _WHOLE_FIELDS:
        return 0.0, float(max(10, math.ceil(4 * base)))
    if leaf in _POSITIVE_FIELDS and base > 0:
        return base / 100, 10 * base
    return 0.0, (10 * base if base > 0 else 1e6)


class _Problem:
    """The document, its fixed overrides and the path to vary: points → metric values."""

    def __init__(self, doc: Any, fixed: list[Any], path: str, target: Target):
        from csmodel.overrides import Origin, Override, apply

        self.doc, self.fixed, self.path, self.target = doc, fixed, path, target
        self._override, self._origin, self._apply = Override, Origin, apply
        self.evaluations = 0
        self.base = apply(doc, fixed)

    def scenario_at(self, x: float) -> Any:
        value: float | int = round(x) if _leaf(self.path) in _WHOLE_FIELDS else x
        origin = self._origin("<command line>", flag=f"--vary {self.path}={value}")
        return self._apply(self.doc, [*self.fixed, self._override(self.path, value, origin)])

    def metrics(self, xs: list[float]) -> list[float | None]:
        from csmodel.engine import project_batch

        projections = project_batch([self.scenario_at(x) for x in xs])
        self.evaluations += len(xs)
        t = self.target
        return [
            (pr.metrics if t.segment is None else pr.segment_metrics[t.segment])[t.metric]
            for pr in projections
        ]


def current_value(scenario: Any, path: str) -> Any:
    """The value at dotted ``path`` of a validated scenario (``None`` when unset)."""
    from csmodel.schema import plain

    node: Any = plain(scenario, schedules=True)
    rest = path
    from csmodel.schedule import Schedule

    while rest:
        if isinstance(node, Schedule):
            raise UsageError(
                f"--vary {path}: names one month of a schedule, and a goal seek moves one "
                "plain number; to solve for it, make the schedule a plain number first "
                "(--set PATH=VALUE, or a variant)"
            )
        if not isinstance(node, dict):
            return None
        key = next(
            (
                k
                for k in sorted(node, key=len, reverse=True)
                if rest == k or rest.startswith(k + ".")
            ),
            None,
        )
        if key is None:
            return None
        node, rest = node[key], rest[len(key) + 1 :]
    return node


def solve(
    doc: Any,
    fixed: list[Any],
    path: str,
    target: Target,
    range_: tuple[float, float] | None = None,
) -> Solution:
    """Find the value of ``path`` that makes ``target`` hold (see the module docstring).

    ``fixed`` are the variant's and ``--set`` overrides, applied first. Raises
    :class:`Unreachable` (with the metric at both ends) when the range cannot
    reach the target.
    """
    problem = _Problem(doc, fixed, path, target)
    current = current_value(problem.base, path)
    if isinstance(current, dict) or (current is not None and not isinstance(current, (int, float))):
        raise UsageError(f"--vary {path}: names a {type(current).__name__}, not a number")
    from csmodel.schedule import Schedule

    if isinstance(current, Schedule):
        raise UsageError(
            f"--vary {path}: is a schedule ({len(current.points)} months) and a goal seek "
            "moves one plain number; to solve for it, make it a plain number first "
            f"(e.g. --set {path}=VALUE, or a variant)"
        )
    lo, hi = range_ or default_range(path, current)
    whole = _leaf(path) in _WHOLE_FIELDS
    if whole:
        lo, hi = math.ceil(lo), math.floor(hi)
        if lo > hi:
            raise UsageError(f"--range: no whole number between {lo} and {hi}")
    sol = Solution(path, target, (lo, hi), whole=whole, currency=problem.base.currency)
    if path.endswith(".rate"):
        movement = current_value(problem.base, path.rsplit(".", 1)[0] + ".every")
        sol.period = movement if isinstance(movement, str) else None
    if target.op == "=":
        if whole:
            raise UsageError(
                f"--vary {path} takes whole numbers: use {target.metric_path}>=VALUE or "
                f"<=VALUE to find the fewest or most that satisfy the target"
            )
        _solve_equal(problem, sol, lo, hi)
    else:
        _solve_bound(problem, sol, int(lo), int(hi))
    sol.evaluations = problem.evaluations
    return sol


def _gap(y: float | None, target: float) -> float | None:
    return None if y is None else y - target


def _solve_equal(problem: _Problem, sol: Solution, lo: float, hi: float) -> None:
    """One batched grid brackets the target; the Illinois method (regula falsi that
    halves the weight of a stale end) narrows the bracket one projection at a time."""
    t = sol.target.value
    tol = RTOL * max(1.0, abs(t))
    xs = [lo + (hi - lo) * i / (GRID - 1) for i in range(GRID)]
    ys = problem.metrics(xs)
    sol.at_low, sol.at_high = ys[0], ys[-1]
    known = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
    best = min(known, key=lambda p: abs(p[1] - t), default=None)
    if best is not None and abs(best[1] - t) <= tol:
        sol.value, sol.achieved = best
        return
    bracket = next(
        (
            (known[i], known[i + 1])
            for i in range(len(known) - 1)
            if (known[i][1] - t) * (known[i + 1][1] - t) < 0
        ),
        None,
    )
    if bracket is None:
        raise Unreachable(_unreachable_text(sol), sol)
    (a, fa), (b, fb) = (bracket[0][0], bracket[0][1] - t), (bracket[1][0], bracket[1][1] - t)
    side = 0
    for _ in range(MAX_ROUNDS):
        c = b - fb * (b - a) / (fb - fa)
        if not a < c < b:  # numerical edge: fall back to bisection
            c = (a + b) / 2
        (y,) = problem.metrics([c])
        if y is None:
            break
        fc = y - t
        if abs(fc) <= tol or b - a <= 1e-15 * max(1.0, abs(c)):
            sol.value, sol.achieved = c, y
            if abs(fc) > tol:
                sol.notes.append("the metric jumps here: the closest value is given")
            return
        if fc * fb < 0:
            a, fa = b, fb
            b, fb = c, fc
            side = 0
        else:
            b, fb = c, fc
            if side == 1:
                fa /= 2
            side = 1
        if a > b:
            (a, fa), (b, fb) = (b, fb), (a, fa)
    raise Unreachable(_unreachable_text(sol), sol)


def _solve_bound(problem: _Problem, sol: Solution, lo: int, hi: int) -> None:
    t = sol.target
    ok = (
        (lambda y: y is not None and y >= t.value)
        if t.op == ">="
        else (lambda y: y is not None and y <= t.value)
    )
    if hi - lo + 1 <= MAX_WHOLE_POINTS:
        xs = list(range(lo, hi + 1))
    else:  # a coarse grid, then every whole number between the bracketing points
        step = (hi - lo) / (MAX_WHOLE_POINTS - 1)
        xs = sorted({round(lo + step * i) for i in range(MAX_WHOLE_POINTS)} | {lo, hi})
    ys = problem.metrics([float(x) for x in xs])
    sol.at_low, sol.at_high = ys[0], ys[-1]
    rising = (ys[-1] or 0.0) >= (ys[0] or 0.0)
    good = [x for x, y in zip(xs, ys, strict=True) if ok(y)]
    if not good:
        raise Unreachable(_unreachable_text(sol), sol)
    want_smallest = rising == (t.op == ">=")
    pick = min(good) if want_smallest else max(good)
    if len(xs) < hi - lo + 1:  # refine between the neighbours on the grid
        i = xs.index(pick)
        a, b = (xs[max(0, i - 1)], pick) if want_smallest else (pick, xs[min(len(xs) - 1, i + 1)])
        fine = list(range(a, b + 1))
        fys = problem.metrics([float(x) for x in fine])
        fine_good = [x for x, y in zip(fine, fys, strict=True) if ok(y)]
        pick = min(fine_good) if want_smallest else max(fine_good)
        ys_map = dict(zip(fine, fys, strict=True))
    else:
        ys_map = dict(zip(xs, ys, strict=True))
    sol.value, sol.achieved = float(pick), ys_map[pick]
    sol.notes.append(
        f"the {'smallest' if want_smallest else 'largest'} whole value that satisfies the "
        f"target: the metric {'rises' if rising else 'falls'} with {sol.path} over the range"
    )


def _unreachable_text(sol: Solution) -> str:
    from csmodel.ids import metric_unit
    from csmodel.units import show

    unit = metric_unit(sol.target.metric)
    lo, hi = sol.range
    return (
        f"{sol.target.metric_path} cannot reach {sol.target.text.split(sol.target.op)[-1].strip()} "
        f"with {sol.path} in {lo:g}..{hi:g}: it is {show(sol.at_low, unit, sol.currency)} at "
        f"{lo:g} and {show(sol.at_high, unit, sol.currency)} at {hi:g}"
    )
