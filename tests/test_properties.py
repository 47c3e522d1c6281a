"""Invariants of the engine over generated valid scenarios (issue 6, item 4).

``test_engine.py`` states a first few properties over a narrow strategy
(scenarios written as YAML, meeting workload only). This module widens the
strategy — team and understaffing settings, top-down ``accounts_per_csm``
ratios, shares, new-logo ACVs, horizons to 60 months — validates the dicts
directly with ``Scenario.model_validate``, and states every invariant the
issue lists, most of them more strongly (month by month, per segment, per
year, rather than on totals alone).

Run with ``HYPOTHESIS_PROFILE=thorough`` (``make test-thorough``) for 500
examples per property instead of 30.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmodel.engine import project
from csmodel.metrics import periods, yearly
from csmodel.schema import Scenario

MOVEMENTS = ("churn", "contraction", "expansion", "price_increase")
LOSSES = ("churn", "contraction")
PERIODS = ("month", "quarter", "year")
ARRAYS = (
    "mrr",
    "accounts",
    "new",
    "expansion",
    "price_increase",
    "contraction",
    "churn",
    "coverage",
    "fte_required",
    "csm_cost",
    "starting_book_mrr",
    "flat_mrr",
    "year_open_mrr",
    "year_close_mrr",
    "year_open_accounts",
    "year_close_accounts",
)

# --- strategies ------------------------------------------------------------------------------

RATE = st.one_of(
    st.just(0.0),
    st.sampled_from([0.005, 0.01, 0.02, 0.05, 0.1, 0.25]),
    st.floats(0, 0.4, allow_nan=False, allow_subnormal=False).map(lambda x: round(x, 5)),
)
SHARE = st.sampled_from([1.0, 1.0, 0.5, 0.25, 0.0])


@st.composite
def movement(draw, *, shared: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"rate": draw(RATE), "every": draw(st.sampled_from(PERIODS))}
    if shared:
        out["share"] = draw(SHARE)
    return out


@st.composite
def segment(draw, *, staffing: bool = True) -> dict[str, Any]:
    seg: dict[str, Any] = {
        "accounts": draw(st.one_of(st.integers(0, 300), st.sampled_from([1, 20, 70]))),
        "acv": draw(st.one_of(st.integers(1, 250_000), st.sampled_from([1200, 36_000, 100_000]))),
        "churn": draw(movement()),  # churn + contraction <= 80%: always valid
        "contraction": draw(movement()),
        "expansion": draw(movement(shared=True)),
        "price_increase": draw(movement(shared=True)),
        "new_logos": {
            "per_month": draw(st.sampled_from([0, 0, 0, 0.5, 1, 3])),
            "onboarding_rate": draw(st.sampled_from([1.0, 0.9, 0.5])),
        },
        "onboarding_hours": draw(st.sampled_from([0, 0, 12, 40])),
    }
    if draw(st.booleans()):
        seg["new_logos"]["acv"] = draw(st.integers(1, 250_000))
    workload = draw(st.sampled_from(["none", "meetings", "ratio"]))
    if workload == "meetings":
        seg["meetings"] = {
            f"m{i}": {
                "per_year": draw(st.integers(1, 24)),
                "hours": draw(st.sampled_from([0.25, 0.5, 1, 2])),
                "prep_hours": draw(st.sampled_from([0, 0.5, 1.5])),
            }
            for i in range(draw(st.integers(1, 3)))
        }
    elif workload == "ratio":
        seg["accounts_per_csm"] = draw(st.sampled_from([5, 20, 70, 400]))
    if staffing and workload != "none" and draw(st.booleans()):
        seg["csms"] = draw(st.sampled_from([0, 0.5, 1, 2, 5, 30]))
    return seg


@st.composite
def scenario_dicts(draw, *, staffing: bool = True) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    return {
        "name": "generated",
        "horizon_months": draw(st.sampled_from([1, 6, 11, 12, 13, 24, 36, 60])),
        "timing": draw(st.sampled_from(["end", "start"])),
        "renewals": draw(st.sampled_from(["aligned", "spread"])),
        "discount_rate": draw(st.sampled_from([0, 0.08])),
        "team": {
            "hours_per_year": draw(st.sampled_from([2080, 1600])),
            "productivity": draw(st.sampled_from([0.7, 0.5, 1.0])),
            "cost_per_csm": draw(st.sampled_from([120_000, 0])),
        },
        "economics": {"cac_per_logo": draw(st.sampled_from([0, 10_000]))},
        "understaffing": {
            "churn_sensitivity": draw(st.sampled_from([0, 0.5, 1, 3])),
            "expansion_sensitivity": draw(st.sampled_from([0, 0.5, 1, 3])),
        },
        "segments": {f"s{i}": draw(segment(staffing=staffing)) for i in range(n)},
    }


def build(data: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(data)


def run(data: dict[str, Any]):
    return project(build(data))


def changed(data: dict[str, Any], fn) -> dict[str, Any]:
    """A deep copy of ``data`` with ``fn`` applied to every segment."""
    out = copy.deepcopy(data)
    for seg in out["segments"].values():
        fn(seg)
    return out


def staffing_irrelevant(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with understaffing switched off wherever a segment is staffed.

    With staffed CSMs and non-zero sensitivities, more churn frees CSM capacity
    (fewer accounts per CSM), which lowers the effective churn of the accounts
    that stay and lifts their expansion: total revenue can *rise* with churn.
    The monotonicity properties therefore hold for unstaffed segments only; a
    staffed segment with both sensitivities at 0 behaves exactly as unstaffed.
    """
    if any("csms" in seg for seg in data["segments"].values()):
        data = copy.deepcopy(data)
        data["understaffing"] = {"churn_sensitivity": 0, "expansion_sensitivity": 0}
    return data


def close(a, b, rel: float = 1e-9, abs_: float = 1e-6) -> bool:
    return bool(np.all(np.abs(np.asarray(a) - np.asarray(b)) <= abs_ + rel * np.abs(b)))


# --- movements reconcile ---------------------------------------------------------------------


@given(scenario_dicts())
def test_movements_reconcile_every_month_per_segment(data):
    pr = run(data)
    opening = np.concatenate([pr.starting_mrr[None, :], pr.mrr[:-1]])
    flows = pr.new + pr.expansion + pr.price_increase - pr.contraction - pr.churn
    assert close(opening + flows, pr.mrr)
    for by in PERIODS:
        for segment_index in [None, *range(len(pr.segments))]:
            rows = periods(pr, by, segment_index)
            for before, after in itertools.pairwise(rows):
                assert after["opening_mrr"] == pytest.approx(before["closing_mrr"], rel=1e-12)
            for row in rows:
                flows = row["new"] + row["expansion"] + row["price_increase"]
                flows -= row["contraction"] + row["churn"]
                assert row["opening_mrr"] + flows == pytest.approx(
                    row["closing_mrr"], rel=1e-9, abs=1e-6
                )
            total = sum(r["revenue"] for r in rows)
            metrics = (
                pr.metrics if segment_index is None else pr.segment_metrics[f"s{segment_index}"]
            )
            assert total == pytest.approx(metrics["total_revenue"], rel=1e-9, abs=1e-6)


@given(scenario_dicts())
def test_accounts_never_grow_without_new_logos(data):
    data = changed(data, lambda seg: seg["new_logos"].update(per_month=0))
    pr = run(data)
    assert np.all(np.diff(pr.accounts, axis=0) <= 1e-9)
    assert np.all(pr.accounts >= -1e-9)
    assert np.all(pr.accounts <= pr.starting_accounts[None, :] + 1e-9)


# --- zero movements ---------------------------------------------------------------------------


def no_movements(seg: dict[str, Any]) -> None:
    for name in MOVEMENTS:
        seg[name]["rate"] = 0


@given(scenario_dicts())
def test_zero_movements_keep_revenue_flat(data):
    data = changed(data, no_movements)
    pr = run(data)
    m = pr.metrics
    assert m["total_revenue"] == pytest.approx(m["flat_revenue"], rel=1e-12, abs=1e-6)
    assert m["uplift"] == pytest.approx(0, abs=1e-6)
    assert np.all(pr.expansion == 0)
    assert np.all(pr.churn == 0)
    assert np.all(pr.contraction == 0)
    assert np.all(pr.price_increase == 0)
    if m["nrr"] is not None:
        assert m["nrr"] == pytest.approx(1, rel=1e-12)
        assert m["grr"] == pytest.approx(1, rel=1e-12)


@given(scenario_dicts())
def test_zero_movements_and_no_new_logos_is_starting_mrr_times_horizon(data):
    data = changed(data, no_movements)
    data = changed(data, lambda seg: seg["new_logos"].update(per_month=0))
    pr = run(data)
    h = data["horizon_months"]
    start = sum(seg["accounts"] * seg["acv"] / 12 for seg in data["segments"].values())
    assert pr.metrics["total_revenue"] == pytest.approx(start * h, rel=1e-12)
    assert pr.mrr.sum(axis=1) == pytest.approx(np.full(h + 1, start), rel=1e-12)
    assert pr.metrics["ending_arr"] == pytest.approx(12 * start, rel=1e-12)
    assert pr.accounts == pytest.approx(np.broadcast_to(pr.starting_accounts, pr.accounts.shape))


# --- doubling the book ------------------------------------------------------------------------


def doubled(seg: dict[str, Any]) -> None:
    seg["accounts"] *= 2
    seg["new_logos"]["per_month"] *= 2
    if "csms" in seg:
        seg["csms"] *= 2


@given(scenario_dicts())
def test_doubling_accounts_csms_and_new_logos_doubles_revenue(data):
    a, b = run(data), run(changed(data, doubled))
    assert close(b.mrr, 2 * a.mrr)
    for name in ("total_revenue", "flat_revenue", "ending_arr", "gross_profit", "csm_cost"):
        assert b.metrics[name] == pytest.approx(2 * a.metrics[name], rel=1e-9, abs=1e-6), name
    for name in ("total_revenue", "ending_arr"):
        for seg in a.segments:
            got, want = b.segment_metrics[seg][name], 2 * a.segment_metrics[seg][name]
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6), (seg, name)
    # ratios do not move
    for name in ("nrr", "grr", "logo_retention", "coverage", "uplift_share"):
        if a.metrics[name] is None:
            continue
        assert b.metrics[name] == pytest.approx(a.metrics[name], rel=1e-9, abs=1e-12), name


# --- monotonicity (unstaffed, or staffing made irrelevant: see staffing_irrelevant) ------------


@st.composite
def raised(draw, *, name: str):
    """A scenario, and a copy with ``name``'s rate raised in one segment."""
    data = staffing_irrelevant(draw(scenario_dicts()))
    seg_name = draw(st.sampled_from(sorted(data["segments"])))
    more = copy.deepcopy(data)
    seg = more["segments"][seg_name]
    other = seg["contraction" if name == "churn" else "churn"]["rate"] if name in LOSSES else 0
    old = seg[name]["rate"]
    rate = old + draw(st.floats(0, 1)) * (1 - other - old)
    while rate > old and rate + other > 1:  # stay valid (churn + contraction <= 1) despite rounding
        rate = math.nextafter(rate, 0)
    seg[name]["rate"] = rate
    return data, more


@pytest.mark.parametrize("name", ["churn", "contraction"])
@given(data=st.data())
def test_more_churn_or_contraction_never_raises_revenue(name, data):
    base, worse = data.draw(raised(name=name))
    a, b = run(base), run(worse)
    assert np.all(b.mrr <= a.mrr * (1 + 1e-12) + 1e-9)
    assert b.metrics["total_revenue"] <= a.metrics["total_revenue"] * (1 + 1e-12) + 1e-6
    assert b.metrics["ending_arr"] <= a.metrics["ending_arr"] * (1 + 1e-12) + 1e-6


@pytest.mark.parametrize("name", ["expansion", "price_increase"])
@given(data=st.data())
def test_more_expansion_or_price_increase_never_lowers_revenue(name, data):
    base, better = data.draw(raised(name=name))
    a, b = run(base), run(better)
    assert np.all(b.mrr >= a.mrr * (1 - 1e-12) - 1e-9)
    assert b.metrics["total_revenue"] >= a.metrics["total_revenue"] * (1 - 1e-12) - 1e-6
    assert b.metrics["ending_arr"] >= a.metrics["ending_arr"] * (1 - 1e-12) - 1e-6


# --- retention ratios -------------------------------------------------------------------------


@given(scenario_dicts())
def test_grr_at_most_one_and_at_most_nrr(data):
    pr = run(data)
    books = [pr.metrics, *pr.segment_metrics.values()]
    rows = [r for i in [None, *range(len(pr.segments))] for r in yearly(pr, i)]
    for m in [*books, *rows]:
        if m["grr"] is None:
            assert m["nrr"] is None
            continue
        assert 0 <= m["grr"] <= 1 + 1e-12
        assert m["grr"] <= m["nrr"] * (1 + 1e-12)
        # (logo retention may be undefined while GRR is not: a few 1e-10 expected
        # accounts fall under the metrics' absolute epsilon before their revenue does)
        if m["logo_retention"] is not None:
            assert 0 <= m["logo_retention"] <= 1 + 1e-12


# --- timing and renewals ----------------------------------------------------------------------


@given(scenario_dicts())
def test_start_timing_earns_at_least_end_timing_when_nothing_is_lost(data):
    def growth_only(seg: dict[str, Any]) -> None:
        seg["churn"]["rate"] = 0
        seg["contraction"]["rate"] = 0

    data = changed(data, growth_only)
    start, end = copy.deepcopy(data), copy.deepcopy(data)
    start["timing"], end["timing"] = "start", "end"
    a, b = run(start), run(end)
    assert np.all(a.mrr >= b.mrr * (1 - 1e-12) - 1e-9)
    assert a.metrics["total_revenue"] >= b.metrics["total_revenue"] * (1 - 1e-12) - 1e-6


@given(scenario_dicts())
def test_spread_and_aligned_renewals_agree_when_every_movement_is_monthly(data):
    def monthly(seg: dict[str, Any]) -> None:
        for name in MOVEMENTS:
            seg[name]["every"] = "month"

    data = changed(data, monthly)
    spread, aligned = copy.deepcopy(data), copy.deepcopy(data)
    spread["renewals"], aligned["renewals"] = "spread", "aligned"
    a, b = run(spread), run(aligned)
    assert close(a.mrr, b.mrr)
    assert close(a.accounts, b.accounts)
    for name, value in b.metrics.items():
        if value is None:
            assert a.metrics[name] is None, name
        else:
            assert a.metrics[name] == pytest.approx(value, rel=1e-9, abs=1e-6), name


# --- coverage ---------------------------------------------------------------------------------


@given(scenario_dicts())
def test_coverage_between_zero_and_one(data):
    pr = run(data)
    assert np.all(pr.coverage <= 1)
    assert np.all(pr.coverage >= 0)
    for i, seg in enumerate(data["segments"].values()):
        if "csms" not in seg:
            assert np.all(pr.coverage[:, i] == 1)
    for m in [pr.metrics, *pr.segment_metrics.values()]:
        assert 0 <= m["coverage"] <= 1


@given(scenario_dicts(staffing=False))
def test_staffing_at_the_peak_requirement_changes_nothing(data):
    unstaffed = run(data)
    peak = unstaffed.fte_required.max(axis=0)
    staffed = copy.deepcopy(data)
    for i, seg in enumerate(staffed["segments"].values()):
        if "meetings" in seg or "accounts_per_csm" in seg:
            # at or just above the peak (ceil(x * 1e6) / 1e6 can round below x itself)
            seg["csms"] = max(math.ceil(float(peak[i]) * 1e6) / 1e6, float(peak[i]))
    pr = run(staffed)
    assert np.all(pr.coverage == 1)
    assert np.array_equal(pr.mrr, unstaffed.mrr)
    assert pr.metrics["total_revenue"] == unstaffed.metrics["total_revenue"]


# --- determinism ------------------------------------------------------------------------------


def same(a, b) -> bool:
    """Equal, with NaN equal to NaN and None equal to None."""
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


@given(scenario_dicts())
def test_results_are_identical_across_runs(data):
    sc = build(data)
    first, again, rebuilt = project(sc), project(sc), project(build(copy.deepcopy(data)))
    for other in (again, rebuilt):
        for name in ARRAYS:
            assert same(getattr(first, name), getattr(other, name)), name
        assert first.metrics.keys() == other.metrics.keys()
        for name, value in first.metrics.items():
            assert same(value, other.metrics[name]), name
        for seg in first.segments:
            for name, value in first.segment_metrics[seg].items():
                assert same(value, other.segment_metrics[seg][name]), (seg, name)


@given(scenario_dicts())
def test_starting_book_bridge_gives_nrr_grr_and_logo_retention(data):
    """DOMAIN 11.1: each full year's NRR, GRR and logo retention are read off the
    starting book's own bridge, which reconciles; the whole-book bridge closes each
    period at the next one's opening, and the last close is exit ARR."""
    pr = run(data)
    for y in yearly(pr):
        book = y["starting_book"]
        if book is None:
            assert y["nrr"] is None
            continue
        opened = book["opening_arr"]
        closing = (
            opened
            + book["expansion_arr"]
            + book["price_increase_arr"]
            - book["contraction_arr"]
            - book["churn_arr"]
        )
        assert closing == pytest.approx(book["closing_arr"], rel=1e-9, abs=1e-6)
        if opened > 1e-9:
            assert y["nrr"] == pytest.approx(book["closing_arr"] / opened, rel=1e-9)
            kept = max(0.0, opened - book["contraction_arr"] - book["churn_arr"])
            assert y["grr"] == pytest.approx(kept / opened, rel=1e-9, abs=1e-12)
        if book["accounts_open"] > 1e-9:
            assert y["logo_retention"] == pytest.approx(
                book["accounts_close"] / book["accounts_open"], rel=1e-9
            )
    for by in PERIODS:
        rows = periods(pr, by)
        for before, after in itertools.pairwise(rows):
            assert after["opening_mrr"] == pytest.approx(before["closing_mrr"], rel=1e-12)
        assert 12 * rows[-1]["closing_mrr"] == pytest.approx(
            pr.metrics["ending_arr"], rel=1e-12, abs=1e-9
        )
        if by == "year":
            for row, y in zip(rows, yearly(pr), strict=True):
                assert row["ending_arr"] == pytest.approx(y["ending_arr"], rel=1e-12)


# --- the same invariants with schedules (issue 11) -------------------------------------------

SCHEDULED_LEAVES = (
    ("churn", "rate"),
    ("contraction", "rate"),
    ("expansion", "rate"),
    ("expansion", "share"),
    ("price_increase", "rate"),
    ("new_logos", "per_month"),
    ("new_logos", "onboarding_rate"),
)


@st.composite
def scheduled_dicts(draw) -> dict[str, Any]:
    """:func:`scenario_dicts` with some numbers turned into step or linear schedules."""
    data = draw(scenario_dicts())
    h = data["horizon_months"]

    def schedule(first: Any, values: st.SearchStrategy) -> dict[Any, Any]:
        keys = sorted(draw(st.sets(st.integers(2, max(2, h)), max_size=3))) if h > 1 else []
        out: dict[Any, Any] = {1: first, **{k: draw(values) for k in keys}}
        if draw(st.booleans()):
            out["interpolate"] = "linear"
        return out

    for seg in data["segments"].values():
        for parent, leaf in SCHEDULED_LEAVES:
            if parent in seg and draw(st.booleans()):
                values = SHARE if leaf in ("share", "onboarding_rate") else RATE
                if leaf == "per_month":
                    values = st.sampled_from([0, 0.5, 1, 3, 6])
                seg[parent][leaf] = schedule(seg[parent].get(leaf, 0), values)
        if "csms" in seg and draw(st.booleans()):
            seg["csms"] = schedule(seg["csms"], st.sampled_from([0, 0.5, 1, 2, 5, 30]))
    if draw(st.booleans()):
        data["team"]["productivity"] = schedule(
            data["team"]["productivity"], st.sampled_from([0.5, 0.7, 1.0])
        )
    return data


@given(scheduled_dicts())
def test_scheduled_movements_reconcile_every_month(data):
    test_movements_reconcile_every_month_per_segment.hypothesis.inner_test(data)


@given(scheduled_dicts())
def test_scheduled_starting_book_bridge(data):
    test_starting_book_bridge_gives_nrr_grr_and_logo_retention.hypothesis.inner_test(data)


@given(scheduled_dicts())
def test_scheduled_retention_ratios_and_coverage(data):
    test_grr_at_most_one_and_at_most_nrr.hypothesis.inner_test(data)
    test_coverage_between_zero_and_one.hypothesis.inner_test(data)


@given(scheduled_dicts())
def test_scheduled_accounts_never_grow_without_new_logos(data):
    test_accounts_never_grow_without_new_logos.hypothesis.inner_test(data)
