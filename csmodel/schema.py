"""The scenario file schema (v1), as frozen pydantic models.

This module owns what a valid scenario *is*: every key of DOMAIN.md section 3,
its type, range and default. Values are parsed by small validators that give
messages a person can act on ("must be between 0% and 100% (got 150%)")
rather than pydantic's generic ones; ``csmodel.loader`` turns the errors into
``file:line:col`` diagnostics.

Rates accept fractions (``0.04``) and percent strings (``"4%"``). YAML's
``yes``/``no`` are booleans and are refused where a number belongs.
"""

from __future__ import annotations

import math
import re
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from csmodel.ids import HEADCOUNT_METRICS, METRICS, PERIODS

_PERCENT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*%\s*$")
_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


def show(value: Any) -> str:
    """How a user's value is echoed back in a message."""
    if isinstance(value, bool):
        return "yes/true" if value else "no/false"
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


MAX_NUMBER = 1e15
"""Largest magnitude of any number in a scenario: far above any real book, and far
enough below float overflow that products of inputs (accounts x ACV, meetings x
hours) stay finite."""


class NotFinite(ValueError):
    """A number that is infinite, NaN or too large to compute with."""


def _finite(x: float, raw: Any, limit: float = MAX_NUMBER) -> float:
    if not math.isfinite(x):
        raise NotFinite(f"must be a finite number (got {show(raw)})")
    if abs(x) > limit:
        raise NotFinite(f"is too large: at most 1e15 (got {show(raw)})")
    return x


def to_number(value: Any, limit: float = MAX_NUMBER) -> float:
    """A plain number: ints and floats (not booleans); numeric text is accepted."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number (got {show(value)})")
    if isinstance(value, str):
        if not _NUMBER.match(value):
            hint = "; write numbers without separators, e.g. 36000" if "," in value else ""
            raise ValueError(f"expected a number (got {show(value)}){hint}")
        return _finite(float(value), value, limit)
    return _finite(float(value), value, limit)


def to_rate(value: Any, limit: float = MAX_NUMBER) -> float:
    """A rate: ``0.04`` or ``"4%"``, returned as a fraction."""
    if isinstance(value, str) and "%" in value:
        m = _PERCENT.match(value)
        if not m:
            raise ValueError(f'expected a rate such as 0.04 or "4%" (got {show(value)})')
        return _finite(float(m.group(1)) / 100.0, value, limit)
    try:
        return to_number(value, limit)
    except NotFinite:
        raise
    except ValueError:
        raise ValueError(f'expected a rate such as 0.04 or "4%" (got {show(value)})') from None


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _rate(lo: float = 0.0, hi: float = 1.0, *, lo_open: bool = False):
    def check(value: Any) -> float:
        x = to_rate(value)
        if x < lo or x > hi or (lo_open and x == lo):
            low = f"above {_pct(lo)}" if lo_open else f"between {_pct(lo)}"
            rng = f"{low} and at most {_pct(hi)}" if lo_open else f"{low} and {_pct(hi)}"
            raise ValueError(f"must be {rng} (got {show(value)})")
        return x

    return check


def _num(lo: float = 0.0, *, lo_open: bool = False, hi: float | None = None):
    def check(value: Any) -> float:
        x = to_number(value)
        if x < lo or (lo_open and x == lo):
            raise ValueError(
                f"must be {'above' if lo_open else 'at least'} {lo:g} (got {show(value)})"
            )
        if hi is not None and x > hi:
            raise ValueError(f"must be at most {hi:g} (got {show(value)})")
        return x

    return check


def _whole(lo: int = 0, hi: int | None = None):
    def check(value: Any) -> int:
        x = to_number(value)
        if not float(x).is_integer():
            raise ValueError(f"must be a whole number (got {show(value)})")
        if x < lo or (hi is not None and x > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise ValueError(f"must be {rng} (got {show(value)})")
        return int(x)

    return check


def _optional(fn):
    return lambda v: None if v is None else fn(v)


def _frozen_mapping(value: dict) -> MappingProxyType:
    return MappingProxyType(dict(value))


Rate = Annotated[float, BeforeValidator(_rate())]
NonNeg = Annotated[float, BeforeValidator(_num())]
Positive = Annotated[float, BeforeValidator(_num(lo_open=True))]
Every = Literal["month", "quarter", "year"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Movement(_Model):
    """A recurring movement: ``rate`` per period, due ``every`` month/quarter/year."""

    rate: Rate = 0.0
    every: Every = "year"

    @property
    def period_months(self) -> int:
        return PERIODS[self.every]


class SharedMovement(Movement):
    """A movement taken by ``share`` of accounts each period (expected effect rate x share)."""

    share: Rate = 1.0


class NewLogos(_Model):
    """New accounts signed each month, and the share that survives onboarding (CR5)."""

    per_month: NonNeg = 0.0
    acv: Annotated[float | None, BeforeValidator(_optional(_num(lo_open=True)))] = None
    onboarding_rate: Rate = 1.0


class Meeting(_Model):
    """One kind of meeting each account gets, with its preparation time."""

    per_year: NonNeg
    hours: NonNeg
    prep_hours: NonNeg = 0.0

    @property
    def hours_per_year(self) -> float:
        return self.per_year * (self.hours + self.prep_hours)


class Segment(_Model):
    """One segment of the book: its accounts, movements and CSM workload."""

    accounts: Annotated[int, BeforeValidator(_whole())]
    acv: Positive
    csms: Annotated[float | None, BeforeValidator(_optional(_num()))] = None
    churn: Movement = Movement()
    contraction: Movement = Movement()
    expansion: SharedMovement = SharedMovement()
    price_increase: SharedMovement = SharedMovement()
    new_logos: NewLogos = NewLogos()
    meetings: Annotated[dict[str, Meeting], AfterValidator(_frozen_mapping)] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    onboarding_hours: NonNeg = 0.0
    accounts_per_csm: Annotated[float | None, BeforeValidator(_optional(_num(lo_open=True)))] = None

    @property
    def hours_per_account(self) -> float | None:
        """CSM hours per account per year; ``None`` when the segment has no workload model."""
        if self.meetings:
            return sum(m.hours_per_year for m in self.meetings.values())
        return None

    @property
    def new_logo_acv(self) -> float:
        return self.new_logos.acv if self.new_logos.acv is not None else self.acv


class Team(_Model):
    """CSM capacity and cost."""

    hours_per_year: Positive = 2080.0
    productivity: Annotated[float, BeforeValidator(_rate(lo_open=True))] = 0.70
    cost_per_csm: NonNeg = 120_000.0
    ramp_months: Annotated[int, BeforeValidator(_whole(0, 60))] = 3
    attrition: Annotated[float, BeforeValidator(_rate(0.0, 0.99))] = 0.15  # 100% = nobody stays

    @property
    def productive_hours(self) -> float:
        """Hours per CSM per year available for account work."""
        return self.hours_per_year * self.productivity


class Economics(_Model):
    cost_to_serve: Rate = 0.15
    cac_per_logo: NonNeg = 0.0


class Understaffing(_Model):
    """How coverage below 1 raises churn and suppresses expansion (DOMAIN.md 5.3)."""

    churn_sensitivity: NonNeg = 1.0
    expansion_sensitivity: NonNeg = 1.0


class Variant(_Model):
    """A named what-if: overrides (dotted paths) applied to the base scenario."""

    description: str | None = None
    set: Annotated[dict[str, Any], AfterValidator(_frozen_mapping)] = Field(
        default_factory=lambda: MappingProxyType({})
    )


def _metric_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a metric id (got {show(value)})")
    known = {**METRICS, **HEADCOUNT_METRICS}
    if value not in known:
        from csmodel.suggest import did_you_mean

        raise ValueError(f"unknown metric `{value}`{did_you_mean(value, known)}")
    return value


def _bound(value: Any) -> float:
    """A check's ``min``/``max``: a number or percent, any finite size."""
    return to_rate(value, limit=math.inf)


Bound = Annotated[float | None, BeforeValidator(_optional(_bound))]


class Check(_Model):
    """A rule on results, evaluated by ``csmodel check``."""

    metric: Annotated[str, BeforeValidator(_metric_id)]
    segment: str | None = None
    variant: str | None = None
    min: Bound = None
    max: Bound = None
    severity: Literal["error", "warning"] = "error"
    name: str | None = None


class Lint(_Model):
    disable: tuple[str, ...] = ()


class Scenario(_Model):
    """A validated, immutable scenario (schema v1)."""

    name: str
    description: str | None = None
    horizon_months: Annotated[int, BeforeValidator(_whole(1, 600))] = 36
    timing: Literal["end", "start"] = "end"
    renewals: Literal["aligned", "spread"] = "aligned"
    currency: str = "USD"
    discount_rate: Rate = 0.0
    team: Team = Team()
    economics: Economics = Economics()
    understaffing: Understaffing = Understaffing()
    segments: Annotated[dict[str, Segment], AfterValidator(_frozen_mapping)]
    variants: Annotated[dict[str, Variant], AfterValidator(_frozen_mapping)] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    checks: tuple[Check, ...] = ()
    lint: Lint = Lint()


def plain(model: BaseModel) -> Any:
    """The model as plain data (dicts and lists), e.g. to apply overrides to."""

    def unwrap(x: Any) -> Any:
        if isinstance(x, BaseModel):
            return {k: unwrap(getattr(x, k)) for k in type(x).model_fields}
        if isinstance(x, (dict, MappingProxyType)):
            return {k: unwrap(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [unwrap(v) for v in x]
        return x

    return unwrap(model)
