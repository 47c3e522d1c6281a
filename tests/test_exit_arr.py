"""Exit ARR is the closing ARR of month H (DOMAIN 11.1), the one year-end figure.

Under ``end`` it counts month H's end-of-month changes; under ``start`` it is
12 x month H's MRR. Logos signed after month H are never in it; logos take their
first change one full period after signing under both timings.
"""

from __future__ import annotations

import itertools

import pytest

from csmodel.engine import project
from csmodel.metrics import periods, yearly
from tests.conftest import scenario_from

BOOK = """
name: x
horizon_months: 24
timing: {timing}
segments:
  a:
    accounts: 10
    acv: 12000
    expansion: {{rate: 10%, every: year}}
    new_logos: {{per_month: 1, acv: 12000}}
"""


def test_exit_arr_end_timing():
    pr = project(scenario_from(BOOK.format(timing="end")))
    # starting book: 10 x 12k, +10% at months 12 and 24 -> 120k x 1.21 at the exit;
    # logos of months 0..11 (1,000 MRR each) renew +10% at month j+12 <= 23, logos of
    # months 12..23 have not renewed by month 24 (their first renewal is j + 12 >= 24,
    # exactly 24 for the month-12 logo); the month-24 logo is after the plan.
    first_year = (1000 * 1.1 * 1.1 + 11 * 1000 * 1.1) * 12
    second_year = (1000 * 1.1 + 11 * 1000) * 12  # month-12 logo renews at 24
    expected = 120_000 * 1.21 + first_year + second_year
    assert pr.metrics["ending_arr"] == pytest.approx(expected, rel=1e-12)
    assert yearly(pr)[-1]["ending_arr"] == pytest.approx(expected, rel=1e-12)
    assert periods(pr, "year")[-1]["ending_arr"] == pytest.approx(expected, rel=1e-12)


def test_exit_arr_start_timing_is_month_h_mrr():
    pr = project(scenario_from(BOOK.format(timing="start")))
    # starting book: +10% at the start of months 1 and 13 (0-based 0 and 12) -> 1.21;
    # logos of 0-based months 0..11 renew at j + 12 <= 23 (once); months 12..23 not yet.
    expected = 120_000 * 1.21 + (12 * 1000 * 1.1 + 12 * 1000) * 12
    assert pr.metrics["ending_arr"] == pytest.approx(expected, rel=1e-12)
    assert pr.metrics["ending_arr"] == pytest.approx(12 * float(pr.mrr[23].sum()), rel=1e-12)
    assert yearly(pr)[-1]["ending_arr"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("by", ["month", "quarter", "year"])
def test_bridge_closing_is_exit_arr_and_next_opening(timing, by):
    pr = project(scenario_from(BOOK.format(timing=timing)))
    rows = periods(pr, by)
    for before, after in itertools.pairwise(rows):
        assert after["opening_mrr"] == pytest.approx(before["closing_mrr"], rel=1e-12)
    years = {y["year"]: y["ending_arr"] for y in yearly(pr)}
    if by == "year":
        for i, row in enumerate(rows):
            assert row["ending_arr"] == pytest.approx(years[i + 1], rel=1e-12)
    assert 12 * rows[-1]["closing_mrr"] == pytest.approx(pr.metrics["ending_arr"], rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_every_full_year_carries_twelve_months_of_renewals(timing):
    """Year 1's bridge holds the starting book's renewal under both timings."""
    pr = project(scenario_from(BOOK.format(timing=timing).replace("per_month: 1", "per_month: 0")))
    y1, y2 = periods(pr, "year")
    assert 12 * y1["expansion"] == pytest.approx(12_000, rel=1e-12)
    assert 12 * y2["expansion"] == pytest.approx(13_200, rel=1e-12)
    assert y1["ending_arr"] == pytest.approx(132_000, rel=1e-12)


def test_new_logo_first_change_one_period_after_signing_under_start():
    pr = project(scenario_from(BOOK.format(timing="start")))
    # the logo signed in month 1 (0-based 0) is billed flat for twelve months
    rows = periods(pr, "month")
    assert rows[0]["new"] == pytest.approx(1000, rel=1e-12)
    assert rows[0]["expansion"] == pytest.approx(10_000 * 0.1, rel=1e-12)  # starting book only


def test_exit_arr_without_new_logos_is_month_h_mrr():
    pr = project(scenario_from(BOOK.format(timing="end").replace("per_month: 1", "per_month: 0")))
    assert pr.metrics["ending_arr"] == pytest.approx(120_000 * 1.21, rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_the_chart_ends_at_exit_arr(timing):
    from csmodel.metrics import closing_arr_series
    from csmodel.render.project import arr_chart

    pr = project(scenario_from(BOOK.format(timing=timing)))
    series = closing_arr_series(pr)
    assert len(series) == pr.horizon
    assert series[-1] == pytest.approx(pr.metrics["ending_arr"], rel=1e-12)
    (_, points), *_ = arr_chart(pr).series
    assert points[-1] == pytest.approx(pr.metrics["ending_arr"], rel=1e-12)
    assert points[0] == pytest.approx(pr.metrics["starting_arr"], rel=1e-12)
