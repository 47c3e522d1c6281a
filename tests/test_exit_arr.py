"""Exit ARR counts renewals due at the boundary, not logos signed after it."""

from __future__ import annotations

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


def test_exit_arr_start_timing_leaves_out_the_next_logo():
    pr = project(scenario_from(BOOK.format(timing="start")))
    with_next = 12 * float(pr.mrr[24].sum())
    # under `start` the month-24 logo joins and takes its first +10% at once
    assert pr.metrics["ending_arr"] == pytest.approx(with_next - 12 * 1000 * 1.1, rel=1e-12)


def test_exit_arr_without_new_logos_is_month_h_mrr():
    pr = project(scenario_from(BOOK.format(timing="end").replace("per_month: 1", "per_month: 0")))
    assert pr.metrics["ending_arr"] == pytest.approx(120_000 * 1.21, rel=1e-12)
