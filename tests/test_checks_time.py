"""Checks and lints that understand time: a check on one plan or fiscal year (``year:``),
its validation (located errors, exit 2) and the ``schedule-jump`` lint.

Every value is computed by hand from the scenario's rates (closed forms), so a wrong
window or formula fails here.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET

import pytest

from csmodel.checks import check_document, check_id, year_problems
from csmodel.errors import ScenarioError
from csmodel.loader import build_document
from csmodel.overrides import parse_set
from csmodel.results import YEAR_METRICS, Results, metric_value, year_of, year_problem
from csmodel.yamlsrc import parse_source


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def doc_of(text: str, file: str = "plan.yaml"):
    return build_document(parse_source(textwrap.dedent(text), file))


def checks_of(text: str, **kw):
    return [r for r in check_document(doc_of(text), **kw).results if r.kind == "check"]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def col_of(text: str, line: int, needle: str) -> int:
    """1-based column of ``needle`` on 1-based ``line`` of (dedented) ``text``."""
    return textwrap.dedent(text).splitlines()[line - 1].index(needle) + 1


# One segment, one yearly renewal at the end of months 12, 24, 36 (timing: end):
# MRR 100,000 in months 1-12; x (1 + 10% x 50% - 6% - 2%) = 0.97 -> 97,000 in 13-24;
# churn is 10% from month 13, so x (1 + 5% - 10% - 2%) = 0.93 -> 90,210 in 25-36.
# Plan year 1: NRR 97%, GRR 92%, logos 94%; plan years 2 and 3: NRR 93%, GRR 88%, 90%.
# One CSM (two from month 25) at 120,000 a year: 10,000 a month, then 20,000.
# accounts_per_csm 50, 100 then 94 then 84.6 accounts; sensitivities 0 keep rates as set.
PLAN = """\
name: Timed
{calendar}
horizon_months: 36
understaffing: {{churn_sensitivity: 0, expansion_sensitivity: 0}}
segments:
  book:
    accounts: 100
    acv: 12000
    churn: {{rate: {{1: 6%, 13: 10%}}}}
    contraction: {{rate: 2%}}
    expansion: {{rate: 10%, share: 50%}}
    accounts_per_csm: 50
    csms: {{1: 1, 25: 2}}
checks:
{checks}
"""


def plan(checks: str, calendar: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(checks).strip("\n"), "  ")
    return PLAN.format(calendar=calendar, checks=body)


# April fiscal years labelled by the year they end in: FY2028 = Apr 2027 .. Mar 2028, plan
# months 4 to 15; FY2029 = months 16 to 27; FY2027 opens in Apr 2026, before the plan.
APRIL = "start: 2027-01\nfiscal_year_start: apr"
# February fiscal years on a plan starting in February: FY2028 = Feb 2027 .. Jan 2028 is
# plan year 1, FY2029 is plan year 2.
FEBRUARY = "start: 2027-02\nfiscal_year_start: 2"


@pytest.fixture(scope="module")
def april():
    return Results(doc_of(plan("- {metric: grr, min: 0}", APRIL)).scenario)


# --- a plan year ------------------------------------------------------------------------


def test_nrr_of_plan_year_2_passes_and_fails_against_the_hand_value():
    results = checks_of(
        plan("""
            - {metric: nrr, year: 2, min: 93%}
            - {metric: nrr, year: 2, min: 95%}
            - {metric: nrr, year: 1, min: 95%}
            - {metric: grr, year: 2, max: 85%, severity: warning}
            - {metric: logo_retention, year: 3, min: 90%, max: 90%}
        """)
    )
    passing, failing, first_year, grr, logos = results
    # 1 + 10% x 50% - 10% - 2% = 93%: exactly the minimum, so it passes
    assert passing.value == pytest.approx(0.93, abs=1e-12)
    assert (passing.id, passing.status, passing.year) == ("nrr-min@Y2", "pass", 2)
    assert passing.message == "nrr in plan year 2 = 93.00% (min 93.00%)"
    assert (failing.status, failing.message) == (
        "fail",
        "nrr in plan year 2 = 93.00%, below the minimum of 95.00%",
    )
    assert failing.id == "nrr-min@Y2-2"  # same metric, bound and year: made unique
    # plan year 1 renews at 6% churn: 1 + 5% - 6% - 2% = 97%
    assert first_year.value == pytest.approx(0.97, abs=1e-12)
    assert (first_year.id, first_year.status) == ("nrr-min@Y1", "pass")
    # GRR 1 - 10% - 2% = 88%
    assert grr.value == pytest.approx(0.88, abs=1e-12)
    assert (grr.status, grr.message) == (
        "warn",
        "grr in plan year 2 = 88.00%, above the maximum of 85.00%",
    )
    assert logos.value == pytest.approx(0.90, abs=1e-12)
    assert (logos.id, logos.status) == ("logo_retention-range@Y3", "pass")


def test_sums_and_closing_figures_of_plan_years():
    r = Results(doc_of(plan("- {metric: grr, min: 0}")).scenario)
    # revenue: 12 months at each year's MRR
    assert metric_value(r, "total_revenue", None, 1) == pytest.approx(12 * 100_000)
    assert metric_value(r, "total_revenue", None, 2) == pytest.approx(12 * 97_000)
    assert metric_value(r, "total_revenue", "book", 3) == pytest.approx(12 * 90_210)
    # closing ARR: 12 x MRR after the year's last renewal
    assert metric_value(r, "ending_arr", None, 1) == pytest.approx(12 * 97_000)
    assert metric_value(r, "ending_arr", None, 2) == pytest.approx(12 * 90_210)
    assert metric_value(r, "ending_arr", None, 3) == pytest.approx(12 * 90_210 * 0.93)
    assert metric_value(r, "ending_arr", None, 3) == pytest.approx(metric_value(r, "ending_arr"))
    # CSM cost: 1 CSM at 10,000 a month, 2 from month 25
    assert metric_value(r, "csm_cost", None, 2) == pytest.approx(120_000)
    assert metric_value(r, "csm_cost", None, 3) == pytest.approx(240_000)
    # contribution: revenue x (1 - 15% cost to serve) - CSM cost (no CAC)
    assert metric_value(r, "contribution", None, 2) == pytest.approx(12 * 97_000 * 0.85 - 120_000)
    assert metric_value(r, "gross_profit", None, 3) == pytest.approx(12 * 90_210 * 0.85 - 240_000)
    # coverage: 1 CSM for 100 accounts at 50 each: 50%; 2 CSMs for 84.6 in year 3: full
    assert metric_value(r, "coverage", None, 1) == pytest.approx(0.5)
    assert metric_value(r, "coverage", None, 3) == pytest.approx(1.0)
    # the three years add up to the horizon's figures
    for m in ("total_revenue", "csm_cost", "contribution"):
        total = sum(metric_value(r, m, None, y) for y in (1, 2, 3))
        assert total == pytest.approx(metric_value(r, m), rel=1e-12)


def test_plan_year_message_gives_its_months_in_a_dated_plan():
    (r,) = checks_of(plan("- {metric: nrr, year: 2, min: 90%}", APRIL))
    assert r.message == "nrr in plan year 2 (Jan 2028 to Dec 2028) = 93.00% (min 90.00%)"


# --- a fiscal year ------------------------------------------------------------------------


def test_fiscal_year_is_placed_on_the_plan(april):
    sc = april.scenario
    fy28 = year_of(sc, "FY2028")
    assert (fy28.first, fy28.last, fy28.plan_year) == (4, 15, None)
    assert (year_of(sc, "FY2029").first, year_of(sc, "FY2027").first) == (16, -8)
    # fiscal_year_label: start -> FY2027 is the year that opens in April 2027
    started = doc_of(plan("- {metric: grr, min: 0}", APRIL + "\nfiscal_year_label: start"))
    assert year_of(started.scenario, "FY2027").first == 4
    # a February plan with February fiscal years: FY2029 is plan year 2
    feb = doc_of(plan("- {metric: grr, min: 0}", FEBRUARY)).scenario
    assert (year_of(feb, "FY2029").first, year_of(feb, "FY2029").plan_year) == (13, 2)
    # calendar fiscal years: FY2027 is calendar 2027, plan months 1 to 12 of a January plan
    jan = doc_of(plan("- {metric: grr, min: 0}", "start: 2027-01")).scenario
    assert year_of(jan, "FY2027").plan_year == 1


@pytest.mark.parametrize("label", ["end", "start"])
@pytest.mark.parametrize("fys", [1, 2, 4, 7, 12])
def test_fiscal_year_windows_agree_with_the_calendar(fys, label):
    from csmodel.dates import Calendar

    sc = doc_of(
        plan("- {metric: grr, min: 0}", f"start: 2027-05\nfiscal_year_start: {fys}")
        + f"fiscal_year_label: {label}\n"
    ).scenario
    cal = Calendar.of(sc)
    for k in range(1, 37):
        y = year_of(sc, f"FY{cal.fiscal_year(k)}")
        assert y.first <= k <= y.last and y.last - y.first == 11
        assert cal.fiscal_year(y.first) == cal.fiscal_year(y.last)
        assert y.first == 1 or cal.fiscal_year(y.first - 1) != cal.fiscal_year(k)


def test_sums_and_closing_figures_of_fiscal_years(april):
    r = april
    # FY2028 = plan months 4-15: 9 months at 100,000, 3 at 97,000
    assert metric_value(r, "total_revenue", None, "FY2028") == pytest.approx(1_191_000)
    assert metric_value(r, "ending_arr", None, "FY2028") == pytest.approx(12 * 97_000)
    # FY2029 = months 16-27: 9 at 97,000 and 3 at 90,210; CSMs: 9 x 10,000 + 3 x 20,000
    revenue = 9 * 97_000 + 3 * 90_210
    assert metric_value(r, "total_revenue", "book", "FY2029") == pytest.approx(revenue)
    assert metric_value(r, "csm_cost", None, "FY2029") == pytest.approx(150_000)
    assert metric_value(r, "contribution", None, "FY2029") == pytest.approx(
        revenue * 0.85 - 150_000
    )
    assert metric_value(r, "ending_arr", None, "FY2029") == pytest.approx(12 * 90_210)
    # lowest coverage in months 16-27: one CSM for 94 accounts (months 25-27 have two)
    assert metric_value(r, "coverage", None, "FY2029") == pytest.approx(50 / 94)
    # FY2027 opens before the plan: only its closing ARR (after month 3) is known
    assert metric_value(r, "ending_arr", None, "FY2027") == pytest.approx(1_200_000)
    assert metric_value(r, "total_revenue", None, "FY2027") is None


def test_fiscal_year_check_on_a_dated_plan_passes_and_fails():
    text = plan(
        """
        - {metric: total_revenue, year: FY2028, min: 1191000}
        - {metric: total_revenue, year: FY2028, min: 1191001}
        - {metric: ending_arr, segment: book, year: FY2027, max: 1000000}
        """,
        APRIL,
    )
    ok, short, arr = checks_of(text)
    assert (ok.id, ok.status, ok.year) == ("total_revenue-min@FY2028", "pass", "FY2028")
    assert ok.message == "total_revenue in FY2028 = $1,191,000 (min $1,191,000)"
    assert (short.status, short.message) == (
        "fail",
        "total_revenue in FY2028 = $1,191,000, below the minimum of $1,191,001",
    )
    assert (arr.id, arr.status) == ("book.ending_arr-max@FY2027", "fail")
    assert arr.message == (
        "ending_arr of book in FY2027 = $1,200,000, above the maximum of $1,000,000"
    )


def test_nrr_of_a_fiscal_year_that_is_a_plan_year():
    (y1, y2) = checks_of(
        plan(
            "- {metric: nrr, year: FY2028, min: 97%}\n- {metric: nrr, year: FY2029, min: 94%}",
            FEBRUARY,
        )
    )
    assert y1.value == pytest.approx(0.97, abs=1e-12) and y1.status == "pass"
    assert y2.value == pytest.approx(0.93, abs=1e-12)
    assert (y2.id, y2.status, y2.message) == (
        "nrr-min@FY2029",
        "fail",
        "nrr in FY2029 = 93.00%, below the minimum of 94.00%",
    )


def test_year_with_a_variant_in_ids_and_messages():
    text = (
        plan(
            """
        - {metric: nrr, year: 2, variant: "*", min: 90%}
        """
        )
        + "variants:\n  churny: {set: {segments.book.churn.rate: 20%}}\n"
    )
    base, churny = checks_of(text)
    assert (base.id, churny.id) == ("nrr-min@Y2", "nrr-min@Y2@churny")
    # 1 + 5% - 20% - 2% = 83%
    assert churny.value == pytest.approx(0.83, abs=1e-12)
    assert churny.message == (
        "nrr in plan year 2 in variant churny = 83.00%, below the minimum of 90.00%"
    )
    named = doc_of(plan("- {metric: nrr, year: 2, min: 90%, name: floor}")).scenario.checks[0]
    assert check_id(named, None) == "floor"


# --- validation: located errors, exit 2 --------------------------------------------------


def cli_error(run_cli, tmp_path, text: str) -> str:
    path = write(tmp_path, "plan.yaml", text)
    code, out, err = run_cli(["check", path])
    assert code == 2, out + err
    code2, _, err2 = run_cli(["validate", path])
    assert (code2, err2) == (2, err)
    return err.replace(str(path), "plan.yaml")


def test_fiscal_year_without_start(run_cli, tmp_path):
    text = plan("- {metric: nrr, year: FY2028, min: 100%}")
    col = col_of(text, 15, "FY2028")
    assert col == 25
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:15:{col}: error: checks[0].year: a fiscal year (FY2028) needs the plan's "
        "`start` (e.g. start: 2027-01) to place it; without one, name a plan year: `year: 1` "
        "is the plan's first twelve months\n"
    )


def test_plan_year_outside_the_horizon(run_cli, tmp_path):
    text = plan("- {metric: total_revenue, min: 0}\n- {metric: total_revenue, year: 4, min: 0}")
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:16:{col_of(text, 16, '4,')}: error: checks[1].year: plan year 4 is outside "
        "the plan: the 36-month horizon holds plan years 1 to 3\n"
    )


def test_plan_year_partly_outside_the_horizon(run_cli, tmp_path):
    text = plan("- {metric: total_revenue, year: 3, min: 0}").replace(
        "horizon_months: 36", "horizon_months: 30"
    )
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:15:{col_of(text, 15, '3,')}: error: checks[0].year: plan year 3 (months 25 "
        "to 36) ends after the plan's 30 months: a year check needs the whole year; the plan "
        "holds plan years 1 to 2\n"
    )


def test_fiscal_year_outside_or_closing_after_the_plan(run_cli, tmp_path):
    text = plan(
        """
        - {metric: ending_arr, year: FY2026, min: 0}
        - {metric: ending_arr, year: FY2030, min: 0}
        """,
        APRIL,
    )
    err = cli_error(run_cli, tmp_path, text)
    assert err.splitlines() == [
        f"plan.yaml:16:{col_of(text, 16, 'FY')}: error: checks[0].year: FY2026 is outside the "
        "plan (Jan 2027 to Dec 2029); whole fiscal years in the plan: FY2028 to FY2029",
        f"plan.yaml:17:{col_of(text, 17, 'FY')}: error: checks[1].year: FY2030 closes in Mar "
        "2030, after the plan ends (Dec 2029): a year check needs the year's last month inside "
        "the plan; whole fiscal years in the plan: FY2028 to FY2029",
    ]


def test_fiscal_year_opening_before_the_plan_takes_only_ending_arr(run_cli, tmp_path):
    text = plan("- {metric: total_revenue, year: FY2027, min: 0}", APRIL)
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:16:{col_of(text, 16, 'FY')}: error: checks[0].year: FY2027 opens in Apr "
        "2026, before the plan starts (Jan 2027): the plan knows 3 of its 12 months, so its "
        "`total_revenue` is not known; it takes only `ending_arr` (its closing ARR); whole "
        "fiscal years in the plan: FY2028 to FY2029\n"
    )


def test_nrr_of_a_fiscal_year_that_is_not_a_plan_year(run_cli, tmp_path):
    text = plan("- {metric: nrr, year: FY2029, min: 100%}", APRIL)
    # FY2029 = Apr 2028 .. Mar 2029 overlaps plan year 2 (Jan-Dec 2028) 9 months
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:16:{col_of(text, 16, 'FY')}: error: checks[0].year: `nrr` follows the book "
        "there when a plan year opens (twelve months from `start`, Jan 2027), so a fiscal year "
        "has one only if it is a plan year, and FY2029 (Apr 2028 to Mar 2029) is not: the plan "
        "holds plan years 1 to 3; write `year: 2` (Jan 2028 to Dec 2028), the closest, or start "
        "the plan on a fiscal year's first month (start: 2026-04)\n"
    )


@pytest.mark.parametrize("metric", ["csms_required", "fte_required", "recommended_csms"])
def test_metric_without_a_value_per_year(run_cli, tmp_path, metric):
    text = plan(f"- {{metric: {metric}, year: 1, max: 10}}")
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:15:{col_of(text, 15, '1,')}: error: checks[0].year: `{metric}` has no value "
        "per year; with `year`, a check bounds one of total_revenue, csm_cost, contribution, "
        "ending_arr, coverage, nrr, grr, logo_retention\n"
    )


def test_every_error_of_a_file_at_once_in_github_format(run_cli, tmp_path):
    text = plan(
        """
        - {metric: nrr, year: 9, min: 0}
        - {metric: csms_required, year: 1, max: 9}
        """
    )
    path = write(tmp_path, "plan.yaml", text)
    code, out, _ = run_cli(["check", path, "-f", "github"])
    assert code == 2
    assert [line.split("::")[1] for line in out.splitlines()[:2]] == [
        f"error file={path},line=15,col={col_of(text, 15, '9,')},title=invalid scenario",
        f"error file={path},line=16,col={col_of(text, 16, '1,')},title=invalid scenario",
    ]


def test_a_variant_that_shortens_the_plan_is_named(run_cli, tmp_path):
    text = plan("- {metric: nrr, year: 3, variant: '*', min: 0}") + (
        "variants:\n  short: {set: {horizon_months: 30}}\n"
    )
    assert cli_error(run_cli, tmp_path, text) == (
        f"plan.yaml:15:{col_of(text, 15, '3,')}: error: checks[0].year: in variant `short`: "
        "plan year 3 (months 25 to 36) ends after the plan's 30 months: a year check needs the "
        "whole year; the plan holds plan years 1 to 2\n"
    )
    # a check on the base only is not judged against the variant
    base_only = plan("- {metric: nrr, year: 3, min: 0}") + (
        "variants:\n  short: {set: {horizon_months: 30}}\n"
    )
    assert year_problems(doc_of(base_only)) == []


def test_a_set_that_shortens_the_plan_is_an_error(run_cli, tmp_path):
    path = write(tmp_path, "plan.yaml", plan("- {metric: nrr, year: 3, min: 0}"))
    code, _, err = run_cli(["check", path, "--set", "horizon_months=30"])
    assert code == 2
    assert "plan.yaml:15:25: error: checks[0].year: plan year 3 (months 25 to 36) ends after" in err
    doc = doc_of(plan("- {metric: nrr, year: 3, min: 0}"))
    with pytest.raises(ScenarioError) as exc:
        check_document(doc, [parse_set("horizon_months=30")])
    ((problem),) = exc.value.problems
    assert (problem.line, problem.key) == (15, "checks[0].year")


def test_year_problem_is_the_reason_a_check_is_undefined():
    sc = doc_of(plan("- {metric: grr, min: 0}")).scenario
    assert year_problem(sc, "nrr", 3) is None
    assert year_problem(sc, "gross_profit", 3) is None  # the deprecated id is contribution
    assert set(YEAR_METRICS) >= {"total_revenue", "ending_arr", "nrr", "grr", "logo_retention"}
    r = Results(sc)
    assert metric_value(r, "nrr", None, 4) is None
    from csmodel.results import undefined_reason

    assert undefined_reason("nrr", None, sc, 4) == year_problem(sc, "nrr", 4)


def test_the_shipped_plans_still_validate(run_cli):
    from conftest import SCENARIOS

    code, out, err = run_cli(["validate", *sorted(SCENARIOS.glob("*.yaml"))])
    assert code == 0, out + err


# --- report formats name the year ------------------------------------------------------------


def test_json_and_junit_name_the_year(run_cli, tmp_path):
    text = plan(
        """
        - {metric: nrr, year: 2, min: 95%}
        - {metric: total_revenue, year: FY2028, min: 1000000}
        """,
        APRIL,
    )
    path = write(tmp_path, "plan.yaml", text)
    code, out, _ = run_cli(["check", path, "-f", "json"])
    assert code == 1
    (f,) = json.loads(out)["files"]
    checks = [r for r in f["results"] if r["kind"] == "check"]
    assert [(r["id"], r["status"], r["line"]) for r in checks] == [
        ("nrr-min@Y2", "fail", 16),
        ("total_revenue-min@FY2028", "pass", 17),
    ]
    assert checks[0]["value"] == pytest.approx(0.93, abs=1e-12)
    assert checks[0]["message"] == (
        "nrr in plan year 2 (Jan 2028 to Dec 2028) = 93.00%, below the minimum of 95.00%"
    )
    assert checks[1]["value"] == pytest.approx(1_191_000)
    assert checks[1]["message"] == "total_revenue in FY2028 = $1,191,000 (min $1,000,000)"

    code, out, _ = run_cli(["check", path, "-f", "junit"])
    assert code == 1
    suite = ET.fromstring(out).find("testsuite")
    failure = suite.find("testcase[@name='nrr-min@Y2']/failure")
    assert failure.get("message") == f"{path}:16: {checks[0]['message']}"
    assert failure.text.endswith("value: 93.00%; bound: min 95.00%")
    assert suite.find("testcase[@name='total_revenue-min@FY2028']") is not None

    code, out, _ = run_cli(["check", path, "-f", "github"])
    assert "title=nrr-min@Y2::nrr in plan year 2 (Jan 2028 to Dec 2028) = 93.00%25" in out


def test_text_table_shows_the_year(run_cli, tmp_path):
    path = write(tmp_path, "plan.yaml", plan("- {metric: nrr, year: FY2029, min: 99%}", FEBRUARY))
    code, out, _ = run_cli(["check", path], env={"COLUMNS": "200"})
    assert code == 1
    row = next(line for line in out.splitlines() if "nrr-min@FY2029" in line).split()
    assert row[:4] == ["16", "nrr-min@FY2029", "fail", "93.00%"]
    assert "nrr in FY2029 = 93.00%, below the minimum of 99.00%" in out


# --- the schedule-jump lint ----------------------------------------------------------------------

BOOK = """\
name: Jumps
{top}
segments:
  book:
    accounts: 10
    acv: 12000
    new_logos:
      per_month:
{keys}
"""


def jumps(keys: dict, top: str = ""):
    lines = "\n".join(f"        {k}: {v}" for k, v in keys.items())
    report = check_document(doc_of(BOOK.format(top=top, keys=lines)))
    return [r for r in report.results if r.id == "schedule-jump" and r.status == "warn"]


def test_jump_fires_at_the_key_that_jumps():
    (hit,) = jumps({1: 10, 7: 10, 13: 100})
    assert hit.line == 11  # the line of key 13, not of the schedule
    assert hit.value == pytest.approx(10.0)
    assert (hit.max, hit.unit, hit.segment) == (3.0, "ratio", "book")
    assert hit.message == (
        "book: new_logos.per_month jumps from 10 to 100 in month 13 (10.00× in one step, over "
        "3×): an extra or missing zero?"
    )


def test_jump_fires_on_1_10_13_100_at_key_13():
    (hit,) = jumps({1: 10, 13: 100})
    assert hit.line == 10


@pytest.mark.parametrize(
    "keys",
    [
        {1: 10, 13: 25},  # 2.5x
        {1: 10, 13: 30},  # exactly 3x is not over
        {1: 0, 7: 5},  # starting: not a typo
        {1: 5, 7: 0, 13: 50},  # stopping and restarting
        {1: 10, 13: 25, 25: 60},  # 2.5x then 2.4x: each step, not the whole ramp
    ],
)
def test_no_jump(keys):
    assert jumps(keys) == []


def test_a_drop_is_a_jump_too_and_dated_keys_are_named():
    (hit,) = jumps({"2027-01": 100, "2027-07": 10}, top="start: 2027-01")
    assert hit.line == 10
    assert hit.message == (
        "book: new_logos.per_month drops from 100 to 10 in 2027-07 (10.00× in one step, over "
        "3×): an extra or missing zero?"
    )


def test_jump_in_a_rate_and_in_money_is_shown_in_its_unit():
    text = """\
        name: Jumps
        team:
          cost_per_csm: {1: 120000, 13: 1200000}
        segments:
          book:
            accounts: 10
            acv: 12000
            churn:
              rate: {1: 1%, 13: 10%}
    """
    hits = [
        r
        for r in check_document(doc_of(text)).results
        if r.id == "schedule-jump" and r.status == "warn"
    ]
    assert [(h.line, h.message) for h in hits] == [
        (
            3,
            "team.cost_per_csm jumps from $120,000 to $1,200,000 in month 13 (10.00× in one "
            "step, over 3×): an extra or missing zero?",
        ),
        (
            9,
            "book: churn.rate jumps from 1.00% to 10.00% in month 13 (10.00× in one step, over "
            "3×): an extra or missing zero?",
        ),
    ]


def test_jump_can_be_disabled():
    assert jumps({1: 10, 13: 100}, top="lint: {disable: [schedule-jump]}") == []
