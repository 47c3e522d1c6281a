"""The plan's calendar (DOMAIN.md section 7): month labels and fiscal periods.

A plan month is 1-based (month 1 is the plan's first month; the engine's
month index ``m`` is ``k - 1``). Without ``start``, months are ``M1 ... MH``
and years ``Y1 ...`` (twelve months from the start). With ``start``
(``YYYY-MM``), months are ``Feb 2027`` and years and quarters are fiscal:
``fiscal_year_start`` is the calendar month the fiscal year opens in and
``fiscal_year_label`` says whether FY2028 is the year that *ends* in 2028
(default) or the one that *starts* in it. Periods that the plan cuts short
(a first fiscal year the plan joins in its fifth month, say) keep their
fiscal label and say their month count where shown.

Only the standard library: this is the base layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
"""A month written ``YYYY-MM`` (``2027-02``)."""


def parse_year_month(text: str) -> tuple[int, int] | None:
    """``"2027-02"`` -> ``(2027, 2)``; ``None`` when ``text`` is not ``YYYY-MM``."""
    m = YEAR_MONTH.match(text.strip()) if isinstance(text, str) else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def month_number(value: str | int) -> int | None:
    """A month given as 1-12 or by name (``feb``, ``February``): 1-12, or ``None``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= 12 else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return month_number(int(text))
        for i, name in enumerate(MONTH_NAMES):
            if text in (name, name[:3]):
                return i + 1
    return None


@dataclass(frozen=True)
class Calendar:
    """How plan months and periods are named. ``start`` is ``(year, month)`` or ``None``."""

    start: tuple[int, int] | None = None
    fiscal_year_start: int = 1
    label_end: bool = True

    @classmethod
    def of(cls, scenario: object) -> Calendar:
        """The calendar of a scenario (``start``, ``fiscal_year_start``, ``fiscal_year_label``)."""
        start = getattr(scenario, "start", None)
        return cls(
            start=parse_year_month(start) if start else None,
            fiscal_year_start=getattr(scenario, "fiscal_year_start", 1),
            label_end=getattr(scenario, "fiscal_year_label", "end") == "end",
        )

    @property
    def dated(self) -> bool:
        return self.start is not None

    # --- months -----------------------------------------------------------

    def year_month(self, k: int) -> tuple[int, int]:
        """Calendar ``(year, month)`` of plan month ``k`` (1-based); needs ``start``."""
        assert self.start is not None
        i = self.start[0] * 12 + self.start[1] - 1 + (k - 1)
        return i // 12, i % 12 + 1

    def plan_month(self, year: int, month: int) -> int:
        """Plan month (1-based) of calendar ``(year, month)``; needs ``start``."""
        assert self.start is not None
        return (year * 12 + month) - (self.start[0] * 12 + self.start[1]) + 1

    def iso(self, k: int) -> str | None:
        """``"2027-02"`` for plan month ``k``, or ``None`` without ``start``."""
        if self.start is None:
            return None
        y, m = self.year_month(k)
        return f"{y:04d}-{m:02d}"

    def month_label(self, k: int) -> str:
        """``Feb 2027`` (with ``start``) or ``M3``."""
        if self.start is None:
            return f"M{k}"
        y, m = self.year_month(k)
        return f"{MONTH_ABBR[m - 1]} {y}"

    def span(self, first: int, last: int) -> str:
        """Plan months ``first..last`` as a reader writes them: ``Feb 2027–Jan 2028``,
        ``Feb–May 2030`` within one year, ``Feb 2030`` for one month (``M1–M12`` undated)."""
        if first == last:
            return self.month_label(first)
        if self.start is None:
            return f"M{first}–M{last}"
        (y1, m1), y2 = self.year_month(first), self.year_month(last)[0]
        if y1 == y2:
            return f"{MONTH_ABBR[m1 - 1]}–{self.month_label(last)}"
        return f"{self.month_label(first)}–{self.month_label(last)}"

    def month_key(self, k: int) -> str:
        """How a schedule key for plan month ``k`` is written back: ``2027-02`` or ``3``."""
        return self.iso(k) or str(k)

    # --- fiscal periods ---------------------------------------------------

    def fiscal_year(self, k: int) -> int:
        """The label year of the fiscal year holding plan month ``k`` (needs ``start``)."""
        y, m = self.year_month(k)
        opens_in = y if m >= self.fiscal_year_start else y - 1  # calendar year it opens in
        if self.fiscal_year_start == 1:
            return opens_in
        return opens_in + 1 if self.label_end else opens_in

    def fiscal_quarter(self, k: int) -> int:
        """Fiscal quarter (1-4) of plan month ``k`` (needs ``start``)."""
        _, m = self.year_month(k)
        return (m - self.fiscal_year_start) % 12 // 3 + 1

    def fiscal_note(self) -> str:
        """How fiscal years run and are named, with the plan's first one as the example:
        ``fiscal years start in February, labelled by the year they end (FY2028: Feb
        2027–Jan 2028)``. Needs ``start``."""
        fy = self.fiscal_year(1)
        example = f"FY{fy}: {self.span(*self.fiscal_year_months(fy))}"
        if self.fiscal_year_start == 1:
            return f"fiscal years are calendar years ({example})"
        name = MONTH_NAMES[self.fiscal_year_start - 1].capitalize()
        by = "end" if self.label_end else "start"
        return f"fiscal years start in {name}, labelled by the year they {by} ({example})"

    def fiscal_year_months(self, fy: int) -> tuple[int, int]:
        """Plan months ``(first, last)`` of fiscal year ``fy``, which may lie before month 1
        or past the horizon (needs ``start``)."""
        opens_in = fy - 1 if self.label_end and self.fiscal_year_start != 1 else fy
        first = self.plan_month(opens_in, self.fiscal_year_start)
        return first, first + 11

    def periods(self, by: str, horizon: int) -> list[Period]:
        """The periods ``by`` month, quarter or year that cut plan months 1..``horizon``.

        Without ``start``: twelve-month years and three-month quarters from the
        plan's first month (the last may be partial). With ``start``: calendar
        months and fiscal quarters and years, the first and last possibly partial.
        """
        if by == "month":
            return [self._period(by, k, k) for k in range(1, horizon + 1)]
        length = 3 if by == "quarter" else 12
        out: list[Period] = []
        k = 1
        while k <= horizon:
            if self.start is None:
                end = min(k + length - 1, horizon)
            else:
                _, m = self.year_month(k)
                into = (m - self.fiscal_year_start) % length  # months already past in the period
                end = min(k + (length - into) - 1, horizon)
            out.append(self._period(by, k, end))
            k = end + 1
        return out

    def _period(self, by: str, first: int, last: int) -> Period:
        length = {"month": 1, "quarter": 3, "year": 12}[by]
        if self.start is None:
            index = (first - 1) // length
            label = {
                "month": f"M{first}",
                "quarter": f"Y{index // 4 + 1} Q{index % 4 + 1}",
                "year": f"Y{index + 1}",
            }[by]
            return Period(label, first, last, length, None, None, None)
        fy = self.fiscal_year(first)
        fq = self.fiscal_quarter(first)
        label = {
            "month": self.month_label(first),
            "quarter": f"FY{fy} Q{fq}",
            "year": f"FY{fy}",
        }[by]
        return Period(label, first, last, length, self.iso(first), fy, fq if by != "year" else None)


@dataclass(frozen=True)
class Period:
    """One period of a table: its label, plan months ``first..last`` (1-based) and, with a
    calendar, the ISO month it opens in and its fiscal year and quarter."""

    label: str
    first: int
    last: int
    full_length: int
    date: str | None
    fiscal_year: int | None
    fiscal_quarter: int | None

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def partial(self) -> bool:
        return self.months < self.full_length

    @property
    def shown(self) -> str:
        """The label with its month count when the plan cuts the period short."""
        if not self.partial or self.full_length == 1:
            return self.label
        return f"{self.label} ({self.months} mo)"

    @property
    def dated(self) -> bool:
        """Whether the plan has a calendar (``start``): months and fiscal periods."""
        return self.date is not None

    @property
    def title(self) -> str:
        """The period's name in results (JSON and CSV ``period``): :attr:`shown` in a
        dated plan (``FY2027 (11 mo)``); an undated plan's label as it always was (``Y4``)."""
        return self.shown if self.dated else self.label

    @property
    def row_label(self) -> str:
        """The period's name as a table row: :attr:`title`, an undated partial period
        marked as tables always have (``Y4 (partial)``)."""
        if self.dated or not self.partial:
            return self.title
        return f"{self.label} (partial)"
