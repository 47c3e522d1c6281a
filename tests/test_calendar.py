"""The plan's calendar (DOMAIN 7, issue 11 item 1) in ``csmodel project`` and ``compare``.

- ``csmodel.dates``: month labels, fiscal years and quarters for fiscal years opening in
  January, February and July under both label conventions, and the periods they cut.
- A dated plan's fiscal periods (the first and last possibly partial, labelled with their
  month count) reconcile: revenue sums to ``total_revenue``, and on every row opening +
  new + expansion + price increase − contraction − churn = closing.
- Outputs: JSON adds ``date`` to monthly rows, ``fiscal_year``/``fiscal_quarter`` to period
  rows and ``first_month``/``last_month`` to plan years; CSV, markdown, tables, the chart
  and the conventions line name months and fiscal periods; an undated plan is unchanged.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmodel.dates import Calendar, Period
from csmodel.engine import project
from csmodel.metrics import CALENDAR_KEYS, periods, yearly
from csmodel.records import PERIOD_COLUMNS, PROJECT_CSV_COLUMNS
from tests.conftest import SCENARIOS, scenario_from
from tests.test_properties import build, scenario_dicts
from tests.test_widths import (
    assert_fits,
    bridge_columns,
    check_columns,
    find,
    render,
    tables,
    year_columns,
)

PLAN = """\
name: Dated plan
start: {start}
fiscal_year_start: {fys}
fiscal_year_label: {label}
horizon_months: {horizon}
timing: {timing}
renewals: spread
segments:
  mid-market:
    accounts: 70
    acv: 36000
    churn: {{rate: 8%, every: year}}
    contraction: {{rate: 2%, every: year}}
    expansion: {{rate: 10%, every: year, share: 50%}}
    price_increase: {{rate: 3%, every: year}}
    new_logos: {{per_month: 2, acv: 30000}}
  smb:
    accounts: 200
    acv: 6000
    churn: {{rate: 1%, every: month}}
    expansion: {{rate: 2%, every: quarter}}
    new_logos: {{per_month: 5}}
"""


def plan_text(
    start: str | None = "2027-02",
    fys: int | str = 1,
    label: str = "end",
    horizon: int = 36,
    timing: str = "end",
) -> str:
    text = PLAN.format(start=start, fys=fys, label=label, horizon=horizon, timing=timing)
    if start is None:  # an undated plan: no calendar keys at all
        text = "\n".join(
            line for line in text.splitlines() if not line.startswith(("start", "fiscal"))
        )
    return text + "\n"


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_json(run_cli, *args) -> dict:
    code, out, err = run_cli(["project", *args, "-f", "json"])
    assert code == 0, err
    return json.loads(out)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --- Calendar: months ---------------------------------------------------------------------


def test_month_labels_and_iso_months():
    cal = Calendar(start=(2027, 2))
    assert cal.dated
    assert [cal.month_label(k) for k in (1, 2, 11, 12, 36)] == [
        "Feb 2027",
        "Mar 2027",
        "Dec 2027",
        "Jan 2028",
        "Jan 2030",
    ]
    assert [cal.iso(k) for k in (1, 11, 12)] == ["2027-02", "2027-12", "2028-01"]
    assert cal.month_key(12) == "2028-01"
    assert cal.plan_month(2028, 1) == 12
    assert cal.year_month(0) == (2027, 1)  # the month before the plan


def test_an_undated_calendar_counts_plan_months():
    cal = Calendar()
    assert not cal.dated
    assert cal.month_label(3) == "M3"
    assert cal.iso(3) is None
    assert cal.month_key(3) == "3"
    assert cal.span(1, 12) == "M1–M12"


def test_spans_of_months():
    cal = Calendar(start=(2027, 2))
    assert cal.span(1, 12) == "Feb 2027–Jan 2028"
    assert cal.span(37, 40) == "Feb–May 2030"
    assert cal.span(37, 37) == "Feb 2030"


def test_calendar_of_a_scenario(make_scenario):
    sc = make_scenario(plan_text(fys="july", label="start"))
    assert Calendar.of(sc) == Calendar(start=(2027, 2), fiscal_year_start=7, label_end=False)
    assert Calendar.of(make_scenario(plan_text(start=None))) == Calendar()


# --- Calendar: fiscal years and quarters ----------------------------------------------------

FISCAL = [
    # (fiscal_year_start, label_end, calendar month) -> (fiscal year, fiscal quarter)
    (1, True, (2027, 1), (2027, 1)),
    (1, True, (2027, 12), (2027, 4)),
    (1, False, (2027, 4), (2027, 2)),  # January years: both conventions agree
    (2, True, (2027, 2), (2028, 1)),  # FY2028 = Feb 2027 - Jan 2028
    (2, True, (2028, 1), (2028, 4)),
    (2, True, (2027, 1), (2027, 4)),
    (2, True, (2027, 5), (2028, 2)),
    (2, False, (2027, 2), (2027, 1)),  # FY2027 = Feb 2027 - Jan 2028
    (2, False, (2028, 1), (2027, 4)),
    (7, True, (2027, 7), (2028, 1)),  # FY2028 = Jul 2027 - Jun 2028
    (7, True, (2027, 6), (2027, 4)),
    (7, True, (2027, 10), (2028, 2)),
    (7, True, (2028, 1), (2028, 3)),
    (7, False, (2027, 7), (2027, 1)),  # FY2027 = Jul 2027 - Jun 2028
    (7, False, (2027, 6), (2026, 4)),
    (7, False, (2028, 3), (2027, 3)),
]


@pytest.mark.parametrize(("fys", "label_end", "month", "expected"), FISCAL)
def test_fiscal_year_and_quarter(fys, label_end, month, expected):
    cal = Calendar(start=month, fiscal_year_start=fys, label_end=label_end)
    assert (cal.fiscal_year(1), cal.fiscal_quarter(1)) == expected
    first, last = cal.fiscal_year_months(expected[0])
    assert first <= 1 <= last  # the fiscal year's months hold the month
    assert last - first == 11
    assert cal.year_month(first)[1] == fys


@pytest.mark.parametrize(
    ("fys", "label_end", "note"),
    [
        (1, True, "fiscal years are calendar years (FY2027: Jan–Dec 2027)"),
        (
            2,
            True,
            "fiscal years start in February, labelled by the year they end "
            "(FY2028: Feb 2027–Jan 2028)",
        ),
        (
            7,
            False,
            "fiscal years start in July, labelled by the year they start "
            "(FY2026: Jul 2026–Jun 2027)",
        ),
    ],
)
def test_fiscal_note_names_the_plans_first_fiscal_year(fys, label_end, note):
    assert Calendar(start=(2027, 2), fiscal_year_start=fys, label_end=label_end).fiscal_note() == (
        note
    )


# --- Calendar: periods --------------------------------------------------------------------


def test_undated_periods_are_plan_years_quarters_and_months():
    cal = Calendar()
    years = cal.periods("year", 40)
    assert [(p.label, p.first, p.last) for p in years] == [
        ("Y1", 1, 12),
        ("Y2", 13, 24),
        ("Y3", 25, 36),
        ("Y4", 37, 40),
    ]
    assert [p.title for p in years] == ["Y1", "Y2", "Y3", "Y4"]  # JSON/CSV: as before
    assert years[-1].row_label == "Y4 (partial)"  # tables: as before
    assert not any(p.dated for p in years)
    quarters = cal.periods("quarter", 14)
    assert [p.label for p in quarters] == ["Y1 Q1", "Y1 Q2", "Y1 Q3", "Y1 Q4", "Y2 Q1"]
    assert quarters[-1].months == 2
    assert [p.label for p in cal.periods("month", 3)] == ["M1", "M2", "M3"]
    assert cal.periods("year", 0) == []


def test_fiscal_years_of_a_plan_starting_mid_year():
    """The brief's example: a 36-month plan from 2027-02, fiscal years opening in January."""
    years = Calendar(start=(2027, 2)).periods("year", 36)
    assert [(p.title, p.months) for p in years] == [
        ("FY2027 (11 mo)", 11),
        ("FY2028", 12),
        ("FY2029", 12),
        ("FY2030 (1 mo)", 1),
    ]
    assert [p.fiscal_year for p in years] == [2027, 2028, 2029, 2030]
    assert [p.fiscal_quarter for p in years] == [None] * 4
    assert [p.date for p in years] == ["2027-02", "2028-01", "2029-01", "2030-01"]
    assert years[0].row_label == years[0].title


def test_fiscal_quarters_cut_at_the_fiscal_year_start():
    # fiscal years from February; the plan opens in January, the last month of FY2027 Q4
    quarters = Calendar(start=(2027, 1), fiscal_year_start=2).periods("quarter", 8)
    assert [(p.title, p.first, p.last) for p in quarters] == [
        ("FY2027 Q4 (1 mo)", 1, 1),
        ("FY2028 Q1", 2, 4),
        ("FY2028 Q2", 5, 7),
        ("FY2028 Q3 (1 mo)", 8, 8),
    ]
    months = Calendar(start=(2027, 1), fiscal_year_start=2).periods("month", 2)
    assert [(p.title, p.date, p.fiscal_year, p.fiscal_quarter) for p in months] == [
        ("Jan 2027", "2027-01", 2027, 4),
        ("Feb 2027", "2027-02", 2028, 1),
    ]


@given(
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.integers(1, 12),
    st.booleans(),
    st.sampled_from(["month", "quarter", "year"]),
    st.integers(1, 61),
)
def test_periods_tile_the_plan_and_hold_one_fiscal_period_each(y, m, fys, end, by, horizon):
    cal = Calendar(start=(y, m), fiscal_year_start=fys, label_end=end)
    cut = cal.periods(by, horizon)
    assert cut[0].first == 1
    assert cut[-1].last == horizon
    for a, b in itertools.pairwise(cut):
        assert b.first == a.last + 1
    for i, p in enumerate(cut):
        ks = range(p.first, p.last + 1)
        assert {cal.fiscal_year(k) for k in ks} == {p.fiscal_year}
        if by != "year":
            assert {cal.fiscal_quarter(k) for k in ks} == {p.fiscal_quarter}
        if p.partial:  # only the plan's ends cut a period short
            assert i in (0, len(cut) - 1)
            assert p.title == f"{p.label} ({p.months} mo)"
        else:
            assert p.title == p.label
        if by == "year" and not p.partial:
            assert cal.fiscal_year_months(p.fiscal_year) == (p.first, p.last)


def test_period_shown_keeps_whole_periods_and_months_bare():
    whole = Period("FY2028", 12, 23, 12, "2028-01", 2028, None)
    month = Period("Feb 2027", 1, 1, 1, "2027-02", 2027, 1)
    assert whole.shown == whole.title == whole.row_label == "FY2028"
    assert month.shown == month.title == "Feb 2027"


# --- projections: fiscal periods reconcile ----------------------------------------------------


def assert_bridge(rows: list[dict], total_revenue: float, ending_arr: float) -> None:
    assert sum(r["revenue"] for r in rows) == pytest.approx(total_revenue, rel=1e-12)
    for r in rows:
        flows = r["new"] + r["expansion"] + r["price_increase"] - r["contraction"] - r["churn"]
        assert r["opening_mrr"] + flows == pytest.approx(r["closing_mrr"], rel=1e-12, abs=1e-9)
    for a, b in itertools.pairwise(rows):
        assert b["opening_mrr"] == pytest.approx(a["closing_mrr"], rel=1e-12)
        assert b["month_start"] == a["month"] + 1
    assert 12 * rows[-1]["closing_mrr"] == pytest.approx(ending_arr, rel=1e-12)


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize(
    ("fys", "label", "titles", "months"),
    [
        (1, "end", ["FY2027 (11 mo)", "FY2028", "FY2029", "FY2030 (1 mo)"], [11, 12, 12, 1]),
        (2, "end", ["FY2028", "FY2029", "FY2030"], [12, 12, 12]),
        (7, "end", ["FY2027 (5 mo)", "FY2028", "FY2029", "FY2030 (7 mo)"], [5, 12, 12, 7]),
        (7, "start", ["FY2026 (5 mo)", "FY2027", "FY2028", "FY2029 (7 mo)"], [5, 12, 12, 7]),
    ],
)
def test_fiscal_years_of_a_plan_reconcile(timing, fys, label, titles, months):
    pr = project(scenario_from(plan_text(fys=fys, label=label, timing=timing)))
    m = pr.metrics
    for segment in (None, 0, 1):
        rows = periods(pr, "year", segment)
        assert [r["period"] for r in rows] == titles
        assert [r["month"] - r["month_start"] + 1 for r in rows] == months
        sm = m if segment is None else pr.segment_metrics[pr.segments[segment]]
        assert_bridge(rows, sm["total_revenue"], sm["ending_arr"])
    for by in ("quarter", "month"):
        assert_bridge(periods(pr, by), m["total_revenue"], m["ending_arr"])


def test_a_fiscal_year_sums_its_months():
    pr = project(scenario_from(plan_text(fys=7)))
    months = periods(pr, "month")
    for year in periods(pr, "year"):
        inside = [r for r in months if r["fiscal_year"] == year["fiscal_year"]]
        assert len(inside) == year["month"] - year["month_start"] + 1
        for key in ("revenue", "new", "expansion", "price_increase", "contraction", "churn"):
            assert sum(r[key] for r in inside) == pytest.approx(year[key], rel=1e-12)
        assert inside[0]["opening_mrr"] == pytest.approx(year["opening_mrr"], rel=1e-12)
        assert inside[-1]["closing_mrr"] == pytest.approx(year["closing_mrr"], rel=1e-12)


@given(
    scenario_dicts(),
    st.integers(1, 12),
    st.integers(1, 12),
    st.sampled_from(["end", "start"]),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_dated_periods_reconcile_for_any_plan(data, month, fys, label, by):
    data = {
        **data,
        "start": f"2027-{month:02d}",
        "fiscal_year_start": fys,
        "fiscal_year_label": label,
    }
    pr = project(build(data))
    rows = periods(pr, by)
    assert_bridge(rows, pr.metrics["total_revenue"], pr.metrics["ending_arr"])


def test_a_plan_starting_on_its_fiscal_year_has_the_undated_figures():
    """One code path: the calendar renames periods, it never changes a figure."""
    dated = project(scenario_from(plan_text(start="2027-07", fys=7, horizon=40)))
    undated = project(scenario_from(plan_text(start=None, horizon=40)))
    for by in ("month", "quarter", "year"):
        a, b = periods(dated, by), periods(undated, by)
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert {k: v for k, v in x.items() if k not in CALENDAR_KEYS} == {
                **y,
                "period": x["period"],
            }
    assert [r["period"] for r in periods(dated, "year")] == [
        "FY2028",
        "FY2029",
        "FY2030",
        "FY2031 (4 mo)",
    ]
    assert [r["period"] for r in periods(undated, "year")] == ["Y1", "Y2", "Y3", "Y4"]
    assert dated.metrics == undated.metrics


def test_plan_years_stay_twelve_months_from_the_start():
    pr = project(scenario_from(plan_text(fys=7, horizon=40)))
    ys = yearly(pr)
    assert [(y["year"], y["months"], y["first_month"], y["last_month"]) for y in ys] == [
        (1, 12, "2027-02", "2028-01"),
        (2, 12, "2028-02", "2029-01"),
        (3, 12, "2029-02", "2030-01"),
        (4, 4, "2030-02", "2030-05"),
    ]
    undated = yearly(project(scenario_from(plan_text(start=None, horizon=40))))
    for y, u in zip(ys, undated, strict=True):
        assert {k: v for k, v in y.items() if k not in ("first_month", "last_month")} == u
    assert "first_month" not in undated[0]


# --- JSON ---------------------------------------------------------------------------------


def test_json_monthly_rows_carry_their_date_and_fiscal_period(run_cli, tmp_path):
    data = run_json(run_cli, write(tmp_path, plan_text(fys=2)), "--by", "month")
    for rows in (data["totals"], data["periods"]):
        for r in rows:
            keys = [k for k in r if k != "segment"]
            assert keys[:4] == ["period", "date", "fiscal_year", "fiscal_quarter"]
            assert set(r) - {"segment"} == set(PERIOD_COLUMNS) - {"segment"} | set(CALENDAR_KEYS)
    totals = data["totals"]
    assert len(totals) == 36
    first, last = totals[0], totals[-1]
    assert (first["period"], first["date"], first["fiscal_year"], first["fiscal_quarter"]) == (
        "Feb 2027",
        "2027-02",
        2028,
        1,
    )
    assert (last["period"], last["date"], last["fiscal_year"], last["fiscal_quarter"]) == (
        "Jan 2030",
        "2030-01",
        2030,
        4,
    )
    assert [r["month"] for r in totals] == list(range(1, 37))


@pytest.mark.parametrize("by", ["quarter", "year"])
def test_json_period_rows_carry_their_fiscal_year_and_quarter(run_cli, tmp_path, by):
    data = run_json(run_cli, write(tmp_path, plan_text(fys=7)), "--by", by)
    for rows in (data["totals"], data["periods"]):
        for r in rows:
            assert "date" not in r
            keys = [k for k in r if k != "segment"]
            assert keys[:3] == ["period", "fiscal_year", "fiscal_quarter"]
            assert set(PERIOD_COLUMNS) - {"segment"} <= set(r)
    totals = data["totals"]
    if by == "year":
        assert [(r["period"], r["fiscal_year"], r["fiscal_quarter"]) for r in totals] == [
            ("FY2027 (5 mo)", 2027, None),
            ("FY2028", 2028, None),
            ("FY2029", 2029, None),
            ("FY2030 (7 mo)", 2030, None),
        ]
    else:  # Feb 2027 opens in FY2027 Q3 (Jan-Mar 2027)
        assert [r["period"] for r in totals[:3]] == ["FY2027 Q3 (2 mo)", "FY2027 Q4", "FY2028 Q1"]
        assert [(r["fiscal_year"], r["fiscal_quarter"]) for r in totals[:3]] == [
            (2027, 3),
            (2027, 4),
            (2028, 1),
        ]
        assert totals[-1]["period"] == "FY2030 Q3 (1 mo)"
    assert sum(r["revenue"] for r in totals) == pytest.approx(
        data["metrics"]["total_revenue"], rel=1e-12
    )
    for total in totals:  # the book is the sum of its segments, period by period
        parts = [r for r in data["periods"] if r["period"] == total["period"]]
        assert len(parts) == 2
        assert sum(r["revenue"] for r in parts) == pytest.approx(total["revenue"], rel=1e-12)


def test_json_years_and_conventions_name_the_calendar(run_cli, tmp_path):
    data = run_json(run_cli, write(tmp_path, plan_text(fys="feb")))
    years = data["years"]
    assert [(y["first_month"], y["last_month"]) for y in years] == [
        ("2027-02", "2028-01"),
        ("2028-02", "2029-01"),
        ("2029-02", "2030-01"),
    ]
    assert list(years[0])[:4] == ["year", "months", "first_month", "last_month"]
    assert "starting_book" in years[0] and "nrr" in years[0]
    for seg in data["segments"].values():
        assert seg["years"][0]["first_month"] == "2027-02"
    conv = data["conventions"]
    assert conv["start"] == "2027-02"
    assert conv["fiscal_year_start"] == 2
    assert conv["fiscal_year_label"] == "end"
    assert conv["months"] == "1-based: month 1 is Feb 2027"
    assert conv["calendar"] == (
        "fiscal years start in February, labelled by the year they end (FY2028: Feb 2027–Jan 2028)"
    )


@pytest.mark.parametrize("by", ["month", "quarter", "year"])
def test_json_of_an_undated_plan_has_no_calendar_keys(run_cli, tmp_path, by):
    data = run_json(run_cli, write(tmp_path, plan_text(start=None, horizon=40)), "--by", by)
    for row in [*data["periods"], *data["totals"]]:
        assert set(row) - {"segment"} == set(PERIOD_COLUMNS) - {"segment"}
    for y in data["years"]:
        assert "first_month" not in y and "last_month" not in y
    assert not {"start", "calendar", "fiscal_year_start"} & set(data["conventions"])
    assert data["conventions"]["months"] == "1-based: month 1 is the plan's first month"
    labels = {"month": "M40", "quarter": "Y4 Q2", "year": "Y4"}
    assert data["totals"][-1]["period"] == labels[by]


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "extra"),
    [
        ("month", ["date", "fiscal_year", "fiscal_quarter"]),
        ("quarter", ["fiscal_year", "fiscal_quarter"]),
        ("year", ["fiscal_year", "fiscal_quarter"]),
    ],
)
def test_csv_labels_fiscal_periods_and_matches_json(run_cli, tmp_path, by, extra):
    path = write(tmp_path, plan_text(fys=7))
    code, out, err = run_cli(["project", path, "-f", "csv", "--by", by])
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    assert header == [*PROJECT_CSV_COLUMNS[:2], *extra, *PROJECT_CSV_COLUMNS[2:]]
    rows = read_csv(out)
    data = run_json(run_cli, path, "--by", by)
    book = [r for r in rows if r["segment"] == "total"]
    assert len(book) == len(data["totals"])
    for row, total in zip(book, data["totals"], strict=True):
        assert row["period"] == total["period"]
        for key in extra:
            want = total[key]
            assert row[key] == ("" if want is None else str(want))
        assert float(row["revenue"]) == pytest.approx(total["revenue"], abs=0.005)
    first = {"month": "Feb 2027", "quarter": "FY2027 Q3 (2 mo)", "year": "FY2027 (5 mo)"}
    assert book[0]["period"] == first[by]
    if by == "month":
        assert [r["date"] for r in book[:2]] == ["2027-02", "2027-03"]


def test_csv_of_an_undated_plan_keeps_its_columns(run_cli, tmp_path):
    path = write(tmp_path, plan_text(start=None, horizon=40))
    code, out, _ = run_cli(["project", path, "-f", "csv", "--by", "year"])
    assert code == 0
    assert out.splitlines()[0] == ",".join(PROJECT_CSV_COLUMNS)
    assert [r["period"] for r in read_csv(out) if r["segment"] == "total"] == [
        "Y1",
        "Y2",
        "Y3",
        "Y4",
    ]


# --- tables, markdown, chart, conventions -------------------------------------------------


def test_markdown_labels_months_and_fiscal_periods(run_cli, tmp_path):
    path = write(tmp_path, plan_text(fys=2, horizon=30))
    code, out, err = run_cli(["project", path, "-f", "markdown", "--by", "year"])
    assert code == 0, err
    assert "## Revenue and ARR bridge by fiscal year (USD)" in out
    assert "| FY2028 |" in out
    assert "| FY2029 |" in out
    assert "| FY2030 (6 mo) |" in out
    assert "## By plan year" in out
    assert "| Y1 (Feb 2027–Jan 2028) |" in out
    assert "| Y3 (Feb–Jul 2029, 6 months) |" in out
    assert "exit (end of Jul 2029)" in out
    assert "Feb 2027" in out.split("```text")[1]  # the chart's first label
    assert "month 1 is Feb 2027" in out
    assert "fiscal years start in February, labelled by the year they end" in out
    code, out, _ = run_cli(["project", path, "-f", "markdown", "--by", "month"])
    assert "| Feb 2027 |" in out
    assert "| Jul 2029 |" in out
    assert "| M1 |" not in out


def dated_projection(**kw):
    return project(scenario_from(plan_text(**kw)))


@pytest.mark.parametrize("by", ["month", "quarter", "year"])
@pytest.mark.parametrize("fys", [1, 7])
def test_tables_fit_and_show_every_column(by, fys):
    from csmodel.records import project_record
    from csmodel.render.project import table

    pr = dated_projection(fys=fys, horizon=40)
    rec = project_record(pr, by)
    renderable = table(pr, by)
    for width in (60, 80, 100, 120):
        text = render(renderable, width)
        assert_fits(text, width)
        ts = tables(text)
        (bridge,) = find(ts, "Period")
        totals = rec["totals"]
        assert bridge["columns"]["Period"] == [r["period"] for r in totals]
        check_columns(
            bridge,
            bridge_columns(totals),
        )
        (years,) = find(ts, "Year")
        assert years["columns"]["Year"][0] == "Y1 (Feb 2027–Jan 2028)"
        assert years["columns"]["Year"][-1] == "Y4 (Feb–May 2030, 4 months)"
        ys = rec["years"]
        check_columns(
            years,
            year_columns(ys),
        )
        assert "Feb 2027" in text
        if width >= 80:
            assert "exit (end of May 2030)" in text


def test_table_names_the_calendar_in_its_conventions(run_cli, tmp_path):
    path = write(tmp_path, plan_text(fys="july", label="start"))
    code, out, err = run_cli(["project", path], env={"COLUMNS": "200"})
    assert code == 0, err
    assert "Revenue and ARR bridge by fiscal year (USD)" in out
    assert "FY2026 (5 mo)" in out
    assert "FY2029 (7 mo)" in out
    assert "By plan year" in out
    assert "month 1 is Feb 2027 · fiscal years start in July, labelled by the year they start" in (
        out
    )
    assert "(FY2026: Jul 2026–Jun 2027)" in out
    assert "months are 1-based" not in out


def test_undated_table_keeps_its_labels(run_cli, tmp_path):
    path = write(tmp_path, plan_text(start=None, horizon=40))
    code, out, _ = run_cli(["project", path], env={"COLUMNS": "200"})
    assert code == 0
    assert "Revenue and ARR bridge by year (USD)" in out
    assert "Y4 (partial)" in out
    assert "Y4 (4 months)" in out
    assert "\nBy year\n" in out
    assert "start" in out and "exit (end of month 40)" in out
    assert "months are 1-based" in out
    assert "FY" not in out and "fiscal" not in out


def test_chart_axis_labels_never_run_together():
    from csmodel.render.chart import Chart, horizon_labels

    for cal in (Calendar(), Calendar(start=(2027, 2))):
        labels = horizon_labels(cal, 24)
        text = Chart([("ARR", [float(i) for i in range(25)])], x_labels=labels, max_points=25)
        last = text.text(80).plain.rstrip("\n").splitlines()[-1]
        assert f"{labels[0]} " in last  # a space before the exit label
        assert last.endswith(labels[1])
    assert horizon_labels(Calendar(), 24) == ("start", "exit (end of month 24)")
    assert horizon_labels(Calendar(start=(2027, 2)), 24) == ("Feb 2027", "exit (end of Jan 2029)")


def test_user_text_stays_escaped_in_a_dated_plan(run_cli, tmp_path):
    text = plan_text().replace("name: Dated plan", 'name: "[bold]FY|plan*"')
    path = write(tmp_path, text)
    code, out, err = run_cli(["project", path, "-f", "markdown"])
    assert code == 0, err
    assert "# \\[bold\\]FY\\|plan\\*" in out
    code, out, err = run_cli(["project", path], env={"COLUMNS": "100"})
    assert code == 0, err
    assert "[bold]FY|plan*" in out


# --- compare ------------------------------------------------------------------------------


def test_compare_names_months_when_every_column_shares_the_start(run_cli, tmp_path):
    a = write(tmp_path, plan_text(fys=2), "a.yaml")
    b = write(tmp_path, plan_text(fys=2).replace("churn: {rate: 1%", "churn: {rate: 2%"), "b.yaml")
    code, out, err = run_cli(["compare", a, b, "--metrics", "total_revenue"], env={"COLUMNS": "80"})
    assert code == 0, err
    assert "Feb 2027" in out
    assert "exit (end of Jan 2030)" in out
    assert "month 1 is Feb 2027 · fiscal years start in February" in " ".join(out.split())
    code, out, err = run_cli(["compare", a, b, "-f", "markdown", "--metrics", "total_revenue"])
    assert code == 0, err
    assert "fiscal years start in February, labelled by the year they end" in out
    code, out, err = run_cli(["compare", a, b, "-f", "json", "--metrics", "total_revenue"])
    assert code == 0, err
    for col in json.loads(out)["columns"]:
        assert col["conventions"]["start"] == "2027-02"
        assert col["conventions"]["fiscal_year_start"] == 2


def test_compare_of_plans_with_different_starts_counts_plan_months(run_cli, tmp_path):
    a = write(tmp_path, plan_text(), "a.yaml")
    b = write(tmp_path, plan_text(start="2027-05"), "b.yaml")
    code, out, err = run_cli(["compare", a, b, "--metrics", "total_revenue"], env={"COLUMNS": "80"})
    assert code == 0, err
    assert "exit (end of month 36)" in out
    flat = " ".join(out.split())
    assert "month 1 is Feb 2027" in flat and "month 1 is May 2027" in flat


def test_compare_of_undated_plans_is_unchanged(run_cli):
    files = [SCENARIOS / "enterprise.yaml", SCENARIOS / "midmarket.yaml"]
    code, out, err = run_cli(["compare", *files], env={"COLUMNS": "80"})
    assert code == 0, err
    assert "start" in out and "exit (end of month 36)" in out
    assert "fiscal" not in out
