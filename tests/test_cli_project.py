"""``csmodel project``: formats, periods, output files, errors, exit codes, startup."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from conftest import PAPER, SCENARIOS

from csmodel import __version__
from csmodel.ids import METRICS
from csmodel.records import PERIOD_COLUMNS, PROJECT_CSV_COLUMNS

SAAS = SCENARIOS / "saas-company.yaml"
PAPER_06 = PAPER / "06-midmarket-70-monthly.yaml"
INVALID = "name: t\nsegments:\n  s:\n    accounts: 10\n    acv: 1200\n    chrun: {rate: 2%}\n"


# --- formats -----------------------------------------------------------------------


def test_table(run_cli):
    code, out, err = run_cli(["project", SAAS])
    assert code == 0, err
    assert "Total revenue" in out
    assert "Conventions" in out
    assert "timing end" in out
    assert err == ""


def test_json(run_cli):
    code, out, err = run_cli(["project", SAAS, "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert data["scenario"] == "Acme SaaS — FY27 plan"
    conv = data["conventions"]
    assert conv["timing"] == "end"
    assert conv["renewals"] == "spread"
    assert conv["horizon_months"] == 36
    assert conv["currency"] == "USD"
    assert set(METRICS) <= set(data["metrics"])
    assert set(data["segments"]) == {"enterprise", "mid-market", "smb"}
    for seg in data["segments"].values():
        assert set(METRICS) <= set(seg["metrics"])
        assert len(seg["years"]) == 3
    assert [y["year"] for y in data["years"]] == [1, 2, 3]
    assert data["periods"]
    for row in data["periods"]:
        assert set(row) == set(PERIOD_COLUMNS)
    assert len(data["periods"]) == 3 * 3  # by year (the default), per segment
    assert len(data["totals"]) == 3
    # the totals are the book: each period's revenue is the sum over segments
    for i, total in enumerate(data["totals"]):
        parts = [r["revenue"] for r in data["periods"] if r["period"] == total["period"]]
        assert len(parts) == 3, i
        assert total["revenue"] == pytest.approx(sum(parts), rel=1e-12)
    assert sum(t["revenue"] for t in data["totals"]) == pytest.approx(
        data["metrics"]["total_revenue"], rel=1e-12
    )


def test_json_paper_06_total(run_cli):
    code, out, _ = run_cli(["project", PAPER_06, "-f", "json"])
    assert code == 0
    total = json.loads(out)["metrics"]["total_revenue"]
    assert total == pytest.approx(210_000 * (1.02**36 - 1) / 0.02, abs=0.005)
    assert round(total) == 10_918_817


def test_csv(run_cli):
    code, out, err = run_cli(["project", SAAS, "--format", "csv", "--by", "quarter"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ",".join(PROJECT_CSV_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 4 * 12  # three segments, then the book's rows
    assert {r["segment"] for r in rows} == {"enterprise", "mid-market", "smb", "total"}


def test_markdown(run_cli):
    code, out, err = run_cli(["project", PAPER_06, "--format", "markdown"])
    assert code == 0, err
    assert out.startswith("# Paper: 70 accounts, monthly upsell 4% and churn 2%")
    assert "| Metric | Value |" in out
    assert "Total revenue" in out
    assert "$10,918,817" in out
    assert "Conventions" in out


@pytest.mark.parametrize(("by", "rows"), [("month", 36), ("quarter", 12), ("year", 3)])
def test_by_period_row_counts(run_cli, by, rows):
    code, out, _ = run_cli(["project", PAPER_06, "-f", "json", "--by", by])
    assert code == 0
    data = json.loads(out)
    assert len(data["periods"]) == rows
    assert len(data["totals"]) == rows
    assert data["conventions"]["by"] == by
    code, out, _ = run_cli(["project", PAPER_06, "-f", "csv", "--by", by])
    assert code == 0
    assert len(out.splitlines()) == 2 * rows + 1  # the segment's rows, then the book's


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_format_on_every_paper_file(run_cli, fmt):
    for path in sorted(PAPER.glob("*.yaml")):
        code, out, err = run_cli(["project", path, "-f", fmt])
        assert code == 0, (path, err)
        assert out.strip()
        assert err == ""


def test_unknown_format_is_a_usage_error(run_cli):
    code, out, err = run_cli(["project", PAPER_06, "-f", "xml"])
    assert code == 2
    assert out == ""
    assert "xml" in err


def test_unknown_period_is_a_usage_error(run_cli):
    code, out, _ = run_cli(["project", PAPER_06, "--by", "week"])
    assert code == 2
    assert out == ""


# --- output files ------------------------------------------------------------------


def test_output_file_is_written_and_not_overwritten_without_force(run_cli, tmp_path):
    target = tmp_path / "result.json"
    code, out, err = run_cli(["project", PAPER_06, "-f", "json", "--output", target])
    assert code == 0, err
    assert out == ""
    first = target.read_text(encoding="utf-8")
    assert round(json.loads(first)["metrics"]["total_revenue"]) == 10_918_817

    other = PAPER / "05-midmarket-70-annual.yaml"
    code, out, err = run_cli(["project", other, "-f", "json", "--output", target])
    assert code == 2
    assert "--force" in err
    assert target.read_text(encoding="utf-8") == first

    code, out, err = run_cli(["project", other, "-f", "json", "--output", target, "--force"])
    assert code == 0, err
    assert round(json.loads(target.read_text())["metrics"]["total_revenue"]) == 7_712_208
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary files left


def test_table_output_file(run_cli, tmp_path):
    target = tmp_path / "result.txt"
    code, out, err = run_cli(["project", PAPER_06, "-o", target])
    assert code == 0, err
    assert out == ""
    text = target.read_text(encoding="utf-8")
    assert "Total revenue" in text
    assert "\x1b[" not in text  # no terminal colour codes in a file


def test_output_into_a_missing_directory(run_cli, tmp_path):
    target = tmp_path / "missing" / "result.json"
    code, out, err = run_cli(["project", PAPER_06, "-f", "json", "-o", target])
    assert code == 4
    assert out == ""
    assert "does not exist" in err
    assert "Traceback" not in err
    assert not target.parent.exists()


# --- bad input ----------------------------------------------------------------------


def test_invalid_scenario(run_cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(INVALID, encoding="utf-8")
    code, out, err = run_cli(["project", path])
    assert code == 2
    assert out == ""
    assert err == f"{path}:6:5: error: segments.s: unknown key `chrun`; did you mean `churn`?\n"
    assert "Traceback" not in err


def test_invalid_scenario_on_stdin(run_cli):
    code, out, err = run_cli(["project", "-"], input=INVALID)
    assert code == 2
    assert out == ""
    assert err.startswith("<stdin>:6:5: error: segments.s: unknown key `chrun`")


def test_scenario_on_stdin(run_cli):
    code, out, err = run_cli(["project", "-", "-f", "json"], input=PAPER_06.read_text())
    assert code == 0, err
    assert round(json.loads(out)["metrics"]["total_revenue"]) == 10_918_817


def test_missing_file(run_cli, tmp_path):
    path = tmp_path / "nope.yaml"
    code, out, err = run_cli(["project", path])
    assert code == 2
    assert out == ""
    assert err == f"{path}: error: no such file\n"


def test_directory_instead_of_file(run_cli, tmp_path):
    code, out, err = run_cli(["project", tmp_path])
    assert code == 2
    assert out == ""
    assert "is a directory" in err


def test_version(run_cli):
    code, out, _ = run_cli(["--version"])
    assert code == 0
    assert out.strip() == f"csmodel {__version__}"


def test_no_file_and_no_default_file(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["project"])
    assert code == 2
    assert out == ""
    assert "csmodel.yaml" in err
    assert "csmodel init" in err
    assert "Traceback" not in err


def test_default_file_in_the_current_directory(run_cli, tmp_path, monkeypatch):
    (tmp_path / "csmodel.yaml").write_text(PAPER_06.read_text(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["project", "-f", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "Paper: 70 accounts, monthly upsell 4% and churn 2%"
    assert round(data["metrics"]["total_revenue"]) == 10_918_817


# --- startup -----------------------------------------------------------------------


def test_building_the_cli_imports_neither_numpy_nor_pydantic():
    code = (
        "import sys; from csmodel.cli import app; import typer.main; "
        "typer.main.get_command(app); "
        "print('numpy' in sys.modules, 'pydantic' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False False"


def test_python_m_csmodel_help():
    proc = subprocess.run(
        [sys.executable, "-m", "csmodel", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "project" in proc.stdout
    assert "Exit codes" in proc.stdout
