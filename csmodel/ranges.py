"""Uncertain numbers (DOMAIN.md section 9): ranges, their medians and their quantiles.

A schedulable number may be written as a range, ``rate: {low: 2%, high: 6%}``,
with an optional ``dist``: ``logitnormal`` (the default for rates),
``lognormal`` (the default for other amounts), ``normal``, ``uniform`` or
``triangular`` (with ``mode``, default the midpoint). For the three normal
families ``low``/``high`` are the P5 and P95 (a 90% interval); for uniform and
triangular they are the minimum and the maximum. ``driver: NAME`` makes ranges
draw the same quantile in a path (``driver: -NAME`` the opposite one).

A :class:`Range` *is* a ``float``: its median, which every deterministic command
uses. A simulation (``csmodel.simulate``) draws it with :meth:`Range.quantile`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Any

from csmodel.schedule import ScheduleError

DISTS = ("logitnormal", "lognormal", "normal", "uniform", "triangular")
Z95 = NormalDist().inv_cdf(0.95)
"""The standard normal's P95: ``low``/``high`` of a normal family are mu -/+ Z95 sigma."""
RANGE_KEYS = frozenset({"low", "high", "dist", "mode", "driver"})


def _logit(x: float) -> float:
    return math.log(x / (1.0 - x))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


class Range(float):
    """An uncertain number; as a ``float``, its median."""

    __slots__ = ("dist", "driver", "high", "low", "mode", "sign")
    low: float
    high: float
    dist: str
    mode: float | None
    driver: str | None
    sign: int

    def __new__(
        cls,
        low: float,
        high: float,
        dist: str,
        mode: float | None = None,
        driver: str | None = None,
        sign: int = 1,
    ):
        obj = super().__new__(cls, _quantile(dist, low, high, mode, 0.5))
        obj.low, obj.high, obj.dist, obj.mode = low, high, dist, mode
        obj.driver, obj.sign = driver, sign
        return obj

    def __reduce__(self) -> tuple:
        return (Range, (self.low, self.high, self.dist, self.mode, self.driver, self.sign))

    def __copy__(self) -> Range:
        return self

    def __deepcopy__(self, memo: dict) -> Range:
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Range) and self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.low, self.high, self.dist, self.mode, self.driver, self.sign)

    def __repr__(self) -> str:
        return f"Range({self.low:g}..{self.high:g}, {self.dist}, median {float(self):g})"

    def quantile(self, u: Any) -> Any:
        """The value at quantile ``u`` (a float or an array in (0, 1))."""
        import numpy as np

        u = np.asarray(u, dtype=float)
        return np.vectorize(lambda q: _quantile(self.dist, self.low, self.high, self.mode, q))(u)

    def plain(self) -> dict[str, Any]:
        """As written in a file."""
        out: dict[str, Any] = {"low": self.low, "high": self.high, "dist": self.dist}
        if self.mode is not None:
            out["mode"] = self.mode
        if self.driver:
            out["driver"] = ("-" if self.sign < 0 else "") + self.driver
        return out


def _quantile(dist: str, low: float, high: float, mode: float | None, u: float) -> float:
    if low == high:
        return low
    if dist == "uniform":
        return low + u * (high - low)
    if dist == "triangular":
        c = (low + high) / 2 if mode is None else mode
        f = (c - low) / (high - low)
        if u < f:
            return low + math.sqrt(u * (high - low) * (c - low))
        return high - math.sqrt((1 - u) * (high - low) * (high - c))
    z = NormalDist().inv_cdf(min(max(u, 1e-15), 1 - 1e-15)) if u != 0.5 else 0.0
    if dist == "normal":
        mu, sigma = (low + high) / 2, (high - low) / (2 * Z95)
        return mu + sigma * z
    if dist == "lognormal":
        a, b = math.log(low), math.log(high)
        return math.exp((a + b) / 2 + (b - a) / (2 * Z95) * z)
    a, b = _logit(low), _logit(high)  # logitnormal
    return _expit((a + b) / 2 + (b - a) / (2 * Z95) * z)


def is_range(value: Any) -> bool:
    """Whether a written value is a range (a mapping with ``low`` or ``high``)."""
    return isinstance(value, dict) and ("low" in value or "high" in value)


def parse(data: dict, check: Callable[[Any], float], rate: bool) -> Range:
    """A range as written -> :class:`Range`, ``low``/``high``/``mode`` through ``check``
    (the plain field's validator). Raises ``ScheduleError`` located at the key."""
    from csmodel.suggest import did_you_mean

    unknown = [k for k in data if k not in RANGE_KEYS]
    if unknown:
        k = unknown[0]
        raise ScheduleError(
            f"unknown key `{k}` in a range{did_you_mean(str(k), sorted(RANGE_KEYS))}; a range "
            "is {low, high} with optional dist, mode, driver",
            k,
            on_key=True,
        )
    for key in ("low", "high"):
        if key not in data:
            raise ScheduleError(f"a range needs `low` and `high` (`{key}` is missing)")
        if data[key] is None:
            raise ScheduleError(f"`{key}` needs a number (got null)", key)
    values = {}
    for key in ("low", "high", "mode"):
        if key in data and data[key] is not None:
            try:
                values[key] = float(check(data[key]))
            except ValueError as exc:
                raise ScheduleError(str(exc), key) from None
    dist = data.get("dist", "logitnormal" if rate else "lognormal")
    if dist not in DISTS:
        raise ScheduleError(
            f"unknown dist `{dist}`{did_you_mean(str(dist), list(DISTS))}; "
            f"dists are {', '.join(DISTS)}",
            "dist",
        )
    low, high, mode = values["low"], values["high"], values.get("mode")
    if low > high:
        raise ScheduleError(f"`low` ({data['low']}) is above `high` ({data['high']})", "low")
    if mode is not None and dist != "triangular":
        raise ScheduleError("`mode` belongs to a triangular range (dist: triangular)", "mode")
    if mode is not None and not low <= mode <= high:
        raise ScheduleError(f"`mode` ({data['mode']}) is outside low..high", "mode")
    if dist == "logitnormal" and low < high and not (low > 0 and high < 1):
        raise ScheduleError(
            "a logitnormal range lies strictly between 0% and 100%: use dist: uniform or "
            "triangular for a range that reaches 0% or 100%",
            "low" if low <= 0 else "high",
        )
    if dist == "lognormal" and low < high and low <= 0:
        raise ScheduleError(
            "a lognormal range is above 0: use dist: normal, uniform or triangular", "low"
        )
    driver, sign = data.get("driver"), 1
    if driver is not None:
        if not isinstance(driver, str) or not driver.strip("-").strip():
            raise ScheduleError("`driver` is a name, e.g. downturn (or -downturn)", "driver")
        if driver.startswith("-"):
            driver, sign = driver[1:], -1
    return Range(low, high, dist, mode, driver, sign)


def ranges_of(model: Any) -> list[tuple[tuple, Range]]:
    """Every range of a validated scenario, with its key path (variants and checks aside)."""
    from csmodel.schedule import instances

    return instances(model, Range)
