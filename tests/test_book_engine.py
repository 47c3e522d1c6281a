"""An account book in the engine (DOMAIN 8, issue 12): renewal anchors and CSM owners.

Books are built directly (``csmodel.book.Book``) so the engine is tested apart
from the CSV reader (``test_book_read.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmodel.book import Book, attach
from csmodel.engine import project, project_batch
from tests.conftest import scenario_from

FIELDS = ("mrr", "accounts", "new", "expansion", "price_increase", "contraction", "churn")
FIELDS += ("coverage", "fte_required", "csm_cost", "year_open_mrr", "year_close_mrr")


def book(segment, months, arr=12000.0, owners=None):
    n = len(months)
    arr = np.broadcast_to(np.asarray(arr, dtype=float), (n,)).copy()
    return Book(
        "accounts.csv",
        tuple(f"A{i}" for i in range(n)),
        (segment,) * n if isinstance(segment, str) else tuple(segment),
        arr,
        np.asarray(months),
        np.full(n, 12),
        None if owners is None else tuple(owners),
        None,
        np.arange(2, n + 2),
    )


PLAN = """
name: t
start: 2027-01
horizon_months: 36
timing: {timing}
renewals: {renewals}
segments:
  s:
    accounts: {accounts}
    acv: 12000
    churn: {{rate: 10%, every: year}}
    contraction: {{rate: 2%, every: quarter}}
    expansion: {{rate: 5%, every: year, share: 50%}}
    price_increase: {{rate: 4%, every: year}}
    new_logos: {{per_month: 1, acv: 12000}}
"""


def with_book(sc, b):
    """``sc`` carrying book ``b``, each segment's accounts and acv from it (as the loader)."""
    from csmodel.book import segment_totals
    from csmodel.edit import edit

    for name, (n, acv) in segment_totals(b).items():
        sc = edit(sc, ("segments", name, "accounts"), n)
        sc = edit(sc, ("segments", name, "acv"), acv)
    return attach(sc, b)


def same_metrics(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k, v in a.items():
        assert (v is None and b[k] is None) or v == pytest.approx(b[k], rel=1e-12), k


def close(a, b, rel=1e-12):
    return np.allclose(a, b, rtol=rel, atol=1e-9)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_a_book_renewing_in_one_month_equals_aligned_renewals(timing):
    plain = project(scenario_from(PLAN.format(timing=timing, renewals="aligned", accounts=24)))
    sc = scenario_from(PLAN.format(timing=timing, renewals="aligned", accounts=24))
    booked = project(attach(sc, book("s", [1] * 24)))
    for f in FIELDS:
        assert close(getattr(plain, f), getattr(booked, f)), f
    same_metrics(booked.metrics, plain.metrics)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_a_book_with_a_twelfth_renewing_each_month_equals_spread_renewals(timing):
    plain = project(scenario_from(PLAN.format(timing=timing, renewals="spread", accounts=24)))
    sc = scenario_from(PLAN.format(timing=timing, renewals="aligned", accounts=24))
    months = [k for k in range(1, 13) for _ in range(2)]
    booked = project(attach(sc, book("s", months)))
    for f in FIELDS:
        assert close(getattr(plain, f), getattr(booked, f)), f


def test_a_price_increase_lands_when_each_contract_renews():
    """Accounts renewing in plan months 3 and 8 (timing end): month k's renewal is dated at
    the end of month k - 1 (anchor k - 1), so prices rise from months 3 and 8."""
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 12\nsegments:\n  s:\n"
        "    accounts: 2\n    acv: 12000\n    price_increase: {rate: 10%, every: year}\n"
    )
    pr = project(attach(sc, book("s", [3, 8])))
    want = [2000.0] * 2 + [2100.0] * 5 + [2200.0] * 5
    assert pr.mrr[:12, 0] == pytest.approx(want)


def test_edits_of_accounts_and_acv_scale_the_books_calendar():
    from csmodel.edit import edit

    sc = attach(
        scenario_from(PLAN.format(timing="end", renewals="aligned", accounts=2)), book("s", [3, 8])
    )
    pr = project(edit(sc, ("segments", "s", "acv"), 24000.0))
    base = project(sc)
    assert pr.starting_book_mrr[:12, 0] == pytest.approx(2 * base.starting_book_mrr[:12, 0])
    assert pr.starting_book_mrr[1, 0] != pr.starting_book_mrr[2, 0]  # still renews in month 3


def test_owners_each_carry_one_csm_and_their_own_coverage():
    """Owner A holds 12 accounts, B 8; one CSM carries 10 (accounts_per_csm). A's coverage
    is 10/12, so A's accounts churn at 10% x (1 + 1 x (1 - 10/12)) at renewal; B's at 10%."""
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 24\nsegments:\n  s:\n"
        "    accounts: 20\n    acv: 12000\n    accounts_per_csm: 10\n"
        "    churn: {rate: 10%, every: year}\n"
    )
    pr = project(attach(sc, book("s", [1] * 20, owners=["A"] * 12 + ["B"] * 8)))
    assert pr.owners.names == (("s", "A"), ("s", "B"))
    assert pr.owners.coverage[0].tolist() == pytest.approx([10 / 12, 1.0])
    assert pr.coverage[0, 0] == pytest.approx(10 / 12)  # the segment: its lowest owner
    kept = 12 * (1 - 0.10 * (1 + (1 - 10 / 12))) + 8 * 0.9
    assert pr.accounts[12, 0] == pytest.approx(kept)
    assert pr.metrics["csm_cost"] == pytest.approx(2 * 120_000 * 2)  # two CSMs, two years


def test_accounts_without_an_owner_and_new_logos_are_a_pool():
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 12\nsegments:\n  s:\n"
        "    accounts: 3\n    acv: 12000\n    accounts_per_csm: 10\n    csms: 3\n"
        "    new_logos: {per_month: 1}\n"
    )
    pr = project(attach(sc, book("s", [1, 1, 1], owners=["A", "B", ""])))
    assert [n for _, n in pr.owners.names] == ["A", "B"]
    # the third CSM staffs the pool: one account and the new logos
    assert pr.metrics["csm_cost"] == pytest.approx(3 * 120_000)
    assert pr.accounts[11, 0] == pytest.approx(3 + 12)


def test_a_batch_with_a_booked_scenario_equals_single_runs():
    a = attach(
        scenario_from(PLAN.format(timing="end", renewals="aligned", accounts=4)),
        book("s", [2, 5, 5, 11]),
    )
    b = scenario_from(PLAN.format(timing="end", renewals="aligned", accounts=4))
    c = scenario_from(PLAN.format(timing="end", renewals="spread", accounts=4))
    for sc, pr in zip([a, b, c], project_batch([a, b, c]), strict=True):
        alone = project(sc)
        for f in FIELDS:
            assert close(getattr(pr, f), getattr(alone, f)), f


@given(
    st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 200_000), st.sampled_from(["A", "B", ""])),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["end", "start"]),
)
def test_any_book_reconciles_and_equals_the_sum_of_its_accounts(accounts, timing):
    months = [m for m, _, _ in accounts]
    arr = [a for _, a, _ in accounts]
    text = PLAN.format(timing=timing, renewals="aligned", accounts=len(accounts))
    sc = with_book(scenario_from(text), book("s", months, arr))
    pr = project(sc)
    opening = np.concatenate([pr.starting_mrr[None, :], pr.mrr[:-1]])
    flows = pr.new + pr.expansion + pr.price_increase - pr.contraction - pr.churn
    assert close(opening + flows, pr.mrr, rel=1e-9)
    # account by account: each its own one-account book (new logos on the first only)
    total = 0.0
    for i, (m, a) in enumerate(zip(months, arr, strict=True)):
        one = scenario_from(
            text.replace(f"accounts: {len(accounts)}", "accounts: 1").replace(
                "per_month: 1", "per_month: 1" if i == 0 else "per_month: 0"
            )
        )
        one = with_book(one, book("s", [m], [a]))
        total += project(one).metrics["total_revenue"]
    assert pr.metrics["total_revenue"] == pytest.approx(total, rel=1e-9)


def term_book(months, terms, owners=None, segment="s"):
    b = book(segment, months, owners=owners)
    from dataclasses import replace

    return replace(b, term=np.asarray(terms))


def test_a_two_year_term_churns_only_at_term_end():
    """One account on a 24-month term renewing in month 1 (anchor 0, timing end): churn of
    10% a year is due at engine months 24 and 48 only, at 1 - 0.9^2 = 19%; its 5% yearly
    price increase stays on every anniversary (months 12, 24, 36)."""
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 48\nsegments:\n  s:\n"
        "    accounts: 1\n    acv: 12000\n    churn: {rate: 10%, every: year}\n"
        "    price_increase: {rate: 5%, every: year}\n"
    )
    pr = project(attach(sc, term_book([1], [24])))
    acc = pr.accounts[:49, 0]
    assert acc[:24] == pytest.approx([1.0] * 24)
    assert acc[24:48] == pytest.approx([0.81] * 24)
    assert acc[48] == pytest.approx(0.81**2)
    mrr = pr.mrr[:49, 0]
    assert mrr[12] == pytest.approx(1000 * 1.05)  # price on the first anniversary
    assert mrr[24] == pytest.approx(1000 * 1.05**2 * 0.81)
    opening = np.concatenate([pr.starting_mrr[None, :], pr.mrr[:-1]])
    flows = pr.new + pr.expansion + pr.price_increase - pr.contraction - pr.churn
    assert close(opening + flows, pr.mrr, rel=1e-9)


def test_an_owner_covers_all_their_contracts_whatever_the_term():
    """Owner A holds 8 annual and 4 two-year accounts (12 in all; one CSM carries 10):
    every one of A's columns has coverage 10/12, the group's."""
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 12\nsegments:\n  s:\n"
        "    accounts: 12\n    acv: 12000\n    accounts_per_csm: 10\n"
    )
    pr = project(attach(sc, term_book([1] * 12, [12] * 8 + [24] * 4, owners=["A"] * 12)))
    assert pr.owners.coverage[0, 0] == pytest.approx(10 / 12)
    assert pr.owners.accounts[0, 0] == pytest.approx(12)
    assert pr.metrics["csm_cost"] == pytest.approx(120_000)


@pytest.mark.parametrize("term", [6, 18])
def test_terms_that_are_not_whole_years_churn_at_their_own_end(term):
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 40\nsegments:\n  s:\n"
        "    accounts: 1\n    acv: 12000\n    churn: {rate: 10%, every: year}\n"
    )
    pr = project(attach(sc, term_book([1], [term])))
    kept = 0.9 ** (term / 12)
    want = [kept ** (m // term) for m in range(41)]
    assert pr.accounts[:41, 0] == pytest.approx(want)


def test_project_and_headcount_show_each_owners_load(run_cli):
    """The shipped book: Priya Raman owns 25 enterprise accounts at 73 hours each, one CSM
    has 2,080 x 70% = 1,456 productive hours, so her peak load is at least 25 x 73 / 1,456
    and her coverage at the start 1,456 / (25 x 73)."""
    import json

    from tests.conftest import SCENARIOS

    plan = SCENARIOS / "book" / "plan.yaml"
    code, out, err = run_cli(["project", plan, "--format", "json"])
    assert code == 0, err
    owners = {r["owner"]: r for r in json.loads(out)["owners"]}
    priya = owners["Priya Raman"]
    assert priya["accounts_start"] == 25 and priya["segment"] == "enterprise"
    assert priya["lowest_coverage"] == pytest.approx(1456 / (25 * 73), rel=1e-9)
    assert priya["peak_load"] >= 25 * 73 / 1456 - 1e-9
    assert priya["first_short_month"] == 1
    assert owners["Jonas Berg"]["first_short_month"] is None
    code, out, err = run_cli(["headcount", plan, "--format", "json"])
    assert code == 0, err
    report = json.loads(out)
    assert {r["owner"] for r in report["owners"]} == set(owners)
    # sized as a pool: a segment without csms is sized fully staffed, its owners apart
    assert report["segments"]["enterprise"]["staffed_csms"] is None


def test_an_owner_in_two_segments_is_one_csm():
    """Owner X holds 2 accounts in `ent` (one CSM carries 2) and 2 in `mm` (one carries 4):
    1.5 FTE for one CSM, so coverage is 1/1.5 in both segments and one CSM is paid."""
    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 12\nsegments:\n"
        "  ent:\n    accounts: 2\n    acv: 12000\n    accounts_per_csm: 2\n"
        "  mm:\n    accounts: 2\n    acv: 12000\n    accounts_per_csm: 4\n"
    )
    b = book(["ent", "ent", "mm", "mm"], [1] * 4, owners=["X"] * 4)
    pr = project(attach(sc, b))
    assert pr.owners.names == (("ent, mm", "X"),)
    assert pr.owners.coverage[0, 0] == pytest.approx(1 / 1.5)
    assert pr.coverage[0].tolist() == pytest.approx([1 / 1.5, 1 / 1.5])
    assert pr.metrics["csm_cost"] == pytest.approx(120_000)


def test_edited_acv_scales_a_segment_with_owners():
    from csmodel.edit import edit

    sc = scenario_from(
        "name: t\nstart: 2027-01\nhorizon_months: 12\nsegments:\n  s:\n"
        "    accounts: 2\n    acv: 12000\n    accounts_per_csm: 10\n"
    )
    b = book("s", [1, 4], owners=["A", "B"])
    base = project(attach(sc, b))
    doubled = project(edit(attach(sc, b), ("segments", "s", "acv"), 24000.0))
    assert doubled.metrics["total_revenue"] == pytest.approx(2 * base.metrics["total_revenue"])


# --- the book against the rest of the file (review of issue 12) ----------------------------


def _book_plan(tmp_path, extra: str = "", enterprise: str = "") -> object:
    import shutil

    from tests.conftest import TEST_SCENARIOS

    shutil.copy(TEST_SCENARIOS / "book" / "accounts.csv", tmp_path / "accounts.csv")
    text = (TEST_SCENARIOS / "book" / "plan.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  enterprise: {accounts_per_csm: 20, churn: {rate: 5%}}",
        "  enterprise: {accounts_per_csm: 20, churn: {rate: 5%}" + enterprise + "}",
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_fewer_csms_than_owners_is_a_located_error(tmp_path, run_cli):
    path = _book_plan(tmp_path, enterprise=", csms: 0.5")
    code, _, err = run_cli(["validate", path])
    assert code == 2 and "fewer than the segment's" in err and "plan.yaml:" in err


def test_a_variant_or_set_may_not_move_the_book_or_start(tmp_path, run_cli):
    path = _book_plan(tmp_path)
    for item in ("start=2027-06", "book.file=other.csv", "renewals=spread", "timing=start"):
        code, _, err = run_cli(["project", path, "--set", item])
        assert code == 2 and "cannot be changed by a variant or --set" in err, item


def test_renewals_with_a_book_is_a_located_error(tmp_path, run_cli):
    path = _book_plan(tmp_path, extra="renewals: spread\n")
    code, _, err = run_cli(["validate", path])
    assert code == 2 and "renewals come from each account's renewal date" in err


def test_sensitivity_on_an_owner_book_equals_project_of_each_point(run_cli):
    import json

    from tests.conftest import SCENARIOS

    plan = SCENARIOS / "book" / "plan.yaml"
    code, out, err = run_cli(["sensitivity", plan, "--format", "json"])
    assert code == 0, err
    row = {r["assumption"]: r for r in json.loads(out)["rows"]}["segments.enterprise.churn.rate"]
    for value, got in ((row["low_input"], row["low"]), (row["high_input"], row["high"])):
        code, out, _ = run_cli(
            ["project", plan, "--set", f"segments.enterprise.churn.rate={value!r}", "-f", "json"]
        )
        assert got == pytest.approx(json.loads(out)["metrics"]["contribution"], rel=1e-12)
    code, out, _ = run_cli(["headcount", plan, "--format", "json"])
    assert "pools each segment's CSMs" in json.loads(out)["sizing_note"]
