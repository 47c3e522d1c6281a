"""Numbers that change over time (DOMAIN.md section 7): step and linear schedules.

A schedulable number may be written plainly (``per_month: 10``) or as a
mapping from month to value: ``{1: 10, 7: 15, 13: 20}`` (plan months,
1-based) or, with ``start``, ``{2027-02: 10, 2027-08: 15}``; the value holds
from its month until the next key. ``interpolate: linear`` ramps linearly
between keys instead (exact at the keys). Past the last key the last value
holds, also past the horizon (where ``headcount`` projects to find break-even
months, "rates as in force in month H").

A :class:`Schedule` *is* a ``float`` (its value in the plan's first month),
so code that needs one number for a whole plan (a label, a lint, a starting
point) keeps working; code that must follow the plan month by month (the
engine, costs, capacity) asks :func:`series` or :meth:`Schedule.at`. It is
immutable and compares by its keys and values, never equal to a plain number.

What a schedule may hold is checked in two steps, both located at the key:
each key and value when the file is validated (:func:`parse`, the value by
the plain field's own validator), and the keys against the plan (first key is
the plan's first month, keys in order and inside the horizon, ``YYYY-MM``
only with ``start``) by :func:`key_problems`, which ``csmodel.document`` runs
with the other rules that span keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from csmodel.dates import Calendar, parse_year_month

INTERPOLATE = "interpolate"
"""The one key of a schedule mapping that is not a month."""
MAX_KEYS = 600
"""Most keys in one schedule (one per month of the longest horizon)."""


class ScheduleError(ValueError):
    """A problem with one key of a schedule: ``key`` is the key as written (``None``
    for the mapping as a whole), so the problem is located at that key's line."""

    def __init__(self, message: str, key: Any = None, *, on_key: bool = False):
        super().__init__(message)
        self.key = key
        self.on_key = on_key  # about the key itself (else about its value)


class Schedule(float):
    """A number that changes over time; as a ``float``, its value in plan month 1.

    ``points`` are ``(key, value)`` in file order, the key as written (an
    ``int`` plan month or a ``"YYYY-MM"`` text); ``linear`` ramps between keys.
    """

    __slots__ = ("linear", "points")
    points: tuple[tuple[int | str, float], ...]
    linear: bool

    def __new__(cls, points: tuple[tuple[int | str, float], ...], linear: bool = False):
        obj = super().__new__(cls, points[0][1])
        obj.points = tuple(points)
        obj.linear = bool(linear)
        return obj

    def __reduce__(self) -> tuple:
        return (Schedule, (self.points, self.linear))

    def __copy__(self) -> Schedule:
        return self

    def __deepcopy__(self, memo: dict) -> Schedule:
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Schedule):
            return self.points == other.points and self.linear == other.linear
        return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.points, self.linear))

    def __repr__(self) -> str:
        body = ", ".join(f"{k}: {v:g}" for k, v in self.points)
        return f"Schedule({{{body}}}{', linear' if self.linear else ''})"

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(v for _, v in self.points)

    def months(self, cal: Calendar | None = None) -> list[int]:
        """The keys as plan months (1-based); ``YYYY-MM`` keys need ``cal`` with a start."""
        out = []
        for key, _ in self.points:
            if isinstance(key, int):
                out.append(key)
            else:
                ym = parse_year_month(key)
                if ym is None or cal is None or not cal.dated:
                    raise ValueError(f"schedule key {key} needs `start`")
                out.append(cal.plan_month(*ym))
        return out

    def series(self, length: int, cal: Calendar | None = None) -> list[float]:
        """Values in force in plan months 1..``length`` (index ``m`` = month ``m + 1``)."""
        months = self.months(cal)
        values = self.values
        out = [0.0] * length
        j = 0
        for m in range(length):
            k = m + 1
            while j + 1 < len(months) and months[j + 1] <= k:
                j += 1
            if self.linear and j + 1 < len(months) and k >= months[j]:
                k0, k1 = months[j], months[j + 1]
                out[m] = values[j] + (values[j + 1] - values[j]) * (k - k0) / (k1 - k0)
            else:
                out[m] = values[j]
        return out

    def at(self, k: int, cal: Calendar | None = None) -> float:
        """The value in force in plan month ``k`` (1-based)."""
        return self.series(max(k, 1), cal)[-1]

    def map(self, fn: Callable[[float], float]) -> Schedule:
        """The same keys, each value through ``fn`` (a sensitivity step on every value)."""
        return Schedule(tuple((k, fn(v)) for k, v in self.points), self.linear)

    def plain(self) -> dict[Any, Any]:
        """As written in a file: ``{1: 10, 13: 20}`` (with ``interpolate: linear``)."""
        out: dict[Any, Any] = dict(self.points)
        if self.linear:
            out[INTERPOLATE] = "linear"
        return out


def values_of(x: float) -> tuple[float, ...]:
    """Every value a schedulable number takes (one for a plain number)."""
    return x.values if isinstance(x, Schedule) else (float(x),)


def series(x: float, length: int, cal: Calendar | None = None) -> list[float]:
    """The value in force in each of plan months 1..``length`` of a plain or scheduled number."""
    if isinstance(x, Schedule):
        return x.series(length, cal)
    return [float(x)] * length


def at(x: float, k: int, cal: Calendar | None = None) -> float:
    """The value of a plain or scheduled number in force in plan month ``k`` (1-based)."""
    return x.at(k, cal) if isinstance(x, Schedule) else float(x)


def shifted(x: float, fn: Callable[[float], float]) -> float:
    """``fn`` applied to every value of a plain or scheduled number."""
    return x.map(fn) if isinstance(x, Schedule) else fn(float(x))


def _key(raw: Any) -> int | str:
    if isinstance(raw, bool):
        raise ScheduleError(
            f"a schedule key is a plan month (1, 2, ...) or YYYY-MM (got {raw})", raw, on_key=True
        )
    if isinstance(raw, int):
        if raw < 1:
            raise ScheduleError(
                f"a schedule key is a plan month from 1 (got {raw})", raw, on_key=True
            )
        return raw
    if isinstance(raw, str):
        if raw.isdigit():
            return _key(int(raw))
        if parse_year_month(raw) and raw == raw.strip():
            return raw
    if isinstance(raw, float) and raw.is_integer():
        return _key(int(raw))
    shown = repr(raw) if isinstance(raw, str) else str(raw)
    raise ScheduleError(
        f"a schedule key is a plan month (1, 2, ...) or a month written YYYY-MM (got {shown})",
        raw,
        on_key=True,
    )


def parse(data: dict, check: Callable[[Any], float]) -> Schedule:
    """A schedule mapping as written in a file -> :class:`Schedule`, each value through
    ``check`` (the plain field's validator). Raises :class:`ScheduleError` at the key."""
    items = list(data.items())
    linear = False
    points: list[tuple[int | str, float]] = []
    for raw, value in items:
        if raw == INTERPOLATE:
            if value not in ("linear", "step"):
                raise ScheduleError(
                    f"`interpolate` is `linear` or `step` (got {value!r})", INTERPOLATE
                )
            linear = value == "linear"
            continue
        key = _key(raw)
        if isinstance(value, dict) and ("low" in value or "high" in value):
            raise ScheduleError(
                "a range cannot be one month of a schedule (DOMAIN 9: a range holds for the "
                "whole horizon); make the whole number a range, or keep the schedule plain",
                raw,
            )
        try:
            x = check(value)
        except ValueError as exc:
            raise ScheduleError(str(exc), raw) from None
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            raise ScheduleError(f"expected a number (got {value!r})", raw)
        points.append((key, float(x)))
    if not points:
        raise ScheduleError("a schedule needs at least one month, e.g. {1: 10, 13: 20}")
    if len(points) > MAX_KEYS:
        raise ScheduleError(f"a schedule has at most {MAX_KEYS} months (got {len(points):,})")
    if len({v for _, v in points}) == 1 and isinstance(points[0][0], int) and len(points) == 1:
        return points[0][1]  # ``{1: 5}`` is the number 5
    return Schedule(tuple(points), linear)


def key_problems(x: Schedule, horizon: int, cal: Calendar) -> list[tuple[Any, str]]:
    """What is wrong with ``x``'s keys for this plan: ``(key as written, message)``."""
    out: list[tuple[Any, str]] = []
    months: list[tuple[Any, int]] = []
    for key, _ in x.points:
        if isinstance(key, str):
            if not cal.dated:
                out.append((key, f"a YYYY-MM key ({key}) needs `start` (e.g. start: {key})"))
                continue
            months.append((key, cal.plan_month(*parse_year_month(key))))  # type: ignore[misc]
        else:
            months.append((key, key))
    if out:
        return out
    first_key, first = months[0]
    if first != 1:
        want = "1" + (f" or {cal.iso(1)}" if cal.dated else "")
        out.append(
            (
                first_key,
                f"a schedule's first key must be the plan's first month ({want}), "
                f"so the value in force from the start is stated (got {first_key})",
            )
        )
    prev = None
    for key, k in months:
        if k < 1 or k > horizon:
            where = f"months 1 to {horizon}" + (
                f", {cal.iso(1)} to {cal.iso(horizon)}" if cal.dated else ""
            )
            out.append((key, f"month {key} is outside the plan ({where})"))
        elif prev is not None and k <= prev[1]:
            out.append((key, f"schedule keys must be in order: {key} comes after {prev[0]}"))
        prev = (key, k)
    return out


def instances(model: Any, kind: type, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every value of type ``kind`` (a :class:`Schedule`, a ``Range``) in a validated
    scenario, with its key path; variants and checks (not numbers of the plan) left out."""
    from pydantic import BaseModel

    out: list[tuple[tuple, Any]] = []
    if isinstance(model, BaseModel):
        items = [(name, getattr(model, name)) for name in type(model).model_fields]
    elif hasattr(model, "items"):
        items = list(model.items())
    else:
        return out
    for key, value in items:
        if not path and key in ("variants", "checks"):
            continue
        if isinstance(value, kind):
            out.append(((*path, key), value))
        elif isinstance(value, BaseModel) or hasattr(value, "items"):
            out.extend(instances(value, kind, (*path, key)))
    return out
