"""The `extreme-expansion` lint (issue 9, item 5): an expansion rate whose annualised growth
more than doubles revenue in a year is flagged, mirroring `extreme-churn`; the paper's own
monthly scenario (4% a month, 60% a year) stays silent."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS
from test_lints import book, fired, warnings_of

from csmodel.lints import MAX_ANNUAL_EXPANSION, annualised_growth

CHURN = "churn: {rate: 5%}\n"  # so that expansion-without-churn stays out of the way


def test_annualised_growth_formula():
    assert annualised_growth(0.10, 1) == pytest.approx(1.1**12 - 1, abs=1e-15)
    assert annualised_growth(0.20, 3) == pytest.approx(1.2**4 - 1, abs=1e-15)
    assert annualised_growth(0.30, 12) == pytest.approx(0.30, abs=1e-15)
    assert MAX_ANNUAL_EXPANSION == 1.0


@pytest.mark.parametrize(
    ("expansion", "fires"),
    [
        ("{rate: 100%, every: year}", False),  # exactly double: not over
        ("{rate: 4%, every: month}", False),  # the paper: 1.04^12 - 1 = 60.1%
        ("{rate: 5.9%, every: month}", False),  # 1.059^12 - 1 = 99.0%
        ("{rate: 6%, every: month}", True),  # 1.06^12 - 1 = 101.2%
        ("{rate: 18.9%, every: quarter}", False),  # 1.189^4 - 1 = 99.9%
        ("{rate: 19%, every: quarter}", True),  # 1.19^4 - 1 = 100.5%
        ("{rate: 36%, every: quarter, share: 50%}", False),  # 1.18^4 - 1 = 93.9%
        ("{rate: 40%, every: quarter, share: 50%}", True),  # 1.2^4 - 1 = 107.4%
        # 1.06^12 - 1 = 101.2%; partial-share-monthly stays silent at exactly 10% a month
        ("{rate: 10%, every: month, share: 60%}", True),
    ],
)
def test_extreme_expansion_threshold(expansion, fires):
    assert ("extreme-expansion" in fired(book(CHURN + f"expansion: {expansion}"))) is fires


def test_message_suggests_a_yearly_period_and_gives_the_annual_growth():
    (w,) = warnings_of(book(CHURN + "expansion: {rate: 10%, every: month}"))
    assert w.id == "extreme-expansion"
    assert w.message == (
        "book: expansion of 10.00% every month grows revenue 213.84% a year (over 100.00%); "
        "was `every: year` meant?"
    )
    assert w.value == pytest.approx(1.1**12 - 1, rel=1e-12)
    assert (w.min, w.max, w.unit) == (None, 1.0, "rate")
    assert w.line == 8  # the expansion line of the minimal book


def test_quarterly_partial_share_names_the_share():
    # a yearly rate cannot fire: rate and share are at most 100%, so growth is at most 100%
    (w,) = warnings_of(book(CHURN + "expansion: {rate: 40%, every: quarter, share: 50%}"))
    assert w.message == (
        "book: expansion of 40.00% every quarter taken by 50.00% of accounts grows revenue "
        "107.36% a year (over 100.00%); was `every: year` meant?"
    )
    assert w.value == pytest.approx(1.2**4 - 1, rel=1e-12)


def test_a_monthly_partial_share_is_left_to_partial_share_monthly():
    # 15% a month taken by half the accounts grows revenue 138% a year: one slip, one warning
    assert fired(book(CHURN + "expansion: {rate: 15%, every: month, share: 50%}")) == [
        "partial-share-monthly"
    ]


def test_disabled_in_the_file():
    text = book(
        CHURN + "expansion: {rate: 10%, every: month}", top="lint: {disable: [extreme-expansion]}"
    )
    assert "extreme-expansion" not in fired(text)


def test_the_papers_monthly_scenario_stays_silent():
    from csmodel.checks import check_document
    from csmodel.loader import load_document

    report = check_document(load_document(SCENARIOS / "paper" / "06-midmarket-70-monthly.yaml"))
    (r,) = [r for r in report.results if r.id == "extreme-expansion"]
    assert r.status == "pass"


def test_the_lint_registry_and_the_vocabulary_agree():
    """The scenario layer checks lint.disable against ids.LINT_IDS; lints implement them."""
    from csmodel.ids import LINT_IDS
    from csmodel.lints import LINTS

    assert tuple(LINTS) == LINT_IDS
