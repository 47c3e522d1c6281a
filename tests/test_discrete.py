"""Discrete Monte Carlo paths (DOMAIN 9, issue 13): whole accounts churn and expand.

Tolerances are derived from the sampling error, never guessed: a share estimated
from ``n`` paths has a standard error ``sqrt(p (1 - p) / n)`` and a mean
``std / sqrt(n)``; a test allows a stated number of them (4 or 5). The seeds are
fixed, so each test is deterministic; the allowance says how far an honest
implementation could be from the truth with that seed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from csmodel.engine import project
from csmodel.simulate import simulate, simulate_sweep
from tests.conftest import SCENARIOS, scenario_from
from tests.test_book_engine import book, with_book

ONE_RENEWAL = """
name: t
horizon_months: 12
timing: start
segments:
  s:
    accounts: 100
    acv: 12000
    churn: {rate: 20%, every: year}
"""


def test_churn_of_a_cohort_is_binomial():
    """100 accounts renewing once at 20% churn: the accounts kept follow 100 - Bin(100,
    0.2). Each value's share of 20,000 paths is within 5 standard errors of the pmf;
    P10, P50 and P90 of logo retention are the binomial's quantiles (the sample quantile
    of a discrete distribution lands on its quantile unless the cdf is within a few
    standard errors of the level, which it is not at these three)."""
    n = 20_000
    sim = simulate(scenario_from(ONE_RENEWAL), n, seed=5, discrete=True)
    assert sim.discrete
    kept = np.rint(sim.metrics["logo_retention"] * 100).astype(int)
    assert np.allclose(sim.metrics["logo_retention"] * 100, kept)  # whole accounts
    lost = 100 - kept
    for k in range(8, 34):
        p = stats.binom.pmf(k, 100, 0.2)
        share = np.mean(lost == k)
        assert abs(share - p) <= 5 * np.sqrt(p * (1 - p) / n), k
    for q in (10, 50, 90):
        expected = 100 - stats.binom.ppf(1 - q / 100, 100, 0.2)
        assert np.percentile(kept, q, method="inverted_cdf") == expected
    # the MRR goes with them: every account is worth 1,000 a month
    assert np.allclose(sim.metrics["ending_arr"], kept * 12000.0)


MIXED = """
name: t
horizon_months: 36
timing: {timing}
renewals: spread
segments:
  s:
    accounts: 70
    acv: 36000
    churn: {{rate: 8%, every: year}}
    contraction: {{rate: 2%, every: quarter}}
    expansion: {{rate: 10%, every: year, share: 40%}}
    price_increase: {{rate: 4%, every: year, share: 50%}}
    new_logos: {{per_month: 1.7, acv: 30000, onboarding_rate: 90%}}
  monthly:
    accounts: 25
    acv: 12000
    churn: {{rate: 1.5%, every: month}}
    expansion: {{rate: 2%, every: month, share: 30%}}
"""
METRICS = ("total_revenue", "ending_arr", "nrr", "grr", "logo_retention")


def _mean_within(sim, plan: dict, allowed: float = 4.0) -> None:
    for m in METRICS:
        v = sim.metrics[m]
        se = v.std(ddof=1) / np.sqrt(len(v))
        assert se > 0, m  # the paths do differ
        assert abs(v.mean() - plan[m]) <= allowed * se, (m, v.mean(), plan[m], se)


@pytest.mark.parametrize("timing", ["end", "start"])
def test_the_mean_of_discrete_paths_is_the_plan(timing):
    """Pooled cohorts, fractional logos per month, shares below 100%, monthly and yearly
    movements: the mean over 3,000 paths is within 4 standard errors of the plan."""
    sc = scenario_from(MIXED.format(timing=timing))
    _mean_within(simulate(sc, 3000, seed=21, discrete=True), project(sc).metrics)


BOOK = """
name: t
start: 2027-01
horizon_months: 24
segments:
  s:
    accounts: 1
    acv: 1
    churn: {rate: 15%, every: year}
    contraction: {rate: 3%, every: year}
    expansion: {rate: 20%, every: year, share: 25%}
    price_increase: {rate: 5%, every: year}
    new_logos: {per_month: 0.5, acv: 20000}
"""


def test_the_mean_of_a_book_drawn_account_by_account_is_the_plan():
    """60 accounts of very different ARR renewing in their own months."""
    rng = np.random.default_rng(3)
    arr = np.round(rng.lognormal(10, 1.2, 60), 2)
    b = book("s", rng.integers(1, 13, 60), arr=arr)
    sc = with_book(scenario_from(BOOK), b)
    _mean_within(simulate(sc, 3000, seed=8, discrete=True), project(sc).metrics)


def test_a_book_loses_whole_accounts_not_an_average():
    """Two accounts renewing together at 50% churn, one 1,000,000 ARR and one 1,000:
    the year ends at 1,001,000, 1,000,000, 1,000 or 0, each on a quarter of the paths
    (an average-sized loss would give 500,500 instead)."""
    text = """
name: t
horizon_months: 12
timing: start
segments:
  s:
    accounts: 2
    acv: 500500
    churn: {rate: 50%, every: year}
"""
    sc = with_book(scenario_from(text), book("s", [1, 1], arr=[1_000_000.0, 1_000.0]))
    n = 8000
    ending = simulate(sc, n, seed=2, discrete=True).metrics["ending_arr"]
    values = np.array([1_001_000.0, 1_000_000.0, 1_000.0, 0.0])
    # a book's accounts are held in single precision: each figure to about 1e-7
    nearest = values[np.abs(ending[:, None] - values[None, :]).argmin(axis=1)]
    assert np.allclose(ending, nearest, rtol=1e-6, atol=0.0)
    for v in values:
        share = np.mean(nearest == v)
        assert abs(share - 0.25) <= 5 * np.sqrt(0.25 * 0.75 / n), v


def test_expansion_share_is_bernoulli_per_account():
    """Ten accounts of 1,200 ARR, none churning, expanding 50% with share 30% once: the
    accounts that expand are Bin(10, 0.3), so ARR is 12,000 + 600 x Bin(10, 0.3)."""
    text = """
name: t
horizon_months: 12
timing: start
segments:
  s:
    accounts: 10
    acv: 1200
    expansion: {rate: 50%, every: year, share: 30%}
"""
    n = 10_000
    ending = simulate(scenario_from(text), n, seed=4, discrete=True).metrics["ending_arr"]
    grew = (ending - 12_000.0) / 600.0
    assert np.allclose(grew, np.rint(grew))
    for k in range(0, 8):
        p = stats.binom.pmf(k, 10, 0.3)
        assert abs(np.mean(np.rint(grew) == k) - p) <= 5 * np.sqrt(p * (1 - p) / n), k


def test_accounts_are_whole_on_every_path_and_month():
    sc = scenario_from(MIXED.format(timing="end"))
    from csmodel.engine import run_batches

    scs = [sc] * 60
    (b,) = run_batches(scs, discrete=(9, list(range(60))))
    accounts = b.columns.accounts
    assert np.allclose(accounts, np.rint(accounts), atol=1e-6)
    assert np.allclose(b.columns.joined_accounts, np.rint(b.columns.joined_accounts))


@pytest.mark.parametrize("where", ["pooled", "book", "owners"])
def test_a_seed_gives_the_same_discrete_paths_whatever_the_chunk(where):
    sc = scenario_from(MIXED.format(timing="end"))
    if where != "pooled":
        rng = np.random.default_rng(1)
        owners = ["A", "B"] * 10 if where == "owners" else None
        text = BOOK.replace("new_logos", "meetings: {check_in: {per_year: 12, hours: 1}}\n    x")
        text = text.replace("    x: {per_month: 0.5, acv: 20000}\n", "")
        sc = with_book(scenario_from(text), book("s", rng.integers(1, 13, 20), 9000.0, owners))
    a = simulate(sc, 130, seed=3, chunk=50, discrete=True)
    b = simulate(sc, 130, seed=3, chunk=100, discrete=True)
    c = simulate(sc, 130, seed=3, chunk=500, discrete=True)
    for m in METRICS:
        assert np.array_equal(a.metrics[m], b.metrics[m], equal_nan=True), m
        assert np.array_equal(a.metrics[m], c.metrics[m], equal_nan=True), m
    assert np.array_equal(a.arr, c.arr)
    assert len(np.unique(a.metrics["ending_arr"])) > 10  # and the paths differ


def test_owners_books_are_drawn_too():
    """A book with CSM owners (projected owner by owner) is drawn account by account."""
    rng = np.random.default_rng(2)
    text = BOOK.replace("new_logos: {per_month: 0.5, acv: 20000}", "accounts_per_csm: 10")
    b = book("s", rng.integers(1, 13, 30), np.round(rng.lognormal(9, 1, 30)), ["A", "B", "C"] * 10)
    sc = with_book(scenario_from(text), b)
    assert project(sc).owners is not None
    _mean_within(simulate(sc, 1500, seed=6, discrete=True), project(sc).metrics)


def test_tenure_based_churn_is_drawn_per_cohort():
    sc = scenario_from((SCENARIOS / "sbg-retention.yaml").read_text(), "sbg-retention.yaml")
    _mean_within(simulate(sc, 1500, seed=12, discrete=True), project(sc).metrics)


def test_discrete_paths_with_ranges_keep_the_range_draws():
    """Ranges are drawn as without --discrete (the same stream), and the discrete draws
    come on top: the inputs of each path are the same."""
    sc = scenario_from((SCENARIOS / "saas-company.yaml").read_text(), "saas-company.yaml")
    a = simulate(sc, 100, seed=4)
    b = simulate(sc, 100, seed=4, discrete=True)
    for k, v in a.inputs.items():
        assert np.array_equal(v, b.inputs[k])
    assert not np.array_equal(a.metrics["ending_arr"], b.metrics["ending_arr"])


def test_headcount_sweep_draws_whole_accounts():
    """Staffed to cover the book, a discrete sweep's contribution spreads around the
    plan's: its median is within 4 standard errors (of a median: 1.25 sigma / sqrt(n),
    sigma read off the P10-P90 width, 2.563 sigma for a normal)."""
    sc = scenario_from((SCENARIOS / "midmarket.yaml").read_text(), "midmarket.yaml")
    n = 600
    plain = simulate_sweep(sc, 50, 5, levels={"mid-market": [40]})
    drawn = simulate_sweep(sc, n, 5, levels={"mid-market": [40]}, discrete=True)
    assert drawn.discrete and not plain.discrete
    row = drawn.rows["mid-market"][40]
    assert plain.rows["mid-market"][40]["contribution_p10"] == pytest.approx(
        plain.rows["mid-market"][40]["contribution_p90"]
    )  # no ranges: without --discrete every path is the plan
    assert row["covered_share"] == 1.0
    sigma = (row["contribution_p90"] - row["contribution_p10"]) / 2.563
    assert sigma > 0
    plan = plain.rows["mid-market"][40]["contribution_p50"]
    assert abs(row["contribution_p50"] - plan) <= 4 * 1.25 * sigma / np.sqrt(n)


def test_cli_discrete_flag_file_key_and_json(run_cli, tmp_path):
    code, out, err = run_cli([
        "project", str(SCENARIOS / "midmarket.yaml"), "--simulate", "100", "--seed", "3",
        "--discrete", "--format", "json"]
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["simulation"]["discrete"] is True
    code, out, _ = run_cli(
        ["project", str(SCENARIOS / "midmarket.yaml"), "--simulate", "100", "--seed", "3"]
    )
    assert code == 0 and "--discrete" not in out
    code, out, _ = run_cli([
        "project", str(SCENARIOS / "midmarket.yaml"), "--simulate", "100", "--seed", "3",
        "--discrete"]
    )  # fmt: skip
    assert code == 0 and "whole accounts drawn" in out and "--seed 3 --discrete" in out
    text = (
        SCENARIOS / "midmarket.yaml"
    ).read_text() + "\nsimulate: {paths: 50, seed: 1, discrete: true}\n"
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    code, out, err = run_cli(["project", str(f), "--format", "json"])
    assert code == 0, err
    assert json.loads(out)["simulation"]["discrete"] is True
    code, out, err = run_cli(["project", str(f), "--no-discrete", "--format", "json"])
    assert json.loads(out)["simulation"]["discrete"] is False
    code, out, err = run_cli(["headcount", str(f), "--format", "json"])
    assert code == 0, err
    assert json.loads(out)["simulation"]["discrete"] is True


def test_discrete_without_paths_is_a_usage_error(run_cli):
    code, out, err = run_cli(["project", str(SCENARIOS / "midmarket.yaml"), "--discrete"])
    assert code == 2 and out == ""
    assert "--discrete" in err and "--simulate N" in err


def test_simulate_discrete_must_be_a_boolean(run_cli, tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_text(
        (SCENARIOS / "midmarket.yaml").read_text() + "\nsimulate: {paths: 5, discrete: maybe}\n"
    )
    code, _, err = run_cli(["validate", str(f)])
    assert code == 2
    line = len((SCENARIOS / "midmarket.yaml").read_text().splitlines()) + 2
    assert f"plan.yaml:{line}:" in err and "discrete" in err


def test_the_shipped_book_with_owners_and_terms_is_drawn_account_by_account():
    """`scenarios/book/plan.yaml`: CSM owners, 24-month terms, monthly churn."""
    from csmodel.loader import load_scenario

    sc = load_scenario(SCENARIOS / "book" / "plan.yaml")
    _mean_within(simulate(sc, 600, seed=10, discrete=True), project(sc).metrics)


def test_a_book_with_tenure_based_churn_is_drawn_by_tenure_group():
    """sBG churn on a book with contract starts: each account churns at its own tenure's
    rate (cohorts by anchor and tenure group)."""
    from dataclasses import replace

    rng = np.random.default_rng(4)
    n = 48
    b = book("s", rng.integers(1, 13, n), np.round(rng.lognormal(9, 1, n)))
    starts = tuple(
        (int(y), int(m), 1)
        for y, m in zip(rng.integers(2019, 2026, n), rng.integers(1, 13, n), strict=True)
    )
    b = replace(b, start_date=starts)
    text = BOOK.replace(
        "churn: {rate: 15%, every: year}", "churn: {model: sbg, alpha: 0.7, beta: 1.2}"
    )
    sc = with_book(scenario_from(text), b)
    assert project(sc).params.book_tenure.shape[0] > 1  # several tenure groups
    _mean_within(simulate(sc, 2000, seed=14, discrete=True), project(sc).metrics)


def test_every_output_says_whole_accounts_were_drawn(run_cli, tmp_path):
    """Title, caption or appendix of a discrete run says so, in every format that shows a
    simulation (the seed and paths alone would not repeat it)."""
    plan = str(SCENARIOS / "midmarket.yaml")
    run = ["--simulate", "60", "--seed", "2", "--discrete"]
    code, out, err = run_cli(["project", plan, *run])
    assert code == 0, err
    assert "Simulation: 60 paths, seed 2; whole accounts drawn" in out
    code, out, err = run_cli(["compare", plan, str(SCENARIOS / "enterprise.yaml"), *run])
    assert code == 0, err
    assert "60 paths per column, seed 2; whole accounts drawn" in out
    html = tmp_path / "r.html"
    code, _, err = run_cli(["report", plan, *run, "-o", str(html)])
    assert code == 0, err
    assert "60 paths, seed 2; whole accounts drawn" in html.read_text(encoding="utf-8")
    book = tmp_path / "p.xlsx"
    code, _, err = run_cli(["project", plan, *run, "-f", "xlsx", "-o", str(book)])
    assert code == 0, err
    import openpyxl

    titles = [
        c.value for row in openpyxl.load_workbook(book)["Simulation"].iter_rows() for c in row
    ]
    assert "Simulation: 60 paths, seed 2; whole accounts drawn" in titles
    check = ["check", plan, "--set", "checks=[{metric: grr, min: 88%, probability: 80%}]"]
    code, out, err = run_cli([*check, *run, "-f", "json"])
    assert code == 0, err
    (result,) = [r for f in json.loads(out)["files"] for r in f["results"] if "simulation" in r]
    assert result["simulation"]["discrete"] is True
    assert "seed 2, whole accounts drawn)" in result["message"]


UNEVEN = """
name: t
start: 2027-01
horizon_months: 24
understaffing: {{expansion_sensitivity: 2}}
segments:
  s:
    accounts: 1
    acv: 1
    csms: {csms}
    accounts_per_csm: {ratio}
    churn: {{rate: 8%, every: quarter}}
    expansion: {{rate: 3%, every: month, share: 50%}}
"""


@pytest.mark.parametrize("where", ["owners", "a staffing range"])
def test_chunks_agree_when_paths_have_different_cohorts_due(where):
    """Found in review: under-covered paths lose all expansion (expansion_sensitivity 2),
    so which book cohorts are due differs from path to path; a block of paths must draw
    and sum the same whatever the other paths of its engine call have due."""
    rng = np.random.default_rng(0)
    arr = np.round(rng.lognormal(9, 1, 40))
    owners = ["A", "B"] * 20 if where == "owners" else None
    csms = "null" if owners else "{low: 0.2, high: 0.6, dist: uniform}"  # coverage 20-60%
    text = UNEVEN.format(csms=csms, ratio=9 if owners else 40)
    sc = with_book(scenario_from(text), book("s", np.tile(np.arange(1, 13), 4)[:40], arr, owners))
    a = simulate(sc, 200, 0, chunk=50, discrete=True)
    b = simulate(sc, 200, 0, chunk=500, discrete=True)
    for m in METRICS:
        assert np.array_equal(a.metrics[m], b.metrics[m], equal_nan=True), m
    assert np.array_equal(a.arr, b.arr)


def test_a_large_book_is_drawn_in_fewer_paths_a_call(monkeypatch):
    """Book accounts held per engine call stay under a budget (5 bytes a path and
    account): the chunk shrinks in whole blocks, down to one, and the paths stay the same."""
    import csmodel.discrete as discrete

    rng = np.random.default_rng(5)
    sc = with_book(scenario_from(BOOK), book("s", rng.integers(1, 13, 40), 5000.0))
    plain = simulate(sc, 160, 3, discrete=True)
    assert discrete.chunk_paths(sc, 500) == 500
    monkeypatch.setattr(discrete, "LEDGER_BUDGET", 5 * 40 * 100)  # two blocks of 50 paths
    assert discrete.chunk_paths(sc, 500) == 100
    monkeypatch.setattr(discrete, "LEDGER_BUDGET", 1)
    assert discrete.chunk_paths(sc, 500) == 50  # one block at the least
    small = simulate(sc, 160, 3, discrete=True)
    for m in METRICS:
        assert np.array_equal(plain.metrics[m], small.metrics[m], equal_nan=True), m
