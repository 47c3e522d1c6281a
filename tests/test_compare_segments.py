"""compare --by segment, human labels, sensitivity steps and headcount break-even in every format
(issue 9 items 6, 7, 9)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import SCENARIOS

from csmodel.ids import metric_label

SAAS = str(SCENARIOS / "saas-company.yaml")
ENTERPRISE = str(SCENARIOS / "enterprise.yaml")


def test_compare_by_segment_json_matches_project(run_cli):
    code, out, err = run_cli(
        [
            "compare",
            SAAS,
            "--variants",
            "base",
            "--metrics",
            "nrr,ending_arr",
            "--by",
            "segment",
            "-f",
            "json",
        ]
    )
    assert code == 0, err
    col = json.loads(out)["columns"][0]
    project = json.loads(run_cli(["project", SAAS, "-f", "json"])[1])
    for name, seg in project["segments"].items():
        for m in ("nrr", "ending_arr"):
            assert col["segments"][name][m] == pytest.approx(seg["metrics"][m], rel=1e-12)


def test_compare_by_segment_csv_has_book_and_segment_rows(run_cli):
    code, out, err = run_cli(
        ["compare", SAAS, "--metrics", "total_revenue", "--by", "segment", "-f", "csv"]
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert {r["segment"] for r in rows} == {"total", "enterprise", "mid-market", "smb"}
    base = [r for r in rows if r["variant"] == ""]
    total = next(float(r["value"]) for r in base if r["segment"] == "total")
    parts = sum(float(r["value"]) for r in base if r["segment"] != "total")
    assert parts == pytest.approx(total, abs=0.05)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_compare_shows_human_labels_and_segments(run_cli, fmt):
    code, out, err = run_cli(
        ["compare", SAAS, "--metrics", "nrr,ending_arr", "--by", "segment", "-f", fmt],
    )
    assert code == 0, err
    assert metric_label("nrr") in out
    assert metric_label("ending_arr") in out
    assert "By segment" in out
    for name in ("enterprise", "mid-market", "smb"):
        assert name in out


def test_sensitivity_rows_state_their_step(run_cli):
    code, out, err = run_cli(["sensitivity", SAAS, "-f", "json", "--step", "2"])
    assert code == 0, err
    data = json.loads(out)
    assert data["step"] == pytest.approx(0.02)
    assert "±2 pt a year" in data["method"]
    # a plain movement rate moves by the step, annualised (smb's churn is a range: P5..P95)
    contraction = next(
        r for r in data["rows"] if r["assumption"] == "segments.mid-market.contraction.rate"
    )
    assert contraction["step_kind"] == "annualised"
    assert contraction["annual_high"] - contraction["annual_base"] == pytest.approx(0.02, rel=1e-9)
    churn = next(r for r in data["rows"] if r["assumption"] == "segments.smb.churn.rate")
    assert churn["step_kind"] == "range" and churn["step"] == "P5 to P95"
    code, out, err = run_cli(["sensitivity", SAAS, "--top", "5"])
    assert code == 0, err
    assert "The 5 largest swings of" in " ".join(out.split())
    assert "Step" in out


def test_headcount_sweep_shows_break_even_and_plan_in_whole_people(run_cli):
    code, out, err = run_cli(["headcount", ENTERPRISE, "-f", "json"])
    assert code == 0, err
    data = json.loads(out)
    rows = {r["csms"]: r for r in data["sweep"]["enterprise"]}
    assert rows[3]["break_even_churn_sensitivity"] == pytest.approx(
        data["segments"]["enterprise"]["cut_verdict"]["break_even_churn_sensitivity"]
    )
    assert rows[5]["break_even_churn_sensitivity"] is None
    for q in data["hiring_plan"]:
        assert float(q["headcount_end"]).is_integer()
        assert isinstance(q["leavers"], int)
    code, out, _ = run_cli(["headcount", ENTERPRISE])
    flat = " ".join(out.split())
    be = rows[3]["break_even_churn_sensitivity"]
    assert f"< {be:.2f}" in flat
    assert f"this cut pays only if churn sensitivity is below {be:.2f}" in flat
    assert "Whole CSMs" in flat


def test_compare_values_a_staffing_difference_past_the_horizon(run_cli, tmp_path):
    """DOMAIN 11.2's example through compare: enterprise cut 4 -> 3 CSMs."""
    path = tmp_path / "enterprise.yaml"
    text = (SCENARIOS / "enterprise.yaml").read_text(encoding="utf-8")
    path.write_text(
        text + "\nvariants:\n  cut:\n    set:\n      segments.enterprise.csms: 3\n"
        "  pricier:\n    set:\n      segments.enterprise.acv: 110000\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(
        ["compare", path, "--metrics", "contribution,ending_arr", "-f", "json"]
    )
    assert code == 0, err
    base, cut, pricier = json.loads(out)["columns"]
    assert cut["staffing_differs"] and cut["break_even_month"] == 49
    assert round(cut["metrics"]["contribution"] - base["metrics"]["contribution"]) == 156_804
    assert round(cut["metrics"]["ending_arr"] - base["metrics"]["ending_arr"]) == -286_886
    assert not pricier["staffing_differs"] and pricier["break_even_month"] is None
    code, out, _ = run_cli(["compare", path, "--metrics", "contribution"])
    assert "Break-even month (staffing)" in out and " 49" in out
