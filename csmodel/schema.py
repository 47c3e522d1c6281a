"""The scenario file schema (v1), as frozen pydantic models.

This module owns what a valid scenario *is*: every key of DOMAIN.md section 3,
its type, range and default. Values are parsed by small validators that give
messages a person can act on ("must be between 0% and 100% (got 150%)")
rather than pydantic's generic ones; ``csmodel.loader`` turns the errors into
``file:line:col`` diagnostics.

Rates accept fractions (``0.04``) and percent strings (``"4%"``). Scalars are
read by YAML 1.2's core schema (``csmodel.yamlsrc``): ``yes``/``no`` are text
and are refused where a number belongs.

Every number has a documented range (the constants below, listed in README and
in the JSON Schema): wide enough for any real company, narrow enough that no
product of inputs overflows and no small file asks for unbounded work. Names
(of the scenario, segments, variants, meetings and checks) follow
:data:`NAME_RULE`.
"""

from __future__ import annotations

import math
import re
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from csmodel.ids import DEPRECATED_METRICS, HEADCOUNT_METRICS, METRICS, PERIODS, RATE_METRICS

_PERCENT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*%\s*$")
_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")

SHOWN_CHARS = 40
"""Longest user text echoed whole in a message; longer text is cut and its length given."""


def show(value: Any) -> str:
    """How a user's value is echoed back in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > SHOWN_CHARS:
            return f"{value[: SHOWN_CHARS - 10]!r}... ({len(value):,} characters)"
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, int) and abs(value) >= 10**16:
        return f"a {len(str(abs(value))):,}-digit number"
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


def fmt_limit(x: float) -> str:
    """A range limit as people read it: ``10,000,000``, ``8,784``, ``0.1``, ``1e+15``."""
    if float(x).is_integer() and abs(x) < 1e13:
        return f"{x:,.0f}"
    return f"{x:g}"


MAX_NUMBER = 1e15
"""Largest magnitude of any number in a scenario (check bounds; a backstop for the rest):
far above any real book, and far enough below float overflow that products of inputs
stay finite."""
MAX_ACCOUNTS = 10_000_000
"""Most accounts in a segment's starting book (ten million)."""
MAX_NEW_LOGOS_PER_MONTH = 1_000_000
"""Most new logos a segment signs in one month."""
MAX_MONEY = 1e12
"""Largest amount of money in one field (ACV, cost per CSM, CAC): a trillion."""
MAX_CSMS = 1_000_000
"""Most CSMs staffed in one segment."""
HOURS_IN_A_YEAR = 8784
"""Hours in a leap year: the most hours (or meetings) anything can take in a year."""
ACCOUNTS_PER_CSM_RANGE = (0.1, 10_000_000)
"""A top-down ratio: at most ten CSMs per account, at most every account of a segment each."""
MAX_SENSITIVITY = 100.0
"""Largest understaffing sensitivity (1.0 is the default; 10 is already extreme)."""
MAX_SBG_PARAMETER = 1e6
"""Largest sBG ``alpha`` or ``beta`` (DOMAIN 10): far beyond any fit (``csmodel fit
retention`` refuses alpha + beta above 1e5: churn is then a constant rate)."""
MAX_TENURE_YEARS = 100
"""Most years of tenure a segment's starting book may have (``tenure_years``)."""
RATE_BOUND_PLAIN_MAX = {"nrr": 10.0}
"""Largest plain-number check bound for a rate metric (default 1 = 100%; see Check)."""


class NotFinite(ValueError):
    """A number that is infinite, NaN or too large to compute with."""


def _number_value(value: Any) -> float:
    """A plain number as a float: ints and floats (not booleans), or numeric text.

    ``.nan`` and ``.inf`` are refused; a number too large for a float (a
    400-digit integer, ``1e400`` as text) comes back as an infinity of its sign
    so that the caller's range check refuses it with the range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number (got {show(value)})")
    if isinstance(value, str):
        if not _NUMBER.match(value):
            raise ValueError(f"expected a number (got {show(value)}){_number_hint(value)}")
        x = float(value)  # numeric text overflows to inf, never raises
    elif isinstance(value, int):
        try:
            x = float(value)
        except OverflowError:
            x = math.inf if value > 0 else -math.inf
    else:
        if not math.isfinite(value):
            raise NotFinite(f"must be a finite number (got {show(value)})")
        x = value
    if math.isnan(x):  # pragma: no cover - numeric text is never NaN
        raise NotFinite(f"must be a finite number (got {show(value)})")
    return x + 0.0  # -0.0 becomes 0.0


def _number_hint(text: str) -> str:
    if "," in text or "_" in text:
        return "; write numbers without separators, e.g. 36000"
    if re.fullmatch(r"\s*\d+(:[0-5]?\d)+\s*", text):
        return "; a time such as 1:30 is text: write a decimal number (1.5 for one and a half)"
    return ""


def _too_large(raw: Any, limit: float) -> NotFinite:
    return NotFinite(f"is too large: at most {fmt_limit(limit)} (got {show(raw)})")


def to_number(value: Any, limit: float = MAX_NUMBER) -> float:
    """A plain number: ints and floats (not booleans); numeric text is accepted."""
    x = _number_value(value)
    if abs(x) > limit:
        raise _too_large(value, limit)
    return x


def to_rate(value: Any, limit: float = MAX_NUMBER) -> float:
    """A rate: ``0.04`` or ``"4%"``, returned as a fraction."""
    if isinstance(value, str) and "%" in value:
        m = _PERCENT.match(value)
        if not m:
            raise ValueError(f'expected a rate such as 0.04 or "4%" (got {show(value)})')
        x = float(m.group(1)) / 100.0 + 0.0
        if abs(x) > limit:
            raise _too_large(value, limit)
        return x
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
        x = to_rate(value, limit=math.inf)  # too large: refused below, with the range
        if x < lo or x > hi or (lo_open and x == lo):
            low = f"above {_pct(lo)}" if lo_open else f"between {_pct(lo)}"
            rng = f"{low} and at most {_pct(hi)}" if lo_open else f"{low} and {_pct(hi)}"
            raise ValueError(f"must be {rng} (got {show(value)})")
        return x

    return check


def _num(lo: float = 0.0, *, lo_open: bool = False, hi: float = MAX_NUMBER):
    def check(value: Any) -> float:
        x = _number_value(value)
        if x < lo or (lo_open and x == lo) or x > hi:
            low = f"above {fmt_limit(lo)}" if lo_open else f"between {fmt_limit(lo)}"
            joint = "and at most" if lo_open else "and"
            raise ValueError(f"must be {low} {joint} {fmt_limit(hi)} (got {show(value)})")
        return x

    return check


def _whole(lo: int = 0, hi: int = int(MAX_NUMBER)):
    def check(value: Any) -> int:
        x = _number_value(value)
        if math.isfinite(x) and not float(x).is_integer():
            raise ValueError(f"must be a whole number (got {show(value)})")
        if x < lo or x > hi:
            raise ValueError(
                f"must be between {fmt_limit(lo)} and {fmt_limit(hi)} (got {show(value)})"
            )
        return int(x)

    return check


NAME_MAX = 80
"""Longest name (scenario, segment, variant, meeting, check), in characters."""
_NAME_FORBIDDEN = (  # regular-expression source, ASCII only: Python and JSON Schema read it
    r"\x00-\x1f\x7f-\x9f"  # control characters (C0, DEL, C1), line breaks included
    r"\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    r"\u200b\u200c\u200e\u200f"  # zero-width space and non-joiner, LTR/RTL marks
    r"\u2028-\u202e"  # line and paragraph separators, bidirectional embeddings
    r"\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, bidi isolates
    r"\ufeff\ufff9-\ufffb"  # zero-width no-break space (BOM), interlinear annotations
)
NAME_PATTERN = rf"^[^\s{_NAME_FORBIDDEN}](?:[^{_NAME_FORBIDDEN}]*[^\s{_NAME_FORBIDDEN}])?$"
"""A name as a regular expression, shared with the JSON Schema (lone surrogates, which
JSON Schema's UTF-16 regular expressions cannot tell from emoji, are refused apart)."""
NAME_RULE = (
    f"a name must be 1 to {NAME_MAX} printable characters, with no control, invisible or "
    "bidirectional-formatting characters and no leading or trailing space"
)
"""What a name may hold, as error messages and README say it."""
_NAME_BAD = re.compile(f"[{_NAME_FORBIDDEN}\ud800-\udfff]")


def check_name(value: Any) -> str:
    """``value`` if it is a valid name (see :data:`NAME_RULE`), else ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError(f"expected text (got {show(value)})")
    bad = _NAME_BAD.search(value)
    if bad:
        char = bad.group()
        raise ValueError(f"{NAME_RULE} (found {ascii(char)[1:-1]} at character {bad.start() + 1})")
    if not value.strip():
        raise ValueError(f"{NAME_RULE} (got an empty name)")
    if value != value.strip():
        raise ValueError(f"{NAME_RULE} (got {show(value)})")
    if len(value) > NAME_MAX:
        raise ValueError(f"{NAME_RULE} (got {len(value):,} characters)")
    return value


def _optional(fn):
    return lambda v: None if v is None else fn(v)


def _frozen_mapping(value: dict) -> MappingProxyType:
    return MappingProxyType(dict(value))


def _schedulable(fn):
    """A number that may also be written as a schedule (DOMAIN 7, ``csmodel.schedule``):
    a mapping's every value goes through ``fn``, the plain field's own validator."""

    rate = fn.__qualname__.startswith("_rate.")

    def check(value: Any) -> Any:
        from csmodel.ranges import Range, is_range
        from csmodel.ranges import parse as parse_range
        from csmodel.schedule import Schedule, parse

        if isinstance(value, Schedule):  # an edit of a validated model: its values checked again
            return Schedule(tuple((k, fn(v)) for k, v in value.points), value.linear)
        if isinstance(value, Range):
            return parse_range(value.plain(), fn, rate)
        if isinstance(value, (dict, MappingProxyType)):
            if is_range(dict(value)):  # an uncertain number (DOMAIN 9)
                return parse_range(dict(value), fn, rate)
            return parse(dict(value), fn)
        return fn(value)

    return check


def _ranged(fn):
    """A number that may be a range (DOMAIN 9: drawn in Monte Carlo, its median
    otherwise) but not a schedule: the sBG ``alpha`` and ``beta``, whose churn already
    changes with each cohort's tenure. ``fn`` is the plain number's validator."""

    def check(value: Any) -> Any:
        from csmodel.ranges import Range, is_range
        from csmodel.ranges import parse as parse_range

        if isinstance(value, Range):
            return parse_range(value.plain(), fn, False)
        if isinstance(value, (dict, MappingProxyType)):
            if is_range(dict(value)):
                return parse_range(dict(value), fn, False)
            raise ValueError(
                "expected a number or a range {low, high}, not a schedule: an sBG "
                "cohort's churn already changes with its tenure"
            )
        return fn(value)

    return check


def schedulable(model: Any, name: str) -> bool:
    """Whether field ``name`` of the model class ``model`` may be written as a schedule."""
    field = getattr(model, "model_fields", {}).get(name)
    if field is None:
        return False
    for meta in field.metadata:
        func = getattr(meta, "func", None)
        while func is not None:
            if func.__qualname__.startswith("_schedulable."):
                return True
            cells = dict(zip(func.__code__.co_freevars, func.__closure__ or (), strict=True))
            func = cells["fn"].cell_contents if "fn" in cells else None
    return False


def _year_month(value: Any) -> str:
    from csmodel.dates import parse_year_month

    ym = parse_year_month(value) if isinstance(value, str) else None
    if ym and not 1900 <= ym[0] <= 2200:
        raise ValueError(f"expected a year between 1900 and 2200 (got {show(value)})")
    if ym:
        return value.strip()
    raise ValueError(f"expected a month written YYYY-MM, e.g. 2027-02 (got {show(value)})")


def _fiscal_month(value: Any) -> int:
    from csmodel.dates import month_number

    m = month_number(value) if not isinstance(value, bool) else None
    if m is None:
        raise ValueError(
            f"expected a month: 1 to 12 or a name such as february (got {show(value)})"
        )
    return m


def _check_year(value: Any) -> int | str:
    """A check's ``year``: a plan year (1, 2, ...) or a fiscal year (``FY2028``)."""
    if isinstance(value, str) and re.fullmatch(r"\s*FY\d{4}\s*", value, flags=re.I):
        return value.strip().upper()
    try:
        return _whole(1, 50)(value)
    except ValueError:
        raise ValueError(
            f"expected a plan year (1, 2, ...) or a fiscal year such as FY2028 (got {show(value)})"
        ) from None


Rate = Annotated[float, BeforeValidator(_rate())]
SRate = Annotated[Any, BeforeValidator(_schedulable(_rate()))]
"""A rate that may be a schedule (``csmodel.schedule.Schedule``, a float subclass)."""
NonNeg = Annotated[float, BeforeValidator(_num())]
Name = Annotated[str, BeforeValidator(check_name)]
Money = Annotated[float, BeforeValidator(_num(hi=MAX_MONEY))]
PositiveMoney = Annotated[float, BeforeValidator(_num(lo_open=True, hi=MAX_MONEY))]
Hours = Annotated[float, BeforeValidator(_num(hi=HOURS_IN_A_YEAR))]
Every = Literal["month", "quarter", "year"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Movement(_Model):
    """A recurring movement: ``rate`` per period, due ``every`` month/quarter/year."""

    rate: SRate = 0.0
    every: Every = "year"

    @property
    def period_months(self) -> int:
        return PERIODS[self.every]


SBG_KEYS = ("model", "alpha", "beta")
"""The keys of a tenure-based churn (``churn: {model: sbg, alpha, beta}``)."""


class SbgChurn(_Model):
    """Tenure-based churn, shifted-beta-geometric (Fader & Hardie 2007; DOMAIN 10).

    Each account renews with a probability drawn once from Beta(alpha, beta), so a
    cohort loses ``alpha / (alpha + beta + t - 1)`` of its accounts (and their MRR) at
    its t-th yearly renewal, less and less as the loyal ones remain. New logos renew
    for the first time (t = 1) a year after signing; the starting book at
    ``tenure_years + 1`` (or each account's ``start_date`` with a book). Written
    ``{model: sbg, alpha: 0.704, beta: 1.182}``, as ``csmodel fit retention`` prints
    it; ``alpha`` and ``beta`` may be ranges (Monte Carlo), not schedules.
    """

    model: Literal["sbg"]
    alpha: Annotated[Any, BeforeValidator(_ranged(_num(lo_open=True, hi=MAX_SBG_PARAMETER)))]
    beta: Annotated[Any, BeforeValidator(_ranged(_num(lo_open=True, hi=MAX_SBG_PARAMETER)))]

    @model_validator(mode="before")
    @classmethod
    def _sbg_keys(cls, data: Any) -> Any:
        """What a flat-rate churn's keys mean next to ``model: sbg``, located at the key."""
        from csmodel.schedule import ScheduleError
        from csmodel.suggest import did_you_mean

        if not isinstance(data, (dict, MappingProxyType)):
            return data
        if "model" not in data:
            key = next(k for k in SBG_KEYS if k in data)
            raise ScheduleError(
                f"`{key}` belongs to tenure-based churn: add `model: sbg` (with `alpha` and "
                "`beta`), or write a flat churn as {rate: 2%, every: year}",
                key,
                on_key=True,
            )
        if data.get("model") != "sbg":
            return data  # the model's own error: one of sbg, with a did-you-mean
        for key in data:
            if key == "rate":
                raise ScheduleError(
                    "`rate` does not go with `model: sbg`: the churn at each renewal comes "
                    "from alpha and beta, alpha / (alpha + beta + t - 1) at the t-th; remove "
                    "`rate`, or remove `model`, `alpha` and `beta` for a flat rate",
                    key,
                    on_key=True,
                )
            if key == "every":
                raise ScheduleError(
                    "`every` does not go with `model: sbg`: sBG churn is due at each yearly "
                    "renewal (the cohort's anniversary); remove `every`",
                    key,
                    on_key=True,
                )
            if key not in SBG_KEYS:
                raise ScheduleError(
                    f"unknown key `{key}` in sBG churn {{model: sbg, alpha, beta}}"
                    f"{did_you_mean(str(key), list(SBG_KEYS))}",
                    key,
                    on_key=True,
                )
        return data

    every: ClassVar[str] = "year"
    """Due at each yearly renewal, as a flat churn with ``every: year``."""

    @property
    def period_months(self) -> int:
        return 12

    @property
    def rate(self) -> float:
        """The churn at a cohort's first renewal, ``alpha / (alpha + beta)`` (the mean of
        the Beta distribution): what a reader of a flat rate (lints, the churn plus
        contraction rule) compares; the engine follows each cohort's tenure."""
        return float(self.alpha) / (float(self.alpha) + float(self.beta))


def _churn_kind(value: Any) -> str:
    """Which churn a segment writes: tenure-based (``model``, ``alpha`` or ``beta``
    given) or a flat rate per period (anything else, errors included)."""
    if isinstance(value, SbgChurn):
        return "sbg"
    if isinstance(value, (dict, MappingProxyType)) and any(k in value for k in SBG_KEYS):
        return "sbg"
    return "periodic"


Churn = Annotated[
    Annotated[Movement, Tag("periodic")] | Annotated[SbgChurn, Tag("sbg")],
    Discriminator(_churn_kind),
]
"""A segment's churn: ``{rate, every}`` (:class:`Movement`) or ``{model: sbg, alpha,
beta}`` (:class:`SbgChurn`)."""
_CHURN_TAGS = ("periodic", "sbg")


class SharedMovement(Movement):
    """A movement taken by ``share`` of accounts each period (expected effect rate x share)."""

    share: SRate = 1.0


class NewLogos(_Model):
    """New accounts signed each month, and the share that survives onboarding (CR5)."""

    per_month: Annotated[Any, BeforeValidator(_schedulable(_num(hi=MAX_NEW_LOGOS_PER_MONTH)))] = 0.0
    acv: Annotated[
        Any, BeforeValidator(_optional(_schedulable(_num(lo_open=True, hi=MAX_MONEY))))
    ] = None
    onboarding_rate: SRate = 1.0


class Meeting(_Model):
    """One kind of meeting each account gets, with its preparation time."""

    per_year: Hours
    hours: Hours
    prep_hours: Hours = 0.0

    @property
    def hours_per_year(self) -> float:
        return self.per_year * (self.hours + self.prep_hours)


class Segment(_Model):
    """One segment of the book: its accounts, movements and CSM workload."""

    accounts: Annotated[int, BeforeValidator(_whole(0, MAX_ACCOUNTS))]
    acv: PositiveMoney
    csms: Annotated[Any, BeforeValidator(_optional(_schedulable(_num(hi=MAX_CSMS))))] = None
    cost_per_csm: Annotated[Any, BeforeValidator(_optional(_schedulable(_num(hi=MAX_MONEY))))] = (
        None
    )
    churn: Churn = Movement()
    contraction: Movement = Movement()
    expansion: SharedMovement = SharedMovement()
    price_increase: SharedMovement = SharedMovement()
    new_logos: NewLogos = NewLogos()
    meetings: Annotated[dict[Name, Meeting], AfterValidator(_frozen_mapping)] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    onboarding_hours: Hours = 0.0
    accounts_per_csm: Annotated[
        Any,
        BeforeValidator(
            _optional(_schedulable(_num(ACCOUNTS_PER_CSM_RANGE[0], hi=ACCOUNTS_PER_CSM_RANGE[1])))
        ),
    ] = None
    tenure_years: Annotated[int, BeforeValidator(_whole(0, MAX_TENURE_YEARS))] = 0

    @model_validator(mode="wrap")
    @classmethod
    def _untagged(cls, data: Any, handler: Any) -> Any:
        """Errors of ``churn`` located as written: without the tag of the kind of churn
        (``periodic`` / ``sbg``) that pydantic puts in their location."""
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if not any(
                e["loc"][:1] == ("churn",) and e["loc"][1:2] in [(t,) for t in _CHURN_TAGS]
                for e in errors
            ):
                raise
            fixed = []
            for e in errors:
                loc = tuple(e["loc"])
                if loc[:1] == ("churn",) and loc[1:2] and loc[1] in _CHURN_TAGS:
                    loc = loc[:1] + loc[2:]
                line = {"type": e["type"], "loc": loc, "input": e.get("input")}
                if "ctx" in e:
                    line["ctx"] = e["ctx"]
                fixed.append(line)
            raise ValidationError.from_exception_data(exc.title, fixed) from None

    @property
    def sbg(self) -> bool:
        """Whether the segment's churn is tenure-based (sBG, DOMAIN 10)."""
        return isinstance(self.churn, SbgChurn)

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

    hours_per_year: Annotated[
        Any, BeforeValidator(_schedulable(_num(lo_open=True, hi=HOURS_IN_A_YEAR)))
    ] = 2080.0
    productivity: Annotated[Any, BeforeValidator(_schedulable(_rate(lo_open=True)))] = 0.70
    cost_per_csm: Annotated[Any, BeforeValidator(_schedulable(_num(hi=MAX_MONEY)))] = 120_000.0
    ramp_months: Annotated[int, BeforeValidator(_whole(0, 60))] = 3
    attrition: Annotated[float, BeforeValidator(_rate(0.0, 0.99))] = 0.15  # 100% = nobody stays

    @property
    def productive_hours(self) -> float:
        """Hours per CSM per year available for account work (in the plan's first month,
        when hours or productivity are scheduled)."""
        return float(self.hours_per_year) * float(self.productivity)


class Economics(_Model):
    cost_to_serve: SRate = 0.15
    cac_per_logo: Annotated[Any, BeforeValidator(_schedulable(_num(hi=MAX_MONEY)))] = 0.0


Sensitivity = Annotated[float, BeforeValidator(_num(hi=MAX_SENSITIVITY))]


class Understaffing(_Model):
    """How coverage below 1 raises churn and suppresses expansion (DOMAIN.md 5.3)."""

    churn_sensitivity: Sensitivity = 1.0
    expansion_sensitivity: Sensitivity = 1.0


MAX_ARR_MULTIPLE = 1000.0
"""Largest ``valuation.terminal_arr_multiple`` (boards value companies at 1x to ~30x ARR)."""


class Valuation(_Model):
    """How ``csmodel headcount`` values a staffing alternative (DOMAIN.md 11.2).

    value = sum of month i's contribution x (1 + d)^(-i/12) over the horizon
    (i = 0 for the first month, as ``clv``) + ``terminal_arr_multiple`` x exit
    ARR x (1 + d)^(-H/12). ``discount_rate`` defaults to the file's.
    """

    discount_rate: Annotated[float | None, BeforeValidator(_optional(_rate()))] = None
    terminal_arr_multiple: Annotated[
        float | None, BeforeValidator(_optional(_num(hi=MAX_ARR_MULTIPLE)))
    ] = None


MAX_BOOK_HEADER = 200
"""Longest CSV header name a ``book.columns`` entry may give."""


def _header(value: Any) -> str:
    """A CSV header name as ``book.columns`` gives it: text, not empty, one line."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a column header from the CSV file (got {show(value)})")
    if len(value) > MAX_BOOK_HEADER or any(c in value for c in "\r\n\x00"):
        raise ValueError(f"a column header is one line of at most {MAX_BOOK_HEADER} characters")
    return value


Header = Annotated[str, BeforeValidator(_header)]
OptionalHeader = Annotated[str | None, BeforeValidator(_optional(_header))]


class BookColumns(_Model):
    """Which CSV header holds each field of an account (DOMAIN.md 8)."""

    id: Header
    segment: Header
    arr: OptionalHeader = None
    acv: OptionalHeader = None
    mrr: OptionalHeader = None
    renewal_date: Header
    start_date: OptionalHeader = None
    owner: OptionalHeader = None
    term_months: OptionalHeader = None

    @property
    def money(self) -> tuple[str, str] | None:
        """``(kind, header)`` of the one money column (``arr``, ``acv`` or ``mrr``)."""
        given = [(k, getattr(self, k)) for k in ("arr", "acv", "mrr") if getattr(self, k)]
        return given[0] if len(given) == 1 else None


def _date_format(value: Any) -> str:
    if not isinstance(value, str) or "%" not in value or len(value) > 40:
        raise ValueError(f"expected a date format such as %m/%d/%Y (got {show(value)})")
    parts = {"year": ("%Y", "%y"), "month": ("%m", "%b", "%B"), "day": ("%d",)}
    missing = [name for name, codes in parts.items() if not any(c in value for c in codes)]
    if missing:
        raise ValueError(
            f"a date format needs the {', '.join(missing)} (%Y, %m or %b, %d; got {show(value)})"
        )
    return value


class BookSpec(_Model):
    """An account-level book from a CRM or billing export (DOMAIN.md 8)."""

    file: Annotated[str, BeforeValidator(_header)]
    columns: BookColumns
    segment_map: Annotated[dict[str, Name], AfterValidator(_frozen_mapping)] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    date_format: Annotated[str | None, BeforeValidator(_optional(_date_format))] = None


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
    if value not in known and value not in DEPRECATED_METRICS:
        from csmodel.suggest import did_you_mean

        candidates = [*known, *DEPRECATED_METRICS]
        raise ValueError(f"unknown metric `{value}`{did_you_mean(value, candidates)}")
    return value


MAX_BOUND = 1e300
"""Largest magnitude of a check's ``min``/``max``: any number a float holds with room to
spare (``min: -1e18`` is a common way to say "no lower bound"); 1e400 is refused."""


def _bound(value: Any) -> float:
    """A check's ``min``/``max``: a number or percent, at most :data:`MAX_BOUND` in size."""
    return to_rate(value, limit=MAX_BOUND)


def _plain_rate_bound(metric: str, value: Any) -> str | None:
    """Why a bound of rate ``metric`` written as a plain number is surely a slip, or ``None``.

    Rates are fractions: ``min: 90`` on ``grr`` means 9000%, which GRR never
    reaches. A plain bound above 1 (100%) is refused for a rate metric, above
    :data:`RATE_BOUND_PLAIN_MAX` for those that can exceed 100% (NRR).
    """
    if metric not in RATE_METRICS or value is None or (isinstance(value, str) and "%" in value):
        return None
    try:
        x = _bound(value)
    except ValueError:
        return None  # the field's own validator says what is wrong
    limit = RATE_BOUND_PLAIN_MAX.get(metric, 1.0)
    if x <= limit:
        return None
    written = value.strip() if isinstance(value, str) else show(value)
    return (
        f"{metric} is a rate and a plain number is a fraction, so {written} means "
        f"{x * 100:,.6g}%; write `{written}%` for {written} percent"
    )


Bound = Annotated[float | None, BeforeValidator(_optional(_bound))]


class Check(_Model):
    """A rule on results, evaluated by ``csmodel check``."""

    metric: Annotated[str, BeforeValidator(_metric_id)]
    segment: str | None = None
    variant: str | None = None
    min: Bound = None
    max: Bound = None
    severity: Literal["error", "warning"] = "error"
    name: Annotated[str | None, BeforeValidator(_optional(check_name))] = None
    year: Annotated[int | str | None, BeforeValidator(_optional(_check_year))] = None
    probability: Annotated[float | None, BeforeValidator(_optional(_rate(lo_open=True)))] = None

    @field_validator("min", "max", mode="before")
    @classmethod
    def _rate_bound_in_percent(cls, value: Any, info: Any) -> Any:
        why = _plain_rate_bound(info.data.get("metric", ""), value)
        if why:
            raise ValueError(why)
        return value


class Lint(_Model):
    disable: tuple[str, ...] = ()


MAX_PATHS = 100_000
"""Most Monte Carlo paths one run draws."""


class Simulate(_Model):
    """Monte Carlo defaults for ``--simulate`` (DOMAIN 9); the command line wins."""

    paths: Annotated[int, BeforeValidator(_whole(1, MAX_PATHS))] = 1000
    seed: Annotated[int | None, BeforeValidator(_optional(_whole(0, 2**32 - 1)))] = None
    discrete: bool = False  # also draw whole accounts (``--discrete``)


class Scenario(_Model):
    """A validated, immutable scenario (schema v1)."""

    name: Name
    description: str | None = None
    horizon_months: Annotated[int, BeforeValidator(_whole(1, 600))] = 36
    start: Annotated[str | None, BeforeValidator(_optional(_year_month))] = None
    fiscal_year_start: Annotated[int, BeforeValidator(_fiscal_month)] = 1
    fiscal_year_label: Literal["end", "start"] = "end"
    timing: Literal["end", "start"] = "end"
    renewals: Literal["aligned", "spread"] = "aligned"
    currency: str = "USD"
    discount_rate: Rate = 0.0
    team: Team = Team()
    economics: Economics = Economics()
    understaffing: Understaffing = Understaffing()
    valuation: Valuation | None = None
    book: BookSpec | None = None
    segments: Annotated[dict[Name, Segment], AfterValidator(_frozen_mapping)]
    variants: Annotated[dict[Name, Variant], AfterValidator(_frozen_mapping)] = Field(
        default_factory=lambda: MappingProxyType({})
    )
    checks: tuple[Check, ...] = ()
    lint: Lint = Lint()
    simulate: Simulate | None = None
    _book: Any = PrivateAttr(default=None)  # the loaded account book (``csmodel.book``)
    _source: Any = PrivateAttr(default=None)  # where it came from (``overrides.resolve``)


def plain(model: BaseModel, schedules: bool = False) -> Any:
    """The model as plain data (dicts and lists), e.g. to apply overrides to; a schedule
    as written in a file (a mapping), or with ``schedules`` as its ``Schedule``."""

    from csmodel.ranges import Range
    from csmodel.schedule import Schedule

    def unwrap(x: Any) -> Any:
        if isinstance(x, BaseModel):
            return {k: unwrap(getattr(x, k)) for k in type(x).model_fields}
        if isinstance(x, (Schedule, Range)):
            return x if schedules else x.plain()
        if isinstance(x, (dict, MappingProxyType)):
            return {k: unwrap(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [unwrap(v) for v in x]
        return x

    return unwrap(model)
