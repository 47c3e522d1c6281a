"""CSV and JUnit output: spreadsheet-ready numbers, book totals, neutralised text (issue 9, 20)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from conftest import SCENARIOS

from csmodel.engine import project
from csmodel.records import BOOK_TOTAL, PROJECT_CSV_COLUMNS
from csmodel.render.machine import dump_csv
from csmodel.render.safe import csv_cell
from tests.conftest import scenario_from

SAAS = str(SCENARIOS / "saas-company.yaml")
ENTERPRISE = str(SCENARIOS / "enterprise.yaml")


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def decimals(cell: str) -> int:
    return len(cell.split(".")[1]) if "." in cell else 0


@pytest.mark.parametrize("by", ["month", "quarter", "year"])
def test_project_csv_has_book_totals_and_matches_json(run_cli, by):
    code, out, err = run_cli(["project", SAAS, "-f", "csv", "--by", by])
    assert code == 0, err
    rows = read_csv(out)
    assert list(rows[0]) == list(PROJECT_CSV_COLUMNS)
    code, js, _ = run_cli(["project", SAAS, "-f", "json", "--by", by])
    data = json.loads(js)
    totals = [r for r in rows if r["segment"] == BOOK_TOTAL]
    assert len(totals) == len(data["totals"])
    for row, total in zip(totals, data["totals"], strict=True):
        assert row["period"] == total["period"]
        for col in ("revenue", "closing_arr", "new_arr", "churn_arr", "csm_cost"):
            assert float(row[col]) == pytest.approx(total[col], abs=0.005), col
        # the book total is the sum of the segments' rows
        parts = [r for r in rows if r["period"] == row["period"] and r["segment"] != BOOK_TOTAL]
        assert len(parts) == 3
        assert sum(float(r["revenue"]) for r in parts) == pytest.approx(
            float(row["revenue"]), abs=0.05
        )
    # the last closing ARR is the exit ARR
    assert float(totals[-1]["closing_arr"]) == pytest.approx(
        data["metrics"]["ending_arr"], abs=0.005
    )


def test_project_csv_rounds_money_to_cents_and_rates_to_six_decimals(run_cli):
    code, out, _ = run_cli(["project", SAAS, "-f", "csv", "--by", "month"])
    assert code == 0
    money = [c for c in PROJECT_CSV_COLUMNS if c.endswith("_arr")] + ["revenue", "csm_cost"]
    for row in read_csv(out):
        for col in money:
            assert decimals(row[col]) <= 2, (col, row[col])
        for col in ("coverage", "fte_required", "accounts"):
            assert decimals(row[col]) <= 6, (col, row[col])


def test_project_csv_bridge_reconciles_in_arr(run_cli):
    code, out, _ = run_cli(["project", SAAS, "-f", "csv", "--by", "quarter"])
    assert code == 0
    for row in read_csv(out):
        f = {k: float(row[k]) for k in row if k.endswith("_arr")}
        closing = (
            f["opening_arr"]
            + f["new_arr"]
            + f["expansion_arr"]
            + f["price_increase_arr"]
            - f["contraction_arr"]
            - f["churn_arr"]
        )
        assert closing == pytest.approx(f["closing_arr"], abs=0.05)


def test_headcount_csv_holds_the_sweep_and_the_plan(run_cli):
    code, out, err = run_cli(["headcount", ENTERPRISE, "-f", "csv"])
    assert code == 0, err
    rows = read_csv(out)
    code, js, _ = run_cli(["headcount", ENTERPRISE, "-f", "json"])
    data = json.loads(js)
    sweep = [r for r in rows if r["table"] == "sweep"]
    assert len(sweep) == len(data["sweep"]["enterprise"])
    for row, rec in zip(sweep, data["sweep"]["enterprise"], strict=True):
        assert float(row["csms"]) == rec["csms"]
        assert float(row["gross_profit"]) == pytest.approx(rec["gross_profit"], abs=0.005)
    plan = [r for r in rows if r["table"] == "hiring_plan"]
    assert {r["segment"] for r in plan} == {"enterprise", BOOK_TOTAL}
    assert len([r for r in plan if r["segment"] == BOOK_TOTAL]) == len(data["hiring_plan"])


def test_sensitivity_csv_ranks_like_json(run_cli):
    code, out, err = run_cli(["sensitivity", ENTERPRISE, "-f", "csv"])
    assert code == 0, err
    rows = read_csv(out)
    data = json.loads(run_cli(["sensitivity", ENTERPRISE, "-f", "json"])[1])
    assert [r["assumption"] for r in rows] == [r["assumption"] for r in data["rows"]]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    for row, rec in zip(rows, data["rows"], strict=True):
        assert float(row["swing"]) == pytest.approx(rec["swing"], abs=0.005)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("mid-market", "mid-market"),
        ("a\x1bb", "a\\x1bb"),
    ],
)
def test_csv_cells_are_neutralised(text, expected):
    assert csv_cell(text) == expected


def test_csv_numbers_are_untouched_by_neutralisation():
    assert csv_cell(-3.5) == -3.5
    out = dump_csv([{"a": -3.5, "b": "=1"}], ("a", "b"))
    assert read_csv(out) == [{"a": "-3.5", "b": "'=1"}]


def test_csv_quotes_fields_holding_cr_or_lf():
    out = dump_csv([{"a": "x\ry", "b": "p\nq"}, {"a": "2", "b": "3"}], ("a", "b"))
    assert read_csv(out) == [{"a": "x\ry", "b": "p\nq"}, {"a": "2", "b": "3"}]


def test_project_csv_neutralises_a_formula_segment_name():
    from csmodel.render.machine import project_csv

    pr = project(
        scenario_from(
            "name: t\nsegments:\n  '=cmd|calc':\n    accounts: 1\n    acv: 1200\n"
            "  '-x':\n    accounts: 1\n    acv: 1200\n"
        )
    )
    rows = read_csv("".join(project_csv(pr, "year").chunks))
    assert {r["segment"] for r in rows} == {"'=cmd|calc", "'-x", BOOK_TOTAL}


def test_junit_names_a_lint_per_segment_and_stays_well_formed(tmp_path, run_cli):
    path = tmp_path / "two.yaml"
    seg = "    accounts: 10\n    acv: 10000\n    churn: {rate: 60%}\n    expansion: {rate: 1%}\n"
    path.write_text(f"name: t\nsegments:\n  a:\n{seg}  b:\n{seg}", encoding="utf-8")
    code, out, err = run_cli(["check", str(path), "-f", "junit"])
    assert code == 0, err  # warnings only
    root = ET.fromstring(out)
    names = [tc.get("name") for tc in root.iter("testcase")]
    assert len(names) == len(set(names)), names
    assert "extreme-churn[a]" in names
    assert "extreme-churn[b]" in names
